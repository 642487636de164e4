//! The phases of `conformance live` beyond the scripted scenario:
//!
//! - **examples**: every request example of the document is sent;
//! - **coverage**: per operation, the positive and negative variants of
//!   its request body, path and query parameters ([`crate::generate`]),
//!   a missing and a wrong token, malformed JSON, a wrong media type, an
//!   unknown reference, the methods the document does not give (405);
//! - **stateful**: the scenario of [`crate::scenario`] (create → retrieve →
//!   list → update → retrieve → test).
//!
//! A positive case expects a documented 2xx, a negative one a documented
//! 4xx; every response also gets the generic checks (documented status,
//! media type, headers, schema). Negative bodies must write nothing: the
//! list's `total` and the updated connection's `revision` are read before
//! and after them.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{Value, json};

pub use crate::config::{DEFAULT_FUZZ_CASES, GenerativeConfig, Phase};
use crate::{
    Contract, checks,
    contract::{Operation, is_json_media_type},
    error::LiveError,
    exchange::{Body, Credentials, Intent, Planned},
    generate::{Polarity, Variant, coverage::Coverage, rng::SeededRng},
    report::{Check, Failure, FailureKind, OperationCoverage},
    run::Runner,
    scenario::create_example,
};

/// The state the phases share.
pub(crate) struct State {
    rng: SeededRng,
    pub(crate) seed: u64,
    created: usize,
    pub(crate) reference: Option<String>,
    table: BTreeMap<String, OperationCoverage>,
    /// The fingerprints of the findings fuzzing already shrunk a case for.
    pub(crate) shrunk: BTreeSet<String>,
}

impl State {
    /// The state of a run with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: SeededRng::new(seed),
            seed,
            created: 0,
            reference: None,
            table: BTreeMap::new(),
            shrunk: BTreeSet::new(),
        }
    }

    /// The coverage table: per operation, the cases sent per phase and the
    /// documented statuses seen and not seen among `checks`.
    pub(crate) fn coverage_table(
        mut self,
        contract: &Contract,
        checks: &[Check],
    ) -> Vec<OperationCoverage> {
        for operation in contract.operations() {
            let seen: BTreeSet<u16> = checks
                .iter()
                .filter(|c| c.operation_id.as_deref() == Some(&operation.id))
                .filter_map(|c| c.response.as_ref().map(|r| r.status))
                .collect();
            let row = self.coverage(&operation.id);
            for response in &operation.responses {
                let hit = seen.iter().any(|s| {
                    operation
                        .response(*s)
                        .is_some_and(|r| r.status == response.status)
                });
                if hit {
                    row.documented_seen.insert(response.status.clone());
                } else {
                    row.documented_not_seen.insert(response.status.clone());
                }
            }
            row.undocumented_seen = seen
                .into_iter()
                .filter(|s| operation.response(*s).is_none())
                .collect();
        }
        self.table.into_values().collect()
    }

    pub(crate) fn coverage(&mut self, operation: &str) -> &mut OperationCoverage {
        self.table
            .entry(operation.to_string())
            .or_insert_with(|| OperationCoverage {
                operation: operation.to_string(),
                ..OperationCoverage::default()
            })
    }

    /// A name for a created connection, the same for the same seed.
    pub(crate) fn name(&mut self) -> String {
        self.created += 1;
        format!(
            "conformance-{}-{}-{}",
            self.seed,
            self.created,
            self.rng.hex8()
        )
    }
}

/// The documented statuses of `operation` in a class (2 → 2xx), as codes.
pub(crate) fn documented(operation: &Operation, class: u16) -> Vec<u16> {
    operation
        .responses
        .iter()
        .filter_map(|r| r.status.parse::<u16>().ok())
        .filter(|s| s / 100 == class)
        .collect()
}

/// The 4xx a forbidden request may get: documented, not about auth or
/// existence.
pub(crate) fn rejections(operation: &Operation) -> Vec<u16> {
    documented(operation, 4)
        .into_iter()
        .filter(|s| !matches!(s, 401 | 403 | 404))
        .collect()
}

