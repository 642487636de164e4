//! The fuzzing phase: per operation, `--max-cases` random requests drawn
//! from the document's schemas ([`crate::generate::fuzz`]), allowed and
//! defective ones in turn, from a runner seeded by the run's seed and the
//! operation's place in the document. A failing case is shrunk (each
//! smaller candidate is sent again) and the smallest one that still fails
//! the same checks is reported; passing cases are reported as they are.
//!
//! Read-only runs fuzz only operations that cannot write (GET): their
//! query parameters.

use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    contract::{CompiledSchema, Operation, is_json_media_type},
    error::LiveError,
    exchange::{Body, Intent, Planned},
    generate::fuzz::{self, Shrinking},
    phases::{
        DEFAULT_FUZZ_CASES, State, documented, operation_url, probe, rejections, unknown_reference,
        with_probe, writes,
    },
    report::{Check, excerpt},
    run::Runner,
};

/// What an operation's fuzzing draws: a JSON body, or query parameters.
enum Target<'c> {
    Body {
        schema: &'c CompiledSchema,
        valid: BoxedStrategy<Value>,
        defective: BoxedStrategy<Value>,
    },
    Query {
        parameters: Vec<(String, &'c CompiledSchema)>,
        valid: BoxedStrategy<Value>,
        defective: BoxedStrategy<Value>,
    },
}

/// One drawn request.
struct Drawn {
    body: Option<Value>,
    query: Vec<(String, String)>,
    allowed: bool,
    what: String,
}

pub(crate) async fn fuzzing_phase(
    runner: &mut Runner<'_>,
    state: &mut State,
) -> Result<(), LiveError> {
    let contract = runner.contract();
    let cases = runner
        .config()
        .generative
        .max_cases
        .unwrap_or(DEFAULT_FUZZ_CASES);
    for (stream, operation) in contract.operations().enumerate() {
        if runner.config().read_only && writes(operation) {
            continue;
        }
        let Some(target) = target(contract, operation) else {
            continue;
        };
        let reference = match (&state.reference, operation.path.contains('{')) {
            (Some(reference), _) => reference.clone(),
            (None, _) => unknown_reference(),
        };
        let mut fuzz_runner = fuzz::seeded_runner(state.seed, stream as u64);
        // Every case is drawn and planned first, in order (the same seed
        // draws the same cases), then sent together; a failing one is
        // shrunk after, in order.
        let mut drawn_cases = Vec::new();
        for index in 0..cases {
            let defective = index % 2 == 1;
            let strategy = match (&target, defective) {
                (Target::Body { valid, .. } | Target::Query { valid, .. }, false) => valid,
                (Target::Body { defective, .. } | Target::Query { defective, .. }, true) => {
                    defective
                }
            };
            let Some(tree) = fuzz::draw(strategy, &mut fuzz_runner) else {
                continue;
            };
            *state
                .coverage(&operation.id)
                .cases
                .entry("fuzzing".into())
                .or_default() += 1;
            let drawn = request(runner, state, operation, &target, tree.current());
            let planned = plan(runner, operation, &reference, index, &drawn)?;
            drawn_cases.push((index, tree, planned));
        }
        let plans: Vec<Planned> = drawn_cases.iter().map(|(_, _, p)| p.clone()).collect();
        let assessed = runner.assess_all(&plans).await?;
        for ((index, tree, planned), check) in drawn_cases.into_iter().zip(assessed) {
            let case = Case {
                operation,
                target: &target,
                reference: &reference,
                index,
            };
            settle(runner, state, &case, tree, planned, check).await?;
        }
    }
    Ok(())
}

/// Where a drawn case goes: its operation, what is drawn, the reference
/// addressed, its number.
struct Case<'a> {
    operation: &'a Operation,
    target: &'a Target<'a>,
    reference: &'a str,
    index: usize,
}

/// What to draw for an operation: its JSON body, else its query
/// parameters; `None` when it has neither.
fn target<'c>(contract: &'c crate::Contract, operation: &'c Operation) -> Option<Target<'c>> {
    let document = contract.document();
    if let Some(media) = operation
        .request_body
        .iter()
        .flat_map(|b| b.content.iter())
        .find(|m| is_json_media_type(&m.name))
    {
        let pointer = format!("{}/schema", media.pointer);
        return Some(Target::Body {
            schema: media.schema.as_ref()?,
            valid: fuzz::valid(document, &pointer)?,
            defective: fuzz::defective(document, &pointer)?,
        });
    }
    let mut parameters = Vec::new();
    let (mut valid, mut defective) = (Vec::new(), Vec::new());
    for parameter in operation
        .parameters
        .iter()
        .filter(|p| p.location == "query")
    {
        let Some(schema) = &parameter.schema else {
            continue;
        };
        let pointer = format!("{}/schema", parameter.pointer);
        let name = parameter.name.clone();
        let (Some(good), Some(bad)) = (
            fuzz::valid(document, &pointer),
            fuzz::defective(document, &pointer),
        ) else {
            continue;
        };
        let named = |strategy: BoxedStrategy<Value>, name: String| {
            proptest::option::of(strategy.prop_map(move |v| (name.clone(), v))).boxed()
        };
        valid.push(named(good.clone(), name.clone()));
        // One defective parameter among allowed ones.
        defective.push(named(
            proptest::prop_oneof![good, bad].boxed(),
            name.clone(),
        ));
        parameters.push((name, schema));
    }
    if parameters.is_empty() {
        return None;
    }
    let object = |list: Vec<BoxedStrategy<Option<(String, Value)>>>| {
        list.prop_map(|members| {
            Value::Object(
                members
                    .into_iter()
                    .flatten()
                    .collect::<serde_json::Map<_, _>>(),
            )
        })
        .boxed()
    };
    Some(Target::Query {
        parameters,
        valid: object(valid),
        defective: object(defective),
    })
}

