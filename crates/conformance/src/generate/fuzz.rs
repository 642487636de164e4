//! The fuzzing phase's values: proptest strategies built from the
//! document's schemas (through the document layer), random instances the
//! schema allows and instances with one random defect, and a seeded
//! [`TestRunner`] so that the same seed draws the same values.
//!
//! A strategy's values shrink: a failing case is simplified step by step
//! ([`ValueTree::simplify`]) while it still fails, so what is reported is
//! small. Whether a value is allowed is decided by the compiled schema
//! when it is sent, never by how it was drawn.

use connections_openapi::{
    refs,
    schema::{required, types},
};
use proptest::{
    prelude::*,
    strategy::{BoxedStrategy, ValueTree},
    test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
};
use serde_json::{Map, Value, json};

use super::coverage::{LARGEST_EXACT_INTEGER, NOT_IN_ENUM, UNKNOWN_MEMBER};

/// How deep into nested schemas a strategy goes.
pub const MAX_DEPTH: usize = 8;

/// The most items an array strategy draws beyond `minItems`.
pub const EXTRA_ITEMS: usize = 3;

/// The longest string a strategy draws without a `maxLength`.
pub const LONGEST_STRING: usize = 24;

/// A runner whose random draws depend only on `seed` and `stream` (one
/// stream per operation, so that adding an operation does not change the
/// others' values).
pub fn seeded_runner(seed: u64, stream: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&stream.to_le_bytes());
    bytes[16..24].copy_from_slice(b"conform.");
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Values the schema at `pointer` of `document` allows (most of them: a
/// keyword the builder does not know is left to the compiled schema).
pub fn valid(document: &Value, pointer: &str) -> Option<BoxedStrategy<Value>> {
    let schema = document.pointer(pointer)?;
    Some(Builder { document }.valid(schema, pointer, 0))
}

/// Values of the schema at `pointer` with one random defect each: a
/// member removed, a value of a wrong type, a number past any bound, a
/// string outside the enum, an unknown member, `null`. Some of them are
/// still allowed (a member that was optional): the compiled schema says
/// which when they are sent.
pub fn defective(document: &Value, pointer: &str) -> Option<BoxedStrategy<Value>> {
    let base = valid(document, pointer)?;
    Some(
        (base, any::<prop::sample::Index>(), 0..DEFECTS)
            .prop_map(|(value, at, defect)| {
                let paths = paths(&value, &mut Vec::new());
                let path = &paths[at.index(paths.len())];
                with_defect(&value, path, defect)
            })
            .boxed(),
    )
}

/// How many kinds of defect [`defective`] draws from.
const DEFECTS: u8 = 6;

/// Every member path of an instance, the whole first.
fn paths(value: &Value, prefix: &mut Vec<String>) -> Vec<Vec<String>> {
    let mut out = vec![prefix.clone()];
    let children: Vec<(String, &Value)> = match value {
        Value::Object(members) => members.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    for (token, child) in children {
        prefix.push(token);
        out.extend(paths(child, prefix));
        prefix.pop();
    }
    out
}

/// `value` with defect number `defect` at `path`.
fn with_defect(value: &Value, path: &[String], defect: u8) -> Value {
    let current = super::at(value, path).cloned().unwrap_or(Value::Null);
    let replacement = match defect {
        0 if !path.is_empty() => None,
        0 | 1 => Some(match current {
            Value::String(_) => json!(12345),
            _ => json!("conformance-wrong-type"),
        }),
        2 => Some(match current {
            Value::Number(n) if n.as_i64().is_some_and(|i| i < 0) => json!(-LARGEST_EXACT_INTEGER),
            Value::Number(_) => json!(LARGEST_EXACT_INTEGER),
            _ => json!(-1),
        }),
        3 => Some(json!(NOT_IN_ENUM)),
        4 => {
            return match current {
                Value::Object(mut members) => {
                    members.insert(UNKNOWN_MEMBER.to_string(), json!("x"));
                    super::with(value, path, Some(Value::Object(members)))
                        .unwrap_or_else(|| value.clone())
                }
                _ => super::with(value, path, Some(json!({UNKNOWN_MEMBER: "x"})))
                    .unwrap_or_else(|| value.clone()),
            };
        }
        _ => Some(Value::Null),
    };
    super::with(value, path, replacement).unwrap_or_else(|| value.clone())
}

struct Builder<'a> {
    document: &'a Value,
}

impl Builder<'_> {
    fn valid(&self, schema: &Value, pointer: &str, depth: usize) -> BoxedStrategy<Value> {
        let found = refs::resolve_lenient_at(self.document, schema, pointer);
        let (schema, pointer) = (found.value, found.pointer.to_string());
        if depth > MAX_DEPTH {
            return Just(Value::Null).boxed();
        }
        if let Some(value) = schema.get("const") {
            return Just(value.clone()).boxed();
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array)
            && !values.is_empty()
        {
            return prop::sample::select(values.clone()).boxed();
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(choices) = schema.get(keyword).and_then(Value::as_array)
                && !choices.is_empty()
            {
                let each: Vec<BoxedStrategy<Value>> = choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.valid(c, &format!("{pointer}/{keyword}/{i}"), depth + 1))
                    .collect();
                return proptest::strategy::Union::new(each).boxed();
            }
        }
        if let Some(first) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return self.valid(first, &format!("{pointer}/allOf/0"), depth + 1);
        }
        let kinds = types(schema);
        let mut each: Vec<BoxedStrategy<Value>> = Vec::new();
        for kind in &kinds {
            each.push(match *kind {
                "null" => Just(Value::Null).boxed(),
                "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
                "integer" => integers(schema),
                "number" => numbers(schema),
                "string" => strings(schema),
                "array" => self.array(schema, &pointer, depth),
                "object" => self.object(schema, &pointer, depth),
                _ => continue,
            });
        }
        match each.len() {
            0 => Just(json!("conformance")).boxed(),
            1 => each.remove(0),
            _ => proptest::strategy::Union::new(each).boxed(),
        }
    }

    fn object(&self, schema: &Value, pointer: &str, depth: usize) -> BoxedStrategy<Value> {
        let required = required(schema);
        let properties = schema.get("properties").and_then(Value::as_object);
        let mut members: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
        for (name, sub) in properties.into_iter().flatten() {
            let sub_pointer =
                connections_openapi::pointer::join(&format!("{pointer}/properties"), name);
            let value = self.valid(sub, &sub_pointer, depth + 1);
            let key = name.clone();
            let member = value.prop_map(move |v| (key.clone(), v));
            members.push(if required.contains(&name.as_str()) {
                member.prop_map(Some).boxed()
            } else {
                proptest::option::of(member).boxed()
            });
        }
        for name in required
            .iter()
            .filter(|n| !properties.is_some_and(|p| p.contains_key(**n)))
        {
            members.push(Just(Some((name.to_string(), json!("conformance")))).boxed());
        }
        members
            .prop_map(|members| Value::Object(members.into_iter().flatten().collect::<Map<_, _>>()))
            .boxed()
    }

    fn array(&self, schema: &Value, pointer: &str, depth: usize) -> BoxedStrategy<Value> {
        let count = |key: &str| {
            schema
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        let low = count("minItems").unwrap_or(0);
        let high = count("maxItems")
            .unwrap_or(low + EXTRA_ITEMS)
            .min(low + EXTRA_ITEMS);
        let item = match schema.get("items") {
            Some(items) => self.valid(items, &format!("{pointer}/items"), depth + 1),
            None => Just(json!("conformance")).boxed(),
        };
        prop::collection::vec(item, low..=high.max(low))
            .prop_map(Value::Array)
            .boxed()
    }
}

