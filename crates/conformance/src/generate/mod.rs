//! Cases derived from the document: for a JSON Schema of the document (a
//! request body, a path or query parameter), the instances it allows and
//! the instances it forbids, one constraint at a time.
//!
//! [`coverage`] derives them deterministically (every boundary, enum value,
//! `oneOf` variant, required member, type); every value it calls positive
//! validates against the compiled schema and every negative one does not,
//! so what is sent always means what the report says it means.

pub mod coverage;
pub mod fuzz;
pub mod rng;

use connections_openapi::pointer;
use serde_json::{Map, Value};

/// Whether a case is allowed by the document.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// The document allows it: a documented 2xx is expected.
    Positive,
    /// The document forbids it: a documented 4xx is expected.
    Negative,
}

/// One value derived from a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Allowed or forbidden.
    pub polarity: Polarity,
    /// What was done, such as `/connectionTimeout = 2147483647 (on the
    /// maximum)`.
    pub label: String,
    /// The constraint exercised: the keyword's location in the document
    /// (`#/components/schemas/ConnectionInput/properties/name/type`).
    pub constraint: String,
    /// The whole instance to send.
    pub value: Value,
}

/// A JSON pointer as its tokens.
pub type Path = Vec<String>;

/// The JSON pointer of `path` (`/a/0/b`), escaped.
pub fn pointer_of(path: &[String]) -> String {
    path.iter()
        .fold(String::new(), |whole, token| pointer::join(&whole, token))
}

/// `whole` with the member at `path` set to `value`, or removed when
/// `value` is `None`; `None` when a parent on the path is missing or not
/// a container.
pub fn with(whole: &Value, path: &[String], value: Option<Value>) -> Option<Value> {
    let mut out = whole.clone();
    let Some((last, parents)) = path.split_last() else {
        return value;
    };
    let mut at = &mut out;
    for token in parents {
        at = match at {
            Value::Object(members) => members.get_mut(token)?,
            Value::Array(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match (at, value) {
        (Value::Object(members), Some(value)) => {
            members.insert(last.clone(), value);
        }
        (Value::Object(members), None) => {
            members.remove(last)?;
        }
        (Value::Array(items), Some(value)) => {
            let index = last.parse::<usize>().ok()?;
            if index < items.len() {
                items[index] = value;
            } else if index == items.len() {
                items.push(value);
            } else {
                return None;
            }
        }
        _ => return None,
    }
    Some(out)
}

/// The value at `path`.
pub fn at<'a>(whole: &'a Value, path: &[String]) -> Option<&'a Value> {
    whole.pointer(&pointer_of(path))
}

/// An empty JSON object.
pub fn empty_object() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_set_and_removed_by_path() {
        let whole = json!({"a": {"b": [1, 2]}});
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            with(&whole, &path(&["a", "b", "1"]), Some(json!(9))),
            Some(json!({"a": {"b": [1, 9]}}))
        );
        assert_eq!(
            with(&whole, &path(&["a", "c"]), Some(json!("x"))),
            Some(json!({"a": {"b": [1, 2], "c": "x"}}))
        );
        assert_eq!(
            with(&whole, &path(&["a", "b"]), None),
            Some(json!({"a": {}}))
        );
        assert_eq!(with(&whole, &path(&["x", "y"]), Some(json!(1))), None);
        assert_eq!(pointer_of(&path(&["a/b", "c~d"])), "/a~1b/c~0d");
        assert_eq!(at(&whole, &path(&["a", "b", "0"])), Some(&json!(1)));
    }
}
