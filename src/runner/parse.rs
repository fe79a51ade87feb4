//! The runner's side of the protocol, rebuilt from actions/runner for tests, fuzzing and the
//! local demo: its workflow-command parser (`ActionCommand.TryParseV2` / `TryParse`), its
//! unescapes, and its file-command parser (`SetEnvFileCommand`).
//!
//! Nothing here is used to talk to a real runner; it is the yardstick the writers are measured
//! against. Where the runner's behaviour is odd it is reproduced, and said so.

/// The commands a runner knows (`IActionCommandExtension`s plus `stop-commands`), compared
/// without regard to ASCII case as the runner does. `internal-set-repo-path` is left out: the
/// runner enables it only for its own plugins.
pub const RUNNER_COMMANDS: &[&str] = &[
    "stop-commands",
    "set-env",
    "set-output",
    "save-state",
    "add-mask",
    "add-path",
    "add-matcher",
    "remove-matcher",
    "debug",
    "warning",
    "error",
    "notice",
    "group",
    "endgroup",
    "echo",
];

/// Which syntax a command line used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandForm {
    /// `::name k=v,k=v::data`, at the start of the line after whitespace.
    V2,
    /// `##[name k=v;k=v]data`, anywhere in the line.
    Legacy,
}

/// A parsed workflow command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The name as written (the runner compares names without regard to case).
    pub name: String,
    /// Properties in order of appearance; a repeated key (any case) keeps its last value, as in
    /// the runner's case-insensitive dictionary.
    pub properties: Vec<(String, String)>,
    /// The unescaped data.
    pub data: String,
    /// Which syntax matched.
    pub form: CommandForm,
}

impl Command {
    /// The value of property `key`, compared without regard to case.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| same_name(k, key))
            .map(|(_, v)| v.as_str())
    }

    /// Whether this command is `name`, compared as the runner compares.
    pub fn is(&self, name: &str) -> bool {
        same_name(&self.name, name)
    }

    fn set_property(&mut self, key: &str, value: String) {
        match self.properties.iter_mut().find(|(k, _)| same_name(k, key)) {
            Some(slot) => slot.1 = value,
            None => self.properties.push((key.to_owned(), value)),
        }
    }
}

/// Command-name equality as .NET's `StringComparer.OrdinalIgnoreCase`: per character, simple
/// upper-case mapping.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    fn upper(c: char) -> char {
        let mut up = c.to_uppercase();
        match (up.next(), up.next()) {
            (Some(u), None) => u,
            _ => c,
        }
    }
    a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| upper(x) == upper(y))
}

/// The runner's `UnescapeData`: `%0D`, `%0A`, then `%25`, each a plain replace, in that order.
pub fn unescape_data(escaped: &str) -> String {
    escaped
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

/// The runner's `UnescapeProperty`: `%0D`, `%0A`, `%3A`, `%2C`, then `%25`.
pub fn unescape_property(escaped: &str) -> String {
    escaped
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// The runner's legacy `Unescape` for `##[...]` commands: `%3B`, `%0D`, `%0A`, `%5D`, `%25`.
pub fn unescape_legacy(escaped: &str) -> String {
    escaped
        .replace("%3B", ";")
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%5D", "]")
        .replace("%25", "%")
}

/// Parses one log line as the runner would with its default command set
/// ([`RUNNER_COMMANDS`]): the `::` form first, then the legacy `##[` form.
pub fn parse_command(line: &str) -> Option<Command> {
    parse_command_with(line, |name| {
        RUNNER_COMMANDS.iter().any(|known| same_name(known, name))
    })
}

/// [`parse_command`] with the set of registered names given as a predicate (the runner adds a
/// `stop-commands` token to its set while commands are stopped). Passing `|_| true` finds
/// anything that is shaped like a command.
pub fn parse_command_with(line: &str, registered: impl Fn(&str) -> bool) -> Option<Command> {
    parse_v2(line, &registered).or_else(|| parse_legacy(line, &registered))
}

/// Splits a command's `name[ properties]` part; `None` unless the name is one the runner knows.
fn registered_name<'a>(
    info: &'a str,
    registered: &impl Fn(&str) -> bool,
) -> Option<(&'a str, Option<&'a str>)> {
    let (name, props) = match info.split_once(' ') {
        Some((name, props)) => (name, Some(props)),
        None => (info, None),
    };
    (!name.is_empty() && registered(name)).then_some((name, props))
}

