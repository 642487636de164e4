//! One exchange of a live run: the request as planned, with what it is
//! meant to show ([`Intent`]) and what its answer must hold beyond the
//! document ([`Expectation`]), and the response as received.
//!
//! Phases and the scenario plan requests; the runner sends them; the
//! registered checks (the `checks` module) judge each [`Exchange`]. Case
//! files keep the planned request whole, so that `conformance replay`
//! judges it again by the same checks.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::{Contract, payload::parse_json};

/// The environment variable the CLI reads the token from, and the name
/// curl commands use for it.
pub const TOKEN_VARIABLE: &str = "CONNECTIONS_TOKEN";

/// How a request authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// With the run's token.
    Token,
    /// Without `Authorization`.
    Missing,
    /// With this wrong token (no secret).
    Wrong(String),
}

/// A request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// The body, verbatim.
    pub text: String,
    /// Its `Content-Type`.
    pub content_type: &'static str,
}

impl Body {
    /// A JSON body.
    pub fn json(value: &Value) -> Self {
        Self {
            text: value.to_string(),
            content_type: "application/json",
        }
    }
}

/// What a request is meant to show: it decides which check judges its
/// status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "intent")]
pub enum Intent {
    /// A request the document allows: it gets one of the expected
    /// statuses (`positive_data_acceptance`).
    #[default]
    Allowed,
    /// A request the document forbids: it gets one of the expected 4xx
    /// (`negative_data_rejection`).
    Forbidden,
    /// Without `Authorization`: 401 (`missing_required_header`).
    NoToken,
    /// With a token the server never issued: 401 (`ignored_auth`).
    WrongToken,
    /// Retrieving a resource just created: it is there
    /// (`ensure_resource_availability`).
    JustCreated,
    /// A method the document does not give for the path: 405 with an
    /// `Allow` header naming the documented ones (`unsupported_method`).
    UndocumentedMethod {
        /// The path as the document writes it.
        path: String,
        /// The methods the document gives for it.
        documented: Vec<String>,
        /// Whether the path's operations declare security: a gateway may
        /// authenticate before it routes, and answer 401 or 403.
        #[serde(default)]
        secured: bool,
        /// Whether the URL holds a reference the suite made up: 404 is
        /// then a fair answer.
        #[serde(default)]
        made_up_reference: bool,
    },
}

/// What an answer must hold beyond its schema, judged when its status is
/// one of the expected ones and its body is JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "expect")]
pub enum Expectation {
    /// The connection sent comes back: name, system type, request method
    /// and URL, auth type (`response_values`).
    Echo {
        /// The body sent.
        sent: Value,
    },
    /// These members (JSON pointers) have these values
    /// (`response_values`).
    Members {
        /// Pointer → value.
        members: BTreeMap<String, Value>,
    },
    /// `ref` is a non-empty string and `href` ends with it
    /// (`ref_in_href`).
    Reference,
    /// A new connection's `revision`, when sent, is 1 (`revision`).
    FirstRevision,
    /// `revision` is one more than it was before an update (`revision`).
    NextRevision {
        /// The revision before the update.
        before: u64,
    },
    /// A list page holds no more items than its `limit`, nor than the
    /// page size asked for (`response_values`).
    ListPage {
        /// The `limit` asked for.
        asked: Option<u64>,
    },
    /// A test calls with the connection's `requestType`
    /// (`response_values`).
    TestedMethod {
        /// The `requestType` of the connection tested.
        request_type: Value,
    },
}

/// A request to send and what to expect of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// What the request does ("create a connection", "coverage: ...").
    pub name: String,
    /// The operation's id.
    pub operation: String,
    /// The method.
    pub method: Method,
    /// The full URL.
    pub url: Url,
    /// How it authenticates.
    pub credentials: Credentials,
    /// The body.
    pub body: Option<Body>,
    /// The statuses it may get.
    pub expected: Vec<u16>,
    /// What it is meant to show.
    pub intent: Intent,
    /// What its answer must hold beyond the document.
    pub expectations: Vec<Expectation>,
    /// What was varied, for messages ("/name is a number"); `None` for a
    /// scripted step, whose name says it.
    pub label: Option<String>,
}

