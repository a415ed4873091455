//! Linux security modules that decide beyond permissions: SafeSetID (the ChromeOS wall against
//! uid mappings), the chromiumos LSM's mount rule, AppArmor's per-program userns profiles and
//! Yama's ptrace scope (which decides whether proot can work).

use std::path::Path;

use crate::finding::{Evidence, Finding, FindingDoc, Status};
use crate::host::Host;
use crate::probe::{read_number, read_optional};

pub const LSM_LIST: &str = "/sys/kernel/security/lsm";
pub const SAFESETID_POLICY: &str = "/sys/kernel/security/safesetid/uid_allowlist_policy";
/// ChromeOS installs its SafeSetID rules here, world-readable, and loads them at boot
/// (platform2 `init/startup/security_manager.cc`).
pub const CROS_POLICY_DIR: &str = "/usr/share/cros/startup/process_management_policies";
pub const CHROMIUMOS_DIR: &str = "/sys/kernel/security/chromiumos";
pub const YAMA_PTRACE_SCOPE: &str = "/proc/sys/kernel/yama/ptrace_scope";

#[derive(Debug, Clone)]
pub struct Facts {
    pub uid: Option<u32>,
    /// Active LSMs; `Ok(None)` when securityfs shows no list.
    pub active: Result<Option<Vec<String>>, String>,
    /// SafeSetID rules `src:dst` with where they were read.
    pub safesetid_rules: Vec<Rule>,
    /// Why the kernel's own policy file could not be read (it is root-only).
    pub safesetid_policy_error: Option<String>,
    pub chromiumos_dir: bool,
    /// AppArmor profiles granting `userns`: the programs they attach to.
    pub userns_profiles: Vec<UsernsProfile>,
    pub ptrace_scope: Result<Option<i64>, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub source: String,
    pub line: usize,
    pub from: u32,
    pub to: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernsProfile {
    pub file: String,
    pub attaches_to: String,
}

impl Facts {
    pub fn is_active(&self, name: &str) -> bool {
        matches!(&self.active, Ok(Some(list)) if list.iter().any(|l| l == name))
    }

    /// SafeSetID constrains a uid as soon as it is the source of any rule.
    pub fn safesetid_rules_for(&self, uid: u32) -> Vec<&Rule> {
        self.safesetid_rules
            .iter()
            .filter(|r| r.from == uid)
            .collect()
    }

    pub fn safesetid_constrains_user(&self) -> bool {
        self.is_active("safesetid")
            && self
                .uid
                .is_some_and(|uid| !self.safesetid_rules_for(uid).is_empty())
    }

    /// The chromiumos LSM refuses unprivileged mounts without noexec,nosuid,nodev.
    pub fn chromiumos_mount_rule(&self) -> bool {
        self.is_active("chromiumos") || self.chromiumos_dir
    }

    /// Whether an AppArmor profile lets the program at `path` create user namespaces.
    pub fn userns_profile_for(&self, path: &Path) -> Option<&UsernsProfile> {
        let path = path.to_str()?;
        self.userns_profiles
            .iter()
            .find(|p| attach_matches(&p.attaches_to, path))
    }
}

pub fn gather(host: &dyn Host, uid: Option<u32>) -> Facts {
    let active = read_optional(host, LSM_LIST)
        .map(|text| {
            text.map(|t| {
                t.trim()
                    .split(',')
                    .map(str::to_string)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
        })
        .map_err(|e| e.to_string());
    let mut safesetid_rules = Vec::new();
    let safesetid_policy_error = match host.read_string(Path::new(SAFESETID_POLICY)) {
        Ok(text) => {
            safesetid_rules.extend(parse_rules(SAFESETID_POLICY, &text));
            None
        }
        Err(err) => Some(err.to_string()),
    };
    for name in host
        .list_dir(Path::new(CROS_POLICY_DIR))
        .unwrap_or_default()
    {
        let path = format!("{CROS_POLICY_DIR}/{name}");
        if let Ok(text) = host.read_string(Path::new(&path)) {
            safesetid_rules.extend(parse_rules(&path, &text));
        }
    }
    Facts {
        uid,
        active,
        safesetid_rules,
        safesetid_policy_error,
        chromiumos_dir: host.metadata(Path::new(CHROMIUMOS_DIR)).is_ok(),
        userns_profiles: userns_profiles(host),
        ptrace_scope: read_number(host, YAMA_PTRACE_SCOPE),
    }
}

/// SafeSetID policy lines `<UID>:<UID>`; `#` comments and blank lines are dropped as ChromeOS
/// does before loading them.
pub fn parse_rules(source: &str, text: &str) -> Vec<Rule> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let (from, to) = line.trim().split_once(':')?;
            Some(Rule {
                source: source.to_string(),
                line: index + 1,
                from: from.trim().parse().ok()?,
                to: to.trim().parse().ok()?,
            })
        })
        .collect()
}

