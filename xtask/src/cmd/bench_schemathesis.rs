//! `cargo xtask bench --part schemathesis`: our generative conformance phases
//! (coverage + stateful) and Schemathesis measured side by side, in one
//! run, against the same release-built sandbox.
//!
//! 1. builds `connections-sandbox` and `conformance` in release mode;
//! 2. prepares the pinned Python tools of `cargo xtask consumers`
//!    (`target/consumers/venv`, which holds [`SCHEMATHESIS`]);
//! 3. for each side, starts a fresh sandbox (in-memory database, random
//!    token), runs the side against it, stops it:
//!    - ours: `conformance live --phases coverage,stateful --seed N`;
//!    - Schemathesis: `st run --checks all --phases coverage,stateful
//!      --seed N --max-examples M --workers 1` (one request at a time, as
//!      ours), run with its working directory under
//!      `target/` (its `.schemathesis/` folder stays there), HAR report;
//! 4. counts the cases each side sent (our JSON report; Schemathesis' HAR
//!    file), the distinct ones per operation (method, URL and body, the
//!    operation found from the document's path templates), and prints
//!    cases/s for each side and the ratio.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use serde_json::Value;

/// The Schemathesis release compared with, pinned.
pub const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Where both sides write (Schemathesis runs here), relative to the root.
const WORK_DIR: &str = "target/bench-schemathesis";
/// The document both sides read, relative to the workspace root.
const DOCUMENT: &str = "openapi/connections.json";

/// The options of `cargo xtask bench --part schemathesis`.
#[derive(Clone, Debug, clap::Args)]
pub struct SchemathesisBenchOptions {
    /// Part `schemathesis`: the seed of both sides.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Schemathesis' `--max-examples` (its budget per operation and
    /// phase).
    #[arg(long, default_value_t = 20)]
    pub max_examples: u32,
}

/// What one side did.
#[derive(Clone, Debug, PartialEq)]
pub struct Side {
    /// `ours` or `schemathesis`.
    pub name: String,
    /// Requests sent.
    pub cases: usize,
    /// Wall time of the run, in seconds.
    pub seconds: f64,
    /// Distinct requests (method, URL, body) per operation.
    pub distinct: BTreeMap<String, usize>,
}

impl Side {
    /// Cases per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.cases as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Both sides, measured in one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Our coverage + stateful phases.
    pub ours: Side,
    /// Schemathesis.
    pub schemathesis: Side,
}

impl Comparison {
    /// Our cases/s over Schemathesis'.
    pub fn ratio(&self) -> f64 {
        let theirs = self.schemathesis.rate();
        if theirs > 0.0 {
            self.ours.rate() / theirs
        } else {
            0.0
        }
    }

    /// The table printed at the end of the run (Markdown).
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "| side | cases | seconds | cases/s |");
        let _ = writeln!(out, "|---|---:|---:|---:|");
        for side in [&self.ours, &self.schemathesis] {
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {:.1} |",
                side.name,
                side.cases,
                side.seconds,
                side.rate()
            );
        }
        let _ = writeln!(
            out,
            "\nratio (ours / Schemathesis, cases/s): {:.1}x\n",
            self.ratio()
        );
        let _ = writeln!(
            out,
            "| operation | distinct cases, ours | distinct cases, Schemathesis |"
        );
        let _ = writeln!(out, "|---|---:|---:|");
        let operations: BTreeSet<&String> = self
            .ours
            .distinct
            .keys()
            .chain(self.schemathesis.distinct.keys())
            .collect();
        for operation in operations {
            let count = |side: &Side| side.distinct.get(operation).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "| {operation} | {} | {} |",
                count(&self.ours),
                count(&self.schemathesis)
            );
        }
        out
    }
}

