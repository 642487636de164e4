//! The application: shared state and the router.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    http::{Request, StatusCode},
    middleware,
    response::IntoResponse,
    routing::{get, post},
};
use tower_http::catch_panic::CatchPanicLayer;

use crate::{
    auth::{self, Caller, Tokens},
    body::Schemas,
    connections, docs,
    error::ApiError,
    faults::{self, Observer},
    outbound::OutboundPolicy,
    store::Store,
};

/// Everything the handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    schemas: Schemas,
    tokens: Tokens,
    observer: Observer,
    base_url: String,
    client_key: String,
    owner_ref: uuid::Uuid,
    outbound: OutboundPolicy,
    faults_enabled: bool,
    docs_page: String,
}

/// The parts [`AppState`] is made of.
pub struct StateParts {
    /// The connection store.
    pub store: Store,
    /// The compiled request-body schemas.
    pub schemas: Schemas,
    /// The accepted tokens.
    pub tokens: Tokens,
    /// The absolute base URL used in `href`s, without a trailing `/`.
    pub base_url: String,
    /// The `clientKey` of every connection.
    pub client_key: String,
    /// The reference of the configured token's holder.
    pub owner_ref: uuid::Uuid,
    /// Where connection tests may go.
    pub outbound: OutboundPolicy,
    /// Whether `/sandbox/faults` is on.
    pub faults_enabled: bool,
}

impl AppState {
    /// Assembles the state.
    pub fn new(parts: StateParts) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: parts.store,
                schemas: parts.schemas,
                tokens: parts.tokens,
                observer: Observer::default(),
                base_url: parts.base_url,
                client_key: parts.client_key,
                owner_ref: parts.owner_ref,
                outbound: parts.outbound,
                faults_enabled: parts.faults_enabled,
                docs_page: docs::reference_page(),
            }),
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn schemas(&self) -> &Schemas {
        &self.inner.schemas
    }

    pub(crate) fn tokens(&self) -> &Tokens {
        &self.inner.tokens
    }

    pub(crate) fn observer(&self) -> &Observer {
        &self.inner.observer
    }

    pub(crate) fn client_key(&self) -> &str {
        &self.inner.client_key
    }

    pub(crate) fn outbound_policy(&self) -> OutboundPolicy {
        self.inner.outbound
    }

    pub(crate) fn faults_enabled(&self) -> bool {
        self.inner.faults_enabled
    }

    pub(crate) fn docs_page(&self) -> &str {
        &self.inner.docs_page
    }

    /// The absolute URL of the collection.
    pub(crate) fn collection_url(&self) -> String {
        format!("{}/v2/connections", self.inner.base_url)
    }

    /// The absolute URL of one connection.
    pub(crate) fn connection_url(&self, reference: &str) -> String {
        format!("{}/v2/connections/{reference}", self.inner.base_url)
    }

    /// The stable `modifiedByRef` of a caller: the owner's reference for
    /// the configured token; for an OAuth client, a UUID derived from the
    /// owner's and the client id (the same on every run with this database).
    pub(crate) fn caller_ref(&self, caller: &Caller) -> String {
        match caller {
            Caller::Owner => self.inner.owner_ref.to_string(),
            Caller::Client(id) => {
                uuid::Uuid::new_v5(&self.inner.owner_ref, id.as_bytes()).to_string()
            }
        }
    }
}

async fn unknown_route(request: Request<axum::body::Body>) -> ApiError {
    ApiError::not_found(format!(
        "no route {} {}",
        request.method(),
        request.uri().path()
    ))
}

async fn method_not_allowed(request: Request<axum::body::Body>) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

/// Answers 408 `REQUEST_TIMEOUT` (and closes the connection) when the
/// request, reading its body included, takes longer than `limit`.
async fn request_timeout(
    limit: Duration,
    request: Request<axum::body::Body>,
    next: middleware::Next,
) -> axum::response::Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                format!(
                    "the request took longer than the limit of {} ms",
                    limit.as_millis()
                ),
            )
            .into_response();
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            response
        }
    }
}

/// Logs one line per request at `INFO` once it is answered: method, path,
/// status and latency. One event and no span, so logging costs little.
async fn log_request(
    request: Request<axum::body::Body>,
    next: middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    if !tracing::enabled!(tracing::Level::INFO) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

/// The router with every route and layer; a request taking longer than
/// `request_timeout` is answered 408.
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    let api = Router::new()
        .route(
            "/v2/connections",
            get(connections::list).post(connections::create),
        )
        .route("/v2/connections/testConnection", post(connections::test))
        .route(
            "/v2/connections/{connectionRef}",
            get(connections::retrieve).put(connections::update),
        )
        .route("/sandbox/stats", get(faults::stats))
        .route(
            "/sandbox/faults",
            post(faults::add_fault)
                .get(faults::list_faults)
                .delete(faults::clear_faults),
        )
        // Route layers run in reverse order: the bearer check first, then
        // the count (so callers without a token are never counted).
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            faults::observe,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_bearer,
        ));
    let token = Router::new()
        .route("/oauth/token", post(auth::token_endpoint))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            faults::observe,
        ));
    Router::new()
        .merge(api)
        .merge(token)
        .route("/openapi.json", get(docs::openapi_json))
        .route("/openapi.yaml", get(docs::openapi_yaml))
        .route("/docs", get(docs::docs_page))
        .route("/", get(docs::root))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(move |request, next| {
            self::request_timeout(request_timeout, request, next)
        }))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("a handler panicked").into_response()
        }))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// How long graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
