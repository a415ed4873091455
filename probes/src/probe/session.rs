//! The login session podman runs in: a private runtime directory (`XDG_RUNTIME_DIR`) for its
//! locks, sockets and pause process; a systemd user session for cgroups where systemd runs;
//! and "fake root": uid 0 inside a one-id user namespace (`unshare -r`), where podman believes
//! it is root, takes its rootful path and fails.

use std::path::{Path, PathBuf};

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{FileKind, FileMeta, Host, Identity};
use crate::probe::userns::parse_id_map;

#[derive(Debug, Clone)]
pub struct Facts {
    pub uid: Option<u32>,
    pub gids: Vec<u32>,
    pub user: Option<String>,
    /// `XDG_RUNTIME_DIR` as set in the environment.
    pub runtime_dir_var: Option<String>,
    /// The directory podman would use: the variable, else `/run/user/UID`.
    pub runtime_dir: Option<PathBuf>,
    pub runtime_dir_meta: Result<FileMeta, String>,
    /// The parent of the runtime directory: whether a missing one could be created.
    pub runtime_dir_parent_meta: Result<FileMeta, String>,
    /// `/run/systemd/system` exists: systemd is the init system.
    pub systemd: bool,
    /// `/run/user/UID/systemd` exists: the user's systemd instance runs.
    pub user_manager: bool,
    /// `/var/lib/systemd/linger/USER` exists.
    pub lingering: bool,
    pub sudo_user: Option<String>,
    /// `/proc/self/uid_map` as read.
    pub uid_map: Option<String>,
}

pub fn gather(host: &dyn Host, identity: Option<&Identity>, uid_map: Option<&str>) -> Facts {
    let uid = identity.map(|id| id.uid);
    let user = identity.and_then(|id| id.user.clone());
    let mut gids: Vec<u32> = identity
        .map(|id| id.groups.iter().map(|g| g.gid).collect())
        .unwrap_or_default();
    gids.extend(identity.map(|id| id.gid));
    let runtime_dir_var = host.env("XDG_RUNTIME_DIR").filter(|v| !v.is_empty());
    let run_user = uid.map(|uid| PathBuf::from(format!("/run/user/{uid}")));
    let runtime_dir = runtime_dir_var
        .as_ref()
        .map(PathBuf::from)
        .or(run_user.clone());
    let runtime_dir_meta = match &runtime_dir {
        Some(dir) => host.metadata(dir).map_err(|e| e.to_string()),
        None => Err("the user could not be identified".into()),
    };
    let runtime_dir_parent_meta = match runtime_dir.as_ref().and_then(|d| d.parent()) {
        Some(parent) => host.metadata(parent).map_err(|e| e.to_string()),
        None => Err("no parent".into()),
    };
    let exists = |path: &Path| host.metadata(path).is_ok();
    Facts {
        runtime_dir_parent_meta,
        uid,
        gids,
        runtime_dir_var,
        runtime_dir,
        runtime_dir_meta,
        systemd: exists(Path::new("/run/systemd/system")),
        user_manager: run_user.is_some_and(|dir| exists(&dir.join("systemd"))),
        lingering: user
            .as_ref()
            .is_some_and(|name| exists(&Path::new("/var/lib/systemd/linger").join(name))),
        user,
        sudo_user: host.env("SUDO_USER"),
        uid_map: uid_map.map(str::to_string),
    }
}

impl Facts {
    /// uid 0 whose namespace maps too few ids to hold a container: `unshare -r`, `podman
    /// unshare` without ranges. A container's root with a full range (LXD, rootless podman
    /// nesting) is not fake in this sense.
    pub fn fake_root(&self) -> bool {
        let Some(map) = &self.uid_map else {
            return false;
        };
        let ranges = parse_id_map(map);
        let total: u64 = ranges.iter().map(|r| r.2).sum();
        self.uid == Some(0) && ranges != vec![(0, 0, 4_294_967_295)] && total < 65536
    }
}

