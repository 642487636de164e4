//! The live suite against the sandbox (no failures), and against a proxy
//! that breaks the sandbox's real answers (each breakage reported, naming
//! the operation and the field).

mod common;

use common::{
    Breakage, ProxiedRequest, bounded, describe, failed_checks, has_failure, is, run_suite,
    set_header, start_proxy, start_sandbox,
};
use connections_conformance::report::{FailureKind, Outcome};
use reqwest::header;
use serde_json::json;

#[tokio::test]
async fn the_sandbox_passes_every_check() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let report = run_suite(sandbox.base_url(), false).await;
        assert!(report.passed(), "{}", describe(&report));
        assert_eq!(report.summary.skipped, 0, "{}", describe(&report));
        // The whole scenario ran: every operation, every negative check.
        for operation in [
            "retrieveConnections",
            "createConnection",
            "retrieveConnection",
            "updateConnection",
            "testConnection",
        ] {
            assert!(
                report
                    .checks
                    .iter()
                    .any(|c| c.operation_id.as_deref() == Some(operation)),
                "{operation} was not checked"
            );
        }
        let statuses: Vec<u16> = report
            .checks
            .iter()
            .filter_map(|c| c.response.as_ref().map(|r| r.status))
            .collect();
        for status in [200, 201, 400, 401, 404, 415] {
            assert!(statuses.contains(&status), "no {status} in {statuses:?}");
        }
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_read_only_run_sends_no_write() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // Something to list and retrieve.
        let full = run_suite(sandbox.base_url(), false).await;
        assert!(full.passed(), "{}", describe(&full));
        let writes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = writes.clone();
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::request(move |request: &mut ProxiedRequest| {
                if request.method != "GET" {
                    seen.lock()
                        .unwrap()
                        .push(format!("{} {}", request.method, request.path));
                }
            }),
        )
        .await;
        let report = run_suite(&proxy.base_url, true).await;
        assert!(report.passed(), "{}", describe(&report));
        assert!(
            report
                .checks
                .iter()
                .any(|c| c.operation_id.as_deref() == Some("retrieveConnection")
                    && c.outcome == Outcome::Passed)
        );
        // The only non-GET is the malformed body, which no server can turn
        // into a write.
        let writes = writes.lock().unwrap().clone();
        assert_eq!(
            writes,
            vec!["POST /v2/connections".to_string()],
            "{writes:?}"
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_unaltered_proxy_passes() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let proxy = start_proxy(sandbox.base_url(), Breakage::none()).await;
        let report = run_suite(&proxy.base_url, false).await;
        assert!(report.passed(), "{}", describe(&report));
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// Runs the suite through a proxy applying `breakage`.
async fn broken(breakage: Breakage) -> connections_conformance::report::Report {
    let sandbox = start_sandbox().await;
    let proxy = start_proxy(sandbox.base_url(), breakage).await;
    let report = run_suite(&proxy.base_url, false).await;
    sandbox.shutdown().await.unwrap();
    assert!(!report.passed(), "the breakage went unnoticed");
    report
}

#[tokio::test]
async fn a_wrong_type_is_reported() {
    bounded(async {
        let report = broken(Breakage::response(|request, response| {
            if is(request, "GET", "/v2/connections/*") && response.status == 200 {
                let mut body = response.json().unwrap();
                body["name"] = json!(42);
                response.set_json(&body);
            }
        }))
        .await;
        assert!(
            has_failure(&report, "retrieveConnection", FailureKind::Schema, |f| {
                f.instance_path.as_deref() == Some("/name")
                    && f.keyword.as_deref() == Some("type")
                    && f.keyword_location.as_deref()
                        == Some("#/components/schemas/Connection/properties/name/type")
            }),
            "{}",
            describe(&report)
        );
    })
    .await;
}

#[tokio::test]
async fn a_missing_required_field_is_reported() {
    bounded(async {
        let report = broken(Breakage::response(|request, response| {
            if is(request, "POST", "/v2/connections") && response.status == 201 {
                let mut body = response.json().unwrap();
                body.as_object_mut().unwrap().remove("clientKey");
                response.set_json(&body);
            }
        }))
        .await;
        assert!(
            has_failure(&report, "createConnection", FailureKind::Schema, |f| {
                f.keyword.as_deref() == Some("required") && f.message.contains("clientKey")
            }),
            "{}",
            describe(&report)
        );
    })
    .await;
}

#[tokio::test]
async fn an_unknown_enum_value_is_reported() {
    bounded(async {
        let report = broken(Breakage::response(|request, response| {
            if is(request, "GET", "/v2/connections/*") && response.status == 200 {
                let mut body = response.json().unwrap();
                body["systemType"] = json!("WAREHOUSE");
                response.set_json(&body);
            }
        }))
        .await;
        assert!(
            has_failure(&report, "retrieveConnection", FailureKind::Schema, |f| {
                f.instance_path.as_deref() == Some("/systemType")
                    && f.keyword.as_deref() == Some("enum")
                    && f.message.contains("WAREHOUSE")
            }),
            "{}",
            describe(&report)
        );
    })
    .await;
}

#[tokio::test]
async fn a_wrong_content_type_is_reported() {
    bounded(async {
        let report = broken(Breakage::response(|request, response| {
            if is(request, "GET", "/v2/connections") {
                set_header(&mut response.headers, header::CONTENT_TYPE, "text/plain");
            }
        }))
        .await;
        assert!(
            has_failure(
                &report,
                "retrieveConnections",
                FailureKind::ContentType,
                |f| { f.message.contains("text/plain") && f.message.contains("application/json") }
            ),
            "{}",
            describe(&report)
        );
        // Only the list was altered.
        assert!(failed_checks(&report, "createConnection").is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_undocumented_status_is_reported() {
    bounded(async {
        let report = broken(Breakage::response(|request, response| {
            if is(request, "POST", "/v2/connections") && response.status == 201 {
                response.status = reqwest::StatusCode::ACCEPTED;
            }
        }))
        .await;
        assert!(
            has_failure(
                &report,
                "createConnection",
                FailureKind::UndocumentedStatus,
                |f| { f.message.contains("202") && f.message.contains("createConnection") }
            ),
            "{}",
            describe(&report)
        );
        // Named once: not again as a refused request.
        assert!(
            !has_failure(&report, "createConnection", FailureKind::Status, |_| true),
            "{}",
            describe(&report)
        );
    })
    .await;
}

#[tokio::test]
async fn a_server_that_needs_no_token_is_reported() {
    bounded(async {
        // The proxy lets anonymous requests in by adding the real token.
        let report = broken(Breakage::request(|request| {
            if !request.headers.contains_key(header::AUTHORIZATION) {
                set_header(
                    &mut request.headers,
                    header::AUTHORIZATION,
                    &format!("Bearer {}", common::TOKEN),
                );
            }
        }))
        .await;
        let failed = failed_checks(&report, "retrieveConnections");
        assert_eq!(failed.len(), 1, "{}", describe(&report));
        assert_eq!(failed[0].name, "without a token");
        assert!(
            failed[0]
                .failures
                .iter()
                .any(|f| f.kind == FailureKind::Status
                    && f.message.contains("answered 200; expected 401")),
            "{}",
            describe(&report)
        );
    })
    .await;
}

#[tokio::test]
async fn a_revision_that_does_not_grow_is_reported() {
    bounded(async {
        let report = broken(Breakage::response(|request, response| {
            if is(request, "GET", "/v2/connections/*") && response.status == 200 {
                let mut body = response.json().unwrap();
                body["revision"] = json!(1);
                response.set_json(&body);
            }
        }))
        .await;
        assert!(
            has_failure(&report, "retrieveConnection", FailureKind::Value, |f| {
                f.instance_path.as_deref() == Some("/revision")
            }),
            "{}",
            describe(&report)
        );
    })
    .await;
}

#[tokio::test]
async fn a_lost_update_is_reported() {
    bounded(async {
        // The server acknowledges the update (200) but keeps the old name:
        // the proxy turns the PUT into a GET.
        let report = broken(Breakage::request(|request| {
            if request.method == "PUT" {
                request.method = reqwest::Method::GET;
            }
        }))
        .await;
        assert!(
            has_failure(&report, "updateConnection", FailureKind::Value, |f| {
                f.instance_path.as_deref() == Some("/name")
            }),
            "{}",
            describe(&report)
        );
        assert!(
            has_failure(&report, "retrieveConnection", FailureKind::Value, |f| {
                f.instance_path.as_deref() == Some("/name")
            }),
            "{}",
            describe(&report)
        );
    })
    .await;
}

#[tokio::test]
async fn a_refused_update_is_not_also_a_lost_rename() {
    bounded(async {
        // The update answers 404 (it went elsewhere): one fault, named
        // once; the retrieve after it does not look for the new name.
        let report = broken(Breakage::request(|request| {
            if request.method == "PUT" {
                request.path = "/v2/connections/conformance-not-there".to_string();
            }
        }))
        .await;
        assert!(
            has_failure(&report, "updateConnection", FailureKind::Status, |f| {
                f.message.contains("answered 404")
            }),
            "{}",
            describe(&report)
        );
        assert!(
            failed_checks(&report, "retrieveConnection").is_empty(),
            "{}",
            describe(&report)
        );
        assert_eq!(report.findings.len(), 1, "{}", describe(&report));
    })
    .await;
}

#[tokio::test]
async fn paging_is_followed_to_find_the_connection() {
    bounded(async {
        let sandbox = start_sandbox().await;
        // Enough connections for several pages of 100.
        let client = reqwest::Client::new();
        let body = connections_conformance::live::create_example(&common::contract()).unwrap();
        for index in 0..205 {
            let mut body = body.clone();
            body["name"] = json!(format!("filler-{index}"));
            let status = client
                .post(format!("{}/v2/connections", sandbox.base_url()))
                .bearer_auth(common::TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 201);
        }
        let report = run_suite(sandbox.base_url(), false).await;
        assert!(report.passed(), "{}", describe(&report));
        let pages = report
            .checks
            .iter()
            .filter(|c| c.name.contains("in the list, page"))
            .count();
        assert_eq!(pages, 3, "{}", describe(&report));
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

/// A server that lets every request in, whatever its token says: the
/// proxy puts the real token on each one.
fn ignores_auth() -> Breakage {
    Breakage::request(|request| {
        set_header(
            &mut request.headers,
            header::AUTHORIZATION,
            &format!("Bearer {}", common::TOKEN),
        );
    })
}

#[tokio::test]
async fn checks_selected_by_name_report_exactly_those_checks() {
    use connections_conformance::{
        checks::{CheckSelection, IGNORED_AUTH},
        live::{LiveConfig, run_live},
        phases::Phase,
    };
    bounded(async {
        let sandbox = start_sandbox().await;
        let proxy = start_proxy(sandbox.base_url(), ignores_auth()).await;
        let run = |checks: CheckSelection| {
            let mut config = LiveConfig::new(proxy.base_url.parse().unwrap(), common::TOKEN);
            config.generative.phases = [Phase::Stateful, Phase::Coverage].into_iter().collect();
            config.generative.max_cases = Some(3);
            config.generative.seed = 7;
            config.generative.checks = checks;
            async move {
                run_live(&common::contract(), &config, |_| {})
                    .await
                    .unwrap()
            }
        };
        let only = run(CheckSelection::new(&[IGNORED_AUTH.into()], &[]).unwrap()).await;
        let named: std::collections::BTreeSet<&str> = only
            .checks
            .iter()
            .flat_map(|c| c.failures.iter())
            .map(|f| f.check.as_deref().unwrap_or("?"))
            .collect();
        assert_eq!(
            named,
            [IGNORED_AUTH].into_iter().collect(),
            "{}",
            describe(&only)
        );
        // Each wrong-token request of each operation, and nothing else.
        let failed: Vec<&str> = only
            .checks
            .iter()
            .filter(|c| c.failed())
            .map(|c| c.name.as_str())
            .collect();
        assert!(failed.len() >= 5, "{failed:?}");
        assert!(
            failed.iter().all(|name| name.contains("wrong token")),
            "{failed:?}"
        );

        // Leaving it out leaves the missing token's failures, named so.
        let rest = run(CheckSelection::new(&[], &[IGNORED_AUTH.into()]).unwrap()).await;
        let wrong_token_named: Vec<String> = rest
            .checks
            .iter()
            .filter(|c| c.name.contains("wrong token"))
            .flat_map(|c| c.failures.iter())
            .filter_map(|f| f.check.clone())
            .collect();
        assert!(wrong_token_named.is_empty(), "{wrong_token_named:?}");
        assert!(
            rest.checks
                .iter()
                .filter(|c| c.name.contains("without a token"))
                .all(|c| c
                    .failures
                    .iter()
                    .all(|f| f.check.as_deref() == Some("missing_required_header"))),
            "{}",
            describe(&rest)
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_revision_case_replayed_against_a_server_still_wrong_is_still_failing() {
    use connections_conformance::{
        cases::CaseFile,
        live::{LiveConfig, run_live},
        phases::Phase,
        replay::{Verdict, replay},
    };
    bounded(async {
        let sandbox = start_sandbox().await;
        // The update is answered, but the revision never grows.
        let frozen = Breakage::response(|request, response| {
            if is(request, "GET", "/v2/connections/*") && response.status == 200 {
                let mut body = response.json().unwrap();
                body["revision"] = json!(1);
                response.set_json(&body);
            }
        });
        let proxy = start_proxy(sandbox.base_url(), frozen).await;
        let directory = tempfile::tempdir().unwrap();
        let mut config = LiveConfig::new(proxy.base_url.parse().unwrap(), common::TOKEN);
        config.generative.phases = [Phase::Stateful].into_iter().collect();
        config.generative.case_dir = Some(directory.path().to_path_buf());
        run_live(&common::contract(), &config, |_| {})
            .await
            .unwrap();
        let case = std::fs::read_dir(directory.path())
            .unwrap()
            .map(|entry| CaseFile::read(&entry.unwrap().path()).unwrap())
            .find(|case| case.checks.contains(&"revision".to_string()))
            .expect("a case file for the revision");
        let (verdicts, report) = replay(
            &common::contract(),
            &LiveConfig::new(proxy.base_url.parse().unwrap(), common::TOKEN),
            std::slice::from_ref(&case),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(
            verdicts,
            vec![Verdict::StillFailing],
            "{}",
            describe(&report)
        );
        assert!(
            report.checks[0]
                .failures
                .iter()
                .any(|f| f.check.as_deref() == Some("revision")),
            "{}",
            describe(&report)
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}
