//! What the checker knows about GitHub's OIDC issuers and claims: which issuers are GitHub's
//! (every [`IssuerForm`]), which claims pin a repository, and how broad a `sub` pattern is.
//!
//! `sub` is analysed here only to judge a policy and to explain it to a person; nothing in the
//! credential exchange decides anything from it.

pub use crate::policy::keys::IssuerForm;

/// GitHub's issuer for github.com.
pub const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The issuer's host, as condition keys spell it.
pub const GITHUB_HOST: &str = "token.actions.githubusercontent.com";
/// The audience AWS expects outside China.
pub const AUDIENCE: &str = "sts.amazonaws.com";
/// The audience of the China partition.
pub const AUDIENCE_CN: &str = "sts.amazonaws.com.cn";

/// The issuer as condition keys and provider ARNs spell it: host and path, no scheme, no
/// trailing slash.
pub fn issuer_path(iss: &str) -> String {
    let s = iss.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    s.trim_end_matches('/').to_string()
}

/// True when `path` (host and path) is a GitHub Actions issuer of any form ([`IssuerForm`]).
pub fn is_github_issuer(path: &str) -> bool {
    IssuerForm::of(path).is_some()
}

/// The provider path of an OIDC provider ARN (`arn:aws:iam::1:oidc-provider/HOST/PATH`).
pub fn provider_path(arn: &str) -> Option<&str> {
    arn.split_once(":oidc-provider/").map(|(_, path)| path)
}

/// Splits a condition key into issuer path and claim, when it has an issuer prefix.
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    let (issuer, claim) = key.rsplit_once(':')?;
    (!issuer.is_empty() && !claim.is_empty()).then_some((issuer, claim))
}

/// A GitHub condition key: `(issuer path, claim in lower case)`, if `key` is one.
pub fn github_key(key: &str) -> Option<(String, String)> {
    let (issuer, claim) = split_key(key)?;
    is_github_issuer(issuer).then(|| (issuer.to_ascii_lowercase(), claim.to_ascii_lowercase()))
}

/// How much of GitHub a condition admits, broadest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Breadth {
    /// Any repository of any owner.
    Anyone,
    /// Every repository of every owner whose name matches a pattern (`repo:org*`).
    OwnerPattern,
    /// Every repository of an enterprise.
    Enterprise,
    /// Every repository of one owner, including ones created later.
    Owner,
    /// The repositories of one owner whose names match a pattern.
    RepositoryPattern,
    /// One repository (or one reusable workflow).
    Repository,
}

/// What a claim contributes to scoping when a positive condition tests it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimKind {
    /// `sub`: judged value by value.
    Subject,
    /// A claim that names the repository the job runs in.
    Repository,
    /// `job_workflow_ref`: the reusable workflow, not its caller. Any repository allowed to call
    /// the workflow (every repository, when the workflow's repository is public) produces it.
    Workflow,
    /// A claim that names the owner (organisation or user).
    Owner,
    /// A claim that names the enterprise.
    Enterprise,
    /// `aud`.
    Audience,
    /// Any other claim: it narrows, but anyone can produce it in their own repository.
    Context,
}

/// Classifies a claim STS evaluates (lower case; see [`IssuerForm::evaluates`]).
pub fn claim_kind(claim: &str) -> ClaimKind {
    match claim {
        "sub" => ClaimKind::Subject,
        "repository" | "repository_id" => ClaimKind::Repository,
        "job_workflow_ref" => ClaimKind::Workflow,
        "repository_owner_id" => ClaimKind::Owner,
        "enterprise_id" => ClaimKind::Enterprise,
        "aud" => ClaimKind::Audience,
        _ => ClaimKind::Context,
    }
}

/// Claims a workflow author controls: a subject template that starts with one can be
/// reproduced from another repository.
pub const AUTHOR_CONTROLLED: &[&str] = &[
    "workflow",
    "environment",
    "ref",
    "context",
    "head_ref",
    "base_ref",
];

fn has_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

/// The breadth of one value of a repository-kind claim (`repository`, `job_workflow_ref`, ...).
pub fn repository_value_breadth(value: &str, like: bool, kind: ClaimKind) -> Breadth {
    if !like || !has_wildcard(value) {
        return match kind {
            ClaimKind::Owner => Breadth::Owner,
            ClaimKind::Enterprise => Breadth::Enterprise,
            _ => Breadth::Repository,
        };
    }
    match kind {
        ClaimKind::Owner | ClaimKind::Enterprise => {
            if value.chars().all(|c| c == '*' || c == '?') {
                Breadth::Anyone
            } else {
                Breadth::OwnerPattern
            }
        }
        _ => {
            // OWNER/REPO[/path@ref]: the owner and repository segments decide the breadth.
            let mut parts = value.splitn(3, '/');
            let owner = parts.next().unwrap_or_default();
            let repo = parts.next();
            if has_wildcard(owner) {
                if owner.starts_with(['*', '?']) {
                    Breadth::Anyone
                } else {
                    Breadth::OwnerPattern
                }
            } else {
                match repo {
                    None => Breadth::Owner,
                    Some(r) if r.starts_with('*') => Breadth::Owner,
                    Some(r) if has_wildcard(r) => Breadth::RepositoryPattern,
                    Some(_) => Breadth::Repository,
                }
            }
        }
    }
}

