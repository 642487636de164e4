//! The `conformance` command line: argument definitions and the commands,
//! shared by the binary and `cargo xtask conformance`.
//!
//! Each command returns an exit code from [`crate::exit`]; a command that
//! cannot run prints a one-line reason to standard error.

use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
    time::Duration,
};

use clap::{
    Args, CommandFactory, FromArgMatches, Parser, Subcommand, builder::NonEmptyStringValueParser,
};
use connections_client::{
    ENV_AUDIENCE, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_TOKEN_URL,
    auth::{ClientCredentials, DEFAULT_AUDIENCE, DEFAULT_TOKEN_URL},
};
use url::Url;

use crate::{
    COMMITTED_DOCUMENT,
    contract::Contract,
    examples::check_examples,
    exit,
    live::{LiveConfig, TOKEN_VARIABLE, run_live, token_provider},
    payload::{Direction, PayloadVerdict, parse_json, payload_schema},
    preflight::TokenOrigin,
    report::{Format, Report, Verbosity, progress_line, terminal_safe},
};

/// Prints a line on standard output, escaped for a terminal
/// ([`terminal_safe`]): a document's or a server's text is shown, never
/// acted on.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::report::terminal_safe(&format!($($arg)*)))
    };
}

/// [`say!`] on standard error.
macro_rules! warn {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::report::terminal_safe(&format!($($arg)*)))
    };
}

/// Checks an API server and the Connection API's OpenAPI document against
/// each other.
#[derive(Debug, Parser)]
#[command(name = "conformance", version, about)]
pub struct Cli {
    /// What to check.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate every example of the document (and every fixture) against
    /// its schema; report schemas that accept anything.
    Examples(ExamplesArgs),
    /// Validate one captured payload against an operation's request or
    /// response schema.
    Validate(ValidateArgs),
    /// Run the conformance scenario against a running server, with a
    /// bearer token or with client credentials to fetch one.
    Live(Box<LiveArgs>),
    /// Send the failing cases of a live run again (their case files) and
    /// say, for each, FIXED or STILL FAILING.
    Replay(Box<ReplayArgs>),
}

/// `conformance replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The document.
    #[command(flatten)]
    pub document: DocumentArgs,
    /// The server to send the cases to (their own host is replaced).
    #[arg(long, value_name = "URL")]
    pub base_url: Url,
    /// How requests authenticate.
    #[command(flatten)]
    pub auth: LiveAuthArgs,
    /// Seconds each request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// The case files (`case-NNN-<operation>.json`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Where the document comes from.
#[derive(Debug, Clone, Default, Args)]
pub struct DocumentArgs {
    /// The OpenAPI 3.1 document (JSON or YAML); default: the committed
    /// openapi/connections.json, built in.
    #[arg(long, value_name = "PATH")]
    pub document: Option<PathBuf>,
}

/// How the report is written.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// The report's format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to this file instead of standard output (the
    /// findings and the verdict still go to standard output).
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Print a line per case while the run goes (to standard error), and
    /// the coverage table at the end.
    #[arg(long, short, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print the findings and the verdict only.
    #[arg(long, short)]
    pub quiet: bool,
}

impl Default for OutputArgs {
    fn default() -> Self {
        Self {
            format: Format::Human,
            output: None,
            verbose: false,
            quiet: false,
        }
    }
}

impl OutputArgs {
    /// How much is printed for people.
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }
}

/// `conformance examples`.
#[derive(Debug, Clone, Default, Args)]
pub struct ExamplesArgs {
    /// The document.
    #[command(flatten)]
    pub document: DocumentArgs,
    /// The fixture directory; default: `examples/` beside --document, or
    /// `openapi/examples` under the current directory.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// The report.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `conformance validate`.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// The document.
    #[command(flatten)]
    pub document: DocumentArgs,
    /// The operationId (createConnection, retrieveConnection, ...).
    #[arg(long, value_name = "OPERATION_ID")]
    pub operation: String,
    /// The payload is the response body of this status (default: the
    /// operation's first documented 2xx status).
    #[arg(long, value_name = "CODE", conflicts_with = "request")]
    pub status: Option<u16>,
    /// The payload is the request body.
    #[arg(long)]
    pub request: bool,
    /// The payload file; `-` or nothing for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: Option<PathBuf>,
}

