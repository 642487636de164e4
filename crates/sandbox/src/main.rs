//! `connections-sandbox`: runs the local Connection API sandbox.
//!
//! Stdout protocol: the first line printed is
//! `listening on http://<bound address>`, flushed at once; generated
//! credentials follow. Logs go to stderr.

use std::{io::Write, net::SocketAddr, process::ExitCode, time::Duration};

use anyhow::Context;
use clap::Parser;
use connections_sandbox::{
    DEFAULT_DB, DEFAULT_HEADER_READ_TIMEOUT_SECONDS, DEFAULT_IDLE_TIMEOUT_SECONDS, DEFAULT_LISTEN,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT_SECONDS, DEFAULT_TOKEN_TTL_SECONDS,
    DbLocation, Limits, OutboundPolicy, Sandbox, SandboxConfig, logging,
    store::{DEFAULT_MAX_STORED_CONNECTIONS, DEFAULT_MAX_STORED_MIB, Quota},
};
use tracing_subscriber::EnvFilter;

/// A local implementation of the Sitecore Personalize Connection REST API
/// (v2): stores connections in SQLite, validates bodies against the
/// contract, checks bearer tokens and really performs connection tests.
///
/// Every flag can also be set with the environment variable named in
/// brackets. Logs go to stderr (filter with RUST_LOG); the first stdout
/// line is `listening on http://ADDRESS`.
///
/// A stored OAuth client secret is never returned and only ever sent with
/// the settings it was saved with: a test or an update that changes the
/// token URL, client id, token headers or form items (or, for a test, the
/// URL the token goes to) does not get it.
#[derive(Debug, Parser)]
#[command(name = "connections-sandbox", version, about, long_about)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "CONNECTIONS_SANDBOX_LISTEN", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,

    /// SQLite database file (created with its directory when missing), or
    /// `:memory:` for a throwaway run.
    #[arg(long, env = "CONNECTIONS_SANDBOX_DB", default_value = DEFAULT_DB, value_parser = database)]
    db: DbLocation,

    /// Bearer token accepted on every route. When absent, a random one is
    /// generated and printed once at start with a ready-to-paste curl line.
    #[arg(long, env = "CONNECTIONS_SANDBOX_TOKEN", hide_env_values = true)]
    token: Option<String>,

    /// `client_id` accepted by POST /oauth/token (generated and printed
    /// when absent).
    #[arg(long, env = "CONNECTIONS_SANDBOX_CLIENT_ID")]
    client_id: Option<String>,

    /// `client_secret` accepted by POST /oauth/token (generated and
    /// printed when absent).
    #[arg(
        long,
        env = "CONNECTIONS_SANDBOX_CLIENT_SECRET",
        hide_env_values = true
    )]
    client_secret: Option<String>,

    /// Lifetime of tokens issued by POST /oauth/token, in seconds.
    #[arg(long, env = "CONNECTIONS_SANDBOX_TOKEN_TTL", default_value_t = DEFAULT_TOKEN_TTL_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    token_ttl: u64,

    /// Base URL written into `href`s (e.g. when behind a proxy); default
    /// `http://<bound address>`.
    #[arg(long, env = "CONNECTIONS_SANDBOX_PUBLIC_URL")]
    public_url: Option<String>,

    /// `clientKey` of the connections; default: generated once per
    /// database and kept in it.
    #[arg(long, env = "CONNECTIONS_SANDBOX_CLIENT_KEY")]
    client_key: Option<String>,

    /// Let connection tests reach loopback, private, link-local and other
    /// internal addresses (refused by default).
    #[arg(long, env = "CONNECTIONS_SANDBOX_ALLOW_PRIVATE_TARGETS")]
    allow_private_targets: bool,

    /// Let connection tests reach loopback addresses only, and resolve no
    /// name but `localhost` (for CI and fuzzers: no request leaves the
    /// machine).
    #[arg(long, env = "CONNECTIONS_SANDBOX_LOOPBACK_ONLY_TARGETS")]
    loopback_only_targets: bool,

    /// Turn on POST/GET/DELETE /sandbox/faults, which make chosen requests
    /// fail on purpose (for client tests).
    #[arg(long, env = "CONNECTIONS_SANDBOX_ENABLE_FAULT_INJECTION")]
    enable_fault_injection: bool,

    /// Seconds a client may take to send a request's head once it began;
    /// then the connection is closed.
    #[arg(long, env = "CONNECTIONS_SANDBOX_HEADER_READ_TIMEOUT", default_value_t = DEFAULT_HEADER_READ_TIMEOUT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout: u64,

    /// Seconds a keep-alive connection may stay open without a request.
    #[arg(long, env = "CONNECTIONS_SANDBOX_IDLE_TIMEOUT", default_value_t = DEFAULT_IDLE_TIMEOUT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,

    /// Seconds one request may take, its body included; then it is answered
    /// 408 REQUEST_TIMEOUT.
    #[arg(long, env = "CONNECTIONS_SANDBOX_REQUEST_TIMEOUT", default_value_t = DEFAULT_REQUEST_TIMEOUT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,

    /// Connections served at once; more wait until one closes. Keep it
    /// below the open-file limit (`ulimit -n`).
    #[arg(long, env = "CONNECTIONS_SANDBOX_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = max_connections)]
    max_connections: usize,

    /// Connections stored at most; a create past it is answered 507
    /// `INSUFFICIENT_STORAGE` and stores nothing.
    #[arg(long, env = "CONNECTIONS_SANDBOX_MAX_STORED_CONNECTIONS", default_value_t = DEFAULT_MAX_STORED_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_stored_connections: u32,

    /// MiB of stored connections (their JSON) at most; a create or an
    /// update past it is answered 507 `INSUFFICIENT_STORAGE`.
    #[arg(long, env = "CONNECTIONS_SANDBOX_MAX_STORED_MIB", default_value_t = DEFAULT_MAX_STORED_MIB,
          value_parser = clap::value_parser!(u64).range(1..=1024 * 1024))]
    max_stored_mib: u64,
}

