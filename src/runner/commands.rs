//! Encoders for workflow-command lines: the toolkit's escapes, and [`neutralise`] for text the
//! action does not control.
//!
//! The runner reads every stdout and stderr line of the container
//! (`ActionCommandManager.TryProcessCommand` in actions/runner). A line is a command when,
//! after leading whitespace, it starts with `::name ...::` (checked first), or when it contains
//! `##[name ...]` **anywhere** (the legacy form). Lines are split on `\n`, `\r\n` and a lone `\r`
//! (.NET `StreamReader.ReadLine`).

use std::fmt::Write as _;

/// Escapes command data (the text after the second `::`) the way the toolkit does:
/// `%` first, then `\r` and `\n`, so the runner's unescape gives back the input.
pub fn escape_data(data: &str) -> String {
    data.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value: like [`escape_data`], plus `:` and `,`, which would
/// otherwise end the value.
pub fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

/// Makes untrusted text safe to print as (part of) one log line, and keeps it readable.
///
/// The scheme, character by character:
///
/// - `\` becomes `\\`, so every backslash in the output starts one of the escapes below and
///   the original can be read back unambiguously;
/// - line feed, carriage return and tab become `\n`, `\r`, `\t`;
/// - every other control character (C0, DEL, C1: ANSI escapes start with `\x1b`), every Unicode
///   format or default-ignorable character (zero-width, bidi overrides, soft hyphen, BOM, tag
///   characters), the line and paragraph separators and the noncharacters become `\xHH`
///   (ASCII) or `\u{H..}`; none of them can then hide text, move the cursor or break the line,
///   nor slip between the `:` or `#` of a command prefix;
/// - the first character that is not whitespace becomes `\x3a` if it is `:`, so the text can
///   never start a `::command::`, even after leading spaces (the runner trims them);
/// - a `[` that would follow a `#`, or that would be the first character, becomes `\x5b`, and a
///   `#` that would be the last character becomes `\x23`: the output contains no `#[`, never
///   starts with `[` and never ends with `#`, so it cannot form the legacy `##[command]` prefix,
///   neither alone nor glued to other neutralised pieces.
///
/// Everything else (letters in any script, `::` inside an ARN, `%`, quotes) is kept as is.
/// Together: a line made of trusted text and neutralised pieces can only carry a command if the
/// trusted text itself starts with `::` or contains `##[`; `::stop-commands::` is covered like
/// any other command. The property tests check this against [`parse`](super::parse).
pub fn neutralise(untrusted: &str) -> String {
    let mut out = String::with_capacity(untrusted.len() + 8);
    let mut only_space_so_far = true;
    for c in untrusted.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => push_hex(&mut out, c),
            ':' if only_space_so_far => push_hex(&mut out, c),
            '[' if out.is_empty() || out.ends_with('#') => push_hex(&mut out, c),
            c => out.push(c),
        }
        only_space_so_far = only_space_so_far && c.is_whitespace() && !is_hidden(c);
    }
    if out.ends_with('#') {
        out.pop();
        push_hex(&mut out, '#');
    }
    out
}

/// [`neutralise`] for text that may be long (an error body): keeps at most `max_chars`
/// characters of the input and says how many were left out.
pub fn neutralise_bounded(untrusted: &str, max_chars: usize) -> String {
    let total = untrusted.chars().count();
    if total <= max_chars {
        return neutralise(untrusted);
    }
    let kept: String = untrusted.chars().take(max_chars).collect();
    let mut out = neutralise(&kept);
    // Cannot end in `#` (neutralise escaped it) and starts with a space: the guarantees hold.
    let _ = write!(out, " ...[{} more characters]", total - max_chars);
    out
}

