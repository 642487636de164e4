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

use super::{Outcome, Run, status, status_logged};

/// The generated crate's program that round-trips bodies
/// (`consumers/openapi-generator/rust/roundtrip.rs`).
const RUST_ROUNDTRIP: &str = "consumers/openapi-generator/rust/roundtrip.rs";
/// The versions of the generated crate's dependencies, pinned.
const RUST_LOCK: &str = "consumers/openapi-generator/rust/Cargo.lock";

/// The pinned version, read from `consumers/python/requirements.txt`.
fn version(root: &Path) -> anyhow::Result<String> {
    let requirements = fs::read_to_string(root.join(super::REQUIREMENTS))?;
    requirements
        .lines()
        .find_map(|line| line.trim().strip_prefix("openapi-generator-cli=="))
        .map(str::to_string)
        .with_context(|| format!("{} does not pin openapi-generator-cli", super::REQUIREMENTS))
}

/// Runs `generator` on `document` into `out` unless `out` holds its output
/// already; whether it generated. The generator's log is kept in
/// `out.log` (shown when it fails).
pub fn generate(run: &Run, generator: &str, document: &Path, out: &Path) -> anyhow::Result<bool> {
    let stamp_file = out.with_extension("stamp");
    let stamp = format!(
        "{}\n{generator}\n{}\n",
        super::digest(document)?,
        version(&run.root)?
    );
    if out.exists() && fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str()) {
        println!("  {generator}: {} is up to date", out.display());
        return Ok(true);
    }
    let _ = fs::remove_dir_all(out);
    let _ = fs::remove_file(&stamp_file);
    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent)?;
    }
    let generated = status_logged(
        Command::new(run.venv.join("bin/openapi-generator-cli"))
            .arg("generate")
            .arg("-i")
            .arg(document)
            .args(["-g", generator, "-o"])
            .arg(out)
            .env("PATH", super::path_with(&run.venv.join("bin"))),
        &out.with_extension("log"),
    )?;
    if generated {
        fs::write(&stamp_file, stamp)?;
    }
    Ok(generated)
}

/// Writes `bytes` to `path` unless it holds them already (so cargo sees
/// no change).
fn put(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if fs::read(path).ok().as_deref() != Some(bytes) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// `rust`: generate, `cargo build` (its default features), then every
/// example body of `document` and what the sandbox answers parse into its
/// models and write back as the same JSON.
pub fn rust(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("openapi-generator rust", document);
    let out = run
        .work
        .join("openapi-generator/rust")
        .join(file_stem(document));
    outcome.generate = Some(generate(run, "rust", &run.root.join(document), &out)?);
    if outcome.generate != Some(true) {
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
    let schemas = body_schemas(&run.root.join(document))?;
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
    outcome.build = Some(status(
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
    )?);
    if outcome.build != Some(true) {
        return Ok(outcome);
    }
    let bodies = run.bodies(document)?;
    outcome.live = Some(status(
        Command::new(target.join("debug/examples/roundtrip")).arg(bodies),
    )?);
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

/// `python`: generate, compile, then the bodies round-trip and the five
/// operations against the sandbox (`consumers/openapi-generator/python/flow.py`).
pub fn python(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("openapi-generator python", document);
    let out = run
        .work
        .join("openapi-generator/python")
        .join(file_stem(document));
    outcome.generate = Some(generate(run, "python", &run.root.join(document), &out)?);
    if outcome.generate != Some(true) {
        return Ok(outcome);
    }
    let python = run.venv.join("bin/python");
    outcome.build = Some(status(
        Command::new(&python)
            .args(["-m", "compileall", "-q"])
            .arg(out.join("openapi_client")),
    )?);
    if outcome.build != Some(true) {
        return Ok(outcome);
    }
    let bodies = run.bodies(document)?;
    outcome.live = Some(status(
        Command::new(&python)
            .arg(run.root.join("consumers/openapi-generator/python/flow.py"))
            .arg("--client")
            .arg(&out)
            .arg("--bodies")
            .arg(&bodies)
            .args(["--base-url", &run.base_url, "--token", &run.token]),
    )?);
    Ok(outcome)
}

/// `typescript-fetch`: generate into a small project beside
/// `consumers/openapi-generator/typescript-fetch/flow.ts`, `tsc --strict`
/// it, then run the bodies round-trip and the five operations.
pub fn typescript_fetch(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("openapi-generator typescript-fetch", document);
    let project = run
        .work
        .join("openapi-generator/typescript-fetch")
        .join(file_stem(document));
    let client = project.join("client");
    outcome.generate = Some(generate(
        run,
        "typescript-fetch",
        &run.root.join(document),
        &client,
    )?);
    if outcome.generate != Some(true) {
        return Ok(outcome);
    }
    let sources = run
        .root
        .join("consumers/openapi-generator/typescript-fetch");
    outcome.build = Some(super::typescript_project(run, &project, &sources)?);
    if outcome.build != Some(true) {
        return Ok(outcome);
    }
    let bodies = run.bodies(document)?;
    outcome.live = Some(status(
        Command::new("node")
            .arg(project.join("dist/flow.js"))
            .arg(&bodies)
            .args([&run.base_url, &run.token]),
    )?);
    Ok(outcome)
}
