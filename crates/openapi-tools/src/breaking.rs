//! The breaking-change gate: compares two OpenAPI 3.1 documents and
//! classifies every difference for a client of the API.
//!
//! A change is **breaking** when a client built against the base document
//! can fail against the revision: a request it sends is refused, a
//! response it receives does not parse or lacks what it relies on, or a
//! name it was generated from disappears. Request and response schemas
//! are judged in opposite directions: a request may only get more
//! permissive, a response only more precise. The generated client rejects
//! enum values it does not know (`Error::InvalidResponsePayload`), so a
//! value added to a response enum is breaking.
//!
//! `$ref`s into `components/schemas` are followed. Each component schema
//! is compared once, with the directions it is used in (found by following
//! every reference from request bodies and parameters, and from
//! responses, in either document); a schema used in both directions gets
//! the stricter classification. An unused schema is judged as if used in
//! both.
//!
//! Every [`Finding`] names the JSON pointer (RFC 6901) of the place in both
//! documents; for something added or removed, the pointer on the side
//! where it is absent names the object that would hold it.
//!
//! [`RULES`] lists every rule with its classification.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use connections_openapi::{
    operations::{self, METHODS},
    pointer,
    refs::{self, RefError, component_schema_name, resolve_lenient},
    schema::split_nullable,
};
use serde::Serialize;
use serde_json::Value;

pub mod accepted;
pub mod report;
mod rules;

pub use rules::{CODE_ONLY, Category, Classification, Impact, RULES, Rule, rule};

/// An empty JSON object, for members a document leaves out.
/// The object member `key` of `value`, or an empty map when it is absent or
/// not an object.
fn members<'v>(value: &'v Value, key: &str) -> &'v serde_json::Map<String, Value> {
    value.get(key).and_then(Value::as_object).unwrap_or(&EMPTY)
}

static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
    std::sync::LazyLock::new(serde_json::Map::new);
/// Why two documents could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum BreakingError {
    /// A member the comparison needs is missing or has the wrong type.
    #[error("the {side} document has no valid {what}")]
    Malformed {
        /// `base` or `revision`.
        side: &'static str,
        /// What is missing.
        what: String,
    },
    /// A `$ref` points at nothing.
    #[error("`$ref` {reference} at {pointer} in the {side} document points at nothing")]
    UnknownRef {
        /// `base` or `revision`.
        side: &'static str,
        /// The reference as written.
        reference: String,
        /// Where it was found.
        pointer: String,
    },
}

/// One classified difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's identifier.
    pub rule: &'static str,
    /// Whether a client of the base document can fail against the revision.
    pub breaking: bool,
    /// What it breaks, when it is breaking: the wire, or generated code only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// The changelog group.
    pub category: Category,
    /// What changed, in words.
    pub message: String,
    /// Where, in the base document (RFC 6901 JSON pointer).
    pub base_pointer: String,
    /// Where, in the revision (RFC 6901 JSON pointer).
    pub revision_pointer: String,
}

/// The directions a schema is used in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Sent by clients (request bodies, parameters).
    pub request: bool,
    /// Received by clients (responses).
    pub response: bool,
}

impl Usage {
    const REQUEST: Usage = Usage {
        request: true,
        response: false,
    };
    const RESPONSE: Usage = Usage {
        request: false,
        response: true,
    };
    const BOTH: Usage = Usage {
        request: true,
        response: true,
    };

    fn union(self, other: Usage) -> Usage {
        Usage {
            request: self.request || other.request,
            response: self.response || other.response,
        }
    }

    fn is_unused(self) -> bool {
        !self.request && !self.response
    }
}

/// Compares `base` with `revision`; the findings are in document order.
pub fn compare(base: &Value, revision: &Value) -> Result<Vec<Finding>, BreakingError> {
    let base_usage = schema_usage(base, "base")?;
    let revision_usage = schema_usage(revision, "revision")?;
    let mut comparison = Comparison {
        base,
        revision,
        usage: BTreeMap::new(),
        visited: HashSet::new(),
        findings: Vec::new(),
    };
    for (name, usage) in base_usage.iter().chain(revision_usage.iter()) {
        let entry = comparison.usage.entry(name.clone()).or_default();
        *entry = entry.union(*usage);
    }
    comparison.servers();
    comparison.security_schemes();
    comparison.paths()?;
    comparison.component_schemas()?;
    Ok(comparison.findings)
}

/// Whether `revision` is a major step up from `base` in semantic
/// versioning (for `0.y.z`, a minor step counts as major).
pub fn is_major_bump(base: &semver::Version, revision: &semver::Version) -> bool {
    if base.major == 0 {
        revision.major > 0 || revision.minor > base.minor
    } else {
        revision.major > base.major
    }
}

/// Reads `info.version` as a semantic version.
pub fn document_version(document: &Value) -> Option<semver::Version> {
    document
        .pointer("/info/version")
        .and_then(Value::as_str)
        .and_then(|v| semver::Version::parse(v).ok())
}

/// The outcome of the gate for a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No breaking finding.
    Compatible,
    /// Breaking findings, and the major version was bumped.
    BreakingWithMajorBump,
    /// Breaking findings without a major bump: the gate fails.
    BreakingWithoutMajorBump,
}

impl Verdict {
    /// Whether the gate passes.
    pub fn passes(self) -> bool {
        self != Verdict::BreakingWithoutMajorBump
    }
}

/// Applies the gate: breaking findings need a major version bump.
pub fn verdict(
    base: &semver::Version,
    revision: &semver::Version,
    findings: &[Finding],
) -> Verdict {
    if !findings.iter().any(|f| f.breaking) {
        Verdict::Compatible
    } else if is_major_bump(base, revision) {
        Verdict::BreakingWithMajorBump
    } else {
        Verdict::BreakingWithoutMajorBump
    }
}

/// Renders findings for a terminal, breaking ones first.
pub fn human_report(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no differences\n".to_string();
    }
    let mut out = String::new();
    for breaking in [true, false] {
        let group: Vec<&Finding> = findings.iter().filter(|f| f.breaking == breaking).collect();
        if group.is_empty() {
            continue;
        }
        out.push_str(if breaking {
            "BREAKING:\n"
        } else {
            "non-breaking:\n"
        });
        for finding in group {
            out.push_str(&format!(
                "  [{}] {}\n      base:     {}\n      revision: {}\n",
                finding.rule,
                finding.message,
                display_pointer(&finding.base_pointer),
                display_pointer(&finding.revision_pointer)
            ));
            if finding.impact == Some(Impact::Code) {
                out.push_str("      breaks:   generated code only; the wire is the same\n");
            }
        }
    }
    out
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

/// `schema` without its own `title` and `description`: what a renamed
/// schema keeps.
fn without_descriptions(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(object) = schema.as_object_mut() {
        object.remove("title");
        object.remove("description");
    }
    schema
}

