//! The storage quota: a create or an update past it is 507
//! `INSUFFICIENT_STORAGE`, nothing is written, and what is stored is
//! served as before; the quota holds across a restart.

use connections_sandbox::{DbLocation, store::Quota};
use serde_json::json;

use crate::common::{Raw, assert_error, input, start_with, within};

#[tokio::test]
async fn creates_past_the_connection_quota_are_507_and_write_nothing() {
    let sandbox = start_with(|c| {
        c.quota = Quota {
            max_connections: 3,
            ..Quota::default()
        }
    })
    .await;
    let raw = Raw::new(&sandbox);
    let body = input("create-a-connection.request.json");
    for _ in 0..3 {
        assert_eq!(raw.post_json("/v2/connections", &body).await.status, 201);
    }
    let refused = raw.post_json("/v2/connections", &body).await;
    assert_error(&refused, 507, "INSUFFICIENT_STORAGE");
    let message = refused.body["message"].as_str().unwrap();
    assert!(
        message.contains("3 connections") && message.contains("--max-stored-connections"),
        "{message}"
    );
    let list = raw.call("GET", "/v2/connections", None, None).await;
    assert_eq!(list.body["total"], 3);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn writes_past_the_byte_quota_are_507_and_the_stored_connection_is_kept() {
    let directory = tempfile::tempdir().unwrap();
    let db = DbLocation::File(directory.path().join("quota.db"));
    let quota = Quota {
        max_connections: 100,
        max_bytes: 64 * 1024,
    };
    let sandbox = start_with(|c| {
        c.db = db.clone();
        c.quota = quota;
    })
    .await;
    let raw = Raw::new(&sandbox);
    let mut body = input("create-a-connection.request.json");
    body["description"] = json!("d".repeat(20 * 1024));
    for _ in 0..3 {
        assert_eq!(raw.post_json("/v2/connections", &body).await.status, 201);
    }
    // A fourth of 20 KiB does not fit in 64 KiB.
    assert_error(
        &raw.post_json("/v2/connections", &body).await,
        507,
        "INSUFFICIENT_STORAGE",
    );
    // A small one still does.
    let small = raw
        .post_json(
            "/v2/connections",
            &input("create-a-connection.request.json"),
        )
        .await;
    assert_eq!(small.status, 201);
    // The large ones (kept on disk, not in memory) are listed whole.
    let list = raw.call("GET", "/v2/connections", None, None).await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "{:?}", list.body["total"]);
    for item in &items[..3] {
        assert_eq!(item["description"].as_str().unwrap().len(), 20 * 1024);
    }
    // Growing a stored connection past the quota: refused, nothing changes.
    let path = format!("/v2/connections/{}", small.body["ref"].as_str().unwrap());
    let before = raw.call("GET", &path, None, None).await.body;
    let mut bigger = before.clone();
    bigger["description"] = json!("d".repeat(20 * 1024));
    let refused = raw
        .call(
            "PUT",
            &path,
            Some("application/json"),
            Some(bigger.to_string().into_bytes()),
        )
        .await;
    assert_error(&refused, 507, "INSUFFICIENT_STORAGE");
    assert_eq!(raw.call("GET", &path, None, None).await.body, before);
    // Shrinking is always allowed.
    let mut smaller = before.clone();
    smaller["description"] = json!("short");
    let shrunk = raw
        .call(
            "PUT",
            &path,
            Some("application/json"),
            Some(smaller.to_string().into_bytes()),
        )
        .await;
    assert_eq!(shrunk.status, 201, "{:?}", shrunk.body);
    within(sandbox.shutdown()).await.unwrap();

    // After a restart, what is stored counts against the quota.
    let again = start_with(|c| {
        c.db = db.clone();
        c.quota = quota;
    })
    .await;
    let raw = Raw::new(&again);
    assert_error(
        &raw.post_json("/v2/connections", &body).await,
        507,
        "INSUFFICIENT_STORAGE",
    );
    within(again.shutdown()).await.unwrap();
}
