//! Hands the credentials to the job: masks first, then one append per runner file.
//!
//! Everything is checked and rendered before the first byte is written, every target file is
//! checked to be a regular file, and a write that fails half-way is cut back in every file, so a
//! failed run leaves nothing partial behind. The step summary is written last and its failure
//! is only a warning
//! (<https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#environment-files>).

use std::io::Write;
use std::path::Path;

use crate::claims::Claims;
use crate::exchange::Outcome;
use crate::inputs::Config;
use crate::profile::{Content, Keys};
use crate::runner::Console;
use crate::runner::{Account, FileCommandError, FileCommands, FileKind, Summary, render_summary};

/// The variables the action exports, and the post step blanks.
pub const EXPORTED_VARIABLES: [&str; 5] = [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];
const CREDENTIAL_VARIABLES: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// Why the credentials were not handed over.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// `allowed-account-ids` does not list the role's account.
    #[error(
        "the role belongs to account {account}, which allowed-account-ids does not list; nothing was written"
    )]
    AccountNotAllowed {
        /// The account (masked in the log when `mask-aws-account-id` is true).
        account: String,
    },
    /// A file command could not be rendered or appended.
    #[error("cannot write the runner's files")]
    Files(#[source] FileCommandError),
    /// The named profile could not be written (`aws-profile`).
    #[error("cannot write the profile `{name}`")]
    Profile {
        /// The profile.
        name: String,
        /// Why.
        #[source]
        source: crate::profile::ProfileError,
    },
    /// The step log could not be written.
    #[error("cannot write to the step log")]
    Log(#[source] std::io::Error),
}

/// Masks the credentials, checks the account, then writes outputs, environment and summary.
pub fn deliver<W: Write>(
    config: &Config,
    outcome: &Outcome,
    console: &mut Console<W>,
) -> Result<(), DeliverError> {
    let inputs = &config.inputs;
    let role = &outcome.role;
    let creds = &role.credentials;
    for secret in [
        &creds.access_key_id,
        &creds.secret_access_key,
        &creds.session_token,
    ] {
        console
            .add_mask(secret.reveal())
            .map_err(DeliverError::Log)?;
    }
    if inputs.mask_aws_account_id {
        console
            .add_mask(&role.account_id)
            .map_err(DeliverError::Log)?;
        console.add_mask(&role.arn).map_err(DeliverError::Log)?;
    }
    if !inputs.allowed_account_ids.is_empty()
        && !inputs.allowed_account_ids.contains(&role.account_id)
    {
        return Err(DeliverError::AccountNotAllowed {
            account: role.account_id.clone(),
        });
    }

    // A reused session's credentials are already the environment's: nothing to export again,
    // nothing to blank.
    let fresh = outcome.reused.is_none();
    let refresh = inputs.refresh.as_ref().filter(|_| fresh);
    let mut env = FileCommands::new(FileKind::Env);
    // New values replace old ones anyway; blanking matters only when no new ones are exported.
    // With `refresh-credentials` it always matters: every SDK takes keys from the environment
    // ahead of any profile.
    let blank = refresh.is_some()
        || (inputs.unset_current_credentials && !inputs.output_env_credentials && fresh);
    if blank {
        for name in CREDENTIAL_VARIABLES {
            env.set(name, "").map_err(DeliverError::Files)?;
        }
    }
    if refresh.is_some() {
        for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            env.set(name, inputs.region.name())
                .map_err(DeliverError::Files)?;
        }
    }
    if inputs.output_env_credentials && fresh {
        let values = [
            inputs.region.name(),
            inputs.region.name(),
            creds.access_key_id.reveal(),
            creds.secret_access_key.reveal(),
            creds.session_token.reveal(),
        ];
        for (name, value) in EXPORTED_VARIABLES.into_iter().zip(values) {
            env.set(name, value).map_err(DeliverError::Files)?;
        }
    }
    let mut state = FileCommands::new(FileKind::State);
    // The profile files are rendered and checked now, written after everything else is rendered
    // and before the runner's files, and put back if those fail.
    let profile = match (&inputs.profile, fresh) {
        (Some(target), true) => {
            let content = match refresh {
                Some(refresh) => Content::Process(&refresh.command),
                None => Content::Keys(Keys {
                    access_key_id: creds.access_key_id.reveal(),
                    secret_access_key: creds.secret_access_key.reveal(),
                    session_token: creds.session_token.reveal(),
                }),
            };
            let mut prepared = crate::profile::prepare(target, &content, inputs.region.name())
                .map_err(|source| DeliverError::Profile {
                    name: target.name.clone(),
                    source,
                })?;
            if let Some(to) = refresh.and_then(|r| r.copy_to.as_ref()) {
                prepared = prepared.with_program_copy(to.clone());
            }
            for (variable, file) in [
                ("AWS_CONFIG_FILE", &target.config),
                ("AWS_SHARED_CREDENTIALS_FILE", &target.credentials),
            ] {
                if let Some(path) = &file.export {
                    env.set(variable, path).map_err(DeliverError::Files)?;
                }
            }
            // The anchor's rule: a profile with exported credentials names itself too. A
            // refreshing profile the workflow did not name is the one the later steps use.
            if inputs.output_env_credentials || refresh.is_some_and(|r| r.export_profile) {
                env.set("AWS_PROFILE", &target.name)
                    .map_err(DeliverError::Files)?;
            }
            if let Some(refresh) = refresh {
                let cleanup = crate::post::RefreshCleanup {
                    profile: target.name.clone(),
                    config: target.config.path.clone(),
                    command: refresh.command.clone(),
                    program: refresh.copy_to.clone(),
                };
                state
                    .set(crate::post::REFRESH_STATE, &cleanup.to_state())
                    .map_err(DeliverError::Files)?;
            }
            Some((target, prepared))
        }
        _ => None,
    };
    let mut output = FileCommands::new(FileKind::Output);
    output
        .set("aws-account-id", &role.account_id)
        .map_err(DeliverError::Files)?;
    output
        .set("authenticated-arn", &role.arn)
        .map_err(DeliverError::Files)?;
    if inputs.output_credentials && fresh {
        output
            .set("aws-access-key-id", creds.access_key_id.reveal())
            .map_err(DeliverError::Files)?;
        output
            .set("aws-secret-access-key", creds.secret_access_key.reveal())
            .map_err(DeliverError::Files)?;
        output
            .set("aws-session-token", creds.session_token.reveal())
            .map_err(DeliverError::Files)?;
        output
            .set("aws-expiration", &creds.expiration)
            .map_err(DeliverError::Files)?;
    }
    let subject = outcome.claims.as_ref().and_then(Claims::subject);
    // With a role chain, the role whose credentials these are is the last one.
    let role_arn = inputs
        .chaining
        .further_roles
        .last()
        .unwrap_or(&inputs.role_arn);
    let summary_text = render_summary(&Summary {
        role_arn,
        session_name: &inputs.role_session_name,
        account: if inputs.mask_aws_account_id {
            Account::Masked(&role.account_id)
        } else {
            Account::Shown(&role.account_id)
        },
        region: inputs.region.name(),
        expiration: match (fresh, refresh) {
            (true, Some(_)) => Some("renewed in the later steps (credential_process)"),
            (true, None) => Some(creds.expiration.as_str()),
            (false, _) => None,
        },
        subject: subject.as_deref(),
        profile: profile.as_ref().map(|(target, _)| target.name.as_str()),
    });

    let mut writes: Vec<(&'static str, &Path, String)> = Vec::new();
    if let Some(path) = &config.files.output {
        writes.push((
            "GITHUB_OUTPUT",
            path,
            output.render().map_err(DeliverError::Files)?,
        ));
    }
    if env.names().next().is_some()
        && let Some(path) = &config.files.env
    {
        writes.push((
            "GITHUB_ENV",
            path,
            env.render().map_err(DeliverError::Files)?,
        ));
    }
    if state.names().next().is_some()
        && let Some(path) = &config.files.state
    {
        writes.push((
            "GITHUB_STATE",
            path,
            state.render().map_err(DeliverError::Files)?,
        ));
    }
    for (variable, path, content) in &writes {
        tracing::debug!(
            "appending {} bytes to {variable} ({})",
            content.len(),
            path.display()
        );
    }
    let batch: Vec<(&str, &Path, &str)> = writes
        .iter()
        .map(|(variable, path, content)| (*variable, *path, content.as_str()))
        .collect();
    let written = match profile {
        Some((target, prepared)) => {
            tracing::debug!("writing the profile `{}`", target.name);
            Some(prepared.write().map_err(|source| DeliverError::Profile {
                name: target.name.clone(),
                source,
            })?)
        }
        None => None,
    };
    if let Err(e) = crate::runner::append_all(&batch) {
        if let Some(written) = written
            && let Err(undo) = written.undo()
        {
            console
                .warning(&format!(
                    "the profile files could not be put back ({})",
                    crate::exchange::error_chain(&undo)
                ))
                .map_err(DeliverError::Log)?;
        }
        return Err(DeliverError::Files(e));
    }
    // The summary comes after the credentials and cannot fail the step: the page is for people,
    // and a failure to write it must not undo (or half-do) what the next steps depend on.
    if let Some(path) = &config.files.step_summary
        && let Err(e) = crate::runner::append("GITHUB_STEP_SUMMARY", path, &summary_text)
    {
        console
            .warning(&format!(
                "the step summary was not written ({}); the credentials were handed over",
                crate::exchange::error_chain(&e)
            ))
            .map_err(DeliverError::Log)?;
    }
    Ok(())
}
