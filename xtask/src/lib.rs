//! Workspace tasks behind `cargo xtask`: one module per command under
//! [`cmd`], each with its arguments and its `run`; [`Cli`] gathers them.
//!
//! The libraries the tasks use hold the logic with no I/O:
//! `connections-openapi` (the document layer) and
//! `connections-openapi-tools` (the breaking-change engine and its report,
//! the changelog text, the HTML reference, the downgrade). The modules
//! here read and write the workspace's files and run programs.

pub mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `cargo xtask`: workspace tasks for the connections contract.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Workspace tasks for the connections contract"
)]
pub struct Cli {
    /// The task.
    #[command(subcommand)]
    pub command: Task,
}

/// The tasks; each variant's doc comment is its `--help`.
#[derive(Debug, Subcommand)]
pub enum Task {
    /// Emit openapi/ from the spec crate and regenerate the client from it.
    Regenerate(cmd::regenerate::Args),
    /// Compare the document with the latest release (or --base) and exit 1
    /// on a breaking change unless the major version was bumped.
    Breaking(cmd::breaking::Args),
    /// Release a version: gate, stamp, regenerate, keep the document under
    /// openapi/released/, add a CHANGELOG.md entry.
    Release(cmd::release::Args),
    /// Build the bundle other teams consume (documents, HTML reference,
    /// changelog, released documents, SHA256SUMS).
    Publish(cmd::publish::Args),
    /// Validate the document's examples, then run the live conformance suite
    /// against a sandbox started in this process; exit 0 passed, 1
    /// violations, 2 could not run.
    Conformance(cmd::conformance::Args),
    /// Measure side by side with other tools, in one run: the conformance
    /// validator and Python's jsonschema; the sandbox and a bare axum
    /// handler under wrk; our coverage + stateful phases and Schemathesis.
    Bench(cmd::bench::Args),
    /// Other teams' tools on the published documents, installed pinned
    /// under target/: YAML 1.1 and 1.2 loaders, openapi-python-client,
    /// openapi-typescript with openapi-fetch and strict tsc, and
    /// Schemathesis against a sandbox started in this process; exit 0
    /// passed, 1 a check failed, 2 could not run.
    Consumers(cmd::consumers::Args),
}

impl Task {
    /// Runs the task from the workspace root.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let root = workspace_root();
        match self {
            Task::Regenerate(args) => cmd::regenerate::run(&root, args),
            Task::Breaking(args) => cmd::breaking::run(&root, args),
            Task::Release(args) => cmd::release::run(&root, args),
            Task::Publish(args) => cmd::publish::run(&root, args),
            Task::Conformance(args) => cmd::conformance::run(&root, args),
            Task::Bench(args) => cmd::bench::run(&root, args),
            Task::Consumers(args) => cmd::consumers::run(&root, args),
        }
    }
}

/// The workspace root: the folder above `xtask/`, where the tasks read and
/// write the committed files.
pub fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(std::path::PathBuf::from)
        .unwrap_or(manifest)
}
