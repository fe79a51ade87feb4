//! Named profiles (`aws-profile`) against the in-process stand-ins: the files are read back by
//! the AWS SDK for Rust's own profile providers, with only the paths the step exported, as a
//! later step would.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileRegionProvider;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};
use common::{assert_nothing_written, exports, outputs, run, value};
use oidc_assume_stand_ins::runner_env::DEMO_REGION;
use oidc_assume_stand_ins::{RunnerEnv, Sts, StsError, TokenEndpoint};

struct Job {
    _token: TokenEndpoint,
    sts: Sts,
    env: RunnerEnv,
}

fn job(profile: &str) -> Job {
    let token = TokenEndpoint::start();
    let sts = Sts::start();
    let mut env = RunnerEnv::for_stand_ins(&token, &sts).expect("runner environment");
    env.input("aws-profile", profile);
    Job {
        _token: token,
        sts,
        env,
    }
}

/// What a later step sees: the profile's keys and region, read by the SDK from the exported paths.
fn read_profile(config: &Path, credentials: &Path, name: &str) -> (String, String, String, String) {
    let files = || {
        EnvConfigFiles::builder()
            .with_file(EnvConfigFileKind::Config, config)
            .with_file(EnvConfigFileKind::Credentials, credentials)
            .build()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // The provider's own parse of both files, as it resolves a profile with static keys
        // (its credentials provider also builds an STS client, which needs an HTTP client).
        let set = aws_config::profile::load(
            &Fs::real(),
            &Env::from_slice(&[]),
            &files(),
            Some(name.to_owned().into()),
        )
        .await
        .unwrap_or_else(|e| panic!("the SDK reads the profile files: {e}"));
        let profile = set
            .get_profile(name)
            .unwrap_or_else(|| panic!("the SDK finds the profile `{name}`"));
        let key = |k: &str| {
            profile
                .get(k)
                .unwrap_or_else(|| panic!("{name} has {k}"))
                .to_owned()
        };
        let region = ProfileFileRegionProvider::builder()
            .profile_files(files())
            .profile_name(name)
            .build()
            .region()
            .await
            .expect("the profile has a region");
        (
            key("aws_access_key_id"),
            key("aws_secret_access_key"),
            key("aws_session_token"),
            region.to_string(),
        )
    })
}

/// Runs `job` and checks it stopped with exit code 2 before any call, saying `why`.
fn assert_refused_before_any_call(job: &Job, why: &str) {
    common::assert_refused_before_any_call(&job.env, &job.sts, why);
}

fn exported_path(env: &RunnerEnv, name: &str) -> PathBuf {
    PathBuf::from(value(&exports(env), name).unwrap_or_else(|| panic!("{name} is exported")))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_profile_is_written_where_a_later_step_reads_it_and_nothing_else_is_exported() {
    let mut job = job("state");
    job.env.input("output-credentials", "true");
    let result = run(&job.env);
    assert!(result.succeeded(), "{}", result.log);

    let dir = job.env.runner_temp().join("oidc-assume-aws");
    let config = exported_path(&job.env, "AWS_CONFIG_FILE");
    let credentials = exported_path(&job.env, "AWS_SHARED_CREDENTIALS_FILE");
    assert_eq!(config, dir.join("config"));
    assert_eq!(credentials, dir.join("credentials"));
    let names: Vec<String> = exports(&job.env).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"],
        "with a profile, the credentials are not exported unless asked for"
    );

    let issued = &job.sts.issued()[0];
    let (key, secret, session, region) = read_profile(&config, &credentials, "state");
    assert_eq!(
        (key.as_str(), secret.as_str(), session.as_str()),
        (
            issued.access_key_id.as_str(),
            issued.secret_access_key.as_str(),
            issued.session_token.as_str()
        )
    );
    assert_eq!(region, DEMO_REGION);
    assert_eq!(
        value(&outputs(&job.env), "aws-access-key-id"),
        Some(key.as_str())
    );
    assert_eq!(
        std::fs::read_to_string(&config).expect("config"),
        format!("[profile state]\nregion = {DEMO_REGION}\n")
    );
    assert_eq!(mode(&config), 0o600);
    assert_eq!(mode(&credentials), 0o600);
    assert_eq!(mode(&dir), 0o700);
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["config", "credentials"], "no temporary file is left");
    let summary = job.env.read_summary().expect("summary");
    assert!(summary.contains("| Profile | state |"), "{summary}");
}

#[test]
fn with_output_env_credentials_the_keys_and_the_profile_name_are_exported_too() {
    let mut job = job("default");
    job.env.input("output-env-credentials", "true");
    let result = run(&job.env);
    assert!(result.succeeded(), "{}", result.log);
    let exported = exports(&job.env);
    assert_eq!(value(&exported, "AWS_PROFILE"), Some("default"));
    assert_eq!(
        value(&exported, "AWS_ACCESS_KEY_ID"),
        Some(job.sts.issued()[0].access_key_id.as_str())
    );
    let config = exported_path(&job.env, "AWS_CONFIG_FILE");
    assert_eq!(
        std::fs::read_to_string(config).expect("config"),
        format!("[default]\nregion = {DEMO_REGION}\n")
    );
}

