//! IAM's string matching: `StringLike` wildcards and action patterns.

/// The action a web identity asks for.
pub const WEB_IDENTITY_ACTION: &str = "sts:AssumeRoleWithWebIdentity";

/// `StringLike` matching: `*` any run of characters (also empty), `?` one character; the rest
/// compares exactly.
pub fn like(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    // Iterative matching with one backtrack point: linear in practice, no recursion.
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(&c) if c == '?' || c == v[vi] => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// True when an `Action` pattern covers `action`; action names are case-insensitive.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    like(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

/// True when an Action/NotAction list admits `action`.
pub fn actions_admit(patterns: &[String], negated: bool, action: &str) -> bool {
    let any = patterns.iter().any(|p| action_matches(p, action));
    if negated { !any } else { any }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(like("repo:acme/*", "repo:acme/app:ref:refs/heads/main"));
        assert!(like("a?c", "abc"));
        assert!(!like("a?c", "ac"));
        assert!(like("*", ""));
        assert!(like("*a*b", "xxaxxb"));
        assert!(!like("repo:acme/app", "repo:acme/app:x"));
        assert!(!like("Repo:*", "repo:x"));
        assert!(action_matches("sts:*", WEB_IDENTITY_ACTION));
        assert!(action_matches(
            "STS:assumerolewithwebidentity",
            WEB_IDENTITY_ACTION
        ));
        assert!(!action_matches("sts:AssumeRole", WEB_IDENTITY_ACTION));
        assert!(actions_admit(
            &["sts:AssumeRole".into()],
            true,
            WEB_IDENTITY_ACTION
        ));
    }
}
