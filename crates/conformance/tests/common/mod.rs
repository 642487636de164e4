//! Servers for the end-to-end tests: the sandbox (the correct server),
//! started in-process on 127.0.0.1, and a proxy in front of it that alters
//! real requests and responses to break the contract on purpose.
#![allow(dead_code)]

use std::{future::Future, sync::Arc, time::Duration};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::Response,
};
use connections_conformance::{
    Contract,
    live::{LiveConfig, run_live},
    report::{Check, FailureKind, Report},
};
use connections_sandbox::{OutboundPolicy, RunningSandbox, Sandbox, SandboxConfig};
use serde_json::Value;
use tokio::{net::TcpListener, task::JoinHandle};

/// The token the test sandboxes accept.
pub const TOKEN: &str = "conformance-test-token-5f0c2a9e";

/// Every test is bounded in time.
pub const TEST_LIMIT: Duration = Duration::from_secs(120);

/// Runs a test body with the time limit.
pub async fn bounded<T>(body: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, body)
        .await
        .expect("the test took longer than its limit")
}

/// A sandbox on a free loopback port with an in-memory database; its
/// connection tests may reach loopback (the suite's probe is the sandbox
/// itself).
pub async fn start_sandbox() -> RunningSandbox {
    let config = SandboxConfig {
        token: Some(TOKEN.to_string()),
        outbound: OutboundPolicy {
            loopback_only: true,
            ..OutboundPolicy::default()
        },
        ..SandboxConfig::ephemeral()
    };
    Sandbox::start(config).await.expect("the sandbox starts")
}

/// The committed contract.
pub fn contract() -> Contract {
    Contract::from_json(connections_conformance::COMMITTED_DOCUMENT).unwrap()
}

/// Runs the live suite against `base_url`.
pub async fn run_suite(base_url: &str, read_only: bool) -> Report {
    let mut config = LiveConfig::new(base_url.parse().unwrap(), TOKEN);
    config.read_only = read_only;
    config.timeout = Duration::from_secs(20);
    // The scripted scenario (the generative phases have their own tests).
    config.generative.phases = [connections_conformance::phases::Phase::Stateful]
        .into_iter()
        .collect();
    run_live(&contract(), &config, |_| {})
        .await
        .expect("the suite runs")
}

/// A request as the proxy received it.
#[derive(Clone, Debug)]
pub struct ProxiedRequest {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
}

/// A response the proxy is about to send back.
#[derive(Clone, Debug)]
pub struct ProxiedResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Send the body in chunks (`Transfer-Encoding: chunked`, no
    /// `Content-Length`).
    pub chunked: bool,
}

impl ProxiedResponse {
    /// The body as JSON, when it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Replaces the body with JSON.
    pub fn set_json(&mut self, value: &Value) {
        self.body = serde_json::to_vec(value).unwrap();
    }
}

type RequestEdit = Arc<dyn Fn(&mut ProxiedRequest) + Send + Sync>;
type ResponseEdit = Arc<dyn Fn(&ProxiedRequest, &mut ProxiedResponse) + Send + Sync>;

/// How the proxy breaks the contract.
#[derive(Clone)]
pub struct Breakage {
    pub request: RequestEdit,
    pub response: ResponseEdit,
}

impl Breakage {
    /// Forwards everything unchanged.
    pub fn none() -> Self {
        Self {
            request: Arc::new(|_| {}),
            response: Arc::new(|_, _| {}),
        }
    }

    /// Alters responses.
    pub fn response(
        edit: impl Fn(&ProxiedRequest, &mut ProxiedResponse) + Send + Sync + 'static,
    ) -> Self {
        Self {
            response: Arc::new(edit),
            ..Self::none()
        }
    }

    /// Alters requests before they are forwarded.
    pub fn request(edit: impl Fn(&mut ProxiedRequest) + Send + Sync + 'static) -> Self {
        Self {
            request: Arc::new(edit),
            ..Self::none()
        }
    }
}

#[derive(Clone)]
struct ProxyState {
    upstream: String,
    client: reqwest::Client,
    breakage: Breakage,
}

/// A running proxy.
pub struct Proxy {
    pub base_url: String,
    task: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a proxy on a free loopback port that forwards to `upstream`.
pub async fn start_proxy(upstream: &str, breakage: Breakage) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let state = ProxyState {
        upstream: upstream.trim_end_matches('/').to_string(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        breakage,
    };
    let router = Router::new().fallback(forward).with_state(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Proxy { base_url, task }
}

async fn forward(State(state): State<ProxyState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 16 * 1024 * 1024).await.unwrap();
    let mut proxied = ProxiedRequest {
        method: parts.method.clone(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        headers: parts.headers.clone(),
    };
    (state.breakage.request)(&mut proxied);
    let mut upstream = state
        .client
        .request(
            proxied.method.clone(),
            format!("{}{}", state.upstream, proxied.path),
        )
        .body(body.to_vec());
    for (name, value) in &proxied.headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.unwrap();
    let mut response = ProxiedResponse {
        status: answer.status(),
        headers: answer.headers().clone(),
        body: answer.bytes().await.unwrap().to_vec(),
        chunked: false,
    };
    (state.breakage.response)(&proxied, &mut response);
    let mut builder = Response::builder().status(response.status);
    for (name, value) in &response.headers {
        if name != header::CONTENT_LENGTH && name != header::TRANSFER_ENCODING {
            builder = builder.header(name, value);
        }
    }
    if response.chunked {
        let halves: Vec<Result<Vec<u8>, std::io::Error>> = {
            let middle = response.body.len() / 2;
            vec![
                Ok(response.body[..middle].to_vec()),
                Ok(response.body[middle..].to_vec()),
            ]
        };
        return builder
            .body(Body::from_stream(futures_util::stream::iter(halves)))
            .unwrap();
    }
    builder.body(Body::from(response.body)).unwrap()
}

/// Whether a request is `METHOD` on a path matching `path` (`*` matches
/// one segment), query ignored.
pub fn is(request: &ProxiedRequest, method: &str, path: &str) -> bool {
    if request.method.as_str() != method {
        return false;
    }
    let actual = request.path.split('?').next().unwrap_or_default();
    let got: Vec<&str> = actual.split('/').collect();
    let want: Vec<&str> = path.split('/').collect();
    got.len() == want.len() && got.iter().zip(&want).all(|(g, w)| *w == "*" || g == w)
}

/// Sets a header.
pub fn set_header(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    headers.insert(name, HeaderValue::from_str(value).unwrap());
}

/// The failed checks of an operation.
pub fn failed_checks<'a>(report: &'a Report, operation: &str) -> Vec<&'a Check> {
    report
        .checks
        .iter()
        .filter(|c| c.failed() && c.operation_id.as_deref() == Some(operation))
        .collect()
}

/// Whether any failure of `operation` has this kind and satisfies `test`.
pub fn has_failure(
    report: &Report,
    operation: &str,
    kind: FailureKind,
    test: impl Fn(&connections_conformance::report::Failure) -> bool,
) -> bool {
    failed_checks(report, operation)
        .iter()
        .flat_map(|c| c.failures.iter())
        .any(|f| f.kind == kind && test(f))
}

/// Every failure, for assertion messages.
pub fn describe(report: &Report) -> String {
    report.render(connections_conformance::report::Format::Human)
}
