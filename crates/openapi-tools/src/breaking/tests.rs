//! One before/after pair per rule, in both directions where the rule has
//! two: each test states what a client would see.

use serde_json::{Value, json};

use super::*;

/// A small API: `Req` is only sent (POST body), `Res` only received (POST
/// 201), `Both` is sent and received (PUT), `GET /things` has an optional
/// `limit` query parameter.
fn api() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Things", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.test"}],
        "security": [{"bearer": []}],
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "parameters": [{
                        "name": "limit", "in": "query", "required": false,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
                    }],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Res"}}}}}}
                },
                "post": {
                    "operationId": "createThing",
                    "requestBody": {"required": true, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Req"},
                        "examples": {"one": {"value": {"name": "a"}}}}}},
                    "responses": {
                        "201": {"description": "created", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Res"}}}},
                        "400": {"description": "bad"}
                    }
                }
            },
            "/things/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "put": {
                    "operationId": "updateThing",
                    "requestBody": {"required": true, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Both"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Both"}}}}}
                }
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Req": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 50},
                        "size": {"type": "number"},
                        "note": {"type": ["string", "null"]},
                        "kind": {"$ref": "#/components/schemas/Kind"},
                        "shape": {"oneOf": [
                            {"type": "object", "required": ["form"], "properties": {"form": {"type": "string", "enum": ["ROUND"]}}},
                            {"type": "object", "required": ["form"], "properties": {"form": {"type": "string", "enum": ["SQUARE"]}}}
                        ]}
                    }
                },
                "Res": {
                    "type": "object",
                    "required": ["id", "count"],
                    "properties": {
                        "id": {"type": "string"},
                        "count": {"type": "integer", "minimum": 0},
                        "label": {"type": "string", "format": "date-time"},
                        "color": {"type": "string", "enum": ["RED", "BLUE"]},
                        "link": {"oneOf": [{"$ref": "#/components/schemas/Link"}, {"type": "null"}]},
                        "shape": {"oneOf": [
                            {"type": "object", "required": ["form"], "properties": {
                                "form": {"type": "string", "enum": ["ROUND"]},
                                "finish": {"type": "string", "enum": ["MATT", "GLOSS"]}
                            }}
                        ]}
                    }
                },
                "Both": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {"state": {"$ref": "#/components/schemas/State"}}
                },
                "Kind": {"type": "string", "enum": ["A", "B"]},
                "State": {"type": "string", "enum": ["ON", "OFF"]},
                "Link": {"type": "object", "required": ["href"], "properties": {"href": {"type": "string"}}}
            }
        }
    })
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let key = key.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent).unwrap() {
        Value::Object(map) => {
            map.insert(key, value);
        }
        Value::Array(items) => {
            let index: usize = key.parse().unwrap();
            if index == items.len() {
                items.push(value);
            } else {
                items[index] = value;
            }
        }
        other => panic!("{parent} is {other}"),
    }
}

fn remove(doc: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let key = key.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent).unwrap() {
        Value::Object(map) => {
            map.shift_remove(&key)
                .unwrap_or_else(|| panic!("no {pointer}"));
        }
        Value::Array(items) => {
            items.remove(key.parse::<usize>().unwrap());
        }
        other => panic!("{parent} is {other}"),
    }
}

/// Compares `before` with `before` changed by `change`.
fn diff(change: impl FnOnce(&mut Value)) -> Vec<Finding> {
    let before = api();
    let mut after = before.clone();
    change(&mut after);
    compare(&before, &after).unwrap()
}

/// The findings other than documentation.
fn contract(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.category != Category::Documentation)
        .collect()
}

/// Asserts exactly one contract finding, of `rule`, breaking or not.
#[track_caller]
fn only(findings: &[Finding], rule: Rule, breaking: bool) -> Finding {
    let relevant = contract(findings);
    assert_eq!(relevant.len(), 1, "expected one {}: {relevant:#?}", rule.id);
    let finding = relevant[0].clone();
    assert_eq!(finding.rule, rule.id, "{finding:#?}");
    assert_eq!(finding.breaking, breaking, "{finding:#?}");
    finding
}

#[test]
fn identical_documents_have_no_findings() {
    assert!(diff(|_| {}).is_empty());
    let committed: Value = serde_json::to_value(connections_spec::openapi()).unwrap();
    assert!(compare(&committed, &committed).unwrap().is_empty());
}

#[test]
fn every_rule_has_a_unique_id_and_a_summary() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
    assert!(RULES.iter().all(|r| !r.summary.is_empty()));
}

// Paths and operations.

#[test]
fn removing_a_path_is_breaking_and_adding_one_is_not() {
    let f = only(
        &diff(|d| remove(d, "/paths/~1things~1{id}")),
        rule::PATH_REMOVED,
        true,
    );
    assert_eq!(f.base_pointer, "/paths/~1things~1{id}");
    assert_eq!(f.revision_pointer, "/paths");
    let f = only(
        &diff(|d| {
            set(
                d,
                "/paths/~1other",
                json!({"get": {"operationId": "getOther", "summary": "Other",
                "responses": {"200": {"description": "ok"}}}}),
            )
        }),
        rule::OPERATION_ADDED,
        false,
    );
    assert_eq!(f.revision_pointer, "/paths/~1other/get");
    assert!(f.message.contains("getOther"), "{}", f.message);
}

