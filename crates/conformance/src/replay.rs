//! `conformance replay FILE...`: sends each case file's request again and
//! judges it by the same checks as the live run: FIXED or STILL FAILING.

use serde::Serialize;

use crate::{
    cases::CaseFile, config::LiveConfig, error::LiveError, events::Progress, report::Report,
    run::Runner,
};

/// What a replay found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// None of the case's checks fails any more.
    Fixed,
    /// At least one still fails.
    StillFailing,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Fixed => "FIXED",
            Self::StillFailing => "STILL FAILING",
        })
    }
}

/// Sends each case again (with `config`'s token, against `config`'s base
/// URL) and judges it: STILL FAILING when a check that failed before
/// fails again. The report holds each replayed exchange.
pub async fn replay(
    contract: &crate::Contract,
    config: &LiveConfig,
    cases: &[CaseFile],
    progress: impl FnMut(&str) + Send,
) -> Result<(Vec<Verdict>, Report), LiveError> {
    let mut runner = Runner::new(contract, config, "replay")?;
    runner.add_sink(Progress::new(
        progress,
        runner.secrets(),
        crate::report::Verbosity::Verbose,
    ));
    runner.preflight().await?;
    let mut verdicts = Vec::new();
    for case in cases {
        let planned = case
            .planned(Some(&config.base_url))
            .map_err(LiveError::BadBaseUrl)?;
        runner.exchange(planned).await?;
        let again = runner.checks().last().is_some_and(|check| {
            check.failures.iter().any(|f| {
                f.check
                    .as_ref()
                    .is_some_and(|name| case.checks.contains(name))
            })
        });
        let verdict = if again {
            Verdict::StillFailing
        } else {
            Verdict::Fixed
        };
        runner.note(&format!("{verdict}: {} ({})", case.name, case.operation));
        verdicts.push(verdict);
    }
    Ok((verdicts, runner.into_report()))
}
