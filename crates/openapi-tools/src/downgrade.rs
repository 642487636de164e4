//! Derives the OpenAPI 3.0.3 form of the 3.1 document, for progenitor.
//!
//! utoipa emits OpenAPI 3.1 (JSON Schema 2020-12); progenitor reads only
//! 3.0. The 3.1 document is the published one; this conversion rewrites
//! exactly the constructs that differ, and nothing else:
//!
//! | 3.1 | 3.0.3 |
//! |---|---|
//! | `openapi: 3.1.x` | `openapi: 3.0.3` |
//! | `jsonSchemaDialect`, `webhooks`, `info.license.identifier` | removed |
//! | `type: [T, "null"]` | `type: T, nullable: true` |
//! | `oneOf`/`anyOf: [X, {type: null}]` | `allOf: [X], nullable: true`; for a `$ref` X: `anyOf: [X, {type: T, nullable: true, enum: [null]}]` (`T` the type of X) |
//! | schema `examples: [a, ...]` | `example: a` |
//! | `const: v` | `enum: [v]` |
//! | `exclusiveMinimum: n` / `exclusiveMaximum: n` | `minimum`/`maximum: n` + `true` |
//! | `$ref` with sibling keywords (`description`) | `allOf: [{$ref}]` + the siblings |
//! | `propertyNames` | removed (3.0 has no such keyword; keys are strings anyway) |
//!
//! Example values, defaults and enum values are data, not schemas, and are
//! never rewritten. Media-type `examples` maps (named examples) exist in
//! both versions and are kept.

use connections_openapi::pointer;
use serde_json::{Map, Value, json};

/// What the conversion could not express in OpenAPI 3.0.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DowngradeError {
    /// The input is not an OpenAPI 3.1 document.
    #[error("expected an OpenAPI 3.1 document, found `openapi: {0}`")]
    NotOpenApi31(String),
    /// A `type` array that 3.0 cannot express (several non-null types).
    #[error(
        "{pointer}: type {types} has more than one non-null type, which OpenAPI 3.0 cannot express"
    )]
    TypeUnion {
        /// Where the schema is.
        pointer: String,
        /// The offending `type` value.
        types: String,
    },
}

/// Converts an OpenAPI 3.1 document into its 3.0.3 form.
pub fn downgrade(doc: &Value) -> Result<Value, DowngradeError> {
    let mut out = doc.clone();
    let version = out
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !version.starts_with("3.1") {
        return Err(DowngradeError::NotOpenApi31(version.to_string()));
    }
    let root = out
        .as_object_mut()
        .expect("checked above: has an `openapi` string");
    root.insert("openapi".into(), json!("3.0.3"));
    root.remove("jsonSchemaDialect");
    root.remove("webhooks");
    if let Some(license) = root
        .get_mut("info")
        .and_then(|i| i.get_mut("license"))
        .and_then(Value::as_object_mut)
    {
        license.remove("identifier");
    }
    if let Some(schemas) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            rewrite_schema(schema, &format!("/components/schemas/{name}"))?;
        }
    }
    walk_for_schemas(root.get_mut("paths").unwrap_or(&mut Value::Null), "/paths")?;
    type_nullable_references(&mut out);
    Ok(out)
}

