//! `cargo xtask bench`: benchmarks, one part at a time (`--part NAME`,
//! every part by default). Each part is a [`Part`] and a function here;
//! a new part is one variant and one match arm in [`run`].
//!
//! Part `validator`: the conformance validator (Rust, measured by
//! criterion: `crates/integration-tests/benches/conformance.rs`) and
//! Python's `jsonschema` (`crates/conformance/benches/python_jsonschema.py`)
//! side by side, on the same document and byte-identical payloads:
//! 1. writes the payloads under `target/bench/payloads/`;
//! 2. runs the criterion benchmark (its own statistics: the median time
//!    per iteration and its 95 % confidence interval);
//! 3. prepares a venv under `target/bench-venv` with the pinned
//!    [`PYTHON_REQUIREMENTS`] (reused when they are installed); without
//!    Python or pip it says why and reports Rust alone;
//! 4. runs the Python script for `--rounds` rounds, each for the same
//!    measurement time per benchmark;
//! 5. prints a Markdown table: per benchmark, Rust's median rate with its
//!    interval, Python's median of rounds with min–max, and the ratio.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    path::{Path, PathBuf},
    process::{Command, ExitCode, Stdio},
};

use anyhow::Context as _;
use connections_integration_tests::Payloads;
use serde::Deserialize;

/// The Python packages the comparison runs with, pinned.
pub const PYTHON_REQUIREMENTS: [&str; 2] = ["jsonschema==4.23.0", "rfc3339-validator==0.1.4"];

/// The package and the criterion benchmark of the Rust side.
const BENCH_PACKAGE: &str = "connections-integration-tests";
const BENCH_TARGET: &str = "conformance";
/// The Python script, relative to the workspace root.
const PYTHON_SCRIPT: &str = "crates/conformance/benches/python_jsonschema.py";
/// The document both sides compile, relative to the workspace root.
const DOCUMENT: &str = "openapi/connections.json";
/// Where the venv and the payloads go, relative to the workspace root.
const VENV_DIR: &str = "target/bench-venv";
const PAYLOADS_DIR: &str = "target/bench/payloads";

/// The Python implementations, as their records name them.
const PYTHONS: [(&str, &str); 2] = [
    (
        "python_registry",
        "Python `jsonschema`, $refs via a registry",
    ),
    ("python_inlined", "Python `jsonschema`, $refs inlined"),
];

/// The validation benchmarks (both sides), in table order, with labels.
const THROUGHPUT_ROWS: [(&str, &str); 3] = [
    (
        "is_valid/documented_connection",
        "documented Connection (retrieve example) valid?",
    ),
    (
        "violations/documented_connection",
        "same payload, collecting violations (what a live check does)",
    ),
    (
        "violations/two_violations",
        "payload with two violations, collecting them",
    ),
];

/// The timed benchmarks (Rust only), with labels.
const DURATION_ROWS: [(&str, &str); 2] = [
    (
        "compile/document",
        "load the document, compile every schema",
    ),
    (
        "live/full_suite",
        "full live suite against an in-process sandbox",
    ),
];

/// A part of `cargo xtask bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// The conformance validator (criterion) beside Python's jsonschema.
    Validator,
    /// The sandbox under `wrk` beside a bare axum handler.
    Sandbox,
    /// Our coverage + stateful phases and Schemathesis side by side against
    /// the same release-built sandbox: cases/s, the ratio, distinct cases.
    Schemathesis,
    /// The same, one network hop away (a proxy adding a fixed latency):
    /// our default workers and one worker, Schemathesis' default and four
    /// workers, and one injected fault.
    Edge,
}

