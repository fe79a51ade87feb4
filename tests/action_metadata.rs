//! `action.yml`, the README and the binary agree on the action's interface.
//!
//! - `action.yml` declares exactly the inputs and outputs of the exchange, each with a description.
//! - Every default in `action.yml` is what the binary applies to an empty input: a configuration
//!   built with the runner-filled defaults equals one built with no inputs at all.
//! - The binary reads every declared input (a non-default value changes its configuration).
//! - The README's inputs and outputs tables list the same names, the same `required` flags and the
//!   defaults the binary really applies.
//! - `runs:` is a container action whose main and post steps run the image's binary under its two
//!   names, with no arguments, and the Dockerfile's final stage follows the runner's rules.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use oidc_assume::inputs::Config;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use yaml_rust2::{Yaml, YamlLoader};

/// The inputs of the exchange, in the order `action.yml` declares them: name, required, and whether
/// `action.yml` carries a default. Inputs without one either have no default at all or have one
/// that depends on another input (`audience` on the region) or on the run
/// (`role-session-name`), or that `0` also selects (`action-timeout-s`): the binary fills those
/// in, and the README states them.
const INPUTS: &[(&str, bool, bool)] = &[
    ("aws-region", true, false),
    ("role-to-assume", true, false),
    ("audience", false, false),
    ("role-session-name", false, false),
    ("role-duration-seconds", false, true),
    ("inline-session-policy", false, false),
    ("managed-session-policies", false, false),
    ("web-identity-token-file", false, false),
    ("output-credentials", false, true),
    ("output-env-credentials", false, false),
    ("unset-current-credentials", false, true),
    ("mask-aws-account-id", false, true),
    ("allowed-account-ids", false, false),
    ("retry-max-attempts", false, true),
    ("disable-retry", false, true),
    ("action-timeout-s", false, false),
    ("sts-endpoint", false, false),
    ("http-proxy", false, false),
    ("no-proxy", false, false),
    ("role-chaining", false, true),
    ("role-chain", false, false),
    ("role-external-id", false, false),
    ("role-skip-session-tagging", false, true),
    ("custom-tags", false, false),
    ("transitive-tag-keys", false, false),
    ("use-existing-credentials", false, true),
    ("aws-profile", false, false),
    ("overwrite-aws-profile", false, true),
    ("refresh-credentials", false, true),
];

