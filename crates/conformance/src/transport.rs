//! The one transport of a run: every request of the live suite, the
//! preflight and the token request go through it. It holds the HTTP
//! client (a timeout per request, no redirects), the token, the cap on
//! what is read of a body, and the HAR sink that records each exchange.

use std::time::{Duration, Instant};

use connections_client::auth::{AccessToken, ClientCredentials, TokenProvider};
use reqwest::header;
use url::Url;

use crate::{
    error::LiveError,
    exchange::{Credentials, Planned, Received},
    har::Har,
    preflight::TokenOrigin,
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

/// Sends requests with the run's token and records them.
pub(crate) struct Transport {
    client: reqwest::Client,
    token: String,
    /// Every exchange, when `--har` asks for them.
    har: Option<Har>,
    /// Whether any request got an HTTP answer (before that, a transport
    /// error means the server cannot be reached at all).
    answered_once: bool,
}

impl Transport {
    /// A transport with `timeout` per request; `har` keeps every exchange.
    pub(crate) fn new(timeout: Duration, token: &str, har: bool) -> Result<Self, LiveError> {
        Ok(Self {
            client: http_client(timeout)?,
            token: token.to_string(),
            har: har.then(Har::new),
            answered_once: false,
        })
    }

    /// The exchanges recorded, when they are.
    pub(crate) fn har(&self) -> Option<&Har> {
        self.har.as_ref()
    }

    /// One authenticated `GET` of the collection before any case: a
    /// refused token or a server that is not this API ends the run (see
    /// [`crate::preflight`]). It is not a case: no check, no HAR entry.
    pub(crate) async fn preflight(
        &mut self,
        url: &Url,
        token: &TokenOrigin,
    ) -> Result<(), LiveError> {
        let sent = self
            .client
            .get(url.clone())
            .header(header::ACCEPT, "application/json")
            .bearer_auth(&self.token)
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

    /// Sends a request (recording it for the HAR file); `Err(reason)`
    /// inside when no HTTP answer came, `Err` outside when no request ever
    /// got one (the server cannot be reached).
    pub(crate) async fn send(
        &mut self,
        planned: &Planned,
    ) -> Result<Result<Received, String>, LiveError> {
        let started = chrono::Utc::now();
        let timer = Instant::now();
        let mut request = self
            .client
            .request(planned.method.clone(), planned.url.clone())
            .header(header::ACCEPT, "application/json");
        match &planned.credentials {
            Credentials::Token => request = request.bearer_auth(&self.token),
            Credentials::Wrong(token) => request = request.bearer_auth(token),
            Credentials::Missing => {}
        }
        if let Some(body) = &planned.body {
            request = request
                .header(header::CONTENT_TYPE, body.content_type)
                .body(body.text.clone());
        }
        let received = match request.send().await {
            Ok(response) => read_response(response).await,
            Err(error) => Err(describe_transport_error(&error)),
        };
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
