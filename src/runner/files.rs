//! File commands (placeholder).
use std::io::Write;
use std::path::Path;

/// Which file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// GITHUB_ENV
    Env,
    /// GITHUB_OUTPUT
    Output,
}

/// Error.
#[derive(Debug, thiserror::Error)]
pub enum FileCommandError {
    /// Bad name.
    #[error("name not allowed")]
    Name,
    /// Bad value.
    #[error("value not allowed")]
    Value,
    /// IO.
    #[error("cannot append to the runner file `{}`", .0.display())]
    Io(std::path::PathBuf, #[source] std::io::Error),
}

/// Builder.
#[derive(Debug)]
pub struct FileCommands {
    kind: FileKind,
    entries: Vec<(String, String)>,
}

impl FileCommands {
    /// New.
    pub fn new(kind: FileKind) -> Self {
        Self {
            kind,
            entries: Vec::new(),
        }
    }
    /// Set.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), FileCommandError> {
        let _ = self.kind;
        if value.contains('\n') || value.contains('\r') {
            return Err(FileCommandError::Value);
        }
        self.entries.push((name.to_owned(), value.to_owned()));
        Ok(())
    }
    /// Render.
    pub fn render(&self) -> Result<String, FileCommandError> {
        let mut out = String::new();
        for (name, value) in &self.entries {
            let delim = format!("ghadelimiter_{}", uuid::Uuid::new_v4());
            out.push_str(&format!("{name}<<{delim}\n{value}\n{delim}\n"));
        }
        Ok(out)
    }
}

/// Append.
pub fn append(path: &Path, content: &str) -> Result<(), FileCommandError> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| FileCommandError::Io(path.to_owned(), e))?;
    f.write_all(content.as_bytes())
        .map_err(|e| FileCommandError::Io(path.to_owned(), e))
}
