//! File commands: `GITHUB_ENV` and `GITHUB_OUTPUT`.
//!
//! The runner reads these files after the step, line by line: `NAME=VALUE`, or
//! `NAME<<DELIMITER`, value lines, and a line that is exactly `DELIMITER`
//! (`SetEnvFileCommand` in actions/runner). We always write the heredoc form with the toolkit's
//! delimiter `ghadelimiter_<random uuid>`, a fresh one per entry, as the toolkit's
//! `prepareKeyValueMessage` does since CVE-2022-35954 (a fixed delimiter let a value define
//! other variables such as `BASH_ENV` or `LD_PRELOAD`).
//!
//! On top of that, names come from fixed allowlists, and values with `\r`, `\n` or NUL are
//! refused outright. Everything the action exports is single-line by nature (credentials, ARNs,
//! a region, a timestamp), so a line break can only mean a broken or hostile upstream answer:
//! it is what a framing attack needs, a lone `\r` ends a line where the runner reads the step's
//! output and `GITHUB_PATH` (.NET's `ReadLine`) and for anyone reading a log, and NUL cannot live in an environment variable (the next step would
//! silently see a truncated value). With no line breaks, a value can never contain a line equal
//! to the delimiter; the delimiter check stays as a second lock.
//!
//! Lines end with `\n` on every platform. On Windows the runner ends a line at `\r\n` or at a
//! lone `\n` (its `ReadLine`, under `#if OS_WINDOWS`), so it reads what we write whatever an
//! earlier writer in the same file used (`@actions/core` writes `os.EOL`, `\r\n` there); on
//! Linux and macOS only `\n` ends a line, and `\r\n` would leave a `\r` in every value.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Names the action may write to `GITHUB_ENV`.
pub const ENV_NAMES: &[&str] = &[
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
];

/// Names the action may write to `GITHUB_OUTPUT`.
pub const OUTPUT_NAMES: &[&str] = &[
    "aws-account-id",
    "authenticated-arn",
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
    "aws-expiration",
];

/// The names the action saves for its post step.
pub const STATE_NAMES: &[&str] = &["refresh-profile"];

const DELIMITER_PREFIX: &str = "ghadelimiter_";

/// Which file a [`FileCommands`] is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `GITHUB_ENV`: environment variables for the later steps of the job.
    Env,
    /// `GITHUB_OUTPUT`: outputs of this step.
    Output,
    /// `GITHUB_STATE`: values for this action's post step (`STATE_<name>` there).
    State,
}

impl FileKind {
    /// The environment variable that holds this file's path.
    pub fn variable(self) -> &'static str {
        match self {
            FileKind::Env => "GITHUB_ENV",
            FileKind::Output => "GITHUB_OUTPUT",
            FileKind::State => "GITHUB_STATE",
        }
    }

    /// The names that may be written to this file.
    pub fn allowed_names(self) -> &'static [&'static str] {
        match self {
            FileKind::Env => ENV_NAMES,
            FileKind::Output => OUTPUT_NAMES,
            FileKind::State => STATE_NAMES,
        }
    }
}

