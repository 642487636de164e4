//! `--har PATH`: the archive is written as the run goes (a valid HAR 1.2
//! file after every exchange, so a run killed midway keeps its record),
//! and a secret is redacted in every value, whatever characters it holds.

mod common;

use std::{process::Stdio, time::Duration};

use common::{Breakage, TOKEN, bounded, is, start_proxy, start_sandbox};
use connections_conformance::live::{LiveConfig, run_live};
use connections_sandbox::{OutboundPolicy, Sandbox, SandboxConfig};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_conformance");

/// The entries of a HAR file, when it is one.
fn entries(path: &std::path::Path) -> Option<Vec<Value>> {
    let text = std::fs::read_to_string(path).ok()?;
    let har: Value = serde_json::from_str(&text).ok()?;
    assert_eq!(har["log"]["version"], "1.2");
    har["log"]["entries"].as_array().cloned()
}

/// Every string of a JSON value.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(members) => members.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out);
        }),
        _ => {}
    }
}

#[tokio::test]
async fn a_run_killed_midway_leaves_a_valid_archive_of_what_it_sent() {
    bounded(async {
        let sandbox = start_sandbox().await;
        let directory = tempfile::tempdir().unwrap();
        let har = directory.path().join("run.har");
        // Slowed down to 5 requests a second, the run would last minutes:
        // far longer than the test waits.
        let mut child = tokio::process::Command::new(BIN)
            .args(["live", "--base-url", sandbox.base_url(), "--token", TOKEN])
            .args(["--rate-limit", "5/s", "--har", har.to_str().unwrap()])
            .args(["--output", directory.path().join("r.txt").to_str().unwrap()])
            .env_remove("CONNECTIONS_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let seen = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if let Some(seen) = entries(&har).filter(|e| e.len() >= 10) {
                    break seen.len();
                }
            }
        })
        .await
        .expect("ten exchanges in the archive while the run goes on");
        child.kill().await.unwrap();
        child.wait().await.unwrap();
        let kept = entries(&har).expect("a valid HAR file after a kill");
        assert!(kept.len() >= seen, "{} < {seen}", kept.len());
        for entry in &kept {
            assert!(entry["request"]["method"].is_string(), "{entry}");
            assert!(entry["response"]["status"].is_u64(), "{entry}");
        }
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_token_with_characters_json_escapes_is_redacted_in_the_archive() {
    // `"`, `\`, `<`, `&`: JSON writes the first two escaped, so redacting
    // the encoded text misses them.
    const AWKWARD: &str = "tok\"en&<with>\\quotes-0123456789";
    bounded(async {
        let config = SandboxConfig {
            token: Some(AWKWARD.to_string()),
            outbound: OutboundPolicy {
                loopback_only: true,
                ..OutboundPolicy::default()
            },
            ..SandboxConfig::ephemeral()
        };
        let sandbox = Sandbox::start(config).await.unwrap();
        // Every answer of the list echoes the token.
        let proxy = start_proxy(
            sandbox.base_url(),
            Breakage::response(|request, response| {
                if is(request, "GET", "/v2/connections")
                    && response.status == 200
                    && let Some(mut body) = response.json()
                {
                    body["echo"] = json!(format!("you sent Bearer {AWKWARD}"));
                    response.set_json(&body);
                }
            }),
        )
        .await;
        let directory = tempfile::tempdir().unwrap();
        let har = directory.path().join("run.har");
        let mut config = LiveConfig::new(proxy.base_url.parse().unwrap(), AWKWARD);
        config.generative.phases = [connections_conformance::phases::Phase::Stateful]
            .into_iter()
            .collect();
        config.generative.har = Some(har.clone());
        run_live(&common::contract(), &config, |_| {})
            .await
            .unwrap();
        let text = std::fs::read_to_string(&har).unwrap();
        let archive: Value = serde_json::from_str(&text).unwrap();
        let mut all = Vec::new();
        strings(&archive, &mut all);
        assert!(
            all.iter().any(|s| s.contains("you sent Bearer")),
            "the echo is in the archive"
        );
        // In no spelling: as it is, or escaped in the body that echoed it.
        for value in &all {
            assert!(!value.contains("en&<with>"), "{value}");
        }
        sandbox.shutdown().await.unwrap();
    })
    .await;
}
