//! The CLI contract: exit codes for bad usage, explain and list, completions kept in sync.

use crate::util::{hostcap, repo};

#[test]
fn bad_usage_is_one_line_and_exit_64() {
    for args in [
        &["explain", "no.such_id"][..],
        &["check", "--from", "/nonexistent/recorded-host"],
        &["--quiet", "--verbose"],
        &["check", "--json", "--format", "nagios"],
        &["--format", "prometheus", "check", "--json"],
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
    let short = hostcap(&["-V"]);
    assert_eq!(short.code, 0);
    let release = format!("hostcap {}", env!("CARGO_PKG_VERSION"));
    assert_eq!(short.stdout.trim_end(), release);
}

#[test]
fn version_names_the_commit_when_built_from_a_git_checkout() {
    let version = hostcap(&["--version"]);
    assert_eq!(version.code, 0);
    let line = version.stdout.trim_end();
    let release = format!("hostcap {}", env!("CARGO_PKG_VERSION"));
    // Which commit depends on the checkout (none from a crates tarball); its form does not.
    let commit = line.strip_prefix(&release).map(|rest| {
        rest.strip_prefix(" (commit ")
            .and_then(|c| c.strip_suffix(')'))
    });
    match commit {
        Some(None) => assert_eq!(line, release),
        Some(Some(hash)) => assert!(
            hash.len() >= 7 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{line}"
        ),
        None => panic!("{line}"),
    }
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
    assert_eq!(json["schema"], "hostcap/report/v2");
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

/// Whether the tests run as root (euid 0).
fn running_as_root() -> bool {
    // SAFETY: geteuid only reads this process's effective uid.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn user_and_uid_are_refused_in_one_line_when_they_cannot_be_met() {
    let host = crate::util::recorded_host("fydeos-crosh");
    let host = host.to_str().unwrap();
    for args in [
        &["check", "--user", "hostcap-no-such-user"][..],
        &["check", "--uid", "4000000001"],
        &["check", "--user", "root", "--from", host],
        &["--user", "root", "check", "--from", host],
        &["check", "--uid", "0", "--user", "root"],
    ] {
        let run = hostcap(args);
        assert_eq!(run.code, 64, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn without_root_another_user_is_refused_with_exit_64() {
    use std::os::unix::process::CommandExt;
    // As root, the binary is run as nobody (uid 65534) for this; otherwise as we are.
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hostcap"));
    command.args(["check", "--passive", "--user", "root"]);
    if running_as_root() {
        command.uid(65534).gid(65534);
    }
    let output = command.env("NO_COLOR", "1").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if running_as_root() && stderr.contains("Permission denied") {
        println!(
            "skipped: nobody may not run {}",
            env!("CARGO_BIN_EXE_hostcap")
        );
        return;
    }
    assert_eq!(output.status.code(), Some(64), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("needs root"), "{stderr}");
}

#[test]
fn as_root_user_judges_that_user_in_a_login_environment_only() {
    if !running_as_root() {
        println!("skipped: --user for another user needs root; run the tests as root to try it");
        return;
    }
    let run = hostcap(&["check", "--json", "--user", "nobody"]);
    assert!([0, 1, 2, 3].contains(&run.code), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let host = &json["host"];
    assert_eq!(host["uid"], 65534, "{host}");
    assert!(
        host["user"].as_str().unwrap().starts_with("nobody "),
        "{host}"
    );
    assert_eq!(host["judged_for"]["by"], "root (uid 0)", "{host}");
    let env = host["judged_for"]["environment"].as_object().unwrap();
    // The test harness sets NO_COLOR: none of root's variables may reach the judged user.
    for name in env.keys() {
        assert!(
            [
                "HOME",
                "USER",
                "LOGNAME",
                "SHELL",
                "PATH",
                "XDG_RUNTIME_DIR"
            ]
            .contains(&name.as_str()),
            "{name} leaked into the judged user's environment"
        );
    }
    assert_eq!(env["USER"], "nobody");
    // nobody's process holds no capability: the identity findings must not say root.
    let human = hostcap(&["check", "--passive", "--user", "nobody"]);
    let header = crate::util::header(&human.stdout);
    assert!(
        header.contains("nobody (uid 65534), judged by root (uid 0)"),
        "{header}"
    );
    // Naming yourself is the plain check.
    let myself = hostcap(&["check", "--json", "--passive", "--user", "root"]);
    let json: serde_json::Value = serde_json::from_str(&myself.stdout).unwrap();
    assert_eq!(json["host"]["uid"], 0);
    assert!(json["host"].get("judged_for").is_none());
}

#[test]
fn root_under_sudo_is_told_how_to_judge_the_sudo_user() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hostcap"))
        .args(["check", "--passive"])
        .env("NO_COLOR", "1")
        .env("SUDO_USER", "alice")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let header = crate::util::header(&stdout);
    let note = "root (uid 0) via sudo from alice; use --user alice to judge alice";
    // Only root is told: for anyone else SUDO_USER says nothing about whom the report is for.
    assert_eq!(header.contains(note), running_as_root(), "{header}");
}
