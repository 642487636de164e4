//! `cargo xtask consumers`: other teams' tools on the published documents,
//! used for real against a throwaway sandbox.
//!
//! Every tool is pinned and installed by the task itself, under `target/`:
//! Python's in a virtual environment from `consumers/python/requirements.txt`
//! (every package at an exact version), Node's with `npm ci` from
//! `consumers/typescript/package-lock.json`. The checks:
//!
//! - `yaml`: `openapi/connections.yaml` loads as exactly the JSON document
//!   under a YAML 1.1 loader (PyYAML) and a YAML 1.2 loader (ruamel.yaml);
//! - `python`: openapi-python-client, default settings, generates a client
//!   from each published document (3.1 JSON, YAML, the 3.0 form);
//!   `consumers/python/flow.py` parses every example body with it and runs
//!   create, list, retrieve, update and test against the sandbox;
//! - `typescript`: openapi-typescript generates the types from the JSON and
//!   the YAML (which must give the same file), `tsc --strict` checks the
//!   document's examples against them and `consumers/typescript/src/flow.ts`,
//!   which then runs the same calls through openapi-fetch;
//! - `schemathesis`: Schemathesis with every check, all four phases, a fixed
//!   seed and a bounded number of examples: zero failures;
//! - `openapi-generator-rust`: openapi-generator's `rust` generator, default
//!   settings, on the 3.1 JSON and the 3.0 form: the crate builds and its
//!   models parse every example body and what the sandbox answers, and
//!   write each back as the same JSON (`consumers/openapi-generator/`);
//! - `openapi-generator-python`, `openapi-generator-typescript-fetch`: the
//!   same bodies through those generators' models (`tsc --strict` on the
//!   TypeScript), then create, list, retrieve, update and test through the
//!   generated API against the sandbox.
//!
//! Each consumer of another team's generator is a row of the matrix
//! printed at the end: consumer × document × generate, build, live.
//!
//! The sandbox runs in this process on 127.0.0.1 with a random token; its
//! connection tests reach loopback addresses only, so nothing a fuzzer
//! generates leaves the machine.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use anyhow::{Context as _, bail};
use connections_sandbox::{OutboundPolicy, Sandbox, SandboxConfig};

mod openapi_generator;

/// The pinned Python tools.
const REQUIREMENTS: &str = "consumers/python/requirements.txt";

/// The Schemathesis run CI makes: every check, every phase, fixed seed.
pub const SCHEMATHESIS_ARGS: &[&str] = &[
    "--checks",
    "all",
    "--phases",
    "examples,coverage,fuzzing,stateful",
    "--max-examples",
    "40",
    "--seed",
    "1",
];

/// The documents openapi-python-client is run on.
const PYTHON_DOCUMENTS: &[&str] = &[
    "openapi/connections.json",
    "openapi/connections.yaml",
    "openapi/connections.openapi-3.0.json",
];

/// The documents the generators' rows of the matrix run on.
const GENERATOR_DOCUMENTS: &[&str] = &[
    "openapi/connections.json",
    "openapi/connections.openapi-3.0.json",
];

/// Where the released documents are; each is a column of the matrix,
/// reported, not failed.
const RELEASED: &str = "openapi/released/";

/// The released documents, oldest first, as paths under the root.
fn released_documents(root: &Path) -> anyhow::Result<Vec<String>> {
    let dir = root.join(RELEASED);
    let mut found: Vec<(semver::Version, String)> = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let version = name
            .strip_prefix("connections-")
            .and_then(|rest| rest.strip_suffix(".json"))
            .and_then(|v| semver::Version::parse(v).ok());
        if let Some(version) = version {
            found.push((version, format!("{RELEASED}{name}")));
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(_, path)| path).collect())
}

