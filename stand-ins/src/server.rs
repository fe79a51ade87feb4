//! The one way every stand-in serves: a loopback listener on port 0, an optional TLS layer, hyper
//! HTTP/1.1, on a runtime of its own in a thread of its own.
//!
//! A runtime of its own lets the stand-ins serve while a test blocks (e.g. on
//! `std::process::Command::output` running the real binary) and from sync tests; dropping the
//! handle stops the thread and cancels every connection, hung ones included.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::body::Body;
use crate::record::RecordedRequest;

/// The largest request body a stand-in reads (STS bodies are tens of KiB).
pub(crate) const MAX_REQUEST_BODY: usize = 4 * 1024 * 1024;

/// The loopback address every stand-in binds by default.
pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

pub(crate) type ResponseFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;
pub(crate) type Service = Arc<dyn Fn(Request<Incoming>) -> ResponseFuture + Send + Sync>;

/// Asked when a connection opens: whether it gets a raw answer instead of HTTP service.
pub(crate) type RawHook = Arc<dyn Fn() -> Option<RawAnswer> + Send + Sync>;

/// Answers no HTTP library would send, written on the connection itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawAnswer {
    /// Reads the request head, then `200` with chunked transfer encoding whose chunk-size
    /// lines announce 16 bytes for chunks of 64, without end (until the client goes away).
    BrokenChunksForever,
}

/// A running listener; dropping it stops the server.
pub(crate) struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `bind:0` and serves `service` on every connection until dropped.
    pub(crate) fn start(
        name: &str,
        bind: IpAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
        service: Service,
    ) -> io::Result<Server> {
        Server::start_with_raw(name, bind, tls, service, None)
    }

    /// [`Server::start`], asking `raw` on every new connection whether to answer it raw.
    pub(crate) fn start_with_raw(
        name: &str,
        bind: IpAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
        service: Service,
        raw: Option<RawHook>,
    ) -> io::Result<Server> {
        let listener = std::net::TcpListener::bind(SocketAddr::new(bind, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (shutdown, stop) = oneshot::channel();
        let acceptor = tls.map(TlsAcceptor::from);
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let thread = std::thread::Builder::new()
            .name(format!("stand-in {name}"))
            .spawn(move || {
                runtime.block_on(accept_loop(listener, acceptor, service, raw, counter, stop));
                // Dropping the runtime here cancels every connection task still running.
                drop(runtime);
            })?;
        Ok(Server {
            addr,
            connections,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far, TLS handshakes that failed included.
    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: std::net::TcpListener,
    acceptor: Option<TlsAcceptor>,
    service: Service,
    raw: Option<RawHook>,
    connections: Arc<AtomicUsize>,
    mut stop: oneshot::Receiver<()>,
) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                connections.fetch_add(1, Ordering::SeqCst);
                let answer = raw.as_ref().and_then(|hook| hook());
                tokio::spawn(serve_stream(stream, acceptor.clone(), service.clone(), answer));
            }
        }
    }
}

async fn serve_stream(
    stream: TcpStream,
    acceptor: Option<TlsAcceptor>,
    service: Service,
    raw: Option<RawAnswer>,
) {
    let _ = stream.set_nodelay(true);
    match acceptor {
        // A failed handshake (wrong name, unknown CA) is the client's business: just close.
        Some(acceptor) => {
            if let Ok(tls) = acceptor.accept(stream).await {
                serve_or_answer_raw(tls, service, raw).await;
            }
        }
        None => serve_or_answer_raw(stream, service, raw).await,
    }
}

async fn serve_or_answer_raw<I>(io: I, service: Service, raw: Option<RawAnswer>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    match raw {
        Some(answer) => answer_raw(io, answer).await,
        None => serve_io(io, service).await,
    }
}

async fn answer_raw<I>(mut io: I, answer: RawAnswer)
where
    I: AsyncRead + AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The request head, up to its blank line (the token request has no body).
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match io.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    match answer {
        RawAnswer::BrokenChunksForever => {
            let status = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if io.write_all(status).await.is_err() {
                return;
            }
            let chunk = format!("10\r\n{}\r\n", "a".repeat(64));
            while io.write_all(chunk.as_bytes()).await.is_ok() {}
        }
    }
}

async fn serve_io<I>(io: I, service: Service)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = service_fn(move |req| {
        let fut = service(req);
        async move { Ok::<_, Infallible>(fut.await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), svc)
        .with_upgrades()
        .await;
}

/// Reads the whole request (body capped) and turns it into a record.
pub(crate) async fn read_request(req: Request<Incoming>) -> RecordedRequest {
    let (parts, body) = req.into_parts();
    let body = Limited::new(body, MAX_REQUEST_BODY)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_else(|_| Bytes::new());
    record_head(&Request::from_parts(parts, ()), body.to_vec())
}

/// A record of a request's head plus the given body.
pub(crate) fn record_head<B>(req: &Request<B>, body: Vec<u8>) -> RecordedRequest {
    let target = if req.method() == hyper::Method::CONNECT {
        req.uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_else(|| req.uri().to_string())
    } else {
        req.uri().to_string()
    };
    RecordedRequest {
        method: req.method().to_string(),
        target,
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    }
}

/// A response with a status, a content type and a body.
pub(crate) fn respond(status: u16, content_type: &str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if !content_type.is_empty()
        && let Ok(value) = hyper::header::HeaderValue::from_str(content_type)
    {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

/// The base URL (`scheme://host:port`) of a server.
pub(crate) fn base_url(addr: SocketAddr, tls: bool, host: Option<&str>) -> String {
    let scheme = if tls { "https" } else { "http" };
    match host {
        Some(host) => format!("{scheme}://{host}:{}", addr.port()),
        None => format!("{scheme}://{addr}"),
    }
}

/// Waits forever: a connection that never gets its answer (ended when the server is dropped).
pub(crate) async fn never() -> Response<Body> {
    std::future::pending::<()>().await;
    Response::new(Body::empty())
}
