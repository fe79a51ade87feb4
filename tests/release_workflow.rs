//! The release pipeline's supply-chain rules, checked on the workflow files and the Dockerfile.
//!
//! - **No emulation.** No workflow sets up QEMU unless its binfmt image is pinned by digest and
//!   the Actions cache is off for it; every image build names one platform and runs on a runner of
//!   that architecture, so the Dockerfile's self-check runs natively. `setup-buildx-action` does
//!   not restore its binary from the Actions cache. The release still publishes amd64 and arm64.
//! - **Explicit Rust.** Every toolchain a workflow installs or selects (`rustup toolchain install`,
//!   `cargo +…`, `RUSTUP_TOOLCHAIN`, `dtolnay/rust-toolchain`) is an `x.y.z` version, never
//!   `stable`; every step that runs cargo has one selected and installed; the workflows agree with
//!   each other and with the Dockerfile's Rust image; an MSRV job uses Cargo.toml's
//!   `rust-version`.
//! - **Base images by digest.** Every image the Dockerfile pulls is pinned by `@sha256:`, or the
//!   release refuses to run: the release's own check is run here against the Dockerfile with and
//!   without digests, and every job that publishes depends on it.
//! - **The major tag follows the highest release.** The release's tag step is run here with a
//!   stand-in `git` listing the repository's tags: `v1` moves only when the new release is the
//!   highest `v1.x.y` (semver order, pre-releases never move it), and the GitHub release is
//!   marked "Latest" only when it is the highest release of all.
//! - **Every native binary, checked and attested.** Each platform the native wrapper knows has a
//!   binary: the Linux ones are the images' own, the others are built by `scripts/cross` (which
//!   checks what they link) and started on a runner of their own system; all are laid out by
//!   `scripts/native-action`, covered by a build-provenance attestation, and committed only in
//!   the release commit.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_rust2::{Yaml, YamlLoader};

const RELEASE: &str = ".github/workflows/release.yml";
const CI: &str = ".github/workflows/ci.yml";

// --- reading the files ---------------------------------------------------------------------------

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(repo_file(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

fn load(name: &str) -> Yaml {
    YamlLoader::load_from_str(&read(name))
        .unwrap_or_else(|e| panic!("{name} is YAML: {e}"))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{name} has a document"))
}

/// Every workflow file, by path relative to the repository.
fn workflows() -> Vec<(String, Yaml)> {
    let dir = repo_file(".github/workflows");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").file_name())
        .filter_map(|name| name.to_str().map(str::to_owned))
        .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
        .map(|name| format!(".github/workflows/{name}"))
        .collect();
    names.sort();
    assert!(
        names.iter().any(|n| n == RELEASE) && names.iter().any(|n| n == CI),
        "expected {RELEASE} and {CI} among {names:?}"
    );
    names
        .into_iter()
        .map(|name| {
            let workflow = load(&name);
            (name, workflow)
        })
        .collect()
}

/// A YAML scalar as the runner sees it: a string.
fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn jobs(workflow: &Yaml) -> Vec<(String, Yaml)> {
    workflow["jobs"]
        .as_hash()
        .expect("a `jobs:` mapping")
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().expect("job ids are strings").to_owned(),
                v.clone(),
            )
        })
        .collect()
}

fn steps(job: &Yaml) -> Vec<Yaml> {
    job["steps"].as_vec().cloned().unwrap_or_default()
}

/// A step's `uses:` split into the action and its ref.
fn uses(step: &Yaml) -> Option<(String, String)> {
    let uses = scalar(&step["uses"])?;
    let (action, reference) = uses.split_once('@').unwrap_or((uses.as_str(), ""));
    Some((action.to_owned(), reference.to_owned()))
}

fn run(step: &Yaml) -> Option<String> {
    scalar(&step["run"])
}

fn step_name(step: &Yaml) -> String {
    scalar(&step["name"])
        .or_else(|| scalar(&step["uses"]))
        .or_else(|| run(step).map(|r| r.lines().next().unwrap_or_default().to_owned()))
        .unwrap_or_default()
}

