//! The error body every operation returns with a 4xx or 5xx status.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The error body of every error status (400, 401, 404, 413, 415, 500, 503,
/// 507).
///
/// **What is documented:** the response-codes page describes the error body
/// with an `Attribute | Description` table whose first two rows survive in
/// every public copy: "The corresponding HTTP status code." and "An error
/// code that can be used to obt[ain more information]"; their names do not.
///
/// **Our choice:** `status` (the HTTP status, required, as the one fact the
/// table states) and `code` (an error code string); `message`,
/// `developerMessage` and `moreInfo` follow the usual shape of Sitecore's
/// REST errors; `errors` lists field-level problems of a 400 (the page says
/// "details in body"). Only `status` is required, so an error from a real
/// tenant that carries fewer members still parses. One schema serves every
/// error status of every operation, because progenitor accepts a single
/// error body type per operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// The HTTP status code of the response.
    #[schema(minimum = 100, maximum = 599)]
    pub status: u16,
    /// An error code that identifies the kind of problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A one-line explanation for the person calling the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Detail for the developer (which field, which value, why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_message: Option<String>,
    /// A link or hint where to read more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_info: Option<String>,
    /// Field-level validation problems (400 responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// One validation problem of a request body or parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// The JSON pointer or parameter name of the offending value
    /// (for example `/name` or `limit`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ErrorBody {
    /// An error body with a status, a code and a message.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: Some(code.into()),
            message: Some(message.into()),
            developer_message: None,
            more_info: None,
            errors: None,
        }
    }
}