/// A file command that was refused or could not be written. No variant carries a value.
#[derive(Debug, thiserror::Error)]
pub enum FileCommandError {
    /// A name outside the fixed allowlist: a bug in the action, never user input.
    #[error("refusing to write `{name}` to {variable}: only {allowed} may be written")]
    NameNotAllowed {
        /// `GITHUB_ENV` or `GITHUB_OUTPUT`.
        variable: &'static str,
        /// The refused name.
        name: String,
        /// The allowlist, for the message.
        allowed: String,
    },
    /// The same name set twice in one batch: a bug in the action.
    #[error("`{name}` was set twice for {variable}; set each name once")]
    DuplicateName {
        /// `GITHUB_ENV` or `GITHUB_OUTPUT`.
        variable: &'static str,
        /// The repeated name.
        name: String,
    },
    /// The value has a line break or NUL. Values exported by this action are single-line;
    /// the upstream answer that produced it is broken or hostile, so nothing is written.
    #[error(
        "refusing to write `{name}` to {variable}: the value contains a line break or NUL \
         character, which a credential never does (nothing was written)"
    )]
    UnsafeValue {
        /// `GITHUB_ENV` or `GITHUB_OUTPUT`.
        variable: &'static str,
        /// The entry's name.
        name: String,
    },
    /// The value contains the entry's random delimiter (practically impossible; kept as the
    /// toolkit keeps it).
    #[error("refusing to write `{name}` to {variable}: the value contains the heredoc delimiter")]
    ValueContainsDelimiter {
        /// `GITHUB_ENV` or `GITHUB_OUTPUT`.
        variable: &'static str,
        /// The entry's name.
        name: String,
    },
    /// The file the runner should have created does not exist. Writing nowhere would let a
    /// later step run without credentials it expects, so this fails closed; run the action
    /// as a step of a GitHub Actions job, or create the file for a local run.
    #[error(
        "{variable} points to {path}, which does not exist; the runner creates it for every \
         step, so refusing to continue (fail closed)"
    )]
    MissingFile {
        /// The variable that named the file.
        variable: String,
        /// The path it named.
        path: PathBuf,
    },
    /// The path is not a regular file (a directory, a FIFO, a device): the runner creates a
    /// regular file for every step.
    #[error(
        "{variable} points to {path}, which is {kind}, not a regular file; the runner creates a \
         regular file for every step, so refusing to continue (fail closed)"
    )]
    NotRegular {
        /// The variable that named the file.
        variable: String,
        /// The path it named.
        path: PathBuf,
        /// What the path is instead.
        kind: &'static str,
    },
    /// A write failed and the bytes this run had already appended to this file could not be
    /// removed: the file may hold a partial entry, so the job must not go on.
    #[error(
        "cannot cut {variable} ({path}) back to its {length} bytes after a failed write; it may \
         hold a partial entry: fail the job"
    )]
    CutBackFailed {
        /// The variable that named the file.
        variable: String,
        /// The path it named.
        path: PathBuf,
        /// Its length before this run wrote to it.
        length: u64,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The file exists but could not be opened or written: check that the action runs as root
    /// in its container (no `USER` in the Dockerfile) and that the disk is not full.
    #[error("cannot append to {variable} ({path})")]
    Io {
        /// The variable that named the file.
        variable: String,
        /// The path it named.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

/// A batch of entries for one file, rendered in the toolkit's heredoc format and written with
/// one [`append`]. `Debug` shows names only: the values are credentials.
pub struct FileCommands {
    kind: FileKind,
    entries: Vec<(&'static str, String)>,
}

impl fmt::Debug for FileCommands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.entries.iter().map(|(name, _)| *name).collect();
        f.debug_struct("FileCommands")
            .field("kind", &self.kind)
            .field("names", &names)
            .finish()
    }
}

impl FileCommands {
    /// An empty batch for `kind`.
    pub fn new(kind: FileKind) -> Self {
        Self {
            kind,
            entries: Vec::new(),
        }
    }

    /// The file this batch is for.
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// The names set so far, in order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|(name, _)| *name)
    }

    /// Adds `name = value`. The name must be on the kind's allowlist and set once; the value
    /// must not contain `\r`, `\n` or NUL (an empty value is allowed: it is how a variable is
    /// cleared, there being no unset).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), FileCommandError> {
        let variable = self.kind.variable();
        let allowed = self.kind.allowed_names();
        let Some(&name) = allowed.iter().find(|&&allowed| allowed == name) else {
            return Err(FileCommandError::NameNotAllowed {
                variable,
                name: name.to_owned(),
                allowed: allowed.join(", "),
            });
        };
        if self.entries.iter().any(|(known, _)| *known == name) {
            return Err(FileCommandError::DuplicateName {
                variable,
                name: name.to_owned(),
            });
        }
        if value.contains(['\r', '\n', '\0']) {
            return Err(FileCommandError::UnsafeValue {
                variable,
                name: name.to_owned(),
            });
        }
        self.entries.push((name, value.to_owned()));
        Ok(())
    }

    /// Renders every entry as `NAME<<ghadelimiter_<uuid v4>\nVALUE\nghadelimiter_<uuid>\n`,
    /// with a fresh delimiter per entry. The result holds the values: write it with [`append`]
    /// and drop it.
    pub fn render(&self) -> Result<String, FileCommandError> {
        self.render_with(|| format!("{DELIMITER_PREFIX}{}", uuid::Uuid::new_v4()))
    }

    /// [`FileCommands::render`] with the delimiters supplied by `next_delimiter`, so tests can
    /// aim a value at the delimiter.
    pub(crate) fn render_with(
        &self,
        mut next_delimiter: impl FnMut() -> String,
    ) -> Result<String, FileCommandError> {
        let mut out = String::new();
        for (name, value) in &self.entries {
            let delimiter = next_delimiter();
            // `set` already refused line breaks; checked again so no path can skip it.
            if value.contains(['\r', '\n', '\0']) {
                return Err(FileCommandError::UnsafeValue {
                    variable: self.kind.variable(),
                    name: (*name).to_owned(),
                });
            }
            if value.contains(&delimiter) || name.contains(&delimiter) {
                return Err(FileCommandError::ValueContainsDelimiter {
                    variable: self.kind.variable(),
                    name: (*name).to_owned(),
                });
            }
            out.push_str(name);
            out.push_str("<<");
            out.push_str(&delimiter);
            out.push('\n');
            out.push_str(value);
            out.push('\n');
            out.push_str(&delimiter);
            out.push('\n');
        }
        Ok(out)
    }

    /// Renders the batch and appends it to `path`, the file named by the kind's variable.
    pub fn append_to(&self, path: &Path) -> Result<(), FileCommandError> {
        let content = self.render()?;
        append(self.kind.variable(), path, &content)
    }
}

