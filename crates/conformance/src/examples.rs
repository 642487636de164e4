//! The `examples` suite: every example of the document, and every fixture
//! file, validated against its schema; schemas that accept anything
//! reported.
//!
//! **In the document**, each of these is one check, named by its JSON
//! pointer:
//! - `example` and `examples/*` (`value`, or a `$ref` to
//!   `components/examples`) of every parameter, header, request body and
//!   response media type, in operations and in `components`;
//! - `example` and `examples[*]` of every schema, nested ones included.
//!
//! **Fixtures** live in a directory (by default `examples/` beside the
//! document, that is `openapi/examples/`), one JSON file each:
//! - `<operationId>/request[.<label>].json`: a request body;
//! - `<operationId>/<status>[.<label>].json`: a response body (`200`, `201`, ...);
//! - `components/<SchemaName>[.<label>].json`: a component schema instance.
//!
//! A fixture whose label ends in `invalid` (`201.missing-name.invalid.json`)
//! must *fail* validation: it pins a breakage the contract has to catch.
//!
//! **Schemas that accept anything** — `true`, `{}`, or a schema with none
//! of `type`, `$ref`, `$dynamicRef`, `enum`, `const`, `allOf`, `anyOf`,
//! `oneOf`, `not` where a type was meant (bodies, parameters, headers,
//! components, properties, items, `additionalProperties`, `oneOf`/`anyOf`
//! branches) — are reported as failures of the document.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    time::Instant,
};

use connections_openapi::{pointer, refs::resolve_lenient as resolve_ref};
use serde_json::Value;

use crate::{
    contract::Contract,
    payload::{Direction, PayloadError, parse_json, validate_payload},
    report::{Check, Failure, FailureKind, Report},
};

/// The keywords that make a schema constrain its values.
const CONSTRAINING_KEYWORDS: &[&str] = &[
    "type",
    "$ref",
    "$dynamicRef",
    "enum",
    "const",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
];

/// Why the fixtures could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ExamplesError {
    /// The fixture directory cannot be listed.
    #[error("cannot read the fixture directory {path}: {source}")]
    FixtureDirectory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Runs the `examples` suite: the document's examples, the fixtures under
/// `fixtures` (when given and present), and the accept-anything lint.
pub fn check_examples(
    contract: &Contract,
    target: &str,
    fixtures: Option<&Path>,
) -> Result<Report, ExamplesError> {
    let started = Instant::now();
    let mut report = Report::new("examples", target, contract.title());
    let mut walker = Walker {
        contract,
        document: contract.document(),
        seen: BTreeSet::new(),
        checks: Vec::new(),
        schemas_inspected: 0,
        lint: Vec::new(),
    };
    walker.operations();
    walker.components();
    for check in walker.checks.drain(..) {
        report.push(check);
    }
    if walker.lint.is_empty() {
        let mut check = Check::new(
            format!(
                "no schema accepts anything ({} schemas inspected)",
                walker.schemas_inspected
            ),
            None,
        );
        check.location = Some("#".to_string());
        report.push(check.finish(started.elapsed()));
    } else {
        for check in walker.lint.drain(..) {
            report.push(check);
        }
    }
    if let Some(directory) = fixtures
        && directory.is_dir()
    {
        for check in check_fixtures(contract, directory)? {
            report.push(check);
        }
    }
    report.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(report)
}

struct Walker<'a> {
    contract: &'a Contract,
    document: &'a Value,
    /// Example and schema pointers already checked (shared components).
    seen: BTreeSet<String>,
    checks: Vec<Check>,
    schemas_inspected: usize,
    lint: Vec<Check>,
}

impl<'a> Walker<'a> {
    fn operations(&mut self) {
        let contract = self.contract;
        for operation in contract.operations() {
            let op = Some(operation.id.as_str());
            for parameter in &operation.parameters {
                let object = self.at(&parameter.pointer);
                self.parameter_like(object, &parameter.pointer, op, "parameter");
            }
            if let Some(body) = &operation.request_body {
                for media in &body.content {
                    self.media(&media.pointer, op, &format!("request {}", media.name));
                }
            }
            for response in &operation.responses {
                for media in &response.content {
                    self.media(
                        &media.pointer,
                        op,
                        &format!("response {} {}", response.status, media.name),
                    );
                }
                self.headers(&response.pointer, op);
            }
        }
    }

