//! The named checks of the live suite, named as Schemathesis names its
//! checks where one exists, so that its users find theirs.
//!
//! Every failure of a live run carries the name of the check that found it
//! ([`crate::report::Failure::check`]); `--checks` and `--exclude-checks`
//! select which are reported, `--list-checks` prints [`ALL`].

use std::collections::BTreeSet;

use crate::report::{Check, Failure, FailureKind};

/// A response status is below 500.
pub const NOT_A_SERVER_ERROR: &str = "not_a_server_error";
/// The status is documented for the operation.
pub const STATUS_CODE_CONFORMANCE: &str = "status_code_conformance";
/// The `Content-Type` is a documented media type of that status.
pub const CONTENT_TYPE_CONFORMANCE: &str = "content_type_conformance";
/// Every required documented response header is sent.
pub const RESPONSE_HEADERS_CONFORMANCE: &str = "response_headers_conformance";
/// The body validates against the documented schema of that status.
pub const RESPONSE_SCHEMA_CONFORMANCE: &str = "response_schema_conformance";
/// A request the document allows is accepted (a documented 2xx).
pub const POSITIVE_DATA_ACCEPTANCE: &str = "positive_data_acceptance";
/// A request the document forbids is refused with a documented 4xx, and
/// nothing is written.
pub const NEGATIVE_DATA_REJECTION: &str = "negative_data_rejection";
/// A request without `Authorization` is refused with 401.
pub const MISSING_REQUIRED_HEADER: &str = "missing_required_header";
/// A request with a wrong token is refused with 401.
pub const IGNORED_AUTH: &str = "ignored_auth";
/// A method the document does not give for a path gets 405 with `Allow`.
pub const UNSUPPORTED_METHOD: &str = "unsupported_method";
/// A created resource can be retrieved at once.
pub const ENSURE_RESOURCE_AVAILABILITY: &str = "ensure_resource_availability";
/// What was sent comes back (name, system type, request, auth type).
pub const RESPONSE_VALUES: &str = "response_values";
/// A new resource has revision 1 and each update adds exactly one.
pub const REVISION: &str = "revision";
/// `href` ends with the resource's `ref`, paging links stay on the server.
pub const REF_IN_HREF: &str = "ref_in_href";

/// Every check, with one line saying what it verifies.
pub const ALL: &[(&str, &str)] = &[
    (
        NOT_A_SERVER_ERROR,
        "no response is a 5xx (whatever was sent)",
    ),
    (
        STATUS_CODE_CONFORMANCE,
        "the status is documented for the operation",
    ),
    (
        CONTENT_TYPE_CONFORMANCE,
        "the Content-Type is a documented media type of that status",
    ),
    (
        RESPONSE_HEADERS_CONFORMANCE,
        "every required documented response header is sent and valid",
    ),
    (
        RESPONSE_SCHEMA_CONFORMANCE,
        "the body validates against the documented schema of that status",
    ),
    (
        POSITIVE_DATA_ACCEPTANCE,
        "a request the document allows gets a documented 2xx (or the documented 404)",
    ),
    (
        NEGATIVE_DATA_REJECTION,
        "a request the document forbids gets a documented 4xx and writes nothing",
    ),
    (
        MISSING_REQUIRED_HEADER,
        "a request without Authorization gets 401",
    ),
    (IGNORED_AUTH, "a request with a wrong token gets 401"),
    (
        UNSUPPORTED_METHOD,
        "a method the document does not give for a path gets 405 with Allow",
    ),
    (
        ENSURE_RESOURCE_AVAILABILITY,
        "a created resource is retrievable at once and listed",
    ),
    (
        RESPONSE_VALUES,
        "what was sent comes back (name, systemType, request, authType)",
    ),
    (
        REVISION,
        "a new resource has revision 1; each update adds exactly one",
    ),
    (
        REF_IN_HREF,
        "href ends with the resource's ref; paging links stay on the server and end",
    ),
];

/// Why a selection of checks is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// A name that is not a check.
    #[error("unknown check `{0}`; `conformance live --list-checks` lists them")]
    Unknown(String),
}

/// Which checks are reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSelection {
    enabled: BTreeSet<&'static str>,
}

impl Default for CheckSelection {
    fn default() -> Self {
        Self::all()
    }
}

impl CheckSelection {
    /// Every check.
    pub fn all() -> Self {
        Self {
            enabled: ALL.iter().map(|(name, _)| *name).collect(),
        }
    }

