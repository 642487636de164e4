//! A second, independent schema of the same types, for tests only.
//!
//! utoipa writes the document's schemas from its own reading of the types;
//! schemars derives schemas from serde's attributes. Every example must
//! satisfy both, and mutations that serde rejects must fail both, so a
//! drift between utoipa and serde shows up here even where the samples of
//! `tests/schema_agreement.rs` would not reach.

use jsonschema::Validator;
use schemars::{JsonSchema, schema_for};
use serde_json::{Value, json};

use crate::{
    Connection, ConnectionInput, ConnectionList, ConnectionTestResult, ErrorBody,
    TestConnectionRequest,
    examples::{ALL, Placement},
};

fn schemars_validator<T: JsonSchema>() -> Validator {
    let schema = serde_json::to_value(schema_for!(T)).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn utoipa_validator(name: &str) -> Validator {
    let document = serde_json::to_value(crate::openapi()).unwrap();
    let root = json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": document["components"].clone(),
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap()
}

/// (schema name, schemars validator) for an example's place.
fn validators_for(operation_id: &str, placement: Placement) -> (&'static str, Validator) {
    match (operation_id, placement) {
        ("testConnection", Placement::Request) => (
            "TestConnectionRequest",
            schemars_validator::<TestConnectionRequest>(),
        ),
        (_, Placement::Request) => ("ConnectionInput", schemars_validator::<ConnectionInput>()),
        ("retrieveConnections", Placement::Response(200)) => {
            ("ConnectionList", schemars_validator::<ConnectionList>())
        }
        ("testConnection", Placement::Response(200)) => (
            "ConnectionTestResult",
            schemars_validator::<ConnectionTestResult>(),
        ),
        (_, Placement::Response(s)) if s >= 400 => ("ErrorBody", schemars_validator::<ErrorBody>()),
        (_, Placement::Response(_)) => ("Connection", schemars_validator::<Connection>()),
    }
}

#[test]
fn every_example_satisfies_both_schemas() {
    for example in ALL {
        let (name, from_serde) = validators_for(example.operation_id, example.placement);
        let value = example.value();
        let serde_errors: Vec<String> = from_serde
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(
            serde_errors.is_empty(),
            "{} vs schemars {name}: {serde_errors:?}",
            example.file
        );
        assert!(
            utoipa_validator(name).is_valid(&value),
            "{} vs utoipa {name}",
            example.file
        );
    }
}

/// A change to a valid body that makes it invalid.
type Mutation = fn(&mut Value);

#[test]
fn both_schemas_reject_what_serde_rejects() {
    let retrieved = ALL
        .iter()
        .find(|e| e.file == "retrieve-a-connection.response.json")
        .unwrap()
        .value();
    let mutations: [(&str, Mutation); 6] = [
        ("unknown systemType", |v| {
            v["systemType"] = json!("MAINFRAME")
        }),
        ("unknown authType", |v| {
            v["auth"]["authType"] = json!("BASIC")
        }),
        ("missing name", |v| {
            v.as_object_mut().unwrap().remove("name");
        }),
        ("revision as string", |v| v["revision"] = json!("1")),
        ("exampleValue as object", |v| v["exampleValue"] = json!({})),
        ("mapping type upper case", |v| {
            v["inputMappings"][0]["type"] = json!("STRING")
        }),
    ];
    let from_serde = schemars_validator::<Connection>();
    let from_utoipa = utoipa_validator("Connection");
    for (what, mutate) in mutations {
        let mut value = retrieved.clone();
        mutate(&mut value);
        assert!(
            serde_json::from_value::<Connection>(value.clone()).is_err(),
            "serde accepts {what}"
        );
        assert!(!from_serde.is_valid(&value), "schemars accepts {what}");
        assert!(!from_utoipa.is_valid(&value), "utoipa accepts {what}");
    }
}