/// A second invocation in the same job, as the runner hands it the first one's exports.
fn second_invocation(first: &Job, profile: &str) -> Job {
    let mut second = job(profile);
    for name in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
        second
            .env
            .set(name, exported_path(&first.env, name).to_string_lossy());
    }
    second
}

#[test]
fn a_second_invocation_adds_its_profile_and_keeps_every_other_byte() {
    let first = job("state");
    assert!(run(&first.env).succeeded());
    let config = exported_path(&first.env, "AWS_CONFIG_FILE");
    let credentials = exported_path(&first.env, "AWS_SHARED_CREDENTIALS_FILE");
    // Somebody's own lines between the two invocations: kept byte for byte.
    let mine = "# kept as written ; really\n[profile mine]\nregion = ap-south-1 # a comment\ns3 =\n  max_concurrent_requests = 4\n[sso-session corp]\nsso_region = eu-west-1\n";
    let before = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, format!("{before}{mine}")).expect("append");

    let mut second = second_invocation(&first, "resources");
    second.env.input("aws-region", "eu-central-1");
    let result = run(&second.env);
    assert!(result.succeeded(), "{}", result.log);
    assert!(
        exports(&second.env).is_empty(),
        "handed-in paths are not exported again: {:?}",
        exports(&second.env)
    );
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(
        text.starts_with(&format!("{before}{mine}")),
        "everything before is kept: {text}"
    );
    assert!(
        text.ends_with("\n[profile resources]\nregion = eu-central-1\n"),
        "{text}"
    );

    let first_keys = &first.sts.issued()[0];
    let second_keys = &second.sts.issued()[0];
    let (key, _, _, region) = read_profile(&config, &credentials, "state");
    assert_eq!(
        (key.as_str(), region.as_str()),
        (first_keys.access_key_id.as_str(), DEMO_REGION)
    );
    let (key, _, _, region) = read_profile(&config, &credentials, "resources");
    assert_eq!(
        (key.as_str(), region.as_str()),
        (second_keys.access_key_id.as_str(), "eu-central-1")
    );
}

#[test]
fn an_existing_profile_is_refused_before_any_call_and_replaced_with_overwrite() {
    let first = job("state");
    assert!(run(&first.env).succeeded());
    let config = exported_path(&first.env, "AWS_CONFIG_FILE");
    let credentials = exported_path(&first.env, "AWS_SHARED_CREDENTIALS_FILE");
    // A leftover setting that would change what the profile means.
    let leftover = std::fs::read_to_string(&config).expect("config")
        + "role_arn = arn:aws:iam::111122223333:role/other\n";
    std::fs::write(&config, &leftover).expect("write");
    let credentials_before = std::fs::read(&credentials).expect("credentials");

    let second = second_invocation(&first, "state");
    assert_refused_before_any_call(
        &second,
        &format!(
            "input `aws-profile` the profile `state` exists in {} already: choose another `aws-profile`, or set `overwrite-aws-profile: true` to replace it",
            credentials.display()
        ),
    );
    assert_eq!(
        std::fs::read(&credentials).expect("credentials"),
        credentials_before
    );

    let mut third = second_invocation(&first, "state");
    third.env.input("overwrite-aws-profile", "true");
    let result = run(&third.env);
    assert!(result.succeeded(), "{}", result.log);
    assert_eq!(
        std::fs::read_to_string(&config).expect("config"),
        format!("[profile state]\nregion = {DEMO_REGION}\n"),
        "the whole section is replaced, the leftover setting too"
    );
    let (key, _, _, _) = read_profile(&config, &credentials, "state");
    assert_eq!(key, third.sts.issued()[0].access_key_id);
}

#[test]
fn a_failed_runner_file_write_puts_the_profile_files_back() {
    // Without earlier files: both are removed again.
    let mut job = job("state");
    let blocked = job.env.root().join("env-is-a-directory");
    std::fs::create_dir(&blocked).expect("dir");
    job.env.set("GITHUB_ENV", blocked.to_string_lossy());
    let result = run(&job.env);
    assert!(!result.succeeded(), "{}", result.log);
    let dir = job.env.runner_temp().join("oidc-assume-aws");
    assert!(!dir.exists(), "the directory the run made is removed too");
    assert_eq!(job.env.read_output().expect("output"), "");

    // With earlier files: their bytes and modes come back.
    let first = self::job("state");
    assert!(run(&first.env).succeeded());
    let config = exported_path(&first.env, "AWS_CONFIG_FILE");
    let credentials = exported_path(&first.env, "AWS_SHARED_CREDENTIALS_FILE");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).expect("mode");
    let before = (
        std::fs::read(&config).expect("config"),
        std::fs::read(&credentials).expect("credentials"),
    );
    let mut second = second_invocation(&first, "resources");
    let blocked = second.env.root().join("output-is-a-directory");
    std::fs::create_dir(&blocked).expect("dir");
    second.env.set("GITHUB_OUTPUT", blocked.to_string_lossy());
    let result = run(&second.env);
    assert!(!result.succeeded(), "{}", result.log);
    assert_eq!(
        (
            std::fs::read(&config).expect("config"),
            std::fs::read(&credentials).expect("credentials"),
        ),
        before
    );
    assert_eq!(mode(&config), 0o640);
    assert_eq!(mode(&credentials), 0o600);
}