/// `cargo xtask bench`.
#[derive(Clone, Debug, clap::Args)]
pub struct Args {
    /// The parts to run (repeatable; default: every part).
    #[arg(long = "part", value_enum)]
    pub parts: Vec<Part>,
    /// Rounds of the Python side.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub rounds: u32,
    /// Measurement time of each benchmark, in seconds (criterion's
    /// --measurement-time; the Python side's budget per round).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub measurement_time: u64,
    /// Measure the Rust side only (no Python, no venv).
    #[arg(long)]
    pub rust_only: bool,
    /// Part `sandbox`: seconds per load run.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=300))]
    pub seconds: u32,
    /// Part `sandbox`: measure this sandbox binary instead of the release
    /// build of this tree (to compare with an older build).
    #[arg(long)]
    pub sandbox_bin: Option<PathBuf>,
    /// Part `schemathesis`: the options of that comparison.
    #[command(flatten)]
    pub schemathesis: super::bench_schemathesis::SchemathesisBenchOptions,
    /// Part `edge`: the options of that comparison.
    #[command(flatten)]
    pub edge: super::bench_edge::EdgeBenchOptions,
}

/// Runs the chosen parts in order.
pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let parts = if args.parts.is_empty() {
        vec![
            Part::Validator,
            Part::Sandbox,
            Part::Schemathesis,
            Part::Edge,
        ]
    } else {
        args.parts.clone()
    };
    for part in parts {
        match part {
            Part::Validator => validator(root, &args)?,
            Part::Sandbox => super::bench_sandbox::run(
                root,
                &super::bench_sandbox::SandboxBenchOptions {
                    seconds: args.seconds,
                    sandbox_bin: args.sandbox_bin.clone(),
                },
            )?,
            Part::Schemathesis => {
                super::bench_schemathesis::run(root, &args.schemathesis)?;
            }
            Part::Edge => super::bench_edge::run(root, &args.edge)?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line printed by the Python side.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case", deny_unknown_fields)]
pub enum Record {
    /// What an implementation is (versions, settings).
    About {
        /// `python_registry`, `python_inlined`.
        implementation: String,
        /// Free text.
        description: String,
    },
    /// One figure of one round.
    Measurement {
        /// Which implementation.
        implementation: String,
        /// Which benchmark (`is_valid/documented_connection`, …).
        benchmark: String,
        /// What `value` counts (`per_second`).
        unit: String,
        /// The figure.
        value: f64,
    },
}

/// Parses the script's stdout: one record per line, blank lines ignored.
pub fn parse_records(stdout: &str) -> anyhow::Result<Vec<Record>> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let record: Record = serde_json::from_str(line)
                .with_context(|| format!("the Python benchmark printed {line:?}"))?;
            if let Record::Measurement { value, .. } = &record {
                anyhow::ensure!(
                    value.is_finite() && *value > 0.0,
                    "the Python benchmark printed a value that is not positive: {line:?}"
                );
            }
            Ok(record)
        })
        .collect()
}

/// Criterion's estimate of one benchmark: nanoseconds per iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The median.
    pub median: f64,
    /// The lower bound of its 95 % confidence interval.
    pub lower: f64,
    /// The upper bound.
    pub upper: f64,
}

/// Reads the median of criterion's `estimates.json`.
pub fn parse_estimate(text: &str) -> anyhow::Result<Estimate> {
    #[derive(Deserialize)]
    struct Interval {
        lower_bound: f64,
        upper_bound: f64,
    }
    #[derive(Deserialize)]
    struct Statistic {
        confidence_interval: Interval,
        point_estimate: f64,
    }
    #[derive(Deserialize)]
    struct Estimates {
        median: Statistic,
    }
    let estimates: Estimates = serde_json::from_str(text).context("not criterion estimates")?;
    Ok(Estimate {
        median: estimates.median.point_estimate,
        lower: estimates.median.confidence_interval.lower_bound,
        upper: estimates.median.confidence_interval.upper_bound,
    })
}

/// The Python figures of every round: (implementation, benchmark) → values.
type PythonFigures = BTreeMap<(String, String), Vec<f64>>;

