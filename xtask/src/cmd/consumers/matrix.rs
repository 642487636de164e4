//! The matrix: one row per consumer and document, with what each phase
//! did, rendered as the Markdown table the README carries.

use std::{fs, path::Path};

use anyhow::Context as _;

use super::tools::Ran;

/// Where the released documents are; their rows are reported, not failed.
pub const RELEASED: &str = "openapi/released/";

/// The README's table lies between these lines, written by the task.
pub const README_START: &str =
    "<!-- consumers matrix: written by `cargo xtask consumers`, do not edit -->";
/// The end of the README's table.
pub const README_END: &str = "<!-- end of consumers matrix -->";

/// The phases of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The tool makes code (or types) from the document.
    Generate,
    /// That code compiles (or imports).
    Build,
    /// It parses the bodies and makes the calls against the sandbox.
    Live,
}

/// One row of the matrix: a consumer on a document; `None` where a phase
/// did not run (an earlier one failed) or does not apply.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The tool, as the README names it.
    pub consumer: &'static str,
    /// The document, relative to the root.
    pub document: String,
    /// Whether generating passed.
    pub generate: Option<bool>,
    /// Whether building passed.
    pub build: Option<bool>,
    /// Whether the bodies and calls passed.
    pub live: Option<bool>,
    /// What a user of the tool hits: the first failure's line.
    pub hit: Option<String>,
    /// A released document: reported, not failed.
    pub released: bool,
}

impl Outcome {
    /// A row where nothing ran yet.
    pub fn new(consumer: &'static str, document: &str) -> Self {
        Outcome {
            consumer,
            document: document.to_string(),
            generate: None,
            build: None,
            live: None,
            hit: None,
            released: document.starts_with(RELEASED),
        }
    }

    /// Records what a phase did; whether it passed.
    pub fn record(&mut self, phase: Phase, ran: Ran) -> bool {
        let cell = match phase {
            Phase::Generate => &mut self.generate,
            Phase::Build => &mut self.build,
            Phase::Live => &mut self.live,
        };
        *cell = Some(ran.passed);
        if self.hit.is_none() {
            self.hit = ran.hit;
        }
        ran.passed
    }

    /// Records a phase that failed before any tool ran.
    pub fn fail(&mut self, phase: Phase, why: String) {
        self.record(
            phase,
            Ran {
                passed: false,
                hit: Some(why),
            },
        );
    }

    /// Whether every phase that ran passed (and one did).
    pub fn passed(&self) -> bool {
        self.generate.is_some()
            && [self.generate, self.build, self.live]
                .iter()
                .all(|phase| *phase != Some(false))
    }
}

/// The settings other than its defaults that a consumer needs: (consumer,
/// setting, why). None remain; the README says so under the table.
pub const NON_DEFAULT_SETTINGS: &[(&str, &str, &str)] = &[];

/// The matrix as a Markdown table, with the non-default settings below it.
pub fn table(matrix: &[Outcome]) -> String {
    let cell = |phase: Option<bool>| match phase {
        Some(true) => "passed",
        Some(false) => "**failed**",
        None => "-",
    };
    let mut table = String::from(
        "| consumer | document | generate | build | live | what a user hits |\n\
         |---|---|---|---|---|---|\n",
    );
    for outcome in matrix {
        let name = Path::new(&outcome.document)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let document = if outcome.released {
            format!("`{name}` (released)")
        } else {
            format!("`{name}`")
        };
        let hit = outcome
            .hit
            .as_deref()
            .map(|hit| format!("`{}`", hit.replace('|', "/").replace('`', "'")))
            .unwrap_or_default();
        table.push_str(&format!(
            "| {} | {document} | {} | {} | {} | {hit} |\n",
            outcome.consumer,
            cell(outcome.generate),
            cell(outcome.build),
            cell(outcome.live),
        ));
    }
    table.push('\n');
    if NON_DEFAULT_SETTINGS.is_empty() {
        table.push_str("Settings other than a consumer's defaults: none is needed.\n");
    } else {
        table.push_str("Settings other than a consumer's defaults:\n\n");
        for (consumer, setting, why) in NON_DEFAULT_SETTINGS {
            table.push_str(&format!("- {consumer}: `{setting}`: {why}\n"));
        }
    }
    table
}

/// Puts `table` between the README's markers; whether the file changed.
pub fn update_readme(root: &Path, table: &str) -> anyhow::Result<bool> {
    let path = root.join("README.md");
    let text = fs::read_to_string(&path).context("cannot read README.md")?;
    let (Some(start), Some(end)) = (text.find(README_START), text.find(README_END)) else {
        anyhow::bail!("README.md lacks the consumers matrix markers ({README_START})");
    };
    let updated = format!("{}{README_START}\n{table}{}", &text[..start], &text[end..]);
    if updated == text {
        return Ok(false);
    }
    fs::write(&path, updated).context("cannot write README.md")?;
    Ok(true)
}

/// The rows of the README's table: (consumer, document file name).
pub fn readme_rows(readme: &str) -> Vec<(String, String)> {
    let (Some(start), Some(end)) = (readme.find(README_START), readme.find(README_END)) else {
        return Vec::new();
    };
    readme[start..end]
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| consumer "))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let document = cells.get(2)?.split('`').nth(1)?;
            Some((cells.get(1)?.to_string(), document.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_says_each_phase_and_what_a_user_hits() {
        let mut current = Outcome::new("orval (axios client)", "openapi/connections.json");
        for phase in [Phase::Generate, Phase::Build, Phase::Live] {
            current.record(
                phase,
                Ran {
                    passed: true,
                    hit: None,
                },
            );
        }
        let mut released = Outcome::new(
            "orval (axios client)",
            "openapi/released/connections-1.1.0.json",
        );
        released.record(
            Phase::Generate,
            Ran {
                passed: true,
                hit: None,
            },
        );
        released.fail(
            Phase::Build,
            "api.ts: error TS2300: Duplicate identifier `A|B`".into(),
        );
        assert!(current.passed() && !current.released);
        assert!(!released.passed() && released.released);
        expectorate::assert_contents(
            "tests/golden/consumers-matrix.md",
            &table(&[current, released]),
        );
    }

    #[test]
    fn the_readme_rows_are_read_back_from_between_the_markers() {
        let mut outcome = Outcome::new("openapi-generator `rust`", "openapi/connections.json");
        outcome.record(
            Phase::Generate,
            Ran {
                passed: true,
                hit: None,
            },
        );
        let readme = format!("# x\n\n{README_START}\n{}{README_END}\n", table(&[outcome]));
        assert_eq!(
            readme_rows(&readme),
            [(
                "openapi-generator `rust`".to_string(),
                "connections.json".to_string()
            )]
        );
    }
}
