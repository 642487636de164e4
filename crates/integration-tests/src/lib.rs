//! Tests across the workspace's crates live in `tests/`: they use crates
//! that depend on each other's dev-dependencies, which a test inside one
//! of them would turn into a dependency cycle. The library is empty.
#![deny(missing_docs)]
