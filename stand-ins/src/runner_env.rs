//! The environment and files a GitHub runner gives a container action, laid out in a temporary
//! directory, and a command that sees only those variables.
//!
//! Layout under the temporary root, which plays the runner's work directory (mirroring the
//! runner's mounts):
//! ```text
//! _temp/                                  RUNNER_TEMP
//! _temp/_runner_file_commands/set_output_<uuid>    GITHUB_OUTPUT (empty)
//! _temp/_runner_file_commands/set_env_<uuid>       GITHUB_ENV (empty)
//! _temp/_runner_file_commands/save_state_<uuid>    GITHUB_STATE (empty)
//! _temp/_runner_file_commands/step_summary_<uuid>  GITHUB_STEP_SUMMARY (empty)
//! _temp/_github_home/                     HOME
//! workspace/                              GITHUB_WORKSPACE (the command's working directory)
//! repo                                    RUNNER_WORKSPACE (not created; as on a runner, its
//!                                         parent holds `_temp`)
//! ```

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::sts::Sts;
use crate::tls::TestCa;
use crate::token_endpoint::TokenEndpoint;

/// The role the runner environment asks for by default.
pub const DEMO_ROLE_ARN: &str = "arn:aws:iam::111122223333:role/oidc-assume-demo";

/// The region the runner environment asks for by default.
pub const DEMO_REGION: &str = "us-east-1";

/// `PATH` for scrubbed commands when the test process has none.
const FALLBACK_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// A runner-style environment: variables plus the files and directories they point to. The
/// directory is removed when this is dropped.
#[derive(Debug)]
pub struct RunnerEnv {
    dir: tempfile::TempDir,
    vars: BTreeMap<String, String>,
    output: PathBuf,
    env: PathBuf,
    state: PathBuf,
    summary: PathBuf,
}

impl RunnerEnv {
    /// The environment for a job using these stand-ins.
    pub fn for_stand_ins(token: &TokenEndpoint, sts: &Sts) -> io::Result<RunnerEnv> {
        RunnerEnv::new(&token.url(), token.request_token(), &sts.url())
    }

    /// The environment for a job whose token endpoint is `token_url` (with bearer
    /// `request_token`) and whose STS endpoint is `sts_url`.
    pub fn new(token_url: &str, request_token: &str, sts_url: &str) -> io::Result<RunnerEnv> {
        let dir = tempfile::Builder::new().prefix("runner-env-").tempdir()?;
        let root = dir.path();
        let runner_temp = root.join("_temp");
        let file_commands = runner_temp.join("_runner_file_commands");
        let home = runner_temp.join("_github_home");
        let workspace = root.join("workspace");
        for d in [&file_commands, &home, &workspace] {
            std::fs::create_dir_all(d)?;
        }
        let id = || uuid::Uuid::new_v4().to_string();
        let output = file_commands.join(format!("set_output_{}", id()));
        let env = file_commands.join(format!("set_env_{}", id()));
        let state = file_commands.join(format!("save_state_{}", id()));
        let summary = file_commands.join(format!("step_summary_{}", id()));
        for f in [&output, &env, &state, &summary] {
            std::fs::write(f, "")?;
        }
        let path = |p: &Path| p.to_string_lossy().into_owned();
        let vars: BTreeMap<String, String> = [
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("CI", "true".to_owned()),
            ("GITHUB_OUTPUT", path(&output)),
            ("GITHUB_ENV", path(&env)),
            ("GITHUB_STATE", path(&state)),
            ("GITHUB_STEP_SUMMARY", path(&summary)),
            ("RUNNER_TEMP", path(&runner_temp)),
            ("GITHUB_WORKSPACE", path(&workspace)),
            ("RUNNER_WORKSPACE", path(&root.join("repo"))),
            ("HOME", path(&home)),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", token_url.to_owned()),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token.to_owned()),
            ("INPUT_AWS-REGION", DEMO_REGION.to_owned()),
            ("INPUT_ROLE-TO-ASSUME", DEMO_ROLE_ARN.to_owned()),
            ("AWS_ENDPOINT_URL_STS", sts_url.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Ok(RunnerEnv {
            dir,
            vars,
            output,
            env,
            state,
            summary,
        })
    }

    /// The variables, by name.
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// One variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Sets a variable.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Removes a variable (e.g. `ACTIONS_ID_TOKEN_REQUEST_TOKEN` for the missing-permission case).
    pub fn remove(&mut self, name: &str) -> &mut Self {
        self.vars.remove(name);
        self
    }

    /// Sets an input as the runner does: `INPUT_` + the name upper-cased, spaces to `_`,
    /// hyphens kept (`role-to-assume` -> `INPUT_ROLE-TO-ASSUME`).
    pub fn input(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        let key = format!("INPUT_{}", name.replace(' ', "_").to_uppercase());
        self.set(key, value)
    }

    /// Writes `ca`'s certificate under the root and points `SSL_CERT_FILE` at it.
    pub fn trust_ca(&mut self, ca: &TestCa) -> io::Result<&mut Self> {
        let file = self.dir.path().join("stand-in-ca.pem");
        ca.write_pem(&file)?;
        let file = file.to_string_lossy().into_owned();
        Ok(self.set("SSL_CERT_FILE", file))
    }

    /// The temporary root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `RUNNER_TEMP`.
    pub fn runner_temp(&self) -> PathBuf {
        self.dir.path().join("_temp")
    }

    /// The directory holding the file-command files.
    pub fn file_commands_dir(&self) -> PathBuf {
        self.runner_temp().join("_runner_file_commands")
    }

    /// `HOME`.
    pub fn home(&self) -> PathBuf {
        self.runner_temp().join("_github_home")
    }

    /// `GITHUB_WORKSPACE`.
    pub fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace")
    }

    /// `GITHUB_OUTPUT`.
    pub fn output_file(&self) -> &Path {
        &self.output
    }

    /// `GITHUB_ENV`.
    pub fn env_file(&self) -> &Path {
        &self.env
    }

    /// `GITHUB_STATE`.
    pub fn state_file(&self) -> &Path {
        &self.state
    }

    /// `GITHUB_STEP_SUMMARY`.
    pub fn summary_file(&self) -> &Path {
        &self.summary
    }

    /// The contents of `GITHUB_OUTPUT`.
    pub fn read_output(&self) -> io::Result<String> {
        std::fs::read_to_string(&self.output)
    }

    /// The contents of `GITHUB_ENV`.
    pub fn read_env(&self) -> io::Result<String> {
        std::fs::read_to_string(&self.env)
    }

    /// The contents of `GITHUB_STATE`.
    pub fn read_state(&self) -> io::Result<String> {
        std::fs::read_to_string(&self.state)
    }

    /// The contents of `GITHUB_STEP_SUMMARY`.
    pub fn read_summary(&self) -> io::Result<String> {
        std::fs::read_to_string(&self.summary)
    }

    /// `program` with an empty environment plus `PATH` and these variables only, run in
    /// `GITHUB_WORKSPACE`.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = scrubbed_command(program, &self.vars);
        command.current_dir(self.workspace());
        command
    }
}

