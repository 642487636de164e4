//! `--har PATH`: every exchange of a live run as an HTTP Archive (HAR 1.2),
//! which browsers' developer tools and proxies open. The token is written
//! as `$CONNECTIONS_TOKEN` (see [`Har::to_json`]); bodies are kept whole.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::exchange::{Credentials, Planned, Received, TOKEN_VARIABLE};

/// One name/value pair (a header or a query parameter).
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
}

/// The exchanges of a run.
#[derive(Debug, Clone, Default)]
pub struct Har {
    entries: Vec<Value>,
}

impl Har {
    /// An empty archive.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many exchanges it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds an exchange; `received` is `None` when no answer came.
    pub(crate) fn push(
        &mut self,
        planned: &Planned,
        received: Option<&Received>,
        started: chrono::DateTime<chrono::Utc>,
        took: Duration,
    ) {
        let mut headers = vec![Pair {
            name: "Accept".into(),
            value: "application/json".into(),
        }];
        match &planned.credentials {
            Credentials::Token => headers.push(Pair {
                name: "Authorization".into(),
                value: format!("Bearer ${TOKEN_VARIABLE}"),
            }),
            Credentials::Wrong(token) => headers.push(Pair {
                name: "Authorization".into(),
                value: format!("Bearer {token}"),
            }),
            Credentials::Missing => {}
        }
        let query: Vec<Pair> = planned
            .url
            .query_pairs()
            .map(|(name, value)| Pair {
                name: name.into_owned(),
                value: value.into_owned(),
            })
            .collect();
        let mut request = serde_json::json!({
            "method": planned.method.as_str(),
            "url": planned.url.as_str(),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": headers,
            "queryString": query,
            "headersSize": -1,
            "bodySize": planned.body.as_ref().map_or(0, |b| b.text.len()),
        });
        if let Some(body) = &planned.body {
            request["headers"]
                .as_array_mut()
                .map(|h| {
                    h.push(serde_json::json!({"name": "Content-Type", "value": body.content_type}))
                })
                .unwrap_or_default();
            request["postData"] = serde_json::json!({
                "mimeType": body.content_type,
                "text": body.text,
            });
        }
        let response = match received {
            Some(received) => serde_json::json!({
                "status": received.status,
                "statusText": reqwest::StatusCode::from_u16(received.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or(""),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": received
                    .headers
                    .iter()
                    .map(|(name, value)| Pair { name: name.clone(), value: value.clone() })
                    .collect::<Vec<_>>(),
                "content": {
                    "size": received.text.len(),
                    "mimeType": received.content_type.clone().unwrap_or_default(),
                    "text": received.text,
                },
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": received.text.len(),
            }),
            // HAR has no "no response": status 0, as browsers write it.
            None => serde_json::json!({
                "status": 0, "statusText": "", "httpVersion": "", "cookies": [],
                "headers": [], "content": {"size": 0, "mimeType": ""},
                "redirectURL": "", "headersSize": -1, "bodySize": -1,
            }),
        };
        let millis = took.as_secs_f64() * 1000.0;
        self.entries.push(serde_json::json!({
            "startedDateTime": started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "time": millis,
            "comment": planned.name,
            "request": request,
            "response": response,
            "cache": {},
            "timings": {"send": 0, "wait": millis, "receive": 0},
        }));
    }

    /// The archive as HAR 1.2 JSON, each secret replaced by `scrub`.
    pub fn to_json(&self, scrub: impl Fn(&str) -> String) -> String {
        let log = serde_json::json!({
            "log": {
                "version": "1.2",
                "creator": {
                    "name": "connections-conformance",
                    "version": env!("CARGO_PKG_VERSION"),
                },
                "entries": self.entries,
            }
        });
        let text = serde_json::to_string_pretty(&log).unwrap_or_default();
        scrub(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Body;

    #[test]
    fn entries_are_har_1_2_without_the_token() {
        let mut har = Har::new();
        let mut planned = Planned::new(
            "create",
            "createConnection",
            reqwest::Method::POST,
            "http://127.0.0.1:9/v2/connections?limit=5".parse().unwrap(),
            &[201],
        );
        planned.body = Some(Body::json(&serde_json::json!({"name": "x"})));
        let received = Received {
            status: 201,
            content_type: Some("application/json".into()),
            headers: vec![("content-type".into(), "application/json".into())],
            text: "{\"ref\":\"r\",\"secret\":\"tok-123\"}".into(),
        };
        har.push(
            &planned,
            Some(&received),
            chrono::Utc::now(),
            Duration::from_millis(3),
        );
        har.push(&planned, None, chrono::Utc::now(), Duration::from_millis(1));
        assert_eq!(har.len(), 2);
        let text = har.to_json(|t| t.replace("tok-123", "$CONNECTIONS_TOKEN"));
        assert!(!text.contains("tok-123"));
        let log: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(log["log"]["version"], "1.2");
        let entry = &log["log"]["entries"][0];
        assert_eq!(entry["request"]["method"], "POST");
        assert_eq!(entry["request"]["queryString"][0]["name"], "limit");
        assert_eq!(entry["request"]["postData"]["text"], "{\"name\":\"x\"}");
        assert_eq!(
            entry["request"]["headers"][1]["value"],
            "Bearer $CONNECTIONS_TOKEN"
        );
        assert_eq!(entry["response"]["status"], 201);
        assert_eq!(entry["response"]["statusText"], "Created");
        assert_eq!(log["log"]["entries"][1]["response"]["status"], 0);
    }
}