/// Replaces the `connectionUrl` of a body (at the top or under
/// `connection`) with the probe, so that testing it calls the server
/// itself.
pub(crate) fn with_probe(runner_probe: &str, body: &mut Value) {
    for pointer in ["/request", "/connection/request"] {
        if let Some(request) = body.pointer_mut(pointer).and_then(Value::as_object_mut)
            && request.contains_key("connectionUrl")
        {
            request.insert("connectionUrl".into(), json!(runner_probe));
        }
    }
}

pub(crate) fn probe(runner: &Runner<'_>) -> String {
    runner
        .config()
        .probe_url
        .clone()
        .unwrap_or_else(|| format!("{}/v2/connections", runner.base()))
}

/// The prefix of the name of every connection a run creates: a later run
/// finds them by it (through the list) and reuses one, instead of creating
/// another, for the cases that update, retrieve and test.
pub const NAME_PREFIX: &str = "conformance-";

/// How many pages of the list are read looking for an earlier run's
/// connection.
const REUSE_PAGES: usize = 10;

/// The connection that update and retrieve cases address (the state's
/// reference): one an earlier run created, else a new one.
pub(crate) async fn setup(runner: &mut Runner<'_>, state: &mut State) -> Result<(), LiveError> {
    state.reference = match earlier_connection(runner).await? {
        Some(reference) => Some(reference),
        None => create_addressed(runner, state).await?,
    };
    Ok(())
}

