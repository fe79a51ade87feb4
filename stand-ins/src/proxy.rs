//! An HTTP proxy stand-in: `CONNECT host:port` tunnels and absolute-form plain-HTTP forwarding,
//! recording every target and `Proxy-Authorization`; modes for the failures a corporate proxy
//! produces (407, an HTML page instead of a tunnel).
//!
//! It only ever connects to loopback: a target is reached through a route added with
//! [`ConnectProxyBuilder::route`] (so real-looking host names such as
//! `sts.us-east-1.amazonaws.com:443` can lead to a stand-in), or directly when it is a loopback
//! address or `localhost`. Anything else gets `502`.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::body::Body;
use crate::record::{RecordedRequest, Recorder, lock};
use crate::server::{self, LOOPBACK, MAX_REQUEST_BODY, ResponseFuture, Server, Service};
use crate::sts_xml::html_page;

/// What the proxy does with each request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyMode {
    /// Tunnels and forwards.
    Pass,
    /// Like `Pass` when `Proxy-Authorization: Basic base64(user:password)` is sent, else 407.
    RequireAuth {
        /// The expected user.
        user: String,
        /// The expected password.
        password: String,
    },
    /// Answers an HTML page with this status instead of tunnelling. For `CONNECT` with a 2xx
    /// status the tunnel "opens" and the HTML arrives inside it (what a captive portal does).
    AnswerHtml(u16),
    /// `407 Proxy Authentication Required` to everything.
    Status407,
}

/// Configures a [`ConnectProxy`] before it starts.
pub struct ConnectProxyBuilder {
    mode: ProxyMode,
    routes: HashMap<String, SocketAddr>,
    bind: IpAddr,
}

impl Default for ConnectProxyBuilder {
    fn default() -> Self {
        ConnectProxyBuilder {
            mode: ProxyMode::Pass,
            routes: HashMap::new(),
            bind: LOOPBACK,
        }
    }
}

impl ConnectProxyBuilder {
    /// The mode (default [`ProxyMode::Pass`]).
    pub fn mode(mut self, mode: ProxyMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sends requests for `host_port` (e.g. `sts.us-east-1.amazonaws.com:443`) to `to`.
    pub fn route(mut self, host_port: &str, to: SocketAddr) -> Self {
        self.routes.insert(host_port.to_ascii_lowercase(), to);
        self
    }

    /// Binds another address than 127.0.0.1.
    pub fn bind(mut self, ip: IpAddr) -> Self {
        self.bind = ip;
        self
    }

    /// Starts serving.
    pub fn start(self) -> io::Result<ConnectProxy> {
        let state = Arc::new(ProxyState {
            mode: Mutex::new(self.mode),
            routes: Mutex::new(self.routes),
            recorder: Recorder::default(),
            calls: AtomicUsize::new(0),
        });
        let service_state = state.clone();
        let service: Service =
            Arc::new(move |req| -> ResponseFuture { Box::pin(handle(service_state.clone(), req)) });
        let server = Server::start("proxy", self.bind, None, service)?;
        Ok(ConnectProxy { server, state })
    }
}

/// A running proxy; dropping it stops the server and every tunnel.
pub struct ConnectProxy {
    server: Server,
    state: Arc<ProxyState>,
}

impl std::fmt::Debug for ConnectProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectProxy")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

struct ProxyState {
    mode: Mutex<ProxyMode>,
    routes: Mutex<HashMap<String, SocketAddr>>,
    recorder: Recorder,
    calls: AtomicUsize,
}

impl ConnectProxy {
    /// A passing proxy with no routes.
    ///
    /// # Panics
    /// If 127.0.0.1 cannot be bound.
    pub fn start() -> ConnectProxy {
        ConnectProxy::builder()
            .start()
            .expect("binding a loopback port for the proxy stand-in")
    }

    /// A builder with the defaults of [`ConnectProxy::start`].
    pub fn builder() -> ConnectProxyBuilder {
        ConnectProxyBuilder::default()
    }

    /// `http://127.0.0.1:PORT` (for `HTTPS_PROXY`).
    pub fn url(&self) -> String {
        server::base_url(self.server.addr(), false, None)
    }

