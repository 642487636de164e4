//! The committed generated files are exactly what the spec produces now.

#[test]
fn committed_artifacts_match_a_fresh_render() {
    let root = xtask::workspace_root();
    let artifacts = xtask::cmd::regenerate::render().unwrap();
    let drifted = xtask::cmd::regenerate::drifted(&root, &artifacts);
    assert!(
        drifted.is_empty(),
        "run `cargo xtask regenerate`; drifted: {drifted:?}"
    );
}

/// The README's consumers matrix is the one `cargo xtask consumers` writes:
/// a row for every consumer and document it runs on, released ones
/// included, in its order (a new release or consumer needs a full run).
#[test]
fn the_readme_matrix_has_a_row_for_every_consumer_and_document() {
    let root = xtask::workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let expected: Vec<(String, String)> = xtask::cmd::consumers::matrix_rows(&root)
        .unwrap()
        .into_iter()
        .map(|(consumer, document)| {
            let name = std::path::Path::new(&document)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (consumer, name)
        })
        .collect();
    assert!(expected.len() >= 20, "{expected:?}");
    assert_eq!(
        xtask::cmd::consumers::readme_rows(&readme),
        expected,
        "run `cargo xtask consumers` and commit README.md"
    );
}
