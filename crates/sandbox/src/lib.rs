//! A local implementation of the Sitecore Personalize Connection REST API
//! (v2): the sandbox.
//!
//! It stores connections in SQLite, validates every request body against
//! the committed contract document, checks bearer tokens (the configured
//! one and those its own OAuth endpoint issues) and really sends the
//! request of a connection test. CI uses it to prove that the document, the
//! generated client and the conformance suite agree; a developer uses it to
//! try the API without a Sitecore account.
//!
//! The binary `connections-sandbox` runs it from the command line; tests
//! start it in-process:
//!
//! ```no_run
//! # async fn demo() -> Result<(), connections_sandbox::SandboxError> {
//! use connections_sandbox::{Sandbox, SandboxConfig};
//!
//! let sandbox = Sandbox::start(SandboxConfig::ephemeral()).await?;
//! println!("{} with token {}", sandbox.base_url(), sandbox.token());
//! sandbox.shutdown().await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod address_policy;
pub mod app;
pub mod auth;
pub mod body;
pub mod connections;
pub mod docs;
pub mod error;
pub mod faults;
pub mod logging;
pub mod outbound;
pub mod paging;
pub mod placeholders;
pub mod random;
pub mod server;
pub mod store;

use std::{future::Future, net::SocketAddr, path::PathBuf, time::Duration};

use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

pub use error::{ApiError, SandboxError};
pub use outbound::OutboundPolicy;
pub use store::DbLocation;

use crate::{
    app::{AppState, StateParts},
    auth::{ClientCredentials, Tokens},
    store::Store,
};

/// The address the binary listens on by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The database file the binary uses by default, relative to the working
/// directory (the directory is git-ignored).
pub const DEFAULT_DB: &str = ".sandbox-data/sandbox.db";
/// How long tokens from `/oauth/token` live by default, in seconds (the
/// `expires_in` of Sitecore's example).
pub const DEFAULT_TOKEN_TTL_SECONDS: u64 = 900;

/// How to run a sandbox.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where the database is.
    pub db: DbLocation,
    /// The bearer token accepted on every route; random when `None`.
    pub token: Option<String>,
    /// The OAuth `client_id` of `/oauth/token`; random when `None`.
    pub client_id: Option<String>,
    /// The OAuth `client_secret` of `/oauth/token`; random when `None`.
    pub client_secret: Option<String>,
    /// How long issued tokens live.
    pub token_ttl: Duration,
    /// The base of every `href` (e.g. behind a proxy); `http://<bound
    /// address>` when `None`.
    pub public_url: Option<String>,
    /// The `clientKey` of connections; when `None`, one generated once per
    /// database and stored in it.
    pub client_key: Option<String>,
    /// Where connection tests may send requests.
    pub outbound: OutboundPolicy,
    /// Whether `/sandbox/faults` is on.
    pub enable_fault_injection: bool,
    /// Timeouts and the connection cap of the HTTP server.
    pub limits: Limits,
    /// How much the store may hold.
    pub quota: store::Quota,
}

/// How long the server waits for clients, and how many it serves at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// How long a client may take to send a request's head (request line
    /// and headers) once it started; then the connection is closed.
    pub header_read_timeout: Duration,
    /// How long a connection may stay open with no request in progress.
    pub idle_timeout: Duration,
    /// How long one request may take, reading its body included; then it is
    /// answered 408 `REQUEST_TIMEOUT`.
    pub request_timeout: Duration,
    /// How many connections are served at once; further ones wait in the
    /// listen backlog until one closes.
    pub max_connections: usize,
}

impl Default for Limits {
    /// 10 s for a request head, 60 s idle, 60 s per request, 512
    /// connections.
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_READ_TIMEOUT_SECONDS),
            idle_timeout: Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECONDS),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECONDS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Default of [`Limits::header_read_timeout`], in seconds.
pub const DEFAULT_HEADER_READ_TIMEOUT_SECONDS: u64 = 10;
/// Default of [`Limits::idle_timeout`], in seconds.
pub const DEFAULT_IDLE_TIMEOUT_SECONDS: u64 = 60;
/// Default of [`Limits::request_timeout`], in seconds.
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 60;
/// Default of [`Limits::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

impl Default for SandboxConfig {
    /// The binary's defaults: `127.0.0.1:8080`, the database under
    /// `.sandbox-data/`, random credentials.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: DbLocation::File(PathBuf::from(DEFAULT_DB)),
            token: None,
            client_id: None,
            client_secret: None,
            token_ttl: Duration::from_secs(DEFAULT_TOKEN_TTL_SECONDS),
            public_url: None,
            client_key: None,
            outbound: OutboundPolicy::default(),
            enable_fault_injection: false,
            limits: Limits::default(),
            quota: store::Quota::default(),
        }
    }
}

impl SandboxConfig {
    /// For tests: a free port on 127.0.0.1, an in-memory database, random
    /// credentials.
    pub fn ephemeral() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: DbLocation::Memory,
            ..Self::default()
        }
    }
}

/// Starts sandboxes.
pub struct Sandbox;

impl Sandbox {
    /// Binds `config.listen` and starts serving in the background.
    pub async fn start(config: SandboxConfig) -> Result<RunningSandbox, SandboxError> {
        let listener = TcpListener::bind(config.listen).await?;
        Self::start_on(listener, config).await
    }

