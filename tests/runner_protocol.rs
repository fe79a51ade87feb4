//! Property tests of the runner protocol: what the action writes, read back with the model of
//! the runner's own parsers.

use oidc_assume::runner::parse::parse_command_with;
use oidc_assume::runner::{
    Console, FileCommandError, FileCommands, FileKind, LogReplay, escape_data, escape_property,
    neutralise, parse_command, parse_file_commands, unescape_data, unescape_property,
};
use proptest::prelude::*;

/// Pieces that matter to the runner's parsers, mixed with arbitrary characters.
fn hostile_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("::".to_owned()),
        3 => Just("##[".to_owned()),
        2 => Just("#".to_owned()),
        2 => Just("[".to_owned()),
        2 => Just(":".to_owned()),
        2 => Just("]".to_owned()),
        2 => Just(" ".to_owned()),
        1 => Just("\u{3000}".to_owned()),
        1 => Just("\u{a0}".to_owned()),
        1 => Just("\t".to_owned()),
        2 => Just("\n".to_owned()),
        2 => Just("\r".to_owned()),
        1 => Just("\r\n".to_owned()),
        1 => Just("\u{85}".to_owned()),
        1 => Just("\u{2028}".to_owned()),
        1 => Just("\x1b[31m".to_owned()),
        1 => Just("\0".to_owned()),
        1 => Just("\u{200b}".to_owned()),
        1 => Just("\u{ad}".to_owned()),
        1 => Just("\u{feff}".to_owned()),
        2 => Just("stop-commands".to_owned()),
        2 => Just("add-mask".to_owned()),
        1 => Just("error".to_owned()),
        1 => Just("endgroup".to_owned()),
        1 => Just("%0A".to_owned()),
        1 => Just("%25".to_owned()),
        1 => Just("\\".to_owned()),
        1 => Just("=".to_owned()),
        1 => Just("<<".to_owned()),
        1 => Just("ghadelimiter_".to_owned()),
        3 => any::<char>().prop_map(String::from),
        2 => "[a-zA-Z0-9]{1,6}",
    ]
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(hostile_piece(), 0..16).prop_map(|p| p.concat()),
        1 => any::<String>(),
    ]
}

