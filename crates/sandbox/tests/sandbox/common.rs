//! Helpers shared by the end-to-end tests.

use std::{future::Future, time::Duration};

use connections_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// The longest any single step of a test may take.
pub const STEP_LIMIT: Duration = Duration::from_secs(30);

/// Awaits `work`, failing the test instead of hanging.
pub async fn within<F: Future>(work: F) -> F::Output {
    tokio::time::timeout(STEP_LIMIT, work)
        .await
        .expect("the step finished in time")
}

/// A sandbox on a free port with an in-memory database.
pub async fn start() -> RunningSandbox {
    start_with(|_| {}).await
}

/// Like [`start`], with the configuration changed by `change`.
pub async fn start_with(change: impl FnOnce(&mut SandboxConfig)) -> RunningSandbox {
    let mut config = SandboxConfig::ephemeral();
    change(&mut config);
    within(Sandbox::start(config))
        .await
        .expect("the sandbox starts")
}

/// The generated client, authenticated with the sandbox's token.
pub fn client(sandbox: &RunningSandbox) -> connections_client::Client {
    connections_client::Client::with_bearer_token(sandbox.base_url(), sandbox.token()).unwrap()
}

/// A valid `ConnectionInput` body. Its URL is a loopback port where
/// nothing listens: a default sandbox refuses to test it, so no test ever
/// sends traffic beyond this machine.
pub fn input(name: &str) -> Value {
    json!({
        "name": name,
        "auth": {"authType": "NONE"},
        "request": {
            "requestType": "POST",
            "connectionUrl": "http://127.0.0.1:9/api/1.0/messages/send.json",
            "requestBody": "{\"key\":\"${key}\"}"
        },
        "systemType": "DATA_SYSTEM"
    })
}

/// [`input`] as the generated client's type.
pub fn typed_input(name: &str) -> connections_client::types::ConnectionInput {
    serde_json::from_value(input(name)).unwrap()
}

/// A response read by [`Raw`].
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

/// Plain HTTP against a sandbox, for what a typed client cannot send.
pub struct Raw {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Raw {
    pub fn new(sandbox: &RunningSandbox) -> Self {
        Self {
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            base: sandbox.base_url().to_string(),
            token: sandbox.token().to_string(),
        }
    }

    /// Sends a request with the sandbox's token.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Answer {
        let auth = format!("Bearer {}", self.token);
        self.call_with_auth(method, path, Some(&auth), content_type, body)
            .await
    }

    /// Sends a request with this `Authorization` header (none when `None`).
    pub async fn call_with_auth(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Answer {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let mut request = self
            .http
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
        if let Some(auth) = authorization {
            request = request.header("authorization", auth);
        }
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = within(request.send()).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = within(response.bytes()).await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// `POST`s JSON with `Content-Type: application/json`.
    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.call(
            "POST",
            path,
            Some("application/json"),
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    /// How many connections the sandbox holds.
    pub async fn total(&self) -> u64 {
        let answer = self.call("GET", "/v2/connections", None, None).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["total"].as_u64().unwrap()
    }
}

/// Asserts an `ErrorBody` with this status and code.
pub fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.body["status"], status, "{:?}", answer.body);
    assert_eq!(answer.body["code"], code, "{:?}", answer.body);
    assert!(
        answer.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{:?}",
        answer.body
    );
}
