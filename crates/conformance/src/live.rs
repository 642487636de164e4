//! The `live` suite: a scenario against a running server.
//!
//! **Full run:** list → create (the document's `createConnection` request
//! example, under a unique name `conformance-<UTC time>-<random>`, since the
//! API has no delete) → retrieve it → list every page (following
//! `next.href`) and find it → rename it → retrieve it and see the new name
//! and, when the server sends `revision`, the revision one higher → test
//! it (`testConnection` with the retrieved connection). Then the negative
//! checks: no token and a wrong token → 401, an unknown reference → 404, a
//! body without `name`, a `name` of the wrong type and malformed JSON → 400,
//! a body that is not `application/json` → 415.
//!
//! **Read-only run** (`read_only`): only requests that cannot write, for a
//! production tenant: the list (every page), the first listed connection,
//! no token, wrong token, unknown reference and malformed JSON (which no
//! server can parse into a write).
//!
//! **Every response** is checked: the status is the one expected AND is
//! documented for the operation, the `Content-Type` is the documented media
//! type, the body validates against that status's schema, an error body's
//! `status` is the HTTP status, and the values agree with what was sent.
//!
//! The created connection's `request.connectionUrl` is replaced by a probe
//! URL (by default the server's own `/v2/connections`), so that testing it
//! makes the server call itself rather than the example's host.
//!
//! The token is never written anywhere: curl commands say
//! `$CONNECTIONS_TOKEN`, and every rendering of the report replaces it.
//! With client credentials, [`fetch_access_token`] obtains the token by the
//! client crate's own flow (`TokenProvider`) before the run, and the
//! client secret is redacted as well.

use std::{
    collections::BTreeSet,
    time::{Duration, Instant},
};

pub use crate::{
    error::LiveError,
    transport::{MAX_BODY_BYTES, fetch_access_token},
};
use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

pub use crate::exchange::TOKEN_VARIABLE;
use crate::{
    checks,
    contract::{Contract, is_json_media_type},
    exchange::{Body, Credentials, Exchange, Expectation, Intent, Planned},
    report::{
        Check, Failure, FailureKind, REDACTED_CLIENT_SECRET, Report, RequestSummary,
        ResponseSummary, excerpt, progress_line,
    },
};

/// How many pages of the list the suite follows before it calls the
/// paging endless.
pub const MAX_PAGES: usize = 1000;

/// The page size asked for when reading the whole list (the documented
/// maximum).
const LIST_PAGE_SIZE: u32 = 100;

const LIST: &str = "retrieveConnections";
const CREATE: &str = "createConnection";
const RETRIEVE: &str = "retrieveConnection";
const UPDATE: &str = "updateConnection";
const TEST: &str = "testConnection";

/// What the live suite runs against.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    /// The server's base URL (`https://api-engage-eu.sitecorecloud.io`).
    pub base_url: Url,
    /// The bearer token.
    pub token: String,
    /// Where the token came from (what the preflight names when the
    /// server refuses it).
    pub token_origin: crate::preflight::TokenOrigin,
    /// Only requests that cannot write.
    pub read_only: bool,
    /// The limit of each request.
    pub timeout: Duration,
    /// The `request.connectionUrl` of the created connection (what
    /// `testConnection` calls); `None` for the server's own
    /// `/v2/connections`.
    pub probe_url: Option<String>,
    /// The client secret the token was fetched with, if it was: every
    /// rendering writes `$CONNECTIONS_CLIENT_SECRET` in its place.
    pub client_secret: Option<String>,
    /// What runs, which checks are reported, the seed and the bounds.
    pub generative: crate::phases::GenerativeConfig,
}

impl LiveConfig {
    /// A full run against `base_url` with `token`, 30 s per request.
    pub fn new(base_url: Url, token: impl Into<String>) -> Self {
        Self {
            base_url,
            token: token.into(),
            token_origin: crate::preflight::TokenOrigin::default(),
            read_only: false,
            timeout: Duration::from_secs(30),
            probe_url: None,
            client_secret: None,
            generative: crate::phases::GenerativeConfig::default(),
        }
    }
}

/// What came back, when the checks are done.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    pub(crate) body: Option<Value>,
    /// The status, when the server answered.
    pub(crate) status: Option<u16>,
}