/// Integers within the schema's bounds, the bounds themselves often.
fn integers(schema: &Value) -> BoxedStrategy<Value> {
    let low = schema
        .get("minimum")
        .and_then(Value::as_i64)
        .or_else(|| {
            schema
                .get("exclusiveMinimum")
                .and_then(Value::as_i64)
                .map(|m| m + 1)
        })
        .unwrap_or(-LARGEST_EXACT_INTEGER);
    let high = schema
        .get("maximum")
        .and_then(Value::as_i64)
        .or_else(|| {
            schema
                .get("exclusiveMaximum")
                .and_then(Value::as_i64)
                .map(|m| m - 1)
        })
        .unwrap_or(LARGEST_EXACT_INTEGER);
    if low > high {
        return Just(json!(low)).boxed();
    }
    prop_oneof![
        3 => (low..=high).prop_map(|n| json!(n)),
        1 => prop::sample::select(vec![low, high]).prop_map(|n| json!(n)),
        1 => (low..=high).prop_map(|n| json!(n as f64)).prop_filter("exact", |v| {
            v.as_f64().is_some_and(|f| f.abs() <= LARGEST_EXACT_INTEGER as f64)
        }),
    ]
    .boxed()
}

/// Numbers within the schema's bounds.
fn numbers(schema: &Value) -> BoxedStrategy<Value> {
    let low = schema
        .get("minimum")
        .and_then(Value::as_f64)
        .unwrap_or(-1e9);
    let high = schema.get("maximum").and_then(Value::as_f64).unwrap_or(1e9);
    if low > high {
        return Just(json!(low)).boxed();
    }
    (low..=high).prop_map(|n| json!(n)).boxed()
}