/// [`neutralise`] applied to each `\n`-separated line, keeping the line feeds: for annotation
/// and debug messages, whose data is escaped with [`escape_data`] afterwards, so the line feeds
/// travel as `%0A` and the runner shows a multi-line message.
pub fn neutralise_multiline(text: &str) -> String {
    text.split('\n')
        .map(neutralise)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a line meant to be copied (a command, a JSON value) cannot be printed exactly as it must
/// be used. Such a line is never altered to make it printable: it is left out, and the reason
/// shown instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Uncopyable {
    /// A line break, tab or other control character: the line would be cut or garbled.
    #[error("it would hold a line break or another control character")]
    ControlCharacter,
    /// An invisible or reordering character (zero-width, bidi override): what a reader sees
    /// would differ from what is pasted.
    #[error("it would hold an invisible or text-reordering character")]
    HiddenCharacter,
    /// `::` at the line's start, or `##[` anywhere: the runner would read a workflow command.
    #[error("the runner would read part of it as a workflow command (`::` or `##[`)")]
    CommandMarker,
    /// A value registered as a secret: the runner would show `***` in its place.
    #[error("it holds a value masked as a secret")]
    Masked,
}

/// Checks that `line` can be printed as it is: no control or hidden character, no `::` at its
/// start (after whitespace, which the runner trims) and no `##[` anywhere (the two forms of
/// workflow command the runner recognises; see the module doc).
pub fn check_copyable(line: &str) -> Result<(), Uncopyable> {
    if line.chars().any(char::is_control) {
        return Err(Uncopyable::ControlCharacter);
    }
    if line.chars().any(is_hidden) {
        return Err(Uncopyable::HiddenCharacter);
    }
    if line.trim_start().starts_with("::") || line.contains("##[") {
        return Err(Uncopyable::CommandMarker);
    }
    Ok(())
}

