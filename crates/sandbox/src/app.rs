//! The application: shared state and the router.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    http::{Request, StatusCode},
    middleware,
    response::IntoResponse,
    routing::{get, post},
};
use connections_openapi::Contract;
use tower_http::{
    LatencyUnit,
    catch_panic::CatchPanicLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    auth::{self, Caller, Tokens},
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
    contract: Contract,
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
    /// The compiled contract.
    pub contract: Contract,
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
                contract: parts.contract,
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

    pub(crate) fn contract(&self) -> &Contract {
        &self.inner.contract
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

/// The router with every route and layer.
pub fn router(state: AppState) -> Router {
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
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_bearer,
        ));
    Router::new()
        .merge(api)
        .route("/oauth/token", post(auth::token_endpoint))
        .route("/openapi.json", get(docs::openapi_json))
        .route("/openapi.yaml", get(docs::openapi_yaml))
        .route("/docs", get(docs::docs_page))
        .route("/", get(docs::root))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults::observe,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("a handler panicked").into_response()
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                )
                .on_failure(()),
        )
        .with_state(state)
}

/// How long graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
