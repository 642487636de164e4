//! The live suite against servers that behave the way real ones do behind
//! a network: many cases at once, quotas that answer 429, answers that
//! never come or never end.

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use common::{Breakage, TOKEN, bounded, describe, is, start_proxy, start_sandbox};
use connections_conformance::{
    live::{LiveConfig, run_live},
    phases::Phase,
    report::Report,
};
use serde_json::json;
use tokio::net::TcpListener;

async fn run(base_url: &str, edit: impl FnOnce(&mut LiveConfig)) -> Report {
    let mut config = LiveConfig::new(base_url.parse().unwrap(), TOKEN);
    config.timeout = Duration::from_secs(20);
    config.generative.seed = 17;
    config.generative.max_cases = Some(6);
    edit(&mut config);
    run_live(&common::contract(), &config, |_| {})
        .await
        .expect("the suite runs")
}

/// A name with the server's references (UUIDs) written `<ref>`.
fn without_references(name: &str) -> String {
    name.split(' ')
        .map(|word| {
            if word.len() == 36 && word.matches('-').count() == 4 {
                "<ref>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each check as `operation name → status outcome` (the scripted
/// scenario's names hold the time and the server's references: its checks
/// by operation only), and each finding as its fingerprint and count.
fn outcome(report: &Report) -> (Vec<String>, Vec<(String, usize)>) {
    let seeded = |name: &str| {
        ["coverage:", "examples:", "fuzzing:"]
            .iter()
            .any(|phase| name.starts_with(phase))
    };
    let checks = report
        .checks
        .iter()
        .map(|c| {
            format!(
                "{} {} → {:?} {:?}",
                c.operation_id.as_deref().unwrap_or("-"),
                if seeded(&c.name) {
                    without_references(&c.name)
                } else {
                    "(scenario)".to_string()
                },
                c.response.as_ref().map(|r| r.status),
                c.outcome
            )
        })
        .collect();
    let findings = report
        .findings
        .iter()
        .map(|f| (f.fingerprint.clone(), f.count))
        .collect();
    (checks, findings)
}

#[tokio::test]
async fn the_report_is_the_same_whatever_the_workers() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // One fault: the create answer's clientKey is a number.
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(|request, response| {
                if is(request, "POST", "/v2/connections") && response.status == StatusCode::CREATED
                {
                    let mut body = response.json().unwrap();
                    body["clientKey"] = json!(12);
                    response.set_json(&body);
                }
            }),
        )
        .await;
        let one = run(&proxy.base_url, |c| c.workers = 1).await;
        let many = run(&proxy.base_url, |c| c.workers = 8).await;
        let (one_checks, one_findings) = outcome(&one);
        let (many_checks, many_findings) = outcome(&many);
        assert_eq!(one_findings.len(), 1, "{}", describe(&one));
        assert_eq!(one_findings, many_findings);
        let first_difference = one_checks
            .iter()
            .zip(&many_checks)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("{a}\n{b}"));
        assert_eq!(first_difference, None);
        assert_eq!(one_checks.len(), many_checks.len());
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_for_and_never_a_fault() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // Every fifth answer is "slow down", in seconds or as an HTTP date.
        let seen = Arc::new(AtomicUsize::new(0));
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(move |_, response| {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                if n % 5 == 4 {
                    response.status = StatusCode::TOO_MANY_REQUESTS;
                    let retry_after = if n.is_multiple_of(2) {
                        "0".to_string()
                    } else {
                        "Sun, 06 Nov 1994 08:49:37 GMT".to_string()
                    };
                    common::set_header(
                        &mut response.headers,
                        axum::http::header::RETRY_AFTER,
                        &retry_after,
                    );
                    response.set_json(&json!({"status": 429, "code": "TOO_MANY_REQUESTS"}));
                }
            }),
        )
        .await;
        let report = run(&proxy.base_url, |_| {}).await;
        assert!(report.findings.is_empty(), "{}", describe(&report));
        assert!(report.throttled > 10, "{}", report.throttled);
        assert!(
            report
                .summary_line()
                .contains("answer(s) waited for (throttled)"),
            "{}",
            report.summary_line()
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// A server in front of the sandbox that never answers, or never stops
/// answering, one connection's retrieval.
async fn start_misbehaving(
    upstream: String,
    endless: bool,
) -> (String, tokio::task::JoinHandle<()>) {
    async fn handle(
        State((upstream, endless)): State<(String, bool)>,
        request: Request,
    ) -> Response {
        let path = request.uri().path().to_string();
        if request.method() == "GET" && path.starts_with("/v2/connections/") {
            if endless {
                let chunks = futures_util::stream::repeat_with(|| {
                    Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; 64 * 1024]))
                });
                return Response::builder()
                    .header("content-type", "application/json")
                    .body(Body::from_stream(chunks))
                    .unwrap();
            }
            std::future::pending::<()>().await;
        }
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, 16 * 1024 * 1024).await.unwrap();
        let mut forwarded = reqwest::Client::new().request(
            parts.method.clone(),
            format!(
                "{upstream}{}",
                parts.uri.path_and_query().map_or("", |p| p.as_str())
            ),
        );
        for (name, value) in &parts.headers {
            if name != "host" && name != "content-length" {
                forwarded = forwarded.header(name, value);
            }
        }
        let answer = forwarded.body(body.to_vec()).send().await.unwrap();
        let status = answer.status();
        let content_type = answer.headers().get("content-type").cloned();
        let bytes = answer.bytes().await.unwrap();
        let mut response = (status, bytes).into_response();
        if let Some(content_type) = content_type {
            response.headers_mut().insert("content-type", content_type);
        }
        response
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .fallback(handle)
        .with_state((upstream.trim_end_matches('/').to_string(), endless));
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, task)
}

