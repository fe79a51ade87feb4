//! Arguments of `oidc-assume policy permissions check`, and what it does with them.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::managed::is_aws_managed;
use super::{Catalogue, ManagedPolicies, PlanState, check_policies, resolve_attached, rules};
use crate::policy::PolicyError;
use crate::policy::cli::{CheckFormat, PolicyExit, finish_check, read_stdin};
use crate::policy::load::{LoadedPolicy, load_each};
use crate::policy::output;

/// `policy permissions ...`.
#[derive(Debug, Subcommand)]
pub enum PermissionsCommand {
    /// Check that permissions policies grant reads only, by AWS's catalogue of actions.
    Check(PermissionsCheckArgs),
    /// Whether the policies allow an action (or each action of a pattern), and why.
    Explain(PermissionsExplainArgs),
}

/// `policy permissions explain FILE... --action SERVICE:ACTION`.
#[derive(Debug, Args)]
pub struct PermissionsExplainArgs {
    /// The role's permissions policies, in any form `check` reads; all of them count together.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The action, or a pattern (`s3:Get*`) to expand against AWS's catalogue.
    #[arg(long, value_name = "SERVICE:ACTION")]
    pub action: String,
    /// The resource ARN asked about; default `*` (any resource a statement names).
    #[arg(long, value_name = "ARN", default_value = "*")]
    pub resource: String,
    /// Only the policies whose name is or ends with this (e.g. `plan_permissions`), when the
    /// files hold several roles' policies.
    #[arg(long)]
    pub name: Option<String>,
    /// Judge with this action table instead of the one the binary holds.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

/// What the role is meant to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Read only: any Write, Permissions management or Tagging action is an error.
    #[default]
    ReadOnly,
    /// `terraform plan` with an S3 backend: read only, plus what the backend needs (--state).
    Plan,
}

/// `policy permissions check FILE...`.
#[derive(Debug, Args)]
pub struct PermissionsCheckArgs {
    /// Permissions policies: IAM JSON, `aws iam get-role-policy`, `get-policy-version` or
    /// `get-account-authorization-details` output, .tf files or module directories; `-` reads
    /// standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// What the role may do.
    #[arg(long, value_enum, default_value_t)]
    pub profile: Profile,
    /// With --profile plan: the state, `s3://BUCKET/KEY`.
    #[arg(long, value_name = "S3_URL")]
    pub state: Option<String>,
    /// With --profile plan: the DynamoDB lock table's name, for a backend that locks there.
    #[arg(long, value_name = "NAME")]
    pub lock_table: Option<String>,
    /// With --profile plan: the ARN of a KMS key the state is encrypted with (repeatable).
    #[arg(long, value_name = "ARN")]
    pub kms_key: Vec<String>,
    /// Judge with this action table (the form of data/aws-iam/actions.txt) instead of the one
    /// the binary holds.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
}

/// Runs `policy permissions ...`.
pub fn run(
    command: PermissionsCommand,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<PolicyExit, PolicyError> {
    match command {
        PermissionsCommand::Check(args) => check(args, stdin, out),
        PermissionsCommand::Explain(args) => explain(args, stdin, out),
    }
}

fn profile(args: &PermissionsCheckArgs) -> Result<super::Profile, PolicyError> {
    let plan_only = args.state.is_some() || args.lock_table.is_some() || !args.kms_key.is_empty();
    match args.profile {
        Profile::ReadOnly if plan_only => Err(PolicyError::Usage(
            "--state, --lock-table and --kms-key describe a plan role's backend: add --profile plan"
                .into(),
        )),
        Profile::ReadOnly => Ok(super::Profile::ReadOnly),
        Profile::Plan => {
            let state = args.state.as_deref().ok_or_else(|| {
                PolicyError::Usage("--profile plan needs --state s3://BUCKET/KEY".into())
            })?;
            let mut plan = PlanState::parse(state).map_err(PolicyError::Usage)?;
            plan.lock_table = args.lock_table.clone();
            plan.kms_keys = args.kms_key.clone();
            Ok(super::Profile::Plan(plan))
        }
    }
}

fn catalogue(data: Option<&PathBuf>) -> Result<Catalogue, PolicyError> {
    match data {
        None => Catalogue::embedded().map_err(PolicyError::Usage),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
                file: path.display().to_string(),
                source,
            })?;
            Catalogue::parse(&text)
                .map_err(|why| PolicyError::Usage(format!("--data {}: {why}", path.display())))
        }
    }
}

/// The permissions policies of `files` (an AWS managed policy's ARN stands for its shipped
/// document), attached AWS managed policies resolved, with the inputs that could not be read,
/// and the managed policies' source when they were used.
struct Inputs {
    policies: Vec<LoadedPolicy>,
    problems: Vec<(String, PolicyError)>,
    managed_source: Option<String>,
}

