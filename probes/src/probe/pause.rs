//! podman's pause process: the first rootless podman command leaves a process that holds the
//! user namespace, and every later command joins it. Its id mapping is fixed when it starts,
//! so after /etc/subuid or /etc/subgid change, podman keeps the old mapping until
//! `podman system migrate` ends it.

use std::path::{Path, PathBuf};

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::Host;
use crate::probe::read_optional;
use crate::probe::subid;
use crate::probe::userns::parse_id_map;

#[derive(Debug, Clone)]
pub struct Facts {
    pub pid_file: Option<PathBuf>,
    /// The running pause process of this user and its uid_map, when there is one.
    pub process: Option<Pause>,
    /// The ranges the current subordinate id files would give: (outside start, count),
    /// the user's own id first.
    pub expected: Vec<(u64, u64)>,
}

#[derive(Debug, Clone)]
pub struct Pause {
    pub pid: u32,
    pub uid_map: String,
}

pub fn gather(host: &dyn Host, runtime_dir: Option<&Path>, subid: &subid::Facts) -> Facts {
    let pid_file = runtime_dir.map(|dir| dir.join("libpod/tmp/pause.pid"));
    let process = pid_file
        .as_ref()
        .and_then(|file| read_optional(host, &file.to_string_lossy()).ok().flatten())
        .and_then(|text| text.trim().parse::<u32>().ok())
        .and_then(|pid| {
            // A pid file of a process that ended, or whose pid now belongs to someone
            // else, is no pause process.
            let status = read_optional(host, &format!("/proc/{pid}/status"))
                .ok()
                .flatten()?;
            let owner = status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next())
                .and_then(|uid| uid.parse::<u32>().ok());
            (owner == subid.uid).then_some(())?;
            let uid_map = read_optional(host, &format!("/proc/{pid}/uid_map"))
                .ok()
                .flatten()?;
            Some(Pause { pid, uid_map })
        });
    let mut expected: Vec<(u64, u64)> = subid
        .uid
        .map(|uid| (u64::from(uid), 1))
        .into_iter()
        .collect();
    if subid.has_ranges() {
        expected.extend(subid.ranges(&subid.subuid));
    }
    Facts {
        pid_file,
        process,
        expected,
    }
}

impl Facts {
    /// The (outside start, count) ranges the pause process maps.
    fn mapped(pause: &Pause) -> Vec<(u64, u64)> {
        parse_id_map(&pause.uid_map)
            .into_iter()
            .map(|(_, outside, count)| (outside, count))
            .collect()
    }
}

fn ids(count: u64) -> String {
    if count == 1 {
        "1 id".into()
    } else {
        format!("{count} ids")
    }
}

pub const STALE: FindingDoc = FindingDoc {
    id: "podman.stale_pause_process",
    summary: "podman's pause process keeps an id mapping the subordinate id files no longer give",
    explanation: "Rootless podman creates its user namespace once and keeps it in a pause \
process (pid in $XDG_RUNTIME_DIR/libpod/tmp/pause.pid); every later podman command joins it. \
When /etc/subuid or /etc/subgid change afterwards (a range added, grown or moved), podman goes \
on with the old mapping, so images with several owners keep failing with \"potentially \
insufficient UIDs or GIDs\" until `podman system migrate` stops the pause process.",
    references: &["podman-system-migrate(1)"],
};

pub const DOCS: &[&FindingDoc] = &[&STALE];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let Some(pause) = &facts.process else {
        return Vec::new();
    };
    let mapped = Facts::mapped(pause);
    if mapped.is_empty() {
        // A pause process caught before podman wrote its maps: nothing to compare yet.
        return vec![Finding::new(
            &STALE,
            Status::Info,
            format!("podman's pause process {} has no id map yet", pause.pid),
        )];
    }
    let shown_map = pause
        .uid_map
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let pid_file = facts
        .pid_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if mapped == facts.expected {
        return vec![
            Finding::new(
                &STALE,
                Status::Ok,
                format!(
                    "podman's pause process {} maps the current ranges",
                    pause.pid
                ),
            )
            .evidence(format!("/proc/{}/uid_map", pause.pid), shown_map),
        ];
    }
    let expected: Vec<String> = facts
        .expected
        .iter()
        .map(|(start, count)| format!("{start}+{count}"))
        .collect();
    vec![
        Finding::new(
            &STALE,
            Status::Fail,
            format!(
                "podman's pause process {} still maps {}; with /etc/subuid now it would map {}",
                pause.pid,
                ids(mapped.iter().map(|r| r.1).sum::<u64>()),
                ids(facts.expected.iter().map(|r| r.1).sum::<u64>())
            ),
        )
        .evidence(pid_file, pause.pid.to_string())
        .evidence(format!("/proc/{}/uid_map", pause.pid), shown_map)
        .evidence("expected from /etc/subuid", expected.join(", "))
        .without_root("podman system migrate    # stops the pause process; the next podman command maps the new ranges"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(uid_map: &str) -> Facts {
        Facts {
            pid_file: Some(PathBuf::from("/run/user/1000/libpod/tmp/pause.pid")),
            process: Some(Pause {
                pid: 4242,
                uid_map: uid_map.into(),
            }),
            expected: vec![(1000, 1), (100000, 65536)],
        }
    }

    #[test]
    fn a_pause_process_with_an_old_mapping_is_stale() {
        let findings = judge(&facts("         0       1000          1\n"));
        assert_eq!(findings[0].status, Status::Fail);
        assert!(
            findings[0].title.contains("still maps 1 id;"),
            "{}",
            findings[0].title
        );
        assert!(
            findings[0].fix.without_root[0]
                .text()
                .starts_with("podman system migrate")
        );
    }

    #[test]
    fn a_pause_process_with_the_current_mapping_is_fine() {
        let map = "         0       1000          1\n         1     100000      65536\n";
        assert_eq!(judge(&facts(map))[0].status, Status::Ok);
    }

    #[test]
    fn no_pause_process_no_finding() {
        let mut none = facts("");
        none.process = None;
        assert!(judge(&none).is_empty());
    }
}