/// The checks of the task, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Check {
    /// The YAML document equals the JSON under YAML 1.1 and 1.2 loaders.
    Yaml,
    /// openapi-python-client's clients, used for real.
    Python,
    /// openapi-typescript's types with openapi-fetch, strict tsc.
    Typescript,
    /// Schemathesis against the sandbox.
    Schemathesis,
    /// openapi-generator's `rust` generator: build, parse, write back.
    OpenapiGeneratorRust,
    /// openapi-generator's `python` generator: bodies and five calls.
    OpenapiGeneratorPython,
    /// openapi-generator's `typescript-fetch` generator: strict tsc, bodies
    /// and five calls.
    OpenapiGeneratorTypescriptFetch,
    /// orval's default (axios) client: strict tsc and five calls.
    Orval,
}

/// What a run of the task shares: where things are, and the sandbox.
pub struct Run {
    root: PathBuf,
    work: PathBuf,
    venv: PathBuf,
    base_url: String,
    token: String,
}

impl Run {
    /// Writes the bodies a consumer's models must parse for `document`
    /// (`consumers/openapi-generator/bodies.py`: its example bodies and
    /// the sandbox's answers) and returns their directory.
    fn bodies(&self, document: &str) -> anyhow::Result<PathBuf> {
        let out = openapi_generator::bodies_dir(&self.work, document);
        require(
            Command::new(self.venv.join("bin/python"))
                .arg("consumers/openapi-generator/bodies.py")
                .args(["--document", document, "--out"])
                .arg(&out)
                .args(["--base-url", &self.base_url, "--token", &self.token])
                .current_dir(&self.root),
            &format!("bodies.py on {document}"),
        )?;
        Ok(out)
    }
}

/// One row of the matrix: a consumer on a document; `None` where a step
/// did not run (an earlier one failed) or does not apply.
#[derive(Debug, Clone)]
pub struct Outcome {
    consumer: &'static str,
    document: String,
    generate: Option<bool>,
    build: Option<bool>,
    live: Option<bool>,
    /// A released document: what its consumers hit is reported, not failed.
    released: bool,
}

impl Outcome {
    fn new(consumer: &'static str, document: &str) -> Self {
        Outcome {
            consumer,
            document: document.to_string(),
            released: document.starts_with(RELEASED),
            generate: None,
            build: None,
            live: None,
        }
    }

    fn passed(&self) -> bool {
        [self.generate, self.build, self.live]
            .iter()
            .all(|step| *step != Some(false))
            && self.generate.is_some()
    }
}

/// What `cargo xtask consumers` runs.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run only these checks (default: all of them).
    #[arg(long = "only", value_enum)]
    pub only: Vec<Check>,
}

