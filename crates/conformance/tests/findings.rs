//! Findings: one fault injected into a correct server (the sandbox behind
//! a proxy) is one finding, whatever the number of cases that hit it, and
//! its fingerprint does not depend on the seed.

mod common;

use std::time::Duration;

use common::{Breakage, TOKEN, bounded, is, start_proxy, start_sandbox};
use connections_conformance::{
    Contract,
    live::{LiveConfig, run_live},
    report::Report,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Runs every phase (a few cases each) against `base_url` with `seed`.
async fn run(contract: &Contract, base_url: &str, seed: u64) -> Report {
    let mut config = LiveConfig::new(base_url.parse().unwrap(), TOKEN);
    config.timeout = Duration::from_secs(20);
    config.generative.seed = seed;
    config.generative.max_cases = Some(4);
    config.generative.max_shrink_steps = 8;
    run_live(contract, &config, |_| {})
        .await
        .expect("the suite runs")
}

/// One finding of `check` on `operation` for each seed, the same
/// fingerprint both times.
async fn exactly_one_finding(
    breakage: Breakage,
    contract: Contract,
    check: &str,
    operation: &str,
    locus: &str,
) {
    let sandbox = start_sandbox().await;
    let proxy = start_proxy(sandbox.base_url(), breakage).await;
    let mut fingerprints = Vec::new();
    for seed in [3, 11] {
        let report = run(&contract, &proxy.base_url, seed).await;
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
        assert_eq!(found.len(), 1, "seed {seed}: {found:#?}");
        let finding = &report.findings[0];
        assert_eq!(
            (finding.check.as_str(), finding.operation.as_str()),
            (check, operation),
            "{found:?}"
        );
        assert!(finding.locus.contains(locus), "{found:?}");
        assert_eq!(finding.seed, Some(seed));
        assert!(finding.example.curl.is_some());
        // Many cases, one finding.
        assert!(finding.count >= 2, "{found:?} hit by {}", finding.count);
        assert!(!report.passed());
        fingerprints.push(finding.fingerprint.clone());
    }
    assert_eq!(fingerprints[0], fingerprints[1]);
    sandbox.shutdown().await.unwrap();
}

fn committed() -> Contract {
    common::contract()
}

#[tokio::test]
async fn a_wrong_type_in_a_response_member_is_one_finding() {
    bounded(exactly_one_finding(
        Breakage::response(|request, response| {
            if is(request, "POST", "/v2/connections") && response.status == StatusCode::CREATED {
                let mut body = response.json().unwrap();
                body["clientKey"] = json!(12);
                response.set_json(&body);
            }
        }),
        committed(),
        "response_schema_conformance",
        "createConnection",
        "/properties/clientKey/type at /clientKey",
    ))
    .await;
}

#[tokio::test]
async fn a_missing_required_member_is_one_finding() {
    bounded(exactly_one_finding(
        Breakage::response(|request, response| {
            if is(request, "POST", "/v2/connections/testConnection")
                && response.status == StatusCode::OK
            {
                let mut body = response.json().unwrap();
                body.as_object_mut()
                    .unwrap()
                    .remove("executionTimeInMilliseconds");
                response.set_json(&body);
            }
        }),
        committed(),
        "response_schema_conformance",
        "testConnection",
        "ConnectionTestResult/required",
    ))
    .await;
}

#[tokio::test]
async fn a_wrong_status_is_one_finding() {
    bounded(exactly_one_finding(
        Breakage::response(|request, response| {
            if is(request, "POST", "/v2/connections") && response.status == StatusCode::CREATED {
                response.status = StatusCode::ACCEPTED;
            }
        }),
        committed(),
        "status_code_conformance",
        "createConnection",
        "status 2xx",
    ))
    .await;
}

#[tokio::test]
async fn a_missing_header_is_one_finding() {
    // The committed document requires no response header: the same
    // document requiring one on the list, which the sandbox never sends.
    let mut document: Value =
        serde_json::from_str(connections_conformance::COMMITTED_DOCUMENT).unwrap();
    document["paths"]["/v2/connections"]["get"]["responses"]["200"]["headers"] = json!({
        "X-Request-Id": {"required": true, "schema": {"type": "string"}}
    });
    bounded(exactly_one_finding(
        Breakage::none(),
        Contract::from_value(document).unwrap(),
        "response_headers_conformance",
        "retrieveConnections",
        "/headers/X-Request-Id",
    ))
    .await;
}

#[tokio::test]
async fn accepting_an_invalid_body_is_one_finding() {
    // The test operation answers every body it should refuse with a
    // result, as if it had run the test.
    bounded(exactly_one_finding(
        Breakage::response(|request, response| {
            if is(request, "POST", "/v2/connections/testConnection")
                && response.status == StatusCode::BAD_REQUEST
            {
                response.status = StatusCode::OK;
                response.set_json(&json!({
                    "statusCode": 200,
                    "executionTimeInMilliseconds": 3,
                    "request": {"headers": {}, "method": "POST", "url": "http://127.0.0.1:9/"}
                }));
            }
        }),
        committed(),
        "negative_data_rejection",
        "testConnection",
        "status 2xx",
    ))
    .await;
}

#[tokio::test]
async fn a_server_error_on_a_valid_body_is_one_finding() {
    // A create that holds input mappings fails inside the server.
    let failing = std::sync::Arc::new(std::sync::Mutex::new(0_usize));
    let seen = failing.clone();
    bounded(exactly_one_finding(
        Breakage::response(move |request, response| {
            if is(request, "POST", "/v2/connections")
                && response.status == StatusCode::CREATED
                && response
                    .json()
                    .and_then(|b| b.get("inputMappings")?.as_array().map(|a| !a.is_empty()))
                    == Some(true)
            {
                *seen.lock().unwrap() += 1;
                response.status = StatusCode::INTERNAL_SERVER_ERROR;
                response
                    .set_json(&json!({"status": 500, "code": "INTERNAL_ERROR", "message": "boom"}));
            }
        }),
        committed(),
        "not_a_server_error",
        "createConnection",
        "status 5xx",
    ))
    .await;
    assert!(
        *failing.lock().unwrap() > 1,
        "the fault was hit by one case only"
    );
}
