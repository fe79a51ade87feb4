//! The named profile (`aws-profile`): the keys go to the AWS shared credentials file as `[NAME]`,
//! the region to the config file as `[profile NAME]` (`[default]` for `default`), as
//! `aws-actions/configure-aws-credentials` writes them (`profileManager.ts`).
//!
//! Unlike that action, every other byte of both files is kept (comments included), every
//! rewritten text is read back through the AWS SDK's own parser before anything is written (the
//! new profile must hold exactly its values and nothing else may change), an existing profile is
//! refused in either file before any call unless `overwrite-aws-profile` is true (then every
//! section of that name is replaced whole, so a leftover `role_arn` or `credential_process`
//! cannot change what the profile means), and the files are replaced atomically, mode 0600,
//! owned by the owner of their directory. [`Written::undo`] puts both back when a later write of
//! the step fails.

mod private_file;
mod sections;

use std::path::{Path, PathBuf};

use crate::inputs::{ProfileFile, ProfileTarget};
use private_file::{Existing, FileError};
use sections::Kind;

/// The credentials a profile holds, as the strings to write.
pub struct Keys<'a> {
    /// `aws_access_key_id`.
    pub access_key_id: &'a str,
    /// `aws_secret_access_key`.
    pub secret_access_key: &'a str,
    /// `aws_session_token`.
    pub session_token: &'a str,
}

/// What the profile holds.
pub enum Content<'a> {
    /// Static keys, in the credentials file.
    Keys(Keys<'a>),
    /// A `credential_process` command line, in the config file; the credentials file keeps no
    /// section of that name, since every SDK would take its keys first.
    Process(&'a str),
}

/// Why a profile was not written. No variant carries a file's content or a credential.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profile exists and `overwrite-aws-profile` is not true.
    #[error(
        "the profile `{name}` exists in {path} already: choose another `aws-profile`, or set `overwrite-aws-profile: true` to replace it"
    )]
    Exists {
        /// The profile.
        name: String,
        /// The file that has it.
        path: PathBuf,
    },
    /// A file could not be read, or is not one to write credentials into.
    #[error("the profile file cannot be used")]
    File(#[source] FileError),
    /// The AWS SDKs could not parse a file.
    #[error("{path} is not a file the AWS SDKs can read ({why}); fix or remove it")]
    Unparsable {
        /// The file.
        path: PathBuf,
        /// The parser's message (its location only).
        why: String,
    },
    /// This binary could not be read, to copy it for `credential_process`.
    #[error("cannot read this program to copy it for the later steps")]
    Program(#[source] std::io::Error),
    /// Adding the profile would change what the file means beyond that profile.
    #[error(
        "adding the profile to {path} would change more than that profile ({why}); nothing was written"
    )]
    Unsafe {
        /// The file.
        path: PathBuf,
        /// What would change.
        why: String,
    },
}

/// Fails, before any call, when the profile exists and may not be replaced, or a file cannot be
/// read or parsed.
pub fn check(target: &ProfileTarget) -> Result<(), ProfileError> {
    for (kind, file) in files(target) {
        read_and_parse(kind, &file.path, target)?;
    }
    Ok(())
}

/// Both files, rendered and checked, ready to be written.
pub struct Prepared {
    files: Vec<PreparedFile>,
    program: Option<PathBuf>,
}

struct PreparedFile {
    path: PathBuf,
    old: Option<Existing>,
    new: String,
}

/// A section's entries, as (key, value).
type Entries<'a> = Vec<(&'a str, &'a str)>;

/// Renders the profile into both files and checks each result with the SDK's parser.
pub fn prepare(
    target: &ProfileTarget,
    content: &Content<'_>,
    region: &str,
) -> Result<Prepared, ProfileError> {
    let (config, credentials): (Entries<'_>, Entries<'_>) = match content {
        Content::Keys(keys) => (
            vec![("region", region)],
            vec![
                ("aws_access_key_id", keys.access_key_id),
                ("aws_secret_access_key", keys.secret_access_key),
                ("aws_session_token", keys.session_token),
            ],
        ),
        Content::Process(command) => (
            vec![("region", region), ("credential_process", command)],
            Vec::new(),
        ),
    };
    let mut prepared = Vec::new();
    for (kind, file) in files(target) {
        let entries = match kind {
            Kind::Config => &config,
            Kind::Credentials => &credentials,
        };
        let (old, before) = read_and_parse(kind, &file.path, target)?;
        let old_text = old.as_ref().map_or("", |o| o.text.as_str());
        let (kept, _) = sections::without_profile(old_text, kind, &target.name);
        let new = if entries.is_empty() {
            kept
        } else {
            sections::with_section(&kept, &kind.header(&target.name), entries)
        };
        if old.as_ref().is_some_and(|o| o.text == new) {
            continue;
        }
        let after = sections::parse(kind, &new).map_err(|why| ProfileError::Unsafe {
            path: file.path.clone(),
            why,
        })?;
        sections::check_edit(kind, &before, &after, &target.name, entries).map_err(|why| {
            ProfileError::Unsafe {
                path: file.path.clone(),
                why,
            }
        })?;
        prepared.push(PreparedFile {
            path: file.path.clone(),
            old,
            new,
        });
    }
    Ok(Prepared {
        files: prepared,
        program: None,
    })
}

