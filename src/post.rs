//! The post step: at the end of the job, blank the variables the action exported.
//!
//! `aws-actions/configure-aws-credentials` does the same, and honours `AWS_SKIP_CLEANUP_STEP=true`.
//! `GITHUB_ENV` has no "unset", so the variables are set to empty values.

use std::path::Path;

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