/// In 3.0.3, `nullable` only has an effect beside `type`, and an
/// `allOf: [{$ref: X}]` requires an `X`, which `null` is not: no form with
/// `allOf` lets `null` through, and generators read it so
/// (openapi-python-client types such a member non-null). Each
/// `allOf: [{$ref: X}], nullable: true` therefore becomes
/// `anyOf: [{$ref: X}, {type: T, nullable: true, enum: [null]}]`, where `T`
/// is the type of the component `X` (`object` when it has none): the
/// second alternative admits exactly `null`, and the whole means what the
/// 3.1 `oneOf: [X, {type: null}]` means.
fn type_nullable_references(doc: &mut Value) {
    let types: Map<String, Value> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .filter_map(|(name, schema)| {
                    let t = schema.get("type").filter(|t| t.is_string())?;
                    Some((
                        format!("#{}", pointer::join("/components/schemas", name)),
                        t.clone(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    fn visit(value: &mut Value, types: &Map<String, Value>) {
        match value {
            Value::Object(map) => {
                let target = match (map.get("nullable"), map.get("type"), map.get("allOf")) {
                    (Some(Value::Bool(true)), None, Some(Value::Array(members)))
                        if members.len() == 1 =>
                    {
                        members[0].get("$ref").and_then(Value::as_str)
                    }
                    _ => None,
                };
                if let Some(reference) = target.map(str::to_string) {
                    let t = types.get(&reference).cloned().unwrap_or(json!("object"));
                    map.remove("allOf");
                    map.remove("nullable");
                    map.insert(
                        "anyOf".into(),
                        json!([{ "$ref": reference }, { "type": t, "nullable": true, "enum": [null] }]),
                    );
                    return;
                }
                for (key, child) in map.iter_mut() {
                    if key != "example" && key != "examples" && key != "default" && key != "enum" {
                        visit(child, types);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| visit(i, types)),
            _ => {}
        }
    }
    visit(doc, &types);
}

/// The 3.0 form as progenitor is given it: typify turns the nullable
/// reference of [`downgrade`] (`anyOf: [{$ref: X}, {.., enum: [null]}]`)
/// into a struct of optional subtypes, while it reads
/// `allOf: [{$ref: X}], type: T, nullable: true` as `Option<X>`. For a
/// generated client both say the same (the member may be `null`), so the
/// generator gets that form; the published 3.0 document keeps the form
/// that admits `null` under OpenAPI 3.0.3's own rules.
pub fn nullable_references_for_typify(doc: &Value) -> Value {
    fn visit(value: &mut Value) {
        match value {
            Value::Object(map) => {
                let reference = match map.get("anyOf") {
                    Some(Value::Array(members)) if members.len() == 2 => {
                        match (members[0].get("$ref"), &members[1]) {
                            (Some(reference), Value::Object(null))
                                if null.get("enum") == Some(&json!([null]))
                                    && null.get("nullable") == Some(&json!(true)) =>
                            {
                                Some((reference.clone(), null.get("type").cloned()))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                if let Some((reference, t)) = reference {
                    map.remove("anyOf");
                    map.insert("allOf".into(), json!([{ "$ref": reference }]));
                    map.insert("nullable".into(), json!(true));
                    if let Some(t) = t {
                        map.insert("type".into(), t);
                    }
                    return;
                }
                for (key, child) in map.iter_mut() {
                    if key != "example" && key != "examples" && key != "default" && key != "enum" {
                        visit(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(visit),
            _ => {}
        }
    }
    let mut out = doc.clone();
    visit(&mut out);
    out
}

/// Finds the `schema` members under paths (parameters, bodies, responses).
fn walk_for_schemas(value: &mut Value, pointer: &str) -> Result<(), DowngradeError> {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let here = pointer::join(pointer, key);
                match key.as_str() {
                    "schema" => rewrite_schema(child, &here)?,
                    "example" | "examples" => {}
                    _ => walk_for_schemas(child, &here)?,
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk_for_schemas(child, &format!("{pointer}/{i}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn rewrite_schema(schema: &mut Value, pointer: &str) -> Result<(), DowngradeError> {
    let Some(map) = schema.as_object_mut() else {
        return Ok(());
    };
    rewrite_type_union(map, pointer)?;
    map.remove("propertyNames");
    wrap_ref_with_siblings(map);
    rewrite_null_alternative(map, "oneOf");
    rewrite_null_alternative(map, "anyOf");
    if let Some(Value::Array(examples)) = map.remove("examples")
        && let Some(first) = examples.into_iter().next()
    {
        map.entry("example").or_insert(first);
    }
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![value]));
    }
    for (exclusive, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(bound) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(inclusive.into(), bound);
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    for (key, child) in map.iter_mut() {
        let here = pointer::join(pointer, key);
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => {
                if let Some(children) = child.as_object_mut() {
                    for (name, sub) in children.iter_mut() {
                        rewrite_schema(sub, &pointer::join(&here, name))?;
                    }
                }
            }
            "allOf" | "oneOf" | "anyOf" | "prefixItems" => {
                if let Some(children) = child.as_array_mut() {
                    for (i, sub) in children.iter_mut().enumerate() {
                        rewrite_schema(sub, &format!("{here}/{i}"))?;
                    }
                }
            }
            "items" | "additionalProperties" | "not" | "contains" | "if" | "then" | "else" => {
                rewrite_schema(child, &here)?
            }
            _ => {}
        }
    }
    Ok(())
}

/// `type: [T, "null"]` → `type: T, nullable: true`.
fn rewrite_type_union(map: &mut Map<String, Value>, pointer: &str) -> Result<(), DowngradeError> {
    let Some(Value::Array(types)) = map.get("type") else {
        return Ok(());
    };
    let nullable = types.iter().any(|t| t == "null");
    let others: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
    match others.as_slice() {
        [single] => {
            let single = single.clone();
            map.insert("type".into(), single);
            if nullable {
                map.insert("nullable".into(), Value::Bool(true));
            }
            Ok(())
        }
        [] => {
            map.remove("type");
            map.insert("nullable".into(), Value::Bool(true));
            Ok(())
        }
        _ => Err(DowngradeError::TypeUnion {
            pointer: pointer.to_string(),
            types: Value::Array(types.clone()).to_string(),
        }),
    }
}

/// `oneOf: [X, {type: null}]` → `allOf: [X], nullable: true`.
fn rewrite_null_alternative(map: &mut Map<String, Value>, keyword: &str) {
    let Some(Value::Array(alternatives)) = map.get(keyword) else {
        return;
    };
    let is_null = |v: &Value| v.get("type").is_some_and(|t| t == "null");
    if !alternatives.iter().any(is_null) {
        return;
    }
    let rest: Vec<Value> = alternatives
        .iter()
        .filter(|v| !is_null(v))
        .cloned()
        .collect();
    map.remove(keyword);
    if let [Value::Object(only)] = rest.as_slice()
        && only.contains_key("$ref")
        && only.len() > 1
    {
        // The siblings of the `$ref` (its description) move up beside it.
        let mut only = only.clone();
        let reference = only.remove("$ref").unwrap_or_default();
        map.remove(keyword);
        map.insert("allOf".into(), json!([{ "$ref": reference }]));
        for (key, value) in only {
            map.entry(key).or_insert(value);
        }
    } else if rest.len() == 1 {
        map.insert("allOf".into(), Value::Array(rest));
    } else {
        map.insert(keyword.into(), Value::Array(rest));
    }
    map.insert("nullable".into(), Value::Bool(true));
}

/// In 3.0 a `$ref` replaces its object, so siblings such as `description`
/// would be ignored: `{$ref, description}` → `{allOf: [{$ref}], description}`.
fn wrap_ref_with_siblings(map: &mut Map<String, Value>) {
    if map.len() > 1
        && let Some(reference) = map.remove("$ref")
    {
        map.insert("allOf".into(), json!([{ "$ref": reference }]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_with_schema(schema: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": {"title": "t", "version": "1", "license": {"name": "MIT", "identifier": "MIT"}},
            "paths": {},
            "components": {"schemas": {"S": schema}}
        })
    }

    fn converted(schema: Value) -> Value {
        downgrade(&doc_with_schema(schema)).unwrap()["components"]["schemas"]["S"].clone()
    }

    #[test]
    fn header_becomes_3_0_3() {
        let out = downgrade(&doc_with_schema(json!({"type": "string"}))).unwrap();
        assert_eq!(out["openapi"], "3.0.3");
        assert!(out.get("jsonSchemaDialect").is_none());
        assert_eq!(out["info"]["license"], json!({"name": "MIT"}));
    }

    #[test]
    fn rejects_documents_that_are_not_3_1() {
        let mut doc = doc_with_schema(json!({}));
        doc["openapi"] = json!("3.0.3");
        assert_eq!(
            downgrade(&doc),
            Err(DowngradeError::NotOpenApi31("3.0.3".into()))
        );
    }

    #[test]
    fn nullable_type_union() {
        assert_eq!(
            converted(json!({"type": ["string", "null"], "format": "date-time"})),
            json!({"type": "string", "format": "date-time", "nullable": true})
        );
    }

    #[test]
    fn nested_properties_and_items_are_converted() {
        let out = converted(json!({
            "type": "object",
            "properties": {"a": {"type": "array", "items": {"type": ["integer", "null"]}}}
        }));
        assert_eq!(
            out["properties"]["a"]["items"],
            json!({"type": "integer", "nullable": true})
        );
    }

    #[test]
    fn one_of_a_reference_or_null_admits_exactly_null_beside_it() {
        assert_eq!(
            converted(json!({"oneOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]})),
            json!({"anyOf": [
                {"$ref": "#/components/schemas/X"},
                {"type": "object", "nullable": true, "enum": [null]}
            ]})
        );
        assert_eq!(
            converted(json!({"oneOf": [{"type": "string"}, {"type": "null"}]})),
            json!({"allOf": [{"type": "string"}], "nullable": true})
        );
    }

    #[test]
    fn typify_gets_the_nullable_reference_as_all_of() {
        let published = converted(json!({"type": "object", "properties": {
            "next": {"oneOf": [{"$ref": "#/components/schemas/Link"}, {"type": "null"}]}
        }}));
        assert_eq!(
            nullable_references_for_typify(&published)["properties"]["next"],
            json!({"allOf": [{"$ref": "#/components/schemas/Link"}], "nullable": true, "type": "object"})
        );
    }

    #[test]
    fn nullable_references_admit_null_with_the_type_of_their_component() {
        let doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {
                "Link": {"type": "object", "properties": {"href": {"type": "string"}}},
                "Kind": {"type": "string", "enum": ["A"]},
                "S": {"type": "object", "properties": {
                    "link": {"oneOf": [{"$ref": "#/components/schemas/Link"}, {"type": "null"}]},
                    "kind": {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Kind"}]}
                }}
            }}
        });
        let out = downgrade(&doc).unwrap();
        let properties = &out["components"]["schemas"]["S"]["properties"];
        assert_eq!(
            properties["link"],
            json!({"anyOf": [
                {"$ref": "#/components/schemas/Link"},
                {"type": "object", "nullable": true, "enum": [null]}
            ]})
        );
        assert_eq!(
            properties["kind"],
            json!({"anyOf": [
                {"$ref": "#/components/schemas/Kind"},
                {"type": "string", "nullable": true, "enum": [null]}
            ]})
        );
    }

    #[test]
    fn siblings_of_a_ref_move_beside_an_all_of() {
        let out = converted(json!({"type": "object", "properties": {
            "auth": {"$ref": "#/components/schemas/Auth", "description": "How."},
            "next": {"oneOf": [{"$ref": "#/components/schemas/Link", "description": "Next."}, {"type": "null"}]},
            "plain": {"$ref": "#/components/schemas/Link"}
        }}));
        assert_eq!(
            out["properties"]["auth"],
            json!({"description": "How.", "allOf": [{"$ref": "#/components/schemas/Auth"}]})
        );
        assert_eq!(
            out["properties"]["next"],
            json!({"description": "Next.", "anyOf": [
                {"$ref": "#/components/schemas/Link"},
                {"type": "object", "nullable": true, "enum": [null]}
            ]})
        );
        assert_eq!(
            out["properties"]["plain"],
            json!({"$ref": "#/components/schemas/Link"})
        );
    }

    #[test]
    fn property_names_are_dropped() {
        assert_eq!(
            converted(
                json!({"type": "object", "additionalProperties": {"type": "string"}, "propertyNames": {"type": "string"}})
            ),
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
    }

    #[test]
    fn real_one_of_is_kept() {
        let schema = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
        assert_eq!(converted(schema.clone()), schema);
    }

    #[test]
    fn const_examples_and_exclusive_bounds() {
        assert_eq!(
            converted(json!({"const": "A", "examples": ["A", "B"], "exclusiveMinimum": 0})),
            json!({"example": "A", "enum": ["A"], "minimum": 0, "exclusiveMinimum": true})
        );
    }

    #[test]
    fn several_non_null_types_are_an_error_naming_the_schema() {
        let err = downgrade(&doc_with_schema(
            json!({"properties": {"x": {"type": ["string", "integer"]}}}),
        ))
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/components/schemas/S/properties/x:"),
            "{err}"
        );
    }

    #[test]
    fn example_values_are_never_rewritten() {
        let doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"get": {"responses": {"200": {"description": "d", "content": {
                "application/json": {
                    "schema": {"type": ["string", "null"]},
                    "examples": {"e": {"value": {"type": ["string", "null"], "const": 1}}}
                }
            }}}}}}
        });
        let out = downgrade(&doc).unwrap();
        let media = &out["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"], json!({"type": "string", "nullable": true}));
        assert_eq!(
            media["examples"]["e"]["value"],
            json!({"type": ["string", "null"], "const": 1})
        );
    }
}
