//! IAM's string matching: `StringLike` wildcards and action patterns.

/// The action a web identity asks for.
pub const WEB_IDENTITY_ACTION: &str = "sts:AssumeRoleWithWebIdentity";

/// `StringLike` matching: `*` any run of characters (also empty), `?` one character; the rest
/// compares exactly.
pub fn like(pattern: &str, value: &str) -> bool {
    if pattern.is_ascii() && value.is_ascii() {
        return glob(pattern.as_bytes(), value.as_bytes(), |a, b| a == b);
    }
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    glob(&p, &v, |a, b| a == b)
}

/// True when an `Action` pattern covers `action`; action names are case-insensitive.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    if pattern.is_ascii() && action.is_ascii() {
        // No allocation: a permissions check matches thousands of patterns against the
        // catalogue's 22,000 actions.
        return glob(pattern.as_bytes(), action.as_bytes(), |a, b| {
            a.eq_ignore_ascii_case(&b)
        });
    }
    like(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

/// Wildcard matching of `v` against `p` over any symbols that can be `*` and `?`, with `eq` for
/// the rest: iterative, with one backtrack point, so linear in practice and never recursive.
fn glob<T: Copy + From<u8> + PartialEq>(p: &[T], v: &[T], eq: impl Fn(T, T) -> bool) -> bool {
    let (any, one) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some(&c) if c == any => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(&c) if c == one || eq(c, v[vi]) => {
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
    p[pi..].iter().all(|&c| c == any)
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
        // `?` is one character, not one byte, outside ASCII too.
        assert!(like("a?c", "a\u{e9}c"));
        assert!(!like("a??c", "a\u{e9}c"));
        assert!(action_matches("S3:get*", "s3:GetObject"));
        assert!(!action_matches("s3:Get?", "s3:GetObject"));
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
