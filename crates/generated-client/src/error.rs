//! The one error type of [`ConnectionsClient`](crate::ConnectionsClient) and
//! the names of the operations.

use std::fmt;

use bytes::Bytes;
use reqwest::{StatusCode, header::HeaderMap};

use crate::{auth::TokenError, hooks::ResponseHead, types};

/// The operations of the Connection API, named by their `operationId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `GET /v2/connections`
    RetrieveConnections,
    /// `GET /v2/connections/{connectionRef}`
    RetrieveConnection,
    /// `POST /v2/connections`
    CreateConnection,
    /// `PUT /v2/connections/{connectionRef}`
    UpdateConnection,
    /// `POST /v2/connections/testConnection`
    TestConnection,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 5] = [
        Operation::RetrieveConnections,
        Operation::RetrieveConnection,
        Operation::CreateConnection,
        Operation::UpdateConnection,
        Operation::TestConnection,
    ];

    /// The `operationId` of the contract, e.g. `retrieveConnection`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::RetrieveConnections => "retrieveConnections",
            Operation::RetrieveConnection => "retrieveConnection",
            Operation::CreateConnection => "createConnection",
            Operation::UpdateConnection => "updateConnection",
            Operation::TestConnection => "testConnection",
        }
    }

    /// The operation of a generated method name, e.g. `retrieve_connection`.
    pub fn from_generated_id(id: &str) -> Option<Operation> {
        match id {
            "retrieve_connections" => Some(Operation::RetrieveConnections),
            "retrieve_connection" => Some(Operation::RetrieveConnection),
            "create_connection" => Some(Operation::CreateConnection),
            "update_connection" => Some(Operation::UpdateConnection),
            "test_connection" => Some(Operation::TestConnection),
            _ => None,
        }
    }

    /// Whether sending the operation twice has the effect of sending it
    /// once: the reads and `updateConnection` (a PUT). Not
    /// `createConnection`, and not `testConnection`, which makes the server
    /// call the external service the connection describes (the documented
    /// example sends an SMS), so a second send can act twice.
    pub fn is_idempotent(self) -> bool {
        !matches!(
            self,
            Operation::CreateConnection | Operation::TestConnection
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a call of [`ConnectionsClient`](crate::ConnectionsClient) failed.
///
/// Every variant names the operation; [`ConnectionsError::status`] and
/// [`ConnectionsError::error_body`] give the HTTP status and the documented
/// error body when the server answered. `Display` is one line a person can
/// act on, causes included.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionsError {
    /// The API answered with an error status (after any retries).
    #[error("{operation}: {}: {}", status_line(*.status), api_reason(*.status, .body.as_ref(), .text.as_deref()))]
    Api {
        /// The operation called.
        operation: Operation,
        /// The HTTP status of the answer.
        status: StatusCode,
        /// The documented error body, when the answer carried one.
        body: Option<types::ErrorBody>,
        /// The answer's body as text, when it was not the documented error
        /// body (a proxy's HTML page, say).
        text: Option<String>,
        /// The answer's headers.
        headers: HeaderMap,
    },
    /// No access token could be obtained.
    #[error("{error}")]
    Token {
        /// The operation that needed the token.
        operation: Operation,
        /// Why the token endpoint failed.
        error: TokenError,
    },
    /// The API could not be reached, or did not answer in time (after any
    /// retries).
    #[error("{operation}: no answer from the server: {reason}: check the base URL and the network")]
    Unreachable {
        /// The operation called.
        operation: Operation,
        /// What went wrong, with its causes.
        reason: String,
        /// The underlying error.
        error: reqwest::Error,
    },
    /// The answer does not match the contract (an unknown enum value a
    /// newer server added, say). The raw body is kept.
    #[error("{operation}: the answer does not match the contract: {error}")]
    InvalidResponse {
        /// The operation called.
        operation: Operation,
        /// The body as received.
        body: Bytes,
        /// Why it does not parse.
        error: serde_json::Error,
    },
    /// The request could not be built or was refused before it was sent.
    #[error("{operation}: {message}")]
    InvalidRequest {
        /// The operation called.
        operation: Operation,
        /// What is wrong.
        message: String,
    },
    /// The server's `next` link of `retrieveConnections` does not lead
    /// further, so reading every page would never end.
    #[error("{operation}: the next page link `{href}` does not advance past offset {offset}")]
    PagingStalled {
        /// Always [`Operation::RetrieveConnections`].
        operation: Operation,
        /// The offending link.
        href: String,
        /// The offset of the page that carried it.
        offset: u64,
    },
}

impl ConnectionsError {
    /// The operation that failed.
    pub fn operation(&self) -> Operation {
        match self {
            ConnectionsError::Api { operation, .. }
            | ConnectionsError::Token { operation, .. }
            | ConnectionsError::Unreachable { operation, .. }
            | ConnectionsError::InvalidResponse { operation, .. }
            | ConnectionsError::InvalidRequest { operation, .. }
            | ConnectionsError::PagingStalled { operation, .. } => *operation,
        }
    }

    /// The HTTP status of the API's answer, when it answered with an error.
    /// (Token endpoint failures are in [`TokenError`].)
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ConnectionsError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The documented error body, when the answer carried one.
    pub fn error_body(&self) -> Option<&types::ErrorBody> {
        match self {
            ConnectionsError::Api { body, .. } => body.as_ref(),
            _ => None,
        }
    }

    /// The token error, when the failure was getting a token.
    pub fn token_error(&self) -> Option<&TokenError> {
        match self {
            ConnectionsError::Token { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Converts an error of the generated client, reading the body of an
    /// answer the contract does not list. `head` is the status and headers
    /// of the last answer, which the generated error lacks when an error
    /// body does not parse.
    pub(crate) async fn from_generated(
        operation: Operation,
        error: progenitor_client::Error<types::ErrorBody>,
        head: Option<ResponseHead>,
    ) -> Self {
        use progenitor_client::Error;
        match error {
            Error::ErrorResponse(answer) => {
                let status = answer.status();
                let headers = answer.headers().clone();
                ConnectionsError::Api {
                    operation,
                    status,
                    body: Some(answer.into_inner()),
                    text: None,
                    headers,
                }
            }
            Error::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let bytes = response.bytes().await.unwrap_or_default();
                let body = serde_json::from_slice::<types::ErrorBody>(&bytes).ok();
                let text = match body {
                    Some(_) => None,
                    None => Some(String::from_utf8_lossy(&bytes).into_owned()),
                };
                ConnectionsError::Api {
                    operation,
                    status,
                    body,
                    text,
                    headers,
                }
            }
            Error::CommunicationError(error)
            | Error::ResponseBodyError(error)
            | Error::InvalidUpgrade(error) => ConnectionsError::Unreachable {
                operation,
                reason: error_chain(&error),
                error,
            },
            Error::InvalidResponsePayload(body, error) => match head {
                // An error status whose body is not the documented one.
                Some(head) if head.status.is_client_error() || head.status.is_server_error() => {
                    ConnectionsError::Api {
                        operation,
                        status: head.status,
                        body: None,
                        text: Some(String::from_utf8_lossy(&body).into_owned()),
                        headers: head.headers,
                    }
                }
                _ => ConnectionsError::InvalidResponse {
                    operation,
                    body,
                    error,
                },
            },
            Error::InvalidRequest(message) | Error::Custom(message) => {
                ConnectionsError::InvalidRequest { operation, message }
            }
        }
    }
}

/// `404 Not Found`.
fn status_line(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The longest stretch of an undocumented body quoted in a message.
const QUOTED_BODY_CHARS: usize = 200;

/// The reason of an error answer: the error body's message and code and
/// field errors, or the start of an undocumented body, or what the status
/// means; for 401, 403 and 429, what to do.
fn api_reason(status: StatusCode, body: Option<&types::ErrorBody>, text: Option<&str>) -> String {
    let mut reason = String::new();
    if let Some(body) = body {
        let message = body
            .message
            .as_deref()
            .or(body.developer_message.as_deref())
            .filter(|m| !m.trim().is_empty());
        reason.push_str(message.map_or("(no message)", str::trim));
        if let Some(code) = body.code.as_deref().filter(|c| !c.is_empty()) {
            reason.push_str(&format!(" ({code})"));
        }
        for field in body.errors.iter().flatten() {
            reason.push_str(&format!("; {}: {}", field.field, field.message));
        }
    } else if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut quoted: String = one_line.chars().take(QUOTED_BODY_CHARS).collect();
        if quoted.len() < one_line.len() {
            quoted.push('…');
        }
        reason.push_str(&format!("undocumented body `{quoted}`"));
    } else {
        reason.push_str("no error body");
    }
    let hint = match status {
        StatusCode::UNAUTHORIZED => Some(
            "the access token was refused: check the credentials and that they belong to this region's tenant",
        ),
        StatusCode::FORBIDDEN => Some("the credentials may not use this API"),
        StatusCode::TOO_MANY_REQUESTS => Some("too many requests: slow down"),
        _ => None,
    };
    if let Some(hint) = hint {
        reason.push_str(": ");
        reason.push_str(hint);
    }
    reason
}

/// An error and its causes on one line, separated by `: `, without
/// repeating a cause that the previous message already contains.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_map_from_the_generated_names() {
        for (id, operation) in [
            ("retrieve_connections", Operation::RetrieveConnections),
            ("retrieve_connection", Operation::RetrieveConnection),
            ("create_connection", Operation::CreateConnection),
            ("update_connection", Operation::UpdateConnection),
            ("test_connection", Operation::TestConnection),
        ] {
            assert_eq!(Operation::from_generated_id(id), Some(operation), "{id}");
        }
        assert_eq!(Operation::from_generated_id("retrieveconnection_"), None);
        assert_eq!(Operation::from_generated_id("delete_connection"), None);
        assert!(!Operation::CreateConnection.is_idempotent());
        assert!(Operation::UpdateConnection.is_idempotent());
        assert!(!Operation::TestConnection.is_idempotent());
    }

    #[test]
    fn operation_names_are_the_documents_operation_ids() {
        let document: serde_json::Value =
            serde_json::from_str(include_str!("../../../openapi/connections.json")).unwrap();
        let mut ids: Vec<&str> = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|operation| operation["operationId"].as_str())
            .collect();
        ids.sort_unstable();
        let mut ours: Vec<&str> = Operation::ALL.iter().map(|o| o.as_str()).collect();
        ours.sort_unstable();
        assert_eq!(ids, ours);
    }

    fn api(status: u16, body: Option<types::ErrorBody>, text: Option<&str>) -> ConnectionsError {
        ConnectionsError::Api {
            operation: Operation::RetrieveConnection,
            status: StatusCode::from_u16(status).unwrap(),
            body,
            text: text.map(str::to_string),
            headers: HeaderMap::new(),
        }
    }

    #[test]
    fn an_error_body_reads_as_one_line() {
        let body: types::ErrorBody =
            serde_json::from_str(include_str!("../../spec/doc-examples/error-404.json")).unwrap();
        let error = api(404, Some(body.clone()), None);
        let message = error.to_string();
        assert!(
            message.starts_with("retrieveConnection: 404 Not Found: "),
            "{message}"
        );
        if let Some(code) = &body.code {
            assert!(message.ends_with(&format!("({code})")), "{message}");
        }
        assert!(!message.contains('\n'));
        assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(error.error_body(), Some(&body));
        assert_eq!(error.operation(), Operation::RetrieveConnection);
    }

    #[test]
    fn field_errors_and_hints_are_part_of_the_message() {
        let mut body = types::ErrorBody {
            status: 400,
            code: Some("INVALID".into()),
            message: Some("The connection is not valid.".into()),
            developer_message: None,
            more_info: None,
            errors: Some(vec![types::FieldError {
                field: "/name".into(),
                message: "must not be empty".into(),
            }]),
        };
        assert_eq!(
            api(400, Some(body.clone()), None).to_string(),
            "retrieveConnection: 400 Bad Request: The connection is not valid. (INVALID); /name: must not be empty"
        );
        body.status = 401;
        body.errors = None;
        body.message = None;
        body.developer_message = Some("token expired".into());
        let unauthorized = api(401, Some(body), None).to_string();
        assert!(
            unauthorized.contains(
                "401 Unauthorized: token expired (INVALID): the access token was refused"
            ),
            "{unauthorized}"
        );
    }

    #[test]
    fn an_undocumented_body_is_quoted_briefly() {
        let page = format!("<html>\n<body>{}</body></html>", "x".repeat(500));
        let message = api(502, None, Some(&page)).to_string();
        assert!(
            message.starts_with(
                "retrieveConnection: 502 Bad Gateway: undocumented body `<html> <body>xxx"
            ),
            "{message}"
        );
        assert!(message.ends_with("…`"), "{message}");
        assert!(message.len() < 300);
        assert_eq!(
            api(429, None, Some("")).to_string(),
            "retrieveConnection: 429 Too Many Requests: no error body: too many requests: slow down"
        );
    }

    #[test]
    fn causes_are_joined_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let error = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        ));
        assert_eq!(error_chain(&error), "outer: connection refused");
    }
}
