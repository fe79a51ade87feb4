//! Workflow-command escaping and neutralisation, checked with the runner-side parser and replay.
//!
//! Properties:
//! - a neutralised piece (`neutralise`, `neutralise_bounded`, each line of
//!   `neutralise_multiline`) has no control character (so no CR, LF or ESC), reads back to the
//!   input, and glued to other pieces and to trusted text without `::` at its start or `##[`,
//!   never forms a command the runner would parse, whatever names are registered;
//! - `escape_data` / `escape_property` round-trip through the runner's unescapes, and
//!   `::debug::` + escaped data parses back to the data;
//! - every `Console` call writes exactly one line, which the runner takes for exactly the
//!   intended command (or none, for `info`), with the intended data; command processing is
//!   never stopped;
//! - after `add_mask(secret)`, neither the console's lines nor the secret printed raw by
//!   anything else shows the secret in the replayed log.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oidc_assume::runner::{
    Console, Event, Level, LogReplay, escape_data, escape_property, neutralise, neutralise_bounded,
    neutralise_multiline, parse::parse_command_with, parse_command, unescape_data,
    unescape_property,
};

/// Trusted text an action might put around untrusted pieces: no `::` at the start (no piece
/// starts with `:`), no `[`.
const TRUSTED: &[&str] = &[
    "", " ", "  ", "\t", "x", "#", "##", "a#", "error: ", "\u{3000}",
];