#[test]
fn removing_an_operation_is_breaking_and_adding_one_is_not() {
    let f = only(
        &diff(|d| remove(d, "/paths/~1things/post")),
        rule::OPERATION_REMOVED,
        true,
    );
    assert_eq!(f.base_pointer, "/paths/~1things/post");
    assert_eq!(f.revision_pointer, "/paths/~1things");
    only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things/delete",
                json!({"operationId": "clear",
                "responses": {"204": {"description": "gone"}}}),
            )
        }),
        rule::OPERATION_ADDED,
        false,
    );
}

#[test]
fn renaming_an_operation_id_is_breaking() {
    only(
        &diff(|d| set(d, "/paths/~1things/post/operationId", json!("makeThing"))),
        rule::OPERATION_ID_CHANGED,
        true,
    );
}

#[test]
fn deprecating_an_operation_is_not_breaking() {
    let findings = diff(|d| set(d, "/paths/~1things/post/deprecated", json!(true)));
    let f = only(&findings, rule::OPERATION_DEPRECATED, false);
    assert_eq!(f.category, Category::Deprecated);
}

// Security and servers.

#[test]
fn a_changed_security_requirement_is_breaking_an_added_alternative_is_not() {
    only(
        &diff(|d| set(d, "/paths/~1things/post/security", json!([{"apiKey": []}]))),
        rule::SECURITY_REQUIREMENT_CHANGED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things/post/security",
                json!([{"bearer": []}, {}]),
            )
        }),
        rule::SECURITY_ALTERNATIVE_ADDED,
        false,
    );
    // From no authentication to a required one.
    let before = {
        let mut d = api();
        set(&mut d, "/paths/~1things/get/security", json!([]));
        d
    };
    let findings = compare(&before, &api()).unwrap();
    only(&findings, rule::SECURITY_REQUIREMENT_CHANGED, true);
}

#[test]
fn a_changed_security_scheme_is_breaking_a_new_one_is_not() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/securitySchemes/bearer/scheme",
                json!("basic"),
            )
        }),
        rule::SECURITY_SCHEME_CHANGED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/securitySchemes/key",
                json!({"type": "apiKey", "in": "header", "name": "X-Key"}),
            )
        }),
        rule::SECURITY_SCHEME_ADDED,
        false,
    );
}

#[test]
fn removing_a_server_is_breaking_adding_one_is_not() {
    only(
        &diff(|d| set(d, "/servers", json!([]))),
        rule::SERVER_REMOVED,
        true,
    );
    only(
        &diff(|d| set(d, "/servers/1", json!({"url": "https://eu.example.test"}))),
        rule::SERVER_ADDED,
        false,
    );
}

// Parameters.

#[test]
fn removing_a_parameter_is_breaking() {
    let f = only(
        &diff(|d| set(d, "/paths/~1things/get/parameters", json!([]))),
        rule::PARAMETER_REMOVED,
        true,
    );
    assert_eq!(f.base_pointer, "/paths/~1things/get/parameters/0");
    assert_eq!(f.revision_pointer, "/paths/~1things/get/parameters");
}

#[test]
fn a_new_required_parameter_is_breaking_a_new_optional_one_is_not() {
    let param = |required| json!({"name": "q", "in": "query", "required": required, "schema": {"type": "string"}});
    let f = only(
        &diff(|d| set(d, "/paths/~1things/get/parameters/1", param(true))),
        rule::REQUIRED_PARAMETER_ADDED,
        true,
    );
    assert_eq!(f.revision_pointer, "/paths/~1things/get/parameters/1");
    only(
        &diff(|d| set(d, "/paths/~1things/get/parameters/1", param(false))),
        rule::OPTIONAL_PARAMETER_ADDED,
        false,
    );
}

#[test]
fn a_parameter_becoming_required_is_breaking_becoming_optional_is_not() {
    only(
        &diff(|d| set(d, "/paths/~1things/get/parameters/0/required", json!(true))),
        rule::PARAMETER_BECAME_REQUIRED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things~1{id}/parameters/0/required",
                json!(false),
            )
        }),
        rule::PARAMETER_BECAME_OPTIONAL,
        false,
    );
}

#[test]
fn deprecating_a_parameter_is_not_breaking() {
    only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things/get/parameters/0/deprecated",
                json!(true),
            )
        }),
        rule::PARAMETER_DEPRECATED,
        false,
    );
}

#[test]
fn parameter_schemas_are_judged_as_requests() {
    // Narrower range: clients sending 100 are refused.
    let f = only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things/get/parameters/0/schema/maximum",
                json!(50),
            )
        }),
        rule::LIMIT_TIGHTENED,
        true,
    );
    assert_eq!(
        f.base_pointer,
        "/paths/~1things/get/parameters/0/schema/maximum"
    );
    only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things/get/parameters/0/schema/maximum",
                json!(500),
            )
        }),
        rule::LIMIT_LOOSENED,
        false,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things/get/parameters/0/schema/default",
                json!(20),
            )
        }),
        rule::DEFAULT_CHANGED,
        true,
    );
}

