//! `cargo xtask bench`: the conformance validator (Rust) and Python's
//! `jsonschema` measured side by side, in one run.
//!
//! 1. builds the benchmark binary `crates/conformance/benches/conformance.rs`
//!    in release mode (`cargo bench --no-run`) and has it write the payloads
//!    under `target/bench/payloads/`;
//! 2. prepares a venv under `target/bench-venv` with the pinned
//!    [`PYTHON_REQUIREMENTS`] (reused when they are already installed);
//!    when Python or pip is unavailable it says why and measures Rust alone;
//! 3. runs the two sides in turn, Rust, Python, Rust, Python…, each round a
//!    fresh process reading the same document and the same payload files,
//!    each validation benchmark for the same time budget;
//! 4. prints a Markdown table: per benchmark and implementation the median
//!    of the rounds with the spread (min–max), and the ratio of the medians.
//!
//! Both sides print JSON lines (see [`Record`]); the parsing and the
//! statistics live here, with their tests.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use serde::Deserialize;

/// The Python packages the comparison runs with, pinned.
pub const PYTHON_REQUIREMENTS: [&str; 2] = ["jsonschema==4.23.0", "rfc3339-validator==0.1.4"];

/// The package holding the benchmark, and the benchmark's name.
const BENCH_PACKAGE: &str = "connections-conformance";
const BENCH_TARGET: &str = "conformance";

/// The Python script, relative to the workspace root.
const PYTHON_SCRIPT: &str = "crates/conformance/benches/python_jsonschema.py";
/// The document both sides compile, relative to the workspace root.
const DOCUMENT: &str = "openapi/connections.json";
/// Where the venv and the payloads go, relative to the workspace root.
const VENV_DIR: &str = "target/bench-venv";
const PAYLOADS_DIR: &str = "target/bench/payloads";

/// The implementation names in the records.
pub const RUST: &str = "rust";
/// Python, `$ref`s resolved through a registry.
pub const PYTHON_REGISTRY: &str = "python_registry";
/// Python, `$ref`s inlined beforehand.
pub const PYTHON_INLINED: &str = "python_inlined";

/// The validation benchmarks (validations per second), in table order,
/// with their labels.
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

/// The timed benchmarks (seconds per run), Rust only, with their labels.
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

/// The options of `cargo xtask bench`.
#[derive(Clone, Debug, clap::Args)]
pub struct Args {
    /// Rounds per side (each side runs once per round, in turn).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub rounds: u32,
    /// How long each validation benchmark runs per round, in milliseconds.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub budget_ms: u64,
    /// How many times the live suite runs per round.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub live_runs: u32,
    /// Measure the Rust side only (no Python, no venv).
    #[arg(long)]
    pub rust_only: bool,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// `cargo bench --no-run` could not be started or failed.
    #[error("cannot build the benchmark: {0}")]
    Build(String),
    /// A program could not be started.
    #[error("cannot run {program}: {reason}")]
    Start {
        /// What was run.
        program: String,
        /// Why it could not start.
        reason: String,
    },
    /// A program exited with a failure.
    #[error("{program} failed ({status}){stderr}")]
    Failed {
        /// What was run.
        program: String,
        /// Its exit status.
        status: String,
        /// What it said on stderr, when anything.
        stderr: String,
    },
    /// A program printed something that is not a record.
    #[error("{program} printed an unusable line {line:?}: {reason}")]
    BadRecord {
        /// What was run.
        program: String,
        /// The line.
        line: String,
        /// Why it is unusable.
        reason: String,
    },
    /// A side reported no figure for a benchmark it must measure.
    #[error("{0}")]
    Missing(String),
}

/// One line printed by a side.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case", deny_unknown_fields)]
pub enum Record {
    /// What an implementation is (versions, settings).
    About {
        /// `rust`, `python_registry`, `python_inlined`.
        implementation: String,
        /// Free text.
        description: String,
    },
    /// One figure of one run.
    Measurement {
        /// Which implementation.
        implementation: String,
        /// Which benchmark (`is_valid/documented_connection`, …).
        benchmark: String,
        /// What `value` counts.
        unit: Unit,
        /// The figure.
        value: f64,
    },
}

/// What a measurement counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Validations per second of one timed run.
    PerSecond,
    /// Seconds of one run.
    Seconds,
}

