//! The decisions taken where Sitecore's docs are silent or contradict
//! themselves, each pinned by a test (see the doc comments of the types).

mod common;

use connections_spec::{
    Auth, Connection, ConnectionInput, ConnectionTestResult, MappingType, document::AUTH_VARIANTS,
    examples::ALL,
};
use serde_json::{Value, json};

fn example(file: &str) -> Value {
    ALL.iter()
        .find(|e| e.file == file)
        .unwrap_or_else(|| panic!("no example {file}"))
        .value()
}

fn retrieved() -> Value {
    example("retrieve-a-connection.response.json")
}

#[test]
fn auth_is_an_object_not_an_array() {
    // The tables say "array of objects"; every example sends an object.
    let document = common::document();
    let mut body = example("update-a-connection.request.json");
    assert!(body["auth"].is_object());
    body["auth"] = json!([{"authType": "NONE"}]);
    assert!(serde_json::from_value::<ConnectionInput>(body.clone()).is_err());
    let errors = common::validation_errors(&document, "ConnectionInput", &body);
    assert!(errors.iter().any(|e| e.contains("/auth")), "{errors:?}");
}

#[test]
fn request_is_an_object_not_an_array_of_strings() {
    let mut body = example("update-a-connection.request.json");
    body["request"] = json!(["POST", "https://example.com"]);
    // serde's derived Deserialize also reads a struct from a sequence, so
    // this parses in Rust; the schema is stricter, and servers validate
    // bodies against it before parsing (the sandbox does).
    assert!(serde_json::from_value::<ConnectionInput>(body.clone()).is_ok());
    let errors = common::validation_errors(&common::document(), "ConnectionInput", &body);
    assert!(errors.iter().any(|e| e.contains("/request")), "{errors:?}");
}

#[test]
fn the_update_response_omits_revision_description_and_lists() {
    let body = example("update-a-connection.response.json");
    for absent in [
        "revision",
        "description",
        "inputMappings",
        "outputMappings",
        "customHeaders",
        "urlParameters",
        "exampleValue",
    ] {
        assert!(body.get(absent).is_none(), "{absent}");
    }
    let parsed: Connection = serde_json::from_value(body).unwrap();
    assert_eq!(parsed.revision, None);
    assert_eq!(parsed.description, None);
}

