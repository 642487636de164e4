//! Every `--help` of `cargo xtask`, against its golden file under
//! `tests/golden/` (`EXPECTORATE=overwrite cargo test -p xtask --test help`
//! rewrites them).

use clap::CommandFactory;
use xtask::Cli;

#[test]
fn every_help_matches_its_golden_file() {
    let mut command = Cli::command();
    command.build();
    let top = command.render_long_help().to_string();
    expectorate::assert_contents("tests/golden/help.txt", &top);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .filter(|name| name != "help")
        .collect();
    assert_eq!(
        names,
        [
            "regenerate",
            "breaking",
            "release",
            "publish",
            "conformance",
            "bench",
            "consumers",
            "bench-schemathesis"
        ]
    );
    for name in names {
        let sub = command.find_subcommand_mut(&name).expect("listed above");
        let help = sub.render_long_help().to_string();
        expectorate::assert_contents(format!("tests/golden/help-{name}.txt"), &help);
    }
}