/// How `conformance live` authenticates: exactly one of a bearer token
/// (`--token`) and client credentials (`--client-id` with
/// `--client-secret`), with which the token is fetched before the run by
/// the client crate's OAuth flow. Neither the secret nor any token is ever
/// printed.
///
/// Each can also come from the environment; what is typed wins over the
/// environment (a `CONNECTIONS_TOKEN` left in the shell does not stand in
/// the way of `--client-id`), and two ways from the same place are an
/// error ([`LiveAuthArgs::resolve`]).
#[derive(Debug, Clone, Args)]
#[group(skip)]
pub struct LiveAuthArgs {
    /// The bearer token (also read from CONNECTIONS_TOKEN; never printed).
    #[arg(
        long,
        env = TOKEN_VARIABLE,
        hide_env_values = true,
        value_name = "TOKEN",
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub token: Option<String>,
    /// The client id (API key) to fetch a token with, instead of --token;
    /// needs --client-secret.
    #[arg(
        long,
        env = ENV_CLIENT_ID,
        value_name = "ID",
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub client_id: Option<String>,
    /// The client secret (API secret) that goes with --client-id (never
    /// printed).
    #[arg(
        long,
        env = ENV_CLIENT_SECRET,
        hide_env_values = true,
        value_name = "SECRET",
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub client_secret: Option<String>,
    /// The OAuth token endpoint for --client-id (not with --token).
    #[arg(
        long,
        env = ENV_TOKEN_URL,
        value_name = "URL",
        default_value = DEFAULT_TOKEN_URL
    )]
    pub token_url: Url,
    /// The audience asked for with --client-id (not with --token).
    #[arg(
        long,
        env = ENV_AUDIENCE,
        value_name = "AUDIENCE",
        default_value = DEFAULT_AUDIENCE,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub audience: String,
    /// Where each value came from (filled by [`parse`]; a value set in
    /// code counts as typed).
    #[arg(skip)]
    pub origins: AuthOrigins,
}

/// Where a value of the command line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Typed on the command line (or set in code).
    Typed,
    /// Read from an environment variable.
    Environment,
    /// The default value.
    Default,
}

/// Where each value of [`LiveAuthArgs`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthOrigins {
    /// `--token` or `CONNECTIONS_TOKEN`.
    pub token: Origin,
    /// `--client-id` or `CONNECTIONS_CLIENT_ID`.
    pub client_id: Origin,
    /// `--client-secret` or `CONNECTIONS_CLIENT_SECRET`.
    pub client_secret: Origin,
    /// `--token-url`, `CONNECTIONS_TOKEN_URL` or the default.
    pub token_url: Origin,
    /// `--audience`, `CONNECTIONS_AUDIENCE` or the default.
    pub audience: Origin,
}

impl Default for AuthOrigins {
    fn default() -> Self {
        Self {
            token: Origin::Typed,
            client_id: Origin::Typed,
            client_secret: Origin::Typed,
            token_url: Origin::Default,
            audience: Origin::Default,
        }
    }
}

impl AuthOrigins {
    /// The origins recorded in the matches of a subcommand with
    /// [`LiveAuthArgs`].
    fn from_matches(matches: &clap::ArgMatches) -> Self {
        let origin = |id: &str| match matches.value_source(id) {
            Some(clap::parser::ValueSource::EnvVariable) => Origin::Environment,
            Some(clap::parser::ValueSource::DefaultValue) | None => Origin::Default,
            Some(_) => Origin::Typed,
        };
        Self {
            token: origin("token"),
            client_id: origin("client_id"),
            client_secret: origin("client_secret"),
            token_url: origin("token_url"),
            audience: origin("audience"),
        }
    }
}

/// How a run authenticates, once the command line and the environment
/// are resolved.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// A bearer token.
    Token {
        /// The token.
        token: String,
        /// Where it came from.
        origin: TokenOrigin,
    },
    /// Client credentials, with which a token is fetched.
    ClientCredentials(ClientCredentials),
    /// Nothing was given.
    Nothing,
}

