//! `cargo xtask bench --part sandbox`: the sandbox's throughput under `wrk`,
//! beside a bare axum handler, in one run.
//!
//! 1. installs the load tool `wrk` when it is missing (`apt-get install -y
//!    wrk`, as root or through `sudo`);
//! 2. builds, in release mode, the `connections-sandbox` binary and the
//!    yardstick `crates/sandbox/examples/bare_handler.rs` (the retrieve
//!    example's fixed bytes, no store, no token, no log);
//! 3. runs `wrk -t2 -c64 -d<seconds>s` on 127.0.0.1 against: the bare
//!    handler; the sandbox's `GET /v2/connections/{ref}` on a file database
//!    (`synchronous=FULL`); its first list page; and a mixed load (30% list,
//!    40% get, 30% update of one connection);
//! 4. checks that the mixed load's updates were all kept (the revision is
//!    one more than the acknowledged updates), then prints each figure and
//!    its ratio to the bare handler, and how many writes shared a commit
//!    (from `/sandbox/stats`, when the build reports it).
//!
//! The sandbox runs as shipped: default log level (`info`, one line per
//! request to stderr, here a file under `target/bench/sandbox/`), default
//! limits. `--sandbox-bin`
//! measures another build of the binary (an older commit, say) the same way.

use std::{
    fmt::Write as _,
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

/// The token the measured sandbox accepts.
const TOKEN: &str = "bench-token";
/// How many connections the database holds during the runs.
const CONNECTIONS: usize = 50;

/// Why the sandbox benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum SandboxBenchError {
    /// `wrk` is missing and could not be installed.
    #[error("wrk is not installed and `apt-get install -y wrk` failed: {0}")]
    NoWrk(String),
    /// A program could not be started or failed.
    #[error("{program}: {reason}")]
    Program {
        /// What was run.
        program: String,
        /// What went wrong.
        reason: String,
    },
    /// A request of the set-up or the check failed.
    #[error("{0}")]
    Http(String),
    /// `wrk`'s output had no throughput line.
    #[error("wrk printed no `Requests/sec` line:\n{0}")]
    WrkOutput(String),
    /// A load run had error answers.
    #[error("{run}: {count} answers were not 2xx (wrk said:\n{output})")]
    Errors {
        /// Which run.
        run: String,
        /// How many.
        count: u64,
        /// wrk's output.
        output: String,
    },
    /// The acknowledged updates are not all in the stored revision.
    #[error("{acknowledged} updates were acknowledged but the revision is {revision}")]
    LostUpdates {
        /// Updates answered 2xx.
        acknowledged: u64,
        /// The stored revision.
        revision: u64,
    },
    /// Reading or writing a local file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One wrk run's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkFigures {
    /// Requests per second.
    pub requests_per_second: f64,
    /// Requests completed.
    pub requests: u64,
    /// Answers that were not 2xx or 3xx.
    pub non_2xx: u64,
}

/// Reads wrk's summary: `Requests/sec:`, the `N requests in` line and the
/// `Non-2xx or 3xx responses:` line (absent when there were none).
pub fn parse_wrk(output: &str) -> Option<WrkFigures> {
    let mut figures = WrkFigures {
        requests_per_second: 0.0,
        requests: 0,
        non_2xx: 0,
    };
    let mut found = false;
    for line in output.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            figures.requests_per_second = rest.trim().parse().ok()?;
            found = true;
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            figures.non_2xx = rest.trim().parse().ok()?;
        } else if let Some((count, _)) = line.split_once(" requests in ") {
            figures.requests = count.trim().parse().ok()?;
        }
    }
    found.then_some(figures)
}

/// The options of the sandbox benchmark.
#[derive(Clone, Debug)]
pub struct SandboxBenchOptions {
    /// Seconds per wrk run.
    pub seconds: u32,
    /// Another sandbox binary to measure instead of the release build.
    pub sandbox_bin: Option<PathBuf>,
}

