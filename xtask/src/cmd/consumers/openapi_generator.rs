//! openapi-generator (the pinned PyPI package, which bundles the jar; Java
//! 17 runs it) at its default settings: only `-i`, `-g` and `-o` are given.
//!
//! Generated code is cached under `target/consumers/openapi-generator/`,
//! stamped with the digest of the document, the generator and the pinned
//! version, so a warm run neither regenerates nor rebuilds.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context as _;

use super::{
    Run,
    matrix::{Outcome, Phase},
    tools::{Show, cached, capture, digest, path_with, put},
};

/// The generated crate's program that round-trips bodies
/// (`consumers/openapi-generator/rust/roundtrip.rs`).
const RUST_ROUNDTRIP: &str = "consumers/openapi-generator/rust/roundtrip.rs";
/// The versions of the generated crate's dependencies, pinned.
const RUST_LOCK: &str = "consumers/openapi-generator/rust/Cargo.lock";

/// The pinned version, read from `consumers/python/requirements.txt`.
fn version(root: &Path) -> anyhow::Result<String> {
    let requirements = fs::read_to_string(root.join(super::tools::REQUIREMENTS))?;
    requirements
        .lines()
        .find_map(|line| line.trim().strip_prefix("openapi-generator-cli=="))
        .map(str::to_string)
        .with_context(|| {
            format!(
                "{} does not pin openapi-generator-cli",
                super::tools::REQUIREMENTS
            )
        })
}

/// Runs `generator` on `document` into `out` unless `out` holds its output
/// already (see [`cached`]). The generator's log is kept in `out.log` (its
/// end shown when it fails).
pub fn generate(
    run: &Run,
    generator: &str,
    document: &Path,
    out: &Path,
) -> anyhow::Result<super::tools::Ran> {
    let key = format!(
        "{}\n{generator}\n{}\n",
        digest(document)?,
        version(&run.root)?
    );
    cached(out, &key, || {
        capture(
            Command::new(run.venv.join("bin/openapi-generator-cli"))
                .arg("generate")
                .arg("-i")
                .arg(document)
                .args(["-g", generator, "-o"])
                .arg(out)
                .env("PATH", path_with(&run.venv.join("bin"))),
            &out.with_extension("log"),
            Show::Quiet,
        )
    })
}

/// `rust`: generate, `cargo build` (its default features), then every
/// example body of `document` and what the sandbox answers parse into its
/// models and write back as the same JSON.
pub fn rust(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("openapi-generator `rust`", document);
    let out = run
        .work
        .join("openapi-generator/rust")
        .join(file_stem(document));
    if !outcome.record(
        Phase::Generate,
        generate(run, "rust", &run.root.join(document), &out)?,
    ) {
        return Ok(outcome);
    }
    // The generated crate is its own workspace (it lies under ours), with
    // our pinned versions of its dependencies.
    let manifest = out.join("Cargo.toml");
    let mut toml = fs::read_to_string(&manifest)?;
    if !toml.contains("\n[workspace]") {
        toml.push_str("\n[workspace]\n");
        fs::write(&manifest, toml)?;
    }
    put(
        &out.join("examples/roundtrip.rs"),
        &fs::read(run.root.join(RUST_ROUNDTRIP))?,
    )?;
    let schemas = body_schemas(&run.root.join(super::json_twin(document)))?;
    put(
        &out.join("examples/schemas.rs"),
        format!("schemas!({});\n", schemas.join(", ")).as_bytes(),
    )?;
    let lock = out.join("Cargo.lock");
    if !lock.exists() {
        fs::copy(run.root.join(RUST_LOCK), &lock)
            .with_context(|| format!("cannot copy {RUST_LOCK}"))?;
    }
    let target = run.work.join("openapi-generator/rust-target");
    let built = capture(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "build",
                "--quiet",
                "--example",
                "roundtrip",
                "--manifest-path",
            ])
            .arg(&manifest)
            .env("CARGO_TARGET_DIR", &target)
            // Their code's lints are theirs to mind.
            .env("RUSTFLAGS", "--cap-lints=allow"),
        &out.with_extension("build.log"),
        Show::All,
    )?;
    if !outcome.record(Phase::Build, built) {
        return Ok(outcome);
    }
    let bodies = run.bodies(document)?;
    let parsed = capture(
        Command::new(target.join("debug/examples/roundtrip")).arg(bodies),
        &out.with_extension("live.log"),
        Show::All,
    )?;
    outcome.record(Phase::Live, parsed);
    Ok(outcome)
}

/// The component schemas the JSON bodies of `document`'s operations are
/// documented with (requests and responses), sorted.
fn body_schemas(document: &Path) -> anyhow::Result<Vec<String>> {
    let text = fs::read_to_string(document)
        .with_context(|| format!("cannot read {}", document.display()))?;
    let document: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", document.display()))?;
    let mut names = std::collections::BTreeSet::new();
    let operations = document["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(serde_json::Value::as_object)
        .flat_map(|item| item.values());
    for operation in operations {
        let request = operation.pointer("/requestBody/content/application~1json/schema/$ref");
        let responses = operation["responses"]
            .as_object()
            .into_iter()
            .flat_map(|responses| responses.values())
            .map(|response| response.pointer("/content/application~1json/schema/$ref"));
        for reference in std::iter::once(request).chain(responses).flatten() {
            if let Some(name) = reference
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                names.insert(name.to_string());
            }
        }
    }
    Ok(names.into_iter().collect())
}

