//! The committed releases: never edited, named after their version, each
//! with a changelog entry, none newer than the contract.

use xtask::cmd::release;

use xtask::workspace_root;

#[test]
fn released_documents_are_unchanged_since_their_release() {
    let releases = release::verify_releases(&workspace_root()).unwrap();
    assert!(
        releases.iter().any(|r| r.version.to_string() == "1.0.0"),
        "the first release, 1.0.0, is recorded"
    );
}

#[test]
fn every_release_has_a_changelog_entry() {
    let root = workspace_root();
    let changelog = std::fs::read_to_string(root.join(release::CHANGELOG)).unwrap();
    for released in release::releases(&root).unwrap() {
        let heading = format!("## [{}] - ", released.version);
        assert!(changelog.contains(&heading), "no entry {heading}");
    }
}

/// Each entry names every difference today's gate finds between a release
/// and the one before it (an entry written by an older gate gets the
/// missing lines by hand, under "Not listed when released").
#[test]
fn every_changelog_entry_names_every_difference_with_the_release_before() {
    let root = workspace_root();
    let changelog = std::fs::read_to_string(root.join(release::CHANGELOG)).unwrap();
    let releases = release::releases(&root).unwrap();
    let read = |path: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(root.join(path)).unwrap()).unwrap()
    };
    for pair in releases.windows(2) {
        let heading = format!("## [{}] - ", pair[1].version);
        let start = changelog.find(&heading).expect("an entry");
        let entry = &changelog[start..];
        let entry = &entry[..entry[3..].find("\n## [").map_or(entry.len(), |end| end + 3)];
        let findings = connections_openapi_tools::breaking::compare(
            &read(&pair[0].path),
            &read(&pair[1].path),
        )
        .unwrap();
        let missing: Vec<String> = findings
            .iter()
            .map(|f| format!("- {} ({})", f.message, f.rule))
            .filter(|line| !entry.contains(line.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "the entry of {} does not name:\n{}",
            pair[1].version,
            missing.join("\n")
        );
    }
}

#[test]
fn the_contract_is_not_older_than_its_latest_release() {
    let latest = release::latest_release(&workspace_root())
        .unwrap()
        .expect("a release exists");
    let contract = semver::Version::parse(connections_spec::CONTRACT_VERSION).unwrap();
    assert!(
        contract >= latest.version,
        "{contract} < {}",
        latest.version
    );
}

#[test]
fn every_contract_crate_shares_the_contract_version() {
    for (path, package) in release::CONTRACT_PACKAGES {
        let manifest = std::fs::read_to_string(workspace_root().join(path)).unwrap();
        let manifest: toml_edit::DocumentMut = manifest.parse().unwrap();
        assert_eq!(manifest["package"]["name"].as_str(), Some(package));
        assert_eq!(
            manifest["package"]["version"].as_str(),
            Some(connections_spec::CONTRACT_VERSION),
            "{path}"
        );
    }
}

/// What `cargo xtask release` does next, on a copy of the workspace's
/// files: the next minor release after the latest goes through the gate
/// (with the accepted changes) and stamps every contract crate.
#[test]
fn the_next_minor_release_goes_through_on_a_copy() {
    let root = workspace_root();
    let copy = tempfile::tempdir().unwrap();
    let mut files = vec![
        release::ACCEPTED_CHANGES.to_string(),
        release::CHANGELOG.to_string(),
        release::LOCKFILE.to_string(),
        release::RELEASED_SUMS.to_string(),
    ];
    files.extend(release::CONTRACT_PACKAGES.map(|(path, _)| path.to_string()));
    let released = release::releases(&root).unwrap();
    files.extend(released.iter().map(|r| r.path.clone()));
    for path in &files {
        let target = copy.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(root.join(path), target).unwrap();
    }
    let latest = release::latest_release(&root).unwrap().unwrap().version;
    let next = semver::Version::new(latest.major, latest.minor + 1, 0);
    let outcome = release::release(
        copy.path(),
        &next,
        "2030-01-01",
        xtask::cmd::regenerate::render_with_version,
    )
    .unwrap();
    assert_eq!(outcome.previous, Some(latest));
    for (path, _) in release::CONTRACT_PACKAGES {
        let manifest: toml_edit::DocumentMut = std::fs::read_to_string(copy.path().join(path))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            manifest["package"]["version"].as_str(),
            Some(next.to_string().as_str())
        );
    }
    let document = std::fs::read_to_string(copy.path().join("openapi/connections.json")).unwrap();
    assert!(document.contains(&format!("\"version\": \"{next}\"")));
    assert_eq!(
        release::verify_releases(copy.path()).unwrap().len(),
        released.len() + 1
    );
}