/// Finds the directions each component schema is used in.
fn schema_usage(
    document: &Value,
    side: &'static str,
) -> Result<BTreeMap<String, Usage>, BreakingError> {
    let mut direct: Vec<(String, Usage)> = Vec::new();
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| BreakingError::Malformed {
            side,
            what: "`paths` object".into(),
        })?;
    for item in paths.values() {
        let item = resolve_lenient(document, item);
        let shared = item.get("parameters");
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let mut requests = Vec::new();
            for list in [shared, operation.get("parameters")].into_iter().flatten() {
                for parameter in list.as_array().into_iter().flatten() {
                    requests.push(resolve_lenient(document, parameter));
                }
            }
            if let Some(body) = operation.get("requestBody") {
                requests.push(resolve_lenient(document, body));
            }
            for value in requests {
                collect_refs(value, &mut |name| direct.push((name, Usage::REQUEST)));
            }
            for response in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|r| r.values())
            {
                let response = resolve_lenient(document, response);
                // Examples hold no references; headers and content may.
                collect_refs(response, &mut |name| direct.push((name, Usage::RESPONSE)));
            }
        }
    }
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    let mut pending = direct;
    while let Some((name, direction)) = pending.pop() {
        let entry = usage.entry(name.clone()).or_default();
        let merged = entry.union(direction);
        if merged == *entry {
            continue;
        }
        *entry = merged;
        if let Some(schema) = schemas.and_then(|s| s.get(&name)) {
            collect_refs(schema, &mut |inner| pending.push((inner, merged)));
        }
    }
    Ok(usage)
}

/// Calls `found` with the name of every component schema referenced
/// anywhere inside `value`.
fn collect_refs(value: &Value, found: &mut dyn FnMut(String)) {
    match value {
        Value::Object(map) => {
            if let Some(name) = component_schema_name(value) {
                found(name);
            }
            for (key, inner) in map {
                if key != "examples" && key != "example" {
                    collect_refs(inner, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, found)),
        _ => {}
    }
}

/// The JSON types a schema allows, without `null`; `None` means any.
fn type_set(schema: &Value) -> Option<BTreeSet<String>> {
    let types: BTreeSet<String> = match schema.get("type") {
        Some(Value::String(t)) => [t.clone()].into(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => return None,
    };
    Some(types.into_iter().filter(|t| t != "null").collect())
}

/// Whether a value of JSON type `t` is allowed by `set`.
fn accepts(set: &Option<BTreeSet<String>>, t: &str) -> bool {
    match set {
        None => true,
        Some(set) => set.contains(t) || (t == "integer" && set.contains("number")),
    }
}

/// `true` when some type allowed by `from` is not allowed by `to`.
fn loses_types(from: &Option<BTreeSet<String>>, to: &Option<BTreeSet<String>>) -> bool {
    match (from, to) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(from), to) => from.iter().any(|t| !accepts(to, t)),
    }
}

fn describe_types(set: &Option<BTreeSet<String>>) -> String {
    match set {
        None => "any type".into(),
        Some(set) if set.is_empty() => "null only".into(),
        Some(set) => set.iter().cloned().collect::<Vec<_>>().join(" | "),
    }
}

/// The allowed values without `null` (`enum`, or `const`); `None` when free.
fn enum_values(schema: &Value) -> Option<Vec<Value>> {
    let values: Vec<Value> = if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        values.clone()
    } else if let Some(value) = schema.get("const") {
        vec![value.clone()]
    } else {
        return None;
    };
    Some(values.into_iter().filter(|v| !v.is_null()).collect())
}

fn compact(value: &Value) -> String {
    value.to_string()
}

fn is_success_status(status: &str) -> bool {
    status.starts_with('2')
}

/// The state of one comparison.
struct Comparison<'a> {
    base: &'a Value,
    revision: &'a Value,
    usage: BTreeMap<String, Usage>,
    visited: HashSet<(String, String)>,
    findings: Vec<Finding>,
}

/// Where a schema comparison is, for messages and pointers.
#[derive(Clone)]
struct At {
    base: String,
    revision: String,
    /// The human name of the place, e.g. `Connection.auth` or
    /// `createConnection request body`.
    subject: String,
}

impl At {
    fn child(&self, token: &str, subject_suffix: &str) -> At {
        At {
            base: pointer::join(&self.base, token),
            revision: pointer::join(&self.revision, token),
            subject: format!("{}{subject_suffix}", self.subject),
        }
    }
}

impl<'a> Comparison<'a> {
    fn push(&mut self, rule: Rule, breaking: bool, message: String, base: &str, revision: &str) {
        self.findings.push(Finding {
            rule: rule.id,
            breaking,
            impact: breaking.then(|| rule.impact()),
            category: rule.category,
            message,
            base_pointer: base.to_string(),
            revision_pointer: revision.to_string(),
        });
    }

    /// A finding whose classification follows the rule and the usage.
    fn push_directed(&mut self, rule: Rule, usage: Usage, message: String, at: &At) {
        let breaking = match rule.classification {
            Classification::Breaking => true,
            Classification::NonBreaking => false,
            Classification::BreakingInRequests => usage.request,
            Classification::BreakingInResponses => usage.response,
            Classification::DependsOnChange => usage.request || usage.response,
        };
        self.push(rule, breaking, message, &at.base, &at.revision);
    }

    fn push_at(&mut self, rule: Rule, breaking: bool, message: String, at: &At) {
        self.push(rule, breaking, message, &at.base, &at.revision);
    }

    fn servers(&mut self) {
        let urls = |doc: &Value| -> Vec<String> {
            doc.get("servers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("url").and_then(Value::as_str).map(String::from))
                .collect()
        };
        let (base, revision) = (urls(self.base), urls(self.revision));
        for (index, url) in base.iter().enumerate() {
            if !revision.contains(url) {
                self.push(
                    rule::SERVER_REMOVED,
                    true,
                    format!("server {url} removed"),
                    &format!("/servers/{index}"),
                    "/servers",
                );
            }
        }
        for (index, url) in revision.iter().enumerate() {
            if !base.contains(url) {
                self.push(
                    rule::SERVER_ADDED,
                    false,
                    format!("server {url} added"),
                    "/servers",
                    &format!("/servers/{index}"),
                );
            }
        }
    }

    fn security_schemes(&mut self) {
        let schemes = |doc: &'a Value| {
            doc.pointer("/components/securitySchemes")
                .and_then(Value::as_object)
        };
        let (base, revision) = (schemes(self.base), schemes(self.revision));
        let empty: &'static serde_json::Map<String, Value> = &EMPTY;
        let (base, revision) = (base.unwrap_or(empty), revision.unwrap_or(empty));
        let significant = |s: &Value| -> Value {
            let mut s = s.clone();
            if let Value::Object(map) = &mut s {
                map.remove("description");
            }
            s
        };
        for (name, scheme) in base {
            let pointer = pointer::join("/components/securitySchemes", name);
            match revision.get(name) {
                None => self.push(
                    rule::SECURITY_SCHEME_CHANGED,
                    true,
                    format!("security scheme `{name}` removed"),
                    &pointer,
                    "/components/securitySchemes",
                ),
                Some(other) if significant(other) != significant(scheme) => self.push(
                    rule::SECURITY_SCHEME_CHANGED,
                    true,
                    format!(
                        "security scheme `{name}` changed from {} to {}",
                        compact(&significant(scheme)),
                        compact(&significant(other))
                    ),
                    &pointer,
                    &pointer,
                ),
                Some(other) => {
                    if other.get("description") != scheme.get("description") {
                        self.push(
                            rule::DESCRIPTION_CHANGED,
                            false,
                            format!("description of security scheme `{name}` changed"),
                            &pointer,
                            &pointer,
                        );
                    }
                }
            }
        }
        for name in revision.keys().filter(|n| !base.contains_key(*n)) {
            self.push(
                rule::SECURITY_SCHEME_ADDED,
                false,
                format!("security scheme `{name}` added"),
                "/components/securitySchemes",
                &pointer::join("/components/securitySchemes", name),
            );
        }
    }

