//! Session tags for `AssumeRole`: the ones `aws-actions/configure-aws-credentials` sets from the
//! run's variables (same keys, same sanitising, same order), then `custom-tags`.
//!
//! Limits are IAM's: at most 50 tags, keys of 1-128 and values of 0-256 characters from
//! `[\p{L}\p{Z}\p{N}_.:/=+\-@]`
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_know>,
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_Tag.html>). STS compares keys without
//! regard to case, so two keys differing only in case are refused here rather than by STS.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// Most session tags one call may pass.
pub const MAX_TAGS: usize = 50;
/// Longest tag key.
pub const MAX_KEY_CHARS: usize = 128;
/// Longest tag value.
pub const MAX_VALUE_CHARS: usize = 256;

/// The constant tag that marks a session as made by a GitHub Actions run.
const PROTECTED: (&str, &str) = ("GitHub", "Actions");
/// Tags always sent when their variable is set.
const KEPT: [(&str, &str); 6] = [
    ("Repository", "GITHUB_REPOSITORY"),
    ("Workflow", "GITHUB_WORKFLOW"),
    ("Action", "GITHUB_ACTION"),
    ("Actor", "GITHUB_ACTOR"),
    ("Commit", "GITHUB_SHA"),
    ("Branch", "GITHUB_REF"),
];
/// Tags dropped when STS answers `PackedPolicyTooLarge`, as the anchor action drops them.
const DROPPABLE: [(&str, &str); 6] = [
    ("EventName", "GITHUB_EVENT_NAME"),
    ("BaseRef", "GITHUB_BASE_REF"),
    ("HeadRef", "GITHUB_HEAD_REF"),
    ("RunId", "GITHUB_RUN_ID"),
    ("Job", "GITHUB_JOB"),
    ("TriggeringActor", "GITHUB_TRIGGERING_ACTOR"),
];

/// A session tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
    /// Whether the tag may be dropped to make the packed session fit.
    pub droppable: bool,
}

/// A character IAM accepts in a tag key or value: a letter (`\p{L}`), a separator (`\p{Z}`,
/// which excludes tabs and newlines), a number (`\p{N}`) or one of `_.:/=+-@`.
pub fn tag_char(c: char) -> bool {
    use unicode_general_category::{GeneralCategory as G, get_general_category};
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::DecimalNumber
            | G::LetterNumber
            | G::OtherNumber
    ) || "_.:/=+-@".contains(c)
}

/// A run variable as a tag value: every other character becomes `_`, cut at 256 characters.
pub fn sanitise(value: &str) -> String {
    value
        .chars()
        .map(|c| if tag_char(c) { c } else { '_' })
        .take(MAX_VALUE_CHARS)
        .collect()
}

/// The tags taken from the run's variables, in the anchor action's order; unset or empty
/// variables give no tag.
pub fn default_tags(env: &HashMap<String, String>) -> Vec<Tag> {
    let mut tags = vec![Tag {
        key: PROTECTED.0.to_owned(),
        value: PROTECTED.1.to_owned(),
        droppable: false,
    }];
    let from_env = |sources: &[(&str, &str)], droppable: bool| {
        sources
            .iter()
            .filter_map(|(key, var)| {
                let value = env.get(*var).filter(|v| !v.is_empty())?;
                Some(Tag {
                    key: (*key).to_owned(),
                    value: sanitise(value),
                    droppable,
                })
            })
            .collect::<Vec<_>>()
    };
    tags.extend(from_env(&KEPT, false));
    tags.extend(from_env(&DROPPABLE, true));
    tags
}

/// Whether `key` is one of the tags this action sets itself.
fn is_protected(key: &str) -> bool {
    key.eq_ignore_ascii_case(PROTECTED.0)
        || KEPT
            .iter()
            .chain(DROPPABLE.iter())
            .any(|(k, _)| key.eq_ignore_ascii_case(k))
}

