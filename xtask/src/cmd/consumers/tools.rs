//! Installing the pinned tools and running their commands.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

/// The pinned Python tools.
pub const REQUIREMENTS: &str = "consumers/python/requirements.txt";

/// The Node project whose lock file pins every Node tool.
pub const NODE_PROJECT: &str = "consumers/typescript";

/// The virtual environment of the pinned Python tools
/// (`target/consumers/venv`, from `consumers/python/requirements.txt`):
/// created and installed unless it already holds exactly these
/// requirements.
pub fn python_tools(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = &root.join("target/consumers/venv");
    let requirements = root.join(REQUIREMENTS);
    let stamp = venv.join("requirements.sha256");
    let wanted = digest(&requirements)?;
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(venv.clone());
    }
    step("installing the pinned Python tools (consumers/python/requirements.txt)");
    if !venv.join("bin/python").exists() {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        require(
            Command::new(&python).args(["-m", "venv"]).arg(venv),
            &format!("{python} -m venv (set PYTHON to another interpreter)"),
        )?;
    }
    require(
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r consumers/python/requirements.txt",
    )?;
    fs::write(&stamp, wanted)?;
    Ok(venv.clone())
}

/// `npm ci` in `consumers/typescript`, unless its lock file is installed.
pub fn node_tools(root: &Path) -> anyhow::Result<()> {
    let dir = root.join(NODE_PROJECT);
    let stamp = dir.join("node_modules/.package-lock.sha256");
    let wanted = digest(&dir.join("package-lock.json"))?;
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    step("installing the pinned Node tools (consumers/typescript/package-lock.json)");
    require(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir),
        "npm ci in consumers/typescript",
    )?;
    fs::write(&stamp, wanted)?;
    Ok(())
}

/// The SHA-256 of a file, in hex.
pub fn digest(path: &Path) -> anyhow::Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(crate::cmd::release::sha256_hex(&bytes))
}

/// Prints the heading of a step.
pub fn step(title: &str) {
    println!("\n==> {title}");
}

/// Runs a command with inherited output; whether it exited 0. A command
/// that cannot be started is an error naming it.
pub fn status(command: &mut Command) -> anyhow::Result<bool> {
    let program = command.get_program().to_string_lossy().into_owned();
    let status = command
        .status()
        .with_context(|| format!("cannot run {program}"))?;
    Ok(status.success())
}

/// How much of a captured command's output is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    /// All of it (the programs of `consumers/`, compilers).
    All,
    /// A count of its warnings, and its last lines when it fails (a
    /// generator's chatty log).
    Quiet,
}

/// What a captured command did.
#[derive(Debug, Clone)]
pub struct Ran {
    /// Whether it exited 0.
    pub passed: bool,
    /// When it failed: the line of its output that says what a user of the
    /// tool hits (the first failure or error line, else its last line).
    pub hit: Option<String>,
}

/// Runs a command with its output in `log`, then shows it as `show` says.
pub fn capture(command: &mut Command, log: &Path, show: Show) -> anyhow::Result<Ran> {
    let program = command.get_program().to_string_lossy().into_owned();
    if let Some(parent) = log.parent() {
        fs::create_dir_all(parent)?;
    }
    let file = fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let status = command
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .with_context(|| format!("cannot run {program}"))?;
    let text = String::from_utf8_lossy(&fs::read(log).unwrap_or_default()).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    match show {
        Show::All => {
            for line in &lines {
                println!("{line}");
            }
        }
        Show::Quiet if status.success() => {
            let warnings = lines.iter().filter(|line| line.contains(" WARN ")).count();
            println!(
                "  {}: {warnings} warning(s), log in {}",
                short(&program),
                log.display()
            );
        }
        Show::Quiet => {
            for line in &lines[lines.len().saturating_sub(30)..] {
                println!("  | {line}");
            }
        }
    }
    if !status.success() {
        println!(
            "  {} failed ({status}), log in {}",
            short(&program),
            log.display()
        );
    }
    Ok(Ran {
        passed: status.success(),
        hit: (!status.success()).then(|| what_a_user_hits(&lines)),
    })
}

