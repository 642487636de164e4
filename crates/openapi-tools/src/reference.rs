//! The offline HTML reference: one self-contained page rendered from the
//! OpenAPI 3.1 document (`openapi/connections.html`).
//!
//! The page holds every operation (parameters, request body, every
//! response status, examples pretty-printed) and every component schema
//! (properties, types, required members, enum values, constraints,
//! descriptions). It has inline CSS, no script and no external resource,
//! so it opens from disk.
//!
//! Rendering is in two steps: this module turns the document into a view
//! model of plain strings, and minijinja fills `templates/reference.html`
//! with it, HTML-escaping every value. The only values written unescaped
//! are the fields named `*_html`: Markdown rendered by pulldown-cmark with
//! raw HTML turned into text, and type descriptions built here from
//! [`escape_html`]d parts. Output is deterministic: the document's own
//! order is kept everywhere.

use connections_openapi::{
    operations::METHODS,
    pointer,
    refs::{self, RefError, SCHEMA_REF_PREFIX},
    schema,
};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use serde_json::Value;

/// The page template, compiled into the binary.
const TEMPLATE: &str = include_str!("../templates/reference.html");
/// The template's name; the `.html` suffix turns on HTML auto-escaping.
const TEMPLATE_NAME: &str = "reference.html";

/// Why the reference could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// A required member of the document is missing or has the wrong type.
    #[error("the document has no valid {0}")]
    Missing(String),
    /// A `$ref` points at nothing in the document.
    #[error("`$ref` {reference} (at {at}) points at nothing in the document")]
    UnknownRef {
        /// The reference as written.
        reference: String,
        /// Where it was found.
        at: String,
    },
    /// The template failed (a bug in the template).
    #[error("the reference template failed: {0}")]
    Template(#[from] minijinja::Error),
    /// An example does not serialize (cannot happen for parsed JSON).
    #[error("an example does not serialize: {0}")]
    Example(#[from] serde_json::Error),
}

/// Renders the HTML reference of an OpenAPI 3.1 document.
pub fn render(document: &Value) -> Result<String, ReferenceError> {
    let page = Page::build(document)?;
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    // One escaping policy for the whole page: values are escaped by
    // `escape_html`, the same helper that builds the `*_html` fragments.
    env.set_formatter(|out, state, value| {
        if value.is_safe() {
            minijinja::escape_formatter(out, state, value)
        } else {
            out.write_str(&escape_html(&value.to_string()))
                .map_err(minijinja::Error::from)
        }
    });
    env.add_template(TEMPLATE_NAME, TEMPLATE)?;
    let mut html = env
        .get_template(TEMPLATE_NAME)?
        .render(minijinja::context! { page => minijinja::value::Serde(&page) })?;
    if !html.ends_with('\n') {
        html.push('\n');
    }
    Ok(html)
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders a CommonMark description to HTML.
///
/// Raw HTML in the text (the docs write placeholders such as `<baseURL>`,
/// which CommonMark reads as a tag) is shown as text; links keep only
/// `http`, `https`, `mailto` and in-page targets; images are shown as their
/// alternative text, so the page never loads anything.
pub fn markdown_to_html(text: &str) -> String {
    let mut in_image = 0usize;
    let mut dropped_links = Vec::new();
    let events = Parser::new_ext(text, Options::empty()).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let safe = ["http://", "https://", "mailto:", "#"]
                .iter()
                .any(|prefix| dest_url.starts_with(prefix));
            dropped_links.push(!safe);
            safe.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => match dropped_links.pop() {
            Some(true) => None,
            _ => Some(Event::End(TagEnd::Link)),
        },
        other if in_image > 0 => match other {
            Event::Text(t) | Event::Code(t) => Some(Event::Text(t)),
            _ => None,
        },
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html.trim_end().to_string()
}

/// Renders a one-line CommonMark text (a summary) without the paragraph
/// around it.
pub fn inline_markdown_to_html(text: &str) -> String {
    let html = markdown_to_html(text);
    match html
        .strip_prefix("<p>")
        .and_then(|inner| inner.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => html,
    }
}

/// The whole page.
#[derive(Debug, Serialize)]
struct Page {
    title: String,
    version: String,
    openapi: String,
    license: Option<String>,
    description_html: String,
    servers: Vec<ServerView>,
    security_schemes: Vec<SecuritySchemeView>,
    tags: Vec<TagView>,
    operations: Vec<OperationView>,
    schemas: Vec<SchemaView>,
}

#[derive(Debug, Serialize)]
struct ServerView {
    url: String,
    description: String,
}

#[derive(Debug, Serialize)]
struct SecuritySchemeView {
    name: String,
    kind: String,
    description_html: String,
}

#[derive(Debug, Serialize)]
struct TagView {
    name: String,
    description_html: String,
}

#[derive(Debug, Serialize)]
struct OperationView {
    anchor: String,
    method: String,
    method_class: String,
    path: String,
    operation_id: String,
    summary: String,
    description_html: String,
    tags: Vec<String>,
    deprecated: bool,
    security: Vec<String>,
    parameters: Vec<ParameterView>,
    request_body: Option<BodyView>,
    responses: Vec<ResponseView>,
}

#[derive(Debug, Serialize)]
struct ParameterView {
    name: String,
    location: String,
    required: bool,
    deprecated: bool,
    type_html: String,
    description_html: String,
    facts: Vec<String>,
    enum_values: Vec<String>,
    examples: Vec<ExampleView>,
}

#[derive(Debug, Serialize)]
struct BodyView {
    required: bool,
    description_html: String,
    contents: Vec<ContentView>,
}

#[derive(Debug, Serialize)]
struct ResponseView {
    status: String,
    description_html: String,
    contents: Vec<ContentView>,
}

#[derive(Debug, Serialize)]
struct ContentView {
    media_type: String,
    type_html: String,
    examples: Vec<ExampleView>,
}

#[derive(Debug, Serialize)]
struct ExampleView {
    name: String,
    summary_html: String,
    description_html: String,
    json: String,
}

#[derive(Debug, Serialize)]
struct SchemaView {
    anchor: String,
    name: String,
    type_html: String,
    description_html: String,
    facts: Vec<String>,
    enum_values: Vec<String>,
    properties: Vec<PropertyView>,
    additional_properties_html: String,
    variant_kind: String,
    variants: Vec<SchemaView>,
    examples: Vec<ExampleView>,
}

#[derive(Debug, Serialize)]
struct PropertyView {
    name: String,
    type_html: String,
    required: bool,
    deprecated: bool,
    read_only: bool,
    write_only: bool,
    description_html: String,
    facts: Vec<String>,
    enum_values: Vec<String>,
    nested: Option<Box<SchemaView>>,
}

/// Reads the document, resolving references against it.
struct Reader<'a> {
    document: &'a Value,
}

impl Page {
    fn build(document: &Value) -> Result<Self, ReferenceError> {
        let reader = Reader { document };
        let info = document
            .get("info")
            .and_then(Value::as_object)
            .ok_or_else(|| ReferenceError::Missing("`info` object".into()))?;
        let servers = document
            .get("servers")
            .and_then(Value::as_array)
            .map(|servers| {
                servers
                    .iter()
                    .map(|server| ServerView {
                        url: text(server, "url"),
                        description: text(server, "description"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let security_schemes = document
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .map(|schemes| {
                schemes
                    .iter()
                    .map(|(name, scheme)| SecuritySchemeView {
                        name: name.clone(),
                        kind: security_kind(scheme),
                        description_html: markdown(scheme),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let tags = document
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .map(|tag| TagView {
                        name: text(tag, "name"),
                        description_html: markdown(tag),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let schemas = match document.pointer("/components/schemas") {
            None => Vec::new(),
            Some(Value::Object(schemas)) => schemas
                .iter()
                .map(|(name, schema)| {
                    let at = format!("{SCHEMA_REF_PREFIX}{}", pointer::escape(name));
                    reader.schema_view(name, &schema_anchor(name), schema, &at)
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(ReferenceError::Missing(
                    "`components.schemas` object".into(),
                ));
            }
        };
        Ok(Page {
            title: text(&Value::Object(info.clone()), "title"),
            version: text(&Value::Object(info.clone()), "version"),
            openapi: text(document, "openapi"),
            license: info
                .get("license")
                .and_then(|license| license.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string),
            description_html: info
                .get("description")
                .and_then(Value::as_str)
                .map(markdown_to_html)
                .unwrap_or_default(),
            servers,
            security_schemes,
            tags,
            operations: reader.operations()?,
            schemas,
        })
    }
}

impl<'a> Reader<'a> {
    /// Follows `$ref`s (local JSON pointers) until a value that is not one.
    fn resolve(&self, value: &'a Value, at: &str) -> Result<&'a Value, ReferenceError> {
        match refs::resolve(self.document, value, at) {
            Ok(found) => Ok(found.value),
            Err(RefError::Unknown { reference, .. }) => Err(ReferenceError::UnknownRef {
                reference,
                at: at.to_string(),
            }),
            Err(RefError::Cycle { .. }) => Err(ReferenceError::UnknownRef {
                reference: "a cycle of `$ref`s".into(),
                at: at.to_string(),
            }),
        }
    }

    fn operations(&self) -> Result<Vec<OperationView>, ReferenceError> {
        let Some(paths) = self.document.get("paths").and_then(Value::as_object) else {
            return Err(ReferenceError::Missing("`paths` object".into()));
        };
        let document_security = self.document.get("security");
        let mut operations = Vec::new();
        for (path, item) in paths {
            let item_at = format!("#/paths/{}", pointer::escape(path));
            let item = self.resolve(item, &item_at)?;
            let shared_parameters = item.get("parameters");
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let at = format!("{item_at}/{method}");
                let operation_id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{method} {path}"));
                let mut parameters = Vec::new();
                let mut seen = Vec::new();
                // Operation parameters override path-item ones of the same name and place.
                for (list, list_at) in [
                    (operation.get("parameters"), format!("{at}/parameters")),
                    (shared_parameters, format!("{item_at}/parameters")),
                ] {
                    for (index, parameter) in list
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        let parameter_at = format!("{list_at}/{index}");
                        let parameter = self.resolve(parameter, &parameter_at)?;
                        let key = (text(parameter, "name"), text(parameter, "in"));
                        if seen.contains(&key) {
                            continue;
                        }
                        seen.push(key);
                        parameters.push(self.parameter_view(parameter, &parameter_at)?);
                    }
                }
                let request_body = match operation.get("requestBody") {
                    None => None,
                    Some(body) => {
                        let body_at = format!("{at}/requestBody");
                        let body = self.resolve(body, &body_at)?;
                        Some(BodyView {
                            required: flag(body, "required"),
                            description_html: markdown(body),
                            contents: self.contents(body, &body_at)?,
                        })
                    }
                };
                let mut responses = Vec::new();
                if let Some(list) = operation.get("responses").and_then(Value::as_object) {
                    for (status, response) in list {
                        let response_at = pointer::join(&format!("{at}/responses"), status);
                        let response = self.resolve(response, &response_at)?;
                        responses.push(ResponseView {
                            status: status.clone(),
                            description_html: markdown(response),
                            contents: self.contents(response, &response_at)?,
                        });
                    }
                }
                let security = operation
                    .get("security")
                    .or(document_security)
                    .and_then(Value::as_array)
                    .map(|requirements| requirements.iter().map(security_requirement).collect())
                    .unwrap_or_default();
                operations.push(OperationView {
                    anchor: format!("operation-{}", anchor_text(&operation_id)),
                    method: method.to_uppercase(),
                    method_class: method.to_string(),
                    path: path.clone(),
                    operation_id,
                    summary: text(operation, "summary"),
                    description_html: markdown(operation),
                    tags: operation
                        .get("tags")
                        .and_then(Value::as_array)
                        .map(|tags| {
                            tags.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default(),
                    deprecated: flag(operation, "deprecated"),
                    security,
                    parameters,
                    request_body,
                    responses,
                });
            }
        }
        Ok(operations)
    }

    fn parameter_view(&self, parameter: &Value, at: &str) -> Result<ParameterView, ReferenceError> {
        let schema = parameter.get("schema").unwrap_or(&Value::Null);
        let resolved = self.resolve(schema, &format!("{at}/schema"))?;
        let mut examples = named_examples(parameter.get("examples"))?;
        if let Some(example) = parameter.get("example") {
            examples.push(example_view("example", example)?);
        }
        Ok(ParameterView {
            name: text(parameter, "name"),
            location: text(parameter, "in"),
            required: flag(parameter, "required"),
            deprecated: flag(parameter, "deprecated"),
            type_html: self.type_html(schema),
            description_html: markdown(parameter),
            facts: facts(resolved),
            enum_values: enum_values(resolved),
            examples,
        })
    }

    fn contents(&self, holder: &Value, at: &str) -> Result<Vec<ContentView>, ReferenceError> {
        let Some(content) = holder.get("content").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut views = Vec::new();
        for (media_type, media) in content {
            let media_at = pointer::join(&format!("{at}/content"), media_type);
            let schema = media.get("schema").unwrap_or(&Value::Null);
            // Check that the schema's reference resolves.
            self.resolve(schema, &format!("{media_at}/schema"))?;
            let mut examples = named_examples(media.get("examples"))?;
            if let Some(example) = media.get("example") {
                examples.push(example_view("example", example)?);
            }
            views.push(ContentView {
                media_type: media_type.clone(),
                type_html: self.type_html(schema),
                examples,
            });
        }
        Ok(views)
    }

    /// The view of a named or inline schema, with its members.
    fn schema_view(
        &self,
        name: &str,
        anchor: &str,
        schema: &Value,
        at: &str,
    ) -> Result<SchemaView, ReferenceError> {
        let resolved = self.resolve(schema, at)?;
        let required: Vec<&str> = resolved
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut properties = Vec::new();
        if let Some(members) = resolved.get("properties").and_then(Value::as_object) {
            for (property, property_schema) in members {
                let property_at = pointer::join(&format!("{at}/properties"), property);
                properties.push(self.property_view(
                    property,
                    property_schema,
                    required.contains(&property.as_str()),
                    &property_at,
                )?);
            }
        }
        let additional_properties_html = match resolved.get("additionalProperties") {
            Some(Value::Bool(false)) => "none allowed".to_string(),
            Some(Value::Bool(true)) | None => String::new(),
            Some(schema) => self.type_html(schema),
        };
        let mut variant_kind = String::new();
        let mut variants = Vec::new();
        if !is_nullable_wrapper(resolved) {
            for (keyword, kind) in [
                ("oneOf", "Exactly one of"),
                ("anyOf", "Any of"),
                ("allOf", "All of"),
            ] {
                let Some(members) = resolved.get(keyword).and_then(Value::as_array) else {
                    continue;
                };
                variant_kind = kind.to_string();
                for (index, member) in members.iter().enumerate() {
                    let member_at = format!("{at}/{keyword}/{index}");
                    if member.get("$ref").is_some() {
                        self.resolve(member, &member_at)?;
                        variants.push(SchemaView::reference(self.type_html(member)));
                    } else {
                        variants.push(self.schema_view(
                            &format!("{name} variant {}", index + 1),
                            "",
                            member,
                            &member_at,
                        )?);
                    }
                }
                break;
            }
        }
        let mut examples = Vec::new();
        if let Some(Value::Array(values)) = resolved.get("examples") {
            for (index, value) in values.iter().enumerate() {
                examples.push(example_view(&format!("{}", index + 1), value)?);
            }
        }
        if let Some(value) = resolved.get("example") {
            examples.push(example_view("example", value)?);
        }
        Ok(SchemaView {
            anchor: anchor.to_string(),
            name: name.to_string(),
            type_html: self.type_html(resolved),
            description_html: markdown(resolved),
            facts: facts(resolved),
            enum_values: enum_values(resolved),
            properties,
            additional_properties_html,
            variant_kind,
            variants,
            examples,
        })
    }

    fn property_view(
        &self,
        name: &str,
        schema: &Value,
        required: bool,
        at: &str,
    ) -> Result<PropertyView, ReferenceError> {
        // The property's own description may sit beside a `$ref`, or inside
        // the non-null member of a nullable `oneOf`.
        let core = nullable_core(schema).unwrap_or(schema);
        let description = schema
            .get("description")
            .or_else(|| core.get("description"))
            .and_then(Value::as_str)
            .map(markdown_to_html)
            .unwrap_or_default();
        let resolved = self.resolve(core, at)?;
        let inline_object = core.get("$ref").is_none()
            && (resolved.get("properties").is_some()
                || ["oneOf", "anyOf", "allOf"]
                    .iter()
                    .any(|k| resolved.get(k).is_some()));
        let nested = if inline_object {
            let mut view = self.schema_view(name, "", core, at)?;
            view.description_html.clear();
            view.facts.clear();
            view.enum_values.clear();
            Some(Box::new(view))
        } else {
            None
        };
        let (facts, enum_values) = if core.get("$ref").is_some() {
            (Vec::new(), Vec::new())
        } else {
            (facts(resolved), enum_values(resolved))
        };
        Ok(PropertyView {
            name: name.to_string(),
            type_html: self.type_html(schema),
            required,
            deprecated: flag(schema, "deprecated"),
            read_only: flag(schema, "readOnly"),
            write_only: flag(schema, "writeOnly"),
            description_html: description,
            facts,
            enum_values,
            nested,
        })
    }

    /// A one-line description of a schema's type, as HTML: names of
    /// component schemas link to their section.
    fn type_html(&self, schema: &Value) -> String {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            return match reference.strip_prefix(SCHEMA_REF_PREFIX) {
                Some(name) => {
                    let name = pointer::unescape(name);
                    format!(
                        "<a href=\"#{}\">{}</a>",
                        escape_html(&schema_anchor(&name)),
                        escape_html(&name)
                    )
                }
                None => format!("<code>{}</code>", escape_html(reference)),
            };
        }
        if let Some(core) = nullable_core(schema) {
            return format!("{} | null", self.type_html(core));
        }
        for (keyword, word) in [("oneOf", "one of"), ("anyOf", "any of")] {
            if let Some(members) = schema.get(keyword).and_then(Value::as_array) {
                if members.iter().all(|m| m.get("$ref").is_some()) {
                    let names: Vec<String> = members.iter().map(|m| self.type_html(m)).collect();
                    return names.join(" | ");
                }
                return format!("{word} {} variants", members.len());
            }
        }
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            let names: Vec<String> = members.iter().map(|m| self.type_html(m)).collect();
            return names.join(" &amp; ");
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if types.is_empty() {
            if schema.get("const").is_some() {
                return "constant".into();
            }
            if schema.get("enum").is_some() {
                return "enum".into();
            }
            return "any".into();
        }
        let format = schema
            .get("format")
            .and_then(Value::as_str)
            .map(|f| format!(" ({})", escape_html(f)))
            .unwrap_or_default();
        types
            .iter()
            .map(|t| match *t {
                "array" => format!(
                    "array of {}",
                    schema
                        .get("items")
                        .map(|items| self.type_html(items))
                        .unwrap_or_else(|| "any".into())
                ),
                "object" => match schema.get("additionalProperties") {
                    Some(ap @ Value::Object(_)) if schema.get("properties").is_none() => {
                        format!("map of {}", self.type_html(ap))
                    }
                    _ => "object".into(),
                },
                "null" => "null".into(),
                other => format!("{}{format}", escape_html(other)),
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

impl SchemaView {
    /// A variant that only names a component schema.
    fn reference(type_html: String) -> Self {
        SchemaView {
            anchor: String::new(),
            name: String::new(),
            type_html,
            description_html: String::new(),
            facts: Vec::new(),
            enum_values: Vec::new(),
            properties: Vec::new(),
            additional_properties_html: String::new(),
            variant_kind: String::new(),
            variants: Vec::new(),
            examples: Vec::new(),
        }
    }
}

/// For `oneOf`/`anyOf` `[X, {type: null}]` (either order), `X`.
fn nullable_core(schema: &Value) -> Option<&Value> {
    schema::nullable_core(schema).map(|found| found.core)
}

fn is_nullable_wrapper(schema: &Value) -> bool {
    nullable_core(schema).is_some()
}

/// The constraints of a schema, one short sentence each.
fn facts(schema: &Value) -> Vec<String> {
    const KEYWORDS: [(&str, &str); 13] = [
        ("minimum", "minimum"),
        ("exclusiveMinimum", "greater than"),
        ("maximum", "maximum"),
        ("exclusiveMaximum", "less than"),
        ("multipleOf", "multiple of"),
        ("minLength", "minimum length"),
        ("maxLength", "maximum length"),
        ("pattern", "pattern"),
        ("minItems", "minimum items"),
        ("maxItems", "maximum items"),
        ("uniqueItems", "unique items"),
        ("minProperties", "minimum members"),
        ("maxProperties", "maximum members"),
    ];
    let mut facts: Vec<String> = KEYWORDS
        .iter()
        .filter_map(|(keyword, label)| {
            schema
                .get(*keyword)
                .map(|value| format!("{label}: {}", compact(value)))
        })
        .collect();
    if let Some(default) = schema.get("default") {
        facts.push(format!("default: {}", compact(default)));
    }
    if flag(schema, "readOnly") {
        facts.push("read-only".into());
    }
    if flag(schema, "writeOnly") {
        facts.push("write-only".into());
    }
    if flag(schema, "deprecated") {
        facts.push("deprecated".into());
    }
    facts
}

/// The allowed values (`enum`, or `const`), as JSON text.
fn enum_values(schema: &Value) -> Vec<String> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.iter().map(compact).collect();
    }
    schema.get("const").map(compact).into_iter().collect()
}

fn named_examples(examples: Option<&Value>) -> Result<Vec<ExampleView>, ReferenceError> {
    let Some(Value::Object(examples)) = examples else {
        return Ok(Vec::new());
    };
    examples
        .iter()
        .map(|(name, example)| {
            let mut view = example_view(name, example.get("value").unwrap_or(&Value::Null))?;
            view.summary_html = example
                .get("summary")
                .and_then(Value::as_str)
                .map(inline_markdown_to_html)
                .unwrap_or_default();
            view.description_html = markdown(example);
            Ok(view)
        })
        .collect()
}

fn example_view(name: &str, value: &Value) -> Result<ExampleView, ReferenceError> {
    Ok(ExampleView {
        name: name.to_string(),
        summary_html: String::new(),
        description_html: String::new(),
        json: serde_json::to_string_pretty(value)?,
    })
}

fn security_kind(scheme: &Value) -> String {
    match scheme.get("type").and_then(Value::as_str) {
        Some("http") => {
            let mut kind = format!("HTTP {}", text(scheme, "scheme"));
            if let Some(format) = scheme.get("bearerFormat").and_then(Value::as_str) {
                kind.push_str(&format!(" ({format})"));
            }
            kind
        }
        Some("apiKey") => format!(
            "API key in {} `{}`",
            text(scheme, "in"),
            text(scheme, "name")
        ),
        Some(other) => other.to_string(),
        None => "unknown".into(),
    }
}

/// `{"bearerAuth": []}` → `bearerAuth`; scopes in brackets; `{}` → none.
fn security_requirement(requirement: &Value) -> String {
    let Some(schemes) = requirement.as_object().filter(|s| !s.is_empty()) else {
        return "no authentication".into();
    };
    schemes
        .iter()
        .map(|(name, scopes)| {
            let scopes: Vec<&str> = scopes
                .as_array()
                .map(|s| s.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if scopes.is_empty() {
                name.clone()
            } else {
                format!("{name} [{}]", scopes.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn markdown(value: &Value) -> String {
    value
        .get("description")
        .and_then(Value::as_str)
        .map(markdown_to_html)
        .unwrap_or_default()
}

fn compact(value: &Value) -> String {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => value.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn schema_anchor(name: &str) -> String {
    format!("schema-{}", anchor_text(name))
}

/// Letters, digits, `-`, `_` and `.` are kept; anything else becomes `-`.
fn anchor_text(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn committed_document() -> Value {
        connections_openapi::document::committed().unwrap()
    }

    #[test]
    fn every_operation_id_and_schema_name_appears_with_an_anchor() {
        let document = committed_document();
        let html = render(&document).unwrap();
        let mut operation_ids = 0;
        for item in document["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                let id = operation["operationId"].as_str().unwrap();
                assert!(
                    html.contains(&format!("id=\"operation-{id}\"")),
                    "no section for {id}"
                );
                assert!(html.contains(&format!("<code>{id}</code>")), "{id}");
                operation_ids += 1;
            }
        }
        assert_eq!(operation_ids, 5);
        let schemas = document["components"]["schemas"].as_object().unwrap();
        assert!(!schemas.is_empty());
        for name in schemas.keys() {
            assert!(
                html.contains(&format!("id=\"schema-{name}\"")),
                "no section for {name}"
            );
            assert!(html.contains(&format!("<h3>{name}</h3>")), "{name}");
        }
    }

    #[test]
    fn every_response_status_property_and_enum_value_is_shown() {
        let document = committed_document();
        let html = render(&document).unwrap();
        for item in document["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                for status in operation["responses"].as_object().unwrap().keys() {
                    assert!(
                        html.contains(&format!("<td class=\"status\">{status}</td>")),
                        "{status}"
                    );
                }
            }
        }
        let connection = &document["components"]["schemas"]["Connection"];
        for property in connection["properties"].as_object().unwrap().keys() {
            assert!(
                html.contains(&format!("<code>{property}</code>")),
                "{property}"
            );
        }
        for value in ["DATA_SYSTEM", "DESTINATION", "AI", "OAUTH", "PATCH"] {
            assert!(
                html.contains(&format!("<code>&quot;{value}&quot;</code>")),
                "{value}"
            );
        }
    }

    #[test]
    fn every_example_is_pretty_printed_and_escaped() {
        let document = committed_document();
        let html = render(&document).unwrap();
        let mut examples = 0;
        for example in connections_spec::examples::ALL {
            assert!(
                html.contains(&format!("Example <code>{}</code>", example.name)),
                "{}",
                example.name
            );
            let pretty = serde_json::to_string_pretty(&example.value()).unwrap();
            assert!(html.contains(&escape_html(&pretty)), "{}", example.name);
            examples += 1;
        }
        assert!(examples > 0);
    }

    #[test]
    fn the_page_is_self_contained() {
        let html = render(&committed_document()).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<style>"));
        for external in ["<script", "<link", "src=", "@import", "url("] {
            assert!(!html.contains(external), "{external}");
        }
    }

    #[test]
    fn rendering_is_deterministic() {
        let document = committed_document();
        assert_eq!(render(&document).unwrap(), render(&document).unwrap());
    }

    #[test]
    fn an_unknown_reference_is_named() {
        let document = json!({
            "openapi": "3.1.0", "info": {"title": "T", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "x",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}}}}}
        });
        let err = render(&document).unwrap_err();
        assert!(
            err.to_string().contains("#/components/schemas/Nope"),
            "{err}"
        );
        assert!(err.to_string().contains("/paths/~1a/get"), "{err}");
    }

    #[test]
    fn a_document_without_info_is_refused() {
        let err = render(&json!({"openapi": "3.1.0", "paths": {}})).unwrap_err();
        assert!(matches!(err, ReferenceError::Missing(_)), "{err}");
    }

    #[test]
    fn summaries_render_code_spans_inline() {
        assert_eq!(
            inline_markdown_to_html("One page holding an `OAUTH` <x>"),
            "One page holding an <code>OAUTH</code> &lt;x&gt;"
        );
    }

    #[test]
    fn escaping_covers_the_five_characters() {
        assert_eq!(
            escape_html(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