/// Runs the benchmark and prints the table.
pub fn run(root: &Path, options: &SandboxBenchOptions) -> Result<(), SandboxBenchError> {
    ensure_wrk()?;
    build(root)?;
    let release = root.join("target/release");
    let bare_bin = release.join("examples/bare_handler");
    let sandbox_bin = options
        .sandbox_bin
        .clone()
        .unwrap_or_else(|| release.join("connections-sandbox"));
    let duration = format!("{}s", options.seconds);
    let scripts = tempdir(root)?;

    let mut rows: Vec<(String, WrkFigures)> = Vec::new();
    {
        let bare = Server::start(Command::new(&bare_bin), &scripts.join("bare.log"))?;
        let (figures, _) = wrk(
            &bare.address,
            &duration,
            None,
            "/v2/connections/any",
            "bare",
        )?;
        rows.push(("bare axum handler, fixed bytes".into(), figures));
    }
    let db = scripts.join("bench.db");
    let mut command = Command::new(&sandbox_bin);
    command.args(["--listen", "127.0.0.1:0", "--token", TOKEN, "--db"]);
    command.arg(&db);
    let log = scripts.join("sandbox.log");
    let sandbox = Server::start(command, &log)?;
    let mut refs = Vec::with_capacity(CONNECTIONS);
    for i in 0..CONNECTIONS {
        let (status, body) = http(
            &sandbox.address,
            "POST",
            "/v2/connections",
            Some(&input(&format!("bench {i}"))),
        )?;
        if status != 201 {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(SandboxBenchError::Http(format!(
                "create answered {status}: {body}\nthe sandbox's log:\n{log}"
            )));
        }
        let created: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| SandboxBenchError::Http(format!("create answered no JSON: {e}")))?;
        refs.push(created["ref"].as_str().unwrap_or_default().to_string());
    }
    let one = format!("/v2/connections/{}", refs[0]);
    let auth = format!("Authorization: Bearer {TOKEN}");
    rows.push((
        "sandbox GET by ref, file database".into(),
        wrk(&sandbox.address, &duration, None, &one, "get")?.0,
    ));
    rows.push((
        "sandbox list, first page of 10".into(),
        wrk(&sandbox.address, &duration, None, "/v2/connections", "list")?.0,
    ));
    let script = scripts.join("mixed.lua");
    std::fs::write(&script, mixed_script(&auth, &refs[1]))?;
    let (mixed, acknowledged) = wrk(
        &sandbox.address,
        &duration,
        Some(&script),
        "/",
        "mixed 30% list, 40% get, 30% update",
    )?;
    let (status, body) = http(
        &sandbox.address,
        "GET",
        &format!("/v2/connections/{}", refs[1]),
        None,
    )?;
    let revision = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|c| c["revision"].as_u64())
        .ok_or_else(|| SandboxBenchError::Http(format!("retrieve answered {status}: {body}")))?;
    let acknowledged = acknowledged.unwrap_or_default();
    // Updates in flight when wrk stopped may be stored unacknowledged: the
    // revision may be higher, never lower.
    if revision < acknowledged + 1 {
        return Err(SandboxBenchError::LostUpdates {
            acknowledged,
            revision,
        });
    }
    rows.push(("sandbox mixed 30% list, 40% get, 30% update".into(), mixed));
    // Older builds have no write counts: the line is left out for them.
    let (_, stats) = http(&sandbox.address, "GET", "/sandbox/stats", None)?;
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap_or_default();
    let commits = match (stats["writes"].as_u64(), stats["commits"].as_u64()) {
        (Some(writes), Some(commits)) if commits > 0 => Some(format!(
            "writes since start: {writes} in {commits} commits ({:.1} per commit, each commit one sync)",
            writes as f64 / commits as f64
        )),
        _ => None,
    };
    drop(sandbox);

    let bare = rows[0].1.requests_per_second;
    let mut table = String::new();
    let _ = writeln!(
        table,
        "wrk -t2 -c64 -d{duration}, 127.0.0.1, release builds, one run\n"
    );
    let _ = writeln!(table, "| run | req/s | ratio to bare |");
    let _ = writeln!(table, "|---|---:|---:|");
    for (label, figures) in &rows {
        let _ = writeln!(
            table,
            "| {label} | {:.0} | {:.0}% |",
            figures.requests_per_second,
            100.0 * figures.requests_per_second / bare
        );
    }
    let _ = writeln!(
        table,
        "\nmixed load: {acknowledged} updates acknowledged, all kept (revision {revision})"
    );
    if let Some(commits) = commits {
        let _ = writeln!(table, "{commits}");
    }
    print!("{table}");
    let _ = std::fs::remove_dir_all(&scripts);
    Ok(())
}

/// The mixed load: each request is a list (30%), a retrieve (40%) or an
/// update (30%) of the connection `reference`; at the end, the number of
/// acknowledged updates (the only 201s) is printed as
/// `updates acknowledged: N`.
fn mixed_script(auth: &str, reference: &str) -> String {
    let (name, value) = auth.split_once(": ").unwrap_or(("Authorization", ""));
    let body = input("mixed").replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        r#"local headers = {{["{name}"] = "{value}"}}
local put_headers = {{["{name}"] = "{value}", ["Content-Type"] = "application/json"}}
local one = "/v2/connections/{reference}"
local body = "{body}"
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  updates = 0
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  local r = math.random(100)
  if r <= 30 then
    return wrk.format("GET", "/v2/connections", headers)
  elseif r <= 70 then
    return wrk.format("GET", one, headers)
  else
    return wrk.format("PUT", one, put_headers, body)
  end
end
function response(status, response_headers, response_body)
  if status == 201 then
    updates = updates + 1
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("updates")
  end
  io.write(string.format("updates acknowledged: %d\n", total))
end
"#
    )
}

/// A connection body for creates and updates.
fn input(name: &str) -> String {
    serde_json::json!({
        "name": name,
        "auth": {"authType": "NONE"},
        "request": {
            "requestType": "POST",
            "connectionUrl": "https://api.example.com/api/1.0/messages/send.json",
            "requestBody": "{\"key\":\"${key}\"}"
        },
        "systemType": "DATA_SYSTEM"
    })
    .to_string()
}