/// Parses a command line (the program name first), recording where each
/// authentication value came from.
pub fn parse<I, T>(arguments: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = Cli::command().try_get_matches_from(arguments)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let Some((_, sub)) = matches.subcommand() {
        match &mut cli.command {
            Command::Live(args) => args.auth.origins = AuthOrigins::from_matches(sub),
            Command::Replay(args) => args.auth.origins = AuthOrigins::from_matches(sub),
            Command::Examples(_) | Command::Validate(_) => {}
        }
    }
    Ok(cli)
}

impl LiveAuthArgs {
    /// Authentication with a bearer token.
    pub fn with_token(token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..Self::default()
        }
    }

    /// Authentication with client credentials against Sitecore's token
    /// endpoint and audience.
    pub fn with_client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            client_id: Some(client_id.into()),
            client_secret: Some(client_secret.into()),
            ..Self::default()
        }
    }

    /// The way to authenticate: what is typed wins over the environment;
    /// two ways typed, or two from the environment, are an error, as is
    /// half of the client credentials, or a token endpoint typed beside a
    /// token. `Ok` also carries a note for standard error when a value of
    /// the environment is left unused.
    pub fn resolve(&self) -> Result<(Authentication, Option<String>), String> {
        let origins = &self.origins;
        let use_token = match (&self.token, &self.client_id) {
            (Some(_), Some(_)) => match (origins.token, origins.client_id) {
                (Origin::Environment, Origin::Environment) => {
                    return Err(format!(
                        "both {TOKEN_VARIABLE} and {ENV_CLIENT_ID} are set: unset one, or \
                         choose with --token or --client-id"
                    ));
                }
                (Origin::Environment, _) => false,
                (_, Origin::Environment) => true,
                _ => {
                    return Err("--token and --client-id cannot be used together: give one \
                                way to authenticate"
                        .to_string());
                }
            },
            (Some(_), None) => true,
            (None, _) => false,
        };
        let unused = |variable: &str, chosen: &str| {
            Some(format!(
                "note: {variable} is set in the environment and not used: {chosen} was given"
            ))
        };
        if use_token {
            let typed_for_credentials = [
                ("--token-url", origins.token_url == Origin::Typed),
                ("--audience", origins.audience == Origin::Typed),
                (
                    "--client-secret",
                    self.client_secret.is_some() && origins.client_secret == Origin::Typed,
                ),
            ];
            if let Some((flag, _)) = typed_for_credentials.iter().find(|(_, typed)| *typed) {
                return Err(format!("{flag} goes with --client-id, not with --token"));
            }
            let token = self.token.clone().unwrap_or_default();
            let origin = match origins.token {
                Origin::Environment => TokenOrigin::Environment,
                Origin::Typed | Origin::Default => TokenOrigin::Flag,
            };
            let note = (self.client_id.is_some() && origins.client_id == Origin::Environment)
                .then(|| unused(ENV_CLIENT_ID, "--token"))
                .flatten();
            return Ok((Authentication::Token { token, origin }, note));
        }
        let Some(id) = &self.client_id else {
            if self.client_secret.is_some() && origins.client_secret == Origin::Typed {
                return Err("--client-secret needs --client-id".to_string());
            }
            return Ok((Authentication::Nothing, None));
        };
        let Some(secret) = &self.client_secret else {
            return Err(format!(
                "--client-id needs --client-secret (or {ENV_CLIENT_SECRET})"
            ));
        };
        let credentials = ClientCredentials::new(id, secret)
            .with_token_url(self.token_url.clone())
            .with_audience(&self.audience);
        let note = (self.token.is_some() && origins.token == Origin::Environment)
            .then(|| unused(TOKEN_VARIABLE, "--client-id"))
            .flatten();
        Ok((Authentication::ClientCredentials(credentials), note))
    }
}

impl Default for LiveAuthArgs {
    fn default() -> Self {
        Self {
            token: None,
            client_id: None,
            client_secret: None,
            token_url: Url::parse(DEFAULT_TOKEN_URL).expect("the default token URL is a URL"),
            audience: DEFAULT_AUDIENCE.to_string(),
            origins: AuthOrigins::default(),
        }
    }
}

