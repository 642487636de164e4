//! Shared test helpers: the emitted document and schema validation.

use serde_json::{Value, json};

/// The document as the spec crate emits it.
pub fn document() -> Value {
    serde_json::to_value(connections_spec::openapi()).expect("the document serializes")
}

/// Asserts that `instance` validates against `#/components/schemas/{schema}`
/// under JSON Schema Draft 2020-12 (the OpenAPI 3.1 dialect), with formats
/// checked.
pub fn assert_valid(document: &Value, schema: &str, instance: &Value, what: &str) {
    let errors = validation_errors(document, schema, instance);
    assert!(
        errors.is_empty(),
        "{what} does not validate against {schema}:\n{}",
        errors.join("\n")
    );
}

/// The validation errors of `instance` against a component schema.
pub fn validation_errors(document: &Value, schema: &str, instance: &Value) -> Vec<String> {
    let root = json!({
        "$ref": format!("#/components/schemas/{schema}"),
        "components": document["components"].clone(),
    });
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {schema} does not compile: {e}"));
    validator
        .iter_errors(instance)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect()
}