const OUTPUTS: &[&str] = &[
    "aws-account-id",
    "authenticated-arn",
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
    "aws-expiration",
];

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(repo_file(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

fn action() -> Yaml {
    let docs = YamlLoader::load_from_str(&read("action.yml")).expect("action.yml is YAML");
    docs.into_iter().next().expect("action.yml has a document")
}

/// A YAML scalar as the runner sees it: a string.
fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `(name, mapping)` pairs of a top-level section, in file order.
fn section(action: &Yaml, key: &str) -> Vec<(String, Yaml)> {
    action[key]
        .as_hash()
        .unwrap_or_else(|| panic!("action.yml has a `{key}:` mapping"))
        .iter()
        .map(|(k, v)| (k.as_str().expect("names are strings").to_owned(), v.clone()))
        .collect()
}

/// The defaults `action.yml` declares, keyed by input name.
fn declared_defaults(action: &Yaml) -> BTreeMap<String, String> {
    section(action, "inputs")
        .into_iter()
        .filter_map(|(name, spec)| scalar(&spec["default"]).map(|d| (name, d)))
        .collect()
}

/// The environment a runner gives the container for a step that sets only the required inputs.
fn base_env() -> HashMap<String, String> {
    [
        ("INPUT_AWS-REGION", "eu-west-1"),
        (
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::123456789012:role/deploy",
        ),
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "https://token.actions.example/token?api-version=2.0",
        ),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token"),
        ("GITHUB_OUTPUT", "/github/file_commands/set_output_1"),
        ("GITHUB_ENV", "/github/file_commands/set_env_1"),
        (
            "GITHUB_STEP_SUMMARY",
            "/github/file_commands/step_summary_1",
        ),
        ("GITHUB_WORKSPACE", "/github/workspace"),
        // Read only with `refresh-credentials`.
        ("GITHUB_STATE", "/github/file_commands/save_state_1"),
        // Read only with `aws-profile`.
        ("RUNNER_TEMP", "/home/runner/work/_temp"),
        // Read only with `role-chaining`.
        ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEKEYID0001"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "example/secret/access/key/0000000000001",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The variable the runner sets for an input: upper case, spaces to `_`, hyphens kept.
fn input_variable(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

fn config(env: &HashMap<String, String>) -> Config {
    Config::from_map(env).unwrap_or_else(|e| panic!("the inputs are valid: {e}"))
}

#[test]
fn action_yml_declares_exactly_the_inputs_and_outputs_with_descriptions() {
    let action = action();
    for key in ["name", "description", "author"] {
        assert!(
            scalar(&action[key]).is_some_and(|s| !s.trim().is_empty()),
            "action.yml needs `{key}`"
        );
    }
    assert!(scalar(&action["branding"]["icon"]).is_some());
    assert!(scalar(&action["branding"]["color"]).is_some());

    let inputs = section(&action, "inputs");
    let names: Vec<&str> = inputs.iter().map(|(n, _)| n.as_str()).collect();
    let expected: Vec<&str> = INPUTS.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(names, expected, "inputs of action.yml");
    for ((name, spec), (_, required, has_default)) in inputs.iter().zip(INPUTS) {
        assert!(
            scalar(&spec["description"]).is_some_and(|d| !d.trim().is_empty()),
            "input `{name}` needs a description"
        );
        assert_eq!(
            spec["required"].as_bool(),
            Some(*required),
            "input `{name}`: `required:` must be written out as {required}"
        );
        assert_eq!(
            !spec["default"].is_badvalue(),
            *has_default,
            "input `{name}`: a default in action.yml is expected: {has_default}"
        );
    }

    let outputs = section(&action, "outputs");
    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, OUTPUTS, "outputs of action.yml");
    for (name, spec) in &outputs {
        assert!(
            scalar(&spec["description"]).is_some_and(|d| !d.trim().is_empty()),
            "output `{name}` needs a description"
        );
    }
}

/// Environments in which a default may mean something else: the inputs, or the variables, that
/// other defaults depend on.
fn default_contexts() -> Vec<(&'static str, HashMap<String, String>)> {
    let with = |changes: &[(&str, Option<&str>)]| {
        let mut env = base_env();
        for (name, value) in changes {
            match value {
                Some(value) => env.insert((*name).to_owned(), (*value).to_owned()),
                None => env.remove(*name),
            };
        }
        env
    };
    vec![
        ("only the required inputs", base_env()),
        (
            "a workflow run",
            with(&[
                ("GITHUB_RUN_ID", Some("9100000001")),
                ("GITHUB_RUN_ATTEMPT", Some("2")),
            ]),
        ),
        ("aws-profile", with(&[("INPUT_AWS-PROFILE", Some("state"))])),
        (
            "aws-profile with handed-in files",
            with(&[
                ("INPUT_AWS-PROFILE", Some("state")),
                ("AWS_CONFIG_FILE", Some("/home/runner/work/_temp/x/config")),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    Some("/home/runner/work/_temp/x/credentials"),
                ),
            ]),
        ),
        (
            "aws-profile, exported variables asked for",
            with(&[
                ("INPUT_AWS-PROFILE", Some("default")),
                ("INPUT_OUTPUT-ENV-CREDENTIALS", Some("true")),
            ]),
        ),
        (
            "a role chain",
            with(&[(
                "INPUT_ROLE-CHAIN",
                Some("arn:aws:iam::123456789012:role/next"),
            )]),
        ),
        (
            "role-chaining",
            with(&[("INPUT_ROLE-CHAINING", Some("true"))]),
        ),
        (
            "a China region",
            with(&[
                ("INPUT_AWS-REGION", Some("cn-north-1")),
                (
                    "INPUT_ROLE-TO-ASSUME",
                    Some("arn:aws-cn:iam::123456789012:role/deploy"),
                ),
            ]),
        ),
        (
            "the region from the environment",
            with(&[
                ("INPUT_AWS-REGION", None),
                ("AWS_REGION", Some("us-west-2")),
            ]),
        ),
        (
            "no GITHUB_ENV, nothing exported",
            with(&[
                ("GITHUB_ENV", None),
                ("INPUT_OUTPUT-ENV-CREDENTIALS", Some("false")),
            ]),
        ),
    ]
}

#[test]
fn action_yml_defaults_are_the_binarys_defaults() {
    for (context, env) in default_contexts() {
        let plain = config(&env);
        let mut filled = env.clone();
        for (name, default) in declared_defaults(&action()) {
            filled.entry(input_variable(&name)).or_insert(default);
        }
        // Debug covers every field; secrets print as *** in both.
        assert_eq!(
            format!("{:#?}", config(&filled)),
            format!("{plain:#?}"),
            "{context}: the runner fills in action.yml's defaults; the binary must reach the same \
             configuration as with the inputs left empty"
        );
    }
}

#[test]
fn the_session_name_the_runner_leads_to_names_the_run() {
    // The runner fills in action.yml's defaults, then the binary applies its own.
    let mut env = base_env();
    for (name, default) in declared_defaults(&action()) {
        env.entry(input_variable(&name)).or_insert(default);
    }
    assert_eq!(config(&env).inputs.role_session_name, "GitHubActions");
    env.insert("GITHUB_RUN_ID".to_owned(), "9100000001".to_owned());
    env.insert("GITHUB_RUN_ATTEMPT".to_owned(), "3".to_owned());
    assert_eq!(
        config(&env).inputs.role_session_name,
        "GitHubActions-9100000001-3"
    );
    env.insert(input_variable("role-session-name"), "deploy-42".to_owned());
    assert_eq!(config(&env).inputs.role_session_name, "deploy-42");
}

#[test]
fn with_a_profile_the_credentials_are_not_exported_unless_asked_for() {
    let mut env = base_env();
    env.insert(input_variable("aws-profile"), "state".to_owned());
    assert!(!config(&env).inputs.output_env_credentials);
    env.insert(input_variable("output-env-credentials"), "true".to_owned());
    assert!(config(&env).inputs.output_env_credentials);
    assert!(config(&base_env()).inputs.output_env_credentials);
}

#[test]
fn the_binary_reads_every_declared_input() {
    let token_file = tempfile::NamedTempFile::new().expect("temp file");
    let token_path = token_file.path().to_str().expect("utf-8 path").to_owned();
    let other_values: HashMap<&str, &str> = [
        ("aws-region", "eu-central-1"),
        ("role-to-assume", "arn:aws:iam::123456789012:role/other"),
        ("audience", "sts.example.com"),
        ("role-session-name", "other-session"),
        ("role-duration-seconds", "900"),
        ("inline-session-policy", r#"{"Version":"2012-10-17"}"#),
        (
            "managed-session-policies",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ),
        ("web-identity-token-file", token_path.as_str()),
        ("output-credentials", "true"),
        ("output-env-credentials", "false"),
        ("unset-current-credentials", "true"),
        ("mask-aws-account-id", "true"),
        ("allowed-account-ids", "111122223333"),
        ("retry-max-attempts", "3"),
        ("disable-retry", "true"),
        ("action-timeout-s", "30"),
        ("sts-endpoint", "https://sts.example.com"),
        ("http-proxy", "http://proxy.example.com:3128"),
        ("no-proxy", "example.com"),
        ("role-chaining", "true"),
        ("role-chain", "arn:aws:iam::123456789012:role/next"),
        ("role-external-id", "tenant-42"),
        ("role-skip-session-tagging", "true"),
        ("custom-tags", r#"{"Team": "platform"}"#),
        ("transitive-tag-keys", "GitHub"),
        ("use-existing-credentials", "true"),
        ("aws-profile", "state"),
        ("overwrite-aws-profile", "true"),
        ("refresh-credentials", "true"),
    ]
    .into_iter()
    .collect();
    // Inputs that only take effect with another one are compared with and without themselves,
    // that other input set in both runs.
    let chained: &[(&str, &str)] = &[("role-chain", "arn:aws:iam::123456789012:role/next")];
    let companions: HashMap<&str, &[(&str, &str)]> = [
        ("role-external-id", chained),
        ("role-skip-session-tagging", chained),
        ("custom-tags", chained),
        ("transitive-tag-keys", chained),
        ("overwrite-aws-profile", &[("aws-profile", "state")]),
    ]
    .into_iter()
    .collect();
    for (name, _, _) in INPUTS {
        let value = other_values
            .get(name)
            .unwrap_or_else(|| panic!("no test value for `{name}`"));
        let mut before = base_env();
        for (other, other_value) in companions.get(name).copied().unwrap_or_default() {
            before.insert(input_variable(other), (*other_value).to_owned());
        }
        let mut env = before.clone();
        env.insert(input_variable(name), (*value).to_owned());
        assert_ne!(
            format!("{:?}", config(&env)),
            format!("{:?}", config(&before)),
            "setting `{name}` changed nothing: does the binary read {}?",
            input_variable(name)
        );
    }
}

/// The defaults the binary applies to empty inputs, as the README should state them.
/// The default session name in a workflow run, with the run's id and attempt as the README
/// writes them.
fn run_session_name() -> String {
    let mut env = base_env();
    env.insert("GITHUB_RUN_ID".to_owned(), "123".to_owned());
    env.insert("GITHUB_RUN_ATTEMPT".to_owned(), "4".to_owned());
    config(&env)
        .inputs
        .role_session_name
        .replace("-123-4", "-<run id>-<run attempt>")
}

fn effective_defaults() -> BTreeMap<&'static str, String> {
    let c = config(&base_env());
    let i = &c.inputs;
    BTreeMap::from([
        ("audience", i.audience.clone()),
        // In a run: the README names the run's id and attempt.
        ("role-session-name", run_session_name()),
        ("role-duration-seconds", i.duration_seconds.to_string()),
        ("output-credentials", i.output_credentials.to_string()),
        (
            "output-env-credentials",
            i.output_env_credentials.to_string(),
        ),
        (
            "unset-current-credentials",
            i.unset_current_credentials.to_string(),
        ),
        ("mask-aws-account-id", i.mask_aws_account_id.to_string()),
        ("retry-max-attempts", i.max_attempts.to_string()),
        ("disable-retry", "false".to_owned()),
        ("action-timeout-s", i.action_timeout.as_secs().to_string()),
        ("role-chaining", i.chaining.source.is_some().to_string()),
        // Its effect shows only beside a chain: checked in the chaining tests.
        ("role-skip-session-tagging", "false".to_owned()),
        (
            "use-existing-credentials",
            i.use_existing_credentials.to_string(),
        ),
        ("overwrite-aws-profile", "false".to_owned()),
        ("refresh-credentials", i.refresh.is_some().to_string()),
    ])
}

#[test]
fn effective_defaults_cover_exactly_the_inputs_with_defaults() {
    let defaults = effective_defaults();
    // disable-retry's effect shows in max_attempts; check it against the binary too.
    let mut env = base_env();
    env.insert(input_variable("disable-retry"), "false".to_owned());
    assert_eq!(
        config(&env).inputs.max_attempts.to_string(),
        defaults["retry-max-attempts"]
    );
    for (name, _, has_default) in INPUTS {
        let binary_has_one = defaults.contains_key(name);
        if *has_default {
            assert!(binary_has_one, "`{name}` has a default in action.yml");
        }
    }
    let declared = declared_defaults(&action());
    for (name, value) in &declared {
        assert_eq!(
            &defaults[name.as_str()],
            value,
            "`{name}`: action.yml's default differs from the binary's"
        );
    }
}

/// One Markdown table cell: its plain text and its code spans.
#[derive(Debug, Default, Clone)]
struct Cell {
    text: String,
    code: Vec<String>,
}

/// Every table of a Markdown document, header row first.
fn tables(markdown: &str) -> Vec<Vec<Vec<Cell>>> {
    let mut tables = Vec::new();
    let mut table: Vec<Vec<Cell>> = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    let mut cell: Option<Cell> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(_)) => table.clear(),
            Event::Start(Tag::TableHead | Tag::TableRow) => row.clear(),
            Event::Start(Tag::TableCell) => cell = Some(Cell::default()),
            Event::Text(t) => {
                if let Some(c) = cell.as_mut() {
                    c.text.push_str(&t);
                }
            }
            Event::Code(t) => {
                if let Some(c) = cell.as_mut() {
                    c.text.push_str(&t);
                    c.code.push(t.to_string());
                }
            }
            Event::End(TagEnd::TableCell) => row.extend(cell.take()),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => table.push(row.clone()),
            Event::End(TagEnd::Table) => tables.push(table.clone()),
            _ => {}
        }
    }
    tables
}

