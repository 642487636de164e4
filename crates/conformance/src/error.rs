//! Why a live run or a replay could not run, as opposed to: it ran and
//! found violations (exit status 2, one line).

use connections_client::auth::TokenError;

use crate::exchange::TOKEN_VARIABLE;

/// Why the live suite could not run (as opposed to: it ran and found
/// violations).
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The base URL is not http(s).
    #[error("the base URL {0} is not an http:// or https:// URL")]
    BadBaseUrl(String),
    /// The token is empty.
    #[error("no token: pass --token (or set {TOKEN_VARIABLE}), or --client-id and --client-secret")]
    NoToken,
    /// The first request got no HTTP answer.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("the HTTP client cannot be built: {0}")]
    Client(String),
    /// Neither the document nor the spec crate has a create example.
    #[error("the document has no createConnection request example to create a connection from")]
    NoCreateExample,
    /// No access token could be obtained with the client credentials; the
    /// message names the token URL and the OAuth error.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A case file or the HAR file could not be written.
    #[error("cannot write {0}")]
    Output(String),
    /// The run was stopped before it was through (its budget, or a
    /// signal): the phases that ran are reported, marked incomplete.
    #[error("stopped: {0}")]
    Stopped(String),
    /// The preflight found a configuration mistake: no case was sent.
    #[error(transparent)]
    Preflight(#[from] crate::preflight::PreflightError),
}