/// `conformance live`.
#[derive(Debug, Clone, Args)]
#[command(after_help = LIVE_EXAMPLES)]
pub struct LiveArgs {
    /// The document.
    #[command(flatten)]
    pub document: DocumentArgs,
    /// The server's base URL, such as `https://api-engage-eu.sitecorecloud.io`.
    #[arg(long, value_name = "URL", required_unless_present = "list_checks")]
    pub base_url: Option<Url>,
    /// How requests authenticate.
    #[command(flatten)]
    pub auth: LiveAuthArgs,
    /// Only requests that cannot write (GETs and negative checks that no
    /// server can turn into a write): safe for a production tenant.
    #[arg(long)]
    pub read_only: bool,
    /// Seconds each request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Independent cases in flight at once (a stateful sequence keeps its
    /// order); the report is the same whatever N.
    #[arg(long, value_name = "N", default_value_t = crate::config::DEFAULT_WORKERS,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: u16,
    /// At most this many requests a second, for tenants with quotas
    /// (`10/s`, or `0.5/s` for one every two seconds).
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    pub rate_limit: Option<f64>,
    /// At most N allowed creates are sent (`unlimited` for a throwaway
    /// server): the API has no delete, and a tenant keeps every connection
    /// a run creates. Creates beyond it are skipped and counted.
    #[arg(long, value_name = "N|unlimited", default_value = "5", value_parser = parse_create_bound)]
    pub max_creates: CreateBound,
    /// Stop after N findings (the report says the run is incomplete).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_failures: Option<u32>,
    /// End the run cleanly after this long (`90s`, `10m`, `1h 30m`): the
    /// report of what ran is written and says which phases were cut short.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub max_time: Option<Duration>,
    /// The connectionUrl of the connection the suite creates (what
    /// testConnection calls); default: the server's own /v2/connections.
    #[arg(long, value_name = "URL")]
    pub probe_url: Option<String>,
    /// The phases to run, comma-separated: stateful, examples, coverage,
    /// fuzzing (default: all).
    #[arg(long, value_delimiter = ',', value_name = "PHASE,...")]
    pub phases: Vec<crate::phases::Phase>,
    /// Only these checks, comma-separated (`all` for every one; see
    /// --list-checks).
    #[arg(long, value_delimiter = ',', value_name = "CHECK,...")]
    pub checks: Vec<String>,
    /// Leave out these checks, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CHECK,...")]
    pub exclude_checks: Vec<String>,
    /// The seed (printed on every run): the same seed against the same
    /// server sends the same requests.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// At most N coverage cases per operation (spread over its members),
    /// and N fuzzing cases per operation (default: 20).
    #[arg(long, value_name = "N")]
    pub max_cases: Option<usize>,
    /// A failing fuzzed case is shrunk, once per finding, through at most
    /// N smaller candidates (each one request).
    #[arg(long, value_name = "N", default_value_t = crate::generate::fuzz::DEFAULT_MAX_SHRINK_STEPS)]
    pub max_shrink_steps: usize,
    /// Report failing fuzzed cases as drawn, without shrinking them.
    #[arg(long)]
    pub no_shrink: bool,
    /// Where the smallest case of each finding is written as a JSON file,
    /// for `conformance replay`.
    #[arg(long, value_name = "DIR", default_value = "conformance-cases")]
    pub cases_dir: PathBuf,
    /// Write every exchange to this file as HAR 1.2 (secrets redacted), as
    /// the run goes: a valid archive after each exchange; each body's
    /// first 1 MiB.
    #[arg(long, value_name = "PATH")]
    pub har: Option<PathBuf>,
    /// Print every check with one line each, and exit.
    #[arg(long, exclusive = true)]
    pub list_checks: bool,
    /// The report.
    #[command(flatten)]
    pub output: OutputArgs,
}

