//! Workspace tasks behind `cargo xtask`.
//!
//! The logic lives here, with its tests; `main.rs` only parses arguments.
//! - [`regenerate`]: emits `openapi/` from the spec crate and regenerates
//!   the client with progenitor, or checks that nothing committed drifted.
//! - [`bench`](mod@bench): the conformance validator and Python's `jsonschema`
//!   measured side by side.
//! - [`conformance`]: the examples and the live suite against a
//!   throwaway sandbox.
//! - [`release`]: versioned releases, released documents, the changelog.
//! - [`publish`]: the bundle other teams consume.
//!
//! The libraries the tasks use live in `connections-openapi` (the
//! document layer) and `connections-openapi-tools` (the breaking-change
//! engine, the HTML reference, the downgrade).

pub mod bench;
pub mod bench_schemathesis;
pub mod conformance;
pub mod publish;
pub mod regenerate;
pub mod release;

/// The workspace root: the folder above `xtask/`, where the tasks read and
/// write the committed files.
pub fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(std::path::PathBuf::from)
        .unwrap_or(manifest)
}
