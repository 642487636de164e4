//! The checks of the live suite, each one unit: a name (Schemathesis' name
//! where it has one, so that its users find theirs), one line saying what
//! it verifies, which exchanges it judges, and a plain function from an
//! [`Exchange`] to its failures.
//!
//! [`REGISTRY`] is the one list: `--checks`, `--exclude-checks` and
//! `--list-checks` read it, and [`judge`] runs the selected checks that
//! apply to an exchange, naming each failure after the check that found
//! it. Nothing is named or renamed after the fact.
//!
//! Two checks also judge sequences of exchanges, which the phase that owns
//! the sequence does under the check's name: `negative_data_rejection`
//! (forbidden requests wrote nothing: the list's total and the revision
//! are read before and after them) and `ensure_resource_availability` (a
//! created connection is on a page of the list); `ref_in_href` also
//! follows the list's paging links.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::{
    contract::{Contract, is_json_media_type, media_type_essence},
    exchange::{Credentials, Exchange, Expectation, Intent},
    payload::parse_json,
    report::{Failure, FailureKind},
};

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

/// One check.
#[derive(Clone, Copy)]
pub struct CheckUnit {
    /// Its name on the command line and in every report.
    pub name: &'static str,
    /// What it verifies, in one line.
    pub description: &'static str,
    /// Whether it judges an exchange.
    pub applies: fn(&Exchange<'_>) -> bool,
    /// Its failures on an exchange it applies to (named by [`judge`]).
    pub run: fn(&Exchange<'_>) -> Vec<Failure>,
}

impl std::fmt::Debug for CheckUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckUnit")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Every check, in the order they judge an exchange.
pub const REGISTRY: &[CheckUnit] = &[
    CheckUnit {
        name: NOT_A_SERVER_ERROR,
        description: "no response is a 5xx, whatever was sent, and every request gets an answer",
        applies: every,
        run: not_a_server_error,
    },
    CheckUnit {
        name: STATUS_CODE_CONFORMANCE,
        description: "the status is documented for the operation",
        applies: documented_operation,
        run: status_code_conformance,
    },
    CheckUnit {
        name: CONTENT_TYPE_CONFORMANCE,
        description: "the Content-Type is a documented media type of that status",
        applies: documented_operation,
        run: content_type_conformance,
    },
    CheckUnit {
        name: RESPONSE_HEADERS_CONFORMANCE,
        description: "every required documented response header is sent",
        applies: documented_operation,
        run: response_headers_conformance,
    },
    CheckUnit {
        name: RESPONSE_SCHEMA_CONFORMANCE,
        description: "the body validates against the documented schema of that status",
        applies: documented_operation,
        run: response_schema_conformance,
    },
    CheckUnit {
        name: POSITIVE_DATA_ACCEPTANCE,
        description: "a request the document allows gets a documented 2xx (or the documented 404)",
        applies: |e| e.planned.intent == Intent::Allowed,
        run: |e| expected_status(e, POSITIVE_DATA_ACCEPTANCE),
    },
    CheckUnit {
        name: NEGATIVE_DATA_REJECTION,
        description: "a request the document forbids gets a documented 4xx and writes nothing",
        applies: |e| e.planned.intent == Intent::Forbidden,
        run: |e| expected_status(e, NEGATIVE_DATA_REJECTION),
    },
    CheckUnit {
        name: MISSING_REQUIRED_HEADER,
        description: "a request without Authorization gets 401",
        applies: |e| e.planned.intent == Intent::NoToken,
        run: |e| expected_status(e, MISSING_REQUIRED_HEADER),
    },
    CheckUnit {
        name: IGNORED_AUTH,
        description: "a token the server never issued gets 401; the run's own token does not",
        applies: |e| e.planned.intent == Intent::WrongToken || refuses_the_runs_token(e),
        run: ignored_auth,
    },
    CheckUnit {
        name: UNSUPPORTED_METHOD,
        description: "a method the document does not give for a path gets 405 with Allow",
        applies: |e| matches!(e.planned.intent, Intent::UndocumentedMethod { .. }),
        run: unsupported_method,
    },
    CheckUnit {
        name: ENSURE_RESOURCE_AVAILABILITY,
        description: "a created resource is retrievable at once and listed",
        applies: |e| e.planned.intent == Intent::JustCreated,
        run: ensure_resource_availability,
    },
    CheckUnit {
        name: RESPONSE_VALUES,
        description: "what was sent comes back (name, systemType, request, authType); an error \
                      body's status is the response's",
        applies: documented_operation,
        run: response_values,
    },
    CheckUnit {
        name: REVISION,
        description: "a new resource has revision 1; each update adds exactly one",
        applies: |e| {
            e.planned.expectations.iter().any(|x| {
                matches!(
                    x,
                    Expectation::FirstRevision | Expectation::NextRevision { .. }
                )
            })
        },
        run: revision,
    },
    CheckUnit {
        name: REF_IN_HREF,
        description: "href ends with the resource's ref; paging links stay on the server and end",
        applies: |e| e.planned.expectations.contains(&Expectation::Reference),
        run: ref_in_href,
    },
];

/// The unit of a check name.
pub fn unit(name: &str) -> Option<&'static CheckUnit> {
    REGISTRY.iter().find(|unit| unit.name == name)
}

/// What the checks made of an exchange.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Judgement {
    /// Every failure, each naming its check.
    pub failures: Vec<Failure>,
    /// The selected checks that applied, in registry order.
    pub judged: Vec<&'static str>,
    /// The checks that would have applied but were not selected.
    pub deselected: Vec<&'static str>,
}

