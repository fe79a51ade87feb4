//! Files only the job's user may read, replaced atomically and put back on failure.
//!
//! A file is replaced by a temporary file beside it (created exclusively, mode 0600), written,
//! given to the owner of its directory (the container action runs as root; the later steps run
//! as the runner's user), synced, then renamed over the target, and the directory is synced. A
//! symbolic link, anything but a regular file, a file over 1 MiB or one that is not
//! UTF-8 is refused: the files hold credentials, and a link would send them elsewhere.
//!
//! That is the Unix implementation; Windows has none of mode 0600, owners or `O_NOFOLLOW`, and
//! there every operation is refused (the inputs that write profiles are refused first).

use std::io;
use std::path::PathBuf;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::{Existing, ensure_directory, read, remove, replace, replace_program, restore};

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::{Existing, ensure_directory, read, remove, replace, replace_program, restore};

/// A file that could not be read or written; never carries its content.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not a regular file, a link, too large or not UTF-8.
    #[error("{path} {why}")]
    Refused {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        why: &'static str,
    },
    /// This platform has no way, here, to keep the file private to the job's user.
    #[error("cannot write {path} privately on this platform")]
    Unsupported {
        /// The file.
        path: PathBuf,
    },
    /// The system refused an operation.
    #[error("cannot {what} {path}")]
    Io {
        /// What was being done, e.g. `read`.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The system's reason.
        #[source]
        source: io::Error,
    },
}