/// Runs the live suite; `progress` receives each check's line (token
/// redacted) as it completes.
pub async fn run_live(
    contract: &Contract,
    config: &LiveConfig,
    progress: impl FnMut(&str),
) -> Result<Report, LiveError> {
    let mut runner = Runner::new(contract, config, "live", progress)?;
    runner.preflight().await?;
    runner.report.seed = Some(config.generative.seed);
    let started = Instant::now();
    let generative = &config.generative;
    (runner.progress)(&format!(
        "seed {} (repeat this run with --seed {})",
        generative.seed, generative.seed
    ));
    if generative.runs(crate::phases::Phase::Stateful) {
        if config.read_only {
            runner.read_only_scenario().await?;
        } else {
            runner.full_scenario().await?;
        }
        runner.negative_checks().await?;
    }
    crate::phases::run_phases(&mut runner).await?;
    let mut report = runner.report;
    report.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(report)
}

/// A unique, recognisable name for the connection a run creates:
/// `conformance-<UTC time>-<random>`.
pub fn unique_name() -> String {
    format!(
        "conformance-{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        random_suffix()
    )
}

/// A random token (32 hex digits) for a throwaway server.
pub fn random_token() -> String {
    format!(
        "{:016x}{:016x}",
        crate::generate::rng::random_u64(),
        crate::generate::rng::random_u64()
    )
}

/// Eight random hex digits.
pub(crate) fn random_suffix() -> String {
    format!("{:08x}", crate::generate::rng::random_u64() & 0xffff_ffff)
}

/// The body the suite creates connections from: the document's
/// `createConnection` request example, else the spec crate's.
pub fn create_example(contract: &Contract) -> Option<Value> {
    let from_document = contract.operation(CREATE).ok().and_then(|operation| {
        let body = operation.request_body.as_ref()?;
        body.content
            .iter()
            .filter(|m| is_json_media_type(&m.name))
            .find_map(|media| {
                let object = contract.document().pointer(&media.pointer)?;
                object.get("example").cloned().or_else(|| {
                    object.get("examples")?.as_object()?.values().find_map(|e| {
                        crate::contract::resolve_ref(contract.document(), e)
                            .get("value")
                            .cloned()
                    })
                })
            })
    });
    from_document.or_else(|| {
        connections_spec::examples::ALL
            .iter()
            .find(|e| {
                e.operation_id == CREATE
                    && e.placement == connections_spec::examples::Placement::Request
            })
            .and_then(|e| serde_json::from_str(e.json).ok())
    })
}

pub(crate) struct Runner<'a, P> {
    pub(crate) contract: &'a Contract,
    pub(crate) config: &'a LiveConfig,
    pub(crate) transport: crate::transport::Transport,
    pub(crate) base: String,
    pub(crate) report: Report,
    pub(crate) progress: P,
    /// The failing cases, when they are written to case files.
    pub(crate) cases: Vec<crate::cases::CaseFile>,
}

impl<'a, P: FnMut(&str)> Runner<'a, P> {
    /// A runner with an empty report of `suite`, after checking the base
    /// URL and the token.
    pub(crate) fn new(
        contract: &'a Contract,
        config: &'a LiveConfig,
        suite: &str,
        progress: P,
    ) -> Result<Self, LiveError> {
        if !matches!(config.base_url.scheme(), "http" | "https") {
            return Err(LiveError::BadBaseUrl(config.base_url.to_string()));
        }
        crate::preflight::check_base_url(&config.base_url)?;
        if config.token.is_empty() {
            return Err(LiveError::NoToken);
        }
        let transport = crate::transport::Transport::new(
            config.timeout,
            &config.token,
            config.generative.har.is_some(),
        )?;
        let base = config.base_url.as_str().trim_end_matches('/').to_string();
        let mut report = Report::new(suite, base.clone(), contract.title());
        report.redact(&config.token);
        if let Some(secret) = &config.client_secret {
            report.redact_as(secret, REDACTED_CLIENT_SECRET);
        }
        Ok(Self {
            contract,
            config,
            transport,
            base,
            report,
            progress,
            cases: Vec::new(),
        })
    }

