//! The Connection resource and the body that creates or updates it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Auth;

/// A connection as the API returns it (create, retrieve, list, update).
///
/// **Decision (required fields):** a real tenant sends the bodies the docs
/// publish, so a field is required only where *every* documented response
/// has it. The update response leaves out `revision`, `description`,
/// `exampleValue`, the mappings, the custom headers and the URL parameters,
/// and the create response leaves out `revision` and `description`; all of
/// those are optional here. Unknown fields are tolerated (no
/// `additionalProperties: false`), so a server that adds a field does not
/// break existing clients.
///
/// **Decision (name):** the overview table calls the editor's reference
/// `modifiedByUserRef`; every example says `modifiedByRef`. The examples win.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// The key of the tenant (client) that owns the connection.
    pub client_key: String,
    /// The canonical URL of this connection. The docs' examples hold the
    /// literal `<baseURL>` in it, so it is not checked as a URI.
    pub href: String,
    /// The connection's reference (a UUID in every documented example).
    #[serde(rename = "ref")]
    #[schema(rename = "ref")]
    pub reference: String,
    /// The name of the connection.
    pub name: String,
    /// A free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The reference of the user who last changed the connection.
    pub modified_by_ref: String,
    /// When the connection last changed (RFC 3339 date-time).
    pub modified_at: DateTime<Utc>,
    /// The revision, starting at 1 and incremented by every update.
    /// Absent from the documented create and update responses. At most
    /// 2147483647.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 2147483647)]
    pub revision: Option<u32>,
    /// Whether the connection is archived.
    pub archived: bool,
    /// How the connection authenticates.
    pub auth: Auth,
    /// The HTTP request the connection sends.
    pub request: OutboundRequest,
    /// An example of the request body with its placeholders filled in: a
    /// JSON document *as a string* (may be empty), never a JSON object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example_value: Option<String>,
    /// Values that fill the placeholders of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_mappings: Option<Vec<InputMapping>>,
    /// Values read from the external service's response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_mappings: Option<Vec<OutputMapping>>,
    /// Headers sent with the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_headers: Option<Vec<NameValue>>,
    /// Query parameters appended to `connectionUrl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_parameters: Option<Vec<NameValue>>,
    /// The kind of system the connection talks to.
    pub system_type: SystemType,
    /// Connect timeout in milliseconds, 0 to 2147483647. Present in every
    /// documented response, so required.
    #[schema(minimum = 0, maximum = 2147483647)]
    pub connection_timeout: u32,
    /// Read (socket) timeout in milliseconds. Optional: the list example
    /// is cut off before it in every public copy, so "every example has
    /// it" cannot be shown. 0 to 2147483647.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 2147483647)]
    pub socket_timeout: Option<u32>,
    /// The icon the Sitecore UI shows: an image path in most examples, a
    /// Font Awesome class (`fad fa-sms`) in the test page's. Optional for
    /// the same reason as `socketTimeout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// The body of create (`POST /v2/connections`) and update
