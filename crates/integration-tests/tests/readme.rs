//! The README's quick start stays true: the Rust program it shows is the
//! example that CI runs, character for character, and every recipe CI runs
//! (`.ci/recipes`) is there.

use std::path::Path;

fn workspace_file(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_quick_start_program_is_the_example_ci_runs() {
    let readme = workspace_file("README.md");
    let example = workspace_file("crates/generated-client/examples/quickstart.rs");
    let block = format!("```rust\n{}\n```", example.trim_end());
    assert!(
        readme.contains(&block),
        "README.md does not show crates/generated-client/examples/quickstart.rs as it is"
    );
}

#[test]
fn the_recipes_ci_runs_are_in_the_readme() {
    let readme = workspace_file("README.md");
    for recipe in ["own-server", "rust-client", "typescript-python"] {
        let marker = format!("<!-- recipe: {recipe} -->\n```sh\n");
        assert!(readme.contains(&marker), "no recipe {recipe}");
    }
    // The set-up commands CI reads.
    assert!(readme.contains("\n    cargo xtask conformance  # main job\n"));
    assert!(readme.contains("\n    cargo test --workspace  # tests\n"));
}
