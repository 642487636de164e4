//! The operations of a document: path items (followed through `$ref`),
//! their effective parameters (an operation's own override the path
//! item's with the same name and location), request body and responses.

use serde_json::Value;

use crate::{
    pointer,
    refs::{Resolved, resolve_lenient_at},
};

/// The HTTP methods a path item may hold, in the specification's order.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// An object of the document reached through its `$ref`s.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<'a> {
    /// The object (not a reference).
    pub value: &'a Value,
    /// Where the object is (the target of its `$ref`s, if any).
    pub pointer: String,
    /// Where it is declared (the reference itself, if it is one).
    pub declared_at: String,
}

impl<'a> Located<'a> {
    fn new(document: &'a Value, value: &'a Value, declared_at: String) -> Self {
        let Resolved { value, pointer } = resolve_lenient_at(document, value, &declared_at);
        Self {
            value,
            pointer: pointer.to_string(),
            declared_at,
        }
    }
}

/// A parameter in effect for an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter<'a> {
    /// Its `name`.
    pub name: String,
    /// Its `in`: `path`, `query`, `header` or `cookie`.
    pub location: String,
    /// The parameter object.
    pub object: Located<'a>,
}

impl Parameter<'_> {
    /// Whether it is required (path parameters are, unless they say otherwise).
    pub fn required(&self) -> bool {
        self.object
            .value
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(self.location == "path")
    }
}

/// A documented response of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<'a> {
    /// Its key in `responses`: `201`, `2XX` or `default`.
    pub status: &'a str,
    /// The response object.
    pub object: Located<'a>,
}

/// One operation of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation<'a> {
    /// The path template (`/v2/connections/{connectionRef}`).
    pub path: &'a str,
    /// The method, lower case, as in the document.
    pub method: &'static str,
    /// The path item (followed through its `$ref`).
    pub item: Located<'a>,
    /// The operation object.
    pub value: &'a Value,
    /// Where the operation object is.
    pub pointer: String,
}

