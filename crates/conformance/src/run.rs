//! The runner of a live run: each planned request goes through the one
//! transport, is judged by the selected checks ([`crate::checks::judge`]),
//! recorded in the report, and announced to the sinks
//! ([`crate::events`]). Phases and the scenario plan requests and hand
//! them here; they never send, judge or render.

use std::{collections::BTreeSet, time::Instant};

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::Value;
use tokio::sync::watch;
use url::Url;

use crate::{
    checks,
    config::LiveConfig,
    contract::Contract,
    error::LiveError,
    events::{Event, Sink},
    exchange::{Credentials, Exchange, Intent, Planned},
    report::{
        BODY_EXCERPT_LIMIT, Check, Failure, FailureKind, Incomplete, OperationCoverage,
        REDACTED_CLIENT_SECRET, Redactor, Report, RequestSummary, ResponseSummary, Writes, excerpt,
    },
    transport::{Sent, TokenSource, Transport},
};

/// What came back, when the checks are done.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    pub(crate) body: Option<Value>,
    /// The status, when the server answered.
    pub(crate) status: Option<u16>,
}

/// The operation that creates connections (the API has no delete).
const CREATE: &str = "createConnection";

/// Sends planned requests, has them judged, records them.
pub(crate) struct Runner<'a> {
    contract: &'a Contract,
    config: &'a LiveConfig,
    transport: Transport,
    base: String,
    report: Report,
    sinks: Vec<Box<dyn Sink + 'a>>,
    /// Allowed creates still allowed by `--max-creates` (`None`: no bound).
    creates_left: Option<usize>,
    /// Allowed creates skipped for the bound.
    creates_skipped: u64,
    /// When the run ends early.
    stop: Stop,
}

/// When a run ends before it is through: its time budget, its budget of
/// findings, or a signal.
struct Stop {
    deadline: Option<tokio::time::Instant>,
    interrupt: Option<watch::Receiver<bool>>,
    /// Whether the server stopped answering (see the transport).
    stalled: watch::Receiver<Option<String>>,
    max_failures: Option<usize>,
    /// The fingerprints of the findings so far.
    findings: BTreeSet<String>,
    /// Why the run stopped, once it did.
    reason: Option<String>,
}

impl Stop {
    fn new(config: &LiveConfig, stalled: watch::Receiver<Option<String>>) -> Self {
        Self {
            stalled,
            deadline: config
                .max_time
                .map(|budget| tokio::time::Instant::now() + budget),
            interrupt: config.interrupt.clone(),
            max_failures: config.max_failures,
            findings: BTreeSet::new(),
            reason: None,
        }
    }

    /// Why the run is to stop now, if it is.
    fn reason(&mut self, config: &LiveConfig) -> Option<String> {
        if self.reason.is_none() {
            if self
                .deadline
                .is_some_and(|deadline| tokio::time::Instant::now() >= deadline)
            {
                self.reason = Some(time_budget(config));
            } else if self.interrupt.as_ref().is_some_and(|i| *i.borrow()) {
                self.reason = Some(INTERRUPTED.to_string());
            } else if let Some(stalled) = self.stalled.borrow().clone() {
                self.reason = Some(stalled);
            } else if let Some(max) = self.max_failures
                && self.findings.len() >= max
            {
                self.reason = Some(format!("{max} finding(s) reached (--max-failures)"));
            }
        }
        self.reason.clone()
    }

