//! `cargo xtask bench --part edge`: the live suite one network hop away.
//!
//! The release-built sandbox runs behind a local TCP proxy that holds each
//! piece of a request for a fixed delay (40 ms by default: a tenant one
//! hop and a gateway away). Against it, in one run and with the same
//! phases (coverage and stateful) and seed:
//!
//! - this suite at its default workers and at `--workers 1`;
//! - Schemathesis (pinned, `cargo xtask consumers`' venv) at its default
//!   (one worker) and with `-w 4`;
//! - this suite at its default workers against the same setup with one
//!   fault injected (every `PUT /v2/connections/{ref}` answers 500), which
//!   must be one finding.
//!
//! It prints wall time and cases/s of each, and the ratios.

use std::{
    fmt::Write as _,
    net::SocketAddr,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::bench_schemathesis::{
    SandboxProcess, Side, build_release, path_templates, prepare_venv, read_har, side_from_har,
    side_from_report,
};

/// Where the runs write, relative to the workspace root.
const WORK_DIR: &str = "target/bench-edge";
/// The document every side reads.
const DOCUMENT: &str = "openapi/connections.json";

/// The options of `cargo xtask bench --part edge`.
#[derive(Clone, Debug, clap::Args)]
pub struct EdgeBenchOptions {
    /// Part `edge`: milliseconds the proxy holds each piece of a request.
    #[arg(long, default_value_t = 40)]
    pub latency_ms: u64,
}

/// A TCP proxy on a free loopback port that holds each piece the client
/// sends for `delay` before passing it on; stopped when dropped.
struct LatencyProxy {
    base_url: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl LatencyProxy {
    fn start(upstream: SocketAddr, delay: Duration) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .context("the proxy's runtime")?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("bind the proxy")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        runtime.spawn(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    let ahead = async move {
                        let mut buffer = vec![0; 64 * 1024];
                        loop {
                            match client_read.read(&mut buffer).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    tokio::time::sleep(delay).await;
                                    if server_write.write_all(&buffer[..n]).await.is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                        let _ = server_write.shutdown().await;
                    };
                    let back = async move {
                        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                        let _ = client_write.shutdown().await;
                    };
                    tokio::join!(ahead, back);
                });
            }
        });
        Ok(Self {
            base_url: format!("http://{address}"),
            runtime: Some(runtime),
        })
    }
}

impl Drop for LatencyProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// One run of this suite: its side, and how many findings it reported.
struct OurRun {
    side: Side,
    findings: usize,
}