/// Parses a side's stdout: one record per line, blank lines ignored.
/// Returns the offending line and why on the first unusable one.
pub fn parse_records(stdout: &str) -> Result<Vec<Record>, (String, String)> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let record: Record =
                serde_json::from_str(line).map_err(|e| (line.to_string(), e.to_string()))?;
            if let Record::Measurement { value, .. } = &record
                && !(value.is_finite() && *value > 0.0)
            {
                return Err((
                    line.to_string(),
                    "the value is not a positive number".into(),
                ));
            }
            Ok(record)
        })
        .collect()
}

/// The median (the mean of the middle two for an even count); `None` when
/// there is no value.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

/// The median of some figures and their range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The median.
    pub median: f64,
    /// The smallest figure.
    pub min: f64,
    /// The largest figure.
    pub max: f64,
    /// How many figures.
    pub count: usize,
}

impl Spread {
    /// `None` when there is no value.
    pub fn of(values: &[f64]) -> Option<Self> {
        Some(Self {
            median: median(values)?,
            min: values.iter().copied().reduce(f64::min)?,
            max: values.iter().copied().reduce(f64::max)?,
            count: values.len(),
        })
    }
}

/// How many times faster `fast` is than `slow` (both per second); `None`
/// when `slow` is not a positive number.
pub fn ratio(fast: f64, slow: f64) -> Option<f64> {
    (slow > 0.0 && fast.is_finite()).then(|| fast / slow)
}

/// Every record of every round, grouped.
#[derive(Debug, Default)]
pub struct Samples {
    about: BTreeMap<String, String>,
    figures: BTreeMap<(String, String), (Unit, Vec<f64>)>,
    rounds: BTreeMap<String, u32>,
}

impl Samples {
    /// Adds one round's records of one side.
    pub fn add_round(&mut self, records: Vec<Record>) {
        let mut seen = Vec::new();
        for record in records {
            match record {
                Record::About {
                    implementation,
                    description,
                } => {
                    self.about.insert(implementation, description);
                }
                Record::Measurement {
                    implementation,
                    benchmark,
                    unit,
                    value,
                } => {
                    if !seen.contains(&implementation) {
                        seen.push(implementation.clone());
                    }
                    self.figures
                        .entry((implementation, benchmark))
                        .or_insert_with(|| (unit, Vec::new()))
                        .1
                        .push(value);
                }
            }
        }
        for implementation in seen {
            *self.rounds.entry(implementation).or_default() += 1;
        }
    }

    /// The spread of one benchmark of one implementation, when measured.
    pub fn spread(&self, implementation: &str, benchmark: &str) -> Option<Spread> {
        let (_, values) = self
            .figures
            .get(&(implementation.to_string(), benchmark.to_string()))?;
        Spread::of(values)
    }

    /// In how many rounds an implementation reported figures.
    pub fn rounds(&self, implementation: &str) -> u32 {
        self.rounds.get(implementation).copied().unwrap_or(0)
    }

    /// Fails naming every benchmark `implementation` did not report.
    pub fn check_complete(&self, implementation: &str) -> Result<(), BenchError> {
        let missing: Vec<&str> = THROUGHPUT_ROWS
            .iter()
            .chain(if implementation == RUST {
                DURATION_ROWS.iter()
            } else {
                [].iter()
            })
            .map(|(benchmark, _)| *benchmark)
            .filter(|benchmark| self.spread(implementation, benchmark).is_none())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(BenchError::Missing(format!(
                "{implementation} reported no figure for {}",
                missing.join(", ")
            )))
        }
    }

    /// The Markdown table: one row per benchmark; a column per
    /// implementation with the median and the spread, and the ratio of
    /// the Rust median to each Python median.
    pub fn table(&self) -> String {
        let pythons: Vec<&str> = [PYTHON_REGISTRY, PYTHON_INLINED]
            .into_iter()
            .filter(|implementation| self.rounds(implementation) > 0)
            .collect();
        let mut header = format!(
            "| what | conformance (Rust), median of {} (min–max) |",
            plural(self.rounds(RUST), "round")
        );
        for python in &pythons {
            let _ = write!(
                header,
                " {}, median of {} (min–max) | ratio of medians |",
                python_label(python),
                plural(self.rounds(python), "round")
            );
        }
        let mut table = header;
        table.push_str("\n|---|---|");
        table.push_str(&"---|---|".repeat(pythons.len()));
        for (benchmark, label) in THROUGHPUT_ROWS {
            let rust = self.spread(RUST, benchmark);
            let _ = write!(table, "\n| {label} | {} |", rate_cell(rust));
            for python in &pythons {
                let theirs = self.spread(python, benchmark);
                let times = rust
                    .zip(theirs)
                    .and_then(|(rust, theirs)| ratio(rust.median, theirs.median))
                    .map(format_ratio)
                    .unwrap_or_default();
                let _ = write!(table, " {} | {times} |", rate_cell(theirs));
            }
        }
        for (benchmark, label) in DURATION_ROWS {
            let cell = self
                .spread(RUST, benchmark)
                .map(|s| {
                    format!(
                        "{} ({}–{}), {}",
                        format_seconds(s.median),
                        format_seconds(s.min),
                        format_seconds(s.max),
                        plural(s.count as u32, "run")
                    )
                })
                .unwrap_or_default();
            let _ = write!(table, "\n| {label} | {cell} |");
            table.push_str(&" | |".repeat(pythons.len()));
        }
        table.push('\n');
        table
    }

    /// `implementation: description` for each implementation that said
    /// what it is.
    pub fn descriptions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.about.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