    fn paths(&mut self) -> Result<(), BreakingError> {
        let paths = |doc: &'a Value, side| {
            doc.get("paths")
                .and_then(Value::as_object)
                .ok_or_else(|| BreakingError::Malformed {
                    side,
                    what: "`paths` object".into(),
                })
        };
        let base_paths = paths(self.base, "base")?;
        let revision_paths = paths(self.revision, "revision")?;
        for (path, base_item) in base_paths {
            let pointer = pointer::join("/paths", path);
            let base_item = resolve_lenient(self.base, base_item);
            match revision_paths.get(path) {
                None => self.push(
                    rule::PATH_REMOVED,
                    true,
                    format!(
                        "path {path} removed (with {})",
                        operations_of(base_item)
                            .map(|(m, _)| m.to_uppercase())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    &pointer,
                    "/paths",
                ),
                Some(revision_item) => {
                    let revision_item = resolve_lenient(self.revision, revision_item);
                    for (method, base_op) in operations_of(base_item) {
                        let op_pointer = format!("{pointer}/{method}");
                        match revision_item.get(method) {
                            None => self.push(
                                rule::OPERATION_REMOVED,
                                true,
                                format!("{} {path} removed", method.to_uppercase()),
                                &op_pointer,
                                &pointer,
                            ),
                            Some(revision_op) => self.operation(
                                path,
                                method,
                                (base_item, base_op),
                                (revision_item, revision_op),
                            )?,
                        }
                    }
                    for (method, op) in operations_of(revision_item) {
                        if base_item.get(method).is_none() {
                            self.push(
                                rule::OPERATION_ADDED,
                                false,
                                operation_added_message(method, path, op),
                                &pointer,
                                &format!("{pointer}/{method}"),
                            );
                        }
                    }
                }
            }
        }
        for (path, item) in revision_paths {
            if base_paths.contains_key(path) {
                continue;
            }
            let pointer = pointer::join("/paths", path);
            for (method, op) in operations_of(resolve_lenient(self.revision, item)) {
                self.push(
                    rule::OPERATION_ADDED,
                    false,
                    operation_added_message(method, path, op),
                    "/paths",
                    &format!("{pointer}/{method}"),
                );
            }
        }
        Ok(())
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        (base_item, base_op): (&'a Value, &'a Value),
        (revision_item, revision_op): (&'a Value, &'a Value),
    ) -> Result<(), BreakingError> {
        let pointer = format!("/paths/{}/{method}", pointer::escape(path));
        let name = format!("{} {path}", method.to_uppercase());
        let at = At {
            base: pointer.clone(),
            revision: pointer.clone(),
            subject: name.clone(),
        };
        let base_id = base_op.get("operationId").and_then(Value::as_str);
        let revision_id = revision_op.get("operationId").and_then(Value::as_str);
        if base_id != revision_id {
            self.push_at(
                rule::OPERATION_ID_CHANGED,
                true,
                format!(
                    "{name}: operationId changed from {} to {}",
                    base_id.unwrap_or("(none)"),
                    revision_id.unwrap_or("(none)")
                ),
                &at.child("operationId", ""),
            );
        }
        let label = revision_id.unwrap_or(&name).to_string();
        for key in ["summary", "description"] {
            if base_op.get(key) != revision_op.get(key) {
                self.push_at(
                    rule::DESCRIPTION_CHANGED,
                    false,
                    format!("{label}: {key} changed"),
                    &at.child(key, ""),
                );
            }
        }
        if !flag(base_op, "deprecated") && flag(revision_op, "deprecated") {
            self.push_at(
                rule::OPERATION_DEPRECATED,
                false,
                format!("{label} ({name}) is deprecated"),
                &at.child("deprecated", ""),
            );
        }
        self.security(&label, &at, base_op, revision_op);
        self.parameters(
            &label,
            &at,
            (base_item, base_op),
            (revision_item, revision_op),
        )?;
        self.request_body(&label, &at, base_op, revision_op)?;
        self.responses(&label, &at, base_op, revision_op)?;
        Ok(())
    }

