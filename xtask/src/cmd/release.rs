//! `cargo xtask release <version>`: versioned releases of the contract.
//!
//! A release checks the version against the breaking-change gate (it must
//! be greater than the latest release, and a major step when the document
//! breaks clients of it), stamps the version into the manifests of
//! [`CONTRACT_PACKAGES`] (the spec crate's `package.version` is the
//! contract's version, `CONTRACT_VERSION`; the client follows it) and
//! `Cargo.lock`,
//! regenerates, keeps a copy of the document under `openapi/released/`
//! (recorded in `openapi/released/SHA256SUMS`, never edited after), and
//! adds a `CHANGELOG.md` entry generated from the differences.
//!
//! Everything takes the workspace root as a parameter, so it runs on a
//! copy of the repository in tests.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    process::ExitCode,
};

use semver::Version;
use serde_json::Value;
use sha2::{Digest, Sha256};

use connections_openapi_tools::{
    breaking::{self, BreakingError, Finding, Verdict, accepted},
    changelog,
};

use super::{
    exit,
    regenerate::{self, Artifact, DOCUMENT_JSON, RegenerateError},
};

/// `cargo xtask release`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The new version, MAJOR.MINOR.PATCH.
    pub version: String,
    /// The date of the changelog entry (default: today, UTC).
    #[arg(long)]
    pub date: Option<String>,
}

/// Releases the version; exit 1 when the gate refuses it.
pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let version = parse_version(&args.version)?;
    let date = args
        .date
        .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%d").to_string());
    let outcome = match release(root, &version, &date, regenerate::render_with_version) {
        Ok(outcome) => outcome,
        Err(error @ ReleaseError::BreakingWithoutMajorBump { .. })
        | Err(error @ ReleaseError::NotNewer { .. }) => {
            eprintln!("refused: {error}");
            return Ok(ExitCode::from(exit::GATE_FAILED));
        }
        Err(error) => return Err(error.into()),
    };
    match &outcome.previous {
        Some(previous) => println!(
            "released {} (after {previous}: {} difference(s), {} breaking)",
            outcome.version,
            outcome.findings.len(),
            outcome.findings.iter().filter(|f| f.breaking).count()
        ),
        None => println!("released {} (the first release)", outcome.version),
    }
    for path in &outcome.written {
        println!("wrote {}", path.display());
    }
    println!("review and commit the result; the next build uses the stamped version");
    Ok(ExitCode::SUCCESS)
}

/// The breaking changes accepted with a written reason (see
/// `connections_openapi_tools::breaking::accepted`).
pub const ACCEPTED_CHANGES: &str = "openapi/breaking-accepted.toml";

/// The accepted changes of the workspace (none when the file is absent).
pub fn accepted_changes(root: &Path) -> Result<Vec<accepted::Acceptance>, ReleaseError> {
    let path = root.join(ACCEPTED_CHANGES);
    match std::fs::read_to_string(&path) {
        Ok(text) => accepted::parse(&text).map_err(ReleaseError::Accepted),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(ReleaseError::Io { path, source }),
    }
}

/// Where released documents are kept.
pub const RELEASED_DIR: &str = "openapi/released";
/// The checksums of the released documents (`sha256sum` format).
pub const RELEASED_SUMS: &str = "openapi/released/SHA256SUMS";
/// The changelog.
pub const CHANGELOG: &str = "CHANGELOG.md";
/// The manifest whose `package.version` is the contract's version (the
/// spec crate reads it as `CONTRACT_VERSION`).
pub const CONTRACT_MANIFEST: &str = "crates/spec/Cargo.toml";
/// The client crate's manifest.
pub const CLIENT_MANIFEST: &str = "crates/generated-client/Cargo.toml";
/// Every package versioned as the contract, with its manifest: the spec
/// crate (the one key) first, then the crates that follow it.
pub const CONTRACT_PACKAGES: [(&str, &str); 2] = [
    (CONTRACT_MANIFEST, "connections-spec"),
    (CLIENT_MANIFEST, "connections-client"),
];
/// The lockfile.
pub const LOCKFILE: &str = "Cargo.lock";

