//! The OpenAPI document layer of the Connection API contract.
//!
//! Everything that reads an OpenAPI document goes through this crate:
//! - [`document`] loads a document, JSON or YAML, and embeds the
//!   committed one ([`COMMITTED_DOCUMENT`]);
//! - [`pointer`](mod@pointer) escapes, joins and splits JSON pointers (RFC 6901);
//! - [`refs`] follows local `$ref`s, with one bound ([`refs::MAX_REF_DEPTH`]);
//! - [`operations`] lists operations (path items followed through
//!   `$ref`), their effective parameters, request body and responses;
//! - [`schema`] reads component schemas and nullable cores;
//! - [`yaml`] writes a document as YAML that YAML 1.1 and 1.2 loaders
//!   both read back as the JSON;
//! - [`contract`] compiles the document's JSON Schemas once
//!   ([`Contract`]) and reports [`Violation`]s of payloads.
//!
//! No I/O beyond [`document::load`].
#![deny(missing_docs)]

pub mod contract;
pub mod document;
pub mod operations;
pub mod pointer;
pub mod refs;
pub mod schema;
pub mod yaml;

pub use contract::{Contract, ContractError, Violation};
pub use document::{COMMITTED_DOCUMENT, LoadError};
