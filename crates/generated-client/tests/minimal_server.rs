//! The generated client end to end against a real HTTP server on 127.0.0.1.
//!
//! The server (`stub`, axum on a free port) answers with the documented
//! example bodies and records what the client sent, so the test proves the
//! client's wire format (paths, methods, headers, bodies) and its parsing of
//! the documented responses. The sandbox tests cover real behaviour.

use std::time::Duration;

use connections_client::{Client, Error, types};
use stub::serve_in_order as serve;

mod stub;

/// Awaits a client call, failing the test after 20 s instead of hanging.
async fn within<F: std::future::Future>(call: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("the call finished in time")
}

const RETRIEVED: &str = include_str!("../../spec/doc-examples/retrieve-a-connection.response.json");
const UPDATED: &str = include_str!("../../spec/doc-examples/update-a-connection.response.json");
const UPDATE_BODY: &str = include_str!("../../spec/doc-examples/update-a-connection.request.json");
const LIST: &str = include_str!("../../spec/doc-examples/retrieve-connections.response.json");
const TESTED: &str = include_str!("../../spec/doc-examples/test-a-connection.response.json");
const NOT_FOUND: &str = include_str!("../../spec/doc-examples/error-404.json");

#[tokio::test]
async fn every_operation_round_trips_against_a_local_server() {
    let (base, seen) = serve(vec![
        (200, LIST),
        (200, RETRIEVED),
        (201, UPDATED),
        (201, UPDATED),
        (200, TESTED),
        (404, NOT_FOUND),
    ])
    .await;
    let client = Client::with_bearer_token(&base, "secret-token").unwrap();

    let page = within(client.retrieve_connections(std::num::NonZeroU32::new(10), Some(0)))
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(page.items.len(), 1);
    assert!(matches!(page.items[0].auth, types::Auth::OAuth(_)));

    let connection = within(client.retrieve_connection("47c20b31-b5d8-492f-94e5-064958716c21"))
        .await
        .unwrap();
    assert_eq!(connection.name, "Weather Data System");
    assert_eq!(connection.revision.map(|r| r.get()), Some(1));

    let input: types::ConnectionInput = serde_json::from_str(UPDATE_BODY).unwrap();
    let updated = within(client.create_connection(&input)).await.unwrap();
    assert_eq!(updated.status().as_u16(), 201);
    let updated = within(client.update_connection(&connection.ref_, &input))
        .await
        .unwrap();
    assert_eq!(updated.name, "Connect to Data System");
    assert_eq!(updated.revision, None);

    let retrieved: types::ConnectionInput = serde_json::from_str(RETRIEVED).unwrap();
    let tested = within(client.test_connection(&types::TestConnectionRequest {
        connection: retrieved,
    }))
    .await
    .unwrap();
    assert_eq!(tested.status_code, Some(202));

    let missing = within(client.retrieve_connection("nope"))
        .await
        .unwrap_err();
    match missing {
        Error::ErrorResponse(body) => {
            assert_eq!(body.status().as_u16(), 404);
            assert_eq!(body.status, 404);
        }
        other => panic!("expected the documented error body, got {other:?}"),
    }

    let seen = seen.lock().unwrap().clone();
    let lines: Vec<&str> = seen
        .iter()
        .map(|s| s.head.lines().next().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "GET /v2/connections?limit=10&offset=0 HTTP/1.1",
            "GET /v2/connections/47c20b31-b5d8-492f-94e5-064958716c21 HTTP/1.1",
            "POST /v2/connections HTTP/1.1",
            "PUT /v2/connections/47c20b31-b5d8-492f-94e5-064958716c21 HTTP/1.1",
            "POST /v2/connections/testConnection HTTP/1.1",
            "GET /v2/connections/nope HTTP/1.1",
        ]
    );
    for request in &seen {
        let head = request.head.to_ascii_lowercase();
        assert!(
            head.contains("authorization: bearer secret-token"),
            "{head}"
        );
        assert!(head.contains("accept: application/json"), "{head}");
    }
    let sent: serde_json::Value = serde_json::from_str(&seen[3].body).unwrap();
    assert_eq!(
        sent,
        serde_json::from_str::<serde_json::Value>(UPDATE_BODY).unwrap()
    );
    assert!(
        seen[3]
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/json")
    );
}

#[tokio::test]
async fn an_enum_value_a_newer_server_adds_is_an_error_that_keeps_the_body() {
    let newer = RETRIEVED.replace("\"DESTINATION\"", "\"MAINFRAME\"");
    let newer: &'static str = Box::leak(newer.into_boxed_str());
    let (base, _) = serve(vec![(200, newer)]).await;
    let client = Client::with_bearer_token(&base, "t").unwrap();
    let err = tokio::time::timeout(Duration::from_secs(20), client.retrieve_connection("x"))
        .await
        .unwrap()
        .unwrap_err();
    match err {
        Error::InvalidResponsePayload(bytes, e) => {
            assert!(e.to_string().contains("unknown variant `MAINFRAME`"), "{e}");
            assert_eq!(bytes.as_ref(), newer.as_bytes(), "the raw body is kept");
        }
        other => panic!("expected InvalidResponsePayload, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_communication_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::with_bearer_token(&base, "t").unwrap();
    let err = tokio::time::timeout(
        Duration::from_secs(20),
        client.retrieve_connections(None, None),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert!(matches!(err, Error::CommunicationError(_)), "{err:?}");
}
