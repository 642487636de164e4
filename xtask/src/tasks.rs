//! The binary's side of `breaking`, `release` and `publish`: read the
//! arguments' files, call the library, print, choose the exit code.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context as _;
use connections_openapi_tools::breaking::{self, Finding, Verdict, accepted};
use serde::Serialize;
use serde_json::Value;
use xtask::{publish, regenerate, release};

/// Exit code when the gate fails.
const GATE_FAILED_EXIT_CODE: u8 = 1;

/// How `breaking` prints its report.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ReportFormat {
    /// Text for a terminal.
    Human,
    /// One JSON object.
    Json,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    base: Side,
    revision: Side,
    verdict: Verdict,
    passes: bool,
    breaking: usize,
    findings: &'a [Finding],
    accepted: Vec<AcceptedJson<'a>>,
}

#[derive(Serialize)]
struct AcceptedJson<'a> {
    rule: &'a str,
    location: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct Side {
    path: String,
    version: String,
}

fn read_document(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON document", path.display()))
}

fn version_of(document: &Value, path: &Path) -> anyhow::Result<semver::Version> {
    breaking::document_version(document).with_context(|| {
        format!(
            "{}: info.version is not a semantic version (MAJOR.MINOR.PATCH)",
            path.display()
        )
    })
}

pub fn breaking(
    root: &Path,
    base: Option<&Path>,
    revision: Option<&Path>,
    format: ReportFormat,
) -> anyhow::Result<ExitCode> {
    let base_path = match base {
        Some(path) => path.to_path_buf(),
        // The released documents are checked before one is trusted as base.
        None => match release::verify_releases(root)?.pop() {
            Some(latest) => root.join(latest.path),
            None => {
                println!(
                    "no released document under {}: nothing to compare with",
                    release::RELEASED_DIR
                );
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let revision_path = revision
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join(regenerate::DOCUMENT_JSON));
    let base_document = read_document(&base_path)?;
    let revision_document = read_document(&revision_path)?;
    let base_version = version_of(&base_document, &base_path)?;
    let revision_version = version_of(&revision_document, &revision_path)?;
    let findings = breaking::compare(&base_document, &revision_document)?;
    let gate = accepted::gate(
        &base_version,
        &revision_version,
        &findings,
        &release::accepted_changes(root)?,
    )
    .with_context(|| release::ACCEPTED_CHANGES.to_string())?;
    let verdict = gate.verdict;
    let breaking_count = gate.breaking;
    let shown = |path: &Path| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    match format {
        ReportFormat::Json => {
            let report = JsonReport {
                base: Side {
                    path: shown(&base_path),
                    version: base_version.to_string(),
                },
                revision: Side {
                    path: shown(&revision_path),
                    version: revision_version.to_string(),
                },
                verdict,
                passes: verdict.passes(),
                breaking: breaking_count,
                findings: &findings,
                accepted: gate
                    .accepted
                    .iter()
                    .filter_map(|(index, reason)| {
                        let finding = findings.get(*index)?;
                        Some(AcceptedJson {
                            rule: finding.rule,
                            location: &finding.revision_pointer,
                            reason,
                        })
                    })
                    .collect(),
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        ReportFormat::Human => {
            println!(
                "comparing {} ({base_version}) with {} ({revision_version})",
                shown(&revision_path),
                shown(&base_path)
            );
            print!("{}", breaking::human_report(&findings));
            print!("{}", accepted::human_report(&findings, &gate));
            match verdict {
                Verdict::Compatible if gate.accepted.is_empty() => {
                    println!("ok: {} difference(s), none breaking", findings.len())
                }
                Verdict::Compatible => println!(
                    "ok: {} difference(s), no breaking change but the {} accepted",
                    findings.len(),
                    gate.accepted.len()
                ),
                Verdict::BreakingWithMajorBump => println!(
                    "ok: {breaking_count} breaking change(s), and {revision_version} is a major release after {base_version}"
                ),
                Verdict::BreakingWithoutMajorBump => eprintln!(
                    "error: {breaking_count} breaking change(s) need a major release after {base_version}, \
                     but the document says {revision_version}"
                ),
            }
        }
    }
    Ok(if verdict.passes() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(GATE_FAILED_EXIT_CODE)
    })
}

pub fn release(root: &Path, version: &str, date: Option<String>) -> anyhow::Result<ExitCode> {
    let version = release::parse_version(version)?;
    let date = date.unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%d").to_string());
    let outcome = match release::release(root, &version, &date, regenerate::render_with_version) {
        Ok(outcome) => outcome,
        Err(error @ release::ReleaseError::BreakingWithoutMajorBump { .. })
        | Err(error @ release::ReleaseError::NotNewer { .. }) => {
            eprintln!("refused: {error}");
            return Ok(ExitCode::from(GATE_FAILED_EXIT_CODE));
        }
        Err(error) => return Err(error.into()),
    };
    match &outcome.previous {
        Some(previous) => println!(
            "released {} (after {previous}: {} difference(s), {} breaking)",
            outcome.version,
            outcome.findings.len(),
            outcome.findings.iter().filter(|f| f.breaking).count()
        ),
        None => println!("released {} (the first release)", outcome.version),
    }
    for path in &outcome.written {
        println!("wrote {}", path.display());
    }
    println!("review and commit the result; the next build uses the stamped version");
    Ok(ExitCode::SUCCESS)
}

pub fn publish(root: &Path, out: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let artifacts = regenerate::render()?;
    let drifted = regenerate::drifted(root, &artifacts);
    if !drifted.is_empty() {
        for path in &drifted {
            eprintln!("drifted: {path}");
        }
        anyhow::bail!(
            "generated files are out of date: run `cargo xtask regenerate` before publishing"
        );
    }
    let out = out.unwrap_or_else(|| root.join(publish::DEFAULT_OUT));
    let names = publish::bundle(root, &out)?;
    for name in &names {
        println!("{}", out.join(name).display());
    }
    println!("bundle: {} files in {}", names.len(), out.display());
    Ok(ExitCode::SUCCESS)
}