    /// `http://user:password@127.0.0.1:PORT`, the userinfo percent-encoded.
    pub fn url_with_credentials(&self, user: &str, password: &str) -> String {
        let mut url = match url::Url::parse(&self.url()) {
            Ok(url) => url,
            Err(_) => return self.url(),
        };
        // Setting userinfo cannot fail on an http URL with a host.
        let _ = url.set_username(user);
        let _ = url.set_password(Some(password));
        url.as_str().trim_end_matches('/').to_owned()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Every request received, in order (`CONNECT` targets are `host:port`; forwarded ones
    /// are absolute URLs).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.all()
    }

    /// The `host:port` each request was for, in order.
    pub fn targets(&self) -> Vec<String> {
        self.requests().iter().map(target_host_port).collect()
    }

    /// The `Proxy-Authorization` of each request, in order.
    pub fn proxy_authorizations(&self) -> Vec<Option<String>> {
        self.requests()
            .iter()
            .map(|r| r.header("proxy-authorization").map(str::to_owned))
            .collect()
    }

    /// How many requests arrived.
    pub fn calls(&self) -> usize {
        self.state.calls.load(Ordering::SeqCst)
    }

    /// Changes the mode for the requests that follow.
    pub fn set_mode(&self, mode: ProxyMode) {
        *lock(&self.state.mode) = mode;
    }

    /// Adds a route (see [`ConnectProxyBuilder::route`]).
    pub fn route(&self, host_port: &str, to: SocketAddr) {
        lock(&self.state.routes).insert(host_port.to_ascii_lowercase(), to);
    }
}

/// `host:port` of a recorded proxy request.
fn target_host_port(request: &RecordedRequest) -> String {
    if request.method == "CONNECT" {
        return request.target.clone();
    }
    match url::Url::parse(&request.target) {
        Ok(url) => format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(80)
        ),
        Err(_) => request.target.clone(),
    }
}

type Response = hyper::Response<Body>;

fn html(status: u16) -> Response {
    server::respond(
        status,
        "text/html; charset=utf-8",
        Body::full(html_page(status)),
    )
}

fn status_407() -> Response {
    let mut response = html(407);
    response.headers_mut().insert(
        hyper::header::PROXY_AUTHENTICATE,
        hyper::header::HeaderValue::from_static("Basic realm=\"stand-in proxy\""),
    );
    response
}

fn bad_gateway(why: String) -> Response {
    server::respond(502, "text/plain; charset=utf-8", Body::full(why))
}

async fn handle(state: Arc<ProxyState>, req: Request<Incoming>) -> Response {
    state.calls.fetch_add(1, Ordering::SeqCst);
    let mode = lock(&state.mode).clone();
    let authorised = match &mode {
        ProxyMode::Status407 => false,
        ProxyMode::RequireAuth { user, password } => {
            let expected = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            );
            req.headers()
                .get(hyper::header::PROXY_AUTHORIZATION)
                .is_some_and(|v| v.as_bytes() == expected.as_bytes())
        }
        ProxyMode::Pass | ProxyMode::AnswerHtml(_) => true,
    };
    if req.method() == Method::CONNECT {
        state.recorder.push(server::record_head(&req, Vec::new()));
        if !authorised {
            return status_407();
        }
        connect(&state, req, mode).await
    } else {
        let (parts, body) = req.into_parts();
        let body = Limited::new(body, MAX_REQUEST_BODY)
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let req = Request::from_parts(parts, body);
        state
            .recorder
            .push(server::record_head(&req, req.body().to_vec()));
        if !authorised {
            return status_407();
        }
        match mode {
            ProxyMode::AnswerHtml(status) => html(status),
            _ => forward(&state, req).await,
        }
    }
}

impl ProxyState {
    /// Where a `host:port` leads, if the proxy may go there.
    fn resolve(&self, host_port: &str) -> Option<SocketAddr> {
        if let Some(addr) = lock(&self.routes).get(&host_port.to_ascii_lowercase()) {
            return Some(*addr);
        }
        let (host, port) = host_port.rsplit_once(':')?;
        let port: u16 = port.parse().ok()?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let ip = if host.eq_ignore_ascii_case("localhost") {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            host.parse::<IpAddr>().ok()?
        };
        ip.is_loopback().then_some(SocketAddr::new(ip, port))
    }
}

async fn connect(state: &ProxyState, mut req: Request<Incoming>, mode: ProxyMode) -> Response {
    let target = req
        .uri()
        .authority()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let on_upgrade = hyper::upgrade::on(&mut req);
    if let ProxyMode::AnswerHtml(status) = mode {
        if !(200..300).contains(&status) {
            return html(status);
        }
        tokio::spawn(async move {
            if let Ok(upgraded) = on_upgrade.await {
                let mut io = TokioIo::new(upgraded);
                let page = html_page(status);
                let answer = format!(
                    "HTTP/1.1 {status} OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = io.write_all(answer.as_bytes()).await;
                let _ = io.shutdown().await;
            }
        });
        return server::respond(200, "", Body::empty());
    }
    let Some(addr) = state.resolve(&target) else {
        return bad_gateway(format!(
            "stand-in proxy: no route to {target} (only loopback and routed hosts)"
        ));
    };
    let upstream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => return bad_gateway(format!("stand-in proxy: connecting to {target}: {e}")),
    };
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let mut client = TokioIo::new(upgraded);
            let mut upstream = upstream;
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        }
    });
    server::respond(200, "", Body::empty())
}

/// Headers a proxy must not pass on.
const HOP_BY_HOP: [&str; 6] = [
    "proxy-authorization",
    "proxy-connection",
    "connection",
    "keep-alive",
    "te",
    "upgrade",
];

async fn forward(state: &ProxyState, req: Request<Bytes>) -> Response {
    let uri = req.uri().clone();
    if uri.scheme_str() != Some("http") {
        return server::respond(
            400,
            "text/plain",
            Body::full("stand-in proxy: absolute-form http:// URLs only; use CONNECT for https"),
        );
    }
    let host_port = format!(
        "{}:{}",
        uri.host().unwrap_or_default(),
        uri.port_u16().unwrap_or(80)
    );
    let Some(addr) = state.resolve(&host_port) else {
        return bad_gateway(format!(
            "stand-in proxy: no route to {host_port} (only loopback and routed hosts)"
        ));
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let (parts, body) = req.into_parts();
    let mut outgoing = Request::new(Body::full(body));
    *outgoing.method_mut() = parts.method;
    if let Ok(path) = path.parse() {
        *outgoing.uri_mut() = path;
    }
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            outgoing.headers_mut().append(name, value.clone());
        }
    }
    let stream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => return bad_gateway(format!("stand-in proxy: connecting to {host_port}: {e}")),
    };
    let (mut sender, conn) = match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    {
        Ok(pair) => pair,
        Err(e) => return bad_gateway(format!("stand-in proxy: talking to {host_port}: {e}")),
    };
    tokio::spawn(conn);
    match sender.send_request(outgoing).await {
        Ok(response) => response.map(Body::Upstream),
        Err(e) => bad_gateway(format!("stand-in proxy: forwarding to {host_port}: {e}")),
    }
}

#[cfg(test)]
mod tests;
