//! What a live run is given: the server, the token, the phases, the
//! checks, the seed and the bounds.

use std::{collections::BTreeSet, path::PathBuf, str::FromStr, sync::Arc, time::Duration};

use connections_client::auth::TokenProvider;

use serde::Serialize;
use url::Url;

use crate::{checks::CheckSelection, preflight::TokenOrigin, report::Verbosity};

/// Independent cases in flight at once when nothing else is said: a
/// remote server (a tenant one network hop and a gateway away) answers in
/// tens of milliseconds, so one case at a time leaves the run waiting;
/// eight keep a gateway busy without looking like a flood (and
/// `--rate-limit` caps tenants with quotas).
pub const DEFAULT_WORKERS: u16 = 8;

/// Requests in a row without an answer (timed out, refused, reset) after
/// which the run stops: the server stopped answering, and each further
/// case would only cost its `--timeout`.
pub const UNANSWERED_IN_A_ROW: usize = 16;

/// Allowed creates a run sends when nothing else is said: the scenario's
/// create, the connection the phases address (when no earlier run left
/// one), a create example, and two coverage cases. The API has no delete:
/// against a tenant every create stays, so a run should add a handful, not
/// the hundred or so that every allowed create case would.
pub const DEFAULT_MAX_CREATES: usize = 5;

/// What the live suite runs against.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    /// The server's base URL (`https://api-engage-eu.sitecorecloud.io`).
    pub base_url: Url,
    /// The bearer token (with client credentials: the first one issued).
    pub token: String,
    /// With client credentials: what renews the token before it expires
    /// and once when the server refuses it (every token it issues is
    /// redacted like the first).
    pub token_provider: Option<Arc<TokenProvider>>,
    /// Where the token came from (what the preflight names when the
    /// server refuses it).
    pub token_origin: TokenOrigin,
    /// Only requests that cannot write.
    pub read_only: bool,
    /// The limit of each request.
    pub timeout: Duration,
    /// How many independent cases are in flight at once.
    pub workers: usize,
    /// At most this many requests a second (`None`: no limit).
    pub rate_limit: Option<f64>,
    /// The run stops after this many findings.
    pub max_failures: Option<usize>,
    /// The run ends cleanly when this much time has passed.
    pub max_time: Option<Duration>,
    /// Turns true when the run is to end now (SIGINT, SIGTERM): the
    /// report of what ran is written and marked incomplete.
    pub interrupt: Option<tokio::sync::watch::Receiver<bool>>,
    /// At most this many allowed creates are sent (the API has no delete);
    /// `None`: no bound (a throwaway server).
    pub max_creates: Option<usize>,
    /// The `request.connectionUrl` of the created connection (what
    /// `testConnection` calls); `None` for the server's own
    /// `/v2/connections`.
    pub probe_url: Option<String>,
    /// The client secret the token was fetched with, if it was: every
    /// rendering writes `$CONNECTIONS_CLIENT_SECRET` in its place.
    pub client_secret: Option<String>,
    /// What runs, which checks are reported, the seed and the bounds.
    pub generative: GenerativeConfig,
    /// How much the progress function is given: a line per phase
    /// (normal), per case (verbose), or nothing (quiet).
    pub verbosity: Verbosity,
}

impl LiveConfig {
    /// A full run against `base_url` with `token`, 30 s per request.
    pub fn new(base_url: Url, token: impl Into<String>) -> Self {
        Self {
            base_url,
            token: token.into(),
            token_provider: None,
            token_origin: TokenOrigin::default(),
            read_only: false,
            timeout: Duration::from_secs(30),
            workers: usize::from(DEFAULT_WORKERS),
            rate_limit: None,
            max_creates: None,
            max_failures: None,
            max_time: None,
            interrupt: None,
            probe_url: None,
            client_secret: None,
            generative: GenerativeConfig::default(),
            verbosity: Verbosity::default(),
        }
    }
}

/// A phase of a live run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Every request example of the document.
    Examples,
    /// Cases derived from the schemas, one constraint at a time.
    Coverage,
    /// The scripted scenario: create, retrieve, list, update, test.
    Stateful,
    /// Random instances of the schemas, allowed and defective, seeded;
    /// each failing one shrunk before it is reported.
    Fuzzing,
}

impl Phase {
    /// Every phase, in the order they run.
    pub const ALL: [Phase; 4] = [
        Phase::Stateful,
        Phase::Examples,
        Phase::Coverage,
        Phase::Fuzzing,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Examples => "examples",
            Self::Coverage => "coverage",
            Self::Stateful => "stateful",
            Self::Fuzzing => "fuzzing",
        }
    }
}

impl FromStr for Phase {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == text)
            .ok_or_else(|| {
                format!(
                    "unknown phase `{text}` (phases: {})",
                    Self::ALL.map(Phase::name).join(", ")
                )
            })
    }
}

/// What a live run does beyond its target: phases, checks, seed, bounds,
/// outputs.
#[derive(Debug, Clone)]
pub struct GenerativeConfig {
    /// The phases that run.
    pub phases: BTreeSet<Phase>,
    /// The checks whose failures are reported.
    pub checks: CheckSelection,
    /// The seed: the same seed against the same server sends the same
    /// requests.
    pub seed: u64,
    /// At most this many coverage cases per operation, and exactly this
    /// many fuzzing cases per operation ([`DEFAULT_FUZZ_CASES`] when unset).
    pub max_cases: Option<usize>,
    /// Where failing cases are written (one JSON file each).
    pub case_dir: Option<PathBuf>,
    /// Where every exchange is written as HAR 1.2.
    pub har: Option<PathBuf>,
    /// The most candidates a failing fuzzed case is shrunk through, once
    /// per finding (0: no shrinking).
    pub max_shrink_steps: usize,
}

impl Default for GenerativeConfig {
    fn default() -> Self {
        Self {
            phases: Phase::ALL.into_iter().collect(),
            checks: CheckSelection::all(),
            seed: crate::generate::rng::fresh_seed(),
            max_cases: None,
            case_dir: None,
            har: None,
            max_shrink_steps: crate::generate::fuzz::DEFAULT_MAX_SHRINK_STEPS,
        }
    }
}

impl GenerativeConfig {
    /// Whether `phase` runs.
    pub fn runs(&self, phase: Phase) -> bool {
        self.phases.contains(&phase)
    }
}

/// Fuzzing cases per operation when `--max-cases` is not given.
pub const DEFAULT_FUZZ_CASES: usize = 20;
