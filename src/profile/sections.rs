//! Editing one profile's section in an AWS config or credentials file, keeping every other byte.
//!
//! Which sections exist, and what they mean, is decided by the AWS SDK for Rust's own parser
//! (`aws_config::profile::load`, the parser every AWS SDK's test suite pins), run over the text
//! in memory. A header is a line starting with `[`; `#` and `;` start a comment; the config file
//! names profiles `[profile NAME]` (and `[default]`), the credentials file `[NAME]`
//! (<https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>).

use std::borrow::Cow;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};

/// Which of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The config file (`AWS_CONFIG_FILE`).
    Config,
    /// The shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`).
    Credentials,
}

impl Kind {
    /// The header of `profile`'s section in this file, without brackets.
    pub fn header(self, profile: &str) -> String {
        match self {
            Kind::Config if profile != "default" => format!("profile {profile}"),
            _ => profile.to_owned(),
        }
    }

    /// Whether the text between a header's brackets names `profile` in this file.
    fn names(self, inside: &str, profile: &str) -> bool {
        let words: Vec<&str> = inside.split_whitespace().collect();
        match (self, words.as_slice()) {
            (Kind::Config, ["profile", name]) => *name == profile,
            // The config file ignores other sections without the `profile` prefix.
            (Kind::Config, [name]) => *name == "default" && profile == "default",
            (Kind::Credentials, [name]) => *name == profile,
            _ => false,
        }
    }
}

/// The text between the brackets of a header line, as the SDK reads it; `None` for other lines.
fn header_inside(line: &str) -> Option<&str> {
    if !line.starts_with('[') {
        return None;
    }
    let line = line.trim_end_matches(['\r', '\n']);
    let end = line.find(['#', ';']).unwrap_or(line.len());
    let line = line[..end].trim_matches([' ', '\t']);
    line.strip_prefix('[')?.strip_suffix(']')
}

/// `text` with every section named `profile` removed, and whether there was one.
pub fn without_profile(text: &str, kind: Kind, profile: &str) -> (String, bool) {
    let mut kept = String::with_capacity(text.len());
    let mut skipping = false;
    let mut found = false;
    for line in text.split_inclusive('\n') {
        if let Some(inside) = header_inside(line) {
            skipping = kind.names(inside, profile);
            found |= skipping;
        }
        if !skipping {
            kept.push_str(line);
        }
    }
    (kept, found)
}

/// `text` with a section `[header]` holding `entries` added at the end.
pub fn with_section(text: &str, header: &str, entries: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.trim().is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(&section(header, entries));
    out
}

/// One section's text.
pub fn section(header: &str, entries: &[(&str, &str)]) -> String {
    let mut out = format!("[{header}]\n");
    for (key, value) in entries {
        out.push_str(&format!("{key} = {value}\n"));
    }
    out
}

/// Parses `text` as the AWS SDKs parse that file. The error names the line, never its content.
pub fn parse(kind: Kind, text: &str) -> Result<ProfileSet, String> {
    let sdk_kind = match kind {
        Kind::Config => EnvConfigFileKind::Config,
        Kind::Credentials => EnvConfigFileKind::Credentials,
    };
    let files = EnvConfigFiles::builder()
        .with_contents(sdk_kind, text)
        .build();
    let fs = Fs::from_slice(&[]);
    let env = Env::from_slice(&[]);
    let mut load = pin!(aws_config::profile::load(
        &fs,
        &env,
        &files,
        Some(Cow::Borrowed("default"))
    ));
    // The contents are in memory: the parser finishes on its first poll.
    match load.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(set)) => Ok(set),
        Poll::Ready(Err(e)) => {
            let chain: Vec<String> =
                std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
                    .map(|e| parse_error_line(&e.to_string()))
                    .collect();
            Err(chain.join(": "))
        }
        Poll::Pending => Err("the AWS SDK's parser did not finish".to_owned()),
    }
}

/// The SDK's message on one line. It names the file's line and a fixed reason ("Expected a
/// profile definition"), never the line's content.
fn parse_error_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `set` has a profile named `profile`.
pub fn has_profile(set: &ProfileSet, profile: &str) -> bool {
    set.get_profile(profile).is_some()
}

