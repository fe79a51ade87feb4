//! `GITHUB_ENV` / `GITHUB_OUTPUT` writer checked against the runner-side parser.
//!
//! Properties:
//! - `FileCommands::set` accepts exactly the allowlisted, not yet used names with values free of
//!   `\r`, `\n` and NUL, and refuses everything else with the matching error;
//! - what `render` writes, alone or appended after another batch, parses back to exactly the
//!   accepted entries, in order;
//! - `Debug` of a batch does not depend on the values;
//! - `parse_file_commands` never panics on arbitrary bytes, and what it accepts ends with `\n`.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oidc_assume::runner::{FileCommandError, FileCommands, FileKind, parse_file_commands};

#[derive(Arbitrary, Debug)]
enum Name {
    /// An index into the kind's allowlist.
    Allowed(u8),
    /// Anything else (usually refused).
    Other(String),
}

#[derive(Arbitrary, Debug)]
struct Batch {
    output: bool,
    entries: Vec<(Name, String)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    first: Batch,
    second: Batch,
    raw: Vec<u8>,
}

/// Builds a batch, checking each `set` against a model; returns it with the accepted entries.
fn build(batch: &Batch) -> (FileCommands, Vec<(String, String)>) {
    let kind = if batch.output {
        FileKind::Output
    } else {
        FileKind::Env
    };
    let allowed = kind.allowed_names();
    let mut commands = FileCommands::new(kind);
    let mut accepted: Vec<(String, String)> = Vec::new();
    for (name, value) in &batch.entries {
        let name = match name {
            Name::Allowed(i) => allowed[usize::from(*i) % allowed.len()].to_owned(),
            Name::Other(s) => s.clone(),
        };
        let result = commands.set(&name, value);
        let on_list = allowed.contains(&name.as_str());
        let repeated = accepted.iter().any(|(n, _)| *n == name);
        let unsafe_value = value.contains(['\r', '\n', '\0']);
        match result {
            Ok(()) => {
                assert!(on_list && !repeated && !unsafe_value, "accepted {name:?}");
                accepted.push((name, value.clone()));
            }
            Err(FileCommandError::NameNotAllowed { .. }) => assert!(!on_list),
            Err(FileCommandError::DuplicateName { .. }) => assert!(on_list && repeated),
            Err(FileCommandError::UnsafeValue { .. }) => {
                assert!(on_list && !repeated && unsafe_value)
            }
            Err(other) => panic!("unexpected error from set: {other:?}"),
        }
    }
    assert_eq!(
        commands.names().collect::<Vec<_>>(),
        accepted.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>()
    );
    (commands, accepted)
}

fn check_debug_is_value_free(batch: &FileCommands, accepted: &[(String, String)]) {
    let mut blank = FileCommands::new(batch.kind());
    for (name, _) in accepted {
        blank
            .set(name, "")
            .expect("an accepted name is accepted again");
    }
    assert_eq!(format!("{batch:?}"), format!("{blank:?}"));
}

fuzz_target!(|input: Input| {
    let (first, first_entries) = build(&input.first);
    let (second, second_entries) = build(&input.second);
    check_debug_is_value_free(&first, &first_entries);

    let rendered = first.render().expect("accepted entries render");
    assert_eq!(rendered.is_empty(), first_entries.is_empty());
    let parsed = parse_file_commands(&rendered).expect("rendered batch parses");
    assert_eq!(parsed, first_entries, "framing changed the entries");

    // Two batches appended to one file (the runner reads the file once, after the step).
    let both = format!("{rendered}{}", second.render().expect("renders"));
    let parsed = parse_file_commands(&both).expect("appended batches parse");
    let mut want = first_entries.clone();
    want.extend(second_entries);
    assert_eq!(parsed, want, "appending changed the entries");

    // The runner's parser on anything: no panic, and nothing accepted without a final line feed.
    let raw = String::from_utf8_lossy(&input.raw);
    if parse_file_commands(&raw).is_ok() {
        assert!(raw.is_empty() || raw.ends_with('\n'));
    }
});