pub const FAKE_ROOT: FindingDoc = FindingDoc {
    id: "session.fake_root",
    summary: "uid 0 here is a one-id user namespace, not root",
    explanation: "Inside `unshare -r` (or `podman unshare` without subordinate ids) the process \
has uid 0 but /proc/self/uid_map maps it to one ordinary user outside. podman sees uid 0, takes \
its rootful path (storage in /var/lib/containers, cgroups, real device nodes) and fails, while \
rootless podman would not even start from there. Run podman from the user's normal shell.",
    references: &["user_namespaces(7)", "unshare(1): --map-root-user"],
};

pub const RUNTIME_DIR_UNSET: FindingDoc = FindingDoc {
    id: "session.runtime_dir_unset",
    summary: "XDG_RUNTIME_DIR is not set",
    explanation: "Rootless podman keeps its locks, sockets and pause process in \
$XDG_RUNTIME_DIR, which a login session (pam_systemd, elogind) creates as /run/user/UID. \
Shells from su or sudo, cron jobs and some containers have none. podman then tries \
/run/user/UID and, failing that, a podman-run-UID directory under $TMPDIR, which works but is \
not cleaned at logout and not shared with the user's other sessions. \
Rootless Docker has no fallback: dockerd-rootless.sh stops at once with \"XDG_RUNTIME_DIR needs \
to be set and writable\".",
    references: &["https://specifications.freedesktop.org/basedir-spec/latest/"],
};

pub const RUNTIME_DIR_MISSING: FindingDoc = FindingDoc {
    id: "session.runtime_dir_missing",
    summary: "XDG_RUNTIME_DIR names a directory that does not exist",
    explanation: "A value left over from another session (`su` keeps it, logout removes the \
directory) names a directory that is gone. podman 4 itself quietly falls back as if it were \
unset, but hands the variable on to the OCI runtime, which keeps its state there: when the \
user cannot create the directory (its parent, /run/user, belongs to root), every container \
fails to start (\"crun: create directory `/run/user/UID`: No such file or directory\", \
\"runc: mkdir /run/user/UID: permission denied\"). dockerd-rootless.sh refuses it \
outright (\"XDG_RUNTIME_DIR needs to be set and writable\").",
    references: &["https://specifications.freedesktop.org/basedir-spec/latest/"],
};

pub const RUNTIME_DIR_WRONG_OWNER: FindingDoc = FindingDoc {
    id: "session.runtime_dir_wrong_owner",
    summary: "XDG_RUNTIME_DIR belongs to another user",
    explanation: "The runtime directory must be the user's own (the basedir specification \
requires owner and mode 0700). A value inherited through su or sudo points at another user's \
directory; podman refuses it before doing anything: \"XDG_RUNTIME_DIR directory … is not \
owned by the current user\". A directory owned by root or another user is also not writable.",
    references: &["https://specifications.freedesktop.org/basedir-spec/latest/"],
};

pub const RUNTIME_DIR_NOT_WRITABLE: FindingDoc = FindingDoc {
    id: "session.runtime_dir_not_writable",
    summary: "XDG_RUNTIME_DIR is not writable by the user",
    explanation: "podman creates libpod/, containers/ and its pause.pid under the runtime \
directory; when the user cannot write there, every podman command fails (\"mkdir …/libpod: \
permission denied\").",
    references: &["https://specifications.freedesktop.org/basedir-spec/latest/"],
};

pub const RUNTIME_DIR_NOT_PRIVATE: FindingDoc = FindingDoc {
    id: "session.runtime_dir_not_private",
    summary: "XDG_RUNTIME_DIR is readable or writable by others",
    explanation: "The basedir specification requires mode 0700. podman still works, but its \
sockets and locks are exposed to other users.",
    references: &["https://specifications.freedesktop.org/basedir-spec/latest/"],
};

pub const NO_LOGIN_SESSION: FindingDoc = FindingDoc {
    id: "session.no_login_session",
    summary: "systemd runs, but this user has no systemd user session",
    explanation: "With systemd as init, podman's default cgroup manager is systemd, which needs \
the user's own systemd instance (started by a real login: console, ssh, a desktop). Shells \
from su or sudo have none, so podman warns and falls back to cgroupfs, and containers and \
their pause process die or linger unmanaged at logout. `loginctl enable-linger` starts the \
user's instance at boot.",
    references: &[
        "loginctl(1): enable-linger",
        "podman-run(1): --cgroup-manager",
    ],
};