/// A connection an earlier run created (its name starts with
/// [`NAME_PREFIX`]), found through the list.
async fn earlier_connection(runner: &mut Runner<'_>) -> Result<Option<String>, LiveError> {
    for page in 0..REUSE_PAGES {
        let mut planned = runner.planned(
            format!(
                "coverage: look for a connection an earlier run created, page {}",
                page + 1
            ),
            "retrieveConnections",
            Method::GET,
            runner.url(&format!("/v2/connections?limit=100&offset={}", page * 100))?,
            &[200],
        );
        planned.expectations = vec![crate::exchange::Expectation::ListPage { asked: Some(100) }];
        let answer = runner.exchange(planned).await?;
        let Some(items) = answer
            .body
            .as_ref()
            .and_then(|b| b.get("items"))
            .and_then(Value::as_array)
        else {
            return Ok(None);
        };
        let found = items.iter().find_map(|item| {
            let name = item.get("name").and_then(Value::as_str)?;
            let reference = item.get("ref").and_then(Value::as_str)?;
            (name.starts_with(NAME_PREFIX) && !reference.is_empty()).then(|| reference.to_string())
        });
        if found.is_some() || items.len() < 100 {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Gives the addressed connection back a name a later run finds (the
/// update cases renamed it): one update, so that the next run reuses it
/// instead of creating another.
pub(crate) async fn leave_reusable(
    runner: &mut Runner<'_>,
    state: &mut State,
) -> Result<(), LiveError> {
    let (Some(reference), Some(mut body)) =
        (state.reference.clone(), create_example(runner.contract()))
    else {
        return Ok(());
    };
    let Ok(update) = runner.contract().operation("updateConnection") else {
        return Ok(());
    };
    body["name"] = json!(format!("{NAME_PREFIX}{}-reusable", state.seed));
    with_probe(&probe(runner), &mut body);
    let mut planned = runner.planned(
        format!("coverage: leave {reference} for the next run to reuse"),
        "updateConnection",
        Method::PUT,
        operation_url(runner, update, &reference, &[])?,
        &documented(update, 2),
    );
    planned.body = Some(Body::json(&body));
    runner.exchange(planned).await?;
    Ok(())
}

async fn create_addressed(
    runner: &mut Runner<'_>,
    state: &mut State,
) -> Result<Option<String>, LiveError> {
    let Some(mut body) = create_example(runner.contract()) else {
        return Ok(None);
    };
    body["name"] = json!(state.name());
    with_probe(&probe(runner), &mut body);
    let Ok(create) = runner.contract().operation("createConnection") else {
        return Ok(None);
    };
    let mut planned = runner.planned(
        "coverage: create the connection the cases address",
        "createConnection",
        Method::POST,
        runner.url(&create.path)?,
        &documented(create, 2),
    );
    planned.body = Some(Body::json(&body));
    let answer = runner.exchange(planned).await?;
    let reference = answer
        .body
        .as_ref()
        .and_then(|b| b.get("ref"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(reference) = &reference {
        let mut retrieve = runner.planned(
            format!("the created connection {reference} is retrievable at once"),
            "retrieveConnection",
            Method::GET,
            runner.connection_url(reference)?,
            &[200],
        );
        retrieve.intent = Intent::JustCreated;
        runner.exchange(retrieve).await?;
    }
    Ok(reference)
}

/// The URL of an operation with its path parameters filled.
pub(crate) fn operation_url(
    runner: &Runner<'_>,
    operation: &Operation,
    reference: &str,
    query: &[(String, String)],
) -> Result<url::Url, LiveError> {
    let mut path = operation.path.clone();
    for parameter in operation.parameters.iter().filter(|p| p.location == "path") {
        let encoded: String = url::form_urlencoded::byte_serialize(reference.as_bytes()).collect();
        path = path.replace(&format!("{{{}}}", parameter.name), &encoded);
    }
    let mut url = runner.url(&path)?;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url)
}

/// The request examples of an operation's JSON body.
pub(crate) fn body_examples(contract: &Contract, operation: &Operation) -> Vec<(String, Value)> {
    let document = contract.document();
    let mut out = Vec::new();
    for media in operation
        .request_body
        .iter()
        .flat_map(|b| b.content.iter())
        .filter(|m| is_json_media_type(&m.name))
    {
        let Some(object) = document.pointer(&media.pointer) else {
            continue;
        };
        if let Some(example) = object.get("example") {
            out.push(("example".to_string(), example.clone()));
        }
        for (name, example) in object
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(value) = crate::contract::resolve_ref(document, example).get("value") {
                out.push((name.clone(), value.clone()));
            }
        }
    }
    out
}

/// Whether an operation can write (anything but GET and HEAD).
pub(crate) fn writes(operation: &Operation) -> bool {
    !matches!(operation.method.as_str(), "GET" | "HEAD")
}

pub(crate) async fn examples_phase(
    runner: &mut Runner<'_>,
    state: &mut State,
) -> Result<(), LiveError> {
    let contract = runner.contract();
    for operation in contract.operations() {
        if runner.config().read_only && writes(operation) {
            continue;
        }
        let reference = state.reference.clone().unwrap_or_else(unknown_reference);
        let mut plans = Vec::new();
        for (name, mut body) in body_examples(contract, operation) {
            if body.get("name").is_some() && operation.method == "POST" {
                body["name"] = json!(state.name());
            }
            with_probe(&probe(runner), &mut body);
            let mut planned = runner.planned(
                format!("examples: the request example `{name}`"),
                &operation.id,
                Method::from_bytes(operation.method.as_bytes()).unwrap_or(Method::GET),
                operation_url(runner, operation, &reference, &[])?,
                &documented(operation, 2),
            );
            planned.body = Some(Body::json(&body));
            plans.push(planned);
        }
        *state
            .coverage(&operation.id)
            .cases
            .entry("examples".into())
            .or_default() += plans.len();
        runner.exchange_all(plans).await?;
    }
    Ok(())
}

pub(crate) fn unknown_reference() -> String {
    "conformance-unknown-reference".to_string()
}

/// One generated case, ready to send.
struct Case {
    variant: Variant,
    query: Vec<(String, String)>,
    body: Option<Value>,
}

pub(crate) async fn coverage_phase(
    runner: &mut Runner<'_>,
    state: &mut State,
) -> Result<(), LiveError> {
    let contract = runner.contract();
    for operation in contract.operations() {
        let read_only = runner.config().read_only;
        let has_path_reference = operation.parameters.iter().any(|p| p.location == "path");
        let reference = match (&state.reference, has_path_reference) {
            (Some(reference), _) => reference.clone(),
            (None, false) => String::new(),
            // Read-only, or nothing could be created: only GETs of an
            // unknown reference.
            (None, true) => unknown_reference(),
        };
        let mut cases = Vec::new();
        if !(read_only && writes(operation)) {
            cases.extend(body_cases(runner, operation, state)?);
            cases.extend(query_cases(contract, operation));
        }
        if let Some(max) = runner.config().generative.max_cases {
            cases = spread(cases, max);
        }
        let positive = documented(operation, 2);
        let negative = rejections(operation);
        let total_before = if cases
            .iter()
            .any(|c| c.variant.polarity == Polarity::Negative)
            && operation.id == "createConnection"
        {
            list_total(runner).await?
        } else {
            None
        };
        let revision_before =
            if writes(operation) && has_path_reference && state.reference.is_some() {
                revision(runner, &reference).await?
            } else {
                None
            };
        // Forbidden cases first, so that what they wrote (nothing, if the
        // server is right) is measured before allowed ones write.
        let (negatives, positives): (Vec<Case>, Vec<Case>) = cases
            .into_iter()
            .partition(|c| c.variant.polarity == Polarity::Negative);
        let negatives_sent = negatives.len();
        let plans = negatives
            .into_iter()
            .map(|case| plan_coverage_case(runner, state, operation, &reference, case, &negative))
            .collect::<Result<Vec<_>, _>>()?;
        runner.exchange_all(plans).await?;
        if negatives_sent > 0 {
            if let Some(before) = total_before {
                let after = list_total(runner).await?;
                if let Some(after) = after.filter(|after| *after != before) {
                    nothing_written_failure(
                        runner,
                        format!(
                            "the list total was {before} before {negatives_sent} forbidden \
                             {} request(s) and is {after} after them: one was written",
                            operation.id
                        ),
                    );
                }
            }
            if let Some(before) = revision_before {
                let after = revision(runner, &reference).await?;
                if let Some(after) = after.filter(|after| *after != before) {
                    nothing_written_failure(
                        runner,
                        format!(
                            "revision was {before} before {negatives_sent} forbidden {} \
                             request(s) and is {after} after them: one was written",
                            operation.id
                        ),
                    );
                }
            }
        }
        let plans = positives
            .into_iter()
            .map(|case| plan_coverage_case(runner, state, operation, &reference, case, &positive))
            .collect::<Result<Vec<_>, _>>()?;
        runner.exchange_all(plans).await?;
        common_negatives(runner, operation, &reference, state).await?;
        reference_cases(runner, operation, state).await?;
    }
    Ok(())
}

/// Path references of every shape a client may send: each is a string
/// the document allows, so each gets a documented 2xx or the documented
/// 404 (never a 5xx, never a 400).
const REFERENCE_SHAPES: [(&str, &str); 23] = [
    ("digits", "0"),
    ("a negative number", "-1"),
    ("a word", "null"),
    (
        "a UUID no one created",
        "00000000-0000-4000-8000-000000000000",
    ),
    ("upper case", "CONFORMANCE-UNKNOWN"),
    ("a space", "conformance unknown"),
    ("a percent sign", "100%"),
    ("a slash", "a/b"),
    ("a query character", "a?b=c"),
    ("a fragment character", "a#b"),
    ("non-ASCII", "connexión-日本-🦀"),
    ("quotes", "'\"`"),
    ("a placeholder", "${key}"),
    ("a boolean word", "true"),
    ("a fraction", "1.5"),
    ("a tab", "a\tb"),
    ("an encoded slash", "%2F"),
    ("a backslash", "a\\b"),
    ("an ampersand", "a&b"),
    ("a plus", "a+b"),
    ("an equals sign", "a=b"),
    ("a semicolon", "a;b"),
    ("200 characters", "r"),
];

/// Each [`REFERENCE_SHAPES`] on an operation with a path reference that
/// reads (GET), or that writes (PUT, with a valid body) when the run may
/// write.
async fn reference_cases(
    runner: &mut Runner<'_>,
    operation: &Operation,
    state: &mut State,
) -> Result<(), LiveError> {
    let has_reference = operation.parameters.iter().any(|p| p.location == "path");
    let writes = writes(operation);
    if !has_reference || (writes && runner.config().read_only) {
        return Ok(());
    }
    let body = body_cases_base(runner, operation);
    if operation.request_body.is_some() && body.is_none() {
        return Ok(());
    }
    let mut expected = documented(operation, 2);
    expected.push(404);
    let method = Method::from_bytes(operation.method.as_bytes()).unwrap_or(Method::GET);
    let max = runner.config().generative.max_cases.unwrap_or(usize::MAX);
    let mut plans = Vec::new();
    for (what, shape) in REFERENCE_SHAPES.into_iter().take(max) {
        let reference = match what {
            "200 characters" => shape.repeat(200),
            _ => shape.to_string(),
        };
        let mut planned = runner.planned(
            format!("coverage: allowed reference {reference:?} ({what})"),
            &operation.id,
            method.clone(),
            operation_url(runner, operation, &reference, &[])?,
            &expected,
        );
        planned.body = body.as_ref().map(Body::json);
        planned.label = Some(format!(
            "{{{}}} = {reference:?} ({what})",
            path_parameter(operation)
        ));
        plans.push(planned);
        *state
            .coverage(&operation.id)
            .cases
            .entry("coverage".into())
            .or_default() += 1;
    }
    runner.exchange_all(plans).await?;
    Ok(())
}

/// The name of an operation's first path parameter.
fn path_parameter(operation: &Operation) -> &str {
    operation
        .parameters
        .iter()
        .find(|p| p.location == "path")
        .map_or("reference", |p| p.name.as_str())
}

/// The request of one coverage case of `operation` (counted in the
/// coverage table).
fn plan_coverage_case(
    runner: &Runner<'_>,
    state: &mut State,
    operation: &Operation,
    reference: &str,
    case: Case,
    expected: &[u16],
) -> Result<Planned, LiveError> {
    let mut body = case.body.clone();
    if let Some(body) = &mut body
        && operation.id == "createConnection"
        && case.variant.polarity == Polarity::Positive
        && body.get("name").is_some_and(Value::is_string)
        && !case.variant.label.starts_with("/name")
    {
        body["name"] = json!(state.name());
    }
    let row = state.coverage(&operation.id);
    *row.cases.entry("coverage".into()).or_default() += 1;
    match case.variant.polarity {
        Polarity::Positive => row
            .positive_constraints
            .insert(case.variant.constraint.clone()),
        Polarity::Negative => row
            .negative_constraints
            .insert(case.variant.constraint.clone()),
    };
    let mut planned = runner.planned(
        format!(
            "coverage: {} {}",
            match case.variant.polarity {
                Polarity::Positive => "allowed",
                Polarity::Negative => "forbidden",
            },
            case.variant.label
        ),
        &operation.id,
        Method::from_bytes(operation.method.as_bytes()).unwrap_or(Method::GET),
        operation_url(runner, operation, reference, &case.query)?,
        expected,
    );
    planned.body = body.as_ref().map(Body::json);
    planned.intent = match case.variant.polarity {
        Polarity::Positive => Intent::Allowed,
        Polarity::Negative => Intent::Forbidden,
    };
    planned.label = Some(case.variant.label);
    Ok(planned)
}

/// A forbidden request wrote something: `negative_data_rejection`, judged
/// across the exchanges (the total or revision read before and after).
fn nothing_written_failure(runner: &mut Runner<'_>, message: String) {
    runner.fail_last(
        checks::NEGATIVE_DATA_REJECTION,
        Failure::new(FailureKind::Value, message),
    );
}

/// At most `max` cases, spread over the list (positives and negatives of
/// every member keep a share).
fn spread(cases: Vec<Case>, max: usize) -> Vec<Case> {
    if cases.len() <= max || max == 0 {
        return if max == 0 { Vec::new() } else { cases };
    }
    let step = cases.len() as f64 / max as f64;
    let keep: BTreeSet<usize> = (0..max).map(|i| (i as f64 * step) as usize).collect();
    cases
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, c)| c)
        .collect()
}

/// The body cases of an operation: the variants of its JSON body's schema
/// around a valid base (its first example, else a minimal instance).
fn body_cases(
    runner: &Runner<'_>,
    operation: &Operation,
    state: &mut State,
) -> Result<Vec<Case>, LiveError> {
    let Some(media) = operation
        .request_body
        .iter()
        .flat_map(|b| b.content.iter())
        .find(|m| is_json_media_type(&m.name))
    else {
        return Ok(Vec::new());
    };
    let Some(schema) = &media.schema else {
        return Ok(Vec::new());
    };
    let pointer = format!("{}/schema", media.pointer);
    let coverage = Coverage::new(runner.contract().document());
    let example = body_examples(runner.contract(), operation)
        .into_iter()
        .map(|(_, v)| v)
        .find(|v| schema.is_valid(v));
    let Some(mut base) = example.or_else(|| coverage.minimal_at(&pointer)) else {
        return Ok(Vec::new());
    };
    if base.get("name").is_some_and(Value::is_string) {
        base["name"] = json!(state.name());
    }
    with_probe(&probe(runner), &mut base);
    if !schema.is_valid(&base) {
        return Ok(Vec::new());
    }
    let variants = coverage.variants(&pointer, &base, schema);
    Ok(variants
        .into_iter()
        .map(|variant| Case {
            body: Some(variant.value.clone()),
            query: Vec::new(),
            variant,
        })
        .collect())
}

/// The query cases: each parameter's variants, the others absent.
fn query_cases(contract: &Contract, operation: &Operation) -> Vec<Case> {
    let coverage = Coverage::new(contract.document());
    let mut out = Vec::new();
    for parameter in operation
        .parameters
        .iter()
        .filter(|p| p.location == "query")
    {
        let Some(schema) = &parameter.schema else {
            continue;
        };
        let pointer = format!("{}/schema", parameter.pointer);
        let Some(base) = coverage.minimal_at(&pointer) else {
            continue;
        };
        let mut variants = coverage.variants(&pointer, &base, schema);
        variants.insert(
            0,
            Variant {
                polarity: Polarity::Positive,
                label: format!("{} = {base}", parameter.name),
                constraint: format!("#{pointer}"),
                value: base.clone(),
            },
        );
        for mut variant in variants {
            let text = match &variant.value {
                // A query string carries numbers as text: `1.0` is not an
                // integer's form there (the integer itself is sent too).
                Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                    continue;
                }
                Value::String(text) => text.clone(),
                Value::Number(_) | Value::Bool(_) => variant.value.to_string(),
                // null, arrays and objects have no single query form.
                _ => continue,
            };
            let what = variant.label.replacen("the body", "the value", 1);
            variant.label = format!("?{}={text} ({what})", parameter.name);
            out.push(Case {
                query: vec![(parameter.name.clone(), text)],
                body: None,
                variant,
            });
        }
    }
    // Two parameters together (offset with limit): each pair of one
    // parameter's values with another's where at least one is allowed; the
    // pair is forbidden when one of its values is.
    let singles: Vec<&Case> = out.iter().filter(|c| c.query.len() == 1).collect();
    let mut pairs = Vec::new();
    for (i, first) in singles.iter().enumerate() {
        for second in singles.iter().skip(i + 1) {
            let polarities = (first.variant.polarity, second.variant.polarity);
            if first.query[0].0 == second.query[0].0
                || polarities == (Polarity::Negative, Polarity::Negative)
            {
                continue;
            }
            let (polarity, constraint) = match polarities {
                (Polarity::Negative, _) => (Polarity::Negative, &first.variant.constraint),
                (_, Polarity::Negative) => (Polarity::Negative, &second.variant.constraint),
                _ => (Polarity::Positive, &first.variant.constraint),
            };
            let query = vec![first.query[0].clone(), second.query[0].clone()];
            let text: Vec<String> = query.iter().map(|(n, v)| format!("{n}={v}")).collect();
            pairs.push(Case {
                variant: Variant {
                    polarity,
                    label: format!("?{} (two parameters together)", text.join("&")),
                    constraint: constraint.clone(),
                    value: Value::Null,
                },
                query,
                body: None,
            });
        }
    }
    out.extend(pairs);
    out
}

/// The list's `total`, when the server gives one.
async fn list_total(runner: &mut Runner<'_>) -> Result<Option<u64>, LiveError> {
    let planned = runner.planned(
        "coverage: read the list total",
        "retrieveConnections",
        Method::GET,
        runner.url("/v2/connections?limit=1")?,
        &[200],
    );
    let answer = runner.exchange(planned).await?;
    Ok(answer
        .body
        .as_ref()
        .and_then(|b| b.get("total"))
        .and_then(Value::as_u64))
}

/// A connection's `revision`.
async fn revision(runner: &mut Runner<'_>, reference: &str) -> Result<Option<u64>, LiveError> {
    let planned = runner.planned(
        format!("coverage: read the revision of {reference}"),
        "retrieveConnection",
        Method::GET,
        runner.connection_url(reference)?,
        &[200],
    );
    let answer = runner.exchange(planned).await?;
    Ok(answer
        .body
        .as_ref()
        .and_then(|b| b.get("revision"))
        .and_then(Value::as_u64))
}

/// For every operation: no token, a wrong token, an unknown reference;
/// for one with a body: malformed JSON and a wrong media type.
async fn common_negatives(
    runner: &mut Runner<'_>,
    operation: &Operation,
    reference: &str,
    state: &mut State,
) -> Result<(), LiveError> {
    let read_only = runner.config().read_only;
    let method = Method::from_bytes(operation.method.as_bytes()).unwrap_or(Method::GET);
    let body = body_cases_base(runner, operation);
    let secured = operation_is_secured(runner.contract(), operation);
    let mut plans = Vec::new();
    if secured && !(read_only && writes(operation)) {
        for (credentials, intent, what) in [
            (Credentials::Missing, Intent::NoToken, "without a token"),
            (
                Credentials::Wrong(format!("conformance-wrong-token-{}", state.rng.hex8())),
                Intent::WrongToken,
                "with a wrong token",
            ),
        ] {
            let mut planned = runner.planned(
                format!("coverage: {what}"),
                &operation.id,
                method.clone(),
                operation_url(runner, operation, reference, &[])?,
                &[401],
            );
            planned.credentials = credentials;
            planned.intent = intent;
            planned.body = body.as_ref().map(Body::json);
            plans.push(planned);
        }
    }
    if operation.parameters.iter().any(|p| p.location == "path")
        && documented(operation, 4).contains(&404)
        && !(read_only && writes(operation))
    {
        let mut planned = runner.planned(
            "coverage: an unknown reference",
            &operation.id,
            method.clone(),
            operation_url(runner, operation, &unknown_reference(), &[])?,
            &[404],
        );
        planned.body = body.as_ref().map(Body::json);
        plans.push(planned);
    }
    if operation.request_body.is_some() {
        let mut malformed = runner.planned(
            "coverage: malformed JSON",
            &operation.id,
            method.clone(),
            operation_url(runner, operation, reference, &[])?,
            &rejections(operation),
        );
        malformed.body = Some(Body {
            text: r#"{"name": "conformance-malformed", "auth": {"#.to_string(),
            content_type: "application/json",
        });
        malformed.intent = Intent::Forbidden;
        plans.push(malformed);
        if !read_only && let Some(body) = &body {
            let mut media = runner.planned(
                "coverage: Content-Type text/plain",
                &operation.id,
                method.clone(),
                operation_url(runner, operation, reference, &[])?,
                &[415],
            );
            media.body = Some(Body {
                text: body.to_string(),
                content_type: "text/plain",
            });
            media.intent = Intent::Forbidden;
            plans.push(media);
        }
    }
    *state
        .coverage(&operation.id)
        .cases
        .entry("coverage".into())
        .or_default() += plans.len();
    runner.exchange_all(plans).await?;
    Ok(())
}

/// A valid body for the operation (for requests whose point is elsewhere).
fn body_cases_base(runner: &Runner<'_>, operation: &Operation) -> Option<Value> {
    let media = operation
        .request_body
        .iter()
        .flat_map(|b| b.content.iter())
        .find(|m| is_json_media_type(&m.name))?;
    let mut body = body_examples(runner.contract(), operation)
        .into_iter()
        .map(|(_, v)| v)
        .next()?;
    if let Some(schema) = &media.schema
        && !schema.is_valid(&body)
    {
        return None;
    }
    with_probe(&probe(runner), &mut body);
    Some(body)
}

/// Whether the operation (or the document) requires a security scheme.
fn operation_is_secured(contract: &Contract, operation: &Operation) -> bool {
    let document = contract.document();
    let security = document
        .pointer(&operation.pointer)
        .and_then(|o| o.get("security"))
        .or_else(|| document.get("security"))
        .and_then(Value::as_array);
    security.is_some_and(|list| {
        !list.is_empty()
            && !list
                .iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
    })
}

/// The methods tried on each path where the document does not give them
/// (HEAD goes with GET; QUERY is the safe method with a body).
const UNDOCUMENTED_METHODS: [&str; 8] = [
    "GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "TRACE", "QUERY",
];

/// Each path gets each of [`UNDOCUMENTED_METHODS`] the document does not
/// give it, and must answer 405 with an `Allow` header. Skipped in read-only runs (a server may implement the
/// method and write).
pub(crate) async fn unsupported_methods(runner: &mut Runner<'_>) -> Result<(), LiveError> {
    if runner.config().read_only {
        return Ok(());
    }
    let mut by_path: BTreeMap<String, (BTreeSet<String>, String)> = BTreeMap::new();
    for operation in runner.contract().operations() {
        let entry = by_path
            .entry(operation.path.clone())
            .or_insert_with(|| (BTreeSet::new(), operation.id.clone()));
        entry.0.insert(operation.method.clone());
    }
    let reference = unknown_reference();
    let mut undocumented = Vec::new();
    for (path, (methods, operation_id)) in by_path {
        for method in UNDOCUMENTED_METHODS {
            if !methods.contains(method) {
                undocumented.push((path.clone(), methods.clone(), operation_id.clone(), method));
            }
        }
    }
    let mut plans = Vec::new();
    for (path, methods, operation_id, method) in undocumented {
        let url = runner.url(&path.replace("{connectionRef}", &reference))?;
        let url = match url.as_str().contains('{') {
            true => continue,
            false => url,
        };
        let mut planned = Planned::new(
            format!("coverage: {method} {path} is not documented"),
            &operation_id,
            Method::from_bytes(method.as_bytes()).unwrap_or(Method::DELETE),
            url,
            &[405],
        );
        let secured = runner
            .contract()
            .operations()
            .filter(|o| o.path == path)
            .any(|o| operation_is_secured(runner.contract(), o));
        planned.intent = Intent::UndocumentedMethod {
            made_up_reference: path.contains('{'),
            path: path.clone(),
            documented: methods.into_iter().collect(),
            secured,
        };
        plans.push(planned);
    }
    runner.exchange_all(plans).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_parse_by_name() {
        assert_eq!("coverage".parse::<Phase>(), Ok(Phase::Coverage));
        assert!("fuzz".parse::<Phase>().unwrap_err().contains("stateful"));
        let config = GenerativeConfig::default();
        assert!(Phase::ALL.iter().all(|p| config.runs(*p)));
    }
}