fn python_label(implementation: &str) -> &'static str {
    match implementation {
        PYTHON_REGISTRY => "Python `jsonschema`, $refs via a registry",
        _ => "Python `jsonschema`, $refs inlined",
    }
}

fn plural(count: u32, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn rate_cell(spread: Option<Spread>) -> String {
    spread
        .map(|s| {
            format!(
                "**{}/s** ({}–{})",
                format_rate(s.median),
                format_rate(s.min),
                format_rate(s.max)
            )
        })
        .unwrap_or_default()
}

/// `1.96 M`, `461 k`, `2,584`.
pub fn format_rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M", per_second / 1e6)
    } else if per_second >= 1e5 {
        format!("{:.0} k", per_second / 1e3)
    } else {
        let whole = per_second.round() as u64;
        let digits = whole.to_string();
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
    let installed: BTreeMap<String, &str> = installed
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, version)| (normalize_package(name), version.trim()))
        .collect();
    pins.iter().all(|pin| {
        pin.split_once("==").is_some_and(|(name, version)| {
            installed.get(&normalize_package(name)) == Some(&version)
        })
    })
}

/// A Python distribution name as pip compares them.
fn normalize_package(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['_', '.'], "-")
}

/// The `executable` of the benchmark's `compiler-artifact` message.
pub fn bench_executable(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| {
            m["reason"] == "compiler-artifact"
                && m["target"]["name"] == BENCH_TARGET
                && m["target"]["kind"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k == "bench"))
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// The version of `package` in a `Cargo.lock`.
pub fn locked_version(lockfile: &str, package: &str) -> Option<String> {
    let lock: toml_edit::DocumentMut = lockfile.parse().ok()?;
    lock.get("package")?
        .as_array_of_tables()?
        .iter()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(package))?
        .get("version")?
        .as_str()
        .map(str::to_string)
}

/// Runs a program to the end; its stdout, or why it failed (with its
/// stderr).
fn output_of(program: &str, command: &mut Command) -> Result<String, BenchError> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BenchError::Start {
            program: program.to_string(),
            reason: e.to_string(),
        })?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr).trim().to_string();
        return Err(BenchError::Failed {
            program: program.to_string(),
            status: output.status.to_string(),
            stderr: if said.is_empty() {
                String::new()
            } else {
                format!(": {said}")
            },
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs one round of a side and parses its records.
fn round(program: &str, command: &mut Command) -> Result<Vec<Record>, BenchError> {
    let stdout = output_of(program, command)?;
    parse_records(&stdout).map_err(|(line, reason)| BenchError::BadRecord {
        program: program.to_string(),
        line,
        reason,
    })
}

/// Builds the benchmark in release mode; returns the executable.
fn build_bench(root: &Path) -> Result<PathBuf, BenchError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "bench",
            "--no-run",
            "--package",
            BENCH_PACKAGE,
            "--bench",
            BENCH_TARGET,
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| BenchError::Build(e.to_string()))?;
    if !output.status.success() {
        return Err(BenchError::Build(format!(
            "cargo bench --no-run exited with {}",
            output.status
        )));
    }
    bench_executable(&String::from_utf8_lossy(&output.stdout)).ok_or_else(|| {
        BenchError::Build("cargo reported no executable for the benchmark".to_string())
    })
}

