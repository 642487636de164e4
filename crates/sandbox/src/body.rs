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
use connections_spec::FieldError;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, MAX_FIELD_ERRORS, cut};

/// How deep arrays and objects of a request body may nest, the body
/// itself counted (the JSON parser's limit); deeper → 400
/// `NESTING_TOO_DEEP`.
pub const MAX_NESTING: usize = 127;

/// The largest request body accepted, in bytes (1 MiB); larger → 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// How the request labels its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Json,
    /// `application/x-www-form-urlencoded` (curl's `-d` default) or none.
    CurlDefault,
}

/// How the body is labelled, refusing what would have to be guessed: two
/// `Content-Type` headers (400 `AMBIGUOUS_CONTENT_TYPE`: a proxy in front
/// may read the other one), a `Content-Encoding` the sandbox does not
/// decode, and a charset other than UTF-8 (415: JSON is UTF-8).
fn label(headers: &HeaderMap) -> Result<Label, ApiError> {
    let mut values = headers.get_all(header::CONTENT_TYPE).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "AMBIGUOUS_CONTENT_TYPE",
            "the request has more than one Content-Type header; send exactly one",
        ));
    }
    for coding in headers.get_all(header::CONTENT_ENCODING) {
        let coding = coding.to_str().unwrap_or("(not text)");
        if coding
            .split(',')
            .any(|c| !c.trim().eq_ignore_ascii_case("identity"))
        {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                format!(
                    "the request body is sent with Content-Encoding {coding}, which the \
                     sandbox does not decode; send it uncompressed"
                ),
            ));
        }
    }
    let Some(value) = first else {
        return Ok(Label::CurlDefault);
    };
    let text = value.to_str().unwrap_or("(not text)");
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, value)| value.trim().trim_matches('"').to_string());
    if let Some(charset) = charset.filter(|c| !c.eq_ignore_ascii_case("utf-8")) {
        return Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("the request body is labelled charset={charset}; JSON is sent as UTF-8"),
        ));
    }
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

/// The request-body schemas of the contract document, compiled once.
///
/// Compiled here rather than through the conformance crate so that each
/// failure's structured kind (`required`, `additionalProperties`, ...) is
/// at hand: the member it names is read from the kind, never from the
/// message's text.
pub struct Schemas {
    validators: std::collections::HashMap<String, jsonschema::Validator>,
}

impl Schemas {
    /// Compiles the component schemas `names` of `document`.
    pub fn compile(document: &Value, names: &[&str]) -> Result<Self, SchemaError> {
        let components = document
            .get("components")
            .cloned()
            .ok_or_else(|| SchemaError("the document has no components".into()))?;
        let mut validators = std::collections::HashMap::new();
        for name in names {
            if components.pointer(&format!("/schemas/{name}")).is_none() {
                return Err(SchemaError(format!("the document has no schema {name}")));
            }
            let root = serde_json::json!({
                "$ref": format!("#/components/schemas/{name}"),
                "components": components,
            });
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&root)
                .map_err(|e| SchemaError(format!("the schema {name} does not compile: {e}")))?;
            validators.insert((*name).to_string(), validator);
        }
        Ok(Self { validators })
    }

    /// The schemas the sandbox reads request bodies with.
    pub fn request_bodies(document: &Value) -> Result<Self, SchemaError> {
        Self::compile(document, &["ConnectionInput", "TestConnectionRequest"])
    }

    /// The violations of `instance` against the schema `name`, as field
    /// errors: the first [`MAX_FIELD_ERRORS`] and how many there are in
    /// all (`None` for an unknown schema). The others are counted, not
    /// kept.
    pub fn violations(&self, name: &str, instance: &Value) -> Option<(Vec<FieldError>, usize)> {
        let validator = self.validators.get(name)?;
        let mut shown = Vec::new();
        let mut total = 0;
        for error in validator.iter_errors(instance) {
            for field_error in field_errors(&error) {
                total += 1;
                if shown.len() < MAX_FIELD_ERRORS {
                    shown.push(field_error);
                }
            }
        }
        Some((shown, total))
    }
}

/// A request-body schema of the contract document is unusable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SchemaError(String);

