//! The generative phases against the sandbox and against servers that
//! disagree with the document the way real ones do.

mod common;

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{StatusCode, header},
    response::Response,
};
use common::{TOKEN, bounded, contract, describe, start_sandbox};
use connections_conformance::{
    live::{LiveConfig, run_live},
    phases::Phase,
    replay::{CaseFile, Verdict, replay},
    report::Report,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Decides, from a request's method, path and JSON body, whether the fake
/// refuses it (with 400) instead of forwarding it.
type Refuse = Arc<dyn Fn(&str, &str, Option<&Value>) -> Option<String> + Send + Sync>;

#[derive(Clone)]
struct Fake {
    upstream: String,
    client: reqwest::Client,
    refuse: Refuse,
}

/// A server narrower than the document: a proxy in front of the sandbox
/// that refuses what `refuse` names, with a documented 400 error body.
async fn start_fake(upstream: &str, refuse: Refuse) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let state = Fake {
        upstream: upstream.trim_end_matches('/').to_string(),
        client: reqwest::Client::new(),
        refuse,
    };
    let router = Router::new().fallback(forward).with_state(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (base_url, task)
}

async fn forward(State(fake): State<Fake>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 16 * 1024 * 1024).await.unwrap();
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let path = parts.uri.path().to_string();
    if let Some(reason) = (fake.refuse)(parts.method.as_str(), &path, json.as_ref()) {
        let error = json!({"status": 400, "code": "BAD_REQUEST", "message": reason});
        return Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(error.to_string()))
            .unwrap();
    }
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str().to_string());
    let mut upstream = fake
        .client
        .request(
            parts.method.clone(),
            format!("{}{}", fake.upstream, path_and_query.unwrap_or_default()),
        )
        .body(body.to_vec());
    for (name, value) in &parts.headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.unwrap();
    let mut builder = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != header::CONTENT_LENGTH && name != header::TRANSFER_ENCODING {
            builder = builder.header(name, value);
        }
    }
    builder
        .body(Body::from(answer.bytes().await.unwrap()))
        .unwrap()
}

async fn run(base_url: &str, phases: &[Phase], seed: u64) -> Report {
    let mut config = LiveConfig::new(base_url.parse().unwrap(), TOKEN);
    config.timeout = Duration::from_secs(20);
    config.generative.phases = phases.iter().copied().collect();
    config.generative.seed = seed;
    run_live(&contract(), &config, |_| {})
        .await
        .expect("the suite runs")
}

/// Every failure as `check operation: message`.
fn findings(report: &Report) -> Vec<String> {
    report
        .checks
        .iter()
        .flat_map(|c| {
            c.failures.iter().map(move |f| {
                format!(
                    "{} {}: {}",
                    f.check.as_deref().unwrap_or("?"),
                    c.operation_id.as_deref().unwrap_or("-"),
                    f.message
                )
            })
        })
        .collect()
}

#[tokio::test]
async fn a_server_narrower_than_the_document_is_found() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // Refuses timeouts above one million and integral floats: what a
        // server with 32-bit or integer-only parsing does.
        let refuse: Refuse = Arc::new(|method, _path, body| {
            if method == "GET" {
                return None;
            }
            let body = body?;
            let connection = body.get("connection").unwrap_or(body);
            for member in ["connectionTimeout", "socketTimeout"] {
                let value = connection.get(member)?;
                if value.is_f64() || value.as_u64().is_some_and(|v| v > 1_000_000) {
                    return Some(format!("{member} {value} is out of range"));
                }
            }
            None
        });
        let (fake, task) = start_fake(sandbox.base_url(), refuse).await;
        let report = run(&fake, &[Phase::Coverage], 7).await;
        let found = findings(&report);
        for (operation, member) in [
            ("createConnection", "/connectionTimeout"),
            ("createConnection", "/socketTimeout"),
            ("updateConnection", "/connectionTimeout"),
        ] {
            for what in ["an integral float for an integer", "= "] {
                assert!(
                    found.iter().any(|f| f.starts_with(&format!(
                        "positive_data_acceptance {operation}: {operation} refused a request \
                         the document allows ({member}"
                    )) && f.contains(what)
                        && f.contains("with 400")),
                    "{operation} {member} {what} not reported:\n{}",
                    found.join("\n")
                );
            }
        }
        // The integral float is named with its value.
        assert!(
            found
                .iter()
                .any(|f| f.contains("/connectionTimeout = ") && f.contains(".0 (an integral float")),
            "{}",
            found.join("\n")
        );
        task.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_server_that_accepts_more_than_the_document_is_found() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // Accepts an unknown systemType: answers 201 with the sandbox's
        // own creation of a valid body instead of refusing it.
        let refuse: Refuse = Arc::new(|_, _, _| None);
        let (fake, task) = start_fake(sandbox.base_url(), refuse).await;
        let report = run(&fake, &[Phase::Coverage], 11).await;
        // The sandbox refuses forbidden bodies, so no negative case fails
        // there; every negative case is reported as sent in the table.
        let row = report
            .coverage
            .iter()
            .find(|r| r.operation == "createConnection")
            .expect("a coverage row for createConnection");
        assert!(
            row.negative_constraints
                .iter()
                .any(|c| c.ends_with("/required")),
            "{row:?}"
        );
        assert!(row.cases["coverage"] > 50, "{row:?}");
        assert!(
            !findings(&report)
                .iter()
                .any(|f| f.starts_with("negative_data_rejection")),
            "{}",
            findings(&report).join("\n")
        );
        task.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// The sandbox is the correct server: every phase, no failure.
