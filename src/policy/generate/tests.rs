use super::*;

#[test]
fn the_explain_command_names_the_session_only_when_explain_would_not_guess_it() {
    let claims: Map<String, Value> = serde_json::from_str(
        r#"{"sub":"repo:o/r:ref:refs/heads/main","run_id":"77","run_attempt":"2"}"#,
    )
    .expect("claims");
    let role = "arn:aws:iam::111122223333:role/deploy";
    let default = suggest_trust(&claims, "eu-west-1", role, "GitHubActions-77-2");
    assert!(
        default
            .explain_command
            .ends_with("token.actions.githubusercontent.com"),
        "{}",
        default.explain_command
    );
    let named = suggest_trust(&claims, "eu-west-1", role, "GitHubActions");
    assert!(
        named
            .explain_command
            .ends_with(" --session-name GitHubActions"),
        "{}",
        named.explain_command
    );
}

#[test]
fn partitions() {
    let p = |r: &str| partition_of_region(r).map(Partition::name);
    assert_eq!(p("cn-north-1"), Some("aws-cn"));
    assert_eq!(p("us-gov-west-1"), Some("aws-us-gov"));
    assert_eq!(p("us-iso-east-1"), Some("aws-iso"));
    assert_eq!(p("us-isob-east-1"), Some("aws-iso-b"));
    assert_eq!(p("eusc-de-east-1"), Some("aws-eusc"));
    assert_eq!(p("eu-west-1"), Some("aws"));
    assert_eq!(p("mars"), None);
    assert_eq!(
        partition_of_arn("arn:aws-cn:iam::1:role/x"),
        Some(Partition::AwsCn)
    );
    assert_eq!(Partition::AwsCn.default_audience(), "sts.amazonaws.com.cn");
}

#[test]
fn escapes() {
    assert_eq!(hcl_string("a\"b${c}%{d}"), "\"a\\\"b$${c}%%{d}\"");
    assert_eq!(shell_quote("feature/x"), "feature/x");
    assert_eq!(shell_quote("it's"), "'it'\\''s'");
}

#[test]
fn environment_with_colon_is_encoded() {
    let spec = TrustSpec {
        repo: "acme/app".into(),
        ids: None,
        target: Target::Environment("prod:eu".into()),
        provider_arn: provider_arn(Partition::Aws, "123456789012", DEFAULT_ISSUER),
        audience: crate::policy::github::AUDIENCE.into(),
        issuer: DEFAULT_ISSUER.into(),
    };
    assert_eq!(
        spec.condition_json()["StringEquals"]["token.actions.githubusercontent.com:sub"],
        "repo:acme/app:environment:prod%3Aeu"
    );
}

#[test]
fn issuers_and_provider_arns_must_be_url_text() {
    let spec = |issuer: &str, provider: &str| TrustSpec {
        repo: "acme/app".into(),
        ids: None,
        target: Target::Branch("main".into()),
        provider_arn: provider.into(),
        audience: "sts.amazonaws.com".into(),
        issuer: issuer.into(),
    };
    let good = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    assert!(
        spec("https://token.actions.githubusercontent.com", good)
            .validate()
            .is_ok()
    );
    assert!(
        spec("https://ghes.example/_services/token", good)
            .validate()
            .is_ok()
    );
    for issuer in [
        "https://x\ny",
        "https://x\"y",
        "https://x y",
        "https://x{y}",
    ] {
        assert!(spec(issuer, good).validate().is_err(), "{issuer:?}");
    }
    assert!(
        spec(
            "https://token.actions.githubusercontent.com",
            &format!("{good}\nx")
        )
        .validate()
        .is_err()
    );
}
