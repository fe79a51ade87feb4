//! Arguments of `oidc-assume policy trust|check|explain`, and [`run`], which the binary calls.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::policy::PolicyError;
use crate::policy::check::{check_policies, has_errors};
use crate::policy::claims::parse_claims;
use crate::policy::eval::{AccessRequest, evaluate};
use crate::policy::generate::{
    Partition, Target, TrustSpec, partition_of_arn, partition_of_region, provider_arn,
};
use crate::policy::github::DEFAULT_ISSUER;
use crate::policy::load::{LoadedPolicy, load_each, load_paths};
use crate::policy::{output, sarif};

/// The policy subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Write a least-privilege trust policy for one repository and one branch, tag, environment,
    /// pull request event or reusable workflow.
    Trust(TrustArgs),
    /// Check trust policies (IAM JSON, `aws iam get-role` output, Terraform) for rules that let
    /// the wrong workflows assume the role. Exits 1 when an error-level finding exists.
    Check(CheckArgs),
    /// Explain, statement by statement and condition by condition, whether a trust policy admits a
    /// job's token claims. Exits 0 when admitted, 1 when refused.
    Explain(ExplainArgs),
    /// Check permissions policies: what the role may do.
    Permissions {
        /// What to do.
        #[command(subcommand)]
        command: crate::policy::permissions::cli::PermissionsCommand,
    },
}

/// Output of `policy trust`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum TrustFormat {
    /// An IAM policy document.
    #[default]
    Json,
    /// A Terraform `aws_iam_policy_document` data source.
    Terraform,
}

/// Output of `policy check`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One block per finding, for people.
    #[default]
    Text,
    /// One JSON object.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

/// Output of `policy explain`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON object.
    Json,
}

/// `policy trust` arguments.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["branch", "tag", "environment", "pull_request", "job_workflow_ref"])))]
#[command(group(ArgGroup::new("provider").required(true).args(["account", "provider_arn"])))]
pub struct TrustArgs {
    /// The repository, OWNER/REPO.
    #[arg(long, value_name = "OWNER/REPO")]
    pub repo: String,
    /// Admit runs on this branch (a pattern with `*` makes the condition StringLike).
    #[arg(long)]
    pub branch: Option<String>,
    /// Admit runs for this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Admit jobs that reference this environment.
    #[arg(long)]
    pub environment: Option<String>,
    /// Admit pull_request runs (keep such a role read-only).
    #[arg(long)]
    pub pull_request: bool,
    /// Admit jobs of this reusable workflow (OWNER/REPO/.github/workflows/F.yml@REF) called from
    /// the repository.
    #[arg(long, value_name = "REF")]
    pub job_workflow_ref: Option<String>,
    /// The AWS account that holds the OIDC provider (12 digits).
    #[arg(long)]
    pub account: Option<String>,
    /// The OIDC provider's ARN (instead of --account).
    #[arg(long, value_name = "ARN")]
    pub provider_arn: Option<String>,
    /// The audience (default: sts.amazonaws.com, or sts.amazonaws.com.cn in China).
    #[arg(long)]
    pub audience: Option<String>,
    /// A region of the partition the role lives in (cn-*, us-gov-*, ...); default `aws`.
    #[arg(long)]
    pub region: Option<String>,
    /// The token issuer: github.com's, an enterprise's (`.../SLUG`) or GHES's
    /// (`https://HOST/_services/token`).
    #[arg(long, default_value = DEFAULT_ISSUER)]
    pub issuer: String,
    /// The owner's numeric id, for the immutable subject form (with --repository-id).
    #[arg(long, requires = "repository_id")]
    pub owner_id: Option<String>,
    /// The repository's numeric id, for the immutable subject form (with --owner-id).
    #[arg(long, requires = "owner_id")]
    pub repository_id: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TrustFormat,
    /// The data source's name in Terraform output.
    #[arg(long, default_value = "github_actions_trust")]
    pub terraform_name: String,
}

/// `policy check` arguments.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Policy files (JSON, get-role output, .tf) or Terraform module directories; `-` reads JSON
    /// from standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
}