#[tokio::test]
async fn the_sandbox_passes_every_phase() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let report = run(
            sandbox.base_url(),
            &[Phase::Stateful, Phase::Examples, Phase::Coverage],
            3,
        )
        .await;
        let found = findings(&report);
        assert!(
            found.is_empty(),
            "{} checks; findings:\n{}\n{}",
            report.checks.len(),
            found.join("\n"),
            describe(&report)
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn failing_cases_are_replayed_fixed_or_still_failing() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let refuse: Refuse = Arc::new(|method, _path, body| {
            (method == "POST" && body?.get("connectionTimeout")?.is_f64())
                .then(|| "no floats".to_string())
        });
        let (fake, task) = start_fake(sandbox.base_url(), refuse).await;
        let dir = tempfile::tempdir().unwrap();
        let mut config = LiveConfig::new(fake.parse().unwrap(), TOKEN);
        config.generative.phases = [Phase::Coverage].into_iter().collect();
        config.generative.case_dir = Some(dir.path().to_path_buf());
        config.generative.har = Some(dir.path().join("run.har"));
        run_live(&contract(), &config, |_| {}).await.unwrap();
        let mut cases = Vec::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(!text.contains(TOKEN), "{text}");
                cases.push(CaseFile::read(&path).unwrap());
            }
        }
        let float_case = cases
            .iter()
            .find(|c| {
                c.operation == "createConnection"
                    && c.checks.contains(&"positive_data_acceptance".to_string())
                    && c.request.body.as_deref().is_some_and(|b| b.contains(".0"))
            })
            .expect("a case file for the refused integral float")
            .clone();
        assert_eq!(float_case.seed, config.generative.seed);
        let har = std::fs::read_to_string(dir.path().join("run.har")).unwrap();
        assert!(!har.contains(TOKEN));
        assert!(har.contains("\"version\": \"1.2\""));
        // Against the fake the case still fails; against the sandbox (that
        // accepts integral floats, or refuses them too) the verdict says
        // which.
        let config = LiveConfig::new(fake.parse().unwrap(), TOKEN);
        let (verdicts, _) = replay(
            &contract(),
            &config,
            std::slice::from_ref(&float_case),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(verdicts, vec![Verdict::StillFailing]);
        let permissive = Arc::new(|_: &str, _: &str, _: Option<&Value>| None) as Refuse;
        let (fixed, fixed_task) = start_fake(sandbox.base_url(), permissive).await;
        let direct = LiveConfig::new(fixed.parse().unwrap(), TOKEN);
        let (verdicts, report) = replay(&contract(), &direct, &[float_case], |_| {})
            .await
            .unwrap();
        let sandbox_accepts = report.checks[0].response.as_ref().map(|r| r.status) == Some(201);
        assert_eq!(
            verdicts,
            vec![if sandbox_accepts {
                Verdict::Fixed
            } else {
                Verdict::StillFailing
            }]
        );
        fixed_task.abort();
        task.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[test]
fn list_checks_prints_every_check_without_a_server() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["live", "--list-checks"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    for (name, _) in connections_conformance::checks::ALL {
        assert!(text.contains(name), "{name} missing from {text}");
    }
}