/// Runs the checks; exit 0 when all pass, 1 when one failed (2, through
/// the error, when a tool could not be installed or the sandbox not started).
pub fn run(root: &Path, options: Args) -> anyhow::Result<ExitCode> {
    let selected = |check| options.only.is_empty() || options.only.contains(&check);
    let work = root.join("target/consumers");
    fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let needs_python = selected(Check::Yaml)
        || selected(Check::Python)
        || selected(Check::Schemathesis)
        || selected(Check::OpenapiGeneratorRust)
        || selected(Check::OpenapiGeneratorPython)
        || selected(Check::OpenapiGeneratorTypescriptFetch);
    let venv = if needs_python {
        python_tools(root)?
    } else {
        work.join("venv")
    };
    if selected(Check::Typescript)
        || selected(Check::OpenapiGeneratorTypescriptFetch)
        || selected(Check::Orval)
    {
        node_tools(root)?;
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig {
            outbound: OutboundPolicy {
                loopback_only: true,
                ..OutboundPolicy::default()
            },
            ..SandboxConfig::ephemeral()
        }))
        .context("cannot start the sandbox")?;
    let base_url = sandbox.base_url().to_string();
    let token = sandbox.token().to_string();
    println!("sandbox listening on {base_url}");

    let mut results: Vec<(String, bool)> = Vec::new();
    let mut record = |name: String, passed: bool| {
        println!("{} {name}", if passed { "passed:" } else { "FAILED:" });
        results.push((name, passed));
    };
    let python = venv.join("bin/python");
    if selected(Check::Yaml) {
        step("yaml: the YAML document under YAML 1.1 and 1.2 loaders");
        let passed = status(
            Command::new(&python)
                .arg("consumers/python/yaml_equals_json.py")
                .args(["openapi/connections.json", "openapi/connections.yaml"])
                .current_dir(root),
        )?;
        record("yaml".into(), passed);
    }
    if selected(Check::Python) {
        for document in PYTHON_DOCUMENTS {
            step(&format!("python: openapi-python-client on {document}"));
            let name = Path::new(document)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let client = work.join("python").join(&name);
            let generated = status(
                Command::new(venv.join("bin/openapi-python-client"))
                    .args([
                        "generate",
                        "--overwrite",
                        "--path",
                        document,
                        "--output-path",
                    ])
                    .arg(&client)
                    .env("PATH", path_with(&venv.join("bin")))
                    .current_dir(root),
            )?;
            let passed = generated
                && status(
                    Command::new(&python)
                        .arg("consumers/python/flow.py")
                        .arg("--client")
                        .arg(&client)
                        .args(["--document", "openapi/connections.json"])
                        .args(["--base-url", &base_url, "--token", &token])
                        .current_dir(root),
                )?;
            record(format!("python ({document})"), passed);
        }
    }
    if selected(Check::Typescript) {
        step("typescript: openapi-typescript, tsc --strict, openapi-fetch");
        record("typescript".into(), typescript(root, &base_url, &token)?);
    }
    if selected(Check::Schemathesis) {
        step(&format!(
            "schemathesis: {} against the sandbox",
            SCHEMATHESIS_ARGS.join(" ")
        ));
        // Schemathesis and Hypothesis keep their state in the working
        // directory (.schemathesis/, .hypothesis/): run it under target/.
        let cwd = work.join("schemathesis");
        let _ = fs::remove_dir_all(&cwd);
        fs::create_dir_all(&cwd)?;
        let passed = status(
            Command::new(venv.join("bin/schemathesis"))
                .arg("run")
                .arg(root.join("openapi/connections.json"))
                .args(["--url", &base_url])
                .arg("-H")
                .arg(format!("Authorization: Bearer {token}"))
                .args(SCHEMATHESIS_ARGS)
                .env("SCHEMATHESIS_TELEMETRY", "false")
                .current_dir(&cwd),
        )?;
        record("schemathesis".into(), passed);
    }
    let run = Run {
        root: root.to_path_buf(),
        work: work.clone(),
        venv: venv.clone(),
        base_url: base_url.clone(),
        token: token.clone(),
    };
    let mut matrix: Vec<Outcome> = Vec::new();
    let released = released_documents(root)?;
    let mut row = |outcome: Outcome| {
        if outcome.released {
            println!(
                "{} {} ({}): reported, not failed",
                if outcome.passed() {
                    "passed:"
                } else {
                    "failed:"
                },
                outcome.consumer,
                outcome.document
            );
        } else {
            record(
                format!("{} ({})", outcome.consumer, outcome.document),
                outcome.passed(),
            );
        }
        matrix.push(outcome);
    };
    type Consumer = fn(&Run, &str) -> anyhow::Result<Outcome>;
    let generators: [(Check, &str, Consumer); 3] = [
        (Check::OpenapiGeneratorRust, "rust", openapi_generator::rust),
        (
            Check::OpenapiGeneratorPython,
            "python",
            openapi_generator::python,
        ),
        (
            Check::OpenapiGeneratorTypescriptFetch,
            "typescript-fetch",
            openapi_generator::typescript_fetch,
        ),
    ];
    for (check, generator, consumer) in generators {
        if !selected(check) {
            continue;
        }
        let documents = GENERATOR_DOCUMENTS
            .iter()
            .copied()
            .chain(released.iter().map(String::as_str));
        for document in documents {
            step(&format!("openapi-generator {generator} on {document}"));
            row(consumer(&run, document)?);
        }
    }
    if selected(Check::Orval) {
        let documents = GENERATOR_DOCUMENTS
            .iter()
            .copied()
            .chain(released.iter().map(String::as_str));
        for document in documents {
            step(&format!("orval on {document}"));
            row(orval(&run, document)?);
        }
    }
    runtime.block_on(sandbox.shutdown())?;
    if !matrix.is_empty() {
        println!();
        print!("{}", matrix_table(&matrix));
    }

    println!();
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, passed)| !passed)
        .map(|(name, _)| name.as_str())
        .collect();
    println!(
        "consumers: {} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        println!("failed: {}", failed.join(", "));
        Ok(ExitCode::from(super::exit::CHECK_FAILED))
    }
}