fn parse_v2(line: &str, registered: &impl Fn(&str) -> bool) -> Option<Command> {
    // .NET `TrimStart()` trims `char.IsWhiteSpace`, the same set as Rust's `char::is_whitespace`.
    let message = line.trim_start();
    let rest = message.strip_prefix("::")?;
    let end = rest.find("::")?;
    let info = &rest[..end];
    let data = &rest[end + 2..];
    let (name, props) = registered_name(info, registered)?;
    let mut command = Command {
        name: name.to_owned(),
        properties: Vec::new(),
        data: unescape_data(data),
        form: CommandForm::V2,
    };
    if let Some(props) = props {
        for pair in props.trim().split(',').filter(|p| !p.is_empty()) {
            if let Some((key, value)) = split_pair(pair) {
                command.set_property(key, unescape_property(value));
            }
        }
    }
    Some(command)
}

fn parse_legacy(line: &str, registered: &impl Fn(&str) -> bool) -> Option<Command> {
    let start = line.find("##[")?;
    let after = &line[start + 3..];
    let close = after.find(']')?;
    let info = &after[..close];
    let data = &after[close + 1..];
    let (name, props) = registered_name(info, registered)?;
    let mut command = Command {
        name: name.to_owned(),
        properties: Vec::new(),
        data: unescape_legacy(data),
        form: CommandForm::Legacy,
    };
    if let Some(props) = props {
        for pair in props.split(';').filter(|p| !p.is_empty()) {
            if let Some((key, value)) = split_pair(pair) {
                command.set_property(key, unescape_legacy(value));
            }
        }
    }
    Some(command)
}

/// .NET's `Split('=', count: 2, RemoveEmptyEntries)` keeping only two-part results: empty
/// pieces are skipped, also between the key and the value (`a==b` gives `a`, `b`).
fn split_pair(pair: &str) -> Option<(&str, &str)> {
    let (key, value) = pair.trim_start_matches('=').split_once('=')?;
    let value = value.trim_start_matches('=');
    (!value.is_empty()).then_some((key, value))
}

/// Why file-command content would be rejected. Messages give line numbers, never content:
/// a malformed line may be part of a secret value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The content does not end with a line feed. The runner itself accepts this, but the
    /// next append would then continue the last line; the action's writer never does it.
    #[error("file-command content does not end with a line feed")]
    MissingFinalNewline,
    /// A line has neither `=` nor `<<`.
    #[error("line {line}: neither NAME=VALUE nor NAME<<DELIMITER")]
    InvalidLine {
        /// 1-based line number.
        line: usize,
    },
    /// A line has an empty name (`=value`, `<<EOF`).
    #[error("line {line}: the name is empty")]
    EmptyName {
        /// 1-based line number.
        line: usize,
    },
    /// `NAME<<` with nothing after it.
    #[error("line {line}: the heredoc delimiter is empty")]
    EmptyDelimiter {
        /// 1-based line number.
        line: usize,
    },
    /// No line equal to the delimiter follows `NAME<<DELIMITER`.
    #[error("line {line}: no closing delimiter line for this heredoc")]
    UnterminatedHeredoc {
        /// 1-based line number of the `NAME<<DELIMITER` line.
        line: usize,
    },
}

/// Which runner's line splitting a file-command file is read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEndings {
    /// Linux and macOS: only `\n` ends a line; a `\r` stays in the line and in the value.
    Unix,
    /// Windows: `\r\n` or a lone `\n` ends a line (the runner's `ReadLine`, under
    /// `#if OS_WINDOWS`).
    Windows,
}

/// Parses `GITHUB_ENV` / `GITHUB_OUTPUT` content as the runner does on Linux, into
/// `(name, value)` pairs in file order. See [`parse_file_commands_as`].
pub fn parse_file_commands(content: &str) -> Result<Vec<(String, String)>, ParseError> {
    parse_file_commands_as(content, LineEndings::Unix)
}

