//! Tools over OpenAPI documents, as library code with no I/O: each takes
//! parsed documents (from `connections-openapi`) and returns values or text.
//! - [`breaking`]: the breaking-change engine between two documents, its
//!   rules, its reports and the accepted findings;
//! - [`changelog`]: a release's changelog entry, and where it goes;
//! - [`reference`](mod@reference): the offline HTML reference;
//! - [`downgrade`]: the OpenAPI 3.1 → 3.0.3 conversion progenitor needs.
#![deny(missing_docs)]

pub mod breaking;
pub mod changelog;
pub mod downgrade;
pub mod reference;