/// Profiles in /etc/apparmor.d that contain the `userns,` rule, with the path they attach to
/// (`profile NAME /usr/bin/podman flags=(unconfined) {` or `/usr/bin/bwrap flags=… {`).
fn userns_profiles(host: &dyn Host) -> Vec<UsernsProfile> {
    let dir = "/etc/apparmor.d";
    let mut profiles = Vec::new();
    for name in host.list_dir(Path::new(dir)).unwrap_or_default() {
        let file = format!("{dir}/{name}");
        let Ok(text) = host.read_string(Path::new(&file)) else {
            continue;
        };
        if !text.lines().any(|l| l.trim() == "userns,") {
            continue;
        }
        profiles.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| l.ends_with('{') && !l.starts_with('#'))
                .filter_map(|l| l.split_whitespace().find(|w| w.starts_with('/')))
                .map(|attach| UsernsProfile {
                    file: file.clone(),
                    attaches_to: attach.to_string(),
                }),
        );
    }
    profiles
}

/// AppArmor attachment globs as shipped for container tools: `{a,b}` alternatives and `*`
/// (any characters but `/`).
fn attach_matches(pattern: &str, path: &str) -> bool {
    if let (Some(open), Some(close)) = (pattern.find('{'), pattern.find('}')) {
        if open < close {
            let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
            return pattern[open + 1..close]
                .split(',')
                .any(|alt| attach_matches(&format!("{head}{alt}{tail}"), path));
        }
    }
    glob(pattern.as_bytes(), path.as_bytes())
}

fn glob(pattern: &[u8], path: &[u8]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((b'*', rest)) => (0..=path.len())
            .take_while(|&i| i == 0 || path[i - 1] != b'/')
            .any(|i| glob(rest, &path[i..])),
        Some((c, rest)) => path.first() == Some(c) && glob(rest, &path[1..]),
    }
}

pub const SAFESETID: FindingDoc = FindingDoc {
    id: "lsm.safesetid_constrains_uid",
    summary: "SafeSetID forbids this uid to use CAP_SETUID for uid mappings",
    explanation: "SafeSetID (Linux ≥ 5.1) limits which uid transitions a uid may make; a uid \
that appears on the left of any rule is constrained, and a constrained uid may not use \
CAP_SETUID for anything else, \"such as allowing a user to set up user namespace UID \
mappings\" (kernel SafeSetID.rst). The check uses the real uid, so even a setuid-root \
newuidmap run by that user fails: the kernel logs \"SafeSetID: Operation requires CAP_SETUID, \
which is not available to UID 1000 for operations besides approved set*uid transitions\" and \
newuidmap prints \"write to uid_map failed: Operation not permitted\". On ChromeOS and FydeOS \
uid 1000 (chronos) is constrained by the cros-disks rule `1000:1000` (for DriveFS). One-id \
maps (`unshare -r`) are not affected. The policy in securityfs is root-only; ChromeOS's \
world-readable sources under /usr/share/cros/startup/process_management_policies/ say the same.",
    references: &[
        "https://docs.kernel.org/admin-guide/LSM/SafeSetID.html",
        "chromiumos platform2 cros-disks/setuid_restrictions/cros_disks_uid_allowlist.txt",
    ],
};

pub const CHROMIUMOS_MOUNTS: FindingDoc = FindingDoc {
    id: "lsm.chromiumos_mount_restriction",
    summary: "the chromiumos LSM refuses unprivileged mounts without noexec,nosuid,nodev",
    explanation: "ChromeOS kernels (CONFIG_SECURITY_CHROMIUMOS_NO_UNPRIVILEGED_UNSAFE_MOUNTS) \
refuse any new mount by a task without CAP_SYS_ADMIN in the initial namespace unless it carries \
noexec, nosuid and nodev, logging \"Mounting a filesystem with 'exec' flag requires \
CAP_SYS_ADMIN in init ns\". Container runtimes and bwrap need exec mounts for the root file \
system, so even one-id sandboxes fail (\"bwrap: Failed to mount tmpfs: Operation not \
permitted\"). It is part of the kernel build; there is no switch.",
    references: &[
        "Kron4ek/Conty#10",
        "google/syzkaller dashboard/config/linux/bits/chromeos.yml",
    ],
};

pub const YAMA: FindingDoc = FindingDoc {
    id: "lsm.yama_ptrace_scope",
    summary: "Yama's ptrace scope decides whether proot can run",
    explanation: "proot works by tracing its children with ptrace. kernel.yama.ptrace_scope 0 \
and 1 allow it (PTRACE_TRACEME is unaffected by 1); 2 allows ptrace only with \
CAP_SYS_PTRACE, and 3 forbids it until reboot. proot then fails with \"ptrace(TRACEME): \
Operation not permitted\".",
    references: &[
        "https://docs.kernel.org/admin-guide/LSM/Yama.html",
        "termux/proot#59",
    ],
};