/// A JSON object's members in document order, a repeated name kept (serde_json's map would
/// keep only the last).
struct Members(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Members, M::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    out.push(entry);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Parses `custom-tags`: a JSON object of keys to strings, numbers or booleans, in the order
/// written. Every problem is returned, each naming the key.
pub fn parse_custom(text: &str) -> Result<Vec<Tag>, Vec<String>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![format!(
            "is not valid JSON ({e}); write an object such as {{\"Team\": \"platform\"}}"
        )]
    })?;
    if !value.is_object() {
        return Err(vec![
            "must be a JSON object such as {\"Team\": \"platform\"}, not an array or a single value"
                .to_owned(),
        ]);
    }
    let map = serde_json::from_str::<Members>(text)
        .map_err(|e| vec![format!("is not a JSON object ({e})")])?
        .0;
    let mut problems = Vec::new();
    let mut tags: Vec<Tag> = Vec::new();
    for (key, value) in map {
        let shown = crate::runner::neutralise(&key);
        let value = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                problems.push(format!(
                    "gives tag {shown:?} a value that is not a string, number or boolean"
                ));
                continue;
            }
        };
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > MAX_KEY_CHARS || !key.chars().all(tag_char) {
            problems.push(format!(
                "has the key {shown:?}: a tag key is 1-{MAX_KEY_CHARS} letters, digits, spaces or _.:/=+-@"
            ));
            continue;
        }
        if value.chars().count() > MAX_VALUE_CHARS || !value.chars().all(tag_char) {
            problems.push(format!(
                "gives tag {shown:?} a value that is not 0-{MAX_VALUE_CHARS} letters, digits, spaces or _.:/=+-@"
            ));
            continue;
        }
        if is_protected(&key) {
            problems.push(format!(
                "sets {shown:?}, a tag this action sets from the run; choose another key"
            ));
            continue;
        }
        if tags.iter().any(|t| t.key.eq_ignore_ascii_case(&key)) {
            problems.push(format!(
                "sets {shown:?} more than once (tag keys are compared without regard to case)"
            ));
            continue;
        }
        tags.push(Tag {
            key,
            value,
            droppable: false,
        });
    }
    if problems.is_empty() {
        Ok(tags)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn default_tags_follow_the_anchor_actions_keys_and_order() {
        let tags = default_tags(&env(&[
            ("GITHUB_REPOSITORY", "octo-org/octo-repo"),
            ("GITHUB_WORKFLOW", "Plan (PR)"),
            ("GITHUB_ACTION", "__run_2"),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_SHA", "ffac537e6cbbf934b08745a378932722df287a53"),
            ("GITHUB_REF", "refs/pull/7/merge"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_HEAD_REF", "feature#1"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_JOB", ""),
        ]));
        let shown: Vec<(&str, &str, bool)> = tags
            .iter()
            .map(|t| (t.key.as_str(), t.value.as_str(), t.droppable))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("GitHub", "Actions", false),
                ("Repository", "octo-org/octo-repo", false),
                ("Workflow", "Plan _PR_", false),
                ("Action", "__run_2", false),
                ("Actor", "octocat", false),
                ("Commit", "ffac537e6cbbf934b08745a378932722df287a53", false),
                ("Branch", "refs/pull/7/merge", false),
                ("EventName", "pull_request", true),
                ("BaseRef", "main", true),
                ("HeadRef", "feature_1", true),
                ("RunId", "42", true),
            ]
        );
    }

    #[test]
    fn sanitising_replaces_each_character_and_cuts_at_256() {
        assert_eq!(
            sanitise("a;b\"c\nd é 5\u{a0}\u{2028}Ⅻ\u{301}"),
            "a_b_c_d é 5\u{a0}\u{2028}Ⅻ_"
        );
        assert_eq!(sanitise(&"x".repeat(300)).chars().count(), 256);
        assert_eq!(sanitise(&"é".repeat(300)).chars().count(), 256);
    }

    #[test]
    fn custom_tags_are_checked_and_every_problem_named() {
        assert_eq!(
            parse_custom(r#"{"Team": "platform", "Cost": 12, "Prod": false}"#).expect("valid"),
            vec![
                Tag {
                    key: "Team".into(),
                    value: "platform".into(),
                    droppable: false
                },
                Tag {
                    key: "Cost".into(),
                    value: "12".into(),
                    droppable: false
                },
                Tag {
                    key: "Prod".into(),
                    value: "false".into(),
                    droppable: false
                },
            ]
        );
        let problems = parse_custom(
            r#"{"Repository": "x", "a;b": "x", "Ok": "a;b", "N": null, "team": "1", "TEAM": "2"}"#,
        )
        .expect_err("refused");
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].contains("\"Repository\", a tag this action sets"));
        assert!(problems[1].contains("the key \"a;b\""));
        assert!(problems[2].contains("gives tag \"Ok\" a value"));
        assert!(problems[3].contains("gives tag \"N\" a value that is not a string"));
        assert!(problems[4].contains("\"TEAM\" more than once"));
        assert!(
            parse_custom(r#"{"a": "1", "a": "2"}"#).expect_err("refused")[0]
                .contains("more than once")
        );
        assert!(parse_custom("[1]").expect_err("refused")[0].contains("must be a JSON object"));
        assert!(parse_custom("{").expect_err("refused")[0].starts_with("is not valid JSON"));
        assert!(parse_custom(&format!(r#"{{"{}": "x"}}"#, "k".repeat(129))).is_err());
        assert!(parse_custom(&format!(r#"{{"k": "{}"}}"#, "v".repeat(257))).is_err());
        assert!(parse_custom(&format!(r#"{{"k": "{}"}}"#, "v".repeat(256))).is_ok());
    }
}
