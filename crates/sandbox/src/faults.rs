//! Sandbox-only observability and fault injection, for client tests.
//!
//! `GET /sandbox/stats` counts tokens issued and requests seen per method
//! and path, so a test can assert how many retries or token requests a
//! client made. With `--enable-fault-injection`, `POST /sandbox/faults`
//! makes the next `count` requests that match a method and a path prefix
//! answer a chosen status (with an [`ErrorBody`](connections_spec::ErrorBody)
//! and, when asked, `Retry-After`). A 401 fault on `/v2` is how a client
//! test checks refresh-on-401. Requests to `/sandbox/...` are neither
//! counted nor faulted.

use std::{
    collections::BTreeMap,
    sync::{Mutex, MutexGuard},
};

use axum::{
    Json,
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use connections_spec::FieldError;
use serde::{Deserialize, Serialize};

use crate::{app::AppState, body::read_limited, error::ApiError};

/// The prefix of the sandbox's own endpoints, never counted or faulted.
pub const SANDBOX_PREFIX: &str = "/sandbox/";

/// A fault to inject, as posted to `/sandbox/faults`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// Only requests with this method (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path starts with this (default `/`).
    #[serde(default = "root")]
    pub path_prefix: String,
    /// The status to answer, 400 to 599.
    pub status: u16,
    /// How many matching requests get it (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Seconds for a `Retry-After` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
}

fn root() -> String {
    "/".to_string()
}

fn one() -> u32 {
    1
}

impl FaultSpec {
    fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !(400..=599).contains(&self.status) {
            errors.push(FieldError {
                field: "/status".into(),
                message: format!("{} is not an error status (400 to 599)", self.status),
            });
        }
        if self.count == 0 {
            errors.push(FieldError {
                field: "/count".into(),
                message: "count must be at least 1".into(),
            });
        }
        if !self.path_prefix.starts_with('/') {
            errors.push(FieldError {
                field: "/pathPrefix".into(),
                message: "pathPrefix must start with /".into(),
            });
        }
        errors
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path_prefix)
    }

    fn error(&self) -> ApiError {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let code = match self.status {
            401 => "UNAUTHORIZED",
            429 => "TOO_MANY_REQUESTS",
            500 => "INTERNAL_ERROR",
            503 => "SERVICE_UNAVAILABLE",
            _ => "INJECTED_FAULT",
        };
        ApiError::new(
            status,
            code,
            format!(
                "injected fault: the sandbox answers {} on purpose",
                self.status
            ),
        )
        .with_retry_after(self.retry_after_seconds)
    }
}

/// What the sandbox has seen: `GET /sandbox/stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsBody {
    /// Tokens issued by `/oauth/token`.
    pub tokens_issued: u64,
    /// Requests seen, by `"METHOD /path"` (faulted ones included).
    pub requests: BTreeMap<String, u64>,
}

impl StatsBody {
    /// The counts of a running sandbox.
    pub fn of(state: &AppState) -> Self {
        Self {
            tokens_issued: state.tokens().issued_count(),
            requests: lock(&state.observer().requests).clone(),
        }
    }
}

/// Request counts and pending faults.
#[derive(Default)]
pub struct Observer {
    requests: Mutex<BTreeMap<String, u64>>,
    faults: Mutex<Vec<FaultSpec>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Observer {
    /// Counts a request; returns the fault it must answer with, if any.
    fn observe(&self, method: &str, path: &str, faults_enabled: bool) -> Option<ApiError> {
        *lock(&self.requests)
            .entry(format!("{method} {path}"))
            .or_default() += 1;
        if !faults_enabled {
            return None;
        }
        let mut faults = lock(&self.faults);
        let index = faults.iter().position(|f| f.matches(method, path))?;
        let error = faults[index].error();
        faults[index].count -= 1;
        if faults[index].count == 0 {
            faults.remove(index);
        }
        Some(error)
    }
}

/// Middleware: counts every request outside `/sandbox/` and answers the
/// next matching fault instead of the route.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with(SANDBOX_PREFIX) {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_string();
    match state
        .observer()
        .observe(&method, &path, state.faults_enabled())
    {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    }
}

/// `GET /sandbox/stats`.
pub async fn stats(State(state): State<AppState>) -> Json<StatsBody> {
    Json(StatsBody::of(&state))
}

fn require_enabled(state: &AppState) -> Result<(), ApiError> {
    if state.faults_enabled() {
        Ok(())
    } else {
        Err(ApiError::not_found(
            "fault injection is off; start the sandbox with --enable-fault-injection",
        ))
    }
}

/// `POST /sandbox/faults`: queue a fault; 201 with the fault.
pub async fn add_fault(
    State(state): State<AppState>,
    body: Body,
) -> Result<(StatusCode, Json<FaultSpec>), ApiError> {
    require_enabled(&state)?;
    let bytes = read_limited(body).await?;
    let spec: FaultSpec = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::validation(
            format!("the fault is invalid: {e}"),
            vec![FieldError {
                field: String::new(),
                message: e.to_string(),
            }],
        )
    })?;
    let errors = spec.check();
    if let Some(first) = errors.first() {
        return Err(ApiError::validation(
            format!("the fault is invalid: {}: {}", first.field, first.message),
            errors,
        ));
    }
    lock(&state.observer().faults).push(spec.clone());
    Ok((StatusCode::CREATED, Json(spec)))
}

/// `GET /sandbox/faults`: the faults still pending.
pub async fn list_faults(State(state): State<AppState>) -> Result<Json<Vec<FaultSpec>>, ApiError> {
    require_enabled(&state)?;
    Ok(Json(lock(&state.observer().faults).clone()))
}

/// `DELETE /sandbox/faults`: drop every pending fault; 204.
pub async fn clear_faults(State(state): State<AppState>) -> Result<StatusCode, ApiError> {
    require_enabled(&state)?;
    lock(&state.observer().faults).clear();
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> FaultSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn faults_match_method_and_prefix_and_run_out() {
        let observer = Observer::default();
        lock(&observer.faults).push(spec(serde_json::json!(
            {"method": "get", "pathPrefix": "/v2/connections", "status": 503, "count": 2, "retryAfterSeconds": 1}
        )));
        assert!(observer.observe("POST", "/v2/connections", true).is_none());
        assert!(observer.observe("GET", "/docs", true).is_none());
        let first = observer.observe("GET", "/v2/connections/x", true).unwrap();
        assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(first.retry_after_seconds, Some(1));
        assert!(observer.observe("GET", "/v2/connections", true).is_some());
        assert!(observer.observe("GET", "/v2/connections", true).is_none());
        assert_eq!(lock(&observer.requests)["GET /v2/connections"], 2);
    }

    #[test]
    fn bad_faults_are_named() {
        let errors =
            spec(serde_json::json!({"status": 200, "count": 0, "pathPrefix": "v2"})).check();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["/status", "/count", "/pathPrefix"]);
    }
}
