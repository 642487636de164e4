//! The decisions taken where Sitecore's docs are silent or contradict
//! themselves, each pinned by a test (see the doc comments of the types).

mod common;

use connections_spec::{
    Auth, Connection, ConnectionInput, MappingType, TestConnectionResult, examples::ALL,
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
    let schema = &document["components"]["schemas"]["TestConnectionResult"];
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .contains(&json!("statusCode"))
    );
    let result: TestConnectionResult = serde_json::from_value(json!({
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