fn tempdir(root: &Path) -> Result<PathBuf, SandboxBenchError> {
    let dir = root.join("target/bench/sandbox");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Installs wrk with apt-get when it is not on the PATH.
fn ensure_wrk() -> Result<(), SandboxBenchError> {
    let present = Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if present {
        return Ok(());
    }
    eprintln!("wrk is missing: running `apt-get install -y wrk`");
    let root = std::env::var("USER").is_ok_and(|u| u == "root")
        || Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mut command = if root {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    let output = command
        .args(["install", "-y", "wrk"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .map_err(|e| SandboxBenchError::NoWrk(e.to_string()))?;
    if !output.status.success() {
        return Err(SandboxBenchError::NoWrk(
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    Ok(())
}

/// Builds the sandbox binary and the bare handler in release mode.
fn build(root: &Path) -> Result<(), SandboxBenchError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "connections-sandbox",
            "--bin",
            "connections-sandbox",
            "--example",
            "bare_handler",
        ])
        .status()
        .map_err(|e| SandboxBenchError::Program {
            program: "cargo build --release".into(),
            reason: e.to_string(),
        })?;
    if !status.success() {
        return Err(SandboxBenchError::Program {
            program: "cargo build --release".into(),
            reason: status.to_string(),
        });
    }
    Ok(())
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
    /// Kept open: a server writing more lines to a closed pipe would fail.
    _stdout: Option<BufReader<std::process::ChildStdout>>,
}

impl Server {
    /// Starts `command` and reads `listening on http://ADDRESS` from its
    /// first stdout line; its stderr (the request log) goes to `log`.
    fn start(mut command: Command, log: &Path) -> Result<Self, SandboxBenchError> {
        let program = format!("{:?}", command.get_program());
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log)?)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| SandboxBenchError::Program {
                program: program.clone(),
                reason: e.to_string(),
            })?;
        let mut first = String::new();
        let mut stdout = child.stdout.take().map(BufReader::new);
        if let Some(stdout) = &mut stdout {
            stdout.read_line(&mut first)?;
        }
        let address = first
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok());
        match address {
            Some(address) => Ok(Self {
                child,
                address,
                _stdout: stdout,
            }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(SandboxBenchError::Program {
                    program,
                    reason: format!("unexpected first line {first:?}"),
                })
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One wrk run and the `updates acknowledged` its script printed, if any;
/// fails when any answer was not 2xx.
fn wrk(
    address: &SocketAddr,
    duration: &str,
    script: Option<&Path>,
    path: &str,
    run: &str,
) -> Result<(WrkFigures, Option<u64>), SandboxBenchError> {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c64", "-d", duration, "--timeout", "5s"]);
    command.args(["-H", &format!("Authorization: Bearer {TOKEN}")]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    command.arg(format!("http://{address}{path}"));
    eprintln!("measuring {run} ({duration})…");
    let output = command.output().map_err(|e| SandboxBenchError::Program {
        program: "wrk".into(),
        reason: e.to_string(),
    })?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let figures = parse_wrk(&text).ok_or_else(|| SandboxBenchError::WrkOutput(text.clone()))?;
    if figures.non_2xx > 0 {
        return Err(SandboxBenchError::Errors {
            run: run.into(),
            count: figures.non_2xx,
            output: text,
        });
    }
    let acknowledged = text
        .lines()
        .find_map(|l| l.strip_prefix("updates acknowledged: "))
        .and_then(|n| n.trim().parse::<u64>().ok());
    Ok((figures, acknowledged))
}

/// One request with the bench token over a fresh connection: the status
/// and the body.
fn http(
    address: &SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<(u16, String), SandboxBenchError> {
    let fail = |e: std::io::Error| SandboxBenchError::Http(format!("{method} {path}: {e}"));
    let mut stream = TcpStream::connect_timeout(address, Duration::from_secs(5)).map_err(fail)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(fail)?;
    let body = body.unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(fail)?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| SandboxBenchError::Http(format!("{method} {path}: no status line")))?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_summaries_are_read() {
        let output = "Running 10s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n\
            \x20 215800 requests in 10.00s, 150.00MB read\n\
            \x20 Non-2xx or 3xx responses: 12\n\
            Requests/sec:  21580.12\nTransfer/sec:     15.00MB\n";
        assert_eq!(
            parse_wrk(output),
            Some(WrkFigures {
                requests_per_second: 21580.12,
                requests: 215800,
                non_2xx: 12
            })
        );
        assert_eq!(parse_wrk("Running 10s test\n"), None);
        assert_eq!(parse_wrk("Requests/sec: 5.5\n").map(|f| f.non_2xx), Some(0));
    }

    #[test]
    fn the_mixed_script_carries_the_token_and_the_reference() {
        let script = mixed_script("Authorization: Bearer t", "abc");
        assert!(script.contains(r#"["Authorization"] = "Bearer t""#));
        assert!(script.contains("/v2/connections/abc"));
        assert!(script.contains(r#"\"name\":\"mixed\""#), "{script}");
        assert!(script.contains("status == 201"));
    }
}
