//! [`LogReplay`]: what the runner makes of a container's output, line by line.
//!
//! A model of `ActionCommandManager.TryProcessCommand` plus the `SecretMasker`, for tests and
//! the local demo: it honours `stop-commands`, registers `add-mask` values with the encodings
//! the runner adds, masks every later line, and records the commands it processed and the log
//! a user would see. It masks no more than the runner does (only encodings the runner's source
//! registers), so "not visible here" is not weaker than "not visible on GitHub".

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::mask::redact;
use super::parse::{Command, RUNNER_COMMANDS, parse_command_with, same_name};

/// `Uri.EscapeDataString` keeps RFC 3986 unreserved characters only.
const URI_DATA: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const EMPTY_MASK_WARNING: &str =
    "##[warning]Can't add secret mask for empty string in ##[add-mask] command.";

/// One step of the replay, in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A command the runner processed (not one it ignored while commands were stopped). The
    /// data of an `add-mask` command is the secret itself.
    Command(Command),
    /// A line as it would appear in the log, already masked.
    Line(String),
}

/// Replays a container's stdout and stderr as the runner reads them.
pub struct LogReplay {
    step_debug: bool,
    split_mask_lines: bool,
    echo: bool,
    registered: Vec<String>,
    stop_token: Option<String>,
    originals: Vec<String>,
    secrets: Vec<String>,
    events: Vec<Event>,
}

impl fmt::Debug for LogReplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogReplay")
            .field("step_debug", &self.step_debug)
            .field("stopped", &self.stop_token.is_some())
            .field("masked_values", &self.originals.len())
            .field("events", &self.events.len())
            .finish_non_exhaustive()
    }
}

impl Default for LogReplay {
    fn default() -> Self {
        Self::new()
    }
}

