//! [`Console`]: the one writer of workflow-command lines.

use std::fmt;
use std::io::{self, Write};

use super::commands::{
    Uncopyable, check_copyable, escape_data, escape_property, neutralise, neutralise_multiline,
};
use super::mask::redact;

/// Severity of an annotation: the `::error::`, `::warning::` and `::notice::` commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `::error::`: fails nothing by itself, but is shown in red on the run's summary.
    Error,
    /// `::warning::`.
    Warning,
    /// `::notice::`.
    Notice,
}

impl Level {
    /// The command name the runner knows.
    pub fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// Writes workflow-command lines (and plain log lines) to the runner, one complete line per
/// `write_all`, flushed at once so that the order on the wire is the order of the calls.
///
/// Every value registered with [`Console::add_mask`] is also replaced by `***` in everything
/// this console prints afterwards, so a secret that slips into a message is hidden even where
/// no runner masks it (a local run). `Debug` shows how many values are masked, never them.
pub struct Console<W: Write> {
    out: W,
    debug: bool,
    masked: Vec<String>,
    pending_debug: Option<crate::logging::DebugLines>,
}

impl<W: Write> fmt::Debug for Console<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Console")
            .field("debug", &self.debug)
            .field("masked_values", &self.masked.len())
            .finish_non_exhaustive()
    }
}

impl<W: Write> Console<W> {
    /// A console writing to `out`; `debug` turns `::debug::` lines on (step debug logging,
    /// `RUNNER_DEBUG=1`).
    pub fn new(out: W, debug: bool) -> Self {
        Self {
            out,
            debug,
            masked: Vec::new(),
            pending_debug: None,
        }
    }

    /// Whether `::debug::` lines are written.
    pub fn debug_enabled(&self) -> bool {
        self.debug
    }

    /// Prints the debug events collected in `lines` (see [`crate::logging`]) as `::debug::`
    /// lines, each before the next line this console writes, so that they keep their order.
    pub fn print_debug_events(&mut self, lines: crate::logging::DebugLines) {
        self.pending_debug = Some(lines);
    }

    /// Prints the debug events collected so far.
    pub fn flush_debug_events(&mut self) -> io::Result<()> {
        let Some(lines) = &self.pending_debug else {
            return Ok(());
        };
        let mut block = String::new();
        for message in lines.take() {
            if self.debug {
                block.push_str(&format!("::debug::{}\n", self.message_data(&message)));
            }
        }
        if block.is_empty() {
            return Ok(());
        }
        self.out.write_all(block.as_bytes())?;
        self.out.flush()
    }

    /// Registers `value` as a secret with the runner (`::add-mask::`), flushed before this
    /// returns: the runner masks only output that it reads after the command.
    ///
    /// An empty or whitespace-only value is skipped (the runner would only warn). The value is
    /// sent whole (escaped, as the toolkit does), then each of its lines, trimmed, that differs
    /// from it: a runner that registers only the whole value would otherwise not mask a line
    /// (or the value without its padding) printed alone.
    pub fn add_mask(&mut self, value: &str) -> io::Result<()> {
        if value.trim().is_empty() {
            return Ok(());
        }
        let mut block = format!("::add-mask::{}\n", escape_data(value));
        let mut remember = vec![value.to_owned()];
        for line in value.split(['\r', '\n']).map(str::trim) {
            if !line.is_empty() && !remember.iter().any(|known| known == line) {
                block.push_str(&format!("::add-mask::{}\n", escape_data(line)));
                remember.push(line.to_owned());
            }
        }
        self.out.write_all(block.as_bytes())?;
        self.out.flush()?;
        for value in remember {
            if !self.masked.contains(&value) {
                self.masked.push(value);
            }
        }
        // Debug events waiting to be printed are printed after the mask, never before it.
        self.flush_debug_events()
    }

    /// Writes one plain log line. The text is meant to be the action's own, but it still goes
    /// through [`neutralise`]: a line can then never start a command, and ordinary text (no
    /// backslash or control character, no leading `:` or `[`, no `#[`, no trailing `#`) is
    /// printed unchanged.
    pub fn info(&mut self, line: &str) -> io::Result<()> {
        let text = neutralise(&self.redact(line));
        self.emit(&format!("{text}\n"))
    }

    /// Writes a line meant to be copied (a command, a JSON value) byte for byte, or nothing and
    /// the reason when that is not safe ([`check_copyable`]) or it holds a masked value. Unlike
    /// [`Console::info`] it never alters the text: an altered command is worse than none.
    pub fn copyable(&mut self, line: &str) -> io::Result<Result<(), Uncopyable>> {
        if let Err(why) = check_copyable(line) {
            return Ok(Err(why));
        }
        if self.redact(line) != line {
            return Ok(Err(Uncopyable::Masked));
        }
        self.emit(&format!("{line}\n")).map(Ok)
    }

    /// Writes `::debug::message` when debug output is on; does nothing otherwise.
    pub fn debug(&mut self, message: &str) -> io::Result<()> {
        if !self.debug {
            return Ok(());
        }
        let data = self.message_data(message);
        self.emit(&format!("::debug::{data}\n"))
    }

    /// Opens a collapsible group in the log (`::group::title`).
    pub fn group(&mut self, title: &str) -> io::Result<()> {
        let data = escape_data(&neutralise(&self.redact(title)));
        self.emit(&format!("::group::{data}\n"))
    }

    /// Closes the group opened last (`::endgroup::`).
    pub fn end_group(&mut self) -> io::Result<()> {
        self.emit("::endgroup::\n")
    }