// Request bodies.

#[test]
fn request_body_changes() {
    only(
        &diff(|d| remove(d, "/paths/~1things/post/requestBody")),
        rule::REQUEST_BODY_REMOVED,
        true,
    );
    let body = |required| json!({"required": required, "content": {"application/json": {"schema": {"type": "object"}}}});
    only(
        &diff(|d| set(d, "/paths/~1things/get/requestBody", body(true))),
        rule::REQUEST_BODY_ADDED,
        true,
    );
    only(
        &diff(|d| set(d, "/paths/~1things/get/requestBody", body(false))),
        rule::REQUEST_BODY_ADDED,
        false,
    );
    only(
        &diff(|d| set(d, "/paths/~1things/post/requestBody/required", json!(false))),
        rule::REQUEST_BODY_BECAME_OPTIONAL,
        false,
    );
    let before = {
        let mut d = api();
        set(
            &mut d,
            "/paths/~1things/post/requestBody/required",
            json!(false),
        );
        d
    };
    only(
        &compare(&before, &api()).unwrap(),
        rule::REQUEST_BODY_BECAME_REQUIRED,
        true,
    );
}

#[test]
fn request_media_types() {
    let findings = diff(|d| {
        let media = d
            .pointer("/paths/~1things/post/requestBody/content/application~1json")
            .unwrap()
            .clone();
        remove(
            d,
            "/paths/~1things/post/requestBody/content/application~1json",
        );
        set(
            d,
            "/paths/~1things/post/requestBody/content/application~1xml",
            media,
        );
    });
    let rules: Vec<(&str, bool)> = contract(&findings)
        .iter()
        .map(|f| (f.rule, f.breaking))
        .collect();
    assert_eq!(
        rules,
        vec![
            (rule::REQUEST_MEDIA_TYPE_REMOVED.id, true),
            (rule::REQUEST_MEDIA_TYPE_ADDED.id, false)
        ]
    );
}

// Responses.

#[test]
fn removing_a_response_is_breaking() {
    let f = only(
        &diff(|d| remove(d, "/paths/~1things/post/responses/400")),
        rule::RESPONSE_REMOVED,
        true,
    );
    assert_eq!(f.base_pointer, "/paths/~1things/post/responses/400");
    assert_eq!(f.revision_pointer, "/paths/~1things/post/responses");
}

#[test]
fn a_new_success_status_is_breaking_a_new_error_status_is_not() {
    only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things/post/responses/202",
                json!({"description": "accepted"}),
            )
        }),
        rule::SUCCESS_STATUS_ADDED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things/post/responses/409",
                json!({"description": "conflict"}),
            )
        }),
        rule::RESPONSE_ADDED,
        false,
    );
}

#[test]
fn a_changed_success_status_is_breaking() {
    let findings = diff(|d| {
        let created = d
            .pointer("/paths/~1things/post/responses/201")
            .unwrap()
            .clone();
        remove(d, "/paths/~1things/post/responses/201");
        set(d, "/paths/~1things/post/responses/200", created);
    });
    let rules: Vec<(&str, bool)> = contract(&findings)
        .iter()
        .map(|f| (f.rule, f.breaking))
        .collect();
    assert_eq!(
        rules,
        vec![
            (rule::RESPONSE_REMOVED.id, true),
            (rule::SUCCESS_STATUS_ADDED.id, true)
        ]
    );
}

#[test]
fn removing_a_response_media_type_is_breaking() {
    only(
        &diff(|d| set(d, "/paths/~1things/post/responses/201/content", json!({}))),
        rule::RESPONSE_MEDIA_TYPE_REMOVED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/paths/~1things/post/responses/400/content",
                json!({"application/json": {}}),
            )
        }),
        rule::RESPONSE_MEDIA_TYPE_ADDED,
        false,
    );
}

// Properties and required members.

#[test]
fn a_response_property_added_is_not_breaking_removed_is() {
    let f = only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/extra",
                json!({"type": "string"}),
            )
        }),
        rule::PROPERTY_ADDED,
        false,
    );
    assert_eq!(f.base_pointer, "/components/schemas/Res/properties");
    assert_eq!(
        f.revision_pointer,
        "/components/schemas/Res/properties/extra"
    );
    let f = only(
        &diff(|d| remove(d, "/components/schemas/Res/properties/label")),
        rule::PROPERTY_REMOVED,
        true,
    );
    assert_eq!(f.base_pointer, "/components/schemas/Res/properties/label");
    assert_eq!(f.revision_pointer, "/components/schemas/Res/properties");
    assert!(f.message.contains("Res.label"), "{}", f.message);
}

#[test]
fn a_new_required_response_property_is_not_breaking() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/extra",
                json!({"type": "string"}),
            );
            set(d, "/components/schemas/Res/required/2", json!("extra"));
        }),
        rule::REQUIRED_PROPERTY_ADDED,
        false,
    );
}

#[test]
fn a_new_optional_request_property_is_not_breaking_a_required_one_is() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/extra",
                json!({"type": "string"}),
            )
        }),
        rule::PROPERTY_ADDED,
        false,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/extra",
                json!({"type": "string"}),
            );
            set(d, "/components/schemas/Req/required/1", json!("extra"));
        }),
        rule::REQUIRED_PROPERTY_ADDED,
        true,
    );
    only(
        &diff(|d| remove(d, "/components/schemas/Req/properties/size")),
        rule::PROPERTY_REMOVED,
        true,
    );
}

