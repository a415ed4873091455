//! `--format`: the JSON alias, node_exporter metrics and the Nagios line agree with the
//! report and keep the exit code.

use crate::util::{hostcap, recorded_host, recorded_hosts, report};

fn run(host: &str, format: &str) -> crate::util::Run {
    let dir = recorded_host(host);
    hostcap(&["check", "--format", format, "--from", dir.to_str().unwrap()])
}

#[test]
fn json_is_format_json() {
    let dir = recorded_host("fydeos-crosh");
    let alias = hostcap(&["check", "--json", "--from", dir.to_str().unwrap()]);
    let format = run("fydeos-crosh", "json");
    let both = hostcap(&[
        "--json",
        "check",
        "--format",
        "json",
        "--from",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(alias.stdout, format.stdout);
    assert_eq!(alias.stdout, both.stdout);
    assert_eq!((alias.code, format.code, both.code), (2, 2, 2));
}

#[test]
fn prometheus_metrics_say_what_the_report_says_for_every_host() {
    for host in recorded_hosts() {
        let (code, json) = report(&host);
        let metrics = run(&host, "prometheus");
        assert_eq!(metrics.code, code, "{host}: {}", metrics.stderr);
        let text = metrics.stdout;
        for name in [
            "hostcap_target_verdict",
            "hostcap_finding",
            "hostcap_check_timestamp_seconds",
        ] {
            assert!(text.contains(&format!("# HELP {name} ")), "{host}: {name}");
            assert!(
                text.contains(&format!("# TYPE {name} gauge\n")),
                "{host}: {name}"
            );
        }
        for verdict in json["verdicts"].as_array().unwrap() {
            let word = verdict["verdict"].as_str().unwrap();
            let number = ["ready", "degraded", "blocked", "unknown"]
                .iter()
                .position(|w| *w == word)
                .unwrap();
            let series = format!(
                "hostcap_target_verdict{{target=\"{}\",verdict=\"{word}\"}} {number}\n",
                verdict["target"].as_str().unwrap()
            );
            assert!(text.contains(&series), "{host}: no {series}");
        }
        let findings = text
            .lines()
            .filter(|l| l.starts_with("hostcap_finding{"))
            .count();
        // One series per finding: every host has some (off Linux only a few apply).
        let reported = json["findings"].as_array().unwrap().len();
        assert!(
            findings > 0 && findings >= reported,
            "{host}: {findings} finding series for {reported} findings"
        );
        for finding in json["findings"].as_array().unwrap() {
            let series = format!(
                "hostcap_finding{{id=\"{}\",status=\"",
                finding["id"].as_str().unwrap()
            );
            assert!(text.contains(&series), "{host}: no {series}");
        }
    }
}

#[test]
fn the_timestamp_is_when_the_check_ran() {
    let text = run("debian-12-vm-baseline", "prometheus").stdout;
    let line = text
        .lines()
        .find(|l| l.starts_with("hostcap_check_timestamp_seconds "))
        .unwrap();
    let seconds: u64 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(seconds <= now && now - seconds < 120, "{line}");
}

#[test]
fn the_nagios_line_names_the_state_its_exit_code_gives() {
    for host in recorded_hosts() {
        let (code, json) = report(&host);
        let line = run(&host, "nagios");
        assert_eq!(line.code, code, "{host}");
        assert_eq!(line.stdout.lines().count(), 1, "{host}: {}", line.stdout);
        let state = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][code as usize];
        assert!(
            line.stdout
                .starts_with(&format!("HOSTCAP {state} - rootless-podman ")),
            "{host}: {}",
            line.stdout
        );
        let (_, perfdata) = line.stdout.trim_end().split_once(" | ").unwrap();
        let counted: usize = perfdata
            .split(' ')
            .filter(|p| {
                ["ready=", "degraded=", "blocked=", "unknown="]
                    .iter()
                    .any(|k| p.starts_with(k))
            })
            .map(|p| {
                p.split(['=', ';'])
                    .nth(1)
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
            })
            .sum();
        assert_eq!(
            counted,
            json["verdicts"].as_array().unwrap().len(),
            "{host}: {perfdata}"
        );
    }
}

#[test]
fn the_nagios_line_names_the_deciding_finding() {
    let line = run("fydeos-crosh", "nagios").stdout;
    assert!(
        line.starts_with(
            "HOSTCAP CRITICAL - rootless-podman BLOCKED (lsm.safesetid_constrains_uid): uid 1000"
        ),
        "{line}"
    );
    assert!(
        line.contains(" | ready=2;;;0;8 degraded=2;;;0;8 blocked=4;;;0;8 unknown=0;;;0;8 "),
        "{line}"
    );
    let dir = recorded_host("fydeos-crosh");
    let proot = hostcap(&[
        "check",
        "--format",
        "nagios",
        "--require",
        "proot",
        "--from",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(proot.code, 0);
    assert!(
        proot.stdout.starts_with("HOSTCAP OK - proot READY: "),
        "{}",
        proot.stdout
    );
}
