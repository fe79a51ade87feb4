'use strict';
// Runs the oidc-assume binary this release ships for the runner's platform, after checking it
// against the release's SHA-256 list. Nothing is downloaded: the binaries and `bin/SHA256SUMS`
// are part of the release commit the tag points to, so pinning the action by commit pins the
// binary. The binary reads its inputs from the INPUT_* variables the runner sets for a node
// action, exactly as in the container.
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// `${process.platform}-${process.arch}` -> the file under bin/.
const BINARIES = {
  'linux-x64': 'oidc-assume-linux-x64',
  'linux-arm64': 'oidc-assume-linux-arm64',
  'darwin-x64': 'oidc-assume-macos-x64',
  'darwin-arm64': 'oidc-assume-macos-arm64',
  'win32-x64': 'oidc-assume-windows-x64.exe',
};

// Annotation data escaped as the toolkit escapes it.
function fail(message) {
  const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  process.stdout.write(`::error::oidc-assume: ${data}${os.EOL}`);
  process.exitCode = 1;
}

// The verified path of this platform's binary, or an Error saying what is wrong.
function verifiedBinary(dir, platform, arch) {
  const name = BINARIES[`${platform}-${arch}`];
  if (!name) {
    throw new Error(`no binary for ${platform} on ${arch}; supported: ${Object.keys(BINARIES).join(', ')}`);
  }
  const file = path.join(dir, name);
  const sums = fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8');
  const listed = sums.split(/\r?\n/).map((line) => line.split(/ [ *]/)).find((f) => f[1] === name);
  if (!listed || !/^[0-9a-f]{64}$/.test(listed[0])) {
    throw new Error(`bin/SHA256SUMS lists no SHA-256 for ${name}`);
  }
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`this release has no ${name} (${e.code}): use a release tag, or the container action`);
  }
  const actual = crypto.createHash('sha256').update(bytes).digest('hex');
  if (actual !== listed[0]) {
    throw new Error(`${name} does not match its SHA-256 in bin/SHA256SUMS (${actual}); refusing to run it`);
  }
  return file;
}

// Runs the binary with `args`, passing the signals that cancel a step on, and exits as it does.
function launch(args) {
  let file;
  try {
    file = verifiedBinary(path.join(__dirname, 'bin'), process.platform, process.arch);
  } catch (e) {
    fail(e.message);
    return;
  }
  const child = spawn(file, args, { stdio: 'inherit' });
  // The runner cancels a step with SIGINT, then SIGTERM 7.5 s later, sent to this process only
  // on Linux and macOS: pass them on. On Windows it sends Ctrl-C, then Ctrl-Break, to every
  // process on the console, the binary included, and child.kill() would end the binary at once
  // (TerminateProcess): only stay alive until the binary exits (actions/runner ProcessInvoker).
  if (process.platform === 'win32') {
    for (const signal of ['SIGINT', 'SIGBREAK']) {
      process.on(signal, () => {});
    }
  } else {
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.on(signal, () => child.kill(signal));
    }
  }
  child.on('error', (e) => fail(`cannot start ${path.basename(file)}: ${e.message}`));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (os.constants.signals[signal] ?? 0);
  });
}

module.exports = { BINARIES, launch, verifiedBinary };
