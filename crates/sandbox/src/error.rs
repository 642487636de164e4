//! Errors: the HTTP errors every route answers with, and why the sandbox
//! could not start.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use connections_spec::{ErrorBody, FieldError};

/// An error answered to an API caller, always with an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body sent with it (boxed: errors travel in `Result`s).
    pub body: Box<ErrorBody>,
    /// Seconds for a `Retry-After` header, when one is sent.
    pub retry_after_seconds: Option<u32>,
}

/// The most field errors one answer lists.
pub const MAX_FIELD_ERRORS: usize = 20;
/// The longest text (a field's pointer, a message) one error shows, in
/// characters; a longer one ends in `…`.
pub const MAX_ERROR_TEXT: usize = 300;

/// `text` cut to [`MAX_ERROR_TEXT`] characters.
pub fn cut(text: &str) -> String {
    cut_to(text, MAX_ERROR_TEXT)
}

/// `text` cut to `max` characters (`…` marks the cut).
fn cut_to(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody::new(status.as_u16(), code, message)),
            retry_after_seconds: None,
        }
    }

    /// 400 `VALIDATION_FAILED` with field-level errors: the first
    /// [`MAX_FIELD_ERRORS`] of `total`, each text cut to
    /// [`MAX_ERROR_TEXT`] characters, so that the answer stays small
    /// whatever the input (the message says how many there were).
    pub fn validation_of(message: &str, shown: Vec<FieldError>, total: usize) -> Self {
        // The message names one field and its error: room for both.
        let mut message = cut_to(message, 2 * MAX_ERROR_TEXT);
        if total > MAX_FIELD_ERRORS {
            message.push_str(&format!(
                "; {total} errors, the first {MAX_FIELD_ERRORS} listed"
            ));
        }
        let mut error = Self::new(StatusCode::BAD_REQUEST, "VALIDATION_FAILED", message);
        error.body.errors = Some(
            shown
                .into_iter()
                .take(MAX_FIELD_ERRORS)
                .map(|e| FieldError {
                    field: cut(&e.field),
                    message: cut(&e.message),
                })
                .collect(),
        );
        error
    }

    /// [`ApiError::validation_of`] for a list of every error.
    pub fn validation(message: impl Into<String>, errors: Vec<FieldError>) -> Self {
        let total = errors.len();
        Self::validation_of(&message.into(), errors, total)
    }

    /// The same error with this `developerMessage`, cut to
    /// [`MAX_ERROR_TEXT`] characters.
    pub fn with_developer_message(mut self, text: &str) -> Self {
        self.body.developer_message = Some(cut(text));
        self
    }

    /// 400 `MALFORMED_JSON`.
    pub fn malformed_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MALFORMED_JSON", message)
    }

    /// 401 `UNAUTHORIZED`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// 413 `PAYLOAD_TOO_LARGE`.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is larger than the limit of {limit} bytes"),
        )
    }

    /// 415 `UNSUPPORTED_MEDIA_TYPE`.
    pub fn unsupported_media_type(received: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("the request body must be application/json, not {received}"),
        )
    }

    /// 507 `INSUFFICIENT_STORAGE`: the write would take the store past its
    /// quota; nothing was written.
    pub fn insufficient_storage(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "INSUFFICIENT_STORAGE",
            message,
        )
    }

    /// 500 `INTERNAL_ERROR`; the detail is logged, not sent.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "the sandbox failed to handle the request; its log says why",
        )
    }

    /// 500 `INTERNAL_ERROR` for an error whose causes are logged, each
    /// once, in one line.
    pub fn internal_error(error: &(dyn std::error::Error + 'static)) -> Self {
        Self::internal(error_chain(error))
    }

    /// Adds a `Retry-After` header.
    pub fn with_retry_after(mut self, seconds: Option<u32>) -> Self {
        self.retry_after_seconds = seconds;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(*self.body)).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// An error and its sources, `: `-separated.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Why the sandbox could not start or stopped with a failure.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The database could not be opened, migrated or read.
    #[error(transparent)]
    Database(#[from] crate::store::StoreError),
    /// The embedded contract document's schemas did not compile.
    #[error("the embedded contract document is unusable: {0}")]
    Schema(String),
    /// The listener could not be bound or served.
    #[error("network error")]
    Io(#[from] std::io::Error),
    /// The operating system's random source failed.
    #[error("cannot generate random values: {0}")]
    Random(String),
    /// The configuration is inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The server task failed.
    #[error("the server task failed")]
    Task(#[from] tokio::task::JoinError),
}
