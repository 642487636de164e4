//! `cargo xtask conformance`: the conformance suite end to end.
//!
//! 1. `conformance examples` on the committed document (and the fixtures
//!    under `openapi/examples/`, when present);
//! 2. builds `connections-sandbox` and starts it on a free loopback port
//!    with an in-memory database and a random token;
//! 3. `conformance live` against it;
//! 4. stops the sandbox (also when anything above fails) and exits with
//!    the suite's status: 0 passed, 1 violations, 2 could not run.
//!
//! The checks themselves live in `connections-conformance`; this module
//! only wires the sandbox in.

use std::{
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    thread,
    time::Duration,
};

use connections_conformance::{
    cli::{self, DocumentArgs, ExamplesArgs, LiveArgs, LiveAuthArgs, OutputArgs},
    exit,
    live::random_token,
};

/// The sandbox's package and binary.
const SANDBOX: &str = "connections-sandbox";

/// How long the sandbox may take to print its address.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);

/// What the sandbox's first stdout line starts with.
const LISTENING_PREFIX: &str = "listening on ";

/// Why the task could not run.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceTaskError {
    /// `cargo build` could not be started or failed.
    #[error("cannot build {SANDBOX}: {0}")]
    Build(String),
    /// The sandbox could not be started.
    #[error("cannot start {SANDBOX}: {0}")]
    Start(String),
    /// The sandbox did not say where it listens.
    #[error("{SANDBOX} did not print its address within {seconds} s{log}")]
    NoAddress {
        /// The limit.
        seconds: u64,
        /// Its stderr, when it said anything.
        log: String,
    },
    /// The base URL is not a URL.
    #[error("{SANDBOX} printed an unusable address {0:?}")]
    BadAddress(String),
}

/// Runs the task from the workspace root; returns the exit code.
pub fn run(root: &Path) -> u8 {
    // Paths in the reports read relative to the workspace.
    if let Err(error) = std::env::set_current_dir(root) {
        eprintln!(
            "conformance: could not run: cannot enter {}: {error}",
            root.display()
        );
        return exit::COULD_NOT_RUN;
    }
    let root = Path::new(".");
    let document = DocumentArgs {
        document: Some(PathBuf::from("openapi/connections.json")),
    };
    println!("==> conformance examples");
    let fixtures = root.join("openapi/examples");
    let examples = cli::examples(&ExamplesArgs {
        document: document.clone(),
        fixtures: fixtures.is_dir().then_some(fixtures),
        output: OutputArgs::default(),
    });

    println!("\n==> conformance live (against a throwaway {SANDBOX})");
    let live = match live_against_sandbox(root, document) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("conformance: could not run: {error}");
            exit::COULD_NOT_RUN
        }
    };
    combine(examples, live)
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

fn live_against_sandbox(root: &Path, document: DocumentArgs) -> Result<u8, ConformanceTaskError> {
    let binary = build_sandbox(root)?;
    let token = random_token();
    let sandbox = RunningSandbox::start(&binary, &token)?;
    let base_url = sandbox
        .base_url
        .parse()
        .map_err(|_| ConformanceTaskError::BadAddress(sandbox.base_url.clone()))?;
    let code = cli::live(&LiveArgs::new(
        document,
        base_url,
        LiveAuthArgs::with_token(token),
        root.join("target").join("conformance-cases"),
    ));
    drop(sandbox);
    Ok(code)
}

/// `cargo build -p connections-sandbox`; returns the executable's path
/// (read from cargo's JSON messages, so any target directory works).
fn build_sandbox(root: &Path) -> Result<PathBuf, ConformanceTaskError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--package",
            SANDBOX,
            "--bin",
            SANDBOX,
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| ConformanceTaskError::Build(e.to_string()))?;
    if !output.status.success() {
        return Err(ConformanceTaskError::Build(format!(
            "cargo build exited with {}",
            output.status
        )));
    }
    executable_from_messages(&String::from_utf8_lossy(&output.stdout)).ok_or_else(|| {
        ConformanceTaskError::Build("cargo reported no executable for the sandbox".to_string())
    })
}

/// The `executable` of the sandbox's `compiler-artifact` message.
fn executable_from_messages(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == SANDBOX)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// The sandbox process; killed when dropped.
pub(crate) struct RunningSandbox {
    child: Child,
    pub(crate) base_url: String,
}

/// A sandbox process (for the other tasks that start one).
pub(crate) type SandboxProcess = RunningSandbox;

impl RunningSandbox {
    /// Starts `binary` on a free loopback port with an in-memory database
    /// and `token`; returns once it printed its address.
    pub(crate) fn start(binary: &Path, token: &str) -> Result<Self, ConformanceTaskError> {
        let mut child = Command::new(binary)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--db",
                ":memory:",
                "--token",
                token,
                "--allow-private-targets",
            ])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ConformanceTaskError::Start(format!("{}: {e}", binary.display())))?;
        // Drain both pipes so the sandbox never blocks on a full one.
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(mut stderr) = child.stderr.take() {
            let log = log.clone();
            thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                if let Ok(mut log) = log.lock() {
                    log.push_str(&text);
                }
            });
        }
        let (first_line, received) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                let mut lines = BufReader::new(stdout).lines();
                let first = lines.next().and_then(Result::ok);
                let _ = first_line.send(first);
                for _ in lines {}
            });
        }
        let mut sandbox = Self {
            child,
            base_url: String::new(),
        };
        let line = match received.recv_timeout(STARTUP_LIMIT) {
            Ok(Some(line)) => line,
            Ok(None) | Err(_) => {
                // Give stderr a moment to arrive before reporting it.
                let _ = sandbox.child.kill();
                let _ = sandbox.child.wait();
                thread::sleep(Duration::from_millis(100));
                let said = log.lock().map(|l| l.trim().to_string()).unwrap_or_default();
                let log = if said.is_empty() {
                    String::new()
                } else {
                    format!("; it said: {said}")
                };
                return Err(ConformanceTaskError::NoAddress {
                    seconds: STARTUP_LIMIT.as_secs(),
                    log,
                });
            }
        };
        sandbox.base_url = parse_listening_line(&line)
            .ok_or_else(|| ConformanceTaskError::BadAddress(line.clone()))?
            .to_string();
        Ok(sandbox)
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The URL of `listening on http://127.0.0.1:PORT`.
fn parse_listening_line(line: &str) -> Option<&str> {
    let url = line.trim().strip_prefix(LISTENING_PREFIX)?;
    url.starts_with("http://").then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_gives_the_url() {
        assert_eq!(
            parse_listening_line("listening on http://127.0.0.1:41234\n"),
            Some("http://127.0.0.1:41234")
        );
        assert_eq!(parse_listening_line("starting"), None);
        assert_eq!(parse_listening_line("listening on 127.0.0.1:1"), None);
    }

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

    #[test]
    fn the_executable_is_read_from_cargo_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"other"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"connections-sandbox"},"executable":"/t/debug/connections-sandbox"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(
            executable_from_messages(messages),
            Some(PathBuf::from("/t/debug/connections-sandbox"))
        );
    }
}