/// The table: one row per benchmark; Rust's column, then per Python
/// implementation measured its column and the ratio of Rust's rate to it.
pub fn table(rust: &BTreeMap<String, Estimate>, python: &PythonFigures, rounds: u32) -> String {
    let pythons: Vec<(&str, &str)> = PYTHONS
        .into_iter()
        .filter(|(name, _)| python.keys().any(|(i, _)| i == name))
        .collect();
    let mut out = "| what | conformance (Rust, criterion): median (95 % interval) |".to_string();
    for (_, label) in &pythons {
        let _ = write!(out, " {label}: median of {rounds} (min–max) | ratio |");
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|---|".repeat(pythons.len()));
    for (benchmark, label) in THROUGHPUT_ROWS {
        let ours = rust.get(benchmark);
        let cell = ours
            .map(|e| {
                format!(
                    "**{}/s** ({}–{})",
                    format_rate(1e9 / e.median),
                    format_rate(1e9 / e.upper),
                    format_rate(1e9 / e.lower)
                )
            })
            .unwrap_or_default();
        let _ = write!(out, "\n| {label} | {cell} |");
        for (name, _) in &pythons {
            let values = python.get(&(name.to_string(), benchmark.to_string()));
            let theirs = values.and_then(|v| median(v));
            let cell = values
                .zip(theirs)
                .map(|(values, median)| {
                    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                    let max = values.iter().copied().fold(0.0, f64::max);
                    format!(
                        "**{}/s** ({}–{})",
                        format_rate(median),
                        format_rate(min),
                        format_rate(max)
                    )
                })
                .unwrap_or_default();
            let ratio = ours
                .zip(theirs)
                .map(|(e, theirs)| format_ratio(1e9 / e.median / theirs))
                .unwrap_or_default();
            let _ = write!(out, " {cell} | {ratio} |");
        }
    }
    for (benchmark, label) in DURATION_ROWS {
        let cell = rust
            .get(benchmark)
            .map(|e| {
                format!(
                    "{} ({}–{})",
                    format_seconds(e.median / 1e9),
                    format_seconds(e.lower / 1e9),
                    format_seconds(e.upper / 1e9)
                )
            })
            .unwrap_or_default();
        let _ = write!(out, "\n| {label} | {cell} |");
        out.push_str(&" | |".repeat(pythons.len()));
    }
    out.push('\n');
    out
}

/// The median of the rounds' figures (the mean of the middle two for an
/// even count); `None` without a figure.
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

/// `1.96 M`, `461 k`, `2,584`.
pub fn format_rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M", per_second / 1e6)
    } else if per_second >= 1e5 {
        format!("{:.0} k", per_second / 1e3)
    } else {
        let digits = (per_second.round() as u64).to_string();
        let mut grouped = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        grouped
    }
}

/// `511 µs`, `2.63 ms`, `1.20 s`.
pub fn format_seconds(seconds: f64) -> String {
    if seconds < 1e-3 {
        format!("{:.0} µs", seconds * 1e6)
    } else if seconds < 1.0 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{seconds:.2} s")
    }
}

/// `760×`, `4.2×`.
pub fn format_ratio(times: f64) -> String {
    if times >= 10.0 {
        format!("{times:.0}×")
    } else {
        format!("{times:.1}×")
    }
}

/// Whether `pip`-style pins (`name==version`) match the versions a
/// `name version` per line listing reports.
pub fn pins_satisfied(pins: &[&str], installed: &str) -> bool {
    let normalize = |name: &str| name.trim().to_ascii_lowercase().replace(['_', '.'], "-");
    let installed: BTreeMap<String, &str> = installed
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, version)| (normalize(name), version.trim()))
        .collect();
    pins.iter().all(|pin| {
        pin.split_once("==")
            .is_some_and(|(name, version)| installed.get(&normalize(name)) == Some(&version))
    })
}

