//! Access tokens: OAuth 2.0 client credentials as Sitecore issues them, a
//! cache that keeps a token until shortly before it expires, and one
//! refresh at a time however many tasks share the client.
//!
//! [`TokenProvider`] is what [`ConnectionsClient`](crate::ConnectionsClient)
//! uses; it is public so that other tools (the conformance suite, scripts)
//! obtain tokens exactly as the client does.
//!
//! The token request is `POST <token URL>` with the form fields
//! `client_id`, `client_secret`, `grant_type=client_credentials` and
//! `audience`; the answer carries `access_token`, `expires_in`,
//! `token_type` and `scope`.

use std::{
    fmt,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::{StatusCode, Url, header::HeaderValue};
use serde::Deserialize;

use crate::retry::{self, RetryPolicy};

/// Sitecore's token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://auth.sitecorecloud.io/oauth/token";
/// The audience of the Sitecore Cloud APIs.
pub const DEFAULT_AUDIENCE: &str = "https://api.sitecorecloud.io";

/// The longest margin before expiry at which a cached token is renewed.
const MAX_RENEWAL_MARGIN: Duration = Duration::from_secs(60);

/// Why no access token could be obtained.
///
/// Each variant's message names the token URL and says what to check.
/// The type is cheap to clone: the tasks that waited for one failed token
/// request all receive its error.
#[derive(Clone, Debug, thiserror::Error)]
pub enum TokenError {
    /// The token endpoint answered with an error status (for example
    /// `401 invalid_client` for a wrong client id or secret).
    #[error("token request to {url}: {}: {}", status_and_code(*.status, .error.as_deref(), .description.as_deref()), rejection_hint(*.status, .error.as_deref()))]
    Rejected {
        /// The token URL.
        url: String,
        /// The HTTP status of the answer.
        status: StatusCode,
        /// The OAuth `error` code, when the body had one.
        error: Option<String>,
        /// The OAuth `error_description`, when the body had one.
        description: Option<String>,
    },
    /// The token endpoint could not be reached or did not answer.
    #[error("token request to {url} failed: {reason}: check the token URL and the network")]
    Unreachable {
        /// The token URL.
        url: String,
        /// What went wrong, with its causes.
        reason: String,
        /// The underlying error (its causes are in `reason`).
        error: Arc<reqwest::Error>,
    },
    /// The token endpoint answered with success but without a usable token.
    #[error("token request to {url}: {status} without a usable access token: {problem}")]
    InvalidResponse {
        /// The token URL.
        url: String,
        /// The HTTP status of the answer.
        status: StatusCode,
        /// What is wrong with the answer.
        problem: String,
    },
}

fn status_and_code(status: StatusCode, error: Option<&str>, description: Option<&str>) -> String {
    let mut text = status.as_u16().to_string();
    match error {
        Some(code) => {
            text.push(' ');
            text.push_str(code);
        }
        None => {
            if let Some(reason) = status.canonical_reason() {
                text.push(' ');
                text.push_str(reason);
            }
        }
    }
    if let Some(description) = description.filter(|d| !d.trim().is_empty()) {
        text.push_str(&format!(" ({})", description.trim()));
    }
    text
}

fn rejection_hint(status: StatusCode, error: Option<&str>) -> &'static str {
    match error {
        Some("invalid_client") => "check the client id and secret",
        Some("unauthorized_client") => {
            "this client may not use the client credentials grant: check its settings in Sitecore"
        }
        Some("unsupported_grant_type" | "invalid_grant") => {
            "the endpoint does not accept the client credentials grant: check the token URL"
        }
        Some("invalid_request") => {
            "the endpoint rejected the request: check the token URL and the audience"
        }
        Some("access_denied" | "invalid_scope" | "invalid_target") => {
            "this client may not use this audience: check the audience"
        }
        _ if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN => {
            "check the client id and secret"
        }
        _ if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED => {
            "check the token URL"
        }
        _ if status.is_server_error() => "the token endpoint failed: try again later",
        _ => "check the token URL, the client id and secret, and the audience",
    }
}

/// The settings of the client credentials grant.
#[derive(Clone)]
pub struct ClientCredentials {
    client_id: String,
    client_secret: String,
    token_url: Url,
    audience: String,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("token_url", &self.token_url.as_str())
            .field("audience", &self.audience)
            .finish()
    }
}