    /// The preflight (see [`crate::preflight`]), before any case.
    pub(crate) async fn preflight(&mut self) -> Result<(), LiveError> {
        let url = self.url("/v2/connections")?;
        self.transport
            .preflight(&url, &self.config.token_origin)
            .await
    }

    pub(crate) fn url(&self, path: &str) -> Result<Url, LiveError> {
        Url::parse(&format!("{}{path}", self.base))
            .map_err(|_| LiveError::BadBaseUrl(self.base.clone()))
    }

    pub(crate) fn connection_url(&self, reference: &str) -> Result<Url, LiveError> {
        let mut url = self.url("/v2/connections")?;
        url.path_segments_mut()
            .map_err(|()| LiveError::BadBaseUrl(self.base.clone()))?
            .push(reference);
        Ok(url)
    }

    pub(crate) fn planned(
        &self,
        name: impl Into<String>,
        operation: &str,
        method: Method,
        url: Url,
        expected: &[u16],
    ) -> Planned {
        Planned::new(name, operation, method, url, expected)
    }

    pub(crate) fn record(&mut self, check: Check) {
        let line = self.report.scrub(&progress_line(&check));
        (self.progress)(&line);
        self.report.push(check);
    }

    fn skip(&mut self, name: &str, operation: &str, reason: &str) {
        self.record(Check::skipped(name, Some(operation), reason));
    }

    /// Sends a request, has the registered checks judge the exchange,
    /// records the check.
    pub(crate) async fn exchange(&mut self, planned: Planned) -> Result<Answer, LiveError> {
        let (check, answer) = self.assess(&planned).await?;
        self.keep(&planned, check);
        Ok(answer)
    }

    /// Sends a request and has the selected checks judge the exchange
    /// ([`checks::judge`]); the check is returned, not recorded:
    /// [`Runner::keep`] records it (a case being shrunk sends many
    /// requests and keeps one).
    pub(crate) async fn assess(&mut self, planned: &Planned) -> Result<(Check, Answer), LiveError> {
        let started = Instant::now();
        let mut check = Check::new(planned.name.clone(), Some(&planned.operation));
        check.expected_statuses = planned.expected.clone();
        check.request = Some(RequestSummary {
            method: planned.method.to_string(),
            url: planned.url.to_string(),
        });
        check.curl = Some(planned.curl());
        let selection = &self.config.generative.checks;
        let received = match self.transport.send(planned).await? {
            Ok(received) => received,
            Err(reason) => {
                // No answer: the server failed to give one.
                if selection.is_enabled(checks::NOT_A_SERVER_ERROR) {
                    let mut failure = Failure::new(FailureKind::Transport, reason);
                    failure.check = Some(checks::NOT_A_SERVER_ERROR.to_string());
                    check.failures.push(failure);
                }
                return Ok((check.finish(started.elapsed()), Answer::default()));
            }
        };
        check.response = Some(ResponseSummary {
            status: received.status,
            content_type: received.content_type.clone(),
            body_excerpt: excerpt(&received.text),
        });
        let body = Exchange::parse(&received);
        let exchange = Exchange {
            contract: self.contract,
            planned,
            received: &received,
            body: body.as_ref(),
        };
        check.failures = checks::judge(selection, &exchange);
        Ok((
            check.finish(started.elapsed()),
            Answer {
                body,
                status: Some(received.status),
            },
        ))
    }

    /// Records an assessed check; a failing one is also kept as a case
    /// file when they are asked for.
    pub(crate) fn keep(&mut self, planned: &Planned, check: Check) {
        self.record(check);
        if let Some(check) = self.report.checks.last()
            && check.failed()
            && self.config.generative.case_dir.is_some()
        {
            let case = crate::cases::CaseFile::new(
                planned,
                check,
                self.config.generative.seed,
                &self.config.token,
            );
            self.cases.push(case);
        }
    }

    // ----- scenario steps -------------------------------------------------