/// (`PUT /v2/connections/{connectionRef}`).
///
/// `name`, `auth`, `request` and `systemType` are required, as both pages
/// state. **Decision (read-only fields):** a client that retrieves a
/// connection, edits it and sends it back carries `ref`, `href`,
/// `clientKey`, `revision`, `modifiedByRef`, `modifiedAt` and `archived`;
/// the server assigns those itself, so they are accepted and ignored.
///
/// **Decision (unknown members, 1.1.0):** any other member a server does not
/// know is accepted and ignored too (no `additionalProperties: false`).
/// Sitecore's page says the retrieved object can be sent back to test the
/// connection, and the `Connection` schema lets a server add members without
/// breaking clients: the day it does, a client that sends back what it
/// retrieved must not get a 400. The cost, a misspelled optional member
/// being ignored, is the usual one of JSON APIs; a misspelled *required*
/// member is still an error, because the required one is then missing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInput {
    /// The name of the connection.
    pub name: String,
    /// A free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How the connection authenticates.
    pub auth: Auth,
    /// The HTTP request the connection sends.
    pub request: OutboundRequest,
    /// An example of the filled-in request body, as a JSON string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example_value: Option<String>,
    /// Values that fill the placeholders of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_mappings: Option<Vec<InputMapping>>,
    /// Values read from the external service's response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_mappings: Option<Vec<OutputMapping>>,
    /// Headers sent with the request. Not `Content-Length` or
    /// `Transfer-Encoding`: the server sets them from the body it sends,
    /// and refuses a connection naming either (400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_headers: Option<Vec<NameValue>>,
    /// Query parameters appended to `connectionUrl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_parameters: Option<Vec<NameValue>>,
    /// The kind of system the connection talks to.
    pub system_type: SystemType,
    /// Connect timeout in milliseconds, 0 to 2147483647: the largest JVM
    /// `int`, what Personalize's servers hold (no bound is published). An
    /// integral number written as a float (`1000.0`) is an integer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 2147483647)]
    pub connection_timeout: Option<u32>,
    /// Read (socket) timeout in milliseconds, 0 to 2147483647.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 2147483647)]
    pub socket_timeout: Option<u32>,
    /// Path of the icon the Sitecore UI shows for the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Ignored: assigned by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// Ignored: assigned by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// Ignored: assigned by the server (the path names the connection).
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    #[schema(rename = "ref")]
    pub reference: Option<String>,
    /// Ignored: assigned by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by_ref: Option<String>,
    /// Ignored: assigned by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<DateTime<Utc>>,
    /// Ignored: assigned by the server (every update adds one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 2147483647)]
    pub revision: Option<u32>,
    /// Ignored: the docs show no way to archive through this API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

/// The headers that say where a request body ends, which a server sets
/// itself when it sends a connection's request.
///
/// **Decision (framing headers):** the docs put no rule on header names.
/// A stored `Content-Length` or `Transfer-Encoding` would disagree with
/// the body really sent (the target reads 5 bytes of 40, or waits for 500
/// that never come) while the test's result reports another exchange. So
/// a server refuses a connection whose `customHeaders` or
/// `oauthCustomHeaders` name either, in any case: 400 naming the member
/// ([`ConnectionInput::framing_headers`]).
pub const FRAMING_HEADERS: [&str; 2] = ["Content-Length", "Transfer-Encoding"];

impl ConnectionInput {
    /// The JSON pointers of the names of the headers, of the request and
    /// of the OAuth token request, that are [`FRAMING_HEADERS`].
    pub fn framing_headers(&self) -> Vec<String> {
        let is_framing = |header: &NameValue| {
            FRAMING_HEADERS
                .iter()
                .any(|framing| header.name.trim().eq_ignore_ascii_case(framing))
        };
        let mut found = Vec::new();
        for (at, header) in self.custom_headers.iter().flatten().enumerate() {
            if is_framing(header) {
                found.push(format!("/customHeaders/{at}/name"));
            }
        }
        if let crate::Auth::OAuth {
            oauth_custom_headers: Some(headers),
            ..
        } = &self.auth
        {
            for (at, header) in headers.iter().enumerate() {
                if is_framing(header) {
                    found.push(format!("/auth/oauthCustomHeaders/{at}/name"));
                }
            }
        }
        found
    }
}

impl From<Connection> for ConnectionInput {
    fn from(c: Connection) -> Self {
        Self {
            name: c.name,
            description: c.description,
            auth: c.auth,
            request: c.request,
            example_value: c.example_value,
            input_mappings: c.input_mappings,
            output_mappings: c.output_mappings,
            custom_headers: c.custom_headers,
            url_parameters: c.url_parameters,
            system_type: c.system_type,
            connection_timeout: Some(c.connection_timeout),
            socket_timeout: c.socket_timeout,
            icon: c.icon,
            client_key: Some(c.client_key),
            href: Some(c.href),
            reference: Some(c.reference),
            modified_by_ref: Some(c.modified_by_ref),
            modified_at: Some(c.modified_at),
            revision: c.revision,
            archived: Some(c.archived),
        }
    }
}

