//! The generative phases against the sandbox and against servers that
//! disagree with the document the way real ones do.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use common::{TOKEN, bounded, contract, describe, start_sandbox};
use connections_conformance::{
    cases::CaseFile,
    live::{LiveConfig, run_live},
    phases::Phase,
    replay::{Verdict, replay},
    report::Report,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Decides, from a request's method, path and JSON body, whether the fake
/// refuses it (with 400) instead of forwarding it.
type Refuse = Arc<dyn Fn(&str, &str, Option<&Value>) -> Option<String> + Send + Sync>;

/// A request as a fake sees it; `body` (when JSON) may be edited before
/// it is forwarded.
struct Seen {
    method: String,
    path: String,
    query: String,
    body: Option<Value>,
    /// The body as the client sent it.
    sent: Option<Value>,
}

/// What a fake does with a request.
enum Act {
    /// Forwards it (with its edited body) to the sandbox.
    Forward,
    /// Answers itself: a status, headers, a JSON body.
    Answer(StatusCode, Vec<(&'static str, String)>, Value),
}

/// Before forwarding: may edit the request or answer it.
type Before = Arc<dyn Fn(&mut Seen) -> Act + Send + Sync>;
/// After forwarding: may edit the status, headers and JSON body.
type After = Arc<dyn Fn(&Seen, &mut StatusCode, &mut HeaderMap, &mut Option<Value>) + Send + Sync>;

/// Every request a fake received: method, path and query, raw body.
type Log = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

#[derive(Clone)]
struct Fake {
    upstream: String,
    client: reqwest::Client,
    before: Before,
    after: After,
    log: Log,
}

/// A server that disagrees with the document: a proxy in front of the
/// sandbox whose `before` and `after` hooks change what it accepts and
/// answers; every request is logged.
async fn start_hooked(
    upstream: &str,
    before: Before,
    after: After,
) -> (String, Log, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let state = Fake {
        upstream: upstream.trim_end_matches('/').to_string(),
        client: reqwest::Client::new(),
        before,
        after,
        log: log.clone(),
    };
    let router = Router::new().fallback(forward).with_state(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (base_url, log, task)
}

/// A server narrower than the document: refuses what `refuse` names, with
/// a documented 400 error body.
async fn start_fake(upstream: &str, refuse: Refuse) -> (String, tokio::task::JoinHandle<()>) {
    let before: Before = Arc::new(move |seen: &mut Seen| {
        match refuse(&seen.method, &seen.path, seen.body.as_ref()) {
            Some(reason) => Act::Answer(
                StatusCode::BAD_REQUEST,
                Vec::new(),
                json!({"status": 400, "code": "BAD_REQUEST", "message": reason}),
            ),
            None => Act::Forward,
        }
    });
    let (base_url, _, task) = start_hooked(upstream, before, unchanged()).await;
    (base_url, task)
}

fn unchanged() -> After {
    Arc::new(|_, _, _, _| {})
}

async fn forward(State(fake): State<Fake>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let raw = to_bytes(body, 16 * 1024 * 1024).await.unwrap();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    fake.log.lock().unwrap().push((
        parts.method.to_string(),
        path_and_query.clone(),
        raw.to_vec(),
    ));
    let mut seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        body: serde_json::from_slice(&raw).ok(),
        sent: serde_json::from_slice(&raw).ok(),
    };
    let sent_json = seen.sent.clone();
    if let Act::Answer(status, headers, body) = (fake.before)(&mut seen) {
        let mut builder = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        return builder.body(Body::from(body.to_string())).unwrap();
    }
    let forwarded = match (&seen.body, &sent_json) {
        (Some(edited), Some(original)) if edited != original => edited.to_string().into_bytes(),
        _ => raw.to_vec(),
    };
    let mut upstream = fake
        .client
        .request(
            parts.method.clone(),
            format!("{}{}", fake.upstream, path_and_query),
        )
        .body(forwarded);
    for (name, value) in &parts.headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.unwrap();
    let mut status = answer.status();
    let mut headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap();
    let mut json: Option<Value> = serde_json::from_slice(&bytes).ok();
    let before = json.clone();
    (fake.after)(&seen, &mut status, &mut headers, &mut json);
    let body = match (&json, &before) {
        (Some(edited), Some(original)) if edited != original => edited.to_string().into_bytes(),
        _ => bytes.to_vec(),
    };
    let mut builder = Response::builder().status(status);
    for (name, value) in &headers {
        if name != header::CONTENT_LENGTH && name != header::TRANSFER_ENCODING {
            builder = builder.header(name, value);
        }
    }
    builder.body(Body::from(body)).unwrap()
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
                if let Some(value) = connection.get(member)
                    && (value.is_f64() || value.as_u64().is_some_and(|v| v > 1_000_000))
                {
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

/// Asserts that one finding is `check operation: ...` holding every piece.
/// (`*` for any operation).
fn assert_found(found: &[String], check: &str, operation: &str, pieces: &[&str]) {
    let prefix = match operation {
        "*" => format!("{check} "),
        _ => format!("{check} {operation}: "),
    };
    assert!(
        found
            .iter()
            .any(|f| f.starts_with(&prefix) && pieces.iter().all(|p| f.contains(p))),
        "no `{prefix}` finding with {pieces:?} in:\n{}",
        found.join("\n")
    );
}

/// A connection body (top level, or under `connection` for a test).
fn connection_of(body: &mut Value) -> &mut Value {
    if body.get("connection").is_some() {
        &mut body["connection"]
    } else {
        body
    }
}

#[tokio::test]
async fn a_server_that_accepts_more_than_the_document_is_found() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // Wider than the document: a missing systemType is not refused
        // (the server fills in its own), and an unknown systemType is
        // stored and returned.
        let before: Before = Arc::new(|seen: &mut Seen| {
            if (seen.method == "POST" || seen.method == "PUT")
                && let Some(body) = seen.body.as_mut().filter(|b| b.is_object())
                && let connection = connection_of(body)
                && connection.is_object()
            {
                let known = ["DATA_SYSTEM", "DESTINATION", "AI"];
                match connection.get("systemType") {
                    None => connection["systemType"] = json!("DATA_SYSTEM"),
                    Some(Value::String(t)) if !known.contains(&t.as_str()) => {
                        connection["systemType"] = json!("DATA_SYSTEM")
                    }
                    _ => {}
                }
            }
            Act::Forward
        });
        // The unknown value is stored: what was sent comes back.
        let after: After = Arc::new(|seen, _, _, body| {
            let sent = seen.sent.as_ref().and_then(|b| b.get("systemType"));
            if let (Some(sent), Some(body)) = (sent, body.as_mut())
                && body.get("systemType").is_some()
            {
                body["systemType"] = sent.clone();
            }
        });
        let (fake, _, task) = start_hooked(sandbox.base_url(), before, after).await;
        let report = run(&fake, &[Phase::Coverage], 11).await;
        let found = findings(&report);
        assert_found(
            &found,
            "negative_data_rejection",
            "createConnection",
            &[
                "accepted a request the document forbids",
                "/systemType missing (required)",
                "with 201",
            ],
        );
        assert_found(
            &found,
            "negative_data_rejection",
            "createConnection",
            &[
                "/systemType = \"CONFORMANCE_NOT_IN_ENUM\" (outside the enum)",
                "with 201",
            ],
        );
        assert_found(
            &found,
            "negative_data_rejection",
            "updateConnection",
            &["/systemType missing (required)", "with 20"],
        );
        assert_found(
            &found,
            "negative_data_rejection",
            "retrieveConnection",
            &[
                "revision was 1 before",
                "forbidden updateConnection",
                "one was written",
            ],
        );
        // The stored value breaks the response schema, and what the
        // forbidden requests wrote is measured.
        assert_found(
            &found,
            "response_schema_conformance",
            "createConnection",
            &["CONFORMANCE_NOT_IN_ENUM"],
        );
        assert_found(
            &found,
            "negative_data_rejection",
            "retrieveConnections",
            &[
                "the list total was 1 before",
                "forbidden createConnection",
                "one was written",
            ],
        );
        task.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_server_error_on_one_boundary_is_found() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // A 32-bit overflow on the maximum of connectionTimeout: 500.
        let before: Before = Arc::new(|seen: &mut Seen| {
            let on_the_maximum = seen.body.as_mut().is_some_and(|body| {
                connection_of(body).get("connectionTimeout") == Some(&json!(2147483647))
            });
            if on_the_maximum {
                return Act::Answer(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Vec::new(),
                    json!({"status": 500, "code": "INTERNAL", "message": "overflow"}),
                );
            }
            Act::Forward
        });
        let (fake, _, task) = start_hooked(sandbox.base_url(), before, unchanged()).await;
        let report = run(&fake, &[Phase::Coverage], 5).await;
        let found = findings(&report);
        for operation in ["createConnection", "updateConnection"] {
            assert_found(
                &found,
                "not_a_server_error",
                operation,
                &[
                    "answered 500, a server error",
                    "/connectionTimeout = 2147483647 (on the maximum)",
                ],
            );
        }
        task.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_created_connection_that_cannot_be_retrieved_is_found() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // Eventually consistent: a single connection is never found.
        let before: Before = Arc::new(|seen: &mut Seen| {
            if seen.method == "GET" && seen.path.starts_with("/v2/connections/") {
                return Act::Answer(
                    StatusCode::NOT_FOUND,
                    Vec::new(),
                    json!({"status": 404, "code": "NOT_FOUND", "message": "no such connection"}),
                );
            }
            Act::Forward
        });
        let (fake, _, task) = start_hooked(sandbox.base_url(), before, unchanged()).await;
        let report = run(&fake, &[Phase::Coverage], 5).await;
        assert_found(
            &findings(&report),
            "ensure_resource_availability",
            "retrieveConnection",
            &["was created but retrieving it answered 404"],
        );
        task.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_undocumented_method_must_get_405_with_allow() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // One server deletes (204), one answers 405 without `Allow`.
        let deletes: Before = Arc::new(|seen: &mut Seen| match seen.method.as_str() {
            "DELETE" => Act::Answer(StatusCode::NO_CONTENT, Vec::new(), json!({})),
            _ => Act::Forward,
        });
        let no_allow: After = Arc::new(|_, status, headers, _| {
            if *status == StatusCode::METHOD_NOT_ALLOWED {
                headers.remove(header::ALLOW);
            }
        });
        let forward_all: Before = Arc::new(|_| Act::Forward);
        let (deleting, _, first) = start_hooked(sandbox.base_url(), deletes, unchanged()).await;
        let (silent, _, second) = start_hooked(sandbox.base_url(), forward_all, no_allow).await;
        let found = findings(&run(&deleting, &[Phase::Coverage], 5).await);
        assert_found(
            &found,
            "unsupported_method",
            "retrieveConnection",
            &["DELETE /v2/connections/{connectionRef} is not in the document and answered 204, not 405"],
        );
        let found = findings(&run(&silent, &[Phase::Coverage], 5).await);
        for (operation, method, path) in [
            ("retrieveConnection", "DELETE", "/v2/connections/{connectionRef}"),
            ("*", "DELETE", "/v2/connections"),
        ] {
            assert_found(
                &found,
                "unsupported_method",
                operation,
                &[&format!("{method} {path} answered 405 without an `Allow` header")],
            );
        }
        first.abort();
        second.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// Integral floats (`5.0`) as the integers they are, in every body.
fn integral_floats_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15) {
                *value = json!(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(members) => members.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// A server that conforms: every phase, no failure. The proxy gives the
/// sandbox what the 1.1 contract asks of a server beyond it where the
/// sandbox (1.0) still differs: integral floats read as integers, int32
/// paging parameters bounded.
#[tokio::test]
async fn a_conforming_server_passes_every_phase() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let before: Before = Arc::new(|seen: &mut Seen| {
            if let Some(body) = seen.body.as_mut() {
                integral_floats_as_integers(body);
            }
            let out_of_range =
                url::form_urlencoded::parse(seen.query.as_bytes()).find(|(name, value)| {
                    (name == "offset" || name == "limit")
                        && value.parse::<i64>().is_ok_and(|v| v > i64::from(i32::MAX))
                });
            match out_of_range {
                Some((name, value)) => Act::Answer(
                    StatusCode::BAD_REQUEST,
                    Vec::new(),
                    json!({"status": 400, "code": "VALIDATION_FAILED",
                           "message": format!("{name} {value} is out of range")}),
                ),
                None => Act::Forward,
            }
        });
        let (fake, _, task) = start_hooked(sandbox.base_url(), before, unchanged()).await;
        let report = run(&fake, &Phase::ALL, 3).await;
        let found = findings(&report);
        assert!(
            found.is_empty(),
            "{} checks; findings:\n{}\n{}",
            report.checks.len(),
            found.join("\n"),
            describe(&report)
        );
        let fuzzed: usize = report
            .coverage
            .iter()
            .map(|row| row.cases.get("fuzzing").copied().unwrap_or(0))
            .sum();
        assert!(fuzzed >= 4 * 20, "{fuzzed} fuzzing cases");
        task.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// `--read-only`: every phase, and nothing a server could write: GETs,
/// and bodies that are not JSON.
#[tokio::test]
async fn read_only_runs_send_nothing_that_can_write() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let (fake, log, task) =
            start_hooked(sandbox.base_url(), Arc::new(|_| Act::Forward), unchanged()).await;
        let mut config = LiveConfig::new(fake.parse().unwrap(), TOKEN);
        config.read_only = true;
        config.generative.seed = 17;
        let report = run_live(&contract(), &config, |_| {}).await.unwrap();
        let log = log.lock().unwrap().clone();
        let gets = log.iter().filter(|(method, _, _)| method == "GET").count();
        let writes: Vec<String> = log
            .iter()
            .filter(|(method, _, body)| {
                method != "GET" && serde_json::from_slice::<Value>(body).is_ok()
            })
            .map(|(method, path, body)| {
                format!("{method} {path} {}", String::from_utf8_lossy(body))
            })
            .collect();
        assert!(
            writes.is_empty(),
            "requests that could write:\n{}",
            writes.join("\n")
        );
        assert!(gets > 20, "{gets} GETs");
        assert!(
            report
                .coverage
                .iter()
                .any(|row| row.cases.get("fuzzing").copied().unwrap_or(0) > 0),
            "{:?}",
            report.coverage
        );
        task.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// The same seed against the same server sends the same requests (the
/// reference the server assigns aside; the workers may change the order
/// in which they arrive, not what they are); another seed sends others.
#[tokio::test]
async fn the_same_seed_sends_the_same_requests() {
    bounded(async {
        let mut runs = Vec::new();
        for seed in [21, 21, 22] {
            let sandbox = start_sandbox().await;
            let (fake, log, task) =
                start_hooked(sandbox.base_url(), Arc::new(|_| Act::Forward), unchanged()).await;
            let report = run(&fake, &[Phase::Coverage, Phase::Fuzzing], seed).await;
            let reference = report
                .checks
                .iter()
                .filter_map(|c| c.request.as_ref())
                .find_map(|r| r.url.split("/v2/connections/").nth(1).map(str::to_string))
                .filter(|r| r.len() == 36)
                .unwrap_or_default();
            let requests: Vec<String> = log
                .lock()
                .unwrap()
                .iter()
                .map(|(method, path, body)| {
                    let text = format!("{method} {path} {}", String::from_utf8_lossy(body));
                    let text = text.replace(&fake, "{server}");
                    if reference.is_empty() {
                        text
                    } else {
                        text.replace(&reference, "{ref}")
                    }
                })
                .collect();
            let mut requests = requests;
            requests.sort();
            runs.push(requests);
            task.abort();
            sandbox.shutdown().await.unwrap();
        }
        assert!(runs[0].len() > 100, "{}", runs[0].len());
        let first_difference = runs[0]
            .iter()
            .zip(&runs[1])
            .position(|(a, b)| a != b)
            .map(|i| format!("{}\n{}", runs[0][i], runs[1][i]));
        assert_eq!(first_difference, None);
        assert_eq!(runs[0].len(), runs[1].len());
        assert_ne!(runs[0], runs[2]);
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
    for unit in connections_conformance::checks::REGISTRY {
        assert!(
            text.contains(&format!("{}  ", unit.name)) && text.contains(unit.description),
            "{} missing from {text}",
            unit.name
        );
    }
}
