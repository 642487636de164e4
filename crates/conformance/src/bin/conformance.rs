//! `conformance`: checks a server and the Connection API's OpenAPI document
//! against each other. See `conformance --help` and the README.

use std::process::ExitCode;

use clap::Parser;
use connections_conformance::cli::{Cli, run};

fn main() -> ExitCode {
    ExitCode::from(run(Cli::parse()))
}
