//! A small HTTP service on 127.0.0.1 that connection tests call; it
//! records every request it receives.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::{any, post},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpSocket, TcpStream},
};

/// One request the target received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: String,
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// The token `/token` issues and `/protected` accepts.
pub const ISSUED_TOKEN: &str = "tok-123";
/// The client secret `/token` accepts.
pub const SECRET: &str = "s3cret";
/// Bytes `/big` sends.
pub const BIG_BODY: usize = 100 * 1024;

/// A running target.
pub struct Target {
    pub base: String,
    log: Log,
}

impl Target {
    pub async fn start() -> Self {
        let log: Log = Arc::default();
        let app = Router::new()
            .route("/echo", any(echo))
            .route("/token", post(token))
            .route("/token-echo", post(token_echo))
            .route("/mirror", any(mirror))
            .route("/protected", any(protected))
            .route("/slow", any(slow))
            .route("/big", any(big))
            .route("/redirect", any(redirect))
            .with_state(log.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, log }
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }
}

fn record(log: &Log, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) {
    log.lock().unwrap().push(Seen {
        method,
        uri,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
}

async fn echo(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&log, method, uri, headers, body);
    (
        StatusCode::ACCEPTED,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::HeaderName::from_static("x-target"), "yes"),
        ],
        "{\"message\":\"queued\"}",
    )
        .into_response()
}

async fn token(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    record(&log, method, uri, headers, body);
    if form.contains(&("client_secret".to_string(), SECRET.to_string())) {
        (
            [(header::CONTENT_TYPE, "application/json")],
            format!("{{\"access_token\":\"{ISSUED_TOKEN}\",\"token_type\":\"Bearer\",\"expires_in\":60}}"),
        )
            .into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "{\"error\":\"invalid_client\"}").into_response()
    }
}

/// A token endpoint that refuses every request and echoes it.
async fn token_echo(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let echoed = format!(
        "{{\"error\":\"invalid_client\",\"request\":{:?}}}",
        String::from_utf8_lossy(&body)
    );
    record(&log, method, uri, headers, body);
    (StatusCode::UNAUTHORIZED, echoed).into_response()
}

/// Answers 200 with the request's headers and body.
async fn mirror(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let echoed = format!("you sent {authorization:?}");
    record(&log, method, uri, headers, body);
    (
        [(header::HeaderName::from_static("x-you-sent"), authorization)],
        echoed,
    )
        .into_response()
}

async fn protected(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorized = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == format!("Bearer {ISSUED_TOKEN}").as_bytes());
    record(&log, method, uri, headers, body);
    if authorized {
        (StatusCode::OK, "welcome").into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "who are you").into_response()
    }
}

async fn slow(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&log, method, uri, headers, body);
    tokio::time::sleep(Duration::from_secs(20)).await;
    "too late".into_response()
}

async fn big(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&log, method, uri, headers, body);
    "a".repeat(BIG_BODY).into_response()
}

async fn redirect(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&log, method, uri, headers, body);
    (StatusCode::FOUND, [(header::LOCATION, "/echo")]).into_response()
}

/// A TCP server that answers every connection with bytes that are not HTTP.
pub async fn garbage_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await;
            let _ = socket.write_all(b"this is not HTTP at all\r\n\r\n").await;
            let _ = socket.shutdown().await;
        }
    });
    address
}

/// A port on 127.0.0.1 where nothing listens.
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    address
}

/// A listener whose accept queue is full, so a new connection attempt
/// hangs in the handshake (Linux drops the SYN). Keep the returned value
/// alive while using the address.
pub async fn full_backlog() -> (SocketAddr, TcpListenerHold) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let address = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..16 {
        match tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(address)).await {
            Ok(Ok(stream)) => fillers.push(stream),
            Ok(Err(e)) => panic!("filling the backlog failed: {e}"),
            Err(_) => {
                return (
                    address,
                    TcpListenerHold {
                        _listener: listener,
                        _fillers: fillers,
                    },
                );
            }
        }
    }
    panic!("the accept queue never filled");
}

/// Keeps a full listener and its queued connections alive.
pub struct TcpListenerHold {
    _listener: TcpListener,
    _fillers: Vec<TcpStream>,
}