/// Runs a program to the end; its stdout, or why it failed (with its stderr).
fn output_of(program: &str, command: &mut Command) -> anyhow::Result<String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {program}"))?;
    anyhow::ensure!(
        output.status.success(),
        "{program} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The venv's interpreter, with the pinned packages installed.
fn prepare_python(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join(VENV_DIR);
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    if !python.is_file() {
        let system = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
        eprintln!("bench: creating {VENV_DIR}");
        output_of(
            "python3 -m venv",
            Command::new(&system).arg("-m").arg("venv").arg(&venv),
        )?;
    }
    let listing = "import importlib.metadata as m\n\
        for name in ('jsonschema', 'rfc3339-validator'):\n\
        \x20   try: print(name, m.version(name))\n\
        \x20   except m.PackageNotFoundError: pass\n";
    let installed = output_of(
        "the venv's python",
        Command::new(&python).arg("-c").arg(listing),
    )?;
    if !pins_satisfied(&PYTHON_REQUIREMENTS, &installed) {
        eprintln!(
            "bench: pip install {} into {VENV_DIR}",
            PYTHON_REQUIREMENTS.join(" ")
        );
        output_of(
            "pip install",
            Command::new(&python)
                .args(["-m", "pip", "install", "--quiet"])
                .arg("--disable-pip-version-check")
                .args(PYTHON_REQUIREMENTS),
        )?;
    }
    Ok(python)
}

/// Where criterion writes its estimates.
fn criterion_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("criterion")
}

