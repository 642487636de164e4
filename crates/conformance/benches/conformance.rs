//! Speed of the conformance suite (`harness = false`: a plain binary).
//!
//! What is measured:
//! - validations per second of the documented Connection payload (the
//!   retrieve-a-connection example, `weatherDataSystem`) against the
//!   compiled schema of `retrieveConnection`'s 200 response:
//!   `is_valid/documented_connection` (the yes/no answer),
//!   `violations/documented_connection` (collecting violations, what a live
//!   check does) and `violations/two_violations` (a payload with a number
//!   as `name` and an unknown `systemType`);
//! - `compile/document`: loading the document and compiling every schema;
//! - `live/full_suite`: the wall time of the whole live suite against an
//!   in-process sandbox on 127.0.0.1.
//!
//! How it runs:
//! - `cargo bench -p connections-conformance --bench conformance`: measures
//!   with the defaults and prints a table;
//! - `… -- measure [--document PATH] [--payloads DIR] [--budget-ms MS]
//!   [--format json]`: measures what it is given; `--format json` prints one
//!   JSON object per line (`record`: `about` or `measurement`), which
//!   `cargo xtask bench` reads;
//! - `… -- payloads DIR`: writes the payloads (`documented_connection.json`,
//!   `two_violations.json`) so that another validator
//!   (`benches/python_jsonschema.py`) checks byte-identical input;
//! - without `--bench` (what `cargo test --benches` passes): runs each
//!   benchmark once and checks its outcome, measuring nothing.

use std::{
    hint::black_box,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail, ensure};
use clap::{Args, Parser, Subcommand, ValueEnum};
use connections_conformance::{
    COMMITTED_DOCUMENT, Contract,
    contract::CompiledSchema,
    live::{LiveConfig, random_token, run_live},
    payload::{Direction, payload_schema},
};
use connections_sandbox::{OutboundPolicy, Sandbox, SandboxConfig};
use serde::Serialize;
use serde_json::{Value, json};

/// The operation and status whose schema the payloads are validated against.
const OPERATION: &str = "retrieveConnection";
const STATUS: u16 = 200;
/// The name of the documented example (in `connections_spec::examples`).
const EXAMPLE: &str = "weatherDataSystem";

/// The payload files, in the directory `payloads` writes.
const DOCUMENTED_CONNECTION_FILE: &str = "documented_connection.json";
const TWO_VIOLATIONS_FILE: &str = "two_violations.json";

/// The benchmark names, shared with the Python script and `cargo xtask bench`.
const IS_VALID_DOCUMENTED: &str = "is_valid/documented_connection";
const VIOLATIONS_DOCUMENTED: &str = "violations/documented_connection";
const VIOLATIONS_TWO: &str = "violations/two_violations";
const COMPILE_DOCUMENT: &str = "compile/document";
const LIVE_FULL_SUITE: &str = "live/full_suite";

/// The implementation name in the JSON lines.
const IMPLEMENTATION: &str = "rust";

/// Validations per timed batch (a few milliseconds each).
const BATCH: u64 = 1000;

#[derive(Parser)]
#[command(name = "conformance-bench", about = "Speed of the conformance suite")]
struct Cli {
    /// Passed by `cargo bench`: measure with the defaults (without it, as
    /// under `cargo test`, each benchmark runs once, unmeasured).
    #[arg(long = "bench", global = true, hide = true)]
    cargo_bench: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Measure and print the figures.
    Measure(MeasureArgs),
    /// Write the payloads into DIR (created when missing).
    Payloads {
        /// Where to write them.
        dir: PathBuf,
    },
}

#[derive(Args)]
struct MeasureArgs {
    /// The OpenAPI document (default: the committed one, built in).
    #[arg(long)]
    document: Option<PathBuf>,
    /// A directory written by `payloads` (default: the built-in payloads).
    #[arg(long)]
    payloads: Option<PathBuf>,
    /// How long each validation benchmark runs, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    budget_ms: u64,
    /// How many times the document is compiled.
    #[arg(long, default_value_t = 20)]
    compile_runs: usize,
    /// How many times the live suite runs.
    #[arg(long, default_value_t = 5)]
    live_runs: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

impl Default for MeasureArgs {
    fn default() -> Self {
        Self {
            document: None,
            payloads: None,
            budget_ms: 2000,
            compile_runs: 20,
            live_runs: 5,
            format: Format::Human,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A table for a terminal.
    Human,
    /// One JSON object per line.
    Json,
}

/// One line of `--format json`.
#[derive(Serialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum Record<'a> {
    /// What is measured.
    About {
        implementation: &'a str,
        description: String,
    },
    /// One figure: validations per second of one timed run, or the
    /// seconds of one run.
    Measurement {
        implementation: &'a str,
        benchmark: &'a str,
        unit: &'a str,
        value: f64,
    },
}

/// The payloads both validators check.
struct Payloads {
    documented_connection: Value,
    two_violations: Value,
}

impl Payloads {
    /// The documented example, verbatim, and the same with two violations.
    fn built_in() -> anyhow::Result<(String, String)> {
        let example = connections_spec::examples::ALL
            .iter()
            .find(|e| e.operation_id == OPERATION && e.name == EXAMPLE)
            .with_context(|| format!("the spec has no {OPERATION} example {EXAMPLE}"))?;
        let mut broken: Value = serde_json::from_str(example.json)?;
        broken["name"] = json!(42);
        broken["systemType"] = json!("WAREHOUSE");
        Ok((
            example.json.to_string(),
            serde_json::to_string_pretty(&broken)? + "\n",
        ))
    }

    fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let (documented, broken) = match dir {
            None => Self::built_in()?,
            Some(dir) => (
                read(&dir.join(DOCUMENTED_CONNECTION_FILE))?,
                read(&dir.join(TWO_VIOLATIONS_FILE))?,
            ),
        };
        Ok(Self {
            documented_connection: serde_json::from_str(&documented)
                .context("the documented connection is not JSON")?,
            two_violations: serde_json::from_str(&broken)
                .context("the two-violations payload is not JSON")?,
        })
    }

    fn write(dir: &Path) -> anyhow::Result<()> {
        let (documented, broken) = Self::built_in()?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (file, text) in [
            (DOCUMENTED_CONNECTION_FILE, documented),
            (TWO_VIOLATIONS_FILE, broken),
        ] {
            let path = dir.join(file);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The fixture every benchmark needs: the document, its compiled
/// contract, the schema and the payloads, checked to give the expected
/// answers.
struct Fixture {
    document: String,
    contract: Contract,
    payloads: Payloads,
}

impl Fixture {
    fn load(args: &MeasureArgs) -> anyhow::Result<Self> {
        let document = match &args.document {
            Some(path) => read(path)?,
            None => COMMITTED_DOCUMENT.to_string(),
        };
        let contract = Contract::from_json(&document).context("the document does not compile")?;
        let payloads = Payloads::load(args.payloads.as_deref())?;
        let fixture = Self {
            document,
            contract,
            payloads,
        };
        let schema = fixture.schema()?;
        ensure!(
            schema.is_valid(&fixture.payloads.documented_connection),
            "the documented connection does not validate: {:?}",
            schema.violations(&fixture.payloads.documented_connection)
        );
        let found = schema.violations(&fixture.payloads.two_violations).len();
        ensure!(
            found == 2,
            "the two-violations payload has {found} violations"
        );
        Ok(fixture)
    }

    fn schema(&self) -> anyhow::Result<&CompiledSchema> {
        let (_, schema) = payload_schema(&self.contract, OPERATION, Direction::Response(STATUS))?;
        Ok(schema)
    }
}

/// Prints the records as JSON lines or a table.
struct Output {
    format: Format,
}

impl Output {
    fn about(&self, description: String) {
        match self.format {
            Format::Json => print_json(&Record::About {
                implementation: IMPLEMENTATION,
                description,
            }),
            Format::Human => println!("{description}"),
        }
    }

    fn throughput(&self, benchmark: &str, per_second: f64) {
        match self.format {
            Format::Json => print_json(&Record::Measurement {
                implementation: IMPLEMENTATION,
                benchmark,
                unit: "per_second",
                value: per_second,
            }),
            Format::Human => println!(
                "{benchmark:40} {per_second:>14.0} validations/s  ({:>9.3} µs each)",
                1e6 / per_second
            ),
        }
    }

    fn durations(&self, benchmark: &str, runs: &[Duration]) {
        match self.format {
            Format::Json => {
                for run in runs {
                    print_json(&Record::Measurement {
                        implementation: IMPLEMENTATION,
                        benchmark,
                        unit: "seconds",
                        value: run.as_secs_f64(),
                    });
                }
            }
            Format::Human => {
                let mut sorted = runs.to_vec();
                sorted.sort();
                if let (Some(first), Some(last)) = (sorted.first(), sorted.last()) {
                    println!(
                        "{benchmark:40} {:>11.3} ms median of {} runs (min {:.3}, max {:.3})",
                        // The mean of the middle two for an even count.
                        (sorted[(sorted.len() - 1) / 2] + sorted[sorted.len() / 2]).as_secs_f64()
                            * 0.5e3,
                        sorted.len(),
                        first.as_secs_f64() * 1e3,
                        last.as_secs_f64() * 1e3,
                    );
                }
            }
        }
    }
}

fn print_json(record: &Record<'_>) {
    // A record of strings and finite numbers always serializes.
    if let Ok(line) = serde_json::to_string(record) {
        println!("{line}");
    }
}

/// Calls `validate` in batches until `budget` has passed (after a warm-up
/// of a tenth of it); returns validations per second.
fn throughput(budget: Duration, mut validate: impl FnMut()) -> f64 {
    let warm_up = Instant::now();
    while warm_up.elapsed() < budget / 10 {
        validate();
    }
    let started = Instant::now();
    let mut runs = 0u64;
    loop {
        for _ in 0..BATCH {
            validate();
        }
        runs += BATCH;
        let elapsed = started.elapsed();
        if elapsed >= budget {
            return runs as f64 / elapsed.as_secs_f64();
        }
    }
}

fn measure(args: &MeasureArgs) -> anyhow::Result<()> {
    ensure!(args.budget_ms > 0, "--budget-ms must be positive");
    ensure!(
        args.compile_runs > 0 && args.live_runs > 0,
        "--compile-runs and --live-runs must be positive"
    );
    let output = Output {
        format: args.format,
    };
    let fixture = Fixture::load(args)?;
    let schema = fixture.schema()?;
    let budget = Duration::from_millis(args.budget_ms);
    let valid = &fixture.payloads.documented_connection;
    let invalid = &fixture.payloads.two_violations;
    output.throughput(
        IS_VALID_DOCUMENTED,
        throughput(budget, || {
            black_box(schema.is_valid(black_box(valid)));
        }),
    );
    output.throughput(
        VIOLATIONS_DOCUMENTED,
        throughput(budget, || {
            black_box(schema.violations(black_box(valid)));
        }),
    );
    output.throughput(
        VIOLATIONS_TWO,
        throughput(budget, || {
            black_box(schema.violations(black_box(invalid)));
        }),
    );

    let mut compile = Vec::with_capacity(args.compile_runs);
    for _ in 0..args.compile_runs {
        let started = Instant::now();
        black_box(Contract::from_json(black_box(&fixture.document))?);
        compile.push(started.elapsed());
    }
    output.durations(COMPILE_DOCUMENT, &compile);

    let (live, checks) = live_suite(&fixture.contract, args.live_runs)?;
    output.durations(LIVE_FULL_SUITE, &live);
    output.about(format!(
        "connections-conformance {} (jsonschema crate, Draft 2020-12, formats checked), \
         schema {}; live suite: {checks} checks",
        env!("CARGO_PKG_VERSION"),
        schema.pointer
    ));
    Ok(())
}

/// Runs the live suite `runs` times against one in-process sandbox (after
/// one unmeasured warm-up run); returns the wall time of each run and
/// the number of checks of a run.
fn live_suite(contract: &Contract, runs: usize) -> anyhow::Result<(Vec<Duration>, usize)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let token = random_token();
        let sandbox = Sandbox::start(SandboxConfig {
            token: Some(token.clone()),
            // testConnection calls the sandbox itself, on 127.0.0.1.
            outbound: OutboundPolicy {
                loopback_only: true,
                ..OutboundPolicy::default()
            },
            ..SandboxConfig::ephemeral()
        })
        .await?;
        let mut config = LiveConfig::new(sandbox.base_url().parse()?, token);
        // The scripted scenario (`cargo xtask bench-schemathesis` measures
        // the generative phases).
        config.generative.phases = [connections_conformance::phases::Phase::Stateful]
            .into_iter()
            .collect();
        let mut durations = Vec::with_capacity(runs);
        let mut checks = 0;
        for run in 0..=runs {
            let started = Instant::now();
            let report = run_live(contract, &config, |_| {}).await?;
            let elapsed = started.elapsed();
            if !report.passed() {
                bail!(
                    "the live suite failed against the sandbox:\n{}",
                    report.render_human()
                );
            }
            checks = report.checks.len();
            if run > 0 {
                durations.push(elapsed);
            }
        }
        sandbox.shutdown().await?;
        Ok((durations, checks))
    })
}

/// Under `cargo test`: each benchmark once, its outcome checked.
fn smoke_test() -> anyhow::Result<()> {
    let fixture = Fixture::load(&MeasureArgs::default())?;
    Contract::from_json(&fixture.document)?;
    let (_, checks) = live_suite(&fixture.contract, 1)?;
    println!(
        "conformance bench: every benchmark ran once, the live suite with {checks} checks \
         (use `cargo bench` to measure)"
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Payloads { dir }) => Payloads::write(&dir),
        Some(Command::Measure(args)) => measure(&args),
        None if cli.cargo_bench => measure(&MeasureArgs::default()),
        None => smoke_test(),
    }
}
