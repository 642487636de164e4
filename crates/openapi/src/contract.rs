//! The contract: an OpenAPI 3.1 document with its JSON Schemas compiled once.
//!
//! [`Contract::from_json`] checks the document's version, registers the
//! whole document as one JSON Schema resource (Draft 2020-12, the dialect of
//! OpenAPI 3.1) and compiles, once, a validator for every component schema
//! and for every schema an operation uses (request bodies, responses,
//! parameters), whether it is inline or a `$ref`. Every later check reuses
//! these validators.

use std::collections::BTreeMap;

use jsonschema::{Draft, Registry, ValidationError, Validator, error::ValidationErrorKind};
use serde::Serialize;
use serde_json::Value;

use crate::{operations, pointer, refs};

/// The URI under which the document is registered as a schema resource.
/// Keyword locations are reported relative to it, as `#/json/pointer`.
const DOCUMENT_URI: &str = "urn:connections-openapi:document";

/// The JSON Schema dialects an OpenAPI 3.1 document may declare in
/// `jsonSchemaDialect`; all of them are Draft 2020-12.
const SUPPORTED_DIALECTS: &[&str] = &[
    "https://json-schema.org/draft/2020-12/schema",
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://spec.openapis.org/oas/3.1/dialect/2024-10-25",
    "https://spec.openapis.org/oas/3.1/dialect/2024-11-10",
];

/// Why a document or a payload could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// The document is not JSON.
    #[error("the document is not JSON: {0}")]
    DocumentJson(#[from] serde_json::Error),
    /// The document has no `components.schemas`.
    #[error("the document has no components.schemas")]
    NoSchemas,
    /// The document is not OpenAPI 3.1.
    #[error("{0}")]
    UnsupportedVersion(String),
    /// The document is not registrable as a JSON Schema resource.
    #[error("the document cannot be registered as a JSON Schema resource: {0}")]
    Registry(String),
    /// A schema of the document does not compile.
    #[error("schema {name} does not compile: {reason}")]
    Schema {
        /// The component name or the JSON pointer of the schema.
        name: String,
        /// The compiler's message.
        reason: String,
    },
    /// No schema of that name.
    #[error("the document has no schema named {0}")]
    UnknownSchema(String),
    /// No operation with that `operationId`.
    #[error("the document has no operation {name} (operations: {known})")]
    UnknownOperation {
        /// The operation asked for.
        name: String,
        /// The operations the document has, comma-separated.
        known: String,
    },
}

/// One validation failure of a payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON pointer into the payload.
    pub instance_path: String,
    /// JSON pointer into the schema the validator was built from (the
    /// keyword that failed), following `$ref`s.
    pub schema_path: String,
    /// The keyword that failed (`type`, `required`, `enum`, ...).
    pub keyword: String,
    /// Where the failing keyword sits in the document, as a URI fragment
    /// (`#/components/schemas/Connection/properties/name/type`).
    pub keyword_location: String,
    /// What is wrong.
    pub message: String,
}

impl Violation {
    fn from_error(error: &ValidationError<'_>) -> Self {
        let keyword_location = error
            .absolute_keyword_location()
            .map(|uri| {
                let text = uri.as_str();
                match text.split_once('#') {
                    Some((_, fragment)) => format!("#{}", percent_decode(fragment)),
                    None => text.to_string(),
                }
            })
            .unwrap_or_default();
        Self {
            instance_path: error.instance_path().to_string(),
            schema_path: error.schema_path().to_string(),
            keyword: error.kind().keyword().to_string(),
            keyword_location,
            message: explain(error),
        }
    }
}

/// The error's message, with the reasons of each branch of a failed
/// `oneOf`/`anyOf`, so that "valid under none of the schemas" says why.
fn explain(error: &ValidationError<'_>) -> String {
    let message = error.to_string();
    let branches = match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            context
        }
        _ => return message,
    };
    let reasons: Vec<String> = branches
        .iter()
        .enumerate()
        .map(|(index, errors)| {
            let inner: Vec<String> = errors
                .iter()
                .map(|e| {
                    let path = e.instance_path().to_string();
                    let at = if path.is_empty() { "/" } else { &path };
                    format!("{at}: {e}")
                })
                .collect();
            format!("branch {index}: {}", inner.join("; "))
        })
        .collect();
    if reasons.is_empty() {
        message
    } else {
        format!("{message} ({})", reasons.join(" | "))
    }
}