fn replay_of(console: Console<Vec<u8>>) -> LogReplay {
    let mut replay = LogReplay::new();
    replay.feed_bytes(&console.into_inner());
    replay
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever `set` accepts comes back from the runner's parser unchanged; what it refuses
    /// (line breaks, NUL) is refused with nothing written.
    #[test]
    fn file_commands_round_trip(values in prop::collection::vec(hostile_text(), 1..=5)) {
        let names = FileKind::Env.allowed_names();
        let mut batch = FileCommands::new(FileKind::Env);
        let mut accepted = Vec::new();
        for (name, value) in names.iter().zip(&values) {
            match batch.set(name, value) {
                Ok(()) => {
                    prop_assert!(!value.contains(['\r', '\n', '\0']));
                    accepted.push(((*name).to_owned(), value.clone()));
                }
                Err(FileCommandError::UnsafeValue { .. }) => {
                    prop_assert!(value.contains(['\r', '\n', '\0']));
                }
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }
        let text = batch.render().expect("accepted values render");
        let parsed = parse_file_commands(&text).expect("runner parses our output");
        prop_assert_eq!(parsed, accepted);
    }

    /// Neutralised text has no control characters and nothing shaped like a command, alone or
    /// glued to other neutralised pieces, whatever names the runner had registered.
    #[test]
    fn neutralised_text_never_forms_a_command(pieces in prop::collection::vec(hostile_text(), 1..4)) {
        let glued: String = pieces.iter().map(|p| neutralise(p)).collect();
        for text in pieces.iter().map(|p| neutralise(p)).chain([glued]) {
            prop_assert!(!text.chars().any(char::is_control), "control character in {:?}", text);
            prop_assert!(!text.contains(['\u{2028}', '\u{2029}']), "separator in {:?}", text);
            prop_assert_eq!(parse_command_with(&text, |_| true), None, "{:?}", text);
            let prefixed = format!("  {text}");
            prop_assert_eq!(parse_command_with(&prefixed, |_| true), None);
        }
    }

    /// A neutralised info line is one plain log line; it cannot stop commands, so a later mask
    /// still works.
    #[test]
    fn info_lines_stay_plain(text in hostile_text()) {
        let mut console = Console::new(Vec::new(), false);
        console.info(&text).expect("write");
        console.add_mask("S3NTINEL-VALUE").expect("write");
        console.info("x").expect("write");
        let mut replay = replay_of(console);
        replay.feed("leak S3NTINEL-VALUE\n");
        let commands: Vec<_> = replay.commands().map(|c| c.name.clone()).collect();
        prop_assert_eq!(commands, ["add-mask"]);
        let lines: Vec<&str> = replay.visible_lines().collect();
        prop_assert_eq!(lines.len(), 3);
        prop_assert_eq!(lines[0], neutralise(&text));
        prop_assert_eq!(lines[2], "leak ***");
    }

    /// An annotation is exactly one `error` command; a neutralised message arrives without any
    /// line break or escape character, a raw one keeps only its line feeds.
    #[test]
    fn annotations_are_exactly_one_command(text in hostile_text(), title in hostile_text()) {
        let mut console = Console::new(Vec::new(), false);
        console.error(&neutralise(&text)).expect("write");
        let replay = replay_of(console);
        let commands: Vec<_> = replay.commands().collect();
        prop_assert_eq!(commands.len(), 1);
        prop_assert!(commands[0].is("error"));
        prop_assert!(!commands[0].data.contains(['\r', '\n', '\x1b']));

        let mut console = Console::new(Vec::new(), true);
        console.annotate(oidc_assume::runner::Level::Warning, Some(&title), &text).expect("write");
        console.debug(&text).expect("write");
        let replay = replay_of(console);
        let names: Vec<_> = replay.commands().map(|c| c.name.clone()).collect();
        prop_assert_eq!(names, ["warning", "debug"]);
        for command in replay.commands() {
            prop_assert!(!command.data.contains(['\r', '\x1b']));
            prop_assert!(!command.data.split('\n').any(|l| l.contains("##[")));
            if let Some(t) = command.property("title") {
                prop_assert!(!t.contains(['\r', '\n', '\x1b']));
            }
        }
    }

    /// The runner's unescapes invert the escapes, also through a whole command line.
    #[test]
    fn escapes_round_trip(value in hostile_text()) {
        prop_assert_eq!(unescape_data(&escape_data(&value)), value.clone());
        prop_assert_eq!(unescape_property(&escape_property(&value)), value.clone());
        let escaped = escape_data(&value);
        prop_assert!(!escaped.contains(['\r', '\n']));
        let line = format!("::add-mask::{escaped}");
        let command = parse_command(&line).expect("add-mask parses");
        prop_assert!(command.is("add-mask"));
        prop_assert_eq!(command.data, value.clone());
        let line = format!("::notice title={}::m", escape_property(&value));
        let command = parse_command(&line).expect("notice parses");
        let title = command.property("title").unwrap_or("");
        // The runner trims the property list and drops leading `=` and empty values.
        if !value.is_empty() && !value.starts_with('=') && value.trim_end() == value {
            prop_assert_eq!(title, value.as_str());
        }
    }

    /// A multi-line mask hides every line printed on its own, also on a runner that registers
    /// only whole values, because the console sends each line as its own mask too.
    #[test]
    fn multi_line_masks_hide_each_line(
        lines in prop::collection::vec("[A-Za-z0-9+/]{4,24}", 1..6),
        indent in " {0,3}",
        split in any::<bool>(),
    ) {
        let value = lines.iter().map(|l| format!("{indent}{l}")).collect::<Vec<_>>().join("\n");
        let mut console = Console::new(Vec::new(), false);
        console.add_mask(&value).expect("write");
        let mut replay = LogReplay::new().with_mask_line_split(split);
        replay.feed_bytes(&console.into_inner());
        prop_assert!(replay.visible_lines().next().is_none(), "mask lines must not show");
        for line in &lines {
            replay.feed_line(line);
        }
        for shown in replay.visible_lines() {
            prop_assert_eq!(shown, "***");
        }
    }
}

#[test]
fn masks_precede_everything_in_a_typical_run() {
    let mut console = Console::new(Vec::new(), false);
    for secret in ["ASIAEXAMPLEKEY", "secret/key+value", "session-token-value"] {
        console.add_mask(secret).expect("write");
    }
    console.group("Assuming role").expect("write");
    console
        .info("Assumed arn:aws:sts::123456789012:assumed-role/deploy/s")
        .expect("write");
    console.end_group().expect("write");
    let replay = replay_of(console);
    let first_line = replay
        .events()
        .iter()
        .position(|e| matches!(e, oidc_assume::runner::Event::Line(_)))
        .expect("some output");
    let last_mask = replay
        .events()
        .iter()
        .rposition(|e| matches!(e, oidc_assume::runner::Event::Command(c) if c.is("add-mask")))
        .expect("masks");
    assert!(last_mask < first_line);
    assert_eq!(
        replay.visible_log(),
        "##[group]Assuming role\nAssumed arn:aws:sts::123456789012:assumed-role/deploy/s\n##[endgroup]"
    );
}
