//! Response bodies that misbehave on purpose: trickling, endless, cut off. hyper sends them
//! like any body, which keeps every fault inside one HTTP implementation.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use tokio::time::Sleep;

/// How big an endless body's chunks are.
const ENDLESS_CHUNK: usize = 64 * 1024;

/// How long a cut-off body waits before failing (hyper flushes while the body is pending).
const CUT_PAUSE: Duration = Duration::from_millis(50);

/// A response body of one of the stand-ins.
pub(crate) enum Body {
    /// All at once (hyper sends `Content-Length`).
    Full(Option<Bytes>),
    /// One byte per `interval`, with `Content-Length` of the whole.
    Trickle {
        data: Bytes,
        interval: Duration,
        sleep: Option<Pin<Box<Sleep>>>,
    },
    /// `prefix`, then `filler` chunks forever (chunked transfer encoding).
    Endless {
        prefix: Option<Bytes>,
        filler: Bytes,
    },
    /// Announces `declared` bytes, sends `data` (fewer), pauses so that hyper flushes what it
    /// has, then fails, which makes hyper drop the connection: the client sees a body cut short.
    CutOff {
        data: Option<Bytes>,
        declared: u64,
        pause: Option<Pin<Box<Sleep>>>,
    },
    /// A body streamed from an upstream server (the proxy's plain-HTTP forwarding).
    Upstream(Incoming),
}

impl Body {
    pub(crate) fn full(data: impl Into<Bytes>) -> Self {
        Body::Full(Some(data.into()))
    }

    pub(crate) fn empty() -> Self {
        Body::Full(None)
    }

    pub(crate) fn trickle(data: impl Into<Bytes>, interval: Duration) -> Self {
        Body::Trickle {
            data: data.into(),
            interval,
            sleep: None,
        }
    }

    pub(crate) fn endless(prefix: impl Into<Bytes>, fill: u8) -> Self {
        Body::Endless {
            prefix: Some(prefix.into()),
            filler: Bytes::from(vec![fill; ENDLESS_CHUNK]),
        }
    }

    pub(crate) fn cut_off(data: impl Into<Bytes>, declared: u64) -> Self {
        Body::CutOff {
            data: Some(data.into()),
            declared,
            pause: None,
        }
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Trickle {
                data,
                interval,
                sleep,
            } => {
                if data.is_empty() {
                    return Poll::Ready(None);
                }
                let timer = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*interval)));
                ready!(timer.as_mut().poll(cx));
                *sleep = None;
                Poll::Ready(Some(Ok(Frame::data(data.split_to(1)))))
            }
            Body::Endless { prefix, filler } => {
                let chunk = prefix.take().unwrap_or_else(|| filler.clone());
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Body::CutOff { data, pause, .. } => {
                if let Some(d) = data.take() {
                    return Poll::Ready(Some(Ok(Frame::data(d))));
                }
                let timer = pause.get_or_insert_with(|| Box::pin(tokio::time::sleep(CUT_PAUSE)));
                ready!(timer.as_mut().poll(cx));
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "stand-in cut the body short on purpose",
                ))))
            }
            Body::Upstream(incoming) => Pin::new(incoming).poll_frame(cx).map_err(io::Error::other),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Full(data) => data.is_none(),
            Body::Trickle { data, .. } => data.is_empty(),
            Body::Endless { .. } | Body::CutOff { .. } => false,
            Body::Upstream(incoming) => incoming.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            Body::Trickle { data, .. } => SizeHint::with_exact(data.len() as u64),
            Body::Endless { .. } => SizeHint::default(),
            Body::CutOff { declared, .. } => SizeHint::with_exact(*declared),
            Body::Upstream(incoming) => incoming.size_hint(),
        }
    }
}