/// Runs the comparison from the workspace root, prints and returns it.
pub fn run(root: &Path, options: &SchemathesisBenchOptions) -> anyhow::Result<Comparison> {
    let work = root.join(WORK_DIR);
    std::fs::create_dir_all(&work).with_context(|| work.display().to_string())?;
    println!("==> building the sandbox and conformance (release)");
    let binaries = build_release(root)?;
    let sandbox = binaries
        .get("connections-sandbox")
        .context("cargo reported no sandbox executable")?;
    let conformance = binaries
        .get("conformance")
        .context("cargo reported no conformance executable")?;
    println!("==> preparing {SCHEMATHESIS} (consumers/python/requirements.txt)");
    let st = prepare_venv(root)?;
    let document = std::fs::read_to_string(root.join(DOCUMENT)).context(DOCUMENT)?;
    let document: Value = serde_json::from_str(&document).context(DOCUMENT)?;
    let templates = path_templates(&document);

    println!("==> ours: conformance live --phases coverage,stateful");
    let ours = {
        let token = connections_conformance::live::random_token();
        let running = SandboxProcess::start(sandbox, &token)?;
        let report = work.join("ours.json");
        let started = Instant::now();
        let status = Command::new(conformance)
            .current_dir(&work)
            .args(["live", "--base-url", &running.base_url, "--phases"])
            .args(["coverage,stateful", "--seed", &options.seed.to_string()])
            .args(["--format", "json", "--output"])
            .arg(&report)
            .arg("--cases-dir")
            .arg(work.join("ours-cases"))
            .env("CONNECTIONS_TOKEN", &token)
            .stdout(Stdio::null())
            .status()
            .context("conformance")?;
        let seconds = started.elapsed().as_secs_f64();
        drop(running);
        if status.code().is_none_or(|c| c > 1) {
            bail!("conformance could not run ({status})");
        }
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&report)?)?;
        side_from_report("ours", &report, &templates, seconds)
    };

    println!("==> Schemathesis: st run --checks all --phases coverage,stateful");
    let schemathesis = {
        let token = connections_conformance::live::random_token();
        let running = SandboxProcess::start(sandbox, &token)?;
        let reports = work.join("schemathesis-report");
        let _ = std::fs::remove_dir_all(&reports);
        let started = Instant::now();
        let output = Command::new(&st)
            .current_dir(&work)
            .arg("run")
            .arg(root.join(DOCUMENT))
            .args(["--url", &running.base_url])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "all", "--phases", "coverage,stateful"])
            .args(["--seed", &options.seed.to_string()])
            .args(["--max-examples", &options.max_examples.to_string()])
            // One request at a time, as ours sends them.
            .args(["--workers", "1"])
            .args(["--report", "har", "--report-dir"])
            .arg(&reports)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .context("st run")?;
        let seconds = started.elapsed().as_secs_f64();
        drop(running);
        let har = read_har(&reports, &output)?;
        side_from_har("schemathesis", &har, &templates, seconds)
    };
    let comparison = Comparison { ours, schemathesis };
    println!("\n{}", comparison.table());
    Ok(comparison)
}

