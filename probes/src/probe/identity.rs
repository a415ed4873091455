//! Who runs the check: ids, the user database entry, and the process flags that silently
//! disarm setuid helpers (`NoNewPrivs`) or the capabilities they would gain (`CapBnd`).

use std::path::Path;

use procfs_core::FromRead;

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{Host, Identity};
use crate::probe::line_starting;

pub const CAP_SETGID: u32 = 6;
pub const CAP_SETUID: u32 = 7;
pub const CAP_SYS_CHROOT: u32 = 18;

#[derive(Debug, Clone)]
pub struct Facts {
    pub identity: Result<Identity, String>,
    pub status: Result<ProcStatus, String>,
}

/// What `/proc/self/status` says about the process's privileges.
#[derive(Debug, Clone)]
pub struct ProcStatus {
    pub no_new_privs: Option<bool>,
    /// 0 disabled, 1 strict, 2 filter.
    pub seccomp: Option<u32>,
    pub cap_eff: u64,
    pub cap_bnd: Option<u64>,
    pub tracer_pid: i32,
    /// The file as read, for evidence lines.
    pub raw: String,
}

impl ProcStatus {
    pub fn line(&self, key: &str) -> String {
        line_starting(&self.raw, key)
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| format!("{key} (absent)"))
    }

    pub fn has_effective(&self, cap: u32) -> bool {
        self.cap_eff & (1 << cap) != 0
    }
}

impl Facts {
    pub fn uid(&self) -> Option<u32> {
        self.identity.as_ref().ok().map(|id| id.uid)
    }

    pub fn is_root(&self) -> bool {
        self.uid() == Some(0)
    }

    pub fn no_new_privs(&self) -> bool {
        self.status
            .as_ref()
            .is_ok_and(|s| s.no_new_privs == Some(true))
    }

    /// Whether the bounding set still allows `cap`; setuid and file caps cannot exceed it.
    pub fn bounding_allows(&self, cap: u32) -> bool {
        self.status
            .as_ref()
            .ok()
            .and_then(|s| s.cap_bnd)
            .is_none_or(|bnd| bnd & (1 << cap) != 0)
    }

    /// "chronos (uid 1000)" or "uid 1000".
    pub fn who(&self) -> String {
        match &self.identity {
            Ok(Identity {
                uid,
                user: Some(name),
                ..
            }) => format!("{name} (uid {uid})"),
            Ok(id) => format!("uid {}", id.uid),
            Err(_) => "an unknown user".into(),
        }
    }
}

pub fn gather(host: &dyn Host) -> Facts {
    Facts {
        identity: host.identity().map_err(|e| e.to_string()),
        status: read_status(host),
    }
}

