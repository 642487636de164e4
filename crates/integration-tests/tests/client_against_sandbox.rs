//! `ConnectionsClient` end to end against the sandbox on 127.0.0.1: tokens
//! from `/oauth/token` (fetched once, renewed on expiry and once on 401,
//! one request for many tasks, no loop on a wrong secret), retries under
//! injected faults, errors with the documented body, paging.
//!
//! Each test starts its own sandbox (in-memory database, free port, fault
//! injection on), counts what the client sent through `/sandbox/stats`,
//! stops the sandbox, and is bounded by [`within`].

use std::{
    future::Future,
    time::{Duration, Instant},
};

use connections_client::{ConnectionsClient, ConnectionsError, RetryPolicy, TokenError, types};
use connections_sandbox::{
    RunningSandbox, Sandbox, SandboxConfig,
    faults::{FaultSpec, StatsBody},
};

/// Fails the test after 30 s instead of hanging.
async fn within<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), body)
        .await
        .expect("the test finished in time")
}

async fn start(token_ttl: Duration) -> RunningSandbox {
    Sandbox::start(SandboxConfig {
        token_ttl,
        enable_fault_injection: true,
        ..SandboxConfig::ephemeral()
    })
    .await
    .unwrap()
}

/// Small delays, so retries do not slow the tests down.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::new(4, Duration::from_millis(10), Duration::from_secs(5))
}

fn client_of(sandbox: &RunningSandbox, secret: &str, retry: RetryPolicy) -> ConnectionsClient {
    ConnectionsClient::builder()
        .base_url(sandbox.base_url())
        .client_credentials(sandbox.client_id(), secret)
        .token_url(format!("{}/oauth/token", sandbox.base_url()))
        .retry(retry)
        .build()
        .unwrap()
}

fn client(sandbox: &RunningSandbox) -> ConnectionsClient {
    client_of(sandbox, sandbox.client_secret(), quick_retries())
}

fn requests(stats: &StatsBody, key: &str) -> u64 {
    stats.requests.get(key).copied().unwrap_or(0)
}