/// Parses `GITHUB_ENV` / `GITHUB_OUTPUT` content as the runner does on `endings`' platforms
/// (actions/runner `FileCommandManager.cs`, `EnvFileKeyValuePairs`), into `(name, value)` pairs
/// in file order.
///
/// Empty lines are skipped. Whichever of `=` and `<<` comes first decides the form: `NAME=VALUE`
/// takes the rest of the line; `NAME<<DELIMITER` takes the text of the following lines up to one
/// that is exactly `DELIMITER`, with their line breaks as written, less the one before the
/// delimiter line. A lone `\r` never ends a line. The runner does not reject an empty name in
/// the `=` form (a bug in its check); this parser does, as it does a missing final line feed.
pub fn parse_file_commands_as(
    content: &str,
    endings: LineEndings,
) -> Result<Vec<(String, String)>, ParseError> {
    if !content.is_empty() && !content.ends_with('\n') {
        return Err(ParseError::MissingFinalNewline);
    }
    let mut pairs = Vec::new();
    let mut lines = split_lines(content, endings).enumerate();
    while let Some((index, (line, _))) = lines.next() {
        let number = index + 1;
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(eq), hd) if hd.is_none_or(|hd| eq < hd) => {
                let name = &line[..eq];
                if name.is_empty() {
                    return Err(ParseError::EmptyName { line: number });
                }
                pairs.push((name.to_owned(), line[eq + 1..].to_owned()));
            }
            (_, Some(hd)) => {
                let name = &line[..hd];
                let delimiter = &line[hd + 2..];
                if name.is_empty() {
                    return Err(ParseError::EmptyName { line: number });
                }
                if delimiter.is_empty() {
                    return Err(ParseError::EmptyDelimiter { line: number });
                }
                let mut value = String::new();
                let mut previous_break = "";
                loop {
                    match lines.next() {
                        Some((_, (l, _))) if l == delimiter => break,
                        Some((_, (l, line_break))) => {
                            value.push_str(previous_break);
                            value.push_str(l);
                            previous_break = line_break;
                        }
                        None => return Err(ParseError::UnterminatedHeredoc { line: number }),
                    }
                }
                pairs.push((name.to_owned(), value));
            }
            _ => return Err(ParseError::InvalidLine { line: number }),
        }
    }
    Ok(pairs)
}

