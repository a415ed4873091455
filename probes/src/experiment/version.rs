//! Asks a program for its version (`crun --version`): the one fact about an OCI runtime that
//! no file states, and the one that decides whether crun copes with hybrid cgroups.
// The experiments are the one place allowed to run programs directly.
#![allow(clippy::disallowed_methods)]

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::ToolRun;
use super::idmap::{command_line, watch};

/// A version query is cheap; anything slower is a stuck program.
const VERSION_LIMIT: Duration = Duration::from_secs(2);

/// Runs `program --version` with an empty stdin and `LC_ALL=C`, keeping stdout.
pub fn run_version(program: &Path) -> ToolRun {
    let args = ["--version".to_string()];
    let mut run = ToolRun {
        command: command_line(program, &args),
        exit_code: None,
        signal: None,
        timed_out: false,
        spawn_error: None,
        stderr: String::new(),
        stdout: String::new(),
    };
    let spawned = Command::new(program)
        .args(&args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut process = match spawned {
        Ok(process) => process,
        Err(err) => {
            run.spawn_error = Some(format!("{}: {err}", program.display()));
            return run;
        }
    };
    let stdout = process.stdout.take();
    let watched = watch(&mut process, stdout, VERSION_LIMIT);
    run.exit_code = watched.status.and_then(|status| status.code());
    run.signal = watched.status.and_then(|status| status.signal());
    run.timed_out = watched.timed_out;
    run.stdout = String::from_utf8_lossy(&watched.stderr).into_owned();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_line_of_a_real_program_is_kept() {
        let run = run_version(Path::new("/usr/bin/env"));
        assert!(run.succeeded(), "{run:?}");
        assert!(run.stdout.contains("env"), "{run:?}");
        assert_eq!(run.command, "/usr/bin/env --version");
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let run = run_version(Path::new("/nonexistent/crun"));
        assert!(run.spawn_error.is_some(), "{run:?}");
        assert!(!run.succeeded());
    }
}