#[derive(Arbitrary, Debug)]
enum Call {
    Info(String),
    Debug(String),
    Error(String),
    Warning(String),
    Notice(String),
    Group(String),
    EndGroup,
    Annotate(u8, Option<String>, String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    pieces: Vec<(u8, String)>,
    bound: u8,
    console_debug: bool,
    step_debug: bool,
    split_mask_lines: bool,
    before: Vec<Call>,
    secret: String,
    after: Vec<(Call, String)>,
    raw_around: (String, String),
}

/// Reads back what `neutralise` wrote.
fn unneutralise(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn assert_piece(piece: &str) {
    assert!(
        !piece.chars().any(char::is_control),
        "control character in {piece:?}"
    );
    assert!(!piece.contains('\u{2028}') && !piece.contains('\u{2029}'));
    assert_no_command(piece);
}

fn assert_no_command(line: &str) {
    assert!(
        parse_command_with(line, |_| true).is_none(),
        "{line:?} parses as a command"
    );
}

fn check_pieces(input: &Input) {
    let mut line = String::new();
    for (trusted, untrusted) in &input.pieces {
        let piece = neutralise(untrusted);
        assert_piece(&piece);
        assert_eq!(
            unneutralise(&piece).as_deref(),
            Some(untrusted.as_str()),
            "neutralise lost information"
        );
        let bound = usize::from(input.bound);
        let bounded = neutralise_bounded(untrusted, bound);
        assert_piece(&bounded);
        if untrusted.chars().count() <= bound {
            assert_eq!(bounded, piece);
        } else {
            let kept: String = untrusted.chars().take(bound).collect();
            assert!(bounded.starts_with(&neutralise(&kept)));
        }
        let multi = neutralise_multiline(untrusted);
        assert_eq!(multi.split('\n').count(), untrusted.split('\n').count());
        for (out, original) in multi.split('\n').zip(untrusted.split('\n')) {
            assert_eq!(out, neutralise(original));
        }
        line.push_str(TRUSTED[usize::from(*trusted) % TRUSTED.len()]);
        line.push_str(&piece);
        assert_no_command(&line);
        line.push_str(&bounded);
        assert_no_command(&line);
    }
}

fn check_escapes(input: &Input) {
    for (_, text) in &input.pieces {
        let data = escape_data(text);
        assert!(!data.contains(['\r', '\n']));
        assert_eq!(unescape_data(&data), *text);
        let property = escape_property(text);
        assert!(!property.contains(['\r', '\n', ':', ',']));
        assert_eq!(unescape_property(&property), *text);
        let command = parse_command(&format!("::debug::{data}")).expect("a debug command");
        assert!(command.is("debug"));
        assert_eq!(command.data, *text);
    }
}

/// The command the runner must see: its name, its title property, its data.
type ExpectedCommand = (&'static str, Option<String>, String);

/// Makes `call` on the console and returns what it wrote and the command the runner must see.
fn call(
    console: &mut Console<Vec<u8>>,
    call: &Call,
    extra: &str,
) -> (String, Option<ExpectedCommand>) {
    let start = console.get_ref().len();
    let with = |text: &str| format!("{text}{extra}");
    let expected = match call {
        Call::Info(t) => {
            console.info(&with(t)).expect("write");
            None
        }
        Call::Debug(t) => {
            console.debug(&with(t)).expect("write");
            console
                .debug_enabled()
                .then(|| ("debug", None, neutralise_multiline(&with(t))))
        }
        Call::Error(t) => {
            console.error(&with(t)).expect("write");
            Some(("error", None, neutralise_multiline(&with(t))))
        }
        Call::Warning(t) => {
            console.warning(&with(t)).expect("write");
            Some(("warning", None, neutralise_multiline(&with(t))))
        }
        Call::Notice(t) => {
            console.notice(&with(t)).expect("write");
            Some(("notice", None, neutralise_multiline(&with(t))))
        }
        Call::Group(t) => {
            console.group(&with(t)).expect("write");
            Some(("group", None, neutralise(&with(t))))
        }
        Call::EndGroup => {
            console.end_group().expect("write");
            Some(("endgroup", None, String::new()))
        }
        Call::Annotate(level, title, message) => {
            let level = [Level::Error, Level::Warning, Level::Notice][usize::from(*level) % 3];
            let title = title.as_deref().map(with);
            console
                .annotate(level, title.as_deref(), &with(message))
                .expect("write");
            // The runner trims the property list and drops `=` before a value and an empty
            // value (`ActionCommand.TryParseV2`), so that is what a title can show.
            let shown_title = title
                .map(|t| neutralise(&t))
                .map(|t| t.trim_end().trim_start_matches('=').to_owned())
                .filter(|t| !t.is_empty());
            Some((
                level.command(),
                shown_title,
                neutralise_multiline(&with(message)),
            ))
        }
    };
    let written = String::from_utf8(console.get_ref()[start..].to_vec()).expect("utf-8");
    (written, expected)
}

/// Feeds one call's output and checks the runner saw exactly the intended command. With
/// `exact`, no mask is registered yet, so the data must be exactly the neutralised text.
fn replay_call(
    replay: &mut LogReplay,
    written: &str,
    expected: Option<(&'static str, Option<String>, String)>,
    exact: bool,
) {
    if written.is_empty() {
        assert!(expected.is_none(), "nothing written for a command");
        return;
    }
    let body = written.strip_suffix('\n').expect("one complete line");
    assert!(
        !body.contains(['\r', '\n']),
        "more than one line: {written:?}"
    );
    let before = replay.events().len();
    replay.feed(written);
    let commands: Vec<_> = replay.events()[before..]
        .iter()
        .filter_map(|e| match e {
            Event::Command(c) => Some(c.clone()),
            Event::Line(_) => None,
        })
        .collect();
    match expected {
        None => assert!(commands.is_empty(), "info made a command: {commands:?}"),
        Some((name, title, data)) => {
            assert_eq!(commands.len(), 1, "{commands:?}");
            let command = &commands[0];
            assert!(command.is(name), "{command:?} is not {name}");
            if exact {
                assert_eq!(command.data, data);
                assert_eq!(command.property("title"), title.as_deref());
            }
            let others = command
                .properties
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("title"))
                .count();
            assert_eq!(others, 0, "{command:?}");
        }
    }
    assert!(!replay.is_stopped());
}

fuzz_target!(|input: Input| {
    check_pieces(&input);
    check_escapes(&input);

    let mut console = Console::new(Vec::new(), input.console_debug);
    let mut replay = LogReplay::new()
        .with_step_debug(input.step_debug)
        .with_mask_line_split(input.split_mask_lines);

    for c in &input.before {
        let (written, expected) = call(&mut console, c, "");
        replay_call(&mut replay, &written, expected, true);
    }

    let start = console.get_ref().len();
    console.add_mask(&input.secret).expect("write");
    let mask_lines = String::from_utf8(console.get_ref()[start..].to_vec()).expect("utf-8");
    let masks_before = replay.masked_value_count();
    replay.feed(&mask_lines);
    assert!(!replay.is_stopped());
    let secret = input.secret.as_str();
    if secret.trim().is_empty() {
        assert!(mask_lines.is_empty());
    } else {
        assert!(replay.masked_value_count() > masks_before);
        for line in mask_lines.lines() {
            let command = parse_command(line).expect("an add-mask command");
            assert!(command.is("add-mask"), "{command:?}");
        }
    }
    let masked_from = replay.events().len();

    for (c, extra) in &input.after {
        let text = format!("{extra}{secret}");
        let (written, expected) = call(&mut console, c, &text);
        replay_call(&mut replay, &written, expected, false);
    }
    // Something else in the container prints the secret as it is.
    let (a, b) = &input.raw_around;
    replay.feed(&format!("raw {}{secret}{}\n", neutralise(a), neutralise(b)));

    // A `*` in the secret can be rebuilt by the `***` the masker puts next to other text.
    if !secret.trim().is_empty() && !secret.contains('*') {
        let shown: Vec<&str> = replay.events()[masked_from..]
            .iter()
            .filter_map(|e| match e {
                Event::Line(line) => Some(line.as_str()),
                Event::Command(_) => None,
            })
            .collect();
        let log = shown.join("\n");
        assert!(
            !log.contains(secret),
            "the secret is visible after add-mask: {log:?}"
        );
    }
});