#[test]
fn a_property_added_to_a_closed_response_object_is_breaking() {
    // `Both` allows no other members: old clients refuse the new one.
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Both/properties/extra",
                json!({"type": "string"}),
            )
        }),
        rule::PROPERTY_ADDED,
        true,
    );
}

#[test]
fn required_changes_depend_on_the_direction() {
    let f = only(
        &diff(|d| set(d, "/components/schemas/Req/required/1", json!("size"))),
        rule::PROPERTY_BECAME_REQUIRED,
        true,
    );
    assert_eq!(f.base_pointer, "/components/schemas/Req/required");
    only(
        &diff(|d| set(d, "/components/schemas/Res/required/2", json!("label"))),
        rule::PROPERTY_BECAME_REQUIRED,
        false,
    );
    only(
        &diff(|d| set(d, "/components/schemas/Res/required", json!(["id"]))),
        rule::PROPERTY_BECAME_OPTIONAL,
        true,
    );
    only(
        &diff(|d| set(d, "/components/schemas/Req/required", json!([]))),
        rule::PROPERTY_BECAME_OPTIONAL,
        false,
    );
}

// Types, nullability, formats.

#[test]
fn type_changes_depend_on_the_direction() {
    // integer is a kind of number: a request may widen, a response narrow.
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/size/type",
                json!("integer"),
            )
        }),
        rule::TYPE_CHANGED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/count/type",
                json!("number"),
            )
        }),
        rule::TYPE_CHANGED,
        true,
    );
    let before = {
        let mut d = api();
        set(
            &mut d,
            "/components/schemas/Req/properties/size/type",
            json!("integer"),
        );
        set(
            &mut d,
            "/components/schemas/Res/properties/count/type",
            json!("number"),
        );
        d
    };
    let findings = compare(&before, &api()).unwrap();
    assert_eq!(contract(&findings).len(), 2, "{findings:#?}");
    assert!(
        findings
            .iter()
            .all(|f| f.rule == rule::TYPE_CHANGED.id && !f.breaking),
        "{findings:#?}"
    );
    // An unrelated type breaks both ways.
    let f = only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/id/type",
                json!("integer"),
            )
        }),
        rule::TYPE_CHANGED,
        true,
    );
    assert_eq!(f.base_pointer, "/components/schemas/Res/properties/id/type");
}

#[test]
fn nullability_changes_depend_on_the_direction() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/id/type",
                json!(["string", "null"]),
            )
        }),
        rule::NULLABLE_CHANGED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/name/type",
                json!(["string", "null"]),
            )
        }),
        rule::NULLABLE_CHANGED,
        false,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/note/type",
                json!("string"),
            )
        }),
        rule::NULLABLE_CHANGED,
        true,
    );
    // The `oneOf [X, null]` form: no longer nullable in a response is fine.
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/link",
                json!({"$ref": "#/components/schemas/Link"}),
            )
        }),
        rule::NULLABLE_CHANGED,
        false,
    );
}

#[test]
fn format_changes_depend_on_the_direction() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/name/format",
                json!("uuid"),
            )
        }),
        rule::FORMAT_CHANGED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/id/format",
                json!("uuid"),
            )
        }),
        rule::FORMAT_CHANGED,
        false,
    );
    only(
        &diff(|d| remove(d, "/components/schemas/Res/properties/label/format")),
        rule::FORMAT_CHANGED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/label/format",
                json!("date"),
            )
        }),
        rule::FORMAT_CHANGED,
        true,
    );
}

// Enums.

#[test]
fn an_enum_value_added_to_a_response_is_breaking() {
    let f = only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/color/enum/2",
                json!("GREEN"),
            )
        }),
        rule::ENUM_VALUE_ADDED,
        true,
    );
    assert_eq!(
        f.base_pointer,
        "/components/schemas/Res/properties/color/enum"
    );
    assert!(f.message.contains("\"GREEN\""), "{}", f.message);
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/color/enum",
                json!(["RED"]),
            )
        }),
        rule::ENUM_VALUE_REMOVED,
        false,
    );
}

#[test]
fn an_enum_value_removed_from_a_request_is_breaking() {
    // Kind is reached from Req only: a request schema.
    only(
        &diff(|d| set(d, "/components/schemas/Kind/enum", json!(["A"]))),
        rule::ENUM_VALUE_REMOVED,
        true,
    );
    only(
        &diff(|d| set(d, "/components/schemas/Kind/enum", json!(["A", "B", "C"]))),
        rule::ENUM_VALUE_ADDED,
        false,
    );
}

#[test]
fn a_schema_used_both_ways_gets_the_stricter_classification() {
    // State is sent and received (PUT body and 200): adding is breaking for
    // readers, removing for writers.
    let f = only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/State/enum",
                json!(["ON", "OFF", "IDLE"]),
            )
        }),
        rule::ENUM_VALUE_ADDED,
        true,
    );
    assert_eq!(f.base_pointer, "/components/schemas/State/enum");
    assert_eq!(f.revision_pointer, "/components/schemas/State/enum");
    only(
        &diff(|d| set(d, "/components/schemas/State/enum", json!(["ON"]))),
        rule::ENUM_VALUE_REMOVED,
        true,
    );
}

