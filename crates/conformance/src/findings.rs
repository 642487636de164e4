//! Findings: the failures of a run grouped by root cause.
//!
//! One fault of a server fails many cases (every fuzzed body that reaches
//! it, every page that shows it); a finding names it once. Its key is the
//! operation, the check, and where the disagreement is ([`locus`]): the
//! status class for a status, the `Content-Type` received, the failing
//! schema keyword's place in the document with the instance path (array
//! indices removed), the documented header, or the member whose value
//! disagrees. Its [`Finding::fingerprint`] is a hash of that key: the same
//! fault gives the same fingerprint in every run, whatever the seed; a
//! different fault a different one. A finding keeps how many cases hit
//! it, the first of them and the smallest (the shortest request), with a
//! curl line (token redacted) and, when case files are written, its case
//! file.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

pub use crate::report::{Example, Finding};
use crate::{
    contract::media_type_essence,
    report::{Check, Failure, FailureKind, ResponseSummary},
};

/// Where a failure disagrees, for its finding's key: the status class of
/// a status (`status 4xx`), with the media type received for a
/// `Content-Type`; the keyword's place in the document and the instance
/// path without array indices for a schema violation; the documented
/// header; the member of a value.
pub fn locus(failure: &Failure, response: Option<&ResponseSummary>) -> String {
    let class = response.map_or_else(
        || "no answer".to_string(),
        |r| format!("status {}xx", r.status / 100),
    );
    match failure.kind {
        FailureKind::Transport => "no answer".to_string(),
        FailureKind::Status | FailureKind::UndocumentedStatus => class,
        FailureKind::ContentType => {
            let media = response
                .and_then(|r| r.content_type.as_deref())
                .map_or_else(|| "none".to_string(), media_type_essence);
            format!("{class}, Content-Type {media}")
        }
        FailureKind::BodyNotJson => format!("{class}, a body that is not JSON"),
        FailureKind::Schema | FailureKind::Value => {
            let path = failure
                .instance_path
                .as_deref()
                .map(without_indices)
                .unwrap_or_default();
            match (failure.keyword_location.as_deref(), path.as_str()) {
                (Some(keyword), "") => keyword.to_string(),
                (Some(keyword), path) => format!("{keyword} at {path}"),
                (None, "") => "a value".to_string(),
                (None, path) => path.to_string(),
            }
        }
        FailureKind::Document => "the document".to_string(),
    }
}

/// A JSON pointer with its array indices removed (`/items/3/name` →
/// `/items/name`): the same member of another element is the same fault.
fn without_indices(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|segment| segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join("/")
}

