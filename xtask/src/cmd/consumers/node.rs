//! The TypeScript consumers: openapi-typescript with openapi-fetch, orval,
//! and the small projects that compile generated code with a flow.

use std::{fs, path::Path, process::Command};

use anyhow::Context as _;

use super::{
    Run,
    matrix::{Outcome, Phase},
    tools::{NODE_PROJECT, Ran, Show, capture, put},
};

/// The pinned Node tools' programs.
fn bin(run: &Run, program: &str) -> std::path::PathBuf {
    run.root
        .join(NODE_PROJECT)
        .join("node_modules/.bin")
        .join(program)
}

/// Makes `project` (which holds generated code) a TypeScript project of
/// the files of `sources` (a `flow.ts` and its `tsconfig.json`), with the
/// pinned Node tools of `consumers/typescript`, and compiles it.
pub fn typescript_project(run: &Run, project: &Path, sources: &Path) -> anyhow::Result<Ran> {
    for entry in fs::read_dir(sources)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            put(&project.join(entry.file_name()), &fs::read(entry.path())?)?;
        }
    }
    // Compiled as CommonJS, whatever a package.json above says.
    put(&project.join("package.json"), b"{\"type\": \"commonjs\"}\n")?;
    let modules = project.join("node_modules");
    if fs::symlink_metadata(&modules).is_err() {
        std::os::unix::fs::symlink(run.root.join(NODE_PROJECT).join("node_modules"), &modules)
            .with_context(|| format!("cannot link {}", modules.display()))?;
    }
    capture(
        Command::new(bin(run, "tsc"))
            .args(["-p", "."])
            .current_dir(project),
        &project.join("build.log"),
        Show::All,
    )
}

/// openapi-typescript on the JSON and the YAML (the same types), the
/// document's examples and `consumers/typescript/src/flow.ts` under strict
/// `tsc`, then the flow's calls through openapi-fetch.
pub fn openapi_typescript(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("openapi-typescript + openapi-fetch", document);
    let dir = run.root.join(NODE_PROJECT);
    let logs = run.work.join("openapi-typescript");
    fs::create_dir_all(dir.join("generated"))?;
    let yaml = document.replace(".json", ".yaml");
    for (source, out) in [
        (document, "generated/schema.d.ts"),
        (yaml.as_str(), "generated/schema-from-yaml.d.ts"),
    ] {
        let generated = capture(
            Command::new(bin(run, "openapi-typescript"))
                .arg(run.root.join(source))
                .args(["-o", out])
                .current_dir(&dir),
            &logs.join("generate.log"),
            Show::All,
        )?;
        if !outcome.record(Phase::Generate, generated) {
            return Ok(outcome);
        }
    }
    let from_json = fs::read(dir.join("generated/schema.d.ts"))?;
    let from_yaml = fs::read(dir.join("generated/schema-from-yaml.d.ts"))?;
    if from_json != from_yaml {
        outcome.fail(
            Phase::Generate,
            format!("the types generated from {yaml} differ from those of {document}"),
        );
        return Ok(outcome);
    }
    let examples = capture(
        Command::new("node")
            .arg("examples.mjs")
            .arg(run.root.join(document))
            .arg("generated/examples.ts")
            .current_dir(&dir),
        &logs.join("examples.log"),
        Show::All,
    )?;
    if !outcome.record(Phase::Build, examples) {
        return Ok(outcome);
    }
    let built = capture(
        Command::new(bin(run, "tsc"))
            .args(["-p", "."])
            .current_dir(&dir),
        &logs.join("build.log"),
        Show::All,
    )?;
    if !outcome.record(Phase::Build, built) {
        return Ok(outcome);
    }
    let flow = capture(
        Command::new("node")
            .args(["dist/src/flow.js", &run.base_url, &run.token])
            .current_dir(&dir),
        &logs.join("live.log"),
        Show::All,
    )?;
    outcome.record(Phase::Live, flow);
    Ok(outcome)
}

/// orval, default settings (`--input`, `--output`; its axios client), on
/// `document`: generate, `tsc --strict` with `consumers/orval/flow.ts`,
/// then the five operations against the sandbox.
pub fn orval(run: &Run, document: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::new("orval (axios client)", document);
    let project = run
        .work
        .join("orval")
        .join(super::openapi_generator::file_stem(document));
    let client = project.join("client");
    let _ = fs::remove_dir_all(&client);
    fs::create_dir_all(&project)?;
    let generated = capture(
        Command::new(bin(run, "orval"))
            .arg("--input")
            .arg(run.root.join(document))
            .arg("--output")
            .arg(client.join("api.ts")),
        &project.join("generate.log"),
        Show::Quiet,
    )?;
    if !outcome.record(Phase::Generate, generated) {
        return Ok(outcome);
    }
    let built = typescript_project(run, &project, &run.root.join("consumers/orval"))?;
    if !outcome.record(Phase::Build, built) {
        return Ok(outcome);
    }
    let flow = capture(
        Command::new("node")
            .arg(project.join("dist/flow.js"))
            .args([&run.base_url, &run.token]),
        &project.join("live.log"),
        Show::All,
    )?;
    outcome.record(Phase::Live, flow);
    Ok(outcome)
}
