//! The outcome of a suite run and its renderings: human text, JSON, JUnit.
//!
//! A [`Report`] is a list of [`Check`]s; a check is one example (the
//! `examples` suite) or one HTTP exchange (the `live` suite), and it passed,
//! failed with one or more [`Failure`]s, or was skipped with a reason.
//!
//! The JSON rendering is [`Report`] serialized as is; its field names are
//! stable (snake case) and documented on each field. Secrets registered
//! with [`Report::redact`] never appear in any rendering.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, RwLock},
    time::Duration,
};

use serde::Serialize;

use crate::contract::Violation;

/// The JSON rendering's format version; bumped when a field changes
/// meaning or disappears (adding fields does not bump it).
pub const JSON_FORMAT_VERSION: u32 = 1;

/// What replaces a secret (the access token) in every rendering.
pub const REDACTED_TOKEN: &str = "$CONNECTIONS_TOKEN";

/// What replaces the client secret (when the token was fetched with
/// client credentials) in every rendering.
pub const REDACTED_CLIENT_SECRET: &str = "$CONNECTIONS_CLIENT_SECRET";

/// How a report is rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per check, a summary, then each failure in detail.
    Human,
    /// The report as JSON (see [`Report`] for the fields).
    Json,
    /// JUnit XML, one test case per check.
    Junit,
}

/// How much a run prints for people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// The findings and the verdict.
    Quiet,
    /// A line per phase while it runs; then the findings, the checks table
    /// and the verdict.
    #[default]
    Normal,
    /// A line per case while it runs; then the coverage table, the
    /// findings, the checks table and the verdict.
    Verbose,
}

/// Whether a check passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every expectation held.
    Passed,
    /// At least one failure.
    Failed,
    /// Not run; `skipped_reason` says why.
    Skipped,
}

/// The kind of a failure, for machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The status is not the one the scenario expects.
    Status,
    /// The status is not documented for the operation.
    UndocumentedStatus,
    /// The `Content-Type` is not the documented media type.
    ContentType,
    /// The body is not JSON although JSON is documented.
    BodyNotJson,
    /// The body violates the documented schema.
    Schema,
    /// A value disagrees with what was sent or what the contract promises.
    Value,
    /// The request could not be sent or the response not read.
    Transport,
    /// The document itself is at fault (a schema that accepts anything,
    /// an example without a schema, an unreadable fixture).
    Document,
}

/// One thing that went wrong in a check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The kind of failure.
    pub kind: FailureKind,
    /// What is wrong, in one sentence.
    pub message: String,
    /// JSON pointer into the payload, for schema and value failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_path: Option<String>,
    /// The schema keyword that failed (`type`, `required`, `enum`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// Where that keyword sits in the document (`#/components/...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword_location: Option<String>,
    /// The named check that found it (`positive_data_acceptance`,
    /// `response_schema_conformance`, ...; see `conformance --list-checks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

impl Failure {
    /// A failure with a message only.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            instance_path: None,
            keyword: None,
            keyword_location: None,
            check: None,
        }
    }

    /// A value failure at an instance path.
    pub fn value(instance_path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            instance_path: Some(instance_path.into()),
            ..Self::new(FailureKind::Value, message)
        }
    }

    /// A schema violation.
    pub fn schema(violation: &Violation) -> Self {
        Self {
            kind: FailureKind::Schema,
            message: violation.message.clone(),
            instance_path: Some(violation.instance_path.clone()),
            keyword: Some(violation.keyword.clone()),
            keyword_location: Some(violation.keyword_location.clone()),
            check: None,
        }
    }
}

/// The request of a live check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestSummary {
    /// The HTTP method.
    pub method: String,
    /// The full URL.
    pub url: String,
}

/// The response of a live check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResponseSummary {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body, cut at [`BODY_EXCERPT_LIMIT`] characters.
    pub body_excerpt: String,
}

/// How much of a response body a report keeps.
pub const BODY_EXCERPT_LIMIT: usize = 2000;

