//! Every body the sandbox answers conforms to the committed document.

use connections_openapi::Contract;
use serde_json::{Value, json};

use crate::{
    common::{Raw, input, start_with, within},
    target::Target,
};

fn assert_conforms(contract: &Contract, schema: &str, body: &Value) {
    let violations = contract.validate(schema, body).unwrap();
    assert!(violations.is_empty(), "{schema}: {violations:?}\n{body}");
}

#[tokio::test]
async fn every_response_body_validates_against_its_schema() {
    let contract = Contract::from_json(connections_sandbox::docs::OPENAPI_JSON).unwrap();
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let raw = Raw::new(&sandbox);

    let mut full = input("full");
    full["description"] = json!("described");
    full["auth"] = json!({"authType": "OAUTH", "clientId": "c", "clientSecret": "s",
                          "accessTokenUrl": format!("{}/token", target.base)});
    let created = raw.post_json("/v2/connections", &full).await;
    assert_eq!(created.status, 201);
    assert_conforms(&contract, "Connection", &created.body);
    let reference = created.body["ref"].as_str().unwrap().to_string();

    let minimal = raw.post_json("/v2/connections", &input("minimal")).await;
    assert_conforms(&contract, "Connection", &minimal.body);
    let retrieved = raw
        .call("GET", &format!("/v2/connections/{reference}"), None, None)
        .await;
    assert_conforms(&contract, "Connection", &retrieved.body);
    let updated = raw
        .call(
            "PUT",
            &format!("/v2/connections/{reference}"),
            None,
            Some(input("u").to_string().into_bytes()),
        )
        .await;
    assert_conforms(&contract, "Connection", &updated.body);
    for query in ["", "?limit=1", "?offset=1&limit=1", "?offset=9"] {
        let page = raw
            .call("GET", &format!("/v2/connections{query}"), None, None)
            .await;
        assert_conforms(&contract, "ConnectionList", &page.body);
    }

    let mut echo = input("echo");
    echo["request"]["connectionUrl"] = json!(format!("{}/echo", target.base));
    let answered = raw
        .post_json(
            "/v2/connections/testConnection",
            &json!({"connection": echo}),
        )
        .await;
    assert_eq!(answered.body["statusCode"], 202);
    assert_conforms(&contract, "ConnectionTestResult", &answered.body);
    let failed = raw
        .post_json(
            "/v2/connections/testConnection",
            &json!({"connection": input("x")}),
        )
        .await;
    assert!(failed.body["statusCode"].is_null());
    assert_conforms(&contract, "ConnectionTestResult", &failed.body);

    for error in [
        raw.call_with_auth("GET", "/v2/connections", None, None, None)
            .await,
        raw.call("GET", "/v2/connections/unknown", None, None).await,
        raw.call("GET", "/v2/connections?limit=0", None, None).await,
        raw.call(
            "POST",
            "/v2/connections",
            Some("text/plain"),
            Some(b"x".to_vec()),
        )
        .await,
        raw.call("POST", "/v2/connections", None, Some(b"{".to_vec()))
            .await,
        raw.post_json("/v2/connections", &json!({"name": 1})).await,
    ] {
        assert!(error.status >= 400);
        assert_conforms(&contract, "ErrorBody", &error.body);
    }
    within(sandbox.shutdown()).await.unwrap();
}