fn max_connections(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{text}` is not a whole number of at least 1")),
    }
}

/// `--db`: a path or `:memory:`, never empty (SQLite would open a
/// temporary database whose writes are gone after a restart).
fn database(text: &str) -> Result<DbLocation, String> {
    DbLocation::parse(text).map_err(|error| error.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (log_writer, log_flusher) = match logging::background_writer(std::io::stderr()) {
        Ok(started) => started,
        Err(error) => {
            eprintln!("error: cannot start the log writer: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing_subscriber::fmt()
        .with_writer(log_writer)
        .with_ansi(false)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli));
    log_flusher.flush();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let generated_token = cli.token.is_none();
    let generated_client = cli.client_id.is_none() || cli.client_secret.is_none();
    let config = SandboxConfig {
        listen: cli.listen,
        db: cli.db,
        token: cli.token,
        client_id: cli.client_id,
        client_secret: cli.client_secret,
        token_ttl: Duration::from_secs(cli.token_ttl),
        public_url: cli.public_url,
        client_key: cli.client_key,
        outbound: OutboundPolicy {
            allow_private_targets: cli.allow_private_targets,
            loopback_only: cli.loopback_only_targets,
        },
        enable_fault_injection: cli.enable_fault_injection,
        limits: Limits {
            header_read_timeout: Duration::from_secs(cli.header_read_timeout),
            idle_timeout: Duration::from_secs(cli.idle_timeout),
            request_timeout: Duration::from_secs(cli.request_timeout),
            max_connections: cli.max_connections,
        },
        quota: Quota {
            max_connections: cli.max_stored_connections,
            max_bytes: cli.max_stored_mib * 1024 * 1024,
        },
    };
    let db = config.db.clone();
    let sandbox = Sandbox::start(config)
        .await
        .with_context(|| format!("cannot start the sandbox on {}", cli.listen))?;
    let base = sandbox.base_url().to_string();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {base}")?;
        out.flush()?;
        if generated_token {
            writeln!(out, "access token (generated): {}", sandbox.token())?;
            writeln!(
                out,
                "try: curl -H \"Authorization: Bearer {}\" {base}/v2/connections",
                sandbox.token()
            )?;
        }
        // Client credentials are always served: say where, so that a
        // client (`conformance live --token-url`) finds the endpoint.
        writeln!(
            out,
            "token URL for client credentials: {base}/oauth/token (conformance live --token-url)"
        )?;
        if generated_client {
            writeln!(
                out,
                "client credentials (generated): client_id={} client_secret={}",
                sandbox.client_id(),
                sandbox.client_secret()
            )?;
        }
        writeln!(out, "API reference: {base}/docs")?;
        out.flush()?;
    }
    tracing::info!(%base, %db, "sandbox started");
    sandbox.serve_until(shutdown_signal()).await?;
    tracing::info!("sandbox stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
