//! Workflow commands (placeholder).
use std::io::{self, Write};

/// Escapes message data.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Makes untrusted text safe for one log line.
pub fn neutralise(s: &str) -> String {
    s.escape_debug()
        .to_string()
        .replace("::", ":\u{200b}:")
        .replace("##[", "#\u{200b}#[")
}

/// Writes workflow commands.
pub struct Console<W: Write> {
    out: W,
    debug: bool,
}

impl<W: Write> Console<W> {
    /// New console.
    pub fn new(out: W, debug: bool) -> Self {
        Self { out, debug }
    }
    /// Masks a value.
    pub fn add_mask(&mut self, value: &str) -> io::Result<()> {
        if value.is_empty() {
            return Ok(());
        }
        writeln!(self.out, "::add-mask::{}", escape_data(value))?;
        self.out.flush()
    }
    /// Info line.
    pub fn info(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.out, "{}", neutralise(line))
    }
    /// Debug line.
    pub fn debug(&mut self, line: &str) -> io::Result<()> {
        if self.debug {
            writeln!(self.out, "::debug::{}", escape_data(line))?;
        }
        Ok(())
    }
    /// Group.
    pub fn group(&mut self, title: &str) -> io::Result<()> {
        writeln!(self.out, "::group::{}", escape_data(title))
    }
    /// End group.
    pub fn end_group(&mut self) -> io::Result<()> {
        writeln!(self.out, "::endgroup::")
    }
    /// Error annotation.
    pub fn error(&mut self, msg: &str) -> io::Result<()> {
        writeln!(self.out, "::error::{}", escape_data(msg))?;
        self.out.flush()
    }
    /// Warning annotation.
    pub fn warning(&mut self, msg: &str) -> io::Result<()> {
        writeln!(self.out, "::warning::{}", escape_data(msg))
    }
    /// Notice.
    pub fn notice(&mut self, msg: &str) -> io::Result<()> {
        writeln!(self.out, "::notice::{}", escape_data(msg))
    }
    /// Inner writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}
