//! The `live` suite: every phase against a running server, in one flow.
//!
//! `run_live` checks the base URL and the token, sends the preflight
//! ([`crate::preflight`]), then runs the phases in order: the scripted
//! scenario ([`crate::scenario`], stateful), the examples and coverage
//! phases ([`crate::phases`]) and fuzzing. Each phase plans requests and
//! hands them to the runner, which sends them through the one transport,
//! has the registered checks ([`crate::checks`]) judge each exchange and
//! announces it to the sinks (`events`: progress lines, case
//! files); the HAR file and the coverage table are written at the end.
//!
//! **Every response** is checked: the status is the one expected AND is
//! documented for the operation, the `Content-Type` is the documented media
//! type, the body validates against that status's schema, an error body's
//! `status` is the HTTP status, and the values agree with what was sent.
//!
//! The token is never written anywhere: curl commands say
//! `$CONNECTIONS_TOKEN`, and every rendering of the report replaces it.
//! With client credentials, [`fetch_access_token`] obtains the token by the
//! client crate's own flow (`TokenProvider`) before the run, and the
//! client secret is redacted as well.

use std::time::Instant;

pub use crate::{
    config::LiveConfig,
    error::LiveError,
    exchange::TOKEN_VARIABLE,
    scenario::{MAX_PAGES, create_example, random_token, unique_name},
    transport::{MAX_BODY_BYTES, fetch_access_token, token_provider},
};
use crate::{
    config::Phase,
    contract::Contract,
    events::{CaseFiles, Progress},
    phases::State,
    report::{Incomplete, Report},
    run::Runner,
};

/// Runs the live suite; `progress` receives each check's line (secrets
/// redacted) as it completes.
pub async fn run_live(
    contract: &Contract,
    config: &LiveConfig,
    progress: impl FnMut(&str) + Send,
) -> Result<Report, LiveError> {
    let generative = &config.generative;
    let mut runner = Runner::new(contract, config, "live")?;
    runner.add_sink(Progress::new(progress, runner.secrets(), config.verbosity));
    if let Some(dir) = &generative.case_dir {
        runner.add_sink(CaseFiles::new(
            dir.clone(),
            generative.seed,
            runner.secrets(),
        ));
    }
    runner.preflight().await?;
    runner.set_seed(generative.seed);
    let started = Instant::now();
    runner.note(&format!(
        "seed {} (repeat this run with --seed {})",
        generative.seed, generative.seed
    ));
    let mut state = State::new(generative.seed);
    let mut addressed = false;
    let phases: Vec<Phase> = Phase::ALL
        .into_iter()
        .filter(|p| generative.runs(*p))
        .collect();
    let mut incomplete = None;
    for (at, phase) in phases.iter().enumerate() {
        runner.begin_phase(phase.name());
        let ran = run_phase(&mut runner, &mut state, *phase, &mut addressed).await;
        runner.end_phase();
        match ran {
            Ok(()) => {}
            // A budget or a signal: what ran is reported, marked
            // incomplete.
            Err(LiveError::Stopped(reason)) => {
                incomplete = Some(Incomplete {
                    reason,
                    cut_short: vec![phase.name().to_string()],
                    not_run: phases[at + 1..]
                        .iter()
                        .map(|p| p.name().to_string())
                        .collect(),
                });
                break;
            }
            Err(error) => return Err(error),
        }
    }
    if addressed && incomplete.is_none() {
        crate::phases::leave_reusable(&mut runner, &mut state).await?;
    }
    let rows = state.coverage_table(contract, runner.checks());
    if let Some((exchanges, path)) = runner.finish_har()? {
        let line = format!(
            "{exchanges} exchange(s) written to {} (HAR 1.2)",
            path.display()
        );
        runner.note(&line);
    }
    runner.finish(rows, started, incomplete)
}

/// Runs one phase (the first generative one first finds or creates the
/// connection the generative phases address).
async fn run_phase(
    runner: &mut Runner<'_>,
    state: &mut State,
    phase: Phase,
    addressed: &mut bool,
) -> Result<(), LiveError> {
    let config = runner.config();
    if phase != Phase::Stateful && !*addressed && !config.read_only {
        crate::phases::setup(runner, state).await?;
        *addressed = true;
    }
    match phase {
        Phase::Stateful => {
            if config.read_only {
                crate::scenario::read_only_scenario(runner).await?;
            } else {
                crate::scenario::full_scenario(runner).await?;
            }
            crate::scenario::negative_checks(runner).await
        }
        Phase::Examples => crate::phases::examples_phase(runner, state).await,
        Phase::Coverage => {
            crate::phases::coverage_phase(runner, state).await?;
            crate::phases::unsupported_methods(runner).await
        }
        Phase::Fuzzing => crate::fuzzing::fuzzing_phase(runner, state).await,
    }
}
