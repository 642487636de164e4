//! `cargo xtask publish [--out DIR]`: the bundle other teams consume.
//!
//! The bundle is a directory holding the document (JSON and YAML), its
//! OpenAPI 3.0 form, the HTML reference, the changelog, every released
//! document (under `released/`) and `SHA256SUMS` over all of them
//! (`sha256sum -c SHA256SUMS` checks it). The files are copied from the
//! committed ones, so the bundle is byte-identical run to run.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use super::{
    regenerate::{self, DOCUMENT_30_JSON, DOCUMENT_JSON, DOCUMENT_YAML, REFERENCE_HTML},
    release::{self, CHANGELOG, ReleaseError},
};

/// `cargo xtask publish`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to build the bundle (default: target/publish/ in the workspace).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Builds the bundle from the committed files, once they are up to date.
pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let artifacts = regenerate::render()?;
    let drifted = regenerate::drifted(root, &artifacts);
    if !drifted.is_empty() {
        for path in &drifted {
            eprintln!("drifted: {path}");
        }
        anyhow::bail!(
            "generated files are out of date: run `cargo xtask regenerate` before publishing"
        );
    }
    let out = args.out.unwrap_or_else(|| root.join(DEFAULT_OUT));
    let names = bundle(root, &out)?;
    for name in &names {
        println!("{}", out.join(name).display());
    }
    println!("bundle: {} files in {}", names.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

/// The default bundle directory, relative to the workspace root.
pub const DEFAULT_OUT: &str = "target/publish";
/// The checksum file of the bundle.
pub const SUMS: &str = "SHA256SUMS";

/// The fixed files of the bundle: (source under the root, name in the bundle).
const FIXED: [(&str, &str); 5] = [
    (DOCUMENT_JSON, "connections.json"),
    (DOCUMENT_YAML, "connections.yaml"),
    (DOCUMENT_30_JSON, "connections.openapi-3.0.json"),
    (REFERENCE_HTML, "connections.html"),
    (CHANGELOG, "CHANGELOG.md"),
];

/// Why the bundle could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A file to bundle is missing or unreadable.
    #[error("cannot read {path}: {source} (run `cargo xtask regenerate`, or release first)")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The bundle could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The released documents do not check out.
    #[error(transparent)]
    Released(#[from] ReleaseError),
}

/// Builds the bundle from the files under `root` into `out`; returns the
/// bundle's file names (relative to `out`), `SHA256SUMS` last.
pub fn bundle(root: &Path, out: &Path) -> Result<Vec<String>, PublishError> {
    let released = release::verify_releases(root)?;
    let mut files: Vec<(PathBuf, String)> = FIXED
        .iter()
        .map(|(source, name)| (root.join(source), name.to_string()))
        .collect();
    for entry in &released {
        files.push((
            root.join(&entry.path),
            format!("released/{}", release::released_file_name(&entry.version)),
        ));
    }
    let mut sums = String::new();
    let mut names = Vec::with_capacity(files.len() + 1);
    for (source, name) in &files {
        let bytes = std::fs::read(source).map_err(|e| PublishError::Read {
            path: source.strip_prefix(root).unwrap_or(source).to_path_buf(),
            source: e,
        })?;
        write(&out.join(name), &bytes)?;
        sums.push_str(&format!("{}  {name}\n", release::sha256_hex(&bytes)));
        names.push(name.clone());
    }
    write(&out.join(SUMS), sums.as_bytes())?;
    names.push(SUMS.to_string());
    Ok(names)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    let fail = |source| PublishError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, bytes).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::workspace_root;

    #[test]
    fn the_bundle_holds_every_artifact_with_checksums() {
        let root = workspace_root();
        let out = tempfile::tempdir().unwrap();
        let names = bundle(&root, out.path()).unwrap();
        for (source, name) in FIXED {
            assert!(names.contains(&name.to_string()), "{name}");
            assert_eq!(
                std::fs::read(out.path().join(name)).unwrap(),
                std::fs::read(root.join(source)).unwrap()
            );
        }
        let released = release::releases(&root).unwrap();
        assert!(!released.is_empty());
        for entry in &released {
            let name = format!("released/{}", release::released_file_name(&entry.version));
            assert!(out.path().join(&name).is_file(), "{name}");
        }
        assert_eq!(names.last().map(String::as_str), Some(SUMS));
        let sums = std::fs::read_to_string(out.path().join(SUMS)).unwrap();
        assert_eq!(sums.lines().count(), names.len() - 1);
        for line in sums.lines() {
            let (sum, name) = line.split_once("  ").unwrap();
            let bytes = std::fs::read(out.path().join(name)).unwrap();
            assert_eq!(sum, release::sha256_hex(&bytes), "{name}");
        }
    }

    #[test]
    fn the_bundle_is_deterministic() {
        let root = workspace_root();
        let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let names = bundle(&root, first.path()).unwrap();
        assert_eq!(bundle(&root, second.path()).unwrap(), names);
        for name in &names {
            assert_eq!(
                std::fs::read(first.path().join(name)).unwrap(),
                std::fs::read(second.path().join(name)).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn a_missing_artifact_is_named() {
        let root = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let err = bundle(root.path(), out.path()).unwrap_err();
        assert!(err.to_string().contains(DOCUMENT_JSON), "{err}");
    }

    #[test]
    fn sha256_matches_the_standard_vector() {
        assert_eq!(
            release::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