impl LiveArgs {
    /// A full run of every phase against `base_url`, with the defaults of
    /// the command line (case files under `cases_dir`).
    pub fn new(
        document: DocumentArgs,
        base_url: Url,
        auth: LiveAuthArgs,
        cases_dir: PathBuf,
    ) -> Self {
        Self {
            document,
            base_url: Some(base_url),
            auth,
            read_only: false,
            timeout: 30,
            workers: crate::config::DEFAULT_WORKERS,
            rate_limit: None,
            max_creates: CreateBound(Some(crate::config::DEFAULT_MAX_CREATES)),
            max_failures: None,
            max_time: None,
            probe_url: None,
            phases: Vec::new(),
            checks: Vec::new(),
            exclude_checks: Vec::new(),
            seed: None,
            max_cases: None,
            max_shrink_steps: crate::generate::fuzz::DEFAULT_MAX_SHRINK_STEPS,
            no_shrink: false,
            cases_dir,
            har: None,
            list_checks: false,
            output: OutputArgs::default(),
        }
    }
}

/// Turns `stop` true on the first SIGINT or SIGTERM.
async fn watch_signals(stop: tokio::sync::watch::Sender<bool>) {
    let interrupt = tokio::signal::ctrl_c();
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
        _ = interrupt => {}
        () = terminate => {}
    }
    let _ = stop.send(true);
}

/// `--max-creates`: a number, or no bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateBound(pub Option<usize>);

fn parse_create_bound(text: &str) -> Result<CreateBound, String> {
    if text == "unlimited" {
        return Ok(CreateBound(None));
    }
    text.parse::<usize>()
        .map(|n| CreateBound(Some(n)))
        .map_err(|_| format!("`{text}` is not a number of creates (or `unlimited`)"))
}

/// `--rate-limit`: requests a second, written `N/s` or `N`, above zero.
fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.trim().strip_suffix("/s").unwrap_or(text.trim());
    match number.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!(
            "`{text}` is not a rate: write requests a second, such as 10/s or 0.5/s"
        )),
    }
}

/// The examples under `conformance live --help`.
const LIVE_EXAMPLES: &str = "\
Examples:
  With a token:
    CONNECTIONS_TOKEN=... conformance live --base-url https://api-engage-eu.sitecorecloud.io --read-only
  With the tenant's API key and secret (the token is fetched from
  https://auth.sitecorecloud.io/oauth/token, or --token-url):
    CONNECTIONS_CLIENT_ID=... CONNECTIONS_CLIENT_SECRET=... \\
      conformance live --base-url https://api-engage-eu.sitecorecloud.io --read-only
Exit codes: 0 every check passed, 1 at least one finding, 2 could not run
(unreachable server, token request or token refused, a server that is not
this API, bad arguments), 3 stopped before it was through (--max-time,
--max-failures, SIGINT, SIGTERM) with no finding.";

/// Why a command could not run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The document is not JSON or YAML.
    #[error("the document {path} is not {format}: {reason}")]
    DocumentSyntax {
        /// The file.
        path: String,
        /// JSON or YAML.
        format: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// The document is not a usable contract.
    #[error("the document {path} cannot be used: {source}")]
    Document {
        /// The file.
        path: String,
        /// Why.
        source: crate::ConformanceError,
    },
    /// The report could not be written.
    #[error("cannot write the report to {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Examples(args) => examples(&args),
        Command::Validate(args) => validate(&args),
        Command::Live(args) => live(&args),
        Command::Replay(args) => replay(&args),
    }
}

/// Prints a one-line reason and returns [`exit::COULD_NOT_RUN`].
fn could_not_run(error: &dyn std::fmt::Display) -> u8 {
    warn!("conformance: could not run: {error}");
    exit::COULD_NOT_RUN
}

