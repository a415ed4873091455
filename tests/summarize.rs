//! `hostcap summarize`: many reports (files, folders, bundles) in one table and one JSON,
//! causes counted once per host, and every unreadable input refused by name with exit 64.

use std::fs;
use std::path::Path;

use crate::util::{hostcap, recorded_host};

/// Writes `hostcap check --json` of recorded hosts into `dir` as NAME.json.
fn reports(dir: &Path, hosts: &[&str]) {
    for host in hosts {
        let from = recorded_host(host);
        let run = hostcap(&["check", "--json", "--from", from.to_str().unwrap()]);
        fs::write(dir.join(format!("{host}.json")), run.stdout).unwrap();
    }
}

fn row<'a>(table: &'a str, name: &str) -> Vec<&'a str> {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row {name}:\n{table}"))
        .split_whitespace()
        .skip(1)
        .collect()
}

#[test]
fn files_folders_and_bundles_make_one_table_of_hosts_by_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    fs::create_dir_all(fleet.join("lab")).unwrap();
    reports(&fleet, &["fydeos-crosh", "crostini-penguin"]);
    reports(&fleet.join("lab"), &["fedora-40-filecaps"]);
    fs::write(fleet.join("notes.txt"), "not a report, not read").unwrap();
    let bundle = dir.path().join("support.tar.gz");
    let made = hostcap(&["bundle", "--passive", "-o", bundle.to_str().unwrap()]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let single = dir.path().join("ubuntu");
    reports(dir.path(), &["ubuntu-24.04-apparmor"]);
    fs::rename(dir.path().join("ubuntu-24.04-apparmor.json"), &single).unwrap();

    let run = hostcap(&[
        "summarize",
        fleet.to_str().unwrap(),
        bundle.to_str().unwrap(),
        single.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let table = run.stdout;
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "HOST",
            "rootless-podman",
            "rootless-docker",
            "bubblewrap",
            "nix-sandbox",
            "guix-daemon",
            "chroot",
            "proot",
            "vm"
        ]
    );
    // Host names from the reports; a report without one goes by its file's name.
    assert_eq!(
        row(&table, "localhost"),
        [
            "BLOCKED", "BLOCKED", "BLOCKED", "DEGRADED", "DEGRADED", "BLOCKED", "READY", "READY"
        ]
    );
    assert_eq!(row(&table, "penguin")[0], "READY");
    assert_eq!(row(&table, "fedora-40-filecaps")[0], "READY");
    assert_eq!(row(&table, "ubuntu")[2], "BLOCKED");
    let rows = table
        .lines()
        .take_while(|l| !l.starts_with("ready"))
        .count()
        - 1;
    assert_eq!(rows, 5, "four reports and the bundle:\n{table}");
    assert!(table.contains("\nready "), "{table}");
    assert!(table.contains("\n5 hosts."), "{table}");
    assert!(table.contains("lsm.safesetid_constrains_uid"), "{table}");
}

