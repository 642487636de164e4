//! Golden files: `conformance --help`, `conformance live --help`, and the
//! human and JUnit reports of a seeded run against a fixed stub server
//! (durations, start time and port fixed after the run).
//!
//! `EXPECTORATE=overwrite cargo test -p connections-conformance --test
//! golden` rewrites them; a change shows in the diff.

mod common;

use std::time::Duration;

use axum::{
    Router,
    extract::Request,
    http::{Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use common::{TOKEN, bounded, contract};
use connections_conformance::{
    live::{LiveConfig, run_live},
    phases::Phase,
    report::Format,
};
use serde_json::json;
use tokio::net::TcpListener;

fn help(args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn conformance_help() {
    expectorate::assert_contents("tests/golden/conformance-help.txt", &help(&["--help"]));
}

#[test]
fn conformance_live_help() {
    expectorate::assert_contents(
        "tests/golden/conformance-live-help.txt",
        &help(&["live", "--help"]),
    );
}

/// A stub that answers the same way every time: an empty list for GETs
/// of the collection, 404 for one connection, 400 for every write (with
/// the documented error body), 401 without the token, 405 with `Allow`
/// for other methods.
async fn stub(request: Request) -> Response {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"));
    let error = |status: StatusCode, code: &str| {
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            json!({"status": status.as_u16(), "code": code, "message": code.to_lowercase()})
                .to_string(),
        )
            .into_response()
    };
    if !authorized {
        return error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    }
    let path = request.uri().path().to_string();
    match (request.method().clone(), path.as_str()) {
        (Method::GET, "/v2/connections") => (
            [(header::CONTENT_TYPE, "application/json")],
            json!({"href": "/v2/connections", "items": [], "offset": 0, "limit": 10, "total": 0})
                .to_string(),
        )
            .into_response(),
        (Method::GET | Method::PUT, _) if path.starts_with("/v2/connections/") => {
            error(StatusCode::NOT_FOUND, "NOT_FOUND")
        }
        (Method::POST, "/v2/connections" | "/v2/connections/testConnection") => {
            error(StatusCode::BAD_REQUEST, "BAD_REQUEST")
        }
        _ => {
            let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
            response
                .headers_mut()
                .insert(header::ALLOW, "GET, PUT".parse().unwrap());
            response
        }
    }
}

#[tokio::test]
async fn the_human_and_junit_reports_of_a_seeded_run() {
    bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, Router::new().fallback(stub))
                .await
                .unwrap();
        });
        let mut config = LiveConfig::new(base_url.parse().unwrap(), TOKEN);
        config.timeout = Duration::from_secs(20);
        config.generative.phases = [Phase::Coverage, Phase::Fuzzing].into_iter().collect();
        config.generative.seed = 1;
        config.generative.max_cases = Some(2);
        let mut report = run_live(&contract(), &config, |_| {}).await.unwrap();
        report.duration_ms = 1234.0;
        report.started_at = "2026-01-01T00:00:00.000Z".into();
        for check in &mut report.checks {
            check.duration_ms = 1.0;
        }
        // The committed document's version changes with every release.
        let document: serde_json::Value =
            serde_json::from_str(connections_openapi::COMMITTED_DOCUMENT).unwrap();
        let version = format!(" {}", document["info"]["version"].as_str().unwrap());
        let fixed = |text: String| {
            text.replace(&base_url, "http://127.0.0.1:PORT")
                .replace(&version, " VERSION")
        };
        expectorate::assert_contents(
            "tests/golden/report-human.txt",
            &fixed(report.render(Format::Human)),
        );
        expectorate::assert_contents(
            "tests/golden/report-junit.xml",
            &fixed(report.render(Format::Junit)),
        );
        task.abort();
    })
    .await;
}