    /// Writes an `::error::` annotation.
    pub fn error(&mut self, message: &str) -> io::Result<()> {
        self.annotate(Level::Error, None, message)
    }

    /// Writes a `::warning::` annotation.
    pub fn warning(&mut self, message: &str) -> io::Result<()> {
        self.annotate(Level::Warning, None, message)
    }

    /// Writes a `::notice::` annotation.
    pub fn notice(&mut self, message: &str) -> io::Result<()> {
        self.annotate(Level::Notice, None, message)
    }

    /// Writes an annotation with an optional title. The message may have several lines (sent
    /// as `%0A`); each line is neutralised, then the whole is escaped with [`escape_data`]. The
    /// title is neutralised and escaped with [`escape_property`].
    pub fn annotate(&mut self, level: Level, title: Option<&str>, message: &str) -> io::Result<()> {
        let mut line = format!("::{}", level.command());
        if let Some(title) = title.filter(|t| !t.is_empty()) {
            let title = escape_property(&neutralise(&self.redact(title)));
            line.push_str(&format!(" title={title}"));
        }
        let data = self.message_data(message);
        line.push_str(&format!("::{data}\n"));
        self.emit(&line)
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The writer, for tests that inspect what was written so far.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    fn message_data(&self, message: &str) -> String {
        escape_data(&neutralise_multiline(&self.redact(message)))
    }

    /// `text` with every masked value replaced by `***`, as the console prints it; for other
    /// sinks (the step summary) that must hide the same values.
    pub fn redact(&self, text: &str) -> String {
        redact(text, &self.masked)
    }

    fn emit(&mut self, line: &str) -> io::Result<()> {
        self.flush_debug_events()?;
        self.out.write_all(line.as_bytes())?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(console: Console<Vec<u8>>) -> String {
        String::from_utf8(console.into_inner()).expect("utf-8")
    }

    #[test]
    fn add_mask_is_escaped_and_skips_empty() {
        let mut c = Console::new(Vec::new(), false);
        c.add_mask("").expect("write");
        c.add_mask(" \t").expect("write");
        c.add_mask("a%b").expect("write");
        assert_eq!(written(c), "::add-mask::a%25b\n");
    }

    #[test]
    fn add_mask_multi_line_sends_whole_and_lines() {
        let mut c = Console::new(Vec::new(), false);
        c.add_mask("one\r\n two \n\n").expect("write");
        assert_eq!(
            written(c),
            "::add-mask::one%0D%0A two %0A%0A\n::add-mask::one\n::add-mask::two\n"
        );
    }

    #[test]
    fn add_mask_also_sends_the_trimmed_value() {
        let mut c = Console::new(Vec::new(), false);
        c.add_mask(" padded ").expect("write");
        c.add_mask("same\nsame").expect("write");
        assert_eq!(
            written(c),
            "::add-mask:: padded \n::add-mask::padded\n::add-mask::same%0Asame\n::add-mask::same\n"
        );
    }

    #[test]
    fn later_output_is_redacted() {
        let mut c = Console::new(Vec::new(), true);
        c.add_mask("s3cr3t").expect("write");
        c.info("value s3cr3t here").expect("write");
        c.error("bad s3cr3t").expect("write");
        c.debug("dbg s3cr3t").expect("write");
        assert_eq!(
            written(c),
            "::add-mask::s3cr3t\nvalue *** here\n::error::bad ***\n::debug::dbg ***\n"
        );
    }

    #[test]
    fn debug_only_when_enabled() {
        let mut off = Console::new(Vec::new(), false);
        assert!(!off.debug_enabled());
        assert!(Console::new(Vec::new(), true).debug_enabled());
        off.debug("x").expect("write");
        assert_eq!(written(off), "");
        let mut on = Console::new(Vec::new(), true);
        on.debug("50% done\nnext").expect("write");
        assert_eq!(written(on), "::debug::50%25 done%0Anext\n");
    }

    #[test]
    fn annotations_groups_and_info() {
        let mut c = Console::new(Vec::new(), false);
        c.group("Assume role").expect("write");
        c.info("::stop-commands::x").expect("write");
        c.end_group().expect("write");
        c.warning("w ##[x]").expect("write");
        c.notice("n").expect("write");
        c.annotate(Level::Error, Some("AccessDenied: a,b"), "line1\nline2")
            .expect("write");
        assert_eq!(
            written(c),
            "::group::Assume role\n\\x3a:stop-commands::x\n::endgroup::\n\
             ::warning::w ##\\x5bx]\n::notice::n\n\
             ::error title=AccessDenied%3A a%2Cb::line1%0Aline2\n"
        );
    }

    #[test]
    fn collected_debug_events_are_printed_in_order_after_masks_and_masked() {
        let (collected, _guard) = crate::logging::collect(true);
        let mut c = Console::new(Vec::new(), true);
        c.print_debug_events(collected.clone());
        tracing::debug!("first s3cr3t");
        c.add_mask("s3cr3t").expect("write");
        tracing::debug!("::warning::x");
        c.info("after").expect("write");
        c.flush_debug_events().expect("write");
        assert!(collected.take().is_empty(), "everything was printed");
        assert_eq!(
            written(c),
            "::add-mask::s3cr3t\n::debug::first ***\n::debug::\\x3a:warning::x\nafter\n"
        );
    }

    #[test]
    fn debug_format_hides_masked_values() {
        let mut c = Console::new(Vec::new(), false);
        c.add_mask("hunter2").expect("write");
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.starts_with("Console {") && shown.contains("masked_values: 1"),
            "{shown}"
        );
    }
}
