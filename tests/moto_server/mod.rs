//! moto's STS, started as a separate server for one test: an STS implementation nobody here
//! wrote. It speaks the real wire format (awsQuery form in, XML out) but validates nothing on
//! `AssumeRoleWithWebIdentity`: any token, role, duration or session name is accepted and no error
//! path exists. So it checks our requests and the parsing of its answers; the error paths stay
//! with the stand-ins.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to import and bind (it is slow on a busy machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `moto_server`, killed when dropped.
pub struct MotoServer {
    child: Child,
    addr: SocketAddr,
}

impl MotoServer {
    /// Starts `.venv/bin/moto_server` (installed by `scripts/install-test-deps`) on a free
    /// loopback port and waits until it accepts connections.
    ///
    /// # Panics
    /// When moto is not installed or does not come up: the test needs it, so it fails loudly.
    pub fn start() -> MotoServer {
        let program = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
        assert!(
            program.exists(),
            "{} is missing: run scripts/install-test-deps (scripts/test does)",
            program.display()
        );
        let addr = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &addr.port().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", program.display()));
        let mut server = MotoServer { child, addr };
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
