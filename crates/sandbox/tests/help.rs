//! `connections-sandbox --help` against its golden file
//! (`EXPECTORATE=overwrite cargo test -p connections-sandbox --test help`
//! rewrites it). The binary runs with none of its environment variables
//! set, so the help shows no values taken from the environment.

use std::process::Command;

/// The variables the binary reads (clap's `env`).
const VARIABLES: [&str; 10] = [
    "CONNECTIONS_SANDBOX_LISTEN",
    "CONNECTIONS_SANDBOX_DB",
    "CONNECTIONS_SANDBOX_TOKEN",
    "CONNECTIONS_SANDBOX_CLIENT_ID",
    "CONNECTIONS_SANDBOX_CLIENT_SECRET",
    "CONNECTIONS_SANDBOX_TOKEN_TTL",
    "CONNECTIONS_SANDBOX_PUBLIC_URL",
    "CONNECTIONS_SANDBOX_CLIENT_KEY",
    "CONNECTIONS_SANDBOX_ALLOW_PRIVATE_TARGETS",
    "CONNECTIONS_SANDBOX_ENABLE_FAULT_INJECTION",
];

#[test]
fn the_help_matches_its_golden_file() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connections-sandbox"));
    command.arg("--help");
    for variable in VARIABLES {
        command.env_remove(variable);
    }
    let output = command.output().expect("the sandbox binary runs");
    assert!(output.status.success(), "{output:?}");
    let help = String::from_utf8(output.stdout).expect("the help is UTF-8");
    expectorate::assert_contents("tests/golden/help.txt", &help);
}
