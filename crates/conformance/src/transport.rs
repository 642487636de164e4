//! The one transport of a run: every request of the live suite, the
//! preflight and the token request go through it. It holds the HTTP
//! client (a timeout per request, no redirects), the token, the cap on
//! what is read of a body, and the HAR sink that records each exchange.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use connections_client::{
    auth::{AccessToken, ClientCredentials, TokenProvider},
    parse_retry_after,
};
use reqwest::header;
use url::Url;

use crate::{
    config::UNANSWERED_IN_A_ROW,
    error::LiveError,
    exchange::{Credentials, Planned, Received},
    har::HarFile,
    preflight::TokenOrigin,
    report::{REDACTED_TOKEN, Redactor},
};

/// The largest response body the suite reads.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Obtains an access token with client credentials, by the same flow as
/// `ConnectionsClient` ([`TokenProvider`]: one token request, transient
/// failures retried), each request limited to `timeout`.
pub async fn fetch_access_token(
    credentials: ClientCredentials,
    timeout: Duration,
) -> Result<AccessToken, LiveError> {
    let provider = TokenProvider::new(credentials, http_client(timeout)?);
    Ok(provider.access_token().await?)
}

/// The HTTP client of the suite: `timeout` per request, no redirects.
fn http_client(timeout: Duration) -> Result<reqwest::Client, LiveError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "connections-conformance/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| LiveError::Client(e.to_string()))
}

/// Where the run's token comes from.
#[derive(Clone, Debug)]
pub(crate) enum TokenSource {
    /// A fixed token (`--token`, `CONNECTIONS_TOKEN`).
    Fixed(String),
    /// Client credentials: renewed before it expires and once when the
    /// server refuses it.
    Renewed(Arc<TokenProvider>),
}

impl TokenSource {
    /// The source a run's configuration gives.
    pub(crate) fn of(config: &crate::config::LiveConfig) -> Self {
        match &config.token_provider {
            Some(provider) => Self::Renewed(provider.clone()),
            None => Self::Fixed(config.token.clone()),
        }
    }
}

/// Builds the token provider of a run with client credentials: its token
/// requests have the run's timeout and no redirects.
pub fn token_provider(
    credentials: ClientCredentials,
    timeout: Duration,
) -> Result<Arc<TokenProvider>, LiveError> {
    Ok(Arc::new(TokenProvider::new(
        credentials,
        http_client(timeout)?,
    )))
}

/// How often a throttled request (429, or 503 with `Retry-After`) is sent
/// again before the run gives up on it.
pub const MAX_THROTTLED_RESENDS: u32 = 5;

/// The longest wait a `Retry-After` may ask for; a longer one ends the
/// re-sends of that request.
pub const MAX_THROTTLE_WAIT: Duration = Duration::from_secs(60);

/// What sending one planned request came to.
#[derive(Debug)]
pub(crate) struct Sent {
    /// The answer, or why none came.
    pub(crate) received: Result<Received, String>,
    /// From the first byte sent to the last one read.
    pub(crate) elapsed: Duration,
    /// Whether the answer is still "slow down" after every re-send the
    /// bounds allow: not the server's fault, not judged.
    pub(crate) still_throttled: bool,
}

/// At most one request every `interval`, whatever the workers.
#[derive(Debug)]
struct RateLimit {
    interval: Duration,
    next: std::sync::Mutex<tokio::time::Instant>,
}

impl RateLimit {
    /// Waits for this request's slot.
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = tokio::time::Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Sends requests with the run's token and records them. It is shared by
/// the workers: everything it keeps is behind a lock or atomic.
pub(crate) struct Transport {
    client: reqwest::Client,
    token: TokenSource,
    /// Every token used is added here, so that every output redacts it.
    secrets: Redactor,
    /// A token obtained because the server refused the one before: if the
    /// server refuses it too, it is not renewed again (the refusal is the
    /// server's answer, and a finding).
    renewed_after_refusal: std::sync::Mutex<Option<AccessToken>>,
    /// Token requests already made when the run started.
    requests_before: u64,
    /// `--rate-limit`.
    rate: Option<RateLimit>,
    /// Answers that said "slow down" and were waited for.
    throttled: AtomicU64,
    /// The archive of every exchange, when `--har` asks for one (taken
    /// when the run finishes).
    har: std::sync::Mutex<Option<HarFile>>,
    /// Whether any request got an HTTP answer (before that, a transport
    /// error means the server cannot be reached at all).
    answered_once: AtomicBool,
    /// Requests in a row that got no answer, in the order they ended.
    unanswered: std::sync::atomic::AtomicUsize,
    /// When the last answer came (or the transport was made).
    last_answer: std::sync::Mutex<Instant>,
    /// The time one request may take.
    timeout: Duration,
    /// Set once the server stopped answering (see [`Transport::stalled`]).
    stalled: tokio::sync::watch::Sender<Option<String>>,
}

impl Transport {
    /// A transport with `timeout` per request, at most `rate_limit`
    /// requests a second; `har` is where every exchange is archived.
    pub(crate) fn new(
        timeout: Duration,
        token: TokenSource,
        secrets: Redactor,
        rate_limit: Option<f64>,
        har: Option<std::path::PathBuf>,
    ) -> Result<Self, LiveError> {
        let requests_before = match &token {
            TokenSource::Renewed(provider) => provider.token_requests(),
            TokenSource::Fixed(_) => 0,
        };
        let rate = rate_limit
            .filter(|per_second| per_second.is_finite() && *per_second > 0.0)
            .map(|per_second| RateLimit {
                interval: Duration::from_secs_f64(1.0 / per_second),
                next: std::sync::Mutex::new(tokio::time::Instant::now()),
            });
        Ok(Self {
            client: http_client(timeout)?,
            token,
            renewed_after_refusal: std::sync::Mutex::new(None),
            requests_before,
            rate,
            throttled: AtomicU64::new(0),
            har: std::sync::Mutex::new(har.map(|path| HarFile::new(path, secrets.clone()))),
            secrets,
            answered_once: AtomicBool::new(false),
            unanswered: std::sync::atomic::AtomicUsize::new(0),
            last_answer: std::sync::Mutex::new(Instant::now()),
            timeout,
            stalled: tokio::sync::watch::Sender::new(None),
        })
    }

