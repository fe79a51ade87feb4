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

/// True when some string matches both `a` and `b`, wildcard patterns (`*`, `?`) compared with
/// case: whether two ARN patterns can name the same resource. A walk over the pairs of positions
/// the two patterns can reach on a common string, each pair visited once.
pub fn patterns_overlap(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut todo = vec![(0usize, 0usize)];
    while let Some((i, j)) = todo.pop() {
        if std::mem::replace(&mut seen[i * width + j], true) {
            continue;
        }
        if i == a.len() && j == b.len() {
            return true;
        }
        let (x, y) = (a.get(i).copied(), b.get(j).copied());
        // A `*` may stand for nothing.
        if x == Some('*') {
            todo.push((i + 1, j));
        }
        if y == Some('*') {
            todo.push((i, j + 1));
        }
        match (x, y) {
            // A `*` takes the other's next character (or `?`) and stays.
            (Some('*'), Some(c)) if c != '*' => todo.push((i, j + 1)),
            (Some(c), Some('*')) if c != '*' => todo.push((i + 1, j)),
            (Some(c), Some(d)) if c != '*' && d != '*' && (c == '?' || d == '?' || c == d) => {
                todo.push((i + 1, j + 1));
            }
            _ => {}
        }
    }
    false
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
    }

    #[test]
    fn overlapping_patterns() {
        let object = "arn:*:s3:::*/*";
        assert!(patterns_overlap("arn:aws:s3:::b/k", object));
        assert!(patterns_overlap("arn:aws:s3:::b/*", object));
        assert!(
            patterns_overlap("arn:aws:s3:::*", object),
            "the `*` can hold a `/`"
        );
        assert!(patterns_overlap("*", object));
        assert!(
            !patterns_overlap("arn:aws:s3:::bucket", object),
            "a bucket is no object"
        );
        assert!(!patterns_overlap(
            "arn:aws:dynamodb:eu-west-1:123456789012:table/t",
            object
        ));
        assert!(patterns_overlap("a?c", "*b*"));
        assert!(!patterns_overlap("abc", "*d*"));
        assert!(patterns_overlap("a?c", "*d*"), "adc");
        assert!(patterns_overlap("", "*"));
        assert!(!patterns_overlap("", "?"));
        assert!(patterns_overlap("ab*", "*cd"));
        assert!(!patterns_overlap("ab", "AB"), "ARNs compare with case");
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