    async fn full_scenario(&mut self) -> Result<(), LiveError> {
        let list_url = self.url("/v2/connections")?;
        let mut list = self.planned("list connections", LIST, Method::GET, list_url, &[200]);
        list.expectations = vec![Expectation::ListPage { asked: None }];
        self.exchange(list).await?;

        let mut create_body = create_example(self.contract).ok_or(LiveError::NoCreateExample)?;
        let name = unique_name();
        create_body["name"] = json!(name);
        let probe = match &self.config.probe_url {
            Some(probe) => probe.clone(),
            None => format!("{}/v2/connections", self.base),
        };
        if create_body.get("request").is_some_and(Value::is_object) {
            create_body["request"]["connectionUrl"] = json!(probe);
        }
        let mut create = self.planned(
            format!("create {name}"),
            CREATE,
            Method::POST,
            self.url("/v2/connections")?,
            &[201],
        );
        create.body = Some(Body::json(&create_body));
        create.expectations = vec![
            Expectation::Echo {
                sent: create_body.clone(),
            },
            Expectation::Reference,
            Expectation::FirstRevision,
        ];
        let created = self.exchange(create).await?;
        let Some(reference) = created
            .body
            .as_ref()
            .and_then(|b| b.get("ref"))
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
        else {
            let reason = "no connection was created";
            self.skip("retrieve the created connection", RETRIEVE, reason);
            self.skip("find the created connection in the list", LIST, reason);
            self.skip("rename the created connection", UPDATE, reason);
            self.skip("retrieve the renamed connection", RETRIEVE, reason);
            self.skip("test the connection", TEST, reason);
            return Ok(());
        };

        let mut retrieve = self.planned(
            format!("retrieve {reference}"),
            RETRIEVE,
            Method::GET,
            self.connection_url(&reference)?,
            &[200],
        );
        retrieve.intent = Intent::JustCreated;
        retrieve.expectations = vec![
            Expectation::Members {
                members: [("/ref".to_string(), json!(reference))].into(),
            },
            Expectation::Echo {
                sent: create_body.clone(),
            },
            Expectation::Reference,
        ];
        let retrieved = self.exchange(retrieve).await?;
        let revision_before = retrieved
            .body
            .as_ref()
            .and_then(|b| b.get("revision"))
            .and_then(Value::as_u64);

        self.list_all(Some(&reference)).await?;

        let new_name = format!("{name}-renamed");
        let mut update_body = create_body.clone();
        update_body["name"] = json!(new_name);
        let mut update = self.planned(
            format!("rename {reference} to {new_name}"),
            UPDATE,
            Method::PUT,
            self.connection_url(&reference)?,
            &[200, 201],
        );
        update.body = Some(Body::json(&update_body));
        update.expectations = vec![
            Expectation::Members {
                members: [("/ref".to_string(), json!(reference))].into(),
            },
            Expectation::Echo {
                sent: update_body.clone(),
            },
        ];
        self.exchange(update).await?;

        let mut after = self.planned(
            format!("retrieve {reference} after the rename"),
            RETRIEVE,
            Method::GET,
            self.connection_url(&reference)?,
            &[200],
        );
        after.expectations = vec![
            Expectation::Members {
                members: [("/ref".to_string(), json!(reference))].into(),
            },
            Expectation::Echo {
                sent: update_body.clone(),
            },
        ];
        if let Some(before) = revision_before {
            after
                .expectations
                .push(Expectation::NextRevision { before });
        }
        let renamed = self.exchange(after).await?;

        let Some(connection) = renamed.body.filter(|_| renamed.status == Some(200)) else {
            self.skip(
                "test the connection",
                TEST,
                "the renamed connection could not be retrieved",
            );
            return Ok(());
        };
        let mut test = self.planned(
            format!("test {reference}"),
            TEST,
            Method::POST,
            self.url("/v2/connections/testConnection")?,
            &[200],
        );
        let input = self.as_connection_input(&connection);
        test.expectations = vec![Expectation::TestedMethod {
            request_type: input
                .pointer("/request/requestType")
                .cloned()
                .unwrap_or(Value::Null),
        }];
        test.body = Some(Body::json(&json!({ "connection": input })));
        self.exchange(test).await?;
        Ok(())
    }

