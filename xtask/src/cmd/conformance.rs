//! `cargo xtask conformance`: the conformance suite end to end.
//!
//! 1. `conformance examples` on the committed document (and the fixtures
//!    under `openapi/examples/`, when present);
//! 2. starts a sandbox in this process (a free loopback port, an in-memory
//!    database, a random token);
//! 3. `conformance live` against it;
//! 4. stops the sandbox and exits with the worse status of the two suites:
//!    0 passed, 1 violations, 2 could not run.
//!
//! The checks themselves live in `connections-conformance`; this module
//! only wires the sandbox in.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use connections_conformance::{
    cli::{self, DocumentArgs, ExamplesArgs, LiveArgs, LiveAuthArgs, OutputArgs},
    exit,
    live::random_token,
};
use connections_sandbox::{OutboundPolicy, Sandbox, SandboxConfig};

/// The document both suites check, relative to the workspace root.
const DOCUMENT: &str = "openapi/connections.json";
/// The example fixtures, when present.
const FIXTURES: &str = "openapi/examples";
/// Seconds each request of the live suite may take.
const REQUEST_TIMEOUT_SECONDS: u64 = 30;

/// `cargo xtask conformance` (no options: it checks the committed document).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Why the live suite could not run.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceTaskError {
    /// The async runtime hosting the sandbox could not start.
    #[error("cannot start the async runtime for the sandbox: {0}")]
    Runtime(#[source] std::io::Error),
    /// The sandbox could not start.
    #[error("cannot start the sandbox: {0}")]
    Start(#[source] connections_sandbox::SandboxError),
    /// The sandbox's base URL is not a URL.
    #[error("the sandbox reported an unusable address {0:?}")]
    BadAddress(String),
}

/// Runs both suites from the workspace root.
pub fn run(root: &Path, _args: Args) -> anyhow::Result<ExitCode> {
    // Paths in the reports read relative to the workspace.
    std::env::set_current_dir(root)
        .map_err(|e| anyhow::anyhow!("cannot enter {}: {e}", root.display()))?;
    let document = DocumentArgs {
        document: Some(PathBuf::from(DOCUMENT)),
    };
    println!("==> conformance examples");
    let fixtures = Path::new(FIXTURES);
    let examples = cli::examples(&ExamplesArgs {
        document: document.clone(),
        fixtures: fixtures.is_dir().then(|| fixtures.to_path_buf()),
        output: OutputArgs::default(),
    });

    println!("\n==> conformance live (against a sandbox in this process)");
    let live = live_against_sandbox(document).unwrap_or_else(|error| {
        eprintln!("conformance: could not run: {error}");
        exit::COULD_NOT_RUN
    });
    Ok(ExitCode::from(combine(examples, live)))
}

/// The status of two suites: "could not run" wins over "violations",
/// which wins over "passed".
pub fn combine(first: u8, second: u8) -> u8 {
    let rank = |code: u8| match code {
        exit::PASSED => 0,
        exit::VIOLATIONS => 1,
        _ => 2,
    };
    if rank(first) >= rank(second) {
        first
    } else {
        second
    }
}

/// Starts a sandbox on its own runtime (the live suite runs its own),
/// runs the live suite against it, stops it.
fn live_against_sandbox(document: DocumentArgs) -> Result<u8, ConformanceTaskError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(ConformanceTaskError::Runtime)?;
    let token = random_token();
    let config = SandboxConfig {
        token: Some(token.clone()),
        // The suite's connection test calls the sandbox itself on
        // 127.0.0.1; nothing else is reachable.
        outbound: OutboundPolicy {
            loopback_only: true,
            ..OutboundPolicy::default()
        },
        ..SandboxConfig::ephemeral()
    };
    let sandbox = runtime
        .block_on(Sandbox::start(config))
        .map_err(ConformanceTaskError::Start)?;
    println!("sandbox listening on {}", sandbox.base_url());
    let base_url = sandbox
        .base_url()
        .parse()
        .map_err(|_| ConformanceTaskError::BadAddress(sandbox.base_url().to_string()));
    let code = base_url.map(|base_url| {
        // Every phase, with the command line's bounds (coverage unbounded,
        // 20 fuzzing cases per operation): a few seconds warm.
        let mut args = LiveArgs::new(
            document,
            base_url,
            LiveAuthArgs::with_token(token),
            PathBuf::from("target").join("conformance-cases"),
        );
        args.timeout = REQUEST_TIMEOUT_SECONDS;
        // A throwaway sandbox: every allowed create case is sent.
        args.max_creates = cli::CreateBound(None);
        cli::live(&args)
    });
    if let Err(error) = runtime.block_on(sandbox.shutdown()) {
        eprintln!("conformance: the sandbox did not stop cleanly: {error}");
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn could_not_run_outranks_violations() {
        assert_eq!(combine(exit::PASSED, exit::PASSED), exit::PASSED);
        assert_eq!(combine(exit::VIOLATIONS, exit::PASSED), exit::VIOLATIONS);
        assert_eq!(
            combine(exit::PASSED, exit::COULD_NOT_RUN),
            exit::COULD_NOT_RUN
        );
        assert_eq!(
            combine(exit::COULD_NOT_RUN, exit::VIOLATIONS),
            exit::COULD_NOT_RUN
        );
    }
}