/// The lines of `content` (which ends with `\n`), each with the line break that ended it.
fn split_lines(content: &str, endings: LineEndings) -> impl Iterator<Item = (&str, &str)> {
    content.split_inclusive('\n').map(move |line| {
        let without_lf = &line[..line.len() - 1];
        match without_lf.strip_suffix('\r') {
            Some(text) if endings == LineEndings::Windows => (text, "\r\n"),
            _ => (without_lf, "\n"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_are_split_as_each_runner_splits_them() {
        let unix = |text| parse_file_commands_as(text, LineEndings::Unix);
        let windows = |text| parse_file_commands_as(text, LineEndings::Windows);
        let pair = |name: &str, value: &str| vec![(name.to_owned(), value.to_owned())];
        assert_eq!(unix("A=1\r\n"), Ok(pair("A", "1\r")));
        assert_eq!(windows("A=1\r\n"), Ok(pair("A", "1")));
        assert_eq!(windows("A=1\rB=2\n"), Ok(pair("A", "1\rB=2")));
        let crlf = "B<<EOF\r\nx\r\ny\r\nEOF\r\n";
        assert_eq!(unix(crlf), Ok(pair("B", "x\r\ny\r")));
        assert_eq!(windows(crlf), Ok(pair("B", "x\r\ny")));
        let mixed = "B<<EOF\nx\r\nEOF\r\n";
        assert_eq!(
            unix(mixed),
            Err(ParseError::UnterminatedHeredoc { line: 1 })
        );
        assert_eq!(windows(mixed), Ok(pair("B", "x")));
        assert_eq!(windows("B<<EOF\nx\ny\nEOF\n"), Ok(pair("B", "x\ny")));
    }

    #[test]
    fn unescape_tables() {
        for (input, want) in [
            ("", ""),
            ("a%0Ab", "a\nb"),
            ("%0D%0A", "\r\n"),
            ("%250A", "%0A"),
            ("%25%25", "%%"),
            ("%3A%2C", "%3A%2C"),
            ("%", "%"),
        ] {
            assert_eq!(unescape_data(input), want, "data {input:?}");
        }
        for (input, want) in [("a%3Ab%2Cc", "a:b,c"), ("%253A", "%3A"), ("x%0Ay", "x\ny")] {
            assert_eq!(unescape_property(input), want, "property {input:?}");
        }
        for (input, want) in [("a%3Bb%5Dc", "a;b]c"), ("%255D", "%5D")] {
            assert_eq!(unescape_legacy(input), want, "legacy {input:?}");
        }
    }

    #[test]
    fn v2_commands() {
        let c = parse_command("  ::error file=app.js,line=1,title=A%3AB::bad%0Athing")
            .expect("command");
        assert_eq!(c.name, "error");
        assert_eq!(c.form, CommandForm::V2);
        assert_eq!(c.property("FILE"), Some("app.js"));
        assert_eq!(c.property("title"), Some("A:B"));
        assert_eq!(c.data, "bad\nthing");

        let c = parse_command("::ADD-MASK::s::t").expect("case-insensitive");
        assert!(c.is("add-mask"));
        assert_eq!(c.data, "s::t");

        assert_eq!(parse_command("::unknown::x"), None);
        assert_eq!(parse_command("x ::error::y"), None);
        assert_eq!(parse_command("::error"), None);
        assert_eq!(parse_command(":: error::x"), None);
        assert_eq!(
            parse_command("\u{3000}::debug::x").map(|c| c.data),
            Some("x".into())
        );
    }

    #[test]
    fn property_splitting_follows_dotnet() {
        let c = parse_command("::warning a==b,=c,d=,e,,f=g=h, k = v ::m").expect("command");
        assert_eq!(
            c.properties,
            [
                ("a".to_owned(), "b".to_owned()),
                ("f".to_owned(), "g=h".to_owned()),
                (" k ".to_owned(), " v".to_owned()),
            ]
        );
        let c = parse_command("::warning t=1,T=2::m").expect("command");
        assert_eq!(c.properties, [("t".to_owned(), "2".to_owned())]);
    }

    #[test]
    fn legacy_commands_anywhere() {
        let c = parse_command("prefix ##[warning file=a%3Bb;line=2]msg%5D").expect("command");
        assert_eq!(c.form, CommandForm::Legacy);
        assert_eq!(c.name, "warning");
        assert_eq!(c.property("file"), Some("a;b"));
        assert_eq!(c.property("line"), Some("2"));
        assert_eq!(c.data, "msg]");
        assert_eq!(parse_command("##[nope]x"), None);
        assert_eq!(parse_command("##[add-mask"), None);
        // `::` parse fails (unknown name), the legacy form then matches.
        let c = parse_command("::nope::##[debug]x").expect("legacy");
        assert_eq!((c.name.as_str(), c.data.as_str()), ("debug", "x"));
    }

    #[test]
    fn file_commands_both_forms() {
        let text = "A=1\n\nB<<EOF\nline1\r\nline2\nEOF\nC=x<<y\nD<<END=\nE=F\nEND=\nG<<X\nX\n";
        let got = parse_file_commands(text).expect("parse");
        let want = [
            ("A", "1"),
            ("B", "line1\r\nline2"),
            ("C", "x<<y"),
            ("D", "E=F"),
            ("G", ""),
        ];
        assert_eq!(got.len(), want.len());
        for ((n, v), (wn, wv)) in got.iter().zip(want) {
            assert_eq!((n.as_str(), v.as_str()), (wn, wv));
        }
    }

    #[test]
    fn file_command_errors() {
        assert_eq!(parse_file_commands(""), Ok(vec![]));
        assert_eq!(
            parse_file_commands("A=1"),
            Err(ParseError::MissingFinalNewline)
        );
        assert_eq!(
            parse_file_commands("ok=1\njunk\n"),
            Err(ParseError::InvalidLine { line: 2 })
        );
        assert_eq!(
            parse_file_commands("=v\n"),
            Err(ParseError::EmptyName { line: 1 })
        );
        assert_eq!(
            parse_file_commands("<<EOF\nEOF\n"),
            Err(ParseError::EmptyName { line: 1 })
        );
        assert_eq!(
            parse_file_commands("A<<\n"),
            Err(ParseError::EmptyDelimiter { line: 1 })
        );
        assert_eq!(
            parse_file_commands("A<<EOF\nv\nEOF \n"),
            Err(ParseError::UnterminatedHeredoc { line: 1 })
        );
        assert_eq!(
            parse_file_commands("A<<EOF\nv\nEOF\r\n"),
            Err(ParseError::UnterminatedHeredoc { line: 1 })
        );
    }
}