    fn components(&mut self) {
        let document = self.document;
        let Some(components) = document.get("components") else {
            return;
        };
        for (kind, _) in components.as_object().into_iter().flatten() {
            let entries = components[kind].as_object().into_iter().flatten();
            let base = format!("/components/{}", pointer::escape(kind));
            for (name, object) in entries {
                let pointer = format!("{base}/{}", pointer::escape(name));
                match kind.as_str() {
                    "schemas" => self.schema(&pointer, None, true),
                    "parameters" | "headers" => {
                        self.parameter_like(object, &pointer, None, kind);
                    }
                    "requestBodies" => self.content(object, &pointer, None, "request"),
                    "responses" => {
                        self.content(object, &pointer, None, "response");
                        self.headers(&pointer, None);
                    }
                    _ => {}
                }
            }
        }
    }

    fn at(&self, pointer: &str) -> &'a Value {
        self.document.pointer(pointer).unwrap_or(&Value::Null)
    }

    fn headers(&mut self, response_pointer: &str, op: Option<&str>) {
        let response = resolve_ref(self.document, self.at(response_pointer));
        let Some(headers) = response.get("headers").and_then(Value::as_object) else {
            return;
        };
        for (name, header) in headers {
            if header.get("$ref").is_some() {
                continue; // checked in components
            }
            let pointer = format!("{response_pointer}/headers/{}", pointer::escape(name));
            self.parameter_like(header, &pointer, op, "header");
        }
    }

    fn content(&mut self, object: &Value, pointer: &str, op: Option<&str>, what: &str) {
        let Some(content) = object.get("content").and_then(Value::as_object) else {
            return;
        };
        for name in content.keys() {
            let media_pointer = format!("{pointer}/content/{}", pointer::escape(name));
            self.media(&media_pointer, op, &format!("{what} {name}"));
        }
    }

    /// A parameter or header: `schema` + `example(s)`, or `content`.
    fn parameter_like(&mut self, object: &Value, pointer: &str, op: Option<&str>, what: &str) {
        if object.get("$ref").is_some() {
            return;
        }
        let label = format!(
            "{what} {}",
            object.get("name").and_then(Value::as_str).unwrap_or("")
        );
        if object.get("schema").is_some() {
            let schema_pointer = format!("{pointer}/schema");
            self.schema(&schema_pointer, op, true);
            self.examples_of(object, pointer, Some(&schema_pointer), op, label.trim_end());
        }
        self.content(object, pointer, op, label.trim_end());
    }

    /// A media type object: its schema and its examples.
    fn media(&mut self, pointer: &str, op: Option<&str>, label: &str) {
        let object = self.at(pointer);
        let schema_pointer = format!("{pointer}/schema");
        let has_schema = object.get("schema").is_some();
        if has_schema {
            self.schema(&schema_pointer, op, true);
        }
        let schema = has_schema.then_some(schema_pointer.as_str());
        self.examples_of(object, pointer, schema, op, label);
    }

    /// The `example` and `examples` map of a media type or parameter.
    fn examples_of(
        &mut self,
        object: &Value,
        pointer: &str,
        schema: Option<&str>,
        op: Option<&str>,
        label: &str,
    ) {
        if let Some(example) = object.get("example") {
            let at = format!("{pointer}/example");
            self.validate(example, &at, schema, op, &format!("{label} example"));
        }
        let Some(examples) = object.get("examples").and_then(Value::as_object) else {
            return;
        };
        for (name, example) in examples {
            let at = format!("{pointer}/examples/{}", pointer::escape(name));
            let resolved = resolve_ref(self.document, example);
            let check_name = format!("{label} example \"{name}\"");
            if let Some(value) = resolved.get("value") {
                self.validate(value, &format!("{at}/value"), schema, op, &check_name);
            } else if resolved.get("externalValue").is_some() {
                self.checks.push(Check {
                    location: Some(format!("#{at}")),
                    ..Check::skipped(
                        check_name,
                        op,
                        "externalValue examples are not fetched; put the file under the fixture directory",
                    )
                });
            } else {
                let mut check = Check::new(check_name, op);
                check.location = Some(format!("#{at}"));
                check.failures.push(Failure::new(
                    FailureKind::Document,
                    "the example has neither `value` nor `externalValue`",
                ));
                self.checks.push(check.finish(Default::default()));
            }
        }
    }

    fn validate(
        &mut self,
        value: &Value,
        at: &str,
        schema: Option<&str>,
        op: Option<&str>,
        name: &str,
    ) {
        if !self.seen.insert(at.to_string()) {
            return;
        }
        let started = Instant::now();
        let mut check = Check::new(name, op);
        check.location = Some(format!("#{at}"));
        match schema {
            None => check.failures.push(Failure::new(
                FailureKind::Document,
                "the example has no schema to be validated against",
            )),
            Some(schema_pointer) => match self.contract.schema_at(schema_pointer) {
                Ok(schema) => check
                    .failures
                    .extend(schema.violations(value).iter().map(Failure::schema)),
                Err(error) => check
                    .failures
                    .push(Failure::new(FailureKind::Document, error.to_string())),
            },
        }
        self.checks.push(check.finish(started.elapsed()));
    }

    /// Inspects a schema and its subschemas: their own examples and the
    /// accept-anything lint. `type_meant` is false where an empty schema
    /// is harmless (`allOf` members).
    fn schema(&mut self, pointer: &str, op: Option<&str>, type_meant: bool) {
        if !self.seen.insert(format!("schema:{pointer}")) {
            return;
        }
        let schema = self.at(pointer);
        self.schemas_inspected += 1;
        if type_meant && accepts_anything(schema) {
            let mut check = Check::new(format!("schema {pointer} constrains its values"), op);
            check.location = Some(format!("#{pointer}"));
            check.failures.push(Failure {
                keyword_location: Some(format!("#{pointer}")),
                ..Failure::new(
                    FailureKind::Document,
                    format!(
                        "the schema at #{pointer} accepts any value: it has no {}",
                        CONSTRAINING_KEYWORDS.join(", ")
                    ),
                )
            });
            self.lint.push(check.finish(Default::default()));
        }
        let Some(object) = schema.as_object() else {
            return;
        };
        if let Some(example) = object.get("example") {
            let at = format!("{pointer}/example");
            self.validate(
                example,
                &at,
                Some(pointer),
                op,
                &format!("schema {pointer} example"),
            );
        }
        if let Some(examples) = object.get("examples").and_then(Value::as_array) {
            for (index, example) in examples.iter().enumerate() {
                let at = format!("{pointer}/examples/{index}");
                self.validate(
                    example,
                    &at,
                    Some(pointer),
                    op,
                    &format!("schema {pointer} example {index}"),
                );
            }
        }
        for keyword in ["properties", "patternProperties", "$defs"] {
            for name in object
                .get(keyword)
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|m| m.keys())
            {
                let child = format!("{pointer}/{keyword}/{}", pointer::escape(name));
                self.schema(&child, op, keyword != "$defs");
            }
        }
        for keyword in ["oneOf", "anyOf", "allOf", "prefixItems"] {
            let count = object
                .get(keyword)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            for index in 0..count {
                self.schema(
                    &format!("{pointer}/{keyword}/{index}"),
                    op,
                    keyword != "allOf",
                );
            }
        }
        for keyword in [
            "items",
            "additionalProperties",
            "contains",
            "propertyNames",
            "not",
        ] {
            if object.get(keyword).is_some_and(Value::is_object) {
                let meant = matches!(keyword, "items" | "additionalProperties");
                self.schema(&format!("{pointer}/{keyword}"), op, meant);
            }
        }
    }
}

