//! What differs between Unix (Linux, macOS) and Windows: how a file is opened without following
//! a link or blocking, what a path that is not a regular file is, and which signal means "stop".
//!
//! On Windows, a symbolic link (a reparse point) is opened as itself with
//! `FILE_FLAG_OPEN_REPARSE_POINT`, so the checks on the opened handle see the link, not its
//! target; there are no FIFOs in the file system there, so nothing can block an open.

use std::fs::{File, FileType};
use std::io;
use std::path::Path;

/// The message of the error [`open_no_follow`] returns for a symbolic link.
pub const LINK_REFUSED: &str = "it is a symbolic link; give the path of the file itself";

/// Opens `path` for reading without following a symbolic link and without blocking on a FIFO.
/// A link is refused with an `InvalidInput` error saying [`LINK_REFUSED`].
pub fn open_no_follow(path: &Path) -> io::Result<File> {
    let file = no_follow_options().read(true).open(path).map_err(|e| {
        if is_link_error(&e) {
            io::Error::new(io::ErrorKind::InvalidInput, LINK_REFUSED)
        } else {
            e
        }
    })?;
    if file.metadata()?.file_type().is_symlink() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, LINK_REFUSED));
    }
    Ok(file)
}

/// Opens `path` to append, never creating or truncating it, without blocking should it be a FIFO.
pub fn open_append(path: &Path, read: bool) -> io::Result<File> {
    non_blocking_options().read(read).append(true).open(path)
}

/// What a path that is not a regular file is, for messages.
pub fn file_kind(kind: &FileType) -> &'static str {
    if kind.is_dir() {
        return "a directory";
    }
    if kind.is_symlink() {
        return "a symbolic link";
    }
    special_kind(kind)
}

/// Waits for the signal by which the runner asks a step to stop after the first interrupt:
/// `SIGTERM` on Linux and macOS, Ctrl-Break on Windows. Never resolves where none can be
/// installed. Ctrl-C (`SIGINT`) is [`tokio::signal::ctrl_c`] on both.
pub async fn terminate() {
    match terminate_stream() {
        Some(mut stream) => stream.recv().await,
        None => std::future::pending::<()>().await,
    }
}

#[cfg(unix)]
mod imp {
    use std::fs::{FileType, OpenOptions};
    use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};

    pub fn no_follow_options() -> OpenOptions {
        let mut options = OpenOptions::new();
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        options
    }

    pub fn non_blocking_options() -> OpenOptions {
        let mut options = OpenOptions::new();
        options.custom_flags(libc::O_NONBLOCK);
        options
    }

    pub fn is_link_error(error: &std::io::Error) -> bool {
        error.raw_os_error() == Some(libc::ELOOP)
    }

    pub fn special_kind(kind: &FileType) -> &'static str {
        if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else {
            "not a regular file"
        }
    }

    pub struct Terminate(tokio::signal::unix::Signal);

    impl Terminate {
        pub async fn recv(&mut self) {
            self.0.recv().await;
        }
    }

    pub fn terminate_stream() -> Option<Terminate> {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .ok()
            .map(Terminate)
    }
}

#[cfg(windows)]
mod imp {
    use std::fs::{FileType, OpenOptions};
    use std::os::windows::fs::OpenOptionsExt as _;

    /// `FILE_FLAG_OPEN_REPARSE_POINT` (winbase.h): open a reparse point, such as a symbolic
    /// link, as itself instead of its target.
    const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;

    pub fn no_follow_options() -> OpenOptions {
        let mut options = OpenOptions::new();
        options.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
        options
    }

    pub fn non_blocking_options() -> OpenOptions {
        OpenOptions::new()
    }

    pub fn is_link_error(_error: &std::io::Error) -> bool {
        false
    }

    pub fn special_kind(_kind: &FileType) -> &'static str {
        "not a regular file"
    }

    pub struct Terminate(tokio::signal::windows::CtrlBreak);

    impl Terminate {
        pub async fn recv(&mut self) {
            self.0.recv().await;
        }
    }

    pub fn terminate_stream() -> Option<Terminate> {
        tokio::signal::windows::ctrl_break().ok().map(Terminate)
    }
}

use imp::{is_link_error, no_follow_options, non_blocking_options, special_kind, terminate_stream};

/// Keeps a write past the file size limit (`ulimit -f`) from ending the process.
///
/// On Unix such a write raises `SIGXFSZ`, whose default action ends the process in the middle of
/// the write, leaving a partial entry in a runner file. With a handler installed the write fails
/// with `EFBIG` instead, and the runner module cuts the file back. The handler stays installed
/// for the life of the process (tokio never restores the default), so the returned guard only
/// needs to be kept. Windows has no such limit.
pub fn survive_file_size_limit(runtime: &tokio::runtime::Runtime) -> Option<impl Sized> {
    #[cfg(unix)]
    {
        let _context = runtime.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(libc::SIGXFSZ)).ok()
    }
    #[cfg(windows)]
    {
        let _ = runtime;
        None::<()>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_refused_and_a_file_opens() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("target");
        std::fs::write(&target, "x").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let error = open_no_follow(&link).expect_err("refused");
        assert_eq!(error.to_string(), LINK_REFUSED);
        assert!(open_no_follow(&target).is_ok());
    }

    #[test]
    fn kinds_are_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let kind = std::fs::metadata(dir.path()).expect("meta").file_type();
        assert_eq!(file_kind(&kind), "a directory");
        let null = std::fs::metadata("/dev/null").expect("meta").file_type();
        assert_eq!(file_kind(&null), "a character device");
    }
}
