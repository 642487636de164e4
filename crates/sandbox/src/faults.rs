//! Sandbox-only observability and fault injection, for client tests.
//!
//! `GET /sandbox/stats` counts tokens issued and requests seen per method
//! and route template (`GET /v2/connections/{connectionRef}`), so a test
//! can assert how many retries or token requests a client made. Only
//! authenticated API requests and token requests are counted (and may be
//! faulted): the counts are bounded by the routes, whatever callers send. With `--enable-fault-injection`, `POST /sandbox/faults`
//! makes the next `count` requests that match a method and a path prefix
//! answer a chosen status (with an [`ErrorBody`](connections_spec::ErrorBody)
//! and, when asked, `Retry-After`). A 401 fault on `/v2` is how a client
//! test checks refresh-on-401. Requests to `/sandbox/...` are neither
//! counted nor faulted.

use std::{
    collections::BTreeMap,
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    Json,
    body::Body,
    extract::{MatchedPath, Request, State},
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
    /// Requests seen, by `"METHOD /route/{template}"` (faulted ones
    /// included).
    pub requests: BTreeMap<String, u64>,
    /// API requests refused for want of a valid token (one number, not
    /// counted by path).
    #[serde(default)]
    pub unauthorized: u64,
    /// Connections stored.
    #[serde(default)]
    pub connections: u32,
    /// Write transactions (creates, updates, and the two at start that
    /// read or store the settings) committed since start.
    #[serde(default)]
    pub writes: u64,
    /// The commits those writes took: each is one sync of the database;
    /// writes that queue while one syncs share the next.
    #[serde(default)]
    pub commits: u64,
}

impl StatsBody {
    /// The counts of a running sandbox.
    pub fn of(state: &AppState) -> Self {
        let writes = state.store().write_counts();
        Self {
            tokens_issued: state.tokens().issued_count(),
            requests: lock(&state.observer().requests).clone(),
            unauthorized: state.observer().unauthorized.load(Ordering::Relaxed),
            connections: state.store().count(),
            writes: writes.kept,
            commits: writes.commits,
        }
    }
}

/// Request counts and pending faults.
#[derive(Default)]
pub struct Observer {
    requests: Mutex<BTreeMap<String, u64>>,
    unauthorized: AtomicU64,
    faults: Mutex<Vec<FaultSpec>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Observer {
    /// Counts an API request refused for want of a valid token.
    pub(crate) fn count_unauthorized(&self) {
        self.unauthorized.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request under its route template; returns the fault it
    /// must answer with (matched on its `path`), if any.
    fn observe(
        &self,
        method: &str,
        route: &str,
        path: &str,
        faults_enabled: bool,
    ) -> Option<ApiError> {
        let key = format!("{method} {route}");
        let mut requests = lock(&self.requests);
        match requests.get_mut(&key) {
            Some(count) => *count += 1,
            None => {
                requests.insert(key, 1);
            }
        }
        drop(requests);
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

/// Route middleware (inside the bearer check): counts the request under
/// its route template, unless it is one of `/sandbox/`, and answers the
/// next matching fault instead of the route.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(route) = request.extensions().get::<MatchedPath>().cloned() else {
        return next.run(request).await;
    };
    if route.as_str().starts_with(SANDBOX_PREFIX) {
        return next.run(request).await;
    }
    let fault = state.observer().observe(
        request.method().as_str(),
        route.as_str(),
        request.uri().path(),
        state.faults_enabled(),
    );
    match fault {
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
        let list = "/v2/connections";
        let one = "/v2/connections/{connectionRef}";
        assert!(observer.observe("POST", list, list, true).is_none());
        assert!(observer.observe("GET", "/docs", "/docs", true).is_none());
        let first = observer
            .observe("GET", one, "/v2/connections/x", true)
            .unwrap();
        assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(first.retry_after_seconds, Some(1));
        assert!(observer.observe("GET", list, list, true).is_some());
        assert!(
            observer
                .observe("GET", one, "/v2/connections/y", true)
                .is_none()
        );
        assert_eq!(lock(&observer.requests)["GET /v2/connections"], 1);
        assert_eq!(lock(&observer.requests)[&format!("GET {one}")], 2);
    }

    #[test]
    fn bad_faults_are_named() {
        let errors =
            spec(serde_json::json!({"status": 200, "count": 0, "pathPrefix": "v2"})).check();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["/status", "/count", "/pathPrefix"]);
    }
}
