//! `cargo xtask consumers`: other teams' tools on the published documents,
//! at their default settings, used for real against a throwaway sandbox.
//!
//! Every tool is pinned and installed by the task itself, under `target/`:
//! Python's in a virtual environment from `consumers/python/requirements.txt`
//! (every package at an exact version, openapi-generator's jar included),
//! Node's with `npm ci` from `consumers/typescript/package-lock.json`.
//!
//! The matrix (one row per consumer and document; generate, build, live):
//!
//! - `python`: openapi-python-client generates a client from each published
//!   document (3.1 JSON, YAML, the 3.0 form); `consumers/python/flow.py`
//!   parses every example body with it and runs create, list, retrieve,
//!   update and test against the sandbox;
//! - `typescript`: openapi-typescript generates the types from the JSON and
//!   the YAML (which must give the same file), `tsc --strict` checks the
//!   document's examples against them and `consumers/typescript/src/flow.ts`,
//!   which then runs the same calls through openapi-fetch;
//! - `openapi-generator-rust`: openapi-generator's `rust` generator on the
//!   3.1 JSON, the YAML and the 3.0 form: the crate builds and its models parse every
//!   example body and what the sandbox answers, and write each back as the
//!   same JSON (`consumers/openapi-generator/`);
//! - `openapi-generator-python`, `openapi-generator-typescript-fetch`: the
//!   same bodies through those generators' models (`tsc --strict` on the
//!   TypeScript), then the five operations through the generated API;
//! - `orval`: orval's default (axios) client under `tsc --strict`, then the
//!   five operations (`consumers/orval/`).
//!
//! The generators also run on every released document
//! (`openapi/released/`): those rows say what a team on that release hits,
//! and never fail the task. A full run writes the table into README.md.
//!
//! Beside the matrix: `yaml` (`openapi/connections.yaml` loads as exactly
//! the JSON under a YAML 1.1 loader, PyYAML, and a YAML 1.2 loader,
//! ruamel.yaml) and `schemathesis`
//! (every check, all four phases, a fixed seed: zero failures).
//!
//! The sandbox runs in this process on 127.0.0.1 with a random token; its
//! connection tests reach loopback addresses only, so nothing a fuzzer
//! generates leaves the machine.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use anyhow::Context as _;
use connections_sandbox::{OutboundPolicy, Sandbox, SandboxConfig};

mod matrix;
mod node;
mod openapi_generator;
mod tools;

pub use matrix::{README_END, README_START, readme_rows};
pub use tools::python_tools;

use matrix::{Outcome, Phase, RELEASED};
use tools::{Show, capture, path_with, require, status, step};

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

/// A consumer of the matrix.
struct Consumer {
    check: Check,
    /// The published documents it runs on.
    documents: &'static [&'static str],
    /// Whether it also runs on the released documents.
    released: bool,
    run: fn(&Run, &str) -> anyhow::Result<Outcome>,
}

/// The 3.1 JSON, its YAML and the 3.0 form.
const GENERATOR_DOCUMENTS: &[&str] = &[
    "openapi/connections.json",
    "openapi/connections.yaml",
    "openapi/connections.openapi-3.0.json",
];

/// The JSON document with the same content as `document`: the YAML's is
/// the JSON (the `yaml` check proves it), the others are their own. The
/// programs of `consumers/` read examples from JSON.
fn json_twin(document: &str) -> String {
    match document.strip_suffix(".yaml") {
        Some(stem) => format!("{stem}.json"),
        None => document.to_string(),
    }
}