    fn security(&mut self, label: &str, at: &At, base_op: &Value, revision_op: &Value) {
        let effective = |doc: &Value, op: &Value| -> Vec<Value> {
            let list = op
                .get("security")
                .or_else(|| doc.get("security"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if list.is_empty() {
                vec![Value::Object(Default::default())]
            } else {
                list
            }
        };
        let base = effective(self.base, base_op);
        let revision = effective(self.revision, revision_op);
        let pointer = |doc: &Value, op: &Value, at: &str| {
            if op.get("security").is_some() || doc.get("security").is_none() {
                format!("{at}/security")
            } else {
                "/security".to_string()
            }
        };
        let base_pointer = pointer(self.base, base_op, &at.base);
        let revision_pointer = pointer(self.revision, revision_op, &at.revision);
        for requirement in &base {
            if !revision.contains(requirement) {
                self.push(
                    rule::SECURITY_REQUIREMENT_CHANGED,
                    true,
                    format!(
                        "{label}: security requirement {} no longer accepted (now {})",
                        compact(requirement),
                        compact(&Value::Array(revision.clone()))
                    ),
                    &base_pointer,
                    &revision_pointer,
                );
            }
        }
        for requirement in &revision {
            if !base.contains(requirement) && base.iter().all(|b| revision.contains(b)) {
                self.push(
                    rule::SECURITY_ALTERNATIVE_ADDED,
                    false,
                    format!(
                        "{label}: security requirement {} also accepted",
                        compact(requirement)
                    ),
                    &base_pointer,
                    &revision_pointer,
                );
            }
        }
    }

    fn parameters(
        &mut self,
        label: &str,
        at: &At,
        (base_item, base_op): (&'a Value, &'a Value),
        (revision_item, revision_op): (&'a Value, &'a Value),
    ) -> Result<(), BreakingError> {
        let base = effective_parameters(self.base, base_item, base_op, &at.base);
        let revision =
            effective_parameters(self.revision, revision_item, revision_op, &at.revision);
        for (key, (parameter, pointer)) in &base {
            let (name, location) = key;
            match revision.get(key) {
                None => self.push(
                    rule::PARAMETER_REMOVED,
                    true,
                    format!("{label}: {location} parameter `{name}` removed"),
                    pointer,
                    &format!("{}/parameters", at.revision),
                ),
                Some((other, other_pointer)) => {
                    let param_at = At {
                        base: pointer.clone(),
                        revision: other_pointer.clone(),
                        subject: format!("{label} {location} parameter `{name}`"),
                    };
                    let (was, is) = (flag(parameter, "required"), flag(other, "required"));
                    if !was && is {
                        self.push_at(
                            rule::PARAMETER_BECAME_REQUIRED,
                            true,
                            format!("{}: became required", param_at.subject),
                            &param_at,
                        );
                    } else if was && !is {
                        self.push_at(
                            rule::PARAMETER_BECAME_OPTIONAL,
                            false,
                            format!("{}: became optional", param_at.subject),
                            &param_at,
                        );
                    }
                    if !flag(parameter, "deprecated") && flag(other, "deprecated") {
                        self.push_at(
                            rule::PARAMETER_DEPRECATED,
                            false,
                            format!("{}: deprecated", param_at.subject),
                            &param_at,
                        );
                    }
                    if parameter.get("description") != other.get("description") {
                        self.push_at(
                            rule::DESCRIPTION_CHANGED,
                            false,
                            format!("{}: description changed", param_at.subject),
                            &param_at.child("description", ""),
                        );
                    }
                    match (parameter.get("schema"), other.get("schema")) {
                        (Some(b), Some(r)) => {
                            let schema_at = param_at.child("schema", "");
                            self.schema(b, r, &schema_at, Usage::REQUEST)?;
                        }
                        (None, None) => {}
                        _ => self.push_at(
                            rule::TYPE_CHANGED,
                            true,
                            format!("{}: schema added or removed", param_at.subject),
                            &param_at,
                        ),
                    }
                }
            }
        }
        for (key, (parameter, pointer)) in &revision {
            if base.contains_key(key) {
                continue;
            }
            let (name, location) = key;
            let required = flag(parameter, "required");
            let (rule, kind) = if required {
                (rule::REQUIRED_PARAMETER_ADDED, "required")
            } else {
                (rule::OPTIONAL_PARAMETER_ADDED, "optional")
            };
            self.push(
                rule,
                required,
                format!("{label}: {kind} {location} parameter `{name}` added"),
                &format!("{}/parameters", at.base),
                pointer,
            );
        }
        Ok(())
    }

    fn request_body(
        &mut self,
        label: &str,
        at: &At,
        base_op: &'a Value,
        revision_op: &'a Value,
    ) -> Result<(), BreakingError> {
        let base = base_op
            .get("requestBody")
            .map(|b| resolve_lenient(self.base, b));
        let revision = revision_op
            .get("requestBody")
            .map(|b| resolve_lenient(self.revision, b));
        let body_at = at.child("requestBody", "");
        match (base, revision) {
            (None, None) => Ok(()),
            (Some(_), None) => {
                self.push(
                    rule::REQUEST_BODY_REMOVED,
                    true,
                    format!("{label}: request body removed"),
                    &body_at.base,
                    &at.revision,
                );
                Ok(())
            }
            (None, Some(body)) => {
                let required = flag(body, "required");
                self.push(
                    rule::REQUEST_BODY_ADDED,
                    required,
                    format!(
                        "{label}: {} request body added",
                        if required { "required" } else { "optional" }
                    ),
                    &at.base,
                    &body_at.revision,
                );
                Ok(())
            }
            (Some(base), Some(revision)) => {
                let (was, is) = (flag(base, "required"), flag(revision, "required"));
                if !was && is {
                    self.push_at(
                        rule::REQUEST_BODY_BECAME_REQUIRED,
                        true,
                        format!("{label}: request body became required"),
                        &body_at,
                    );
                } else if was && !is {
                    self.push_at(
                        rule::REQUEST_BODY_BECAME_OPTIONAL,
                        false,
                        format!("{label}: request body became optional"),
                        &body_at,
                    );
                }
                if base.get("description") != revision.get("description") {
                    self.push_at(
                        rule::DESCRIPTION_CHANGED,
                        false,
                        format!("{label}: request body description changed"),
                        &body_at.child("description", ""),
                    );
                }
                let body_at = At {
                    subject: format!("{label} request body"),
                    ..body_at
                };
                self.contents(base, revision, &body_at, Usage::REQUEST)
            }
        }
    }

    fn responses(
        &mut self,
        label: &str,
        at: &At,
        base_op: &'a Value,
        revision_op: &'a Value,
    ) -> Result<(), BreakingError> {
        let base = members(base_op, "responses");
        let revision = members(revision_op, "responses");
        let responses_at = at.child("responses", "");
        for (status, response) in base {
            let status_at = responses_at.child(status, "");
            match revision.get(status) {
                None => self.push(
                    rule::RESPONSE_REMOVED,
                    true,
                    format!("{label}: response {status} removed"),
                    &status_at.base,
                    &responses_at.revision,
                ),
                Some(other) => {
                    let response = resolve_lenient(self.base, response);
                    let other = resolve_lenient(self.revision, other);
                    if response.get("description") != other.get("description") {
                        self.push_at(
                            rule::DESCRIPTION_CHANGED,
                            false,
                            format!("{label}: description of response {status} changed"),
                            &status_at.child("description", ""),
                        );
                    }
                    let status_at = At {
                        subject: format!("{label} response {status}"),
                        ..status_at
                    };
                    self.contents(response, other, &status_at, Usage::RESPONSE)?;
                }
            }
        }
        for status in revision.keys().filter(|s| !base.contains_key(*s)) {
            let (rule, breaking) = if is_success_status(status) {
                (rule::SUCCESS_STATUS_ADDED, true)
            } else {
                (rule::RESPONSE_ADDED, false)
            };
            self.push(
                rule,
                breaking,
                format!("{label}: response {status} added"),
                &responses_at.base,
                &responses_at.child(status, "").revision,
            );
        }
        Ok(())
    }

    /// Compares the `content` maps of two request bodies or responses.
    fn contents(
        &mut self,
        base: &'a Value,
        revision: &'a Value,
        at: &At,
        usage: Usage,
    ) -> Result<(), BreakingError> {
        let base_content = members(base, "content");
        let revision_content = members(revision, "content");
        let content_at = at.child("content", "");
        let (removed, added) = if usage.request {
            (
                rule::REQUEST_MEDIA_TYPE_REMOVED,
                rule::REQUEST_MEDIA_TYPE_ADDED,
            )
        } else {
            (
                rule::RESPONSE_MEDIA_TYPE_REMOVED,
                rule::RESPONSE_MEDIA_TYPE_ADDED,
            )
        };
        for (media_type, media) in base_content {
            let media_at = content_at.child(media_type, "");
            let Some(other) = revision_content.get(media_type) else {
                self.push(
                    removed,
                    true,
                    format!("{}: media type {media_type} removed", at.subject),
                    &media_at.base,
                    &content_at.revision,
                );
                continue;
            };
            self.examples(media, other, &media_at);
            match (media.get("schema"), other.get("schema")) {
                (Some(b), Some(r)) => self.schema(b, r, &media_at.child("schema", ""), usage)?,
                (None, None) => {}
                _ => self.push_directed(
                    rule::TYPE_CHANGED,
                    Usage::BOTH,
                    format!("{}: schema added or removed", at.subject),
                    &media_at,
                ),
            }
        }
        for media_type in revision_content
            .keys()
            .filter(|m| !base_content.contains_key(*m))
        {
            self.push(
                added,
                false,
                format!("{}: media type {media_type} added", at.subject),
                &content_at.base,
                &content_at.child(media_type, "").revision,
            );
        }
        Ok(())
    }

    fn examples(&mut self, base: &Value, revision: &Value, at: &At) {
        let base_examples = members(base, "examples");
        let revision_examples = members(revision, "examples");
        let examples_at = at.child("examples", "");
        for (name, example) in base_examples {
            match revision_examples.get(name) {
                None => self.push(
                    rule::EXAMPLE_CHANGED,
                    false,
                    format!("{}: example `{name}` removed", at.subject),
                    &examples_at.child(name, "").base,
                    &examples_at.revision,
                ),
                Some(other) if other != example => self.push_at(
                    rule::EXAMPLE_CHANGED,
                    false,
                    format!("{}: example `{name}` changed", at.subject),
                    &examples_at.child(name, ""),
                ),
                Some(_) => {}
            }
        }
        for name in revision_examples
            .keys()
            .filter(|n| !base_examples.contains_key(*n))
        {
            self.push(
                rule::EXAMPLE_CHANGED,
                false,
                format!("{}: example `{name}` added", at.subject),
                &examples_at.base,
                &examples_at.child(name, "").revision,
            );
        }
    }

    fn component_schemas(&mut self) -> Result<(), BreakingError> {
        let schemas = |doc: &'a Value| {
            doc.pointer("/components/schemas")
                .and_then(Value::as_object)
        };
        let empty: &'static serde_json::Map<String, Value> = &EMPTY;
        let base = schemas(self.base).unwrap_or(empty);
        let revision = schemas(self.revision).unwrap_or(empty);
        // A schema gone from the base whose content is now under a new
        // name was renamed: reported once, then compared with its new self.
        let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, schema) in base.iter().filter(|(n, _)| !revision.contains_key(*n)) {
            let new_name = revision
                .iter()
                .filter(|(n, _)| !base.contains_key(*n))
                .filter(|(n, _)| !renamed.values().any(|taken| taken == n))
                .find(|(_, other)| without_descriptions(schema) == without_descriptions(other))
                .map(|(n, _)| n.as_str());
            if let Some(new_name) = new_name {
                renamed.insert(name, new_name);
            }
        }
        for (name, schema) in base {
            let pointer = pointer::join("/components/schemas", name);
            let (revision_name, found) = match (revision.get(name), renamed.get(name.as_str())) {
                (Some(other), _) => (name.as_str(), Some(other)),
                (None, Some(new_name)) => (*new_name, revision.get(*new_name)),
                (None, None) => (name.as_str(), None),
            };
            match found {
                None => self.push(
                    rule::SCHEMA_REMOVED,
                    true,
                    format!("schema {name} removed"),
                    &pointer,
                    "/components/schemas",
                ),
                Some(other) => {
                    let revision_pointer = pointer::join("/components/schemas", revision_name);
                    if revision_name != name {
                        self.push(
                            rule::SCHEMA_RENAMED,
                            true,
                            format!(
                                "schema {name} renamed to {revision_name} (the wire is the same; code generated from the name breaks)"
                            ),
                            &pointer,
                            &revision_pointer,
                        );
                    }
                    let usage = self.usage.get(name).copied().unwrap_or_default();
                    let usage = if usage.is_unused() {
                        Usage::BOTH
                    } else {
                        usage
                    };
                    let at = At {
                        base: pointer,
                        revision: revision_pointer,
                        subject: name.clone(),
                    };
                    self.schema(schema, other, &at, usage)?;
                }
            }
        }
        for name in revision
            .keys()
            .filter(|n| !base.contains_key(*n) && !renamed.values().any(|r| r == n))
        {
            self.push(
                rule::SCHEMA_ADDED,
                false,
                format!("schema {name} added"),
                "/components/schemas",
                &pointer::join("/components/schemas", name),
            );
        }
        Ok(())
    }