/// Decodes `%XX` escapes of a URI fragment (keyword locations may escape
/// `{`, `}` and other characters of path templates).
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// What a URI fragment may hold unescaped besides letters and digits
/// (RFC 3986 `pchar`, `/` and `?`).
const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/')
    .remove(b'?');

/// Percent-encodes what a URI fragment may not hold (`{`, `}`, spaces,
/// non-ASCII, ...), so any JSON pointer can be referenced.
fn percent_encode_fragment(pointer: &str) -> String {
    percent_encoding::utf8_percent_encode(pointer, FRAGMENT).to_string()
}

/// Escapes one JSON pointer segment (`~` → `~0`, `/` → `~1`).
pub fn escape_pointer_segment(segment: &str) -> String {
    pointer::escape(segment).into_owned()
}

/// A compiled schema and where it sits in the document.
pub struct CompiledSchema {
    /// JSON pointer of the schema in the document.
    pub pointer: String,
    validator: Validator,
}

impl CompiledSchema {
    /// Every violation of `instance`, in the validator's order.
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        self.validator
            .iter_errors(instance)
            .map(|e| Violation::from_error(&e))
            .collect()
    }

    /// Whether `instance` is valid (faster than collecting violations).
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }
}

impl std::fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledSchema")
            .field("pointer", &self.pointer)
            .finish_non_exhaustive()
    }
}

/// A compiled schema, shared with the contract or compiled on demand.
#[derive(Debug)]
pub enum SchemaRef<'a> {
    /// Compiled when the contract was loaded.
    Shared(&'a CompiledSchema),
    /// Compiled on demand (a nested schema).
    Compiled(CompiledSchema),
}

impl std::ops::Deref for SchemaRef<'_> {
    type Target = CompiledSchema;

    fn deref(&self) -> &CompiledSchema {
        match self {
            Self::Shared(schema) => schema,
            Self::Compiled(schema) => schema,
        }
    }
}

/// One media type of a request or response body.
#[derive(Debug)]
pub struct MediaType {
    /// The media type (`application/json`).
    pub name: String,
    /// JSON pointer of the media type object in the document.
    pub pointer: String,
    /// Its schema, when the document gives one.
    pub schema: Option<CompiledSchema>,
}

/// A documented response of an operation.
#[derive(Debug)]
pub struct ResponseSpec {
    /// The key in `responses`: `201`, `2XX` or `default`.
    pub status: String,
    /// JSON pointer of the response object.
    pub pointer: String,
    /// The documented media types (empty when no body is documented).
    pub content: Vec<MediaType>,
}

impl ResponseSpec {
    /// The media type whose name matches a `Content-Type` header value
    /// (parameters such as `charset` are ignored; `*` wildcards in the
    /// document match).
    pub fn media_type(&self, content_type: &str) -> Option<&MediaType> {
        find_media_type(&self.content, content_type)
    }
}

/// The request body of an operation.
#[derive(Debug)]
pub struct RequestBodySpec {
    /// JSON pointer of the request body object.
    pub pointer: String,
    /// Whether the body is required.
    pub required: bool,
    /// The documented media types.
    pub content: Vec<MediaType>,
}

impl RequestBodySpec {
    /// The media type matching a `Content-Type` value.
    pub fn media_type(&self, content_type: &str) -> Option<&MediaType> {
        find_media_type(&self.content, content_type)
    }
}

fn find_media_type<'a>(content: &'a [MediaType], content_type: &str) -> Option<&'a MediaType> {
    let essence = media_type_essence(content_type);
    content
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(&essence))
        .or_else(|| {
            content.iter().find(|m| {
                let (kind, sub) = m.name.split_once('/').unwrap_or((&m.name, ""));
                let (got_kind, _) = essence.split_once('/').unwrap_or((&essence, ""));
                (kind == "*") || (sub == "*" && kind.eq_ignore_ascii_case(got_kind))
            })
        })
}

/// The media type of a `Content-Type` value, lower case, without parameters.
pub fn media_type_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type carries JSON (`application/json`, `*/*+json`).
pub fn is_json_media_type(media_type: &str) -> bool {
    let essence = media_type_essence(media_type);
    essence == "application/json" || essence.ends_with("+json")
}