    /// Starts serving on a listener the caller bound (`config.listen` is
    /// not used).
    pub async fn start_on(
        listener: TcpListener,
        config: SandboxConfig,
    ) -> Result<RunningSandbox, SandboxError> {
        let address = listener.local_addr()?;
        let (state, credentials) = build_state(&config, address).await?;
        let base_url = format!("http://{address}");
        let (stop, stopped) = watch::channel(false);
        let router = app::router(state.clone(), config.limits.request_timeout);
        let task = tokio::spawn(server::serve(listener, router, config.limits, stopped));
        Ok(RunningSandbox {
            address,
            base_url,
            credentials,
            state,
            stop: Some(stop),
            task,
        })
    }
}

/// The credentials a running sandbox accepts.
#[derive(Clone, Debug)]
struct Credentials {
    token: String,
    client: ClientCredentials,
}

async fn build_state(
    config: &SandboxConfig,
    address: SocketAddr,
) -> Result<(AppState, Credentials), SandboxError> {
    let random =
        |len: usize| random::alphanumeric(len).map_err(|e| SandboxError::Random(e.to_string()));
    let token = match &config.token {
        Some(token) => check_token(token)?,
        None => random::token().map_err(|e| SandboxError::Random(e.to_string()))?,
    };
    let client = ClientCredentials {
        id: match &config.client_id {
            Some(id) => id.clone(),
            None => random(24)?,
        },
        secret: match &config.client_secret {
            Some(secret) => secret.clone(),
            None => random(40)?,
        },
    };
    if config.token_ttl.is_zero() {
        return Err(SandboxError::Config(
            "the token TTL must be at least 1 second".into(),
        ));
    }
    let base_url = match &config.public_url {
        Some(url) => check_public_url(url)?,
        None => format!("http://{address}"),
    };
    let db = config.db.clone();
    let quota = config.quota;
    let store = tokio::task::spawn_blocking(move || Store::open(&db))
        .await??
        .with_quota(quota);
    let generated_key = random(32)?;
    let client_key = match &config.client_key {
        Some(key) => key.clone(),
        None => {
            store
                .setting_or_insert("client_key", move || generated_key)
                .await?
        }
    };
    let owner_ref = store
        .setting_or_insert("owner_ref", || uuid::Uuid::new_v4().to_string())
        .await?;
    let owner_ref = uuid::Uuid::parse_str(&owner_ref).map_err(|e| {
        SandboxError::Config(format!("the stored owner reference is not a UUID: {e}"))
    })?;
    let document: serde_json::Value = serde_json::from_str(docs::OPENAPI_JSON)
        .map_err(|e| SandboxError::Schema(format!("the embedded document is not JSON: {e}")))?;
    let schemas = body::Schemas::request_bodies(&document)
        .map_err(|e| SandboxError::Schema(e.to_string()))?;
    let state = AppState::new(StateParts {
        store,
        schemas,
        tokens: Tokens::new(token.clone(), client.clone(), config.token_ttl),
        base_url,
        client_key,
        owner_ref,
        outbound: config.outbound,
        faults_enabled: config.enable_fault_injection,
    });
    Ok((state, Credentials { token, client }))
}

fn check_token(token: &str) -> Result<String, SandboxError> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SandboxError::Config(
            "the token must be non-empty printable ASCII without spaces".into(),
        ));
    }
    Ok(token.to_string())
}

fn check_public_url(url: &str) -> Result<String, SandboxError> {
    let parsed = url::Url::parse(url)
        .map_err(|e| SandboxError::Config(format!("--public-url `{url}` is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(SandboxError::Config(format!(
            "--public-url `{url}` is not an http(s) URL"
        )));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// A sandbox serving in the background.
pub struct RunningSandbox {
    address: SocketAddr,
    base_url: String,
    credentials: Credentials,
    state: app::AppState,
    stop: Option<watch::Sender<bool>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningSandbox {
    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// What the sandbox has seen so far (tokens issued, requests by method
    /// and path): the body of `GET /sandbox/stats`, read in process.
    pub fn stats(&self) -> faults::StatsBody {
        faults::StatsBody::of(&self.state)
    }

    /// `http://<bound address>`, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The configured (or generated) bearer token.
    pub fn token(&self) -> &str {
        &self.credentials.token
    }

    /// The `client_id` `/oauth/token` accepts.
    pub fn client_id(&self) -> &str {
        &self.credentials.client.id
    }

    /// The `client_secret` `/oauth/token` accepts.
    pub fn client_secret(&self) -> &str {
        &self.credentials.client.secret
    }

    /// Stops accepting connections, lets requests in flight finish (at
    /// most [`app::SHUTDOWN_GRACE`]) and waits for the server to end.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        match tokio::time::timeout(app::SHUTDOWN_GRACE, &mut self.task).await {
            Ok(joined) => Ok(joined??),
            Err(_) => {
                self.task.abort();
                Ok(())
            }
        }
    }

    /// Serves until `signal` completes, then shuts down; or returns the
    /// server's error if it stops by itself first.
    pub async fn serve_until(
        mut self,
        signal: impl Future<Output = ()>,
    ) -> Result<(), SandboxError> {
        tokio::select! {
            () = signal => self.shutdown().await,
            joined = &mut self.task => Ok(joined??),
        }
    }
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(
    config: SandboxConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), SandboxError> {
    Sandbox::start_on(listener, config)
        .await?
        .serve_until(shutdown)
        .await
}