/// Runs the selected checks that apply to `exchange`; each failure names
/// its check.
pub fn judge(selection: &CheckSelection, exchange: &Exchange<'_>) -> Judgement {
    let mut judgement = Judgement::default();
    for unit in REGISTRY {
        if !(unit.applies)(exchange) {
            continue;
        }
        if !selection.is_enabled(unit.name) {
            judgement.deselected.push(unit.name);
            continue;
        }
        judgement.judged.push(unit.name);
        judgement
            .failures
            .extend((unit.run)(exchange).into_iter().map(|mut failure| {
                failure.check = Some(unit.name.to_string());
                failure
            }));
    }
    judgement
}

// ----- what the checks apply to -------------------------------------------

fn every(_: &Exchange<'_>) -> bool {
    true
}

/// Every exchange of an operation the document gives (not an undocumented
/// method, which has no documented answer).
fn documented_operation(exchange: &Exchange<'_>) -> bool {
    !matches!(exchange.planned.intent, Intent::UndocumentedMethod { .. })
}

// ----- the checks ------------------------------------------------------------

fn not_a_server_error(exchange: &Exchange<'_>) -> Vec<Failure> {
    let status = exchange.received.status;
    if status < 500 {
        return Vec::new();
    }
    let planned = exchange.planned;
    let message = match &planned.label {
        Some(label) => format!(
            "{} answered {status}, a server error, to ({label})",
            planned.operation
        ),
        None => format!(
            "{} answered {status}, a server error; expected {}",
            planned.operation,
            statuses(&planned.expected)
        ),
    };
    vec![Failure::new(FailureKind::Status, message)]
}

fn status_code_conformance(exchange: &Exchange<'_>) -> Vec<Failure> {
    let status = exchange.received.status;
    match exchange.contract.operation(&exchange.planned.operation) {
        Err(error) => vec![Failure::new(FailureKind::Document, error.to_string())],
        Ok(operation) if operation.response(status).is_none() => vec![Failure::new(
            FailureKind::UndocumentedStatus,
            format!(
                "status {status} is not documented for {} (documented: {})",
                operation.id,
                operation.documented_statuses()
            ),
        )],
        Ok(_) => Vec::new(),
    }
}

fn content_type_conformance(exchange: &Exchange<'_>) -> Vec<Failure> {
    let status = exchange.received.status;
    let Ok(operation) = exchange.contract.operation(&exchange.planned.operation) else {
        return Vec::new();
    };
    let Some(response) = operation.response(status) else {
        return Vec::new();
    };
    if response.content.is_empty() {
        return Vec::new();
    }
    let documented: Vec<&str> = response.content.iter().map(|m| m.name.as_str()).collect();
    let message = match exchange.received.content_type.as_deref() {
        Some(content_type) if response.media_type(content_type).is_some() => return Vec::new(),
        Some(content_type) => format!(
            "{} {status} has Content-Type `{}`; the document gives {}",
            operation.id,
            media_type_essence(content_type),
            documented.join(", ")
        ),
        None => format!(
            "{} {status} has no Content-Type; the document gives {}",
            operation.id,
            documented.join(", ")
        ),
    };
    vec![Failure::new(FailureKind::ContentType, message)]
}