impl LogReplay {
    /// A replay of a runner without step debug, whose `add-mask` registers the whole value
    /// and each of its lines.
    pub fn new() -> Self {
        Self {
            step_debug: false,
            split_mask_lines: true,
            echo: false,
            registered: RUNNER_COMMANDS.iter().map(|&s| s.to_owned()).collect(),
            stop_token: None,
            originals: Vec::new(),
            secrets: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Step debug logging (`ACTIONS_STEP_DEBUG`): `::debug::` lines are shown and commands are
    /// echoed.
    pub fn with_step_debug(mut self, on: bool) -> Self {
        self.step_debug = on;
        self.echo = on;
        self
    }

    /// Whether `add-mask` also registers each line of a multi-line value. Off models runner
    /// versions that register only the whole value.
    pub fn with_mask_line_split(mut self, on: bool) -> Self {
        self.split_mask_lines = on;
        self
    }

    /// Feeds a chunk of output, split into lines as .NET's `StreamReader.ReadLine` does
    /// (`\r\n`, `\r` or `\n`; a last line without terminator counts).
    pub fn feed(&mut self, stream: &str) {
        let mut rest = stream;
        while !rest.is_empty() {
            match rest.find(['\r', '\n']) {
                None => {
                    self.feed_line(rest);
                    break;
                }
                Some(at) => {
                    self.feed_line(&rest[..at]);
                    let skip = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
                    rest = &rest[at + skip..];
                }
            }
        }
    }

    /// [`LogReplay::feed`] for raw bytes (invalid UTF-8 becomes U+FFFD, as in the runner).
    pub fn feed_bytes(&mut self, stream: &[u8]) {
        self.feed(&String::from_utf8_lossy(stream));
    }

    /// Processes one line (without its terminator).
    pub fn feed_line(&mut self, line: &str) {
        let parsed = if line.is_empty() {
            None
        } else {
            parse_command_with(line, |name| self.is_registered(name))
        };
        let Some(command) = parsed else {
            self.show(line);
            return;
        };
        if let Some(token) = self.stop_token.clone() {
            if !token.is_empty() && same_name(&command.name, &token) {
                self.show(line);
                self.unregister(&token);
                self.stop_token = None;
                self.events.push(Event::Command(command));
            } else {
                // Not processed: the line is printed as it is, secrets and all.
                self.show(line);
            }
            return;
        }
        if command.is("stop-commands") {
            self.show(line);
            self.register(&command.data);
            self.stop_token = Some(command.data.clone());
            self.events.push(Event::Command(command));
            return;
        }
        self.process(line, command);
    }

    fn process(&mut self, line: &str, command: Command) {
        let name = command.name.to_ascii_lowercase();
        let omit_echo = matches!(
            name.as_str(),
            "add-mask" | "debug" | "error" | "warning" | "notice"
        );
        if self.echo && !omit_echo {
            self.show(line);
        }
        let data = command.data.clone();
        self.events.push(Event::Command(command));
        match name.as_str() {
            "add-mask" if data.trim().is_empty() => self.show(EMPTY_MASK_WARNING),
            "add-mask" => {
                if self.echo {
                    self.show("::add-mask::***");
                }
                self.add_mask(&data);
            }
            "debug" if self.step_debug => self.show_prefixed("##[debug]", &data),
            "error" | "warning" | "notice" => self.show_prefixed(&format!("##[{name}]"), &data),
            "group" => self.show(&format!("##[group]{data}")),
            "endgroup" => self.show("##[endgroup]"),
            "echo" => match data.trim().to_ascii_uppercase().as_str() {
                "ON" => self.echo = true,
                "OFF" => self.echo = false,
                _ => self.show_failure(line, "Invalid echo command value."),
            },
            "set-env" | "add-path" => self.show_failure(
                line,
                &format!(
                    "The `{name}` command is disabled. Please upgrade to using Environment Files."
                ),
            ),
            _ => {}
        }
    }

    /// Every event so far, in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The commands processed so far, in order.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.events.iter().filter_map(|event| match event {
            Event::Command(command) => Some(command),
            Event::Line(_) => None,
        })
    }

    /// The log lines so far, masked.
    pub fn visible_lines(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|event| match event {
            Event::Line(line) => Some(line.as_str()),
            Event::Command(_) => None,
        })
    }

    /// The log so far, lines joined with `\n`.
    pub fn visible_log(&self) -> String {
        self.visible_lines().collect::<Vec<_>>().join("\n")
    }

    /// Whether command processing is stopped (`stop-commands` without its resume token yet).
    pub fn is_stopped(&self) -> bool {
        self.stop_token.is_some()
    }

    /// How many values `add-mask` registered (lines of a multi-line value count apart;
    /// encodings do not).
    pub fn masked_value_count(&self) -> usize {
        self.originals.len()
    }

    /// `text` masked with everything registered so far.
    pub fn mask(&self, text: &str) -> String {
        redact(text, &self.secrets)
    }

    fn show(&mut self, line: &str) {
        let masked = self.mask(line);
        self.events.push(Event::Line(masked));
    }

    fn show_prefixed(&mut self, prefix: &str, data: &str) {
        for part in data.split('\n') {
            self.show(&format!("{prefix}{part}"));
        }
    }

    fn show_failure(&mut self, line: &str, reason: &str) {
        self.show(&format!(
            "##[error]Unable to process command '{line}' successfully."
        ));
        self.show(&format!("##[error]{reason}"));
    }

    fn is_registered(&self, name: &str) -> bool {
        self.registered.iter().any(|known| same_name(known, name))
    }

    /// `HashSet.Add` with a case-insensitive comparer: a no-op for a known name.
    fn register(&mut self, name: &str) {
        if !self.is_registered(name) {
            self.registered.push(name.to_owned());
        }
    }

    /// `HashSet.Remove`: a resume token equal to a real command name unregisters that command
    /// for good, as in the runner.
    fn unregister(&mut self, name: &str) {
        self.registered.retain(|known| !same_name(known, name));
    }

    fn add_mask(&mut self, value: &str) {
        self.add_value(value);
        if self.split_mask_lines {
            for line in value.split(['\r', '\n']) {
                self.add_value(line.trim());
            }
        }
    }

    /// `SecretMasker.AddValue` with the encoders `HostContext` registers.
    fn add_value(&mut self, value: &str) {
        if value.is_empty() || self.originals.iter().any(|known| known == value) {
            return;
        }
        self.originals.push(value.to_owned());
        for variation in std::iter::once(value.to_owned()).chain(encodings(value)) {
            if !variation.is_empty() && !self.secrets.contains(&variation) {
                self.secrets.push(variation);
            }
        }
    }
}

