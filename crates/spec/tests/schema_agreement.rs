//! utoipa's schemas agree with what serde really writes and reads.
//!
//! utoipa can silently disagree with serde (it ignores some serde
//! attributes). A serialized sample of every type must validate against the
//! emitted schema, and the schema must reject what serde rejects.

mod common;

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use connections_spec::{
    Auth, Connection, ConnectionInput, ConnectionList, ConnectionTestResult, ErrorBody, FieldError,
    InputMapping, Link, MappingType, NameValue, OutboundRequest, OutputMapping, RequestType,
    SystemType, TestConnectionRequest, TestedRequest, TestedResponse,
};
use serde_json::{Value, json};

fn oauth() -> Auth {
    Auth::OAuth {
        client_id: "client".into(),
        client_secret: Some("secret".into()),
        access_token_url: "https://auth.example/oauth/token".into(),
        use_mutual_tls: Some(false),
        oauth_custom_headers: Some(vec![NameValue {
            name: "X-A".into(),
            value: "1".into(),
        }]),
        form_url_encoded_items: Some(vec![NameValue {
            name: "scope".into(),
            value: "read".into(),
        }]),
    }
}

fn full_connection() -> Connection {
    Connection {
        client_key: "key".into(),
        href: "http://127.0.0.1:8080/v2/connections/4b8f".into(),
        reference: "4b8f".into(),
        name: "All fields".into(),
        description: Some("every member set".into()),
        modified_by_ref: "user".into(),
        modified_at: Utc.with_ymd_and_hms(2025, 1, 30, 22, 2, 23).unwrap(),
        revision: Some(3),
        archived: false,
        auth: oauth(),
        request: OutboundRequest {
            request_type: RequestType::Patch,
            connection_url: "https://example.com/x".into(),
            request_body: Some("{\"a\":\"${a}\"}".into()),
        },
        example_value: Some("{\"a\":\"1\"}".into()),
        input_mappings: Some(vec![InputMapping {
            label: "A".into(),
            key: "a".into(),
            value_type: MappingType::Object,
            example_value: "1".into(),
            mapping: String::new(),
        }]),
        output_mappings: Some(vec![OutputMapping {
            label: "B".into(),
            output_reference: "$.b".into(),
            value_type: MappingType::StringCapitalized,
        }]),
        custom_headers: Some(vec![NameValue {
            name: "Accept".into(),
            value: "application/json".into(),
        }]),
        url_parameters: Some(vec![NameValue {
            name: "q".into(),
            value: "${a}".into(),
        }]),
        system_type: SystemType::Ai,
        connection_timeout: 1000,
        socket_timeout: Some(2000),
        icon: Some("plug.svg".into()),
    }
}

fn minimal_connection() -> Connection {
    Connection {
        description: None,
        revision: None,
        auth: Auth::None,
        example_value: None,
        input_mappings: None,
        output_mappings: None,
        custom_headers: None,
        url_parameters: None,
        socket_timeout: None,
        icon: None,
        ..full_connection()
    }
}

