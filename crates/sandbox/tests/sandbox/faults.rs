//! Fault injection and request statistics, for client tests.

use serde_json::json;

use crate::common::{Raw, assert_error, client, start, start_with, within};

#[tokio::test]
async fn faults_answer_the_next_matching_requests_then_stop() {
    let sandbox = start_with(|c| c.enable_fault_injection = true).await;
    let raw = Raw::new(&sandbox);
    let posted = raw
        .post_json(
            "/sandbox/faults",
            &json!({"method": "GET", "pathPrefix": "/v2/connections", "status": 503, "count": 2, "retryAfterSeconds": 1}),
        )
        .await;
    assert_eq!(posted.status, 201, "{:?}", posted.body);
    let pending = raw.call("GET", "/sandbox/faults", None, None).await;
    assert_eq!(pending.body.as_array().unwrap().len(), 1);

    for _ in 0..2 {
        let answer = raw.call("GET", "/v2/connections", None, None).await;
        assert_error(&answer, 503, "SERVICE_UNAVAILABLE");
        assert_eq!(answer.headers["retry-after"], "1");
    }
    assert_eq!(
        raw.call("GET", "/v2/connections", None, None).await.status,
        200
    );
    let stats = raw.call("GET", "/sandbox/stats", None, None).await;
    assert_eq!(
        stats.body["requests"]["GET /v2/connections"], 3,
        "{:?}",
        stats.body
    );
    assert!(stats.body["requests"].get("GET /sandbox/stats").is_none());

    // A forced 401 on the next /v2 request, even with a valid token.
    raw.post_json(
        "/sandbox/faults",
        &json!({"pathPrefix": "/v2", "status": 401}),
    )
    .await;
    let client = client(&sandbox);
    let refused = within(client.retrieve_connections(None, None))
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));
    assert!(
        within(client.retrieve_connections(None, None))
            .await
            .is_ok()
    );

    // Faults can be dropped before they fire.
    raw.post_json("/sandbox/faults", &json!({"status": 500, "count": 5}))
        .await;
    assert_eq!(
        raw.call("DELETE", "/sandbox/faults", None, None)
            .await
            .status,
        204
    );
    assert_eq!(
        raw.call("GET", "/v2/connections", None, None).await.status,
        200
    );
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn faults_are_validated_authenticated_and_off_by_default() {
    let sandbox = start_with(|c| c.enable_fault_injection = true).await;
    let raw = Raw::new(&sandbox);
    let bad = raw
        .post_json("/sandbox/faults", &json!({"status": 200}))
        .await;
    assert_error(&bad, 400, "VALIDATION_FAILED");
    assert_eq!(bad.body["errors"][0]["field"], "/status");
    let unknown = raw
        .post_json("/sandbox/faults", &json!({"status": 503, "colour": "red"}))
        .await;
    assert_error(&unknown, 400, "VALIDATION_FAILED");
    let anonymous = raw
        .call_with_auth(
            "POST",
            "/sandbox/faults",
            None,
            Some("application/json"),
            Some(b"{\"status\":503}".to_vec()),
        )
        .await;
    assert_error(&anonymous, 401, "UNAUTHORIZED");
    within(sandbox.shutdown()).await.unwrap();

    let plain = start().await;
    let raw = Raw::new(&plain);
    let off = raw
        .post_json("/sandbox/faults", &json!({"status": 503}))
        .await;
    assert_error(&off, 404, "NOT_FOUND");
    assert!(
        off.body["message"]
            .as_str()
            .unwrap()
            .contains("--enable-fault-injection")
    );
    assert_eq!(
        raw.call("GET", "/v2/connections", None, None).await.status,
        200
    );
    within(plain.shutdown()).await.unwrap();
}
