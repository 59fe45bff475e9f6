//! Running commands, and the Python virtualenvs some stages install packages from PyPI into.

use std::path::{Path, PathBuf};
use std::process::Command;

/// How a stage ended, when it did not fail.
pub enum Outcome {
    /// It ran and passed.
    Passed,
    /// It could not run here (announced loudly; never under CI).
    Skipped(String),
}

/// `cargo`, the same one that runs this xtask.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

/// The workspace root.
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

/// The shared target folder.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Runs a command with inherited output; an error names it when it fails.
pub fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|err| format!("cannot run {command:?}: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(command)))
    }
}

/// Whether a program is on the PATH.
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A virtualenv at `venv` holding the pinned PyPI `packages` (`name==version`); returns its
/// Python. It is made once and reused while a marker file named after exactly these packages
/// is there. The reasons it cannot be made here (no python3, no `venv` module, no network) are
/// errors for the caller to skip on or fail with.
pub fn python_venv(venv: &Path, packages: &[&str]) -> Result<PathBuf, String> {
    let python = venv.join("bin").join("python");
    let marker = venv.join(format!(".installed-{}", packages.join(",")));
    if python.exists() && marker.exists() {
        return Ok(python);
    }
    if !have("python3") {
        return Err("python3 is not installed".into());
    }
    if let Some(parent) = venv.parent() {
        std::fs::create_dir_all(parent).map_err(|err| format!("{}: {err}", parent.display()))?;
    }
    if !python.exists() {
        let status = Command::new("python3").args(["-m", "venv"]).arg(venv).status();
        if !status.is_ok_and(|status| status.success()) {
            let _ = std::fs::remove_dir_all(venv);
            return Err("python3 cannot make a virtualenv (install python3-venv)".into());
        }
    }
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .args(packages)
        .status();
    if !status.is_ok_and(|status| status.success()) {
        return Err(format!("pip could not install {} (no network?)", packages.join(" ")));
    }
    std::fs::write(&marker, "").map_err(|err| format!("{}: {err}", marker.display()))?;
    Ok(python)
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
