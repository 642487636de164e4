//! `cargo xtask breaking`: the breaking-change gate between the latest
//! release (or `--base`) and the document (or `--revision`). The engine
//! and the report's text are `connections_openapi_tools::breaking`'s.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context as _;
use connections_openapi_tools::breaking::{
    self, accepted,
    report::{GateReport, Side},
};
use serde_json::Value;

use super::{exit, regenerate, release};

/// `cargo xtask breaking`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document to compare against (default: the latest under openapi/released/).
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// The document to check (default: openapi/connections.json).
    #[arg(long)]
    pub revision: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

/// How `breaking` prints its report.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ReportFormat {
    /// Text for a terminal.
    Human,
    /// One JSON object.
    Json,
}

fn read_document(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON document", path.display()))
}

/// Reads a document and its version; `shown` is its path in the report.
fn side(path: &Path, shown: String) -> anyhow::Result<(Value, semver::Version, Side)> {
    let document = read_document(path)?;
    let version = breaking::document_version(&document).with_context(|| {
        format!(
            "{}: info.version is not a semantic version (MAJOR.MINOR.PATCH)",
            path.display()
        )
    })?;
    let side = Side {
        path: shown,
        version: version.to_string(),
    };
    Ok((document, version, side))
}

/// Compares, applies the accepted changes, prints the report; exit 1 when
/// the gate refuses.
pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let base_path = match args.base {
        Some(path) => path,
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
    let revision_path = args
        .revision
        .unwrap_or_else(|| root.join(regenerate::DOCUMENT_JSON));
    let shown = |path: &Path| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let (base_document, base_version, base) = side(&base_path, shown(&base_path))?;
    let (revision_document, revision_version, revision) =
        side(&revision_path, shown(&revision_path))?;
    let findings = breaking::compare(&base_document, &revision_document)?;
    let gate = accepted::gate(
        &base_version,
        &revision_version,
        &findings,
        &release::accepted_changes(root)?,
    )
    .with_context(|| release::ACCEPTED_CHANGES.to_string())?;
    let report = GateReport {
        base: &base,
        revision: &revision,
        findings: &findings,
        gate: &gate,
    };
    match args.format {
        ReportFormat::Json => print!("{}", report.json()?),
        ReportFormat::Human => {
            print!("{}", report.human());
            if let Some(failure) = report.failure() {
                eprint!("{failure}");
            }
        }
    }
    Ok(if report.passes() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::GATE_FAILED)
    })
}