/// `policy explain` arguments.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("provider").args(["account", "provider_arn"])))]
pub struct ExplainArgs {
    /// The trust policy (JSON, get-role output, .tf file or module directory).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The job's claims: a JSON object or a JWT; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    pub claims: PathBuf,
    /// Which policy of the file (e.g. data.aws_iam_policy_document.plan) when it holds several.
    #[arg(long)]
    pub name: Option<String>,
    /// The OIDC provider's ARN the token is presented to.
    #[arg(long, value_name = "ARN")]
    pub provider_arn: Option<String>,
    /// The account holding the provider (the ARN is derived from it and the token's issuer).
    #[arg(long)]
    pub account: Option<String>,
    /// A region of the partition (for --account); default `aws`.
    #[arg(long)]
    pub region: Option<String>,
    /// The role session name asked for (`sts:RoleSessionName`); default: the one oidc-assume
    /// gives the token's run, `GitHubActions-<run_id>-<run_attempt>`.
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ExplainFormat,
}

/// How a policy command ended; [`PolicyExit::code`] is the process exit code. Errors
/// ([`PolicyError`]) exit 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyExit {
    /// `trust` wrote a policy, or `check` found no error.
    Clean,
    /// `check` found at least one error-level finding.
    Findings,
    /// `explain`: the policy admits the claims.
    Admitted,
    /// `explain`: the policy refuses the claims.
    Refused,
    /// `check`: some file could not be read or parsed (the others were checked).
    Unreadable,
}

impl PolicyExit {
    /// 0 for clean and admitted, 1 for findings and refused, 2 when a file could not be read.
    pub fn code(self) -> u8 {
        match self {
            PolicyExit::Clean | PolicyExit::Admitted => 0,
            PolicyExit::Findings | PolicyExit::Refused => 1,
            PolicyExit::Unreadable => 2,
        }
    }
}

/// Runs a policy command, reading `-` from `stdin` and writing results to `out`.
pub fn run(
    cmd: PolicyCommand,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<PolicyExit, PolicyError> {
    match cmd {
        PolicyCommand::Trust(args) => trust(args, out),
        PolicyCommand::Check(args) => check(args, stdin, out),
        PolicyCommand::Explain(args) => explain(args, stdin, out),
        PolicyCommand::Permissions { command } => {
            crate::policy::permissions::cli::run(command, stdin, out)
        }
    }
}

pub(crate) fn read_stdin(stdin: &mut dyn Read) -> Result<String, PolicyError> {
    let mut s = String::new();
    stdin
        .read_to_string(&mut s)
        .map_err(|source| PolicyError::Read {
            file: "standard input".into(),
            source,
        })?;
    Ok(s)
}

fn region_partition(region: &str) -> Result<Partition, PolicyError> {
    partition_of_region(region).ok_or_else(|| {
        PolicyError::Usage(format!(
            "--region {region:?} is not an AWS region name such as us-east-1 or cn-north-1"
        ))
    })
}

fn account_ok(account: &str) -> Result<(), PolicyError> {
    if account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(PolicyError::Usage(format!(
            "--account {account:?} is not a 12-digit AWS account id"
        )))
    }
}

