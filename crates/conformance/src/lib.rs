//! Conformance checks for the Connection API contract.
//!
//! Loads an OpenAPI 3.1 document, compiles the JSON Schemas of its
//! components once (Draft 2020-12, the OpenAPI 3.1 dialect) and validates
//! payloads against them.
#![deny(missing_docs)]

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// Why a document or a payload could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    /// The document is not JSON.
    #[error("the document is not JSON: {0}")]
    DocumentJson(#[from] serde_json::Error),
    /// The document has no `components.schemas`.
    #[error("the document has no components.schemas")]
    NoSchemas,
    /// A schema of the document does not compile.
    #[error("schema {name} does not compile: {reason}")]
    Schema {
        /// The component name.
        name: String,
        /// The compiler's message.
        reason: String,
    },
    /// No schema of that name.
    #[error("the document has no schema named {0}")]
    UnknownSchema(String),
}

/// One validation failure of a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the payload.
    pub instance_path: String,
    /// JSON pointer into the schema (the keyword that failed).
    pub schema_path: String,
    /// What is wrong.
    pub message: String,
}

/// A document with every component schema compiled once.
pub struct Contract {
    document: Value,
    validators: BTreeMap<String, jsonschema::Validator>,
}

impl Contract {
    /// Compiles every component schema of an OpenAPI 3.1 document.
    pub fn from_json(text: &str) -> Result<Self, ConformanceError> {
        let document: Value = serde_json::from_str(text)?;
        let names: Vec<String> = document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .ok_or(ConformanceError::NoSchemas)?
            .keys()
            .cloned()
            .collect();
        let mut validators = BTreeMap::new();
        for name in names {
            let root = json!({
                "$ref": format!("#/components/schemas/{name}"),
                "components": document["components"].clone(),
            });
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&root)
                .map_err(|e| ConformanceError::Schema {
                    name: name.clone(),
                    reason: e.to_string(),
                })?;
            validators.insert(name, validator);
        }
        Ok(Self {
            document,
            validators,
        })
    }

    /// The document.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Validates `instance` against the component schema `name`.
    pub fn validate(
        &self,
        name: &str,
        instance: &Value,
    ) -> Result<Vec<Violation>, ConformanceError> {
        let validator = self
            .validators
            .get(name)
            .ok_or_else(|| ConformanceError::UnknownSchema(name.to_string()))?;
        Ok(validator
            .iter_errors(instance)
            .map(|e| Violation {
                instance_path: e.instance_path().to_string(),
                schema_path: e.schema_path().to_string(),
                message: e.to_string(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = include_str!("../../../openapi/connections.json");

    #[test]
    fn the_committed_document_compiles_and_checks_payloads() {
        let contract = Contract::from_json(DOCUMENT).unwrap();
        let ok = json!({"status": 404, "code": "NOT_FOUND", "message": "no"});
        assert!(contract.validate("ErrorBody", &ok).unwrap().is_empty());
        let bad = json!({"status": "404"});
        let violations = contract.validate("ErrorBody", &bad).unwrap();
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].instance_path, "/status");
    }

    #[test]
    fn unknown_schema_and_bad_documents_are_errors() {
        let contract = Contract::from_json(DOCUMENT).unwrap();
        assert!(matches!(
            contract.validate("Nope", &json!({})),
            Err(ConformanceError::UnknownSchema(_))
        ));
        assert!(matches!(
            Contract::from_json("{"),
            Err(ConformanceError::DocumentJson(_))
        ));
        assert!(matches!(
            Contract::from_json("{}"),
            Err(ConformanceError::NoSchemas)
        ));
    }
}