fn env_of(node: &Yaml) -> BTreeMap<String, String> {
    node["env"]
        .as_hash()
        .map(|env| {
            env.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), scalar(v)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The environment a step's script sees from the workflow: workflow, then job, then step `env:`.
fn step_env(workflow: &Yaml, job: &Yaml, step: &Yaml) -> BTreeMap<String, String> {
    let mut env = env_of(workflow);
    env.extend(env_of(job));
    env.extend(env_of(step));
    env
}

/// The combinations a job's matrix runs (plain keys multiplied out, then each `include:` entry).
fn matrix_entries(job: &Yaml) -> Vec<BTreeMap<String, String>> {
    let matrix = &job["strategy"]["matrix"];
    let Some(hash) = matrix.as_hash() else {
        return vec![BTreeMap::new()];
    };
    let mut entries = vec![BTreeMap::new()];
    for (key, values) in hash {
        let key = key.as_str().expect("matrix keys are strings");
        if key == "include" || key == "exclude" {
            continue;
        }
        let values: Vec<String> = values
            .as_vec()
            .map(|v| v.iter().filter_map(scalar).collect())
            .unwrap_or_default();
        entries = entries
            .iter()
            .flat_map(|entry| {
                values.iter().map(move |value| {
                    let mut entry = entry.clone();
                    entry.insert(key.to_owned(), value.clone());
                    entry
                })
            })
            .collect();
    }
    let included: Vec<BTreeMap<String, String>> = matrix["include"]
        .as_vec()
        .map(|list| {
            list.iter()
                .map(|entry| {
                    entry
                        .as_hash()
                        .expect("include entries are mappings")
                        .iter()
                        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), scalar(v)?)))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    if included.is_empty() {
        entries
    } else if entries.len() == 1 && entries[0].is_empty() {
        included
    } else {
        entries.into_iter().chain(included).collect()
    }
}

/// `text` with every `${{ matrix.KEY }}` replaced by the entry's value.
fn substitute(text: &str, entry: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let expression = rest[start + 3..start + len].trim();
        out.push_str(&rest[..start]);
        match expression
            .strip_prefix("matrix.")
            .and_then(|key| entry.get(key))
        {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// `x.y.z`, digits only: a toolchain that cannot change under the workflow.
fn is_explicit_version(toolchain: &str) -> bool {
    let parts: Vec<&str> = toolchain.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `…@sha256:<64 hex digits>` at the end of an image reference.
fn is_digest_pinned(reference: &str) -> bool {
    reference
        .rsplit_once("@sha256:")
        .is_some_and(|(name, hex)| {
            !name.is_empty()
                && hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

// --- 1. no emulation ---------------------------------------------------------------------------

/// The architecture of a GitHub-hosted Linux runner label.
fn runner_arch(label: &str) -> &'static str {
    match label.strip_prefix("ubuntu-") {
        Some(rest) if rest.ends_with("-arm") => "arm64",
        Some(rest) if !rest.contains("arm") => "amd64",
        _ => panic!("runner `{label}`: its architecture is not known to this test"),
    }
}

#[test]
fn images_are_built_and_checked_on_their_own_architecture_without_emulation() {
    for (file, workflow) in workflows() {
        let mut built: BTreeSet<String> = BTreeSet::new();
        for (job_id, job) in jobs(&workflow) {
            let mut pinned_emulator = false;
            for step in steps(&job) {
                let Some((action, _)) = uses(&step) else {
                    continue;
                };
                let with = &step["with"];
                match action.as_str() {
                    "docker/setup-qemu-action" => {
                        let image = scalar(&with["image"]).unwrap_or_default();
                        assert!(
                            is_digest_pinned(&image),
                            "{file}, job `{job_id}`: QEMU's binfmt image is pulled by tag \
                             (`image: {image}`): pin it `@sha256:`, or build each platform on a \
                             runner of its own architecture"
                        );
                        assert_eq!(
                            scalar(&with["cache-image"]).as_deref(),
                            Some("false"),
                            "{file}, job `{job_id}`: the binfmt image must not be restored from \
                             the Actions cache (`cache-image: false`)"
                        );
                        pinned_emulator = true;
                    }
                    "docker/setup-buildx-action" => assert_eq!(
                        scalar(&with["cache-binary"]).as_deref(),
                        Some("false"),
                        "{file}, job `{job_id}`: buildx must not be restored from the Actions \
                         cache (`cache-binary: false`)"
                    ),
                    _ => {}
                }
            }
            for step in steps(&job) {
                if uses(&step).is_none_or(|(action, _)| action != "docker/build-push-action") {
                    continue;
                }
                // Without `platforms:` BuildKit builds for the runner's own platform.
                let Some(platforms) = scalar(&step["with"]["platforms"]) else {
                    continue;
                };
                let runs_on = scalar(&job["runs-on"])
                    .unwrap_or_else(|| panic!("{file}, job `{job_id}`: a single runs-on label"));
                for entry in matrix_entries(&job) {
                    let platforms = substitute(&platforms, &entry);
                    let runner = substitute(&runs_on, &entry);
                    let list: Vec<String> = platforms
                        .split([',', '\n'])
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect();
                    if !pinned_emulator {
                        assert_eq!(
                            list.len(),
                            1,
                            "{file}, job `{job_id}` builds {platforms} on one runner: all but one \
                             platform would need emulation (and the Dockerfile runs the binary)"
                        );
                        let arch = list[0].strip_prefix("linux/").unwrap_or(&list[0]);
                        assert_eq!(
                            runner_arch(&runner),
                            arch,
                            "{file}, job `{job_id}` builds {platforms} on `{runner}`"
                        );
                    }
                    built.extend(list);
                }
            }
        }
        if file == RELEASE {
            let expected: BTreeSet<String> = ["linux/amd64", "linux/arm64"]
                .into_iter()
                .map(str::to_owned)
                .collect();
            assert_eq!(
                built, expected,
                "{file}: the platforms the release publishes"
            );
        }
    }
}

// --- 2. explicit Rust --------------------------------------------------------------------------

fn unquote(token: &str) -> String {
    token.replace(['"', '\''], "")
}

/// Every toolchain a script names: `cargo +X`, `rustc +X`, `rustup +X`, `rustup toolchain install
/// X…`, `rustup install X…`, `rustup default X`, `rustup override set X`, `rustup run X`.
fn toolchains_named(script: &str) -> Vec<String> {
    const WITH_VALUE: &[&str] = &["--profile", "-c", "--component", "-t", "--target"];
    let joined = script.replace("\\\n", " ");
    let mut found = Vec::new();
    for line in joined.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let tokens: Vec<String> = line.split_whitespace().map(unquote).collect();
        for (i, token) in tokens.iter().enumerate() {
            let program = token.rsplit('/').next().unwrap_or(token);
            if !["cargo", "rustc", "rustup", "rustdoc"].contains(&program) {
                continue;
            }
            let mut rest = &tokens[i + 1..];
            if let Some(toolchain) = rest.first().and_then(|t| t.strip_prefix('+')) {
                found.push(toolchain.to_owned());
                rest = &rest[1..];
            }
            if program != "rustup" {
                continue;
            }
            let words: Vec<&str> = rest.iter().map(String::as_str).collect();
            let args: &[&str] = match words.as_slice() {
                ["toolchain", "install" | "add", args @ ..] | ["install", args @ ..] => args,
                ["default" | "run", toolchain, ..] | ["override", "set", toolchain, ..] => {
                    found.push((*toolchain).to_owned());
                    continue;
                }
                _ => continue,
            };
            let mut args = args.iter();
            while let Some(arg) = args.next() {
                if ["&&", "||", "|", ";"].contains(arg) {
                    break;
                }
                if WITH_VALUE.contains(arg) {
                    args.next();
                } else if !arg.starts_with('-') {
                    found.push(arg.trim_end_matches(';').to_owned());
                    if arg.ends_with(';') {
                        break;
                    }
                }
            }
        }
    }
    found
}

/// A toolchain argument with `$NAME` / `${NAME}` taken from the workflow's environment.
fn resolve(argument: &str, env: &BTreeMap<String, String>) -> Option<String> {
    match argument.strip_prefix('$') {
        Some(variable) => {
            let name = variable.trim_start_matches('{').trim_end_matches('}');
            env.get(name).cloned()
        }
        None => Some(argument.to_owned()),
    }
}

/// Scripts of this repository that run no Rust (scripts/native-action only copies and hashes).
const SCRIPTS_WITHOUT_RUST: &[&str] = &["scripts/native-action"];

fn runs_rust(script: &str) -> bool {
    script.split_whitespace().any(|word| {
        let word = unquote(word);
        let program = word.rsplit('/').next().unwrap_or(&word).to_owned();
        ["cargo", "rustc", "rustdoc"].contains(&program.as_str())
            || (word.starts_with("scripts/") && !SCRIPTS_WITHOUT_RUST.contains(&word.as_str()))
    })
}

fn cargo_toml_rust_version() -> String {
    read("Cargo.toml")
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("rust-version = \"")?
                .strip_suffix('"')
                .map(str::to_owned)
        })
        .expect("Cargo.toml declares rust-version")
}

/// Where the Dockerfile pulls its Rust from: the `FROM` of the rust image.
fn dockerfile_rust_image() -> String {
    dockerfile_base_images(&read("Dockerfile"))
        .into_iter()
        .find(|image| image.starts_with("docker.io/library/rust:") || image.starts_with("rust:"))
        .expect("the Dockerfile builds from a Rust image")
}

#[test]
fn every_rust_toolchain_is_an_explicit_version() {
    let mut pinned: BTreeSet<String> = BTreeSet::new();
    let msrv = cargo_toml_rust_version();
    let mut msrv_checked = false;
    for (file, workflow) in workflows() {
        if let Some(toolchain) = env_of(&workflow).get("RUSTUP_TOOLCHAIN") {
            pinned.insert(toolchain.clone());
        }
        for (job_id, job) in jobs(&workflow) {
            let mut installed: BTreeSet<String> = BTreeSet::new();
            for step in steps(&job) {
                let env = step_env(&workflow, &job, &step);
                let here = format!("{file}, job `{job_id}`, step `{}`", step_name(&step));
                if let Some(toolchain) = env.get("RUSTUP_TOOLCHAIN") {
                    assert!(
                        is_explicit_version(toolchain),
                        "{here}: RUSTUP_TOOLCHAIN is `{toolchain}`, not an x.y.z version"
                    );
                }
                if let Some((action, reference)) = uses(&step)
                    && [
                        "dtolnay/rust-toolchain",
                        "actions-rs/toolchain",
                        "actions-rust-lang/setup-rust-toolchain",
                    ]
                    .contains(&action.as_str())
                {
                    // dtolnay/rust-toolchain takes the toolchain from its ref unless `toolchain:`
                    // is given; the others default to `stable` or a rust-toolchain.toml.
                    let toolchain = scalar(&step["with"]["toolchain"]).unwrap_or_else(|| {
                        if action == "dtolnay/rust-toolchain" {
                            reference
                        } else {
                            String::new()
                        }
                    });
                    assert!(
                        is_explicit_version(&toolchain),
                        "{here}: {action} installs `{toolchain}`, not an x.y.z version"
                    );
                    installed.insert(toolchain);
                }
                let Some(script) = run(&step) else {
                    continue;
                };
                for argument in toolchains_named(&script) {
                    let toolchain = resolve(&argument, &env).unwrap_or_else(|| {
                        panic!("{here}: the toolchain `{argument}` is not set in the workflow")
                    });
                    assert!(
                        is_explicit_version(&toolchain),
                        "{here}: names the toolchain `{toolchain}`, not an x.y.z version"
                    );
                    installed.insert(toolchain);
                }
                if !runs_rust(&script) {
                    continue;
                }
                // Without a `+toolchain` on the command line, cargo uses RUSTUP_TOOLCHAIN or
                // else the runner's default, which changes with the runner image.
                let selected = env.get("RUSTUP_TOOLCHAIN").unwrap_or_else(|| {
                    panic!(
                        "{here} runs Rust with the runner's default toolchain: set \
                         RUSTUP_TOOLCHAIN to an x.y.z version"
                    )
                });
                assert!(
                    installed.contains(selected),
                    "{here} runs Rust {selected}, which no earlier step of the job installs \
                     (`rustup toolchain install \"$RUSTUP_TOOLCHAIN\"`)"
                );
                if file == CI
                    && *selected == msrv
                    && script.contains("cargo")
                    && script.contains("check")
                {
                    msrv_checked = true;
                }
            }
        }
    }
    assert_eq!(
        pinned.len(),
        1,
        "one Rust for all workflows, set in each as the workflow-level RUSTUP_TOOLCHAIN: {pinned:?}"
    );
    let toolchain = pinned.pop_first().expect("one toolchain");
    let image = dockerfile_rust_image();
    let tag = image
        .split_once(':')
        .map(|(_, tag)| tag.split('@').next().unwrap_or(tag))
        .unwrap_or_default();
    assert!(
        tag.starts_with(&format!("{toolchain}-")),
        "the Dockerfile's Rust image `{image}` is not Rust {toolchain}, the workflows' toolchain"
    );
    assert!(
        msrv_checked,
        "{CI} needs a job that runs `cargo check` with Cargo.toml's rust-version {msrv}"
    );
}

// --- 3. base images by digest ------------------------------------------------------------------

/// The images a Dockerfile pulls: `FROM` references that are not `scratch` and not stages,
/// with global `ARG` defaults filled in. A stage picked by an argument without a default
/// (`host-${TARGETARCH}`) counts as a stage when its fixed parts match stage names.
fn dockerfile_base_images(dockerfile: &str) -> Vec<String> {
    let mut defaults: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: Vec<String> = vec!["scratch".to_owned()];
    let mut images = Vec::new();
    let mut seen_from = false;
    for line in dockerfile.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        let Some(instruction) = words.next() else {
            continue;
        };
        if instruction.eq_ignore_ascii_case("ARG") && !seen_from {
            if let Some((name, value)) = words.next().and_then(|w| w.split_once('=')) {
                defaults.insert(name.to_owned(), value.to_owned());
            }
            continue;
        }
        if !instruction.eq_ignore_ascii_case("FROM") {
            continue;
        }
        seen_from = true;
        let args: Vec<&str> = words.skip_while(|w| w.starts_with("--")).collect();
        let reference = args.first().expect("FROM names an image");
        let mut resolved = (*reference).to_owned();
        for (name, value) in &defaults {
            resolved = resolved
                .replace(&format!("${{{name}}}"), value)
                .replace(&format!("${name}"), value);
        }
        let is_stage = if let Some((prefix, tail)) = resolved.split_once("${") {
            let suffix = tail.split_once('}').map(|(_, s)| s).unwrap_or_default();
            stages
                .iter()
                .any(|s| s.starts_with(prefix) && s.ends_with(suffix))
        } else {
            stages.contains(&resolved)
        };
        if !is_stage {
            images.push(resolved);
        }
        if args.len() >= 3 && args[1].eq_ignore_ascii_case("AS") {
            stages.push(args[2].to_owned());
        }
    }
    images
}

/// The Dockerfile with every pulled image's reference rewritten.
fn with_references(dockerfile: &str, rewrite: impl Fn(&str) -> String) -> String {
    let images = dockerfile_base_images(dockerfile);
    dockerfile
        .lines()
        .map(|line| {
            let mut words: Vec<String> = line.split(' ').map(str::to_owned).collect();
            if words
                .first()
                .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
            {
                for word in words.iter_mut().skip(1) {
                    if images.contains(word) {
                        *word = rewrite(word);
                        break;
                    }
                }
            }
            words.join(" ") + "\n"
        })
        .collect()
}

fn without_digest(reference: &str) -> String {
    reference.split('@').next().unwrap_or(reference).to_owned()
}

/// A directory of stand-in programs, first on PATH.
struct StandIns {
    dir: tempfile::TempDir,
}

impl StandIns {
    fn new(programs: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, body) in programs {
            let path = dir.path().join(name);
            std::fs::write(&path, body).expect("write stand-in");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .expect("chmod stand-in");
        }
        StandIns { dir }
    }

    fn path(&self) -> String {
        let system = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned());
        format!("{}:{system}", self.dir.path().display())
    }
}

/// Runs a step's script the way the runner does (`bash -e`, or `bash -eo pipefail` for
/// `shell: bash`), in `cwd`, with `env` added to a scrubbed environment.
fn run_step(step: &Yaml, cwd: &Path, path: &str, env: &[(&str, &str)]) -> Output {
    let script = run(step).expect("a run step");
    assert!(
        !script.contains("${{"),
        "step `{}`: expressions belong in `env:`, not in the script",
        step_name(step)
    );
    let file = cwd.join(".step.sh");
    std::fs::write(&file, script).expect("write the step's script");
    let mut command = Command::new("bash");
    match scalar(&step["shell"]).as_deref() {
        None => command.args(["-e"]),
        Some("bash") => command.args(["--noprofile", "--norc", "-eo", "pipefail"]),
        Some(other) => panic!("step `{}`: shell `{other}`", step_name(step)),
    };
    command
        .arg(&file)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", path)
        .env("HOME", cwd)
        .env("LC_ALL", "C")
        .envs(env.iter().copied())
        .output()
        .expect("run bash")
}

/// Jobs a job waits for, directly or not.
fn ancestors(jobs: &BTreeMap<String, Yaml>, id: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![id.to_owned()];
    while let Some(current) = todo.pop() {
        let needs = &jobs[&current]["needs"];
        let direct: Vec<String> = match needs {
            Yaml::Array(list) => list.iter().filter_map(scalar).collect(),
            other => scalar(other).into_iter().collect(),
        };
        for need in direct {
            if seen.insert(need.clone()) {
                todo.push(need);
            }
        }
    }
    seen
}

fn publishes(job: &Yaml) -> bool {
    let permissions = &job["permissions"];
    scalar(&permissions["contents"]).as_deref() == Some("write")
        || scalar(&permissions["packages"]).as_deref() == Some("write")
}

#[test]
fn the_release_refuses_base_images_not_pinned_by_digest() {
    let dockerfile = read("Dockerfile");
    let images = dockerfile_base_images(&dockerfile);
    assert!(
        images.iter().any(|i| i.contains("rust:")),
        "the Dockerfile's from-source stage pulls a Rust image: {images:?}"
    );
    let pinned = with_references(&dockerfile, |r| {
        format!(
            "{}@sha256:{}",
            without_digest(r),
            "0123456789abcdef".repeat(4)
        )
    });
    let unpinned = with_references(&dockerfile, without_digest);
    assert!(
        dockerfile_base_images(&pinned)
            .iter()
            .all(|i| is_digest_pinned(i))
    );
    assert!(
        !dockerfile_base_images(&unpinned)
            .iter()
            .any(|i| is_digest_pinned(i))
    );
    let today_pinned = images.iter().all(|i| is_digest_pinned(i));

    // The check must not depend on reaching a registry: the stand-in docker cannot, and the
    // stand-in git refuses anything.
    let refuse = "#!/bin/sh\necho 'not here' >&2\nexit 1\n";
    let stand_ins = StandIns::new(&[("docker", refuse), ("git", refuse)]);
    let workflow = load(RELEASE);
    let all_jobs: BTreeMap<String, Yaml> = jobs(&workflow).into_iter().collect();
    let mut guards = Vec::new();
    // Candidates: the steps of jobs that publish nothing and read the Dockerfile.
    for (job_id, job) in all_jobs.iter().filter(|(_, job)| !publishes(job)) {
        for step in steps(job) {
            if !run(&step).is_some_and(|s| s.contains("Dockerfile")) {
                continue;
            }
            let outcome = |content: &str| {
                let dir = tempfile::tempdir().expect("temp dir");
                std::fs::write(dir.path().join("Dockerfile"), content).expect("write Dockerfile");
                run_step(&step, dir.path(), &stand_ins.path(), &[])
            };
            let refuses_unpinned = !outcome(&unpinned).status.success();
            let passes_pinned = outcome(&pinned);
            if refuses_unpinned && passes_pinned.status.success() {
                guards.push((job_id.clone(), step.clone()));
            }
        }
    }
    let (guard_job, guard_step) = guards.first().unwrap_or_else(|| {
        panic!(
            "{RELEASE} has no step that fails on a Dockerfile whose base images are not pinned by \
             digest and passes once they are; the Dockerfile pulls {images:?}"
        )
    });
    for (job_id, job) in &all_jobs {
        if publishes(job) {
            assert!(
                ancestors(&all_jobs, job_id).contains(guard_job),
                "{RELEASE}: job `{job_id}` publishes without waiting for `{guard_job}`, which \
                 refuses unpinned base images"
            );
        }
    }
    // And on the Dockerfile as it is today.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("Dockerfile"), &dockerfile).expect("write Dockerfile");
    let today = run_step(guard_step, dir.path(), &stand_ins.path(), &[]);
    assert_eq!(
        today.status.success(),
        today_pinned,
        "the release's check on today's Dockerfile (base images {images:?}):\n{}{}",
        String::from_utf8_lossy(&today.stdout),
        String::from_utf8_lossy(&today.stderr)
    );
}

// --- 4. the major tag ---------------------------------------------------------------------------

/// A stand-in `git`: logs every call, answers `ls-remote` from a file of tags.
const FAKE_GIT: &str = r#"#!/usr/bin/env bash
printf '%s\n' "$*" >>"$FAKE_GIT_LOG"
if [[ $1 == ls-remote ]]; then
  if [[ -n ${FAKE_GIT_LS_REMOTE_FAILS:-} ]]; then
    echo "fatal: unable to access the repository" >&2
    exit 128
  fi
  if [[ " $* " == *" --refs "* ]]; then
    grep -v '\^{}$' "$FAKE_GIT_TAGS" || true
  else
    cat "$FAKE_GIT_TAGS"
  fi
fi
exit 0
"#;

struct TagRun {
    success: bool,
    pushed: BTreeSet<String>,
    latest: Option<String>,
    log: String,
}

/// Runs the release's tag step for `tag`, the repository holding `remote_tags`.
fn run_tag_step(step: &Yaml, tag: &str, remote_tags: &[&str], listing_fails: bool) -> TagRun {
    let dir = tempfile::tempdir().expect("temp dir");
    let stand_ins = StandIns::new(&[("git", FAKE_GIT)]);
    let listing: String = remote_tags
        .iter()
        .enumerate()
        .map(|(i, t)| {
            // Annotated tags are listed twice, the second time peeled.
            format!("{i:040x}\trefs/tags/{t}\n{i:040x}\trefs/tags/{t}^{{}}\n")
        })
        .collect();
    let tags_file = dir.path().join("remote-tags");
    let log_file = dir.path().join("git.log");
    let output_file = dir.path().join("github-output");
    std::fs::write(&tags_file, listing).expect("write tags");
    std::fs::write(&output_file, "").expect("write output file");
    let mut env = vec![
        ("TAG", tag),
        ("GH_TOKEN", "token"),
        ("GITHUB_REPOSITORY", "owner/oidc-assume"),
        ("GITHUB_OUTPUT", output_file.to_str().expect("utf-8 path")),
        ("FAKE_GIT_TAGS", tags_file.to_str().expect("utf-8 path")),
        ("FAKE_GIT_LOG", log_file.to_str().expect("utf-8 path")),
    ];
    if listing_fails {
        env.push(("FAKE_GIT_LS_REMOTE_FAILS", "1"));
    }
    let output = run_step(step, dir.path(), &stand_ins.path(), &env);
    let log = std::fs::read_to_string(&log_file).unwrap_or_default();
    let pushed = log
        .lines()
        .filter(|line| line.starts_with("push"))
        .flat_map(|line| {
            line.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter_map(|word| {
            let word = word.trim_start_matches('+');
            let local = word.split(':').next().unwrap_or(word);
            local.strip_prefix("refs/tags/").map(str::to_owned)
        })
        .collect();
    let latest = std::fs::read_to_string(&output_file)
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("latest=").map(str::to_owned));
    TagRun {
        success: output.status.success(),
        pushed,
        latest,
        log: format!(
            "{}{}\ngit calls:\n{log}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

#[test]
fn the_major_tag_moves_only_to_the_highest_release_of_its_major_version() {
    let workflow = load(RELEASE);
    let pushing: Vec<Yaml> = jobs(&workflow)
        .iter()
        .flat_map(|(_, job)| steps(job))
        .filter(|step| run(step).is_some_and(|s| s.contains("git push")))
        .collect();
    assert_eq!(pushing.len(), 1, "{RELEASE}: one step pushes tags");
    let step = &pushing[0];

    // (new tag, the repository's tags including it, tags expected to be pushed, "Latest")
    let cases: &[(&str, &[&str], &[&str], &str)] = &[
        ("v1.0.0", &["v1.0.0"], &["v1.0.0", "v1"], "true"),
        (
            "v1.3.1",
            &["v1", "v1.2.4", "v1.3.0", "v1.3.1"],
            &["v1.3.1", "v1"],
            "true",
        ),
        // A backport after a newer minor: `@v1` must not go back in time.
        (
            "v1.2.4",
            &["v1", "v1.2.3", "v1.3.0", "v1.2.4"],
            &["v1.2.4"],
            "false",
        ),
        // Numbers, not strings: 10 > 9.
        (
            "v1.10.0",
            &["v1", "v1.9.0", "v1.10.0"],
            &["v1.10.0", "v1"],
            "true",
        ),
        ("v1.9.1", &["v1", "v1.10.0", "v1.9.1"], &["v1.9.1"], "false"),
        // Pre-releases never move it, and do not count as higher releases.
        (
            "v1.4.0-rc.1",
            &["v1", "v1.3.0", "v1.4.0-rc.1"],
            &["v1.4.0-rc.1"],
            "false",
        ),
        (
            "v1.3.2",
            &["v1", "v1.3.1", "v1.4.0-rc.1", "v1.3.2"],
            &["v1.3.2", "v1"],
            "true",
        ),
        (
            "v1.4.0",
            &["v1", "v1.3.2", "v1.4.0-rc.1", "v1.4.0"],
            &["v1.4.0", "v1"],
            "true",
        ),
        // Each major version has its own major tag; "Latest" is the highest of all.
        (
            "v1.4.1",
            &["v1", "v2", "v1.4.0", "v2.0.0", "v1.4.1"],
            &["v1.4.1", "v1"],
            "false",
        ),
        (
            "v2.0.0",
            &["v1", "v1.4.0", "v2.0.0-rc.1", "v2.0.0"],
            &["v2.0.0", "v2"],
            "true",
        ),
    ];
    let outcomes: Vec<TagRun> = cases
        .iter()
        .map(|(tag, remote, _, _)| run_tag_step(step, tag, remote, false))
        .collect();
    for ((tag, remote, expected, _), outcome) in cases.iter().zip(&outcomes) {
        assert!(
            outcome.success,
            "release {tag} with tags {remote:?} failed:\n{}",
            outcome.log
        );
        let expected: BTreeSet<String> = expected.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(
            outcome.pushed, expected,
            "release {tag} with tags {remote:?}: tags pushed\n{}",
            outcome.log
        );
    }
    for ((tag, remote, _, latest), outcome) in cases.iter().zip(&outcomes) {
        assert_eq!(
            outcome.latest.as_deref(),
            Some(*latest),
            "release {tag} with tags {remote:?}: the step's `latest` output\n{}",
            outcome.log
        );
    }

    // No listing, no push: a release never guesses.
    let failed = run_tag_step(step, "v1.2.4", &["v1.3.0", "v1.2.4"], true);
    assert!(
        !failed.success && failed.pushed.is_empty(),
        "{}",
        failed.log
    );
    let missing = run_tag_step(step, "v1.2.4", &["v1.3.0"], false);
    assert!(
        !missing.success && missing.pushed.is_empty(),
        "a listing without the release's own tag is not the repository's: {}",
        missing.log
    );

    let release_step = jobs(&workflow)
        .iter()
        .flat_map(|(_, job)| steps(job))
        .find(|step| run(step).is_some_and(|s| s.contains("gh release create")))
        .expect("a step creates the GitHub release");
    assert!(
        run(&release_step).is_some_and(|s| s.contains("--latest=")),
        "the GitHub release says whether it is the latest; GitHub would mark a backport latest"
    );
}

// --- 5. the native action -----------------------------------------------------------------------

/// The wrapper's table: platform -> binary file name.
fn native_binaries() -> BTreeMap<String, String> {
    let out = Command::new("node")
        .arg("-e")
        .arg("process.stdout.write(JSON.stringify(require(process.argv[1]).BINARIES))")
        .arg(repo_file("native/launch.js"))
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON table")
}

/// Every script line of the release's steps, with its job.
fn release_runs() -> Vec<(String, Yaml, String)> {
    let workflow = load(RELEASE);
    jobs(&workflow)
        .into_iter()
        .flat_map(|(id, job)| {
            steps(&job)
                .into_iter()
                .filter_map(|step| run(&step))
                .map(|script| (id.clone(), job.clone(), script))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_native_binary_is_built_checked_attested_and_committed_only_in_the_release() {
    let binaries = native_binaries();
    let runs = release_runs();
    // Cross-built and checked by scripts/cross: every platform but Linux's.
    let crossed: BTreeSet<String> = runs
        .iter()
        .flat_map(|(_, _, script)| script.lines().map(str::trim).collect::<Vec<_>>())
        .filter_map(|line| line.strip_prefix("run: ").or(Some(line)))
        .filter_map(|line| line.strip_prefix("scripts/cross "))
        .flat_map(|rest| {
            rest.split_whitespace()
                .skip(1)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let not_linux: BTreeSet<String> = binaries
        .keys()
        .filter(|p| !p.starts_with("linux-"))
        .cloned()
        .collect();
    assert_eq!(crossed, not_linux, "{RELEASE}: what scripts/cross builds");
    // Each cross-built binary starts on a runner of its own system.
    let workflow = load(RELEASE);
    let all_jobs: BTreeMap<String, Yaml> = jobs(&workflow).into_iter().collect();
    let started: BTreeSet<String> = all_jobs
        .values()
        .flat_map(matrix_entries)
        .filter_map(|entry| {
            let runner = entry.get("runner")?;
            let binary = entry.get("binary")?;
            let fits = (binary.contains("-macos-") && runner.starts_with("macos-"))
                || (binary.contains("-windows-") && runner.starts_with("windows-"));
            assert!(fits, "{binary} is checked on {runner}");
            Some(binary.clone())
        })
        .collect();
    let expected: BTreeSet<String> = not_linux.iter().map(|p| binaries[p].clone()).collect();
    assert_eq!(started, expected, "{RELEASE}: binaries started natively");
    // Laid out with every platform, in a job that attests the laid-out binaries.
    let (layout_job, layout_script) = runs
        .iter()
        .find(|(_, _, script)| script.contains("scripts/native-action "))
        .map(|(id, _, script)| (id.clone(), script.clone()))
        .expect("a step runs scripts/native-action");
    for (platform, name) in &binaries {
        assert!(
            layout_script.contains(&format!("{platform}=")),
            "{RELEASE}: the native action gets no {platform} binary ({name})"
        );
    }
    let attested: Vec<String> = steps(&all_jobs[&layout_job])
        .iter()
        .filter(|step| {
            uses(step).is_some_and(|(action, _)| action == "actions/attest-build-provenance")
        })
        .filter_map(|step| scalar(&step["with"]["subject-path"]))
        .collect();
    assert_eq!(
        attested,
        ["dist/native/bin/oidc-assume-*"],
        "{RELEASE}: job `{layout_job}` attests the binaries it lays out"
    );
    // The release commit, and only it, carries them: the publishing job waits for the layout.
    let (publish_job, commit) = runs
        .iter()
        .find(|(_, _, script)| script.contains("git commit"))
        .map(|(id, _, script)| (id.clone(), script.clone()))
        .expect("a step commits the release");
    assert!(ancestors(&all_jobs, &publish_job).contains(&layout_job));
    assert!(
        commit.contains("cp dist/native/bin/* native/bin/"),
        "{commit}"
    );
    assert!(
        commit.contains("sha256sum --check --strict SHA256SUMS"),
        "{commit}"
    );
    for on_main in ["native/bin", "native/action.yml"] {
        assert!(
            !repo_file(on_main).exists(),
            "{on_main} must not be committed on main: the release commit adds it"
        );
    }
}
