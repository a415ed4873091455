//! The Nagios plugin line: `HOSTCAP STATE - what decides | perfdata`. The exit code already is
//! the plugin state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), so Nagios, Icinga and their
//! kin run `hostcap check --format nagios` as a plugin unchanged.

use hostcap_probes::finding::Status;
use hostcap_probes::{Report, Target, Verdict};

pub fn nagios(report: &Report, target: Target) -> String {
    let (state, text) = match report.verdict(target) {
        Some(verdict) => {
            let mut text = format!("{} {}", target.name(), verdict.verdict.word());
            if verdict.verdict != Verdict::Ready {
                if let Some(first) = verdict.deciding.first() {
                    text.push_str(&format!(" ({first})"));
                }
            }
            text.push_str(&format!(": {}", verdict.summary));
            (state(verdict.verdict), text)
        }
        None => ("UNKNOWN", format!("{} was not judged", target.name())),
    };
    let count = |verdict: Verdict| {
        report
            .verdicts
            .iter()
            .filter(|v| v.verdict == verdict)
            .count()
    };
    let findings = |status: Status| {
        report
            .findings
            .iter()
            .filter(|f| f.status == status)
            .count()
    };
    let targets = report.verdicts.len();
    format!(
        "HOSTCAP {state} - {} | ready={};;;0;{targets} degraded={};;;0;{targets} blocked={};;;0;{targets} unknown={};;;0;{targets} failing_findings={} warning_findings={}\n",
        plugin_text(&text),
        count(Verdict::Ready),
        count(Verdict::Degraded),
        count(Verdict::Blocked),
        count(Verdict::Unknown),
        findings(Status::Fail),
        findings(Status::Warn),
    )
}

/// The state word Nagios shows for the exit code this verdict gives.
fn state(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Ready => "OK",
        Verdict::Degraded => "WARNING",
        Verdict::Blocked => "CRITICAL",
        Verdict::Unknown => "UNKNOWN",
    }
}

/// One line, and no `|`: Nagios reads everything after the first `|` as perfdata.
fn plugin_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '|' => '/',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_match_the_exit_codes() {
        for (verdict, word, code) in [
            (Verdict::Ready, "OK", 0),
            (Verdict::Degraded, "WARNING", 1),
            (Verdict::Blocked, "CRITICAL", 2),
            (Verdict::Unknown, "UNKNOWN", 3),
        ] {
            assert_eq!(state(verdict), word);
            assert_eq!(verdict.exit_code(), code);
        }
    }

    #[test]
    fn text_from_the_host_cannot_start_perfdata_or_a_second_line() {
        assert_eq!(plugin_text("a | b\nc"), "a / b c");
    }
}
