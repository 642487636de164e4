//! The coverage phase's values: from a schema and a valid base instance,
//! one variant per constraint: positive ones on each boundary and just
//! inside it, each enum value, each `oneOf` variant, `null` where
//! nullable, integral floats for integers, required members only, every
//! optional member; negative ones each breaking one constraint: a
//! required member missing, a wrong type, just past a bound, a value
//! outside the enum, an unknown member where the object is closed.
//!
//! The walk follows the schema alongside the instance; `$ref`s are
//! followed with the document's resolver. Variants whose validity does not
//! match their polarity under the compiled schema are dropped by
//! [`Coverage::variants`], so the labels never lie.

use std::collections::BTreeSet;

use connections_openapi::{
    pointer, refs,
    schema::{required, types},
};
use serde_json::{Map, Value, json};

use super::{Path, Polarity, Variant, at, pointer_of, with};
use crate::contract::CompiledSchema;

/// How deep into nested schemas the walk goes.
pub const MAX_DEPTH: usize = 8;

/// A member name that no schema of the document declares.
pub const UNKNOWN_MEMBER: &str = "conformanceUnknownMember";

/// A string value outside every enum of the document.
pub const NOT_IN_ENUM: &str = "CONFORMANCE_NOT_IN_ENUM";

/// The largest integer JSON numbers carry exactly (2^53 - 1): the value
/// sent on an integer without a `maximum`.
pub const LARGEST_EXACT_INTEGER: i64 = 9_007_199_254_740_991;

/// Derives the variants of one schema of one document.
pub struct Coverage<'a> {
    document: &'a Value,
}

/// A schema with the pointer it sits at.
struct At<'a> {
    schema: &'a Value,
    pointer: String,
}

impl<'a> Coverage<'a> {
    /// A generator over `document`'s schemas.
    pub fn new(document: &'a Value) -> Self {
        Self { document }
    }

    /// Follows `$ref`s with the document layer's resolver (leniently: an
    /// unknown reference is reported by the document checks, not here).
    fn resolve(&self, schema: &'a Value, pointer: &str) -> At<'a> {
        let found = refs::resolve_lenient_at(self.document, schema, pointer);
        At {
            schema: found.value,
            pointer: found.pointer.to_string(),
        }
    }

    /// The schema at a document pointer.
    fn schema_at(&self, pointer: &str) -> Option<At<'a>> {
        let schema = self.document.pointer(pointer)?;
        Some(self.resolve(schema, pointer))
    }

    /// A valid instance with the required members only (`None` when the
    /// schema allows nothing this generator can build).
    pub fn minimal_at(&self, pointer: &str) -> Option<Value> {
        let at = self.schema_at(pointer)?;
        self.minimal(at.schema, &at.pointer, 0)
    }

    fn minimal(&self, schema: &'a Value, pointer: &str, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let at = self.resolve(schema, pointer);
        let schema = at.schema;
        if let Some(value) = schema.get("const") {
            return Some(value.clone());
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return values
                .iter()
                .find(|v| !v.is_null())
                .or(values.first())
                .cloned();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = schema.get(key).and_then(Value::as_array) {
                let pointer = at.pointer.to_string();
                return variants.iter().enumerate().find_map(|(i, v)| {
                    self.minimal(v, &format!("{pointer}/{key}/{i}"), depth + 1)
                        .filter(|v| !v.is_null())
                });
            }
        }
        if let Some(example) = schema.get("example").or_else(|| {
            schema
                .get("examples")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
        }) && !example.is_object()
        {
            return Some(example.clone());
        }
        let pointer = at.pointer.to_string();
        match types(schema).into_iter().find(|t| *t != "null")? {
            "object" => {
                let mut members = Map::new();
                let properties = schema.get("properties").and_then(Value::as_object);
                for name in required(schema) {
                    let sub = properties.and_then(|p| p.get(name));
                    let value = match sub {
                        Some(sub) => self.minimal(
                            sub,
                            &pointer::join(&format!("{pointer}/properties"), name),
                            depth + 1,
                        )?,
                        None => json!("conformance"),
                    };
                    members.insert(name.to_string(), value);
                }
                Some(Value::Object(members))
            }
            "array" => {
                let count = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let item = match schema.get("items") {
                    Some(items) if count > 0 => {
                        Some(self.minimal(items, &format!("{pointer}/items"), depth + 1)?)
                    }
                    _ => None,
                };
                Some(Value::Array(
                    (0..count).filter_map(|_| item.clone()).collect(),
                ))
            }
            "string" => Some(Value::String(string_value(schema))),
            "integer" => Some(json!(integer_value(schema)?)),
            "number" => Some(number_value(schema)),
            "boolean" => Some(json!(true)),
            _ => None,
        }
    }