pub const DOCS: &[&FindingDoc] = &[&SAFESETID, &CHROMIUMOS_MOUNTS, &YAMA];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(finding) = judge_safesetid(facts) {
        findings.push(finding);
    }
    if facts.chromiumos_mount_rule() {
        let mut finding = Finding::new(
            &CHROMIUMOS_MOUNTS,
            Status::Warn,
            "the chromiumos LSM allows unprivileged mounts only with noexec,nosuid,nodev",
        );
        if let Ok(Some(list)) = &facts.active {
            finding = finding.evidence(LSM_LIST, list.join(","));
        }
        if facts.chromiumos_dir {
            finding = finding.evidence(CHROMIUMOS_DIR, "present");
        }
        findings.push(finding.without_root_prose("use the Linux development environment (Settings › About ChromeOS › Developers › Linux development environment)"));
    }
    match &facts.ptrace_scope {
        Ok(Some(scope)) => {
            let status = if *scope >= 2 {
                Status::Fail
            } else {
                Status::Ok
            };
            let title = match scope {
                0 | 1 => format!("ptrace is allowed (Yama scope {scope}): proot can run"),
                2 => "ptrace needs CAP_SYS_PTRACE (Yama scope 2): proot cannot run".into(),
                _ => format!("ptrace is disabled (Yama scope {scope}): proot cannot run"),
            };
            let mut finding = Finding::new(&YAMA, status, title).evidence(
                YAMA_PTRACE_SCOPE,
                format!("kernel.yama.ptrace_scope = {scope}"),
            );
            if *scope == 2 {
                finding = finding.with_root("sysctl kernel.yama.ptrace_scope=1");
            }
            findings.push(finding);
        }
        Ok(None) => {}
        Err(reason) => findings.push(Finding::new(&YAMA, Status::Unknown, reason.clone())),
    }
    findings
}

fn judge_safesetid(facts: &Facts) -> Option<Finding> {
    if !facts.is_active("safesetid") {
        return match &facts.active {
            Ok(Some(list)) => Some(
                Finding::new(&SAFESETID, Status::Ok, "SafeSetID is not active")
                    .evidence(LSM_LIST, list.join(",")),
            ),
            _ => None,
        };
    }
    let active = match &facts.active {
        Ok(Some(list)) => Evidence::new(LSM_LIST, list.join(",")),
        _ => Evidence::new(LSM_LIST, "safesetid"),
    };
    let uid = facts.uid?;
    let rules = facts.safesetid_rules_for(uid);
    if !rules.is_empty() {
        let evidence = rules.iter().map(|r| {
            Evidence::new(
                format!("{}:{}", r.source, r.line),
                format!("{}:{}", r.from, r.to),
            )
        });
        return Some(
            Finding::new(
                &SAFESETID,
                Status::Fail,
                format!("SafeSetID forbids uid {uid} to use CAP_SETUID for id maps"),
            )
            .evidence(active.source, active.excerpt)
            .with_evidence(evidence)
            .with_root_prose("no supported fix: removing the rule breaks DriveFS (cros-disks) and is undone at every boot")
            .without_root_prose("use the Linux development environment (Crostini), where rootless podman works"),
        );
    }
    let status = if facts.safesetid_rules.is_empty() && facts.safesetid_policy_error.is_some() {
        Status::Unknown
    } else {
        Status::Ok
    };
    let title = if status == Status::Unknown {
        format!("SafeSetID is active but its policy is unreadable; uid {uid} may be constrained")
    } else {
        format!("SafeSetID is active but has no rule for uid {uid}")
    };
    let mut finding =
        Finding::new(&SAFESETID, status, title).evidence(active.source, active.excerpt);
    if let Some(reason) = &facts.safesetid_policy_error {
        finding = finding.evidence(SAFESETID_POLICY, reason.clone());
    }
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_lines_skip_comments() {
        let rules = parse_rules(
            "x",
            "# Allow cros-disks to become chronos\n213:1000\n\n1000:1000\n",
        );
        assert_eq!(rules.len(), 2);
        assert_eq!((rules[1].from, rules[1].to, rules[1].line), (1000, 1000, 4));
    }

    #[test]
    fn apparmor_attachments() {
        assert!(attach_matches("/usr/bin/podman", "/usr/bin/podman"));
        assert!(attach_matches(
            "/usr/{bin,sbin}/rootlesskit",
            "/usr/sbin/rootlesskit"
        ));
        assert!(attach_matches("/opt/*/bin/bwrap", "/opt/x/bin/bwrap"));
        assert!(!attach_matches("/usr/bin/podman", "/home/a/bin/podman"));
        assert!(!attach_matches("/opt/*/bin/bwrap", "/opt/x/y/bin/bwrap"));
    }
}
