//! Conformance checks for the Connection API contract.
//!
//! Other teams run this crate in their CI to know that a server (ours,
//! Sitecore's, a fake) and the published OpenAPI 3.1 document agree:
//! - [`Contract`] (from the document layer, `connections-openapi`) loads
//!   the document and compiles its JSON Schemas once (Draft 2020-12, the
//!   OpenAPI 3.1 dialect): every component schema and every request,
//!   response and parameter schema of every operation.
//! - [`examples`] validates every example of the document, and the
//!   fixtures under `openapi/examples/`, against its schema, and reports
//!   schemas that accept anything.
//! - [`payload`] validates one captured payload against an operation.
//! - [`preflight`] stops a run whose token is refused or whose base URL
//!   is not this API before any case is sent.
//! - [`exchange`] is one request as planned (with what it means to show)
//!   and its answer; [`checks`] is the registry of checks, each a plain
//!   function from an exchange to failures.
//! - [`live`] runs a scenario against a running server and checks every
//!   response: status, documented status, `Content-Type`, body schema and
//!   the values sent.
//! - [`report`] renders the outcome as human text, JSON or JUnit XML;
//!   [`exit`] names the exit codes.
#![deny(missing_docs)]

pub mod cases;
pub mod checks;
pub mod cli;
pub mod config;
pub mod contract;
pub mod error;
mod events;
pub mod examples;
pub mod exchange;
pub mod exit;
pub mod findings;
mod fuzzing;
pub mod generate;
pub mod har;
pub mod live;
pub mod payload;
pub mod phases;
pub mod preflight;
pub mod replay;
pub mod report;
mod run;
pub mod scenario;
mod transport;

pub use contract::{ConformanceError, Contract, Violation};

pub use connections_openapi::COMMITTED_DOCUMENT;