/// Reads a JSON body, validates it against the contract's schema `schema`
/// and deserializes it.
///
/// Before the schema sees it, the body is parsed strictly: a member given
/// twice in one object is a 400 naming it; a number with no fraction
/// (`1000.0`, `1E3`, `-0`), which JSON Schema counts as an integer, is
/// read as that integer. A number the schema allows but the type cannot
/// hold is a 400 naming its member.
pub async fn read_json<T: DeserializeOwned>(
    schemas: &Schemas,
    schema: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    let label = label(headers)?;
    let bytes = read_limited(body).await?;
    let value: Value = match strict::parse(&bytes) {
        Ok(parsed) => {
            refuse_inexact_integers(schemas, schema, &parsed)?;
            parsed.value
        }
        Err(strict::Error::Duplicate(pointer)) => {
            let message = format!("the member {pointer} is given more than once");
            let mut error =
                ApiError::malformed_json(format!("the request body is invalid: {message}"));
            error.body.errors = Some(vec![FieldError {
                field: pointer,
                message,
            }]);
            return Err(error);
        }
        Err(strict::Error::Json(_))
            if label == Label::CurlDefault && headers.contains_key(header::CONTENT_TYPE) =>
        {
            return Err(ApiError::unsupported_media_type(
                "application/x-www-form-urlencoded (the body is not JSON)",
            ));
        }
        Err(strict::Error::Json(error)) if error.to_string().starts_with("recursion limit") => {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "NESTING_TOO_DEEP",
                format!(
                    "the request body nests arrays and objects deeper than {MAX_NESTING} levels \
                     (the body itself is the first), the most the server reads; it stops at \
                     line {} column {}",
                    error.line(),
                    error.column()
                ),
            ));
        }
        Err(strict::Error::Json(error)) => {
            return Err(ApiError::malformed_json(format!(
                "the request body is not valid JSON: {error}"
            )));
        }
    };
    let (errors, total) = schemas
        .violations(schema, &value)
        .ok_or_else(|| ApiError::internal(format!("no compiled schema {schema}")))?;
    if !errors.is_empty() {
        let mut error = validation_error(errors, total);
        // serde often says it more plainly ("unknown variant `FOO`,
        // expected `NONE` or `OAUTH`"); add it for the developer.
        if let Err(serde_error) = serde_json::from_value::<T>(value) {
            error = error.with_developer_message(&serde_error.to_string());
        }
        return Err(error);
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let field = pointer_of(error.path());
        let message = error.into_inner().to_string();
        validation_error(vec![FieldError { field, message }], 1)
    })
}

/// A number written with a fraction or an exponent that reads as an
/// integer only by rounding (`1000.00000000000001`, `1e-400`) is refused
/// where the schema wants an integer: 400 naming the member. Elsewhere (an
/// unknown member, which is ignored) it is let through. Where the schema
/// wants one is found by asking it about the number as written, as text.
fn refuse_inexact_integers(
    schemas: &Schemas,
    schema: &str,
    parsed: &strict::Parsed,
) -> Result<(), ApiError> {
    if parsed.inexact.is_empty() {
        return Ok(());
    }
    let mut probe = parsed.value.clone();
    for (pointer, written) in &parsed.inexact {
        if let Some(slot) = probe.pointer_mut(pointer) {
            *slot = Value::String(written.clone());
        }
    }
    let (violations, _) = schemas
        .violations(schema, &probe)
        .ok_or_else(|| ApiError::internal(format!("no compiled schema {schema}")))?;
    let errors: Vec<FieldError> = parsed
        .inexact
        .iter()
        .filter(|(pointer, _)| violations.iter().any(|v| v.field == *pointer))
        .map(|(pointer, written)| FieldError {
            field: pointer.clone(),
            message: format!(
                "{written} is not an exact integer (it would be rounded); send an integer"
            ),
        })
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    let total = errors.len();
    Err(validation_error(errors, total))
}

/// 400 `VALIDATION_FAILED` whose message names the first field, of
/// `total` errors.
fn validation_error(errors: Vec<FieldError>, total: usize) -> ApiError {
    let mut message = format!(
        "the request body is invalid: {}: {}",
        cut(display_field(&errors[0].field)),
        cut(&errors[0].message)
    );
    if total > 1 {
        message.push_str(&format!(" (and {} more)", total - 1));
    }
    ApiError::validation_of(&message, errors, total)
}

/// A serde path (`connection.request.headers[0]`) as a JSON pointer.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn display_field(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(the body)"
    } else {
        pointer
    }
}

/// A schema failure as field errors, read from its structured kind: a
/// missing property, and each unexpected one, is named by its own pointer
/// (not its parent object's).
fn field_errors(error: &jsonschema::ValidationError<'_>) -> Vec<FieldError> {
    use jsonschema::error::ValidationErrorKind;
    let at = error.instance_path().to_string();
    let message = error.to_string();
    let named = |name: &str| FieldError {
        field: format!("{at}/{}", escape(name)),
        message: message.clone(),
    };
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            vec![named(property.as_str().unwrap_or_default())]
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => unexpected
            .iter()
            .map(|name| FieldError {
                field: format!("{at}/{}", escape(name)),
                message: format!("{name} is not a member of this object"),
            })
            .collect(),
        _ => vec![FieldError { field: at, message }],
    }
}

