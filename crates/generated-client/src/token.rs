//! Building the generated client from a base URL and a fixed access token.

use crate::{
    BuildError, Client, RequestPolicy,
    builder::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, bearer_header, parse_base_url},
    hooks::TokenSource,
};

impl Client {
    /// A client for `base_url` that sends `Authorization: Bearer <token>`
    /// with every request, over rustls, with the default timeouts and
    /// retries. The token is used as given and never renewed: for tokens
    /// fetched and renewed from client credentials, use
    /// [`ConnectionsClient::builder`](crate::ConnectionsClient::builder).
    pub fn with_bearer_token(base_url: &str, token: &str) -> Result<Self, BuildError> {
        let base_url = parse_base_url(base_url)?;
        let header = bearer_header(token)?;
        let http = reqwest::Client::builder()
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .timeout(DEFAULT_REQUEST_TIMEOUT)
            .build()
            .map_err(BuildError::Http)?;
        let policy = RequestPolicy {
            token_source: TokenSource::AccessToken(header),
            ..RequestPolicy::default()
        };
        Ok(Self::new_with_client(&base_url, http, policy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs_are_clear_errors() {
        assert!(matches!(
            Client::with_bearer_token("api.example", "t"),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        let err = Client::with_bearer_token("http://127.0.0.1:1", "bad\ntoken").unwrap_err();
        assert!(matches!(err, BuildError::InvalidToken));
        assert!(err.to_string().contains("access token"));
    }

    #[test]
    fn the_base_url_loses_its_trailing_slash() {
        let client = Client::with_bearer_token("http://127.0.0.1:1/", "t").unwrap();
        assert_eq!(client.baseurl, "http://127.0.0.1:1");
    }
}
