//! Step summary (placeholder).

/// Fields.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Role ARN.
    pub role_arn: String,
    /// Session name.
    pub session_name: String,
    /// Account or placeholder.
    pub account: String,
    /// Region.
    pub region: String,
    /// Expiration.
    pub expiration: String,
    /// Subject.
    pub subject: String,
}

/// Render.
pub fn render(s: &Summary) -> String {
    format!(
        "### AWS credentials\n\n| | |\n|---|---|\n| Role | `{}` |\n| Session | `{}` |\n| Account | `{}` |\n| Region | `{}` |\n| Expires | {} |\n| Token subject | `{}` |\n",
        s.role_arn, s.session_name, s.account, s.region, s.expiration, s.subject
    )
}
