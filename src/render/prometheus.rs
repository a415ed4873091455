//! node_exporter textfile-collector metrics (the Prometheus text format, 0.0.4), so a fleet's
//! verdicts can be graphed and alerted on where its other metrics already are.
//!
//! Numbers: a verdict is its exit code (0 ready, 1 degraded, 2 blocked, 3 unknown), a finding's
//! status counts up with concern (0 ok, 1 info, 2 warn, 3 fail, 4 unknown); both are also
//! labels, so a query can match the word instead of the number.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use hostcap_probes::Report;
use hostcap_probes::finding::Status;

pub fn prometheus(report: &Report, now: SystemTime) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "hostcap_target_verdict",
        "Verdict of each target as hostcap's exit code: 0 ready, 1 degraded, 2 blocked, 3 unknown.",
    );
    for verdict in &report.verdicts {
        let _ = writeln!(
            out,
            "hostcap_target_verdict{{target=\"{}\",verdict=\"{}\"}} {}",
            label(verdict.target.name()),
            label(&verdict.verdict.word().to_lowercase()),
            verdict.verdict.exit_code()
        );
    }
    header(
        &mut out,
        "hostcap_finding",
        "Status of each finding: 0 ok, 1 info, 2 warn, 3 fail, 4 unknown.",
    );
    for (id, status) in findings(report) {
        let _ = writeln!(
            out,
            "hostcap_finding{{id=\"{}\",status=\"{}\"}} {}",
            label(id),
            label(&status.word().to_lowercase()),
            status_number(status)
        );
    }
    header(
        &mut out,
        "hostcap_check_timestamp_seconds",
        "When the check ran, in seconds since the epoch: an old value means a stale file.",
    );
    let seconds = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let _ = writeln!(out, "hostcap_check_timestamp_seconds {seconds}");
    out
}

/// One series per id: the collector refuses a file that repeats one, so the most concerning
/// status of an id reported twice is kept.
fn findings(report: &Report) -> BTreeMap<&str, Status> {
    let mut worst: BTreeMap<&str, Status> = BTreeMap::new();
    for finding in &report.findings {
        let status = worst.entry(finding.id).or_insert(finding.status);
        if status_number(finding.status) > status_number(*status) {
            *status = finding.status;
        }
    }
    worst
}

fn status_number(status: Status) -> u8 {
    match status {
        Status::Ok => 0,
        Status::Info => 1,
        Status::Warn => 2,
        Status::Fail => 3,
        Status::Unknown => 4,
    }
}

fn header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", help_text(help));
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// A label value: backslash, double quote and line feed escaped, as the format requires.
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP text: only backslash and line feed are escaped there.
fn help_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(label("two\nlines"), "two\\nlines");
        assert_eq!(label("plain.id_1"), "plain.id_1");
        assert_eq!(help_text("a\\b\n\"c\""), "a\\\\b\\n\"c\"");
    }

    #[test]
    fn statuses_count_up_with_concern() {
        let order = [
            Status::Ok,
            Status::Info,
            Status::Warn,
            Status::Fail,
            Status::Unknown,
        ];
        let numbers: Vec<u8> = order.into_iter().map(status_number).collect();
        assert_eq!(numbers, [0, 1, 2, 3, 4]);
    }
}