/// The request for a drawn value, and whether the document allows it.
fn request(
    runner: &Runner<'_>,
    state: &mut State,
    operation: &Operation,
    target: &Target<'_>,
    value: Value,
) -> Drawn {
    match target {
        Target::Body { schema, .. } => {
            let mut body = value;
            if operation.method == "POST"
                && writes(operation)
                && body.get("name").is_some_and(Value::is_string)
                && !operation.path.contains("test")
            {
                body["name"] = json!(state.name());
            }
            with_probe(&probe(runner), &mut body);
            let allowed = schema.is_valid(&body);
            Drawn {
                what: format!("body {}", excerpt(&body.to_string())),
                body: Some(body),
                query: Vec::new(),
                allowed,
            }
        }
        Target::Query { parameters, .. } => {
            let mut query = Vec::new();
            let mut allowed = true;
            for (name, schema) in parameters {
                let Some(value) = value.get(name) else {
                    continue;
                };
                let text = match value {
                    Value::String(text) => text.clone(),
                    // A query string carries a number as text; an integral
                    // float is written as its integer.
                    Value::Number(n) if n.is_f64() => match n.as_f64() {
                        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                            format!("{}", f as i64)
                        }
                        _ => n.to_string(),
                    },
                    Value::Number(_) | Value::Bool(_) => value.to_string(),
                    // null, arrays and objects have no single query form:
                    // the parameter is sent empty.
                    _ => String::new(),
                };
                // Allowed when the text read as a number or boolean, or
                // as the string it is, is an instance of the schema.
                let typed = serde_json::from_str::<Value>(&text)
                    .ok()
                    .filter(|v| v.is_number() || v.is_boolean());
                allowed &= typed.is_some_and(|v| schema.is_valid(&v))
                    || schema.is_valid(&Value::String(text.clone()));
                query.push((name.clone(), text));
            }
            let what = query
                .iter()
                .map(|(name, text)| format!("{name}={text}"))
                .collect::<Vec<_>>()
                .join("&");
            Drawn {
                what: format!("query ?{what}"),
                body: None,
                query,
                allowed,
            }
        }
    }
}

/// Records one drawn case, sent. A failing one whose faults were not all
/// seen before is shrunk first, once per finding: each smaller candidate
/// is kept only while it still shows the same fault (the same
/// fingerprint).
async fn settle(
    runner: &mut Runner<'_>,
    state: &mut State,
    case: &Case<'_>,
    tree: Box<dyn ValueTree<Value = Value>>,
    planned: Planned,
    check: Check,
) -> Result<(), LiveError> {
    let fingerprints = crate::findings::fingerprints(&check);
    let Some(target_fingerprint) = fingerprints
        .iter()
        .find(|f| !state.shrunk.contains(*f))
        .cloned()
    else {
        // Passed, or shows only faults already shrunk: kept as it is.
        runner.keep(&planned, check);
        return Ok(());
    };
    let limit = runner.config().generative.max_shrink_steps;
    let mut shrinking = Shrinking::start(tree, limit);
    let mut smallest = (planned, check);
    while let Some(candidate) = shrinking.candidate() {
        let drawn = request(runner, state, case.operation, case.target, candidate);
        let planned = plan(runner, case.operation, case.reference, case.index, &drawn)?;
        let (check, _) = runner.assess(&planned).await?;
        let still = crate::findings::fingerprints(&check).contains(&target_fingerprint);
        if still {
            smallest = (planned, check);
        }
        shrinking.report(still);
    }
    let (planned, mut check) = smallest;
    state.shrunk.extend(crate::findings::fingerprints(&check));
    state.shrunk.insert(target_fingerprint);
    if shrinking.steps() > 0 {
        check.name = format!("{} (shrunk in {} steps)", check.name, shrinking.steps());
    }
    runner.keep(&planned, check);
    Ok(())
}

/// The request of a drawn case.
fn plan(
    runner: &Runner<'_>,
    operation: &Operation,
    reference: &str,
    index: usize,
    drawn: &Drawn,
) -> Result<Planned, LiveError> {
    let (expected, intent) = if drawn.allowed {
        let mut expected = documented(operation, 2);
        if operation.path.contains('{') && documented(operation, 4).contains(&404) {
            expected.push(404);
        }
        (expected, Intent::Allowed)
    } else {
        (rejections(operation), Intent::Forbidden)
    };
    let mut planned = runner.planned(
        format!(
            "fuzzing: case {} {} {}",
            index + 1,
            if drawn.allowed {
                "allowed"
            } else {
                "forbidden"
            },
            drawn.what
        ),
        &operation.id,
        Method::from_bytes(operation.method.as_bytes()).unwrap_or(Method::GET),
        operation_url(runner, operation, reference, &drawn.query)?,
        &expected,
    );
    planned.body = drawn.body.as_ref().map(Body::json);
    planned.intent = intent;
    planned.label = Some(drawn.what.clone());
    Ok(planned)
}
