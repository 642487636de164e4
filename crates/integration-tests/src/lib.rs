//! Tests across the workspace's crates live in `tests/`: they use crates
//! that depend on each other's dev-dependencies, which a test inside one
//! of them would turn into a dependency cycle. The criterion benchmarks of
//! the conformance validator live in `benches/conformance.rs`.
//!
//! The library holds what the benchmark and `cargo xtask bench` share:
//! the payloads both validators (Rust and Python) check, byte for byte.
#![deny(missing_docs)]

use serde_json::{Value, json};

/// The operation whose response schema the payloads are validated against.
pub const OPERATION: &str = "retrieveConnection";
/// The response status of that schema.
pub const STATUS: u16 = 200;
/// The documented example the payloads start from.
pub const EXAMPLE: &str = "weatherDataSystem";
/// The file name of the documented connection, in a payload directory.
pub const DOCUMENTED_CONNECTION_FILE: &str = "documented_connection.json";
/// The file name of the payload with two violations.
pub const TWO_VIOLATIONS_FILE: &str = "two_violations.json";

/// Why the payloads could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The spec lost the example.
    #[error("the spec has no {OPERATION} example {EXAMPLE}")]
    NoExample,
    /// The example is not JSON.
    #[error("the example {EXAMPLE} is not JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The payloads, as the files hold them: the documented example verbatim,
/// and the same with a number as `name` and an unknown `systemType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payloads {
    /// The documented connection (valid).
    pub documented_connection: String,
    /// The payload with two violations.
    pub two_violations: String,
}

impl Payloads {
    /// Builds them from the spec's documented example.
    pub fn built_in() -> Result<Self, PayloadError> {
        let example = connections_spec::examples::ALL
            .iter()
            .find(|e| e.operation_id == OPERATION && e.name == EXAMPLE)
            .ok_or(PayloadError::NoExample)?;
        let mut broken: Value = serde_json::from_str(example.json)?;
        broken["name"] = json!(42);
        broken["systemType"] = json!("WAREHOUSE");
        Ok(Self {
            documented_connection: example.json.to_string(),
            two_violations: serde_json::to_string_pretty(&broken)? + "\n",
        })
    }

    /// `(file name, text)` of each payload.
    pub fn files(&self) -> [(&'static str, &str); 2] {
        [
            (DOCUMENTED_CONNECTION_FILE, &self.documented_connection),
            (TWO_VIOLATIONS_FILE, &self.two_violations),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_broken_payload_differs_in_name_and_system_type_only() {
        let payloads = Payloads::built_in().unwrap();
        let mut valid: Value = serde_json::from_str(&payloads.documented_connection).unwrap();
        let broken: Value = serde_json::from_str(&payloads.two_violations).unwrap();
        assert_ne!(valid, broken);
        valid["name"] = json!(42);
        valid["systemType"] = json!("WAREHOUSE");
        assert_eq!(valid, broken);
    }
}
