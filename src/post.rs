//! The post step: at the end of the job, blank the variables the action exported, and remove a
//! refreshing profile and the copy of the binary it runs.
//!
//! `aws-actions/configure-aws-credentials` does the same, and honours `AWS_SKIP_CLEANUP_STEP=true`.
//! `GITHUB_ENV` has no "unset", so the variables are set to empty values. The main step tells
//! the post step what it wrote through `GITHUB_STATE`, which the runner hands back as
//! `STATE_<name>`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::deliver::EXPORTED_VARIABLES;
use crate::runner::{FileCommandError, FileCommands, FileKind};

/// Writes empty values for the exported variables to `GITHUB_ENV`.
pub fn blank_exported_variables(github_env: &Path) -> Result<(), FileCommandError> {
    let mut env = FileCommands::new(FileKind::Env);
    for name in EXPORTED_VARIABLES {
        env.set(name, "")?;
    }
    env.append_to(github_env)
}

/// The name of the state entry that describes a refreshing profile.
pub const REFRESH_STATE: &str = "refresh-profile";

/// What the post step removes for `refresh-credentials`; paths as the action sees them (the post
/// step runs with the same mounts). Nothing in it is secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshCleanup {
    /// The profile.
    pub profile: String,
    /// The config file that holds it.
    pub config: PathBuf,
    /// Its `credential_process` line: the profile is removed only if it still runs this.
    pub command: String,
    /// The copy of the binary, when one was made.
    pub program: Option<PathBuf>,
}

impl RefreshCleanup {
    /// The state value: one line of JSON.
    pub fn to_state(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the state value back; `None` when it is not one this action wrote.
    pub fn from_state(value: &str) -> Option<Self> {
        serde_json::from_str(value).ok()
    }

    /// Removes the profile (if it still runs the command) and the binary's copy.
    pub fn remove(&self) -> Result<crate::profile::Removal, crate::profile::ProfileError> {
        let removal = crate::profile::remove_refresh(&self.profile, &self.config, &self.command)?;
        if let Some(program) = &self.program {
            crate::profile::remove_program(program)?;
        }
        Ok(removal)
    }
}