/// The README table whose header starts with `first_column`, as rows of cells keyed by header.
fn readme_table(first_column: &str) -> Vec<BTreeMap<String, Cell>> {
    let readme = read("README.md");
    let table = tables(&readme)
        .into_iter()
        .find(|t| t.first().and_then(|h| h.first()).map(|c| c.text.trim()) == Some(first_column))
        .unwrap_or_else(|| {
            panic!("README.md needs a table whose first column is headed `{first_column}`")
        });
    let header: Vec<String> = table[0].iter().map(|c| c.text.trim().to_owned()).collect();
    table[1..]
        .iter()
        .map(|row| header.iter().cloned().zip(row.iter().cloned()).collect())
        .collect()
}

fn first_code(cell: &Cell, what: &str) -> String {
    cell.code
        .first()
        .unwrap_or_else(|| panic!("{what}: write the name or value as `code`"))
        .clone()
}

#[test]
fn readme_inputs_table_matches_action_yml_and_the_binary() {
    let rows = readme_table("Input");
    let names: Vec<String> = rows
        .iter()
        .map(|r| first_code(&r["Input"], "README inputs table"))
        .collect();
    let expected: Vec<&str> = INPUTS.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(
        names, expected,
        "README inputs table, in action.yml's order"
    );

    let defaults = effective_defaults();
    for (row, (name, required, _)) in rows.iter().zip(INPUTS) {
        let cell = |column: &str| {
            row.get(column)
                .unwrap_or_else(|| panic!("README inputs table needs a `{column}` column"))
        };
        let required_text = cell("Required").text.trim().to_lowercase();
        assert_eq!(
            required_text,
            if *required { "yes" } else { "no" },
            "README: `{name}` required"
        );
        let default = cell("Default");
        match defaults.get(name) {
            Some(value) => assert_eq!(
                default.code.first(),
                Some(value),
                "README: the default of `{name}` must start with `{value}`"
            ),
            None => assert!(
                default.code.is_empty(),
                "README: `{name}` has no default, but the table shows one"
            ),
        }
        assert!(
            !cell("Description").text.trim().is_empty(),
            "README: `{name}` needs a description"
        );
    }
}

