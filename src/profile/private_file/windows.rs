//! Windows: not supported. A file there takes the access list of its directory, and keeping it
//! to the job's user would mean replacing that list, which this build does not do; the inputs
//! that write profiles are refused on Windows before any call, and these refuse as well.

use std::path::Path;

use super::FileError;

/// A file as it was before this run changed it.
#[derive(Clone)]
pub struct Existing {
    /// Its text.
    pub text: String,
}

fn unsupported<T>(path: &Path) -> Result<T, FileError> {
    Err(FileError::Unsupported {
        path: path.to_owned(),
    })
}

/// Refused on Windows.
pub fn read(path: &Path) -> Result<Option<Existing>, FileError> {
    unsupported(path)
}

/// Refused on Windows.
pub fn ensure_directory(dir: &Path) -> Result<bool, FileError> {
    unsupported(dir)
}

/// Refused on Windows.
pub fn replace(path: &Path, _text: &str) -> Result<(), FileError> {
    unsupported(path)
}

/// Refused on Windows.
pub fn replace_program(path: &Path, _bytes: &[u8]) -> Result<(), FileError> {
    unsupported(path)
}

/// Refused on Windows.
pub fn remove(path: &Path) -> Result<(), FileError> {
    unsupported(path)
}

/// Refused on Windows.
pub fn restore(path: &Path, _old: Option<&Existing>) -> Result<(), FileError> {
    unsupported(path)
}