/// Runs the comparison from the workspace root and prints it.
pub fn run(root: &Path, options: &EdgeBenchOptions) -> anyhow::Result<()> {
    let work = root.join(WORK_DIR);
    std::fs::create_dir_all(&work).with_context(|| work.display().to_string())?;
    let delay = Duration::from_millis(options.latency_ms);
    println!("==> building the sandbox and conformance (release)");
    let binaries = build_release(root)?;
    let sandbox = binaries
        .get("connections-sandbox")
        .context("cargo reported no sandbox executable")?;
    let conformance = binaries
        .get("conformance")
        .context("cargo reported no conformance executable")?;
    let st = prepare_venv(root)?;
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(DOCUMENT)).context(DOCUMENT)?)
            .context(DOCUMENT)?;
    let templates = path_templates(&document);

    let ours = |name: &str, workers: Option<&str>, fault: bool| -> anyhow::Result<OurRun> {
        println!("==> {name}");
        let token = connections_conformance::live::random_token();
        let flags: &[&str] = if fault {
            &["--enable-fault-injection"]
        } else {
            &[]
        };
        let running = SandboxProcess::start_with(sandbox, &token, flags)?;
        if fault {
            inject_fault(&running.base_url, &token)?;
        }
        let proxy = LatencyProxy::start(address_of(&running.base_url)?, delay)?;
        let report = work.join(format!("{}.json", name.replace(' ', "-")));
        let mut command = Command::new(conformance);
        command
            .current_dir(&work)
            .args(["live", "--base-url", &proxy.base_url])
            .args(["--phases", "coverage,stateful", "--seed", "1"])
            .args(["--max-creates", "unlimited", "--quiet"])
            .args(["--format", "json", "--output"])
            .arg(&report)
            .arg("--cases-dir")
            .arg(work.join("cases"))
            .env("CONNECTIONS_TOKEN", &token)
            .stdout(Stdio::null());
        if let Some(workers) = workers {
            command.args(["--workers", workers]);
        }
        let started = Instant::now();
        let status = command.status().context("conformance")?;
        let seconds = started.elapsed().as_secs_f64();
        if status.code().is_none_or(|c| c > 1) {
            bail!("conformance could not run ({status})");
        }
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&report)?)?;
        Ok(OurRun {
            side: side_from_report(name, &report, &templates, seconds),
            findings: report["findings"].as_array().map_or(0, Vec::len),
        })
    };
    let default = ours("ours, default workers", None, false)?;
    let one = ours("ours, --workers 1", Some("1"), false)?;
    let faulty = ours("ours, one injected fault", None, true)?;

    let schemathesis = |name: &str, workers: &str| -> anyhow::Result<Side> {
        println!("==> {name}");
        let token = connections_conformance::live::random_token();
        let running = SandboxProcess::start(sandbox, &token)?;
        let proxy = LatencyProxy::start(address_of(&running.base_url)?, delay)?;
        let reports = work.join(format!("schemathesis-{workers}"));
        let _ = std::fs::remove_dir_all(&reports);
        let started = Instant::now();
        let output = Command::new(&st)
            .current_dir(&work)
            .arg("run")
            .arg(root.join(DOCUMENT))
            .args(["--url", &proxy.base_url])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "all", "--phases", "coverage,stateful"])
            .args(["--seed", "1", "--workers", workers])
            .args(["--report", "har", "--report-dir"])
            .arg(&reports)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .context("st run")?;
        let seconds = started.elapsed().as_secs_f64();
        let har = read_har(&reports, &output)?;
        Ok(side_from_har(name, &har, &templates, seconds))
    };
    let st_default = schemathesis("Schemathesis, default (1 worker)", "1")?;
    let st_four = schemathesis("Schemathesis, -w 4", "4")?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "\ncargo xtask bench --part edge: {} ms held per request piece, phases coverage + stateful, seed 1\n",
        options.latency_ms
    );
    let _ = writeln!(out, "| run | cases | seconds | cases/s | findings |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for (side, findings) in [
        (&default.side, Some(default.findings)),
        (&one.side, Some(one.findings)),
        (&faulty.side, Some(faulty.findings)),
        (&st_default, None),
        (&st_four, None),
    ] {
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.1} | {} |",
            side.name,
            side.cases,
            side.seconds,
            side.rate(),
            findings.map_or("-".to_string(), |n| n.to_string())
        );
    }
    let ratio = |a: &Side, b: &Side| {
        if b.rate() > 0.0 {
            a.rate() / b.rate()
        } else {
            0.0
        }
    };
    let _ = writeln!(
        out,
        "\nratios (cases/s): default workers / --workers 1 = {:.1}x; default workers / Schemathesis default = {:.1}x; default workers / Schemathesis -w 4 = {:.1}x",
        ratio(&default.side, &one.side),
        ratio(&default.side, &st_default),
        ratio(&default.side, &st_four),
    );
    let _ = writeln!(
        out,
        "one injected fault: {} finding(s) in {:.1} s",
        faulty.findings, faulty.side.seconds
    );
    println!("{out}");
    Ok(())
}

/// The socket address of a sandbox's `http://127.0.0.1:PORT`.
fn address_of(base_url: &str) -> anyhow::Result<SocketAddr> {
    base_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .with_context(|| format!("{base_url} is not an address"))
}

/// Makes every `PUT /v2/connections/{ref}` of the sandbox answer 500.
fn inject_fault(base_url: &str, token: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let answer = reqwest::Client::new()
            .post(format!("{base_url}/sandbox/faults"))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "method": "PUT", "pathPrefix": "/v2/connections/", "status": 500, "count": 1_000_000
            }))
            .send()
            .await
            .context("inject the fault")?;
        if !answer.status().is_success() {
            bail!("the sandbox refused the fault: {}", answer.status());
        }
        Ok(())
    })
}
