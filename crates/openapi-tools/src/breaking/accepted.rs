//! Accepted breaking changes: findings the gate lets pass because a
//! written reason says why (like oasdiff's ignore files).
//!
//! The list is TOML (`openapi/breaking-accepted.toml` in this repository):
//!
//! ```toml
//! [[accepted]]
//! rule = "schema-maximum-added"          # a rule id of the gate
//! location = "/components/schemas/X/properties/y"  # a finding's pointer (base or revision)
//! from = "1.0.0"                         # optional: only when comparing from this version
//! to = "1.1.0"                           # optional: ... to this version
//! reason = "Values above 2^31 were always refused by the real service."
//! ```
//!
//! An entry applies to a comparison when its `from`/`to` (if given) are the
//! compared versions. An entry that applies and matches no finding is
//! stale, and an error: the list says only what is true.

use semver::Version;
use toml_edit::{DocumentMut, Item, Table};

use super::{Finding, RULES, Verdict, is_major_bump};

/// One accepted breaking change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// The rule id of the accepted finding.
    pub rule: String,
    /// The JSON pointer of the finding, in the base or the revision.
    pub location: String,
    /// Only when comparing from this version, if given.
    pub from: Option<Version>,
    /// Only when comparing to this version, if given.
    pub to: Option<Version>,
    /// Why the change is accepted.
    pub reason: String,
}

impl Acceptance {
    fn applies(&self, base: &Version, revision: &Version) -> bool {
        self.from.as_ref().is_none_or(|v| v == base)
            && self.to.as_ref().is_none_or(|v| v == revision)
    }

    fn matches(&self, finding: &Finding) -> bool {
        finding.rule == self.rule
            && (finding.revision_pointer == self.location || finding.base_pointer == self.location)
    }
}

/// Why the list of accepted changes is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AcceptedError {
    /// The text is not TOML.
    #[error("the accepted changes are not valid TOML: {0}")]
    Toml(String),
    /// An entry lacks a member or has one of the wrong type.
    #[error("accepted change #{entry}: {problem}")]
    Entry {
        /// The entry's number, from 1.
        entry: usize,
        /// What is wrong.
        problem: String,
    },
    /// Entries that apply to this comparison match no finding.
    #[error(
        "stale accepted change(s), matching no finding: {}; remove them",
        .0.iter().map(|a| format!("{} at {}", a.rule, a.location)).collect::<Vec<_>>().join(", ")
    )]
    Stale(Vec<Acceptance>),
}

/// Parses the list of accepted changes.
pub fn parse(text: &str) -> Result<Vec<Acceptance>, AcceptedError> {
    let document: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| AcceptedError::Toml(e.to_string()))?;
    let Some(item) = document.get("accepted") else {
        return Ok(Vec::new());
    };
    let tables = item
        .as_array_of_tables()
        .ok_or_else(|| AcceptedError::Entry {
            entry: 0,
            problem: "`accepted` must be an array of tables ([[accepted]])".into(),
        })?;
    tables
        .iter()
        .enumerate()
        .map(|(index, table)| entry(index + 1, table))
        .collect()
}

fn entry(entry: usize, table: &Table) -> Result<Acceptance, AcceptedError> {
    let problem = |problem: String| AcceptedError::Entry { entry, problem };
    for (key, _) in table.iter() {
        if !["rule", "location", "from", "to", "reason"].contains(&key) {
            return Err(problem(format!("unknown member `{key}`")));
        }
    }
    let text = |key: &str| -> Result<Option<String>, AcceptedError> {
        match table.get(key) {
            None => Ok(None),
            Some(Item::Value(value)) => match value.as_str() {
                Some(text) if !text.trim().is_empty() => Ok(Some(text.to_string())),
                _ => Err(problem(format!("`{key}` must be a non-empty string"))),
            },
            Some(_) => Err(problem(format!("`{key}` must be a string"))),
        }
    };
    let required = |key: &str| text(key)?.ok_or_else(|| problem(format!("`{key}` is missing")));
    let version = |key: &str| -> Result<Option<Version>, AcceptedError> {
        text(key)?
            .map(|v| {
                Version::parse(&v)
                    .map_err(|e| problem(format!("`{key}` = {v:?} is not a version: {e}")))
            })
            .transpose()
    };
    let rule = required("rule")?;
    if !RULES.iter().any(|r| r.id == rule) {
        return Err(problem(format!("unknown rule `{rule}`")));
    }
    let location = required("location")?;
    if !location.is_empty() && !location.starts_with('/') {
        return Err(problem(format!(
            "`location` {location:?} is not a JSON pointer"
        )));
    }
    Ok(Acceptance {
        rule,
        location,
        from: version("from")?,
        to: version("to")?,
        reason: required("reason")?,
    })
}

