//! Reports read as one: no finding names a cause another finding of the same report rules
//! out, and no parser's internal words (its source paths, "please report this bug") reach a
//! person.

use std::fs;

use crate::util::{hostcap, repo};

fn finding<'a>(report: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    report["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == id)
}

fn status(report: &serde_json::Value, id: &str) -> String {
    finding(report, id).map_or_else(String::new, |f| {
        f["status"].as_str().unwrap_or("").to_string()
    })
}

/// Every title of the report, lowercased, with the id it belongs to.
fn titles(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["title"].as_str().unwrap().to_lowercase(),
            )
        })
        .collect()
}

#[test]
fn no_recorded_host_gets_a_cause_another_finding_rules_out() {
    let mut problems = Vec::new();
    for entry in fs::read_dir(repo().join("tests/hosts")).unwrap().flatten() {
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let run = hostcap(&["check", "--json", "--from", entry.path().to_str().unwrap()]);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let titles = titles(&report);
        let says = |phrase: &str| {
            titles
                .iter()
                .filter(|(_, t)| t.contains(phrase))
                .map(|(id, _)| id.clone())
                .collect::<Vec<_>>()
        };
        // The kernel has user namespaces, or a limit of 0 explains the failure instead.
        if status(&report, "userns.kernel_without_user_ns") == "ok"
            || status(&report, "userns.max_user_namespaces_zero") == "fail"
        {
            for id in says("kernel has no user namespaces") {
                problems.push(format!(
                    "{name}: {id} blames a kernel without user namespaces"
                ));
            }
        }
        // No seccomp filter on this process: nothing may blame one.
        if status(&report, "identity.seccomp_filter") == "ok" {
            for id in says("seccomp filter refuses") {
                problems.push(format!(
                    "{name}: {id} blames a seccomp filter that is not there"
                ));
            }
        }
        // A readable kernel log without denials cannot back a denial.
        if status(&report, "kernel_log.denials") == "ok" {
            for id in says("kernel log shows") {
                problems.push(format!("{name}: {id} cites denials the log does not hold"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_garbled_proc_file_is_reported_in_hostcaps_words() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root/proc/self");
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join("status"), "Name:\thostcap\nUid:\tnot numbers\n").unwrap();
    fs::write(root.join("mountinfo"), "garbage line\n").unwrap();
    fs::write(
        dir.path().join("host.toml"),
        "[source]\nimitates = \"a garbled host\"\n[identity]\nuid = 1000\ngid = 1000\nuser = \"alice\"\n",
    )
    .unwrap();
    for args in [["check", "--json"], ["check", "--verbose"]] {
        let run = hostcap(&[args[0], args[1], "--from", dir.path().to_str().unwrap()]);
        for leak in [
            ".cargo/registry",
            "please report",
            "Internal error",
            "procfs bug",
        ] {
            assert!(
                !run.stdout.contains(leak),
                "{leak:?} reached the report: {}",
                run.stdout
            );
        }
        assert!(
            run.stdout.contains("not in the kernel's format"),
            "{}",
            run.stdout
        );
    }
}
