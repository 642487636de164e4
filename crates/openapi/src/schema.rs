//! Schema access: component schemas and the non-null core of a nullable
//! schema.

use serde_json::Value;

/// The component schemas of a document, in document order.
pub fn component_schemas(document: &Value) -> impl Iterator<Item = (&str, &Value)> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| (name.as_str(), schema))
}

/// Whether a schema is `{type: null}`.
pub fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The member of a `oneOf`/`anyOf` that makes a schema nullable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NullableCore<'a> {
    /// `oneOf` or `anyOf`.
    pub keyword: &'static str,
    /// The index of the non-null member.
    pub index: usize,
    /// The non-null member.
    pub core: &'a Value,
}

/// For `oneOf`/`anyOf: [X, {type: null}]` (either order, one non-null
/// member), `X` and where it is.
pub fn nullable_core(schema: &Value) -> Option<NullableCore<'_>> {
    ["oneOf", "anyOf"].into_iter().find_map(|keyword| {
        let members = schema.get(keyword)?.as_array()?;
        let mut non_null = members
            .iter()
            .enumerate()
            .filter(|(_, m)| !is_null_schema(m));
        let (index, core) = non_null.next()?;
        let nulls = members.len() - 1;
        (non_null.next().is_none() && nulls > 0).then_some(NullableCore {
            keyword,
            index,
            core,
        })
    })
}

/// A schema split into its non-null core and whether it allows null.
#[derive(Debug, Clone, PartialEq)]
pub struct NullableSplit<'a> {
    /// The schema without its null alternative.
    pub core: &'a Value,
    /// Where the core is.
    pub core_pointer: String,
    /// Whether null is allowed.
    pub nullable: bool,
}

/// Splits a schema (at `pointer`): `oneOf`/`anyOf [X, {type: null}]` →
/// `X`, nullable; another `oneOf`/`anyOf` with a null member → itself,
/// nullable; a `type` list holding `null` or `const: null` → itself,
/// nullable; anything else → itself, not nullable.
pub fn split_nullable<'a>(schema: &'a Value, pointer: &str) -> NullableSplit<'a> {
    if let Some(found) = nullable_core(schema) {
        return NullableSplit {
            core: found.core,
            core_pointer: format!("{pointer}/{}/{}", found.keyword, found.index),
            nullable: true,
        };
    }
    let null_member = ["oneOf", "anyOf"].into_iter().any(|keyword| {
        schema
            .get(keyword)
            .and_then(Value::as_array)
            .is_some_and(|members| members.iter().any(is_null_schema))
    });
    let type_null = matches!(schema.get("type"), Some(Value::Array(types)) if types.iter().any(|t| t == "null"));
    NullableSplit {
        core: schema,
        core_pointer: pointer.to_string(),
        nullable: null_member || type_null || schema.get("const") == Some(&Value::Null),
    }
}

/// The JSON types a schema allows: `type` as a string or a list, else
/// inferred from its keywords (`properties` → object, `items` → array);
/// empty when it says nothing.
pub fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ if schema.get("properties").is_some() => vec!["object"],
        _ if schema.get("items").is_some() => vec!["array"],
        _ => Vec::new(),
    }
}

/// The names an object schema's `required` lists.
pub fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_core_of_a_nullable_wrapper_is_found_in_either_order() {
        let wrapped = json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/A"}]});
        let found = nullable_core(&wrapped).unwrap();
        assert_eq!((found.keyword, found.index), ("oneOf", 1));
        let split = split_nullable(&wrapped, "/x");
        assert!(split.nullable);
        assert_eq!(split.core_pointer, "/x/oneOf/1");
        assert!(
            nullable_core(&json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})).is_none()
        );
        assert!(nullable_core(&json!({"anyOf": [{"type": "null"}]})).is_none());
    }

    #[test]
    fn other_null_forms_keep_the_schema_as_its_core() {
        for schema in [
            json!({"type": ["string", "null"]}),
            json!({"const": null}),
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}),
        ] {
            let split = split_nullable(&schema, "/s");
            assert!(split.nullable, "{schema}");
            assert_eq!(split.core, &schema);
            assert_eq!(split.core_pointer, "/s");
        }
        assert!(!split_nullable(&json!({"type": "string"}), "/s").nullable);
        assert_eq!(
            types(&json!({"type": ["integer", "null"]})),
            ["integer", "null"]
        );
        assert_eq!(types(&json!({"properties": {}})), ["object"]);
        assert!(types(&json!({})).is_empty());
        assert_eq!(required(&json!({"required": ["a", 1, "b"]})), ["a", "b"]);
        let document = json!({"components": {"schemas": {"B": {}, "A": {}}}});
        let names: Vec<&str> = component_schemas(&document).map(|(n, _)| n).collect();
        assert_eq!(names, ["B", "A"]);
    }
}