/// Each header the document marks `required` for the status is sent.
fn response_headers_conformance(exchange: &Exchange<'_>) -> Vec<Failure> {
    let status = exchange.received.status;
    let contract: &Contract = exchange.contract;
    let Ok(operation) = contract.operation(&exchange.planned.operation) else {
        return Vec::new();
    };
    let Some(response) = operation.response(status) else {
        return Vec::new();
    };
    let document = contract.document();
    let documented = document
        .pointer(&response.pointer)
        .and_then(|r| r.get("headers"))
        .and_then(Value::as_object);
    let mut failures = Vec::new();
    for (name, header) in documented.into_iter().flatten() {
        let header = crate::contract::resolve_ref(document, header);
        let required = header.get("required").and_then(Value::as_bool) == Some(true);
        if required && exchange.received.header(name).is_none() {
            let escaped = name.replace('~', "~0").replace('/', "~1");
            failures.push(Failure {
                keyword: Some("required".to_string()),
                keyword_location: Some(format!("#{}/headers/{escaped}", response.pointer)),
                ..Failure::new(
                    FailureKind::Value,
                    format!(
                        "{} {status} has no `{name}` header; the document requires it",
                        operation.id
                    ),
                )
            });
        }
    }
    failures
}

/// The body against the schema of the matching media type, or (wrong
/// `Content-Type`) of the documented JSON one, to say what else is wrong.
fn response_schema_conformance(exchange: &Exchange<'_>) -> Vec<Failure> {
    let status = exchange.received.status;
    let Ok(operation) = exchange.contract.operation(&exchange.planned.operation) else {
        return Vec::new();
    };
    let Some(response) = operation.response(status) else {
        return Vec::new();
    };
    let media = exchange
        .received
        .content_type
        .as_deref()
        .and_then(|content_type| response.media_type(content_type))
        .or_else(|| {
            response
                .content
                .iter()
                .find(|m| is_json_media_type(&m.name))
        });
    let Some(media) = media.filter(|m| is_json_media_type(&m.name)) else {
        return Vec::new();
    };
    match exchange.body {
        Some(body) => Contract::validate_media(media, body)
            .iter()
            .map(Failure::schema)
            .collect(),
        None => {
            let error = parse_json(&exchange.received.text)
                .err()
                .map_or_else(|| "not JSON".to_string(), |e| e.to_string());
            vec![Failure::new(
                FailureKind::BodyNotJson,
                format!("the {status} body of {} is {error}", operation.id),
            )]
        }
    }
}

/// Whether the status is a server error or one the document does not
/// give for the operation: those are `not_a_server_error`'s and
/// `status_code_conformance`'s alone, so that the check of what the request
/// meant to show does not name the same fault again.
fn named_elsewhere(exchange: &Exchange<'_>) -> bool {
    let status = exchange.received.status;
    status >= 500
        || refuses_the_runs_token(exchange)
        || exchange
            .contract
            .operation(&exchange.planned.operation)
            .is_ok_and(|operation| operation.response(status).is_none())
}

/// Whether the server answered 401 to the run's own token (renewed once
/// first when it comes from client credentials): `ignored_auth`'s, never a
/// refused or accepted body.
fn refuses_the_runs_token(exchange: &Exchange<'_>) -> bool {
    exchange.received.status == 401
        && exchange.planned.credentials == Credentials::Token
        && !exchange.status_expected()
        && documented_operation(exchange)
}

fn ignored_auth(exchange: &Exchange<'_>) -> Vec<Failure> {
    if exchange.planned.intent == Intent::WrongToken {
        return expected_status(exchange, IGNORED_AUTH);
    }
    vec![Failure::new(
        FailureKind::Status,
        format!(
            "{} answered 401 to the run's own token (a fresh one, with client credentials)",
            exchange.planned.operation
        ),
    )]
}

/// The status is one of the expected ones (see [`named_elsewhere`]): the
/// message says what the request meant to show.
fn expected_status(exchange: &Exchange<'_>, check: &str) -> Vec<Failure> {
    let status = exchange.received.status;
    if exchange.status_expected() || named_elsewhere(exchange) {
        return Vec::new();
    }
    let planned = exchange.planned;
    let operation = &planned.operation;
    let message = match (&planned.label, check) {
        (Some(label), POSITIVE_DATA_ACCEPTANCE) => {
            format!("{operation} refused a request the document allows ({label}) with {status}")
        }
        (Some(label), NEGATIVE_DATA_REJECTION) => {
            format!("{operation} accepted a request the document forbids ({label}) with {status}")
        }
        _ => format!(
            "{operation} answered {status}; expected {}",
            statuses(&planned.expected)
        ),
    };
    vec![Failure::new(FailureKind::Status, message)]
}

