//! The `plan` profile: a role that runs `terraform plan` with an S3 backend is read-only except
//! for what the backend needs, named on the command line (`--state s3://BUCKET/KEY`,
//! `--lock-table NAME`, `--kms-key ARN`).
//!
//! What the backend needs, from Terraform's S3 backend documentation ("Permissions required"):
//! `s3:ListBucket` on the bucket, `s3:GetObject` on the state key, `kms:Decrypt` on the key of an
//! SSE-KMS bucket; to lock, `s3:GetObject`, `s3:PutObject` and `s3:DeleteObject` on
//! `KEY.tflock` (`use_lockfile`), or `dynamodb:DescribeTable`, `GetItem`, `PutItem` and
//! `DeleteItem` on the lock table. The lock writes are real writes: whoever may delete the lock
//! may remove the one a running apply holds.
//!
//! ARNs are compared with their partition, region and account fields left out when the policy
//! writes them as a Terraform interpolation (`${data.aws_partition.current.partition}`,
//! `${data.aws_caller_identity.current.account_id}`): those match any value, and the finding says
//! so.

use crate::policy::matching::like;

/// What `--state`, `--lock-table` and `--kms-key` name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanState {
    /// The state bucket.
    pub bucket: String,
    /// The state object's key.
    pub key: String,
    /// The DynamoDB lock table, if the backend uses one.
    pub lock_table: Option<String>,
    /// KMS keys the state is encrypted with (ARNs).
    pub kms_keys: Vec<String>,
}

/// How the `plan` profile treats one allowed action on the statement's resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exception {
    /// What the backend needs to read the state: said in a note.
    StateRead(&'static str),
    /// A lock write: a warning.
    LockWrite(&'static str),
    /// Reading objects of the state bucket besides the state: other workspaces' states.
    OtherStates,
}

impl PlanState {
    /// Parses `s3://BUCKET/KEY`.
    pub fn parse(state: &str) -> Result<PlanState, String> {
        let rest = state
            .strip_prefix("s3://")
            .ok_or_else(|| format!("--state {state:?} must be s3://BUCKET/KEY"))?;
        let (bucket, key) = rest
            .split_once('/')
            .filter(|(b, k)| !b.is_empty() && !k.is_empty())
            .ok_or_else(|| format!("--state {state:?} must be s3://BUCKET/KEY"))?;
        if bucket.contains(['*', '?']) || key.contains(['*', '?']) {
            return Err(format!("--state {state:?} names one object: no wildcards"));
        }
        Ok(PlanState {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            lock_table: None,
            kms_keys: Vec::new(),
        })
    }

    fn bucket_arn(&self) -> String {
        format!("arn:P:s3:::{}", self.bucket)
    }

    fn object_arn(&self, key: &str) -> String {
        format!("arn:P:s3:::{}/{key}", self.bucket)
    }

    /// How the profile treats `action` (`prefix:Name`, as the catalogue writes it) allowed on
    /// `resources`; `None` when it is judged as under `read-only`.
    pub fn classify(&self, action: &str, resources: &[String]) -> Option<Exception> {
        let state = self.object_arn(&self.key);
        let lock = self.object_arn(&format!("{}.tflock", self.key));
        let only = |targets: &[String]| {
            !resources.is_empty() && resources.iter().all(|r| targets.contains(&canonical(r)))
        };
        match action {
            "s3:ListBucket" if only(&[self.bucket_arn()]) => Some(Exception::StateRead(
                "lists the state bucket (Terraform lists the workspaces under the key's prefix)",
            )),
            "s3:GetObject" if only(std::slice::from_ref(&state)) => {
                Some(Exception::StateRead("reads exactly the state object"))
            }
            "s3:GetObject" if only(&[state.clone(), lock.clone()]) => Some(Exception::StateRead(
                "reads exactly the state object and its lock file",
            )),
            "s3:GetObject"
                if resources
                    .iter()
                    .any(|r| like(&canonical(r), &state) && canonical(r) != state) =>
            {
                Some(Exception::OtherStates)
            }
            "s3:PutObject" | "s3:DeleteObject" if only(std::slice::from_ref(&lock)) => {
                Some(Exception::LockWrite(
                    "writes or deletes the S3 lock file: a pull request can take the lock, or remove the one a running apply holds",
                ))
            }
            "kms:Decrypt" if !self.kms_keys.is_empty() && only(&self.kms_canonical()) => Some(
                Exception::StateRead("decrypts with the state's KMS key only"),
            ),
            "dynamodb:DescribeTable" | "dynamodb:GetItem" if self.only_lock_table(resources) => {
                Some(Exception::StateRead("reads the DynamoDB lock table"))
            }
            "dynamodb:PutItem" | "dynamodb:DeleteItem" if self.only_lock_table(resources) => {
                Some(Exception::LockWrite(
                    "writes or deletes DynamoDB lock items: a pull request can take the lock, or remove the one a running apply holds",
                ))
            }
            _ => None,
        }
    }

    fn kms_canonical(&self) -> Vec<String> {
        self.kms_keys.iter().map(|k| canonical(k)).collect()
    }

    fn only_lock_table(&self, resources: &[String]) -> bool {
        let Some(table) = &self.lock_table else {
            return false;
        };
        let want = format!("arn:P:dynamodb:R:A:table/{table}");
        !resources.is_empty() && resources.iter().all(|r| canonical(r) == want)
    }
}

/// `resource` with each Terraform interpolation (`${...}`) turned into `*`: it matches any
/// value there, as the permissions check takes it to.
pub fn interpolations_as_wildcards(resource: &str) -> String {
    replace_interpolations(resource, "*")
}

/// Each `${...}` of `text` (a Terraform interpolation, or a variable of an ARN format AWS
/// publishes), whole, in order.
pub fn interpolations(text: &str) -> impl Iterator<Item = &str> {
    interpolation_ranges(text).map(|r| &text[r])
}

fn interpolation_ranges(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = from + text[from..].find("${")?;
        let end = start + text[start..].find('}')? + 1;
        from = end;
        Some(start..end)
    })
}

