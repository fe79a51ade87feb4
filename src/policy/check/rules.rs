//! The rules `policy check` applies, with their ids and default severities. The table feeds the
//! text and JSON output and SARIF's `tool.driver.rules`.

use super::Severity;

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, `OA-Tnnn`.
    pub id: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// One sentence: what the rule looks for and why it matters.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($konst:ident = $id:literal, $name:literal, $sev:ident, $summary:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $konst: Rule = Rule { id: $id, name: $name, severity: Severity::$sev, summary: $summary };
        )*
        /// Every rule, in id order.
        pub const RULES: &[Rule] = &[$($konst),*];
    };
}

rules! {
    UNSCOPED = "OA-T001", "unscoped-github-principal", Error,
        "A statement trusts a GitHub OIDC provider but no positive condition pins a repository (sub, repository, repository_id, job_workflow_ref): any GitHub workflow can assume the role.";
    ANY_REPOSITORY = "OA-T002", "any-repository-value", Error,
        "A condition value admits any repository of any owner (`*`, `repo:*`, a wildcard or prefix owner such as `repo:org*`); one such value in a list is enough.";
    OWNER_WIDE = "OA-T003", "owner-wide-value", Error,
        "A condition value admits every repository of an owner or enterprise (`repo:org/*`, `repo:org/*:*`, repository_owner), including repositories created later.";
    REPOSITORY_PATTERN = "OA-T004", "repository-pattern", Warning,
        "A condition value admits every repository of an owner whose name matches a pattern (`repo:org/infra-*`), including ones created later.";
    FOR_ALL_VALUES = "OA-T005", "for-all-values-on-github-claim", Error,
        "`ForAllValues:` on a GitHub claim is true when the claim is absent; GitHub claims are single-valued, so use the plain operator.";
    IF_EXISTS = "OA-T006", "if-exists-on-github-claim", Error,
        "`...IfExists` on a GitHub claim is true when the claim is absent; scoping must not depend on a claim being present.";
    NEGATIVE_ONLY = "OA-T007", "negative-only-scoping", Error,
        "The only repository conditions are negative (StringNotEquals, StringNotLike): every repository not listed is admitted.";
    MISSING_AUDIENCE = "OA-T008", "missing-audience", Warning,
        "No condition checks the `aud` claim; the provider's client id list is then the only audience check.";
    UNEXPECTED_AUDIENCE = "OA-T009", "unexpected-audience", Warning,
        "The `aud` condition admits a value other than sts.amazonaws.com (sts.amazonaws.com.cn in China).";
    BROAD_CONTEXT = "OA-T010", "broad-subject-context", Warning,
        "A `sub` value admits every branch, tag, environment or pull request of a repository, not the one the role is for.";
    PULL_REQUEST = "OA-T011", "pull-request-subject", Note,
        "A `sub` value admits pull_request runs: code from any branch of the repository, before review, can use the role.";
    UNPINNED_TEMPLATE = "OA-T012", "unpinned-custom-subject", Error,
        "A custom subject template value names no repository; when it starts with a claim the workflow author controls (workflow, environment, ref, context, head_ref, base_ref) any repository can produce it.";
    CUSTOM_TEMPLATE = "OA-T013", "custom-subject-template", Note,
        "A `sub` value uses a custom subject template that names the repository; jobs emit it only while the template is in place.";
    EVERYONE = "OA-T014", "principal-everyone", Error,
        "An Allow statement with `Principal: \"*\"` (or AWS/Federated `*`, or NotPrincipal) admits every identity provider and account.";
    LITERAL_WILDCARD = "OA-T015", "literal-wildcard", Warning,
        "A value contains `*` or `?` under an operator that compares literally (StringEquals): it matches only that literal text.";
    LIKE_WITHOUT_WILDCARD = "OA-T016", "like-without-wildcard", Note,
        "StringLike with no wildcard in any value: StringEquals says the same and cannot be widened by accident.";
    FOREIGN_ISSUER = "OA-T017", "foreign-issuer-key", Warning,
        "A condition key belongs to a GitHub issuer other than the statement's provider, or to another identity provider: it is absent from the request, so the condition never holds (or always holds when negated or IfExists).";
    NOT_WEB_IDENTITY = "OA-T018", "action-not-web-identity", Warning,
        "A statement trusting a GitHub OIDC provider does not allow sts:AssumeRoleWithWebIdentity, so it never admits a GitHub token.";
    NEVER_MATCHES = "OA-T019", "never-matching-subject", Warning,
        "A `sub` value cannot match any subject GitHub emits.";
    UNSUPPORTED_OPERATOR = "OA-T020", "unsupported-operator", Warning,
        "A condition on a GitHub claim uses an operator this checker does not judge.";
    UNRESOLVED = "OA-T021", "unresolved-expression", Warning,
        "A Terraform expression or construct could not be resolved (a variable without a default, a dynamic block, a merged document): what it holds is not judged, so the policy is not fully judged.";
    NOT_A_KEY = "OA-T022", "claim-sts-does-not-evaluate", Warning,
        "A condition tests a GitHub claim that STS does not evaluate for the issuer (not a condition key in AWS's Service Authorization Reference): the key is absent, so a positive operator never matches and the statement never applies, and a negated or IfExists operator always passes and restricts nothing.";
    UNDOCUMENTED_ISSUER = "OA-T023", "undocumented-issuer", Note,
        "The statement trusts an issuer whose keys AWS and GitHub do not both document (github.com/enterprises/NAME, which GitHub does not document; token.actions.SUBDOMAIN.ghe.com/SLUG, for which AWS's catalogue lists no GitHub claim keys): the verdict rests on an assumption the note states.";
    DUPLICATE_NAME = "OA-T024", "duplicate-name", Error,
        "A name is given twice in one JSON object of the policy (two Statement, two Effect, a key twice under one operator): parsers keep the first, keep the last or refuse, so the document means different things to different readers.";
    UNPROVEN = "OA-T025", "unproven-admission", Warning,
        "A statement looks broad on its own, but the token that would show it is refused by the rest of the document (typically a Deny statement): the checker cannot prove either way that such tokens are refused.";
    WORKFLOW_DECIDES = "OA-T026", "reusable-workflow-decides", Note,
        "The statement pins a reusable workflow (job_workflow_ref) and nothing narrows which runs of the calling repository may use it: every branch, tag, environment and pull request that calls the workflow is admitted.";
    CALLER_DEPENDENT = "OA-T027", "policy-variable-value", Error,
        "A condition value on a GitHub claim holds an IAM policy variable (`${...}`): it is compared with values from the request itself, so it pins nothing (`repo:${token.actions.githubusercontent.com:repository}:*` is met by every repository), and AWS does not document which GitHub claim keys STS substitutes.";
    OLD_SESSION_NAME = "OA-T028", "requires-old-session-name", Warning,
        "A condition requires the role session name to be exactly `GitHubActions`: oidc-assume names each session after its run (`GitHubActions-<run id>-<run attempt>`), so the role refuses it unless `role-session-name: GitHubActions` is set.";
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
