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