    /// Every variant of `base` under the schema at `pointer`, filtered by
    /// `schema` (the compiled form of the same schema): positive ones are
    /// valid, negative ones invalid; duplicates are dropped.
    pub fn variants(&self, pointer: &str, base: &Value, schema: &CompiledSchema) -> Vec<Variant> {
        let Some(at) = self.schema_at(pointer) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        self.walk(at.schema, &at.pointer, base, &Vec::new(), 0, &mut out);
        let mut seen = BTreeSet::new();
        out.retain(|v| {
            let valid = schema.is_valid(&v.value);
            let keep = valid == (v.polarity == Polarity::Positive) && &v.value != base;
            keep && seen.insert((v.polarity, v.value.to_string()))
        });
        out
    }

    /// Walks the schema at `pointer` for the member at `path` of `whole`.
    fn walk(
        &self,
        schema: &'a Value,
        pointer: &str,
        whole: &Value,
        path: &Path,
        depth: usize,
        out: &mut Vec<Variant>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let at = self.resolve(schema, pointer);
        let schema = at.schema;
        let pointer = at.pointer;
        let Some(current) = super::at(whole, path).cloned() else {
            return;
        };
        let member = if path.is_empty() {
            "the body".to_string()
        } else {
            pointer_of(path)
        };
        let mut push = |polarity, label: String, keyword: &str, value: Option<Value>| {
            if let Some(value) = value.and_then(|v| with(whole, path, Some(v))) {
                out.push(Variant {
                    polarity,
                    label,
                    constraint: format!("#{pointer}/{keyword}"),
                    value,
                });
            }
        };
        let kinds = types(schema);
        if !path.is_empty() {
            if kinds.contains(&"null") {
                push(
                    Polarity::Positive,
                    format!("{member} = null (nullable)"),
                    "type",
                    Some(Value::Null),
                );
            }
            if !kinds.is_empty() {
                for wrong in wrong_type_values(&kinds) {
                    push(
                        Polarity::Negative,
                        format!("{member} = {wrong} (a wrong type: {})", kinds.join(" or ")),
                        "type",
                        Some(wrong),
                    );
                }
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            for value in values {
                push(
                    Polarity::Positive,
                    format!("{member} = {value} (an enum value)"),
                    "enum",
                    Some(value.clone()),
                );
            }
            push(
                Polarity::Negative,
                format!("{member} = \"{NOT_IN_ENUM}\" (outside the enum)"),
                "enum",
                Some(json!(NOT_IN_ENUM)),
            );
        }
        if kinds.contains(&"integer") || kinds.contains(&"number") {
            self.numbers(
                schema,
                &member,
                &current,
                kinds.contains(&"integer"),
                &mut push,
            );
        }
        if kinds.contains(&"string") {
            lengths(schema, &member, &mut push);
        }
        for key in ["oneOf", "anyOf"] {
            let Some(choices) = schema.get(key).and_then(Value::as_array) else {
                continue;
            };
            for (i, choice) in choices.iter().enumerate() {
                let choice_pointer = format!("{pointer}/{key}/{i}");
                let Some(minimal) = self.minimal(choice, &choice_pointer, depth + 1) else {
                    continue;
                };
                let Some(replaced) = with(whole, path, Some(minimal.clone())) else {
                    continue;
                };
                out.push(Variant {
                    polarity: Polarity::Positive,
                    label: format!("{member} = {minimal} ({key} variant {i})"),
                    constraint: format!("#{choice_pointer}"),
                    value: replaced.clone(),
                });
                // Walk the variant the current value is an instance of, or
                // else the minimal instance of this variant.
                let start = if same_tag(&current, &minimal) {
                    whole
                } else {
                    &replaced
                };
                self.walk(choice, &choice_pointer, start, path, depth + 1, out);
            }
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for (i, part) in all.iter().enumerate() {
                self.walk(
                    part,
                    &format!("{pointer}/allOf/{i}"),
                    whole,
                    path,
                    depth + 1,
                    out,
                );
            }
        }
        if current.is_object() {
            self.object(schema, &pointer, whole, path, &member, depth, out);
        }
        if let Value::Array(items) = &current {
            self.array(schema, &pointer, whole, path, &member, items, depth, out);
        }
    }

    /// Bounds of a number: on each, just inside, just past; integral
    /// floats and fractions for integers; a large value when unbounded.
    fn numbers(
        &self,
        schema: &Value,
        member: &str,
        current: &Value,
        integer: bool,
        push: &mut impl FnMut(Polarity, String, &str, Option<Value>),
    ) {
        let number = |v: f64| -> Value {
            if integer && v.fract() == 0.0 && v.abs() <= LARGEST_EXACT_INTEGER as f64 {
                json!(v as i64)
            } else {
                json!(v)
            }
        };
        let step = if integer { 1.0 } else { 0.5 };
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        if let Some(minimum) = bound("minimum") {
            push(
                Polarity::Positive,
                format!("{member} = {} (on the minimum)", number(minimum)),
                "minimum",
                Some(number(minimum)),
            );
            push(
                Polarity::Positive,
                format!(
                    "{member} = {} (just above the minimum)",
                    number(minimum + step)
                ),
                "minimum",
                Some(number(minimum + step)),
            );
            push(
                Polarity::Negative,
                format!(
                    "{member} = {} (just below the minimum {minimum})",
                    number(minimum - step)
                ),
                "minimum",
                Some(number(minimum - step)),
            );
        }
        if let Some(maximum) = bound("maximum") {
            push(
                Polarity::Positive,
                format!("{member} = {} (on the maximum)", number(maximum)),
                "maximum",
                Some(number(maximum)),
            );
            push(
                Polarity::Positive,
                format!(
                    "{member} = {} (just below the maximum)",
                    number(maximum - step)
                ),
                "maximum",
                Some(number(maximum - step)),
            );
            push(
                Polarity::Negative,
                format!(
                    "{member} = {} (just above the maximum {maximum})",
                    number(maximum + step)
                ),
                "maximum",
                Some(number(maximum + step)),
            );
        } else if integer {
            let large = LARGEST_EXACT_INTEGER;
            push(
                Polarity::Positive,
                format!("{member} = {large} (no maximum: the largest exact JSON integer)"),
                "type",
                Some(json!(large)),
            );
        }
        if let Some(minimum) = bound("exclusiveMinimum") {
            push(
                Polarity::Positive,
                format!(
                    "{member} = {} (just above the exclusive minimum)",
                    number(minimum + step)
                ),
                "exclusiveMinimum",
                Some(number(minimum + step)),
            );
            push(
                Polarity::Negative,
                format!("{member} = {} (on the exclusive minimum)", number(minimum)),
                "exclusiveMinimum",
                Some(number(minimum)),
            );
        }
        if let Some(maximum) = bound("exclusiveMaximum") {
            push(
                Polarity::Positive,
                format!(
                    "{member} = {} (just below the exclusive maximum)",
                    number(maximum - step)
                ),
                "exclusiveMaximum",
                Some(number(maximum - step)),
            );
            push(
                Polarity::Negative,
                format!("{member} = {} (on the exclusive maximum)", number(maximum)),
                "exclusiveMaximum",
                Some(number(maximum)),
            );
        }
        if integer {
            let base = current
                .as_f64()
                .or_else(|| bound("minimum"))
                .unwrap_or(0.0)
                .trunc();
            push(
                Polarity::Positive,
                format!("{member} = {base:.1} (an integral float for an integer)"),
                "type",
                Some(json!(base)),
            );
            push(
                Polarity::Negative,
                format!("{member} = {} (a fraction for an integer)", base + 0.5),
                "type",
                Some(json!(base + 0.5)),
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn object(
        &self,
        schema: &'a Value,
        pointer: &str,
        whole: &Value,
        path: &Path,
        member: &str,
        depth: usize,
        out: &mut Vec<Variant>,
    ) {
        let Some(current) = at(whole, path).and_then(Value::as_object).cloned() else {
            return;
        };
        let properties = schema.get("properties").and_then(Value::as_object);
        let required = required(schema);
        let child = |name: &str| {
            let mut child = path.clone();
            child.push(name.to_string());
            child
        };
        for name in &required {
            if current.contains_key(*name)
                && let Some(value) = with(whole, &child(name), None)
            {
                out.push(Variant {
                    polarity: Polarity::Negative,
                    label: format!("{} missing (required)", pointer_of(&child(name))),
                    constraint: format!("#{pointer}/required"),
                    value,
                });
            }
        }
        let Some(properties) = properties else {
            return;
        };
        let optional: Vec<&String> = properties
            .keys()
            .filter(|n| !required.contains(&n.as_str()))
            .collect();
        if optional.iter().any(|n| current.contains_key(*n)) {
            let mut only = current.clone();
            only.retain(|n, _| required.contains(&n.as_str()) || !properties.contains_key(n));
            if let Some(value) = with(whole, path, Some(Value::Object(only))) {
                out.push(Variant {
                    polarity: Polarity::Positive,
                    label: format!("{member} with its required members only"),
                    constraint: format!("#{pointer}/required"),
                    value,
                });
            }
        }
        let mut every = current.clone();
        for name in &optional {
            if !every.contains_key(*name)
                && let Some(value) = self.minimal(
                    &properties[name.as_str()],
                    &pointer::join(&format!("{pointer}/properties"), name),
                    depth + 1,
                )
            {
                every.insert((*name).clone(), value);
            }
        }
        if every.len() > current.len()
            && let Some(value) = with(whole, path, Some(Value::Object(every)))
        {
            out.push(Variant {
                polarity: Polarity::Positive,
                label: format!("{member} with every optional member"),
                constraint: format!("#{pointer}/properties"),
                value,
            });
        }
        for closing in ["additionalProperties", "unevaluatedProperties"] {
            if schema.get(closing) == Some(&Value::Bool(false))
                && let Some(value) = with(whole, &child(UNKNOWN_MEMBER), Some(json!("x")))
            {
                out.push(Variant {
                    polarity: Polarity::Negative,
                    label: format!(
                        "{} = \"x\" (an unknown member of a closed object)",
                        pointer_of(&child(UNKNOWN_MEMBER))
                    ),
                    constraint: format!("#{pointer}/{closing}"),
                    value,
                });
            }
        }
        for (name, sub) in properties {
            let sub_pointer = pointer::join(&format!("{pointer}/properties"), name);
            let start = if current.get(name).is_some_and(|v| !v.is_null()) {
                Some(whole.clone())
            } else {
                self.minimal(sub, &sub_pointer, depth + 1)
                    .filter(|v| !v.is_null())
                    .and_then(|v| with(whole, &child(name), Some(v)))
            };
            if let Some(start) = start {
                self.walk(sub, &sub_pointer, &start, &child(name), depth + 1, out);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn array(
        &self,
        schema: &'a Value,
        pointer: &str,
        whole: &Value,
        path: &Path,
        member: &str,
        items: &[Value],
        depth: usize,
        out: &mut Vec<Variant>,
    ) {
        let item_schema = schema.get("items");
        let item = match (items.first(), item_schema) {
            (Some(first), _) => Some(first.clone()),
            (None, Some(sub)) => self.minimal(sub, &format!("{pointer}/items"), depth + 1),
            (None, None) => None,
        };
        let list = |count: u64| -> Option<Value> {
            let item = item.clone()?;
            Some(Value::Array((0..count).map(|_| item.clone()).collect()))
        };
        let mut push = |polarity, label: String, keyword: &str, value: Option<Value>| {
            if let Some(value) = value.and_then(|v| with(whole, path, Some(v))) {
                out.push(Variant {
                    polarity,
                    label,
                    constraint: format!("#{pointer}/{keyword}"),
                    value,
                });
            }
        };
        push(
            Polarity::Positive,
            format!("{member} = [] (no items)"),
            "items",
            Some(json!([])),
        );
        push(
            Polarity::Positive,
            format!("{member} with one item"),
            "items",
            list(1),
        );
        let count = |key: &str| schema.get(key).and_then(Value::as_u64);
        if let Some(minimum) = count("minItems") {
            push(
                Polarity::Positive,
                format!("{member} with {minimum} items (on minItems)"),
                "minItems",
                list(minimum),
            );
            if minimum > 0 {
                push(
                    Polarity::Negative,
                    format!(
                        "{member} with {} items (below minItems {minimum})",
                        minimum - 1
                    ),
                    "minItems",
                    list(minimum - 1),
                );
            }
        }
        if let Some(maximum) = count("maxItems") {
            push(
                Polarity::Positive,
                format!("{member} with {maximum} items (on maxItems)"),
                "maxItems",
                list(maximum),
            );
            push(
                Polarity::Negative,
                format!(
                    "{member} with {} items (above maxItems {maximum})",
                    maximum + 1
                ),
                "maxItems",
                list(maximum + 1),
            );
        }
        if let (Some(sub), Some(first)) = (item_schema, item) {
            let mut child = path.clone();
            child.push("0".to_string());
            let start = if items.is_empty() {
                with(whole, path, Some(json!([first])))
            } else {
                Some(whole.clone())
            };
            if let Some(start) = start {
                self.walk(
                    sub,
                    &format!("{pointer}/items"),
                    &start,
                    &child,
                    depth + 1,
                    out,
                );
            }
        }
    }
}

/// String lengths: on each bound, just inside, just past.
fn lengths(
    schema: &Value,
    member: &str,
    push: &mut impl FnMut(Polarity, String, &str, Option<Value>),
) {
    let text = |n: u64| Some(Value::String("c".repeat(n as usize)));
    let bound = |key: &str| schema.get(key).and_then(Value::as_u64);
    if let Some(minimum) = bound("minLength") {
        push(
            Polarity::Positive,
            format!("{member} of {minimum} characters (on minLength)"),
            "minLength",
            text(minimum),
        );
        push(
            Polarity::Positive,
            format!(
                "{member} of {} characters (just above minLength)",
                minimum + 1
            ),
            "minLength",
            text(minimum + 1),
        );
        if minimum > 0 {
            push(
                Polarity::Negative,
                format!(
                    "{member} of {} characters (below minLength {minimum})",
                    minimum - 1
                ),
                "minLength",
                text(minimum - 1),
            );
        }
    } else {
        push(
            Polarity::Positive,
            format!("{member} = \"\" (no minLength)"),
            "type",
            text(0),
        );
    }
    if let Some(maximum) = bound("maxLength").filter(|m| *m <= 1 << 20) {
        push(
            Polarity::Positive,
            format!("{member} of {maximum} characters (on maxLength)"),
            "maxLength",
            text(maximum),
        );
        if maximum > 0 {
            push(
                Polarity::Positive,
                format!(
                    "{member} of {} characters (just below maxLength)",
                    maximum - 1
                ),
                "maxLength",
                text(maximum - 1),
            );
        }
        push(
            Polarity::Negative,
            format!(
                "{member} of {} characters (above maxLength {maximum})",
                maximum + 1
            ),
            "maxLength",
            text(maximum + 1),
        );
    }
}

/// Whether two instances of a tagged union carry the same tag (the same
/// value of every single-valued member both have).
fn same_tag(a: &Value, b: &Value) -> bool {
    match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => b
            .iter()
            .filter(|(_, v)| v.is_string())
            .all(|(k, v)| a.get(k).is_none_or(|w| w == v)),
        _ => a == b,
    }
}

/// One value of each JSON type the schema does not allow (an integer
/// where only `number` is allowed is not one: it is a number).
fn wrong_type_values(kinds: &[&str]) -> Vec<Value> {
    let allows = |kind: &str| kinds.contains(&kind);
    let numeric = allows("number") || allows("integer");
    [
        (!allows("string")).then(|| json!("conformance-wrong-type")),
        (!numeric).then(|| json!(12345)),
        (!allows("number") && !allows("integer")).then(|| json!(1.5)),
        (!allows("boolean")).then(|| json!(true)),
        (!allows("array")).then(|| json!([])),
        (!allows("object")).then(|| json!({})),
        (!allows("null")).then(|| Value::Null),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A string satisfying the length bounds and the usual formats.
fn string_value(schema: &Value) -> String {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let text = match format {
        "date-time" => "2024-01-01T00:00:00Z",
        "date" => "2024-01-01",
        "time" => "00:00:00Z",
        "uri" | "url" | "uri-reference" | "iri" => "https://example.com/conformance",
        "email" => "conformance@example.com",
        "uuid" => "00000000-0000-4000-8000-000000000000",
        "ipv4" => "192.0.2.1",
        "hostname" => "example.com",
        _ => "conformance",
    };
    let mut text = text.to_string();
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    if text.chars().count() < min {
        text.push_str(&"c".repeat(min - text.chars().count()));
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        text = text.chars().take(max as usize).collect();
    }
    text
}

fn integer_value(schema: &Value) -> Option<i64> {
    let minimum = schema.get("minimum").and_then(Value::as_i64);
    let exclusive = schema
        .get("exclusiveMinimum")
        .and_then(Value::as_i64)
        .map(|m| m + 1);
    let maximum = schema.get("maximum").and_then(Value::as_i64);
    let value = minimum.or(exclusive).unwrap_or(0);
    match maximum {
        Some(max) if value > max => None,
        _ => Some(value),
    }
}

fn number_value(schema: &Value) -> Value {
    match schema.get("minimum").and_then(Value::as_f64) {
        Some(minimum) => json!(minimum),
        None => json!(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Contract;

    fn contract() -> Contract {
        Contract::from_value(json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {
                "Body": {
                    "type": "object",
                    "required": ["name", "kind"],
                    "additionalProperties": false,
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 4},
                        "kind": {"$ref": "#/components/schemas/Kind"},
                        "timeout": {"type": ["integer", "null"], "minimum": 0, "maximum": 10},
                        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
                    }
                },
                "Kind": {"type": "string", "enum": ["A", "B"]}
            }}
        }))
        .unwrap()
    }

    #[test]
    fn every_constraint_gives_positive_and_negative_variants() {
        let contract = contract();
        let coverage = Coverage::new(contract.document());
        let pointer = "/components/schemas/Body";
        let base = coverage.minimal_at(pointer).unwrap();
        assert_eq!(base, json!({"name": "conf", "kind": "A"}));
        let schema = contract.component("Body").unwrap();
        let variants = coverage.variants(pointer, &base, schema);
        let find = |polarity: Polarity, label: &str| {
            variants
                .iter()
                .find(|v| v.polarity == polarity && v.label == label)
                .unwrap_or_else(|| panic!("no {polarity:?} `{label}` in {variants:#?}"))
        };
        let on_max = find(Polarity::Positive, "/timeout = 10 (on the maximum)");
        assert_eq!(on_max.value["timeout"], json!(10));
        assert_eq!(
            on_max.constraint,
            "#/components/schemas/Body/properties/timeout/maximum"
        );
        find(Polarity::Positive, "/timeout = 9 (just below the maximum)");
        find(
            Polarity::Negative,
            "/timeout = 11 (just above the maximum 10)",
        );
        find(
            Polarity::Negative,
            "/timeout = -1 (just below the minimum 0)",
        );
        let float = find(
            Polarity::Positive,
            "/timeout = 0.0 (an integral float for an integer)",
        );
        assert_eq!(float.value["timeout"].to_string(), "0.0");
        find(Polarity::Positive, "/timeout = null (nullable)");
        find(Polarity::Negative, "/name missing (required)");
        find(
            Polarity::Negative,
            "/name of 5 characters (above maxLength 4)",
        );
        find(Polarity::Positive, "/name of 4 characters (on maxLength)");
        find(
            Polarity::Negative,
            "/name of 0 characters (below minLength 1)",
        );
        find(Polarity::Positive, "/kind = \"B\" (an enum value)");
        find(
            Polarity::Negative,
            "/kind = \"CONFORMANCE_NOT_IN_ENUM\" (outside the enum)",
        );
        find(Polarity::Negative, "/tags with 3 items (above maxItems 2)");
        find(Polarity::Positive, "the body with every optional member");
        let unknown = find(
            Polarity::Negative,
            "/conformanceUnknownMember = \"x\" (an unknown member of a closed object)",
        );
        assert_eq!(
            unknown.constraint,
            "#/components/schemas/Body/additionalProperties"
        );
        for variant in &variants {
            assert_eq!(
                schema.is_valid(&variant.value),
                variant.polarity == Polarity::Positive,
                "{variant:?}"
            );
        }
    }

    #[test]
    fn the_committed_document_gives_the_cases_schemathesis_found() {
        let contract = Contract::from_json(crate::COMMITTED_DOCUMENT).unwrap();
        let coverage = Coverage::new(contract.document());
        let create = contract.operation("createConnection").unwrap();
        let media = &create.request_body.as_ref().unwrap().content[0];
        let pointer = format!("{}/schema", media.pointer);
        let base = crate::live::create_example(&contract).unwrap();
        let variants = coverage.variants(&pointer, &base, media.schema.as_ref().unwrap());
        let labels: Vec<&str> = variants.iter().map(|v| v.label.as_str()).collect();
        // An integral float and a value beyond 32 bits for the timeouts.
        assert!(
            labels.iter().any(|l| l.starts_with("/connectionTimeout = ")
                && l.ends_with("(an integral float for an integer)")),
            "{labels:#?}"
        );
        assert!(
            labels.iter().any(|l| l.starts_with("/socketTimeout")),
            "{labels:#?}"
        );
        // Each Auth variant, and a missing clientId under OAUTH.
        assert!(
            labels
                .iter()
                .any(|l| l.starts_with("/auth = ") && l.contains("OAUTH"))
        );
        assert!(
            labels.contains(&"/auth/clientId missing (required)"),
            "{labels:#?}"
        );
        assert!(labels.contains(&"/systemType = \"AI\" (an enum value)"));
    }
}
