//! `conformance live` with client credentials instead of a token: the
//! token is fetched from the sandbox's `/oauth/token` by the client crate's
//! flow, once per run; the secret and the token never appear in any output;
//! a refused, unreachable or useless token endpoint stops the run with exit
//! code 2 and a one-line reason naming the token URL.

mod common;

use std::{
    process::Output,
    sync::{Arc, Mutex},
};

use common::{Breakage, bounded, is, start_proxy, start_sandbox};
use connections_conformance::exit;
use connections_sandbox::{RunningSandbox, faults::StatsBody};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_conformance");

/// Every variable the `live` command reads, so that the caller's
/// environment cannot change a test.
const VARIABLES: [&str; 5] = [
    "CONNECTIONS_TOKEN",
    "CONNECTIONS_CLIENT_ID",
    "CONNECTIONS_CLIENT_SECRET",
    "CONNECTIONS_TOKEN_URL",
    "CONNECTIONS_AUDIENCE",
];

/// Runs `conformance live ARGS` with exactly the variables `env`.
async fn live(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(BIN);
    command.arg("live").args(args).kill_on_drop(true);
    for name in VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().await.unwrap()
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

fn token_url(sandbox: &RunningSandbox) -> String {
    format!("{}/oauth/token", sandbox.base_url())
}

fn token_requests(stats: &StatsBody) -> u64 {
    stats
        .requests
        .get("POST /oauth/token")
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn the_full_suite_passes_with_client_credentials_and_one_token_request() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let token_url = token_url(&sandbox);
        let output = live(
            &[
                "--base-url",
                sandbox.base_url(),
                "--client-id",
                sandbox.client_id(),
                "--client-secret",
                sandbox.client_secret(),
                "--token-url",
                &token_url,
                "--format",
                "json",
                // The scripted scenario: the generative phases have their
                // own tests.
                "--phases",
                "stateful",
            ],
            &[],
        )
        .await;
        let (text, errors) = (stdout(&output), stderr(&output));
        assert_eq!(code(&output), exit::PASSED, "{text}{errors}");
        let report: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(report["summary"]["failed"], 0, "{report:#}");
        let passed = report["summary"]["passed"].as_u64().unwrap();
        assert!(passed >= 14, "{report:#}");
        assert_eq!(report["summary"]["total"].as_u64().unwrap(), passed);
        assert!(
            report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["name"]
                    .as_str()
                    .unwrap()
                    .starts_with("create conformance-")
                    && c["outcome"] == "passed"),
            "the suite created a connection: {report:#}"
        );
        assert!(
            !text.contains(sandbox.client_secret()) && !errors.contains(sandbox.client_secret()),
            "the secret leaked"
        );

        let stats = sandbox.stats();
        assert_eq!(stats.tokens_issued, 1, "{:?}", stats.requests);
        assert_eq!(token_requests(&stats), 1, "{:?}", stats.requests);
        assert!(
            stats
                .requests
                .get("POST /v2/connections")
                .copied()
                .unwrap_or(0)
                >= 1,
            "{:?}",
            stats.requests
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_secret_and_the_fetched_token_never_appear_in_any_format() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let secret = sandbox.client_secret().to_string();
        let issued: Arc<Mutex<Vec<String>>> = Arc::default();
        // Records every token the endpoint issues, and makes the API echo
        // the caller's Authorization header and the client secret in a
        // wrong-typed member, so that the report has failures with bodies.
        let proxy = start_proxy(sandbox.base_url(), {
            let issued = issued.clone();
            let secret = secret.clone();
            Breakage::response(move |request, response| {
                if is(request, "POST", "/oauth/token") && response.status == 200 {
                    let body = response.json().unwrap();
                    let token = body["access_token"].as_str().unwrap().to_string();
                    issued.lock().unwrap().push(token);
                } else if is(request, "GET", "/v2/connections/*") && response.status == 200 {
                    let authorization = request
                        .headers
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_string())
                        .unwrap_or_default();
                    let mut body = response.json().unwrap();
                    body["archived"] = json!(format!("{authorization} / {secret}"));
                    response.set_json(&body);
                }
            })
        })
        .await;
        let token_url = format!("{}/oauth/token", proxy.base_url);
        let env = [
            ("CONNECTIONS_CLIENT_ID", sandbox.client_id()),
            ("CONNECTIONS_CLIENT_SECRET", secret.as_str()),
            ("CONNECTIONS_TOKEN_URL", token_url.as_str()),
        ];
        let directory = tempfile::tempdir().unwrap();
        let junit_path = directory.path().join("report.xml");
        let runs = [
            vec!["--base-url", proxy.base_url.as_str()],
            vec!["--base-url", proxy.base_url.as_str(), "--format", "json"],
            vec![
                "--base-url",
                proxy.base_url.as_str(),
                "--format",
                "junit",
                "--output",
                junit_path.to_str().unwrap(),
            ],
        ];
        let mut everything = String::new();
        for args in &runs {
            let output = live(args, &env).await;
            let text = format!("{}{}", stdout(&output), stderr(&output));
            assert_eq!(code(&output), exit::VIOLATIONS, "{args:?}: {text}");
            everything.push_str(&text);
        }
        everything.push_str(&std::fs::read_to_string(&junit_path).unwrap());

        let issued = issued.lock().unwrap().clone();
        assert_eq!(issued.len(), runs.len(), "one token request per run");
        for token in &issued {
            assert!(!everything.contains(token.as_str()), "a token leaked");
        }
        assert!(!everything.contains(&secret), "the secret leaked");
        // The echoed values are there, under their names.
        assert!(
            everything.contains("Bearer $CONNECTIONS_TOKEN / $CONNECTIONS_CLIENT_SECRET"),
            "{everything}"
        );
        // curl lines name the variable instead of the token.
        assert!(
            everything.contains("\"Authorization: Bearer $CONNECTIONS_TOKEN\""),
            "{everything}"
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_wrong_secret_exits_2_naming_the_token_url_and_invalid_client() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let token_url = token_url(&sandbox);
        let wrong = "wrong-secret-6f1d93";
        let output = live(
            &[
                "--base-url",
                sandbox.base_url(),
                "--client-id",
                sandbox.client_id(),
                "--client-secret",
                wrong,
                "--token-url",
                &token_url,
            ],
            &[],
        )
        .await;
        let (text, reason) = (stdout(&output), stderr(&output));
        assert_eq!(code(&output), exit::COULD_NOT_RUN, "{text}{reason}");
        assert_eq!(reason.lines().count(), 1, "{reason}");
        assert!(
            reason.contains(&format!("token request to {token_url}: 401 invalid_client")),
            "{reason}"
        );
        assert!(
            reason.contains("check the client id and secret"),
            "{reason}"
        );
        assert!(
            !text.contains(wrong) && !reason.contains(wrong),
            "the secret leaked"
        );
        assert!(
            !reason.contains(sandbox.client_secret()),
            "the right secret leaked"
        );

        let stats = sandbox.stats();
        assert_eq!(stats.tokens_issued, 0);
        assert_eq!(token_requests(&stats), 1, "{:?}", stats.requests);
        assert_eq!(
            stats.requests.keys().filter(|k| k.contains("/v2/")).count(),
            0,
            "no API request without a token: {:?}",
            stats.requests
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_or_useless_token_endpoint_exits_2() {
    bounded(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let closed = format!("http://{address}/oauth/token");
        let output = live(
            &[
                "--base-url",
                "http://127.0.0.1:9",
                "--client-id",
                "id",
                "--client-secret",
                "secret-a91c",
                "--token-url",
                &closed,
            ],
            &[],
        )
        .await;
        let reason = stderr(&output);
        assert_eq!(code(&output), exit::COULD_NOT_RUN, "{reason}");
        assert_eq!(reason.lines().count(), 1, "{reason}");
        assert!(
            reason.contains(&format!("token request to {closed} failed")),
            "{reason}"
        );
        assert!(!reason.contains("secret-a91c"), "{reason}");

        // A 200 whose body is no token answer.
        let sandbox = start_sandbox().await;
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(|request, response| {
                if is(request, "POST", "/oauth/token") {
                    response.status = axum::http::StatusCode::OK;
                    response.set_json(&json!({"token": "not where it belongs"}));
                }
            }),
        )
        .await;
        let token_url = format!("{}/oauth/token", proxy.base_url);
        let output = live(
            &[
                "--base-url",
                sandbox.base_url(),
                "--client-id",
                sandbox.client_id(),
                "--client-secret",
                sandbox.client_secret(),
                "--token-url",
                &token_url,
            ],
            &[],
        )
        .await;
        let reason = stderr(&output);
        assert_eq!(code(&output), exit::COULD_NOT_RUN, "{reason}");
        assert!(
            reason.contains(&format!(
                "token request to {token_url}: 200 OK without a usable access token"
            )),
            "{reason}"
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exactly_one_way_to_authenticate() {
    bounded(async {
        let base = ["--base-url", "http://127.0.0.1:9"];
        // Arguments, environment, what the error says.
        type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
        let cases: [Case; 9] = [
            (
                &["--token", "t", "--client-id", "id", "--client-secret", "s"],
                &[],
                "--token and --client-id cannot be used together",
            ),
            (
                &[],
                &[
                    ("CONNECTIONS_TOKEN", "t"),
                    ("CONNECTIONS_CLIENT_ID", "id"),
                    ("CONNECTIONS_CLIENT_SECRET", "s"),
                ],
                "both CONNECTIONS_TOKEN and CONNECTIONS_CLIENT_ID are set",
            ),
            (
                &["--client-id", "id"],
                &[],
                "--client-id needs --client-secret",
            ),
            (
                &["--client-secret", "s"],
                &[],
                "--client-secret needs --client-id",
            ),
            (
                &["--token", "t", "--token-url", "http://127.0.0.1:9/t"],
                &[],
                "--token-url goes with --client-id, not with --token",
            ),
            (
                &["--token", "t", "--audience", "a"],
                &[],
                "--audience goes with --client-id, not with --token",
            ),
            (
                &["--token", "t", "--client-secret", "s"],
                &[],
                "--client-secret goes with --client-id, not with --token",
            ),
            (
                &["--client-id", "id"],
                &[("CONNECTIONS_TOKEN", "t")],
                "--client-id needs --client-secret",
            ),
            (&[], &[], "no token: pass --token"),
        ];
        for (args, env, expected) in cases {
            let all: Vec<&str> = base.iter().chain(args).copied().collect();
            let output = live(&all, env).await;
            let reason = stderr(&output);
            assert_eq!(code(&output), exit::COULD_NOT_RUN, "{all:?}: {reason}");
            assert!(reason.contains(expected), "{all:?}: {reason}");
            assert_eq!(reason.lines().count(), 1, "{all:?}: {reason}");
            assert!(stdout(&output).is_empty(), "{all:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn what_is_typed_wins_over_the_environment() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let token_url = token_url(&sandbox);
        // A token left in the environment does not stand in the way of
        // client credentials typed, nor a token endpoint in the
        // environment in the way of a token typed.
        let output = live(
            &[
                "--base-url",
                sandbox.base_url(),
                "--read-only",
                "--phases",
                "stateful",
                "--client-id",
                sandbox.client_id(),
                "--client-secret",
                sandbox.client_secret(),
                "--token-url",
                &token_url,
            ],
            &[("CONNECTIONS_TOKEN", "an-old-token")],
        )
        .await;
        let reason = stderr(&output);
        assert_eq!(code(&output), exit::PASSED, "{}{reason}", stdout(&output));
        assert!(
            reason.contains(
                "CONNECTIONS_TOKEN is set in the environment and not used: --client-id was given"
            ),
            "{reason}"
        );
        assert_eq!(sandbox.stats().tokens_issued, 1);

        let output = live(
            &[
                "--base-url",
                sandbox.base_url(),
                "--read-only",
                "--phases",
                "stateful",
                "--token",
                common::TOKEN,
            ],
            &[
                ("CONNECTIONS_TOKEN_URL", "http://127.0.0.1:9/never-asked"),
                ("CONNECTIONS_CLIENT_ID", "id"),
                ("CONNECTIONS_CLIENT_SECRET", "s"),
            ],
        )
        .await;
        let reason = stderr(&output);
        assert_eq!(code(&output), exit::PASSED, "{}{reason}", stdout(&output));
        assert!(
            reason.contains(
                "CONNECTIONS_CLIENT_ID is set in the environment and not used: --token was given"
            ),
            "{reason}"
        );
        assert_eq!(sandbox.stats().tokens_issued, 1);
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn credentials_from_the_environment_work_like_the_flags() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let token_url = token_url(&sandbox);
        let output = live(
            &[
                "--base-url",
                sandbox.base_url(),
                "--read-only",
                "--phases",
                "stateful",
            ],
            &[
                ("CONNECTIONS_CLIENT_ID", sandbox.client_id()),
                ("CONNECTIONS_CLIENT_SECRET", sandbox.client_secret()),
                ("CONNECTIONS_TOKEN_URL", &token_url),
                ("CONNECTIONS_AUDIENCE", "https://api.sitecorecloud.io"),
            ],
        )
        .await;
        let text = stdout(&output);
        assert_eq!(code(&output), exit::PASSED, "{text}{}", stderr(&output));
        assert!(text.contains(", 0 failed,"), "{text}");
        assert!(!text.contains(sandbox.client_secret()));
        assert_eq!(sandbox.stats().tokens_issued, 1);
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// A sandbox whose issued tokens live `ttl`, with a proxy in front that
/// records every token issued; returns the sandbox, the proxy and the
/// record.
async fn short_lived_tokens(
    ttl: std::time::Duration,
) -> (RunningSandbox, common::Proxy, Arc<Mutex<Vec<String>>>) {
    let config = connections_sandbox::SandboxConfig {
        token: Some(common::TOKEN.to_string()),
        token_ttl: ttl,
        outbound: connections_sandbox::OutboundPolicy {
            loopback_only: true,
            ..connections_sandbox::OutboundPolicy::default()
        },
        ..connections_sandbox::SandboxConfig::ephemeral()
    };
    let sandbox = connections_sandbox::Sandbox::start(config).await.unwrap();
    let issued: Arc<Mutex<Vec<String>>> = Arc::default();
    let proxy = start_proxy(sandbox.base_url(), {
        let issued = issued.clone();
        Breakage::response(move |request, response| {
            if is(request, "POST", "/oauth/token") && response.status == 200 {
                let body = response.json().unwrap();
                issued
                    .lock()
                    .unwrap()
                    .push(body["access_token"].as_str().unwrap().to_string());
            }
        })
    })
    .await;
    (sandbox, proxy, issued)
}

#[tokio::test]
async fn a_token_that_expires_mid_run_is_renewed_and_never_shown() {
    bounded(async {
        let (sandbox, proxy, issued) = short_lived_tokens(std::time::Duration::from_secs(2)).await;
        let token_url = format!("{}/oauth/token", proxy.base_url);
        let directory = tempfile::tempdir().unwrap();
        let report_path = directory.path().join("report.json");
        let har_path = directory.path().join("run.har");
        let cases = directory.path().join("cases");
        let output = live(
            &[
                "--base-url",
                &proxy.base_url,
                "--format",
                "json",
                "--output",
                report_path.to_str().unwrap(),
                "--har",
                har_path.to_str().unwrap(),
                "--cases-dir",
                cases.to_str().unwrap(),
                "--verbose",
            ],
            &[
                ("CONNECTIONS_CLIENT_ID", sandbox.client_id()),
                ("CONNECTIONS_CLIENT_SECRET", sandbox.client_secret()),
                ("CONNECTIONS_TOKEN_URL", &token_url),
            ],
        )
        .await;
        let text = format!("{}{}", stdout(&output), stderr(&output));
        let report_text = std::fs::read_to_string(&report_path).unwrap();
        assert_eq!(code(&output), exit::PASSED, "{text}");
        let report: Value = serde_json::from_str(&report_text).unwrap();
        assert_eq!(report["findings"], json!([]), "{text}");
        let renewals = report["token_renewals"].as_u64().unwrap();
        assert!(renewals >= 1, "the run outlived its token: {text}");
        assert!(text.contains("token renewed"), "{text}");
        let issued = issued.lock().unwrap().clone();
        assert_eq!(issued.len() as u64, renewals + 1, "{text}");
        assert_eq!(sandbox.stats().tokens_issued, renewals + 1);
        let everything = format!(
            "{text}{report_text}{}",
            std::fs::read_to_string(&har_path).unwrap()
        );
        for token in &issued {
            assert!(
                !everything.contains(token.as_str()),
                "a renewed token leaked"
            );
        }
        assert!(!everything.contains(sandbox.client_secret()));
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_server_that_refuses_a_fresh_token_is_one_finding_and_one_renewal() {
    use connections_conformance::live::{LiveConfig, run_live, token_provider};
    bounded(async {
        let sandbox = start_sandbox().await;
        // Retrieving one connection answers 401 whatever the token.
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(|request, response| {
                if is(request, "GET", "/v2/connections/*")
                    && !request.path.ends_with("/testConnection")
                    && response.status != 401
                {
                    response.status = reqwest::StatusCode::UNAUTHORIZED;
                    response.set_json(&json!({"status": 401, "code": "UNAUTHORIZED"}));
                }
            }),
        )
        .await;
        let credentials = connections_client::auth::ClientCredentials::new(
            sandbox.client_id(),
            sandbox.client_secret(),
        )
        .with_token_url(token_url(&sandbox).parse().unwrap());
        let provider = token_provider(credentials, std::time::Duration::from_secs(10)).unwrap();
        let first = provider.access_token().await.unwrap();
        let mut config = LiveConfig::new(proxy.base_url.parse().unwrap(), first.secret());
        config.token_provider = Some(provider);
        config.generative.phases = [
            connections_conformance::phases::Phase::Stateful,
            connections_conformance::phases::Phase::Coverage,
        ]
        .into_iter()
        .collect();
        config.generative.max_cases = Some(3);
        let report = run_live(&common::contract(), &config, |_| {})
            .await
            .unwrap();
        let found: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                format!(
                    "[{}] {}: {}",
                    f.check, f.operation, f.example.failure.message
                )
            })
            .collect();
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(report.findings[0].check, "ignored_auth");
        assert_eq!(report.findings[0].operation, "retrieveConnection");
        assert!(report.findings[0].count > 1);
        // One renewal for the first refusal; the fresh token refused too
        // is not renewed again.
        assert_eq!(report.token_renewals, 1);
        assert_eq!(sandbox.stats().tokens_issued, 2);
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_token_across_the_cut_of_a_body_is_redacted_whole() {
    use connections_conformance::{
        live::{LiveConfig, run_live},
        report::{BODY_EXCERPT_LIMIT, Format},
    };
    bounded(async {
        let sandbox = start_sandbox().await;
        // The list answers a wrong-typed body whose text puts the token
        // right across the cut the reports make.
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(|request, response| {
                if is(request, "GET", "/v2/connections") && response.status == 200 {
                    // `{"a":"` + padding + `","token":"` puts the token's
                    // last two characters past the cut.
                    let start = BODY_EXCERPT_LIMIT - common::TOKEN.len() + 2;
                    let padding = "x".repeat(start - 17);
                    response.set_json(&json!({"a": padding, "token": common::TOKEN}));
                }
            }),
        )
        .await;
        let mut config = LiveConfig::new(proxy.base_url.parse().unwrap(), common::TOKEN);
        config.generative.phases = [connections_conformance::phases::Phase::Stateful]
            .into_iter()
            .collect();
        let report = run_live(&common::contract(), &config, |_| {})
            .await
            .unwrap();
        let head = &common::TOKEN[..common::TOKEN.len() - 2];
        for format in [Format::Human, Format::Json, Format::Junit] {
            let text = report.render(format);
            assert!(!text.contains(head), "{format:?} keeps most of the token");
        }
        for check in &report.checks {
            if let Some(response) = &check.response {
                assert!(!response.body_excerpt.contains(head));
            }
        }
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_endless_token_answer_is_refused_not_read() {
    bounded(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let token_url = format!("http://{}/oauth/token", listener.local_addr().unwrap());
        let endless = axum::Router::new().fallback(|| async {
            let chunks = futures_util::stream::repeat_with(|| {
                Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; 64 * 1024]))
            });
            axum::response::Response::builder()
                .header("content-type", "application/json")
                .body(axum::body::Body::from_stream(chunks))
                .unwrap()
        });
        let server = tokio::spawn(async move { axum::serve(listener, endless).await });
        let output = live(
            &[
                "--base-url",
                "http://127.0.0.1:9",
                "--client-id",
                "id",
                "--client-secret",
                "secret-0123456789abcdef",
                "--token-url",
                &token_url,
            ],
            &[],
        )
        .await;
        let reason = stderr(&output);
        assert_eq!(code(&output), exit::COULD_NOT_RUN, "{reason}");
        assert!(reason.contains("larger than 65536 bytes"), "{reason}");
        assert_eq!(reason.lines().count(), 1, "{reason}");
        server.abort();
    })
    .await;
}

#[tokio::test]
async fn a_token_endpoint_that_echoes_the_request_does_not_get_the_secret_printed() {
    // A secret with the characters form and JSON encodings change.
    const SECRET: &str = "s3cr\"et &<x> +%/=0123456789";
    bounded(async {
        for echo in ["description", "error", "string", "token_type"] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let token_url = format!("http://{}/oauth/token", listener.local_addr().unwrap());
            let echoing = axum::Router::new().fallback(move |body: String| async move {
                let decoded: String = url::form_urlencoded::parse(body.as_bytes())
                    .map(|(k, v)| format!("{k}={v} "))
                    .collect();
                let (status, answer) = match echo {
                    "description" => (
                        400,
                        json!({"error": "invalid_request", "error_description": format!("{body} {decoded}")}),
                    ),
                    "error" => (401, json!({"error": decoded})),
                    "string" => (200, json!(format!("{body} {decoded}"))),
                    _ => (
                        200,
                        json!({"access_token": "a", "token_type": format!("{body} {decoded}")}),
                    ),
                };
                (
                    axum::http::StatusCode::from_u16(status).unwrap(),
                    axum::Json(answer),
                )
            });
            let server = tokio::spawn(async move { axum::serve(listener, echoing).await });
            let output = live(
                &[
                    "--base-url",
                    "http://127.0.0.1:9",
                    "--client-id",
                    "id",
                    "--client-secret",
                    SECRET,
                    "--token-url",
                    &token_url,
                ],
                &[],
            )
            .await;
            let (out, err) = (stdout(&output), stderr(&output));
            assert_eq!(code(&output), exit::COULD_NOT_RUN, "{echo}: {err}");
            let encoded: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
            for shown in [&out, &err] {
                assert!(!shown.contains(SECRET), "{echo}: {shown}");
                assert!(!shown.contains(&encoded), "{echo}: {shown}");
                assert!(!shown.contains("s3cr"), "{echo}: {shown}");
            }
            assert!(err.contains("[redacted]"), "{echo}: {err}");
            server.abort();
        }
    })
    .await;
}
