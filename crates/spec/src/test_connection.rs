//! Testing a connection: `POST /v2/connections/testConnection`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::connection::ConnectionInput;

/// The body of `POST /v2/connections/testConnection`.
///
/// The docs send the connection "as retrieved" under `connection`; it may
/// also be a connection that was never saved, so the server-assigned
/// members are optional (the same rules as create and update). Members
/// other than `connection` are accepted and ignored, as in
/// `ConnectionInput`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct TestConnectionRequest {
    /// The connection whose request is sent.
    pub connection: ConnectionInput,
}

/// What happened when the connection's request was sent.
///
/// The docs' example starts `{"statusCode": 202,
/// "executionTimeInMilliseconds": 351, "request": {"headers": {...}` and is
/// cut off in every public copy. `statusCode` is the **external service's**
/// status, not the status of this API call (which is 200). The rest is our
/// design: `request` and `response` describe the exchange, headers are
/// name → value maps as in the example. **Decision:** when no response was
/// received (refused, timed out, refused by policy), `statusCode` is `null`
/// and `error` says why, so the result is still a 200 with a clear reason.
///
/// **Decision (name, 2.0.0):** this schema was `TestConnectionResult` up
/// to 1.1.0. orval, at its default settings, names the response of the
/// operation `testConnection` `TestConnectionResult` as well, and its
/// output did not compile (a duplicate identifier). No schema is named as
/// orval names an operation's types (the operation plus `Result`,
/// `Params` or `Body`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTestResult {
    /// The HTTP status the external service answered with; `null` when it
    /// gave no HTTP answer.
    #[schema(required = true, minimum = 100, maximum = 599)]
    pub status_code: Option<u16>,
    /// How long the exchange took, in milliseconds: 0 to 2^53 − 1
    /// (9007199254740991), the largest integer every JSON reader,
    /// JavaScript's included, reads exactly.
    #[schema(minimum = 0, maximum = 9007199254740991_i64)]
    pub execution_time_in_milliseconds: u64,
    /// The request that was sent.
    pub request: TestedRequest,
    /// The response that came back, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<TestedResponse>,
    /// Why no response came back, when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The request a connection test sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestedRequest {
    /// The headers sent, name → value.
    pub headers: BTreeMap<String, String>,
    /// The HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The URL, with URL parameters appended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The body, with placeholders filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// The response a connection test received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestedResponse {
    /// The headers received, name → value.
    pub headers: BTreeMap<String, String>,
    /// The body received, as text (cut at the server's size limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `true` when `body` was cut at the server's size limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}
