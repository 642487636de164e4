//! Validating one captured payload against an operation's request or
//! response schema (the `validate` command).

use serde_json::Value;

use crate::contract::{CompiledSchema, ConformanceError, Contract, Violation, is_json_media_type};

/// Which body of an operation a payload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The request body.
    Request,
    /// The response body of this status.
    Response(u16),
    /// The response body of the operation's first documented success
    /// status (2xx).
    DefaultResponse,
}

/// Why a payload could not be checked (as opposed to: it was checked and
/// violates the contract).
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The operation is unknown.
    #[error(transparent)]
    Contract(#[from] ConformanceError),
    /// The status is not documented for the operation.
    #[error("status {status} is not documented for {operation} (documented: {documented})")]
    UndocumentedStatus {
        /// The operation.
        operation: String,
        /// The status asked for.
        status: u16,
        /// The documented statuses.
        documented: String,
    },
    /// The operation documents no success status to default to.
    #[error("{operation} documents no 2xx response; give --status")]
    NoSuccessStatus {
        /// The operation.
        operation: String,
    },
    /// The operation has no request body.
    #[error("{operation} documents no request body")]
    NoRequestBody {
        /// The operation.
        operation: String,
    },
    /// The body has no JSON schema.
    #[error("{what} of {operation} documents no JSON schema")]
    NoSchema {
        /// The operation.
        operation: String,
        /// Which body.
        what: String,
    },
}

/// A JSON syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not JSON: line {line}, column {column}: {message}")]
pub struct JsonSyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the parser expected.
    pub message: String,
}

/// Parses JSON, reporting the line and column of a syntax error.
pub fn parse_json(text: &str) -> Result<Value, JsonSyntaxError> {
    serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        // serde_json appends " at line L column C"; keep the reason alone.
        let message = full
            .rsplit_once(" at line ")
            .map(|(reason, _)| reason.to_string())
            .unwrap_or(full);
        JsonSyntaxError {
            line: e.line(),
            column: e.column(),
            message,
        }
    })
}

/// What a payload was checked against, and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadVerdict {
    /// "the request body of createConnection" or "the 201 response of ...".
    pub target: String,
    /// JSON pointer of the schema in the document.
    pub schema_pointer: String,
    /// Every violation; empty when the payload conforms.
    pub violations: Vec<Violation>,
}

/// The schema a payload of an operation is checked against, and a
/// phrase naming it ("the 201 response of createConnection").
pub fn payload_schema<'c>(
    contract: &'c Contract,
    operation_id: &str,
    direction: Direction,
) -> Result<(String, &'c CompiledSchema), PayloadError> {
    let operation = contract.operation(operation_id)?;
    let (target, content) = match direction {
        Direction::Request => {
            let body =
                operation
                    .request_body
                    .as_ref()
                    .ok_or_else(|| PayloadError::NoRequestBody {
                        operation: operation.id.clone(),
                    })?;
            (
                format!("the request body of {}", operation.id),
                &body.content,
            )
        }
        Direction::Response(status) => {
            let response =
                operation
                    .response(status)
                    .ok_or_else(|| PayloadError::UndocumentedStatus {
                        operation: operation.id.clone(),
                        status,
                        documented: operation.documented_statuses(),
                    })?;
            (
                format!("the {} response of {}", response.status, operation.id),
                &response.content,
            )
        }
        Direction::DefaultResponse => {
            let response = operation
                .responses
                .iter()
                .find(|r| r.status.starts_with('2'))
                .ok_or_else(|| PayloadError::NoSuccessStatus {
                    operation: operation.id.clone(),
                })?;
            (
                format!("the {} response of {}", response.status, operation.id),
                &response.content,
            )
        }
    };
    let schema = content
        .iter()
        .filter(|m| is_json_media_type(&m.name))
        .find_map(|m| m.schema.as_ref())
        .ok_or_else(|| PayloadError::NoSchema {
            operation: operation.id.clone(),
            what: target.clone(),
        })?;
    Ok((target, schema))
}

/// Validates `payload` against an operation's request or response body.
pub fn validate_payload(
    contract: &Contract,
    operation_id: &str,
    direction: Direction,
    payload: &Value,
) -> Result<PayloadVerdict, PayloadError> {
    let (target, schema) = payload_schema(contract, operation_id, direction)?;
    Ok(PayloadVerdict {
        target,
        schema_pointer: schema.pointer.clone(),
        violations: schema.violations(payload),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contract() -> Contract {
        Contract::from_json(crate::COMMITTED_DOCUMENT).unwrap()
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let error = parse_json("{\n  \"name\": \"x\",\n  oops\n}").unwrap_err();
        assert_eq!((error.line, error.column), (3, 3));
        assert!(
            error
                .to_string()
                .starts_with("not JSON: line 3, column 3: ")
        );
    }

    #[test]
    fn request_and_response_bodies_are_told_apart() {
        let contract = contract();
        let body = json!({"name": "n", "auth": {"authType": "NONE"},
            "request": {"requestType": "GET", "connectionUrl": "x"}, "systemType": "AI"});
        let verdict =
            validate_payload(&contract, "createConnection", Direction::Request, &body).unwrap();
        assert!(verdict.violations.is_empty(), "{verdict:?}");
        assert_eq!(verdict.target, "the request body of createConnection");
        let verdict = validate_payload(
            &contract,
            "createConnection",
            Direction::Response(201),
            &body,
        )
        .unwrap();
        assert!(
            verdict
                .violations
                .iter()
                .any(|v| v.keyword == "required" && v.message.contains("clientKey"))
        );
        let verdict = validate_payload(
            &contract,
            "createConnection",
            Direction::DefaultResponse,
            &body,
        )
        .unwrap();
        assert_eq!(verdict.target, "the 201 response of createConnection");
    }

    #[test]
    fn unknown_operations_and_statuses_are_errors() {
        let contract = contract();
        let error =
            validate_payload(&contract, "nope", Direction::Request, &json!({})).unwrap_err();
        assert!(error.to_string().contains("createConnection"), "{error}");
        let error = validate_payload(
            &contract,
            "createConnection",
            Direction::Response(418),
            &json!({}),
        )
        .unwrap_err();
        assert!(error.to_string().contains("418"), "{error}");
        assert!(error.to_string().contains("201"), "{error}");
        let error = validate_payload(
            &contract,
            "retrieveConnections",
            Direction::Request,
            &json!({}),
        )
        .unwrap_err();
        assert!(matches!(error, PayloadError::NoRequestBody { .. }));
    }
}