/// The matrix as a Markdown table: consumer × document × generate,
/// build, live.
fn matrix_table(matrix: &[Outcome]) -> String {
    let cell = |step: Option<bool>| match step {
        Some(true) => "passed",
        Some(false) => "FAILED",
        None => "-",
    };
    let mut table =
        String::from("| consumer | document | generate | build | live |\n|---|---|---|---|---|\n");
    for outcome in matrix {
        table.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            outcome.consumer,
            outcome.document,
            cell(outcome.generate),
            cell(outcome.build),
            cell(outcome.live)
        ));
    }
    table
}

/// orval, default settings (`--input`, `--output`; its axios client), on
/// `document`: generate, `tsc --strict` with `consumers/orval/flow.ts`,
/// then the five operations against the sandbox.
fn orval(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("orval", document);
    let project = run
        .work
        .join("orval")
        .join(openapi_generator::file_stem(document));
    let client = project.join("client");
    let _ = fs::remove_dir_all(&client);
    fs::create_dir_all(&project)?;
    outcome.generate = Some(status_logged(
        Command::new(
            run.root
                .join("consumers/typescript/node_modules/.bin/orval"),
        )
        .arg("--input")
        .arg(run.root.join(document))
        .arg("--output")
        .arg(client.join("api.ts")),
        &project.join("orval.log"),
    )?);
    if outcome.generate != Some(true) {
        return Ok(outcome);
    }
    outcome.build = Some(typescript_project(
        run,
        &project,
        &run.root.join("consumers/orval"),
    )?);
    if outcome.build != Some(true) {
        return Ok(outcome);
    }
    outcome.live = Some(status(
        Command::new("node")
            .arg(project.join("dist/flow.js"))
            .args([&run.base_url, &run.token]),
    )?);
    Ok(outcome)
}

/// Makes `project` (which holds generated code) a TypeScript project of
/// the files of `sources` (a `flow.ts` and its `tsconfig.json`), with the
/// pinned Node tools of `consumers/typescript`, and compiles it; whether
/// `tsc` passed.
fn typescript_project(run: &Run, project: &Path, sources: &Path) -> anyhow::Result<bool> {
    for entry in fs::read_dir(sources)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let bytes = fs::read(entry.path())?;
            let target = project.join(entry.file_name());
            if fs::read(&target).ok().as_deref() != Some(bytes.as_slice()) {
                fs::write(&target, bytes)?;
            }
        }
    }
    // Compiled as CommonJS, whatever a package.json above says.
    fs::write(project.join("package.json"), "{\"type\": \"commonjs\"}\n")?;
    let modules = project.join("node_modules");
    if fs::symlink_metadata(&modules).is_err() {
        std::os::unix::fs::symlink(run.root.join("consumers/typescript/node_modules"), &modules)
            .with_context(|| format!("cannot link {}", modules.display()))?;
    }
    status(
        Command::new(run.root.join("consumers/typescript/node_modules/.bin/tsc"))
            .args(["-p", "."])
            .current_dir(project),
    )
}