/// Whether a terminal acts on `c` rather than shows it: C0 controls but
/// newline and tab, DEL, C1 controls, and the bidirectional overrides and
/// isolates that reorder a line.
fn acts_on_a_terminal(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each character a terminal acts on written by `escape`.
fn escape_acting(text: &str, escape: impl Fn(char) -> String) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(acts_on_a_terminal) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acts_on_a_terminal(c) {
            out.push_str(&escape(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` as it may be written to a terminal: every character a terminal
/// acts on written as its escape, `\u{1b}`. A server's bytes can then not
/// retitle the window, clear the screen, hide a line or plant a link.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    escape_acting(text, |c| c.escape_unicode().to_string())
}

/// A body cut at [`BODY_EXCERPT_LIMIT`] characters (`…` marks the cut).
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(BODY_EXCERPT_LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// How many lines of a body the human report shows.
const BODY_LINES: usize = 40;

/// One check: an example or an HTTP exchange.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// What the check does ("create a connection", or the example's name).
    pub name: String,
    /// The operation it concerns, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Whether it passed.
    pub outcome: Outcome,
    /// The statuses the check accepts (live checks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected_statuses: Vec<u16>,
    /// JSON pointer of the example in the document (examples), or the
    /// fixture's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The request sent (live checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestSummary>,
    /// The response received (live checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseSummary>,
    /// Every failure; empty when passed.
    pub failures: Vec<Failure>,
    /// Why the check was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_reason: Option<String>,
    /// A curl command that repeats the request, the token written as
    /// `$CONNECTIONS_TOKEN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// How long the check took, in milliseconds.
    pub duration_ms: f64,
    /// The checks that judged it (live exchanges), for the summary table.
    #[serde(skip)]
    pub judged: Vec<String>,
    /// The checks that would have judged it but were left out.
    #[serde(skip)]
    pub deselected: Vec<String>,
}

impl Check {
    /// A check with no failures yet (outcome computed by [`Check::finish`]).
    pub fn new(name: impl Into<String>, operation_id: Option<&str>) -> Self {
        Self {
            name: name.into(),
            operation_id: operation_id.map(str::to_string),
            outcome: Outcome::Passed,
            expected_statuses: Vec::new(),
            location: None,
            request: None,
            response: None,
            failures: Vec::new(),
            skipped_reason: None,
            curl: None,
            duration_ms: 0.0,
            judged: Vec::new(),
            deselected: Vec::new(),
        }
    }

    /// A skipped check.
    pub fn skipped(
        name: impl Into<String>,
        operation_id: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            outcome: Outcome::Skipped,
            skipped_reason: Some(reason.into()),
            ..Self::new(name, operation_id)
        }
    }

    /// Sets the outcome from the failures and records the duration.
    pub fn finish(mut self, duration: Duration) -> Self {
        self.duration_ms = duration.as_secs_f64() * 1000.0;
        if self.outcome != Outcome::Skipped {
            self.outcome = if self.failures.is_empty() {
                Outcome::Passed
            } else {
                Outcome::Failed
            };
        }
        self
    }

    /// Whether the check failed.
    pub fn failed(&self) -> bool {
        self.outcome == Outcome::Failed
    }
}

/// What the coverage of one operation was.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OperationCoverage {
    /// The operation.
    pub operation: String,
    /// Cases sent, per phase.
    pub cases: BTreeMap<String, usize>,
    /// Documented statuses received.
    pub documented_seen: BTreeSet<String>,
    /// Documented statuses never received.
    pub documented_not_seen: BTreeSet<String>,
    /// Statuses received that the document does not give.
    pub undocumented_seen: BTreeSet<u16>,
    /// Constraints exercised by a positive case (keyword locations).
    pub positive_constraints: BTreeSet<String>,
    /// Constraints exercised by a negative case.
    pub negative_constraints: BTreeSet<String>,
}

/// One reproduction of a finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Example {
    /// The case's name.
    pub name: String,
    /// The request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestSummary>,
    /// The response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseSummary>,
    /// The failure as this case showed it.
    pub failure: Failure,
    /// A curl command that repeats it (the token written as
    /// `$CONNECTIONS_TOKEN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// The case file written for it, for `conformance replay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_file: Option<String>,
    /// The case's place among the report's checks.
    #[serde(skip)]
    pub index: usize,
}

impl Example {
    pub(crate) fn of(index: usize, check: &Check, failure: &Failure) -> Self {
        Self {
            name: check.name.clone(),
            request: check.request.clone(),
            response: check.response.clone(),
            failure: failure.clone(),
            curl: check.curl.clone(),
            case_file: None,
            index,
        }
    }

    /// How big the reproduction is: the length of its curl line (method,
    /// URL, headers, body), else of its name.
    pub(crate) fn size(&self) -> usize {
        self.curl.as_deref().unwrap_or(&self.name).len()
    }
}

/// One fault, however many cases showed it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// A hash of the check, the operation and the locus: stable across
    /// runs and seeds.
    pub fingerprint: String,
    /// The check that found it.
    pub check: String,
    /// The operation.
    pub operation: String,
    /// Where the disagreement is (see `findings::locus`).
    pub locus: String,
    /// How many cases hit it.
    pub count: usize,
    /// The seed of the run (`--seed` repeats it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The smallest case that hit it.
    pub example: Example,
    /// The first case that hit it.
    pub first: Example,
}

/// A run that ended before it was through.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Incomplete {
    /// Why it stopped.
    pub reason: String,
    /// The phase that was running, cut short.
    pub cut_short: Vec<String>,
    /// The phases that did not run.
    pub not_run: Vec<String>,
}

/// What a live run wrote to the server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Writes {
    /// Connections created (2xx answers to createConnection).
    pub created: u64,
    /// Connections updated (2xx answers to updateConnection).
    pub updated: u64,
    /// Allowed creates not sent because of the bound.
    pub creates_skipped: u64,
    /// The bound on creates (`--max-creates`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_creates: Option<usize>,
}

/// How one check fared on one operation's exchanges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckCount {
    /// The operation.
    pub operation: String,
    /// The check.
    pub check: String,
    /// Exchanges it judged and passed.
    pub passed: usize,
    /// Exchanges it judged and failed.
    pub failed: usize,
    /// Exchanges it would have judged but was left out of.
    pub skipped: usize,
}

/// Counts of a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Every check.
    pub total: usize,
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
    /// Checks that were skipped.
    pub skipped: usize,
}

/// The outcome of one suite run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// [`JSON_FORMAT_VERSION`].
    pub format_version: u32,
    /// The suite: `examples` or `live`.
    pub suite: String,
    /// What was checked: the document (examples) or the base URL (live).
    pub target: String,
    /// The document's title and version.
    pub document: String,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// How long the run took, in milliseconds.
    pub duration_ms: f64,
    /// The counts.
    pub summary: Summary,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
    /// Per operation: statuses seen and not seen, constraints exercised,
    /// cases per phase (live runs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<OperationCoverage>,
    /// The seed of a live run (`--seed` repeats it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The failures grouped by root cause (live runs; empty when clean).
    pub findings: Vec<Finding>,
    /// How many times the access token was renewed during the run (it
    /// expired, or the server refused it once).
    pub token_renewals: u64,
    /// How many answers said "slow down" (429, or 503 with `Retry-After`)
    /// and were waited for before the request was sent again.
    pub throttled: u64,
    /// What the run wrote: the API has no delete, so a tenant keeps every
    /// connection a run creates.
    pub writes: Writes,
    /// Why the run ended before it was through, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<Incomplete>,
    /// The secrets every rendering replaces (shared with the outputs
    /// written outside the report, and growing as tokens are renewed).
    #[serde(skip)]
    secrets: Redactor,
}

