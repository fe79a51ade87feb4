//! Names that occur twice in one JSON object: RFC 8259 says names SHOULD be unique, and parsers
//! differ on what such a document means (keep the first, keep the last, refuse). serde_json keeps
//! the last, IAM's own parser is not documented, and the Terraform provider is known to squash
//! them, so a policy with a duplicate name is ambiguous: it is reported, never silently repaired.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::line_of;

/// One name given twice in the same object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateName {
    /// Where the object is (`Statement[0].Condition.StringEquals`), `$` for the top level.
    pub path: String,
    /// The name.
    pub name: String,
    /// Line of the first value.
    pub first_line: usize,
    /// Line of the later value.
    pub second_line: usize,
}

impl fmt::Display for DuplicateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is given twice in {} (lines {} and {})",
            self.name, self.path, self.first_line, self.second_line
        )
    }
}

/// An object's members in document order, duplicates kept.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Members<'a>, M::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Every duplicate name in the JSON `text`, whose first line is line `first_line` of its file.
/// `line_override` puts every finding on one line (a document decoded from a string has no
/// lines of its own). Text that is not valid JSON yields nothing: the parser reports it.
pub fn find(text: &str, first_line: usize, line_override: Option<usize>) -> Vec<DuplicateName> {
    let mut out = Vec::new();
    let Ok(root) = serde_json::from_str::<&RawValue>(text) else {
        return out;
    };
    let line = |raw: &RawValue| {
        line_override.unwrap_or_else(|| {
            let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            first_line + line_of(text, offset) - 1
        })
    };
    let mut stack: Vec<(String, &RawValue)> = vec![("$".to_string(), root)];
    while let Some((path, raw)) = stack.pop() {
        let body = raw.get().trim_start();
        if body.starts_with('{') {
            let Ok(Members(members)) = serde_json::from_str::<Members<'_>>(raw.get()) else {
                continue;
            };
            for (i, (name, value)) in members.iter().enumerate() {
                if let Some((_, earlier)) = members[..i].iter().find(|(n, _)| n == name) {
                    out.push(DuplicateName {
                        path: path.clone(),
                        name: name.clone(),
                        first_line: line(earlier),
                        second_line: line(value),
                    });
                }
                let child = if path == "$" {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                stack.push((child, value));
            }
        } else if body.starts_with('[') {
            let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) else {
                continue;
            };
            for (i, item) in items.into_iter().enumerate() {
                stack.push((format!("{path}[{i}]"), item));
            }
        }
    }
    out.sort_by_key(|d| (d.second_line, d.path.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_duplicate_with_both_lines() {
        let text = "{\n\"Statement\": [{\n  \"Effect\": \"Allow\",\n  \"Effect\": \"Deny\",\n  \"Condition\": {\"StringEquals\": {\n    \"k\": \"a\",\n    \"k\": \"b\"}}\n}],\n\"Statement\": []\n}";
        let found = find(text, 1, None);
        let summary: Vec<(String, String, usize, usize)> = found
            .iter()
            .map(|d| (d.path.clone(), d.name.clone(), d.first_line, d.second_line))
            .collect();
        assert_eq!(
            summary,
            [
                ("Statement[0]".into(), "Effect".into(), 3, 4),
                (
                    "Statement[0].Condition.StringEquals".into(),
                    "k".into(),
                    6,
                    7
                ),
                ("$".into(), "Statement".into(), 2, 9),
            ]
        );
        assert!(find("{\"a\": {\"b\": 1}, \"c\": [{\"b\": 2}]}", 1, None).is_empty());
        assert!(find("{not json", 1, None).is_empty());
        assert_eq!(find("{\"a\":1,\"a\":2}", 1, Some(7))[0].first_line, 7);
    }
}