#[test]
fn enum_constraints_added_or_removed() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/name/enum",
                json!(["x"]),
            )
        }),
        rule::ENUM_CONSTRAINT_ADDED,
        true,
    );
    only(
        &diff(|d| remove(d, "/components/schemas/Res/properties/color/enum")),
        rule::ENUM_CONSTRAINT_REMOVED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/id/enum",
                json!(["x"]),
            )
        }),
        rule::ENUM_CONSTRAINT_ADDED,
        false,
    );
}

// Limits and defaults.

#[test]
fn limits_tightened_in_requests_or_loosened_in_responses_are_breaking() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/name/maxLength",
                json!(20),
            )
        }),
        rule::LIMIT_TIGHTENED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/name/maxLength",
                json!(80),
            )
        }),
        rule::LIMIT_LOOSENED,
        false,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/name/minLength",
                json!(1),
            )
        }),
        rule::LIMIT_TIGHTENED,
        true,
    );
    only(
        &diff(|d| remove(d, "/components/schemas/Res/properties/count/minimum")),
        rule::LIMIT_LOOSENED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/count/minimum",
                json!(1),
            )
        }),
        rule::LIMIT_TIGHTENED,
        false,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/name/pattern",
                json!("^[a-z]+$"),
            )
        }),
        rule::LIMIT_TIGHTENED,
        true,
    );
}

#[test]
fn a_changed_default_in_a_response_is_not_breaking() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/id/default",
                json!("x"),
            )
        }),
        rule::DEFAULT_CHANGED,
        false,
    );
}

// Additional properties, variants.

#[test]
fn additional_properties_depend_on_the_direction() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/additionalProperties",
                json!(false),
            )
        }),
        rule::ADDITIONAL_PROPERTIES_RESTRICTED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/additionalProperties",
                json!(false),
            )
        }),
        rule::ADDITIONAL_PROPERTIES_RESTRICTED,
        false,
    );
    only(
        &diff(|d| remove(d, "/components/schemas/Both/additionalProperties")),
        rule::ADDITIONAL_PROPERTIES_ALLOWED,
        true,
    );
}

#[test]
fn variants_depend_on_the_direction() {
    let square = json!({"type": "object", "required": ["form"], "properties": {"form": {"type": "string", "enum": ["SQUARE"]}}});
    let f = only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/shape/oneOf/1",
                square.clone(),
            )
        }),
        rule::VARIANT_ADDED,
        true,
    );
    assert_eq!(
        f.revision_pointer,
        "/components/schemas/Res/properties/shape/oneOf/1"
    );
    assert!(f.message.contains("form=\"SQUARE\""), "{}", f.message);
    only(
        &diff(|d| remove(d, "/components/schemas/Req/properties/shape/oneOf/1")),
        rule::VARIANT_REMOVED,
        true,
    );
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Req/properties/shape/oneOf/2",
                json!({"type": "object", "properties": {"form": {"type": "string", "enum": ["STAR"]}}}),
            )
        }),
        rule::VARIANT_ADDED,
        false,
    );
    // Variants match by their fixed value, not position: reordering is no change.
    let findings = diff(|d| {
        let shapes = d
            .pointer_mut("/components/schemas/Req/properties/shape/oneOf")
            .unwrap();
        shapes.as_array_mut().unwrap().reverse();
    });
    assert!(contract(&findings).is_empty(), "{findings:#?}");
    // Inside a matched variant, members compare as usual.
    let f = only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/shape/oneOf/0/properties/finish/enum/2",
                json!("SATIN"),
            )
        }),
        rule::ENUM_VALUE_ADDED,
        true,
    );
    assert_eq!(
        f.base_pointer,
        "/components/schemas/Res/properties/shape/oneOf/0/properties/finish/enum"
    );
    assert!(
        f.message.contains("Res.shape (form=\"ROUND\").finish"),
        "{}",
        f.message
    );
}

#[test]
fn an_inline_variant_moved_to_a_named_component_is_the_same_variant() {
    // Contract 1.1.0 moved Auth's inline variants to AuthNone/AuthOAuth.
    let findings = diff(|d| {
        let shapes = d
            .pointer_mut("/components/schemas/Req/properties/shape/oneOf")
            .unwrap()
            .as_array_mut()
            .unwrap();
        let first = std::mem::replace(
            &mut shapes[0],
            json!({"$ref": "#/components/schemas/NamedShape"}),
        );
        d["components"]["schemas"]["NamedShape"] = first;
    });
    let contract_findings = contract(&findings);
    assert!(
        contract_findings
            .iter()
            .all(|f| f.rule == rule::SCHEMA_ADDED.id && !f.breaking),
        "{contract_findings:#?}"
    );
    // A change inside the moved variant is still seen.
    let findings = diff(|d| {
        let shapes = d
            .pointer_mut("/components/schemas/Req/properties/shape/oneOf")
            .unwrap()
            .as_array_mut()
            .unwrap();
        let mut first = std::mem::replace(
            &mut shapes[0],
            json!({"$ref": "#/components/schemas/NamedShape"}),
        );
        first["required"] = json!(["form", "added"]);
        first["properties"]["added"] = json!({"type": "string"});
        d["components"]["schemas"]["NamedShape"] = first;
    });
    assert!(
        findings
            .iter()
            .any(|f| f.breaking && f.message.contains("added")),
        "{findings:#?}"
    );
}

