//! Building a [`ConnectionsClient`]: where the API is, how to authenticate,
//! timeouts and retries; from code or from environment variables.

use std::{sync::Arc, time::Duration};

use reqwest::{Url, header::HeaderValue};

use crate::{
    Client, ConnectionsClient, RequestPolicy,
    auth::{ClientCredentials, TokenProvider},
    hooks::TokenSource,
    region::{BaseUrl, Region},
    retry::RetryPolicy,
};

/// How long establishing a connection may take, unless configured.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may take in all, unless configured.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Environment variable: the API base URL.
pub const ENV_BASE_URL: &str = "CONNECTIONS_BASE_URL";
/// Environment variable: a region (`eu`, `us`, `ap`, `jpe`), when no base URL is set.
pub const ENV_REGION: &str = "CONNECTIONS_REGION";
/// Environment variable: the client id (API key).
pub const ENV_CLIENT_ID: &str = "CONNECTIONS_CLIENT_ID";
/// Environment variable: the client secret (API secret).
pub const ENV_CLIENT_SECRET: &str = "CONNECTIONS_CLIENT_SECRET";
/// Environment variable: the token endpoint (optional).
pub const ENV_TOKEN_URL: &str = "CONNECTIONS_TOKEN_URL";
/// Environment variable: the token audience (optional).
pub const ENV_AUDIENCE: &str = "CONNECTIONS_AUDIENCE";
/// Environment variable: a fixed access token, instead of client credentials.
pub const ENV_TOKEN: &str = "CONNECTIONS_TOKEN";

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The token holds characters that cannot appear in an HTTP header.
    #[error("the access token contains characters not allowed in an HTTP header")]
    InvalidToken,
    /// The base URL is not an absolute `http`/`https` URL.
    #[error("`{url}` is not an absolute http(s) base URL: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The token URL is not an absolute `http`/`https` URL.
    #[error("`{url}` is not an absolute http(s) token URL: {reason}")]
    InvalidTokenUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Neither a region nor a base URL was given.
    #[error(
        "no API server: call .region(Region::Eu) (or Us, Ap, Jpe) or .base_url(\"https://...\")"
    )]
    MissingBaseUrl,
    /// Neither client credentials nor an access token was given.
    #[error(
        "no credentials: call .client_credentials(api_key, api_secret) or .access_token(token)"
    )]
    MissingCredentials,
    /// A credential is the empty string.
    #[error("the {0} is empty")]
    EmptyCredential(&'static str),
    /// A token URL or audience was given with a fixed access token.
    #[error(
        "a token URL or audience only applies to client credentials, not to a fixed access token"
    )]
    TokenSettingsWithoutClientCredentials,
    /// A required environment variable is not set.
    #[error("{0}")]
    MissingEnv(String),
    /// An environment variable holds an unusable value.
    #[error("{name}: {reason}")]
    InvalidEnv {
        /// The variable.
        name: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// The HTTP client could not be set up (TLS backend, for example).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// Checks that `url` is an absolute http(s) URL with a host; returns it
/// without a trailing `/`.
pub(crate) fn parse_base_url(url: &str) -> Result<String, BuildError> {
    let invalid = |reason: String| BuildError::InvalidBaseUrl {
        url: url.to_string(),
        reason,
    };
    check_http_url(url).map_err(invalid)?;
    Ok(url.trim().trim_end_matches('/').to_string())
}

fn parse_token_url(url: &str) -> Result<Url, BuildError> {
    check_http_url(url).map_err(|reason| BuildError::InvalidTokenUrl {
        url: url.to_string(),
        reason,
    })
}

fn check_http_url(url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url.trim()).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("the scheme is `{}`", parsed.scheme()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".into());
    }
    Ok(parsed)
}

/// `Bearer <token>`, marked sensitive so it never shows in debug output.
pub(crate) fn bearer_header(token: &str) -> Result<HeaderValue, BuildError> {
    if token.is_empty() {
        return Err(BuildError::EmptyCredential("access token"));
    }
    let mut header =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| BuildError::InvalidToken)?;
    header.set_sensitive(true);
    Ok(header)
}

#[derive(Clone)]
enum Authentication {
    ClientCredentials { id: String, secret: String },
    AccessToken(String),
}

/// Builds a [`ConnectionsClient`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use connections_client::{ConnectionsClient, Region};
///
/// let client = ConnectionsClient::builder()
///     .region(Region::Eu)
///     .client_credentials("<API key>", "<API secret>")
///     .build()?;
/// let page = client.retrieve_connections(None, None).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ConnectionsClientBuilder {
    base_url: Option<BaseUrl>,
    authentication: Option<Authentication>,
    token_url: Option<String>,
    audience: Option<String>,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
}

impl std::fmt::Debug for ConnectionsClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let authentication = match &self.authentication {
            Some(Authentication::ClientCredentials { id, .. }) => {
                format!("client credentials of `{id}`")
            }
            Some(Authentication::AccessToken(_)) => "access token".to_string(),
            None => "none".to_string(),
        };
        f.debug_struct("ConnectionsClientBuilder")
            .field("base_url", &self.base_url)
            .field("authentication", &authentication)
            .field("token_url", &self.token_url)
            .field("audience", &self.audience)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Default for ConnectionsClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            authentication: None,
            token_url: None,
            audience: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