fn typescript(root: &Path, base_url: &str, token: &str) -> anyhow::Result<bool> {
    let dir = root.join("consumers/typescript");
    let bin = dir.join("node_modules/.bin");
    fs::create_dir_all(dir.join("generated"))?;
    for (document, out) in [
        ("../../openapi/connections.json", "generated/schema.d.ts"),
        (
            "../../openapi/connections.yaml",
            "generated/schema-from-yaml.d.ts",
        ),
    ] {
        if !status(
            Command::new(bin.join("openapi-typescript"))
                .args([document, "-o", out])
                .current_dir(&dir),
        )? {
            return Ok(false);
        }
    }
    let from_json = fs::read(dir.join("generated/schema.d.ts"))?;
    let from_yaml = fs::read(dir.join("generated/schema-from-yaml.d.ts"))?;
    if from_json != from_yaml {
        println!("the types generated from the YAML differ from those of the JSON");
        return Ok(false);
    }
    Ok(status(
        Command::new("node")
            .args([
                "examples.mjs",
                "../../openapi/connections.json",
                "generated/examples.ts",
            ])
            .current_dir(&dir),
    )? && status(
        Command::new(bin.join("tsc"))
            .args(["-p", "."])
            .current_dir(&dir),
    )? && status(
        Command::new("node")
            .args(["dist/src/flow.js", base_url, token])
            .current_dir(&dir),
    )?)
}

/// The virtual environment of the pinned Python tools
/// (`target/consumers/venv`, from `consumers/python/requirements.txt`):
/// created and installed unless it already holds exactly these
/// requirements.
pub fn python_tools(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = &root.join("target/consumers/venv");
    let requirements = root.join(REQUIREMENTS);
    let stamp = venv.join("requirements.sha256");
    let wanted = digest(&requirements)?;
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(venv.clone());
    }
    step("installing the pinned Python tools (consumers/python/requirements.txt)");
    if !venv.join("bin/python").exists() {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        require(
            Command::new(&python).args(["-m", "venv"]).arg(venv),
            &format!("{python} -m venv (set PYTHON to another interpreter)"),
        )?;
    }
    require(
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r consumers/python/requirements.txt",
    )?;
    fs::write(&stamp, wanted)?;
    Ok(venv.clone())
}

/// `npm ci` in `consumers/typescript`, unless its lock file is installed.
fn node_tools(root: &Path) -> anyhow::Result<()> {
    let dir = root.join("consumers/typescript");
    let stamp = dir.join("node_modules/.package-lock.sha256");
    let wanted = digest(&dir.join("package-lock.json"))?;
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    step("installing the pinned Node tools (consumers/typescript/package-lock.json)");
    require(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir),
        "npm ci in consumers/typescript",
    )?;
    fs::write(&stamp, wanted)?;
    Ok(())
}

fn digest(path: &Path) -> anyhow::Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(super::release::sha256_hex(&bytes))
}

fn step(title: &str) {
    println!("\n==> {title}");
}

/// Runs a command with inherited output; whether it exited 0. A command
/// that cannot be started is an error naming it.
fn status(command: &mut Command) -> anyhow::Result<bool> {
    let program = command.get_program().to_string_lossy().into_owned();
    let status = command
        .status()
        .with_context(|| format!("cannot run {program}"))?;
    Ok(status.success())
}

/// Runs a command with its output in `log`; whether it exited 0. When it
/// fails, the last lines of the log are shown.
fn status_logged(command: &mut Command, log: &Path) -> anyhow::Result<bool> {
    let program = command.get_program().to_string_lossy().into_owned();
    let file = fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let status = command
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .with_context(|| format!("cannot run {program}"))?;
    let text = fs::read_to_string(log).unwrap_or_default();
    let warnings = text.lines().filter(|line| line.contains(" WARN ")).count();
    if status.success() {
        println!(
            "  {program}: {warnings} warning(s), log in {}",
            log.display()
        );
    } else {
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines[lines.len().saturating_sub(30)..] {
            println!("  | {line}");
        }
        println!("  {program} failed ({status}), log in {}", log.display());
    }
    Ok(status.success())
}

fn require(command: &mut Command, what: &str) -> anyhow::Result<()> {
    if !status(command)? {
        bail!("{what} failed");
    }
    Ok(())
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![PathBuf::from(dir)];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).unwrap_or_default()
}