/// Checks that `after` differs from `before` only in `profile`, which holds exactly `entries`.
/// Returns what differs otherwise (names only).
pub fn check_edit(
    kind: Kind,
    before: &ProfileSet,
    after: &ProfileSet,
    profile: &str,
    entries: &[(&str, &str)],
) -> Result<(), String> {
    let expected = if entries.is_empty() {
        None
    } else {
        parse(kind, &section(&kind.header(profile), entries))?
            .get_profile(profile)
            .cloned()
    };
    if after.get_profile(profile) != expected.as_ref() {
        return Err(format!(
            "the profile `{profile}` would not hold exactly the values written (a line of the file continues or repeats it)"
        ));
    }
    // A value the parser reads differently (a comment after a space, a line break) is not the
    // value written.
    for (key, value) in entries {
        if after.get_profile(profile).and_then(|p| p.get(key)) != Some(*value) {
            return Err(format!(
                "the SDKs would not read `{key}` of the profile `{profile}` as written"
            ));
        }
    }
    let mut names: Vec<&str> = before.profiles().chain(after.profiles()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names.into_iter().filter(|name| *name != profile) {
        if before.get_profile(name) != after.get_profile(name) {
            return Err(format!("the profile `{name}` would change"));
        }
    }
    let mut sessions: Vec<&str> = before.sso_sessions().chain(after.sso_sessions()).collect();
    sessions.sort_unstable();
    sessions.dedup();
    for name in sessions {
        if before.sso_session(name) != after.sso_session(name) {
            return Err(format!("the sso-session `{name}` would change"));
        }
    }
    if before.other_sections() != after.other_sections() {
        return Err("another section would change".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRIES: &[(&str, &str)] = &[("region", "eu-west-1")];

    #[test]
    fn headers_are_read_as_the_sdk_reads_them() {
        assert_eq!(header_inside("[profile a]\n"), Some("profile a"));
        assert_eq!(
            header_inside("[ profile  a ] # note\r\n"),
            Some(" profile  a ")
        );
        assert_eq!(header_inside("[a];x"), Some("a"));
        assert_eq!(header_inside(" [a]"), None);
        assert_eq!(header_inside("a = [b]"), None);
        assert!(Kind::Config.names(" profile  a ", "a"));
        assert!(Kind::Config.names("default", "default"));
        assert!(Kind::Config.names("profile default", "default"));
        assert!(!Kind::Config.names("a", "a"));
        assert!(Kind::Credentials.names("a", "a"));
        assert!(!Kind::Credentials.names("ab", "a"));
    }

    #[test]
    fn removing_a_profile_keeps_every_other_byte() {
        let text = "# mine\n[profile a]\nregion = x\n\n[profile b] ; b\nregion = y\n[profile a]\noutput = json\n[sso-session s]\nsso_region = z";
        let (kept, found) = without_profile(text, Kind::Config, "a");
        assert!(found);
        assert_eq!(
            kept,
            "# mine\n[profile b] ; b\nregion = y\n[sso-session s]\nsso_region = z"
        );
        let added = with_section(&kept, "profile a", ENTRIES);
        assert!(
            added.ends_with("sso_region = z\n\n[profile a]\nregion = eu-west-1\n"),
            "{added}"
        );
        let before = parse(Kind::Config, text).expect("parses");
        let after = parse(Kind::Config, &added).expect("parses");
        check_edit(Kind::Config, &before, &after, "a", ENTRIES).expect("only a changed");
        assert_eq!(
            with_section("", "default", ENTRIES),
            "[default]\nregion = eu-west-1\n"
        );
    }

    #[test]
    fn an_edit_that_would_change_another_profile_is_caught() {
        let before = parse(Kind::Config, "[profile b]\nregion = y\n").expect("parses");
        let after = parse(
            Kind::Config,
            "[profile b]\nregion = z\n[profile a]\nregion = eu-west-1\n",
        )
        .expect("parses");
        let error = check_edit(Kind::Config, &before, &after, "a", ENTRIES).expect_err("b changed");
        assert!(error.contains("`b`"), "{error}");
        let merged = parse(
            Kind::Config,
            "[profile a]\nregion = eu-west-1\n[profile  a]\noutput = json\n",
        )
        .expect("parses");
        let error = check_edit(Kind::Config, &before, &merged, "a", ENTRIES);
        assert!(error.is_err_and(|e| e.contains("exactly")));
    }

    #[test]
    fn parse_errors_name_no_content() {
        let error = parse(Kind::Credentials, "secret-looking-line\n").expect_err("no section");
        assert!(!error.contains("secret-looking-line"), "{error}");
        assert!(
            error.contains("line 1") && error.contains("Expected a profile definition"),
            "{error}"
        );
        assert!(has_profile(
            &parse(Kind::Credentials, "[a]\nx = 1\n").expect("parses"),
            "a"
        ));
    }
}