impl ClientCredentials {
    /// Credentials for Sitecore's token endpoint and audience.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_url: Url::parse(DEFAULT_TOKEN_URL).expect("the default token URL is a valid URL"),
            audience: DEFAULT_AUDIENCE.to_string(),
        }
    }

    /// The same credentials for another token endpoint (a sandbox, say).
    pub fn with_token_url(mut self, token_url: Url) -> Self {
        self.token_url = token_url;
        self
    }

    /// The same credentials for another audience.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// The client id (the API key).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// The audience asked for.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// `text` (what a token endpoint said) with the client secret replaced
    /// by `[redacted]` in every spelling an endpoint that echoes the
    /// request may use: as sent in the form (`+` or `%20` for a space),
    /// decoded, or escaped as JSON or Rust text.
    pub(crate) fn redact(&self, text: &str) -> String {
        let secret = self.client_secret.as_str();
        if secret.is_empty() {
            return text.to_string();
        }
        let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let quoted = |spelled: String| spelled[1..spelled.len() - 1].to_string();
        let mut spellings = [
            secret.to_string(),
            form.replace('+', "%20"),
            form,
            quoted(serde_json::Value::from(secret).to_string()),
            quoted(format!("{secret:?}")),
        ];
        spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
        spellings.iter().fold(text.to_string(), |text, spelled| {
            text.replace(spelled, "[redacted]")
        })
    }
}

/// An access token, as the token endpoint issued it.
///
/// It is a secret: its `Debug` output is `AccessToken(<redacted>)` and it
/// has no `Display`; [`AccessToken::secret`] gives the token itself, to put
/// in an `Authorization: Bearer` header.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(Arc<str>);

impl AccessToken {
    /// The token itself. Keep it out of logs and reports.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// An access token ready to send, with the number of the token request
/// that produced it (so a 401 can retire exactly that token).
#[derive(Clone, Debug)]
pub(crate) struct BearerToken {
    pub(crate) header: HeaderValue,
    pub(crate) generation: u64,
}

#[derive(Clone, Debug)]
struct CachedToken {
    token: BearerToken,
    access_token: AccessToken,
    /// When to stop using the token; `None` when the endpoint gave no
    /// `expires_in` (the token is then kept until a 401 retires it).
    renew_at: Option<Instant>,
}

impl CachedToken {
    fn is_fresh(&self, now: Instant) -> bool {
        self.renew_at.is_none_or(|at| now < at)
    }
}

#[derive(Debug, Default)]
struct Flight {
    /// How many token requests have been made.
    generation: u64,
    /// The error of the latest token request, if it failed.
    last_failure: Option<TokenError>,
}

/// Fetches, caches and renews access tokens with client credentials.
///
/// Reading a fresh token takes a read lock only. Renewing takes a tokio
/// mutex, so when many tasks find the token missing or expired, one of them
/// asks the endpoint and the others wait for its answer: its token, or its
/// error (they do not ask again, so a wrong secret costs one request).
///
/// A token is kept until 60 s or a tenth of its `expires_in` before it
/// expires (whichever is less). Transient failures of the token endpoint
/// (503, 429, no answer) are retried under a [`RetryPolicy`]. It runs on
/// tokio.
///
/// ```no_run
/// use connections_client::auth::{ClientCredentials, TokenProvider};
///
/// # async fn demo() -> Result<(), connections_client::TokenError> {
/// let provider = TokenProvider::new(ClientCredentials::new("api key", "api secret"), reqwest::Client::new());
/// let token = provider.access_token().await?; // one token request
/// let again = provider.access_token().await?; // the cached token
/// assert_eq!(token, again);
/// # let _ = token.secret();
/// # Ok(())
/// # }
/// ```
pub struct TokenProvider {
    http: reqwest::Client,
    credentials: ClientCredentials,
    retry: RetryPolicy,
    cache: RwLock<Option<CachedToken>>,
    flight: tokio::sync::Mutex<Flight>,
    /// Token requests finished, successful or not (mirrors the flight's
    /// generation, readable without waiting for the mutex).
    finished: AtomicU64,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// The JSON body of a successful token answer.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    token_type: Option<String>,
}

/// The JSON body of a failed token answer (RFC 6749, section 5.2).
#[derive(Deserialize)]
struct TokenRejection {
    error: Option<String>,
    error_description: Option<String>,
}

impl TokenProvider {
    /// A provider that requests tokens for `credentials` with `http` (whose
    /// timeouts apply to each token request), retrying transient failures
    /// of the token endpoint under the default [`RetryPolicy`].
    pub fn new(credentials: ClientCredentials, http: reqwest::Client) -> Self {
        Self {
            http,
            credentials,
            retry: RetryPolicy::default(),
            cache: RwLock::new(None),
            flight: tokio::sync::Mutex::new(Flight::default()),
            finished: AtomicU64::new(0),
        }
    }

