//! `conformance`: checks a server and the Connection API's OpenAPI document
//! against each other. See `conformance --help` and the README.

use std::process::ExitCode;

use connections_conformance::cli::{parse, run};

fn main() -> ExitCode {
    match parse(std::env::args_os()) {
        Ok(cli) => ExitCode::from(run(cli)),
        Err(error) => error.exit(),
    }
}
