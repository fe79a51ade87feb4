//! The condition keys STS evaluates for a GitHub token, per issuer form: the one list `check`,
//! `explain` and `trust` consult.
//!
//! Source: AWS's Service Authorization Reference for `sts` (its condition keys), vendored byte for
//! byte in `data/aws-iam/conditionKeys/sts.json` (see `data/aws-iam/README.md` for the package,
//! version and checksums). A claim of a GitHub token that is not a key for its issuer is absent
//! when STS evaluates a trust policy: a positive operator on it never matches, a negated one
//! always passes. `sub`, `aud` and `amr` are the keys of every web-identity provider (IAM User
//! Guide, "Available keys for AWS web identity federation"), so they hold for every issuer form,
//! GitHub Enterprise Server's included, for which the catalogue lists nothing else.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// Where the key list comes from, for output and docs.
pub const SOURCE: &str = "AWS's Service Authorization Reference for sts (data of 2026-09-26)";

/// The vendored catalogue.
const CATALOGUE: &str = include_str!("../../data/aws-iam/conditionKeys/sts.json");

/// The keys of every web-identity provider.
pub const GENERIC: &[&str] = &["aud", "sub", "amr"];

/// The forms a GitHub Actions issuer takes (host and path, as condition keys spell them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IssuerForm {
    /// `token.actions.githubusercontent.com`: github.com.
    GitHubCom,
    /// `token.actions.githubusercontent.com/SLUG`: an enterprise's unique issuer.
    EnterpriseSlug,
    /// `token.actions.SUBDOMAIN.ghe.com`: GitHub Enterprise Cloud with data residency.
    DataResidency,
    /// `token.actions.SUBDOMAIN.ghe.com/SLUG`: the same, with the enterprise's unique issuer.
    /// The catalogue lists no keys for it beyond the generic ones.
    DataResidencySlug,
    /// `github.com/enterprises/NAME`: listed by AWS's catalogue; GitHub documents no issuer of
    /// this form, so which tokens carry it is unknown.
    EnterprisesPath,
    /// `HOST/_services/token`: GitHub Enterprise Server.
    Server,
}

impl IssuerForm {
    /// Every form, in the order docs list them.
    pub const ALL: [IssuerForm; 6] = [
        IssuerForm::GitHubCom,
        IssuerForm::EnterpriseSlug,
        IssuerForm::DataResidency,
        IssuerForm::DataResidencySlug,
        IssuerForm::EnterprisesPath,
        IssuerForm::Server,
    ];

    /// The form of an issuer path (host and path, no scheme), if it is a GitHub issuer.
    pub fn of(path: &str) -> Option<IssuerForm> {
        let p = path.to_ascii_lowercase();
        let label = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if p == "token.actions.githubusercontent.com" {
            return Some(IssuerForm::GitHubCom);
        }
        if let Some(slug) = p.strip_prefix("token.actions.githubusercontent.com/") {
            return label(slug).then_some(IssuerForm::EnterpriseSlug);
        }
        if let Some(rest) = p.strip_prefix("token.actions.") {
            let (host, slug) = match rest.split_once('/') {
                Some((host, slug)) => (host, Some(slug)),
                None => (rest, None),
            };
            if let Some(sub) = host.strip_suffix(".ghe.com") {
                return match slug {
                    None => label(sub).then_some(IssuerForm::DataResidency),
                    Some(slug) => {
                        (label(sub) && label(slug)).then_some(IssuerForm::DataResidencySlug)
                    }
                };
            }
        }
        if let Some(name) = p.strip_prefix("github.com/enterprises/") {
            return label(name).then_some(IssuerForm::EnterprisesPath);
        }
        let host = p.strip_suffix("/_services/token")?;
        (!host.is_empty() && !host.contains(':')).then_some(IssuerForm::Server)
    }