/// Strings within the length bounds; formats get well-formed values.
fn strings(schema: &Value) -> BoxedStrategy<Value> {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    if format == "date-time" {
        return (0u32..28, 0u32..24, 0u32..60)
            .prop_map(|(d, h, m)| json!(format!("2024-02-{:02}T{h:02}:{m:02}:00Z", d + 1)))
            .boxed();
    }
    let length = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    let low = length("minLength").unwrap_or(0);
    let high = length("maxLength")
        .unwrap_or(LONGEST_STRING)
        .min(low + LONGEST_STRING);
    let characters = prop_oneof![
        6 => prop::char::range('a', 'z'),
        2 => prop::char::range('0', '9'),
        1 => prop::char::range(' ', '~'),
        1 => prop::sample::select(vec!['é', 'ß', '日', '🦀', '\u{2028}']),
    ];
    prop::collection::vec(characters, low..=high.max(low))
        .prop_map(|chars| Value::String(chars.into_iter().collect()))
        .boxed()
}

/// Draws one value tree from a strategy.
pub fn draw(
    strategy: &BoxedStrategy<Value>,
    runner: &mut TestRunner,
) -> Option<Box<dyn ValueTree<Value = Value>>> {
    strategy.new_tree(runner).ok()
}

/// The most candidates a failing case is shrunk through when nothing else
/// is said (`--max-shrink-steps`).
pub const DEFAULT_MAX_SHRINK_STEPS: usize = 64;

/// Shrinking one failing value, proptest's way: simplify while the
/// candidate still fails, step back (complicate) when it passes. The
/// caller sends each [`Shrinking::candidate`] and says whether it failed;
/// it works the same whether sending is synchronous or not.
pub struct Shrinking {
    tree: Box<dyn ValueTree<Value = Value>>,
    steps: usize,
    limit: usize,
    done: bool,
    /// The smallest value found that still fails.
    pub smallest: Value,
}

impl Shrinking {
    /// Starts from a tree whose current value fails; at most `limit`
    /// candidates are tried.
    pub fn start(mut tree: Box<dyn ValueTree<Value = Value>>, limit: usize) -> Self {
        let smallest = tree.current();
        let done = limit == 0 || !tree.simplify();
        Self {
            tree,
            steps: 0,
            limit,
            done,
            smallest,
        }
    }

    /// The next value to try, until shrinking is over.
    pub fn candidate(&self) -> Option<Value> {
        (!self.done && self.steps < self.limit).then(|| self.tree.current())
    }

    /// Whether the last candidate failed too.
    pub fn report(&mut self, failed: bool) {
        self.steps += 1;
        if failed {
            self.smallest = self.tree.current();
            self.done = !self.tree.simplify();
        } else {
            self.done = !self.tree.complicate();
        }
    }

    /// How many candidates were tried.
    pub fn steps(&self) -> usize {
        self.steps
    }
}