/// What one `sub` value admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectScope {
    /// The value admits any repository: `*`, `repo:*`, a leading wildcard, a wildcard owner.
    Anyone,
    /// `repo:org*`: every owner whose name starts like this.
    OwnerPattern(String),
    /// `repo:org/*`: every repository of `org`.
    Owner(String),
    /// `repo:org/infra-*`: the repositories of `org` matching a pattern.
    RepositoryPattern(String, String),
    /// One repository, with what part of it.
    Repository(String, Context),
    /// A custom subject template that names a repository with an exact value.
    CustomPinned(String),
    /// A custom subject template that names no repository.
    CustomUnpinned {
        /// The first claim of the template.
        first_claim: String,
        /// True when the workflow author controls that claim.
        author_controlled: bool,
    },
    /// The value cannot match any GitHub subject (for example `repo:org` with no context).
    NeverMatches(String),
}

/// What part of one repository a `sub` admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// One exact context (a branch, tag or environment).
    Exact,
    /// `pull_request`: every pull request run.
    PullRequest,
    /// A pattern that admits too much, with a description of what.
    Broad(String),
    /// A narrower pattern (`ref:refs/heads/release/*`).
    Pattern,
}

/// Judges one `sub` value; `like` is true when `*` and `?` are wildcards.
pub fn subject_scope(value: &str, like: bool) -> SubjectScope {
    let wild = |s: &str| like && has_wildcard(s);
    if like && value.starts_with(['*', '?']) {
        return SubjectScope::Anyone;
    }
    let Some(rest) = value.strip_prefix("repo:") else {
        return custom_subject(value, like);
    };
    // A wildcard can run across ':' and '/', so judge the owner/repo part up to the first of
    // ':', '*' or '?'.
    let (owner_repo, context) = match rest.split_once(':') {
        Some((or, ctx)) => (or, Some(ctx)),
        None => (rest, None),
    };
    let (owner, repo) = match owner_repo.split_once('/') {
        Some((o, r)) => (o, Some(r)),
        None => (owner_repo, None),
    };
    let owner_name = owner.split('@').next().unwrap_or(owner).to_string();
    if wild(owner) {
        return if owner.starts_with(['*', '?']) {
            SubjectScope::Anyone
        } else {
            SubjectScope::OwnerPattern(owner.to_string())
        };
    }
    let Some(repo) = repo else {
        return SubjectScope::NeverMatches(
            "has no OWNER/REPO after `repo:`; GitHub subjects look like repo:OWNER/REPO:CONTEXT"
                .into(),
        );
    };
    if wild(repo) {
        let name = repo.split('@').next().unwrap_or(repo);
        return if name.starts_with(['*', '?']) {
            SubjectScope::Owner(owner_name)
        } else {
            SubjectScope::RepositoryPattern(owner_name, repo.to_string())
        };
    }
    let full = format!("{owner_name}/{}", repo.split('@').next().unwrap_or(repo));
    let Some(ctx) = context else {
        return SubjectScope::NeverMatches(
            "ends after OWNER/REPO; every GitHub subject has a context such as :ref:refs/heads/main".into(),
        );
    };
    let context = if !wild(ctx) {
        if ctx == "pull_request" {
            Context::PullRequest
        } else {
            Context::Exact
        }
    } else if ctx.starts_with(['*', '?']) {
        Context::Broad("every branch, tag, environment and pull request".into())
    } else if let Some(r) = ctx.strip_prefix("ref:") {
        ref_context(r, like)
    } else if let Some(e) = ctx.strip_prefix("environment:") {
        if e.starts_with(['*', '?']) {
            Context::Broad("every environment".into())
        } else {
            Context::Pattern
        }
    } else {
        Context::Pattern
    };
    SubjectScope::Repository(full, context)
}

/// What part of a repository's runs a `ref` value (or the `ref:` context of a `sub`) admits.
pub fn ref_context(r: &str, like: bool) -> Context {
    if !(like && has_wildcard(r)) {
        return Context::Exact;
    }
    match r {
        _ if r.starts_with(['*', '?']) => Context::Broad("every branch and tag".into()),
        "refs/*" => Context::Broad("every branch and tag".into()),
        _ if r.starts_with("refs/heads/*") => Context::Broad("every branch".into()),
        _ if r.starts_with("refs/tags/*") => Context::Broad("every tag".into()),
        _ if r.starts_with("refs/pull/*") => Context::Broad("every pull request ref".into()),
        _ => Context::Pattern,
    }
}

