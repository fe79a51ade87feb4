//! Replacing secret values in text with `***`, the way the runner's `SecretMasker.MaskSecrets`
//! does: every occurrence of every value (overlapping ones too) is found first, overlapping or
//! touching ranges are merged, and each merged range becomes one `***`.

/// The runner's replacement text.
pub(crate) const MASK: &str = "***";

/// Returns `text` with every occurrence of every non-empty `secrets` entry replaced.
pub fn redact<S: AsRef<str>>(text: &str, secrets: &[S]) -> String {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for secret in secrets {
        let secret = secret.as_ref();
        let Some(first) = secret.chars().next() else {
            continue;
        };
        let mut from = 0;
        while let Some(found) = text.get(from..).and_then(|rest| rest.find(secret)) {
            let start = from + found;
            ranges.push((start, start + secret.len()));
            // Step one character, not one match, so overlapping occurrences are found too.
            from = start + first.len_utf8();
        }
    }
    if ranges.is_empty() {
        return text.to_owned();
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut current: Option<(usize, usize)> = None;
    for (start, end) in ranges {
        match current {
            Some((cur_start, cur_end)) if start <= cur_end => {
                current = Some((cur_start, cur_end.max(end)));
            }
            Some((cur_start, cur_end)) => {
                out.push_str(&text[copied..cur_start]);
                out.push_str(MASK);
                copied = cur_end;
                current = Some((start, end));
            }
            None => current = Some((start, end)),
        }
    }
    if let Some((cur_start, cur_end)) = current {
        out.push_str(&text[copied..cur_start]);
        out.push_str(MASK);
        copied = cur_end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_table() {
        let cases: &[(&str, &[&str], &str)] = &[
            ("nothing here", &["secret"], "nothing here"),
            ("a secret b", &["secret"], "a *** b"),
            ("secretsecret", &["secret"], "***"),
            ("xabcx", &["ab", "bc"], "x***x"),
            ("aaa", &["aa"], "***"),
            ("key=é-secret", &["é-s"], "key=***ecret"),
            ("empty", &[""], "empty"),
            // Separate occurrences stay separate: the text between them is kept.
            ("x one y two z one", &["one", "two"], "x *** y *** z ***"),
        ];
        for (text, secrets, want) in cases {
            assert_eq!(redact(text, secrets), *want, "text {text:?}");
        }
    }
}