// Components and references.

#[test]
fn removing_a_component_schema_is_breaking_adding_one_is_not() {
    only(
        &diff(|d| set(d, "/components/schemas/Extra", json!({"type": "string"}))),
        rule::SCHEMA_ADDED,
        false,
    );
    let findings = diff(|d| {
        set(
            d,
            "/components/schemas/Res/properties/link",
            json!({"type": ["object", "null"]}),
        );
        remove(d, "/components/schemas/Link");
    });
    assert!(
        findings
            .iter()
            .any(|f| f.rule == rule::SCHEMA_REMOVED.id && f.breaking),
        "{findings:#?}"
    );
}

#[test]
fn references_to_renamed_components_are_followed() {
    // `Res` renamed `Thing`, and `label` dropped on the way.
    let findings = diff(|d| {
        let mut thing = d.pointer("/components/schemas/Res").unwrap().clone();
        remove(&mut thing, "/properties/label");
        remove(d, "/components/schemas/Res");
        set(d, "/components/schemas/Thing", thing);
        set(
            d,
            "/paths/~1things/post/responses/201/content/application~1json/schema/$ref",
            json!("#/components/schemas/Thing"),
        );
        set(
            d,
            "/paths/~1things/get/responses/200/content/application~1json/schema/items/$ref",
            json!("#/components/schemas/Thing"),
        );
    });
    let removed = findings
        .iter()
        .find(|f| f.rule == rule::PROPERTY_REMOVED.id)
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert!(removed.breaking);
    assert_eq!(
        removed.base_pointer,
        "/components/schemas/Res/properties/label"
    );
    assert_eq!(
        removed.revision_pointer,
        "/components/schemas/Thing/properties"
    );
    // Reported once, though two operations reach it.
    assert_eq!(
        findings
            .iter()
            .filter(|f| f.rule == rule::PROPERTY_REMOVED.id)
            .count(),
        1
    );
    assert!(findings.iter().any(|f| f.rule == rule::SCHEMA_REMOVED.id));
    assert!(findings.iter().any(|f| f.rule == rule::SCHEMA_ADDED.id));
}

#[test]
fn a_schema_renamed_with_the_same_content_is_one_breaking_rename() {
    // `Res` renamed `Thing`, only its description changed: the wire is the
    // same, generated code loses the name.
    let findings = diff(|d| {
        let mut thing = d.pointer("/components/schemas/Res").unwrap().clone();
        thing["description"] = json!("renamed");
        remove(d, "/components/schemas/Res");
        set(d, "/components/schemas/Thing", thing);
        set(
            d,
            "/paths/~1things/post/responses/201/content/application~1json/schema/$ref",
            json!("#/components/schemas/Thing"),
        );
        set(
            d,
            "/paths/~1things/get/responses/200/content/application~1json/schema/items/$ref",
            json!("#/components/schemas/Thing"),
        );
    });
    let renamed: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule == rule::SCHEMA_RENAMED.id)
        .collect();
    assert_eq!(renamed.len(), 1, "{findings:#?}");
    assert!(renamed[0].breaking);
    assert_eq!(renamed[0].impact, Some(Impact::Code));
    assert!(human_report(&findings).contains("breaks:   generated code only"));
    assert_eq!(renamed[0].base_pointer, "/components/schemas/Res");
    assert_eq!(renamed[0].revision_pointer, "/components/schemas/Thing");
    assert!(
        renamed[0].message.contains("Res renamed to Thing"),
        "{}",
        renamed[0].message
    );
    // Removed outright, a schema breaks the wire too.
    assert_eq!(rule::SCHEMA_REMOVED.impact(), Impact::Wire);
    for gone in [rule::SCHEMA_REMOVED.id, rule::SCHEMA_ADDED.id] {
        assert!(!findings.iter().any(|f| f.rule == gone), "{findings:#?}");
    }
    // The only other difference is the description.
    assert!(
        findings
            .iter()
            .filter(|f| f.rule != rule::SCHEMA_RENAMED.id)
            .all(|f| !f.breaking),
        "{findings:#?}"
    );
}

#[test]
fn an_unknown_reference_is_an_error_naming_it() {
    let before = api();
    let mut after = before.clone();
    set(
        &mut after,
        "/paths/~1things/post/responses/201/content/application~1json/schema/$ref",
        json!("#/components/schemas/Nope"),
    );
    let err = compare(&before, &after).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("#/components/schemas/Nope"), "{text}");
    assert!(text.contains("revision"), "{text}");
}

#[test]
fn a_document_without_paths_is_refused() {
    let err = compare(&json!({"openapi": "3.1.0"}), &api()).unwrap_err();
    assert!(
        matches!(err, BreakingError::Malformed { side: "base", .. }),
        "{err}"
    );
}