#[test]
fn json_says_what_the_table_says() {
    let dir = tempfile::tempdir().unwrap();
    reports(
        dir.path(),
        &["fydeos-crosh", "chromeos-vt2", "debian-12-vm-baseline"],
    );
    let run = hostcap(&["summarize", "--json", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["schema"], "hostcap/summary/v1");
    let hosts = summary["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 3);
    let baseline = hosts
        .iter()
        .find(|h| h["name"] == "debian-12-vm-baseline")
        .unwrap();
    assert_eq!(baseline["verdicts"]["rootless-podman"], "degraded");
    assert_eq!(baseline["verdicts"]["bubblewrap"], "ready");
    let podman = &summary["targets"][0];
    assert_eq!(podman["target"], "rootless-podman");
    assert_eq!(
        (&podman["ready"], &podman["degraded"], &podman["blocked"]),
        (&0.into(), &1.into(), &2.into())
    );
    let causes = summary["causes"].as_array().unwrap();
    let counts: Vec<usize> = causes
        .iter()
        .map(|c| c["hosts"].as_array().unwrap().len())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "most hosts first: {counts:?}"
    );
    let safesetid = causes
        .iter()
        .find(|c| c["id"] == "lsm.safesetid_constrains_uid")
        .unwrap();
    assert_eq!(safesetid["targets"], serde_json::json!(["rootless-podman"]));
    assert_eq!(safesetid["hosts"].as_array().unwrap().len(), 2);
    // dockerd-rootless.sh stops at the missing XDG_RUNTIME_DIR before rootlesskit meets SafeSetID.
    let no_runtime_dir = causes
        .iter()
        .find(|c| c["id"] == "session.runtime_dir_unset")
        .unwrap();
    assert_eq!(
        no_runtime_dir["targets"],
        serde_json::json!(["rootless-docker"])
    );
    // A cause is the finding that decides, not every consequence the report lists after it.
    assert!(
        !causes
            .iter()
            .any(|c| c["id"] == "idmap.newuidmap_not_privileged"),
        "{causes:?}"
    );
}

#[test]
fn reports_of_one_host_name_stay_apart_and_later_v1_fields_are_read() {
    let dir = tempfile::tempdir().unwrap();
    reports(dir.path(), &["fydeos-crosh"]);
    let mut later: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("fydeos-crosh.json")).unwrap())
            .unwrap();
    later["added_later"] = serde_json::json!({"any": "thing"});
    later["host"]["hostname"] = "localhost".into();
    fs::write(dir.path().join("again.json"), later.to_string()).unwrap();
    let run = hostcap(&["summarize", "--json", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = summary["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.iter().all(|n| n.starts_with("localhost (")),
        "{names:?}"
    );
    assert_ne!(names[0], names[1]);
}

#[test]
fn an_input_that_is_not_a_v1_report_is_one_line_naming_it_and_exit_64() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let malformed = write("broken.json", "{\"schema\": \"hostcap/report/v2\", ");
    let v2 = write("v2.json", r#"{"schema": "hostcap/report/v2"}"#);
    let other = write("package.json", r#"{"name": "left-pad"}"#);
    let incomplete = write("incomplete.json", r#"{"schema": "hostcap/report/v2"}"#);
    let fake_bundle = dir.path().join("bundles");
    fs::create_dir(&fake_bundle).unwrap();
    fs::write(fake_bundle.join("b.tar.gz"), "plain text").unwrap();
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let missing = dir.path().join("missing.json");
    for (args, names, says) in [
        (
            vec![malformed.as_str()],
            malformed.clone(),
            "not a hostcap JSON report",
        ),
        (vec![v2.as_str()], v2.clone(), "hostcap/report/v2"),
        (vec![other.as_str()], other.clone(), "no \"schema\""),
        (
            vec![incomplete.as_str()],
            incomplete.clone(),
            "missing field",
        ),
        (
            vec![fake_bundle.to_str().unwrap()],
            fake_bundle.join("b.tar.gz").display().to_string(),
            "",
        ),
        (
            vec![empty.to_str().unwrap()],
            empty.display().to_string(),
            "no reports",
        ),
        (
            vec![missing.to_str().unwrap()],
            missing.display().to_string(),
            "",
        ),
    ] {
        let mut full = vec!["summarize"];
        full.extend(&args);
        let run = hostcap(&full);
        assert_eq!(run.code, 64, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!("hostcap: {names}: ")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert!(
            run.stderr
                .contains("summarize reads `hostcap check --json` reports"),
            "says what it reads: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
    for args in [
        &["summarize"][..],
        &["summarize", "--format", "nagios", "x"],
    ] {
        let run = hostcap(args);
        assert_eq!(run.code, 64, "{args:?}");
        // One error; a missing input is shown with the usage that names it.
        assert_eq!(
            run.stderr.matches("hostcap: ").count(),
            1,
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.starts_with("hostcap: "),
            "{args:?}: {}",
            run.stderr
        );
    }
}
