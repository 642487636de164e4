//! `cargo xtask regenerate [--check]`: the document and the client, from the spec.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, ExitCode, Stdio},
};

use serde_json::Value;

use connections_openapi_tools::downgrade::{DowngradeError, downgrade};

use super::exit;

/// `cargo xtask regenerate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Change nothing; exit 1 naming every committed file that differs
    /// from what would be generated.
    #[arg(long)]
    pub check: bool,
}

/// Writes the artifacts that changed, or (`--check`) names those that drifted.
pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let artifacts = render()?;
    if args.check {
        let drifted = drifted(root, &artifacts);
        if drifted.is_empty() {
            println!("up to date: {} generated files match", artifacts.len());
            return Ok(ExitCode::SUCCESS);
        }
        for path in &drifted {
            eprintln!("drifted: {path}");
        }
        eprintln!("run `cargo xtask regenerate` and commit the result");
        return Ok(ExitCode::from(exit::NEEDS_UPDATE));
    }
    let changed = write(root, &artifacts)?;
    for path in &changed {
        println!("wrote {}", path.display());
    }
    if changed.is_empty() {
        println!("nothing changed");
    }
    Ok(ExitCode::SUCCESS)
}

/// The published document (OpenAPI 3.1), JSON.
pub const DOCUMENT_JSON: &str = "openapi/connections.json";
/// The published document (OpenAPI 3.1), YAML.
pub const DOCUMENT_YAML: &str = "openapi/connections.yaml";
/// The 3.0.3 form, the generator's input only.
pub const DOCUMENT_30_JSON: &str = "openapi/connections.openapi-3.0.json";
/// The offline HTML reference, rendered from the 3.1 document.
pub const REFERENCE_HTML: &str = "openapi/connections.html";
/// progenitor's output.
pub const GENERATED_CLIENT: &str = "crates/generated-client/src/generated.rs";

/// Why the artifacts could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum RegenerateError {
    /// The spec crate's document does not serialize.
    #[error("the spec's OpenAPI document does not serialize to JSON: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The HTML reference could not be rendered.
    #[error("cannot render {REFERENCE_HTML}: {0}")]
    Reference(#[from] connections_openapi_tools::reference::ReferenceError),
    /// The 3.1 → 3.0 conversion failed.
    #[error("cannot derive the OpenAPI 3.0 form: {0}")]
    Downgrade(#[from] DowngradeError),
    /// The 3.0 form does not parse as OpenAPI 3.0.
    #[error("{DOCUMENT_30_JSON} is not a valid OpenAPI 3.0 document for progenitor: {0}")]
    OpenApi30(#[source] serde_json::Error),
    /// progenitor refused the document.
    #[error("progenitor rejected {DOCUMENT_30_JSON}: {0}")]
    Progenitor(String),
    /// progenitor's tokens are not a Rust file.
    #[error("progenitor produced code that does not parse as Rust: {0}")]
    GeneratedSyntax(String),
    /// rustfmt is missing or failed.
    #[error(
        "rustfmt failed on {GENERATED_CLIENT} ({0}); install it with `rustup component add rustfmt`"
    )]
    Rustfmt(String),
}

/// One generated file: its path relative to the workspace root and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Path relative to the workspace root.
    pub path: &'static str,
    /// The full text of the file.
    pub contents: String,
}

/// Produces every generated file, in memory, from the spec crate.
pub fn render() -> Result<Vec<Artifact>, RegenerateError> {
    render_document(spec_document()?)
}

/// Like [`render`], with `info.version` set to `version`: exactly what
/// [`render`] produces once `CONTRACT_VERSION` is `version` (the constant
/// flows nowhere else), so a release can regenerate before the spec crate
/// is rebuilt.
pub fn render_with_version(version: &str) -> Result<Vec<Artifact>, RegenerateError> {
    let mut document = spec_document()?;
    if let Some(info) = document.get_mut("info").and_then(Value::as_object_mut) {
        info.insert("version".into(), Value::String(version.to_string()));
    }
    render_document(document)
}

fn spec_document() -> Result<Value, RegenerateError> {
    serde_json::to_value(connections_spec::openapi()).map_err(RegenerateError::Serialize)
}

