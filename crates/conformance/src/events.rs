//! The events of a run and the sinks that consume them.
//!
//! The runner renders nothing: it announces each recorded check, each
//! failure found across exchanges and each note as an [`Event`], and the
//! sinks decide what to make of it: [`Progress`] prints one line per
//! check (secrets redacted), [`CaseFiles`] keeps every failing exchange and
//! writes it as a case file when the run ends.

use std::path::PathBuf;

use crate::{
    cases::{CaseFile, write_cases},
    error::LiveError,
    exchange::Planned,
    report::{Check, progress_line, scrub},
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
}

/// A consumer of events.
pub(crate) trait Sink: Send {
    /// Takes one event.
    fn event(&mut self, event: &Event<'_>);

    /// At the end of the run: writes what the sink kept; returns a line
    /// saying what was written, if anything was.
    fn finish(&mut self) -> Result<Option<String>, LiveError> {
        Ok(None)
    }
}

/// Each secret with what replaces it.
pub(crate) type Secrets = Vec<(String, &'static str)>;

/// One line per check and per note, secrets redacted, to a function.
pub(crate) struct Progress<F> {
    print: F,
    secrets: Secrets,
}

impl<F: FnMut(&str) + Send> Progress<F> {
    pub(crate) fn new(print: F, secrets: Secrets) -> Self {
        Self { print, secrets }
    }
}

impl<F: FnMut(&str) + Send> Sink for Progress<F> {
    fn event(&mut self, event: &Event<'_>) {
        let line = match event {
            Event::Note(line) => scrub(line, &self.secrets),
            Event::Checked { check, .. } | Event::Amended(check) => {
                scrub(&progress_line(check), &self.secrets)
            }
        };
        (self.print)(&line);
    }
}

/// Every failing exchange, written as a case file under a directory when
/// the run ends.
pub(crate) struct CaseFiles {
    dir: PathBuf,
    seed: u64,
    token: String,
    cases: Vec<CaseFile>,
}

impl CaseFiles {
    pub(crate) fn new(dir: PathBuf, seed: u64, token: &str) -> Self {
        Self {
            dir,
            seed,
            token: token.to_string(),
            cases: Vec::new(),
        }
    }
}

impl Sink for CaseFiles {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::Checked {
            check,
            planned: Some(planned),
        } = event
            && check.failed()
        {
            self.cases
                .push(CaseFile::new(planned, check, self.seed, &self.token));
        }
    }

    fn finish(&mut self) -> Result<Option<String>, LiveError> {
        if self.cases.is_empty() {
            return Ok(None);
        }
        let paths =
            write_cases(&self.dir, &self.cases).map_err(|e| LiveError::Output(e.to_string()))?;
        Ok(Some(format!(
            "{} failing case(s) written under {} (re-send them with `conformance replay`)",
            paths.len(),
            self.dir.display()
        )))
    }
}
