//! Running the built binary and reading its output.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn hostcap(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_hostcap"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the hostcap binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn recorded_host(name: &str) -> PathBuf {
    repo().join("tests/hosts").join(name)
}

/// `hostcap check --json --from tests/hosts/NAME`, parsed.
pub fn report(name: &str) -> (i32, serde_json::Value) {
    let dir = recorded_host(name);
    let run = hostcap(&["check", "--json", "--from", dir.to_str().unwrap()]);
    assert!(run.stderr.is_empty(), "{name}: stderr: {}", run.stderr);
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {}", run.stdout));
    (run.code, json)
}

/// The names of every recorded host in tests/hosts/, sorted.
pub fn recorded_hosts() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("tests/hosts"))
        .unwrap()
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