/// The venv's interpreter, with the pinned packages installed; or why
/// Python cannot be measured.
fn prepare_python(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join(VENV_DIR);
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    if !python.is_file() {
        let system = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
        let label = format!("{} -m venv", system.to_string_lossy());
        eprintln!("bench: creating {VENV_DIR} ({label})");
        output_of(
            &label,
            Command::new(&system).arg("-m").arg("venv").arg(&venv),
        )
        .map_err(|e| e.to_string())?;
    }
    let listing = "import importlib.metadata as m\n\
        for name in ('jsonschema', 'rfc3339-validator'):\n\
        \x20   try: print(name, m.version(name))\n\
        \x20   except m.PackageNotFoundError: pass\n";
    let installed = output_of(
        "the venv's python",
        Command::new(&python).arg("-c").arg(listing),
    )
    .map_err(|e| e.to_string())?;
    if !pins_satisfied(&PYTHON_REQUIREMENTS, &installed) {
        eprintln!(
            "bench: pip install {} into {VENV_DIR}",
            PYTHON_REQUIREMENTS.join(" ")
        );
        output_of(
            "pip install",
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(PYTHON_REQUIREMENTS),
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(python)
}

fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_string)
}

fn rustc_version() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    output_of("rustc", Command::new(rustc).arg("--version"))
        .ok()
        .map(|v| v.trim().to_string())
}

