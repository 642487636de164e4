//! `cargo xtask`: workspace tasks. See `cargo xtask --help`.

use std::process::ExitCode;

use clap::Parser;
use xtask::{Cli, cmd::exit};

fn main() -> ExitCode {
    match Cli::parse().command.run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("failure: {error:#}");
            ExitCode::from(exit::FAILURE)
        }
    }
}