pub const DOCS: &[&FindingDoc] = &[
    &FAKE_ROOT,
    &RUNTIME_DIR_UNSET,
    &RUNTIME_DIR_MISSING,
    &RUNTIME_DIR_WRONG_OWNER,
    &RUNTIME_DIR_NOT_WRITABLE,
    &RUNTIME_DIR_NOT_PRIVATE,
    &NO_LOGIN_SESSION,
];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let mut findings = vec![judge_fake_root(facts)];
    if facts.uid != Some(0) {
        findings.extend(judge_runtime_dir(facts));
        findings.push(judge_login(facts));
    }
    findings
}

fn judge_fake_root(facts: &Facts) -> Finding {
    let map = facts
        .uid_map
        .as_deref()
        .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    if facts.fake_root() {
        Finding::new(
            &FAKE_ROOT,
            Status::Fail,
            "uid 0 inside a one-id user namespace: container engines take their rootful path and fail",
        )
        .evidence("/proc/self/uid_map", map)
        .without_root_prose("leave the namespace (exit the `unshare -r` or `podman unshare` shell) and run podman as yourself")
    } else {
        Finding::new(&FAKE_ROOT, Status::Ok, "not inside a one-id user namespace")
            .evidence("/proc/self/uid_map", map)
    }
}

fn judge_runtime_dir(facts: &Facts) -> Vec<Finding> {
    let Some(dir) = &facts.runtime_dir else {
        return vec![Finding::new(
            &RUNTIME_DIR_UNSET,
            Status::Unknown,
            "the user could not be identified",
        )];
    };
    let shown = dir.display().to_string();
    let uid = facts.uid.unwrap_or(u32::MAX);
    let describe = |meta: &FileMeta| {
        format!(
            "mode {:04o}, owner uid {}, group gid {}",
            meta.mode & 0o7777,
            meta.uid,
            meta.gid
        )
    };
    let login_fix = |finding: Finding| with_login_advice(finding, facts);
    let mut findings = Vec::new();
    let Some(var) = &facts.runtime_dir_var else {
        let fallback = match &facts.runtime_dir_meta {
            Ok(meta) if meta.kind == FileKind::Dir && meta.uid == uid => {
                format!("podman uses {shown}, which exists and is the user's")
            }
            _ => "podman falls back to $TMPDIR/podman-run-UID, which is not cleaned at logout; \
                  dockerd-rootless.sh refuses to start"
                .to_string(),
        };
        findings.push(
            Finding::new(
                &RUNTIME_DIR_UNSET,
                Status::Warn,
                format!("XDG_RUNTIME_DIR is not set: {fallback}"),
            )
            .evidence("environment", "XDG_RUNTIME_DIR unset")
            .evidence(
                shown.clone(),
                facts
                    .runtime_dir_meta
                    .as_ref()
                    .map_or_else(Clone::clone, describe),
            )
            .with_steps(login_fix),
        );
        return findings;
    };
    findings.push(
        Finding::new(
            &RUNTIME_DIR_UNSET,
            Status::Ok,
            format!("XDG_RUNTIME_DIR is {var}"),
        )
        .evidence("environment", format!("XDG_RUNTIME_DIR={var}")),
    );
    let evidence_var = format!("XDG_RUNTIME_DIR={var}");
    let meta = match &facts.runtime_dir_meta {
        Ok(meta) if meta.kind == FileKind::Dir => meta,
        Ok(_) => {
            findings.push(
                Finding::new(
                    &RUNTIME_DIR_MISSING,
                    Status::Fail,
                    format!("XDG_RUNTIME_DIR {var} is not a directory"),
                )
                .evidence("environment", evidence_var)
                .with_steps(login_fix),
            );
            return findings;
        }
        Err(reason) => {
            let creatable = facts
                .runtime_dir_parent_meta
                .as_ref()
                .is_ok_and(|parent| grants_write(parent, uid, &facts.gids));
            let (status, title) = if creatable {
                (
                    Status::Warn,
                    format!("XDG_RUNTIME_DIR {var} does not exist; the OCI runtime can create it"),
                )
            } else {
                (
                    Status::Fail,
                    format!(
                        "XDG_RUNTIME_DIR {var} does not exist and this user cannot create it: the OCI runtime fails there"
                    ),
                )
            };
            let parent = dir
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            findings.push(
                Finding::new(&RUNTIME_DIR_MISSING, status, title)
                    .evidence(
                        parent,
                        facts
                            .runtime_dir_parent_meta
                            .as_ref()
                            .map_or_else(Clone::clone, describe),
                    )
                    .evidence("environment", evidence_var)
                    .evidence(shown.clone(), reason.clone())
                    .without_root("unset XDG_RUNTIME_DIR")
                    .with_steps(login_fix),
            );
            return findings;
        }
    };
    findings.push(Finding::new(
        &RUNTIME_DIR_MISSING,
        Status::Ok,
        format!("{var} exists"),
    ));
    let owner_ok = meta.uid == uid;
    findings.push(if owner_ok {
        Finding::new(
            &RUNTIME_DIR_WRONG_OWNER,
            Status::Ok,
            format!("{var} is the user's"),
        )
    } else {
        Finding::new(
            &RUNTIME_DIR_WRONG_OWNER,
            Status::Fail,
            format!("{var} belongs to uid {}, not to uid {uid}", meta.uid),
        )
        .evidence(shown.clone(), describe(meta))
        .without_root("unset XDG_RUNTIME_DIR    # podman then uses a directory of its own")
        .with_steps(login_fix)
    });
    let writable = grants_write(meta, uid, &facts.gids);
    findings.push(if writable {
        Finding::new(
            &RUNTIME_DIR_NOT_WRITABLE,
            Status::Ok,
            format!("{var} is writable"),
        )
    } else {
        Finding::new(
            &RUNTIME_DIR_NOT_WRITABLE,
            Status::Fail,
            format!("{var} is not writable by uid {uid}: every podman command fails"),
        )
        .evidence(shown.clone(), describe(meta))
        .without_root("unset XDG_RUNTIME_DIR    # podman then uses a directory of its own")
        .with_steps(login_fix)
    });
    if owner_ok && meta.mode & 0o077 != 0 {
        findings.push(
            Finding::new(
                &RUNTIME_DIR_NOT_PRIVATE,
                Status::Warn,
                format!("{var} has mode {:04o}, not 0700", meta.mode & 0o7777),
            )
            .evidence(shown, describe(meta))
            .without_root(format!("chmod 0700 {var}")),
        );
    }
    findings
}

