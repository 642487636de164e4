//! The preflight: before any case is sent, is this the Connection API, and
//! does it take the token?
//!
//! A configuration mistake is not a contract failure. A wrong token, or a
//! base URL that points at another server (or already ends in
//! `/v2/connections`), would otherwise fail every case of the run, each
//! reported as a violation of the contract and written as a case file.
//! The preflight looks at the base URL and at the answer to one
//! authenticated `GET /v2/connections` and either lets the run start or
//! ends it with one [`PreflightError`] naming the cause and the fix.
//!
//! What it lets through is everything a Connection API server could
//! answer, however wrongly: a JSON body of any shape, under any status but
//! 401, 403, 404 and redirects, is the run's to judge.

use std::fmt;

use url::Url;

/// The path of the collection, which the base URL must not repeat.
const COLLECTION: &str = "/v2/connections";

/// Where the bearer token of a run came from: the preflight's message
/// says which token was refused and what to do about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TokenOrigin {
    /// Given to the library directly.
    #[default]
    Given,
    /// Typed as `--token`.
    Flag,
    /// Read from the environment variable `CONNECTIONS_TOKEN`.
    Environment,
    /// Fetched with client credentials from this token endpoint.
    Fetched {
        /// The token endpoint.
        token_url: String,
    },
}

impl fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Given => f.write_str("the token"),
            Self::Flag => f.write_str("the token given with --token"),
            Self::Environment => write!(f, "the token in {}", crate::exchange::TOKEN_VARIABLE),
            Self::Fetched { token_url } => write!(f, "the token fetched from {token_url}"),
        }
    }
}

impl TokenOrigin {
    /// What to do when the server refuses the token.
    fn fix(&self) -> &'static str {
        match self {
            Self::Fetched { .. } => {
                "the token endpoint issued it, so check that --token-url, --audience and the \
                 client credentials belong to this server's tenant"
            }
            Self::Given | Self::Flag | Self::Environment => {
                "check that it belongs to this server's tenant and has not expired, or use \
                 --client-id and --client-secret to fetch a fresh one"
            }
        }
    }
}

/// Why a run does not start: the server or the configuration is not one
/// the suite can check. Each message is one line: the cause, then the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreflightError {
    /// The base URL already names the collection.
    #[error(
        "the base URL {given} already ends in {COLLECTION}; pass the server's root instead: \
         --base-url {root}"
    )]
    BaseUrlIsCollection {
        /// The base URL given.
        given: String,
        /// The same URL without the collection's path.
        root: String,
    },
    /// 401 or 403 to an authenticated request.
    #[error("GET {url} answered {status}: the server refused {token}; {fix}")]
    TokenRefused {
        /// The collection's URL.
        url: String,
        /// 401 or 403.
        status: u16,
        /// Which token.
        token: String,
        /// What to do.
        fix: &'static str,
    },
    /// A redirect, which the suite does not follow.
    #[error(
        "GET {url} answered {status} and redirects to {location}; the suite follows no \
         redirects: pass the server's own address as --base-url"
    )]
    Redirected {
        /// The collection's URL.
        url: String,
        /// The 3xx status.
        status: u16,
        /// The `Location` header, or a note that there is none.
        location: String,
    },
    /// 404 on the collection, or a body that is not JSON.
    #[error(
        "GET {url} answered {answer}, which is not the Connection API; check --base-url (the \
         server's root, such as https://api-engage-eu.sitecorecloud.io)"
    )]
    NotThisApi {
        /// The collection's URL.
        url: String,
        /// The status and what the body is.
        answer: String,
    },
}

/// Checks the base URL before anything is sent.
pub fn check_base_url(base_url: &Url) -> Result<(), PreflightError> {
    let path = base_url.path().trim_end_matches('/');
    let Some(root_path) = path.strip_suffix(COLLECTION) else {
        return Ok(());
    };
    let mut root = base_url.clone();
    root.set_path(root_path);
    root.set_query(None);
    root.set_fragment(None);
    Err(PreflightError::BaseUrlIsCollection {
        given: base_url.to_string(),
        root: root.as_str().trim_end_matches('/').to_string(),
    })
}

/// The answer to the preflight's `GET /v2/connections`.
#[derive(Clone, Copy, Debug)]
pub struct Answer<'a> {
    /// The URL asked.
    pub url: &'a str,
    /// The status.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `Location` header.
    pub location: Option<&'a str>,
    /// The body.
    pub body: &'a str,
}

/// Judges the answer: `Ok` lets the run start.
pub fn judge(answer: &Answer<'_>, token: &TokenOrigin) -> Result<(), PreflightError> {
    let url = answer.url.to_string();
    match answer.status {
        401 | 403 => {
            return Err(PreflightError::TokenRefused {
                url,
                status: answer.status,
                token: token.to_string(),
                fix: token.fix(),
            });
        }
        300..=399 => {
            return Err(PreflightError::Redirected {
                url,
                status: answer.status,
                location: answer.location.map_or_else(
                    || "nowhere (no Location header)".to_string(),
                    str::to_string,
                ),
            });
        }
        404 => {
            return Err(PreflightError::NotThisApi {
                url,
                answer: format!("404 ({})", describe_body(answer)),
            });
        }
        _ => {}
    }
    if serde_json::from_str::<serde::de::IgnoredAny>(answer.body).is_err() {
        return Err(PreflightError::NotThisApi {
            url,
            answer: format!("{} with {}", answer.status, describe_body(answer)),
        });
    }
    Ok(())
}