/// 405 with an `Allow` header naming the documented methods, wherever the
/// server answers 405. What a real edge answers instead is not a fault
/// (see the README's tolerances): a CORS preflight's 2xx to `OPTIONS`,
/// 401 or 403 from a gateway that authenticates before it routes (the
/// path's operations declare security), 404 for a reference the suite
/// made up; 429 is throttling (the transport waits and sends again); a 5xx
/// is `not_a_server_error`'s.
fn unsupported_method(exchange: &Exchange<'_>) -> Vec<Failure> {
    let Intent::UndocumentedMethod {
        path,
        documented,
        secured,
        made_up_reference,
    } = &exchange.planned.intent
    else {
        return Vec::new();
    };
    let method = &exchange.planned.method;
    let status = exchange.received.status;
    let allow = exchange.received.header("allow");
    let tolerated = match status {
        200..=299 => *method == reqwest::Method::OPTIONS,
        401 | 403 => *secured,
        404 => *made_up_reference,
        429 => true,
        500..=599 => true,
        _ => false,
    };
    let mut failures = Vec::new();
    match (status, allow) {
        (405, Some(_)) => {}
        (405, None) => failures.push(Failure::new(
            FailureKind::Status,
            format!("{method} {path} answered 405 without an `Allow` header"),
        )),
        _ if tolerated => return failures,
        (status, _) => failures.push(Failure::new(
            FailureKind::Status,
            format!("{method} {path} is not in the document and answered {status}, not 405"),
        )),
    }
    if let Some(allow) = allow {
        let allowed: BTreeSet<String> = allow
            .split(',')
            .map(|m| m.trim().to_ascii_uppercase())
            .collect();
        let missing: Vec<&String> = documented
            .iter()
            .filter(|m| !allowed.contains(*m))
            .collect();
        if !missing.is_empty() {
            failures.push(Failure::new(
                FailureKind::Value,
                format!("`Allow: {allow}` of {path} leaves out the documented {missing:?}"),
            ));
        }
    }
    failures
}

fn ensure_resource_availability(exchange: &Exchange<'_>) -> Vec<Failure> {
    let status = exchange.received.status;
    if exchange.status_expected() || named_elsewhere(exchange) {
        return Vec::new();
    }
    let reference = exchange
        .planned
        .url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .unwrap_or_default();
    vec![Failure::new(
        FailureKind::Status,
        format!("the connection {reference} was created but retrieving it answered {status}"),
    )]
}

/// The value expectations of an answer with an expected status and a
/// JSON body, and an error body's `status`.
fn response_values(exchange: &Exchange<'_>) -> Vec<Failure> {
    let Some(body) = exchange.body else {
        return Vec::new();
    };
    let status = exchange.received.status;
    let mut failures = Vec::new();
    if status >= 400
        && let Some(said) = body.get("status").and_then(Value::as_u64)
        && said != u64::from(status)
    {
        failures.push(Failure::value(
            "/status",
            format!("the error body says status {said}, the response is {status}"),
        ));
    }
    if !exchange.status_expected() {
        return failures;
    }
    for expectation in &exchange.planned.expectations {
        match expectation {
            Expectation::Echo { sent } => {
                for pointer in [
                    "/name",
                    "/systemType",
                    "/request/requestType",
                    "/request/connectionUrl",
                    "/auth/authType",
                ] {
                    if let Some(expected) = sent.pointer(pointer) {
                        expect_value(body, pointer, expected, &mut failures);
                    }
                }
            }
            Expectation::Members { members } => {
                for (pointer, expected) in members {
                    expect_value(body, pointer, expected, &mut failures);
                }
            }
            Expectation::ListPage { asked } => {
                let count = body
                    .get("items")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len) as u64;
                if let Some(limit) = body.get("limit").and_then(Value::as_u64)
                    && count > limit
                {
                    failures.push(Failure::value(
                        "/items",
                        format!("{count} items on a page whose limit is {limit}"),
                    ));
                }
                if let Some(asked) = asked
                    && count > *asked
                {
                    failures.push(Failure::value(
                        "/items",
                        format!("{count} items on a page asked for with limit={asked}"),
                    ));
                }
            }
            Expectation::TestedMethod { request_type } => {
                if let Some(method) = body.pointer("/request/method")
                    && !method.is_null()
                    && !request_type.is_null()
                    && method != request_type
                {
                    failures.push(Failure::value(
                        "/request/method",
                        format!(
                            "the test sent {method}; the connection's requestType is {request_type}"
                        ),
                    ));
                }
            }
            Expectation::Reference
            | Expectation::FirstRevision
            | Expectation::NextRevision { .. } => {}
        }
    }
    failures
}

fn revision(exchange: &Exchange<'_>) -> Vec<Failure> {
    let Some(body) = exchange.body.filter(|_| exchange.status_expected()) else {
        return Vec::new();
    };
    let revision = body.get("revision");
    let mut failures = Vec::new();
    for expectation in &exchange.planned.expectations {
        match (expectation, revision) {
            (Expectation::FirstRevision, Some(revision)) if revision != &json!(1) => {
                failures.push(Failure::value(
                    "/revision",
                    format!("a new connection has revision 1, not {revision}"),
                ));
            }
            (Expectation::NextRevision { before }, Some(after))
                if after.as_u64() != Some(before + 1) =>
            {
                failures.push(Failure::value(
                    "/revision",
                    format!(
                        "revision was {before} before the update and is {after} after it; \
                         every update adds exactly one"
                    ),
                ));
            }
            (Expectation::NextRevision { .. }, None) => failures.push(Failure::value(
                "/revision",
                "revision was sent before the update and is missing after it",
            )),
            _ => {}
        }
    }
    failures
}