    /// Compares two schemas at a use site: a `$ref` to the same component
    /// on both sides stops here (the component is compared on its own).
    fn schema(
        &mut self,
        base: &'a Value,
        revision: &'a Value,
        at: &At,
        usage: Usage,
    ) -> Result<(), BreakingError> {
        self.documentation(base, revision, at);
        let base_split = split_nullable(base, &at.base);
        let revision_split = split_nullable(revision, &at.revision);
        if base_split.nullable != revision_split.nullable {
            let (message, rule_usage) = if revision_split.nullable {
                (
                    "now allows null",
                    Usage {
                        request: false,
                        ..usage
                    },
                )
            } else {
                (
                    "no longer allows null",
                    Usage {
                        response: false,
                        ..usage
                    },
                )
            };
            self.push_directed(
                rule::NULLABLE_CHANGED,
                rule_usage,
                format!("{}: {message}", at.subject),
                at,
            );
        }
        let core_at = At {
            base: base_split.core_pointer.clone(),
            revision: revision_split.core_pointer.clone(),
            subject: at.subject.clone(),
        };
        if !std::ptr::eq(base_split.core, base) || !std::ptr::eq(revision_split.core, revision) {
            self.documentation(base_split.core, revision_split.core, &core_at);
        }
        let base_name = component_schema_name(base_split.core);
        let revision_name = component_schema_name(revision_split.core);
        if base_name.is_some() && base_name == revision_name {
            return Ok(());
        }
        let (base_core, base_pointer) =
            self.resolve_schema(base_split.core, &core_at.base, "base")?;
        let (revision_core, revision_pointer) =
            self.resolve_schema(revision_split.core, &core_at.revision, "revision")?;
        let resolved_at = At {
            base: base_pointer,
            revision: revision_pointer,
            subject: at.subject.clone(),
        };
        let via_reference = base_name.is_some() || revision_name.is_some();
        self.schema_resolved_core(base_core, revision_core, &resolved_at, usage, via_reference)
    }

