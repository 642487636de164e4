//! Case files: every failing exchange of a live run is written as one JSON
//! file (the request with what it meant to show and the values its answer
//! had to hold, the response, the checks that failed, the seed; the token
//! written as `$CONNECTIONS_TOKEN`), which `conformance replay` sends
//! again.

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{
    exchange::{Body, Credentials, Expectation, Intent, Planned},
    report::{Check, Redactor},
};

/// The format of case files this version writes and reads.
pub const CASE_FORMAT_VERSION: u32 = 1;

/// How the request of a case authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAuth {
    /// With the run's token (given again at replay).
    Token,
    /// Without `Authorization`.
    Missing,
    /// With this wrong token (no secret).
    Wrong(String),
}

/// The request of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRequest {
    /// The HTTP method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// How it authenticated.
    pub auth: CaseAuth,
    /// The `Content-Type` of the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body, verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The statuses expected.
    pub expected_statuses: Vec<u16>,
    /// What the request meant to show (which check judges its status);
    /// files written before it was kept say it by their auth and statuses.
    #[serde(default, skip_serializing_if = "Option::is_none", flatten)]
    pub intent: Option<Intent>,
    /// What its answer had to hold beyond the document.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<Expectation>,
    /// What was varied, for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// The response of a case, as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseResponse {
    /// The status.
    pub status: u16,
    /// The `Content-Type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body (cut at the report's excerpt limit).
    pub body: String,
}

/// One failing case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFile {
    /// [`CASE_FORMAT_VERSION`].
    pub format_version: u32,
    /// The seed of the run that found it.
    pub seed: u64,
    /// What the case does.
    pub name: String,
    /// The operation.
    pub operation: String,
    /// The checks that failed.
    pub checks: Vec<String>,
    /// What each failure said.
    pub messages: Vec<String>,
    /// The request.
    pub request: CaseRequest,
    /// The response, when one came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<CaseResponse>,
    /// A curl command that repeats it.
    pub curl: String,
}