    async fn read_only_scenario(&mut self) -> Result<(), LiveError> {
        let list_url = self.url("/v2/connections")?;
        let mut list = self.planned("list connections", LIST, Method::GET, list_url, &[200]);
        list.expectations = vec![Expectation::ListPage { asked: None }];
        let first = self.exchange(list).await?;
        let listed = first
            .body
            .as_ref()
            .and_then(|b| b.pointer("/items/0"))
            .cloned();
        match listed
            .as_ref()
            .and_then(|c| c.get("ref"))
            .and_then(Value::as_str)
        {
            Some(reference) => {
                let expected = listed.clone().unwrap_or(Value::Null);
                let reference = reference.to_string();
                let mut retrieve = self.planned(
                    format!("retrieve the first listed connection {reference}"),
                    RETRIEVE,
                    Method::GET,
                    self.connection_url(&reference)?,
                    &[200],
                );
                retrieve.expectations = vec![
                    Expectation::Members {
                        members: ["/ref", "/name", "/systemType"]
                            .into_iter()
                            .filter_map(|p| Some((p.to_string(), expected.pointer(p)?.clone())))
                            .collect(),
                    },
                    Expectation::Reference,
                ];
                self.exchange(retrieve).await?;
            }
            None => self.skip(
                "retrieve the first listed connection",
                RETRIEVE,
                "the list is empty",
            ),
        }
        self.list_all(None).await
    }

    /// Reads every page of the list (`limit` = the documented maximum),
    /// following `next.href`; when `find` is given, the last page's check
    /// fails unless a listed connection has that reference.
    async fn list_all(&mut self, find: Option<&str>) -> Result<(), LiveError> {
        let mut url = self.url(&format!("/v2/connections?limit={LIST_PAGE_SIZE}"))?;
        let mut seen = BTreeSet::new();
        let mut found = false;
        for page in 1..=MAX_PAGES {
            seen.insert(url.to_string());
            let what = match find {
                Some(reference) => format!("find {reference} in the list, page {page}"),
                None => format!("list every connection, page {page}"),
            };
            let mut planned = self.planned(what, LIST, Method::GET, url.clone(), &[200]);
            planned.expectations = vec![Expectation::ListPage {
                asked: Some(u64::from(LIST_PAGE_SIZE)),
            }];
            let answer = self.exchange(planned).await?;
            let Some(body) = answer.body.filter(|_| answer.status == Some(200)) else {
                return Ok(());
            };
            if let Some(reference) = find {
                found |= body
                    .get("items")
                    .and_then(Value::as_array)
                    .is_some_and(|items| {
                        items
                            .iter()
                            .any(|i| i.get("ref").and_then(Value::as_str) == Some(reference))
                    });
            }
            let next = body.pointer("/next/href").and_then(Value::as_str);
            let next = match next.map(|href| self.follow(href, &seen)) {
                None => None,
                Some(Ok(next)) => Some(next),
                Some(Err(failure)) => {
                    self.fail_last(checks::REF_IN_HREF, *failure);
                    return Ok(());
                }
            };
            match next {
                Some(next) => url = next,
                None => {
                    if let Some(reference) = find
                        && !found
                    {
                        self.fail_last(
                            checks::ENSURE_RESOURCE_AVAILABILITY,
                            Failure::value(
                                "/items",
                                format!(
                                    "the created connection {reference} is on no page of the \
                                     list ({page} page(s) read)"
                                ),
                            ),
                        );
                    }
                    return Ok(());
                }
            }
        }
        self.fail_last(
            checks::REF_IN_HREF,
            Failure::value(
                "/next/href",
                format!("the list still has a next page after {MAX_PAGES} pages"),
            ),
        );
        Ok(())
    }

    /// Resolves a `next.href`; refuses one that leaves the server (the
    /// token would go elsewhere) or that was already read (a loop).
    fn follow(&self, href: &str, seen: &BTreeSet<String>) -> Result<Url, Box<Failure>> {
        let base = Url::parse(&format!("{}/", self.base))
            .map_err(|e| Box::new(Failure::value("/next/href", e.to_string())))?;
        let next = base.join(href).map_err(|e| {
            Box::new(Failure::value(
                "/next/href",
                format!("next.href `{href}` is not a URL: {e}"),
            ))
        })?;
        if next.origin() != base.origin() {
            return Err(Box::new(Failure::value(
                "/next/href",
                format!(
                    "next.href `{href}` leaves the server under test; not followed \
                     (the token would be sent there)"
                ),
            )));
        }
        if seen.contains(next.as_str()) {
            return Err(Box::new(Failure::value(
                "/next/href",
                format!("next.href `{href}` points to a page already read: the paging loops"),
            )));
        }
        Ok(next)
    }

