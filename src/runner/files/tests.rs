//! Unit tests of the file commands.
use super::*;
use proptest::prelude::*;

proptest! {
    /// A value holding the entry's delimiter is refused at render time, never framed.
    #[test]
    fn values_holding_the_delimiter_are_refused(
        prefix in r"[^\r\n\x00]{0,8}",
        suffix in r"[^\r\n\x00]{0,8}",
        seed in any::<u128>(),
    ) {
        let delimiter = format!("{DELIMITER_PREFIX}{}", uuid::Uuid::from_u128(seed));
        let mut out = FileCommands::new(FileKind::Output);
        out.set("aws-expiration", &format!("{prefix}{delimiter}{suffix}"))
            .expect("a single-line value passes set");
        let err = out.render_with(|| delimiter.clone()).expect_err("refused");
        let delimiter_error = matches!(err, FileCommandError::ValueContainsDelimiter { .. });
        prop_assert!(delimiter_error);
    }

    /// A value that would frame its own entries (line breaks, a delimiter line) never
    /// gets into the batch.
    #[test]
    fn framing_values_never_reach_the_batch(
        before in r"[^\r\n]{0,8}",
        line_break in prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just("\0")],
        after in r"[^\r\n]{0,8}",
    ) {
        let value = format!("{before}{line_break}ghadelimiter_x\nAWS_REGION=evil{line_break}{after}");
        let mut env = FileCommands::new(FileKind::Env);
        let refused = env.set("AWS_SESSION_TOKEN", &value);
        let unsafe_error = matches!(refused, Err(FileCommandError::UnsafeValue { .. }));
        prop_assert!(unsafe_error, "set must refuse");
        prop_assert!(env.names().next().is_none());
        prop_assert_eq!(env.render().expect("empty batch renders"), "");
    }
}

#[test]
fn allowlists_are_enforced_per_kind() {
    let mut env = FileCommands::new(FileKind::Env);
    env.set("AWS_REGION", "eu-west-1").expect("allowed");
    let err = env.set("BASH_ENV", "/tmp/x").expect_err("refused");
    assert!(matches!(err, FileCommandError::NameNotAllowed { .. }));
    assert!(err.to_string().contains("GITHUB_ENV"));
    assert!(env.set("aws-session-token", "x").is_err());
    let mut out = FileCommands::new(FileKind::Output);
    out.set("aws-session-token", "x").expect("allowed");
    assert!(out.set("AWS_SESSION_TOKEN", "x").is_err());
}

#[test]
fn duplicates_and_line_breaks_are_refused_without_echoing_the_value() {
    let mut env = FileCommands::new(FileKind::Env);
    env.set("AWS_ACCESS_KEY_ID", "AKIA1").expect("allowed");
    assert!(matches!(
        env.set("AWS_ACCESS_KEY_ID", "AKIA2"),
        Err(FileCommandError::DuplicateName { .. })
    ));
    for bad in ["line1\nsneaky", "cr\rhere", "nul\0byte"] {
        let err = env.set("AWS_SECRET_ACCESS_KEY", bad).expect_err("refused");
        let message = err.to_string();
        assert!(
            !message.contains("sneaky") && !message.contains("here"),
            "{message}"
        );
    }
    assert_eq!(env.names().collect::<Vec<_>>(), ["AWS_ACCESS_KEY_ID"]);
}

#[test]
fn render_uses_fresh_delimiters() {
    let mut env = FileCommands::new(FileKind::Env);
    env.set("AWS_REGION", "us-east-1").expect("allowed");
    env.set("AWS_DEFAULT_REGION", "").expect("allowed");
    let text = env.render().expect("render");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6);
    let first = lines[0].strip_prefix("AWS_REGION<<").expect("heredoc");
    assert!(first.starts_with(DELIMITER_PREFIX));
    assert_eq!(first.len(), DELIMITER_PREFIX.len() + 36);
    assert_eq!(lines[1], "us-east-1");
    assert_eq!(lines[2], first);
    let second = lines[3]
        .strip_prefix("AWS_DEFAULT_REGION<<")
        .expect("heredoc");
    assert_ne!(first, second);
    assert_eq!(lines[4], "");
    assert!(text.ends_with(&format!("{second}\n")));
}

#[test]
fn render_refuses_a_value_holding_the_delimiter() {
    let mut out = FileCommands::new(FileKind::Output);
    out.set("aws-expiration", "x ghadelimiter_fixed y")
        .expect("set");
    let err = out
        .render_with(|| "ghadelimiter_fixed".to_owned())
        .expect_err("refused");
    assert!(matches!(
        err,
        FileCommandError::ValueContainsDelimiter { .. }
    ));
}