/// The matrix's consumers, in the order they run.
const CONSUMERS: &[Consumer] = &[
    Consumer {
        check: Check::Python,
        documents: GENERATOR_DOCUMENTS,
        released: true,
        run: openapi_python_client,
    },
    Consumer {
        check: Check::Typescript,
        documents: &["openapi/connections.json"],
        released: false,
        run: node::openapi_typescript,
    },
    Consumer {
        check: Check::OpenapiGeneratorRust,
        documents: GENERATOR_DOCUMENTS,
        released: true,
        run: openapi_generator::rust,
    },
    Consumer {
        check: Check::OpenapiGeneratorPython,
        documents: GENERATOR_DOCUMENTS,
        released: true,
        run: openapi_generator::python,
    },
    Consumer {
        check: Check::OpenapiGeneratorTypescriptFetch,
        documents: GENERATOR_DOCUMENTS,
        released: true,
        run: openapi_generator::typescript_fetch,
    },
    Consumer {
        check: Check::Orval,
        documents: GENERATOR_DOCUMENTS,
        released: true,
        run: node::orval,
    },
];

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

/// Every row of the full matrix: (consumer as the README names it,
/// document), in the order they run.
pub fn matrix_rows(root: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let released = released_documents(root)?;
    let mut rows = Vec::new();
    for consumer in CONSUMERS {
        let name = consumer_name(consumer.check);
        let documents = consumer.documents.iter().map(|d| d.to_string());
        let released = released.iter().filter(|_| consumer.released).cloned();
        for document in documents.chain(released) {
            rows.push((name.to_string(), document));
        }
    }
    Ok(rows)
}

/// The name a consumer's rows carry.
fn consumer_name(check: Check) -> &'static str {
    match check {
        Check::Python => "openapi-python-client",
        Check::Typescript => "openapi-typescript + openapi-fetch",
        Check::OpenapiGeneratorRust => "openapi-generator `rust`",
        Check::OpenapiGeneratorPython => "openapi-generator `python`",
        Check::OpenapiGeneratorTypescriptFetch => "openapi-generator `typescript-fetch`",
        Check::Orval => "orval (axios client)",
        Check::Yaml | Check::Schemathesis => "",
    }
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
        let document = &json_twin(document);
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

/// What `cargo xtask consumers` runs.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run only these checks (default: all of them, and the README's
    /// matrix is rewritten).
    #[arg(long = "only", value_enum)]
    pub only: Vec<Check>,
}

