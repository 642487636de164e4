//! Workspace tasks behind `cargo xtask`.
//!
//! The logic lives here, with its tests; `main.rs` only parses arguments.
//! - [`regenerate`]: emits `openapi/` from the spec crate and regenerates
//!   the client with progenitor, or checks that nothing committed drifted.
//! - [`bench`](mod@bench): the conformance validator and Python's `jsonschema`
//!   measured side by side.
//! - [`breaking`]: the breaking-change gate between two documents.
//! - [`conformance`]: the examples and the live suite against a
//!   throwaway sandbox.
//! - [`downgrade`]: the OpenAPI 3.1 → 3.0.3 conversion progenitor needs.
//! - [`release`]: versioned releases, released documents, the changelog.
//! - [`publish`]: the bundle other teams consume.
//! - [`reference`](mod@reference): the offline HTML reference rendered from the document.

pub mod bench;
pub mod breaking;
pub mod conformance;
pub mod downgrade;
pub mod publish;
pub mod reference;
pub mod regenerate;
pub mod release;
pub mod yaml;

/// The workspace root: the folder above `xtask/`, where the tasks read and
/// write the committed files.
pub fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(std::path::PathBuf::from)
        .unwrap_or(manifest)
}
