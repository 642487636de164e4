//! The events of a run and the sinks that consume them.
//!
//! The runner renders nothing: it announces each recorded check, each
//! failure found across exchanges and each note as an [`Event`], and the
//! sinks decide what to make of it: [`Progress`] prints one line per
//! check (secrets redacted), [`CaseFiles`] keeps every failing exchange and
//! writes it as a case file when the run ends.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
    time::Instant,
};

use crate::{
    cases::{CaseFile, write_cases},
    error::LiveError,
    exchange::Planned,
    findings::{Finding, fingerprints},
    report::{Check, Redactor, Verbosity, progress_line, terminal_safe},
};

/// Something that happened in a run.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event<'a> {
    /// A line for people: the seed, the outputs written.
    Note(&'a str),
    /// A check was recorded: an exchange judged (with its request), or a
    /// step skipped (without).
    Checked {
        /// The check.
        check: &'a Check,
        /// The request, when one was sent.
        planned: Option<&'a Planned>,
    },
    /// A failure found across exchanges was added to this check.
    Amended(&'a Check),
    /// A phase begins.
    PhaseStarted(&'a str),
    /// The phase that began last is over.
    PhaseEnded,
}

/// A consumer of events.
pub(crate) trait Sink: Send {
    /// Takes one event.
    fn event(&mut self, event: &Event<'_>);

    /// At the end of the run, with its findings: writes what the sink
    /// kept (and may note it on the findings); returns a line saying what
    /// was written, if anything was.
    fn finish(&mut self, findings: &mut [Finding]) -> Result<Option<String>, LiveError> {
        let _ = findings;
        Ok(None)
    }
}

/// Lines for people, secrets redacted, to a function, as much as the
/// verbosity says: a line per case (verbose), or a line per phase with
/// its operations, cases, the findings so far and the time (normal), or
/// nothing (quiet); notes (the seed, what was written) unless quiet.
pub(crate) struct Progress<F> {
    print: F,
    secrets: Redactor,
    verbosity: Verbosity,
    /// The phase running: its name, start, operations and cases.
    phase: Option<(String, Instant, BTreeSet<String>, usize)>,
    /// The fingerprints of every failure so far.
    findings: BTreeSet<String>,
}

impl<F: FnMut(&str) + Send> Progress<F> {
    pub(crate) fn new(print: F, secrets: Redactor, verbosity: Verbosity) -> Self {
        Self {
            print,
            secrets,
            verbosity,
            phase: None,
            findings: BTreeSet::new(),
        }
    }

    fn print(&mut self, line: &str) {
        let line = self.secrets.scrub(line);
        (self.print)(&terminal_safe(&line));
    }
}

impl<F: FnMut(&str) + Send> Sink for Progress<F> {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::Checked { check, .. } | Event::Amended(check) = event {
            self.findings.extend(fingerprints(check));
        }
        if let (Event::Checked { check, .. }, Some((_, _, operations, cases))) =
            (event, &mut self.phase)
        {
            *cases += 1;
            if let Some(operation) = &check.operation_id {
                operations.insert(operation.clone());
            }
        }
        match (event, self.verbosity) {
            (_, Verbosity::Quiet) => {}
            (Event::Note(line), _) => self.print(line),
            (Event::Checked { check, .. } | Event::Amended(check), Verbosity::Verbose) => {
                self.print(&progress_line(check));
            }
            (Event::PhaseStarted(name), _) => {
                self.phase = Some((name.to_string(), Instant::now(), BTreeSet::new(), 0));
            }
            (Event::PhaseEnded, _) => {
                if let Some((name, started, operations, cases)) = self.phase.take() {
                    let findings = self.findings.len();
                    let line = format!(
                        "{name}: {} operation(s), {cases} case(s), {findings} finding(s) so far, \
                         {:.1} s",
                        operations.len(),
                        started.elapsed().as_secs_f64()
                    );
                    self.print(&line);
                }
            }
            (Event::Checked { .. } | Event::Amended(_), Verbosity::Normal) => {}
        }
    }
}

/// The smallest reproduction of each finding, written as a case file
/// under a directory when the run ends (one file per fault, not per
/// failing case).
pub(crate) struct CaseFiles {
    dir: PathBuf,
    seed: u64,
    secrets: Redactor,
    /// Each failing exchange's case, by its place among the checks.
    cases: BTreeMap<usize, CaseFile>,
    /// How many checks were recorded.
    recorded: usize,
}

impl CaseFiles {
    pub(crate) fn new(dir: PathBuf, seed: u64, secrets: Redactor) -> Self {
        Self {
            dir,
            seed,
            secrets,
            cases: BTreeMap::new(),
            recorded: 0,
        }
    }
}

impl Sink for CaseFiles {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::Checked { check, planned } = event {
            if let Some(planned) = planned
                && check.failed()
            {
                let case = CaseFile::new(planned, check, self.seed, &self.secrets);
                self.cases.insert(self.recorded, case);
            }
            self.recorded += 1;
        }
    }

    fn finish(&mut self, findings: &mut [Finding]) -> Result<Option<String>, LiveError> {
        let chosen: Vec<(usize, CaseFile)> = findings
            .iter()
            .enumerate()
            .filter_map(|(at, finding)| Some((at, self.cases.get(&finding.example.index)?.clone())))
            .collect();
        if chosen.is_empty() {
            return Ok(None);
        }
        let cases: Vec<CaseFile> = chosen.iter().map(|(_, case)| case.clone()).collect();
        let paths = write_cases(&self.dir, &cases).map_err(|e| LiveError::Output(e.to_string()))?;
        for ((at, _), path) in chosen.iter().zip(&paths) {
            findings[*at].example.case_file = Some(path.display().to_string());
        }
        Ok(Some(format!(
            "{} case file(s), one per finding, written under {} (re-send them with `conformance replay`)",
            paths.len(),
            self.dir.display()
        )))
    }
}