async fn inject(
    sandbox: &RunningSandbox,
    method: &str,
    path: &str,
    status: u16,
    count: u32,
    retry_after: Option<u32>,
) {
    reqwest::Client::new()
        .post(format!("{}/sandbox/faults", sandbox.base_url()))
        .bearer_auth(sandbox.token())
        .json(&FaultSpec {
            method: Some(method.into()),
            path_prefix: path.into(),
            status,
            count,
            retry_after_seconds: retry_after,
        })
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

/// The documented example body, its request aimed at a closed port on
/// 127.0.0.1 so a connection test never leaves the machine.
fn example_input() -> types::ConnectionInput {
    let mut input: types::ConnectionInput = serde_json::from_str(include_str!(
        "../../spec/doc-examples/update-a-connection.request.json"
    ))
    .unwrap();
    input.request.connection_url = "http://127.0.0.1:9/hook".into();
    input
}

const LIST: &str = "GET /v2/connections";
const CREATE: &str = "POST /v2/connections";
const TOKEN: &str = "POST /oauth/token";

#[tokio::test]
async fn one_token_serves_every_operation() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = client(&sandbox);
        let created = client.create_connection(&example_input()).await.unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let retrieved = client.retrieve_connection(&created.ref_).await.unwrap();
        assert_eq!(retrieved.name, "Connect to Data System");
        let mut input = example_input();
        input.name = "Renamed".into();
        let updated = client
            .update_connection(&created.ref_, &input)
            .await
            .unwrap();
        assert_eq!(updated.name, "Renamed");
        let page = client.retrieve_connections(None, None).await.unwrap();
        assert_eq!(page.items.len(), 1);
        for _ in 0..5 {
            client.retrieve_connection(&created.ref_).await.unwrap();
        }
        let stats = sandbox.stats();
        assert_eq!(stats.tokens_issued, 1);
        assert_eq!(requests(&stats, TOKEN), 1);
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_expired_token_is_renewed_before_it_is_refused() {
    let sandbox = start(Duration::from_secs(1)).await;
    within(async {
        let client = client(&sandbox);
        client.retrieve_connections(None, None).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        client.retrieve_connections(None, None).await.unwrap();
        let stats = sandbox.stats();
        assert_eq!(stats.tokens_issued, 2);
        assert_eq!(requests(&stats, LIST), 2, "no request was refused first");
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_401_renews_the_token_once() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = client(&sandbox);
        client.retrieve_connections(None, None).await.unwrap();
        inject(&sandbox, "GET", "/v2/connections", 401, 1, None).await;
        let page = client.retrieve_connections(None, None).await.unwrap();
        assert!(page.items.is_empty());
        let stats = sandbox.stats();
        assert_eq!(stats.tokens_issued, 2);
        assert_eq!(requests(&stats, LIST), 3);
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_second_401_is_returned_not_looped() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = client(&sandbox);
        inject(&sandbox, "GET", "/v2/connections", 401, 5, None).await;
        let err = client.retrieve_connections(None, None).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        assert_eq!(err.error_body().map(|b| b.status), Some(401));
        let message = err.to_string();
        assert!(
            message.starts_with("retrieveConnections: 401 Unauthorized: injected fault"),
            "{message}"
        );
        assert!(
            message.contains("the access token was refused"),
            "{message}"
        );
        let stats = sandbox.stats();
        assert_eq!(stats.tokens_issued, 2, "one renewal");
        assert_eq!(requests(&stats, LIST), 2);
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_calls_on_a_fresh_client_request_one_token() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = client(&sandbox);
        let calls: Vec<_> = (0..50)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.retrieve_connections(None, None).await })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
        let stats = sandbox.stats();
        assert_eq!(stats.tokens_issued, 1);
        assert_eq!(requests(&stats, TOKEN), 1);
        assert_eq!(requests(&stats, LIST), 50);
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_wrong_secret_is_one_token_request_and_a_clear_error() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = client_of(&sandbox, "not-the-secret", quick_retries());
        let err = client.retrieve_connections(None, None).await.unwrap_err();
        assert!(
            matches!(
                err.token_error(),
                Some(TokenError::Rejected { status, error: Some(code), .. })
                    if status.as_u16() == 401 && code == "invalid_client"
            ),
            "{err:?}"
        );
        let message = err.to_string();
        let expected = format!(
            "token request to {}/oauth/token: 401 invalid_client",
            sandbox.base_url()
        );
        assert!(message.starts_with(&expected), "{message}");
        assert!(
            message.ends_with(": check the client id and secret"),
            "{message}"
        );
        assert_eq!(err.operation().as_str(), "retrieveConnections");
        let stats = sandbox.stats();
        assert_eq!(requests(&stats, TOKEN), 1, "no retry loop");
        assert_eq!(requests(&stats, LIST), 0, "no API call without a token");
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_503_is_retried_for_reads_updates_and_tests() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = client(&sandbox);
        let created = client.create_connection(&example_input()).await.unwrap();

        inject(&sandbox, "GET", "/v2/connections", 503, 2, None).await;
        client.retrieve_connections(None, None).await.unwrap();
        assert_eq!(requests(&sandbox.stats(), LIST), 3);

        let path = format!("/v2/connections/{}", created.ref_);
        inject(&sandbox, "PUT", &path, 503, 1, None).await;
        client
            .update_connection(&created.ref_, &example_input())
            .await
            .unwrap();
        assert_eq!(
            requests(&sandbox.stats(), "PUT /v2/connections/{connectionRef}"),
            2
        );

        inject(
            &sandbox,
            "POST",
            "/v2/connections/testConnection",
            503,
            1,
            None,
        )
        .await;
        let retrieved = client.retrieve_connection(&created.ref_).await.unwrap();
        let connection: types::ConnectionInput =
            serde_json::from_value(serde_json::to_value(&*retrieved).unwrap()).unwrap();
        client
            .test_connection(&types::TestConnectionRequest { connection })
            .await
            .unwrap();
        assert_eq!(
            requests(&sandbox.stats(), "POST /v2/connections/testConnection"),
            2
        );
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_create_is_never_retried() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = client(&sandbox);
        inject(&sandbox, "POST", "/v2/connections", 503, 1, Some(0)).await;
        let err = client
            .create_connection(&example_input())
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
        assert!(
            err.to_string()
                .starts_with("createConnection: 503 Service Unavailable: "),
            "{err}"
        );
        assert_eq!(requests(&sandbox.stats(), CREATE), 1);
        let page = client.retrieve_connections(None, None).await.unwrap();
        assert!(page.items.is_empty(), "nothing was created");
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        // A 1 ms base delay: only Retry-After can make the client wait 1 s.
        let client = client_of(
            &sandbox,
            sandbox.client_secret(),
            RetryPolicy::new(3, Duration::from_millis(1), Duration::from_secs(5)),
        );
        client.retrieve_connections(None, None).await.unwrap();
        inject(&sandbox, "GET", "/v2/connections", 503, 1, Some(1)).await;
        let started = Instant::now();
        client.retrieve_connections(None, None).await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(requests(&sandbox.stats(), LIST), 3);
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn retries_switched_off_send_once() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = client_of(&sandbox, sandbox.client_secret(), RetryPolicy::disabled());
        inject(&sandbox, "GET", "/v2/connections", 503, 1, Some(0)).await;
        let err = client.retrieve_connections(None, None).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
        assert_eq!(
            err.error_body().and_then(|b| b.code.as_deref()),
            Some("SERVICE_UNAVAILABLE")
        );
        assert_eq!(requests(&sandbox.stats(), LIST), 1);
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_missing_connection_is_a_404_with_the_documented_body() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let err = client(&sandbox)
            .retrieve_connection("no-such-ref")
            .await
            .unwrap_err();
        assert!(matches!(err, ConnectionsError::Api { .. }), "{err:?}");
        assert_eq!(err.error_body().map(|b| b.status), Some(404));
        assert_eq!(
            err.to_string(),
            "retrieveConnection: 404 Not Found: no connection has the reference no-such-ref (NOT_FOUND)"
        );
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn every_connection_is_read_across_pages() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = client(&sandbox);
        let mut input = example_input();
        for n in 0..105 {
            input.name = format!("Connection {n:03}");
            client.create_connection(&input).await.unwrap();
        }
        let all = client.all_connections().await.unwrap();
        let mut names: Vec<String> = all.into_iter().map(|c| c.name).collect();
        names.sort();
        let expected: Vec<String> = (0..105).map(|n| format!("Connection {n:03}")).collect();
        assert_eq!(names, expected);
        assert_eq!(requests(&sandbox.stats(), LIST), 2, "two pages of 100");
    })
    .await;
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_fixed_access_token_still_works() {
    let sandbox = start(Duration::from_secs(900)).await;
    within(async {
        let client = ConnectionsClient::builder()
            .base_url(sandbox.base_url())
            .access_token(sandbox.token())
            .build()
            .unwrap();
        client.retrieve_connections(None, None).await.unwrap();
        let generated =
            connections_client::Client::with_bearer_token(sandbox.base_url(), sandbox.token())
                .unwrap();
        generated.retrieve_connections(None, None).await.unwrap();
        let seen = sandbox.stats();
        assert_eq!(seen.tokens_issued, 0);
        assert_eq!(requests(&seen, LIST), 2);

        let refused = ConnectionsClient::builder()
            .base_url(sandbox.base_url())
            .access_token("wrong")
            .build()
            .unwrap()
            .retrieve_connections(None, None)
            .await
            .unwrap_err();
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));
        assert_eq!(
            sandbox.stats().unauthorized,
            1,
            "a fixed token is not renewed"
        );
    })
    .await;
    sandbox.shutdown().await.unwrap();
}