    /// `include` (empty, or holding `all`, for every check) less `exclude`.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, SelectionError> {
        let mut selection = if include.is_empty() || include.iter().any(|n| n == "all") {
            Self::all()
        } else {
            let mut enabled = BTreeSet::new();
            for name in include {
                enabled.insert(known(name)?);
            }
            Self { enabled }
        };
        for name in exclude {
            selection.enabled.remove(known(name)?);
        }
        Ok(selection)
    }

    /// Whether the check `name` is reported.
    pub fn is_enabled(&self, name: &str) -> bool {
        self.enabled.contains(name)
    }

    /// Drops the failures of deselected checks and recomputes the outcome.
    pub fn apply(&self, check: &mut Check) {
        check
            .failures
            .retain(|f| f.check.as_deref().is_none_or(|name| self.is_enabled(name)));
    }
}

fn known(name: &str) -> Result<&'static str, SelectionError> {
    ALL.iter()
        .map(|(known, _)| *known)
        .find(|known| *known == name)
        .ok_or_else(|| SelectionError::Unknown(name.to_string()))
}

/// `--list-checks`: one line per check.
pub fn list() -> String {
    let width = ALL.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    ALL.iter()
        .map(|(name, what)| format!("{name:width$}  {what}\n"))
        .collect()
}

/// The check a failure of the live suite belongs to, from its kind, the
/// statuses the request expected and the status received.
pub fn classify(failure: &Failure, expected: &[u16], status: Option<u16>) -> &'static str {
    match failure.kind {
        FailureKind::UndocumentedStatus => STATUS_CODE_CONFORMANCE,
        FailureKind::ContentType => CONTENT_TYPE_CONFORMANCE,
        FailureKind::BodyNotJson | FailureKind::Schema => RESPONSE_SCHEMA_CONFORMANCE,
        FailureKind::Status => match status {
            Some(status) if status >= 500 => NOT_A_SERVER_ERROR,
            _ if expected == [401] => MISSING_REQUIRED_HEADER,
            _ if !expected.is_empty() && expected.iter().all(|s| *s >= 400) => {
                NEGATIVE_DATA_REJECTION
            }
            _ => POSITIVE_DATA_ACCEPTANCE,
        },
        FailureKind::Value => match failure.instance_path.as_deref() {
            Some("/revision") => REVISION,
            Some("/href" | "/ref" | "/next/href") => REF_IN_HREF,
            Some("/items") if failure.message.contains("on no page") => {
                ENSURE_RESOURCE_AVAILABILITY
            }
            _ => RESPONSE_VALUES,
        },
        FailureKind::Transport | FailureKind::Document => NOT_A_SERVER_ERROR,
    }
}

/// Names every unnamed failure of a check (see [`classify`]).
pub fn name_failures(check: &mut Check) {
    let status = check.response.as_ref().map(|r| r.status);
    let expected = check.expected_statuses.clone();
    for failure in &mut check.failures {
        if failure.check.is_none() {
            failure.check = Some(classify(failure, &expected, status).to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_include_then_exclude_and_refuse_unknown_names() {
        let only = CheckSelection::new(&["not_a_server_error".into()], &[]).unwrap();
        assert!(only.is_enabled(NOT_A_SERVER_ERROR));
        assert!(!only.is_enabled(IGNORED_AUTH));
        let most = CheckSelection::new(&["all".into()], &["ignored_auth".into()]).unwrap();
        assert!(most.is_enabled(NOT_A_SERVER_ERROR));
        assert!(!most.is_enabled(IGNORED_AUTH));
        assert_eq!(
            CheckSelection::new(&["nope".into()], &[]),
            Err(SelectionError::Unknown("nope".into()))
        );
        assert!(list().lines().count() == ALL.len());
        assert!(list().contains("positive_data_acceptance"));
    }

    #[test]
    fn failures_are_classified_by_what_was_expected() {
        let status = Failure::new(FailureKind::Status, "x");
        assert_eq!(
            classify(&status, &[201], Some(400)),
            POSITIVE_DATA_ACCEPTANCE
        );
        assert_eq!(
            classify(&status, &[400], Some(201)),
            NEGATIVE_DATA_REJECTION
        );
        assert_eq!(
            classify(&status, &[401], Some(200)),
            MISSING_REQUIRED_HEADER
        );
        assert_eq!(classify(&status, &[201], Some(500)), NOT_A_SERVER_ERROR);
        assert_eq!(
            classify(&Failure::value("/revision", "x"), &[200], Some(200)),
            REVISION
        );
    }

    #[test]
    fn deselected_failures_are_dropped() {
        let mut check = Check::new("x", None);
        let mut failure = Failure::new(FailureKind::Status, "x");
        failure.check = Some(IGNORED_AUTH.into());
        check.failures.push(failure);
        CheckSelection::new(&[], &[IGNORED_AUTH.into()])
            .unwrap()
            .apply(&mut check);
        assert!(check.failures.is_empty());
    }
}