impl<'a> Operation<'a> {
    /// Its `operationId`, if it has one.
    pub fn operation_id(&self) -> Option<&'a str> {
        self.value.get("operationId").and_then(Value::as_str)
    }

    /// Its `operationId`, else `METHOD /path`.
    pub fn id_or_label(&self) -> String {
        match self.operation_id() {
            Some(id) => id.to_string(),
            None => format!("{} {}", self.method.to_ascii_uppercase(), self.path),
        }
    }

    /// The parameters in effect, path item's first; an operation's
    /// parameter replaces the path item's with the same name and location
    /// (and takes its place at the end).
    pub fn parameters(&self, document: &'a Value) -> Vec<Parameter<'a>> {
        let mut parameters: Vec<Parameter<'a>> = Vec::new();
        for (owner, owner_pointer) in [
            (self.item.value, &self.item.pointer),
            (self.value, &self.pointer),
        ] {
            let list = owner.get("parameters").and_then(Value::as_array);
            for (index, parameter) in list.into_iter().flatten().enumerate() {
                let object = Located::new(
                    document,
                    parameter,
                    format!("{owner_pointer}/parameters/{index}"),
                );
                let text = |key: &str| {
                    object
                        .value
                        .get(key)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                let (name, location) = (text("name"), text("in"));
                parameters.retain(|p| !(p.name == name && p.location == location));
                parameters.push(Parameter {
                    name,
                    location,
                    object,
                });
            }
        }
        parameters
    }

    /// The request body, when one is documented.
    pub fn request_body(&self, document: &'a Value) -> Option<Located<'a>> {
        let body = self.value.get("requestBody")?;
        Some(Located::new(
            document,
            body,
            format!("{}/requestBody", self.pointer),
        ))
    }

    /// The documented responses, in document order.
    pub fn responses(&self, document: &'a Value) -> Vec<Response<'a>> {
        let map = self.value.get("responses").and_then(Value::as_object);
        map.into_iter()
            .flatten()
            .map(|(status, response)| Response {
                status,
                object: Located::new(
                    document,
                    response,
                    pointer::join(&format!("{}/responses", self.pointer), status),
                ),
            })
            .collect()
    }
}

/// The operations of a path item (already followed through its `$ref`).
pub fn operations_of_item<'a>(
    path: &'a str,
    item: &Located<'a>,
) -> impl Iterator<Item = Operation<'a>> {
    METHODS.into_iter().filter_map(move |method| {
        item.value.get(method).map(|value| Operation {
            path,
            method,
            item: item.clone(),
            value,
            pointer: format!("{}/{method}", item.pointer),
        })
    })
}

/// The path items of a document, in document order, each followed
/// through its `$ref`.
pub fn path_items(document: &Value) -> Vec<(&str, Located<'_>)> {
    let paths = document.get("paths").and_then(Value::as_object);
    paths
        .into_iter()
        .flatten()
        .map(|(path, item)| {
            let at = pointer::join("/paths", path);
            (path.as_str(), Located::new(document, item, at))
        })
        .collect()
}

/// Every operation of a document, path by path, in method order.
pub fn operations(document: &Value) -> Vec<Operation<'_>> {
    path_items(document)
        .into_iter()
        .flat_map(|(path, item)| operations_of_item(path, &item).collect::<Vec<_>>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document() -> Value {
        json!({
            "paths": {
                "/things/{id}": {
                    "parameters": [
                        {"name": "id", "in": "path", "description": "item"},
                        {"name": "trace", "in": "header"}
                    ],
                    "get": {
                        "operationId": "getThing",
                        "parameters": [
                            {"$ref": "#/components/parameters/Id"},
                            {"name": "trace", "in": "query"}
                        ],
                        "responses": {
                            "200": {"$ref": "#/components/responses/Thing"},
                            "4XX": {"description": "no"}
                        }
                    },
                    "post": {"requestBody": {"$ref": "#/components/requestBodies/Thing"}}
                },
                "/shared": {"$ref": "#/components/pathItems/Shared"}
            },
            "components": {
                "parameters": {"Id": {"name": "id", "in": "path", "description": "operation"}},
                "responses": {"Thing": {"description": "a thing"}},
                "requestBodies": {"Thing": {"required": true}},
                "pathItems": {"Shared": {"delete": {"operationId": "deleteShared"}}}
            }
        })
    }

    #[test]
    fn path_items_behind_a_ref_have_their_operations() {
        let document = document();
        let all = operations(&document);
        let labels: Vec<String> = all.iter().map(Operation::id_or_label).collect();
        assert_eq!(labels, ["getThing", "POST /things/{id}", "deleteShared"]);
        let shared = &all[2];
        assert_eq!(shared.path, "/shared");
        assert_eq!(shared.pointer, "/components/pathItems/Shared/delete");
        assert_eq!(shared.item.declared_at, "/paths/~1shared");
    }

    #[test]
    fn operation_parameters_override_the_path_items_by_name_and_location() {
        let document = document();
        let get = &operations(&document)[0];
        let parameters = get.parameters(&document);
        let keys: Vec<(&str, &str)> = parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location.as_str()))
            .collect();
        assert_eq!(
            keys,
            [("trace", "header"), ("id", "path"), ("trace", "query")]
        );
        let id = &parameters[1];
        assert_eq!(id.object.value["description"], "operation");
        assert_eq!(id.object.pointer, "/components/parameters/Id");
        assert_eq!(
            id.object.declared_at,
            "/paths/~1things~1{id}/get/parameters/0"
        );
        assert!(id.required());
        assert!(!parameters[0].required());
    }

    #[test]
    fn responses_and_bodies_are_followed_through_refs() {
        let document = document();
        let all = operations(&document);
        let responses = all[0].responses(&document);
        assert_eq!(responses[0].status, "200");
        assert_eq!(responses[0].object.pointer, "/components/responses/Thing");
        assert_eq!(
            responses[1].object.pointer,
            "/paths/~1things~1{id}/get/responses/4XX"
        );
        let body = all[1].request_body(&document).unwrap();
        assert_eq!(body.pointer, "/components/requestBodies/Thing");
        assert!(all[0].request_body(&document).is_none());
    }
}
