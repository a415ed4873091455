//! The kernel log, read after the experiments: LSM denials there are the kernel's own account
//! of why something failed.

use crate::finding::{Evidence, Finding, FindingDoc, Status};
use crate::host::Host;

/// Lines that name a security module refusing something.
const DENIAL_MARKERS: &[&str] = &[
    "SafeSetID:",
    "apparmor=\"DENIED\"",
    "avc:  denied",
    "requires CAP_SYS_ADMIN in init ns",
];

/// At most this many lines are kept, the newest.
const KEEP: usize = 12;

#[derive(Debug, Clone)]
pub struct Facts {
    pub denials: Result<Vec<String>, String>,
    /// The log was not read: nothing failed that a denial could explain. Reading it costs the
    /// kernel milliseconds of formatting on a long-running host.
    pub not_needed: bool,
}

impl Facts {
    pub fn lines_with(&self, marker: &str) -> Vec<&str> {
        match &self.denials {
            Ok(lines) => lines
                .iter()
                .filter(|l| l.contains(marker))
                .map(String::as_str)
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Reads the log when `wanted`: something failed, or a security module that denies in the log
/// is active.
pub fn gather(host: &dyn Host, wanted: bool) -> Facts {
    if !wanted {
        return Facts {
            denials: Ok(Vec::new()),
            not_needed: true,
        };
    }
    Facts {
        denials: host
            .kernel_log()
            .map(|text| denials(&text))
            .map_err(|e| e.to_string()),
        not_needed: false,
    }
}

pub fn denials(log: &str) -> Vec<String> {
    let mut lines: Vec<String> = log
        .lines()
        .filter(|line| DENIAL_MARKERS.iter().any(|m| line.contains(m)))
        .map(|line| line.trim_end().to_string())
        .collect();
    // Keep the newest lines, deduplicated after the timestamp.
    lines.dedup_by(|a, b| without_timestamp(a) == without_timestamp(b));
    let skip = lines.len().saturating_sub(KEEP);
    lines.split_off(skip)
}

fn without_timestamp(line: &str) -> &str {
    match line.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
        Some((_, rest)) => rest.trim_start(),
        None => line,
    }
}

pub const DENIALS: FindingDoc = FindingDoc {
    id: "kernel_log.denials",
    summary: "security modules logged denials in the kernel log",
    explanation: "When a security module refuses an operation it usually says so in the kernel \
log: SafeSetID (\"Operation requires CAP_SETUID…\"), AppArmor (apparmor=\"DENIED\"), SELinux \
(avc: denied) and the chromiumos LSM (\"requires CAP_SYS_ADMIN in init ns\"). hostcap reads \
the log after its experiments and keeps the matching lines as evidence. Reading it needs \
CAP_SYSLOG when kernel.dmesg_restrict is 1, the default on Debian and Ubuntu.",
    references: &[
        "dmesg(1)",
        "https://docs.kernel.org/admin-guide/sysctl/kernel.html#dmesg-restrict",
    ],
};

pub const DOCS: &[&FindingDoc] = &[&DENIALS];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let finding = match &facts.denials {
        _ if facts.not_needed => Finding::new(
            &DENIALS,
            Status::Info,
            "the kernel log was not read: nothing failed that a security module's denial would explain",
        ),
        Ok(lines) if lines.is_empty() => Finding::new(
            &DENIALS,
            Status::Ok,
            "no security-module denials in the kernel log",
        ),
        Ok(lines) => Finding::new(
            &DENIALS,
            Status::Warn,
            format!(
                "{} security-module denial(s) in the kernel log",
                lines.len()
            ),
        )
        .with_evidence(
            lines
                .iter()
                .map(|l| Evidence::new("kernel log", l.clone()))
                .collect::<Vec<_>>(),
        ),
        Err(reason) => Finding::new(
            &DENIALS,
            Status::Info,
            format!("the kernel log could not be read ({reason}); denials were not checked"),
        ),
    };
    vec![finding]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_denials_once() {
        let log = "[    1.0] Linux version 6.1\n\
[   12.1] SafeSetID: Operation requires CAP_SETUID, which is not available to UID 1000 for operations besides approved set*uid transitions\n\
[   13.2] SafeSetID: Operation requires CAP_SETUID, which is not available to UID 1000 for operations besides approved set*uid transitions\n\
[   14.0] audit: type=1400 audit(1.2:3): apparmor=\"DENIED\" operation=\"capable\" profile=\"unprivileged_userns\"\n";
        let kept = denials(log);
        assert_eq!(kept.len(), 2);
        assert!(kept[0].contains("SafeSetID"));
        assert!(kept[1].contains("apparmor"));
    }
}