/// Write and search permission on a directory from its mode bits, as access(2) judges them.
fn grants_write(meta: &FileMeta, uid: u32, gids: &[u32]) -> bool {
    meta.grants_write_in(uid, gids)
}

fn judge_login(facts: &Facts) -> Finding {
    if !facts.systemd {
        return Finding::new(
            &NO_LOGIN_SESSION,
            Status::Info,
            "systemd is not the init system: podman manages cgroups itself (cgroupfs)",
        )
        .evidence("/run/systemd/system", "absent");
    }
    if facts.user_manager {
        return Finding::new(
            &NO_LOGIN_SESSION,
            Status::Ok,
            "the user's systemd instance runs",
        );
    }
    let uid = facts.uid.unwrap_or(0);
    let mut finding = Finding::new(
        &NO_LOGIN_SESSION,
        Status::Warn,
        "no systemd user session: podman falls back to cgroupfs; containers do not outlive the shell",
    )
    .evidence(format!("/run/user/{uid}/systemd"), "absent");
    if let Some(sudo) = &facts.sudo_user {
        finding = finding.evidence("environment", format!("SUDO_USER={sudo}"));
    }
    match &facts.user {
        Some(name) => {
            if !facts.lingering {
                finding = finding.with_root(format!("loginctl enable-linger {name}"));
            }
            finding.without_root_prose(format!(
                "log in as {name} (console, ssh, desktop), or: machinectl shell {name}@ instead of su/sudo"
            ))
        }
        None => finding.with_root_prose(no_account(uid)),
    }
}