#[test]
fn required_response_fields_are_exactly_those_every_example_has() {
    let document = common::document();
    let required: Vec<String> = document["components"]["schemas"]["Connection"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let responses: Vec<Value> = ALL
        .iter()
        .filter(|e| e.file.ends_with(".response.json") && e.value().get("clientKey").is_some())
        .map(|e| e.value())
        .collect();
    assert!(responses.len() >= 3);
    for field in &required {
        for response in &responses {
            assert!(
                response.get(field).is_some(),
                "required {field} missing from an example response"
            );
        }
    }
    for field in [
        "clientKey",
        "href",
        "ref",
        "name",
        "modifiedByRef",
        "modifiedAt",
        "archived",
        "auth",
        "request",
        "systemType",
        "connectionTimeout",
    ] {
        assert!(
            required.contains(&field.to_string()),
            "{field} should be required"
        );
    }
}

#[test]
fn modified_at_is_an_rfc3339_date_time() {
    let document = common::document();
    let mut body = retrieved();
    body["modifiedAt"] = json!("yesterday");
    let err = serde_json::from_value::<Connection>(body.clone()).unwrap_err();
    assert!(
        err.to_string()
            .contains("input contains invalid characters")
            || err.to_string().contains("premature"),
        "{err}"
    );
    assert!(!common::validation_errors(&document, "Connection", &body).is_empty());
    assert_eq!(
        document["components"]["schemas"]["Connection"]["properties"]["modifiedAt"]["format"],
        "date-time"
    );
}

#[test]
fn example_value_is_a_json_string_not_an_object() {
    let mut body = retrieved();
    assert!(body["exampleValue"].is_string());
    body["exampleValue"] = json!({"key": "x"});
    let err = serde_json::from_value::<Connection>(body).unwrap_err();
    assert!(err.to_string().contains("expected a string"), "{err}");
}

#[test]
fn base_url_placeholders_in_url_fields_are_accepted() {
    // `format: uri` would reject the docs' own `<baseURL>/...` values.
    let document = common::document();
    let body = retrieved();
    assert!(body["href"].as_str().unwrap().starts_with("<baseURL>"));
    common::assert_valid(&document, "Connection", &body, "the retrieve example");
}

#[test]
fn capitalised_string_mapping_type_is_accepted() {
    let parsed: MappingType = serde_json::from_value(json!("String")).unwrap();
    assert_eq!(parsed, MappingType::StringCapitalized);
    assert!(serde_json::from_value::<MappingType>(json!("STRING")).is_err());
}

#[test]
fn lower_case_oauth_from_the_overview_table_is_rejected() {
    assert!(
        serde_json::from_value::<Auth>(
            json!({"authType": "oauth", "clientId": "c", "accessTokenUrl": "u"})
        )
        .is_err()
    );
    assert!(
        serde_json::from_value::<Auth>(
            json!({"authType": "OAUTH", "clientId": "c", "accessTokenUrl": "u"})
        )
        .is_ok()
    );
}

#[test]
fn modified_by_user_ref_of_the_overview_table_is_not_the_field_name() {
    let mut body = retrieved();
    let value = body
        .as_object_mut()
        .unwrap()
        .remove("modifiedByRef")
        .unwrap();
    body["modifiedByUserRef"] = value;
    let err = serde_json::from_value::<Connection>(body).unwrap_err();
    assert!(
        err.to_string().contains("missing field `modifiedByRef`"),
        "{err}"
    );
}

#[test]
fn missing_required_fields_and_wrong_types_name_the_field() {
    let body = example("update-a-connection.request.json");
    for field in ["name", "auth", "request", "systemType"] {
        let mut missing = body.clone();
        missing.as_object_mut().unwrap().remove(field);
        let err = serde_json::from_value::<ConnectionInput>(missing).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("missing field `{field}`")),
            "{err}"
        );
    }
    let mut wrong = body.clone();
    wrong["name"] = json!(42);
    let err = serde_json::from_value::<ConnectionInput>(wrong).unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid type: integer `42`, expected a string"),
        "{err}"
    );

    let mut unknown = body;
    unknown["systemType"] = json!("MAINFRAME");
    let err = serde_json::from_value::<ConnectionInput>(unknown).unwrap_err();
    assert!(
        err.to_string().contains("unknown variant `MAINFRAME`"),
        "{err}"
    );
}

#[test]
fn test_result_status_code_is_required_but_nullable() {
    let document = common::document();
    let schema = &document["components"]["schemas"]["ConnectionTestResult"];
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .contains(&json!("statusCode"))
    );
    let result: ConnectionTestResult = serde_json::from_value(json!({
        "statusCode": null, "executionTimeInMilliseconds": 3, "request": {"headers": {}}, "error": "refused"
    }))
    .unwrap();
    assert_eq!(result.status_code, None);
}

#[test]
fn read_only_fields_sent_back_are_accepted_by_the_input() {
    // GET, edit, PUT: the retrieved body is a valid update body.
    let document = common::document();
    let body = retrieved();
    let input: ConnectionInput = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        input.reference.as_deref(),
        Some("47c20b31-b5d8-492f-94e5-064958716c21")
    );
    common::assert_valid(
        &document,
        "ConnectionInput",
        &body,
        "a retrieved connection sent back",
    );
}

