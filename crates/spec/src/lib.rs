//! The Sitecore Personalize Connection REST API (v2) as a contract in code.
//!
//! This crate is the single source of truth of the contract: the serde
//! types of every body the API sends or receives ([`Connection`],
//! [`ConnectionInput`], [`ConnectionList`], [`TestConnectionRequest`],
//! [`TestConnectionResult`], [`ErrorBody`]), the operations
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
    Connection, ConnectionInput, InputMapping, MappingType, NameValue, OutboundRequest,
    OutputMapping, RequestType, SystemType,
};
pub use document::{ApiDoc, CONTRACT_VERSION, openapi};
pub use error::{ErrorBody, FieldError};
pub use list::{ConnectionList, DEFAULT_LIMIT, Link, ListQuery, MAX_LIMIT, MIN_LIMIT};
pub use test_connection::{
    TestConnectionRequest, TestConnectionResult, TestedRequest, TestedResponse,
};
