//! The `conformance` binary as a CI job runs it: commands, output formats
//! and exit codes (0 passed, 1 violations, 2 could not run).

mod common;

use std::{path::Path, process::Output};

use common::{Breakage, TOKEN, bounded, is, start_proxy, start_sandbox};
use connections_conformance::exit;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_conformance");

async fn conformance(args: &[&str], stdin: Option<&str>) -> Output {
    use tokio::io::AsyncWriteExt;
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(args)
        .env_remove("CONNECTIONS_TOKEN")
        .env_remove("CONNECTIONS_CLIENT_ID")
        .env_remove("CONNECTIONS_CLIENT_SECRET")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.unwrap();
    }
    drop(input);
    child.wait_with_output().await.unwrap()
}

async fn live(args: &[&str]) -> Output {
    use tokio::process::Command;
    // Case files of failing runs go to a directory of their own, not the
    // working directory.
    let cases = std::env::temp_dir().join(format!("conformance-cli-cases-{}", std::process::id()));
    Command::new(BIN)
        .arg("live")
        .args(args)
        .args(["--phases", "stateful", "--cases-dir"])
        .arg(&cases)
        .env("CONNECTIONS_TOKEN", TOKEN)
        .env_remove("CONNECTIONS_CLIENT_ID")
        .env_remove("CONNECTIONS_CLIENT_SECRET")
        .env_remove("CONNECTIONS_TOKEN_URL")
        .env_remove("CONNECTIONS_AUDIENCE")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap()
}