/// Shrinks a failing tree with a synchronous test through at most `limit`
/// candidates (see [`Shrinking`]).
pub fn shrink(
    tree: Box<dyn ValueTree<Value = Value>>,
    limit: usize,
    mut fails: impl FnMut(&Value) -> bool,
) -> Value {
    let mut shrinking = Shrinking::start(tree, limit);
    while let Some(candidate) = shrinking.candidate() {
        let failed = fails(&candidate);
        shrinking.report(failed);
    }
    shrinking.smallest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Contract;

    fn contract() -> Contract {
        Contract::from_json(crate::COMMITTED_DOCUMENT).unwrap()
    }

    #[test]
    fn valid_values_validate_and_the_same_seed_draws_the_same_values() {
        let contract = contract();
        let create = contract.operation("createConnection").unwrap();
        let media = &create.request_body.as_ref().unwrap().content[0];
        let pointer = format!("{}/schema", media.pointer);
        let schema = media.schema.as_ref().unwrap();
        let strategy = valid(contract.document(), &pointer).unwrap();
        let draw_all = |seed| {
            let mut runner = seeded_runner(seed, 0);
            (0..64)
                .map(|_| draw(&strategy, &mut runner).unwrap().current())
                .collect::<Vec<_>>()
        };
        let values = draw_all(5);
        for value in &values {
            assert!(schema.is_valid(value), "{value:#}");
        }
        assert_eq!(values, draw_all(5));
        assert_ne!(values, draw_all(6));
        let distinct: std::collections::BTreeSet<String> =
            values.iter().map(Value::to_string).collect();
        assert!(distinct.len() > 50, "{}", distinct.len());
    }

    #[test]
    fn defective_values_are_mostly_invalid_and_failing_ones_shrink() {
        let contract = contract();
        let create = contract.operation("createConnection").unwrap();
        let media = &create.request_body.as_ref().unwrap().content[0];
        let pointer = format!("{}/schema", media.pointer);
        let schema = media.schema.as_ref().unwrap();
        let strategy = defective(contract.document(), &pointer).unwrap();
        let mut runner = seeded_runner(9, 1);
        let (mut invalid, mut drawn_size, mut shrunk_size) = (0, 0, 0);
        for _ in 0..100 {
            let tree = draw(&strategy, &mut runner).unwrap();
            let drawn = tree.current();
            if schema.is_valid(&drawn) {
                continue;
            }
            invalid += 1;
            let smallest = shrink(tree, 256, |v| !schema.is_valid(v));
            assert!(!schema.is_valid(&smallest), "{smallest}");
            drawn_size += drawn.to_string().len();
            shrunk_size += smallest.to_string().len();
        }
        assert!(invalid > 60, "{invalid} of 100 were invalid");
        assert!(
            shrunk_size * 2 < drawn_size,
            "shrunk to {shrunk_size} bytes from {drawn_size}"
        );
    }

    #[test]
    fn a_failure_above_a_threshold_shrinks_to_the_threshold() {
        // A server that fails on connectionTimeout > 1000: shrinking finds
        // 1001 and drops the optional members that do not matter.
        let contract = contract();
        let create = contract.operation("createConnection").unwrap();
        let media = &create.request_body.as_ref().unwrap().content[0];
        let pointer = format!("{}/schema", media.pointer);
        let strategy = valid(contract.document(), &pointer).unwrap();
        let fails = |v: &Value| {
            v.get("connectionTimeout")
                .and_then(Value::as_f64)
                .is_some_and(|t| t > 1000.0)
        };
        let mut runner = seeded_runner(3, 0);
        let tree = (0..200)
            .filter_map(|_| draw(&strategy, &mut runner))
            .find(|t| fails(&t.current()))
            .expect("a drawn value fails");
        let smallest = shrink(tree, 256, fails);
        assert_eq!(smallest["connectionTimeout"], json!(1001), "{smallest:#}");
        for optional in ["description", "socketTimeout", "headers"] {
            assert!(smallest.get(optional).is_none(), "{smallest:#}");
        }
    }
}
