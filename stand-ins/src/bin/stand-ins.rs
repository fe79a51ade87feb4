//! Runs the token endpoint and STS stand-ins in a process of their own, for the local demo, the
//! benchmark and the container test.
//!
//! Prints one JSON line on stdout once both listen:
//! `{"token_url", "request_token", "sts_url", "jwks_url", "issuer", "role_arn", "region",
//! "ca_pem", "ca_file"}` (`ca_*` are `null` without `--tls`), then serves until SIGTERM or
//! SIGINT, or until stdin reaches end of file when stdin is a pipe or socket (so a parent that
//! dies takes the stand-ins with it; a terminal or `/dev/null` stdin is ignored).

use std::io::Write as _;
use std::net::IpAddr;
use std::os::fd::AsFd as _;
use std::os::unix::fs::FileTypeExt as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Parser;
use oidc_assume_stand_ins::runner_env::{DEMO_REGION, DEMO_ROLE_ARN};
use oidc_assume_stand_ins::sts::require_claim;
use oidc_assume_stand_ins::{Behaviour, Claims, Sts, StsError, TestCa, TokenEndpoint};
use serde_json::json;

/// Local stand-ins for GitHub's ID-token endpoint and AWS STS.
#[derive(Parser, Debug)]
#[command(name = "stand-ins", version)]
struct Args {
    /// Serve both over HTTPS with a certificate from a fresh test CA (for `localhost`,
    /// `127.0.0.1` and every --tls-name).
    #[arg(long)]
    tls: bool,
    /// Another name for the certificates (with --tls).
    #[arg(long = "tls-name", value_name = "NAME")]
    tls_names: Vec<String>,
    /// Write the CA certificate (PEM) here (with --tls), e.g. for SSL_CERT_FILE.
    #[arg(long, value_name = "PATH")]
    ca_file: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// The bearer token the token endpoint requires (default: random).
    #[arg(long, value_name = "TOKEN")]
    request_token: Option<String>,
    /// The repository the tokens describe.
    #[arg(long, default_value = "octo-org/octo-repo")]
    repository: String,
    /// The environment the job references (changes `sub`).
    #[arg(long)]
    environment: Option<String>,
    /// The role's maximum session duration in seconds.
    #[arg(long, default_value_t = 3600)]
    role_max_session: u32,
    /// Refuse (AccessDenied) tokens whose `sub` is not exactly this.
    #[arg(long, value_name = "SUB")]
    trust_sub: Option<String>,
    /// Answer the first STS calls with these errors, in order (e.g. Throttling, AccessDenied,
    /// VerificationKey, ExpiredToken, ServiceUnavailable).
    #[arg(long = "sts-error", value_name = "NAME")]
    sts_errors: Vec<String>,
    /// Answer the first N token requests with 403 "Can't issue ID_TOKEN for job in 'Pending'
    /// state".
    #[arg(long, default_value_t = 0, value_name = "N")]
    token_pending: u32,
}

fn sts_error(name: &str) -> anyhow::Result<StsError> {
    StsError::ALL
        .into_iter()
        .find(|e| format!("{e:?}").eq_ignore_ascii_case(name))
        .with_context(|| {
            let names: Vec<String> = StsError::ALL.iter().map(|e| format!("{e:?}")).collect();
            format!("unknown --sts-error {name:?}; one of: {}", names.join(", "))
        })
}

/// Whether stdin is a pipe or socket, whose end means the parent is gone.
fn stdin_is_a_pipe() -> bool {
    std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata())
        .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.ca_file.is_some() && !args.tls {
        bail!("--ca-file needs --tls");
    }

    let ca = args.tls.then(TestCa::new);
    let tls = ca.as_ref().map(|ca| {
        let mut names = vec!["localhost", "127.0.0.1"];
        names.extend(args.tls_names.iter().map(String::as_str));
        ca.server_tls(&names)
    });
    if let (Some(ca), Some(path)) = (&ca, &args.ca_file) {
        ca.write_pem(path)
            .with_context(|| format!("writing the CA certificate to {}", path.display()))?;
    }

    let mut claims = Claims::new().repository(args.repository.clone());
    if let Some(env) = &args.environment {
        claims = claims.environment(env.clone());
    }
    let mut token = TokenEndpoint::builder().claims(claims).bind(args.bind);
    if let Some(request_token) = &args.request_token {
        token = token.request_token(request_token.clone());
    }
    for _ in 0..args.token_pending {
        token = token.behaviour(Behaviour::pending());
    }
    if let Some(tls) = &tls {
        token = token.tls(tls.clone());
    }
    let token = token.start().context("starting the token endpoint")?;

    let mut sts = Sts::builder()
        .role_max_session_duration(args.role_max_session)
        .bind(args.bind);
    if let Some(sub) = &args.trust_sub {
        sts = sts.trust(require_claim("sub", sub));
    }
    for name in &args.sts_errors {
        sts = sts.fault(sts_error(name)?.fault());
    }
    if let Some(tls) = &tls {
        sts = sts.tls(tls.clone());
    }
    let sts = sts.start().context("starting STS")?;

    let ready = json!({
        "token_url": token.url(),
        "request_token": token.request_token(),
        "sts_url": sts.url(),
        "jwks_url": token.jwks_url(),
        "issuer": token.issuer().iss(),
        "role_arn": DEMO_ROLE_ARN,
        "region": DEMO_REGION,
        "ca_pem": ca.as_ref().map(TestCa::cert_pem),
        "ca_file": args.ca_file.as_ref().map(|p| p.display().to_string()),
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{ready}").context("writing the ready line")?;
    stdout.flush().context("writing the ready line")?;
    drop(stdout);

    let (stdin_closed, closed) = tokio::sync::oneshot::channel::<()>();
    // Without a pipe to watch, the sender stays here so that `closed` never resolves.
    let _never_closed = if stdin_is_a_pipe() {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            let _ = stdin_closed.send(());
        });
        None
    } else {
        Some(stdin_closed)
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("listening for SIGTERM")?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
        _ = closed => {}
    }
    eprintln!(
        "stand-ins: stopping after {} token request(s) and {} STS call(s)",
        token.calls(),
        sts.calls()
    );
    Ok(())
}
