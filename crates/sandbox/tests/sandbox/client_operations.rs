//! The generated client against the sandbox: every operation, and every
//! error status the client can meet.

use std::num::NonZeroU32;

use connections_client::{Error, types};
use serde_json::json;

use crate::{
    common::{Raw, client, start, start_with, typed_input, within},
    target::Target,
};

/// The status and `ErrorBody` of a client error.
fn error_body(error: Error<types::ErrorBody>) -> (u16, types::ErrorBody) {
    match error {
        Error::ErrorResponse(response) => (response.status().as_u16(), response.into_inner()),
        other => panic!("expected an ErrorBody response, got {other:?}"),
    }
}

#[tokio::test]
async fn every_operation_succeeds_through_the_generated_client() {
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let client = client(&sandbox);

    let created = within(client.create_connection(&typed_input("Weather")))
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let created = created.into_inner();
    assert_eq!(created.name, "Weather");
    assert!(uuid::Uuid::parse_str(&created.ref_).is_ok());
    assert_eq!(
        created.href,
        format!("{}/v2/connections/{}", sandbox.base_url(), created.ref_)
    );
    assert_eq!(created.revision.map(|r| r.get()), Some(1));
    assert!(!created.archived);
    assert_eq!(created.connection_timeout, 1000);
    assert_eq!(created.socket_timeout, Some(1000));
    assert_eq!(
        created.icon.as_deref(),
        Some("assets/images/icons/connections/plug.svg")
    );
    assert_eq!(created.client_key.len(), 32);

    let retrieved = within(client.retrieve_connection(&created.ref_))
        .await
        .unwrap();
    assert_eq!(retrieved.status().as_u16(), 200);
    assert_eq!(retrieved.into_inner(), created);

    let page = within(client.retrieve_connections(NonZeroU32::new(5), Some(0)))
        .await
        .unwrap();
    assert_eq!(page.items, vec![created.clone()]);
    assert_eq!(page.total, Some(1));

    let mut changed = typed_input("Weather v2");
    changed.description = Some("now with a description".into());
    let updated = within(client.update_connection(&created.ref_, &changed))
        .await
        .unwrap();
    assert_eq!(updated.status().as_u16(), 201);
    let updated = updated.into_inner();
    assert_eq!(updated.name, "Weather v2");
    assert_eq!(
        updated.description.as_deref(),
        Some("now with a description")
    );
    assert_eq!(updated.revision.map(|r| r.get()), Some(2));
    assert_eq!(updated.ref_, created.ref_);
    assert!(updated.modified_at >= created.modified_at);

    let mut to_test: types::ConnectionInput = serde_json::from_value(json!({
        "name": "echo", "auth": {"authType": "NONE"}, "systemType": "DESTINATION",
        "request": {"requestType": "POST", "connectionUrl": format!("{}/echo", target.base),
                    "requestBody": "{\"hello\":\"${who}\"}"},
        "inputMappings": [{"label": "Who", "key": "who", "type": "string", "exampleValue": "world", "mapping": ""}]
    }))
    .unwrap();
    to_test.custom_headers = Some(vec![types::NameValue {
        name: "Content-Type".into(),
        value: "application/json".into(),
    }]);
    let tested = within(client.test_connection(&types::TestConnectionRequest {
        connection: to_test,
    }))
    .await
    .unwrap();
    assert_eq!(tested.status().as_u16(), 200);
    let tested = tested.into_inner();
    assert_eq!(tested.status_code, Some(202));
    assert_eq!(
        tested.request.body.as_deref(),
        Some("{\"hello\":\"world\"}")
    );
    assert_eq!(
        tested.response.unwrap().body.as_deref(),
        Some("{\"message\":\"queued\"}")
    );
    assert_eq!(target.seen()[0].body, "{\"hello\":\"world\"}");
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn the_client_receives_each_error_status_as_an_error_body() {
    let sandbox = start_with(|c| c.enable_fault_injection = true).await;
    let client = client(&sandbox);

    // 401: a wrong token.
    let stranger =
        connections_client::Client::with_bearer_token(sandbox.base_url(), "not-the-token").unwrap();
    let (status, body) = error_body(
        within(stranger.retrieve_connections(None, None))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (status, body.status, body.code.as_deref()),
        (401, 401, Some("UNAUTHORIZED"))
    );

    // 400: a limit out of range, and a negative timeout.
    let (status, body) = error_body(
        within(client.retrieve_connections(NonZeroU32::new(101), None))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (status, body.code.as_deref()),
        (400, Some("VALIDATION_FAILED"))
    );
    assert_eq!(body.errors.unwrap()[0].field, "limit");
    let mut too_long = typed_input("too long");
    too_long.connection_timeout = Some(-1);
    let (status, _) = error_body(
        within(client.create_connection(&too_long))
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 400);

    // 404: an unknown and a malformed reference.
    for reference in ["0d6c3f2e-7a41-4b8e-9c55-1f2a3b4c5d6e", "not-a-uuid"] {
        let (status, body) = error_body(
            within(client.retrieve_connection(reference))
                .await
                .unwrap_err(),
        );
        assert_eq!((status, body.code.as_deref()), (404, Some("NOT_FOUND")));
        let (status, _) = error_body(
            within(client.update_connection(reference, &typed_input("x")))
                .await
                .unwrap_err(),
        );
        assert_eq!(status, 404);
    }

    // 413: a body over the limit.
    let huge = typed_input(&"x".repeat(connections_sandbox::body::BODY_LIMIT + 1));
    let (status, body) = error_body(within(client.create_connection(&huge)).await.unwrap_err());
    assert_eq!(
        (status, body.code.as_deref()),
        (413, Some("PAYLOAD_TOO_LARGE"))
    );

    // 415: the generated client always sends application/json, so a real
    // 415 is covered with plain HTTP in the bad-input tests; here a
    // sandbox-injected 415 checks that the client surfaces it.
    let raw = Raw::new(&sandbox);
    let fault = raw
        .post_json(
            "/sandbox/faults",
            &json!({"method": "POST", "pathPrefix": "/v2/connections", "status": 415}),
        )
        .await;
    assert_eq!(fault.status, 201);
    let (status, body) = error_body(
        within(client.create_connection(&typed_input("x")))
            .await
            .unwrap_err(),
    );
    assert_eq!((status, body.status), (415, 415));

    assert_eq!(raw.total().await, 0, "no failed call stored anything");
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn a_shut_down_sandbox_refuses_connections() {
    let sandbox = start().await;
    let base = sandbox.base_url().to_string();
    within(sandbox.shutdown()).await.unwrap();
    let client = connections_client::Client::with_bearer_token(&base, "t").unwrap();
    assert!(matches!(
        within(client.retrieve_connections(None, None)).await,
        Err(Error::CommunicationError(_))
    ));
}