fn load_inputs(files: &[PathBuf], stdin: &mut dyn Read) -> Inputs {
    let (arns, paths): (Vec<PathBuf>, Vec<PathBuf>) = files
        .iter()
        .cloned()
        .partition(|f| f.to_str().is_some_and(|f| f.starts_with("arn:")));
    let mut policies = Vec::new();
    let mut problems = Vec::new();
    for loaded in load_each(&paths, &mut || read_stdin(stdin)) {
        match loaded.result {
            Ok(found) => policies.extend(found.into_iter().filter(super::may_be_permissions)),
            Err(e) => problems.push((loaded.file, e)),
        }
    }
    // The deploying account's partition, account id and region match any value here, and each
    // policy's check says so (OA-P014): they are not left unjudged.
    for p in &mut policies {
        p.notes.retain(|n| !n.deployment_value);
    }
    let names_aws_managed = policies.iter().any(|p| {
        p.notes
            .iter()
            .any(|n| n.attached.as_ref().is_some_and(|a| is_aws_managed(&a.arn)))
    });
    if arns.is_empty() && !names_aws_managed {
        return Inputs {
            policies,
            problems,
            managed_source: None,
        };
    }
    let managed = match ManagedPolicies::embedded() {
        Ok(managed) => managed,
        Err(e) => {
            problems.push(("AWS managed policies".into(), PolicyError::Usage(e)));
            return Inputs {
                policies,
                problems,
                managed_source: None,
            };
        }
    };
    for arn in arns {
        let arn = arn.display().to_string();
        match managed.load_arn(&arn) {
            Ok(found) => policies.extend(found),
            Err(why) => problems.push((arn, PolicyError::Usage(why))),
        }
    }
    Inputs {
        policies: resolve_attached(policies, &managed),
        problems,
        managed_source: Some(managed.source),
    }
}

/// The data a report states: the catalogue's source, and the managed policies' when used.
fn data_source(catalogue: &Catalogue, managed: Option<&str>) -> String {
    match managed {
        Some(managed) => format!("{}; AWS managed policies: {managed}", catalogue.source),
        None => catalogue.source.clone(),
    }
}

fn check(
    args: PermissionsCheckArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<PolicyExit, PolicyError> {
    let profile = profile(&args)?;
    let catalogue = catalogue(args.data.as_ref())?;
    let Inputs {
        policies,
        problems,
        managed_source,
    } = load_inputs(&args.files, stdin);
    let findings = check_policies(&policies, &catalogue, &profile);
    let data = data_source(&catalogue, managed_source.as_deref());
    let problems: Vec<(String, String)> = problems
        .into_iter()
        .map(|(file, e)| (file, e.to_string()))
        .collect();
    let report = output::Report {
        data: Some(&data),
        findings: &findings,
        policies: policies.len(),
        not_fully_judged: policies.iter().filter(|p| !p.notes.is_empty()).count(),
        problems: &problems,
    };
    finish_check(out, args.format, &report, rules::RULES)
}

fn explain(
    args: PermissionsExplainArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<PolicyExit, PolicyError> {
    let catalogue = catalogue(args.data.as_ref())?;
    let mut inputs = load_inputs(&args.files, stdin);
    if !inputs.problems.is_empty() {
        return Err(match inputs.problems.swap_remove(0) {
            (file, PolicyError::Usage(why)) => PolicyError::Usage(format!("{file}: {why}")),
            (_, e) => e,
        });
    }
    let policies: Vec<&LoadedPolicy> = inputs
        .policies
        .iter()
        .filter(|p| super::may_be_permissions(p))
        .filter(|p| {
            args.name.as_deref().is_none_or(|want| {
                p.name
                    .as_deref()
                    .is_some_and(|n| n == want || n.ends_with(&format!(".{want}")))
            })
        })
        .collect();
    if policies.is_empty() {
        return Err(PolicyError::Usage(match &args.name {
            Some(name) => format!("no permissions policy named {name:?} in the files given"),
            None => "the files given hold no permissions policy".into(),
        }));
    }
    let mut text = String::new();
    if policies.len() > 1 {
        let names: Vec<String> = policies
            .iter()
            .map(|p| {
                format!("{} {}", p.file, p.name.as_deref().unwrap_or(""))
                    .trim()
                    .to_owned()
            })
            .collect();
        text.push_str(&format!(
            "policies counted together, as one role's: {} (pick one role's with --name)\n",
            names.join(", ")
        ));
    }
    let data = data_source(&catalogue, inputs.managed_source.as_deref());
    let (report, allowed) =
        super::explain::explain(&policies, &catalogue, &args.action, &args.resource, &data);
    text.push_str(&report);
    out.write_all(text.as_bytes())
        .map_err(PolicyError::Output)?;
    Ok(if allowed {
        PolicyExit::Admitted
    } else {
        PolicyExit::Refused
    })
}