/// The gate's outcome once the accepted changes are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// The verdict, counting only breaking findings not accepted.
    pub verdict: Verdict,
    /// The accepted findings: their index in the findings, and the reason.
    pub accepted: Vec<(usize, String)>,
    /// Breaking findings not accepted.
    pub breaking: usize,
}

impl Gate {
    /// The reason a finding (by index) was accepted, if it was.
    pub fn reason(&self, index: usize) -> Option<&str> {
        self.accepted
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, reason)| reason.as_str())
    }
}

/// Applies the gate with the accepted changes: breaking findings an entry
/// matches do not count; entries that apply and match nothing are stale.
pub fn gate(
    base: &Version,
    revision: &Version,
    findings: &[Finding],
    acceptances: &[Acceptance],
) -> Result<Gate, AcceptedError> {
    let applicable: Vec<&Acceptance> = acceptances
        .iter()
        .filter(|a| a.applies(base, revision))
        .collect();
    let stale: Vec<Acceptance> = applicable
        .iter()
        .filter(|a| !findings.iter().any(|f| f.breaking && a.matches(f)))
        .map(|a| (*a).clone())
        .collect();
    if !stale.is_empty() {
        return Err(AcceptedError::Stale(stale));
    }
    let mut accepted = Vec::new();
    let mut breaking = 0;
    for (index, finding) in findings.iter().enumerate().filter(|(_, f)| f.breaking) {
        match applicable.iter().find(|a| a.matches(finding)) {
            Some(acceptance) => accepted.push((index, acceptance.reason.clone())),
            None => breaking += 1,
        }
    }
    let verdict = if breaking == 0 {
        Verdict::Compatible
    } else if is_major_bump(base, revision) {
        Verdict::BreakingWithMajorBump
    } else {
        Verdict::BreakingWithoutMajorBump
    };
    Ok(Gate {
        verdict,
        accepted,
        breaking,
    })
}

/// The accepted findings, for a terminal: one line each with its reason.
pub fn human_report(findings: &[Finding], gate: &Gate) -> String {
    if gate.accepted.is_empty() {
        return String::new();
    }
    let mut out = String::from("accepted (breaking, with a written reason):\n");
    for (index, reason) in &gate.accepted {
        if let Some(finding) = findings.get(*index) {
            out.push_str(&format!(
                "  [{}] {} ({})\n    accepted: {reason}\n",
                finding.rule, finding.message, finding.revision_pointer
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::breaking::compare;

    /// `In` is only sent (POST body), `Out` only received (its 201).
    fn document(version: &str, in_count: Value, out_count: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "Fixture", "version": version},
            "paths": {"/items": {"post": {
                "operationId": "createItem",
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/In"}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Out"}}}}}
            }}},
            "components": {"schemas": {
                "In": {"type": "object", "properties": {"count": in_count}},
                "Out": {"type": "object", "properties": {"count": out_count}}
            }}
        })
    }

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    const IN_MAXIMUM: &str = "/components/schemas/In/properties/count/maximum";
    const IN_FORMAT: &str = "/components/schemas/In/properties/count/format";

    /// 1.0.0 → 1.1.0: both counts get a `maximum`, the request's format
    /// changes from `u-int32` to `int32`.
    fn findings() -> Vec<Finding> {
        let base = document(
            "1.0.0",
            json!({"type": "integer", "format": "u-int32"}),
            json!({"type": "integer", "format": "u-int32"}),
        );
        let revision = document(
            "1.1.0",
            json!({"type": "integer", "format": "int32", "maximum": 100}),
            json!({"type": "integer", "format": "u-int32", "maximum": 100}),
        );
        compare(&base, &revision).unwrap()
    }

    fn entries(text: &str) -> Vec<Acceptance> {
        parse(text).unwrap()
    }

    const BOTH: &str = r#"
[[accepted]]
rule = "limit-tightened"
location = "/components/schemas/In/properties/count/maximum"
reason = "The service always refused counts above 100."