impl ConnectionsClientBuilder {
    /// Talk to a Sitecore region's API server.
    pub fn region(mut self, region: Region) -> Self {
        self.base_url = Some(BaseUrl::Region(region));
        self
    }

    /// Talk to the server at `url` (a sandbox, a proxy): an absolute
    /// `http` or `https` URL, with a path stem if needed.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(BaseUrl::Custom(url.into()));
        self
    }

    /// Authenticate with OAuth 2.0 client credentials: the API key and
    /// secret of the tenant. Tokens are fetched when first needed, cached
    /// until shortly before they expire, and renewed once when the API
    /// refuses one with 401.
    pub fn client_credentials(
        mut self,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Self {
        self.authentication = Some(Authentication::ClientCredentials {
            id: api_key.into(),
            secret: api_secret.into(),
        });
        self
    }

    /// Authenticate with a fixed access token (never renewed).
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.authentication = Some(Authentication::AccessToken(token.into()));
        self
    }

    /// The token endpoint (default: Sitecore's,
    /// [`DEFAULT_TOKEN_URL`](crate::auth::DEFAULT_TOKEN_URL)).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// The audience asked for with client credentials (default:
    /// [`DEFAULT_AUDIENCE`](crate::auth::DEFAULT_AUDIENCE)).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// How long establishing a connection may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take in all, each attempt and the token
    /// request counted alone (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How idempotent operations and the token request are retried
    /// (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Never retry.
    pub fn no_retries(self) -> Self {
        self.retry(RetryPolicy::disabled())
    }

    /// A builder configured from the environment variables
    /// `CONNECTIONS_BASE_URL` (or `CONNECTIONS_REGION`), and either
    /// `CONNECTIONS_TOKEN` or `CONNECTIONS_CLIENT_ID` with
    /// `CONNECTIONS_CLIENT_SECRET` (plus optional `CONNECTIONS_TOKEN_URL`
    /// and `CONNECTIONS_AUDIENCE`). A variable set to the empty string
    /// counts as unset. The error of a missing variable names it.
    pub fn from_env() -> Result<Self, BuildError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, BuildError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let mut builder = Self::default();
        builder = match (get(ENV_BASE_URL), get(ENV_REGION)) {
            (Some(url), _) => builder.base_url(url),
            (None, Some(region)) => {
                builder.region(region.parse().map_err(|e: crate::UnknownRegion| {
                    BuildError::InvalidEnv {
                        name: ENV_REGION,
                        reason: e.to_string(),
                    }
                })?)
            }
            (None, None) => {
                return Err(BuildError::MissingEnv(format!(
                    "set {ENV_BASE_URL} to the API base URL (e.g. {} or a sandbox's http://127.0.0.1:PORT), or {ENV_REGION} to eu, us, ap or jpe",
                    Region::Eu.base_url()
                )));
            }
        };
        builder = match (get(ENV_TOKEN), get(ENV_CLIENT_ID), get(ENV_CLIENT_SECRET)) {
            (Some(token), None, None) => builder.access_token(token),
            (Some(_), _, _) => {
                return Err(BuildError::InvalidEnv {
                    name: ENV_TOKEN,
                    reason: format!(
                        "set either {ENV_TOKEN} or {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}, not both"
                    ),
                });
            }
            (None, Some(id), Some(secret)) => builder.client_credentials(id, secret),
            (None, Some(_), None) => {
                return Err(BuildError::MissingEnv(format!(
                    "{ENV_CLIENT_ID} is set but {ENV_CLIENT_SECRET} is not: set the API secret too"
                )));
            }
            (None, None, Some(_)) => {
                return Err(BuildError::MissingEnv(format!(
                    "{ENV_CLIENT_SECRET} is set but {ENV_CLIENT_ID} is not: set the API key too"
                )));
            }
            (None, None, None) => {
                return Err(BuildError::MissingEnv(format!(
                    "set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} (the tenant's API key and secret), or {ENV_TOKEN} (an access token)"
                )));
            }
        };
        if let Some(url) = get(ENV_TOKEN_URL) {
            builder = builder.token_url(url);
        }
        if let Some(audience) = get(ENV_AUDIENCE) {
            builder = builder.audience(audience);
        }
        Ok(builder)
    }

    /// Builds the client. Nothing is sent yet: the first token is requested
    /// by the first call.
    pub fn build(self) -> Result<ConnectionsClient, BuildError> {
        let base_url = parse_base_url(self.base_url.ok_or(BuildError::MissingBaseUrl)?.as_str())?;
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(BuildError::Http)?;
        let token_source = match self.authentication.ok_or(BuildError::MissingCredentials)? {
            Authentication::AccessToken(token) => {
                if self.token_url.is_some() || self.audience.is_some() {
                    return Err(BuildError::TokenSettingsWithoutClientCredentials);
                }
                TokenSource::AccessToken(bearer_header(&token)?)
            }
            Authentication::ClientCredentials { id, secret } => {
                if id.is_empty() {
                    return Err(BuildError::EmptyCredential("client id (API key)"));
                }
                if secret.is_empty() {
                    return Err(BuildError::EmptyCredential("client secret (API secret)"));
                }
                let mut credentials = ClientCredentials::new(id, secret);
                if let Some(url) = &self.token_url {
                    credentials = credentials.with_token_url(parse_token_url(url)?);
                }
                if let Some(audience) = self.audience {
                    credentials = credentials.with_audience(audience);
                }
                TokenSource::ClientCredentials(Arc::new(
                    TokenProvider::new(credentials, http.clone()).with_retry(self.retry.clone()),
                ))
            }
        };
        let policy = RequestPolicy {
            token_source,
            retry: self.retry,
        };
        Ok(ConnectionsClient::from_generated(Client::new_with_client(
            &base_url, http, policy,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn missing_pieces_are_named() {
        let err = ConnectionsClient::builder()
            .client_credentials("k", "s")
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::MissingBaseUrl), "{err}");
        assert!(err.to_string().contains(".region("));
        let err = ConnectionsClient::builder()
            .region(Region::Eu)
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::MissingCredentials), "{err}");
        let err = ConnectionsClient::builder()
            .region(Region::Eu)
            .client_credentials("k", "")
            .build()
            .unwrap_err();
        assert_eq!(err.to_string(), "the client secret (API secret) is empty");
        let err = ConnectionsClient::builder()
            .region(Region::Eu)
            .access_token("t")
            .token_url("http://127.0.0.1:1/oauth/token")
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            BuildError::TokenSettingsWithoutClientCredentials
        ));
    }

    #[test]
    fn urls_are_checked() {
        for bad in ["api.example", "ftp://x/", "http://", "not a url"] {
            let err = ConnectionsClient::builder()
                .base_url(bad)
                .access_token("t")
                .build()
                .unwrap_err();
            assert!(
                matches!(err, BuildError::InvalidBaseUrl { .. }),
                "{bad}: {err}"
            );
            assert!(err.to_string().contains(bad), "{err}");
        }
        let err = ConnectionsClient::builder()
            .region(Region::Us)
            .client_credentials("k", "s")
            .token_url("auth.example/token")
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::InvalidTokenUrl { .. }), "{err}");
        let client = ConnectionsClient::builder()
            .base_url("http://127.0.0.1:9/stem/")
            .access_token("t")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9/stem");
        let client = ConnectionsClient::builder()
            .region(Region::Jpe)
            .client_credentials("k", "s")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), Region::Jpe.base_url());
    }

    #[test]
    fn the_environment_configures_a_client() {
        let builder = ConnectionsClientBuilder::from_lookup(env(&[
            (ENV_BASE_URL, "http://127.0.0.1:9"),
            (ENV_CLIENT_ID, "key"),
            (ENV_CLIENT_SECRET, "secret"),
            (ENV_TOKEN_URL, "http://127.0.0.1:9/oauth/token"),
        ]))
        .unwrap();
        let debug = format!("{builder:?}");
        assert!(debug.contains("client credentials of `key`"), "{debug}");
        assert!(!debug.contains("secret\""), "{debug}");
        assert_eq!(builder.build().unwrap().base_url(), "http://127.0.0.1:9");

        let builder =
            ConnectionsClientBuilder::from_lookup(env(&[(ENV_REGION, "US"), (ENV_TOKEN, "token")]))
                .unwrap();
        assert_eq!(builder.build().unwrap().base_url(), Region::Us.base_url());
    }

    #[test]
    fn the_environment_errors_name_the_variable() {
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[], ENV_BASE_URL),
            (&[(ENV_BASE_URL, "  ")], ENV_BASE_URL),
            (&[(ENV_REGION, "mars")], "unknown region `mars`"),
            (&[(ENV_REGION, "eu")], ENV_CLIENT_ID),
            (
                &[(ENV_REGION, "eu"), (ENV_CLIENT_ID, "k")],
                "CONNECTIONS_CLIENT_ID is set but CONNECTIONS_CLIENT_SECRET is not",
            ),
            (
                &[
                    (ENV_REGION, "eu"),
                    (ENV_TOKEN, "t"),
                    (ENV_CLIENT_SECRET, "s"),
                ],
                "not both",
            ),
        ];
        for (pairs, expected) in cases {
            let err = ConnectionsClientBuilder::from_lookup(env(pairs)).unwrap_err();
            assert!(err.to_string().contains(expected), "{pairs:?}: {err}");
        }
        let err = ConnectionsClientBuilder::from_lookup(env(&[
            (ENV_REGION, "eu"),
            (ENV_CLIENT_SECRET, "s"),
        ]))
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("CONNECTIONS_CLIENT_SECRET is set but CONNECTIONS_CLIENT_ID is not"),
            "{err}"
        );
    }
}