#[test]
fn a_refused_exchange_writes_no_profile() {
    let job = job("state");
    job.sts.push(StsError::AccessDenied.fault());
    let result = run(&job.env);
    assert!(!result.succeeded());
    assert!(!job.env.runner_temp().join("oidc-assume-aws").exists());
    assert_nothing_written(&job.env);
}

#[test]
fn in_the_container_the_host_paths_are_exported_in_both_runner_layouts() {
    // The container's view is simulated by pointing the mounts' root at a directory of this test.
    for (runner_temp_mounted, translated) in [(true, true), (true, false), (false, false)] {
        let mut job = job("state");
        let mounts = tempfile::tempdir().expect("mounts");
        std::fs::create_dir(mounts.path().join("home")).expect("home");
        if runner_temp_mounted {
            std::fs::create_dir(mounts.path().join("runner_temp")).expect("runner_temp");
        }
        let runner_temp = if translated {
            mounts
                .path()
                .join("runner_temp")
                .to_string_lossy()
                .into_owned()
        } else {
            "/home/runner/work/_temp".to_owned()
        };
        job.env
            .set("OIDC_ASSUME_RUNNER_MOUNTS", mounts.path().to_string_lossy())
            .set("RUNNER_TEMP", runner_temp)
            .set("RUNNER_WORKSPACE", "/home/runner/work/repo");
        let result = run(&job.env);
        assert!(result.succeeded(), "{}", result.log);
        let (written, host) = if runner_temp_mounted {
            ("runner_temp", "/home/runner/work/_temp/oidc-assume-aws")
        } else {
            (
                "home",
                "/home/runner/work/_temp/_github_home/oidc-assume-aws",
            )
        };
        let exported = exports(&job.env);
        assert_eq!(
            value(&exported, "AWS_CONFIG_FILE"),
            Some(format!("{host}/config").as_str()),
            "runner_temp mounted: {runner_temp_mounted}, translated: {translated}"
        );
        assert_eq!(
            value(&exported, "AWS_SHARED_CREDENTIALS_FILE"),
            Some(format!("{host}/credentials").as_str())
        );
        let here = mounts.path().join(written).join("oidc-assume-aws");
        assert!(here.join("credentials").is_file(), "{}", here.display());
        assert_eq!(
            std::fs::metadata(here.join("credentials"))
                .expect("meta")
                .uid(),
            std::fs::metadata(mounts.path().join(written))
                .expect("meta")
                .uid()
        );
    }
}

#[test]
fn without_a_host_path_nothing_is_called_or_written() {
    let mut job = job("state");
    let mounts = tempfile::tempdir().expect("mounts");
    std::fs::create_dir(mounts.path().join("runner_temp")).expect("runner_temp");
    job.env
        .set("OIDC_ASSUME_RUNNER_MOUNTS", mounts.path().to_string_lossy())
        .set(
            "RUNNER_TEMP",
            mounts.path().join("runner_temp").to_string_lossy(),
        )
        .remove("RUNNER_WORKSPACE");
    assert_refused_before_any_call(&job, "cannot tell the host path");
    assert!(!mounts.path().join("runner_temp/oidc-assume-aws").exists());

    // A handed-in path only the container sees is refused the same way.
    let mut job = self::job("state");
    job.env
        .set("OIDC_ASSUME_RUNNER_MOUNTS", mounts.path().to_string_lossy())
        .set("AWS_CONFIG_FILE", "/root/.aws/config")
        .set("AWS_SHARED_CREDENTIALS_FILE", "/root/.aws/credentials");
    assert_refused_before_any_call(
        &job,
        "`AWS_CONFIG_FILE` is `/root/.aws/config`, which the later steps cannot see",
    );
}

#[test]
fn a_profile_file_that_is_a_link_is_refused_before_any_call() {
    let first = job("state");
    assert!(run(&first.env).succeeded());
    let credentials = exported_path(&first.env, "AWS_SHARED_CREDENTIALS_FILE");
    let elsewhere = first.env.root().join("elsewhere");
    std::fs::rename(&credentials, &elsewhere).expect("move");
    std::os::unix::fs::symlink(&elsewhere, &credentials).expect("link");
    let second = second_invocation(&first, "other");
    assert_refused_before_any_call(&second, "is a symbolic link");
}