/// Runs the checks; exit 0 when all pass, 1 when one failed (2, through
/// the error, when a tool could not be installed or the sandbox not started).
pub fn run(root: &Path, options: Args) -> anyhow::Result<ExitCode> {
    let selected = |check| options.only.is_empty() || options.only.contains(&check);
    let work = root.join("target/consumers");
    fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let needs_node = [
        Check::Typescript,
        Check::OpenapiGeneratorTypescriptFetch,
        Check::Orval,
    ]
    .into_iter()
    .any(selected);
    // Every other check needs Python (bodies.py runs the generators' bodies).
    let needs_python = [
        Check::Yaml,
        Check::Python,
        Check::Schemathesis,
        Check::OpenapiGeneratorRust,
        Check::OpenapiGeneratorPython,
        Check::OpenapiGeneratorTypescriptFetch,
    ]
    .into_iter()
    .any(selected);
    let venv = if needs_python {
        python_tools(root)?
    } else {
        work.join("venv")
    };
    if needs_node {
        tools::node_tools(root)?;
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
    let run = Run {
        root: root.to_path_buf(),
        work: work.clone(),
        venv: venv.clone(),
        base_url: sandbox.base_url().to_string(),
        token: sandbox.token().to_string(),
    };
    println!("sandbox listening on {}", run.base_url);

    let mut results: Vec<(String, bool)> = Vec::new();
    let mut record = |name: String, passed: bool| {
        println!("{} {name}", if passed { "passed:" } else { "FAILED:" });
        results.push((name, passed));
    };
    if selected(Check::Yaml) {
        step("yaml: the YAML document under YAML 1.1 and 1.2 loaders");
        let passed = status(
            Command::new(venv.join("bin/python"))
                .arg("consumers/python/yaml_equals_json.py")
                .args(["openapi/connections.json", "openapi/connections.yaml"])
                .current_dir(root),
        )?;
        record("yaml".into(), passed);
    }
    let released = released_documents(root)?;
    let mut matrix: Vec<Outcome> = Vec::new();
    for consumer in CONSUMERS.iter().filter(|c| selected(c.check)) {
        let released = released.iter().filter(|_| consumer.released);
        let documents = consumer
            .documents
            .iter()
            .copied()
            .chain(released.map(String::as_str));
        for document in documents {
            step(&format!("{} on {document}", consumer_name(consumer.check)));
            let outcome = (consumer.run)(&run, document)?;
            let name = format!("{} ({document})", outcome.consumer);
            if outcome.released {
                println!(
                    "{} {name}: reported, not failed",
                    if outcome.passed() {
                        "passed:"
                    } else {
                        "failed:"
                    }
                );
            } else {
                record(name, outcome.passed());
            }
            matrix.push(outcome);
        }
    }
    if selected(Check::OpenapiGeneratorRust) {
        let document = "openapi/connections.json";
        step("openapi-generator: its `Failed to get the schema name` warning is its own");
        record(
            "openapi-generator's warnings".into(),
            openapi_generator::warnings_are_its_own(&run, document)?,
        );
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
                .args(["--url", &run.base_url])
                .arg("-H")
                .arg(format!("Authorization: Bearer {}", run.token))
                .args(SCHEMATHESIS_ARGS)
                .env("SCHEMATHESIS_TELEMETRY", "false")
                .current_dir(&cwd),
        )?;
        record("schemathesis".into(), passed);
    }
    runtime.block_on(sandbox.shutdown())?;

    if !matrix.is_empty() {
        let table = matrix::table(&matrix);
        println!("\n{table}");
        if options.only.is_empty() && matrix::update_readme(root, &table)? {
            println!("README.md: the consumers matrix was updated");
        }
    }
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

/// The package openapi-python-client names after the document's title.
const PYTHON_CLIENT_PACKAGE: &str = "sitecore_personalize_connection_rest_api_client";

/// openapi-python-client, default settings, on `document`: generate, then
/// `consumers/python/flow.py` (which imports the client) parses the
/// document's example bodies and makes the five calls.
fn openapi_python_client(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("openapi-python-client", document);
    let client = run
        .work
        .join("python")
        .join(openapi_generator::file_stem(document));
    let key = format!(
        "{}\nopenapi-python-client\n{}\n",
        tools::digest(&run.root.join(document))?,
        tools::digest(&run.root.join(tools::REQUIREMENTS))?
    );
    let generated = tools::cached(&client, &key, || {
        capture(
            Command::new(run.venv.join("bin/openapi-python-client"))
                .args([
                    "generate",
                    "--overwrite",
                    "--path",
                    document,
                    "--output-path",
                ])
                .arg(&client)
                .env("PATH", path_with(&run.venv.join("bin")))
                .current_dir(&run.root),
            &client.with_extension("generate.log"),
            Show::All,
        )
    })?;
    if !outcome.record(Phase::Generate, generated) {
        return Ok(outcome);
    }
    let imported = capture(
        Command::new(run.venv.join("bin/python"))
            .args(["-c", &format!("import {PYTHON_CLIENT_PACKAGE}")])
            .current_dir(&client),
        &client.with_extension("build.log"),
        Show::All,
    )?;
    if !outcome.record(Phase::Build, imported) {
        return Ok(outcome);
    }
    // The examples are the JSON document's (the YAML's are the same).
    let examples = json_twin(document);
    let flow = capture(
        Command::new(run.venv.join("bin/python"))
            .arg("consumers/python/flow.py")
            .arg("--client")
            .arg(&client)
            .args(["--document", &examples])
            .args(["--base-url", &run.base_url, "--token", &run.token])
            .current_dir(&run.root),
        &client.with_extension("live.log"),
        Show::All,
    )?;
    outcome.record(Phase::Live, flow);
    Ok(outcome)
}
