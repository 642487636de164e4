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
fn the_client_crate_shares_the_contract_version() {
    let manifest =
        std::fs::read_to_string(workspace_root().join(release::CLIENT_MANIFEST)).unwrap();
    let manifest: toml_edit::DocumentMut = manifest.parse().unwrap();
    assert_eq!(
        manifest["package"]["version"].as_str(),
        Some(connections_spec::CONTRACT_VERSION)
    );
}