/// How the user gets a login session with its own runtime directory: a login where
/// systemd-logind makes /run/user/UID (and lingering keeps it), by name; first an account when
/// the uid has none (logind, lingering and machinectl all look the user up by name).
fn with_login_advice(finding: Finding, facts: &Facts) -> Finding {
    match (&facts.user, facts.uid) {
        (Some(name), _) if facts.systemd => {
            let finding = finding.without_root_prose(format!(
                "log in as {name} (console, ssh, desktop) instead of su/sudo"
            ));
            if facts.lingering {
                finding
            } else {
                finding.with_root(format!(
                    "loginctl enable-linger {name}    # /run/user/UID exists from boot on"
                ))
            }
        }
        (Some(_), uid) => finding.without_root_prose(format!(
            "no systemd-logind runs here, so no login makes /run/user/{}: without \
             XDG_RUNTIME_DIR podman uses a directory of its own under $TMPDIR; a tool that \
             needs the variable wants a directory of this user's, mode 0700",
            uid.map_or_else(|| "UID".to_string(), |u| u.to_string())
        )),
        (None, Some(uid)) => finding.with_root_prose(no_account(uid)),
        (None, None) => finding
            .without_root_prose("log in as the user (console, ssh, desktop) instead of su/sudo"),
    }
}

