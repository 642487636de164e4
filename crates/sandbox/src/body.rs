//! Reading a JSON request body: media type, size limit, schema, then serde.
//!
//! The body is checked against the JSON Schema of the committed contract
//! document **before** serde sees it: serde's derived `Deserialize` accepts
//! a JSON array for a struct (`"request": ["GET", "https://..."]`), which
//! the schema forbids, and the schema names every offending field with a
//! JSON pointer.
//!
//! **Decision (Content-Type):** `application/json` is accepted with any
//! parameters. Sitecore's own curl examples send the body with `-d` and no
//! `Content-Type` header, so curl labels it
//! `application/x-www-form-urlencoded`; that label, and a missing
//! `Content-Type`, are accepted too **when the body parses as JSON**, so the
//! published curl lines work as written. A form-labelled body that is not
//! JSON, and any other media type, is answered 415 `UNSUPPORTED_MEDIA_TYPE`.

use axum::{
    body::Body,
    http::{HeaderMap, header},
};
use connections_openapi::{Contract, Violation};
use connections_spec::FieldError;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// The largest request body accepted, in bytes (1 MiB); larger → 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// How the request labels its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Json,
    /// `application/x-www-form-urlencoded` (curl's `-d` default) or none.
    CurlDefault,
}

fn label(headers: &HeaderMap) -> Result<Label, ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Label::CurlDefault);
    };
    let text = value.to_str().unwrap_or("(not text)");
    let essence = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Ok(Label::Json),
        "application/x-www-form-urlencoded" => Ok(Label::CurlDefault),
        _ => Err(ApiError::unsupported_media_type(text)),
    }
}

/// Reads the whole body, at most [`BODY_LIMIT`] bytes.
pub async fn read_limited(body: Body) -> Result<axum::body::Bytes, ApiError> {
    match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::payload_too_large(BODY_LIMIT))
        }
        Err(error) => Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "BODY_UNREADABLE",
            format!("the request body could not be read: {error}"),
        )),
    }
}

/// Reads a JSON body, validates it against the contract's schema `schema`
/// and deserializes it.
pub async fn read_json<T: DeserializeOwned>(
    contract: &Contract,
    schema: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    let label = label(headers)?;
    let bytes = read_limited(body).await?;
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(_) if label == Label::CurlDefault && headers.contains_key(header::CONTENT_TYPE) => {
            return Err(ApiError::unsupported_media_type(
                "application/x-www-form-urlencoded (the body is not JSON)",
            ));
        }
        Err(error) => {
            return Err(ApiError::malformed_json(format!(
                "the request body is not valid JSON: {error}"
            )));
        }
    };
    let violations = contract
        .validate(schema, &value)
        .map_err(ApiError::internal)?;
    if !violations.is_empty() {
        let errors: Vec<FieldError> = violations.iter().map(field_error).collect();
        let mut message = format!(
            "the request body is invalid: {}: {}",
            display_field(&errors[0].field),
            errors[0].message
        );
        if errors.len() > 1 {
            message.push_str(&format!(" (and {} more)", errors.len() - 1));
        }
        let mut error = ApiError::validation(message, errors);
        // serde often says it more plainly ("unknown variant `FOO`,
        // expected `NONE` or `OAUTH`"); add it for the developer.
        if let Err(serde_error) = serde_json::from_value::<T>(value) {
            error.body.developer_message = Some(serde_error.to_string());
        }
        return Err(error);
    }
    serde_json::from_value(value).map_err(|error| {
        let message = error.to_string();
        ApiError::validation(
            format!("the request body is invalid: {message}"),
            vec![FieldError {
                field: String::new(),
                message,
            }],
        )
    })
}

fn display_field(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(the body)"
    } else {
        pointer
    }
}

/// A schema violation as a field error. For a missing or unexpected
/// property the pointer names the property itself, not its parent object.
fn field_error(violation: &Violation) -> FieldError {
    let property = if violation.schema_path.ends_with("/required") {
        leading_json_string(&violation.message)
    } else if violation.schema_path.ends_with("/additionalProperties") {
        first_quoted(&violation.message)
    } else {
        None
    };
    let field = match property {
        Some(name) => format!(
            "{}/{}",
            violation.instance_path,
            name.replace('~', "~0").replace('/', "~1")
        ),
        None => violation.instance_path.clone(),
    };
    FieldError {
        field,
        message: violation.message.clone(),
    }
}

