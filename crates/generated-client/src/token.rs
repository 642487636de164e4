//! Building a client from a base URL and an access token; the regions.

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};

use crate::Client;

/// Why a client could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// The token holds characters that cannot appear in an HTTP header.
    InvalidToken,
    /// The base URL is not an absolute `http`/`https` URL.
    InvalidBaseUrl(String),
    /// The HTTP client could not be set up (TLS backend, for example).
    Http(reqwest::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidToken => {
                f.write_str("the access token contains characters not allowed in an HTTP header")
            }
            Self::InvalidBaseUrl(url) => write!(f, "`{url}` is not an absolute http(s) base URL"),
            Self::Http(e) => write!(f, "cannot build the HTTP client: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Http(e) => Some(e),
            _ => None,
        }
    }
}

/// The regional Sitecore Personalize servers, as listed in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Region {
    /// Europe.
    Eu,
    /// United States.
    Us,
    /// Asia Pacific.
    Ap,
    /// Japan.
    Jpe,
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 4] = [Region::Eu, Region::Us, Region::Ap, Region::Jpe];

    /// The base URL of the region's API server.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Eu => "https://api-engage-eu.sitecorecloud.io",
            Region::Us => "https://api-engage-us.sitecorecloud.io",
            Region::Ap => "https://api-engage-ap.sitecorecloud.io",
            Region::Jpe => "https://api-engage-jpe.sitecorecloud.io",
        }
    }
}

impl Client {
    /// A client for `base_url` that sends `Authorization: Bearer <token>`
    /// and `Accept: application/json` with every request, over rustls.
    pub fn with_bearer_token(base_url: &str, token: &str) -> Result<Self, BuildError> {
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(BuildError::InvalidBaseUrl(base_url.to_string()));
        }
        let mut bearer = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| BuildError::InvalidToken)?;
        bearer.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, bearer);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(std::time::Duration::from_secs(15))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(BuildError::Http)?;
        Ok(Self::new_with_client(base_url.trim_end_matches('/'), http))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_match_the_document_servers() {
        let document: serde_json::Value =
            serde_json::from_str(include_str!("../../../openapi/connections.json")).unwrap();
        let servers: Vec<&str> = document["servers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["url"].as_str())
            .collect();
        for region in Region::ALL {
            assert!(
                servers.contains(&region.base_url()),
                "{region:?} is not a server of the document"
            );
        }
    }

    #[test]
    fn bad_inputs_are_clear_errors() {
        assert!(matches!(
            Client::with_bearer_token("api.example", "t"),
            Err(BuildError::InvalidBaseUrl(_))
        ));
        let err = Client::with_bearer_token("http://127.0.0.1:1", "bad\ntoken").unwrap_err();
        assert!(matches!(err, BuildError::InvalidToken));
        assert!(err.to_string().contains("access token"));
    }
}