/// Runs the benchmark from the workspace root and prints the table.
pub fn run(root: &Path, options: Args) -> anyhow::Result<std::process::ExitCode> {
    let load_before = load_average();
    let executable = build_bench(root)?;
    let payloads = root.join(PAYLOADS_DIR);
    let document = root.join(DOCUMENT);
    output_of(
        "the benchmark (payloads)",
        Command::new(&executable).arg("payloads").arg(&payloads),
    )?;

    let mut notes = Vec::new();
    let mut python = if options.rust_only {
        notes.push("Python not measured (--rust-only).".to_string());
        None
    } else {
        match prepare_python(root) {
            Ok(python) => Some(python),
            Err(reason) => {
                eprintln!("bench: Python is unavailable, measuring Rust alone: {reason}");
                notes.push(format!("Python not measured: {reason}"));
                None
            }
        }
    };

    let budget = options.budget_ms.to_string();
    let live_runs = options.live_runs.to_string();
    let mut samples = Samples::default();
    for number in 1..=options.rounds {
        eprintln!("bench: round {number}/{}: Rust", options.rounds);
        let mut rust = Command::new(&executable);
        rust.current_dir(root)
            .arg("measure")
            .args(["--format", "json", "--budget-ms", &budget])
            .args(["--live-runs", &live_runs])
            .arg("--document")
            .arg(&document)
            .arg("--payloads")
            .arg(&payloads);
        samples.add_round(round("the Rust benchmark", &mut rust)?);

        let Some(interpreter) = &python else { continue };
        eprintln!("bench: round {number}/{}: Python", options.rounds);
        let mut script = Command::new(interpreter);
        script
            .current_dir(root)
            .arg(root.join(PYTHON_SCRIPT))
            .args(["--budget-ms", &budget])
            .arg("--document")
            .arg(&document)
            .arg("--payloads")
            .arg(&payloads);
        match round("the Python benchmark", &mut script) {
            Ok(records) => samples.add_round(records),
            Err(error) => {
                eprintln!("bench: {error}; measuring Rust alone from here");
                notes.push(format!(
                    "Python stopped in round {number}: {error}; its columns hold the rounds before."
                ));
                python = None;
            }
        }
    }
    samples.check_complete(RUST)?;
    for python in [PYTHON_REGISTRY, PYTHON_INLINED] {
        if samples.rounds(python) > 0 {
            samples.check_complete(python)?;
        }
    }

    let jsonschema = std::fs::read_to_string(root.join("Cargo.lock"))
        .ok()
        .and_then(|lock| locked_version(&lock, "jsonschema"))
        .unwrap_or_else(|| "?".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "cargo xtask bench, {} UTC: {} per side, interleaved (Rust, Python, Rust, …), \
         {} ms per validation benchmark per round, {} live-suite runs per round",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        plural(options.rounds, "round"),
        options.budget_ms,
        options.live_runs
    );
    println!(
        "machine: {cores} cores, load average {} before, {} after; {}; jsonschema crate {jsonschema}",
        load_before.as_deref().unwrap_or("?"),
        load_average().as_deref().unwrap_or("?"),
        rustc_version().as_deref().unwrap_or("rustc ?"),
    );
    for (implementation, description) in samples.descriptions() {
        println!("{implementation}: {description}");
    }
    println!();
    print!("{}", samples.table());
    for note in notes {
        println!("\nnote: {note}");
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measurement(implementation: &str, benchmark: &str, unit: Unit, value: f64) -> Record {
        Record::Measurement {
            implementation: implementation.to_string(),
            benchmark: benchmark.to_string(),
            unit,
            value,
        }
    }

    #[test]
    fn records_are_parsed_from_json_lines() {
        let stdout = concat!(
            r#"{"record":"about","implementation":"rust","description":"jsonschema"}"#,
            "\n\n",
            r#"{"record":"measurement","implementation":"rust","benchmark":"compile/document","unit":"seconds","value":0.0026}"#,
            "\n",
            r#"{"record":"measurement","implementation":"python_inlined","benchmark":"violations/two_violations","unit":"per_second","value":4556.5}"#,
            "\n",
        );
        assert_eq!(
            parse_records(stdout).unwrap(),
            vec![
                Record::About {
                    implementation: "rust".into(),
                    description: "jsonschema".into()
                },
                measurement(RUST, "compile/document", Unit::Seconds, 0.0026),
                measurement(
                    PYTHON_INLINED,
                    "violations/two_violations",
                    Unit::PerSecond,
                    4556.5
                ),
            ]
        );
    }

    #[test]
    fn an_unusable_line_is_named() {
        let (line, reason) = parse_records("Compiling foo\n").unwrap_err();
        assert_eq!(line, "Compiling foo");
        assert!(!reason.is_empty());

        let unknown_unit = r#"{"record":"measurement","implementation":"rust","benchmark":"b","unit":"ns","value":1}"#;
        assert_eq!(parse_records(unknown_unit).unwrap_err().0, unknown_unit);

        let zero = r#"{"record":"measurement","implementation":"rust","benchmark":"b","unit":"seconds","value":0}"#;
        let (_, reason) = parse_records(zero).unwrap_err();
        assert_eq!(reason, "the value is not a positive number");

        let missing_value =
            r#"{"record":"measurement","implementation":"rust","benchmark":"b","unit":"seconds"}"#;
        assert!(parse_records(missing_value).is_err());
    }

    #[test]
    fn the_median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[10.0, 1.0, 1000.0]), Some(10.0));
    }

    #[test]
    fn the_spread_holds_median_min_max_and_count() {
        assert_eq!(
            Spread::of(&[2.0, 9.0, 4.0]),
            Some(Spread {
                median: 4.0,
                min: 2.0,
                max: 9.0,
                count: 3
            })
        );
        assert_eq!(Spread::of(&[]), None);
    }

    #[test]
    fn the_ratio_divides_the_medians() {
        assert_eq!(ratio(2_000_000.0, 2_500.0), Some(800.0));
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(ratio(1.0, -3.0), None);
    }

    #[test]
    fn figures_are_formatted_for_readers() {
        assert_eq!(format_rate(1_963_000.0), "1.96 M");
        assert_eq!(format_rate(461_200.0), "461 k");
        assert_eq!(format_rate(2_584.4), "2,584");
        assert_eq!(format_rate(45_123.0), "45,123");
        assert_eq!(format_rate(999.6), "1,000");
        assert_eq!(format_rate(12.0), "12");
        assert_eq!(format_seconds(0.000_511), "511 µs");
        assert_eq!(format_seconds(0.002_631), "2.63 ms");
        assert_eq!(format_seconds(1.2), "1.20 s");
        assert_eq!(format_ratio(763.4), "763×");
        assert_eq!(format_ratio(4.25), "4.2×");
    }

    /// Three rounds of each side, with the Python rounds in between.
    fn three_rounds() -> Samples {
        let mut samples = Samples::default();
        for (rust, python) in [(2.0e6, 2_000.0), (1.0e6, 2_500.0), (1.5e6, 3_000.0)] {
            let mut records: Vec<Record> = THROUGHPUT_ROWS
                .iter()
                .map(|(b, _)| measurement(RUST, b, Unit::PerSecond, rust))
                .collect();
            for (benchmark, _) in DURATION_ROWS {
                records.push(measurement(RUST, benchmark, Unit::Seconds, 0.002));
                records.push(measurement(RUST, benchmark, Unit::Seconds, 0.004));
            }
            samples.add_round(records);
            samples.add_round(
                THROUGHPUT_ROWS
                    .iter()
                    .flat_map(|(b, _)| {
                        [
                            measurement(PYTHON_REGISTRY, b, Unit::PerSecond, python),
                            measurement(PYTHON_INLINED, b, Unit::PerSecond, python * 2.0),
                        ]
                    })
                    .collect(),
            );
        }
        samples
    }

    #[test]
    fn rounds_are_pooled_per_implementation_and_benchmark() {
        let samples = three_rounds();
        assert_eq!(samples.rounds(RUST), 3);
        assert_eq!(samples.rounds(PYTHON_REGISTRY), 3);
        assert_eq!(samples.rounds(PYTHON_INLINED), 3);
        assert_eq!(
            samples.spread(RUST, "is_valid/documented_connection"),
            Some(Spread {
                median: 1.5e6,
                min: 1.0e6,
                max: 2.0e6,
                count: 3
            })
        );
        // Durations: every run of every round.
        assert_eq!(
            samples.spread(RUST, "live/full_suite").map(|s| s.count),
            Some(6)
        );
        assert!(samples.check_complete(RUST).is_ok());
        assert!(samples.check_complete(PYTHON_INLINED).is_ok());
    }

    #[test]
    fn the_table_shows_medians_spreads_and_ratios() {
        let table = three_rounds().table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 2 + THROUGHPUT_ROWS.len() + DURATION_ROWS.len());
        assert!(lines[0].contains("conformance (Rust), median of 3 rounds (min–max)"));
        assert!(lines[0].contains("$refs via a registry, median of 3 rounds"));
        assert!(lines[0].contains("$refs inlined, median of 3 rounds"));
        assert_eq!(
            lines[2],
            "| documented Connection (retrieve example) valid? \
             | **1.50 M/s** (1.00 M–2.00 M) \
             | **2,500/s** (2,000–3,000) | 600× \
             | **5,000/s** (4,000–6,000) | 300× |"
        );
        assert_eq!(
            lines[6],
            "| full live suite against an in-process sandbox | 3.00 ms (2.00 ms–4.00 ms), 6 runs | | | | |"
        );
        // Every row has as many cells as the header.
        let cells = |line: &str| line.matches('|').count();
        assert!(lines.iter().all(|line| cells(line) == cells(lines[0])));
    }

    #[test]
    fn without_python_the_table_has_the_rust_column_only() {
        let mut samples = Samples::default();
        samples.add_round(vec![
            measurement(
                RUST,
                "is_valid/documented_connection",
                Unit::PerSecond,
                1.0e6,
            ),
            measurement(RUST, "compile/document", Unit::Seconds, 0.003),
        ]);
        let table = samples.table();
        assert!(table.starts_with("| what | conformance (Rust), median of 1 round (min–max) |\n"));
        assert!(!table.contains("Python"));
        assert!(table.contains("| **1.00 M/s** (1.00 M–1.00 M) |"));
        let error = samples.check_complete(RUST).unwrap_err().to_string();
        assert_eq!(
            error,
            "rust reported no figure for violations/documented_connection, \
             violations/two_violations, live/full_suite"
        );
    }

    #[test]
    fn pins_are_compared_with_the_installed_versions() {
        let pins = ["jsonschema==4.23.0", "rfc3339-validator==0.1.4"];
        assert!(pins_satisfied(
            &pins,
            "jsonschema 4.23.0\nrfc3339_validator 0.1.4\n"
        ));
        assert!(!pins_satisfied(
            &pins,
            "jsonschema 4.25.1\nrfc3339-validator 0.1.4\n"
        ));
        assert!(!pins_satisfied(&pins, "jsonschema 4.23.0\n"));
        assert!(!pins_satisfied(&pins, ""));
    }

    #[test]
    fn the_bench_executable_is_read_from_cargo_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"conformance","kind":["bin"]},"executable":"/t/release/conformance"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"conformance","kind":["bench"]},"executable":"/t/release/deps/conformance-0a1b"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(
            bench_executable(messages),
            Some(PathBuf::from("/t/release/deps/conformance-0a1b"))
        );
        assert_eq!(bench_executable(r#"{"reason":"build-finished"}"#), None);
    }

    #[test]
    fn the_locked_version_is_read_from_cargo_lock() {
        let lock = r#"
version = 4

[[package]]
name = "jsonschema-regex"
version = "0.1.0"

[[package]]
name = "jsonschema"
version = "0.61.2"
"#;
        assert_eq!(
            locked_version(lock, "jsonschema").as_deref(),
            Some("0.61.2")
        );
        assert_eq!(locked_version(lock, "serde"), None);
        assert_eq!(locked_version("not toml [", "jsonschema"), None);
    }
}