impl Report {
    /// An empty report.
    pub fn new(suite: &str, target: impl Into<String>, document: impl Into<String>) -> Self {
        Self {
            format_version: JSON_FORMAT_VERSION,
            suite: suite.to_string(),
            target: target.into(),
            document: document.into(),
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            duration_ms: 0.0,
            summary: Summary::default(),
            checks: Vec::new(),
            coverage: Vec::new(),
            seed: None,
            findings: Vec::new(),
            token_renewals: 0,
            throttled: 0,
            writes: Writes::default(),
            incomplete: None,
            secrets: Redactor::default(),
        }
    }

    /// Registers a secret: every rendering writes [`REDACTED_TOKEN`] in
    /// its place.
    pub fn redact(&mut self, secret: &str) {
        self.redact_as(secret, REDACTED_TOKEN);
    }

    /// Registers a secret that every rendering writes as `placeholder`
    /// (such as [`REDACTED_CLIENT_SECRET`]).
    pub fn redact_as(&mut self, secret: &str, placeholder: &'static str) {
        self.secrets.add(secret, placeholder);
    }

    /// Adds a check and updates the counts.
    pub fn push(&mut self, check: Check) {
        self.summary.total += 1;
        match check.outcome {
            Outcome::Passed => self.summary.passed += 1,
            Outcome::Failed => self.summary.failed += 1,
            Outcome::Skipped => self.summary.skipped += 1,
        }
        self.checks.push(check);
    }

    /// The secrets this report replaces, shared: one added later (a
    /// renewed token) is replaced by every holder.
    pub fn redactor(&self) -> Redactor {
        self.secrets.clone()
    }

    /// Adds a failure to the last check (a finding that shows only after
    /// the check was recorded); returns it.
    pub fn fail_last(&mut self, failure: Failure) -> Option<&Check> {
        let check = self.checks.last_mut()?;
        match check.outcome {
            Outcome::Passed => self.summary.passed -= 1,
            Outcome::Skipped => self.summary.skipped -= 1,
            Outcome::Failed => self.summary.failed -= 1,
        }
        self.summary.failed += 1;
        check.outcome = Outcome::Failed;
        if let Some(name) = &failure.check
            && !check.judged.contains(name)
        {
            check.judged.push(name.clone());
        }
        check.failures.push(failure);
        Some(check)
    }

    /// The exit status the report stands for: 1 with a failure, else 3
    /// when the run stopped early, else 0.
    pub fn exit_status(&self) -> u8 {
        match (self.passed(), &self.incomplete) {
            (false, _) => crate::exit::VIOLATIONS,
            (true, Some(_)) => crate::exit::INCOMPLETE,
            (true, None) => crate::exit::PASSED,
        }
    }