/// `ref` is a non-empty string and `href` ends with it.
fn ref_in_href(exchange: &Exchange<'_>) -> Vec<Failure> {
    let Some(body) = exchange.body.filter(|_| exchange.status_expected()) else {
        return Vec::new();
    };
    let reference = body.get("ref").and_then(Value::as_str).unwrap_or_default();
    if reference.is_empty() {
        return vec![Failure::value("/ref", "ref is missing or empty")];
    }
    let Some(href) = body.get("href").and_then(Value::as_str) else {
        return Vec::new();
    };
    let path = href.split(['?', '#']).next().unwrap_or_default();
    if path
        .trim_end_matches('/')
        .ends_with(&format!("/{reference}"))
    {
        return Vec::new();
    }
    vec![Failure::value(
        "/href",
        format!("href `{href}` does not end with the connection's ref `{reference}`"),
    )]
}

fn expect_value(body: &Value, pointer: &str, expected: &Value, failures: &mut Vec<Failure>) {
    match body.pointer(pointer) {
        Some(actual) if actual == expected => {}
        Some(actual) => failures.push(Failure::value(
            pointer,
            format!("expected {expected}, got {actual}"),
        )),
        None => failures.push(Failure::value(
            pointer,
            format!("expected {expected}, but the member is missing"),
        )),
    }
}

fn statuses(expected: &[u16]) -> String {
    let expected: Vec<String> = expected.iter().map(u16::to_string).collect();
    expected.join(" or ")
}

// ----- selection -----------------------------------------------------------

/// Why a selection of checks is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// A name that is not a check.
    #[error("unknown check `{0}`; the checks are {names} (--list-checks says what each verifies)", names = names().join(", "))]
    Unknown(String),
}

/// Every check's name, in registry order.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|unit| unit.name).collect()
}

/// Which checks run.
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
            enabled: names().into_iter().collect(),
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

    /// Whether the check `name` runs.
    pub fn is_enabled(&self, name: &str) -> bool {
        self.enabled.contains(name)
    }
}

fn known(name: &str) -> Result<&'static str, SelectionError> {
    unit(name)
        .map(|unit| unit.name)
        .ok_or_else(|| SelectionError::Unknown(name.to_string()))
}