/// `"name" is a required property` → `name`.
fn leading_json_string(message: &str) -> Option<String> {
    let mut stream = serde_json::Deserializer::from_str(message).into_iter::<String>();
    stream.next()?.ok()
}

/// `Additional properties are not allowed ('foo' was unexpected)` → `foo`.
fn first_quoted(message: &str) -> Option<String> {
    let start = message.find('\'')? + 1;
    let end = start + message[start..].find('\'')?;
    Some(message[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, StatusCode};
    use connections_spec::ConnectionInput;
    use serde_json::json;

    fn contract() -> Contract {
        Contract::from_json(crate::docs::OPENAPI_JSON).unwrap()
    }

    fn headers(content_type: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(ct) = content_type {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        h
    }

    async fn read(content_type: Option<&str>, body: &str) -> Result<ConnectionInput, ApiError> {
        read_json(
            &contract(),
            "ConnectionInput",
            &headers(content_type),
            Body::from(body.to_string()),
        )
        .await
    }

    fn valid() -> Value {
        json!({"name": "n", "auth": {"authType": "NONE"}, "systemType": "AI",
               "request": {"requestType": "GET", "connectionUrl": "https://x.example"}})
    }

    #[tokio::test]
    async fn json_and_curl_labels_are_accepted_for_json_bodies() {
        let body = valid().to_string();
        for ct in [
            Some("application/json"),
            Some("Application/JSON; charset=utf-8"),
            Some("application/x-www-form-urlencoded"),
            None,
        ] {
            assert_eq!(read(ct, &body).await.unwrap().name, "n", "{ct:?}");
        }
    }

    #[tokio::test]
    async fn other_media_types_and_form_bodies_are_415() {
        for (ct, body) in [
            (Some("text/plain"), valid().to_string()),
            (
                Some("application/x-www-form-urlencoded"),
                "name=n".to_string(),
            ),
        ] {
            let e = read(ct, &body).await.unwrap_err();
            assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
            assert_eq!(e.body.code.as_deref(), Some("UNSUPPORTED_MEDIA_TYPE"));
        }
    }

    #[tokio::test]
    async fn malformed_json_says_where() {
        let e = read(Some("application/json"), "{\"name\": }")
            .await
            .unwrap_err();
        assert_eq!(e.body.code.as_deref(), Some("MALFORMED_JSON"));
        assert!(e.body.message.unwrap().contains("line 1 column 10"));
    }

    #[tokio::test]
    async fn schema_violations_name_their_fields() {
        let mut missing = valid();
        missing.as_object_mut().unwrap().remove("name");
        let mut array_request = valid();
        array_request["request"] = json!(["GET", "https://x.example"]);
        let mut bad_enum = valid();
        bad_enum["request"]["requestType"] = json!("FETCH");
        let mut wrong_type = valid();
        wrong_type["connectionTimeout"] = json!("soon");
        for (value, field) in [
            (missing, "/name"),
            (array_request, "/request"),
            (bad_enum, "/request/requestType"),
            (wrong_type, "/connectionTimeout"),
        ] {
            let e = read(None, &value.to_string()).await.unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
            assert_eq!(e.body.code.as_deref(), Some("VALIDATION_FAILED"));
            let errors = e.body.errors.unwrap();
            assert_eq!(errors[0].field, field, "{errors:?}");
            assert!(e.body.message.unwrap().contains(field));
        }
    }

    #[tokio::test]
    async fn unknown_members_are_accepted_and_ignored() {
        // A client sends back what it retrieved, members a newer server
        // added included.
        let mut body = valid();
        body["colour"] = json!("red");
        let input = read(None, &body.to_string()).await.unwrap();
        assert!(
            serde_json::to_value(&input)
                .unwrap()
                .get("colour")
                .is_none()
        );
    }

    #[tokio::test]
    async fn values_the_schema_allows_but_the_type_cannot_hold_are_400() {
        let mut huge = valid();
        huge["connectionTimeout"] = json!(5_000_000_000u64);
        let e = read(None, &huge.to_string()).await.unwrap_err();
        assert_eq!(e.body.code.as_deref(), Some("VALIDATION_FAILED"));
    }

    #[tokio::test]
    async fn oversize_bodies_are_413() {
        let big = format!("{{\"name\": \"{}\"}}", "x".repeat(BODY_LIMIT));
        let e = read(None, &big).await.unwrap_err();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