fn read_status(host: &dyn Host) -> Result<ProcStatus, String> {
    let path = Path::new("/proc/self/status");
    let bytes = host.read(path).map_err(|e| e.to_string())?;
    let status = procfs_core::process::Status::from_read(bytes.as_slice())
        // The parser's own words would name its source files: say what is wrong instead.
        .map_err(|_| {
            "/proc/self/status: not in the kernel's format (a field is missing or malformed)"
                .to_string()
        })?;
    Ok(ProcStatus {
        no_new_privs: status.nonewprivs.map(|v| v != 0),
        seccomp: status.seccomp,
        cap_eff: status.capeff,
        cap_bnd: status.capbnd,
        tracer_pid: status.tracerpid,
        raw: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

pub const USER: FindingDoc = FindingDoc {
    id: "identity.user",
    summary: "who runs the check, and whether that is root",
    explanation: "Rootless containers are about a normal user. Root can run rootful podman, \
chroot and guix-daemon with build users, none of which need subordinate ids or user \
namespaces. The subordinate id ranges, SafeSetID rules and uid_map permissions are all judged \
for the real uid of this process.",
    references: &["user_namespaces(7)"],
};

pub const NO_NEW_PRIVS: FindingDoc = FindingDoc {
    id: "identity.no_new_privs",
    summary: "no_new_privs is set: setuid helpers and file capabilities gain nothing",
    explanation: "With no_new_privs set, execve() ignores the setuid bit and file capabilities \
(kernel Documentation/userspace-api/no_new_privs.rst). newuidmap and newgidmap then start \
without CAP_SETUID/CAP_SETGID and fail. Debian 12's uidmap 4.13 says \"newuidmap: write to \
uid_map failed: Operation not permitted\", as it does on a nosuid mount (observed with uidmap \
1:4.13+dfsg1-1+deb12u2 under setpriv --no-new-privs); a shadow build with libcap's \
<sys/capability.h> stops earlier with \"newuidmap: Could not set caps\" (shadow \
libmisc/idmapping.c write_mapping, 4.13 to 4.17). The flag is \
inherited by every child and cannot be cleared. It is set by the ChromeOS crosh shell since \
M117, by systemd units with NoNewPrivileges=yes, by Docker's --security-opt no-new-privileges \
and by bwrap/flatpak sandboxes.",
    references: &[
        "https://docs.kernel.org/userspace-api/no_new_privs.html",
        "shadow 4.13 libmisc/idmapping.c write_mapping",
        "chromebrew/chromebrew#8779",
        "rootless-containers/rootlesskit#551",
    ],
};

pub const BOUNDING_SET: FindingDoc = FindingDoc {
    id: "identity.bounding_set_lacks_setid",
    summary: "the capability bounding set lacks CAP_SETUID or CAP_SETGID",
    explanation: "A setuid-root program or one with file capabilities can never hold a \
capability outside the bounding set of the process that runs it (capabilities(7)). Without \
CAP_SETUID in CapBnd, newuidmap cannot write a uid_map with more than the caller's own id: \
a setuid-root one fails the write (Debian 12's uidmap 4.13: \"newuidmap: write to uid_map \
failed: Operation not permitted\"), and one with cap_setuid=ep file capabilities is not run at \
all: execve() fails with EPERM, because the kernel refuses a program whose effective file \
capabilities it cannot grant in full (security/commoncap.c). Both observed on Debian 12 with \
the bounding set lowered by setpriv. Without CAP_SETGID, newgidmap fails the same way. \
Container engines and systemd units can drop these from the bounding set.",
    references: &[
        "capabilities(7)",
        "security/commoncap.c bprm_caps_from_vfs_caps",
    ],
};

pub const SECCOMP: FindingDoc = FindingDoc {
    id: "identity.seccomp_filter",
    summary: "a seccomp filter is active on this process",
    explanation: "A seccomp filter (Seccomp: 2 in /proc/self/status) may refuse unshare(), \
clone() with CLONE_NEWUSER, mount() or keyctl() with EPERM, as Docker's default profile does. \
Which calls it refuses cannot be read back; the user-namespace experiment shows whether it \
matters here.",
    references: &["https://docs.docker.com/engine/security/seccomp/"],
};

pub const DOCS: &[&FindingDoc] = &[&USER, &NO_NEW_PRIVS, &BOUNDING_SET, &SECCOMP];

/// Who starts this session with its process flags: they are inherited, so the fix is theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starter {
    /// A Kubernetes pod: its securityContext, set by whoever writes the pod spec.
    Pod,
    /// A Docker or Podman container: the options it was started with.
    ContainerEngine,
    /// ChromeOS's crosh, which runs with no_new_privs; the VT-2 console does not.
    Crosh,
    /// A service manager, a login program or another container engine.
    Other,
}

/// `fake_root`: uid 0 only inside a one-id user namespace (see `session.fake_root`).
pub fn judge(facts: &Facts, fake_root: bool, starter: Starter) -> Vec<Finding> {
    let mut findings = vec![judge_user(facts, fake_root)];
    let status = match &facts.status {
        Ok(status) => status,
        Err(reason) => {
            findings.push(Finding::new(
                &NO_NEW_PRIVS,
                Status::Unknown,
                format!("process flags could not be read: {reason}"),
            ));
            return findings;
        }
    };
    findings.push(judge_no_new_privs(status, starter));
    findings.push(judge_bounding_set(facts, status, starter));
    if status.seccomp == Some(2) {
        findings.push(
            Finding::new(&SECCOMP, Status::Info, "a seccomp filter is active")
                .evidence("/proc/self/status", status.line("Seccomp:")),
        );
    }
    findings
}

fn judge_user(facts: &Facts, fake_root: bool) -> Finding {
    match &facts.identity {
        Ok(id) if id.uid == 0 && fake_root => Finding::new(
            &USER,
            Status::Info,
            "uid 0 inside a user namespace: root only for what that namespace maps",
        ),
        Ok(id) if id.uid == 0 => Finding::new(
            &USER,
            Status::Info,
            "running as root: rootful podman and chroot work; the rootless verdicts are for uid 0",
        ),
        Ok(_) => Finding::new(&USER, Status::Info, format!("running as {}", facts.who())),
        Err(reason) => Finding::new(
            &USER,
            Status::Unknown,
            format!("the user could not be identified: {reason}"),
        ),
    }
}

fn judge_no_new_privs(status: &ProcStatus, starter: Starter) -> Finding {
    let evidence = status.line("NoNewPrivs:");
    match status.no_new_privs {
        Some(true) => Finding::new(
            &NO_NEW_PRIVS,
            Status::Fail,
            "this process runs with no_new_privs: setuid newuidmap/newgidmap gain no privilege",
        )
        .evidence("/proc/self/status", evidence)
        .with_steps(|finding| match starter {
            Starter::Pod => finding
                .with_root_prose("in the pod spec, by whoever writes it: securityContext: { allowPrivilegeEscalation: true } (Kubernetes sets no_new_privs when it is false, as the restricted Pod Security Standard requires)")
                .without_root_prose("run the work outside this pod"),
            Starter::ContainerEngine => finding
                .with_root_prose("start the container without --security-opt no-new-privileges")
                .without_root_prose("run the work outside this container"),
            Starter::Crosh => finding.without_root_prose(
                "start the work from the VT-2 console (Ctrl+Alt+F2) instead of crosh: crosh runs with no_new_privs",
            ),
            Starter::Other => finding
                .with_root_prose("remove NoNewPrivileges=yes from the service that starts this session")
                .without_root_prose("start the work from a session without no_new_privs (a login on the console or over ssh)"),
        }),
        Some(false) => Finding::new(&NO_NEW_PRIVS, Status::Ok, "no_new_privs is not set")
            .evidence("/proc/self/status", evidence),
        None => Finding::new(
            &NO_NEW_PRIVS,
            Status::Unknown,
            "the kernel does not report NoNewPrivs (older than 4.10)",
        ),
    }
}

fn judge_bounding_set(facts: &Facts, status: &ProcStatus, starter: Starter) -> Finding {
    let missing: Vec<&str> = [(CAP_SETUID, "CAP_SETUID"), (CAP_SETGID, "CAP_SETGID")]
        .into_iter()
        .filter(|(cap, _)| !facts.bounding_allows(*cap))
        .map(|(_, name)| name)
        .collect();
    if missing.is_empty() {
        Finding::new(
            &BOUNDING_SET,
            Status::Ok,
            "the bounding set keeps CAP_SETUID and CAP_SETGID",
        )
        .evidence("/proc/self/status", status.line("CapBnd:"))
    } else {
        Finding::new(
            &BOUNDING_SET,
            Status::Fail,
            format!(
                "the bounding set lacks {}: newuidmap/newgidmap cannot gain it",
                missing.join(" and ")
            ),
        )
        .evidence("/proc/self/status", status.line("CapBnd:"))
        .with_root_prose(match starter {
            Starter::Pod => "in the pod spec, by whoever writes it: securityContext: { capabilities: { add: [SETUID, SETGID] } } (the restricted Pod Security Standard drops them all)",
            Starter::ContainerEngine => "start the container with --cap-add SETUID --cap-add SETGID",
            Starter::Crosh | Starter::Other => "start the session from a process that keeps CAP_SETUID and CAP_SETGID in its bounding set (e.g. drop CapabilityBoundingSet= restrictions in the unit)",
        })
    }
}