/// Whether a schema accepts every value: `true`, or an object with no
/// constraining keyword.
pub fn accepts_anything(schema: &Value) -> bool {
    match schema {
        Value::Bool(accepts) => *accepts,
        Value::Object(object) => !CONSTRAINING_KEYWORDS
            .iter()
            .any(|keyword| object.contains_key(*keyword)),
        _ => false,
    }
}

/// What a fixture file is, from its path under the fixture directory.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FixtureKind {
    Operation {
        operation: String,
        direction: Direction,
    },
    Component(String),
}

/// Parses `<operationId>/request[.label].json`,
/// `<operationId>/<status>[.label].json` or
/// `components/<Schema>[.label].json`; returns the kind and whether the
/// fixture must fail.
fn classify_fixture(directory: &str, file: &str) -> Option<(FixtureKind, bool)> {
    let stem = file.strip_suffix(".json")?;
    let (head, label) = match stem.split_once('.') {
        Some((head, label)) => (head, label),
        None => (stem, ""),
    };
    let must_fail = label == "invalid" || label.ends_with(".invalid");
    if directory == "components" {
        return Some((FixtureKind::Component(head.to_string()), must_fail));
    }
    let direction = if head == "request" {
        Direction::Request
    } else {
        Direction::Response(head.parse().ok()?)
    };
    Some((
        FixtureKind::Operation {
            operation: directory.to_string(),
            direction,
        },
        must_fail,
    ))
}

