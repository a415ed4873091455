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

/// Like [`hostcap`], for inputs that might make it hang: killed and failed after `limit`.
pub fn hostcap_within(args: &[&str], limit: std::time::Duration) -> Run {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hostcap"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the hostcap binary runs");
    // Drain both pipes on their own threads so a full pipe cannot pass for a hang.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hostcap {args:?} still ran after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
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

/// The human report's first line with its continuation lines (filled to the width, it may take
/// several), joined back into one.
pub fn header(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().to_string();
    lines
        .take_while(|line| line.starts_with(' '))
        .fold(first, |header, line| format!("{header} {}", line.trim()))
}
