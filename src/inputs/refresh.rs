//! `refresh-credentials`: instead of static keys, a profile whose `credential_process` runs this
//! binary again in the later steps, which mints a fresh JWT and assumes the role each time the
//! AWS SDKs need new credentials.
//!
//! Every input that decides the call is repeated on the `credential_process` line, as
//! `--INPUT=VALUE`, so the later step validates and runs exactly what this step did
//! ([`crate::credential_process`]). Inputs that would put a secret on disk or in a variable, or
//! that need something a later step does not have, are refused here, before any call.

use std::path::{Path, PathBuf};

use super::Inputs;
use super::profile::Directory;
use super::reader::Reader;
use crate::policy::generate::shell_quote;

/// The name of the binary's copy beside the profile files (container action only).
pub const PROGRAM_NAME: &str = "oidc-assume";

/// The profile written when `aws-profile` is empty (exported as `AWS_PROFILE`).
pub const DEFAULT_REFRESH_PROFILE: &str = "oidc-assume";

/// Inputs a later step's `credential-process` receives verbatim (when set), besides the five it
/// always receives resolved (`role-to-assume`, `aws-region`, `audience`, `role-session-name`,
/// `role-duration-seconds`) and `sts-endpoint`.
const VERBATIM: [&str; 8] = [
    "role-external-id",
    "role-skip-session-tagging",
    "allowed-account-ids",
    "retry-max-attempts",
    "disable-retry",
    "action-timeout-s",
    "http-proxy",
    "no-proxy",
];
/// Inputs holding one entry per line: each line becomes one argument.
const PER_LINE: [&str; 3] = [
    "role-chain",
    "managed-session-policies",
    "transitive-tag-keys",
];
/// Inputs holding JSON: line breaks and tabs become spaces, which JSON reads the same way
/// (a JSON string cannot hold them raw).
const JSON: [&str; 2] = ["inline-session-policy", "custom-tags"];

/// Every input `credential-process` accepts, in the order its arguments are written.
pub const REFRESH_INPUTS: [&str; 19] = [
    "role-to-assume",
    "aws-region",
    "audience",
    "role-session-name",
    "role-duration-seconds",
    "sts-endpoint",
    "role-chain",
    "role-external-id",
    "role-skip-session-tagging",
    "custom-tags",
    "transitive-tag-keys",
    "inline-session-policy",
    "managed-session-policies",
    "allowed-account-ids",
    "retry-max-attempts",
    "disable-retry",
    "action-timeout-s",
    "http-proxy",
    "no-proxy",
];

/// How the later steps renew the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    /// Where this process copies its own binary, so the later steps can run it; `None` when the
    /// binary runs on the job's host already (the native form, the local run).
    pub copy_to: Option<PathBuf>,
    /// The program as the later steps run it: an absolute host path.
    pub program: String,
    /// The `credential-process` arguments, as (input, value) pairs.
    pub arguments: Vec<(&'static str, String)>,
    /// The `credential_process` value: the program and its arguments, quoted for `sh -c` and
    /// Python's `shlex.split` (how the SDKs run it).
    pub command: String,
    /// Whether the later steps get `AWS_PROFILE` (no `aws-profile` was given).
    pub export_profile: bool,
}

impl Reader<'_> {
    /// Checks the inputs `refresh-credentials` cannot be combined with; reports each problem.
    pub(super) fn refresh_conflicts(&mut self) {
        let conflicts = [
            (
                "output-credentials",
                self.boolean("output-credentials", false),
                "would put the keys in step outputs",
            ),
            (
                "output-env-credentials",
                self.boolean("output-env-credentials", false),
                "would put the keys in environment variables",
            ),
            (
                "role-chaining",
                self.boolean("role-chaining", false),
                "signs with the environment's credentials, which do not renew; list the roles in `role-chain` instead",
            ),
            (
                "use-existing-credentials",
                self.boolean("use-existing-credentials", false),
                "keeps the environment's credentials, which do not renew",
            ),
            (
                "web-identity-token-file",
                self.input("web-identity-token-file").is_some(),
                "cannot be read again by the later steps; they ask GitHub for a token",
            ),
        ];
        for (input, set, why) in conflicts {
            if set {
                self.problem(
                    "refresh-credentials",
                    format!("cannot be combined with `{input}`, which {why}: remove one of them"),
                );
            }
        }
        if self.input("http-proxy").is_some_and(has_userinfo) {
            self.problem(
                "refresh-credentials",
                "would write the proxy's user name and password from `http-proxy` into the AWS config file: set HTTPS_PROXY in the job's environment instead",
            );
        }
    }

    /// The program and arguments of the `credential_process` line for these inputs.
    pub(super) fn refresh(&mut self, inputs: &Inputs) -> Option<Refresh> {
        let (copy_to, program) = match self.own_directory() {
            Some(Ok(directory)) => (
                Some(directory.here.join(PROGRAM_NAME)),
                format!("{}/{PROGRAM_NAME}", directory.host),
            ),
            Some(Err(why)) => {
                self.problem("refresh-credentials", why);
                return None;
            }
            None => (None, self.current_program()?),
        };
        let mut arguments = vec![
            ("role-to-assume", inputs.role_arn.clone()),
            ("aws-region", inputs.region.name().to_owned()),
            ("audience", inputs.audience.clone()),
            ("role-session-name", inputs.role_session_name.clone()),
            ("role-duration-seconds", inputs.duration_seconds.to_string()),
        ];
        if let Some(endpoint) = &inputs.sts_endpoint {
            arguments.push(("sts-endpoint", endpoint.as_str().to_owned()));
        }
        for name in REFRESH_INPUTS {
            let Some(value) = self.input(name) else {
                continue;
            };
            if PER_LINE.contains(&name) {
                arguments.extend(
                    value
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(|line| (name, line.to_owned())),
                );
            } else if JSON.contains(&name) {
                arguments.push((name, value.replace(['\r', '\n', '\t'], " ")));
            } else if VERBATIM.contains(&name) {
                arguments.push((name, value.to_owned()));
            }
        }
        let command = match command_line(&program, &arguments) {
            Ok(command) => command,
            Err(why) => {
                self.problem("refresh-credentials", why);
                return None;
            }
        };
        Some(Refresh {
            copy_to,
            program,
            arguments,
            command,
            export_profile: self.input("aws-profile").is_none(),
        })
    }

    /// This binary's own path, when it runs on the host: the later steps run it where it is.
    fn current_program(&mut self) -> Option<String> {
        let path = std::env::current_exe().ok();
        match path.as_deref().and_then(Path::to_str) {
            Some(path) if path.starts_with('/') => Some(path.to_owned()),
            _ => {
                self.problem(
                    "refresh-credentials",
                    "cannot tell this program's own path (a UTF-8 absolute path), which the later steps would run",
                );
                None
            }
        }
    }

    /// In the container action, the action's own directory on the host; `None` outside one.
    fn own_directory(&self) -> Option<Result<Directory, String>> {
        self.runner_mounts()?;
        Some(self.action_directory())
    }
}

