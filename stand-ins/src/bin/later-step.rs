//! A later step of a job, as a long `terraform apply` or a script using an AWS SDK runs it: the
//! AWS SDK for Rust resolves credentials with its default chain (so from `AWS_PROFILE` and
//! `AWS_CONFIG_FILE` in this process's environment, running the profile's `credential_process`
//! whenever the credentials it holds are about to expire), and calls STS `GetCallerIdentity`
//! every `--interval-ms` for `--seconds`.
//!
//! Prints one line per call, `ok ARN` or `error MESSAGE` (the SDK's whole error chain, which
//! carries the `credential_process` stderr), never a credential. Exits 1 at the first error.
//!
//! Usage: `later-step --seconds 10 --interval-ms 500` (the endpoint from `AWS_ENDPOINT_URL_STS`).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_smithy_types::error::display::DisplayErrorContext;
use clap::Parser;
use oidc_assume::http::{ClientSettings, build_client};
use oidc_assume::sts_http::ReqwestHttpClient;

/// Calls GetCallerIdentity for a while with the SDK's own credential resolution.
#[derive(Debug, Parser)]
struct Args {
    /// How long to keep calling.
    #[arg(long)]
    seconds: u64,
    /// The pause between calls.
    #[arg(long, default_value_t = 500)]
    interval_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            println!("error cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(calls(&args))
}

async fn calls(args: &Args) -> ExitCode {
    let settings = ClientSettings {
        network: oidc_assume::inputs::NetworkSettings::default(),
        needs_tls: false,
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
    };
    let http = match build_client(&settings) {
        Ok(http) => http,
        Err(e) => {
            println!("error cannot build an HTTP client: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(ReqwestHttpClient::new(http))
        .load()
        .await;
    let client = aws_sdk_sts::Client::new(&config);
    let end = Instant::now() + Duration::from_secs(args.seconds);
    loop {
        match client.get_caller_identity().send().await {
            Ok(identity) => println!("ok {}", identity.arn().unwrap_or_default()),
            Err(e) => {
                println!("error {}", DisplayErrorContext(&e));
                return ExitCode::FAILURE;
            }
        }
        if Instant::now() >= end {
            return ExitCode::SUCCESS;
        }
        tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
    }
}