    /// The same provider retrying the token endpoint under `retry`
    /// ([`RetryPolicy::disabled`] for a single attempt).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The credentials tokens are requested with.
    pub fn credentials(&self) -> &ClientCredentials {
        &self.credentials
    }

    /// An access token that has not expired: the cached one, or a new one
    /// from the token endpoint. The error names the token URL and says
    /// what to check (for a wrong secret: `401 invalid_client`).
    pub async fn access_token(&self) -> Result<AccessToken, TokenError> {
        self.current().await.map(|cached| cached.access_token)
    }

    fn fresh(&self) -> Option<CachedToken> {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .as_ref()
            .filter(|cached| cached.is_fresh(Instant::now()))
            .cloned()
    }

    /// A token that has not expired, ready to send: the cached one, or a
    /// new one.
    pub(crate) async fn token(&self) -> Result<BearerToken, TokenError> {
        self.current().await.map(|cached| cached.token)
    }

    async fn current(&self) -> Result<CachedToken, TokenError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let finished_before = self.finished.load(Ordering::Acquire);
        let mut flight = self.flight.lock().await;
        // Another task may have renewed the token while this one waited.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        // ...or failed to: its error is this task's answer too.
        if self.finished.load(Ordering::Acquire) != finished_before
            && let Some(error) = &flight.last_failure
        {
            return Err(error.clone());
        }
        flight.generation += 1;
        let generation = flight.generation;
        let outcome = self.request_token(generation).await;
        match &outcome {
            Ok(cached) => {
                *self.cache.write().unwrap_or_else(|p| p.into_inner()) = Some(cached.clone());
                flight.last_failure = None;
            }
            Err(error) => flight.last_failure = Some(error.clone()),
        }
        self.finished.fetch_add(1, Ordering::AcqRel);
        outcome
    }

    /// Forgets `token` when it is the one cached (a server refused it), so
    /// that the next call asks the endpoint for a new one; a newer token,
    /// fetched meanwhile by another task, is kept.
    pub fn refuse(&self, token: &AccessToken) {
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        if cache
            .as_ref()
            .is_some_and(|cached| cached.access_token == *token)
        {
            *cache = None;
        }
    }

    /// How many token requests were made, successful or not.
    pub fn token_requests(&self) -> u64 {
        self.finished.load(Ordering::Acquire)
    }

    /// Forgets the token of request `generation` (the server refused it);
    /// a newer token, fetched meanwhile by another task, is kept.
    pub(crate) fn retire(&self, generation: u64) {
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        if cache
            .as_ref()
            .is_some_and(|cached| cached.token.generation == generation)
        {
            *cache = None;
        }
    }

    async fn request_token(&self, generation: u64) -> Result<CachedToken, TokenError> {
        let url = self.credentials.token_url.as_str().to_string();
        let unreachable = |error: reqwest::Error| TokenError::Unreachable {
            url: url.clone(),
            reason: crate::error::error_chain(&error),
            error: Arc::new(error),
        };
        let request = self
            .http
            .post(self.credentials.token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("client_id", self.credentials.client_id.as_str()),
                ("client_secret", self.credentials.client_secret.as_str()),
                ("grant_type", "client_credentials"),
                ("audience", self.credentials.audience.as_str()),
            ])
            .build()
            .map_err(unreachable)?;
        tracing::debug!(token_url = %url, generation, "requesting an access token");
        let requested_at = Instant::now();
        let response = retry::send(
            &self.http,
            request,
            &self.retry,
            retry::RetryRule::WhenRefusedOrUnanswered,
            "token request",
        )
        .await
        .map_err(unreachable)?;
        let status = response.status();
        let mut response = response;
        let mut body = Vec::new();
        // A token answer is small: an endless or huge one is refused,
        // not read into memory.
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_TOKEN_ANSWER_BYTES {
                return Err(TokenError::InvalidResponse {
                    url,
                    status,
                    problem: format!("the answer is larger than {MAX_TOKEN_ANSWER_BYTES} bytes"),
                });
            }
        }
        if !status.is_success() {
            let rejection = serde_json::from_slice::<TokenRejection>(&body).ok();
            let (error, description) = rejection
                .map(|r| (r.error, r.error_description))
                .unwrap_or_default();
            // An endpoint may echo the request: never show the secret.
            let error = error.map(|text| self.credentials.redact(&text));
            let description = description.map(|text| self.credentials.redact(&text));
            tracing::warn!(token_url = %url, %status, error = error.as_deref(), "token request refused");
            return Err(TokenError::Rejected {
                url,
                status,
                error,
                description,
            });
        }
        let invalid = |problem: String| TokenError::InvalidResponse {
            url: url.clone(),
            status,
            problem: self.credentials.redact(&problem),
        };
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| invalid(format!("the body is not a token answer ({e})")))?;
        if let Some(kind) = &answer.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(invalid(format!(
                "token_type is `{kind}`, this client sends bearer tokens only"
            )));
        }
        if answer.access_token.is_empty() {
            return Err(invalid("access_token is empty".into()));
        }
        let mut header = HeaderValue::from_str(&format!("Bearer {}", answer.access_token))
            .map_err(|_| invalid("access_token holds characters not allowed in a header".into()))?;
        header.set_sensitive(true);
        let renew_at = answer
            .expires_in
            .map(|seconds| requested_at + lifetime_before_renewal(Duration::from_secs(seconds)));
        tracing::debug!(token_url = %url, generation, expires_in = answer.expires_in, "access token received");
        Ok(CachedToken {
            token: BearerToken { header, generation },
            access_token: AccessToken(answer.access_token.into()),
            renew_at,
        })
    }
}