/// The HAR file Schemathesis wrote under `reports` (`har-<time>.json`),
/// parsed; `output` is its run, for the error when there is none.
pub(crate) fn read_har(reports: &Path, output: &std::process::Output) -> anyhow::Result<Value> {
    let har = std::fs::read_dir(reports)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("har"))
        })
        .with_context(|| {
            format!(
                "Schemathesis wrote no HAR file ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    Ok(serde_json::from_str(&std::fs::read_to_string(&har)?)?)
}

/// How long the sandbox may take to print its address.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);

/// A release-built sandbox process; killed when dropped.
pub(crate) struct SandboxProcess {
    child: Child,
    pub(crate) base_url: String,
}

impl SandboxProcess {
    /// Starts `binary` on a free loopback port with an in-memory database
    /// and `token`; returns once it printed `listening on URL`.
    pub(crate) fn start(binary: &Path, token: &str) -> anyhow::Result<Self> {
        Self::start_with(binary, token, &[])
    }

    /// [`SandboxProcess::start`] with more flags.
    pub(crate) fn start_with(binary: &Path, token: &str, flags: &[&str]) -> anyhow::Result<Self> {
        let child = Command::new(binary)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--db",
                ":memory:",
                "--token",
                token,
            ])
            .arg("--allow-private-targets")
            .args(flags)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| binary.display().to_string())?;
        let mut sandbox = Self {
            child,
            base_url: String::new(),
        };
        let (first_line, received) = mpsc::channel();
        if let Some(stdout) = sandbox.child.stdout.take() {
            thread::spawn(move || {
                let mut lines = BufReader::new(stdout).lines();
                let _ = first_line.send(lines.next().and_then(Result::ok));
                // Keep draining so the sandbox never blocks on a full pipe.
                for _ in lines {}
            });
        }
        let line = received
            .recv_timeout(STARTUP_LIMIT)
            .ok()
            .flatten()
            .context("the sandbox did not print its address")?;
        sandbox.base_url = line
            .trim()
            .strip_prefix("listening on ")
            .filter(|url| url.starts_with("http://"))
            .with_context(|| format!("the sandbox printed {line:?}, not its address"))?
            .to_string();
        Ok(sandbox)
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cargo build --release` of the sandbox and conformance binaries; their
/// executables by target name.
pub(crate) fn build_release(root: &Path) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--quiet", "--release"])
        .args([
            "--package",
            "connections-sandbox",
            "--bin",
            "connections-sandbox",
        ])
        .args([
            "--package",
            "connections-conformance",
            "--bin",
            "conformance",
        ])
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .context("cargo build")?;
    if !output.status.success() {
        bail!("cargo build --release exited with {}", output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter_map(|m| {
            let name = m["target"]["name"].as_str()?.to_string();
            let executable = m["executable"].as_str()?;
            Some((name, PathBuf::from(executable)))
        })
        .collect())
}

/// The `st` of the pinned Python tools of `cargo xtask consumers`
/// (`consumers/python/requirements.txt`, which pins Schemathesis).
pub(crate) fn prepare_venv(root: &Path) -> anyhow::Result<PathBuf> {
    Ok(super::consumers::python_tools(root)?.join("bin").join("st"))
}

/// The document's operations as (method, path template).
pub(crate) fn path_templates(document: &Value) -> Vec<(String, String, String)> {
    connections_openapi::operations::operations(document)
        .iter()
        .map(|o| {
            (
                o.method.to_ascii_uppercase(),
                o.path.to_string(),
                o.id_or_label(),
            )
        })
        .collect()
}

/// Where requests whose method the document does not give for their path
/// are counted.
pub const UNDOCUMENTED: &str = "(methods the document does not give)";

/// The operation of a request: the template whose segments match the
/// path's (a `{parameter}` matches any one segment), a literal segment
/// winning over a parameter; else [`UNDOCUMENTED`].
fn operation_of(templates: &[(String, String, String)], method: &str, path: &str) -> String {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    templates
        .iter()
        .filter(|(m, _, _)| m.eq_ignore_ascii_case(method))
        .filter_map(|(_, template, id)| {
            let parts: Vec<&str> = template.trim_end_matches('/').split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') && part.ends_with('}') {
                    continue;
                }
                if part != segment {
                    return None;
                }
                literal += 1;
            }
            Some((literal, id))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, id)| id.clone())
        .unwrap_or_else(|| UNDOCUMENTED.to_string())
}

/// Our side from its JSON report: every check that sent a request, and
/// the distinct curl commands (method, URL, body) per operation (found
/// from the method and URL, as for Schemathesis).
pub(crate) fn side_from_report(
    name: &str,
    report: &Value,
    templates: &[(String, String, String)],
    seconds: f64,
) -> Side {
    let mut distinct: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut cases = 0;
    for check in report["checks"].as_array().into_iter().flatten() {
        let (Some(curl), Some(method), Some(url)) = (
            check["curl"].as_str(),
            check["request"]["method"].as_str(),
            check["request"]["url"].as_str(),
        ) else {
            continue;
        };
        cases += 1;
        distinct
            .entry(operation_of(templates, method, url_path(url)))
            .or_default()
            .insert(curl.to_string());
    }
    Side {
        name: name.to_string(),
        cases,
        seconds,
        distinct: distinct.into_iter().map(|(k, v)| (k, v.len())).collect(),
    }
}

/// The path of an absolute URL (no query, no fragment).
fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("/", |start| &after_scheme[start..]);
    path.split(['?', '#']).next().unwrap_or(path)
}

/// Schemathesis' side from its HAR file: every entry, and the distinct
/// (method, URL, body) per operation.
pub(crate) fn side_from_har(
    name: &str,
    har: &Value,
    templates: &[(String, String, String)],
    seconds: f64,
) -> Side {
    let mut distinct: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut cases = 0;
    for entry in har["log"]["entries"].as_array().into_iter().flatten() {
        let request = &entry["request"];
        let method = request["method"].as_str().unwrap_or("GET");
        let url = request["url"].as_str().unwrap_or_default();
        let path = url_path(url);
        let body = request["postData"]["text"].as_str().unwrap_or_default();
        cases += 1;
        distinct
            .entry(operation_of(templates, method, path))
            .or_default()
            .insert(format!("{method} {url} {body}"));
    }
    Side {
        name: name.to_string(),
        cases,
        seconds,
        distinct: distinct.into_iter().map(|(k, v)| (k, v.len())).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn templates() -> Vec<(String, String, String)> {
        let document: Value =
            serde_json::from_str(connections_openapi::COMMITTED_DOCUMENT).unwrap();
        path_templates(&document)
    }

    #[test]
    fn requests_map_to_operations_literal_segments_first() {
        let templates = templates();
        assert_eq!(
            operation_of(&templates, "POST", "/v2/connections/testConnection"),
            "testConnection"
        );
        assert_eq!(
            operation_of(&templates, "GET", "/v2/connections/abc"),
            "retrieveConnection"
        );
        assert_eq!(
            operation_of(&templates, "GET", "/v2/connections"),
            "retrieveConnections"
        );
        assert_eq!(
            operation_of(&templates, "DELETE", "/v2/connections"),
            UNDOCUMENTED
        );
    }

    #[test]
    fn sides_count_cases_and_distinct_requests() {
        let har = json!({"log": {"entries": [
            {"request": {"method": "GET", "url": "http://h/v2/connections?limit=1"}},
            {"request": {"method": "GET", "url": "http://h/v2/connections?limit=1"}},
            {"request": {"method": "POST", "url": "http://h/v2/connections",
                         "postData": {"text": "{}"}}},
        ]}});
        let side = side_from_har("st", &har, &templates(), 2.0);
        assert_eq!(side.cases, 3);
        assert_eq!(url_path("http://h:1/v2/x?limit=1#f"), "/v2/x");
        assert_eq!(side.rate(), 1.5);
        assert_eq!(side.distinct["retrieveConnections"], 1);
        assert_eq!(side.distinct["createConnection"], 1);
        let post = json!({"method": "POST", "url": "http://h/v2/connections"});
        let report = json!({"checks": [
            {"request": post, "curl": "curl -X POST a"},
            {"request": post, "curl": "curl -X POST b"},
            {"operation_id": "retrieveConnection", "outcome": "skipped"},
        ]});
        let ours = side_from_report("ours", &report, &templates(), 0.5);
        assert_eq!((ours.cases, ours.distinct["createConnection"]), (2, 2));
        let comparison = Comparison {
            ours,
            schemathesis: side,
        };
        assert_eq!(comparison.ratio(), 4.0 / 1.5);
        assert!(comparison.table().contains("| createConnection | 2 | 1 |"));
    }
}
