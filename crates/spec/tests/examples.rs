//! Every example attached to the document parses into its Rust type,
//! serializes back to the same JSON, and validates against its schema.

mod common;

use connections_spec::{
    Connection, ConnectionInput, ConnectionList, ConnectionTestResult, ErrorBody,
    TestConnectionRequest,
    examples::{ALL, DocExample, Placement, Provenance},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

fn round_trip<T: DeserializeOwned + Serialize>(example: &DocExample) -> Value {
    let original = example.value();
    let parsed: T = serde_json::from_value(original.clone())
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", example.file));
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(
        back, original,
        "{} does not serialize back to the same JSON",
        example.file
    );
    back
}

/// The schema and Rust type of an example, from where it sits.
fn schema_of(example: &DocExample) -> &'static str {
    match (example.operation_id, example.placement) {
        ("createConnection" | "updateConnection", Placement::Request) => "ConnectionInput",
        ("testConnection", Placement::Request) => "TestConnectionRequest",
        ("retrieveConnections", Placement::Response(200)) => "ConnectionList",
        ("testConnection", Placement::Response(200)) => "ConnectionTestResult",
        (_, Placement::Response(status)) if status >= 400 => "ErrorBody",
        (_, Placement::Response(_)) => "Connection",
        (op, placement) => panic!("no schema known for {op} {placement:?}"),
    }
}

#[test]
fn every_example_round_trips_through_its_rust_type() {
    for example in ALL {
        match schema_of(example) {
            "ConnectionInput" => round_trip::<ConnectionInput>(example),
            "TestConnectionRequest" => round_trip::<TestConnectionRequest>(example),
            "ConnectionList" => round_trip::<ConnectionList>(example),
            "ConnectionTestResult" => round_trip::<ConnectionTestResult>(example),
            "ErrorBody" => round_trip::<ErrorBody>(example),
            "Connection" => round_trip::<Connection>(example),
            other => panic!("unhandled schema {other}"),
        };
    }
}

#[test]
fn every_example_validates_against_the_emitted_schema() {
    let document = common::document();
    for example in ALL {
        common::assert_valid(
            &document,
            schema_of(example),
            &example.value(),
            example.file,
        );
    }
}

#[test]
fn every_example_appears_in_the_document_under_its_operation() {
    let document = common::document();
    for example in ALL {
        let (method, path) = match example.operation_id {
            "createConnection" => ("post", "/v2/connections"),
            "retrieveConnections" => ("get", "/v2/connections"),
            "retrieveConnection" => ("get", "/v2/connections/{connectionRef}"),
            "updateConnection" => ("put", "/v2/connections/{connectionRef}"),
            "testConnection" => ("post", "/v2/connections/testConnection"),
            other => panic!("unknown operation {other}"),
        };
        let operation = &document["paths"][path][method];
        let media = match example.placement {
            Placement::Request => &operation["requestBody"]["content"]["application/json"],
            Placement::Response(status) => {
                &operation["responses"][status.to_string()]["content"]["application/json"]
            }
        };
        assert_eq!(
            media["examples"][example.name]["value"],
            example.value(),
            "{}",
            example.file
        );
    }
}

#[test]
fn the_seed_examples_are_attached_verbatim() {
    // The three bodies of the retrieve and update pages, as published.
    let verbatim: Vec<_> = ALL
        .iter()
        .filter(|e| matches!(e.provenance, Provenance::Verbatim(_)))
        .map(|e| e.file)
        .collect();
    for file in [
        "retrieve-a-connection.response.json",
        "update-a-connection.request.json",
        "update-a-connection.response.json",
    ] {
        assert!(verbatim.contains(&file), "{file} is not attached verbatim");
    }
    let retrieved: Value = serde_json::from_str(include_str!(
        "../doc-examples/retrieve-a-connection.response.json"
    ))
    .unwrap();
    assert_eq!(retrieved["ref"], "47c20b31-b5d8-492f-94e5-064958716c21");
    assert_eq!(retrieved["customHeaders"].as_array().map(Vec::len), Some(3));
}