    /// Adds a failure of `check` across exchanges (a paging problem shows
    /// only once its page is read, a write only once the total is read
    /// again) to the last recorded check, when `check` is selected, and
    /// prints its line again.
    pub(crate) fn fail_last(&mut self, check: &'static str, mut failure: Failure) {
        if !self.config.generative.checks.is_enabled(check) {
            return;
        }
        failure.check = Some(check.to_string());
        if let Some(check) = self.report.fail_last(failure) {
            let line = progress_line(check);
            let line = self.report.scrub(&line);
            (self.progress)(&line);
        }
    }

    /// The retrieved connection reduced to the members the testConnection
    /// body's `connection` schema declares (it forbids others).
    fn as_connection_input(&self, connection: &Value) -> Value {
        let document = self.contract.document();
        let declared = document
            .pointer("/components/schemas/TestConnectionRequest/properties/connection")
            .map(|schema| crate::contract::resolve_ref(document, schema))
            .and_then(|schema| schema.get("properties"))
            .and_then(Value::as_object);
        match (declared, connection.as_object()) {
            (Some(declared), Some(members)) => Value::Object(
                members
                    .iter()
                    .filter(|(name, _)| declared.contains_key(*name))
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect(),
            ),
            _ => connection.clone(),
        }
    }

    async fn negative_checks(&mut self) -> Result<(), LiveError> {
        let list_url = self.url("/v2/connections")?;
        let mut no_token = self.planned(
            "without a token",
            LIST,
            Method::GET,
            list_url.clone(),
            &[401],
        );
        no_token.credentials = Credentials::Missing;
        no_token.intent = Intent::NoToken;
        self.exchange(no_token).await?;

        let mut wrong_token =
            self.planned("with a wrong token", LIST, Method::GET, list_url, &[401]);
        wrong_token.credentials =
            Credentials::Wrong(format!("conformance-wrong-token-{}", random_suffix()));
        wrong_token.intent = Intent::WrongToken;
        self.exchange(wrong_token).await?;

        let unknown = format!("conformance-unknown-{}", random_suffix());
        let planned = self.planned(
            format!("retrieve an unknown reference {unknown}"),
            RETRIEVE,
            Method::GET,
            self.connection_url(&unknown)?,
            &[404],
        );
        self.exchange(planned).await?;

        let create_url = self.url("/v2/connections")?;
        let forbidden = |name: &str, body: Body, expected: u16| {
            let mut planned =
                Planned::new(name, CREATE, Method::POST, create_url.clone(), &[expected]);
            planned.body = Some(body);
            planned.intent = Intent::Forbidden;
            planned
        };
        let malformed = forbidden(
            "create with malformed JSON",
            Body {
                text: r#"{"name": "conformance-malformed", "auth": {"#.to_string(),
                content_type: "application/json",
            },
            400,
        );
        self.exchange(malformed).await?;

        if self.config.read_only {
            return Ok(());
        }
        let example = create_example(self.contract).ok_or(LiveError::NoCreateExample)?;
        let mut without_name = example.clone();
        if let Some(object) = without_name.as_object_mut() {
            object.remove("name");
        }
        self.exchange(forbidden(
            "create without `name`",
            Body::json(&without_name),
            400,
        ))
        .await?;

        let mut wrong_type_body = example.clone();
        wrong_type_body["name"] = json!(12345);
        self.exchange(forbidden(
            "create with a number as `name`",
            Body::json(&wrong_type_body),
            400,
        ))
        .await?;

        let mut as_text = example;
        as_text["name"] = json!(format!("{}-text-plain", unique_name()));
        self.exchange(forbidden(
            "create with Content-Type text/plain",
            Body {
                text: as_text.to_string(),
                content_type: "text/plain",
            },
            415,
        ))
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_recognisable() {
        let (a, b) = (unique_name(), unique_name());
        assert!(a.starts_with("conformance-"), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn the_create_example_comes_from_the_document() {
        let contract = Contract::from_json(crate::COMMITTED_DOCUMENT).unwrap();
        let example = create_example(&contract).unwrap();
        assert!(example.get("name").is_some());
        assert!(example.get("systemType").is_some());
    }
}