    /// Resolves when the deadline passes or the signal comes, with why.
    fn signal(&self, config: &LiveConfig) -> impl Future<Output = String> + use<> {
        let deadline = self.deadline;
        let mut interrupt = self.interrupt.clone();
        let mut stalled = self.stalled.clone();
        let budget = time_budget(config);
        async move {
            let timed_out = async {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            let interrupted = async {
                match &mut interrupt {
                    Some(interrupt) => {
                        if interrupt.wait_for(|stop| *stop).await.is_err() {
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending().await,
                }
            };
            let stopped_answering = async {
                match stalled.wait_for(Option::is_some).await {
                    Ok(reason) => reason.clone().unwrap_or_default(),
                    Err(_) => std::future::pending().await,
                }
            };
            tokio::select! {
                () = timed_out => budget,
                () = interrupted => INTERRUPTED.to_string(),
                reason = stopped_answering => reason,
            }
        }
    }
}

/// Why a run stopped on a signal.
const INTERRUPTED: &str = "interrupted (SIGINT or SIGTERM)";

fn time_budget(config: &LiveConfig) -> String {
    format!(
        "the time budget ran out (--max-time {})",
        humantime::format_duration(config.max_time.unwrap_or_default())
    )
}

impl<'a> Runner<'a> {
    /// A runner with an empty report of `suite`, after checking the base
    /// URL and the token.
    pub(crate) fn new(
        contract: &'a Contract,
        config: &'a LiveConfig,
        suite: &str,
    ) -> Result<Self, LiveError> {
        if !matches!(config.base_url.scheme(), "http" | "https") {
            return Err(LiveError::BadBaseUrl(config.base_url.to_string()));
        }
        crate::preflight::check_base_url(&config.base_url)?;
        if config.token.is_empty() {
            return Err(LiveError::NoToken);
        }
        let base = config.base_url.as_str().trim_end_matches('/').to_string();
        let mut report = Report::new(suite, base.clone(), contract.title());
        report.redact(&config.token);
        if let Some(secret) = &config.client_secret {
            report.redact_as(secret, REDACTED_CLIENT_SECRET);
        }
        let transport = Transport::new(
            config.timeout,
            TokenSource::of(config),
            report.redactor(),
            config.rate_limit,
            config.generative.har.clone(),
        )?;
        let stop = Stop::new(config, transport.stalled());
        Ok(Self {
            contract,
            config,
            transport,
            base,
            report,
            sinks: Vec::new(),
            creates_left: config.max_creates,
            creates_skipped: 0,
            stop,
        })
    }

    /// Adds a sink of the run's events.
    pub(crate) fn add_sink(&mut self, sink: impl Sink + 'a) {
        self.sinks.push(Box::new(sink));
    }

    /// The secrets every output redacts (shared: a renewed token joins
    /// them).
    pub(crate) fn secrets(&self) -> Redactor {
        self.report.redactor()
    }

    /// The document.
    pub(crate) fn contract(&self) -> &'a Contract {
        self.contract
    }

    /// What the run was given.
    pub(crate) fn config(&self) -> &'a LiveConfig {
        self.config
    }

    /// The base URL, without a trailing slash.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The checks recorded so far.
    pub(crate) fn checks(&self) -> &[Check] {
        &self.report.checks
    }

    /// Closes the HAR file, when one is asked for: how many exchanges it
    /// holds and where.
    pub(crate) fn finish_har(&self) -> Result<Option<(usize, std::path::PathBuf)>, LiveError> {
        self.transport.finish_har().transpose().map_err(|e| {
            let path = self
                .config
                .generative
                .har
                .as_deref()
                .unwrap_or(std::path::Path::new(""));
            LiveError::Output(format!("{}: {e}", path.display()))
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

    fn announce(&mut self, event: Event<'_>) {
        for sink in &mut self.sinks {
            sink.event(&event);
        }
    }

    /// A phase begins (the sinks count its cases).
    pub(crate) fn begin_phase(&mut self, name: &str) {
        self.announce(Event::PhaseStarted(name));
    }

    /// The phase that began last is over.
    pub(crate) fn end_phase(&mut self) {
        self.announce(Event::PhaseEnded);
    }

    /// A line for people (the seed, what was written).
    pub(crate) fn note(&mut self, line: &str) {
        self.announce(Event::Note(line));
    }

    fn record(&mut self, check: Check, planned: Option<&Planned>) {
        self.stop
            .findings
            .extend(crate::findings::fingerprints(&check));
        self.report.push(check);
        let sinks = &mut self.sinks;
        if let Some(check) = self.report.checks.last() {
            for sink in sinks {
                sink.event(&Event::Checked { check, planned });
            }
        }
    }

    /// Records a step that could not be taken.
    pub(crate) fn skip(&mut self, name: &str, operation: &str, reason: &str) {
        self.record(Check::skipped(name, Some(operation), reason), None);
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
        self.go_on()?;
        if !self.may_send(planned) {
            return Ok((self.skipped_create(planned), Answer::default()));
        }
        let stop = self.stop.signal(self.config);
        let sent = tokio::select! {
            sent = self.transport.send(planned) => sent?,
            reason = stop => return Err(LiveError::Stopped(reason)),
        };
        Ok(self.judge(planned, sent))
    }

    /// `Err(Stopped)` once the run is to end (its budget, or a signal).
    pub(crate) fn go_on(&mut self) -> Result<(), LiveError> {
        match self.stop.reason(self.config) {
            Some(reason) => Err(LiveError::Stopped(reason)),
            None => Ok(()),
        }
    }

    /// Whether a request may be sent: an allowed create only while
    /// `--max-creates` allows (it takes one from the budget).
    fn may_send(&mut self, planned: &Planned) -> bool {
        let creates = planned.operation == CREATE
            && planned.intent == Intent::Allowed
            && planned.credentials == Credentials::Token;
        match (&mut self.creates_left, creates) {
            (Some(0), true) => {
                self.creates_skipped += 1;
                false
            }
            (Some(left), true) => {
                *left -= 1;
                true
            }
            _ => true,
        }
    }

    /// The check of a create that `--max-creates` kept from being sent.
    fn skipped_create(&self, planned: &Planned) -> Check {
        let mut check = Check::skipped(
            planned.name.clone(),
            Some(&planned.operation),
            format!(
                "not sent: the run may create {} connection(s) (--max-creates)",
                self.config.max_creates.unwrap_or_default()
            ),
        );
        check.request = Some(RequestSummary {
            method: planned.method.to_string(),
            url: planned.url.to_string(),
        });
        check
    }

    /// Sends independent requests at once (at most `--workers` in flight)
    /// and has each judged as its answer comes, in the order given: the
    /// checks, and so the report, do not depend on how many ran together,
    /// and no more answers are held than requests are in flight. None is
    /// recorded.
    pub(crate) async fn assess_all(
        &mut self,
        planned: &[Planned],
    ) -> Result<Vec<Check>, LiveError> {
        self.go_on()?;
        // The budget is spent in the order planned, whatever the workers.
        let allowed: Vec<bool> = planned.iter().map(|p| self.may_send(p)).collect();
        let stop = self.stop.signal(self.config);
        let this = &*self;
        let sending = planned
            .iter()
            .zip(&allowed)
            .filter(|(_, allowed)| **allowed)
            .map(|(p, _)| this.transport.send(p));
        let judging = async {
            let mut sent = futures_util::stream::iter(sending).buffered(this.config.workers.max(1));
            let mut assessed = Vec::with_capacity(planned.len());
            for (planned, allowed) in planned.iter().zip(&allowed) {
                if !allowed {
                    assessed.push(this.skipped_create(planned));
                    continue;
                }
                let Some(answer) = sent.next().await else {
                    break;
                };
                assessed.push(this.judge(planned, answer?).0);
            }
            Ok(assessed)
        };
        tokio::select! {
            assessed = judging => assessed,
            reason = stop => Err(LiveError::Stopped(reason)),
        }
    }

    /// [`Runner::assess_all`], each check recorded in order.
    pub(crate) async fn exchange_all(&mut self, planned: Vec<Planned>) -> Result<(), LiveError> {
        let assessed = self.assess_all(&planned).await?;
        for (planned, check) in planned.iter().zip(assessed) {
            self.keep(planned, check);
        }
        Ok(())
    }

    /// Has the selected checks judge what sending a request came to
    /// ([`checks::judge`]); the check is returned, not recorded.
    fn judge(&self, planned: &Planned, sent: Sent) -> (Check, Answer) {
        let mut check = Check::new(planned.name.clone(), Some(&planned.operation));
        check.expected_statuses = planned.expected.clone();
        check.request = Some(RequestSummary {
            method: planned.method.to_string(),
            url: planned.url.to_string(),
        });
        check.curl = Some(planned.curl());
        let selection = &self.config.generative.checks;
        let received = match sent.received {
            Ok(received) => received,
            Err(reason) => {
                // No answer: the server failed to give one.
                if selection.is_enabled(checks::NOT_A_SERVER_ERROR) {
                    let mut failure = Failure::new(FailureKind::Transport, reason);
                    failure.check = Some(checks::NOT_A_SERVER_ERROR.to_string());
                    check.failures.push(failure);
                    check.judged = vec![checks::NOT_A_SERVER_ERROR.to_string()];
                }
                return (check.finish(sent.elapsed), Answer::default());
            }
        };
        check.response = Some(ResponseSummary {
            status: received.status,
            content_type: received.content_type.clone(),
            // Redacted before it is cut: a secret across the cut would
            // otherwise be kept nearly whole.
            body_excerpt: excerpt(
                &self
                    .report
                    .redactor()
                    .scrub_prefix(&received.text, 4 * BODY_EXCERPT_LIMIT)
                    .0,
            ),
        });
        if sent.still_throttled {
            // Slowed down past the bounds: the server's quota, not a fault.
            check.outcome = crate::report::Outcome::Skipped;
            check.skipped_reason = Some(format!(
                "still throttled ({}) after {} re-sends; not judged",
                received.status,
                crate::transport::MAX_THROTTLED_RESENDS
            ));
            return (check.finish(sent.elapsed), Answer::default());
        }
        let body = Exchange::parse(&received);
        let exchange = Exchange {
            contract: self.contract,
            planned,
            received: &received,
            body: body.as_ref(),
        };
        let judgement = checks::judge(selection, &exchange);
        check.failures = judgement.failures;
        check.judged = judgement.judged.iter().map(|n| n.to_string()).collect();
        check.deselected = judgement.deselected.iter().map(|n| n.to_string()).collect();
        (
            check.finish(sent.elapsed),
            Answer {
                body,
                status: Some(received.status),
            },
        )
    }

    /// Records an assessed check (the sinks keep a failing one as a case
    /// file when they are asked for).
    pub(crate) fn keep(&mut self, planned: &Planned, check: Check) {
        self.record(check, Some(planned));
    }

    /// Adds a failure of `check` found across exchanges (a paging problem
    /// shows only once its page is read, a write only once the total is
    /// read again) to the last recorded check, when `check` is selected.
    pub(crate) fn fail_last(&mut self, check: &'static str, mut failure: Failure) {
        if !self.config.generative.checks.is_enabled(check) {
            return;
        }
        failure.check = Some(check.to_string());
        let sinks = &mut self.sinks;
        if let Some(check) = self.report.fail_last(failure) {
            for sink in sinks {
                sink.event(&Event::Amended(check));
            }
        }
    }

    /// Ends the run: the failures are grouped into findings, the sinks
    /// write what they kept, the coverage rows and the duration go into
    /// the report.
    pub(crate) fn finish(
        mut self,
        coverage: Vec<OperationCoverage>,
        started: Instant,
        incomplete: Option<Incomplete>,
    ) -> Result<Report, LiveError> {
        self.report.incomplete = incomplete;
        let mut findings = crate::findings::group(&self.report.checks, self.report.seed);
        let mut notes = Vec::new();
        for sink in &mut self.sinks {
            notes.extend(sink.finish(&mut findings)?);
        }
        self.report.findings = findings;
        self.report.token_renewals = self.transport.renewals();
        self.report.throttled = self.transport.throttled();
        let answered = |operation: &str, class: u16| {
            self.report
                .checks
                .iter()
                .filter(|c| c.operation_id.as_deref() == Some(operation))
                .filter(|c| c.response.as_ref().is_some_and(|r| r.status / 100 == class))
                .count() as u64
        };
        self.report.writes = Writes {
            created: answered(CREATE, 2),
            updated: answered("updateConnection", 2),
            creates_skipped: self.creates_skipped,
            max_creates: self.config.max_creates,
        };
        for note in notes {
            self.note(&note);
        }
        self.report.coverage = coverage;
        self.report.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(self.report)
    }

    /// Ends a run that only replays: the report as it is.
    pub(crate) fn into_report(self) -> Report {
        self.report
    }

    /// Sets the seed the report states.
    pub(crate) fn set_seed(&mut self, seed: u64) {
        self.report.seed = Some(seed);
    }
}
