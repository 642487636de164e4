//! `cargo xtask`: workspace tasks. See `cargo xtask --help`.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use xtask::regenerate;

mod tasks;

/// Exit code when committed files differ from what would be generated.
const NEEDS_UPDATE_EXIT_CODE: u8 = 1;
/// Exit code when a task could not run.
const FAILURE_EXIT_CODE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Workspace tasks for the connections contract"
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Emit openapi/ from the spec crate and regenerate the client from it.
    Regenerate {
        /// Change nothing; exit 1 naming every committed file that differs
        /// from what would be generated.
        #[arg(long)]
        check: bool,
    },
    /// Compare the document with the latest release (or --base) and exit 1
    /// on a breaking change unless the major version was bumped.
    Breaking(BreakingArgs),
    /// Release a version: gate, stamp, regenerate, keep the document under
    /// openapi/released/, add a CHANGELOG.md entry.
    Release(ReleaseArgs),
    /// Build the bundle other teams consume (documents, HTML reference,
    /// changelog, released documents, SHA256SUMS).
    Publish(PublishArgs),
    /// Validate the document's examples, then run the live conformance suite
    /// against a throwaway sandbox; exit 0 passed, 1 violations, 2 could not run.
    Conformance,
    /// Measure the conformance validator (Rust) and Python's jsonschema side
    /// by side on the same payloads, interleaved, and print the table.
    Bench(xtask::bench::BenchOptions),
    /// Run our coverage + stateful phases and Schemathesis side by side
    /// against the same release-built sandbox; print cases/s and the ratio.
    BenchSchemathesis(xtask::bench_schemathesis::SchemathesisBenchOptions),
}

#[derive(clap::Args)]
struct BreakingArgs {
    /// The document to compare against (default: the latest under openapi/released/).
    #[arg(long)]
    base: Option<PathBuf>,
    /// The document to check (default: openapi/connections.json).
    #[arg(long)]
    revision: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = tasks::ReportFormat::Human)]
    format: tasks::ReportFormat,
}

#[derive(clap::Args)]
struct ReleaseArgs {
    /// The new version, MAJOR.MINOR.PATCH.
    version: String,
    /// The date of the changelog entry (default: today, UTC).
    #[arg(long)]
    date: Option<String>,
}

#[derive(clap::Args)]
struct PublishArgs {
    /// Where to build the bundle (default: target/publish/ in the workspace).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("failure: {e:#}");
            ExitCode::from(FAILURE_EXIT_CODE)
        }
    }
}

fn run(task: Task) -> anyhow::Result<ExitCode> {
    let root = xtask::workspace_root();
    match task {
        Task::Conformance => Ok(ExitCode::from(xtask::conformance::run(&root))),
        Task::BenchSchemathesis(options) => {
            xtask::bench_schemathesis::run(&root, &options)?;
            Ok(ExitCode::SUCCESS)
        }
        Task::Bench(options) => {
            xtask::bench::run(&root, &options)?;
            Ok(ExitCode::SUCCESS)
        }
        Task::Regenerate { check } => {
            let artifacts = regenerate::render()?;
            if check {
                let drifted = regenerate::drifted(&root, &artifacts);
                if drifted.is_empty() {
                    println!("up to date: {} generated files match", artifacts.len());
                    return Ok(ExitCode::SUCCESS);
                }
                for path in &drifted {
                    eprintln!("drifted: {path}");
                }
                eprintln!("run `cargo xtask regenerate` and commit the result");
                return Ok(ExitCode::from(NEEDS_UPDATE_EXIT_CODE));
            }
            let changed = regenerate::write(&root, &artifacts)?;
            for path in &changed {
                println!("wrote {}", path.display());
            }
            if changed.is_empty() {
                println!("nothing changed");
            }
            Ok(ExitCode::SUCCESS)
        }
        Task::Breaking(args) => tasks::breaking(
            &root,
            args.base.as_deref(),
            args.revision.as_deref(),
            args.format,
        ),
        Task::Release(args) => tasks::release(&root, &args.version, args.date),
        Task::Publish(args) => tasks::publish(&root, args.out),
    }
}