impl Planned {
    /// An allowed request with the run's token, no body, no expectation.
    pub fn new(
        name: impl Into<String>,
        operation: &str,
        method: Method,
        url: Url,
        expected: &[u16],
    ) -> Self {
        Self {
            name: name.into(),
            operation: operation.to_string(),
            method,
            url,
            credentials: Credentials::Token,
            body: None,
            expected: expected.to_vec(),
            intent: Intent::Allowed,
            expectations: Vec::new(),
            label: None,
        }
    }

    /// A curl command that repeats the request; the token is written as
    /// `$CONNECTIONS_TOKEN` (a wrong token, being no secret, as is).
    pub fn curl(&self) -> String {
        // POSIX single quotes: everything literal, `'` written as '\''.
        let quote = |text: &str| format!("'{}'", text.replace('\'', r"'\''"));
        let mut parts = vec![
            "curl -sS -i".to_string(),
            format!("-X {}", self.method),
            quote(self.url.as_str()),
        ];
        match &self.credentials {
            Credentials::Token => {
                parts.push(format!("-H \"Authorization: Bearer ${TOKEN_VARIABLE}\""));
            }
            Credentials::Wrong(token) => {
                parts.push(format!(
                    "-H {}",
                    quote(&format!("Authorization: Bearer {token}"))
                ));
            }
            Credentials::Missing => {}
        }
        parts.push("-H 'Accept: application/json'".to_string());
        if let Some(body) = &self.body {
            parts.push(format!(
                "-H {}",
                quote(&format!("Content-Type: {}", body.content_type))
            ));
            parts.push(format!("--data-raw {}", quote(&body.text)));
        }
        parts.join(" ")
    }
}

/// A response as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The status.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// Every header, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub text: String,
}

impl Received {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A request and its answer, as the checks see them.
#[derive(Clone, Copy, Debug)]
pub struct Exchange<'a> {
    /// The document.
    pub contract: &'a Contract,
    /// The request.
    pub planned: &'a Planned,
    /// The answer.
    pub received: &'a Received,
    /// The answer's body, when it is JSON.
    pub body: Option<&'a Value>,
}

impl<'a> Exchange<'a> {
    /// Parses the body once; the exchange borrows it.
    pub fn parse(received: &Received) -> Option<Value> {
        parse_json(&received.text).ok()
    }

    /// Whether the status is one the request may get.
    pub fn status_expected(&self) -> bool {
        self.planned.expected.contains(&self.received.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn curl_never_holds_the_token_and_quotes_bodies() {
        let mut planned = Planned::new(
            "x",
            "createConnection",
            Method::POST,
            Url::parse("http://127.0.0.1:9/v2/connections").unwrap(),
            &[201],
        );
        planned.body = Some(Body::json(&json!({"name": "it's"})));
        let curl = planned.curl();
        assert!(
            curl.contains("\"Authorization: Bearer $CONNECTIONS_TOKEN\""),
            "{curl}"
        );
        assert!(curl.contains("-X POST"), "{curl}");
        let words = shlex::split(&curl).unwrap();
        assert!(
            words.contains(&r#"{"name":"it's"}"#.to_string()),
            "{words:?}"
        );
    }

    #[test]
    fn intents_and_expectations_keep_their_shape_in_case_files() {
        let intent = Intent::UndocumentedMethod {
            path: "/v2/connections".into(),
            documented: vec!["GET".into(), "POST".into()],
            secured: true,
            made_up_reference: false,
        };
        let text = serde_json::to_value(&intent).unwrap();
        assert_eq!(
            text,
            json!({"intent": "undocumented_method", "path": "/v2/connections",
                   "documented": ["GET", "POST"], "secured": true, "made_up_reference": false})
        );
        assert_eq!(serde_json::from_value::<Intent>(text).unwrap(), intent);
        let expectation = Expectation::NextRevision { before: 3 };
        let text = serde_json::to_value(&expectation).unwrap();
        assert_eq!(text, json!({"expect": "next_revision", "before": 3}));
        assert_eq!(
            serde_json::from_value::<Expectation>(text).unwrap(),
            expectation
        );
    }
}