fn render_document(document: Value) -> Result<Vec<Artifact>, RegenerateError> {
    let json = pretty_json(&document)?;
    let yaml = connections_openapi::yaml::to_string(&document);
    let document_30 = downgrade(&document)?;
    let json_30 = pretty_json(&document_30)?;
    let client = generate_client(&document_30)?;
    let reference = connections_openapi_tools::reference::render(&document)?;
    Ok(vec![
        Artifact {
            path: DOCUMENT_JSON,
            contents: json,
        },
        Artifact {
            path: DOCUMENT_YAML,
            contents: yaml,
        },
        Artifact {
            path: DOCUMENT_30_JSON,
            contents: json_30,
        },
        Artifact {
            path: REFERENCE_HTML,
            contents: reference,
        },
        Artifact {
            path: GENERATED_CLIENT,
            contents: client,
        },
    ])
}

fn pretty_json(value: &Value) -> Result<String, RegenerateError> {
    let mut text = serde_json::to_string_pretty(value).map_err(RegenerateError::Serialize)?;
    text.push('\n');
    Ok(text)
}

/// The settings that shape the generated client. Kept in one place.
fn generation_settings() -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("PartialEq")
        // Every request goes through the hand-written hooks of
        // `crates/generated-client/src/hooks.rs`: `pre` attaches the bearer
        // token (a fixed one, or one fetched and cached with client
        // credentials), `exec` retries idempotent operations. The policy
        // they read travels in the client as its inner value; `Expected`
        // makes a missing hook implementation a compile error.
        .with_inner_type(quote::quote!(crate::hooks::RequestPolicy))
        .with_hooks(progenitor::HooksMode::Expected)
        // `string` and `String` are both values of MappingType (the docs
        // publish both); typify cannot give them distinct variant names, so
        // the client uses its hand-written copy, which a test in the client
        // crate checks against every value of the document's enum.
        .with_replacement(
            "MappingType",
            "crate::mapping_type::MappingType",
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        );
    settings
}

/// Runs progenitor on the 3.0 form and formats its output.
pub fn generate_client(document_30: &Value) -> Result<String, RegenerateError> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(
        connections_openapi_tools::downgrade::nullable_references_for_typify(document_30),
    )
    .map_err(RegenerateError::OpenApi30)?;
    let settings = generation_settings();
    // progenitor reports some unsupported constructs by panicking; turn
    // that into an error that names the document.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome =
        std::panic::catch_unwind(|| progenitor::Generator::new(&settings).generate_tokens(&spec));
    std::panic::set_hook(previous_hook);
    let tokens = outcome
        .map_err(|panic| {
            let reason = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".to_string());
            RegenerateError::Progenitor(reason)
        })?
        .map_err(|e| RegenerateError::Progenitor(e.to_string()))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| RegenerateError::GeneratedSyntax(e.to_string()))?;
    syn::visit_mut::VisitMut::visit_file_mut(&mut LineDocs, &mut file);
    let code = prettyplease::unparse(&file);
    let header = format!(
        "// @generated by `cargo xtask regenerate` from {DOCUMENT_30_JSON}\n\
         // (derived from {DOCUMENT_JSON}, which the connections-spec crate emits).\n\
         // Do not edit by hand: change the spec or the generator settings in\n\
         // xtask/src/cmd/regenerate.rs and run `cargo xtask regenerate`.\n\n"
    );
    let rustfmt_program = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into());
    rustfmt(&rustfmt_program, &format!("{header}{code}"))
}

/// Splits multi-line `#[doc]` attributes into one per line.
///
/// prettyplease prints a multi-line doc attribute as an indented `/** */`
/// block, which rustdoc then reads as a code block (and runs as a doctest).
/// One `///` line per description line reads as the text it is.
struct LineDocs;