/// Why a release (or a check of the released documents) failed.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The accepted breaking changes are malformed or stale.
    #[error("{ACCEPTED_CHANGES}: {0}")]
    Accepted(#[source] accepted::AcceptedError),
    /// The version is not a semantic version.
    #[error("`{0}` is not a semantic version (MAJOR.MINOR.PATCH): {1}")]
    Version(String, #[source] semver::Error),
    /// The version is not above the latest release.
    #[error("version {version} is not greater than the latest release, {latest}")]
    NotNewer {
        /// The requested version.
        version: Version,
        /// The latest release.
        latest: Version,
    },
    /// The document breaks clients of the latest release without a major bump.
    #[error(
        "the document has {count} breaking change(s) since {latest}, so the next version must be \
         a major release, not {version} (run `cargo xtask breaking` to list them)"
    )]
    BreakingWithoutMajorBump {
        /// The requested version.
        version: Version,
        /// The latest release.
        latest: Version,
        /// How many breaking findings.
        count: usize,
    },
    /// A file under `openapi/released/` is not a released document.
    #[error("{0}: not a released document (expected connections-<version>.json or SHA256SUMS)")]
    UnexpectedFile(PathBuf),
    /// A released document is not JSON.
    #[error("{path} is not a JSON document: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A released document's `info.version` differs from its name.
    #[error("{path} holds info.version {found:?}, but its name says {expected}")]
    VersionMismatch {
        /// The file.
        path: PathBuf,
        /// The version in the name.
        expected: Version,
        /// The version inside.
        found: Option<String>,
    },
    /// A released document changed after its release, or is not recorded.
    #[error(
        "{path}: {problem} (released documents are never edited: {RELEASED_SUMS} records them)"
    )]
    Tampered {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A file to stamp does not have the expected shape.
    #[error("cannot stamp the version into {path}: {problem}")]
    Stamp {
        /// The file.
        path: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// Regeneration failed.
    #[error(transparent)]
    Regenerate(#[from] RegenerateError),
    /// The documents could not be compared.
    #[error(transparent)]
    Compare(#[from] BreakingError),
    /// The rendered artifacts hold no document (a bug).
    #[error("the rendered artifacts have no {DOCUMENT_JSON}")]
    NoDocument,
}

/// One released document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Released {
    /// Its version.
    pub version: Version,
    /// Its path relative to the workspace root.
    pub path: String,
}

/// What a release did.
#[derive(Debug)]
pub struct ReleaseOutcome {
    /// The new version.
    pub version: Version,
    /// The release it was compared with, if any.
    pub previous: Option<Version>,
    /// The differences with the previous release.
    pub findings: Vec<Finding>,
    /// Files written, relative to the workspace root.
    pub written: Vec<PathBuf>,
}

/// The file name of a released document.
pub fn released_file_name(version: &Version) -> String {
    format!("connections-{version}.json")
}

/// Parses a version argument.
pub fn parse_version(text: &str) -> Result<Version, ReleaseError> {
    Version::parse(text.trim()).map_err(|e| ReleaseError::Version(text.to_string(), e))
}

/// The released documents under `root`, oldest first.
pub fn releases(root: &Path) -> Result<Vec<Released>, ReleaseError> {
    let dir = root.join(RELEASED_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(ReleaseError::Io { path: dir, source }),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ReleaseError::Io {
            path: dir.clone(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "SHA256SUMS" {
            continue;
        }
        let version = name
            .strip_prefix("connections-")
            .and_then(|rest| rest.strip_suffix(".json"))
            .and_then(|v| Version::parse(v).ok())
            .ok_or_else(|| ReleaseError::UnexpectedFile(Path::new(RELEASED_DIR).join(&name)))?;
        found.push(Released {
            version,
            path: format!("{RELEASED_DIR}/{name}"),
        });
    }
    found.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(found)
}

/// The latest release, if any.
pub fn latest_release(root: &Path) -> Result<Option<Released>, ReleaseError> {
    Ok(releases(root)?.pop())
}

/// Checks every released document: its name is its `info.version`, and
/// its bytes are those recorded in `SHA256SUMS` at its release (and every
/// recorded document exists). Returns the releases.
pub fn verify_releases(root: &Path) -> Result<Vec<Released>, ReleaseError> {
    let all = releases(root)?;
    let sums_path = root.join(RELEASED_SUMS);
    let sums = match std::fs::read_to_string(&sums_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && all.is_empty() => String::new(),
        Err(source) => {
            return Err(ReleaseError::Io {
                path: sums_path,
                source,
            });
        }
    };
    let recorded: Vec<(&str, &str)> = sums
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| line.split_once("  ").unwrap_or((line, "")))
        .collect();
    for released in &all {
        let path = root.join(&released.path);
        let bytes = std::fs::read(&path).map_err(|source| ReleaseError::Io {
            path: path.clone(),
            source,
        })?;
        let document: Value =
            serde_json::from_slice(&bytes).map_err(|source| ReleaseError::Json {
                path: PathBuf::from(&released.path),
                source,
            })?;
        let found = document
            .pointer("/info/version")
            .and_then(Value::as_str)
            .map(str::to_string);
        if found.as_deref() != Some(released.version.to_string().as_str()) {
            return Err(ReleaseError::VersionMismatch {
                path: PathBuf::from(&released.path),
                expected: released.version.clone(),
                found,
            });
        }
        let name = released_file_name(&released.version);
        match recorded.iter().find(|(_, file)| *file == name) {
            None => {
                return Err(ReleaseError::Tampered {
                    path: PathBuf::from(&released.path),
                    problem: "not recorded in SHA256SUMS".into(),
                });
            }
            Some((sum, _)) if *sum != sha256_hex(&bytes) => {
                return Err(ReleaseError::Tampered {
                    path: PathBuf::from(&released.path),
                    problem: "changed since its release".into(),
                });
            }
            Some(_) => {}
        }
    }
    for (_, file) in &recorded {
        if !all.iter().any(|r| released_file_name(&r.version) == *file) {
            return Err(ReleaseError::Tampered {
                path: Path::new(RELEASED_DIR).join(file),
                problem: "recorded in SHA256SUMS but missing".into(),
            });
        }
    }
    Ok(all)
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// Parses a TOML file that a release stamps; `path` names it in the error.
fn parse_toml(text: &str, path: &'static str) -> Result<toml_edit::DocumentMut, ReleaseError> {
    text.parse()
        .map_err(|e: toml_edit::TomlError| ReleaseError::Stamp {
            path,
            problem: e.to_string(),
        })
}

/// Sets `package.version` in the `Cargo.toml` at `path` (which must be
/// package `name`'s), keeping its formatting.
pub fn stamp_manifest(
    text: &str,
    path: &'static str,
    name: &str,
    version: &Version,
) -> Result<String, ReleaseError> {
    let mut manifest = parse_toml(text, path)?;
    let package = manifest
        .get_mut("package")
        .and_then(toml_edit::Item::as_table_mut)
        .ok_or_else(|| ReleaseError::Stamp {
            path,
            problem: "no [package] table".into(),
        })?;
    let found = package.get("name").and_then(toml_edit::Item::as_str);
    if found != Some(name) {
        return Err(ReleaseError::Stamp {
            path,
            problem: format!("expected package `{name}`, found {found:?}"),
        });
    }
    if package
        .get("version")
        .and_then(toml_edit::Item::as_str)
        .is_none()
    {
        return Err(ReleaseError::Stamp {
            path,
            problem:
                "no package.version string (the contract's crates are not `version.workspace`)"
                    .into(),
        });
    }
    set_keeping_decor(&mut package["version"], version);
    Ok(manifest.to_string())
}

/// Sets the version of `package` in a `Cargo.lock`, keeping its formatting.
pub fn stamp_lockfile(
    text: &str,
    package: &str,
    version: &Version,
) -> Result<String, ReleaseError> {
    let mut lock = parse_toml(text, LOCKFILE)?;
    let packages = lock
        .get_mut("package")
        .and_then(toml_edit::Item::as_array_of_tables_mut)
        .ok_or_else(|| ReleaseError::Stamp {
            path: LOCKFILE,
            problem: "no [[package]] entries".into(),
        })?;
    let mut stamped = 0;
    for entry in packages.iter_mut() {
        if entry.get("name").and_then(toml_edit::Item::as_str) == Some(package)
            && entry.get("source").is_none()
        {
            set_keeping_decor(&mut entry["version"], version);
            stamped += 1;
        }
    }
    if stamped != 1 {
        return Err(ReleaseError::Stamp {
            path: LOCKFILE,
            problem: format!("expected one local package `{package}`, found {stamped}"),
        });
    }
    Ok(lock.to_string())
}

/// Replaces a TOML value with `version`, keeping its comments and spacing.
fn set_keeping_decor(item: &mut toml_edit::Item, version: &Version) {
    match item.as_value_mut() {
        Some(value) => {
            let decor = value.decor().clone();
            *value = toml_edit::Value::from(version.to_string());
            *value.decor_mut() = decor;
        }
        None => *item = toml_edit::value(version.to_string()),
    }
}

/// Releases `version` of the contract under `root`, dated `date`.
///
/// `render` produces the artifacts with the given `info.version` (in the
/// binary: [`regenerate::render_with_version`]). Nothing is written unless
/// every check passes.
pub fn release(
    root: &Path,
    version: &Version,
    date: &str,
    render: impl FnOnce(&str) -> Result<Vec<Artifact>, RegenerateError>,
) -> Result<ReleaseOutcome, ReleaseError> {
    let previous = verify_releases(root)?.pop();
    if let Some(latest) = &previous
        && version <= &latest.version
    {
        return Err(ReleaseError::NotNewer {
            version: version.clone(),
            latest: latest.version.clone(),
        });
    }
    let artifacts = render(&version.to_string())?;
    let document_text = artifacts
        .iter()
        .find(|a| a.path == DOCUMENT_JSON)
        .map(|a| a.contents.clone())
        .ok_or(ReleaseError::NoDocument)?;
    let document: Value =
        serde_json::from_str(&document_text).map_err(|source| ReleaseError::Json {
            path: PathBuf::from(DOCUMENT_JSON),
            source,
        })?;
    let findings = match &previous {
        None => Vec::new(),
        Some(latest) => {
            let base = read_json(root, &latest.path)?;
            let findings = breaking::compare(&base, &document)?;
            let gate = accepted::gate(
                &latest.version,
                version,
                &findings,
                &accepted_changes(root)?,
            )
            .map_err(ReleaseError::Accepted)?;
            if gate.verdict == Verdict::BreakingWithoutMajorBump {
                return Err(ReleaseError::BreakingWithoutMajorBump {
                    version: version.clone(),
                    latest: latest.version.clone(),
                    count: gate.breaking,
                });
            }
            findings
        }
    };

    // Prepare every write before the first one.
    let mut stamped = Vec::new();
    let mut lockfile = read_text(root, LOCKFILE)?;
    for (manifest, package) in CONTRACT_PACKAGES {
        let text = stamp_manifest(&read_text(root, manifest)?, manifest, package, version)?;
        stamped.push((manifest, text));
        lockfile = stamp_lockfile(&lockfile, package, version)?;
    }
    stamped.push((LOCKFILE, lockfile));
    let released_name = released_file_name(version);
    let mut sums = match std::fs::read_to_string(root.join(RELEASED_SUMS)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(ReleaseError::Io {
                path: root.join(RELEASED_SUMS),
                source,
            });
        }
    };
    sums.push_str(&format!(
        "{}  {released_name}\n",
        sha256_hex(document_text.as_bytes())
    ));
    let changelog_existing = match std::fs::read_to_string(root.join(CHANGELOG)) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(ReleaseError::Io {
                path: root.join(CHANGELOG),
                source,
            });
        }
    };
    let entry = changelog::entry(
        version,
        date,
        previous.as_ref().map(|p| &p.version),
        &findings,
        &document,
    );
    let changelog = changelog::insert(changelog_existing.as_deref(), &entry);

    let mut written = Vec::new();
    for (path, text) in stamped {
        if read_text(root, path)? != text {
            write_text(root, path, &text)?;
            written.push(PathBuf::from(path));
        }
    }
    written.extend(
        regenerate::write(root, &artifacts).map_err(|source| ReleaseError::Io {
            path: root.to_path_buf(),
            source,
        })?,
    );
    let released_path = format!("{RELEASED_DIR}/{released_name}");
    write_text(root, &released_path, &document_text)?;
    write_text(root, RELEASED_SUMS, &sums)?;
    write_text(root, CHANGELOG, &changelog)?;
    written.extend([released_path, RELEASED_SUMS.into(), CHANGELOG.into()].map(PathBuf::from));
    Ok(ReleaseOutcome {
        version: version.clone(),
        previous: previous.map(|p| p.version),
        findings,
        written,
    })
}

fn read_text(root: &Path, path: &str) -> Result<String, ReleaseError> {
    std::fs::read_to_string(root.join(path)).map_err(|source| ReleaseError::Io {
        path: PathBuf::from(path),
        source,
    })
}

fn read_json(root: &Path, path: &str) -> Result<Value, ReleaseError> {
    serde_json::from_str(&read_text(root, path)?).map_err(|source| ReleaseError::Json {
        path: PathBuf::from(path),
        source,
    })
}

fn write_text(root: &Path, path: &str, text: &str) -> Result<(), ReleaseError> {
    let full = root.join(path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ReleaseError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(&full, text).map_err(|source| ReleaseError::Io {
        path: PathBuf::from(path),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::workspace_root;

    /// A temporary workspace holding the files a release reads.
    fn scratch() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for path in [CONTRACT_MANIFEST, CLIENT_MANIFEST, LOCKFILE] {
            let target = dir.path().join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(workspace_root().join(path), target).unwrap();
        }
        dir
    }

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    /// The real artifacts, with the document changed by `change`.
    fn render_changed(
        change: impl Fn(&mut Value),
    ) -> impl FnOnce(&str) -> Result<Vec<Artifact>, RegenerateError> {
        move |version| {
            let mut artifacts = regenerate::render_with_version(version)?;
            for artifact in &mut artifacts {
                if artifact.path == DOCUMENT_JSON {
                    let mut document: Value = serde_json::from_str(&artifact.contents).unwrap();
                    change(&mut document);
                    artifact.contents = serde_json::to_string_pretty(&document).unwrap() + "\n";
                }
            }
            Ok(artifacts)
        }
    }

    fn add_system_type(document: &mut Value) {
        document
            .pointer_mut("/components/schemas/SystemType/enum")
            .and_then(Value::as_array_mut)
            .unwrap()
            .push("WAREHOUSE".into());
    }

    #[test]
    fn the_first_release_records_the_document_and_an_initial_entry() {
        let dir = scratch();
        let root = dir.path();
        let outcome = release(
            root,
            &v("1.0.0"),
            "2025-01-01",
            regenerate::render_with_version,
        )
        .unwrap();
        assert_eq!(outcome.previous, None);
        let released =
            std::fs::read_to_string(root.join("openapi/released/connections-1.0.0.json")).unwrap();
        assert_eq!(
            released,
            std::fs::read_to_string(root.join(DOCUMENT_JSON)).unwrap()
        );
        let changelog = std::fs::read_to_string(root.join(CHANGELOG)).unwrap();
        expectorate::assert_contents("tests/golden/changelog-first-release.md", &changelog);
        assert_eq!(verify_releases(root).unwrap().len(), 1);
        // The same version again is refused.
        let err = release(
            root,
            &v("1.0.0"),
            "2025-01-02",
            regenerate::render_with_version,
        )
        .unwrap_err();
        assert!(matches!(err, ReleaseError::NotNewer { .. }), "{err}");
    }

    #[test]
    fn a_breaking_change_needs_a_major_release() {
        let dir = scratch();
        let root = dir.path();
        release(
            root,
            &v("1.0.0"),
            "2025-01-01",
            regenerate::render_with_version,
        )
        .unwrap();
        let spec_before = std::fs::read_to_string(root.join(CONTRACT_MANIFEST)).unwrap();
        let err = release(
            root,
            &v("1.1.0"),
            "2025-02-01",
            render_changed(add_system_type),
        )
        .unwrap_err();
        assert!(
            matches!(err, ReleaseError::BreakingWithoutMajorBump { count: 1, .. }),
            "{err}"
        );
        // Nothing was written.
        assert_eq!(
            std::fs::read_to_string(root.join(CONTRACT_MANIFEST)).unwrap(),
            spec_before
        );
        assert!(
            !root
                .join("openapi/released/connections-1.1.0.json")
                .exists()
        );

        let outcome = release(
            root,
            &v("2.0.0"),
            "2025-02-01",
            render_changed(add_system_type),
        )
        .unwrap();
        assert_eq!(outcome.previous, Some(v("1.0.0")));
        for (manifest, package) in CONTRACT_PACKAGES {
            let text = std::fs::read_to_string(root.join(manifest)).unwrap();
            let manifest: toml_edit::DocumentMut = text.parse().unwrap();
            assert_eq!(manifest["package"]["version"].as_str(), Some("2.0.0"));
            let lock = std::fs::read_to_string(root.join(LOCKFILE)).unwrap();
            assert!(lock.contains(&format!("name = \"{package}\"\nversion = \"2.0.0\"")));
        }
        let changelog = std::fs::read_to_string(root.join(CHANGELOG)).unwrap();
        expectorate::assert_contents("tests/golden/changelog-major-release.md", &changelog);
        let all = verify_releases(root).unwrap();
        assert_eq!(
            all.iter()
                .map(|r| r.version.to_string())
                .collect::<Vec<_>>(),
            ["1.0.0", "2.0.0"]
        );
    }

    #[test]
    fn a_compatible_change_takes_a_minor_release_grouped_in_the_changelog() {
        let dir = scratch();
        let root = dir.path();
        release(
            root,
            &v("1.0.0"),
            "2025-01-01",
            regenerate::render_with_version,
        )
        .unwrap();
        let add_optional = |document: &mut Value| {
            document
                .pointer_mut("/components/schemas/ConnectionInput/properties")
                .and_then(Value::as_object_mut)
                .unwrap()
                .insert(
                    "tags".into(),
                    serde_json::json!({"type": ["array", "null"], "items": {"type": "string"}}),
                );
        };
        release(
            root,
            &v("1.1.0"),
            "2025-03-01",
            render_changed(add_optional),
        )
        .unwrap();
        let changelog = std::fs::read_to_string(root.join(CHANGELOG)).unwrap();
        expectorate::assert_contents("tests/golden/changelog-minor-release.md", &changelog);
    }

    #[test]
    fn an_edited_release_is_detected() {
        let dir = scratch();
        let root = dir.path();
        release(
            root,
            &v("1.0.0"),
            "2025-01-01",
            regenerate::render_with_version,
        )
        .unwrap();
        let path = root.join("openapi/released/connections-1.0.0.json");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("Create a connection", "Create one", 1)).unwrap();
        let err = verify_releases(root).unwrap_err();
        assert!(matches!(err, ReleaseError::Tampered { .. }), "{err}");
        assert!(err.to_string().contains("connections-1.0.0.json"), "{err}");
        // A release is refused while one is tampered with.
        assert!(
            release(
                root,
                &v("1.0.1"),
                "2025-01-02",
                regenerate::render_with_version
            )
            .is_err()
        );
    }

    #[test]
    fn a_release_whose_name_is_not_its_version_is_detected() {
        let dir = scratch();
        let root = dir.path();
        release(
            root,
            &v("1.0.0"),
            "2025-01-01",
            regenerate::render_with_version,
        )
        .unwrap();
        std::fs::rename(
            root.join("openapi/released/connections-1.0.0.json"),
            root.join("openapi/released/connections-1.0.1.json"),
        )
        .unwrap();
        let err = verify_releases(root).unwrap_err();
        assert!(matches!(err, ReleaseError::VersionMismatch { .. }), "{err}");
        std::fs::write(root.join("openapi/released/notes.txt"), "x").unwrap();
        assert!(matches!(
            releases(root).unwrap_err(),
            ReleaseError::UnexpectedFile(_)
        ));
    }

    #[test]
    fn stamping_manifests_keeps_their_formatting() {
        let manifest = "[package]\nname = \"c\"\nversion = \"1.0.0\" # the contract's\n\n[dependencies]\nx = { version = \"1.0.0\" }\n";
        let stamped = stamp_manifest(manifest, CLIENT_MANIFEST, "c", &v("1.1.0")).unwrap();
        assert_eq!(
            stamped,
            "[package]\nname = \"c\"\nversion = \"1.1.0\" # the contract's\n\n[dependencies]\nx = { version = \"1.0.0\" }\n"
        );
        let stamp = |text: &str| stamp_manifest(text, CLIENT_MANIFEST, "c", &v("1.0.0"));
        assert!(stamp("[package]\nname = \"c\"\n").is_err());
        assert!(stamp("[package]\nname = \"c\"\nversion.workspace = true\n").is_err());
        // Another package's manifest is refused.
        assert!(stamp("[package]\nname = \"d\"\nversion = \"1.0.0\"\n").is_err());
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"connections-client\"\nversion = \"1.0.0\"\ndependencies = [\n \"a\",\n]\n";
        let stamped = stamp_lockfile(lock, "connections-client", &v("3.0.0")).unwrap();
        assert_eq!(
            stamped,
            lock.replacen(
                "client\"\nversion = \"1.0.0\"",
                "client\"\nversion = \"3.0.0\"",
                1
            )
        );
        assert!(stamp_lockfile(lock, "missing", &v("1.0.0")).is_err());
    }

    #[test]
    fn versions_must_be_semantic() {
        assert!(parse_version("1.2").is_err());
        assert_eq!(parse_version(" 1.2.3 ").unwrap(), v("1.2.3"));
        assert_eq!(released_file_name(&v("1.2.3")), "connections-1.2.3.json");
    }
}