/// `connections-1.0.0` for `openapi/released/connections-1.0.0.json`.
pub fn file_stem(document: &str) -> String {
    Path::new(document)
        .file_name()
        .map(|name| name.to_string_lossy().replace('.', "-"))
        .unwrap_or_default()
}

/// Where [`Run::bodies`] writes the bodies of `document`.
pub fn bodies_dir(work: &Path, document: &str) -> PathBuf {
    work.join("bodies").join(file_stem(document))
}

/// `python`: generate, compile and import, then the bodies round-trip and
/// the five operations against the sandbox
/// (`consumers/openapi-generator/python/flow.py`).
pub fn python(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("openapi-generator `python`", document);
    let out = run
        .work
        .join("openapi-generator/python")
        .join(file_stem(document));
    if !outcome.record(
        Phase::Generate,
        generate(run, "python", &run.root.join(document), &out)?,
    ) {
        return Ok(outcome);
    }
    let python = run.venv.join("bin/python");
    // Compiled, then imported: an import runs the models' class bodies.
    let built = capture(
        Command::new(&python)
            .args(["-c", PYTHON_BUILD])
            .current_dir(&out),
        &out.with_extension("build.log"),
        Show::All,
    )?;
    if !outcome.record(Phase::Build, built) {
        return Ok(outcome);
    }
    let bodies = run.bodies(document)?;
    let flow = capture(
        Command::new(&python)
            .arg(run.root.join("consumers/openapi-generator/python/flow.py"))
            .arg("--client")
            .arg(&out)
            .arg("--bodies")
            .arg(&bodies)
            .args(["--base-url", &run.base_url, "--token", &run.token]),
        &out.with_extension("live.log"),
        Show::All,
    )?;
    outcome.record(Phase::Live, flow);
    Ok(outcome)
}

/// Compiles every module of the generated package, then imports it.
const PYTHON_BUILD: &str = "import compileall, sys
ok = compileall.compile_dir('openapi_client', quiet=1)
import openapi_client
sys.exit(0 if ok else 1)";

/// `typescript-fetch`: generate into a small project beside
/// `consumers/openapi-generator/typescript-fetch/flow.ts`, `tsc --strict`
/// it, then run the bodies round-trip and the five operations.
pub fn typescript_fetch(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("openapi-generator `typescript-fetch`", document);
    let project = run
        .work
        .join("openapi-generator/typescript-fetch")
        .join(file_stem(document));
    let client = project.join("client");
    if !outcome.record(
        Phase::Generate,
        generate(run, "typescript-fetch", &run.root.join(document), &client)?,
    ) {
        return Ok(outcome);
    }
    let sources = run
        .root
        .join("consumers/openapi-generator/typescript-fetch");
    if !outcome.record(
        Phase::Build,
        super::node::typescript_project(run, &project, &sources)?,
    ) {
        return Ok(outcome);
    }
    let bodies = run.bodies(document)?;
    let flow = capture(
        Command::new("node")
            .arg(project.join("dist/flow.js"))
            .arg(&bodies)
            .args([&run.base_url, &run.token]),
        &project.join("live.log"),
        Show::All,
    )?;
    outcome.record(Phase::Live, flow);
    Ok(outcome)
}

/// The warning openapi-generator 7.26.0 prints for every document with a
/// named response example.
const NAMED_EXAMPLE_WARNING: &str = "Failed to get the schema name: null";

/// Whether every `Failed to get the schema name` warning the generator
/// gave on `document` (its `rust` log) is one it also gives on
/// `consumers/openapi-generator/named-example.json`, a document of one
/// operation with one named response example: the generator's own, not a
/// defect of ours.
pub fn warnings_are_its_own(run: &Run, document: &str) -> anyhow::Result<bool> {
    let log = run
        .work
        .join("openapi-generator/rust")
        .join(file_stem(document))
        .with_extension("log");
    let ours =
        fs::read_to_string(&log).with_context(|| format!("cannot read {}", log.display()))?;
    let ours: std::collections::BTreeSet<&str> = ours
        .lines()
        .filter_map(|line| {
            line.split_once("Failed to get the schema name")
                .map(|(_, rest)| rest)
        })
        .collect();
    if ours.is_empty() {
        println!("  no `Failed to get the schema name` warning");
        return Ok(true);
    }
    let minimal = run.work.join("openapi-generator/rust/named-example");
    let ran = generate(
        run,
        "rust",
        &run.root
            .join("consumers/openapi-generator/named-example.json"),
        &minimal,
    )?;
    let theirs = fs::read_to_string(minimal.with_extension("log")).unwrap_or_default();
    let own = ran.passed && ours.len() == 1 && theirs.contains(NAMED_EXAMPLE_WARNING);
    println!(
        "  {document}: warned `Failed to get the schema name{}`; a document with one named response example: {}",
        ours.iter().copied().collect::<Vec<_>>().join("`, `"),
        if theirs.contains(NAMED_EXAMPLE_WARNING) {
            "the same warning"
        } else {
            "no warning"
        }
    );
    Ok(own)
}
