//! Bad input gets the right 4xx with an ErrorBody, and writes nothing.

use serde_json::{Value, json};

use crate::common::{Raw, assert_error, input, start, within};

/// One bad body: what it is, its content type, the bytes, the expected
/// status and code, and the field `errors` must name first.
type BadBody = (
    &'static str,
    Option<&'static str>,
    Vec<u8>,
    u16,
    &'static str,
    Option<&'static str>,
);

fn bad_bodies() -> Vec<BadBody> {
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = input("bad");
        change(&mut body);
        body.to_string().into_bytes()
    };
    let json = Some("application/json");
    vec![
        (
            "malformed JSON",
            json,
            b"{\"name\": \"x\",".to_vec(),
            400,
            "MALFORMED_JSON",
            None,
        ),
        ("empty body", json, Vec::new(), 400, "MALFORMED_JSON", None),
        (
            "not UTF-8",
            json,
            vec![0xff, 0xfe, 0x7b],
            400,
            "MALFORMED_JSON",
            None,
        ),
        (
            "a JSON array",
            json,
            b"[1, 2]".to_vec(),
            400,
            "VALIDATION_FAILED",
            Some(""),
        ),
        (
            "wrong type",
            json,
            with(&|b| b["name"] = json!(42)),
            400,
            "VALIDATION_FAILED",
            Some("/name"),
        ),
        (
            "missing name",
            json,
            with(&|b| {
                b.as_object_mut().unwrap().remove("name");
            }),
            400,
            "VALIDATION_FAILED",
            Some("/name"),
        ),
        (
            "unknown enum",
            json,
            with(&|b| b["systemType"] = json!("MAINFRAME")),
            400,
            "VALIDATION_FAILED",
            Some("/systemType"),
        ),
        (
            "unknown request type",
            json,
            with(&|b| b["request"]["requestType"] = json!("FETCH")),
            400,
            "VALIDATION_FAILED",
            Some("/request/requestType"),
        ),
        (
            "unknown auth type",
            json,
            with(&|b| b["auth"] = json!({"authType": "BASIC"})),
            400,
            "VALIDATION_FAILED",
            Some("/auth"),
        ),
        (
            "array for request",
            json,
            with(&|b| b["request"] = json!(["POST", "https://x.example"])),
            400,
            "VALIDATION_FAILED",
            Some("/request"),
        ),
        (
            "negative timeout",
            json,
            with(&|b| b["connectionTimeout"] = json!(-1)),
            400,
            "VALIDATION_FAILED",
            Some("/connectionTimeout"),
        ),
        (
            "text/plain",
            Some("text/plain"),
            with(&|_| {}),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            None,
        ),
        (
            "XML",
            Some("application/xml"),
            b"<connection/>".to_vec(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            None,
        ),
        (
            "a real form",
            Some("application/x-www-form-urlencoded"),
            b"name=x&systemType=AI".to_vec(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            None,
        ),
        (
            "oversize",
            json,
            with(&|b| b["description"] = json!("x".repeat(connections_sandbox::body::BODY_LIMIT))),
            413,
            "PAYLOAD_TOO_LARGE",
            None,
        ),
    ]
}

#[tokio::test]
async fn bad_create_and_update_bodies_are_refused_and_write_nothing() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let existing = raw.post_json("/v2/connections", &input("existing")).await;
    let reference = existing.body["ref"].as_str().unwrap().to_string();
    let before = raw
        .call("GET", &format!("/v2/connections/{reference}"), None, None)
        .await;

    for (what, content_type, body, status, code, field) in bad_bodies() {
        for (method, path) in [
            ("POST", "/v2/connections".to_string()),
            ("PUT", format!("/v2/connections/{reference}")),
        ] {
            let answer = raw
                .call(method, &path, content_type, Some(body.clone()))
                .await;
            assert_error(&answer, status, code);
            if let Some(field) = field {
                let errors = answer.body["errors"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{what}: {:?}", answer.body));
                assert_eq!(
                    errors[0]["field"], field,
                    "{what} {method}: {:?}",
                    answer.body
                );
                assert!(errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
            }
            if code == "MALFORMED_JSON" && !body.is_empty() && body[0] == b'{' {
                let message = answer.body["message"].as_str().unwrap();
                assert!(
                    message.contains("line") && message.contains("column"),
                    "{message}"
                );
            }
        }
    }
    assert_eq!(raw.total().await, 1, "no bad body was stored");
    let after = raw
        .call("GET", &format!("/v2/connections/{reference}"), None, None)
        .await;
    assert_eq!(
        before.body, after.body,
        "no bad body changed the connection"
    );
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn unknown_members_of_request_bodies_are_ignored() {
    // A client sends back what it retrieved: members a newer server added
    // must not turn that into a 400 (contract 1.1.0).
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let mut body = input("with extras");
    body["colour"] = json!("red");
    let created = raw.post_json("/v2/connections", &body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert!(created.body.get("colour").is_none());
    let reference = created.body["ref"].as_str().unwrap().to_string();
    let mut retrieved = raw
        .call("GET", &format!("/v2/connections/{reference}"), None, None)
        .await
        .body;
    retrieved["memberAddedLater"] = json!({"nested": [1]});
    let test = raw
        .post_json(
            "/v2/connections/testConnection",
            &json!({"connection": retrieved, "dryRun": true}),
        )
        .await;
    assert_eq!(test.status, 200, "{:?}", test.body);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn bad_test_connection_bodies_are_refused() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    for (body, field) in [
        (json!({"connection": {"name": "x"}}), "/connection/auth"),
        (json!({"connection": [input("x")]}), "/connection"),
        (input("not wrapped"), "/connection"),
    ] {
        let answer = raw.post_json("/v2/connections/testConnection", &body).await;
        assert_error(&answer, 400, "VALIDATION_FAILED");
        let fields: Vec<&str> = answer.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(fields.contains(&field), "{fields:?} should name {field}");
    }
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn the_docs_curl_lines_work_as_published() {
    // `curl -d '<json>'` sends no Content-Type of its own: curl labels the
    // body application/x-www-form-urlencoded. The sandbox accepts that (and
    // a missing Content-Type) when the body is JSON.
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let body = input("curl").to_string().into_bytes();
    let labelled = raw
        .call(
            "POST",
            "/v2/connections",
            Some("application/x-www-form-urlencoded"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(labelled.status, 201, "{:?}", labelled.body);
    let unlabelled = raw
        .call("POST", "/v2/connections", None, Some(body.clone()))
        .await;
    assert_eq!(unlabelled.status, 201, "{:?}", unlabelled.body);
    let with_charset = raw
        .call(
            "POST",
            "/v2/connections",
            Some("application/json; charset=utf-8"),
            Some(body),
        )
        .await;
    assert_eq!(with_charset.status, 201);
    assert_eq!(raw.total().await, 3);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn unknown_references_routes_and_query_parameters_are_clear_errors() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    for reference in [
        "47c20b31-b5d8-492f-94e5-064958716c21",
        "not-a-uuid",
        "%E2%9C%93",
        "'%20OR%201=1",
    ] {
        let answer = raw
            .call("GET", &format!("/v2/connections/{reference}"), None, None)
            .await;
        assert_error(&answer, 404, "NOT_FOUND");
    }
    assert_error(
        &raw.call("GET", "/v3/anything", None, None).await,
        404,
        "NOT_FOUND",
    );
    assert_error(
        &raw.call("DELETE", "/v2/connections", None, None).await,
        405,
        "METHOD_NOT_ALLOWED",
    );
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("offset=1e3", "offset"),
        ("sort=name", "sort"),
    ] {
        let answer = raw
            .call("GET", &format!("/v2/connections?{query}"), None, None)
            .await;
        assert_error(&answer, 400, "VALIDATION_FAILED");
        assert_eq!(answer.body["errors"][0]["field"], parameter, "{query}");
        assert!(answer.body["message"].as_str().unwrap().contains(parameter));
    }
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn the_largest_400_is_small_whatever_the_input() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let size = |answer: &crate::common::Answer| serde_json::to_vec(&answer.body).unwrap().len();
    let limit = connections_sandbox::error::MAX_FIELD_ERRORS;

    // 65,000 custom headers without a value: 65,000 violations.
    let mut body = input("create-a-connection.request.json");
    body["customHeaders"] = json!(vec![json!({"name": "X"}); 65_000]);
    let answer = raw.post_json("/v2/connections", &body).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["errors"].as_array().unwrap().len(), limit);
    let message = answer.body["message"].as_str().unwrap();
    assert!(message.contains("65000"), "{message}");
    assert!(size(&answer) < 16 * 1024, "{} bytes", size(&answer));

    // A member of 300 KB of the wrong type, and members under 300 KB names.
    let mut body = input("create-a-connection.request.json");
    let long = "x".repeat(300 * 1024);
    body["connectionTimeout"] = json!(long);
    body["auth"] = json!({"authType": "NONE", long.clone(): 1});
    body["request"][long.clone()] = json!(1);
    let answer = raw.post_json("/v2/connections", &body).await;
    assert_eq!(answer.status, 400);
    assert!(size(&answer) < 16 * 1024, "{} bytes", size(&answer));

    // A 47 KB query string of unknown parameters.
    let query: String = (0..6000).map(|i| format!("p{i}=1&")).collect();
    let answer = raw
        .call("GET", &format!("/v2/connections?{query}"), None, None)
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["errors"].as_array().unwrap().len(), limit);
    assert!(size(&answer) < 16 * 1024, "{} bytes", size(&answer));
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn a_number_that_is_not_an_exact_integer_is_refused_naming_its_member() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let valid = input("create-a-connection.request.json").to_string();
    let with = |member: &str, number: &str| {
        let mut text = valid.clone();
        text.insert_str(1, &format!("\"{member}\": {number}, "));
        text
    };
    let post = |body: String| {
        raw.call(
            "POST",
            "/v2/connections",
            Some("application/json"),
            Some(body.into_bytes()),
        )
    };
    for number in [
        "1000.00000000000001",
        "1e-400",
        "999.9999999999999999",
        "2147483647.0000000001",
    ] {
        let answer = post(with("connectionTimeout", number)).await;
        assert_eq!(answer.status, 400, "{number}: {:?}", answer.body);
        assert_eq!(
            answer.body["errors"][0]["field"], "/connectionTimeout",
            "{number}"
        );
        assert!(
            answer.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(number),
            "{number}: {:?}",
            answer.body
        );
    }
    // Exact integers written as floats are integers (JSON Schema says so).
    for (number, stored) in [("1E3", 1000), ("1000.000", 1000), ("2.5e1", 25), ("-0", 0)] {
        let answer = post(with("socketTimeout", number)).await;
        assert_eq!(answer.status, 201, "{number}: {:?}", answer.body);
        assert_eq!(answer.body["socketTimeout"], stored, "{number}");
    }
    // An unknown member may hold any number: it is ignored.
    let answer = post(with("somethingElse", "1e-400")).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn codings_charsets_and_two_content_types_are_refused_not_guessed() {
    let sandbox = start().await;
    let http = reqwest::Client::new();
    let body = input("create-a-connection.request.json").to_string();
    let send = |headers: Vec<(&'static str, &'static str)>| {
        let mut request = http
            .post(format!("{}/v2/connections", sandbox.base_url()))
            .bearer_auth(sandbox.token())
            .body(body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move {
            let answer = within(request.send()).await.unwrap();
            let status = answer.status().as_u16();
            let body: Value = answer.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let json = ("content-type", "application/json");
    for (headers, status, code) in [
        (
            vec![json, ("content-encoding", "gzip")],
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            vec![json, ("content-encoding", "br")],
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            vec![("content-type", "application/json; charset=utf-16")],
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            vec![("content-type", "application/json; charset=latin1")],
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            vec![json, ("content-type", "text/plain")],
            400,
            "AMBIGUOUS_CONTENT_TYPE",
        ),
        (
            vec![("content-type", "text/plain"), json],
            400,
            "AMBIGUOUS_CONTENT_TYPE",
        ),
        (vec![json, json], 400, "AMBIGUOUS_CONTENT_TYPE"),
    ] {
        let (got, answer) = send(headers.clone()).await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{headers:?}: {answer}"
        );
    }
    for headers in [
        vec![json, ("content-encoding", "identity")],
        vec![("content-type", "application/json; charset=UTF-8")],
        vec![("content-type", "application/json; charset=\"utf-8\"")],
    ] {
        let (got, answer) = send(headers.clone()).await;
        assert_eq!(got, 201, "{headers:?}: {answer}");
    }
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn json_nested_past_the_limit_has_its_own_error_not_malformed() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let valid = input("create-a-connection.request.json").to_string();
    let nested = |depth: usize| {
        let mut text = valid.clone();
        let member = format!("\"deep\": {}1{}, ", "[".repeat(depth), "]".repeat(depth));
        text.insert_str(1, &member);
        text.into_bytes()
    };
    // The body is one level; 127 more still read (an unknown member).
    let answer = raw
        .call(
            "POST",
            "/v2/connections",
            Some("application/json"),
            Some(nested(126)),
        )
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    for depth in [127, 128, 5000] {
        let answer = raw
            .call(
                "POST",
                "/v2/connections",
                Some("application/json"),
                Some(nested(depth)),
            )
            .await;
        assert_eq!(answer.status, 400, "{depth}");
        assert_eq!(
            answer.body["code"], "NESTING_TOO_DEEP",
            "{depth}: {:?}",
            answer.body
        );
        let message = answer.body["message"].as_str().unwrap();
        assert!(message.contains("127 levels"), "{message}");
    }
    within(sandbox.shutdown()).await.unwrap();
}