/// The files as written, with what to put back.
#[must_use = "undo the profile when a later write fails"]
pub struct Written {
    files: Vec<(PathBuf, Option<Existing>)>,
    created_program: Option<PathBuf>,
    created_directories: Vec<PathBuf>,
}

impl Prepared {
    /// Also copies this binary to `to`, for a `credential_process` line that runs it.
    pub fn with_program_copy(mut self, to: PathBuf) -> Self {
        self.program = Some(to);
        self
    }

    /// Writes both files, then the program's copy; if one fails, the others are put back.
    pub fn write(self) -> Result<Written, ProfileError> {
        let mut written = Written {
            files: Vec::new(),
            created_program: None,
            created_directories: Vec::new(),
        };
        for file in self.files {
            let result = ensure_parent(&file.path, &mut written.created_directories)
                .and_then(|()| private_file::replace(&file.path, &file.new));
            if let Err(e) = result {
                let _ = written.undo();
                return Err(ProfileError::File(e));
            }
            written.files.push((file.path, file.old));
        }
        if let Some(to) = self.program {
            let existed = to.exists();
            let result = ensure_parent(&to, &mut written.created_directories)
                .map_err(ProfileError::File)
                .and_then(|()| copy_this_program(&to));
            if let Err(e) = result {
                let _ = written.undo();
                return Err(e);
            }
            if !existed {
                written.created_program = Some(to);
            }
        }
        Ok(written)
    }
}

/// Copies the running binary to `to` (mode 0700, the directory owner's).
fn copy_this_program(to: &Path) -> Result<(), ProfileError> {
    let bytes = std::env::current_exe()
        .and_then(std::fs::read)
        .map_err(ProfileError::Program)?;
    private_file::replace_program(to, &bytes).map_err(ProfileError::File)
}

impl Written {
    /// Puts both files back as they were (old text, mode and owner), or removes them.
    pub fn undo(self) -> Result<(), ProfileError> {
        let mut first_error = None;
        if let Some(program) = &self.created_program
            && let Err(e) = private_file::remove(program)
        {
            first_error.get_or_insert(e);
        }
        for (path, old) in self.files.iter().rev() {
            if let Err(e) = private_file::restore(path, old.as_ref()) {
                first_error.get_or_insert(e);
            }
        }
        for dir in self.created_directories.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
        first_error.map_or(Ok(()), |e| Err(ProfileError::File(e)))
    }
}

fn ensure_parent(path: &Path, created: &mut Vec<PathBuf>) -> Result<(), FileError> {
    if let Some(dir) = path.parent()
        && private_file::ensure_directory(dir)?
    {
        created.push(dir.to_owned());
    }
    Ok(())
}

fn files(target: &ProfileTarget) -> [(Kind, &ProfileFile); 2] {
    [
        (Kind::Credentials, &target.credentials),
        (Kind::Config, &target.config),
    ]
}

fn read_and_parse(
    kind: Kind,
    path: &Path,
    target: &ProfileTarget,
) -> Result<(Option<Existing>, aws_config::profile::ProfileSet), ProfileError> {
    let old = private_file::read(path).map_err(ProfileError::File)?;
    let text = old.as_ref().map_or("", |o| o.text.as_str());
    let set = sections::parse(kind, text).map_err(|why| ProfileError::Unparsable {
        path: path.to_owned(),
        why,
    })?;
    let (_, named) = sections::without_profile(text, kind, &target.name);
    if !target.overwrite && (named || sections::has_profile(&set, &target.name)) {
        return Err(ProfileError::Exists {
            name: target.name.clone(),
            path: path.to_owned(),
        });
    }
    Ok((old, set))
}

/// What the post step did with a refreshing profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The profile was removed.
    Removed,
    /// The profile no longer runs the command this action wrote (a later step replaced it, or it
    /// is gone): it was left as it is.
    Changed,
}

/// Removes the profile `name` from the config file at `path` if it still runs `command`,
/// keeping every other byte; removes the file when nothing else is left in it.
pub fn remove_refresh(name: &str, path: &Path, command: &str) -> Result<Removal, ProfileError> {
    let Some(old) = private_file::read(path).map_err(ProfileError::File)? else {
        return Ok(Removal::Changed);
    };
    let set = sections::parse(Kind::Config, &old.text).map_err(|why| ProfileError::Unparsable {
        path: path.to_owned(),
        why,
    })?;
    let current = set
        .get_profile(name)
        .and_then(|p| p.get("credential_process"));
    if current != Some(command) {
        return Ok(Removal::Changed);
    }
    let (kept, _) = sections::without_profile(&old.text, Kind::Config, name);
    // The blank line written before the section goes with it.
    let kept = match kept.strip_suffix("\n\n") {
        Some(rest) => format!("{rest}\n"),
        None => kept,
    };
    let result = if kept.trim().is_empty() {
        private_file::remove(path)
    } else {
        private_file::replace(path, &kept)
    };
    result
        .map(|()| Removal::Removed)
        .map_err(ProfileError::File)
}

/// Removes the copy of this binary made for `credential_process`.
pub fn remove_program(path: &Path) -> Result<(), ProfileError> {
    private_file::remove(path).map_err(ProfileError::File)
}