/// Every integer schema of the document, with its JSON pointer.
fn integer_schemas(value: &Value, pointer: &str, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            let is_integer = match map.get("type") {
                Some(Value::String(t)) => t == "integer",
                Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
                _ => false,
            };
            if is_integer {
                out.push((pointer.to_string(), value.clone()));
            }
            for (key, child) in map {
                if key != "example" && key != "examples" {
                    integer_schemas(child, &format!("{pointer}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                integer_schemas(child, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_integer_states_its_bounds_and_a_registered_format() {
    // Schemathesis sent 549755813887 as a timeout and 6658054721 as an
    // offset: the document allowed them, a JVM `int` cannot hold them.
    let mut integers = Vec::new();
    integer_schemas(&common::document(), "#", &mut integers);
    assert!(integers.len() >= 14, "{integers:?}");
    for (pointer, schema) in &integers {
        let format = schema["format"].as_str();
        assert!(
            matches!(format, Some("int32" | "int64")),
            "{pointer}: format {format:?} is not a registered OpenAPI format"
        );
        let (Some(min), Some(max)) = (schema["minimum"].as_i64(), schema["maximum"].as_i64())
        else {
            panic!("{pointer}: no minimum or maximum: {schema}");
        };
        let limit = if format == Some("int32") {
            i64::from(i32::MAX)
        } else {
            (1 << 53) - 1
        };
        assert!(
            0 <= min && min <= max && max <= limit,
            "{pointer}: {min}..={max}"
        );
    }
}

#[test]
fn the_bounds_are_what_a_jvm_int_holds() {
    let document = common::document();
    let input = &document["components"]["schemas"]["ConnectionInput"]["properties"];
    for member in ["connectionTimeout", "socketTimeout"] {
        assert_eq!(input[member]["maximum"], json!(connections_spec::MAX_INT32));
        assert_eq!(input[member]["minimum"], json!(0));
    }
    let mut body = example("update-a-connection.request.json");
    body["connectionTimeout"] = json!(2_147_483_647_u32);
    assert!(common::validation_errors(&document, "ConnectionInput", &body).is_empty());
    body["connectionTimeout"] = json!(2_147_483_648_u64);
    let errors = common::validation_errors(&document, "ConnectionInput", &body);
    assert!(
        errors.iter().any(|e| e.contains("/connectionTimeout")),
        "{errors:?}"
    );
}

#[test]
fn integral_floats_are_integers() {
    // JSON Schema counts 1389.0 as an integer; so must every server.
    let document = common::document();
    let mut body = example("update-a-connection.request.json");
    body["socketTimeout"] = json!(1389.0);
    body["connectionTimeout"] = serde_json::from_str("1E3").unwrap();
    assert!(common::validation_errors(&document, "ConnectionInput", &body).is_empty());
    body["socketTimeout"] = json!(1389.5);
    assert!(!common::validation_errors(&document, "ConnectionInput", &body).is_empty());
}

#[test]
fn request_bodies_accept_and_ignore_unknown_members() {
    // A client that sends back what it retrieved must not get a 400 the day
    // a server adds a member to the connection.
    let document = common::document();
    let mut body = retrieved();
    body["memberAddedLater"] = json!({"anything": [1, 2]});
    assert!(common::validation_errors(&document, "ConnectionInput", &body).is_empty());
    let parsed: ConnectionInput = serde_json::from_value(body.clone()).unwrap();
    assert!(
        serde_json::to_value(&parsed)
            .unwrap()
            .get("memberAddedLater")
            .is_none()
    );
    let test = json!({"connection": body, "dryRun": true});
    assert!(common::validation_errors(&document, "TestConnectionRequest", &test).is_empty());
    assert!(serde_json::from_value::<connections_spec::TestConnectionRequest>(test).is_ok());
}

#[test]
fn every_enum_names_its_variants_uniquely() {
    // openapi-python-client refused `string` beside `String`:
    // "Duplicate key STRING in enum MappingType".
    let document = common::document();
    for (schema, variants) in connections_spec::document::ENUM_VARIANT_NAMES {
        let enum_schema = &document["components"]["schemas"][*schema];
        let values: Vec<&str> = variants.iter().map(|(value, _)| *value).collect();
        assert_eq!(enum_schema["enum"], json!(values), "{schema}");
        let names: Vec<&str> = variants.iter().map(|(_, name)| *name).collect();
        assert_eq!(enum_schema["x-enum-varnames"], json!(names), "{schema}");
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{schema} has duplicate names");
    }
    let enums = document["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, schema)| schema["enum"].as_array().is_some_and(|v| v.len() > 1))
        .count();
    assert_eq!(enums, connections_spec::document::ENUM_VARIANT_NAMES.len());
    assert_eq!(
        document["components"]["schemas"]["MappingType"]["x-enum-varnames"][5],
        "STRING_CAPITALIZED"
    );
    assert_eq!(
        serde_json::to_value(MappingType::StringCapitalized).unwrap(),
        "String"
    );
}

#[test]
fn auth_is_a_one_of_of_named_variants_without_a_discriminator() {
    let document = common::document();
    let schemas = &document["components"]["schemas"];
    let auth = &schemas["Auth"];
    // openapi-generator's rust models cannot parse a body of a union with
    // a discriminator whose variants require the tag (1.1.0).
    assert!(auth.get("discriminator").is_none(), "{auth}");
    let variants: Vec<&Value> = auth["oneOf"].as_array().unwrap().iter().collect();
    assert_eq!(variants.len(), AUTH_VARIANTS.len());
    for (tag, name) in AUTH_VARIANTS {
        let target = format!("#/components/schemas/{name}");
        assert!(variants.contains(&&json!({ "$ref": target })), "{tag}");
        let variant = &schemas[*name];
        assert_eq!(variant["title"], *name);
        assert_eq!(variant["properties"]["authType"]["enum"], json!([tag]));
        assert!(
            variant["required"]
                .as_array()
                .unwrap()
                .contains(&json!("authType")),
            "{name} requires its tag"
        );
        // serde writes exactly this tag for the variant.
        let sample = if *tag == "NONE" {
            json!({"authType": "NONE"})
        } else {
            json!({"authType": "OAUTH", "clientId": "c", "accessTokenUrl": "u"})
        };
        let parsed: Auth = serde_json::from_value(sample.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(parsed).unwrap()["authType"],
            json!(tag)
        );
        // Without a discriminator the tag alone picks the variant: the
        // body is valid for its own variant and for no other.
        for (_, other) in AUTH_VARIANTS {
            let errors = common::validation_errors(&document, other, &sample);
            assert_eq!(errors.is_empty(), other == name, "{sample} against {other}");
        }
    }
}

#[test]
fn no_schema_is_named_as_a_generator_names_an_operations_types() {
    // orval (default settings) writes `<Operation>Result`, `<Operation>Params`
    // and `<Operation>Body` beside the schemas: 1.1.0's
    // `TestConnectionResult` collided with the result of `testConnection`.
    let document = common::document();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let mut operations = 0;
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            operations += 1;
            let mut pascal = id.to_string();
            pascal[..1].make_ascii_uppercase();
            for suffix in ["Result", "Params", "Body"] {
                let name = format!("{pascal}{suffix}");
                assert!(
                    !schemas.contains_key(&name),
                    "schema {name} collides with {id}"
                );
            }
        }
    }
    assert_eq!(operations, 5);
    assert!(schemas.contains_key("ConnectionTestResult"));
}

#[test]
fn a_stored_secret_goes_only_with_the_settings_it_was_saved_with() {
    let saved: Auth = serde_json::from_value(json!({
        "authType": "OAUTH", "clientId": "c", "clientSecret": "s",
        "accessTokenUrl": "https://id.example/token",
        "oauthCustomHeaders": [{"name": "X-Tenant", "value": "t"}]
    }))
    .unwrap();
    // Sent back as retrieved (no secret; omitted lists and flags read as
    // their defaults): the same settings.
    let retrieved: Auth = serde_json::from_value(json!({
        "authType": "OAUTH", "clientId": "c", "accessTokenUrl": "https://id.example/token",
        "useMutualTls": false, "oauthCustomHeaders": [{"name": "X-Tenant", "value": "t"}],
        "formUrlEncodedItems": []
    }))
    .unwrap();
    assert!(retrieved.same_settings_as(&saved));
    for (member, value) in [
        ("clientId", json!("other")),
        ("accessTokenUrl", json!("https://attacker.example/token")),
        ("useMutualTls", json!(true)),
        (
            "oauthCustomHeaders",
            json!([{"name": "X-Tenant", "value": "u"}]),
        ),
        (
            "formUrlEncodedItems",
            json!([{"name": "audience", "value": "a"}]),
        ),
    ] {
        let mut changed = serde_json::to_value(&retrieved).unwrap();
        changed[member] = value;
        let changed: Auth = serde_json::from_value(changed).unwrap();
        assert!(!changed.same_settings_as(&saved), "{member}");
    }
    assert!(!Auth::None.same_settings_as(&saved));
    assert!(!saved.same_settings_as(&Auth::None));
}

#[test]
fn framing_headers_are_the_servers_to_set() {
    let mut body = example("update-a-connection.request.json");
    body["customHeaders"] = json!([
        {"name": "X-Fine", "value": "1"},
        {"name": "content-length", "value": "5"},
        {"name": " Transfer-Encoding", "value": "chunked"}
    ]);
    body["auth"] = json!({"authType": "OAUTH", "clientId": "c", "accessTokenUrl": "u",
        "oauthCustomHeaders": [{"name": "CONTENT-LENGTH", "value": "500"}]});
    let input: ConnectionInput = serde_json::from_value(body).unwrap();
    assert_eq!(
        input.framing_headers(),
        [
            "/customHeaders/1/name",
            "/customHeaders/2/name",
            "/auth/oauthCustomHeaders/0/name"
        ]
    );
    let fine: ConnectionInput =
        serde_json::from_value(example("update-a-connection.request.json")).unwrap();
    assert!(fine.framing_headers().is_empty());
}