/// Strict JSON parsing: duplicate members refused, integral numbers read
/// as integers.
mod strict {
    use std::{
        cell::{Cell, RefCell},
        fmt,
    };

    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number, Value};

    /// Why a body is not strict JSON.
    #[derive(Debug)]
    pub enum Error {
        /// A member is given twice in one object (its JSON pointer).
        Duplicate(String),
        /// Not JSON at all.
        Json(serde_json::Error),
    }

    /// A parsed body.
    #[derive(Debug)]
    pub struct Parsed {
        /// The value, integral numbers as integers.
        pub value: Value,
        /// The numbers written with a fraction or an exponent that are not
        /// exact integers but read as one (`1000.00000000000001`,
        /// `1e-400`): their JSON pointers and how they were written.
        pub inexact: Vec<(String, String)>,
    }

    /// What the parse of one body shares.
    struct Shared<'a> {
        duplicate: RefCell<Option<String>>,
        /// Every number of the text, as written, in document order (the
        /// order the parser visits them).
        numbers: Vec<&'a str>,
        next_number: Cell<usize>,
        inexact: RefCell<Vec<(String, String)>>,
    }

    /// Parses `bytes` as one JSON value.
    pub fn parse(bytes: &[u8]) -> Result<Parsed, Error> {
        let shared = Shared {
            duplicate: RefCell::new(None),
            numbers: numbers(bytes),
            next_number: Cell::new(0),
            inexact: RefCell::new(Vec::new()),
        };
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let parsed = Seed {
            pointer: String::new(),
            shared: &shared,
        }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
        match (parsed, shared.duplicate.into_inner()) {
            (_, Some(pointer)) => Err(Error::Duplicate(pointer)),
            (Ok(value), None) => Ok(Parsed {
                value,
                inexact: shared.inexact.into_inner(),
            }),
            (Err(error), None) => Err(Error::Json(error)),
        }
    }

    /// The number tokens of a JSON text, as written, in order (strings
    /// skipped). On a text that is not JSON the list is meaningless, and
    /// the parse fails anyway.
    fn numbers(bytes: &[u8]) -> Vec<&str> {
        let mut found = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            match bytes[at] {
                b'"' => {
                    at += 1;
                    while at < bytes.len() && bytes[at] != b'"' {
                        at += if bytes[at] == b'\\' { 2 } else { 1 };
                    }
                    at += 1;
                }
                b'-' | b'0'..=b'9' => {
                    let start = at;
                    while at < bytes.len()
                        && matches!(bytes[at], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                    {
                        at += 1;
                    }
                    found.push(std::str::from_utf8(&bytes[start..at]).unwrap_or_default());
                }
                _ => at += 1,
            }
        }
        found
    }

    /// Whether a JSON number, as written, is an exact integer: its digits
    /// after the point (the exponent applied) are all zeros.
    pub fn is_exact_integer(written: &str) -> bool {
        let unsigned = written.trim_start_matches('-');
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (
                &unsigned[..at],
                unsigned[at + 1..].parse::<i64>().unwrap_or(i64::MIN),
            ),
            None => (unsigned, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = format!("{whole}{fraction}");
        let significant = digits.trim_end_matches('0');
        if significant.trim_start_matches('0').is_empty() {
            return true;
        }
        let zeros = (digits.len() - significant.len()) as i64;
        // The value is `significant` x 10^(exponent - fraction + zeros).
        exponent
            .saturating_sub(fraction.len() as i64)
            .saturating_add(zeros)
            >= 0
    }

    struct Seed<'a> {
        pointer: String,
        shared: &'a Shared<'a>,
    }

    impl Seed<'_> {
        /// How the number being visited was written.
        fn written(&self) -> &str {
            let at = self.shared.next_number.get();
            self.shared.next_number.set(at + 1);
            self.shared.numbers.get(at).copied().unwrap_or_default()
        }
    }

    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = Value;

        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    /// `1000.0`, `1E3`, `-0`: the integer, when it fits one.
    fn integral(v: f64) -> Value {
        if v.fract() == 0.0 {
            if (0.0..18_446_744_073_709_551_616.0).contains(&v) {
                return Value::from(v as u64);
            }
            if (-9_223_372_036_854_775_808.0..0.0).contains(&v) {
                return Value::from(v as i64);
            }
        }
        Number::from_f64(v).map_or(Value::Null, Value::Number)
    }

    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }

        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            self.written();
            Ok(Value::from(v))
        }

        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            self.written();
            Ok(Value::from(v))
        }

        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            let written = self.written();
            let value = integral(v);
            if (value.is_i64() || value.is_u64()) && !is_exact_integer(written) {
                self.shared
                    .inexact
                    .borrow_mut()
                    .push((self.pointer.clone(), written.to_string()));
            }
            Ok(value)
        }

        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }

        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }

        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element_seed(Seed {
                pointer: format!("{}/{}", self.pointer, items.len()),
                shared: self.shared,
            })? {
                items.push(item);
            }
            Ok(Value::Array(items))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut members = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let pointer = format!("{}/{}", self.pointer, super::escape(&key));
                if members.contains_key(&key) {
                    *self.shared.duplicate.borrow_mut() = Some(pointer);
                    return Err(de::Error::custom("duplicate member"));
                }
                let value = map.next_value_seed(Seed {
                    pointer,
                    shared: self.shared,
                })?;
                members.insert(key, value);
            }
            Ok(Value::Object(members))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, StatusCode};
    use connections_spec::ConnectionInput;
    use serde_json::json;

    fn schemas() -> Schemas {
        Schemas::request_bodies(&serde_json::from_str(crate::docs::OPENAPI_JSON).unwrap()).unwrap()
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
            &schemas(),
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
    async fn values_the_type_cannot_hold_are_400_naming_the_member() {
        let mut huge = valid();
        huge["connectionTimeout"] = json!(5_000_000_000u64);
        let e = read(None, &huge.to_string()).await.unwrap_err();
        assert_eq!(e.body.code.as_deref(), Some("VALIDATION_FAILED"));
        assert_eq!(e.body.errors.unwrap()[0].field, "/connectionTimeout");
    }

    #[tokio::test]
    async fn integral_numbers_are_read_as_integers() {
        for text in ["1000.0", "1E3", "1e3", "10000e-1"] {
            let body =
                valid()
                    .to_string()
                    .replacen('{', &format!("{{\"connectionTimeout\":{text},"), 1);
            let input = read(None, &body).await.unwrap();
            assert_eq!(input.connection_timeout, Some(1000), "{text}");
        }
        let body = valid()
            .to_string()
            .replacen('{', "{\"socketTimeout\":-0,", 1);
        assert_eq!(read(None, &body).await.unwrap().socket_timeout, Some(0));
    }

    #[tokio::test]
    async fn a_member_given_twice_is_named() {
        let body = valid().to_string().replacen('{', "{\"name\":\"first\",", 1);
        let e = read(None, &body).await.unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.body.code.as_deref(), Some("MALFORMED_JSON"));
        assert_eq!(e.body.errors.unwrap()[0].field, "/name");
        let nested = strict::parse(br#"{"a":[{"b~/":1,"b~/":2}]}"#).unwrap_err();
        assert!(matches!(nested, strict::Error::Duplicate(p) if p == "/a/0/b~0~1"));
        assert!(strict::parse(br#"{"a":1} x"#).is_err());
    }

    #[test]
    fn every_unexpected_and_missing_property_is_named_by_its_kind() {
        let document = json!({"components": {"schemas": {"Thing": {
            "type": "object",
            "required": ["it's"],
            "properties": {"it's": {"type": "string"}},
            "additionalProperties": false
        }}}});
        let schemas = Schemas::compile(&document, &["Thing"]).unwrap();
        let (errors, total) = schemas
            .violations("Thing", &json!({"o'brien": 1, "a/b": 2}))
            .unwrap();
        assert_eq!(total, 3);
        let mut fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["/a~1b", "/it's", "/o'brien"], "{errors:?}");
        assert!(schemas.violations("Other", &json!({})).is_none());
    }

    #[test]
    fn exact_integers_are_told_from_rounded_ones_as_written() {
        for exact in [
            "1.0e2",
            "1.5e1",
            "0.0",
            "-0.0e-5",
            "100e-2",
            "1E3",
            "2147483647.000",
        ] {
            assert!(strict::is_exact_integer(exact), "{exact}");
        }
        for inexact in ["1.55e1", "101e-2", "1e-400", "1000.00000000000001", "0.5"] {
            assert!(!strict::is_exact_integer(inexact), "{inexact}");
        }
    }

    #[tokio::test]
    async fn oversize_bodies_are_413() {
        let big = format!("{{\"name\": \"{}\"}}", "x".repeat(BODY_LIMIT));
        let e = read(None, &big).await.unwrap_err();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