fn no_account(uid: u32) -> String {
    format!(
        "uid {uid} has no account in the user database, so it gets no login session or lingering: create an account for uid {uid} first"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(uid: u32, map: &str) -> Facts {
        Facts {
            uid: Some(uid),
            gids: vec![],
            user: None,
            runtime_dir_var: None,
            runtime_dir: None,
            runtime_dir_meta: Err("absent".into()),
            runtime_dir_parent_meta: Err("absent".into()),
            systemd: false,
            user_manager: false,
            lingering: false,
            sudo_user: None,
            uid_map: Some(map.into()),
        }
    }

    #[test]
    fn fake_root_is_uid_0_in_a_namespace_too_small_for_a_container() {
        assert!(facts(0, "         0       1000          1\n").fake_root());
        assert!(!facts(0, "         0          0 4294967295\n").fake_root());
        assert!(!facts(0, "         0    1000000 1000000000\n").fake_root());
        assert!(!facts(1000, "         0       1000          1\n").fake_root());
    }

    #[test]
    fn write_permission_needs_write_and_search_bits() {
        let meta = |mode, uid, gid| FileMeta {
            kind: FileKind::Dir,
            mode,
            uid,
            gid,
        };
        assert!(grants_write(&meta(0o700, 1000, 1000), 1000, &[]));
        assert!(!grants_write(&meta(0o755, 0, 0), 1000, &[]));
        assert!(grants_write(&meta(0o770, 0, 50), 1000, &[50]));
        assert!(!grants_write(&meta(0o500, 1000, 1000), 1000, &[]));
    }
}

#[cfg(test)]
mod runtime_dir_tests {
    use super::*;

    fn with_dir(var: Option<&str>, meta: Result<FileMeta, String>) -> Facts {
        Facts {
            uid: Some(1001),
            gids: vec![1001],
            user: Some("bob".into()),
            runtime_dir_var: var.map(str::to_string),
            runtime_dir: Some(PathBuf::from(var.unwrap_or("/run/user/1001"))),
            runtime_dir_meta: meta,
            runtime_dir_parent_meta: dir(0o755, 0),
            systemd: true,
            user_manager: false,
            lingering: false,
            sudo_user: None,
            uid_map: Some("         0          0 4294967295\n".into()),
        }
    }

    fn dir(mode: u32, uid: u32) -> Result<FileMeta, String> {
        Ok(FileMeta {
            kind: FileKind::Dir,
            mode,
            uid,
            gid: uid,
        })
    }

    fn status(facts: &Facts, id: &str) -> Option<Status> {
        judge(facts)
            .into_iter()
            .find(|f| f.id == id)
            .map(|f| f.status)
    }

    #[test]
    fn another_users_runtime_dir_is_refused() {
        let facts = with_dir(Some("/run/user/1000"), dir(0o700, 1000));
        assert_eq!(
            status(&facts, RUNTIME_DIR_WRONG_OWNER.id),
            Some(Status::Fail)
        );
        assert_eq!(
            status(&facts, RUNTIME_DIR_NOT_WRITABLE.id),
            Some(Status::Fail)
        );
        assert_eq!(status(&facts, NO_LOGIN_SESSION.id), Some(Status::Warn));
    }

    #[test]
    fn a_missing_runtime_dir_the_user_cannot_create_fails_the_runtime() {
        let facts = with_dir(Some("/run/user/1001"), Err("no such file".into()));
        assert_eq!(status(&facts, RUNTIME_DIR_MISSING.id), Some(Status::Fail));
        assert_eq!(status(&facts, RUNTIME_DIR_WRONG_OWNER.id), None);
    }

    #[test]
    fn a_missing_runtime_dir_in_a_writable_parent_only_warns() {
        let mut facts = with_dir(Some("/tmp/run-1001"), Err("no such file".into()));
        facts.runtime_dir_parent_meta = dir(0o1777, 0);
        assert_eq!(status(&facts, RUNTIME_DIR_MISSING.id), Some(Status::Warn));
    }

    #[test]
    fn an_own_runtime_dir_open_to_others_is_only_a_warning() {
        let facts = with_dir(Some("/run/user/1001"), dir(0o755, 1001));
        assert_eq!(
            status(&facts, RUNTIME_DIR_NOT_WRITABLE.id),
            Some(Status::Ok)
        );
        assert_eq!(
            status(&facts, RUNTIME_DIR_NOT_PRIVATE.id),
            Some(Status::Warn)
        );
    }

    #[test]
    fn an_unset_variable_warns_and_names_the_fallback() {
        let facts = with_dir(None, dir(0o700, 1001));
        let finding = judge(&facts)
            .into_iter()
            .find(|f| f.id == RUNTIME_DIR_UNSET.id)
            .unwrap();
        assert_eq!(finding.status, Status::Warn);
        assert!(
            finding.title.contains("/run/user/1001"),
            "{}",
            finding.title
        );
    }
}

#[cfg(test)]
mod fix_tests {
    use super::*;
    use crate::finding::Step;

    fn session(user: Option<&str>) -> Facts {
        Facts {
            uid: Some(1001),
            gids: vec![1001],
            user: user.map(str::to_string),
            runtime_dir_var: None,
            runtime_dir: Some(PathBuf::from("/run/user/1001")),
            runtime_dir_meta: Err("no such file".into()),
            runtime_dir_parent_meta: Err("no such file".into()),
            systemd: true,
            user_manager: false,
            lingering: false,
            sudo_user: None,
            uid_map: None,
        }
    }

    fn steps(facts: &Facts) -> Vec<Step> {
        judge(facts)
            .into_iter()
            .flat_map(|f| f.fix.with_root.into_iter().chain(f.fix.without_root))
            .collect()
    }

    #[test]
    fn without_systemd_no_fix_names_loginctl() {
        let mut facts = session(Some("bob"));
        facts.systemd = false;
        let steps = steps(&facts);
        assert!(!steps.is_empty());
        assert!(
            steps.iter().all(|s| !s.text().contains("loginctl")),
            "{steps:?}"
        );
    }

    #[test]
    fn fixes_name_the_user() {
        let steps = steps(&session(Some("bob")));
        assert!(steps.contains(&Step::command("loginctl enable-linger bob")));
        assert!(
            steps
                .iter()
                .any(|s| s.text().contains("machinectl shell bob@"))
        );
        assert!(steps.contains(&Step::command(
            "loginctl enable-linger bob    # /run/user/UID exists from boot on"
        )));
        assert!(steps.contains(&Step::prose(
            "log in as bob (console, ssh, desktop) instead of su/sudo"
        )));
        assert!(steps.iter().all(|s| !s.text().contains("sudo loginctl")));
        assert!(
            steps.iter().all(|s| !s.text().contains("USER")),
            "{steps:?}"
        );
    }

    #[test]
    fn a_uid_without_an_account_is_told_to_create_one_not_given_a_command() {
        let steps = steps(&session(None));
        assert!(
            steps.iter().all(|s| matches!(s, Step::Prose(_))),
            "{steps:?}"
        );
        assert!(
            steps
                .iter()
                .any(|s| s.text().contains("create an account for uid 1001"))
        );
        assert!(
            steps.iter().all(|s| !s.text().contains("USER")),
            "{steps:?}"
        );
    }
}