#[tokio::test]
async fn a_hung_or_endless_answer_is_cut_off_as_one_finding() {
    bounded(async {
        let sandbox = start_sandbox().await;
        for endless in [false, true] {
            let (base, task) = start_misbehaving(sandbox.base_url().to_string(), endless).await;
            let report = run(&base, |c| {
                c.timeout = Duration::from_secs(1);
                c.generative.phases = [Phase::Stateful].into_iter().collect();
            })
            .await;
            let found: Vec<String> = report
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "[{}] {} at {}: {}",
                        f.check, f.operation, f.locus, f.example.failure.message
                    )
                })
                .collect();
            assert_eq!(found.len(), 1, "endless {endless}: {found:#?}");
            assert_eq!(report.findings[0].check, "not_a_server_error");
            assert_eq!(report.findings[0].operation, "retrieveConnection");
            assert_eq!(report.findings[0].locus, "no answer");
            task.abort();
        }
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_run_creates_what_its_bound_allows_and_the_next_reuses_what_it_left() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let bounded_run = |read_only: bool| {
            let base = sandbox.base_url().to_string();
            async move {
                run(&base, |c| {
                    c.max_creates = Some(5);
                    c.read_only = read_only;
                    c.generative.phases = [Phase::Coverage].into_iter().collect();
                    c.generative.max_cases = None;
                })
                .await
            }
        };
        let first = bounded_run(false).await;
        assert!(first.findings.is_empty(), "{}", describe(&first));
        assert!(
            first
                .checks
                .iter()
                .any(|c| c.name == "coverage: create the connection the cases address"),
            "a fresh server has nothing to reuse"
        );
        assert!(first.writes.created <= 5, "{:?}", first.writes);
        assert!(first.writes.creates_skipped > 0, "{:?}", first.writes);
        assert!(
            first
                .summary_line()
                .contains("create(s) not sent (--max-creates 5)"),
            "{}",
            first.summary_line()
        );
        let stored = sandbox.stats().connections;
        assert!(stored <= 5, "{stored} connections after one run");

        // The next run finds the connection the first one left and
        // addresses it instead of creating one.
        let second = bounded_run(false).await;
        assert!(second.findings.is_empty(), "{}", describe(&second));
        let names: Vec<&str> = second.checks.iter().map(|c| c.name.as_str()).collect();
        assert!(
            !names.contains(&"coverage: create the connection the cases address"),
            "{names:#?}"
        );
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("coverage: look for a connection an earlier run created")),
            "{names:#?}"
        );
        assert!(second.writes.created <= 5, "{:?}", second.writes);
        assert_eq!(
            sandbox.stats().connections,
            stored + second.writes.created as u32
        );

        // A read-only run writes nothing.
        let read_only = bounded_run(true).await;
        assert_eq!(read_only.writes.created, 0);
        assert_eq!(read_only.writes.updated, 0);
        assert_eq!(
            sandbox.stats().connections,
            stored + second.writes.created as u32
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_time_budget_ends_the_run_cleanly_and_says_so() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let report = run(sandbox.base_url(), |c| {
            c.max_time = Some(Duration::from_millis(400));
            c.generative.max_cases = None;
            c.workers = 1;
        })
        .await;
        let incomplete = report.incomplete.clone().expect("the run was cut short");
        assert!(
            incomplete.reason.contains("--max-time 400ms"),
            "{incomplete:?}"
        );
        assert_eq!(incomplete.cut_short.len(), 1, "{incomplete:?}");
        assert!(report.findings.is_empty(), "{}", describe(&report));
        assert_eq!(
            report.exit_status(),
            connections_conformance::exit::INCOMPLETE
        );
        assert!(
            report
                .summary_line()
                .starts_with("live INCOMPLETE (stopped: the time budget"),
            "{}",
            report.summary_line()
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn max_failures_stops_after_that_many_findings() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(|request, response| {
                if is(request, "GET", "/v2/connections") && response.status == StatusCode::OK {
                    common::set_header(
                        &mut response.headers,
                        axum::http::header::CONTENT_TYPE,
                        "text/plain",
                    );
                }
            }),
        )
        .await;
        let report = run(&proxy.base_url, |c| c.max_failures = Some(1)).await;
        assert_eq!(report.findings.len(), 1, "{}", describe(&report));
        let incomplete = report
            .incomplete
            .clone()
            .expect("stopped at the first finding");
        assert!(
            incomplete.reason.contains("--max-failures"),
            "{incomplete:?}"
        );
        assert_eq!(
            report.exit_status(),
            connections_conformance::exit::VIOLATIONS
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn sigterm_mid_run_writes_the_report_of_what_ran() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let directory = tempfile::tempdir().unwrap();
        let report_path = directory.path().join("report.json");
        // Five requests a second: the run lasts long enough to be stopped.
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
            .args(["live", "--base-url", sandbox.base_url(), "--token", TOKEN])
            .args(["--rate-limit", "5/s", "--format", "json", "--output"])
            .arg(&report_path)
            .current_dir(directory.path())
            .env_remove("CONNECTIONS_CLIENT_ID")
            .env_remove("CONNECTIONS_CLIENT_SECRET")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let pid = child.id().unwrap().to_string();
        assert!(
            std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let stopped_at = std::time::Instant::now();
        let output = child.wait_with_output().await.unwrap();
        let took = stopped_at.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{stderr}");
        assert!(took < Duration::from_secs(5), "it took {took:?} to stop");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
        assert!(
            report["incomplete"]["reason"]
                .as_str()
                .unwrap()
                .contains("interrupted"),
            "{report}"
        );
        assert!(
            !report["incomplete"]["cut_short"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("live INCOMPLETE (stopped: interrupted"),
            "{stdout}{stderr}"
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_production_like_edge_is_not_a_fault() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let seen = Arc::new(AtomicUsize::new(0));
        // A gateway: CORS preflights answered, undeclared methods refused
        // before routing (403) or as unknown resources (404), an
        // occasional 429, chunked answers with headers of its own.
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(move |request, response| {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                if request.method == "OPTIONS" {
                    response.status = StatusCode::NO_CONTENT;
                    response.body.clear();
                    response.headers.clear();
                    for (name, value) in [
                        ("access-control-allow-origin", "*"),
                        ("access-control-allow-methods", "GET, POST, PUT"),
                        (
                            "access-control-allow-headers",
                            "authorization, content-type",
                        ),
                    ] {
                        response.headers.insert(name, value.parse().unwrap());
                    }
                } else if response.status == StatusCode::METHOD_NOT_ALLOWED {
                    let reference = request.path.matches('/').count() > 2
                        && !request.path.ends_with("/testConnection");
                    response.headers.remove(axum::http::header::ALLOW);
                    if reference {
                        response.status = StatusCode::NOT_FOUND;
                        response.set_json(&json!({"message": "Not Found"}));
                    } else {
                        response.status = StatusCode::FORBIDDEN;
                        response.set_json(&json!({"message": "Missing Authentication Token"}));
                    }
                } else if n % 13 == 12 {
                    response.status = StatusCode::TOO_MANY_REQUESTS;
                    response.headers.insert("retry-after", "0".parse().unwrap());
                    response.set_json(&json!({"message": "Too Many Requests"}));
                }
                for (name, value) in [
                    ("via", "1.1 gateway"),
                    ("x-request-id", "req-42"),
                    ("x-amzn-trace-id", "Root=1-abc"),
                ] {
                    response.headers.insert(name, value.parse().unwrap());
                }
                response.chunked = true;
            }),
        )
        .await;
        let report = run(&proxy.base_url, |_| {}).await;
        assert!(report.findings.is_empty(), "{}", describe(&report));
        assert!(report.throttled > 0);
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_server_that_stops_answering_stops_the_run_not_after_every_case() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // Answers its first three requests (the preflight and a little
        // more), then none: each request after that waits forever.
        let answered = Arc::new(AtomicUsize::new(0));
        let stalled = Arc::new(AtomicUsize::new(0));
        let upstream = sandbox.base_url().trim_end_matches('/').to_string();
        let app = Router::new().fallback({
            let (answered, stalled) = (answered.clone(), stalled.clone());
            move |request: Request| {
                let (answered, stalled, upstream) =
                    (answered.clone(), stalled.clone(), upstream.clone());
                async move {
                    if answered.fetch_add(1, Ordering::SeqCst) >= 3 {
                        stalled.fetch_add(1, Ordering::SeqCst);
                        std::future::pending::<()>().await;
                    }
                    let (parts, body) = request.into_parts();
                    let body = axum::body::to_bytes(body, 1 << 24).await.unwrap();
                    let path = parts.uri.path_and_query().map_or("", |p| p.as_str());
                    let mut forwarded = reqwest::Client::new()
                        .request(parts.method.clone(), format!("{upstream}{path}"));
                    for (name, value) in &parts.headers {
                        if name != "host" && name != "content-length" {
                            forwarded = forwarded.header(name, value);
                        }
                    }
                    let answer = forwarded.body(body.to_vec()).send().await.unwrap();
                    let status = answer.status();
                    let bytes = answer.bytes().await.unwrap();
                    (status, [("content-type", "application/json")], bytes).into_response()
                }
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let workers = 8;
        let report = run(&base, |c| {
            c.timeout = Duration::from_secs(1);
            c.workers = workers;
            c.generative.max_cases = None;
        })
        .await;
        let incomplete = report.incomplete.clone().expect("the run says it stopped");
        assert!(
            incomplete.reason.contains("stopped answering"),
            "{}",
            describe(&report)
        );
        let sent_into_the_stall = stalled.load(Ordering::SeqCst);
        assert!(
            sent_into_the_stall <= connections_conformance::config::UNANSWERED_IN_A_ROW + workers,
            "{sent_into_the_stall} requests sent to a server that had stopped answering"
        );
        assert!(!report.findings.is_empty());
        for finding in &report.findings {
            assert_eq!(
                (finding.check.as_str(), finding.locus.as_str()),
                ("not_a_server_error", "no answer")
            );
        }
        server.abort();
        sandbox.shutdown().await.unwrap();
    })
    .await;
}