/// Builds the spec `trust` generates from its arguments.
pub fn trust_spec(args: &TrustArgs) -> Result<TrustSpec, PolicyError> {
    let target = if let Some(b) = &args.branch {
        Target::Branch(b.clone())
    } else if let Some(t) = &args.tag {
        Target::Tag(t.clone())
    } else if let Some(e) = &args.environment {
        Target::Environment(e.clone())
    } else if let Some(w) = &args.job_workflow_ref {
        Target::JobWorkflowRef(w.clone())
    } else if args.pull_request {
        Target::PullRequest
    } else {
        return Err(PolicyError::Usage(
            "give one of --branch, --tag, --environment, --pull-request, --job-workflow-ref".into(),
        ));
    };
    let region_partition = args.region.as_deref().map(region_partition).transpose()?;
    let (partition, arn) = match (&args.provider_arn, &args.account) {
        (Some(arn), _) => {
            let p = partition_of_arn(arn).ok_or_else(|| {
                PolicyError::Usage(format!("--provider-arn {arn:?} names no known partition"))
            })?;
            if let Some(rp) = region_partition.filter(|rp| *rp != p) {
                return Err(PolicyError::Usage(format!(
                    "--provider-arn is in partition {} but --region is in {}",
                    p.name(),
                    rp.name()
                )));
            }
            (p, arn.clone())
        }
        (None, Some(account)) => {
            account_ok(account)?;
            let p = region_partition.unwrap_or(Partition::Aws);
            (p, provider_arn(p, account, &args.issuer))
        }
        (None, None) => {
            return Err(PolicyError::Usage(
                "give --account or --provider-arn".into(),
            ));
        }
    };
    let spec = TrustSpec {
        repo: args.repo.clone(),
        ids: args.owner_id.clone().zip(args.repository_id.clone()),
        target,
        provider_arn: arn,
        audience: args
            .audience
            .clone()
            .unwrap_or_else(|| partition.default_audience().to_string()),
        issuer: args.issuer.clone(),
    };
    spec.validate()?;
    Ok(spec)
}

fn trust(args: TrustArgs, out: &mut dyn Write) -> Result<PolicyExit, PolicyError> {
    let spec = trust_spec(&args)?;
    let text = match args.format {
        TrustFormat::Json => spec.policy_text(),
        TrustFormat::Terraform => spec.terraform(&args.terraform_name),
    };
    out.write_all(text.as_bytes())
        .map_err(PolicyError::Output)?;
    Ok(PolicyExit::Clean)
}

