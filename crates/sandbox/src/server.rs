//! The HTTP server: accepts connections up to a cap and closes those that
//! stall.
//!
//! `axum::serve` has no timeouts, so a client that opens connections and
//! never finishes a request head would hold them (and their file
//! descriptors) for ever. Here every connection has a watchdog:
//!
//! - a request head must arrive within [`Limits::header_read_timeout`] of
//!   its first byte;
//! - a connection with no request in progress is closed after
//!   [`Limits::idle_timeout`];
//! - at most [`Limits::max_connections`] are served at once; the accept
//!   loop waits for a free slot, so further clients wait in the kernel's
//!   listen backlog instead of taking file descriptors.
//!
//! The request timeout is a route layer (see [`crate::app`]), so its answer
//! is the documented JSON error body.
//!
//! The server speaks HTTP/1.1. A client that opens with the HTTP/2
//! preface (prior knowledge) is answered in HTTP/2: the server's SETTINGS,
//! then GOAWAY with `HTTP_1_1_REQUIRED` (RFC 9113, section 13); any other
//! bytes that are not HTTP/1.1 get hyper's 400.

use std::{
    io,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use axum::Router;
use hyper_util::{rt::TokioIo, service::TowerToHyperService};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{Semaphore, watch},
    time::Instant,
};

use crate::Limits;

/// Where a connection is in its life, for the watchdog.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// No request in progress since this instant.
    Idle(Instant),
    /// The first bytes of a request head came at this instant.
    ReadingHead(Instant),
    /// This many requests are being handled.
    Busy(usize),
}

/// What the watchdog reads and the stream and the service write.
struct Activity {
    phase: Mutex<Phase>,
}

impl Activity {
    fn update(&self, change: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().unwrap_or_else(|p| p.into_inner());
        *phase = change(*phase);
    }

    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When the connection must be closed, if nothing happens before.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        match self.phase() {
            Phase::Idle(since) => Some(since + limits.idle_timeout),
            Phase::ReadingHead(since) => Some(since + limits.header_read_timeout),
            Phase::Busy(_) => None,
        }
    }
}

/// A TCP stream that tells [`Activity`] when a request head begins.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.update(|phase| match phase {
                Phase::Idle(_) => Phase::ReadingHead(Instant::now()),
                other => other,
            });
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Marks the connection busy while a request is handled.
struct BusyGuard(Arc<Activity>);

impl BusyGuard {
    fn new(activity: Arc<Activity>) -> Self {
        activity.update(|phase| match phase {
            Phase::Busy(n) => Phase::Busy(n + 1),
            _ => Phase::Busy(1),
        });
        Self(activity)
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.update(|phase| match phase {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle(Instant::now()),
        });
    }
}

/// Completes once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// Serves `router` on `listener` under `limits` until `stop` turns true,
/// then lets each connection finish its request in progress and returns
/// when all are closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = stopped(&mut stop) => break,
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors or a connection reset before
                    // it was accepted: wait a little, do not spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            connection(stream, router, limits, stop).await;
            drop(permit);
        });
    }
    // Every connection holds a slot: all slots free means all closed.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
    Ok(())
}

/// The start of the HTTP/2 client preface (`PRI * HTTP/2.0`); no
/// HTTP/1.1 request starts with it.
const HTTP2_PREFACE_START: &[u8] = b"PRI ";

/// Whether the client's first bytes are the HTTP/2 preface (read without
/// taking them from the stream).
async fn opens_with_http2(stream: &TcpStream) -> bool {
    let mut first = [0u8; HTTP2_PREFACE_START.len()];
    loop {
        let Ok(seen) = stream.peek(&mut first).await else {
            return false;
        };
        if seen == 0 || !HTTP2_PREFACE_START.starts_with(&first[..seen]) {
            return false;
        }
        if seen == first.len() {
            return true;
        }
        // Part of it so far: wait for the rest.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Answers an HTTP/2 client that HTTP/1.1 is required, then closes.
async fn refuse_http2(stream: &mut TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // An empty SETTINGS frame (the server's preface), then GOAWAY: last
    // stream 0, error HTTP_1_1_REQUIRED (0xd).
    const FRAMES: [u8; 26] = [
        0, 0, 0, 4, 0, 0, 0, 0, 0, // SETTINGS, no parameters
        0, 0, 8, 7, 0, 0, 0, 0, 0, // GOAWAY, 8 bytes, stream 0
        0, 0, 0, 0, 0, 0, 0, 0x0d, // last stream id, error code
    ];
    if stream.write_all(&FRAMES).await.is_err() || stream.shutdown().await.is_err() {
        return;
    }
    // Read what the client sent until it closes (briefly), so the close is
    // clean and the frames are read rather than reset away.
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// Serves one connection until it ends, stalls past a limit, or the
/// server stops.
async fn connection(
    mut stream: TcpStream,
    router: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    tokio::select! {
        opens = tokio::time::timeout(limits.header_read_timeout, opens_with_http2(&stream)) => {
            if opens.unwrap_or(false) {
                refuse_http2(&mut stream).await;
                return;
            }
        }
        () = stopped(&mut stop) => return,
    }
    let activity = Arc::new(Activity {
        phase: Mutex::new(Phase::Idle(Instant::now())),
    });
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        let inner = TowerToHyperService::new(router);
        hyper::service::service_fn(move |request| {
            let guard = BusyGuard::new(activity.clone());
            let call = hyper::service::Service::call(&inner, request);
            async move {
                let response = call.await;
                drop(guard);
                response
            }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        let deadline = activity.deadline(&limits);
        let expired = async {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => {
                    tokio::time::sleep(limits.idle_timeout.min(limits.header_read_timeout)).await
                }
            }
        };
        tokio::select! {
            _ = connection.as_mut() => return,
            () = expired => {
                if activity.deadline(&limits).is_some_and(|d| d <= Instant::now()) {
                    // Stalled: dropping the connection closes the socket.
                    return;
                }
            }
            () = stopped(&mut stop), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}
