//! The step summary (`GITHUB_STEP_SUMMARY`): a short GitHub-flavoured Markdown table of what
//! was assumed. It holds no secret: only the role, session, account, region, expiry and the
//! token's subject. Write it with [`append`](super::append). The escapers here also serve the
//! page a failed run writes (`report`).

use super::commands::neutralise;
use super::mask::{MASK, redact};

/// How the account id appears in the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Account<'a> {
    /// Shown as is.
    Shown(&'a str),
    /// Masked in the log (the user asked for it): a placeholder is shown, and the id is also
    /// hidden inside the role ARN.
    Masked(&'a str),
    /// Not known (the call failed before STS answered).
    Unknown,
}

/// What the summary shows. Every field is displayed through [`escape_markdown_cell`].
#[derive(Clone, Copy, Debug)]
pub struct Summary<'a> {
    /// The role ARN that was assumed (or asked for).
    pub role_arn: &'a str,
    /// The role session name.
    pub session_name: &'a str,
    /// The account id.
    pub account: Account<'a>,
    /// The AWS region exported.
    pub region: &'a str,
    /// When the credentials expire, as text (RFC 3339), if known.
    pub expiration: Option<&'a str>,
    /// The ID token's `sub` claim, shown to help write trust policies.
    pub subject: Option<&'a str>,
    /// The named profile the credentials went to (`aws-profile`), if any.
    pub profile: Option<&'a str>,
}

/// Renders the summary as a heading and a two-column table, ending with a line feed.
pub fn render_summary(summary: &Summary<'_>) -> String {
    let hidden: Vec<&str> = match summary.account {
        Account::Masked(id) if !id.is_empty() => vec![id],
        _ => Vec::new(),
    };
    let cell = |text: &str| escape_markdown_cell(&redact(text, &hidden));
    let account = match summary.account {
        Account::Shown(id) => cell(id),
        Account::Masked(_) => format!("{MASK} (masked)").replace('*', "\\*"),
        Account::Unknown => "unknown".to_owned(),
    };
    let optional = |value: Option<&str>| value.map_or_else(|| "unknown".to_owned(), cell);
    let rows = [
        ("Role", cell(summary.role_arn)),
        ("Session name", cell(summary.session_name)),
        ("Account", account),
        ("Region", cell(summary.region)),
        ("Expires", optional(summary.expiration)),
        ("Token subject (`sub`)", optional(summary.subject)),
    ];
    let profile = summary.profile.map(|name| ("Profile", cell(name)));
    let mut out = String::from("### AWS credentials\n\n| | |\n| --- | --- |\n");
    for (label, value) in rows.into_iter().chain(profile) {
        out.push_str(&format!("| {label} | {value} |\n"));
    }
    // A masked account id inside the session name would be printed by the command.
    if !hidden.iter().any(|id| summary.session_name.contains(id)) {
        out.push_str(&cloudtrail_hint(summary));
    }
    out
}

/// How to find the calls made with the credentials: CloudTrail records each under the session
/// (`assumed-role/ROLE/SESSION`), and `LookupEvents`' `Username` attribute is the session name
/// for an assumed role (the `lookup-events` example of the AWS CLI's documentation). It covers
/// management events of the last 90 days in one region. The command is shown only when every
/// word of it is inert in a shell: the session name and region are validated before any call, so
/// this holds for every run that reaches the summary.
fn cloudtrail_hint(summary: &Summary<'_>) -> String {
    let inert = |word: &str| {
        !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    };
    if !inert(summary.session_name) || !inert(summary.region) {
        return String::new();
    }
    let command = format!(
        "aws cloudtrail lookup-events --region {} --lookup-attributes AttributeKey=Username,AttributeValue={}",
        summary.region, summary.session_name
    );
    format!(
        "\nCloudTrail records every call made with these credentials under the session name. Its \
         management events of the last 90 days in this region:\n\n{}",
        markdown_code_block(&command)
    )
}

/// A fenced code block holding `line` exactly: the fence is longer than any run of backticks in
/// the line, so nothing in it can close the block, and a code block renders no Markdown and no
/// HTML. The caller checks the line is printable ([`check_copyable`](super::check_copyable)).
pub fn markdown_code_block(line: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in line.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}\n{line}\n{fence}\n")
}