    fn resolve_schema(
        &self,
        schema: &'a Value,
        pointer: &str,
        side: &'static str,
    ) -> Result<(&'a Value, String), BreakingError> {
        let document = if side == "base" {
            self.base
        } else {
            self.revision
        };
        match refs::resolve(document, schema, pointer) {
            Ok(found) => Ok((found.value, found.pointer.to_string())),
            Err(RefError::Unknown { reference, at }) => Err(BreakingError::UnknownRef {
                side,
                reference,
                pointer: at,
            }),
            Err(RefError::Cycle { at }) => Err(BreakingError::UnknownRef {
                side,
                reference: "a cycle of `$ref`s".into(),
                pointer: at,
            }),
        }
    }

    fn documentation(&mut self, base: &Value, revision: &Value, at: &At) {
        for key in ["description", "title"] {
            if base.get(key) != revision.get(key) {
                self.push_at(
                    rule::DESCRIPTION_CHANGED,
                    false,
                    format!("{}: {key} changed", at.subject),
                    &at.child(key, ""),
                );
            }
        }
        if !flag(base, "deprecated") && flag(revision, "deprecated") {
            self.push_at(
                rule::SCHEMA_DEPRECATED,
                false,
                format!("{} is deprecated", at.subject),
                &at.child("deprecated", ""),
            );
        }
    }

    /// Compares two resolved, non-null cores: types, format, values,
    /// limits, members, items and variants.
    fn schema_resolved_core(
        &mut self,
        base: &'a Value,
        revision: &'a Value,
        at: &At,
        usage: Usage,
        via_reference: bool,
    ) -> Result<(), BreakingError> {
        if !self.visited.insert((at.base.clone(), at.revision.clone())) {
            return Ok(());
        }
        if via_reference {
            // Reached through references to different components (or a
            // reference on one side only): their own texts count too.
            self.documentation(base, revision, at);
        }
        self.types(base, revision, at, usage);
        self.format(base, revision, at, usage);
        self.values(base, revision, at, usage);
        self.enum_names(base, revision, at, usage);
        self.discriminator(base, revision, at, usage);
        self.limits(base, revision, at, usage);
        if base.get("default") != revision.get("default") {
            self.push_directed(
                rule::DEFAULT_CHANGED,
                usage,
                format!(
                    "{}: default changed from {} to {}",
                    at.subject,
                    base.get("default")
                        .map(compact)
                        .unwrap_or_else(|| "none".into()),
                    revision
                        .get("default")
                        .map(compact)
                        .unwrap_or_else(|| "none".into())
                ),
                &at.child("default", ""),
            );
        }
        self.properties(base, revision, at, usage)?;
        self.additional_properties(base, revision, at, usage)?;
        match (base.get("items"), revision.get("items")) {
            (Some(b), Some(r)) => self.schema(b, r, &at.child("items", "[]"), usage)?,
            (None, Some(_)) => self.push_directed(
                rule::LIMIT_TIGHTENED,
                usage,
                format!("{}: items now constrained", at.subject),
                &at.child("items", ""),
            ),
            (Some(_), None) => self.push_directed(
                rule::LIMIT_LOOSENED,
                usage,
                format!("{}: items no longer constrained", at.subject),
                &at.child("items", ""),
            ),
            (None, None) => {}
        }
        self.variants(base, revision, at, usage)?;
        Ok(())
    }

    fn types(&mut self, base: &Value, revision: &Value, at: &At, usage: Usage) {
        let (from, to) = (type_set(base), type_set(revision));
        if from == to {
            return;
        }
        let breaks_request = usage.request && loses_types(&from, &to);
        let breaks_response = usage.response && loses_types(&to, &from);
        self.push_at(
            rule::TYPE_CHANGED,
            breaks_request || breaks_response,
            format!(
                "{}: type changed from {} to {}",
                at.subject,
                describe_types(&from),
                describe_types(&to)
            ),
            &at.child("type", ""),
        );
    }

    fn format(&mut self, base: &Value, revision: &Value, at: &At, usage: Usage) {
        let (from, to) = (
            base.get("format").and_then(Value::as_str),
            revision.get("format").and_then(Value::as_str),
        );
        if from == to {
            return;
        }
        let breaking = match (from, to) {
            (None, Some(_)) => usage.request,
            (Some(_), None) => usage.response,
            _ => true,
        };
        self.push_at(
            rule::FORMAT_CHANGED,
            breaking,
            format!(
                "{}: format changed from {} to {}",
                at.subject,
                from.unwrap_or("none"),
                to.unwrap_or("none")
            ),
            &at.child("format", ""),
        );
    }

    fn values(&mut self, base: &Value, revision: &Value, at: &At, usage: Usage) {
        let keyword = |s: &Value| {
            if s.get("enum").is_some() {
                "enum"
            } else {
                "const"
            }
        };
        let base_at = |at: &At| At {
            base: format!("{}/{}", at.base, keyword(base)),
            revision: format!("{}/{}", at.revision, keyword(revision)),
            subject: at.subject.clone(),
        };
        match (enum_values(base), enum_values(revision)) {
            (None, None) => {}
            (None, Some(values)) => self.push_directed(
                rule::ENUM_CONSTRAINT_ADDED,
                usage,
                format!(
                    "{}: now limited to {}",
                    at.subject,
                    values.iter().map(compact).collect::<Vec<_>>().join(", ")
                ),
                &base_at(at),
            ),
            (Some(_), None) => self.push_directed(
                rule::ENUM_CONSTRAINT_REMOVED,
                usage,
                format!("{}: no longer limited to a list of values", at.subject),
                &base_at(at),
            ),
            (Some(from), Some(to)) => {
                let at = base_at(at);
                for value in from.iter().filter(|v| !to.contains(v)) {
                    self.push_directed(
                        rule::ENUM_VALUE_REMOVED,
                        usage,
                        format!("{}: value {} removed", at.subject, compact(value)),
                        &at,
                    );
                }
                for value in to.iter().filter(|v| !from.contains(v)) {
                    self.push_directed(
                        rule::ENUM_VALUE_ADDED,
                        usage,
                        format!("{}: value {} added", at.subject, compact(value)),
                        &at,
                    );
                }
            }
        }
    }