    /// Whether every check passed or was skipped.
    pub fn passed(&self) -> bool {
        self.summary.failed == 0
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.failed())
    }

    /// Replaces every registered secret in `text`.
    pub fn scrub(&self, text: &str) -> String {
        self.secrets.scrub(text)
    }

    /// Renders the report.
    pub fn render(&self, format: Format) -> String {
        let text = match format {
            Format::Human => {
                let lines: String = self
                    .checks
                    .iter()
                    .map(|c| format!("{}\n", progress_line(c)))
                    .collect();
                format!("{lines}\n{}", self.render_human())
            }
            Format::Json => {
                let mut text = serde_json::to_string_pretty(self)
                    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
                text.push('\n');
                text
            }
            Format::Junit => self.render_junit(),
        };
        // Every format may end up on a terminal: what a terminal acts on is
        // escaped in the format's own way (JSON and XML readers get the same
        // characters back).
        let text = self.scrub(&text);
        match format {
            Format::Human => terminal_safe(&text).into_owned(),
            Format::Json => {
                escape_acting(&text, |c| format!("\\u{:04x}", u32::from(c))).into_owned()
            }
            Format::Junit => {
                escape_acting(&text, |c| format!("&#x{:X};", u32::from(c))).into_owned()
            }
        }
    }

    /// Everything but the progress lines (those are printed while the
    /// suite runs, see [`progress_line`]; [`Report::render`] includes
    /// them): [`Report::render_summary`] at its most verbose.
    pub fn render_human(&self) -> String {
        self.render_summary(Verbosity::Verbose)
    }

    /// What people read at the end of a run, as much as `verbosity` says:
    /// the coverage table (verbose), the findings (or, for the examples
    /// suite, each failure), the checks table (not quiet), the verdict.
    pub fn render_summary(&self, verbosity: Verbosity) -> String {
        let mut out = String::new();
        if verbosity == Verbosity::Verbose && !self.coverage.is_empty() {
            out.push_str(&self.coverage_table());
            out.push('\n');
        }
        if !self.findings.is_empty() {
            out.push_str(&format!("Findings ({}):\n", self.findings.len()));
            for (at, finding) in self.findings.iter().enumerate() {
                out.push('\n');
                out.push_str(&finding_detail(at + 1, finding));
            }
            out.push('\n');
        } else {
            let failed: Vec<&Check> = self.failures().collect();
            if !failed.is_empty() {
                out.push_str("Failures:\n");
                for check in failed {
                    out.push('\n');
                    out.push_str(&failure_detail(check));
                }
                out.push('\n');
            }
        }
        let table = self.checks_table();
        if verbosity != Verbosity::Quiet && !table.is_empty() {
            out.push_str(&table);
            out.push('\n');
        }
        out.push_str(&self.summary_line());
        out.push('\n');
        terminal_safe(&self.scrub(&out)).into_owned()
    }

    /// Per operation and check: how many exchanges it passed, failed and
    /// skipped (left out by `--checks`/`--exclude-checks`), in the order
    /// the checks first judged; empty for a report without judged
    /// exchanges (the examples suite).
    pub fn check_counts(&self) -> Vec<CheckCount> {
        let mut counts: Vec<CheckCount> = Vec::new();
        let mut order: Vec<String> = Vec::new();
        for check in &self.checks {
            let operation = check.operation_id.as_deref().unwrap_or("-");
            for (name, skipped) in check
                .judged
                .iter()
                .map(|n| (n, false))
                .chain(check.deselected.iter().map(|n| (n, true)))
            {
                if !order.contains(name) {
                    order.push(name.clone());
                }
                let at = match counts
                    .iter()
                    .position(|c| c.operation == operation && &c.check == name)
                {
                    Some(at) => at,
                    None => {
                        counts.push(CheckCount {
                            operation: operation.to_string(),
                            check: name.clone(),
                            ..CheckCount::default()
                        });
                        counts.len() - 1
                    }
                };
                let count = &mut counts[at];
                if skipped {
                    count.skipped += 1;
                } else if check
                    .failures
                    .iter()
                    .any(|f| f.check.as_deref() == Some(name))
                {
                    count.failed += 1;
                } else {
                    count.passed += 1;
                }
            }
        }
        counts.sort_by_key(|c| {
            (
                order.iter().position(|n| *n == c.check),
                c.operation.clone(),
            )
        });
        counts
    }

    /// The summary table: a row per check, a column per operation, each
    /// cell passed/failed/skipped (`-` where the check judges nothing of
    /// the operation).
    pub fn checks_table(&self) -> String {
        let counts = self.check_counts();
        if counts.is_empty() {
            return String::new();
        }
        let mut operations: Vec<&str> = counts.iter().map(|c| c.operation.as_str()).collect();
        operations.sort_unstable();
        operations.dedup();
        let mut checks: Vec<&str> = Vec::new();
        for count in &counts {
            if !checks.contains(&count.check.as_str()) {
                checks.push(&count.check);
            }
        }
        let mut rows = vec![
            std::iter::once("check")
                .chain(operations.iter().copied())
                .map(str::to_string)
                .collect::<Vec<_>>(),
        ];
        for check in &checks {
            let mut row = vec![check.to_string()];
            for operation in &operations {
                row.push(
                    counts
                        .iter()
                        .find(|c| c.check == *check && c.operation == *operation)
                        .map_or_else(
                            || "-".to_string(),
                            |c| format!("{}/{}/{}", c.passed, c.failed, c.skipped),
                        ),
                );
            }
            rows.push(row);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::from("Checks (passed/failed/skipped per operation):\n");
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:width$}"))
                .collect();
            out.push_str("  ");
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }

    /// The verdict: passed or failed, the findings, the checks, the time
    /// and the exit status.
    pub fn summary_line(&self) -> String {
        let Summary {
            total,
            passed,
            failed,
            skipped,
        } = self.summary;
        let took = if self.duration_ms < 1000.0 {
            format!("{:.0} ms", self.duration_ms)
        } else {
            format!("{:.2} s", self.duration_ms / 1000.0)
        };
        let verdict = match (self.passed(), &self.incomplete) {
            (false, _) => "FAILED",
            (true, Some(_)) => "INCOMPLETE",
            (true, None) => "passed",
        };
        let findings = match (self.findings.len(), self.passed()) {
            (0, true) => "no finding, ".to_string(),
            (0, false) => String::new(),
            (1, _) => "1 finding, ".to_string(),
            (n, _) => format!("{n} findings, "),
        };
        let renewals = match self.token_renewals {
            0 => String::new(),
            1 => ", token renewed once".to_string(),
            n => format!(", token renewed {n} times"),
        };
        let renewals = match self.throttled {
            0 => renewals,
            n => format!("{renewals}, {n} answer(s) waited for (throttled)"),
        };
        let Writes {
            created,
            updated,
            creates_skipped,
            max_creates,
        } = &self.writes;
        let renewals = match (created + updated, creates_skipped, max_creates) {
            (0, 0, _) => renewals,
            (_, 0, _) => format!("{renewals}; created {created}, updated {updated} connection(s)"),
            (_, skipped, Some(max)) => format!(
                "{renewals}; created {created}, updated {updated} connection(s), {skipped} \
                 create(s) not sent (--max-creates {max})"
            ),
            (_, skipped, None) => format!(
                "{renewals}; created {created}, updated {updated} connection(s), {skipped} \
                 create(s) not sent"
            ),
        };
        let stopped = match &self.incomplete {
            None => String::new(),
            Some(incomplete) => {
                let mut text = format!(" (stopped: {}", incomplete.reason);
                if !incomplete.cut_short.is_empty() {
                    text.push_str(&format!("; cut short: {}", incomplete.cut_short.join(", ")));
                }
                if !incomplete.not_run.is_empty() {
                    text.push_str(&format!("; not run: {}", incomplete.not_run.join(", ")));
                }
                text.push(')');
                text
            }
        };
        format!(
            "{} {verdict}{stopped} against {}: {findings}{total} checks ({passed} passed, \
             {failed} failed, {skipped} skipped) in {took}{renewals}; exit status {}",
            self.suite,
            self.target,
            self.exit_status()
        )
    }

    /// The coverage table: per operation, the cases sent per phase, the
    /// documented statuses seen and not seen, the undocumented statuses
    /// seen, and how many constraints a positive and a negative case
    /// exercised. Empty when the run had no generative phase.
    pub fn coverage_table(&self) -> String {
        if self.coverage.is_empty() {
            return String::new();
        }
        let list = |items: Vec<String>| {
            if items.is_empty() {
                "-".to_string()
            } else {
                items.join(" ")
            }
        };
        let phases = ["examples", "coverage", "fuzzing"];
        let header = [
            "operation".to_string(),
            format!("cases ({})", phases.join("/")),
            "documented seen".to_string(),
            "documented not seen".to_string(),
            "undocumented seen".to_string(),
            "constraints +/-".to_string(),
        ];
        let mut rows = vec![header];
        for row in &self.coverage {
            rows.push([
                row.operation.clone(),
                phases
                    .iter()
                    .map(|p| row.cases.get(*p).copied().unwrap_or(0).to_string())
                    .collect::<Vec<_>>()
                    .join("/"),
                list(row.documented_seen.iter().cloned().collect()),
                list(row.documented_not_seen.iter().cloned().collect()),
                list(row.undocumented_seen.iter().map(u16::to_string).collect()),
                format!(
                    "{}/{}",
                    row.positive_constraints.len(),
                    row.negative_constraints.len()
                ),
            ]);
        }
        let widths: Vec<usize> = (0..6)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = match self.seed {
            Some(seed) => format!("Coverage (seed {seed}, repeat with --seed {seed}):\n"),
            None => String::from("Coverage:\n"),
        };
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:width$}"))
                .collect();
            out.push_str("  ");
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }

    /// One JUnit test case per operation and check (stable names: no
    /// time, no reference, the same for the same seed); a failing one
    /// carries its findings, a check left out is skipped; steps that
    /// could not be taken are skipped cases of their own.
    fn add_check_cases(&self, suite: &mut quick_junit::TestSuite, counts: &[CheckCount]) {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus};
        for count in counts {
            let findings: Vec<(usize, &Finding)> = self
                .findings
                .iter()
                .enumerate()
                .filter(|(_, f)| f.operation == count.operation && f.check == count.check)
                .collect();
            let status = if count.failed > 0 || !findings.is_empty() {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let message = match findings.first() {
                    Some((_, first)) => format!(
                        "{} finding(s) in {} of {} exchange(s): {}",
                        findings.len(),
                        count.failed,
                        count.passed + count.failed,
                        first.example.failure.message
                    ),
                    None => format!("{} exchange(s) failed", count.failed),
                };
                status.set_message(message);
                status.set_type(count.check.as_str());
                status.set_description(
                    findings
                        .iter()
                        .map(|(at, finding)| finding_detail(at + 1, finding))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                status
            } else if count.passed == 0 {
                let mut status = TestCaseStatus::skipped();
                status.set_message("left out by --checks/--exclude-checks");
                status
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(count.check.as_str(), status);
            case.set_classname(format!("{}.{}", self.suite, count.operation));
            suite.add_test_case(case);
        }
        for check in self.checks.iter().filter(|c| c.outcome == Outcome::Skipped) {
            let mut status = TestCaseStatus::skipped();
            if let Some(reason) = &check.skipped_reason {
                status.set_message(reason.as_str());
            }
            let mut case = TestCase::new(check.name.as_str(), status);
            case.set_classname(format!(
                "{}.{}",
                self.suite,
                check.operation_id.as_deref().unwrap_or("document")
            ));
            suite.add_test_case(case);
        }
    }

    fn render_junit(&self) -> String {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
        let mut report = quick_junit::Report::new("conformance");
        let mut suite = TestSuite::new(self.suite.as_str());
        suite.set_time(Duration::from_secs_f64(self.duration_ms / 1000.0));
        suite.add_property(("target", self.target.as_str()));
        suite.add_property(("document", self.document.as_str()));
        if let Some(seed) = self.seed {
            suite.add_property(("seed", seed.to_string().as_str()));
        }
        if !self.coverage.is_empty() {
            suite.set_system_out(self.coverage_table());
        }
        let counts = self.check_counts();
        if counts.is_empty() {
            for check in &self.checks {
                let status = match check.outcome {
                    Outcome::Passed => TestCaseStatus::success(),
                    Outcome::Skipped => {
                        let mut status = TestCaseStatus::skipped();
                        if let Some(reason) = &check.skipped_reason {
                            status.set_message(reason.as_str());
                        }
                        status
                    }
                    Outcome::Failed => {
                        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        if let Some(first) = check.failures.first() {
                            status.set_message(first.message.as_str());
                            status.set_type(format!("{:?}", first.kind).to_ascii_lowercase());
                        }
                        status.set_description(failure_detail(check));
                        status
                    }
                };
                let mut case = TestCase::new(check.name.as_str(), status);
                case.set_classname(format!(
                    "{}.{}",
                    self.suite,
                    check.operation_id.as_deref().unwrap_or("document")
                ));
                case.set_time(Duration::from_secs_f64(check.duration_ms / 1000.0));
                suite.add_test_case(case);
            }
        } else {
            self.add_check_cases(&mut suite, &counts);
        }
        report.add_test_suite(suite);
        report
            .to_string()
            .unwrap_or_else(|e| format!("<!-- the JUnit report could not be written: {e} -->\n"))
    }
}

