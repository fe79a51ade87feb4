"""The whole step of each form, for `scripts/bench --steps`: what a user waits for, process or
container start included.

- native: the native action as the release lays it out (scripts/native-action, with the binary
  measured), started as the runner starts a node action: `node main.js`, which checks the binary's
  SHA-256 and runs it.
- container: the image run as the runner runs a container action's step (actions/runner
  `DockerCommandManager.DockerRun`, as tests/container.rs does): `--workdir /github/workspace
  --rm`, one `-e NAME` per variable with its value in podman's environment, `-e
  GITHUB_ACTIONS=true`, the runner's mounts with every variable's host path rewritten to its
  container path, and `--network host` (the one departure: the stand-ins listen on loopback).
  The image is built before the runs; a runner pulls (or, on a branch, builds) it before the step,
  which is not counted here.
- node action: aws-actions/configure-aws-credentials, from a checkout given with --node-action
  (fetched, never committed), started as the runner starts it: `node dist/index.js` with its
  declared input defaults as INPUT_* variables. It also calls GetCallerIdentity, which the
  stand-in STS answers.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent

# Variables podman itself reads; never passed into the container.
PODMAN_OWN = ("PATH", "CONTAINERS_CONF", "XDG_RUNTIME_DIR", "TMPDIR")


def lay_out_native(binary: Path, out: Path) -> list[str]:
    """Lays out the native action around `binary` (as linux-x64); returns the command to run."""
    result = subprocess.run(
        [str(REPO / "scripts" / "native-action"), str(out), f"linux-x64={binary}"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"scripts/native-action failed: {result.stderr.strip()}")
    return ["node", str(out / "main.js")]


def _translate(value: str, mounts: list[tuple[str, str]]) -> str:
    """The runner's TranslateToContainerPath: the longest mounted host prefix wins."""
    for host, container in sorted(mounts, key=lambda m: -len(m[0])):
        if value == host or value.startswith(host + "/"):
            return container + value[len(host):]
    return value


def container_step(image: str, variables: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The runner's `docker run` for one step, as podman: the command and podman's environment."""
    temp = Path(variables["RUNNER_TEMP"])
    workflow = temp / "_github_workflow"
    workflow.mkdir(exist_ok=True)
    socket = temp / "docker.sock"
    socket.touch()
    mounts = [
        (str(socket), "/var/run/docker.sock"),
        (str(temp), "/github/runner_temp"),
        (variables["HOME"], "/github/home"),
        (str(workflow), "/github/workflow"),
        (str(Path(variables["GITHUB_ENV"]).parent), "/github/file_commands"),
        (variables["GITHUB_WORKSPACE"], "/github/workspace"),
    ]
    passed = {k: _translate(v, mounts) for k, v in variables.items() if k not in PODMAN_OWN}
    argv = ["podman", "run", "--name", f"oidc-assume-bench-{uuid.uuid4().hex}",
            "--workdir", "/github/workspace", "--rm"]
    for name in passed:
        argv += ["-e", name]
    argv += ["-e", "GITHUB_ACTIONS=true", "--network", "host"]
    for host, container in mounts:
        argv += ["-v", f"{host}:{container}"]
    argv.append(image)
    env = {k: v for k, v in variables.items() if k in PODMAN_OWN}
    env.update(passed)
    return argv, env


def node_action(checkout: Path) -> tuple[list[str], dict[str, str]]:
    """The Node action's command and the INPUT_* variables of its declared defaults."""
    metadata = checkout / "action.yml"
    if not metadata.is_file():
        raise RuntimeError(f"{checkout} holds no action.yml: give a checkout of "
                           "aws-actions/configure-aws-credentials")
    main = re.search(r"^\s+main:\s*(\S+)", metadata.read_text(), re.M)
    if not main:
        raise RuntimeError(f"{metadata} names no main script")
    return ["node", str(checkout / main.group(1))], _input_defaults(metadata.read_text())


def _input_defaults(text: str) -> dict[str, str]:
    """`inputs:` entries with a plain `default:`, as the runner passes them (INPUT_ + upper case)."""
    defaults: dict[str, str] = {}
    section = re.search(r"^inputs:\n((?:[ \t]+.*\n|\n)*)", text, re.M)
    name = None
    for line in (section.group(1) if section else "").splitlines():
        entry = re.match(r"^  ([A-Za-z0-9_-]+):\s*$", line)
        if entry:
            name = entry.group(1)
            continue
        default = re.match(r"^    default:\s*(.*?)\s*$", line)
        if name and default:
            value = default.group(1).strip("'\"")
            defaults[f"INPUT_{name.replace(' ', '_').upper()}"] = value
    return defaults