    /// `x-enum-varnames`: the name of each value kept in both documents.
    fn enum_names(&mut self, base: &Value, revision: &Value, at: &At, usage: Usage) {
        const KEYWORD: &str = "x-enum-varnames";
        if base.get(KEYWORD) == revision.get(KEYWORD) {
            return;
        }
        // Names pair with the `enum` array by position, null included.
        let names = |schema: &Value| -> Vec<(Value, Option<String>)> {
            let listed = schema.get(KEYWORD).and_then(Value::as_array);
            schema
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(index, value)| {
                    let name = listed
                        .and_then(|names| names.get(index))
                        .and_then(Value::as_str)
                        .map(String::from);
                    (value.clone(), name)
                })
                .collect()
        };
        let (from, to) = (names(base), names(revision));
        let names_at = at.child(KEYWORD, "");
        let used = usage.request || usage.response;
        for (value, before) in &from {
            let Some((_, after)) = to.iter().find(|(v, _)| v == value) else {
                continue;
            };
            let (breaking, change) = match (before, after) {
                (Some(a), Some(b)) if a == b => continue,
                (None, None) => continue,
                (Some(a), Some(b)) => (used, format!("renamed from {a} to {b}")),
                (Some(a), None) => (used, format!("no longer named (was {a})")),
                (None, Some(b)) => (false, format!("named {b}")),
            };
            self.push_at(
                rule::ENUM_NAME_CHANGED,
                breaking,
                format!("{}: value {} {change}", at.subject, compact(value)),
                &names_at,
            );
        }
    }

    /// `discriminator`: its property and its mapping.
    fn discriminator(&mut self, base: &Value, revision: &Value, at: &At, usage: Usage) {
        let (from, to) = (base.get("discriminator"), revision.get("discriminator"));
        if from == to {
            return;
        }
        let used = usage.request || usage.response;
        let disc_at = at.child("discriminator", "");
        fn property(d: Option<&Value>) -> Option<&str> {
            d.and_then(|d| d.get("propertyName"))
                .and_then(Value::as_str)
        }
        let mapping = |d: Option<&Value>| -> BTreeMap<String, String> {
            d.and_then(|d| d.get("mapping"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        };
        let mut changes: Vec<(bool, String)> = Vec::new();
        match (property(from), property(to)) {
            (None, Some(p)) if from.is_none() => {
                changes.push((false, format!("now discriminated by {p}")))
            }
            (Some(p), None) if to.is_none() => {
                changes.push((used, format!("no longer discriminated (was by {p})")))
            }
            (a, b) if a != b => changes.push((
                used,
                format!(
                    "discriminator property changed from {} to {}",
                    a.unwrap_or("none"),
                    b.unwrap_or("none")
                ),
            )),
            _ => {}
        }
        if from.is_some() && to.is_some() {
            let (before, after) = (mapping(from), mapping(to));
            for (value, target) in &before {
                match after.get(value) {
                    None => changes.push((used, format!("mapping of {value} removed"))),
                    Some(other) if other != target => changes.push((
                        used,
                        format!("mapping of {value} changed from {target} to {other}"),
                    )),
                    Some(_) => {}
                }
            }
            for (value, target) in after.iter().filter(|(v, _)| !before.contains_key(*v)) {
                changes.push((false, format!("mapping of {value} to {target} added")));
            }
        }
        for (breaking, change) in changes {
            self.push_at(
                rule::DISCRIMINATOR_CHANGED,
                breaking,
                format!("{}: {change}", at.subject),
                &disc_at,
            );
        }
    }

    fn limits(&mut self, base: &Value, revision: &Value, at: &At, usage: Usage) {
        const LOWER: [&str; 5] = [
            "minimum",
            "exclusiveMinimum",
            "minLength",
            "minItems",
            "minProperties",
        ];
        const UPPER: [&str; 5] = [
            "maximum",
            "exclusiveMaximum",
            "maxLength",
            "maxItems",
            "maxProperties",
        ];
        for keyword in LOWER.iter().chain(UPPER.iter()) {
            let lower = LOWER.contains(keyword);
            let (from, to) = (base.get(*keyword), revision.get(*keyword));
            if from == to {
                continue;
            }
            let tighter = match (from.and_then(Value::as_f64), to.and_then(Value::as_f64)) {
                (None, Some(_)) => Some(true),
                (Some(_), None) => Some(false),
                (Some(a), Some(b)) => Some(if lower { b > a } else { b < a }),
                (None, None) => None,
            };
            let describe = |v: Option<&Value>| v.map(compact).unwrap_or_else(|| "none".into());
            let message = format!(
                "{}: {keyword} changed from {} to {}",
                at.subject,
                describe(from),
                describe(to)
            );
            let limit_at = at.child(keyword, "");
            match tighter {
                Some(true) => self.push_directed(rule::LIMIT_TIGHTENED, usage, message, &limit_at),
                Some(false) => self.push_directed(rule::LIMIT_LOOSENED, usage, message, &limit_at),
                None => self.push_at(rule::LIMIT_TIGHTENED, true, message, &limit_at),
            }
        }
        for keyword in ["pattern", "multipleOf"] {
            let (from, to) = (base.get(keyword), revision.get(keyword));
            let describe = |v: Option<&Value>| v.map(compact).unwrap_or_else(|| "none".into());
            let message = format!(
                "{}: {keyword} changed from {} to {}",
                at.subject,
                describe(from),
                describe(to)
            );
            let limit_at = at.child(keyword, "");
            match (from, to) {
                (a, b) if a == b => {}
                (None, Some(_)) => {
                    self.push_directed(rule::LIMIT_TIGHTENED, usage, message, &limit_at)
                }
                (Some(_), None) => {
                    self.push_directed(rule::LIMIT_LOOSENED, usage, message, &limit_at)
                }
                _ => self.push_at(
                    rule::LIMIT_TIGHTENED,
                    usage.request || usage.response,
                    message,
                    &limit_at,
                ),
            }
        }
        let (from, to) = (flag(base, "uniqueItems"), flag(revision, "uniqueItems"));
        if from != to {
            let message = format!("{}: uniqueItems changed from {from} to {to}", at.subject);
            let rule = if to {
                rule::LIMIT_TIGHTENED
            } else {
                rule::LIMIT_LOOSENED
            };
            self.push_directed(rule, usage, message, &at.child("uniqueItems", ""));
        }
    }

    fn properties(
        &mut self,
        base: &'a Value,
        revision: &'a Value,
        at: &At,
        usage: Usage,
    ) -> Result<(), BreakingError> {
        let base_props = members(base, "properties");
        let revision_props = members(revision, "properties");
        let required = |s: &Value| -> Vec<String> {
            s.get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        let (base_required, revision_required) = (required(base), required(revision));
        let props_at = at.child("properties", "");
        for (name, schema) in base_props {
            let prop_at = props_at.child(name, &format!(".{name}"));
            let Some(other) = revision_props.get(name) else {
                self.push(
                    rule::PROPERTY_REMOVED,
                    true,
                    format!("{}: property removed", prop_at.subject),
                    &prop_at.base,
                    &props_at.revision,
                );
                continue;
            };
            let (was, is) = (
                base_required.contains(name),
                revision_required.contains(name),
            );
            let required_at = At {
                base: format!("{}/required", at.base),
                revision: format!("{}/required", at.revision),
                subject: prop_at.subject.clone(),
            };
            if !was && is {
                self.push_directed(
                    rule::PROPERTY_BECAME_REQUIRED,
                    usage,
                    format!("{}: became required", prop_at.subject),
                    &required_at,
                );
            } else if was && !is {
                self.push_directed(
                    rule::PROPERTY_BECAME_OPTIONAL,
                    usage,
                    format!("{}: became optional", prop_at.subject),
                    &required_at,
                );
            }
            self.schema(schema, other, &prop_at, usage)?;
        }
        let closed = base.get("additionalProperties") == Some(&Value::Bool(false));
        for (name, _) in revision_props
            .iter()
            .filter(|(n, _)| !base_props.contains_key(*n))
        {
            let prop_at = props_at.child(name, &format!(".{name}"));
            if revision_required.contains(name) {
                self.push(
                    rule::REQUIRED_PROPERTY_ADDED,
                    usage.request,
                    format!("{}: required property added", prop_at.subject),
                    &props_at.base,
                    &prop_at.revision,
                );
            } else {
                self.push(
                    rule::PROPERTY_ADDED,
                    closed && usage.response,
                    format!("{}: optional property added", prop_at.subject),
                    &props_at.base,
                    &prop_at.revision,
                );
            }
        }
        Ok(())
    }

    fn additional_properties(
        &mut self,
        base: &'a Value,
        revision: &'a Value,
        at: &At,
        usage: Usage,
    ) -> Result<(), BreakingError> {
        /// absent/true → open, false → closed, a schema → constrained.
        fn openness(value: Option<&Value>) -> u8 {
            match value {
                None | Some(Value::Bool(true)) => 2,
                Some(Value::Bool(false)) => 0,
                Some(_) => 1,
            }
        }
        let (from, to) = (
            base.get("additionalProperties"),
            revision.get("additionalProperties"),
        );
        let ap_at = at.child("additionalProperties", "");
        match (openness(from), openness(to)) {
            (1, 1) => {
                if let (Some(b), Some(r)) = (from, to) {
                    self.schema(b, r, &at.child("additionalProperties", "{*}"), usage)?;
                }
            }
            (a, b) if b < a => self.push_directed(
                rule::ADDITIONAL_PROPERTIES_RESTRICTED,
                usage,
                format!(
                    "{}: other members are now refused or constrained",
                    at.subject
                ),
                &ap_at,
            ),
            (a, b) if b > a => self.push_directed(
                rule::ADDITIONAL_PROPERTIES_ALLOWED,
                usage,
                format!("{}: other members are now allowed", at.subject),
                &ap_at,
            ),
            _ => {}
        }
        Ok(())
    }

    fn variants(
        &mut self,
        base: &'a Value,
        revision: &'a Value,
        at: &At,
        usage: Usage,
    ) -> Result<(), BreakingError> {
        for (keywords, added_rule, removed_rule) in [
            (
                &["oneOf", "anyOf"][..],
                rule::VARIANT_ADDED,
                rule::VARIANT_REMOVED,
            ),
            (
                &["allOf"][..],
                rule::ALL_OF_MEMBER_ADDED,
                rule::ALL_OF_MEMBER_REMOVED,
            ),
        ] {
            let base_members = keyed_members(self.base, base, keywords);
            let revision_members = keyed_members(self.revision, revision, keywords);
            if base_members.is_empty() && revision_members.is_empty() {
                continue;
            }
            for (key, (schema, keyword, index)) in &base_members {
                let member_base = format!("{}/{keyword}/{index}", at.base);
                match revision_members.get(key) {
                    None => self.push(
                        removed_rule,
                        match removed_rule.classification {
                            Classification::BreakingInRequests => usage.request,
                            _ => usage.response,
                        },
                        format!("{}: {keyword} member {key} removed", at.subject),
                        &member_base,
                        &at.revision,
                    ),
                    Some((other, other_keyword, other_index)) => {
                        let member_at = At {
                            base: member_base,
                            revision: format!("{}/{other_keyword}/{other_index}", at.revision),
                            subject: format!("{} ({key})", at.subject),
                        };
                        self.schema(schema, other, &member_at, usage)?;
                    }
                }
            }
            for (key, (_, keyword, index)) in &revision_members {
                if base_members.contains_key(key) {
                    continue;
                }
                self.push(
                    added_rule,
                    match added_rule.classification {
                        Classification::BreakingInRequests => usage.request,
                        _ => usage.response,
                    },
                    format!("{}: {keyword} member {key} added", at.subject),
                    &at.base,
                    &format!("{}/{keyword}/{index}", at.revision),
                );
            }
        }
        Ok(())
    }
}

/// The members of `oneOf`/`anyOf` (or `allOf`), `{type: null}` left out,
/// keyed so that the same variant matches across documents: by the value
/// of a property fixed to one value (a discriminator such as
/// `authType: OAUTH`), looked up through a `$ref`, so that an inline
/// variant and the same variant moved to a named component match; else by
/// component name; else by position.
fn keyed_members<'a>(
    document: &'a Value,
    schema: &'a Value,
    keywords: &[&'static str],
) -> BTreeMap<String, (&'a Value, &'static str, usize)> {
    let mut members = BTreeMap::new();
    for keyword in keywords {
        let Some(list) = schema.get(*keyword).and_then(Value::as_array) else {
            continue;
        };
        for (index, member) in list.iter().enumerate() {
            if member.get("type").and_then(Value::as_str) == Some("null") {
                continue;
            }
            let key =
                discriminator_value(connections_openapi::refs::resolve_lenient(document, member))
                    .or_else(|| component_schema_name(member))
                    .unwrap_or_else(|| format!("#{index}"));
            members.insert(key, (member, *keyword, index));
        }
    }
    members
}

fn discriminator_value(member: &Value) -> Option<String> {
    member
        .get("properties")?
        .as_object()?
        .iter()
        .find_map(|(name, property)| match enum_values(property) {
            Some(values) if values.len() == 1 => Some(format!("{name}={}", compact(&values[0]))),
            _ => None,
        })
}

/// The parameters an operation takes (its own override the path item's),
/// keyed by (name, location), with their pointers.
fn effective_parameters<'a>(
    document: &'a Value,
    item: &'a Value,
    operation: &'a Value,
    operation_pointer: &str,
) -> BTreeMap<(String, String), (&'a Value, String)> {
    let (item_pointer, method) = operation_pointer
        .rsplit_once('/')
        .map(|(parent, method)| (parent.to_string(), method))
        .unwrap_or_default();
    let operation = operations::Operation {
        path: "",
        method: METHODS.into_iter().find(|m| *m == method).unwrap_or("get"),
        item: operations::Located {
            value: item,
            pointer: item_pointer.clone(),
            declared_at: item_pointer,
        },
        value: operation,
        pointer: operation_pointer.to_string(),
    };
    operation
        .parameters(document)
        .into_iter()
        .map(|p| ((p.name, p.location), (p.object.value, p.object.declared_at)))
        .collect()
}

fn operations_of(item: &Value) -> impl Iterator<Item = (&'static str, &Value)> {
    METHODS
        .into_iter()
        .filter_map(move |method| item.get(method).map(|op| (method, op)))
}

fn operation_added_message(method: &str, path: &str, operation: &Value) -> String {
    let mut message = format!("{} {path}", method.to_uppercase());
    if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
        message.push_str(&format!(" ({id})"));
    }
    if let Some(summary) = operation.get("summary").and_then(Value::as_str) {
        message.push_str(&format!(": {summary}"));
    }
    message.push_str(" added");
    message
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

#[cfg(test)]
mod tests;