/// Loads the document: the file given, else the committed one.
pub fn load_contract(document: &DocumentArgs) -> Result<(Contract, String), CliError> {
    let Some(path) = &document.document else {
        let contract =
            Contract::from_json(COMMITTED_DOCUMENT).map_err(|source| CliError::Document {
                path: "openapi/connections.json (built in)".to_string(),
                source,
            })?;
        return Ok((contract, "openapi/connections.json".to_string()));
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: shown.clone(),
        source,
    })?;
    let is_yaml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let value: serde_json::Value = if is_yaml {
        yaml_serde::from_str(&text).map_err(|e| CliError::DocumentSyntax {
            path: shown.clone(),
            format: "YAML",
            reason: e.to_string(),
        })?
    } else {
        parse_json(&text).map_err(|e| CliError::DocumentSyntax {
            path: shown.clone(),
            format: "JSON",
            reason: e.to_string(),
        })?
    };
    let contract = Contract::from_value(value).map_err(|source| CliError::Document {
        path: shown.clone(),
        source,
    })?;
    Ok((contract, shown))
}

/// Writes a finished report. People's part (the findings, the checks
/// table and the verdict, as much as the verbosity says) goes to standard
/// output, unless standard output is the report itself (`--format json`
/// or `junit` without `--output`), when the verdict goes to standard error
/// so that the report stays clean. `streamed` says whether the lines of
/// each case were already printed while the run went (to standard error);
/// when they were not (the examples suite), a verbose run prints them now.
pub fn emit(report: &Report, output: &OutputArgs, streamed: bool) -> Result<(), CliError> {
    let verbosity = output.verbosity();
    let full = report.render(output.format);
    let mut people = String::new();
    if !streamed && verbosity == Verbosity::Verbose {
        for check in &report.checks {
            people.push_str(&terminal_safe(&report.scrub(&progress_line(check))));
            people.push('\n');
        }
        people.push('\n');
    }
    people.push_str(&report.render_summary(verbosity));
    match &output.output {
        Some(path) => {
            std::fs::write(path, &full).map_err(|source| CliError::Write {
                path: path.display().to_string(),
                source,
            })?;
            let mut stdout = std::io::stdout();
            let _ = stdout.write_all(people.as_bytes());
            let _ = writeln!(stdout, "report written to {}", path.display());
            let _ = stdout.flush();
        }
        None if output.format == Format::Human => {
            let mut stdout = std::io::stdout();
            let _ = stdout.write_all(people.as_bytes());
            let _ = stdout.flush();
        }
        None => {
            warn!("{}", report.summary_line());
            let mut stdout = std::io::stdout();
            let _ = stdout.write_all(full.as_bytes());
            let _ = stdout.flush();
        }
    }
    Ok(())
}

/// The exit code of a finished report.
pub fn exit_code(report: &Report) -> u8 {
    report.exit_status()
}

/// `conformance examples`.
pub fn examples(args: &ExamplesArgs) -> u8 {
    let (contract, target) = match load_contract(&args.document) {
        Ok(loaded) => loaded,
        Err(error) => return could_not_run(&error),
    };
    let fixtures = args.fixtures.clone().or_else(|| {
        let beside = match &args.document.document {
            Some(path) => path.parent().unwrap_or(Path::new(".")).join("examples"),
            None => PathBuf::from("openapi/examples"),
        };
        beside.is_dir().then_some(beside)
    });
    if let Some(directory) = &args.fixtures
        && !directory.is_dir()
    {
        return could_not_run(&format!(
            "the fixture directory {} does not exist",
            directory.display()
        ));
    }
    let report = match check_examples(&contract, &target, fixtures.as_deref()) {
        Ok(report) => report,
        Err(error) => return could_not_run(&error),
    };
    match emit(&report, &args.output, false) {
        Ok(()) => exit_code(&report),
        Err(error) => could_not_run(&error),
    }
}