// Documentation.

#[test]
fn descriptions_and_examples_are_documentation() {
    let findings = diff(|d| {
        set(
            d,
            "/components/schemas/Res/properties/id/description",
            json!("The id."),
        );
        set(d, "/paths/~1things/post/summary", json!("Create"));
        set(
            d,
            "/paths/~1things/post/requestBody/content/application~1json/examples/one/value",
            json!({"name": "b"}),
        );
    });
    assert_eq!(findings.len(), 3, "{findings:#?}");
    assert!(
        findings
            .iter()
            .all(|f| !f.breaking && f.category == Category::Documentation)
    );
    assert!(findings.iter().any(|f| f.rule == rule::EXAMPLE_CHANGED.id));
}

#[test]
fn deprecating_a_property_is_not_breaking() {
    only(
        &diff(|d| {
            set(
                d,
                "/components/schemas/Res/properties/id/deprecated",
                json!(true),
            )
        }),
        rule::SCHEMA_DEPRECATED,
        false,
    );
}

// The contract itself.

#[test]
fn a_new_system_type_in_the_contract_is_breaking_for_existing_clients() {
    let before: Value = serde_json::to_value(connections_spec::openapi()).unwrap();
    let mut after = before.clone();
    let values = after
        .pointer_mut("/components/schemas/SystemType/enum")
        .and_then(Value::as_array_mut)
        .unwrap();
    values.push(json!("WAREHOUSE"));
    let findings = compare(&before, &after).unwrap();
    let f = only(&findings, rule::ENUM_VALUE_ADDED, true);
    assert_eq!(f.base_pointer, "/components/schemas/SystemType/enum");
    let v = |s| semver::Version::parse(s).unwrap();
    assert_eq!(
        verdict(&v("1.0.0"), &v("1.1.0"), &findings),
        Verdict::BreakingWithoutMajorBump
    );
    assert_eq!(
        verdict(&v("1.0.0"), &v("2.0.0"), &findings),
        Verdict::BreakingWithMajorBump
    );
}

#[test]
fn a_new_optional_member_of_the_connection_input_is_compatible() {
    let before: Value = serde_json::to_value(connections_spec::openapi()).unwrap();
    let mut after = before.clone();
    set(
        &mut after,
        "/components/schemas/ConnectionInput/properties/tags",
        json!({"type": ["array", "null"], "items": {"type": "string"}}),
    );
    let findings = compare(&before, &after).unwrap();
    let v = |s| semver::Version::parse(s).unwrap();
    assert_eq!(
        verdict(&v("1.0.0"), &v("1.0.0"), &findings),
        Verdict::Compatible,
        "{findings:#?}"
    );
}

// The gate.

#[test]
fn major_bumps() {
    let v = |s| semver::Version::parse(s).unwrap();
    assert!(is_major_bump(&v("1.4.2"), &v("2.0.0")));
    assert!(!is_major_bump(&v("1.4.2"), &v("1.5.0")));
    assert!(!is_major_bump(&v("1.4.2"), &v("1.4.2")));
    assert!(is_major_bump(&v("0.3.1"), &v("0.4.0")));
    assert!(!is_major_bump(&v("0.3.1"), &v("0.3.2")));
    assert!(is_major_bump(&v("0.3.1"), &v("1.0.0")));
}

#[test]
fn the_human_report_lists_breaking_findings_first_with_both_pointers() {
    let findings = diff(|d| {
        set(
            d,
            "/components/schemas/Res/properties/extra",
            json!({"type": "string"}),
        );
        remove(d, "/components/schemas/Res/properties/label");
    });
    let report = human_report(&findings);
    let breaking = report.find("BREAKING:").unwrap();
    let compatible = report.find("non-breaking:").unwrap();
    assert!(breaking < compatible, "{report}");
    assert!(
        report.contains("[property-removed] Res.label: property removed"),
        "{report}"
    );
    assert!(
        report.contains("base:     /components/schemas/Res/properties/label"),
        "{report}"
    );
    assert_eq!(human_report(&[]), "no differences\n");
}

#[test]
fn the_rules_page_lists_every_rule() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/breaking-rules.md"),
    )
    .unwrap();
    for rule in RULES {
        assert!(
            page.contains(&format!("| `{}` | ", rule.id)),
            "docs/breaking-rules.md does not list {}",
            rule.id
        );
    }
    let code_only: Vec<String> = CODE_ONLY.iter().map(|r| format!("`{}`", r.id)).collect();
    let (last, first) = code_only.split_last().unwrap();
    let listed = format!("{} and {last}", first.join(", "));
    assert!(
        page.replace('\n', " ").contains(&listed),
        "docs/breaking-rules.md does not name the rules of impact code: {listed}"
    );
}