fn check(
    args: CheckArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<PolicyExit, PolicyError> {
    let mut policies = Vec::new();
    let mut problems = Vec::new();
    for loaded in load_each(&args.files, &mut || read_stdin(stdin)) {
        match loaded.result {
            Ok(found) => policies.extend(found),
            Err(e) => problems.push((loaded.file, e.to_string())),
        }
    }
    let findings = check_policies(&policies);
    let report = output::Report {
        data: None,
        findings: &findings,
        policies: policies.len(),
        not_fully_judged: policies.iter().filter(|p| !p.fully_judged()).count(),
        problems: &problems,
    };
    finish_check(out, args.format, &report, crate::policy::check::RULES)
}

/// Writes a check's report in `format` (SARIF with the rules of `rule_table`) and says how the
/// check ended: unreadable files first, then error findings.
pub(crate) fn finish_check(
    out: &mut dyn Write,
    format: CheckFormat,
    report: &output::Report<'_>,
    rule_table: &[crate::policy::check::Rule],
) -> Result<PolicyExit, PolicyError> {
    match format {
        CheckFormat::Text => output::write_text(out, report)?,
        CheckFormat::Json => output::write_json(out, report)?,
        CheckFormat::Sarif => {
            sarif::write_sarif(out, rule_table, report.findings, report.problems)?
        }
    }
    Ok(if !report.problems.is_empty() {
        PolicyExit::Unreadable
    } else if has_errors(report.findings) {
        PolicyExit::Findings
    } else {
        PolicyExit::Clean
    })
}

fn select(
    policies: Vec<LoadedPolicy>,
    name: Option<&str>,
    file: &str,
) -> Result<LoadedPolicy, PolicyError> {
    let names = |list: &[LoadedPolicy]| -> String {
        list.iter()
            .map(|p| p.name.clone().unwrap_or_else(|| p.file.clone()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let candidates: Vec<LoadedPolicy> = match name {
        Some(n) => policies
            .iter()
            .filter(|p| {
                p.name.as_deref().is_some_and(|pn| {
                    pn == n || pn.ends_with(&format!(".{n}")) || pn.ends_with(&format!("/{n}"))
                })
            })
            .cloned()
            .collect(),
        None => {
            let trust: Vec<LoadedPolicy> = policies
                .iter()
                .filter(|p| p.has_principal())
                .cloned()
                .collect();
            if trust.is_empty() {
                policies.clone()
            } else {
                trust
            }
        }
    };
    if candidates.len() > 1 {
        return Err(PolicyError::Selection(format!(
            "{file} holds several trust policies ({}); choose one with --name",
            names(&candidates)
        )));
    }
    match candidates.into_iter().next() {
        Some(one) => Ok(one),
        None => Err(PolicyError::Selection(match name {
            Some(n) => format!(
                "{file} has no policy named {n}; it has: {}",
                names(&policies)
            ),
            None => format!("{file} holds no policy"),
        })),
    }
}

fn explain(
    args: ExplainArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<PolicyExit, PolicyError> {
    if args.policy.as_os_str() == "-" && args.claims.as_os_str() == "-" {
        return Err(PolicyError::Usage(
            "--policy and --claims cannot both read standard input".into(),
        ));
    }
    let policy_file = args.policy.display().to_string();
    let claims_text = if args.claims.as_os_str() == "-" {
        read_stdin(stdin)?
    } else {
        std::fs::read_to_string(&args.claims).map_err(|source| PolicyError::Read {
            file: args.claims.display().to_string(),
            source,
        })?
    };
    let policies = load_paths(std::slice::from_ref(&args.policy), &mut || {
        read_stdin(stdin)
    })?;
    let policy = select(policies, args.name.as_deref(), &policy_file)?;
    let claims = parse_claims(&claims_text)?;
    let iss = claims
        .map
        .get("iss")
        .and_then(|v| v.as_str())
        .unwrap_or(DEFAULT_ISSUER)
        .to_string();
    let arn = match (&args.provider_arn, &args.account) {
        (Some(arn), _) => arn.clone(),
        (None, Some(account)) => {
            account_ok(account)?;
            let p = args
                .region
                .as_deref()
                .map(region_partition)
                .transpose()?
                .unwrap_or(Partition::Aws);
            provider_arn(p, account, &iss)
        }
        (None, None) => String::new(),
    };
    let session_name = match args.session_name {
        Some(name) if crate::inputs::nearest_session_name(&name) == name => name,
        Some(name) => {
            return Err(PolicyError::Usage(format!(
                "--session-name `{}` is not a session name STS accepts: 2 to 64 characters from letters, digits and `_+=,.@-`",
                crate::runner::neutralise(&name)
            )));
        }
        None => {
            let claim = |name: &str| claims.map.get(name).and_then(|v| v.as_str());
            crate::inputs::default_session_name(claim("run_id"), claim("run_attempt"))
        }
    };
    let mut request = AccessRequest::from_claims(&arn, &claims.map);
    request.set_session_name(&session_name);
    let evaluation = evaluate(&policy.document, &request);
    let exit = if evaluation.admitted() {
        PolicyExit::Admitted
    } else {
        PolicyExit::Refused
    };
    let unverified = "the token's signature was NOT verified: these claims are only as trustworthy as their source";
    match args.format {
        ExplainFormat::Json => {
            let value = json!({
                "policy": {"file": policy.file, "name": policy.name},
                "admitted": evaluation.admitted(),
                "unverified_token": claims.from_unverified_token,
                "evaluation": evaluation,
            });
            let mut s =
                serde_json::to_string_pretty(&value).map_err(|e| PolicyError::Output(e.into()))?;
            s.push('\n');
            out.write_all(s.as_bytes()).map_err(PolicyError::Output)?;
        }
        ExplainFormat::Text => {
            let mut s = String::new();
            if claims.from_unverified_token {
                s.push_str(&format!("note: {unverified}\n"));
            }
            let name = policy
                .name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            s.push_str(&format!("policy: {}{name}\n", policy.file));
            for claim in ["iss", "sub", "aud"] {
                if let Some(v) = request.claim(claim) {
                    s.push_str(&format!("token {claim}: {v}\n"));
                }
            }
            s.push_str(&format!("session name: {session_name}\n"));
            s.push_str(&evaluation.to_string());
            out.write_all(s.as_bytes()).map_err(PolicyError::Output)?;
        }
    }
    Ok(exit)
}