#[test]
fn readme_outputs_table_matches_action_yml() {
    let rows = readme_table("Output");
    let names: Vec<String> = rows
        .iter()
        .map(|r| first_code(&r["Output"], "README outputs table"))
        .collect();
    assert_eq!(
        names, OUTPUTS,
        "README outputs table, in action.yml's order"
    );
}

#[test]
fn runs_the_image_binary_for_main_and_post_with_no_arguments() {
    let action = action();
    let runs = &action["runs"];
    assert_eq!(runs["using"].as_str(), Some("docker"));
    // Release commits rewrite this line to `docker://ghcr.io/<owner>/oidc-assume@sha256:<digest>`.
    assert_eq!(runs["image"].as_str(), Some("Dockerfile"));
    assert_eq!(runs["entrypoint"].as_str(), Some("/oidc-assume"));
    assert_eq!(runs["post-entrypoint"].as_str(), Some("/oidc-assume-post"));
    assert_eq!(runs["post-if"].as_str(), Some("always()"));
    assert_eq!(
        runs["args"].as_vec().map(Vec::len),
        Some(0),
        "`args: []` keeps a workflow's `with: args:` away from the binary"
    );
    let release = read(".github/workflows/release.yml");
    assert!(
        release.contains(r#"s|^  image: Dockerfile\$|  image: docker://$IMAGE@$DIGEST|"#),
        "the release workflow rewrites action.yml's `  image: Dockerfile` line"
    );
    assert!(read("action.yml").contains("\n  image: Dockerfile\n"));

    let link = std::fs::read_link(repo_file("image-root/oidc-assume-post"))
        .expect("image-root/oidc-assume-post is a symlink");
    assert_eq!(link, Path::new("oidc-assume"));
}

#[test]
fn dockerfile_final_stage_follows_the_runner_rules() {
    let dockerfile = read("Dockerfile");
    let instructions: Vec<&str> = dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('&'))
        .collect();
    let last_from = instructions
        .iter()
        .rposition(|l| l.starts_with("FROM "))
        .expect("a FROM line");
    assert_eq!(instructions[last_from], "FROM scratch");
    let final_stage = &instructions[last_from..];
    for forbidden in ["USER ", "WORKDIR ", "CMD ", "RUN "] {
        assert!(
            !final_stage.iter().any(|l| l.starts_with(forbidden)),
            "the final stage must not use {forbidden}"
        );
    }
    assert_eq!(
        final_stage
            .iter()
            .filter(|l| l.starts_with("COPY "))
            .count(),
        1,
        "the final stage copies one checked root"
    );
    assert_eq!(
        final_stage
            .iter()
            .find(|l| l.starts_with("ENTRYPOINT "))
            .copied(),
        Some(r#"ENTRYPOINT ["/oidc-assume"]"#)
    );
    for label in [
        "org.opencontainers.image.source",
        "org.opencontainers.image.version",
        "org.opencontainers.image.licenses",
        "org.opencontainers.image.description",
        "org.opencontainers.image.title",
    ] {
        assert!(dockerfile.contains(label), "label {label}");
    }
    assert!(
        dockerfile.contains(r#"RUN ["/rootfs/oidc-assume", "self-check"]"#),
        "the build runs the binary once"
    );
}
