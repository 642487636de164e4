//! Rendered texts compared with their golden files under `tests/golden/`
//! (and the committed `openapi/connections.html`). After an intended
//! change, `EXPECTORATE=overwrite cargo test -p connections-openapi-tools
//! --test golden` rewrites them; review the diff.

use connections_openapi_tools::{
    breaking::{
        self, accepted,
        report::{GateReport, Side},
    },
    changelog, reference,
};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn version(document: &Value) -> semver::Version {
    breaking::document_version(document).expect("the fixture has a semantic version")
}

#[test]
fn the_reference_of_a_document_with_markup_escapes_it() {
    let html = reference::render(&fixture("markup.json")).unwrap();
    // What the golden file must never hold, stated here so that an
    // overwrite cannot quietly accept it.
    for forbidden in ["<script>", "<baseURL>", "<b>bold", "javascript:", "<img"] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    expectorate::assert_contents("tests/golden/reference-markup.html", &html);
}

#[test]
fn the_reference_of_the_committed_document_is_the_committed_page() {
    let document: Value = serde_json::from_str(connections_openapi::COMMITTED_DOCUMENT).unwrap();
    let html = reference::render(&document).unwrap();
    expectorate::assert_contents("../../openapi/connections.html", &html);
}

/// The gate between the two fixture documents: two breaking changes, one
/// of them accepted; the other fails a minor release.
#[test]
fn the_breaking_report_in_both_formats() {
    let (base, revision) = (fixture("things-1.0.0.json"), fixture("things-1.1.0.json"));
    let findings = breaking::compare(&base, &revision).unwrap();
    let accepted_text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/things-accepted.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let acceptances = accepted::parse(&accepted_text).unwrap();
    let gate = accepted::gate(
        &version(&base),
        &version(&revision),
        &findings,
        &acceptances,
    )
    .unwrap();
    let side = |path: &str, document: &Value| Side {
        path: path.to_string(),
        version: version(document).to_string(),
    };
    let (base_side, revision_side) = (
        side("things-1.0.0.json", &base),
        side("things-1.1.0.json", &revision),
    );
    let report = GateReport {
        base: &base_side,
        revision: &revision_side,
        findings: &findings,
        gate: &gate,
    };
    assert!(!report.passes());
    let human = format!(
        "{}--- stderr ---\n{}",
        report.human(),
        report.failure().unwrap_or_default()
    );
    expectorate::assert_contents("tests/golden/breaking-human.txt", &human);
    expectorate::assert_contents("tests/golden/breaking.json", &report.json().unwrap());
}

#[test]
fn changelog_entries_of_a_first_and_a_next_release() {
    let (base, revision) = (fixture("things-1.0.0.json"), fixture("things-1.1.0.json"));
    let first = changelog::entry(&version(&base), "2025-01-01", None, &[], &base);
    let findings = breaking::compare(&base, &revision).unwrap();
    let next = changelog::entry(
        &semver::Version::new(2, 0, 0),
        "2025-02-01",
        Some(&version(&base)),
        &findings,
        &revision,
    );
    let file = changelog::insert(Some(&changelog::insert(None, &first)), &next);
    expectorate::assert_contents("tests/golden/changelog.md", &file);
}
