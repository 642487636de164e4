//! The one transport of a run: every request of the live suite, the
//! preflight and the token request go through it. It holds the HTTP
//! client (a timeout per request, no redirects), the token, the cap on
//! what is read of a body, and the HAR sink that records each exchange.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use connections_client::auth::{AccessToken, ClientCredentials, TokenProvider};
use reqwest::header;
use url::Url;

use crate::{
    error::LiveError,
    exchange::{Credentials, Planned, Received},
    har::Har,
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

/// Sends requests with the run's token and records them.
pub(crate) struct Transport {
    client: reqwest::Client,
    token: TokenSource,
    /// Every token used is added here, so that every output redacts it.
    secrets: Redactor,
    /// A token obtained because the server refused the one before: if the
    /// server refuses it too, it is not renewed again (the refusal is the
    /// server's answer, and a finding).
    renewed_after_refusal: Option<AccessToken>,
    /// Token requests already made when the run started.
    requests_before: u64,
    /// Every exchange, when `--har` asks for them.
    har: Option<Har>,
    /// Whether any request got an HTTP answer (before that, a transport
    /// error means the server cannot be reached at all).
    answered_once: bool,
}

impl Transport {
    /// A transport with `timeout` per request; `har` keeps every exchange.
    pub(crate) fn new(
        timeout: Duration,
        token: TokenSource,
        secrets: Redactor,
        har: bool,
    ) -> Result<Self, LiveError> {
        let requests_before = match &token {
            TokenSource::Renewed(provider) => provider.token_requests(),
            TokenSource::Fixed(_) => 0,
        };
        Ok(Self {
            client: http_client(timeout)?,
            token,
            secrets,
            renewed_after_refusal: None,
            requests_before,
            har: har.then(Har::new),
            answered_once: false,
        })
    }

    /// The exchanges recorded, when they are.
    pub(crate) fn har(&self) -> Option<&Har> {
        self.har.as_ref()
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
    pub(crate) async fn preflight(
        &mut self,
        url: &Url,
        token: &TokenOrigin,
    ) -> Result<(), LiveError> {
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
        self.answered_once = true;
        Ok(())
    }

    /// Sends a request once.
    async fn send_once(&self, planned: &Planned, bearer: Option<&str>) -> Result<Received, String> {
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

    /// Sends a request (recording it for the HAR file); `Err(reason)`
    /// inside when no HTTP answer came, `Err` outside when no request ever
    /// got one (the server cannot be reached) or no token could be had.
    /// With client credentials, a 401 to the run's token renews it once
    /// and sends the request again.
    pub(crate) async fn send(
        &mut self,
        planned: &Planned,
    ) -> Result<Result<Received, String>, LiveError> {
        let started = chrono::Utc::now();
        let timer = Instant::now();
        let with_token = planned.credentials == Credentials::Token;
        let (bearer, used) = if with_token {
            let (bearer, used) = self.bearer().await?;
            (Some(bearer), used)
        } else {
            (None, None)
        };
        let mut received = self.send_once(planned, bearer.as_deref()).await;
        if let (Ok(answer), TokenSource::Renewed(provider), Some(token)) =
            (&received, &self.token, &used)
            && answer.status == 401
            && self.renewed_after_refusal.as_ref() != Some(token)
        {
            provider.refuse(token);
            let (renewed, fresh) = self.bearer().await?;
            self.renewed_after_refusal = fresh;
            received = self.send_once(planned, Some(&renewed)).await;
        }
        if let Some(har) = &mut self.har {
            har.push(planned, received.as_ref().ok(), started, timer.elapsed());
        }
        match received {
            Ok(received) => {
                self.answered_once = true;
                Ok(Ok(received))
            }
            Err(reason) if !self.answered_once => Err(LiveError::Unreachable {
                url: planned.url.to_string(),
                reason,
            }),
            Err(reason) => Ok(Err(reason)),
        }
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
    let mut bytes = Vec::new();
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
        text: String::from_utf8_lossy(&bytes).into_owned(),
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
