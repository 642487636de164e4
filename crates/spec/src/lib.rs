//! The Sitecore Personalize Connection REST API (v2) as a contract in code.
//!
//! This crate is the single source of truth of the contract: the serde
//! types of every body the API sends or receives ([`Connection`],
//! [`ConnectionInput`], [`ConnectionList`], [`TestConnectionRequest`],
//! [`ConnectionTestResult`], [`ErrorBody`]), the operations
//! ([`operations`]), security and servers, and the documented examples
//! ([`examples`]). [`document`] assembles them into the OpenAPI 3.1
//! document that is committed under `openapi/`, from which the typed
//! client is generated.
//!
//! Where Sitecore's public docs are silent or contradict themselves, the
//! decision is recorded in the doc comment of the type it shapes, and a
//! test keeps it.
#![deny(missing_docs)]

pub mod auth;
pub mod connection;
#[cfg(test)]
mod cross_check;
pub mod document;
pub mod error;
pub mod examples;
pub mod list;
pub mod operations;
pub mod test_connection;

pub use auth::Auth;
pub use connection::{
    Connection, ConnectionInput, FRAMING_HEADERS, InputMapping, MappingType, NameValue,
    OutboundRequest, OutputMapping, RequestType, SystemType,
};
pub use document::{ApiDoc, CONTRACT_VERSION, openapi};
pub use error::{ErrorBody, FieldError};
pub use list::{ConnectionList, DEFAULT_LIMIT, Link, ListQuery, MAX_LIMIT, MIN_LIMIT};
pub use test_connection::{
    ConnectionTestResult, TestConnectionRequest, TestedRequest, TestedResponse,
};

/// The largest value of every unbounded count or duration of the contract:
/// `connectionTimeout`, `socketTimeout`, `revision`, the list's `offset`
/// and `total`.
///
/// **Decision (integer bounds, 1.1.0):** every integer of the document
/// states its `minimum` and `maximum`, and its format is a registered one
/// (`int32`, `int64`). Sitecore publishes no bounds; Personalize's
/// services run on the JVM, whose `int` holds at most 2147483647 (a larger
/// number in these members cannot be stored by such a server), and
/// `int32` is the format every generator maps to a native integer. So
/// these members are `int32`, from 0 (1 for `revision`) to 2147483647.
/// The page size `limit` is 1 to 100, HTTP statuses 100 to 599, and
/// `executionTimeInMilliseconds` is `int64` up to 2^53 − 1, the largest
/// integer every JSON reader reads exactly. JSON Schema counts an integral
/// float (`1000.0`, `1E3`) as an integer, and so must a server.
pub const MAX_INT32: u32 = 2_147_483_647;