/// JSON on one line that [`check_copyable`] accepts and that parses back to the same value:
/// serde's escapes for control characters, plus `\uXXXX` for hidden characters and for a `[`
/// after `#`. Outside strings JSON holds neither, so the escapes land only inside strings, where
/// they keep the value equal.
pub fn copyable_json(value: &serde_json::Value) -> String {
    let compact = value.to_string();
    let mut out = String::with_capacity(compact.len());
    for c in compact.chars() {
        if is_hidden(c) || (c == '[' && out.ends_with('#')) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn push_hex(out: &mut String, c: char) {
    let code = u32::from(c);
    if code < 0x80 {
        let _ = write!(out, "\\x{code:02x}");
    } else {
        let _ = write!(out, "\\u{{{code:x}}}");
    }
}

/// Characters that are invisible, reorder or break text, or that a culture-aware comparison
/// may skip (.NET's `IndexOf(string)` is culture-sensitive, and ICU ignores format
/// characters): control (Cc), format (Cf) and default-ignorable code points, line/paragraph
/// separators and noncharacters.
fn is_hidden(c: char) -> bool {
    if c.is_control() {
        return true;
    }
    let code = u32::from(c);
    if (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE {
        return true;
    }
    HIDDEN_RANGES
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&code))
}

/// Unicode general category Cf, Default_Ignorable_Code_Point and Zl/Zp (Unicode 16).
const HIDDEN_RANGES: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_at_the_edges_of_their_ranges() {
        for (input, want) in [
            ("\u{7f}", "\\x7f"),
            ("\u{80}", "\\u{80}"),
            ("\u{9f}", "\\u{9f}"),
            ("\u{a0}", "\u{a0}"),
            ("\u{fdd0}", "\\u{fdd0}"),
            ("\u{fdef}", "\\u{fdef}"),
            ("\u{fdf0}", "\u{fdf0}"),
            ("\u{fffe}", "\\u{fffe}"),
            ("\u{1ffff}", "\\u{1ffff}"),
            ("\u{1fffd}", "\u{1fffd}"),
            ("\u{10fffe}", "\\u{10fffe}"),
        ] {
            assert_eq!(neutralise(input), want, "{input:?}");
        }
    }

    #[test]
    fn copyable_lines_table() {
        for (line, want) in [
            ("oidc-assume policy trust --branch 'it'\\''s'", Ok(())),
            ("  \"Condition\": {\"a\":\"b::c\"}", Ok(())),
            ("x::y", Ok(())),
            ("a\nb", Err(Uncopyable::ControlCharacter)),
            ("a\tb", Err(Uncopyable::ControlCharacter)),
            ("a\u{1b}[0m", Err(Uncopyable::ControlCharacter)),
            ("a\u{202e}b", Err(Uncopyable::HiddenCharacter)),
            ("a\u{200b}b", Err(Uncopyable::HiddenCharacter)),
            ("::warning::x", Err(Uncopyable::CommandMarker)),
            ("  ::warning::x", Err(Uncopyable::CommandMarker)),
            ("text ##[warning]x", Err(Uncopyable::CommandMarker)),
        ] {
            assert_eq!(check_copyable(line), want, "{line:?}");
        }
    }

    #[test]
    fn copyable_json_keeps_the_value_and_is_copyable() {
        let value = serde_json::json!({
            "sub": "a\nb ##[x] \u{202e}\u{1F600} \u{E0001} #[",
            "plain": "repo:o/r:ref:refs/heads/main",
        });
        let text = copyable_json(&value);
        assert_eq!(check_copyable(&text), Ok(()), "{text}");
        assert!(
            text.contains("##\\u005bx]") && text.contains("\\u202e"),
            "{text}"
        );
        assert!(text.contains("\\udb40\\udc01"), "a surrogate pair: {text}");
        assert!(
            text.contains("\"plain\":\"repo:o/r:ref:refs/heads/main\""),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn escape_data_table() {
        for (input, want) in [
            ("", ""),
            ("plain", "plain"),
            ("100%", "100%25"),
            ("a\nb", "a%0Ab"),
            ("a\r\nb", "a%0D%0Ab"),
            ("%0A", "%250A"),
            ("%25", "%2525"),
            ("k:v,w", "k:v,w"),
        ] {
            assert_eq!(escape_data(input), want, "input {input:?}");
        }
    }

    #[test]
    fn escape_property_table() {
        for (input, want) in [
            ("", ""),
            ("title", "title"),
            ("a:b,c", "a%3Ab%2Cc"),
            ("%3A", "%253A"),
            ("x\ny", "x%0Ay"),
            ("arn:aws:iam::1:role/r", "arn%3Aaws%3Aiam%3A%3A1%3Arole/r"),
        ] {
            assert_eq!(escape_property(input), want, "input {input:?}");
        }
    }

    #[test]
    fn neutralise_table() {
        for (input, want) in [
            ("", ""),
            ("plain text", "plain text"),
            (
                "arn:aws:iam::123456789012:role/x",
                "arn:aws:iam::123456789012:role/x",
            ),
            ("::add-mask::x", "\\x3a:add-mask::x"),
            ("   ::stop-commands::t", "   \\x3a:stop-commands::t"),
            ("\u{3000}::x::", "\u{3000}\\x3a:x::"),
            ("\t::x::", "\\t::x::"),
            ("body ##[error]x", "body ##\\x5berror]x"),
            ("[x]", "\\x5bx]"),
            ("issue #", "issue \\x23"),
            ("a\r\nb", "a\\r\\nb"),
            ("\x1b[31mred", "\\x1b[31mred"),
            ("back\\slash", "back\\\\slash"),
            ("zero\u{200b}width", "zero\\u{200b}width"),
            ("rtl\u{202e}x", "rtl\\u{202e}x"),
            ("nel\u{85}x", "nel\\u{85}x"),
            ("#\u{ad}#[", "#\\u{ad}#\\x5b"),
            ("100% 😀 é", "100% 😀 é"),
        ] {
            assert_eq!(neutralise(input), want, "input {input:?}");
        }
    }

    #[test]
    fn neutralise_bounded_cuts_and_counts() {
        assert_eq!(neutralise_bounded("abc", 3), "abc");
        assert_eq!(neutralise_bounded("abcdef", 2), "ab ...[4 more characters]");
        assert_eq!(
            neutralise_bounded("a#bc", 2),
            "a\\x23 ...[2 more characters]"
        );
    }

    #[test]
    fn neutralise_multiline_keeps_line_feeds_only() {
        assert_eq!(
            neutralise_multiline("::a::\n##[b]\r"),
            "\\x3a:a::\n##\\x5bb]\\r"
        );
    }
}
