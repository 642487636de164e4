//! The committed generated files are exactly what the spec produces now.

use std::path::Path;

#[test]
fn committed_artifacts_match_a_fresh_render() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let artifacts = xtask::regenerate::render().unwrap();
    let drifted = xtask::regenerate::drifted(root, &artifacts);
    assert!(
        drifted.is_empty(),
        "run `cargo xtask regenerate`; drifted: {drifted:?}"
    );
}