#[test]
fn debug_shows_names_not_values() {
    let mut env = FileCommands::new(FileKind::Env);
    env.set("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI")
        .expect("set");
    let shown = format!("{env:?}");
    assert!(shown.contains("AWS_SECRET_ACCESS_KEY"));
    assert!(!shown.contains("wJalrXUtnFEMI"));
}

#[test]
fn append_twice_appends_and_missing_file_fails_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("set_env_1234");
    std::fs::write(&path, "").expect("create");
    append("GITHUB_ENV", &path, "A=1\n").expect("first");
    append("GITHUB_ENV", &path, "B=2\n").expect("second");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "A=1\nB=2\n");

    let missing = dir.path().join("set_env_missing");
    let err = append("GITHUB_ENV", &missing, "C=3\n").expect_err("missing");
    assert!(matches!(err, FileCommandError::MissingFile { .. }));
    let message = err.to_string();
    assert!(
        message.contains("GITHUB_ENV") && message.contains("fail closed"),
        "{message}"
    );
    assert!(!missing.exists(), "append must not create the file");
}

#[test]
fn a_path_that_cannot_be_looked_up_is_not_called_missing() {
    // A regular file used as a directory: the lookup fails with ENOTDIR, not ENOENT, and
    // the error must say what happened rather than claim the file does not exist.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("set_env_1");
    std::fs::write(&file, "").expect("create");
    let err = append("GITHUB_ENV", &file.join("child"), "A=1\n").expect_err("ENOTDIR");
    assert!(
        !matches!(err, FileCommandError::MissingFile { .. }),
        "{err:?}"
    );
}

#[test]
fn read_access_is_dropped_only_when_reading_is_refused() {
    use std::cell::RefCell;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("f");
    std::fs::write(&path, "").expect("create");
    let attempts = |refusal: io::ErrorKind| {
        let calls = RefCell::new(Vec::new());
        let result = read_if_allowed(|read| {
            calls.borrow_mut().push(read);
            if read {
                Err(io::Error::from(refusal))
            } else {
                File::open(&path)
            }
        });
        (
            result.map(|(_, readable)| readable).map_err(|e| e.kind()),
            calls.into_inner(),
        )
    };
    assert_eq!(
        attempts(io::ErrorKind::PermissionDenied),
        (Ok(false), vec![true, false])
    );
    assert_eq!(
        attempts(io::ErrorKind::NotFound),
        (Err(io::ErrorKind::NotFound), vec![true])
    );
    let readable = read_if_allowed(|_| File::open(&path)).map(|(_, r)| r);
    assert!(matches!(readable, Ok(true)));
}

#[test]
fn append_starts_on_a_new_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("set_output_1");
    std::fs::write(&path, "earlier=no-newline").expect("create");
    append("GITHUB_OUTPUT", &path, "x=1\n").expect("append");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "earlier=no-newline\nx=1\n"
    );
}

#[test]
fn append_to_writes_a_parseable_batch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("set_output_2");
    std::fs::write(&path, "").expect("create");
    let mut out = FileCommands::new(FileKind::Output);
    out.set("aws-account-id", "123456789012").expect("set");
    out.set("aws-expiration", "2026-01-01T00:00:00Z")
        .expect("set");
    out.append_to(&path).expect("append");
    let text = std::fs::read_to_string(&path).expect("read");
    let parsed = crate::runner::parse_file_commands(&text).expect("parse");
    assert_eq!(
        parsed,
        [
            ("aws-account-id".to_owned(), "123456789012".to_owned()),
            (
                "aws-expiration".to_owned(),
                "2026-01-01T00:00:00Z".to_owned()
            ),
        ]
    );
}

#[test]
fn on_windows_an_append_after_crlf_entries_reads_back_whole() {
    use crate::runner::{LineEndings, parse_file_commands, parse_file_commands_as};
    // What `@actions/core` leaves in the file on Windows, where `os.EOL` is `\r\n`.
    let earlier = "EARLIER=1\r\nLIST<<ghadelimiter_0\r\na\r\nb\r\nghadelimiter_0\r\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("set_env_3");
    std::fs::write(&path, earlier).expect("create");
    let mut env = FileCommands::new(FileKind::Env);
    env.set("AWS_REGION", "eu-west-1").expect("set");
    env.append_to(&path).expect("append");
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        parse_file_commands_as(&text, LineEndings::Windows).expect("parse"),
        [
            ("EARLIER".to_owned(), "1".to_owned()),
            ("LIST".to_owned(), "a\r\nb".to_owned()),
            ("AWS_REGION".to_owned(), "eu-west-1".to_owned()),
        ]
    );
    // Our own part reads the same on every runner.
    let ours = &text[earlier.len()..];
    assert_eq!(
        parse_file_commands_as(ours, LineEndings::Windows).expect("parse"),
        parse_file_commands(ours).expect("parse"),
    );
}