/// `--list-checks`: one line per check.
pub fn list() -> String {
    let width = REGISTRY.iter().map(|u| u.name.len()).max().unwrap_or(0);
    REGISTRY
        .iter()
        .map(|unit| format!("{:width$}  {}\n", unit.name, unit.description))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use reqwest::Method;
    use url::Url;

    use super::*;
    use crate::exchange::{Planned, Received};

    static CONTRACT: LazyLock<Contract> =
        LazyLock::new(|| Contract::from_json(crate::COMMITTED_DOCUMENT).unwrap());

    fn connection() -> Value {
        json!({
            "ref": "c1",
            "href": "http://127.0.0.1:9/v2/connections/c1",
            "name": "conformance-1",
            "systemType": "DESTINATION",
            "revision": 1,
        })
    }

    /// A planned request of `operation` with its expected statuses.
    fn planned(operation: &str, method: Method, path: &str, expected: &[u16]) -> Planned {
        Planned::new(
            "hand-made",
            operation,
            method,
            Url::parse(&format!("http://127.0.0.1:9{path}")).unwrap(),
            expected,
        )
    }

    fn received(status: u16, content_type: Option<&str>, body: &Value) -> Received {
        Received {
            status,
            content_type: content_type.map(str::to_string),
            headers: content_type
                .map(|c| vec![("content-type".to_string(), c.to_string())])
                .unwrap_or_default(),
            text: body.to_string(),
        }
    }

    /// The failures of exactly `check` (run through [`judge`] with that
    /// check alone selected).
    fn failures(check: &str, planned: &Planned, received: &Received) -> Vec<Failure> {
        let body = Exchange::parse(received);
        let exchange = Exchange {
            contract: &CONTRACT,
            planned,
            received,
            body: body.as_ref(),
        };
        let selection = CheckSelection::new(&[check.to_string()], &[]).unwrap();
        let found = judge(&selection, &exchange).failures;
        assert!(found.iter().all(|f| f.check.as_deref() == Some(check)));
        found
    }

    fn error(status: u16) -> Value {
        json!({"status": status, "code": "X", "message": "x"})
    }

    const JSON: Option<&str> = Some("application/json");

    fn retrieve(expected: &[u16]) -> Planned {
        planned(
            "retrieveConnection",
            Method::GET,
            "/v2/connections/c1",
            expected,
        )
    }

    #[test]
    fn not_a_server_error_fails_on_5xx_only() {
        let planned = retrieve(&[200]);
        assert_eq!(
            failures(
                NOT_A_SERVER_ERROR,
                &planned,
                &received(500, JSON, &error(500))
            )[0]
            .message,
            "retrieveConnection answered 500, a server error; expected 200"
        );
        assert!(
            failures(
                NOT_A_SERVER_ERROR,
                &planned,
                &received(404, JSON, &error(404))
            )
            .is_empty()
        );
    }

    #[test]
    fn status_code_conformance_fails_on_an_undocumented_status() {
        let planned = retrieve(&[200]);
        let found = failures(
            STATUS_CODE_CONFORMANCE,
            &planned,
            &received(418, JSON, &error(418)),
        );
        assert_eq!(found[0].kind, FailureKind::UndocumentedStatus);
        assert!(found[0].message.contains("status 418 is not documented"));
        assert!(
            failures(
                STATUS_CODE_CONFORMANCE,
                &planned,
                &received(404, JSON, &error(404))
            )
            .is_empty()
        );
    }

    #[test]
    fn content_type_conformance_fails_on_an_undocumented_media_type() {
        let planned = retrieve(&[200]);
        let found = failures(
            CONTENT_TYPE_CONFORMANCE,
            &planned,
            &received(200, Some("text/plain"), &connection()),
        );
        assert!(found[0].message.contains("`text/plain`"), "{found:?}");
        assert!(
            failures(
                CONTENT_TYPE_CONFORMANCE,
                &planned,
                &received(200, None, &connection())
            )[0]
            .message
            .contains("no Content-Type")
        );
        assert!(
            failures(
                CONTENT_TYPE_CONFORMANCE,
                &planned,
                &received(200, Some("application/json; charset=utf-8"), &connection())
            )
            .is_empty()
        );
    }

    #[test]
    fn response_headers_conformance_fails_without_a_required_header() {
        // The committed document requires no response header: a document
        // that does.
        let contract = Contract::from_value(json!({
            "openapi": "3.1.0",
            "info": {"title": "headers", "version": "1"},
            "paths": {"/v2/connections": {"get": {
                "operationId": "retrieveConnections",
                "responses": {"200": {
                    "description": "the list",
                    "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {"type": "object"}}}
                }}
            }}},
            "components": {"schemas": {"Page": {"type": "object"}}}
        }))
        .unwrap();
        let planned = planned(
            "retrieveConnections",
            Method::GET,
            "/v2/connections",
            &[200],
        );
        let mut answer = received(200, JSON, &json!({}));
        let selection = CheckSelection::new(&[RESPONSE_HEADERS_CONFORMANCE.into()], &[]).unwrap();
        let judged = |answer: &Received| {
            let body = Exchange::parse(answer);
            judge(
                &selection,
                &Exchange {
                    contract: &contract,
                    planned: &planned,
                    received: answer,
                    body: body.as_ref(),
                },
            )
            .failures
        };
        let found = judged(&answer);
        assert_eq!(
            found[0].message,
            "retrieveConnections 200 has no `X-Request-Id` header; the document requires it"
        );
        answer.headers.push(("x-request-id".into(), "r-1".into()));
        assert!(judged(&answer).is_empty());
    }

    #[test]
    fn response_schema_conformance_fails_on_a_wrong_type_or_a_body_that_is_not_json() {
        let planned = retrieve(&[200]);
        let mut wrong = connection();
        wrong["name"] = json!(12);
        let found = failures(
            RESPONSE_SCHEMA_CONFORMANCE,
            &planned,
            &received(200, JSON, &wrong),
        );
        assert!(
            found
                .iter()
                .any(|f| f.instance_path.as_deref() == Some("/name")),
            "{found:?}"
        );
        let mut not_json = received(200, JSON, &json!(null));
        not_json.text = "<html>".into();
        assert_eq!(
            failures(RESPONSE_SCHEMA_CONFORMANCE, &planned, &not_json)[0].kind,
            FailureKind::BodyNotJson
        );
        assert!(
            failures(
                RESPONSE_SCHEMA_CONFORMANCE,
                &planned,
                &received(404, JSON, &error(404))
            )
            .is_empty()
        );
    }

    #[test]
    fn positive_data_acceptance_fails_when_an_allowed_request_is_refused() {
        let mut planned = planned("createConnection", Method::POST, "/v2/connections", &[201]);
        planned.label = Some("/name is 200 characters".into());
        assert_eq!(
            failures(
                POSITIVE_DATA_ACCEPTANCE,
                &planned,
                &received(400, JSON, &error(400))
            )[0]
            .message,
            "createConnection refused a request the document allows (/name is 200 characters) \
             with 400"
        );
        assert!(
            failures(
                POSITIVE_DATA_ACCEPTANCE,
                &planned,
                &received(201, JSON, &connection())
            )
            .is_empty()
        );
        // An undocumented status is status_code_conformance's alone, a 5xx
        // not_a_server_error's.
        assert!(
            failures(
                POSITIVE_DATA_ACCEPTANCE,
                &planned,
                &received(202, JSON, &connection())
            )
            .is_empty()
        );
        assert!(
            failures(
                POSITIVE_DATA_ACCEPTANCE,
                &planned,
                &received(500, JSON, &error(500))
            )
            .is_empty()
        );
    }

    #[test]
    fn negative_data_rejection_fails_when_a_forbidden_request_is_accepted() {
        let mut planned = planned("createConnection", Method::POST, "/v2/connections", &[400]);
        planned.intent = Intent::Forbidden;
        planned.label = Some("/name is a number".into());
        assert!(
            failures(
                NEGATIVE_DATA_REJECTION,
                &planned,
                &received(201, JSON, &connection())
            )[0]
            .message
            .contains("accepted a request the document forbids (/name is a number) with 201")
        );
        assert!(
            failures(
                NEGATIVE_DATA_REJECTION,
                &planned,
                &received(400, JSON, &error(400))
            )
            .is_empty()
        );
        // Not its intent: not its exchange.
        planned.intent = Intent::Allowed;
        assert!(
            failures(
                NEGATIVE_DATA_REJECTION,
                &planned,
                &received(201, JSON, &connection())
            )
            .is_empty()
        );
    }

    #[test]
    fn missing_required_header_and_ignored_auth_fail_when_the_server_lets_the_request_in() {
        for (check, intent, credentials) in [
            (
                MISSING_REQUIRED_HEADER,
                Intent::NoToken,
                Credentials::Missing,
            ),
            (
                IGNORED_AUTH,
                Intent::WrongToken,
                Credentials::Wrong("wrong".into()),
            ),
        ] {
            let mut planned = planned(
                "retrieveConnections",
                Method::GET,
                "/v2/connections",
                &[401],
            );
            planned.intent = intent;
            planned.credentials = credentials;
            let found = failures(check, &planned, &received(200, JSON, &json!({"items": []})));
            assert_eq!(
                found[0].message, "retrieveConnections answered 200; expected 401",
                "{check}"
            );
            assert!(failures(check, &planned, &received(401, JSON, &error(401))).is_empty());
        }
    }

    #[test]
    fn a_401_to_the_runs_own_token_is_ignored_auth_not_a_refused_body() {
        let planned = planned("createConnection", Method::POST, "/v2/connections", &[201]);
        let refused = received(401, JSON, &error(401));
        assert_eq!(
            failures(IGNORED_AUTH, &planned, &refused)[0].message,
            "createConnection answered 401 to the run's own token (a fresh one, with client \
             credentials)"
        );
        assert!(failures(POSITIVE_DATA_ACCEPTANCE, &planned, &refused).is_empty());
        // Expected 401s (a missing token) are not this.
        let mut missing = planned.clone();
        missing.credentials = Credentials::Missing;
        missing.intent = Intent::NoToken;
        missing.expected = vec![401];
        assert!(failures(IGNORED_AUTH, &missing, &refused).is_empty());
    }

    #[test]
    fn unsupported_method_wants_405_with_an_allow_naming_the_documented_methods() {
        let mut planned = planned(
            "retrieveConnections",
            Method::DELETE,
            "/v2/connections",
            &[405],
        );
        planned.intent = Intent::UndocumentedMethod {
            path: "/v2/connections".into(),
            documented: vec!["GET".into(), "POST".into()],
            secured: true,
            made_up_reference: false,
        };
        let mut answer = received(204, None, &json!(null));
        answer.text.clear();
        assert!(
            failures(UNSUPPORTED_METHOD, &planned, &answer)[0]
                .message
                .contains("answered 204, not 405")
        );
        answer.status = 405;
        assert!(
            failures(UNSUPPORTED_METHOD, &planned, &answer)[0]
                .message
                .contains("without an `Allow` header")
        );
        answer.headers.push(("Allow".into(), "GET".into()));
        assert!(
            failures(UNSUPPORTED_METHOD, &planned, &answer)[0]
                .message
                .contains("leaves out the documented [\"POST\"]")
        );
        answer.headers[0].1 = "GET, POST".into();
        assert!(failures(UNSUPPORTED_METHOD, &planned, &answer).is_empty());
        // The generic checks do not judge an undocumented method.
        let body = Exchange::parse(&answer);
        let exchange = Exchange {
            contract: &CONTRACT,
            planned: &planned,
            received: &answer,
            body: body.as_ref(),
        };
        let everything = judge(&CheckSelection::all(), &exchange);
        assert!(everything.failures.is_empty(), "{everything:?}");
        assert_eq!(everything.judged, [NOT_A_SERVER_ERROR, UNSUPPORTED_METHOD]);
    }

    #[test]
    fn ensure_resource_availability_fails_when_a_created_resource_is_not_there() {
        let mut planned = retrieve(&[200]);
        planned.intent = Intent::JustCreated;
        assert_eq!(
            failures(
                ENSURE_RESOURCE_AVAILABILITY,
                &planned,
                &received(404, JSON, &error(404))
            )[0]
            .message,
            "the connection c1 was created but retrieving it answered 404"
        );
        assert!(
            failures(
                ENSURE_RESOURCE_AVAILABILITY,
                &planned,
                &received(200, JSON, &connection())
            )
            .is_empty()
        );
    }

    #[test]
    fn response_values_fail_when_what_was_sent_does_not_come_back() {
        let mut planned = retrieve(&[200]);
        planned.expectations = vec![
            Expectation::Echo {
                sent: json!({"name": "conformance-1", "systemType": "DATA_SYSTEM"}),
            },
            Expectation::Members {
                members: [("/ref".to_string(), json!("c1"))].into(),
            },
        ];
        let found = failures(
            RESPONSE_VALUES,
            &planned,
            &received(200, JSON, &connection()),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].instance_path.as_deref(), Some("/systemType"));
        let mut echoed = connection();
        echoed["systemType"] = json!("DATA_SYSTEM");
        assert!(failures(RESPONSE_VALUES, &planned, &received(200, JSON, &echoed)).is_empty());
        // An error body's status must be the response's.
        let found = failures(RESPONSE_VALUES, &planned, &received(404, JSON, &error(400)));
        assert_eq!(found[0].instance_path.as_deref(), Some("/status"));
    }

    #[test]
    fn revision_fails_when_an_update_does_not_add_exactly_one() {
        let mut planned = retrieve(&[200]);
        planned.expectations = vec![Expectation::NextRevision { before: 1 }];
        let found = failures(REVISION, &planned, &received(200, JSON, &connection()));
        assert!(
            found[0]
                .message
                .contains("revision was 1 before the update and is 1")
        );
        let mut updated = connection();
        updated["revision"] = json!(2);
        assert!(failures(REVISION, &planned, &received(200, JSON, &updated)).is_empty());
        planned.expectations = vec![Expectation::FirstRevision];
        assert!(
            failures(REVISION, &planned, &received(200, JSON, &updated))[0]
                .message
                .contains("revision 1, not 2")
        );
    }

    #[test]
    fn ref_in_href_fails_when_href_does_not_end_with_ref() {
        let mut planned = retrieve(&[200]);
        planned.expectations = vec![Expectation::Reference];
        assert!(failures(REF_IN_HREF, &planned, &received(200, JSON, &connection())).is_empty());
        let mut elsewhere = connection();
        elsewhere["href"] = json!("http://127.0.0.1:9/v2/connections/xyz");
        assert_eq!(
            failures(REF_IN_HREF, &planned, &received(200, JSON, &elsewhere))[0]
                .instance_path
                .as_deref(),
            Some("/href")
        );
    }

    #[test]
    fn selections_include_then_exclude_and_refuse_unknown_names_listing_the_valid_ones() {
        let only = CheckSelection::new(&["not_a_server_error".into()], &[]).unwrap();
        assert!(only.is_enabled(NOT_A_SERVER_ERROR));
        assert!(!only.is_enabled(IGNORED_AUTH));
        let most = CheckSelection::new(&["all".into()], &["ignored_auth".into()]).unwrap();
        assert!(most.is_enabled(NOT_A_SERVER_ERROR));
        assert!(!most.is_enabled(IGNORED_AUTH));
        let error = CheckSelection::new(&["nope".into()], &[]).unwrap_err();
        assert_eq!(error, SelectionError::Unknown("nope".into()));
        for name in names() {
            assert!(error.to_string().contains(name), "{error}");
        }
        assert_eq!(list().lines().count(), REGISTRY.len());
        assert!(list().contains("positive_data_acceptance"));
        let unique: BTreeSet<&str> = names().into_iter().collect();
        assert_eq!(unique.len(), REGISTRY.len());
    }
}
