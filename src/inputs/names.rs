//! The names STS and IAM accept: session names, role ARNs and managed policy ARNs.

use crate::region::Partition;

/// A character STS accepts in a session name (`[\w+=,.@-]*`, the `RoleSessionName` pattern in
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>).
pub(super) fn session_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// The session name when `role-session-name` is empty: `GitHubActions-<run id>-<run attempt>`, so
/// that every call made with the credentials, which CloudTrail records as
/// `assumed-role/ROLE/SESSION-NAME`, leads back to the workflow run (and its attempt). The run id
/// is numeric and unique, the attempt starts at 1 (GitHub's `GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT`,
/// and the token's `run_id`, `run_attempt` claims): at most 45 characters, all valid. Without both,
/// or with values of another form, it is `GitHubActions`, the default of
/// `aws-actions/configure-aws-credentials`.
pub fn default_session_name(run_id: Option<&str>, run_attempt: Option<&str>) -> String {
    fn digits(value: Option<&str>, most: usize) -> Option<&str> {
        value.filter(|v| (1..=most).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()))
    }
    match (digits(run_id, 20), digits(run_attempt, 10)) {
        (Some(id), Some(attempt)) => format!("{SESSION_NAME_PREFIX}-{id}-{attempt}"),
        _ => SESSION_NAME_PREFIX.to_owned(),
    }
}

/// The fixed part of the default session name, and the whole of it outside a workflow run.
pub const SESSION_NAME_PREFIX: &str = "GitHubActions";

/// The valid session name closest to `value`: every other character becomes `_`, a name too
/// short is padded with `_`, one too long is cut at 64. `${{ github.actor }}` is
/// `dependabot[bot]` for Dependabot, which becomes `dependabot_bot_`.
pub fn nearest_session_name(value: &str) -> String {
    let mut name: String = value
        .chars()
        .map(|c| if session_name_char(c) { c } else { '_' })
        .take(64)
        .collect();
    while name.len() < 2 {
        name.push('_');
    }
    name
}

/// Checks a role ARN: `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub(super) fn validate_role_arn(arn: &str, partition: Option<Partition>) -> Result<(), String> {
    let form = "must be a full role ARN such as `arn:aws:iam::123456789012:role/my-role`";
    if !(20..=2048).contains(&arn.len()) || arn.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("{form}, 20 to 2048 characters with no spaces"));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, arn_partition, service, region, account, resource] = parts.as_slice() else {
        return Err(form.to_owned());
    };
    if *prefix != "arn" || *service != "iam" || !region.is_empty() {
        return Err(form.to_owned());
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{form}: the account must be 12 digits"));
    }
    let Some(name) = resource.strip_prefix("role/") else {
        return Err(format!("{form}: the resource must start with `role/`"));
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c);
    if name.is_empty() || name.ends_with('/') || !name.chars().all(allowed) {
        return Err(format!(
            "{form}: the role name allows letters, digits and `_+=,.@-`"
        ));
    }
    check_partition(arn_partition, partition)
}

/// Checks a managed policy ARN: `arn:<partition>:iam::(aws|<12 digits>):policy/<path/name>`.
pub(super) fn validate_policy_arn(arn: &str, partition: Option<Partition>) -> Result<(), String> {
    let form = format!(
        "has `{}`, which is not a managed policy ARN such as `arn:aws:iam::aws:policy/ReadOnlyAccess`",
        crate::runner::neutralise(arn)
    );
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, arn_partition, service, region, account, resource] = parts.as_slice() else {
        return Err(form);
    };
    let account_ok =
        *account == "aws" || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    let resource_ok = resource.strip_prefix("policy/").is_some_and(|name| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c))
    });
    if *prefix != "arn"
        || *service != "iam"
        || !region.is_empty()
        || !account_ok
        || !resource_ok
        || arn.len() > 2048
    {
        return Err(form);
    }
    check_partition(arn_partition, partition)
}

fn check_partition(arn_partition: &str, region_partition: Option<Partition>) -> Result<(), String> {
    match (Partition::from_name(arn_partition), region_partition) {
        (None, _) => Err(format!(
            "names an unknown partition; use one of {}",
            Partition::ALL
                .iter()
                .map(|p| format!("`{}`", p.name()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (Some(arn), Some(region)) if arn != region => Err(format!(
            "is in partition `{}` but aws-region is in partition `{}`; use an ARN starting `arn:{}:`",
            arn.name(),
            region.name(),
            region.name()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_session_name_names_the_run_when_it_is_known() {
        assert_eq!(
            default_session_name(Some("9100000001"), Some("2")),
            "GitHubActions-9100000001-2"
        );
        let longest = default_session_name(Some(&"9".repeat(20)), Some(&"9".repeat(10)));
        assert_eq!(longest.len(), 45);
        assert!(longest.chars().all(session_name_char));
        for (id, attempt) in [
            (None, Some("1")),
            (Some("1"), None),
            (Some(""), Some("1")),
            (Some("12a"), Some("1")),
            (Some("1"), Some("-1")),
            (Some(&"9".repeat(21)[..]), Some("1")),
        ] {
            assert_eq!(
                default_session_name(id, attempt),
                "GitHubActions",
                "{id:?} {attempt:?}"
            );
        }
    }
}