/// `program` with `env_clear()`, then `PATH` (the test process's, or a standard one), then
/// `vars`: nothing inherited (`GITHUB_*`, `RUNNER_*`, `ACTIONS_*`, `AWS_*` of the machine
/// running the tests stay out).
pub fn scrubbed_command(program: impl AsRef<OsStr>, vars: &BTreeMap<String, String>) -> Command {
    let mut command = Command::new(program);
    command.env_clear();
    let path = std::env::var_os("PATH").unwrap_or_else(|| FALLBACK_PATH.into());
    command.env("PATH", path);
    command.envs(vars);
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_the_runner_files_and_variables() {
        let mut env = RunnerEnv::new(
            "http://127.0.0.1:1/token?api-version=2.0",
            "req-token",
            "http://127.0.0.1:2",
        )
        .unwrap();
        for file in [
            env.output_file(),
            env.env_file(),
            env.state_file(),
            env.summary_file(),
        ] {
            assert!(file.starts_with(env.file_commands_dir()));
            assert_eq!(std::fs::read_to_string(file).unwrap(), "");
        }
        assert!(env.home().is_dir() && env.workspace().is_dir());
        assert_eq!(env.get("INPUT_ROLE-TO-ASSUME"), Some(DEMO_ROLE_ARN));
        assert_eq!(env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), Some("req-token"));
        env.input("role session name", "x")
            .input("role-duration-seconds", "900");
        assert_eq!(env.get("INPUT_ROLE_SESSION_NAME"), Some("x"));
        assert_eq!(env.get("INPUT_ROLE-DURATION-SECONDS"), Some("900"));
        env.remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
        assert_eq!(env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), None);
        let root = env.root().to_owned();
        drop(env);
        assert!(!root.exists());
    }

    #[test]
    fn scrubbed_command_sees_only_path_and_the_variables() {
        let env = RunnerEnv::new("u", "t", "s").unwrap();
        let out = env.command("env").output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, _)| k))
            .collect();
        names.sort_unstable();
        let mut expected: Vec<&str> = env.vars().keys().map(String::as_str).collect();
        expected.push("PATH");
        expected.sort_unstable();
        assert_eq!(names, expected);
    }
}
