//! IAM policy variables in condition values (`${aws:username}`,
//! `${token.actions.githubusercontent.com:repository}`, `${key, 'default'}`, `${*}`), as the IAM
//! User Guide ("IAM policy elements: Variables and tags") documents them: usable in string and
//! ARN condition values; a variable whose key is absent from the request makes the value
//! effectively null (positive operators do not match it, negated ones do) unless a default is
//! given; `${*}`, `${?}` and `${$}` stand for the literal characters.
//!
//! Terraform writes these as `&{...}` (in `aws_iam_policy_document`) or `$${...}`; an unresolved
//! Terraform expression that the loader keeps as `${expression}` is not a policy variable: its
//! inside holds no `:` key.

/// Stands for a literal `*` in a substituted value: matches only a `*` of the request.
pub const LITERAL_STAR: char = '\u{E000}';
/// Stands for a literal `?`.
pub const LITERAL_QUESTION: char = '\u{E001}';

/// One `${...}` of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    /// `${key}` or `${key, 'default'}`.
    Variable {
        key: &'a str,
        default: Option<&'a str>,
    },
    /// `${*}`, `${?}` or `${$}`.
    Literal(char),
}

fn is_key(s: &str) -> bool {
    s.contains(':')
        && !s.starts_with(':')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:/@-".contains(c))
}

fn parts(value: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + len];
        let part = match inner {
            "*" => Some(Part::Literal('*')),
            "?" => Some(Part::Literal('?')),
            "$" => Some(Part::Literal('$')),
            _ => {
                let (key, default) = match inner.split_once(", ") {
                    Some((k, d)) if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') => {
                        (k, Some(&d[1..d.len() - 1]))
                    }
                    _ => (inner, None),
                };
                is_key(key).then_some(Part::Variable { key, default })
            }
        };
        match part {
            Some(p) => {
                if start > 0 {
                    out.push(Part::Text(&rest[..start]));
                }
                out.push(p);
            }
            // Not a policy variable (an unresolved Terraform expression): text as written.
            None => out.push(Part::Text(&rest[..start + len + 1])),
        }
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        out.push(Part::Text(rest));
    }
    out
}

/// The condition keys a value's policy variables name (as written).
pub fn referenced_keys(value: &str) -> Vec<&str> {
    parts(value)
        .into_iter()
        .filter_map(|p| match p {
            Part::Variable { key, .. } => Some(key),
            _ => None,
        })
        .collect()
}

/// True when the value holds a policy variable or a literal escape.
pub fn has_variables(value: &str) -> bool {
    parts(value)
        .iter()
        .any(|p| matches!(p, Part::Variable { .. } | Part::Literal(_)))
}

/// A value after substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Substituted {
    /// The text to compare; literal `*` and `?` are [`LITERAL_STAR`] and [`LITERAL_QUESTION`].
    Text(String),
    /// A variable's key is absent and has no default: the value is effectively null.
    Null {
        /// The absent key.
        key: String,
    },
}

/// Substitutes every policy variable of `value` with `lookup(key)`.
pub fn substitute(value: &str, lookup: impl Fn(&str) -> Option<String>) -> Substituted {
    let mut out = String::new();
    for part in parts(value) {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Literal('*') => out.push(LITERAL_STAR),
            Part::Literal('?') => out.push(LITERAL_QUESTION),
            Part::Literal(c) => out.push(c),
            Part::Variable { key, default } => match (lookup(key), default) {
                (Some(v), _) => out.push_str(&v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Substituted::Null {
                        key: key.to_string(),
                    };
                }
            },
        }
    }
    Substituted::Text(out)
}

/// A request value as compared with a substituted policy value: its `*` and `?` are the
/// literal characters.
pub fn literal_request(value: &str) -> String {
    value
        .replace('*', &LITERAL_STAR.to_string())
        .replace('?', &LITERAL_QUESTION.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_defaults_and_literals() {
        let lookup = |key: &str| (key == "t:repository").then(|| "acme/app".to_string());
        assert_eq!(
            substitute("repo:${t:repository}:ref:refs/heads/main", lookup),
            Substituted::Text("repo:acme/app:ref:refs/heads/main".into())
        );
        assert_eq!(
            substitute("repo:${t:missing}", lookup),
            Substituted::Null {
                key: "t:missing".into()
            }
        );
        assert_eq!(
            substitute("${t:missing, 'none'}/x", lookup),
            Substituted::Text("none/x".into())
        );
        assert_eq!(
            substitute("a${*}b${?}c${$}", lookup),
            Substituted::Text(format!("a{LITERAL_STAR}b{LITERAL_QUESTION}c$"))
        );
        // An unresolved Terraform expression is not a policy variable.
        assert_eq!(
            substitute("repo:${var.repository}:x", lookup),
            Substituted::Text("repo:${var.repository}:x".into())
        );
        assert!(!has_variables("repo:${var.repository}:x"));
        // A default is a quoted string after ", "; anything else leaves the text as written.
        assert_eq!(
            substitute("${t:missing, ''}x", lookup),
            Substituted::Text("x".into())
        );
        for unquoted in [
            "${t:missing, none}",
            "${t:missing, 'none}",
            "${t:missing, none'}",
            "${t:missing, '}",
        ] {
            assert_eq!(
                substitute(unquoted, lookup),
                Substituted::Text(unquoted.into()),
                "{unquoted}"
            );
        }
        assert!(has_variables("${aws:username}"));
        assert_eq!(
            referenced_keys("${a:b}-${var.x}-${c:d, 'e'}"),
            ["a:b", "c:d"]
        );
        assert_eq!(
            literal_request("a*?"),
            format!("a{LITERAL_STAR}{LITERAL_QUESTION}")
        );
    }
}
