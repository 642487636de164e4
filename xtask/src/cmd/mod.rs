//! One module per `cargo xtask` command: its `Args` (clap) and its `run`,
//! which returns the exit code (an error is printed as `failure: …` and
//! exits with [`exit::FAILURE`]).

pub mod bench;
pub mod bench_edge;
pub mod bench_sandbox;
pub mod bench_schemathesis;
pub mod breaking;
pub mod conformance;
pub mod consumers;
pub mod publish;
pub mod regenerate;
pub mod release;

/// The exit codes of the tasks.
pub mod exit {
    /// The task did what it was asked, or found nothing wrong.
    pub const SUCCESS: u8 = 0;
    /// `regenerate --check`: committed files differ from what would be generated.
    pub const NEEDS_UPDATE: u8 = 1;
    /// `breaking`, `release`: the breaking-change gate refuses.
    pub const GATE_FAILED: u8 = 1;
    /// `consumers`: another team's tool failed on the published documents.
    pub const CHECK_FAILED: u8 = 1;
    /// The task could not run (the error is printed as `failure: …`).
    pub const FAILURE: u8 = 2;
}