/// One serialized sample per schema of the document (and several where a
/// type has variants or optional members).
fn samples() -> Vec<(&'static str, Value)> {
    let mut samples = vec![
        ("Connection", json!(full_connection())),
        ("Connection", json!(minimal_connection())),
        (
            "ConnectionInput",
            json!(ConnectionInput::from(full_connection())),
        ),
        (
            "ConnectionInput",
            json!(ConnectionInput::from(minimal_connection())),
        ),
        (
            "ConnectionList",
            json!(ConnectionList {
                href: "h".into(),
                offset: Some(0),
                limit: Some(10),
                total: Some(11),
                first: Some(Link { href: "f".into() }),
                previous: None,
                next: Some(Link { href: "n".into() }),
                last: Some(Link { href: "l".into() }),
                items: vec![full_connection(), minimal_connection()],
            }),
        ),
        ("Link", json!(Link { href: "h".into() })),
        ("Auth", json!(Auth::None)),
        ("Auth", json!(oauth())),
        ("AuthNone", json!(Auth::None)),
        ("AuthOAuth", json!(oauth())),
        (
            "OutboundRequest",
            json!(OutboundRequest {
                request_type: RequestType::Get,
                connection_url: "u".into(),
                request_body: None,
            }),
        ),
        (
            "NameValue",
            json!(NameValue {
                name: "n".into(),
                value: "v".into()
            }),
        ),
        (
            "TestConnectionRequest",
            json!(TestConnectionRequest {
                connection: ConnectionInput::from(full_connection())
            }),
        ),
        (
            "ConnectionTestResult",
            json!(ConnectionTestResult {
                status_code: Some(202),
                execution_time_in_milliseconds: 351,
                request: TestedRequest {
                    headers: BTreeMap::from([("A".into(), "1".into())]),
                    method: Some("POST".into()),
                    url: Some("https://example.com".into()),
                    body: Some("{}".into()),
                },
                response: Some(TestedResponse {
                    headers: BTreeMap::new(),
                    body: Some("ok".into()),
                    truncated: Some(false),
                }),
                error: None,
            }),
        ),
        (
            "ConnectionTestResult",
            json!(ConnectionTestResult {
                status_code: None,
                execution_time_in_milliseconds: 5,
                request: TestedRequest {
                    headers: BTreeMap::new(),
                    method: None,
                    url: None,
                    body: None
                },
                response: None,
                error: Some("connection refused".into()),
            }),
        ),
        (
            "ErrorBody",
            json!(ErrorBody {
                developer_message: Some("d".into()),
                more_info: Some("m".into()),
                errors: Some(vec![FieldError {
                    field: "/name".into(),
                    message: "missing".into()
                }]),
                ..ErrorBody::new(400, "VALIDATION_FAILED", "bad")
            }),
        ),
        (
            "ErrorBody",
            json!(ErrorBody::new(404, "NOT_FOUND", "no such connection")),
        ),
    ];
    for t in [
        RequestType::Get,
        RequestType::Post,
        RequestType::Put,
        RequestType::Patch,
        RequestType::Delete,
    ] {
        samples.push(("RequestType", json!(t)));
        assert_eq!(json!(t), json!(t.as_str()));
    }
    for t in [
        SystemType::DataSystem,
        SystemType::Destination,
        SystemType::Ai,
    ] {
        samples.push(("SystemType", json!(t)));
    }
    for t in [
        MappingType::String,
        MappingType::Number,
        MappingType::Boolean,
        MappingType::Object,
        MappingType::Array,
        MappingType::StringCapitalized,
    ] {
        samples.push(("MappingType", json!(t)));
    }
    samples
}

#[test]
fn a_sample_of_every_type_validates_against_the_emitted_schema() {
    let document = common::document();
    let samples = samples();
    for (schema, sample) in &samples {
        common::assert_valid(&document, schema, sample, &format!("a {schema} sample"));
    }
    // Every schema of the document has at least one sample.
    let covered: Vec<&str> = samples.iter().map(|(s, _)| *s).collect();
    for name in document["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
    {
        let has_own = covered.contains(&name.as_str());
        let nested = [
            "InputMapping",
            "OutputMapping",
            "TestedRequest",
            "TestedResponse",
            "FieldError",
        ];
        assert!(
            has_own || nested.contains(&name.as_str()),
            "no sample covers schema {name}"
        );
    }
}

#[test]
fn every_enum_value_of_the_document_is_a_serde_value() {
    let document = common::document();
    for (schema, check) in [
        (
            "RequestType",
            (|v: &Value| serde_json::from_value::<RequestType>(v.clone()).is_ok())
                as fn(&Value) -> bool,
        ),
        ("SystemType", |v| {
            serde_json::from_value::<SystemType>(v.clone()).is_ok()
        }),
        ("MappingType", |v| {
            serde_json::from_value::<MappingType>(v.clone()).is_ok()
        }),
    ] {
        let values = document["components"]["schemas"][schema]["enum"]
            .as_array()
            .unwrap();
        for value in values {
            assert!(
                check(value),
                "{schema} value {value} does not parse with serde"
            );
        }
    }
}

#[test]
fn the_schema_rejects_what_serde_rejects() {
    let document = common::document();
    let mut connection = json!(full_connection());
    connection["systemType"] = json!("MAINFRAME");
    assert!(serde_json::from_value::<Connection>(connection.clone()).is_err());
    assert!(!common::validation_errors(&document, "Connection", &connection).is_empty());

    // A misspelled required member: `name` is then missing.
    let mut input = json!(ConnectionInput::from(minimal_connection()));
    let name = input.as_object_mut().unwrap().remove("name").unwrap();
    input["nmae"] = name;
    assert!(serde_json::from_value::<ConnectionInput>(input.clone()).is_err());
    assert!(!common::validation_errors(&document, "ConnectionInput", &input).is_empty());

    let mut auth = json!(oauth());
    auth.as_object_mut().unwrap().remove("clientId");
    assert!(serde_json::from_value::<Auth>(auth.clone()).is_err());
    assert!(!common::validation_errors(&document, "Auth", &auth).is_empty());

    let mut auth = json!(oauth());
    auth["authType"] = json!("oauth");
    assert!(serde_json::from_value::<Auth>(auth.clone()).is_err());
    assert!(!common::validation_errors(&document, "Auth", &auth).is_empty());
}
