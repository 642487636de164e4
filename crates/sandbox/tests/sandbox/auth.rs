//! Bearer tokens on every /v2 route, and the sandbox's OAuth endpoint.

use std::time::Duration;

use serde_json::json;

use crate::common::{Raw, assert_error, client, input, start, start_with, typed_input, within};

/// Every /v2 operation: (method, path, body).
fn operations(existing: &str) -> Vec<(&'static str, String, Option<Vec<u8>>)> {
    let body = input("auth matrix").to_string().into_bytes();
    let test = json!({"connection": input("t")}).to_string().into_bytes();
    vec![
        ("GET", "/v2/connections".into(), None),
        ("POST", "/v2/connections".into(), Some(body.clone())),
        ("GET", format!("/v2/connections/{existing}"), None),
        ("PUT", format!("/v2/connections/{existing}"), Some(body)),
        ("POST", "/v2/connections/testConnection".into(), Some(test)),
    ]
}

#[tokio::test]
async fn every_api_route_needs_an_accepted_bearer_token() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let existing = raw.post_json("/v2/connections", &input("existing")).await;
    let existing = existing.body["ref"].as_str().unwrap().to_string();
    let wrong = format!("Bearer {}x", sandbox.token());
    let basic = "Basic dXNlcjpwYXNz";
    for (method, path, body) in operations(&existing) {
        for authorization in [
            None,
            Some(basic),
            Some("Bearer"),
            Some("Bearer "),
            Some(wrong.as_str()),
            Some("token-without-scheme"),
        ] {
            let answer = raw
                .call_with_auth(
                    method,
                    &path,
                    authorization,
                    Some("application/json"),
                    body.clone(),
                )
                .await;
            assert_error(&answer, 401, "UNAUTHORIZED");
            assert!(
                answer.headers["www-authenticate"]
                    .to_str()
                    .unwrap()
                    .starts_with("Bearer"),
                "{method} {path}"
            );
        }
        let lower_case_scheme = format!("bearer {}", sandbox.token());
        let answer = raw
            .call_with_auth(
                method,
                &path,
                Some(&lower_case_scheme),
                Some("application/json"),
                body,
            )
            .await;
        assert!(answer.status < 300, "{method} {path}: {:?}", answer.body);
    }
    assert_eq!(
        raw.total().await,
        2,
        "only the two authorised creates were stored"
    );
    within(sandbox.shutdown()).await.unwrap();
}

async fn token_request(raw: &Raw, form: &str) -> crate::common::Answer {
    raw.call_with_auth(
        "POST",
        "/oauth/token",
        None,
        Some("application/x-www-form-urlencoded"),
        Some(form.as_bytes().to_vec()),
    )
    .await
}

#[tokio::test]
async fn the_token_endpoint_issues_tokens_the_api_accepts_until_they_expire() {
    let sandbox = start_with(|c| {
        c.client_id = Some("my-client".into());
        c.client_secret = Some("my-secret".into());
        c.token_ttl = Duration::from_secs(1);
    })
    .await;
    let raw = Raw::new(&sandbox);

    let answer = token_request(
        &raw,
        "client_id=my-client&client_secret=my-secret&grant_type=client_credentials&audience=https%3A%2F%2Fapi",
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 1);
    assert_eq!(
        answer.body["scope"],
        "personalize.external_webservices:manage"
    );
    assert_eq!(answer.headers["cache-control"], "no-store");
    let issued = answer.body["access_token"].as_str().unwrap().to_string();
    assert_ne!(issued, sandbox.token());

    // The issued token works with the generated client, and the caller is
    // recorded as a different, stable modifiedByRef.
    let oauth_client =
        connections_client::Client::with_bearer_token(sandbox.base_url(), &issued).unwrap();
    let by_client = within(oauth_client.create_connection(&typed_input("by oauth")))
        .await
        .unwrap();
    let by_owner = within(client(&sandbox).create_connection(&typed_input("by owner")))
        .await
        .unwrap();
    assert_ne!(by_client.modified_by_ref, by_owner.modified_by_ref);
    assert!(uuid::Uuid::parse_str(&by_client.modified_by_ref).is_ok());

    let second = token_request(
        &raw,
        "grant_type=client_credentials&client_id=my-client&client_secret=my-secret",
    )
    .await;
    assert_ne!(second.body["access_token"], answer.body["access_token"]);
    let stats = raw.call("GET", "/sandbox/stats", None, None).await;
    assert_eq!(stats.body["tokensIssued"], 2);

    tokio::time::sleep(Duration::from_millis(1300)).await;
    let expired = raw
        .call_with_auth(
            "GET",
            "/v2/connections",
            Some(&format!("Bearer {issued}")),
            None,
            None,
        )
        .await;
    assert_error(&expired, 401, "UNAUTHORIZED");
    // The configured token never expires.
    assert_eq!(raw.total().await, 2);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn the_token_endpoint_rejects_bad_requests_the_oauth_way() {
    let sandbox = start_with(|c| {
        c.client_id = Some("id".into());
        c.client_secret = Some("secret".into());
    })
    .await;
    let raw = Raw::new(&sandbox);
    for (form, status, error) in [
        (
            "client_id=id&client_secret=wrong&grant_type=client_credentials",
            401,
            "invalid_client",
        ),
        (
            "client_id=other&client_secret=secret&grant_type=client_credentials",
            401,
            "invalid_client",
        ),
        ("grant_type=client_credentials", 401, "invalid_client"),
        (
            "client_id=id&client_secret=secret&grant_type=password",
            400,
            "unsupported_grant_type",
        ),
        ("client_id=id&client_secret=secret", 400, "invalid_request"),
        (
            "client_id=id&client_id=id&client_secret=secret&grant_type=client_credentials",
            400,
            "invalid_request",
        ),
    ] {
        let answer = token_request(&raw, form).await;
        assert_eq!(answer.status, status, "{form}: {:?}", answer.body);
        assert_eq!(answer.body["error"], error, "{form}");
        assert!(
            answer.body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    let json_body = raw
        .call_with_auth(
            "POST",
            "/oauth/token",
            None,
            Some("application/json"),
            Some(
                br#"{"client_id":"id","client_secret":"secret","grant_type":"client_credentials"}"#
                    .to_vec(),
            ),
        )
        .await;
    assert_eq!(
        (json_body.status, json_body.body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let stats = raw.call("GET", "/sandbox/stats", None, None).await;
    assert_eq!(stats.body["tokensIssued"], 0);
    within(sandbox.shutdown()).await.unwrap();
}