/// The secrets of a run, each with what replaces it, shared by everything
/// that writes: the report, the progress lines, the case files, the HAR
/// file. A token renewed mid-run is added once and replaced everywhere
/// from then on.
#[derive(Clone, Debug, Default)]
pub struct Redactor(Arc<RwLock<Vec<(String, &'static str)>>>);

impl PartialEq for Redactor {
    fn eq(&self, other: &Self) -> bool {
        *self.read() == *other.read()
    }
}

impl Redactor {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<(String, &'static str)>> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a secret (once) that every text scrubbed from now on writes as
    /// `placeholder`.
    pub fn add(&self, secret: &str, placeholder: &'static str) {
        if secret.is_empty() {
            return;
        }
        let mut secrets = self.0.write().unwrap_or_else(|p| p.into_inner());
        for spelled in spellings(secret) {
            if !secrets.iter().any(|(known, _)| *known == spelled) {
                secrets.push((spelled, placeholder));
            }
        }
        // A secret that holds another is replaced before it.
        secrets.sort_by_key(|(secret, _)| std::cmp::Reverse(secret.len()));
    }

    /// Replaces every secret in `text`.
    pub fn scrub(&self, text: &str) -> String {
        scrub(text, &self.read())
    }

    /// At most `max_bytes` of `text` from its start, secrets replaced
    /// before the cut (so no secret is kept in part), and whether it was
    /// cut. Only the start of a long text is read.
    pub fn scrub_prefix(&self, text: &str, max_bytes: usize) -> (String, bool) {
        let window = char_boundary_at_most(text, max_bytes.saturating_add(REDACTION_REACH));
        let mut kept = self.scrub(&text[..window]);
        let cut = window < text.len() || kept.len() > max_bytes;
        kept.truncate(char_boundary_at_most(&kept, max_bytes));
        (kept, cut)
    }
}

/// The largest character boundary of `text` not past `index`.
fn char_boundary_at_most(text: &str, index: usize) -> usize {
    let mut at = index.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// How far past a cut a secret may reach: longer than any token.
const REDACTION_REACH: usize = 64 * 1024;

/// Every spelling of `secret` an output may hold: as it is, escaped as
/// JSON (a body that echoes it, once more inside a JSON report), as XML
/// (JUnit), and percent-encoded (a URL or form that carries it). Redacting
/// each spelling redacts the value whatever the format wrote around it.
fn spellings(secret: &str) -> Vec<String> {
    let json = |text: &str| {
        let quoted = serde_json::Value::from(text).to_string();
        quoted[1..quoted.len() - 1].to_string()
    };
    let xml = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;")
    };
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let once = json(secret);
    let mut all = vec![
        secret.to_string(),
        json(&once),
        xml(&once),
        once,
        xml(secret),
        form.replace('+', "%20"),
        form,
    ];
    all.sort();
    all.dedup();
    all
}

/// A secret at least this long is replaced wherever it appears; a shorter
/// one (`--token t` on a sandbox) only where it stands alone, so that it
/// is not taken for a piece of every word that holds it.
const ALWAYS_REPLACED_LEN: usize = 16;

/// Whether `c` can continue a token (letters, digits and the characters
/// of base64, base64url and JWTs other than `=`).
fn continues_token(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/')
}

/// Replaces each secret in `text` by its placeholder, longest secret first
/// (the order [`Report::redact_as`] keeps). A secret shorter than
/// [`ALWAYS_REPLACED_LEN`] is replaced only where no token character is
/// right before or after it.
pub(crate) fn scrub(text: &str, secrets: &[(String, &'static str)]) -> String {
    let mut text = text.to_string();
    for (secret, placeholder) in secrets {
        if secret.is_empty() || !text.contains(secret.as_str()) {
            continue;
        }
        if secret.len() >= ALWAYS_REPLACED_LEN {
            text = text.replace(secret.as_str(), placeholder);
            continue;
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        let mut before: Option<char> = None;
        while let Some(at) = rest.find(secret.as_str()) {
            let (head, tail) = rest.split_at(at);
            let previous = head.chars().next_back().or(before);
            let next = tail[secret.len()..].chars().next();
            out.push_str(head);
            if previous.is_some_and(continues_token) || next.is_some_and(continues_token) {
                // Part of a longer word: keep its first character, look on.
                let first = tail.chars().next().unwrap_or_default();
                out.push(first);
                before = Some(first);
                rest = &tail[first.len_utf8()..];
            } else {
                out.push_str(placeholder);
                before = secret.chars().next_back();
                rest = &tail[secret.len()..];
            }
        }
        out.push_str(rest);
        text = out;
    }
    text
}

/// The line printed for a check as it completes: `✓`/`✗`/`-`, the
/// operation, what was done, the status.
pub fn progress_line(check: &Check) -> String {
    let mark = match check.outcome {
        Outcome::Passed => "✓",
        Outcome::Failed => "✗",
        Outcome::Skipped => "-",
    };
    let mut line = format!("{mark} ");
    if let Some(operation) = &check.operation_id {
        line.push_str(operation);
        line.push_str(": ");
    }
    line.push_str(&check.name);
    if let Some(request) = &check.request {
        line.push_str(&format!("  {} {}", request.method, path_of(&request.url)));
        match &check.response {
            Some(response) => line.push_str(&format!(" → {}", response.status)),
            None => line.push_str(" → no response"),
        }
        line.push_str(&format!("  ({:.0} ms)", check.duration_ms));
    }
    match check.outcome {
        Outcome::Failed => {
            let count = check.failures.len();
            line.push_str(&format!(
                "  [{count} failure{}]",
                if count == 1 { "" } else { "s" }
            ));
        }
        Outcome::Skipped => {
            if let Some(reason) = &check.skipped_reason {
                line.push_str(&format!("  (skipped: {reason})"));
            }
        }
        Outcome::Passed => {}
    }
    line
}

/// The path and query of a URL, for compact lines.
fn path_of(url: &str) -> &str {
    url.find("://")
        .and_then(|scheme_end| {
            url[scheme_end + 3..]
                .find('/')
                .map(|i| &url[scheme_end + 3 + i..])
        })
        .unwrap_or(url)
}

/// The full account of a failed check.
/// A finding in detail: its check, operation and locus, what failed, how
/// many cases hit it, its fingerprint and seed, and its smallest
/// reproduction (request, response, curl line, case file, body).
pub fn finding_detail(number: usize, finding: &Finding) -> String {
    let example = &finding.example;
    let mut out = format!(
        "{number}. [{}] {}: {}\n",
        finding.check, finding.operation, example.failure.message
    );
    out.push_str(&format!("   where: {}\n", finding.locus));
    let cases = if finding.count == 1 {
        "1 case".to_string()
    } else {
        format!("{} cases", finding.count)
    };
    out.push_str(&format!(
        "   hit by {cases}; fingerprint {}",
        finding.fingerprint
    ));
    if let Some(seed) = finding.seed {
        out.push_str(&format!("; seed {seed}"));
    }
    out.push('\n');
    out.push_str(&format!("   smallest: {}\n", example.name));
    if let Some(request) = &example.request {
        out.push_str(&format!("   {} {}", request.method, request.url));
        if let Some(response) = &example.response {
            out.push_str(&format!(" → {}", response.status));
            if let Some(content_type) = &response.content_type {
                out.push_str(&format!(" ({content_type})"));
            }
        }
        out.push('\n');
    }
    if let Some(curl) = &example.curl {
        out.push_str(&format!("   reproduce: {curl}\n"));
    }
    if let Some(path) = &example.case_file {
        out.push_str(&format!("   case file: {path}\n"));
    }
    if let Some(response) = &example.response {
        out.push_str(&body_lines(response, "   "));
    }
    out
}

/// A response body for people, pretty-printed when it is JSON, at most
/// [`BODY_LINES`] lines, each under `indent` (nothing for an empty body).
fn body_lines(response: &ResponseSummary, indent: &str) -> String {
    if response.body_excerpt.is_empty() {
        return String::new();
    }
    let mut out = format!("{indent}body:\n");
    let pretty = serde_json::from_str::<serde_json::Value>(&response.body_excerpt)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| response.body_excerpt.clone());
    let lines: Vec<&str> = pretty.lines().collect();
    for line in lines.iter().take(BODY_LINES) {
        out.push_str(&format!("{indent}  {line}\n"));
    }
    if lines.len() > BODY_LINES {
        out.push_str(&format!(
            "{indent}  … ({} more lines)\n",
            lines.len() - BODY_LINES
        ));
    }
    out
}

/// A failed check in detail (the examples suite, whose failures are not
/// grouped).
pub fn failure_detail(check: &Check) -> String {
    let mut out = String::new();
    out.push_str("✗ ");
    if let Some(operation) = &check.operation_id {
        out.push_str(operation);
        out.push_str(": ");
    }
    out.push_str(&check.name);
    out.push('\n');
    if let Some(location) = &check.location {
        out.push_str(&format!("  at {location}\n"));
    }
    if let Some(request) = &check.request {
        out.push_str(&format!("  {} {}", request.method, request.url));
        if let Some(response) = &check.response {
            out.push_str(&format!(" → {}", response.status));
            if let Some(content_type) = &response.content_type {
                out.push_str(&format!(" ({content_type})"));
            }
        }
        let unexpected = check
            .response
            .as_ref()
            .is_some_and(|r| !check.expected_statuses.contains(&r.status));
        if unexpected && !check.expected_statuses.is_empty() {
            let expected: Vec<String> =
                check.expected_statuses.iter().map(u16::to_string).collect();
            out.push_str(&format!("; expected {}", expected.join(" or ")));
        }
        out.push('\n');
    }
    for failure in &check.failures {
        let label = failure
            .check
            .clone()
            .unwrap_or_else(|| format!("{:?}", failure.kind).to_ascii_lowercase());
        out.push_str(&format!("  - [{label}] {}\n", failure.message));
        if let Some(path) = &failure.instance_path {
            let shown = if path.is_empty() {
                "(the whole body)"
            } else {
                path
            };
            out.push_str(&format!("      instance: {shown}\n"));
        }
        if let (Some(keyword), Some(location)) = (&failure.keyword, &failure.keyword_location) {
            out.push_str(&format!("      keyword:  {keyword} at {location}\n"));
        }
    }
    if let Some(response) = &check.response {
        out.push_str(&body_lines(response, "  "));
    }
    if let Some(curl) = &check.curl {
        out.push_str("  reproduce:\n");
        out.push_str(&format!("    {curl}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let mut report = Report::new("live", "http://127.0.0.1:1", "Doc 1.0");
        report.redact("s3cret-token");
        let mut passed = Check::new("list connections", Some("retrieveConnections"));
        passed.request = Some(RequestSummary {
            method: "GET".into(),
            url: "http://127.0.0.1:1/v2/connections".into(),
        });
        passed.response = Some(ResponseSummary {
            status: 200,
            content_type: Some("application/json".into()),
            body_excerpt: "{}".into(),
        });
        report.push(passed.finish(Duration::from_millis(3)));
        let mut failed = Check::new("retrieve <it> & \"check\"", Some("retrieveConnection"));
        failed.failures.push(Failure::value(
            "/name",
            "the server echoed s3cret-token in its body",
        ));
        failed.curl = Some("curl -H \"Authorization: Bearer $CONNECTIONS_TOKEN\"".into());
        report.push(failed.finish(Duration::from_millis(1)));
        report.push(Check::skipped(
            "test",
            Some("testConnection"),
            "no connection",
        ));
        report
    }

    #[test]
    fn counts_follow_the_checks() {
        let report = sample();
        assert_eq!(
            report.summary,
            Summary {
                total: 3,
                passed: 1,
                failed: 1,
                skipped: 1
            }
        );
        assert!(!report.passed());
    }

    #[test]
    fn no_rendering_shows_the_token() {
        let report = sample();
        for format in [Format::Human, Format::Json, Format::Junit] {
            let text = report.render(format);
            assert!(!text.contains("s3cret-token"), "{format:?}: {text}");
            assert!(text.contains(REDACTED_TOKEN), "{format:?}: {text}");
        }
    }

    #[test]
    fn a_client_secret_is_redacted_by_name_even_inside_another_secret() {
        let mut report = Report::new("live", "http://127.0.0.1:1", "Doc 1.0");
        // The shorter secret is registered first and is part of the longer.
        report.redact_as("abc", REDACTED_CLIENT_SECRET);
        report.redact("xabcx-token");
        let mut check = Check::new("list connections", Some("retrieveConnections"));
        check
            .failures
            .push(Failure::value("/name", "echoed xabcx-token and abc"));
        report.push(check.finish(Duration::from_millis(1)));
        for format in [Format::Human, Format::Json, Format::Junit] {
            let text = report.render(format);
            assert!(!text.contains("abc"), "{format:?}: {text}");
            assert!(
                text.contains("echoed $CONNECTIONS_TOKEN and $CONNECTIONS_CLIENT_SECRET"),
                "{format:?}: {text}"
            );
        }
    }

    #[test]
    fn a_short_token_is_redacted_where_it_stands_alone_not_inside_words() {
        // `conformance live --token t` against a sandbox printed
        // `crea$CONNECTIONS_TOKENeConnec$CONNECTIONS_TOKENion`.
        let secrets = [("t".to_string(), REDACTED_TOKEN)];
        assert_eq!(
            scrub(
                "createConnection: /connectionTimeout = 2147483648",
                &secrets
            ),
            "createConnection: /connectionTimeout = 2147483648"
        );
        assert_eq!(
            scrub(r#"curl -H "Authorization: Bearer t" http://h/t"#, &secrets),
            r#"curl -H "Authorization: Bearer $CONNECTIONS_TOKEN" http://h/t"#
        );
        assert_eq!(
            scrub(r#"{"echo":"t","tt":"t t"}"#, &secrets),
            r#"{"echo":"$CONNECTIONS_TOKEN","tt":"$CONNECTIONS_TOKEN $CONNECTIONS_TOKEN"}"#
        );
        assert_eq!(
            scrub("token=t&x=1", &secrets),
            "token=$CONNECTIONS_TOKEN&x=1"
        );
        // A long one goes wherever it is, glued to other text or not.
        let long = "eyJhbGciOiJIUzI1NiJ9.payload.sig";
        let secrets = [(long.to_string(), REDACTED_TOKEN)];
        assert_eq!(
            scrub(&format!("Bearer{long}x and {long}"), &secrets),
            "Bearer$CONNECTIONS_TOKENx and $CONNECTIONS_TOKEN"
        );
        // Multi-byte text around a short secret.
        let secrets = [("ab".to_string(), REDACTED_TOKEN)];
        assert_eq!(
            scrub("é ab éab ab", &secrets),
            "é $CONNECTIONS_TOKEN éab $CONNECTIONS_TOKEN"
        );
    }

    #[test]
    fn json_has_stable_field_names() {
        let value: serde_json::Value =
            serde_json::from_str(&sample().render(Format::Json)).unwrap();
        assert_eq!(value["format_version"], 1);
        assert_eq!(value["summary"]["failed"], 1);
        assert_eq!(value["checks"][1]["outcome"], "failed");
        assert_eq!(value["checks"][1]["failures"][0]["kind"], "value");
        assert_eq!(value["checks"][1]["failures"][0]["instance_path"], "/name");
        assert_eq!(value["checks"][0]["response"]["status"], 200);
        assert_eq!(value["checks"][2]["skipped_reason"], "no connection");
    }

    #[test]
    fn junit_is_escaped_xml_with_one_case_per_check() {
        let xml = sample().render(Format::Junit);
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
        assert!(
            xml.contains("retrieve &lt;it&gt; &amp; &quot;check&quot;"),
            "{xml}"
        );
        assert!(xml.contains("<failure"), "{xml}");
        assert!(xml.contains("<skipped"), "{xml}");
        assert!(xml.contains("tests=\"3\""), "{xml}");
    }

    #[test]
    fn human_lines_mark_and_explain() {
        let report = sample();
        assert!(progress_line(&report.checks[0]).starts_with("✓ retrieveConnections: "));
        assert!(progress_line(&report.checks[0]).contains("GET /v2/connections → 200"));
        assert!(progress_line(&report.checks[1]).starts_with("✗ "));
        let human = report.render(Format::Human);
        assert!(human.contains("1 passed, 1 failed, 1 skipped"), "{human}");
        assert!(human.contains("instance: /name"), "{human}");
    }

    #[test]
    fn a_secret_is_redacted_in_every_spelling_and_before_a_cut() {
        let secrets = Redactor::default();
        let secret = "tok\"en&<with> 'quotes-0123456789";
        secrets.add(secret, REDACTED_TOKEN);
        let json = serde_json::Value::from(secret).to_string();
        let twice = serde_json::Value::from(json.clone()).to_string();
        let xml = "tok&quot;en&amp;&lt;with&gt; &apos;quotes-0123456789";
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        for spelled in [secret.to_string(), json, twice, xml.to_string(), form] {
            let scrubbed = secrets.scrub(&format!("echo: {spelled}."));
            assert!(!scrubbed.contains("quotes-0123"), "{spelled} -> {scrubbed}");
            assert!(scrubbed.contains(REDACTED_TOKEN), "{scrubbed}");
        }
        // Across the cut: redacted whole, then cut.
        let text = format!("{}{secret}", "x".repeat(10));
        let (kept, cut) = secrets.scrub_prefix(&text, 20);
        assert!(cut);
        assert!(!kept.contains("tok\"en"), "{kept}");
        assert_eq!(kept.len(), 20);
        assert_eq!(
            secrets.scrub_prefix("short", 20),
            ("short".to_string(), false)
        );
    }
}