/// Makes text safe and literal inside a GitHub-flavoured Markdown table cell: [`neutralise`]d
/// first (so line breaks and control characters become visible escapes), then `&`, `<`, `>`
/// as entities (no HTML), `|` as `\|` (no new column), and the characters that start inline
/// Markdown (`` \ ` * _ [ ] ( ) ! ~ # $ @ ``) backslash-escaped.
pub fn escape_markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in neutralise(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '~' | '#' | '$' | '@' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_escaping_table() {
        for (input, want) in [
            ("eu-west-1", "eu-west-1"),
            ("a|b", "a\\|b"),
            ("`code`", "\\`code\\`"),
            ("<img src=x>", "&lt;img src=x&gt;"),
            ("a\nb", "a\\\\nb"),
            ("**bold** _i_", "\\*\\*bold\\*\\* \\_i\\_"),
            ("[link](http://x)", "\\\\x5blink\\]\\(http://x\\)"),
            ("&amp;", "&amp;amp;"),
            ("@team $x$", "\\@team \\$x\\$"),
        ] {
            assert_eq!(escape_markdown_cell(input), want, "input {input:?}");
        }
    }

    #[test]
    fn summary_table() {
        let text = render_summary(&Summary {
            role_arn: "arn:aws:iam::123456789012:role/deploy",
            session_name: "GitHubActions",
            account: Account::Shown("123456789012"),
            region: "eu-west-1",
            expiration: Some("2026-01-01T00:00:00Z"),
            subject: Some("repo:o/r:ref:refs/heads/main"),
            profile: None,
        });
        assert_eq!(
            text,
            "### AWS credentials\n\n| | |\n| --- | --- |\n\
             | Role | arn:aws:iam::123456789012:role/deploy |\n\
             | Session name | GitHubActions |\n\
             | Account | 123456789012 |\n\
             | Region | eu-west-1 |\n\
             | Expires | 2026-01-01T00:00:00Z |\n\
             | Token subject (`sub`) | repo:o/r:ref:refs/heads/main |\n\
             \n\
             CloudTrail records every call made with these credentials under the session name. \
             Its management events of the last 90 days in this region:\n\
             \n\
             ```\n\
             aws cloudtrail lookup-events --region eu-west-1 --lookup-attributes \
             AttributeKey=Username,AttributeValue=GitHubActions\n\
             ```\n"
        );
    }

    #[test]
    fn the_cloudtrail_command_is_shown_only_when_it_is_exact_and_hides_nothing_masked() {
        let summary = |session_name, account| Summary {
            role_arn: "arn:aws:iam::123456789012:role/deploy",
            session_name,
            account,
            region: "eu-west-1",
            expiration: None,
            subject: None,
            profile: None,
        };
        let shown = |s: &Summary<'_>| render_summary(s).contains("lookup-events");
        assert!(shown(&summary(
            "GitHubActions-1-1",
            Account::Shown("123456789012")
        )));
        assert!(shown(&summary("s", Account::Masked("123456789012"))));
        for name in ["a b", "$(x)", "a`b", "a;b", ""] {
            assert!(!shown(&summary(name, Account::Unknown)), "{name}");
        }
        assert!(!shown(&summary(
            "deploy-123456789012",
            Account::Masked("123456789012")
        )));
    }

    #[test]
    fn masked_account_is_hidden_everywhere() {
        let text = render_summary(&Summary {
            role_arn: "arn:aws:iam::123456789012:role/deploy",
            session_name: "s",
            account: Account::Masked("123456789012"),
            region: "us-east-1",
            expiration: None,
            subject: Some("repo:o/r|x\n| injected | row |"),
            profile: Some("state|x"),
        });
        assert!(
            text.contains("| Profile | state\\|x |\n\nCloudTrail"),
            "{text}"
        );
        assert!(!text.contains("123456789012"), "{text}");
        assert!(text.contains("| Account | \\*\\*\\* (masked) |"), "{text}");
        assert!(
            text.contains("arn:aws:iam::\\*\\*\\*:role/deploy"),
            "{text}"
        );
        let table = text.split("\n\n").take(2).collect::<Vec<_>>().join("\n\n");
        assert_eq!(table.lines().count(), 11, "no row may be injected: {table}");
        assert!(text.contains("| Expires | unknown |"));
    }
}