/// Appends `content` to the file at `path`, which the environment variable `variable` named
/// (`GITHUB_ENV`, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`; used in messages): [`append_all`] for
/// one file.
pub fn append(variable: &str, path: &Path, content: &str) -> Result<(), FileCommandError> {
    append_all(&[(variable, path, content)])
}

/// Appends to several runner files as one unit: every file is checked and opened before the
/// first byte is written, and if any write fails, every file already written, the failed one
/// included, is cut back to the length it had before.
///
/// The files must exist already and be regular files: the runner creates one for each step, so
/// a missing file, a directory or a FIFO means something is wrong and this fails closed. Each
/// file is opened for appending and `content` goes out in one `write_all` (preceded by a line
/// feed if the file does not end with one, so the first entry starts on its own line).
///
/// Files are appended to, never truncated, with one exception: the cut-back after a failed
/// write, which removes only the bytes this call appended, so that a failure half-way (a full
/// disk, `EFBIG` from a file size limit) leaves no credential behind in a file the runner will
/// read.
///
/// The data is not synced to disk: the runner reads the file after the step ends, through the
/// same page cache, so it sees every byte without a sync, and a host that loses power loses the
/// job too. The toolkit's `issueFileCommand` does not sync either. Each `fdatasync` cost 0.3 to
/// 8 ms here (docs/benchmarks.md), three of them per run.
pub fn append_all(writes: &[(&str, &Path, &str)]) -> Result<(), FileCommandError> {
    let mut opened = Vec::with_capacity(writes.len());
    for (variable, path, content) in writes {
        opened.push((open_regular(variable, path)?, *content));
    }
    for index in 0..opened.len() {
        let (target, content) = &mut opened[index];
        if let Err(source) = target.write(content) {
            let failed = FileCommandError::Io {
                variable: target.variable.clone(),
                path: target.path.clone(),
                source,
            };
            for (written, _) in opened.iter_mut().take(index + 1) {
                if let Err(source) = written.cut_back() {
                    return Err(FileCommandError::CutBackFailed {
                        variable: written.variable.clone(),
                        path: written.path.clone(),
                        length: written.length_before,
                        source,
                    });
                }
            }
            return Err(failed);
        }
    }
    Ok(())
}

/// A runner file opened for appending, with its length before this action wrote to it.
struct Target {
    variable: String,
    path: PathBuf,
    file: File,
    readable: bool,
    length_before: u64,
}

impl Target {
    fn write(&mut self, content: &str) -> io::Result<()> {
        let needs_line_feed = self.readable && ends_without_line_feed(&mut self.file)?;
        let mut block = String::with_capacity(content.len() + 1);
        if needs_line_feed {
            block.push('\n');
        }
        block.push_str(content);
        self.file.write_all(block.as_bytes())?;
        self.file.flush()
    }

    fn cut_back(&mut self) -> io::Result<()> {
        self.file.set_len(self.length_before)
    }
}

/// Opens a runner file for appending, never creating or truncating it, and only if it is a
/// regular file: checked by path first (opening a FIFO for writing would block until a reader
/// comes), then again on the opened descriptor, which is what is written.
fn open_regular(variable: &str, path: &Path) -> Result<Target, FileCommandError> {
    let io_error = |source: io::Error| FileCommandError::Io {
        variable: variable.to_owned(),
        path: path.to_owned(),
        source,
    };
    let not_regular = |kind: &'static str| FileCommandError::NotRegular {
        variable: variable.to_owned(),
        path: path.to_owned(),
        kind,
    };
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(not_regular(crate::platform::file_kind(&meta.file_type())));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(FileCommandError::MissingFile {
                variable: variable.to_owned(),
                path: path.to_owned(),
            });
        }
        Err(e) => return Err(io_error(e)),
    }
    let (file, readable) = open_for_append(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    if !meta.is_file() {
        return Err(not_regular(crate::platform::file_kind(&meta.file_type())));
    }
    Ok(Target {
        variable: variable.to_owned(),
        path: path.to_owned(),
        file,
        readable,
        length_before: meta.len(),
    })
}

/// Opens without ever creating or truncating, and without blocking should the path have become
/// a FIFO since it was checked. Read access only serves the last-byte check, so a file we may
/// write but not read is still written; the flag says whether it is readable.
fn open_for_append(path: &Path) -> io::Result<(File, bool)> {
    read_if_allowed(|read: bool| crate::platform::open_append(path, read))
}

/// Opens with read access, or without it when only reading is refused.
fn read_if_allowed(open: impl Fn(bool) -> io::Result<File>) -> io::Result<(File, bool)> {
    match open(true) {
        Ok(file) => Ok((file, true)),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            open(false).map(|file| (file, false))
        }
        Err(e) => Err(e),
    }
}

fn ends_without_line_feed(file: &mut File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
mod tests;
