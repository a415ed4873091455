//! The CLI contract: exit codes for bad usage, explain and list, completions kept in sync.

use crate::util::{hostcap, repo};

#[test]
fn bad_usage_is_one_line_and_exit_64() {
    for args in [
        &["--bogus"][..],
        &["check", "--require", "kubernetes"],
        &["explain", "no.such_id"],
        &["check", "--from", "/nonexistent/recorded-host"],
        &["completions", "tcsh"],
        &["--quiet", "--verbose"],
    ] {
        let run = hostcap(args);
        assert_eq!(run.code, 64, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("hostcap: "),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_folder_without_host_toml_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let run = hostcap(&["--from", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 64);
    assert!(run.stderr.contains("not a recorded host"), "{}", run.stderr);
    assert!(run.stderr.contains(dir.path().to_str().unwrap()));
}

#[test]
fn help_and_version_exit_0() {
    assert_eq!(hostcap(&["--help"]).code, 0);
    let version = hostcap(&["--version"]);
    assert_eq!(version.code, 0);
    assert!(version.stdout.starts_with("hostcap "));
}

#[test]
fn list_names_every_target_and_explain_knows_every_listed_id() {
    let list = hostcap(&["list"]);
    assert_eq!(list.code, 0);
    for target in [
        "rootless-podman",
        "rootless-docker",
        "bubblewrap",
        "nix-sandbox",
        "guix-daemon",
        "chroot",
        "proot",
        "vm",
    ] {
        assert!(list.stdout.contains(target), "{target} missing from list");
        assert_eq!(hostcap(&["explain", target]).code, 0);
    }
    let ids: Vec<&str> = list
        .stdout
        .split("Findings\n")
        .nth(1)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(ids.len() > 20, "{ids:?}");
    for id in ids {
        let explained = hostcap(&["explain", id]);
        assert_eq!(explained.code, 0, "{id}");
        assert!(
            explained.stdout.starts_with(id),
            "{id}: {}",
            explained.stdout
        );
        assert!(
            explained.stdout.len() > id.len() + 100,
            "{id} has no real explanation"
        );
    }
}

#[test]
fn completions_in_the_repo_are_current() {
    for (shell, file) in [
        ("bash", "hostcap.bash"),
        ("zsh", "_hostcap"),
        ("fish", "hostcap.fish"),
        ("powershell", "_hostcap.ps1"),
        ("elvish", "hostcap.elv"),
    ] {
        let generated = hostcap(&["completions", shell]);
        assert_eq!(generated.code, 0);
        let path = repo().join("completions").join(file);
        if std::env::var_os("UPDATE_COMPLETIONS").is_some() {
            std::fs::write(&path, &generated.stdout).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated.stdout,
            "{} is stale: run UPDATE_COMPLETIONS=1 cargo test completions",
            path.display()
        );
    }
}

#[test]
fn live_json_follows_the_schema() {
    let run = hostcap(&["check", "--json", "--passive"]);
    assert!([0, 1, 2, 3].contains(&run.code), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["schema"], "hostcap/report/v1");
    assert_eq!(json["experiments_ran"], false);
    let verdicts = json["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 8);
    let podman = verdicts
        .iter()
        .find(|v| v["target"] == "rootless-podman")
        .unwrap();
    let expected = match podman["verdict"].as_str().unwrap() {
        "ready" => 0,
        "degraded" => 1,
        "blocked" => 2,
        _ => 3,
    };
    assert_eq!(run.code, expected);
    for finding in json["findings"].as_array().unwrap() {
        let id = finding["id"].as_str().unwrap();
        assert!(
            id.contains('.')
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'),
            "{id}"
        );
        assert!(
            ["ok", "info", "warn", "fail", "unknown"]
                .contains(&finding["status"].as_str().unwrap())
        );
    }
}

#[test]
fn quiet_prints_nothing_and_keeps_the_exit_code() {
    let loud = hostcap(&["--passive", "--json"]);
    let quiet = hostcap(&["--passive", "--quiet"]);
    assert!(quiet.stdout.is_empty());
    assert_eq!(quiet.code, loud.code);
}

#[test]
fn a_reader_that_went_away_keeps_the_verdicts_exit_code() {
    use std::os::fd::FromRawFd;
    use std::process::{Command, Stdio};
    // A pipe whose reading end is closed before hostcap writes: every write fails with EPIPE.
    let mut fds = [0; 2];
    // SAFETY: pipe writes two new descriptors into the array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created and are owned here.
    let (reader, writer) = unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    };
    drop(reader);
    let host = crate::util::recorded_host("fydeos-crosh");
    let status = Command::new(env!("CARGO_BIN_EXE_hostcap"))
        .args(["check", "--from", host.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stdout(Stdio::from(writer))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2), "blocked stays 2 when nobody reads");
}
