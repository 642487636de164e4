//! Following local `$ref`s (`#/json/pointer`) inside one document, with
//! one bound on the length of a chain of references.

use serde_json::Value;

/// The longest chain of `$ref`s followed before it is taken for a cycle.
pub const MAX_REF_DEPTH: usize = 32;

/// Why a `$ref` could not be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// The reference is not local or names nothing in the document.
    #[error("unknown reference {reference} at {at}")]
    Unknown {
        /// The `$ref` value.
        reference: String,
        /// The pointer of the object holding it.
        at: String,
    },
    /// The chain of references is longer than [`MAX_REF_DEPTH`].
    #[error("a cycle of `$ref`s at {at}")]
    Cycle {
        /// The pointer where the chain starts.
        at: String,
    },
}

/// An object reached through its `$ref`s, with its own pointer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolved<'a, 'p> {
    /// The object that is not a reference.
    pub value: &'a Value,
    /// Where it is: the last reference's target, or the starting pointer.
    pub pointer: &'p str,
}

/// The `$ref` of an object, when it has a string one.
pub fn ref_of(value: &Value) -> Option<&str> {
    value.get("$ref").and_then(Value::as_str)
}

/// Follows the `$ref`s of `value` (at `at`) to an object that is not one.
pub fn resolve<'a: 'p, 'p>(
    document: &'a Value,
    value: &'a Value,
    at: &'p str,
) -> Result<Resolved<'a, 'p>, RefError> {
    let mut current = Resolved { value, pointer: at };
    for _ in 0..MAX_REF_DEPTH {
        let Some(reference) = ref_of(current.value) else {
            return Ok(current);
        };
        let pointer = reference
            .strip_prefix('#')
            .ok_or_else(|| unknown(reference, current.pointer))?;
        let target = document
            .pointer(pointer)
            .ok_or_else(|| unknown(reference, current.pointer))?;
        current = Resolved {
            value: target,
            pointer,
        };
    }
    match ref_of(current.value) {
        None => Ok(current),
        Some(_) => Err(RefError::Cycle { at: at.to_string() }),
    }
}

fn unknown(reference: &str, at: &str) -> RefError {
    RefError::Unknown {
        reference: reference.to_string(),
        at: at.to_string(),
    }
}

/// Like [`resolve`], leniently: where a reference cannot be followed the
/// last object reached is returned (checks that report unknown references
/// elsewhere use this).
pub fn resolve_lenient<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    resolve_lenient_at(document, value, "").value
}

/// Like [`resolve_lenient`], with the pointer of the object reached.
pub fn resolve_lenient_at<'a: 'p, 'p>(
    document: &'a Value,
    value: &'a Value,
    at: &'p str,
) -> Resolved<'a, 'p> {
    let mut current = Resolved { value, pointer: at };
    for _ in 0..MAX_REF_DEPTH {
        let Some(next) = ref_of(current.value)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| document.pointer(p).map(|target| (p, target)))
        else {
            return current;
        };
        current = Resolved {
            value: next.1,
            pointer: next.0,
        };
    }
    current
}

/// The prefix of a `$ref` to a component schema.
pub const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// The name of the component schema a `$ref` names, if it names one.
pub fn component_schema_name(schema: &Value) -> Option<String> {
    ref_of(schema)
        .and_then(|r| r.strip_prefix(SCHEMA_REF_PREFIX))
        .filter(|name| !name.contains('/'))
        .map(|name| crate::pointer::unescape(name).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chains_are_followed_to_their_target_with_its_pointer() {
        let document = json!({
            "components": {
                "responses": {"A": {"$ref": "#/components/responses/B"}, "B": {"description": "b"}},
                "schemas": {"a/b": {"type": "string"}}
            }
        });
        let start = json!({"$ref": "#/components/responses/A"});
        let found = resolve(&document, &start, "/paths/x").unwrap();
        assert_eq!(found.pointer, "/components/responses/B");
        assert_eq!(found.value, &json!({"description": "b"}));
        let plain = json!({"description": "c"});
        assert_eq!(
            resolve(&document, &plain, "/here").unwrap().pointer,
            "/here"
        );
        let named = json!({"$ref": "#/components/schemas/a~1b"});
        assert_eq!(component_schema_name(&named).as_deref(), Some("a/b"));
    }

    #[test]
    fn unknown_references_and_cycles_are_errors_or_stop_leniently() {
        let document = json!({"components": {"schemas": {
            "Loop": {"$ref": "#/components/schemas/Loop"}
        }}});
        let missing = json!({"$ref": "#/components/schemas/Nope"});
        assert!(matches!(
            resolve(&document, &missing, "/at"),
            Err(RefError::Unknown { at, .. }) if at == "/at"
        ));
        let remote = json!({"$ref": "other.json#/x"});
        assert!(resolve(&document, &remote, "/at").is_err());
        let looping = json!({"$ref": "#/components/schemas/Loop"});
        assert_eq!(
            resolve(&document, &looping, "/at"),
            Err(RefError::Cycle { at: "/at".into() })
        );
        assert_eq!(resolve_lenient(&document, &missing), &missing);
        assert_eq!(
            resolve_lenient(&document, &looping),
            &json!({"$ref": "#/components/schemas/Loop"})
        );
    }
}
