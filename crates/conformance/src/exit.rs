//! The exit codes of the `conformance` command and `cargo xtask conformance`.

/// Every check passed.
pub const PASSED: u8 = 0;
/// At least one check found a contract violation.
pub const VIOLATIONS: u8 = 1;
/// The suite could not run: unreachable server, bad document, bad
/// arguments. A one-line reason is printed to standard error.
pub const COULD_NOT_RUN: u8 = 2;
/// The run ended before it was through (`--max-time`, `--max-failures`,
/// SIGINT or SIGTERM) and found nothing in what it ran: not a pass.
pub const INCOMPLETE: u8 = 3;