/// The HTTP request a connection sends to the external service.
///
/// **Decision (docs contradict themselves):** the attribute tables call
/// `request` an "array of strings"; every example sends this object.
/// (serde's derived deserializer would also read it from a sequence; the
/// schema does not allow that, so servers validate against the schema.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OutboundRequest {
    /// The HTTP method.
    pub request_type: RequestType,
    /// The URL the request goes to. Not checked as a URI: the docs'
    /// examples use placeholders such as `<baseURL>` in URLs.
    pub connection_url: String,
    /// The request body template; `${key}` placeholders are replaced by
    /// the input mapping with that `key` (the test page also shows `{key}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
}

/// The HTTP method of a connection's request.
///
/// The docs show `GET` and `POST`; a connection is a plain HTTP call, so the
/// other methods with a body or an effect are allowed too. Closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub enum RequestType {
    /// `GET`
    #[serde(rename = "GET")]
    Get,
    /// `POST`
    #[serde(rename = "POST")]
    Post,
    /// `PUT`
    #[serde(rename = "PUT")]
    Put,
    /// `PATCH`
    #[serde(rename = "PATCH")]
    Patch,
    /// `DELETE`
    #[serde(rename = "DELETE")]
    Delete,
}

impl RequestType {
    /// The method as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// The kind of system a connection talks to. Closed.
///
/// The bodies show `DATA_SYSTEM` and `DESTINATION`; `AI` is our addition,
/// after the kinds of connection the Sitecore UI offers, and is not seen in
/// any published body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SystemType {
    /// A system Sitecore reads data from.
    DataSystem,
    /// A system Sitecore sends data to.
    Destination,
    /// An AI or machine-learning service.
    Ai,
}

/// A named value: a custom header, a URL parameter, an OAuth header or form
/// field. Both members are strings in every example.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct NameValue {
    /// The header, parameter or field name.
    pub name: String,
    /// Its value; may contain placeholders.
    pub value: String,
}

/// A value that fills a placeholder of the connection's request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct InputMapping {
    /// The label shown in the Sitecore UI.
    pub label: String,
    /// The placeholder name: `${key}` in the request is replaced.
    pub key: String,
    /// The type of the value.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub value_type: MappingType,
    /// An example value, always a string (an `object` value is a JSON
    /// document as a string).
    pub example_value: String,
    /// The mapping expression; empty when unmapped.
    pub mapping: String,
}

/// A value read from the external service's response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OutputMapping {
    /// The label shown in the Sitecore UI.
    pub label: String,
    /// Where in the response the value is read (for example `$.temp`).
    pub output_reference: String,
    /// The type of the value.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub value_type: MappingType,
}

/// The type of an input or output mapping. Closed.
///
/// **Decision (case):** the examples write lower case (`string`, `object`,
/// `number`, `boolean`), except the test-a-connection example, which
/// writes `"String"`. A real tenant sends that body, so `String` is accepted
/// as its own value (`StringCapitalized`) and means the same as `string`.
/// `array` is our addition (a JSON array carried in a string, like
/// `object`); no published body shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub enum MappingType {
    /// A string.
    #[serde(rename = "string")]
    String,
    /// A number.
    #[serde(rename = "number")]
    Number,
    /// A boolean.
    #[serde(rename = "boolean")]
    Boolean,
    /// A JSON object, carried as a JSON document in a string.
    #[serde(rename = "object")]
    Object,
    /// A JSON array, carried as a JSON document in a string.
    #[serde(rename = "array")]
    Array,
    /// `String`, the capitalised spelling of the test-a-connection example.
    #[serde(rename = "String")]
    StringCapitalized,
}