/// `conformance validate`.
pub fn validate(args: &ValidateArgs) -> u8 {
    let (contract, _) = match load_contract(&args.document) {
        Ok(loaded) => loaded,
        Err(error) => return could_not_run(&error),
    };
    let direction = match (args.request, args.status) {
        (true, _) => Direction::Request,
        (false, Some(status)) => Direction::Response(status),
        (false, None) => Direction::DefaultResponse,
    };
    // Operation and status first: a wrong argument is "could not run"
    // even when the payload is not JSON either.
    let (target, schema) = match payload_schema(&contract, &args.operation, direction) {
        Ok(found) => found,
        Err(error) => return could_not_run(&error),
    };
    let (source, text) = match args.file.as_deref() {
        None => read_stdin(),
        Some(path) if path == Path::new("-") => read_stdin(),
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path).map_err(|source| CliError::Read {
                path: path.display().to_string(),
                source,
            }),
        ),
    };
    let text = match text {
        Ok(text) => text,
        Err(error) => return could_not_run(&error),
    };
    let payload = match parse_json(&text) {
        Ok(payload) => payload,
        Err(error) => {
            say!("✗ {source} is {error}");
            return exit::VIOLATIONS;
        }
    };
    let verdict = PayloadVerdict {
        target,
        schema_pointer: schema.pointer.clone(),
        violations: schema.violations(&payload),
    };
    if verdict.violations.is_empty() {
        say!(
            "✓ {source} conforms to {} (schema #{})",
            verdict.target,
            verdict.schema_pointer
        );
        return exit::PASSED;
    }
    let count = verdict.violations.len();
    say!(
        "✗ {source} does not conform to {} (schema #{}): {count} violation{}",
        verdict.target,
        verdict.schema_pointer,
        if count == 1 { "" } else { "s" }
    );
    for violation in &verdict.violations {
        let at = if violation.instance_path.is_empty() {
            "(the whole body)"
        } else {
            &violation.instance_path
        };
        say!("  {at}: {}", violation.message);
        say!(
            "      keyword: {} at {}",
            violation.keyword,
            violation.keyword_location
        );
    }
    exit::VIOLATIONS
}

fn read_stdin() -> (String, Result<String, CliError>) {
    let mut text = String::new();
    let result = std::io::stdin()
        .read_to_string(&mut text)
        .map(|_| text)
        .map_err(|source| CliError::Read {
            path: "standard input".to_string(),
            source,
        });
    ("standard input".to_string(), result)
}