fn code(output: &Output) -> u8 {
    output.status.code().unwrap() as u8
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn committed() -> Value {
    serde_json::from_str(connections_conformance::COMMITTED_DOCUMENT).unwrap()
}

fn write(directory: &Path, name: &str, value: &Value) -> String {
    let path = directory.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn the_committed_examples_pass() {
    bounded(async {
        let output = conformance(&["examples"], None).await;
        assert_eq!(
            code(&output),
            exit::PASSED,
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
        // By default, the verdict alone.
        assert_eq!(stdout(&output).lines().count(), 1, "{}", stdout(&output));
        assert!(
            stdout(&output)
                .contains("examples passed against openapi/connections.json: no finding"),
            "{}",
            stdout(&output)
        );
        let output = conformance(&["examples", "--verbose"], None).await;
        assert!(
            stdout(&output).contains(", 0 failed,"),
            "{}",
            stdout(&output)
        );
        assert!(stdout(&output).contains("no schema accepts anything"));
    })
    .await;
}

#[tokio::test]
async fn a_wrong_example_is_named_by_its_pointer() {
    bounded(async {
        let directory = tempfile::tempdir().unwrap();
        let mut document = committed();
        let pointer = "/paths/~1v2~1connections/post/responses/201/content/application~1json/examples/created/value";
        document.pointer_mut(pointer).unwrap()["name"] = json!(42);
        let path = write(directory.path(), "doctored.json", &document);
        let output = conformance(&["examples", "--document", &path], None).await;
        let text = stdout(&output);
        assert_eq!(code(&output), exit::VIOLATIONS, "{text}");
        assert!(text.contains(&format!("at #{pointer}")), "{text}");
        assert!(text.contains("instance: /name"), "{text}");
        assert!(
            text.contains("keyword:  type at #/components/schemas/Connection/properties/name/type"),
            "{text}"
        );
        assert!(text.contains("1 failed"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn a_schema_that_accepts_anything_is_reported() {
    bounded(async {
        let directory = tempfile::tempdir().unwrap();
        let mut document = committed();
        document["components"]["schemas"]["Connection"]["properties"]["name"] =
            json!({"description": "meant to be a string"});
        let path = write(directory.path(), "loose.json", &document);
        let output =
            conformance(&["examples", "--document", &path, "--format", "json"], None).await;
        assert_eq!(code(&output), exit::VIOLATIONS, "{}", stderr(&output));
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let failed: Vec<&Value> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] == "failed")
            .collect();
        assert_eq!(failed.len(), 1, "{report:#}");
        assert_eq!(
            failed[0]["location"],
            "#/components/schemas/Connection/properties/name"
        );
        assert_eq!(failed[0]["failures"][0]["kind"], "document");
    })
    .await;
}

#[tokio::test]
async fn fixtures_beside_the_document_are_validated() {
    bounded(async {
        let directory = tempfile::tempdir().unwrap();
        let path = write(directory.path(), "connections.json", &committed());
        let fixtures = directory.path().join("examples");
        std::fs::create_dir_all(fixtures.join("createConnection")).unwrap();
        std::fs::create_dir_all(fixtures.join("components")).unwrap();
        let error = json!({"status": 400, "code": "BAD"});
        write(&fixtures.join("createConnection"), "400.json", &error);
        write(
            &fixtures.join("components"),
            "ErrorBody.invalid.json",
            &json!({"status": "x"}),
        );
        write(
            &fixtures.join("createConnection"),
            "201.json",
            &json!({"name": 1}),
        );
        let output = conformance(&["examples", "--document", &path, "--verbose"], None).await;
        let text = stdout(&output);
        assert_eq!(code(&output), exit::VIOLATIONS, "{text}");
        assert!(
            text.contains("✓ createConnection: fixture createConnection/400.json"),
            "{text}"
        );
        assert!(
            text.contains("✓ fixture components/ErrorBody.invalid.json"),
            "{text}"
        );
        assert!(
            text.contains("✗ createConnection: fixture createConnection/201.json"),
            "{text}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_document_that_is_not_openapi_3_1_cannot_run() {
    bounded(async {
        let directory = tempfile::tempdir().unwrap();
        let path = write(directory.path(), "old.json", &json!({"openapi": "3.0.3"}));
        let output = conformance(&["examples", "--document", &path], None).await;
        assert_eq!(code(&output), exit::COULD_NOT_RUN);
        let reason = stderr(&output);
        assert_eq!(reason.lines().count(), 1, "{reason}");
        assert!(reason.contains("3.0.3"), "{reason}");
        let output = conformance(&["examples", "--document", "/nonexistent/doc.json"], None).await;
        assert_eq!(code(&output), exit::COULD_NOT_RUN);
    })
    .await;
}

#[tokio::test]
async fn validate_checks_one_payload() {
    bounded(async {
        let directory = tempfile::tempdir().unwrap();
        let good = write(
            directory.path(),
            "good.json",
            &json!({"status": 404, "code": "NOT_FOUND"}),
        );
        let output = conformance(
            &["validate", "--operation", "retrieveConnection", "--status", "404", &good],
            None,
        )
        .await;
        assert_eq!(code(&output), exit::PASSED, "{}", stdout(&output));

        let output = conformance(
            &["validate", "--operation", "createConnection", "--request", "-"],
            Some(r#"{"name": 7, "auth": {"authType": "NONE"}, "request": {"requestType": "GET", "connectionUrl": "x"}, "systemType": "AI"}"#),
        )
        .await;
        let text = stdout(&output);
        assert_eq!(code(&output), exit::VIOLATIONS, "{text}");
        assert!(text.contains("the request body of createConnection"), "{text}");
        assert!(text.contains("/name: 7 is not of type \"string\""), "{text}");

        let output = conformance(
            &["validate", "--operation", "createConnection", "--request"],
            Some("{\n  \"name\": \"x\",\n}"),
        )
        .await;
        assert_eq!(code(&output), exit::VIOLATIONS);
        assert!(stdout(&output).contains("line 3, column 1"), "{}", stdout(&output));

        let output = conformance(&["validate", "--operation", "deleteConnection", "-"], Some("{}")).await;
        assert_eq!(code(&output), exit::COULD_NOT_RUN);
        assert!(stderr(&output).contains("createConnection"), "{}", stderr(&output));

        let output = conformance(
            &["validate", "--operation", "createConnection", "--status", "200", "-"],
            Some("{}"),
        )
        .await;
        assert_eq!(code(&output), exit::COULD_NOT_RUN);
        assert!(stderr(&output).contains("status 200 is not documented"), "{}", stderr(&output));
    })
    .await;
}

#[tokio::test]
async fn bad_arguments_and_unreachable_servers_cannot_run() {
    bounded(async {
        let output = conformance(&["live", "--token", "x"], None).await;
        assert_eq!(code(&output), exit::COULD_NOT_RUN);
        let output = conformance(&["live", "--base-url", "http://127.0.0.1:1"], None).await;
        assert_eq!(
            code(&output),
            exit::COULD_NOT_RUN,
            "no token: {}",
            stderr(&output)
        );

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let url = format!("http://{address}");
        let output = live(&["--base-url", &url]).await;
        assert_eq!(code(&output), exit::COULD_NOT_RUN);
        let reason = stderr(&output);
        assert!(reason.contains("cannot reach"), "{reason}");
        assert_eq!(reason.lines().count(), 1, "{reason}");
    })
    .await;
}

#[tokio::test]
async fn a_live_run_against_the_sandbox_exits_0_and_writes_json() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let directory = tempfile::tempdir().unwrap();
        let report_path = directory.path().join("report.json");
        let output = live(&[
            "--base-url",
            sandbox.base_url(),
            "--format",
            "json",
            "--output",
            report_path.to_str().unwrap(),
        ])
        .await;
        let text = stdout(&output);
        assert_eq!(code(&output), exit::PASSED, "{text}{}", stderr(&output));
        // A line per phase on standard error; the verdict on standard
        // output, with where the report went.
        let progress = stderr(&output);
        assert!(
            progress.contains("stateful: 5 operation(s), ")
                && progress.contains("0 finding(s) so far"),
            "{progress}"
        );
        assert!(!progress.contains("✓ createConnection"), "{progress}");
        assert!(text.contains("live passed against"), "{text}");
        assert!(text.contains("report written to"), "{text}");
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
        assert_eq!(report["suite"], "live");
        assert_eq!(report["summary"]["failed"], 0);
        assert_eq!(report["findings"], json!([]));
        assert!(report["summary"]["passed"].as_u64().unwrap() >= 14);
        let everything = format!("{text}{}{report}", stderr(&output));
        assert!(!everything.contains(TOKEN), "the token leaked");
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_broken_server_exits_1_with_details_and_a_curl_line() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(|request, response| {
                if is(request, "GET", "/v2/connections/*") && response.status == 200 {
                    let mut body = response.json().unwrap();
                    body["archived"] = json!("no");
                    response.set_json(&body);
                }
            }),
        )
        .await;
        let output = live(&["--base-url", &proxy.base_url, "--verbose"]).await;
        let text = stdout(&output);
        assert_eq!(code(&output), exit::VIOLATIONS, "{text}");
        assert!(
            stderr(&output).contains("✗ retrieveConnection: retrieve "),
            "{}",
            stderr(&output)
        );
        assert!(text.contains("Findings ("), "{text}");
        assert!(text.contains("at /archived"), "{text}");
        assert!(
            text.contains("curl -sS -i -X GET")
                && text.contains("\"Authorization: Bearer $CONNECTIONS_TOKEN\""),
            "{text}"
        );
        assert!(!text.contains(TOKEN), "the token leaked: {text}");

        let output = live(&["--base-url", &proxy.base_url, "--format", "json"]).await;
        assert_eq!(code(&output), exit::VIOLATIONS);
        let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
        let findings = report["findings"].as_array().unwrap();
        let schema = findings
            .iter()
            .find(|f| f["check"] == "response_schema_conformance")
            .expect("the wrong type is a finding");
        assert_eq!(schema["operation"], "retrieveConnection");
        assert_eq!(schema["fingerprint"].as_str().unwrap().len(), 16);
        assert!(schema["count"].as_u64().unwrap() >= 2, "{schema}");
        assert_eq!(schema["example"]["failure"]["instance_path"], "/archived");

        let junit_names = || async {
            let output = live(&[
                "--base-url",
                &proxy.base_url,
                "--format",
                "junit",
                "--seed",
                "9",
            ])
            .await;
            let xml = stdout(&output);
            let names: Vec<String> = xml
                .lines()
                .filter(|line| line.trim_start().starts_with("<testcase"))
                .map(|line| {
                    line.trim()
                        .trim_end_matches("/>")
                        .trim_end_matches('>')
                        .to_string()
                })
                .collect();
            (output, xml, names)
        };
        let (output, xml, names) = junit_names().await;
        assert_eq!(code(&output), exit::VIOLATIONS);
        // Stable test names: the same seed against the same server gives
        // the same names (no time, no server-assigned reference).
        let (_, _, again) = junit_names().await;
        assert_eq!(names, again);
        assert!(
            names.iter().all(|n| !n.contains("conformance-2")),
            "{names:#?}"
        );
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert!(xml.contains("<failure"), "{xml}");
        assert!(
            xml.contains("classname=\"live.retrieveConnection\""),
            "{xml}"
        );
        assert!(!xml.contains(TOKEN));
        // People's part goes to stderr so that stdout stays a report.
        assert!(
            stderr(&output).contains("live FAILED against"),
            "{}",
            stderr(&output)
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// Runs `conformance live ARGS` with every phase, as a newcomer would,
/// in a working directory of its own; returns the output and whether any
/// file (a case file, a report) was written there or under the default
/// case directory.
async fn first_contact(args: &[&str]) -> (Output, Vec<String>) {
    let directory = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(BIN)
        .arg("live")
        .args(args)
        .current_dir(directory.path())
        .env_remove("CONNECTIONS_TOKEN")
        .env_remove("CONNECTIONS_CLIENT_ID")
        .env_remove("CONNECTIONS_CLIENT_SECRET")
        .env_remove("CONNECTIONS_TOKEN_URL")
        .env_remove("CONNECTIONS_AUDIENCE")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let written = walkdir(directory.path());
    (output, written)
}

fn walkdir(directory: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        found.push(path.display().to_string());
        if path.is_dir() {
            found.extend(walkdir(&path));
        }
    }
    found
}

/// Exit 2, one line on standard error containing each of `expected`,
/// nothing on standard output, no file written.
fn assert_stopped_by_preflight(output: &Output, written: &[String], expected: &[&str]) {
    let reason = stderr(output);
    assert_eq!(
        code(output),
        exit::COULD_NOT_RUN,
        "{reason}{}",
        stdout(output)
    );
    assert_eq!(reason.lines().count(), 1, "{reason}");
    for part in expected {
        assert!(reason.contains(part), "{part:?} not in {reason}");
    }
    assert!(stdout(output).is_empty(), "{}", stdout(output));
    assert!(written.is_empty(), "written: {written:?}");
}

#[tokio::test]
async fn a_wrong_token_stops_the_run_before_any_case() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let (output, written) =
            first_contact(&["--base-url", sandbox.base_url(), "--token", "not-the-token"]).await;
        assert_stopped_by_preflight(
            &output,
            &written,
            &[
                "answered 401",
                "refused the token given with --token",
                "expired",
            ],
        );
        assert!(!stderr(&output).contains("not-the-token"));
        // One request: the preflight's.
        let stats = sandbox.stats();
        assert_eq!(stats.unauthorized, 1);
        assert_eq!(
            stats.requests.values().sum::<u64>(),
            0,
            "{:?}",
            stats.requests
        );

        // The same token from the environment is named as such.
        let directory = tempfile::tempdir().unwrap();
        let output = tokio::process::Command::new(BIN)
            .args(["live", "--base-url", sandbox.base_url()])
            .current_dir(directory.path())
            .env("CONNECTIONS_TOKEN", "not-the-token")
            .env_remove("CONNECTIONS_CLIENT_ID")
            .env_remove("CONNECTIONS_CLIENT_SECRET")
            .kill_on_drop(true)
            .output()
            .await
            .unwrap();
        assert_stopped_by_preflight(
            &output,
            &walkdir(directory.path()),
            &["refused the token in CONNECTIONS_TOKEN"],
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_plain_web_server_is_not_this_api() {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    bounded(async {
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        let app = axum::Router::new().fallback(move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                axum::response::Html("<!doctype html><title>It works!</title>")
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let (output, written) = first_contact(&["--base-url", &url, "--token", TOKEN]).await;
        assert_stopped_by_preflight(
            &output,
            &written,
            &[
                "answered 200 with a text/html body that is not JSON",
                "not the Connection API",
                "check --base-url",
            ],
        );
        assert_eq!(requests.load(Ordering::SeqCst), 1);
        server.abort();
    })
    .await;
}

#[tokio::test]
async fn a_base_url_ending_in_the_collection_is_refused_before_sending() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let given = format!("{}/v2/connections", sandbox.base_url());
        let (output, written) = first_contact(&["--base-url", &given, "--token", TOKEN]).await;
        assert_stopped_by_preflight(
            &output,
            &written,
            &[
                "already ends in /v2/connections",
                &format!("--base-url {}", sandbox.base_url().trim_end_matches('/')),
            ],
        );
        assert_eq!(sandbox.stats().requests.values().sum::<u64>(), 0);
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_unknown_check_is_a_usage_error_listing_the_valid_ones() {
    bounded(async {
        let output = conformance(
            &[
                "live",
                "--base-url",
                "http://127.0.0.1:9",
                "--token",
                "t",
                "--checks",
                "ignored_auth,no_such_check",
            ],
            None,
        )
        .await;
        let reason = stderr(&output);
        assert_eq!(code(&output), exit::COULD_NOT_RUN, "{reason}");
        assert_eq!(reason.lines().count(), 1, "{reason}");
        assert!(reason.contains("unknown check `no_such_check`"), "{reason}");
        for unit in connections_conformance::checks::REGISTRY {
            assert!(reason.contains(unit.name), "{} not in {reason}", unit.name);
        }
    })
    .await;
}

#[tokio::test]
async fn quiet_prints_the_verdict_only_and_verbose_every_case() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let output = live(&["--base-url", sandbox.base_url(), "--quiet"]).await;
        assert_eq!(code(&output), exit::PASSED, "{}", stderr(&output));
        assert_eq!(stderr(&output), "");
        let text = stdout(&output);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.starts_with("live passed against "), "{text}");

        let output = live(&["--base-url", sandbox.base_url(), "--verbose"]).await;
        assert_eq!(code(&output), exit::PASSED, "{}", stderr(&output));
        let progress = stderr(&output);
        assert!(
            progress.contains("✓ createConnection: create conformance-"),
            "{progress}"
        );
        assert!(
            stdout(&output).contains("Coverage (seed "),
            "{}",
            stdout(&output)
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// Whether `text` holds a character a terminal acts on: C0 controls but
/// newline and tab, DEL, C1 controls, and the bidirectional overrides
/// that reorder what is shown.
fn acts_on_a_terminal(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

#[tokio::test]
async fn a_hostile_server_cannot_write_control_characters_to_the_terminal() {
    // Retitles the window, clears the screen, rings, hides a line with CR,
    // reorders text, plants a link, and a NUL.
    const HOSTILE: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[1;1Hall good\r\u{0}\u{202E}txet\u{1b}]8;;http://evil\u{1b}\\link\u{9b}31m";
    bounded(async {
        let sandbox = start_sandbox().await;
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(|request, response| {
                if is(request, "GET", "/v2/connections/*") && response.status == 200 {
                    let mut body = response.json().unwrap();
                    body["archived"] = json!(HOSTILE);
                    body["name"] = json!(7);
                    response.set_json(&body);
                }
                // The same bytes raw, as a gateway's error page.
                if is(request, "PUT", "/v2/connections/*") {
                    response.status = axum::http::StatusCode::BAD_GATEWAY;
                    response.headers.insert(
                        "content-type",
                        axum::http::HeaderValue::from_static("text/plain"),
                    );
                    response.body = HOSTILE.as_bytes().to_vec();
                }
            }),
        )
        .await;
        for format in ["human", "json", "junit"] {
            let output = live(&[
                "--base-url",
                &proxy.base_url,
                "--verbose",
                "--format",
                format,
            ])
            .await;
            assert_eq!(code(&output), exit::VIOLATIONS, "{format}");
            for (stream, text) in [("stdout", stdout(&output)), ("stderr", stderr(&output))] {
                assert_eq!(
                    acts_on_a_terminal(&text),
                    None,
                    "{format} {stream}: {text:?}"
                );
            }
            if format == "human" {
                // Shown escaped, still readable.
                assert!(
                    stdout(&output).contains("\\u{1b}]0;owned"),
                    "{}",
                    stdout(&output)
                );
            }
        }
        sandbox.shutdown().await.unwrap();
    })
    .await;
}