/// The fingerprint of a key: the first 16 hex digits of its SHA-256.
pub fn fingerprint(check: &str, operation: &str, locus: &str) -> String {
    let digest = Sha256::digest(format!("{check}\n{operation}\n{locus}").as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The fingerprints of the failures of a check (one per failure, in
/// order; failures without a check name have none).
pub fn fingerprints(check: &Check) -> Vec<String> {
    let operation = check.operation_id.as_deref().unwrap_or("-");
    check
        .failures
        .iter()
        .filter_map(|failure| {
            let name = failure.check.as_deref()?;
            Some(fingerprint(
                name,
                operation,
                &locus(failure, check.response.as_ref()),
            ))
        })
        .collect()
}

/// Groups the failures of `checks` into findings, in the order each was
/// first hit.
pub fn group(checks: &[Check], seed: Option<u64>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut by_fingerprint: BTreeMap<String, usize> = BTreeMap::new();
    for (index, check) in checks.iter().enumerate() {
        let operation = check.operation_id.as_deref().unwrap_or("-");
        let mut counted = Vec::new();
        for failure in &check.failures {
            let Some(name) = failure.check.as_deref() else {
                continue;
            };
            let locus = locus(failure, check.response.as_ref());
            let fingerprint = fingerprint(name, operation, &locus);
            let example = Example::of(index, check, failure);
            match by_fingerprint.get(&fingerprint) {
                Some(&at) => {
                    let finding = &mut findings[at];
                    if !counted.contains(&fingerprint) {
                        finding.count += 1;
                    }
                    if example.size() < finding.example.size() {
                        finding.example = example;
                    }
                }
                None => {
                    by_fingerprint.insert(fingerprint.clone(), findings.len());
                    findings.push(Finding {
                        fingerprint: fingerprint.clone(),
                        check: name.to_string(),
                        operation: operation.to_string(),
                        locus,
                        count: 1,
                        seed,
                        example: example.clone(),
                        first: example,
                    });
                }
            }
            counted.push(fingerprint);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Check;

    fn check(name: &str, status: u16, curl: &str, failures: Vec<Failure>) -> Check {
        let mut check = Check::new(name, Some("createConnection"));
        check.response = Some(ResponseSummary {
            status,
            content_type: Some("application/json".into()),
            body_excerpt: String::new(),
        });
        check.curl = Some(curl.into());
        check.failures = failures;
        check
    }

    fn named(mut failure: Failure, check: &str) -> Failure {
        failure.check = Some(check.into());
        failure
    }

    fn schema(path: &str) -> Failure {
        named(
            Failure {
                keyword: Some("type".into()),
                keyword_location: Some(
                    "#/components/schemas/Connection/properties/name/type".into(),
                ),
                ..Failure::value(path, "12 is not of type \"string\"")
            },
            "response_schema_conformance",
        )
    }

    #[test]
    fn one_fault_in_many_cases_is_one_finding_with_the_smallest_example() {
        let status = |message: &str| {
            named(
                Failure::new(FailureKind::Status, message),
                "positive_data_acceptance",
            )
        };
        let checks = vec![
            check("a", 400, "curl --data-raw 'a long body'", vec![status("a")]),
            check("b", 422, "curl --data-raw 'b'", vec![status("b")]),
            check("c", 201, "curl c", vec![schema("/items/0/name")]),
            check("d", 201, "curl d", vec![schema("/items/7/name")]),
        ];
        let findings = group(&checks, Some(5));
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert_eq!(findings[0].count, 2);
        assert_eq!(findings[0].locus, "status 4xx");
        assert_eq!(findings[0].first.name, "a");
        assert_eq!(findings[0].example.name, "b");
        assert_eq!(findings[0].seed, Some(5));
        assert_eq!(
            findings[1].locus,
            "#/components/schemas/Connection/properties/name/type at /items/name"
        );
        assert_eq!(findings[1].count, 2);
    }

    #[test]
    fn fingerprints_depend_on_the_fault_only() {
        let a = fingerprint("revision", "retrieveConnection", "/revision");
        assert_eq!(
            a,
            fingerprint("revision", "retrieveConnection", "/revision")
        );
        assert_eq!(a.len(), 16);
        assert_ne!(a, fingerprint("revision", "updateConnection", "/revision"));
        assert_ne!(
            a,
            fingerprint("response_values", "retrieveConnection", "/revision")
        );
        // Values and case names do not enter it.
        let first = check("x 1", 201, "curl 1", vec![schema("/name")]);
        let second = check("x 2", 201, "curl 22", vec![schema("/name")]);
        assert_eq!(fingerprints(&first), fingerprints(&second));
    }

    #[test]
    fn the_locus_names_where_the_disagreement_is() {
        let response = ResponseSummary {
            status: 200,
            content_type: Some("text/plain; charset=utf-8".into()),
            body_excerpt: String::new(),
        };
        assert_eq!(
            locus(
                &Failure::new(FailureKind::ContentType, "x"),
                Some(&response)
            ),
            "status 2xx, Content-Type text/plain"
        );
        assert_eq!(
            locus(&Failure::new(FailureKind::Transport, "timed out"), None),
            "no answer"
        );
        let header = Failure {
            keyword: Some("required".into()),
            keyword_location: Some(
                "#/paths/~1v2~1connections/get/responses/200/headers/X-Request-Id".into(),
            ),
            ..Failure::new(FailureKind::Value, "x")
        };
        assert!(locus(&header, Some(&response)).ends_with("/headers/X-Request-Id"));
        assert_eq!(without_indices("/items/12/request/0"), "/items/request");
    }
}
