//! The rules of the breaking-change gate: their identifiers, changelog
//! groups and classifications. `docs/breaking-rules.md` lists them.

use serde::Serialize;

/// The changelog group of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Something new.
    Added,
    /// Something that exists in both documents and differs.
    Changed,
    /// Something newly marked deprecated.
    Deprecated,
    /// Something gone.
    Removed,
    /// Descriptions, summaries and examples.
    Documentation,
}

impl Category {
    /// The heading of the group in a changelog.
    pub fn heading(self) -> &'static str {
        match self {
            Category::Added => "Added",
            Category::Changed => "Changed",
            Category::Deprecated => "Deprecated",
            Category::Removed => "Removed",
            Category::Documentation => "Documentation",
        }
    }
}

/// What a breaking change breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    /// What a client sends or receives: a request refused, a response that
    /// does not parse or lacks what it relied on.
    Wire,
    /// Only code generated from the document's names (a type, a method, a
    /// variant): the wire is the same, code that names it no longer
    /// compiles.
    Code,
}

/// The rules whose change breaks generated code only: names generators
/// take from the document. Every other rule's impact is on the wire.
pub const CODE_ONLY: &[Rule] = &[
    rule::OPERATION_ID_CHANGED,
    rule::SCHEMA_RENAMED,
    rule::ENUM_NAME_CHANGED,
    rule::DISCRIMINATOR_CHANGED,
];

impl Rule {
    /// What the rule's breaking changes break.
    pub fn impact(&self) -> Impact {
        if CODE_ONLY.iter().any(|rule| rule.id == self.id) {
            Impact::Code
        } else {
            Impact::Wire
        }
    }
}

/// How a rule classifies its change, by where the schema is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Classification {
    /// Always breaking.
    Breaking,
    /// Never breaking.
    NonBreaking,
    /// Breaking where the schema (or parameter, or body) is sent by the client.
    BreakingInRequests,
    /// Breaking where the schema is received by the client.
    BreakingInResponses,
    /// Breaking in both directions when a value changes; only one
    /// direction when it is added or removed (see the rule's text).
    DependsOnChange,
}

/// One rule of the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable identifier (kebab case), shown in every finding.
    pub id: &'static str,
    /// The changelog group of its findings.
    pub category: Category,
    /// How it is classified.
    pub classification: Classification,
    /// What the rule detects and why it is (not) breaking.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $category:ident, $class:ident, $summary:literal;)*) => {
        /// The rules, by name.
        pub mod rule {
            use super::{Category, Classification, Rule};
            $(
                #[doc = $summary]
                pub const $name: Rule = Rule {
                    id: $id,
                    category: Category::$category,
                    classification: Classification::$class,
                    summary: $summary,
                };
            )*
        }
        /// Every rule of the gate, in the order `docs/breaking-rules.md` lists
        /// them.
        pub const RULES: &[Rule] = &[$(rule::$name),*];
    };
}