[[accepted]]
rule = "format-changed"
location = "/components/schemas/In/properties/count/format"
from = "1.0.0"
to = "1.1.0"
reason = "u-int32 was a typo of int32."
"#;

    #[test]
    fn a_narrower_bound_breaks_requests_not_responses_and_a_format_change_breaks() {
        let findings = findings();
        let breaking: Vec<(&str, &str)> = findings
            .iter()
            .filter(|f| f.breaking)
            .map(|f| (f.rule, f.revision_pointer.as_str()))
            .collect();
        assert_eq!(
            breaking,
            [
                ("format-changed", IN_FORMAT),
                ("limit-tightened", IN_MAXIMUM)
            ]
        );
        assert!(findings.iter().any(|f| !f.breaking
            && f.rule == "limit-tightened"
            && f.revision_pointer.starts_with("/components/schemas/Out")));
        let gate = gate(&v("1.0.0"), &v("1.1.0"), &findings, &[]).unwrap();
        assert_eq!(gate.verdict, Verdict::BreakingWithoutMajorBump);
        assert_eq!(gate.breaking, 2);
    }

    #[test]
    fn accepted_findings_pass_with_their_reason_printed() {
        let findings = findings();
        let gate = gate(&v("1.0.0"), &v("1.1.0"), &findings, &entries(BOTH)).unwrap();
        assert_eq!(gate.verdict, Verdict::Compatible);
        assert_eq!(gate.breaking, 0);
        assert_eq!(gate.accepted.len(), 2);
        let report = human_report(&findings, &gate);
        assert!(
            report.starts_with("accepted (breaking, with a written reason):\n"),
            "{report}"
        );
        assert!(
            report.contains("accepted: u-int32 was a typo of int32."),
            "{report}"
        );
        assert!(report.contains("accepted: The service always refused counts above 100."));
    }

    #[test]
    fn one_accepted_of_two_still_fails_the_gate() {
        let findings = findings();
        let only_one = entries(&BOTH[..BOTH.find("\n[[accepted]]\nrule = \"format").unwrap()]);
        assert_eq!(only_one.len(), 1);
        let gate = gate(&v("1.0.0"), &v("1.1.0"), &findings, &only_one).unwrap();
        assert_eq!(gate.verdict, Verdict::BreakingWithoutMajorBump);
        assert_eq!(gate.breaking, 1);
        let major = super::gate(&v("1.0.0"), &v("2.0.0"), &findings, &only_one).unwrap();
        assert_eq!(major.verdict, Verdict::BreakingWithMajorBump);
    }

    #[test]
    fn an_entry_matching_nothing_is_stale_and_other_versions_do_not_apply() {
        let findings = findings();
        let stale = entries(
            r#"[[accepted]]
rule = "limit-tightened"
location = "/components/schemas/Out/properties/count/maximum"
reason = "a response bound is not breaking: nothing to accept"
"#,
        );
        let error = gate(&v("1.0.0"), &v("1.1.0"), &findings, &stale).unwrap_err();
        assert!(
            matches!(&error, AcceptedError::Stale(s) if s.len() == 1),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("limit-tightened at /components/schemas/Out")
        );
        // The versioned entry only applies from 1.0.0 to 1.1.0.
        let unchanged = compare(&findings_base(), &findings_base()).unwrap();
        let versioned = entries(&BOTH[BOTH.find("\n[[accepted]]\nrule = \"format").unwrap()..]);
        let later = gate(&v("1.1.0"), &v("1.2.0"), &unchanged, &versioned).unwrap();
        assert_eq!(later.verdict, Verdict::Compatible);
        assert!(gate(&v("1.0.0"), &v("1.1.0"), &unchanged, &versioned).is_err());
    }

    fn findings_base() -> Value {
        document(
            "1.1.0",
            json!({"type": "integer"}),
            json!({"type": "integer"}),
        )
    }

    #[test]
    fn malformed_lists_are_refused_naming_the_entry() {
        assert_eq!(parse("").unwrap(), []);
        assert!(matches!(
            parse("[[accepted]\n"),
            Err(AcceptedError::Toml(_))
        ));
        let cases = [
            (
                "rule = \"no-such-rule\"\nlocation = \"/x\"\nreason = \"r\"",
                "unknown rule",
            ),
            (
                "rule = \"limit-tightened\"\nlocation = \"/x\"",
                "`reason` is missing",
            ),
            (
                "rule = \"limit-tightened\"\nlocation = \"x\"\nreason = \"r\"",
                "not a JSON pointer",
            ),
            (
                "rule = \"limit-tightened\"\nlocation = \"/x\"\nreason = \" \"",
                "non-empty",
            ),
            (
                "rule = \"limit-tightened\"\nlocation = \"/x\"\nreason = \"r\"\nfrom = \"1\"",
                "not a version",
            ),
            (
                "rule = \"limit-tightened\"\nlocation = \"/x\"\nreason = \"r\"\nwhy = \"r\"",
                "unknown member",
            ),
            (
                "rule = 1\nlocation = \"/x\"\nreason = \"r\"",
                "`rule` must be",
            ),
        ];
        for (body, expected) in cases {
            let error = parse(&format!("[[accepted]]\n{body}\n")).unwrap_err();
            assert!(error.to_string().contains(expected), "{body}: {error}");
            assert!(
                error.to_string().starts_with("accepted change #1"),
                "{error}"
            );
        }
    }
}