fn short(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// The line of a failed command's output that names the problem: the first
/// `FAILED:` line, else the last exception line of a Python traceback
/// (`ValueError: ...`), else the first error line, else the last non-empty
/// line; at most 160 characters.
pub fn what_a_user_hits(lines: &[&str]) -> String {
    let exception = |line: &&&str| {
        line.split_once(": ").is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                && (name.ends_with("Error") || name.ends_with("Exception"))
        })
    };
    let error = |line: &&&str| {
        let text = line.trim_start_matches(['│', '|', ' ']);
        text.len() == line.len() && text.to_ascii_lowercase().contains("error")
    };
    let line = lines
        .iter()
        .find(|line| line.contains("FAILED:"))
        .or_else(|| lines.iter().rev().find(exception))
        .or_else(|| lines.iter().find(error))
        .or_else(|| lines.iter().rev().find(|line| !line.trim().is_empty()))
        .map(|line| line.trim())
        .unwrap_or("(no output)");
    let line = line.trim_start_matches("FAILED:").trim();
    let mut cut: String = line.chars().take(160).collect();
    if cut.len() < line.len() {
        cut.push('…');
    }
    cut
}

/// The output directory `out` of a generator, made by `generate` unless
/// it is there from a run with the same `key` (the digest of the input,
/// the tool and its version), recorded in `out.stamp`. A failed run leaves
/// no stamp, so it runs again.
pub fn cached(
    out: &Path,
    key: &str,
    generate: impl FnOnce() -> anyhow::Result<Ran>,
) -> anyhow::Result<Ran> {
    let stamp = out.with_extension("stamp");
    if out.exists() && fs::read_to_string(&stamp).ok().as_deref() == Some(key) {
        println!("  {} is up to date", out.display());
        return Ok(Ran {
            passed: true,
            hit: None,
        });
    }
    let _ = fs::remove_dir_all(out);
    let _ = fs::remove_file(&stamp);
    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent)?;
    }
    let ran = generate()?;
    if ran.passed {
        fs::write(&stamp, key)?;
    }
    Ok(ran)
}

/// Runs a command that must succeed for the task to run at all.
pub fn require(command: &mut Command, what: &str) -> anyhow::Result<()> {
    if !status(command)? {
        bail!("{what} failed");
    }
    Ok(())
}

/// `PATH` with `dir` first.
pub fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![PathBuf::from(dir)];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// Writes `bytes` to `path` unless it holds them already (so compilers
/// see no change).
pub fn put(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if fs::read(path).ok().as_deref() != Some(bytes) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::what_a_user_hits;

    #[test]
    fn a_user_hits_the_line_that_names_the_problem() {
        let traceback = [
            "Traceback (most recent call last):",
            "│ ❱ 163 │   errors = generate(   │",
            "ValueError: Duplicate key STRING in enum mapping_type.MappingType; consider ",
            "setting literal_enums in your config",
        ];
        assert_eq!(
            what_a_user_hits(&traceback),
            "ValueError: Duplicate key STRING in enum mapping_type.MappingType; consider"
        );
        let flow = [
            "  12 bodies",
            "  FAILED: 001-Auth.json: does not parse",
            "  FAILED: 002",
        ];
        assert_eq!(what_a_user_hits(&flow), "001-Auth.json: does not parse");
        let tsc = [
            "client/api.ts(587,18): error TS2300: Duplicate identifier 'X'.",
            "x",
        ];
        assert_eq!(
            what_a_user_hits(&tsc),
            "client/api.ts(587,18): error TS2300: Duplicate identifier 'X'."
        );
        assert_eq!(what_a_user_hits(&["a", "last words", ""]), "last words");
        assert_eq!(what_a_user_hits(&[]), "(no output)");
    }
}
