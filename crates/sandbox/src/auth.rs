//! Access tokens: the configured token, tokens issued by the sandbox's
//! OAuth endpoint, and the bearer check in front of the API.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Json,
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::{app::AppState, body::read_limited, error::ApiError, random};

/// The scope the token endpoint grants, as in Sitecore's example.
pub const SCOPE: &str = "personalize.external_webservices:manage";

/// Who made a request: the holder of the configured token, or an OAuth
/// client that got its token from `/oauth/token`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// The configured `--token`.
    Owner,
    /// An OAuth client, by client id.
    Client(String),
}

/// The OAuth client credentials the token endpoint accepts.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    /// `client_id`.
    pub id: String,
    /// `client_secret`.
    pub secret: String,
}

/// The tokens the API accepts.
pub struct Tokens {
    configured: String,
    credentials: ClientCredentials,
    ttl: Duration,
    issued: Mutex<HashMap<String, (Instant, Caller)>>,
    issued_count: AtomicU64,
}

impl Tokens {
    /// Accepts `configured` and the tokens issued to `credentials`, which
    /// live for `ttl`.
    pub fn new(configured: String, credentials: ClientCredentials, ttl: Duration) -> Self {
        Self {
            configured,
            credentials,
            ttl,
            issued: Mutex::new(HashMap::new()),
            issued_count: AtomicU64::new(0),
        }
    }

    /// Who holds `token`, if it is accepted now.
    pub fn check(&self, token: &str) -> Option<Caller> {
        if constant_time_eq(token.as_bytes(), self.configured.as_bytes()) {
            return Some(Caller::Owner);
        }
        let issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        match issued.get(token) {
            Some((expires, caller)) if Instant::now() < *expires => Some(caller.clone()),
            _ => None,
        }
    }

    /// How many tokens the endpoint has issued.
    pub fn issued_count(&self) -> u64 {
        self.issued_count.load(Ordering::Relaxed)
    }

    fn issue(&self, client_id: &str) -> Result<String, ApiError> {
        let token = random::token().map_err(ApiError::internal)?;
        let now = Instant::now();
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        issued.retain(|_, (expires, _)| *expires > now);
        issued.insert(
            token.clone(),
            (now + self.ttl, Caller::Client(client_id.to_string())),
        );
        self.issued_count.fetch_add(1, Ordering::Relaxed);
        Ok(token)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Middleware: answers 401 unless the request carries an accepted bearer
/// token; otherwise records the [`Caller`] in the request's extensions.
pub async fn require_bearer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    match caller(&state, request.headers()) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err((error, description)) => {
            state.observer().count_unauthorized();
            let unauthorized = error.status == StatusCode::UNAUTHORIZED;
            let mut response = error.into_response();
            if !unauthorized {
                return response;
            }
            let challenge = match description {
                Some(d) => format!(
                    "Bearer realm=\"connections-sandbox\", error=\"invalid_token\", error_description=\"{d}\""
                ),
                None => "Bearer realm=\"connections-sandbox\"".to_string(),
            };
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
            response
        }
    }
}

fn caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Caller, (ApiError, Option<&'static str>)> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let first = values.next();
    if values.next().is_some() {
        // A proxy in front may read another one than we do: refuse both.
        return Err((
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "AMBIGUOUS_AUTHORIZATION",
                "the request has more than one Authorization header; send exactly one",
            ),
            None,
        ));
    }
    let Some(value) = first else {
        return Err((
            ApiError::unauthorized(
                "the Authorization header is missing; send `Authorization: Bearer <token>`",
            ),
            None,
        ));
    };
    let malformed = || {
        (
            ApiError::unauthorized("the Authorization header must be `Bearer <token>`"),
            Some("malformed Authorization header"),
        )
    };
    let text = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = text.trim().split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(malformed());
    }
    state.tokens().check(token).ok_or((
        ApiError::unauthorized("the access token is not valid or has expired"),
        Some("the access token is not valid or has expired"),
    ))
}

/// The token endpoint's answer.
#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
    token_type: &'static str,
    scope: &'static str,
}

/// An OAuth error (RFC 6749 §5.2).
#[derive(Serialize)]
struct OAuthError {
    error: &'static str,
    error_description: String,
}

fn oauth_error(
    status: StatusCode,
    error: &'static str,
    description: impl Into<String>,
) -> Response {
    let mut response = (
        status,
        Json(OAuthError {
            error,
            error_description: description.into(),
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /oauth/token`: the client-credentials grant.
pub async fn token_endpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let bytes = match read_limited(body).await {
        Ok(bytes) => bytes,
        Err(error) => return error.into_response(),
    };
    let mut fields: HashMap<String, String> = HashMap::new();
    for (name, value) in form_urlencoded::parse(&bytes) {
        if fields.insert(name.to_string(), value.to_string()).is_some() {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("the parameter {name} is given more than once"),
            );
        }
    }
    match fields.get("grant_type").map(String::as_str) {
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing; send grant_type=client_credentials",
            );
        }
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant_type {other} is not supported; use client_credentials"),
            );
        }
    }
    let credentials = &state.tokens().credentials;
    let id_ok = fields
        .get("client_id")
        .is_some_and(|id| constant_time_eq(id.as_bytes(), credentials.id.as_bytes()));
    let secret_ok = fields
        .get("client_secret")
        .is_some_and(|s| constant_time_eq(s.as_bytes(), credentials.secret.as_bytes()));
    if !(id_ok && secret_ok) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id or client_secret is missing or wrong",
        );
    }
    match state.tokens().issue(&credentials.id) {
        Ok(access_token) => {
            let mut response = Json(TokenResponse {
                access_token,
                expires_in: state.tokens().ttl.as_secs(),
                token_type: "Bearer",
                scope: SCOPE,
            })
            .into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => error.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(ttl: Duration) -> Tokens {
        Tokens::new(
            "configured".into(),
            ClientCredentials {
                id: "id".into(),
                secret: "secret".into(),
            },
            ttl,
        )
    }

    #[test]
    fn configured_and_issued_tokens_are_accepted_until_they_expire() {
        let t = tokens(Duration::from_millis(50));
        assert_eq!(t.check("configured"), Some(Caller::Owner));
        assert_eq!(t.check("configure"), None);
        let issued = t.issue("id").unwrap();
        assert_eq!(t.check(&issued), Some(Caller::Client("id".into())));
        assert_eq!(t.issued_count(), 1);
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(t.check(&issued), None);
    }
}