/// Validates every fixture under `directory`.
pub fn check_fixtures(contract: &Contract, directory: &Path) -> Result<Vec<Check>, ExamplesError> {
    let read = |path: &Path| {
        std::fs::read_dir(path).map_err(|source| ExamplesError::FixtureDirectory {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut files = Vec::new();
    for group in read(directory)? {
        let group = group.map_err(|source| ExamplesError::FixtureDirectory {
            path: directory.to_path_buf(),
            source,
        })?;
        let group_path = group.path();
        if !group_path.is_dir() {
            files.push((String::new(), group_path));
            continue;
        }
        let group_name = group.file_name().to_string_lossy().into_owned();
        for entry in read(&group_path)? {
            let entry = entry.map_err(|source| ExamplesError::FixtureDirectory {
                path: group_path.clone(),
                source,
            })?;
            files.push((group_name.clone(), entry.path()));
        }
    }
    files.sort();
    Ok(files
        .into_iter()
        .filter(|(_, path)| path.extension().is_some_and(|e| e == "json"))
        .map(|(group, path)| check_fixture(contract, &group, &path))
        .collect())
}

fn check_fixture(contract: &Contract, group: &str, path: &Path) -> Check {
    let started = Instant::now();
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let classified = classify_fixture(group, &file);
    let operation = match &classified {
        Some((FixtureKind::Operation { operation, .. }, _)) => Some(operation.as_str()),
        _ => None,
    };
    let mut check = Check::new(format!("fixture {group}/{file}"), operation);
    check.location = Some(path.display().to_string());
    let Some((kind, must_fail)) = classified else {
        check.failures.push(Failure::new(
            FailureKind::Document,
            "the fixture's path is not <operationId>/request[.label].json, \
             <operationId>/<status>[.label].json or components/<Schema>[.label].json",
        ));
        return check.finish(started.elapsed());
    };
    let value = match std::fs::read_to_string(path) {
        Ok(text) => match parse_json(&text) {
            Ok(value) => value,
            Err(error) => {
                check
                    .failures
                    .push(Failure::new(FailureKind::BodyNotJson, error.to_string()));
                return check.finish(started.elapsed());
            }
        },
        Err(error) => {
            check.failures.push(Failure::new(
                FailureKind::Document,
                format!("cannot read the fixture: {error}"),
            ));
            return check.finish(started.elapsed());
        }
    };
    let violations = match &kind {
        FixtureKind::Operation {
            operation,
            direction,
        } => validate_payload(contract, operation, *direction, &value)
            .map(|verdict| verdict.violations)
            .map_err(|e: PayloadError| e.to_string()),
        FixtureKind::Component(name) => contract.validate(name, &value).map_err(|e| e.to_string()),
    };
    match violations {
        Err(reason) => check
            .failures
            .push(Failure::new(FailureKind::Document, reason)),
        Ok(violations) if must_fail => {
            if violations.is_empty() {
                check.failures.push(Failure::new(
                    FailureKind::Schema,
                    "this fixture is marked invalid but the schema accepts it",
                ));
            }
        }
        Ok(violations) => check
            .failures
            .extend(violations.iter().map(Failure::schema)),
    }
    check.finish(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_anything_is_recognised() {
        assert!(accepts_anything(&serde_json::json!({})));
        assert!(accepts_anything(&serde_json::json!(true)));
        assert!(accepts_anything(
            &serde_json::json!({"description": "a name", "format": "uri"})
        ));
        assert!(!accepts_anything(&serde_json::json!(false)));
        assert!(!accepts_anything(&serde_json::json!({"type": "string"})));
        assert!(!accepts_anything(&serde_json::json!({"$ref": "#/x"})));
        assert!(!accepts_anything(&serde_json::json!({"oneOf": []})));
    }

    #[test]
    fn fixture_names_are_understood() {
        assert_eq!(
            classify_fixture("createConnection", "request.json"),
            Some((
                FixtureKind::Operation {
                    operation: "createConnection".into(),
                    direction: Direction::Request
                },
                false
            ))
        );
        assert_eq!(
            classify_fixture("createConnection", "201.no-name.invalid.json"),
            Some((
                FixtureKind::Operation {
                    operation: "createConnection".into(),
                    direction: Direction::Response(201)
                },
                true
            ))
        );
        assert_eq!(
            classify_fixture("components", "Connection.weather.json"),
            Some((FixtureKind::Component("Connection".into()), false))
        );
        assert_eq!(classify_fixture("createConnection", "created.json"), None);
        assert_eq!(classify_fixture("createConnection", "201.txt"), None);
    }
}