    /// The catalogue's spelling of this form's key prefix (lower case), if it lists keys for it.
    fn catalogue_prefix(self) -> Option<&'static str> {
        match self {
            IssuerForm::GitHubCom => Some("token.actions.githubusercontent.com"),
            IssuerForm::EnterpriseSlug => Some("token.actions.githubusercontent.com/${subpath}"),
            IssuerForm::DataResidency => Some("token.actions.${domain}.ghe.com"),
            IssuerForm::DataResidencySlug => None,
            IssuerForm::EnterprisesPath => Some("github.com/enterprises/${enterprisename}"),
            IssuerForm::Server => None,
        }
    }

    /// The form, for a person.
    pub fn describe(self) -> &'static str {
        match self {
            IssuerForm::GitHubCom => "github.com (token.actions.githubusercontent.com)",
            IssuerForm::EnterpriseSlug => {
                "an enterprise's issuer (token.actions.githubusercontent.com/SLUG)"
            }
            IssuerForm::DataResidency => {
                "GitHub Enterprise Cloud with data residency (token.actions.SUBDOMAIN.ghe.com)"
            }
            IssuerForm::DataResidencySlug => {
                "an enterprise's issuer with data residency (token.actions.SUBDOMAIN.ghe.com/SLUG)"
            }
            IssuerForm::EnterprisesPath => "github.com/enterprises/NAME",
            IssuerForm::Server => "GitHub Enterprise Server (HOST/_services/token)",
        }
    }

    /// What cannot be established about this form, when something cannot.
    pub fn caveat(self) -> Option<&'static str> {
        match self {
            IssuerForm::EnterprisesPath => Some(
                "AWS's catalogue lists condition keys for issuers of the form github.com/enterprises/NAME, but GitHub documents no such issuer: which tokens carry it is unknown",
            ),
            IssuerForm::DataResidencySlug => Some(
                "AWS's catalogue lists GitHub claim keys for token.actions.SUBDOMAIN.ghe.com but none for its /SLUG form, so only sub, aud and amr are taken as keys here; whether STS evaluates more for this issuer is not documented",
            ),
            _ => None,
        }
    }

    /// The claims STS evaluates as condition keys for this form (lower case, sorted).
    pub fn evaluated_claims(self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = GENERIC.to_vec();
        if let Some(claims) = self.catalogue_prefix().and_then(|p| catalogue().get(p)) {
            out.extend(claims.iter().map(String::as_str));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// True when STS evaluates `claim` (any case) as a condition key for this form.
    pub fn evaluates(self, claim: &str) -> bool {
        let claim = claim.to_ascii_lowercase();
        GENERIC.contains(&claim.as_str())
            || self
                .catalogue_prefix()
                .and_then(|p| catalogue().get(p))
                .is_some_and(|claims| claims.contains(&claim))
    }
}

#[derive(Deserialize)]
struct Entry {
    key: String,
}

/// The catalogue's keys, grouped by prefix (everything before the last `:`), lower case.
fn catalogue() -> &'static BTreeMap<String, Vec<String>> {
    static KEYS: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let entries: BTreeMap<String, Entry> =
            serde_json::from_str(CATALOGUE).expect("the vendored sts catalogue is valid JSON");
        let mut by_prefix: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for entry in entries.values() {
            if let Some((prefix, claim)) = entry.key.rsplit_once(':') {
                by_prefix
                    .entry(prefix.to_ascii_lowercase())
                    .or_default()
                    .push(claim.to_ascii_lowercase());
            }
        }
        by_prefix
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        use IssuerForm as F;
        let table = [
            ("token.actions.githubusercontent.com", Some(F::GitHubCom)),
            ("Token.Actions.GitHubUserContent.com", Some(F::GitHubCom)),
            (
                "token.actions.githubusercontent.com/acme",
                Some(F::EnterpriseSlug),
            ),
            ("token.actions.githubusercontent.com/", None),
            ("token.actions.githubusercontent.com/a/b", None),
            ("token.actions.octo.ghe.com", Some(F::DataResidency)),
            ("token.actions..ghe.com", None),
            (
                "token.actions.octo.ghe.com/octo",
                Some(F::DataResidencySlug),
            ),
            ("token.actions.octo.ghe.com/", None),
            ("token.actions.a.b.ghe.com", None),
            ("github.com/enterprises/acme", Some(F::EnterprisesPath)),
            ("github.com/enterprises/", None),
            ("ghes.example.com/_services/token", Some(F::Server)),
            ("/_services/token", None),
            ("accounts.google.com", None),
            ("gitlab.com", None),
        ];
        for (path, want) in table {
            assert_eq!(IssuerForm::of(path), want, "{path}");
        }
    }

    #[test]
    fn key_lists_follow_the_catalogue() {
        let catalogue_claims = [
            "actor",
            "actor_id",
            "enterprise_id",
            "environment",
            "job_workflow_ref",
            "ref",
            "repository",
            "repository_id",
            "repository_owner_id",
            "workflow",
        ];
        for form in IssuerForm::ALL {
            let claims = form.evaluated_claims();
            for generic in GENERIC {
                assert!(claims.contains(generic), "{form:?} lacks {generic}");
            }
            for claim in catalogue_claims {
                let generic_only =
                    matches!(form, IssuerForm::Server | IssuerForm::DataResidencySlug);
                assert_eq!(form.evaluates(claim), !generic_only, "{form:?} {claim}");
            }
            for absent in [
                "repository_owner",
                "workflow_ref",
                "event_name",
                "enterprise",
            ] {
                assert!(!form.evaluates(absent), "{form:?} {absent}");
            }
        }
        assert_eq!(IssuerForm::Server.evaluated_claims(), ["amr", "aud", "sub"]);
        assert!(IssuerForm::GitHubCom.evaluates("Repository_ID"));
    }

    #[test]
    fn every_github_prefix_of_the_catalogue_has_a_form() {
        // A GitHub issuer form AWS adds to the catalogue must be added here too.
        let known: Vec<&str> = IssuerForm::ALL
            .iter()
            .filter_map(|f| f.catalogue_prefix())
            .collect();
        for prefix in catalogue().keys() {
            if prefix.contains("github") || prefix.contains("ghe.com") {
                assert!(known.contains(&prefix.as_str()), "unknown form {prefix}");
            }
        }
    }
}