impl syn::visit_mut::VisitMut for LineDocs {
    fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
        let mut out = Vec::with_capacity(attrs.len());
        for attr in attrs.drain(..) {
            let text = match &attr.meta {
                syn::Meta::NameValue(nv) if attr.path().is_ident("doc") => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            };
            match text {
                Some(text) if text.contains('\n') => {
                    for line in text.lines() {
                        let line = if line.is_empty() {
                            String::new()
                        } else {
                            format!(" {line}")
                        };
                        out.push(syn::parse_quote!(#[doc = #line]));
                    }
                }
                _ => out.push(attr),
            }
        }
        *attrs = out;
        for attr in attrs.iter_mut() {
            self.visit_attribute_mut(attr);
        }
    }
}

/// Formats `code` with the rustfmt at `program` (normally `rustfmt`).
fn rustfmt(program: &str, code: &str) -> Result<String, RegenerateError> {
    let mut child = Command::new(program)
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| RegenerateError::Rustfmt(format!("cannot run `{program}`: {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| RegenerateError::Rustfmt("no stdin".into()))?;
    let input = code.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| RegenerateError::Rustfmt(e.to_string()))?;
    writer
        .join()
        .map_err(|_| RegenerateError::Rustfmt("writer thread panicked".into()))?
        .map_err(|e| RegenerateError::Rustfmt(e.to_string()))?;
    if !output.status.success() {
        return Err(RegenerateError::Rustfmt(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| RegenerateError::Rustfmt(e.to_string()))
}

/// Writes the artifacts under `root`; returns the paths that changed.
pub fn write(root: &Path, artifacts: &[Artifact]) -> std::io::Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for artifact in artifacts {
        let path = root.join(artifact.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(artifact.contents.as_str()) {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &artifact.contents)?;
            changed.push(PathBuf::from(artifact.path));
        }
    }
    Ok(changed)
}

/// The artifacts whose committed copy under `root` differs from `artifacts`
/// (missing files count as drifted).
pub fn drifted(root: &Path, artifacts: &[Artifact]) -> Vec<&'static str> {
    artifacts
        .iter()
        .filter(|a| {
            std::fs::read_to_string(root.join(a.path)).ok().as_deref() != Some(a.contents.as_str())
        })
        .map(|a| a.path)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_is_byte_identical_run_to_run() {
        let first = render().unwrap();
        let second = render().unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn rendering_with_the_current_version_is_rendering() {
        assert_eq!(
            render_with_version(connections_spec::CONTRACT_VERSION).unwrap(),
            render().unwrap()
        );
        let bumped = render_with_version("7.8.9").unwrap();
        let document: Value = serde_json::from_str(&bumped[0].contents).unwrap();
        assert_eq!(document["info"]["version"], "7.8.9");
        let client = &bumped.iter().find(|a| a.path == GENERATED_CLIENT).unwrap();
        assert!(client.contents.contains("\"7.8.9\""));
    }

    #[test]
    fn drift_names_each_changed_or_missing_file() {
        let dir = std::env::temp_dir().join(format!("xtask-drift-{}", std::process::id()));
        let artifacts = vec![
            Artifact {
                path: DOCUMENT_JSON,
                contents: "{}\n".into(),
            },
            Artifact {
                path: DOCUMENT_YAML,
                contents: "a: 1\n".into(),
            },
        ];
        assert_eq!(
            drifted(&dir, &artifacts),
            vec![DOCUMENT_JSON, DOCUMENT_YAML]
        );
        write(&dir, &artifacts).unwrap();
        assert!(drifted(&dir, &artifacts).is_empty());
        std::fs::write(dir.join(DOCUMENT_YAML), "a: 2\n").unwrap();
        assert_eq!(drifted(&dir, &artifacts), vec![DOCUMENT_YAML]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_rustfmt_is_a_clear_error() {
        let err = rustfmt("/nonexistent/rustfmt", "fn main() {}").unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("cannot run `/nonexistent/rustfmt`"),
            "{message}"
        );
        assert!(
            message.contains("rustup component add rustfmt"),
            "{message}"
        );
    }

    #[test]
    fn rustfmt_rejects_code_that_is_not_rust() {
        let err = rustfmt("rustfmt", "fn main( {").unwrap_err();
        assert!(matches!(err, RegenerateError::Rustfmt(_)), "{err}");
    }

    #[test]
    fn a_document_progenitor_cannot_read_is_a_clear_error() {
        let err = generate_client(&serde_json::json!({"openapi": "3.0.3"})).unwrap_err();
        assert!(err.to_string().contains(DOCUMENT_30_JSON), "{err}");
    }
}