/// `conformance live`.
pub fn live(args: &LiveArgs) -> u8 {
    if args.list_checks {
        print!("{}", crate::checks::list());
        return exit::PASSED;
    }
    let Some(base_url) = args.base_url.clone() else {
        return could_not_run(&"no --base-url");
    };
    let (contract, _) = match load_contract(&args.document) {
        Ok(loaded) => loaded,
        Err(error) => return could_not_run(&error),
    };
    let checks = match crate::checks::CheckSelection::new(&args.checks, &args.exclude_checks) {
        Ok(checks) => checks,
        Err(error) => return could_not_run(&error),
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let (runtime, token) = match runtime_and_token(&args.auth, timeout) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    let generative = crate::phases::GenerativeConfig {
        phases: if args.phases.is_empty() {
            crate::phases::Phase::ALL.into_iter().collect()
        } else {
            args.phases.iter().copied().collect()
        },
        checks,
        seed: args.seed.unwrap_or_else(crate::generate::rng::fresh_seed),
        max_cases: args.max_cases,
        case_dir: Some(args.cases_dir.clone()),
        har: args.har.clone(),
        max_shrink_steps: if args.no_shrink {
            0
        } else {
            args.max_shrink_steps
        },
    };
    // SIGINT and SIGTERM end the run as its budget does: what ran is
    // reported, marked incomplete.
    let (stop, interrupt) = tokio::sync::watch::channel(false);
    let config = LiveConfig {
        base_url,
        token: token.token,
        token_provider: token.provider,
        token_origin: token.origin,
        read_only: args.read_only,
        timeout,
        workers: usize::from(args.workers),
        rate_limit: args.rate_limit,
        max_creates: args.max_creates.0,
        max_failures: args.max_failures.map(|n| n as usize),
        max_time: args.max_time,
        interrupt: Some(interrupt),
        probe_url: args.probe_url.clone(),
        client_secret: args.auth.client_secret.clone(),
        generative,
        verbosity: args.output.verbosity(),
    };
    // Progress is for people and goes to standard error, so that standard
    // output holds the report alone when it is one.
    let result = runtime.block_on(async {
        let watcher = tokio::spawn(watch_signals(stop));
        let result = run_live(&contract, &config, |line| warn!("{line}")).await;
        watcher.abort();
        result
    });
    let report = match result {
        Ok(report) => report,
        Err(error) => return could_not_run(&error),
    };
    match emit(&report, &args.output, true) {
        Ok(()) => exit_code(&report),
        Err(error) => could_not_run(&error),
    }
}

/// What a run authenticates with: the bearer token, where it came from,
/// and with client credentials the provider that renews it.
struct RunToken {
    token: String,
    origin: TokenOrigin,
    provider: Option<std::sync::Arc<connections_client::auth::TokenProvider>>,
}

/// The runtime of a run against a server and its token: the one given, or
/// one fetched with the client credentials given (none when neither is),
/// whose provider renews it during the run. `Err` is the exit code, the
/// reason already printed.
fn runtime_and_token(
    auth: &LiveAuthArgs,
    timeout: Duration,
) -> Result<(tokio::runtime::Runtime, RunToken), u8> {
    let (authentication, note) = auth.resolve().map_err(|error| could_not_run(&error))?;
    if let Some(note) = note {
        warn!("conformance: {note}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| could_not_run(&CliError::Runtime(error)))?;
    let token = match authentication {
        Authentication::ClientCredentials(credentials) => {
            let origin = TokenOrigin::Fetched {
                token_url: credentials.token_url().to_string(),
            };
            let provider =
                token_provider(credentials, timeout).map_err(|error| could_not_run(&error))?;
            // The first token now: wrong credentials stop the run before
            // anything else is sent.
            let token = runtime
                .block_on(provider.access_token())
                .map_err(|error| could_not_run(&error))?
                .secret()
                .to_string();
            RunToken {
                token,
                origin,
                provider: Some(provider),
            }
        }
        Authentication::Token { token, origin } => RunToken {
            token,
            origin,
            provider: None,
        },
        Authentication::Nothing => RunToken {
            token: String::new(),
            origin: TokenOrigin::Given,
            provider: None,
        },
    };
    Ok((runtime, token))
}

/// `conformance replay`.
pub fn replay(args: &ReplayArgs) -> u8 {
    let (contract, _) = match load_contract(&args.document) {
        Ok(loaded) => loaded,
        Err(error) => return could_not_run(&error),
    };
    let mut cases = Vec::new();
    for file in &args.files {
        match crate::cases::CaseFile::read(file) {
            Ok(case) => cases.push(case),
            Err(error) => return could_not_run(&error),
        }
    }
    let timeout = Duration::from_secs(args.timeout.max(1));
    let (runtime, token) = match runtime_and_token(&args.auth, timeout) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    let mut config = LiveConfig::new(args.base_url.clone(), token.token);
    config.token_origin = token.origin;
    config.token_provider = token.provider;
    config.timeout = timeout;
    config.client_secret = args.auth.client_secret.clone();
    let result = runtime.block_on(crate::replay::replay(&contract, &config, &cases, |line| {
        say!("{line}")
    }));
    match result {
        Ok((verdicts, _)) => {
            let failing = verdicts
                .iter()
                .filter(|v| **v == crate::replay::Verdict::StillFailing)
                .count();
            say!(
                "replay: {} case(s), {} fixed, {failing} still failing",
                verdicts.len(),
                verdicts.len() - failing
            );
            if failing == 0 {
                exit::PASSED
            } else {
                exit::VIOLATIONS
            }
        }
        Err(error) => could_not_run(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_bounds_are_numbers_or_unlimited() {
        assert_eq!(parse_create_bound("0"), Ok(CreateBound(Some(0))));
        assert_eq!(parse_create_bound("12"), Ok(CreateBound(Some(12))));
        assert_eq!(parse_create_bound("unlimited"), Ok(CreateBound(None)));
        assert!(parse_create_bound("-1").is_err());
        assert!(parse_create_bound("many").is_err());
    }

    #[test]
    fn rates_are_requests_a_second() {
        assert_eq!(parse_rate("10/s"), Ok(10.0));
        assert_eq!(parse_rate("0.5/s"), Ok(0.5));
        assert_eq!(parse_rate("3"), Ok(3.0));
        for wrong in ["0/s", "-1/s", "fast", "10/min", "inf", "NaN/s"] {
            assert!(parse_rate(wrong).is_err(), "{wrong}");
        }
    }
}