#[test]
fn unknown_and_cyclic_references_are_errors_naming_the_side() {
    let mut missing = api();
    missing["components"]["schemas"]["Req"]["properties"]["size"] =
        json!({"$ref": "#/components/schemas/Nope"});
    let err = compare(&api(), &missing).unwrap_err();
    assert!(
        matches!(&err, BreakingError::UnknownRef { side: "revision", reference, .. }
            if reference == "#/components/schemas/Nope"),
        "{err}"
    );
    let mut cyclic = api();
    cyclic["components"]["schemas"]["Loop"] = json!({"$ref": "#/components/schemas/Loop"});
    cyclic["components"]["schemas"]["Req"]["properties"]["size"] =
        json!({"$ref": "#/components/schemas/Loop"});
    let err = compare(&cyclic, &api()).unwrap_err();
    assert!(
        matches!(&err, BreakingError::UnknownRef { side: "base", reference, .. }
            if reference.contains("cycle")),
        "{err}"
    );
}

// Names for generators: x-enum-varnames and discriminators.

/// Compares `api()` changed by `setup` with that changed by `change`.
fn diff_after(setup: impl Fn(&mut Value), change: impl FnOnce(&mut Value)) -> Vec<Finding> {
    let mut before = api();
    setup(&mut before);
    let mut after = before.clone();
    change(&mut after);
    compare(&before, &after).unwrap()
}

fn named_states(d: &mut Value) {
    set(
        d,
        "/components/schemas/State/x-enum-varnames",
        json!(["ON_STATE", "OFF_STATE"]),
    );
}

#[test]
fn renaming_or_dropping_an_enum_values_generated_name_is_breaking() {
    let f = only(
        &diff_after(named_states, |d| {
            set(
                d,
                "/components/schemas/State/x-enum-varnames",
                json!(["ON_STATE", "OFF"]),
            )
        }),
        rule::ENUM_NAME_CHANGED,
        true,
    );
    assert_eq!(f.base_pointer, "/components/schemas/State/x-enum-varnames");
    assert!(
        f.message.contains("\"OFF\" renamed from OFF_STATE to OFF"),
        "{}",
        f.message
    );
    let findings = diff_after(named_states, |d| {
        remove(d, "/components/schemas/State/x-enum-varnames")
    });
    let dropped: Vec<_> = contract(&findings);
    assert_eq!(dropped.len(), 2, "{dropped:#?}");
    assert!(
        dropped
            .iter()
            .all(|f| f.rule == rule::ENUM_NAME_CHANGED.id && f.breaking)
    );
    assert!(
        dropped[0]
            .message
            .contains("no longer named (was ON_STATE)"),
        "{}",
        dropped[0].message
    );
    // Giving names where there were none changes no generated name that
    // code relies on.
    let findings = diff(named_states);
    let named: Vec<_> = contract(&findings);
    assert_eq!(named.len(), 2, "{named:#?}");
    assert!(
        named
            .iter()
            .all(|f| f.rule == rule::ENUM_NAME_CHANGED.id && !f.breaking)
    );
}

#[test]
fn a_value_added_with_its_name_is_only_the_value_added() {
    only(
        &diff_after(named_states, |d| {
            set(d, "/components/schemas/State/enum/2", json!("IDLE"));
            set(
                d,
                "/components/schemas/State/x-enum-varnames/2",
                json!("IDLE_STATE"),
            );
        }),
        rule::ENUM_VALUE_ADDED,
        true,
    );
}

fn discriminated_shapes(d: &mut Value) {
    set(
        d,
        "/components/schemas/Res/properties/shape/discriminator",
        json!({"propertyName": "form", "mapping": {
            "ROUND": "#/components/schemas/Round", "SQUARE": "#/components/schemas/Square"}}),
    );
}

#[test]
fn a_discriminator_removed_or_changed_is_breaking_and_one_added_is_not() {
    let pointer = "/components/schemas/Res/properties/shape/discriminator";
    let f = only(
        &diff(discriminated_shapes),
        rule::DISCRIMINATOR_CHANGED,
        false,
    );
    assert_eq!(f.revision_pointer, pointer);
    assert!(
        f.message.contains("now discriminated by form"),
        "{}",
        f.message
    );
    only(
        &diff_after(discriminated_shapes, |d| remove(d, pointer)),
        rule::DISCRIMINATOR_CHANGED,
        true,
    );
    let f = only(
        &diff_after(discriminated_shapes, |d| {
            set(d, &format!("{pointer}/propertyName"), json!("shapeKind"))
        }),
        rule::DISCRIMINATOR_CHANGED,
        true,
    );
    assert!(
        f.message
            .contains("property changed from form to shapeKind"),
        "{}",
        f.message
    );
    let f = only(
        &diff_after(discriminated_shapes, |d| {
            set(
                d,
                &format!("{pointer}/mapping/ROUND"),
                json!("#/components/schemas/Circle"),
            )
        }),
        rule::DISCRIMINATOR_CHANGED,
        true,
    );
    assert!(
        f.message
            .contains("mapping of ROUND changed from #/components/schemas/Round to #/components/schemas/Circle"),
        "{}",
        f.message
    );
    only(
        &diff_after(discriminated_shapes, |d| {
            remove(d, &format!("{pointer}/mapping/SQUARE"))
        }),
        rule::DISCRIMINATOR_CHANGED,
        true,
    );
    only(
        &diff_after(discriminated_shapes, |d| {
            set(
                d,
                &format!("{pointer}/mapping/OVAL"),
                json!("#/components/schemas/Oval"),
            )
        }),
        rule::DISCRIMINATOR_CHANGED,
        false,
    );
}