/// The `validator` part.
fn validator(root: &Path, args: &Args) -> anyhow::Result<()> {
    let payloads = root.join(PAYLOADS_DIR);
    std::fs::create_dir_all(&payloads)
        .with_context(|| format!("cannot create {}", payloads.display()))?;
    for (name, text) in Payloads::built_in()?.files() {
        std::fs::write(payloads.join(name), text)
            .with_context(|| format!("cannot write {PAYLOADS_DIR}/{name}"))?;
    }

    eprintln!("bench: criterion, {BENCH_PACKAGE} --bench {BENCH_TARGET}");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["bench", "--package", BENCH_PACKAGE, "--bench", BENCH_TARGET])
        .args(["--", "--measurement-time"])
        .arg(args.measurement_time.to_string())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .context("cannot run cargo bench")?;
    anyhow::ensure!(status.success(), "cargo bench failed ({status})");
    let mut rust = BTreeMap::new();
    for (benchmark, _) in THROUGHPUT_ROWS.iter().chain(&DURATION_ROWS) {
        let path = criterion_dir(root)
            .join(benchmark)
            .join("new/estimates.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("criterion wrote no {}", path.display()))?;
        let estimate = parse_estimate(&text).with_context(|| format!("{}", path.display()))?;
        rust.insert(benchmark.to_string(), estimate);
    }

    let mut notes = Vec::new();
    let mut python = PythonFigures::new();
    let mut about = Vec::new();
    let interpreter = if args.rust_only {
        notes.push("Python not measured (--rust-only).".to_string());
        None
    } else {
        prepare_python(root)
            .inspect_err(|reason| {
                eprintln!("bench: Python is unavailable, reporting Rust alone: {reason:#}");
                notes.push(format!("Python not measured: {reason:#}"));
            })
            .ok()
    };
    if let Some(interpreter) = interpreter {
        for number in 1..=args.rounds {
            eprintln!("bench: Python, round {number}/{}", args.rounds);
            let stdout = output_of(
                "the Python benchmark",
                Command::new(&interpreter)
                    .current_dir(root)
                    .arg(root.join(PYTHON_SCRIPT))
                    .arg("--budget-ms")
                    .arg((args.measurement_time * 1000).to_string())
                    .arg("--document")
                    .arg(root.join(DOCUMENT))
                    .arg("--payloads")
                    .arg(&payloads),
            )?;
            for record in parse_records(&stdout)? {
                match record {
                    Record::About {
                        implementation,
                        description,
                    } if number == 1 => about.push(format!("{implementation}: {description}")),
                    Record::About { .. } => {}
                    Record::Measurement {
                        implementation,
                        benchmark,
                        value,
                        ..
                    } => python
                        .entry((implementation, benchmark))
                        .or_default()
                        .push(value),
                }
            }
        }
    }

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "cargo xtask bench --part validator, {} UTC: {cores} cores; criterion, {} s per benchmark; Python {} round(s)",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        args.measurement_time,
        args.rounds
    );
    for line in about {
        println!("{line}");
    }
    println!();
    print!("{}", table(&rust, &python, args.rounds));
    for note in notes {
        println!("\nnote: {note}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESTIMATES: &str = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":9.0,"upper_bound":11.0},"point_estimate":10.0,"standard_error":0.5},
        "median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":400.0,"upper_bound":625.0},"point_estimate":500.0,"standard_error":1.0}}"#;

    #[test]
    fn criterion_estimates_give_the_median_and_its_interval() {
        assert_eq!(
            parse_estimate(ESTIMATES).unwrap(),
            Estimate {
                median: 500.0,
                lower: 400.0,
                upper: 625.0
            }
        );
        assert!(parse_estimate("{}").is_err());
    }

    #[test]
    fn python_records_are_parsed_and_checked() {
        let records = parse_records(
            "{\"record\":\"about\",\"implementation\":\"python_registry\",\"description\":\"d\"}\n\n\
             {\"record\":\"measurement\",\"implementation\":\"python_registry\",\"benchmark\":\"b\",\"unit\":\"per_second\",\"value\":2.5}\n",
        )
        .unwrap();
        assert_eq!(records.len(), 2);
        assert!(parse_records("{\"record\":\"measurement\",\"implementation\":\"p\",\"benchmark\":\"b\",\"unit\":\"per_second\",\"value\":0}").is_err());
        assert!(parse_records("not json").is_err());
    }

    #[test]
    fn the_table_shows_rust_python_and_the_ratio() {
        let estimate = parse_estimate(ESTIMATES).unwrap();
        let rust: BTreeMap<String, Estimate> = THROUGHPUT_ROWS
            .iter()
            .chain(&DURATION_ROWS)
            .map(|(b, _)| (b.to_string(), estimate))
            .collect();
        let mut python = PythonFigures::new();
        python.insert(
            (
                "python_registry".into(),
                "is_valid/documented_connection".into(),
            ),
            vec![1000.0, 4000.0, 2000.0],
        );
        let table = table(&rust, &python, 3);
        expectorate::assert_contents("tests/golden/bench-table.md", &table);
        let rust_only = super::table(&rust, &PythonFigures::new(), 3);
        assert!(!rust_only.contains("Python"), "{rust_only}");
    }

    #[test]
    fn figures_are_formatted_for_readers() {
        assert_eq!(format_rate(1_960_000.0), "1.96 M");
        assert_eq!(format_rate(461_000.0), "461 k");
        assert_eq!(format_rate(2584.4), "2,584");
        assert_eq!(format_seconds(0.000511), "511 µs");
        assert_eq!(format_seconds(0.00263), "2.63 ms");
        assert_eq!(format_seconds(1.2), "1.20 s");
        assert_eq!(format_ratio(760.2), "760×");
        assert_eq!(format_ratio(4.21), "4.2×");
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn pins_are_compared_with_the_installed_versions() {
        let installed = "jsonschema 4.23.0\nrfc3339_validator 0.1.4\n";
        assert!(pins_satisfied(&PYTHON_REQUIREMENTS, installed));
        assert!(!pins_satisfied(&PYTHON_REQUIREMENTS, "jsonschema 4.23.0\n"));
        assert!(!pins_satisfied(
            &PYTHON_REQUIREMENTS,
            "jsonschema 4.22.0\nrfc3339-validator 0.1.4\n"
        ));
    }
}
