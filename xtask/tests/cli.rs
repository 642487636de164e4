//! `cargo xtask breaking` as CI and people run it: exit codes and reports.

use std::{path::Path, process::Command};

use serde_json::Value;

fn committed_document() -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    serde_json::from_str(&std::fs::read_to_string(root.join("openapi/connections.json")).unwrap())
        .unwrap()
}

fn write(dir: &Path, name: &str, document: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(document).unwrap()).unwrap();
    path.display().to_string()
}

fn xtask(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("the xtask binary runs")
}

/// The committed document with a value added to a response enum.
fn with_new_system_type(version: &str) -> Value {
    let mut document = committed_document();
    document["components"]["schemas"]["SystemType"]["enum"]
        .as_array_mut()
        .unwrap()
        .push("WAREHOUSE".into());
    document["info"]["version"] = version.into();
    document
}

#[test]
fn an_unchanged_document_passes() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &committed_document());
    let output = xtask(&["breaking", "--base", &base, "--revision", &base]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let shown = stdout.replace(&dir.path().display().to_string(), "$TMP");
    expectorate::assert_contents("tests/golden/breaking-unchanged.txt", &shown);
}

#[test]
fn a_breaking_change_without_a_major_bump_fails_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &committed_document());
    let revision = write(dir.path(), "rev.json", &with_new_system_type("2.0.1"));
    let output = xtask(&["breaking", "--base", &base, "--revision", &revision]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let shown = format!(
        "{}--- stderr ---\n{}",
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap()
    )
    .replace(&dir.path().display().to_string(), "$TMP");
    expectorate::assert_contents("tests/golden/breaking-patch.txt", &shown);
}

#[test]
fn a_breaking_change_with_a_major_bump_passes_and_reports_json() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &committed_document());
    let revision = write(dir.path(), "rev.json", &with_new_system_type("3.0.0"));
    let output = xtask(&[
        "breaking",
        "--base",
        &base,
        "--revision",
        &revision,
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["verdict"], "breaking-with-major-bump");
    assert_eq!(report["breaking"], 1);
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "enum-value-added");
    assert_eq!(finding["breaking"], true);
    assert_eq!(
        finding["base_pointer"],
        "/components/schemas/SystemType/enum"
    );
    assert_eq!(
        finding["revision_pointer"],
        "/components/schemas/SystemType/enum"
    );
}

#[test]
fn unreadable_input_fails_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let output = xtask(&["breaking", "--base", &broken.display().to_string()]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("broken.json is not a JSON document"),
        "{stderr}"
    );
    let mut unversioned = committed_document();
    unversioned["info"]["version"] = "v1".into();
    let path = write(dir.path(), "unversioned.json", &unversioned);
    let output = xtask(&["breaking", "--base", &path]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