/// Why case files could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not a case file.
    #[error("{path} is not a case file: {reason}")]
    Format {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

impl CaseFile {
    /// The case of a failed check; every secret of `secrets` (the tokens,
    /// the client secret) is written as its placeholder
    /// (`$CONNECTIONS_TOKEN`) wherever it appears.
    pub(crate) fn new(planned: &Planned, check: &Check, seed: u64, secrets: &Redactor) -> Self {
        let scrub = |text: &str| secrets.scrub(text);
        let mut checks: Vec<String> = check
            .failures
            .iter()
            .filter_map(|f| f.check.clone())
            .collect();
        checks.dedup();
        Self {
            format_version: CASE_FORMAT_VERSION,
            seed,
            name: scrub(&planned.name),
            operation: planned.operation.clone(),
            checks,
            messages: check.failures.iter().map(|f| scrub(&f.message)).collect(),
            request: CaseRequest {
                method: planned.method.to_string(),
                url: scrub(planned.url.as_str()),
                auth: match &planned.credentials {
                    Credentials::Token => CaseAuth::Token,
                    Credentials::Missing => CaseAuth::Missing,
                    Credentials::Wrong(wrong) => CaseAuth::Wrong(wrong.clone()),
                },
                content_type: planned.body.as_ref().map(|b| b.content_type.to_string()),
                body: planned.body.as_ref().map(|b| scrub(&b.text)),
                expected_statuses: planned.expected.clone(),
                intent: Some(planned.intent.clone()),
                expectations: planned.expectations.clone(),
                label: planned.label.as_ref().map(|l| scrub(l)),
            },
            response: check.response.as_ref().map(|r| CaseResponse {
                status: r.status,
                content_type: r.content_type.clone(),
                body: scrub(&r.body_excerpt),
            }),
            curl: scrub(check.curl.as_deref().unwrap_or_default()),
        }
    }

    /// The request to send again, against `base` when given (else the
    /// recorded server).
    pub(crate) fn planned(&self, base: Option<&Url>) -> Result<Planned, String> {
        let mut url = Url::parse(&self.request.url).map_err(|e| e.to_string())?;
        if let Some(base) = base {
            url.set_scheme(base.scheme())
                .map_err(|()| format!("cannot use the scheme of {base}"))?;
            url.set_host(base.host_str())
                .map_err(|e| format!("cannot use the host of {base}: {e}"))?;
            url.set_port(base.port())
                .map_err(|()| format!("cannot use the port of {base}"))?;
        }
        let method = Method::from_bytes(self.request.method.as_bytes())
            .map_err(|_| format!("`{}` is not an HTTP method", self.request.method))?;
        let content_type = match self.request.content_type.as_deref() {
            None | Some("application/json") => "application/json",
            Some("text/plain") => "text/plain",
            Some(other) => {
                return Err(format!("content type `{other}` is not one the suite sends"));
            }
        };
        let mut planned = Planned::new(
            format!("replay: {}", self.name),
            &self.operation,
            method,
            url,
            &self.request.expected_statuses,
        );
        planned.credentials = match &self.request.auth {
            CaseAuth::Token => Credentials::Token,
            CaseAuth::Missing => Credentials::Missing,
            CaseAuth::Wrong(wrong) => Credentials::Wrong(wrong.clone()),
        };
        planned.body = self.request.body.as_ref().map(|text| Body {
            text: text.clone(),
            content_type,
        });
        planned.intent = self
            .request
            .intent
            .clone()
            .unwrap_or_else(|| self.inferred_intent());
        planned.expectations = self.request.expectations.clone();
        planned.label = self.request.label.clone();
        Ok(planned)
    }

    /// The intent of a case file that does not say it: by how it
    /// authenticated, else by the statuses it expected.
    fn inferred_intent(&self) -> Intent {
        let expected = &self.request.expected_statuses;
        match &self.request.auth {
            CaseAuth::Missing => Intent::NoToken,
            CaseAuth::Wrong(_) => Intent::WrongToken,
            CaseAuth::Token if expected == &[405] => Intent::UndocumentedMethod {
                path: Url::parse(&self.request.url)
                    .map(|u| u.path().to_string())
                    .unwrap_or_default(),
                documented: Vec::new(),
                secured: false,
                made_up_reference: false,
            },
            CaseAuth::Token
                if !expected.is_empty() && expected.iter().all(|s| *s >= 400 && *s != 404) =>
            {
                Intent::Forbidden
            }
            CaseAuth::Token => Intent::Allowed,
        }
    }

    /// Reads a case file.
    pub fn read(path: &Path) -> Result<Self, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|source| CaseError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let case: Self = serde_json::from_str(&text).map_err(|e| CaseError::Format {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if case.format_version != CASE_FORMAT_VERSION {
            return Err(CaseError::Format {
                path: path.display().to_string(),
                reason: format!(
                    "format version {} (this version reads {CASE_FORMAT_VERSION})",
                    case.format_version
                ),
            });
        }
        Ok(case)
    }
}

/// Writes each case as `case-NNN-<operation>.json` under `dir` (created
/// when missing); returns the paths.
pub fn write_cases(dir: &Path, cases: &[CaseFile]) -> Result<Vec<PathBuf>, CaseError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| CaseError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut paths = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let path = dir.join(format!("case-{:03}-{}.json", index + 1, case.operation));
        let text = serde_json::to_string_pretty(case).map_err(|e| CaseError::Format {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(&path, text + "\n").map_err(io(&path))?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn case(request: serde_json::Value) -> CaseFile {
        serde_json::from_value(json!({
            "format_version": 1,
            "seed": 5,
            "name": "coverage: with a wrong token",
            "operation": "retrieveConnections",
            "checks": ["ignored_auth"],
            "messages": ["retrieveConnections answered 200; expected 401"],
            "request": request,
            "curl": "curl",
        }))
        .unwrap()
    }

    #[test]
    fn a_case_keeps_its_intent_and_expectations() {
        let mut planned = Planned::new(
            "retrieve",
            "retrieveConnection",
            Method::GET,
            Url::parse("http://127.0.0.1:9/v2/connections/c1").unwrap(),
            &[200],
        );
        planned.intent = Intent::JustCreated;
        planned.expectations = vec![Expectation::NextRevision { before: 2 }];
        planned.label = Some("after the rename".into());
        let check = Check::new("retrieve", Some("retrieveConnection"));
        let written = CaseFile::new(&planned, &check, 5, &Redactor::default());
        let text = serde_json::to_value(&written).unwrap();
        assert_eq!(text["request"]["intent"], "just_created");
        assert_eq!(
            text["request"]["expectations"],
            json!([{"expect": "next_revision", "before": 2}])
        );
        let read: CaseFile = serde_json::from_value(text).unwrap();
        assert_eq!(read, written);
        let again = read.planned(None).unwrap();
        assert_eq!(again.intent, Intent::JustCreated);
        assert_eq!(again.expectations, planned.expectations);
        assert_eq!(again.label, planned.label);
    }

    #[test]
    fn a_case_file_without_an_intent_is_judged_by_its_auth_and_statuses() {
        let request = |auth: serde_json::Value, expected: serde_json::Value| {
            json!({"method": "GET", "url": "http://127.0.0.1:9/v2/connections",
                   "auth": auth, "expected_statuses": expected})
        };
        for (auth, expected, intent) in [
            (json!({"wrong": "x"}), json!([401]), Intent::WrongToken),
            (json!("missing"), json!([401]), Intent::NoToken),
            (json!("token"), json!([400, 415]), Intent::Forbidden),
            (json!("token"), json!([200]), Intent::Allowed),
            (json!("token"), json!([404]), Intent::Allowed),
        ] {
            let case = case(request(auth, expected.clone()));
            assert_eq!(case.request.intent, None);
            assert_eq!(case.planned(None).unwrap().intent, intent, "{expected}");
        }
    }
}
