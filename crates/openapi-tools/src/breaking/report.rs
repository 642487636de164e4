//! The gate's report, as `cargo xtask breaking` prints it: for a terminal
//! ([`GateReport::human`], [`GateReport::failure`]) or as one JSON object
//! ([`GateReport::json`]). Text only: the caller prints it.

use serde::Serialize;

use super::{Finding, Verdict, accepted::Gate, human_report};

/// One side of a comparison: the document's path as shown, and its version.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// The path, as the report shows it.
    pub path: String,
    /// The document's `info.version`.
    pub version: String,
}

/// A comparison and the gate's outcome on it.
#[derive(Debug, Clone, Copy)]
pub struct GateReport<'a> {
    /// The released document.
    pub base: &'a Side,
    /// The document checked.
    pub revision: &'a Side,
    /// Every difference, in the engine's order.
    pub findings: &'a [Finding],
    /// The gate with the accepted changes applied.
    pub gate: &'a Gate,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    base: &'a Side,
    revision: &'a Side,
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

impl GateReport<'_> {
    /// Whether the gate passes.
    pub fn passes(&self) -> bool {
        self.gate.verdict.passes()
    }

    /// The report for a terminal (stdout), ending with the verdict line
    /// when the gate passes; see [`failure`](Self::failure) otherwise.
    pub fn human(&self) -> String {
        let (base, revision) = (&self.base.version, &self.revision.version);
        let mut out = format!(
            "comparing {} ({revision}) with {} ({base})\n",
            self.revision.path, self.base.path
        );
        out.push_str(&human_report(self.findings));
        out.push_str(&super::accepted::human_report(self.findings, self.gate));
        let count = self.findings.len();
        let breaking = self.gate.breaking;
        match self.gate.verdict {
            Verdict::Compatible if self.gate.accepted.is_empty() => {
                out.push_str(&format!("ok: {count} difference(s), none breaking\n"));
            }
            Verdict::Compatible => out.push_str(&format!(
                "ok: {count} difference(s), no breaking change but the {} accepted\n",
                self.gate.accepted.len()
            )),
            Verdict::BreakingWithMajorBump => out.push_str(&format!(
                "ok: {breaking} breaking change(s), and {revision} is a major release after {base}\n"
            )),
            Verdict::BreakingWithoutMajorBump => {}
        }
        out
    }

    /// The error line (stderr) when the gate fails.
    pub fn failure(&self) -> Option<String> {
        (self.gate.verdict == Verdict::BreakingWithoutMajorBump).then(|| {
            format!(
                "error: {} breaking change(s) need a major release after {}, \
                 but the document says {}\n",
                self.gate.breaking, self.base.version, self.revision.version
            )
        })
    }

    /// The report as one pretty-printed JSON object, with a final newline.
    pub fn json(&self) -> Result<String, serde_json::Error> {
        let report = JsonReport {
            base: self.base,
            revision: self.revision,
            verdict: self.gate.verdict,
            passes: self.passes(),
            breaking: self.gate.breaking,
            findings: self.findings,
            accepted: self
                .gate
                .accepted
                .iter()
                .filter_map(|(index, reason)| {
                    let finding = self.findings.get(*index)?;
                    Some(AcceptedJson {
                        rule: finding.rule,
                        location: &finding.revision_pointer,
                        reason,
                    })
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&report)?;
        text.push('\n');
        Ok(text)
    }
}
