//! moto's STS, started as a separate server for one test: an STS implementation nobody here
//! wrote. It speaks the real wire format (awsQuery form in, XML out) but validates nothing on
//! `AssumeRoleWithWebIdentity`: any token, role, duration or session name is accepted and no error
//! path exists. So it checks our requests and the parsing of its answers; the error paths stay
//! with the stand-ins. Its request recorder shows what reached it.

// Shared by several test binaries; each uses a part of it.
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to import and bind (it is slow on a busy machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `moto_server`, killed when dropped.
pub struct MotoServer {
    child: Child,
    addr: SocketAddr,
    recording: Option<PathBuf>,
}

/// One request as moto received it (from its request recorder).
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `POST`, `GET`, ...
    pub method: String,
    /// The URL, as received.
    pub url: String,
    /// The body, decoded.
    pub body: Vec<u8>,
}

impl MotoServer {
    /// Starts `.venv/bin/moto_server` (installed by `scripts/install-test-deps`) on a free
    /// loopback port and waits until it accepts connections.
    ///
    /// # Panics
    /// When moto is not installed or does not come up: the test needs it, so it fails loudly.
    pub fn start() -> MotoServer {
        MotoServer::start_with(None)
    }

    /// Starts moto with its request recorder on (`MOTO_ENABLE_RECORDING`): every request it
    /// receives is appended to `recording` (one JSON object a line, moto's format), so a test
    /// can read back what reached moto, byte for byte.
    pub fn start_recording(recording: &Path) -> MotoServer {
        MotoServer::start_with(Some(recording.to_path_buf()))
    }

    /// The requests moto received so far, in order (only for [`MotoServer::start_recording`]).
    pub fn recorded(&self) -> Vec<RecordedRequest> {
        use base64::Engine as _;
        let path = self
            .recording
            .as_ref()
            .expect("moto was started with start_recording");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .map(|line| {
                let entry: serde_json::Value =
                    serde_json::from_str(line).expect("moto's recording is JSON lines");
                let body = entry["body"].as_str().unwrap_or_default();
                let body = if entry["body_encoded"] == true {
                    base64::engine::general_purpose::STANDARD
                        .decode(body)
                        .expect("an encoded body is base64")
                } else {
                    body.as_bytes().to_vec()
                };
                RecordedRequest {
                    method: entry["method"].as_str().unwrap_or_default().to_string(),
                    url: entry["url"].as_str().unwrap_or_default().to_string(),
                    body,
                }
            })
            .collect()
    }

    fn start_with(recording: Option<PathBuf>) -> MotoServer {
        let program = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
        assert!(
            program.exists(),
            "{} is missing: run scripts/install-test-deps (scripts/test does)",
            program.display()
        );
        let addr = free_port();
        let mut command = Command::new(&program);
        command.args(["-H", "127.0.0.1", "-p", &addr.port().to_string()]);
        if let Some(path) = &recording {
            // moto/moto_api/_internal/recorder/models.py reads these two variables.
            command
                .env("MOTO_ENABLE_RECORDING", "True")
                .env("MOTO_RECORDER_FILEPATH", path);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", program.display()));
        let mut server = MotoServer {
            child,
            addr,
            recording,
        };
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("moto_server exited with {status} before accepting connections");
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "moto_server did not accept connections within {START_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
    listener.local_addr().expect("local address")
}