/// The runner's `ValueEncoders`: base64 at three byte offsets, expression, JSON, URI and XML
/// escapes, and the value without surrounding double quotes.
fn encodings(value: &str) -> Vec<String> {
    let bytes = value.as_bytes();
    let shifted = |shift: usize| {
        let tail = if bytes.len() > shift {
            &bytes[shift..]
        } else {
            bytes
        };
        STANDARD.encode(tail)
    };
    let json = serde_json::to_string(value)
        .ok()
        .and_then(|quoted| {
            quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let xml = value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    let unquoted = if value.len() > 8 && value.starts_with('"') && value.ends_with('"') {
        value[1..value.len() - 1].to_owned()
    } else {
        String::new()
    };
    vec![
        STANDARD.encode(bytes),
        shifted(1),
        shifted(2),
        value.replace('\'', "''"),
        json,
        utf8_percent_encode(value, URI_DATA).to_string(),
        xml,
        unquoted,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_apply_only_after_the_command() {
        let mut r = LogReplay::new();
        r.feed("before s3cret\n::add-mask::s3cret\nafter s3cret\n");
        assert_eq!(r.visible_log(), "before s3cret\nafter ***");
        assert_eq!(r.masked_value_count(), 1);
    }

    #[test]
    fn encodings_are_masked() {
        let mut r = LogReplay::new();
        r.feed_line("::add-mask::pa ss'\"<w>");
        for shown in [
            STANDARD.encode("pa ss'\"<w>"),
            "pa%20ss%27%22%3Cw%3E".to_owned(),
            "pa ss'\\\"<w>".to_owned(),
            "pa ss&apos;&quot;&lt;w&gt;".to_owned(),
        ] {
            r.feed_line(&format!("x {shown} y"));
        }
        assert_eq!(
            r.visible_lines().collect::<Vec<_>>(),
            ["x *** y", "x *** y", "x *** y", "x *** y"]
        );
    }

    #[test]
    fn stop_commands_pauses_everything_until_the_token() {
        let mut r = LogReplay::new();
        r.feed("::stop-commands::tok123\n::add-mask::leaked\nleaked\n::TOK123::\n::add-mask::hidden\nhidden\n");
        assert_eq!(
            r.visible_log(),
            "::stop-commands::tok123\n::add-mask::leaked\nleaked\n::TOK123::\n***"
        );
        let names: Vec<&str> = r.commands().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["stop-commands", "TOK123", "add-mask"]);
        assert!(!r.is_stopped());
    }

    #[test]
    fn a_resume_token_named_like_a_command_unregisters_it() {
        let mut r = LogReplay::new();
        r.feed("::stop-commands::add-mask\n::add-mask::\n::add-mask::s\ns\n");
        assert_eq!(r.masked_value_count(), 0);
        assert_eq!(
            r.visible_log(),
            "::stop-commands::add-mask\n::add-mask::\n::add-mask::s\ns"
        );
    }

    #[test]
    fn legacy_commands_and_line_splitting() {
        let mut r = LogReplay::new();
        r.feed("x ##[add-mask]abc\rabc\r\n##[group]G\n##[endgroup]\nlast abc");
        assert_eq!(r.visible_log(), "***\n##[group]G\n##[endgroup]\nlast ***");
    }

    #[test]
    fn empty_masks_warn_and_debug_shows_only_with_step_debug() {
        let mut r = LogReplay::new();
        r.feed("::add-mask:: \n::debug::hidden\n::error::e%0Af\n");
        assert_eq!(
            r.visible_log(),
            "##[warning]Can't add secret mask for empty string in ##[add-mask] command.\n\
             ##[error]e\n##[error]f"
        );
        let mut d = LogReplay::new().with_step_debug(true);
        d.feed("::debug::shown\n::add-mask::k\n::set-output name=a::k\n");
        assert_eq!(
            d.visible_log(),
            "##[debug]shown\n::add-mask::***\n::set-output name=a::***"
        );
    }

    #[test]
    fn multi_line_masks_split_unless_modelled_off() {
        let mut split = LogReplay::new();
        split.feed("::add-mask::line-one%0A line-two \nline-one\nline-two\n");
        assert_eq!(split.visible_log(), "***\n***");
        let mut whole = LogReplay::new().with_mask_line_split(false);
        whole.feed("::add-mask::line-one%0A line-two \nline-one\n");
        assert_eq!(whole.visible_log(), "line-one");
    }
}