/// What the body is, in a few words: its media type and whether it is
/// JSON.
fn describe_body(answer: &Answer<'_>) -> String {
    let media = answer
        .content_type
        .map(crate::contract::media_type_essence)
        .filter(|m| !m.is_empty());
    let is_json = serde_json::from_str::<serde::de::IgnoredAny>(answer.body).is_ok();
    match (media, answer.body.trim().is_empty(), is_json) {
        (_, true, _) => "an empty body".to_string(),
        (Some(media), false, true) => format!("a {media} JSON body"),
        (Some(media), false, false) => format!("a {media} body that is not JSON"),
        (None, false, true) => "a JSON body without Content-Type".to_string(),
        (None, false, false) => "a body that is not JSON, without Content-Type".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer<'a>(status: u16, content_type: Option<&'a str>, body: &'a str) -> Answer<'a> {
        Answer {
            url: "http://127.0.0.1:8080/v2/connections",
            status,
            content_type,
            location: None,
            body,
        }
    }

    #[test]
    fn a_base_url_ending_in_the_collection_is_refused_with_the_root() {
        for given in [
            "http://127.0.0.1:8080/v2/connections",
            "http://127.0.0.1:8080/v2/connections/",
        ] {
            let error = check_base_url(&Url::parse(given).unwrap()).unwrap_err();
            assert_eq!(
                error,
                PreflightError::BaseUrlIsCollection {
                    given: given.to_string(),
                    root: "http://127.0.0.1:8080".to_string(),
                }
            );
            assert!(
                error
                    .to_string()
                    .contains("--base-url http://127.0.0.1:8080")
            );
        }
        let prefixed = Url::parse("https://gateway.example/tenant-a/v2/connections").unwrap();
        let error = check_base_url(&prefixed).unwrap_err().to_string();
        assert!(
            error.ends_with("--base-url https://gateway.example/tenant-a"),
            "{error}"
        );
        for fine in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "https://gateway.example/tenant-a/",
            "https://gateway.example/v2/connections-proxy",
        ] {
            assert_eq!(check_base_url(&Url::parse(fine).unwrap()), Ok(()), "{fine}");
        }
    }

    #[test]
    fn a_refused_token_names_where_it_came_from_and_the_fix() {
        for status in [401, 403] {
            let json = r#"{"status":401}"#;
            let error = judge(
                &answer(status, Some("application/json"), json),
                &TokenOrigin::Flag,
            )
            .unwrap_err()
            .to_string();
            assert!(error.contains(&format!("answered {status}")), "{error}");
            assert!(error.contains("the token given with --token"), "{error}");
            assert!(error.contains("expired"), "{error}");
        }
        let fetched = TokenOrigin::Fetched {
            token_url: "https://auth.example/oauth/token".to_string(),
        };
        let error = judge(&answer(401, None, ""), &fetched)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("the token fetched from https://auth.example/oauth/token"),
            "{error}"
        );
        assert!(error.contains("--token-url"), "{error}");
        let error = judge(&answer(401, None, ""), &TokenOrigin::Environment)
            .unwrap_err()
            .to_string();
        assert!(error.contains("the token in CONNECTIONS_TOKEN"), "{error}");
    }

    #[test]
    fn another_server_is_not_this_api() {
        let html = "<!doctype html><title>Welcome</title>";
        let error = judge(
            &answer(200, Some("text/html; charset=utf-8"), html),
            &TokenOrigin::Given,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "GET http://127.0.0.1:8080/v2/connections answered 200 with a text/html body that \
             is not JSON, which is not the Connection API; check --base-url (the server's root, \
             such as https://api-engage-eu.sitecorecloud.io)"
        );
        let error = judge(
            &answer(404, Some("application/json"), r#"{"status":404}"#),
            &TokenOrigin::Given,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("answered 404 (a application/json JSON body)"),
            "{error}"
        );
        let error = judge(
            &answer(502, Some("text/html"), "<h1>Bad gateway</h1>"),
            &TokenOrigin::Given,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("answered 502 with a text/html body"),
            "{error}"
        );
    }

    #[test]
    fn a_redirect_says_where_to() {
        let mut redirect = answer(301, None, "");
        redirect.location = Some("https://127.0.0.1:8443/v2/connections");
        let error = judge(&redirect, &TokenOrigin::Given)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("answered 301 and redirects to https://127.0.0.1:8443/v2/connections"),
            "{error}"
        );
    }

    #[test]
    fn any_json_answer_is_the_runs_to_judge() {
        for (status, content_type, body) in [
            (200, Some("application/json"), r#"{"items":[]}"#),
            (200, Some("text/plain"), r#"{"items":[]}"#),
            (200, None, "[1, 2]"),
            (500, Some("application/json"), r#"{"status":500}"#),
            (400, Some("application/json"), r#""bad""#),
        ] {
            assert_eq!(
                judge(&answer(status, content_type, body), &TokenOrigin::Given),
                Ok(()),
                "{status} {body}"
            );
        }
    }
}