rules! {
    PATH_REMOVED = "path-removed", Removed, Breaking,
        "A path and all its operations were removed: every call to it fails.";
    OPERATION_REMOVED = "operation-removed", Removed, Breaking,
        "An operation was removed from a path that remains.";
    OPERATION_ADDED = "operation-added", Added, NonBreaking,
        "A new operation (or a new path).";
    OPERATION_ID_CHANGED = "operation-id-changed", Changed, Breaking,
        "An operationId changed: generated clients name their methods after it.";
    OPERATION_DEPRECATED = "operation-deprecated", Deprecated, NonBreaking,
        "An operation is now marked deprecated.";
    SECURITY_REQUIREMENT_CHANGED = "security-requirement-changed", Changed, Breaking,
        "A way of authenticating an operation accepted before (a security requirement, or none) is no longer accepted.";
    SECURITY_ALTERNATIVE_ADDED = "security-alternative-added", Changed, NonBreaking,
        "An operation accepts an additional way of authenticating.";
    SECURITY_SCHEME_CHANGED = "security-scheme-changed", Changed, Breaking,
        "A security scheme changed its type, scheme, location, name or flows, or was removed.";
    SECURITY_SCHEME_ADDED = "security-scheme-added", Added, NonBreaking,
        "A new security scheme.";
    SERVER_REMOVED = "server-removed", Removed, Breaking,
        "A server URL was removed: clients configured with it lose it.";
    SERVER_ADDED = "server-added", Added, NonBreaking,
        "A new server URL.";
    PARAMETER_REMOVED = "parameter-removed", Removed, Breaking,
        "A parameter was removed: clients that send it are refused, or their calls mean something else.";
    REQUIRED_PARAMETER_ADDED = "required-parameter-added", Added, Breaking,
        "A new required parameter: existing clients do not send it.";
    OPTIONAL_PARAMETER_ADDED = "optional-parameter-added", Added, NonBreaking,
        "A new optional parameter.";
    PARAMETER_BECAME_REQUIRED = "parameter-became-required", Changed, Breaking,
        "An optional parameter became required.";
    PARAMETER_BECAME_OPTIONAL = "parameter-became-optional", Changed, NonBreaking,
        "A required parameter became optional.";
    PARAMETER_DEPRECATED = "parameter-deprecated", Deprecated, NonBreaking,
        "A parameter is now marked deprecated.";
    REQUEST_BODY_ADDED = "request-body-added", Added, DependsOnChange,
        "An operation now takes a request body: breaking if it is required.";
    REQUEST_BODY_REMOVED = "request-body-removed", Removed, Breaking,
        "An operation no longer takes the request body clients send.";
    REQUEST_BODY_BECAME_REQUIRED = "request-body-became-required", Changed, Breaking,
        "An optional request body became required.";
    REQUEST_BODY_BECAME_OPTIONAL = "request-body-became-optional", Changed, NonBreaking,
        "A required request body became optional.";
    REQUEST_MEDIA_TYPE_REMOVED = "request-media-type-removed", Removed, Breaking,
        "A request body media type is no longer accepted.";
    REQUEST_MEDIA_TYPE_ADDED = "request-media-type-added", Added, NonBreaking,
        "A request body media type is newly accepted.";
    RESPONSE_REMOVED = "response-removed", Removed, Breaking,
        "A documented response status was removed (a changed success status is reported as this plus success-status-added).";
    SUCCESS_STATUS_ADDED = "success-status-added", Added, Breaking,
        "A new 2xx status: generated clients treat an undocumented success status as an unexpected response.";
    RESPONSE_ADDED = "response-added", Added, NonBreaking,
        "A new non-success status (or `default`): still an error to the client.";
    RESPONSE_MEDIA_TYPE_REMOVED = "response-media-type-removed", Removed, Breaking,
        "A response media type is no longer sent.";
    RESPONSE_MEDIA_TYPE_ADDED = "response-media-type-added", Added, NonBreaking,
        "A response media type is newly documented.";
    SCHEMA_REMOVED = "schema-removed", Removed, Breaking,
        "A component schema was removed: generated clients lose the type.";
    SCHEMA_RENAMED = "schema-renamed", Changed, Breaking,
        "A component schema has a new name and the same content (descriptions aside): the wire is the same, but generated clients name the type anew, so code that names it breaks.";
    SCHEMA_ADDED = "schema-added", Added, NonBreaking,
        "A new component schema.";
    PROPERTY_REMOVED = "property-removed", Removed, Breaking,
        "A property was removed: responses lack what clients read, requests carry what the server no longer takes.";
    REQUIRED_PROPERTY_ADDED = "required-property-added", Added, BreakingInRequests,
        "A new required property: existing clients do not send it (in responses it is an addition).";
    PROPERTY_ADDED = "property-added", Added, NonBreaking,
        "A new optional property; a new response property is breaking only where the object allowed no other members.";
    PROPERTY_BECAME_REQUIRED = "property-became-required", Changed, BreakingInRequests,
        "An optional property became required.";
    PROPERTY_BECAME_OPTIONAL = "property-became-optional", Changed, BreakingInResponses,
        "A required property became optional: clients rely on receiving it.";
    TYPE_CHANGED = "type-changed", Changed, DependsOnChange,
        "The JSON type changed: breaking in requests when a type sent before is no longer accepted, in responses when a type not received before may come (`integer` counts as a kind of `number`).";
    NULLABLE_CHANGED = "nullable-changed", Changed, DependsOnChange,
        "Null became allowed (breaking in responses) or disallowed (breaking in requests).";
    FORMAT_CHANGED = "format-changed", Changed, DependsOnChange,
        "The format changed (breaking both ways), was added (breaking in requests) or removed (breaking in responses).";
    ENUM_VALUE_REMOVED = "enum-value-removed", Changed, BreakingInRequests,
        "An enum value was removed: clients that send it are refused.";
    ENUM_VALUE_ADDED = "enum-value-added", Changed, BreakingInResponses,
        "An enum value was added: the generated client rejects values it does not know (Error::InvalidResponsePayload).";
    ENUM_NAME_CHANGED = "enum-name-changed", Changed, DependsOnChange,
        "The name generators give an enum value (`x-enum-varnames`) changed or was removed: code generated in other languages renames or loses its constant (breaking wherever the schema is used); names given where there were none are not breaking.";
    ENUM_CONSTRAINT_ADDED = "enum-constraint-added", Changed, BreakingInRequests,
        "A free value became an enum.";
    ENUM_CONSTRAINT_REMOVED = "enum-constraint-removed", Changed, BreakingInResponses,
        "An enum became a free value.";
    LIMIT_TIGHTENED = "limit-tightened", Changed, BreakingInRequests,
        "minimum, maximum, exclusive bounds, lengths, item or member counts, pattern, multipleOf or uniqueItems got stricter (a changed pattern or multipleOf is breaking both ways).";
    LIMIT_LOOSENED = "limit-loosened", Changed, BreakingInResponses,
        "A limit got looser or was removed: responses may hold values clients were built never to see.";
    DEFAULT_CHANGED = "default-changed", Changed, BreakingInRequests,
        "A default value changed: a client that leaves the value out gets a different behaviour.";
    ADDITIONAL_PROPERTIES_RESTRICTED = "additional-properties-restricted", Changed, BreakingInRequests,
        "Members not listed in `properties` became refused or constrained.";
    ADDITIONAL_PROPERTIES_ALLOWED = "additional-properties-allowed", Changed, BreakingInResponses,
        "Members not listed in `properties` became allowed where none were.";
    VARIANT_ADDED = "variant-added", Changed, BreakingInResponses,
        "A `oneOf`/`anyOf` variant was added: clients cannot read the new shape.";
    VARIANT_REMOVED = "variant-removed", Changed, BreakingInRequests,
        "A `oneOf`/`anyOf` variant was removed: clients that send it are refused.";
    DISCRIMINATOR_CHANGED = "discriminator-changed", Changed, DependsOnChange,
        "A `discriminator` changed its property, lost or retargeted a mapping entry, or was removed: generated clients choose (and name) the variant by it (breaking wherever the schema is used); a discriminator or a mapping entry added is not breaking.";
    ALL_OF_MEMBER_ADDED = "all-of-member-added", Changed, BreakingInRequests,
        "An `allOf` member was added (more constraints).";
    ALL_OF_MEMBER_REMOVED = "all-of-member-removed", Changed, BreakingInResponses,
        "An `allOf` member was removed (fewer constraints).";
    SCHEMA_DEPRECATED = "schema-deprecated", Deprecated, NonBreaking,
        "A schema or property is now marked deprecated.";
    DESCRIPTION_CHANGED = "description-changed", Documentation, NonBreaking,
        "A description, summary or title changed.";
    EXAMPLE_CHANGED = "example-changed", Documentation, NonBreaking,
        "An example was added, removed or changed.";
}