/// `text` with each `${...}` replaced by `with`.
pub fn replace_interpolations(text: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for range in interpolation_ranges(text) {
        out.push_str(&text[copied..range.start]);
        out.push_str(with);
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// True when a resource writes its partition, region or account as an interpolation.
pub fn has_interpolation(resource: &str) -> bool {
    resource.contains("${")
}

/// An ARN with the partition, region and account fields replaced by `P`, `R` and `A` for DynamoDB
/// tables, and the partition by `P` for the rest: the profile names buckets, objects, tables and
/// keys, and a policy may write those fields as interpolations (or, for an S3 ARN, leaves region
/// and account empty).
fn canonical(arn: &str) -> String {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    match fields.as_slice() {
        ["arn", _, "dynamodb", _, _, rest] => format!("arn:P:dynamodb:R:A:{rest}"),
        ["arn", _, service, region, account, rest] => {
            format!("arn:P:{service}:{region}:{account}:{rest}")
        }
        _ => arn.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> PlanState {
        let mut state = PlanState::parse("s3://acme-state/waf/terraform.tfstate").expect("state");
        state.lock_table = Some("locks".into());
        state.kms_keys = vec!["arn:aws:kms:eu-west-1:123456789012:key/k1".into()];
        state
    }

    fn r(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_backend_s_needs_are_exceptions_and_nothing_beyond_them() {
        let p = plan();
        let state =
            "arn:${data.aws_partition.current.partition}:s3:::acme-state/waf/terraform.tfstate";
        assert!(matches!(
            p.classify("s3:GetObject", &r(&[state])),
            Some(Exception::StateRead(_))
        ));
        assert_eq!(
            p.classify("s3:GetObject", &r(&["arn:aws:s3:::acme-state/*"])),
            Some(Exception::OtherStates)
        );
        assert_eq!(
            p.classify("s3:GetObject", &r(&["arn:aws:s3:::other/x"])),
            None
        );
        assert!(matches!(
            p.classify("s3:ListBucket", &r(&["arn:aws-cn:s3:::acme-state"])),
            Some(Exception::StateRead(_))
        ));
        let lock = "arn:aws:s3:::acme-state/waf/terraform.tfstate.tflock";
        assert!(matches!(
            p.classify("s3:PutObject", &r(&[lock])),
            Some(Exception::LockWrite(_))
        ));
        assert_eq!(
            p.classify("s3:PutObject", &r(&[state])),
            None,
            "writing the state is no exception"
        );
        assert!(matches!(
            p.classify("dynamodb:DeleteItem", &r(&["arn:aws:dynamodb:eu-west-1:${data.aws_caller_identity.current.account_id}:table/locks"])),
            Some(Exception::LockWrite(_))
        ));
        assert_eq!(
            p.classify(
                "dynamodb:DeleteItem",
                &r(&["arn:aws:dynamodb:eu-west-1:1:table/other"])
            ),
            None
        );
        assert!(matches!(
            p.classify(
                "kms:Decrypt",
                &r(&["arn:aws:kms:eu-west-1:123456789012:key/k1"])
            ),
            Some(Exception::StateRead(_))
        ));
        assert_eq!(p.classify("kms:Decrypt", &r(&["*"])), None);
        assert!(PlanState::parse("s3://b").is_err());
        assert!(PlanState::parse("s3://b/*").is_err());
    }
}