/// Claims that name a repository (or narrower) inside a custom subject template.
const TEMPLATE_PINS: &[&str] = &[
    "repo",
    "repository",
    "repository_id",
    "job_workflow_ref",
    "workflow_ref",
];

fn custom_subject(value: &str, like: bool) -> SubjectScope {
    let segments: Vec<&str> = value.split(':').collect();
    let first = segments.first().copied().unwrap_or_default().to_string();
    if like && has_wildcard(&first) || segments.len() < 2 {
        return if value == "*" || like && value.starts_with('*') {
            SubjectScope::Anyone
        } else {
            SubjectScope::CustomUnpinned {
                author_controlled: AUTHOR_CONTROLLED.contains(&first.as_str()),
                first_claim: first,
            }
        };
    }
    // Claim names sit at even positions; a value never holds ':' (GitHub sends it as %3A).
    let pinned = segments.chunks(2).any(|pair| match pair {
        [claim, val] => {
            TEMPLATE_PINS.contains(claim)
                && !val.is_empty()
                && !(like && has_wildcard(val))
                && (*claim != "repo" || val.contains('/'))
        }
        _ => false,
    });
    if pinned {
        SubjectScope::CustomPinned(first)
    } else {
        SubjectScope::CustomUnpinned {
            author_controlled: AUTHOR_CONTROLLED.contains(&first.as_str()),
            first_claim: first,
        }
    }
}

impl SubjectScope {
    /// The breadth this value gives the statement.
    pub fn breadth(&self) -> Breadth {
        match self {
            SubjectScope::Anyone | SubjectScope::CustomUnpinned { .. } => Breadth::Anyone,
            SubjectScope::OwnerPattern(_) => Breadth::OwnerPattern,
            SubjectScope::Owner(_) => Breadth::Owner,
            SubjectScope::RepositoryPattern(..) => Breadth::RepositoryPattern,
            SubjectScope::Repository(..)
            | SubjectScope::CustomPinned(_)
            | SubjectScope::NeverMatches(_) => Breadth::Repository,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers() {
        assert!(is_github_issuer("token.actions.githubusercontent.com"));
        assert!(is_github_issuer("token.actions.githubusercontent.com/acme"));
        assert!(is_github_issuer("ghes.example.com/_services/token"));
        assert!(is_github_issuer("token.actions.octo.ghe.com"));
        assert!(is_github_issuer("github.com/enterprises/acme"));
        assert!(!is_github_issuer("accounts.google.com"));
        assert_eq!(
            issuer_path("https://token.actions.githubusercontent.com/"),
            GITHUB_HOST
        );
        assert_eq!(
            github_key("token.actions.githubusercontent.com/acme:Sub"),
            Some((
                "token.actions.githubusercontent.com/acme".into(),
                "sub".into()
            ))
        );
        assert_eq!(github_key("aws:SourceIp"), None);
    }

    #[test]
    fn subjects() {
        use SubjectScope as S;
        assert_eq!(subject_scope("*", true), S::Anyone);
        assert_eq!(subject_scope("repo:*", true), S::Anyone);
        assert_eq!(
            subject_scope("repo:acme*", true),
            S::OwnerPattern("acme*".into())
        );
        assert_eq!(subject_scope("repo:acme/*", true), S::Owner("acme".into()));
        assert_eq!(
            subject_scope("repo:acme/*:*", true),
            S::Owner("acme".into())
        );
        assert_eq!(
            subject_scope("repo:acme/infra-*", true),
            S::RepositoryPattern("acme".into(), "infra-*".into())
        );
        assert_eq!(
            subject_scope("repo:acme/app:ref:refs/heads/main", true),
            S::Repository("acme/app".into(), Context::Exact)
        );
        assert_eq!(
            subject_scope("repo:acme@1/app@2:pull_request", false),
            S::Repository("acme/app".into(), Context::PullRequest)
        );
        assert!(matches!(
            subject_scope("repo:acme/app:*", true),
            S::Repository(_, Context::Broad(_))
        ));
        assert!(matches!(
            subject_scope("repo:acme/app:ref:refs/heads/*", true),
            S::Repository(_, Context::Broad(_))
        ));
        // Literal under StringEquals: a `*` is not a wildcard.
        assert_eq!(
            subject_scope("repo:acme/*", false).breadth(),
            Breadth::Repository
        );
        assert_eq!(
            subject_scope("workflow:deploy", true),
            S::CustomUnpinned {
                first_claim: "workflow".into(),
                author_controlled: true
            }
        );
        assert_eq!(
            subject_scope("environment:prod:repo:acme/app", true),
            S::CustomPinned("environment".into())
        );
        assert_eq!(subject_scope("*:repo:acme/app", true), S::Anyone);
    }
}