    /// Counts answers and their absence: the server stopped answering once
    /// [`UNANSWERED_IN_A_ROW`] requests in a row got none, or three did and
    /// no answer came for three `--timeout`s (one case at a time, sixteen
    /// timeouts would be minutes).
    fn note_answer(&self, answered: bool) {
        let mut last_answer = self.last_answer.lock().unwrap_or_else(|p| p.into_inner());
        if answered {
            self.answered_once.store(true, Ordering::Relaxed);
            self.unanswered.store(0, Ordering::Relaxed);
            *last_answer = Instant::now();
            return;
        }
        let in_a_row = self.unanswered.fetch_add(1, Ordering::Relaxed) + 1;
        let silent = last_answer.elapsed() >= self.timeout * 3;
        if in_a_row >= UNANSWERED_IN_A_ROW || (in_a_row >= 3 && silent) {
            let reason = format!(
                "the server stopped answering: {in_a_row} requests in a row got no answer, \
                 none came for {} s",
                last_answer.elapsed().as_secs()
            );
            self.stalled.send_if_modified(|stalled| {
                stalled.get_or_insert(reason);
                true
            });
        }
    }

    /// Says why once the server stopped answering (see
    /// [`Transport::note_answer`]).
    pub(crate) fn stalled(&self) -> tokio::sync::watch::Receiver<Option<String>> {
        self.stalled.subscribe()
    }

    /// Closes the archive, when there is one: how many exchanges it holds
    /// and where.
    pub(crate) fn finish_har(&self) -> Option<std::io::Result<(usize, std::path::PathBuf)>> {
        let har = self.har.lock().unwrap_or_else(|p| p.into_inner()).take();
        har.map(HarFile::finish)
    }

    /// How many tokens were requested since the run started (renewals).
    pub(crate) fn renewals(&self) -> u64 {
        match &self.token {
            TokenSource::Renewed(provider) => provider
                .token_requests()
                .saturating_sub(self.requests_before),
            TokenSource::Fixed(_) => 0,
        }
    }

    /// How many answers said "slow down" and were waited for.
    pub(crate) fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// The token to send now (a renewed one is added to the secrets).
    async fn bearer(&self) -> Result<(String, Option<AccessToken>), LiveError> {
        match &self.token {
            TokenSource::Fixed(token) => Ok((token.clone(), None)),
            TokenSource::Renewed(provider) => {
                let token = provider.access_token().await?;
                self.secrets.add(token.secret(), REDACTED_TOKEN);
                Ok((token.secret().to_string(), Some(token)))
            }
        }
    }

