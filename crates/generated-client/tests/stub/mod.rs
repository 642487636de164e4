//! A scripted HTTP server on 127.0.0.1 for the client's tests: axum on a
//! free port, answering every request with `script(request, index)`, where
//! `index` counts the earlier requests with the same method and path. It
//! records each request and stops when the test's runtime ends.
//!
//! Each test file uses part of it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderName, HeaderValue, StatusCode},
    response::Response,
};
use tokio::net::TcpListener;

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The request line and the headers, one per line, as on the wire
    /// (`GET /v2/connections?limit=10 HTTP/1.1`, `authorization: Bearer …`).
    pub head: String,
    /// The body.
    pub body: String,
}

/// What to answer: a status, extra headers and a body, or hang up
/// without a response.
pub enum Answer {
    /// A response.
    Respond(u16, Vec<(&'static str, String)>, String),
    /// The connection is closed before any response.
    HangUp,
}

/// The server's behaviour.
pub type Script = Box<dyn Fn(&Seen, usize) -> Answer + Send + Sync>;

/// The log of the requests.
pub type Log = Arc<Mutex<Vec<Seen>>>;

#[derive(Clone)]
struct Shared {
    script: Arc<Script>,
    log: Log,
}

/// A JSON answer.
pub fn json(status: u16, body: &str) -> Answer {
    Answer::Respond(
        status,
        vec![("content-type", "application/json".into())],
        body.to_string(),
    )
}

/// Starts the server; returns its base URL and the log.
pub async fn serve(script: Script) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Log::default();
    let app = Router::new().fallback(answer).with_state(Shared {
        script: Arc::new(script),
        log: log.clone(),
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, log)
}

/// Answers the `n`-th request with the `n`-th of `responses` (JSON bodies).
pub async fn serve_in_order(responses: Vec<(u16, &'static str)>) -> (String, Log) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    serve(Box::new(move |_, _| {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        match responses.get(n) {
            Some((status, body)) => json(*status, body),
            None => json(
                500,
                "{\"status\":500,\"message\":\"no more scripted answers\"}",
            ),
        }
    }))
    .await
}

async fn answer(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut head = format!(
        "{} {} {:?}",
        parts.method,
        parts
            .uri
            .path_and_query()
            .map_or(parts.uri.path(), |p| p.as_str()),
        parts.version
    );
    for (name, value) in &parts.headers {
        head.push_str(&format!("\r\n{name}: {}", value.to_str().unwrap_or("?")));
    }
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        head,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let index = {
        let mut log = shared.log.lock().unwrap();
        let index = log
            .iter()
            .filter(|s| s.method == seen.method && s.path == seen.path)
            .count();
        log.push(seen.clone());
        index
    };
    match (shared.script)(&seen, index) {
        // Unwinding the connection's task drops the connection before any
        // response (resume_unwind runs no panic hook: nothing is printed).
        Answer::HangUp => std::panic::resume_unwind(Box::new("hang up")),
        Answer::Respond(status, headers, body) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            for (name, value) in headers {
                response.headers_mut().insert(
                    HeaderName::from_static(name),
                    HeaderValue::from_str(&value).unwrap(),
                );
            }
            response
        }
    }
}
