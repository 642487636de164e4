//! Transport behaviour the sandbox cannot produce, against a scripted HTTP
//! server on 127.0.0.1 (`stub`, axum on a free port): `Retry-After` as an HTTP date, 429, an HTML error
//! page, a dropped connection, a token endpoint that answers nonsense or
//! 503. Each test stops its server when it ends and is bounded in time.

use std::{
    sync::Mutex,
    time::{Duration, Instant, SystemTime},
};

use connections_client::{ConnectionsClient, ConnectionsError, RetryPolicy, TokenError};
use stub::{Answer, Seen, json, serve};

mod stub;

const LIST: &str = include_str!("../../spec/doc-examples/retrieve-connections.response.json");
const TOKEN: &str =
    r#"{"access_token":"issued-token","expires_in":900,"token_type":"Bearer","scope":""}"#;

/// Fails the test after 20 s instead of hanging.
async fn within<F: std::future::Future>(call: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("the call finished in time")
}

fn count(seen: &Mutex<Vec<Seen>>, method: &str, path: &str) -> usize {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|s| s.method == method && s.path == path)
        .count()
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::new(3, Duration::from_millis(5), Duration::from_secs(3))
}

fn client(base: &str) -> ConnectionsClient {
    ConnectionsClient::builder()
        .base_url(base)
        .client_credentials("key", "secret")
        .token_url(format!("{base}/oauth/token"))
        .retry(quick_retries())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_429_is_retried_after_the_http_date_of_retry_after() {
    let (base, seen) = serve(Box::new(|request, index| match request.path.as_str() {
        "/oauth/token" => json(200, TOKEN),
        _ if index == 0 => {
            let at =
                chrono::DateTime::<chrono::Utc>::from(SystemTime::now() + Duration::from_secs(2));
            Answer::Respond(
                429,
                vec![(
                    "retry-after",
                    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
                )],
                String::new(),
            )
        }
        _ => json(200, LIST),
    }))
    .await;
    let started = Instant::now();
    let page = within(client(&base).retrieve_connections(None, None))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(count(&seen, "GET", "/v2/connections"), 2);
    // The date is 2 s ahead at one-second resolution: at least 1 s of waiting.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_maximum_delay_is_not_waited_for() {
    let (base, seen) = serve(Box::new(|request, _| match request.path.as_str() {
        "/oauth/token" => json(200, TOKEN),
        _ => Answer::Respond(503, vec![("retry-after", "3600".into())], String::new()),
    }))
    .await;
    let err = within(client(&base).retrieve_connections(None, None))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(count(&seen, "GET", "/v2/connections"), 1);
}

#[tokio::test]
async fn an_html_error_page_is_quoted_and_not_retried() {
    let (base, seen) = serve(Box::new(|request, _| match request.path.as_str() {
        "/oauth/token" => json(200, TOKEN),
        _ => Answer::Respond(
            502,
            vec![("content-type", "text/html".into())],
            "<html><body>Bad gateway from the proxy</body></html>".into(),
        ),
    }))
    .await;
    let err = within(client(&base).retrieve_connection("abc"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "retrieveConnection: 502 Bad Gateway: undocumented body `<html><body>Bad gateway from the proxy</body></html>`"
    );
    assert!(err.error_body().is_none());
    assert_eq!(count(&seen, "GET", "/v2/connections/abc"), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_reads_only() {
    let (base, seen) = serve(Box::new(|request, index| match request.path.as_str() {
        "/oauth/token" => json(200, TOKEN),
        _ if index == 0 => Answer::HangUp,
        "/v2/connections" if request.method == "GET" => json(200, LIST),
        _ => Answer::HangUp,
    }))
    .await;
    let client = client(&base);
    within(client.retrieve_connections(None, None))
        .await
        .unwrap();
    assert_eq!(count(&seen, "GET", "/v2/connections"), 2);

    let input = serde_json::from_str(include_str!(
        "../../spec/doc-examples/update-a-connection.request.json"
    ))
    .unwrap();
    let err = within(client.create_connection(&input)).await.unwrap_err();
    assert!(
        matches!(err, ConnectionsError::Unreachable { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("createConnection: no answer from the server: "),
        "{err}"
    );
    assert_eq!(
        count(&seen, "POST", "/v2/connections"),
        1,
        "a create is sent once"
    );
}

#[tokio::test]
async fn the_token_endpoint_is_retried_on_503_and_the_token_sent() {
    let (base, seen) = serve(Box::new(|request, index| match request.path.as_str() {
        "/oauth/token" if index == 0 => json(503, "{}"),
        "/oauth/token" => json(200, TOKEN),
        _ => json(200, LIST),
    }))
    .await;
    within(client(&base).retrieve_connections(None, None))
        .await
        .unwrap();
    assert_eq!(count(&seen, "POST", "/oauth/token"), 2);
    let seen = seen.lock().unwrap();
    let api = seen.iter().find(|s| s.path == "/v2/connections").unwrap();
    assert!(
        api.head
            .to_ascii_lowercase()
            .contains("authorization: bearer issued-token"),
        "{}",
        api.head
    );
    let token_request = seen.iter().find(|s| s.path == "/oauth/token").unwrap();
    assert!(
        token_request
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/x-www-form-urlencoded")
    );
}

#[tokio::test]
async fn a_token_answer_without_a_token_is_a_clear_error() {
    for (body, expected) in [
        (r#"{"token":"x"}"#, "the body is not a token answer"),
        (
            r#"{"access_token":"x","token_type":"mac","expires_in":5}"#,
            "token_type is `mac`",
        ),
        (
            r#"{"access_token":"","expires_in":5}"#,
            "access_token is empty",
        ),
    ] {
        let (base, _) = serve(Box::new(move |request, _| match request.path.as_str() {
            "/oauth/token" => json(200, body),
            _ => json(200, LIST),
        }))
        .await;
        let err = within(client(&base).retrieve_connections(None, None))
            .await
            .unwrap_err();
        assert!(
            matches!(err.token_error(), Some(TokenError::InvalidResponse { .. })),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(expected), "{message}");
        assert!(
            message.starts_with(&format!("token request to {base}/oauth/token: 200")),
            "{message}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_token_endpoint_says_what_to_check() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let token_url = format!("http://{}/oauth/token", closed.local_addr().unwrap());
    drop(closed);
    let client = ConnectionsClient::builder()
        .base_url("http://127.0.0.1:9")
        .client_credentials("key", "secret")
        .token_url(&token_url)
        .retry(quick_retries())
        .build()
        .unwrap();
    let err = within(client.retrieve_connections(None, None))
        .await
        .unwrap_err();
    assert!(
        matches!(err.token_error(), Some(TokenError::Unreachable { .. })),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("token request to {token_url} failed: ")),
        "{message}"
    );
    assert!(
        message.ends_with("check the token URL and the network"),
        "{message}"
    );
}

#[tokio::test]
async fn the_generated_client_gets_tokens_and_retries_too() {
    let (base, seen) = serve(Box::new(|request, index| match request.path.as_str() {
        "/oauth/token" => json(200, TOKEN),
        _ if index == 0 => json(503, r#"{"status":503}"#),
        _ => json(200, LIST),
    }))
    .await;
    let client = client(&base);
    let page = within(client.generated().retrieve_connections(None, None))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(count(&seen, "GET", "/v2/connections"), 2);
    assert_eq!(count(&seen, "POST", "/oauth/token"), 1);
}

#[tokio::test]
async fn an_unknown_enum_value_keeps_the_body() {
    let newer = include_str!("../../spec/doc-examples/retrieve-a-connection.response.json")
        .replace("\"DESTINATION\"", "\"MAINFRAME\"");
    let served = newer.clone();
    let (base, _) = serve(Box::new(move |request, _| match request.path.as_str() {
        "/oauth/token" => json(200, TOKEN),
        _ => json(200, &served),
    }))
    .await;
    let err = within(client(&base).retrieve_connection("x"))
        .await
        .unwrap_err();
    match &err {
        ConnectionsError::InvalidResponse { body, error, .. } => {
            assert_eq!(body.as_ref(), newer.as_bytes());
            assert!(error.to_string().contains("unknown variant `MAINFRAME`"));
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("retrieveConnection: the answer does not match the contract: unknown variant `MAINFRAME`"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_sharing_a_fresh_client_wait_for_one_token_request() {
    let (base, seen) = serve(Box::new(|request, _| match request.path.as_str() {
        "/oauth/token" => json(200, TOKEN),
        _ => json(200, LIST),
    }))
    .await;
    let client = client(&base);
    // Every task starts before the first token answer can arrive.
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.retrieve_connections(None, None).await })
        })
        .collect();
    for call in calls {
        within(call).await.unwrap().unwrap();
    }
    assert_eq!(count(&seen, "POST", "/oauth/token"), 1);
    assert_eq!(count(&seen, "GET", "/v2/connections"), 20);
}

#[tokio::test]
async fn a_connection_test_is_retried_only_when_the_server_says_it_did_not_act() {
    // The server may have called the third party before the answer was
    // lost (an SMS would be sent twice): a hang-up is not retried.
    let (base, seen) = serve(Box::new(|request, index| match request.path.as_str() {
        "/oauth/token" => json(200, TOKEN),
        _ if index == 0 => Answer::HangUp,
        _ => json(503, "{}"),
    }))
    .await;
    let client = client(&base);
    let request: connections_client::types::TestConnectionRequest = serde_json::from_str(
        include_str!("../../spec/doc-examples/test-a-connection.request.json"),
    )
    .unwrap();
    let err = within(client.test_connection(&request)).await.unwrap_err();
    assert!(
        matches!(err, ConnectionsError::Unreachable { .. }),
        "{err:?}"
    );
    assert_eq!(count(&seen, "POST", "/v2/connections/testConnection"), 1);

    // 429 and 503 say the server did not act: those are retried.
    let (base, seen) = serve(Box::new(|request, index| match request.path.as_str() {
        "/oauth/token" => json(200, TOKEN),
        _ if index == 0 => json(429, "{}"),
        _ if index == 1 => json(503, "{}"),
        _ => json(
            200,
            include_str!("../../spec/doc-examples/test-a-connection.response.json"),
        ),
    }))
    .await;
    within(self::client(&base).test_connection(&request))
        .await
        .unwrap();
    assert_eq!(count(&seen, "POST", "/v2/connections/testConnection"), 3);
}
