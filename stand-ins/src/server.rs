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

/// A running listener; dropping it stops the server.
pub(crate) struct Server {
    addr: SocketAddr,
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
        let listener = std::net::TcpListener::bind(SocketAddr::new(bind, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (shutdown, stop) = oneshot::channel();
        let acceptor = tls.map(TlsAcceptor::from);
        let thread = std::thread::Builder::new()
            .name(format!("stand-in {name}"))
            .spawn(move || {
                runtime.block_on(accept_loop(listener, acceptor, service, stop));
                // Dropping the runtime here cancels every connection task still running.
                drop(runtime);
            })?;
        Ok(Server {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
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
                tokio::spawn(serve_stream(stream, acceptor.clone(), service.clone()));
            }
        }
    }
}

async fn serve_stream(stream: TcpStream, acceptor: Option<TlsAcceptor>, service: Service) {
    let _ = stream.set_nodelay(true);
    match acceptor {
        // A failed handshake (wrong name, unknown CA) is the client's business: just close.
        Some(acceptor) => {
            if let Ok(tls) = acceptor.accept(stream).await {
                serve_io(tls, service).await;
            }
        }
        None => serve_io(stream, service).await,
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