/// The `credential_process` line: `PROGRAM credential-process --INPUT=VALUE ...`, each word in
/// POSIX single quotes when it needs them.
///
/// The SDKs read the line from the config file, where a `#` or `;` after whitespace starts a
/// comment (aws-runtime's `env_config/parse.rs`, `prepare_line`) and a line ends the value: a
/// value holding either cannot be written, and is refused here before any call.
fn command_line(program: &str, arguments: &[(&str, String)]) -> Result<String, String> {
    let program_word = ("refresh-credentials", program);
    let argument_words = arguments
        .iter()
        .map(|(input, value)| (*input, value.as_str()));
    for (input, value) in std::iter::once(program_word).chain(argument_words) {
        if value.chars().any(char::is_control) {
            return Err(format!(
                "cannot pass `{input}` to the later steps: its value holds a control character"
            ));
        }
        if starts_comment(value) {
            return Err(format!(
                "cannot pass `{input}` to the later steps: a `#` or `;` after a space would start a comment in the AWS config file; remove the space"
            ));
        }
    }
    let mut words = vec![shell_quote(program), "credential-process".to_owned()];
    words.extend(
        arguments
            .iter()
            .map(|(input, value)| shell_quote(&format!("--{input}={value}"))),
    );
    Ok(words.join(" "))
}

/// Whether the config file's parser would take part of `value` for a comment.
fn starts_comment(value: &str) -> bool {
    value
        .as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_whitespace() && matches!(w[1], b'#' | b';'))
}

fn has_userinfo(proxy: &str) -> bool {
    let rest = proxy.split_once("://").map_or(proxy, |(_, rest)| rest);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    authority.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_quotes_what_a_shell_would_split_and_refuses_what_the_parser_would_cut() {
        let arguments = [
            (
                "role-to-assume",
                "arn:aws:iam::123456789012:role/r".to_owned(),
            ),
            ("role-session-name", "-it's".to_owned()),
            ("custom-tags", r#"{"Team": "a;b#c"}"#.to_owned()),
        ];
        assert_eq!(
            command_line("/runner/_temp/oidc-assume-aws/oidc-assume", &arguments).as_deref(),
            Ok(concat!(
                "/runner/_temp/oidc-assume-aws/oidc-assume credential-process ",
                "--role-to-assume=arn:aws:iam::123456789012:role/r ",
                r#"'--role-session-name=-it'\''s' "#,
                r#"'--custom-tags={"Team": "a;b#c"}'"#
            ))
        );
        assert_eq!(
            command_line("/a b/oidc-assume", &[]).as_deref(),
            Ok("'/a b/oidc-assume' credential-process")
        );
        for (input, value) in [("custom-tags", r#"{"a": "b #c"}"#), ("no-proxy", "x ;y")] {
            let got = command_line("/p", &[(input, value.to_owned())]);
            assert!(
                got.as_ref()
                    .is_err_and(|e| e.contains(input) && e.contains("comment")),
                "{value}: {got:?}"
            );
        }
        let got = command_line("/p", &[("no-proxy", "a\u{1b}b".to_owned())]);
        assert!(got.is_err_and(|e| e.contains("control character")));
        let got = command_line("/t #/p", &[]);
        assert!(got.is_err_and(|e| e.contains("refresh-credentials")));
    }

    #[test]
    fn a_proxy_with_a_password_is_recognised() {
        assert!(has_userinfo("http://user:pass@proxy:3128"));
        assert!(has_userinfo("user@proxy:3128"));
        assert!(!has_userinfo("http://proxy:3128/path@x"));
        assert!(!has_userinfo("proxy.example.com:3128"));
    }
}
