//! testConnection sends the connection's real request to a local target.

use serde_json::{Value, json};

use crate::{
    common::{Raw, start, start_with, within},
    target::{self, BIG_BODY, ISSUED_TOKEN, SECRET, Target},
};

async fn test(raw: &Raw, connection: Value) -> Value {
    let answer = raw
        .post_json(
            "/v2/connections/testConnection",
            &json!({ "connection": connection }),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

fn connection(url: &str) -> Value {
    json!({
        "name": "target", "auth": {"authType": "NONE"}, "systemType": "DESTINATION",
        "request": {"requestType": "GET", "connectionUrl": url}
    })
}

#[tokio::test]
async fn the_request_is_sent_with_placeholders_headers_and_url_parameters_filled() {
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let raw = Raw::new(&sandbox);
    let result = test(
        &raw,
        json!({
            "name": "SMS offer", "auth": {"authType": "NONE"}, "systemType": "DESTINATION",
            "request": {
                "requestType": "POST",
                "connectionUrl": format!("{}/echo?fixed=1", target.base),
                "requestBody": "{\"to\":\"{sms}\",\"city\":\"${city}\",\"again\":\"{city}\"}"
            },
            "inputMappings": [{"label": "City", "key": "city", "type": "string", "exampleValue": "Den Haag", "mapping": ""}],
            "customHeaders": [
                {"name": "Content-Type", "value": "application/json"},
                {"name": "X-City", "value": "${city}"},
                {"name": "X-Guest-SMS", "value": "{sms}"}
            ],
            "urlParameters": [{"name": "q", "value": "{city} & more"}],
            "connectionTimeout": 2000, "socketTimeout": 2000
        }),
    )
    .await;

    let seen = target.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.uri.path(), "/echo");
    assert_eq!(request.uri.query(), Some("fixed=1&q=Den+Haag+%26+more"));
    assert_eq!(request.headers["x-city"], "Den Haag");
    assert_eq!(
        request.headers["x-guest-sms"], "{sms}",
        "no input mapping has the key sms"
    );
    assert_eq!(request.headers["content-type"], "application/json");
    assert_eq!(
        request.body,
        "{\"to\":\"{sms}\",\"city\":\"Den Haag\",\"again\":\"Den Haag\"}"
    );

    assert_eq!(result["statusCode"], 202);
    assert!(result["executionTimeInMilliseconds"].is_u64());
    assert_eq!(result["request"]["method"], "POST");
    assert_eq!(
        result["request"]["url"],
        format!("{}/echo?fixed=1&q=Den+Haag+%26+more", target.base)
    );
    assert_eq!(result["request"]["body"], request.body);
    assert_eq!(result["request"]["headers"]["X-City"], "Den Haag");
    assert_eq!(result["response"]["headers"]["x-target"], "yes");
    assert_eq!(result["response"]["body"], "{\"message\":\"queued\"}");
    assert_eq!(result["response"]["truncated"], false);
    assert!(result.get("error").is_none());
    within(sandbox.shutdown()).await.unwrap();
}

fn oauth_connection(target: &Target, secret: Option<&str>) -> Value {
    let mut auth = json!({
        "authType": "OAUTH",
        "clientId": "cid",
        "accessTokenUrl": format!("{}/token", target.base),
        "useMutualTls": false,
        "oauthCustomHeaders": [{"name": "X-Tenant", "value": "t1"}],
        "formUrlEncodedItems": [{"name": "audience", "value": "https://api.example"}]
    });
    if let Some(secret) = secret {
        auth["clientSecret"] = json!(secret);
    }
    json!({
        "name": "oauth", "auth": auth, "systemType": "DATA_SYSTEM",
        "request": {"requestType": "GET", "connectionUrl": format!("{}/protected", target.base)}
    })
}

#[tokio::test]
async fn oauth_connections_fetch_a_client_credentials_token_first() {
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let raw = Raw::new(&sandbox);
    let result = test(&raw, oauth_connection(&target, Some(SECRET))).await;
    assert_eq!(result["statusCode"], 200, "{result}");
    assert_eq!(result["response"]["body"], "welcome");
    assert_eq!(
        result["request"]["headers"]["Authorization"],
        "Bearer [redacted]"
    );

    let seen = target.seen();
    assert_eq!(seen.len(), 2);
    let token_request = &seen[0];
    assert_eq!(
        (token_request.method.as_str(), token_request.uri.path()),
        ("POST", "/token")
    );
    assert_eq!(
        token_request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(token_request.headers["x-tenant"], "t1");
    let form: Vec<(String, String)> = form_urlencoded::parse(token_request.body.as_bytes())
        .into_owned()
        .collect();
    for pair in [
        ("grant_type", "client_credentials"),
        ("client_id", "cid"),
        ("client_secret", SECRET),
        ("audience", "https://api.example"),
    ] {
        assert!(
            form.contains(&(pair.0.to_string(), pair.1.to_string())),
            "{form:?} lacks {pair:?}"
        );
    }
    assert_eq!(
        seen[1].headers["authorization"],
        format!("Bearer {ISSUED_TOKEN}").as_str()
    );

    // A refused token request is a clear result, and the API call is not made.
    let refused = test(&raw, oauth_connection(&target, Some("wrong"))).await;
    assert!(refused["statusCode"].is_null());
    assert!(
        refused["error"].as_str().unwrap().contains("401"),
        "{refused}"
    );
    assert_eq!(target.seen().len(), 3);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn a_saved_oauth_connection_is_tested_with_its_stored_secret() {
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let raw = Raw::new(&sandbox);
    let created = raw
        .post_json("/v2/connections", &oauth_connection(&target, Some(SECRET)))
        .await;
    assert_eq!(created.status, 201);
    assert!(
        created.body["auth"].get("clientSecret").is_none(),
        "secrets are write-only"
    );
    let reference = created.body["ref"].as_str().unwrap();
    let retrieved = raw
        .call("GET", &format!("/v2/connections/{reference}"), None, None)
        .await;
    assert!(retrieved.body["auth"].get("clientSecret").is_none());

    // Sent back as retrieved (no secret): the stored one is used.
    let result = test(&raw, retrieved.body.clone()).await;
    assert_eq!(result["statusCode"], 200, "{result}");

    // An update without a secret keeps it, too.
    let updated = raw
        .call(
            "PUT",
            &format!("/v2/connections/{reference}"),
            Some("application/json"),
            Some(retrieved.body.to_string().into_bytes()),
        )
        .await;
    assert_eq!(updated.status, 201);
    let result = test(&raw, updated.body.clone()).await;
    assert_eq!(result["statusCode"], 200, "{result}");
    within(sandbox.shutdown()).await.unwrap();
}

/// The client secrets the token endpoint of `target` was sent.
fn secrets_sent(target: &Target) -> Vec<String> {
    target
        .seen()
        .iter()
        .filter(|seen| seen.uri.path() == "/token")
        .flat_map(|seen| form_urlencoded::parse(seen.body.as_bytes()).into_owned())
        .filter(|(name, _)| name == "client_secret")
        .map(|(_, value)| value)
        .collect()
}

#[tokio::test]
async fn a_stored_secret_is_sent_only_with_the_settings_it_was_saved_with() {
    let home = Target::start().await;
    let elsewhere = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let raw = Raw::new(&sandbox);
    let created = raw
        .post_json("/v2/connections", &oauth_connection(&home, Some(SECRET)))
        .await;
    assert_eq!(created.status, 201);
    let reference = created.body["ref"].as_str().unwrap();
    let path = format!("/v2/connections/{reference}");
    let retrieved = raw.call("GET", &path, None, None).await.body;

    // The token URL of the test body is another one: the stored secret
    // is not sent there, nor anywhere else.
    let mut moved = retrieved.clone();
    moved["auth"]["accessTokenUrl"] = json!(format!("{}/token", elsewhere.base));
    let result = test(&raw, moved.clone()).await;
    assert!(result["statusCode"].is_null(), "{result}");
    assert_eq!(elsewhere.seen().len(), 1, "the token request goes out");
    assert_eq!(secrets_sent(&elsewhere), Vec::<String>::new());
    assert_eq!(secrets_sent(&home), Vec::<String>::new());

    // Same token settings, but the token would go to another URL.
    let mut redirected = retrieved.clone();
    redirected["request"]["connectionUrl"] = json!(format!("{}/protected", elsewhere.base));
    test(&raw, redirected).await;
    assert_eq!(secrets_sent(&home), Vec::<String>::new());
    assert!(
        elsewhere
            .seen()
            .iter()
            .all(|seen| !seen.headers.contains_key("authorization")),
        "no token got with the stored secret goes elsewhere"
    );

    // Any other token setting changed: no stored secret either.
    for (member, value) in [
        ("clientId", json!("other")),
        (
            "formUrlEncodedItems",
            json!([{"name": "audience", "value": "b"}]),
        ),
        ("oauthCustomHeaders", json!([])),
    ] {
        let mut changed = retrieved.clone();
        changed["auth"][member] = value;
        test(&raw, changed).await;
        assert_eq!(secrets_sent(&home), Vec::<String>::new(), "{member}");
    }

    // An update that moves the token URL without a secret drops the
    // stored one: a later test of the saved connection cannot send it.
    let updated = raw
        .call(
            "PUT",
            &path,
            Some("application/json"),
            Some(moved.to_string().into_bytes()),
        )
        .await;
    assert_eq!(updated.status, 201, "{:?}", updated.body);
    let now = raw.call("GET", &path, None, None).await.body;
    test(&raw, now.clone()).await;
    assert_eq!(secrets_sent(&elsewhere), Vec::<String>::new());

    // Moved back, still no secret: it was dropped, not hidden.
    let back = raw
        .call(
            "PUT",
            &path,
            Some("application/json"),
            Some(retrieved.to_string().into_bytes()),
        )
        .await;
    assert_eq!(back.status, 201);
    test(&raw, retrieved.clone()).await;
    assert_eq!(secrets_sent(&home), Vec::<String>::new());

    // A test body with its own secret sends that one, wherever it says.
    let mut own = moved;
    own["auth"]["clientSecret"] = json!("typed");
    test(&raw, own).await;
    assert_eq!(secrets_sent(&elsewhere), vec!["typed".to_string()]);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn what_an_endpoint_echoes_of_the_stored_secret_or_its_token_is_redacted() {
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let raw = Raw::new(&sandbox);
    let saved = |token_path: &str, target_path: &str| {
        let mut connection = oauth_connection(&target, Some(SECRET));
        connection["auth"]["accessTokenUrl"] = json!(format!("{}{token_path}", target.base));
        connection["request"]["connectionUrl"] = json!(format!("{}{target_path}", target.base));
        connection
    };
    for connection in [
        saved("/token-echo", "/protected"),
        saved("/token", "/mirror"),
    ] {
        let created = raw.post_json("/v2/connections", &connection).await;
        assert_eq!(created.status, 201);
        let path = format!("/v2/connections/{}", created.body["ref"].as_str().unwrap());
        let retrieved = raw.call("GET", &path, None, None).await.body;
        let result = test(&raw, retrieved).await.to_string();
        assert!(!result.contains(SECRET), "{result}");
        assert!(!result.contains(ISSUED_TOKEN), "{result}");
        assert!(result.contains("[redacted]"), "{result}");
    }
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn timeouts_are_honoured_and_failures_are_results() {
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let raw = Raw::new(&sandbox);

    // socketTimeout: the target takes 20 s to answer.
    let mut slow = connection(&format!("{}/slow", target.base));
    slow["socketTimeout"] = json!(300);
    let result = test(&raw, slow).await;
    assert!(result["statusCode"].is_null(), "{result}");
    assert!(
        result["error"].as_str().unwrap().contains("socketTimeout"),
        "{result}"
    );
    assert!(result["executionTimeInMilliseconds"].as_u64().unwrap() >= 300);

    // connectionTimeout: the handshake never completes.
    let (address, _hold) = target::full_backlog().await;
    let mut unreachable = connection(&format!("http://{address}/"));
    unreachable["connectionTimeout"] = json!(300);
    let result = test(&raw, unreachable).await;
    assert!(result["statusCode"].is_null(), "{result}");
    assert!(
        result["error"]
            .as_str()
            .unwrap()
            .contains("connectionTimeout"),
        "{result}"
    );
    assert!(result["executionTimeInMilliseconds"].as_u64().unwrap() >= 300);

    // Refused, and not HTTP.
    let refused = test(
        &raw,
        connection(&format!("http://{}/", target::closed_port().await)),
    )
    .await;
    assert!(refused["statusCode"].is_null());
    assert!(
        refused["error"].as_str().unwrap().contains("failed"),
        "{refused}"
    );
    let garbage = test(
        &raw,
        connection(&format!("http://{}/", target::garbage_server().await)),
    )
    .await;
    assert!(garbage["statusCode"].is_null());
    assert!(!garbage["error"].as_str().unwrap().is_empty());

    // A URL that is no URL.
    let nowhere = test(&raw, connection("<baseURL>/v2/decisionModelDefinitions/x")).await;
    assert!(nowhere["error"].as_str().unwrap().contains("connectionUrl"));
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn bodies_are_capped_and_redirects_are_not_followed() {
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let raw = Raw::new(&sandbox);
    let big = test(&raw, connection(&format!("{}/big", target.base))).await;
    assert_eq!(big["statusCode"], 200);
    assert_eq!(big["response"]["truncated"], true);
    let limit = connections_sandbox::outbound::RESPONSE_BODY_LIMIT;
    assert!(limit < BIG_BODY);
    assert_eq!(big["response"]["body"].as_str().unwrap().len(), limit);

    let redirected = test(&raw, connection(&format!("{}/redirect", target.base))).await;
    assert_eq!(redirected["statusCode"], 302);
    assert_eq!(redirected["response"]["headers"]["location"], "/echo");
    let paths: Vec<String> = target
        .seen()
        .iter()
        .map(|s| s.uri.path().to_string())
        .collect();
    assert_eq!(
        paths,
        ["/big", "/redirect"],
        "the redirect was not followed"
    );
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn by_default_internal_targets_are_refused_and_never_contacted() {
    let target = Target::start().await;
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let port = target.base.rsplit(':').next().unwrap().to_string();
    for url in [
        format!("{}/echo", target.base),
        format!("http://localhost:{port}/echo"),
        format!("http://[::ffff:127.0.0.1]:{port}/echo"),
        format!("http://[::1]:{port}/echo"),
    ] {
        let result = test(&raw, connection(&url)).await;
        assert!(result["statusCode"].is_null(), "{url}: {result}");
        let error = result["error"].as_str().unwrap();
        assert!(
            error.contains("outbound policy") && error.contains("--allow-private-targets"),
            "{url}: {error}"
        );
    }
    // The token URL is checked as well.
    let mut oauth = connection(&format!("{}/echo", target.base));
    oauth["auth"] = json!({"authType": "OAUTH", "clientId": "c", "clientSecret": "s",
                           "accessTokenUrl": format!("{}/token", target.base)});
    let result = test(&raw, oauth).await;
    assert!(
        result["error"]
            .as_str()
            .unwrap()
            .contains("outbound policy")
    );
    assert!(target.seen().is_empty(), "the target was never contacted");
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn loopback_only_targets_reach_loopback_and_nothing_else() {
    // For CI and fuzzers: no generated URL may leave the machine, not even
    // as a DNS query.
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.loopback_only = true).await;
    let raw = Raw::new(&sandbox);
    let port = target.base.rsplit(':').next().unwrap().to_string();
    for url in [
        format!("{}/echo", target.base),
        format!("http://localhost:{port}/echo"),
    ] {
        let result = test(&raw, connection(&url)).await;
        assert_eq!(result["statusCode"], 202, "{url}: {result}");
    }
    for url in [
        "http://example.com/hook".to_string(),
        "http://10.0.0.1/hook".to_string(),
        "http://93.184.215.14/hook".to_string(),
        "http://[2001:db8::1]/hook".to_string(),
    ] {
        let result = test(&raw, connection(&url)).await;
        assert!(result["statusCode"].is_null(), "{url}: {result}");
        let error = result["error"].as_str().unwrap();
        assert!(
            error.contains("only loopback targets") && error.contains("--loopback-only-targets"),
            "{url}: {error}"
        );
    }
    assert_eq!(target.seen().len(), 2);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn the_documented_test_request_is_accepted() {
    // Sitecore's test-a-connection request body, unchanged: the sandbox
    // validates and answers it (its URL is a public host, so the policy
    // check resolves it; to keep tests offline the URL is swapped for a
    // refused loopback one).
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let mut body: Value = serde_json::from_str(include_str!(
        "../../../spec/doc-examples/test-a-connection.request.json"
    ))
    .unwrap();
    body["connection"]["request"]["connectionUrl"] = json!("http://127.0.0.1:9/api/sms/send");
    let answer = raw.post_json("/v2/connections/testConnection", &body).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["request"]["headers"]["X-Guest-SMS"], "{sms}");
    assert!(answer.body["statusCode"].is_null());
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn framing_headers_are_refused_and_never_sent() {
    let target = Target::start().await;
    let sandbox = start_with(|c| c.outbound.allow_private_targets = true).await;
    let raw = Raw::new(&sandbox);
    for (name, value) in [("Content-Length", "5"), ("transfer-encoding", "chunked")] {
        let mut connection = connection(&format!("{}/echo", target.base));
        connection["request"]["requestType"] = json!("POST");
        connection["request"]["requestBody"] = json!("{\"forty bytes of body, give or take\":1}");
        connection["customHeaders"] = json!([{"name": name, "value": value}]);
        let created = raw.post_json("/v2/connections", &connection).await;
        assert_eq!(created.status, 400, "{name}: {:?}", created.body);
        assert_eq!(created.body["errors"][0]["field"], "/customHeaders/0/name");
        let tested = raw
            .post_json(
                "/v2/connections/testConnection",
                &json!({ "connection": connection }),
            )
            .await;
        assert_eq!(tested.status, 400, "{name}: {:?}", tested.body);
        assert_eq!(
            tested.body["errors"][0]["field"],
            "/connection/customHeaders/0/name"
        );
        let mut oauth = oauth_connection(&target, Some(SECRET));
        oauth["auth"]["oauthCustomHeaders"] = json!([{"name": name, "value": value}]);
        let created = raw.post_json("/v2/connections", &oauth).await;
        assert_eq!(created.status, 400, "{name}: {:?}", created.body);
        assert_eq!(
            created.body["errors"][0]["field"],
            "/auth/oauthCustomHeaders/0/name"
        );
    }
    assert!(target.seen().is_empty(), "nothing was sent");
    within(sandbox.shutdown()).await.unwrap();
}
