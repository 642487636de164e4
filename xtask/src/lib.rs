//! Workspace tasks behind `cargo xtask`.
//!
//! The logic lives here, with its tests; `main.rs` only parses arguments.
//! - [`regenerate`]: emits `openapi/` from the spec crate and regenerates
//!   the client with progenitor, or checks that nothing committed drifted.
//! - [`conformance`]: the examples and the live suite against a
//!   throwaway sandbox.
//! - [`downgrade`]: the OpenAPI 3.1 → 3.0.3 conversion progenitor needs.

pub mod conformance;
pub mod downgrade;
pub mod regenerate;
