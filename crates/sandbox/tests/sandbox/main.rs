//! End-to-end tests: real sandboxes on 127.0.0.1 (free ports), driven by
//! the generated client and by plain HTTP, each bounded in time.

mod auth;
mod bad_input;
mod binary;
mod client_operations;
mod common;
mod concurrency;
mod conformance;
mod docs;
mod faults;
mod hardening;
mod paging;
mod quota;
mod target;
mod test_connection;