/// A documented parameter of an operation.
#[derive(Debug)]
pub struct ParameterSpec {
    /// Its name.
    pub name: String,
    /// Where it goes: `path`, `query`, `header` or `cookie`.
    pub location: String,
    /// Whether it is required.
    pub required: bool,
    /// JSON pointer of the parameter object.
    pub pointer: String,
    /// Its schema, when the document gives one.
    pub schema: Option<CompiledSchema>,
}

/// One operation of the document.
#[derive(Debug)]
pub struct Operation {
    /// The `operationId`.
    pub id: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template (`/v2/connections/{connectionRef}`).
    pub path: String,
    /// JSON pointer of the operation object.
    pub pointer: String,
    /// The request body, when one is documented.
    pub request_body: Option<RequestBodySpec>,
    /// The documented responses, in document order.
    pub responses: Vec<ResponseSpec>,
    /// The parameters (path-item level and operation level).
    pub parameters: Vec<ParameterSpec>,
}

impl Operation {
    /// The documented response for an HTTP status: the exact code, else
    /// its range (`4XX`), else `default`.
    pub fn response(&self, status: u16) -> Option<&ResponseSpec> {
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        self.responses
            .iter()
            .find(|r| r.status == exact)
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status.eq_ignore_ascii_case(&range))
            })
            .or_else(|| self.responses.iter().find(|r| r.status == "default"))
    }

    /// The documented response keys, comma-separated (for messages).
    pub fn documented_statuses(&self) -> String {
        self.responses
            .iter()
            .map(|r| r.status.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A document with its schemas compiled once.
pub struct Contract {
    document: Value,
    registry: Registry<'static>,
    components: BTreeMap<String, CompiledSchema>,
    operations: BTreeMap<String, Operation>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("components", &self.components.keys().collect::<Vec<_>>())
            .field("operations", &self.operations.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Compiles the schemas of one document against a registry holding it.
struct Compiler<'r> {
    registry: &'r Registry<'r>,
}

impl Compiler<'_> {
    fn compile(&self, pointer: &str) -> Result<CompiledSchema, ContractError> {
        let fragment = percent_encode_fragment(pointer);
        let root = serde_json::json!({ "$ref": format!("{DOCUMENT_URI}#{fragment}") });
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(self.registry)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| ContractError::Schema {
                name: pointer.to_string(),
                reason: e.to_string(),
            })?;
        Ok(CompiledSchema {
            pointer: pointer.to_string(),
            validator,
        })
    }

    /// Compiles `object.schema` when present; `pointer` is the object's.
    fn schema_of(
        &self,
        object: &Value,
        pointer: &str,
    ) -> Result<Option<CompiledSchema>, ContractError> {
        match object.get("schema") {
            Some(_) => self.compile(&format!("{pointer}/schema")).map(Some),
            None => Ok(None),
        }
    }

    fn content(
        &self,
        document: &Value,
        object: &Value,
        pointer: &str,
    ) -> Result<Vec<MediaType>, ContractError> {
        let Some(content) = object.get("content").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut media_types = Vec::new();
        for (name, media) in content {
            let media_pointer = format!("{pointer}/content/{}", escape_pointer_segment(name));
            let media = resolve_ref(document, media);
            media_types.push(MediaType {
                name: name.clone(),
                schema: self.schema_of(media, &media_pointer)?,
                pointer: media_pointer,
            });
        }
        Ok(media_types)
    }
}

/// Follows a local `$ref` (`#/components/...`) of an OpenAPI object
/// (responses, request bodies, parameters, examples); returns the object
/// itself when it has none or the target is missing.
pub fn resolve_ref<'a>(document: &'a Value, object: &'a Value) -> &'a Value {
    refs::resolve_lenient(document, object)
}

/// Checks that the document is OpenAPI 3.1 with a Draft 2020-12 dialect.
fn check_version(document: &Value) -> Result<(), ContractError> {
    let version = match (document.get("openapi"), document.get("swagger")) {
        (Some(Value::String(v)), _) => v.as_str(),
        (_, Some(v)) => {
            return Err(ContractError::UnsupportedVersion(format!(
                "the document is Swagger {v}; give its OpenAPI 3.1 form"
            )));
        }
        _ => {
            return Err(ContractError::UnsupportedVersion(
                "the document has no `openapi` version string: it is not an OpenAPI document"
                    .to_string(),
            ));
        }
    };
    if version.starts_with("3.0") {
        return Err(ContractError::UnsupportedVersion(format!(
            "the document is OpenAPI {version}, whose schemas are not JSON Schema \
             (`nullable`, boolean `exclusiveMinimum`); give the OpenAPI 3.1 document \
             (openapi/connections.json), which is validated as JSON Schema 2020-12"
        )));
    }
    if !version.starts_with("3.1") {
        return Err(ContractError::UnsupportedVersion(format!(
            "the document is OpenAPI {version}; only OpenAPI 3.1 (JSON Schema 2020-12) is supported"
        )));
    }
    if let Some(dialect) = document.get("jsonSchemaDialect") {
        let known = dialect
            .as_str()
            .is_some_and(|d| SUPPORTED_DIALECTS.contains(&d.trim_end_matches('#')));
        if !known {
            return Err(ContractError::UnsupportedVersion(format!(
                "the document declares jsonSchemaDialect {dialect}; only JSON Schema 2020-12 \
                 and the OpenAPI 3.1 dialects are supported"
            )));
        }
    }
    Ok(())
}

impl Contract {
    /// Parses an OpenAPI 3.1 document and compiles every component schema
    /// and every schema its operations use, once.
    pub fn from_json(text: &str) -> Result<Self, ContractError> {
        let document: Value = serde_json::from_str(text)?;
        Self::from_value(document)
    }

    /// Like [`Contract::from_json`], from a parsed document.
    pub fn from_value(document: Value) -> Result<Self, ContractError> {
        check_version(&document)?;
        let names: Vec<String> = document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .ok_or(ContractError::NoSchemas)?
            .keys()
            .cloned()
            .collect();
        let registry = Registry::new()
            .add(
                DOCUMENT_URI,
                Draft::Draft202012.create_resource(document.clone()),
            )
            .and_then(|builder| builder.prepare())
            .map_err(|e| ContractError::Registry(e.to_string()))?;
        let compiler = Compiler {
            registry: &registry,
        };
        let (components, operations) = Self::compile_all(&document, &names, &compiler)?;
        Ok(Self {
            document,
            registry,
            components,
            operations,
        })
    }

    /// Compiles the component schemas and the operations.
    #[allow(clippy::type_complexity)]
    fn compile_all(
        document: &Value,
        names: &[String],
        compiler: &Compiler<'_>,
    ) -> Result<
        (
            BTreeMap<String, CompiledSchema>,
            BTreeMap<String, Operation>,
        ),
        ContractError,
    > {
        let mut components = BTreeMap::new();
        for name in names {
            let pointer = format!("/components/schemas/{}", escape_pointer_segment(name));
            let schema = compiler.compile(&pointer).map_err(|e| match e {
                ContractError::Schema { reason, .. } => ContractError::Schema {
                    name: name.clone(),
                    reason,
                },
                other => other,
            })?;
            components.insert(name.clone(), schema);
        }
        let operations = Self::compile_operations(document, compiler)?;
        Ok((components, operations))
    }

    fn compile_operations(
        document: &Value,
        compiler: &Compiler<'_>,
    ) -> Result<BTreeMap<String, Operation>, ContractError> {
        let mut compiled = BTreeMap::new();
        for operation in operations::operations(document) {
            let mut parameters = Vec::new();
            for parameter in operation.parameters(document) {
                parameters.push(ParameterSpec {
                    required: parameter.required(),
                    schema: compiler
                        .schema_of(parameter.object.value, &parameter.object.pointer)?,
                    name: parameter.name,
                    location: parameter.location,
                    pointer: parameter.object.pointer,
                });
            }
            let request_body = match operation.request_body(document) {
                Some(body) => Some(RequestBodySpec {
                    required: body
                        .value
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    content: compiler.content(document, body.value, &body.pointer)?,
                    pointer: body.pointer,
                }),
                None => None,
            };
            let mut responses = Vec::new();
            for response in operation.responses(document) {
                responses.push(ResponseSpec {
                    status: response.status.to_string(),
                    content: compiler.content(
                        document,
                        response.object.value,
                        &response.object.pointer,
                    )?,
                    pointer: response.object.pointer,
                });
            }
            let id = operation.id_or_label();
            compiled.insert(
                id.clone(),
                Operation {
                    id,
                    method: operation.method.to_ascii_uppercase(),
                    path: operation.path.to_string(),
                    pointer: operation.pointer,
                    request_body,
                    responses,
                    parameters,
                },
            );
        }
        Ok(compiled)
    }

    /// The document.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// The document's `info.title` and `info.version`, for reports.
    pub fn title(&self) -> String {
        let info = self.document.get("info");
        let title = info
            .and_then(|i| i.get("title"))
            .and_then(Value::as_str)
            .unwrap_or("untitled");
        let version = info
            .and_then(|i| i.get("version"))
            .and_then(Value::as_str)
            .unwrap_or("?");
        format!("{title} {version}")
    }

    /// Validates `instance` against the component schema `name`.
    pub fn validate(&self, name: &str, instance: &Value) -> Result<Vec<Violation>, ContractError> {
        Ok(self.component(name)?.violations(instance))
    }

    /// The compiled component schema `name`.
    pub fn component(&self, name: &str) -> Result<&CompiledSchema, ContractError> {
        self.components
            .get(name)
            .ok_or_else(|| ContractError::UnknownSchema(name.to_string()))
    }

    /// The component schema names.
    pub fn component_names(&self) -> impl Iterator<Item = &str> {
        self.components.keys().map(String::as_str)
    }

    /// Every operation, by `operationId`.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.values()
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Result<&Operation, ContractError> {
        self.operations
            .get(id)
            .ok_or_else(|| ContractError::UnknownOperation {
                name: id.to_string(),
                known: self
                    .operations
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The compiled schema at a JSON pointer of the document: the one
    /// compiled at load time when the pointer is a component or an
    /// operation's schema, else compiled now (nested schemas).
    pub fn schema_at(&self, pointer: &str) -> Result<SchemaRef<'_>, ContractError> {
        if let Some(found) = self.components.values().find(|s| s.pointer == pointer) {
            return Ok(SchemaRef::Shared(found));
        }
        for operation in self.operations.values() {
            let media = operation
                .request_body
                .iter()
                .flat_map(|b| b.content.iter())
                .chain(operation.responses.iter().flat_map(|r| r.content.iter()));
            let schemas = media.filter_map(|m| m.schema.as_ref()).chain(
                operation
                    .parameters
                    .iter()
                    .filter_map(|p| p.schema.as_ref()),
            );
            if let Some(found) = schemas.into_iter().find(|s| s.pointer == pointer) {
                return Ok(SchemaRef::Shared(found));
            }
        }
        Compiler {
            registry: &self.registry,
        }
        .compile(pointer)
        .map(SchemaRef::Compiled)
    }

    /// Validates a payload against a media type's schema; no violations
    /// when the media type documents no schema.
    pub fn validate_media(media: &MediaType, instance: &Value) -> Vec<Violation> {
        media
            .schema
            .as_ref()
            .map(|schema| schema.violations(instance))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::COMMITTED_DOCUMENT as DOCUMENT;

    #[test]
    fn the_committed_document_compiles_and_checks_payloads() {
        let contract = Contract::from_json(DOCUMENT).unwrap();
        let ok = json!({"status": 404, "code": "NOT_FOUND", "message": "no"});
        assert!(contract.validate("ErrorBody", &ok).unwrap().is_empty());
        let bad = json!({"status": "404"});
        let violations = contract.validate("ErrorBody", &bad).unwrap();
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].instance_path, "/status");
        assert_eq!(violations[0].keyword, "type");
        assert_eq!(
            violations[0].keyword_location,
            "#/components/schemas/ErrorBody/properties/status/type"
        );
    }

    #[test]
    fn operations_know_their_schemas_and_statuses() {
        let contract = Contract::from_json(DOCUMENT).unwrap();
        let create = contract.operation("createConnection").unwrap();
        assert_eq!(create.method, "POST");
        assert_eq!(create.path, "/v2/connections");
        assert!(create.response(201).is_some());
        assert!(create.response(200).is_none());
        let created = &create.response(201).unwrap().content;
        assert_eq!(created[0].name, "application/json");
        let violations = Contract::validate_media(&created[0], &json!({"name": 1}));
        assert!(violations.iter().any(|v| v.instance_path == "/name"));
        assert!(
            violations
                .iter()
                .any(|v| v.keyword == "required" && v.message.contains("clientKey"))
        );
        let body = create.request_body.as_ref().unwrap();
        assert!(body.media_type("application/json; charset=utf-8").is_some());
        assert!(body.media_type("text/plain").is_none());
        let retrieve = contract.operation("retrieveConnection").unwrap();
        assert_eq!(retrieve.parameters[0].name, "connectionRef");
        assert!(retrieve.parameters[0].schema.is_some());
    }

    #[test]
    fn one_of_failures_say_why_each_branch_failed() {
        let contract = Contract::from_json(DOCUMENT).unwrap();
        let violations = contract
            .validate("Auth", &json!({"authType": "OAUTH"}))
            .unwrap();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].message.contains("clientId"), "{violations:?}");
    }

    #[test]
    fn unknown_schema_and_bad_documents_are_errors() {
        let contract = Contract::from_json(DOCUMENT).unwrap();
        assert!(matches!(
            contract.validate("Nope", &json!({})),
            Err(ContractError::UnknownSchema(_))
        ));
        assert!(matches!(
            contract.operation("deleteConnection"),
            Err(ContractError::UnknownOperation { .. })
        ));
        assert!(matches!(
            Contract::from_json("{"),
            Err(ContractError::DocumentJson(_))
        ));
        assert!(matches!(
            Contract::from_json(r#"{"openapi": "3.1.0"}"#),
            Err(ContractError::NoSchemas)
        ));
        assert!(matches!(
            Contract::from_json("{}"),
            Err(ContractError::UnsupportedVersion(_))
        ));
        let old = Contract::from_json(r#"{"openapi": "3.0.3", "components": {"schemas": {}}}"#)
            .unwrap_err();
        assert!(old.to_string().contains("3.0.3"), "{old}");
        let swagger = Contract::from_json(r#"{"swagger": "2.0"}"#).unwrap_err();
        assert!(swagger.to_string().contains("Swagger"), "{swagger}");
    }

    #[test]
    fn a_schema_that_does_not_compile_is_named() {
        let document = json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"Broken": {"type": "strin"}}}
        });
        let error = Contract::from_value(document).unwrap_err();
        assert!(error.to_string().contains("Broken"), "{error}");
    }

    #[test]
    fn operations_of_a_path_item_behind_a_ref_are_compiled() {
        let document = json!({
            "openapi": "3.1.0",
            "paths": {"/shared": {"$ref": "#/components/pathItems/Shared"}},
            "components": {
                "schemas": {"Id": {"type": "string", "minLength": 2}},
                "pathItems": {"Shared": {
                    "parameters": [{"name": "id", "in": "query",
                                    "schema": {"$ref": "#/components/schemas/Id"}}],
                    "get": {
                        "operationId": "getShared",
                        "responses": {"200": {"description": "ok", "content": {
                            "application/json": {"schema": {"type": "integer"}}
                        }}}
                    }
                }}
            }
        });
        let contract = Contract::from_value(document).unwrap();
        let shared = contract.operation("getShared").unwrap();
        assert_eq!(shared.path, "/shared");
        assert_eq!(shared.pointer, "/components/pathItems/Shared/get");
        let id = shared.parameters[0].schema.as_ref().unwrap();
        assert!(!id.is_valid(&json!("x")));
        assert!(id.is_valid(&json!("xy")));
        let ok = &shared.response(200).unwrap().content[0];
        assert!(Contract::validate_media(ok, &json!(1)).is_empty());
        assert_eq!(Contract::validate_media(ok, &json!("1")).len(), 1);
    }

    #[test]
    fn percent_escapes_in_locations_are_decoded() {
        assert_eq!(
            percent_decode("/paths/~1v2~1%7Bref%7D"),
            "/paths/~1v2~1{ref}"
        );
        assert_eq!(percent_decode("100%"), "100%");
        let pointer = "/paths/~1v2~1{ref}/get/ü";
        assert_eq!(percent_decode(&percent_encode_fragment(pointer)), pointer);
    }
}