/// The largest token answer read (a token answer is a few hundred bytes).
pub const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// How long a token that lives `lifetime` is used: until 60 s or a tenth of
/// its lifetime before it expires, whichever margin is smaller.
fn lifetime_before_renewal(lifetime: Duration) -> Duration {
    lifetime - (lifetime / 10).min(MAX_RENEWAL_MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_shortly_before_they_expire() {
        assert_eq!(
            lifetime_before_renewal(Duration::from_secs(86_400)),
            Duration::from_secs(86_340)
        );
        assert_eq!(
            lifetime_before_renewal(Duration::from_secs(900)),
            Duration::from_secs(840)
        );
        assert_eq!(
            lifetime_before_renewal(Duration::from_secs(300)),
            Duration::from_secs(270)
        );
        assert_eq!(
            lifetime_before_renewal(Duration::from_secs(1)),
            Duration::from_millis(900)
        );
        assert_eq!(lifetime_before_renewal(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn rejections_say_what_to_check() {
        let wrong_secret = TokenError::Rejected {
            url: DEFAULT_TOKEN_URL.into(),
            status: StatusCode::UNAUTHORIZED,
            error: Some("invalid_client".into()),
            description: None,
        };
        assert_eq!(
            wrong_secret.to_string(),
            "token request to https://auth.sitecorecloud.io/oauth/token: 401 invalid_client: check the client id and secret"
        );
        let no_body = TokenError::Rejected {
            url: "http://127.0.0.1:9/oauth/token".into(),
            status: StatusCode::NOT_FOUND,
            error: None,
            description: None,
        };
        assert_eq!(
            no_body.to_string(),
            "token request to http://127.0.0.1:9/oauth/token: 404 Not Found: check the token URL"
        );
        let described = TokenError::Rejected {
            url: "u".into(),
            status: StatusCode::BAD_REQUEST,
            error: Some("unsupported_grant_type".into()),
            description: Some("only client_credentials".into()),
        };
        assert!(
            described
                .to_string()
                .contains("400 unsupported_grant_type (only client_credentials): the endpoint"),
            "{described}"
        );
    }

    #[test]
    fn the_secret_never_appears_in_debug_output() {
        let credentials = ClientCredentials::new("my-key", "my-secret");
        let debug = format!("{credentials:?}");
        assert!(debug.contains("my-key"));
        assert!(!debug.contains("my-secret"), "{debug}");
        let provider = TokenProvider::new(credentials, reqwest::Client::new());
        assert!(!format!("{provider:?}").contains("my-secret"));
    }

    #[test]
    fn access_tokens_never_appear_in_debug_output() {
        let token = AccessToken("eyJ-the-token".into());
        assert_eq!(token.secret(), "eyJ-the-token");
        assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
        assert!(!format!("{:?}", Some(&token)).contains("eyJ"));
    }

    #[test]
    fn defaults_are_sitecores_endpoint_and_audience() {
        let credentials = ClientCredentials::new("k", "s");
        assert_eq!(credentials.token_url().as_str(), DEFAULT_TOKEN_URL);
        assert_eq!(credentials.audience(), DEFAULT_AUDIENCE);
    }
}