    /// One authenticated `GET` of the collection before any case: a
    /// refused token or a server that is not this API ends the run (see
    /// [`crate::preflight`]). It is not a case: no check, no HAR entry.
    pub(crate) async fn preflight(&self, url: &Url, token: &TokenOrigin) -> Result<(), LiveError> {
        let (bearer, _) = self.bearer().await?;
        let sent = self
            .client
            .get(url.clone())
            .header(header::ACCEPT, "application/json")
            .bearer_auth(&bearer)
            .send()
            .await;
        let received = match sent {
            Ok(response) => read_response(response).await,
            Err(error) => Err(describe_transport_error(&error)),
        };
        let received = received.map_err(|reason| LiveError::Unreachable {
            url: url.to_string(),
            reason,
        })?;
        crate::preflight::judge(
            &crate::preflight::Answer {
                url: url.as_str(),
                status: received.status,
                content_type: received.content_type.as_deref(),
                location: received.header("location"),
                body: &received.text,
            },
            token,
        )?;
        self.answered_once.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Sends a request once (after its rate-limit slot).
    async fn send_once(&self, planned: &Planned, bearer: Option<&str>) -> Result<Received, String> {
        if let Some(rate) = &self.rate {
            rate.wait().await;
        }
        let mut request = self
            .client
            .request(planned.method.clone(), planned.url.clone())
            .header(header::ACCEPT, "application/json");
        match (&planned.credentials, bearer) {
            (Credentials::Token, Some(token)) => request = request.bearer_auth(token),
            (Credentials::Wrong(token), _) => request = request.bearer_auth(token),
            (Credentials::Token | Credentials::Missing, _) => {}
        }
        if let Some(body) = &planned.body {
            request = request
                .header(header::CONTENT_TYPE, body.content_type)
                .body(body.text.clone());
        }
        match request.send().await {
            Ok(response) => read_response(response).await,
            Err(error) => Err(describe_transport_error(&error)),
        }
    }

    /// Sends a request with the run's token when it asks for it: a 401 to
    /// a token from client credentials renews it once and sends again.
    async fn send_authenticated(
        &self,
        planned: &Planned,
    ) -> Result<Result<Received, String>, LiveError> {
        let with_token = planned.credentials == Credentials::Token;
        let (bearer, used) = if with_token {
            let (bearer, used) = self.bearer().await?;
            (Some(bearer), used)
        } else {
            (None, None)
        };
        let received = self.send_once(planned, bearer.as_deref()).await;
        let (Ok(answer), TokenSource::Renewed(provider), Some(token)) =
            (&received, &self.token, &used)
        else {
            return Ok(received);
        };
        let refused_before = {
            let renewed = self
                .renewed_after_refusal
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            renewed.as_ref() == Some(token)
        };
        if answer.status != 401 || refused_before {
            return Ok(received);
        }
        provider.refuse(token);
        let (renewed, fresh) = self.bearer().await?;
        *self
            .renewed_after_refusal
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(self.send_once(planned, Some(&renewed)).await)
    }

    /// Sends a request (recording it for the HAR file). An answer that
    /// says "slow down" (429, or 503 with `Retry-After`) is waited for and
    /// the request sent again, at most [`MAX_THROTTLED_RESENDS`] times and
    /// never longer than [`MAX_THROTTLE_WAIT`] at once. `Err` when no
    /// request ever got an answer (the server cannot be reached) or no
    /// token could be had.
    pub(crate) async fn send(&self, planned: &Planned) -> Result<Sent, LiveError> {
        let started = chrono::Utc::now();
        let timer = Instant::now();
        let mut resends = 0;
        let (received, still_throttled) = loop {
            let received = self.send_authenticated(planned).await?;
            let Some(wait) = received.as_ref().ok().and_then(throttle_wait) else {
                break (received, false);
            };
            if resends == MAX_THROTTLED_RESENDS || wait > MAX_THROTTLE_WAIT {
                break (received, true);
            }
            self.throttled.fetch_add(1, Ordering::Relaxed);
            resends += 1;
            tokio::time::sleep(wait).await;
        };
        let elapsed = timer.elapsed();
        if let Some(har) = self.har.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            har.push(planned, received.as_ref().ok(), started, elapsed);
        }
        self.note_answer(received.is_ok());
        match &received {
            Ok(_) => {}
            Err(reason) if !self.answered_once.load(Ordering::Relaxed) => {
                return Err(LiveError::Unreachable {
                    url: planned.url.to_string(),
                    reason: reason.clone(),
                });
            }
            Err(_) => {}
        }
        Ok(Sent {
            received,
            elapsed,
            still_throttled,
        })
    }
}

/// How long an answer asks to wait before the request is sent again: a
/// 429 or a 503 with `Retry-After` (seconds or an HTTP date; a 429 without
/// one waits a second). `None` for any other answer.
fn throttle_wait(received: &Received) -> Option<Duration> {
    let asked = received
        .header("retry-after")
        .and_then(|value| parse_retry_after(value, std::time::SystemTime::now()));
    match (received.status, asked) {
        (429, asked) => Some(asked.unwrap_or(Duration::from_secs(1))),
        (503, Some(asked)) => Some(asked),
        _ => None,
    }
}

/// Reads status, headers and body (at most [`MAX_BODY_BYTES`]).
async fn read_response(mut response: reqwest::Response) -> Result<Received, String> {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    // One buffer of the announced size (up to the cap), and no copy of it
    // when it is UTF-8.
    let announced = response.content_length().unwrap_or(0);
    let mut bytes = Vec::with_capacity(
        usize::try_from(announced)
            .unwrap_or(0)
            .min(MAX_BODY_BYTES + 1),
    );
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_BODY_BYTES {
                    return Err(format!(
                        "the {status} body is larger than {MAX_BODY_BYTES} bytes"
                    ));
                }
            }
            Ok(None) => break,
            Err(error) => return Err(describe_transport_error(&error)),
        }
    }
    Ok(Received {
        status,
        content_type,
        headers,
        text: String::from_utf8(bytes)
            .unwrap_or_else(|not_utf8| String::from_utf8_lossy(not_utf8.as_bytes()).into_owned()),
    })
}

fn describe_transport_error(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
