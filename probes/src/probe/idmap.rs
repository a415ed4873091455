//! newuidmap and newgidmap: found where podman looks for them (the user's PATH), and able to
//! gain CAP_SETUID/CAP_SETGID when run: setuid root or file capabilities, not on a nosuid
//! mount. Whether that privilege survives `no_new_privs`, the bounding set and SafeSetID is
//! judged with the identity and LSM facts; the experiment runs them for real.

use std::path::{Path, PathBuf};

use procfs_core::FromRead;

use crate::experiment::{IdmapOutcome, IdmapPlan, Outcome};
use crate::finding::{Finding, FindingDoc, Status, Step};
use crate::host::{FileMeta, Host, Identity, SearchPath};
use crate::probe::file_caps::FileCaps;
use crate::probe::identity::{CAP_SETGID, CAP_SETUID};
use crate::probe::package::PackageManager;
use crate::probe::subid;

/// Used when the process has no PATH at all; what a login shell on Debian would set.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug, Clone)]
pub struct Facts {
    /// The PATH searched, and whether it came from the environment.
    pub path_list: String,
    pub path_from_env: bool,
    pub newuidmap: Helper,
    pub newgidmap: Helper,
    pub experiment: Outcome<IdmapOutcome>,
    /// What the experiment runs, when it can run at all.
    pub plan: Option<IdmapPlan>,
    /// Names the install and reinstall fixes; `None` where no known one exists (ChromeOS).
    pub package_manager: Option<PackageManager>,
}

#[derive(Debug, Clone)]
pub struct Helper {
    pub name: &'static str,
    /// The capability the helper needs: CAP_SETUID for newuidmap, CAP_SETGID for newgidmap.
    pub cap: u32,
    pub cap_name: &'static str,
    pub found: Option<Found>,
}

#[derive(Debug, Clone)]
pub struct Found {
    /// As found in PATH.
    pub path: PathBuf,
    /// With symlinks resolved: the file exec really runs and the mount it lives on.
    pub canonical: PathBuf,
    pub meta: Result<FileMeta, String>,
    pub file_caps: Result<Option<FileCaps>, String>,
    pub mount: Result<Mount, String>,
}

#[derive(Debug, Clone)]
pub struct Mount {
    pub mount_point: String,
    pub nosuid: bool,
    pub noexec: bool,
    /// The file system type, e.g. `ext4`, `nfs4`, `overlay`.
    pub fs_type: String,
    /// The mountinfo line, verbatim.
    pub line: String,
}

impl Found {
    pub fn is_setuid_root(&self) -> bool {
        self.meta
            .as_ref()
            .is_ok_and(|m| m.is_setuid() && m.uid == 0)
    }

    /// Whether exec gives this file `cap`, before no_new_privs and the bounding set are applied.
    pub fn grants(&self, cap: u32) -> bool {
        self.is_setuid_root() || matches!(&self.file_caps, Ok(Some(caps)) if caps.grants(cap))
    }

    pub fn on_nosuid_mount(&self) -> bool {
        self.mount.as_ref().is_ok_and(|m| m.nosuid)
    }

    fn describe_privilege(&self) -> String {
        let mode = match &self.meta {
            Ok(meta) => format!("mode {:04o}, owner uid {}", meta.mode & 0o7777, meta.uid),
            Err(reason) => reason.clone(),
        };
        let caps = match &self.file_caps {
            Ok(Some(caps)) => format!("file capabilities {}", caps.describe()),
            Ok(None) => "no file capabilities".into(),
            Err(reason) => format!("file capabilities unreadable: {reason}"),
        };
        format!("{mode}; {caps}")
    }
}

impl Facts {
    pub fn helpers(&self) -> [&Helper; 2] {
        [&self.newuidmap, &self.newgidmap]
    }

    pub fn both_found(&self) -> bool {
        self.helpers().iter().all(|h| h.found.is_some())
    }
}

pub fn gather(
    host: &dyn Host,
    identity: Option<&Identity>,
    subid: &subid::Facts,
    mountinfo: &Result<String, String>,
    package_manager: Option<PackageManager>,
    search: &SearchPath,
) -> Facts {
    let env_path = host.env("PATH");
    let default_search;
    let search = if env_path.is_some() {
        search
    } else {
        default_search = SearchPath::new(host, DEFAULT_PATH);
        &default_search
    };
    let path_list = search.as_str().to_string();
    let helper = |name, cap, cap_name| Helper {
        name,
        cap,
        cap_name,
        found: search
            .find(host, name)
            .map(|path| inspect(host, path, mountinfo)),
    };
    let newuidmap = helper("newuidmap", CAP_SETUID, "CAP_SETUID");
    let newgidmap = helper("newgidmap", CAP_SETGID, "CAP_SETGID");
    let plan = match (&newuidmap.found, &newgidmap.found, identity) {
        (Some(uidmap), Some(gidmap), Some(id)) if subid.has_ranges() => Ok(IdmapPlan {
            newuidmap: uidmap.path.clone(),
            newgidmap: gidmap.path.clone(),
            uid: id.uid,
            gid: id.gid,
            uid_ranges: subid.ranges(&subid.subuid),
            gid_ranges: subid.ranges(&subid.subgid),
        }),
        (None, _, _) | (_, None, _) => Err("newuidmap or newgidmap is not in PATH"),
        (_, _, None) => Err("the user could not be identified"),
        _ => Err("no subordinate id ranges: podman maps only the user's own id and runs no helper"),
    };
    Facts {
        path_list,
        path_from_env: env_path.is_some(),
        newuidmap,
        newgidmap,
        experiment: match &plan {
            Ok(_) => crate::experiment::pending(),
            Err(reason) => skipped(reason),
        },
        plan: plan.ok(),
        package_manager,
    }
}

fn skipped(reason: &str) -> Outcome<IdmapOutcome> {
    Outcome::Skipped {
        reason: reason.into(),
    }
}

fn inspect(host: &dyn Host, path: PathBuf, mountinfo: &Result<String, String>) -> Found {
    let canonical = host.canonicalize(&path).unwrap_or_else(|_| path.clone());
    Found {
        meta: host.metadata(&canonical).map_err(|e| e.to_string()),
        file_caps: host
            .xattr(&canonical, "security.capability")
            .map_err(|e| e.to_string())
            .and_then(|bytes| bytes.map(|b| FileCaps::parse(&b)).transpose()),
        mount: mountinfo
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|text| mount_of(text, &canonical)),
        canonical,
        path,
    }
}

/// The mount that holds `path`: the longest mount point that is a prefix of it, the last one
/// listed when several are stacked on the same point.
pub fn mount_of(mountinfo: &str, path: &Path) -> Result<Mount, String> {
    // The parser's own words would name its source files: say what is wrong instead.
    let malformed = || "/proc/self/mountinfo: not in the kernel's format".to_string();
    // Only the lines whose mount point may hold `path` are parsed (an escaped one, `\040` for a
    // space, is kept for the parser to decode): a check asks for several paths, and parsing
    // every line each time was a tenth of a passive check.
    let mut candidates = String::new();
    for line in mountinfo.lines() {
        let mount_point = line.split(' ').nth(4).ok_or_else(malformed)?;
        if mount_point.contains('\\') || path.starts_with(mount_point) {
            candidates.push_str(line);
            candidates.push('\n');
        }
    }
    let mounts = procfs_core::process::MountInfos::from_read(candidates.as_bytes())
        .map_err(|_| malformed())?;
    let (best, mount_point) = mounts
        .0
        .iter()
        .map(|m| {
            (
                m,
                PathBuf::from(unescape_octal(&m.mount_point.to_string_lossy())),
            )
        })
        .filter(|(_, mount_point)| path.starts_with(mount_point))
        .max_by_key(|(m, mount_point)| (mount_point.components().count(), m.mnt_id))
        .ok_or_else(|| format!("no mount in /proc/self/mountinfo holds {}", path.display()))?;
    let id = best.mnt_id.to_string();
    let line = mountinfo
        .lines()
        .find(|l| l.split_whitespace().next() == Some(id.as_str()))
        .unwrap_or_default()
        .to_string();
    Ok(Mount {
        mount_point: mount_point.display().to_string(),
        nosuid: best.mount_options.contains_key("nosuid"),
        noexec: best.mount_options.contains_key("noexec"),
        fs_type: best.fs_type.clone(),
        line,
    })
}

/// The kernel writes a space, tab, newline or backslash in a mount point as `\NNN` (octal).
fn unescape_octal(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let digits = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (bytes[i], digits) {
            (b'\\', Some(d)) => {
                let value = d.iter().fold(0u32, |n, b| n * 8 + u32::from(b - b'0'));
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The kernel's default `overflowuid`: how an unmapped owner looks from inside a namespace.
const OVERFLOW_UID: u32 = 65534;

pub const NEWUIDMAP_MISSING: FindingDoc = FindingDoc {
    id: "idmap.newuidmap_missing",
    summary: "newuidmap is not in PATH",
    explanation: "podman, buildah, rootlesskit and `unshare --map-auto` look newuidmap up in \
the user's PATH. Without it only the user's own id can be mapped: podman with subordinate \
ranges configured stops with \"command required for rootless mode with multiple IDs\", \
rootlesskit refuses to start. Debian and Ubuntu ship it in the `uidmap` package, Fedora and \
Arch in `shadow-utils`/`shadow`.",
    references: &["newuidmap(1)", "containers/podman#8580"],
};

pub const NEWGIDMAP_MISSING: FindingDoc = FindingDoc {
    id: "idmap.newgidmap_missing",
    summary: "newgidmap is not in PATH",
    explanation: "Like newuidmap, for group ids. Both come in the same package (`uidmap` on \
Debian and Ubuntu).",
    references: &["newgidmap(1)"],
};

pub const NEWUIDMAP_NOT_PRIVILEGED: FindingDoc = FindingDoc {
    id: "idmap.newuidmap_not_privileged",
    summary: "newuidmap is neither setuid root nor has cap_setuid file capabilities",
    explanation: "newuidmap must gain CAP_SETUID to write a uid_map with subordinate ids: it is \
installed setuid root (Debian, Ubuntu) or with `cap_setuid=ep` file capabilities (Fedora). A \
copy built by hand, unpacked without xattrs or owned by the user has neither, and fails with \
\"newuidmap: write to uid_map failed: Operation not permitted\"; podman then says \"should \
have setuid or have filecaps setuid\".",
    references: &[
        "containers/podman#4921",
        "containers/podman#2788",
        "capabilities(7)",
    ],
};

pub const NEWGIDMAP_NOT_PRIVILEGED: FindingDoc = FindingDoc {
    id: "idmap.newgidmap_not_privileged",
    summary: "newgidmap is neither setuid root nor has cap_setgid file capabilities",
    explanation: "Like newuidmap, newgidmap must gain CAP_SETGID: setuid root or \
`cap_setgid=ep`.",
    references: &["containers/podman#4921", "capabilities(7)"],
};

pub const NEWUIDMAP_NOSUID: FindingDoc = FindingDoc {
    id: "idmap.newuidmap_on_nosuid_mount",
    summary: "the newuidmap found in PATH lies on a nosuid mount",
    explanation: "On a mount with the nosuid option the kernel ignores both the setuid bit and \
file capabilities (fs/exec.c, security/commoncap.c), so newuidmap runs unprivileged and fails \
with \"write to uid_map failed\" or \"Could not set caps\". A copy earlier in PATH, e.g. in a \
nosuid home directory, wins over a good /usr/bin/newuidmap, because podman takes the first one \
in PATH.",
    references: &["mount(8)", "containers/podman#2788"],
};

pub const NEWGIDMAP_NOSUID: FindingDoc = FindingDoc {
    id: "idmap.newgidmap_on_nosuid_mount",
    summary: "the newgidmap found in PATH lies on a nosuid mount",
    explanation: "As for newuidmap: nosuid disarms the setuid bit and file capabilities.",
    references: &["mount(8)"],
};

pub const NEWUIDMAP_SETUID_NON_ROOT: FindingDoc = FindingDoc {
    id: "idmap.newuidmap_setuid_non_root",
    summary: "newuidmap is setuid, but to a user other than root",
    explanation: "A setuid bit gives the program its owner's ids, not root's: a newuidmap that \
is setuid and owned by an ordinary user (a copy built and installed as that user, or chowned \
by mistake) runs as that user without CAP_SETUID and fails like an unprivileged one. It must \
be owned by root (mode 4755), or carry cap_setuid file capabilities.",
    references: &["credentials(7)", "newuidmap(1)"],
};

pub const NEWGIDMAP_SETUID_NON_ROOT: FindingDoc = FindingDoc {
    id: "idmap.newgidmap_setuid_non_root",
    summary: "newgidmap is setuid, but to a user other than root",
    explanation: "As for newuidmap: a setuid bit grants the owner's ids, so a setuid newgidmap \
owned by an ordinary user gains no CAP_SETGID.",
    references: &["credentials(7)", "newgidmap(1)"],
};

pub const EXPERIMENT: FindingDoc = FindingDoc {
    id: "idmap.experiment",
    summary: "the real newuidmap/newgidmap map the user's subordinate ids",
    explanation: "hostcap forks a child into a new user namespace and runs the newuidmap and \
newgidmap found in PATH on it with the user's subordinate ranges, exactly as podman does \
(`newuidmap PID 0 UID 1 1 START COUNT`). Their exit status and stderr are kept verbatim: \
\"newuidmap: Could not set caps\" means the helper gained no privilege (no_new_privs, nosuid, \
no setuid bit or file capability); \"write to uid_map failed: Operation not permitted\" means it \
had its capabilities but the kernel refused them (SafeSetID, the bounding set, a range outside \
the parent namespace).",
    references: &["newuidmap(1)", "shadow lib/idmapping.c"],
};

pub const DOCS: &[&FindingDoc] = &[
    &NEWUIDMAP_MISSING,
    &NEWGIDMAP_MISSING,
    &NEWUIDMAP_NOT_PRIVILEGED,
    &NEWGIDMAP_NOT_PRIVILEGED,
    &NEWUIDMAP_NOSUID,
    &NEWGIDMAP_NOSUID,
    &NEWUIDMAP_SETUID_NON_ROOT,
    &NEWGIDMAP_SETUID_NON_ROOT,
    &EXPERIMENT,
];

/// The setuid-to-a-non-root-owner finding for one helper.
pub fn setuid_non_root_doc(helper: &Helper) -> &'static FindingDoc {
    if helper.cap == CAP_SETUID {
        &NEWUIDMAP_SETUID_NON_ROOT
    } else {
        &NEWGIDMAP_SETUID_NON_ROOT
    }
}

impl Found {
    /// The owner of a setuid helper that is not root: it gains that user's ids. The
    /// overflow id (65534) is what a user namespace shows for an owner it does not map, such
    /// as the real root outside: that is no owner to blame.
    pub fn setuid_owner(&self) -> Option<u32> {
        self.meta
            .as_ref()
            .ok()
            .filter(|m| m.is_setuid() && m.uid != 0 && m.uid != OVERFLOW_UID)
            .map(|m| m.uid)
    }
}

/// The catalogue entries for one helper: (missing, not privileged, nosuid).
pub fn docs_for(helper: &Helper) -> [&'static FindingDoc; 3] {
    if helper.cap == CAP_SETUID {
        [
            &NEWUIDMAP_MISSING,
            &NEWUIDMAP_NOT_PRIVILEGED,
            &NEWUIDMAP_NOSUID,
        ]
    } else {
        [
            &NEWGIDMAP_MISSING,
            &NEWGIDMAP_NOT_PRIVILEGED,
            &NEWGIDMAP_NOSUID,
        ]
    }
}

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let mut findings: Vec<Finding> = facts
        .helpers()
        .into_iter()
        .flat_map(|helper| judge_helper(facts, helper))
        .collect();
    findings.push(judge_experiment(&facts.experiment));
    findings
}

fn judge_helper(facts: &Facts, helper: &Helper) -> Vec<Finding> {
    let [missing, not_privileged, nosuid] = docs_for(helper);
    let Some(found) = &helper.found else {
        let source = if facts.path_from_env {
            "PATH"
        } else {
            "PATH (unset; default used)"
        };
        let finding = Finding::new(
            missing,
            Status::Fail,
            format!("{} is not in PATH", helper.name),
        )
        .evidence(source, facts.path_list.clone());
        return vec![match facts.package_manager {
            Some(pm) => finding.with_root(pm.install(pm.uidmap_package())),
            None => finding,
        }];
    };
    let shown = if found.path == found.canonical {
        found.path.display().to_string()
    } else {
        format!("{} -> {}", found.path.display(), found.canonical.display())
    };
    let mut findings = vec![
        Finding::new(
            missing,
            Status::Ok,
            format!("{} is {}", helper.name, found.path.display()),
        )
        .evidence("PATH", facts.path_list.clone()),
    ];
    let cap = helper.cap_name.to_lowercase();
    findings.push(if found.grants(helper.cap) {
        let how = if found.is_setuid_root() {
            "setuid root".to_string()
        } else {
            format!("{cap}=ep file capabilities")
        };
        Finding::new(
            not_privileged,
            Status::Ok,
            format!("{} is {how}", helper.name),
        )
        .evidence(&shown, found.describe_privilege())
    } else {
        let path = found.canonical.display();
        let owned_by_root = found.meta.as_ref().is_ok_and(|m| m.uid == 0 && m.gid == 0);
        // Privilege goes only to a file no user can rewrite: root's first.
        let take_over = if owned_by_root {
            String::new()
        } else {
            format!("chown root:root {path} && chmod 0755 {path} && ")
        };
        Finding::new(
            not_privileged,
            Status::Fail,
            format!(
                "{} is neither setuid root nor has {cap} file capabilities",
                helper.name
            ),
        )
        .evidence(&shown, found.describe_privilege())
        .with_root(format!(
            "{take_over}setcap {cap}=ep {path}    # or: chown root:root {path} && chmod 4755 {path}"
        ))
    });
    // Reinstalling helps only the distribution's own copy, not one in /usr/local or ~/bin.
    let packaged = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        .iter()
        .any(|dir| found.canonical.parent() == Some(Path::new(dir)));
    if let (Some(last), Some(pm), true) = (findings.last_mut(), facts.package_manager, packaged) {
        if last.id == not_privileged.id && last.status == Status::Fail {
            last.fix.with_root.push(Step::command(format!(
                "{}    # or put the package back as shipped",
                pm.reinstall(pm.uidmap_package())
            )));
        }
    }
    let setuid_doc = setuid_non_root_doc(helper);
    findings.push(match found.setuid_owner() {
        Some(owner) => Finding::new(
            setuid_doc,
            Status::Fail,
            format!(
                "{} is setuid to uid {owner}, not root: it gains uid {owner}'s ids, not {cap}",
                helper.name
            ),
        )
        .evidence(&shown, found.describe_privilege())
        .with_root(format!(
            "chown root:root {0} && chmod 4755 {0}",
            found.canonical.display()
        )),
        None => Finding::new(
            setuid_doc,
            Status::Ok,
            format!("{} is not setuid to another user", helper.name),
        ),
    });
    match &found.mount {
        Ok(mount) if mount.nosuid => findings.push(
            Finding::new(
                nosuid,
                Status::Fail,
                format!("{} lies on {}, a nosuid mount: its privilege is ignored", helper.name, mount.mount_point),
            )
            .evidence("/proc/self/mountinfo", mount.line.clone())
            .without_root_prose(format!(
                "put the directory that holds the packaged {} before {} in PATH, or remove that copy",
                helper.name,
                found.path.parent().map(|p| p.display().to_string()).unwrap_or_default()
            ))
            .with_root(format!("mount -o remount,suid {}", mount.mount_point)),
        ),
        Ok(mount) => findings.push(
            Finding::new(nosuid, Status::Ok, format!("{} lies on {}, which allows setuid", helper.name, mount.mount_point))
                .evidence("/proc/self/mountinfo", mount.line.clone()),
        ),
        Err(reason) => findings.push(Finding::new(nosuid, Status::Unknown, reason.clone())),
    }
    findings
}

fn judge_experiment(outcome: &Outcome<IdmapOutcome>) -> Finding {
    let outcome = match outcome {
        Outcome::Ran(outcome) => outcome,
        Outcome::Skipped { reason } => {
            return Finding::new(
                &EXPERIMENT,
                Status::Info,
                format!("the idmap experiment was not run: {reason}"),
            );
        }
    };
    let runs = std::iter::once(&outcome.newuidmap).chain(outcome.newgidmap.as_ref());
    let evidence: Vec<_> = runs
        .flat_map(|run| {
            let mut lines = vec![crate::finding::Evidence::new(
                "experiment idmap",
                format!("{}: {}", run.command, run.ending()),
            )];
            lines.extend(
                run.stderr
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| {
                        crate::finding::Evidence::new("experiment idmap (stderr)", l.to_string())
                    }),
            );
            lines
        })
        .collect();
    let finding = match outcome.failure() {
        None => Finding::new(
            &EXPERIMENT,
            Status::Ok,
            "newuidmap and newgidmap mapped the subordinate ids",
        ),
        Some(run) => {
            let program = run
                .command
                .split_whitespace()
                .next()
                .unwrap_or("the helper");
            let said = run.stderr.lines().find(|l| !l.trim().is_empty());
            let title = match said {
                Some(line) => format!("{program} failed: \"{}\"", line.trim()),
                None => format!("{program} failed: {}", run.ending()),
            };
            Finding::new(&EXPERIMENT, Status::Fail, title)
        }
    };
    let finding = finding.with_evidence(evidence);
    match &outcome.uid_map {
        Some(map) if !map.trim().is_empty() => finding.evidence(
            "experiment idmap: child's /proc/PID/uid_map",
            map.lines()
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        _ => finding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 0:25 / /home rw,nosuid,nodev,relatime shared:5 - ext4 /dev/vdb rw
31 30 0:26 / /home/alice/bin rw,relatime shared:6 - tmpfs tmpfs rw
";

    #[test]
    fn the_deepest_mount_holds_the_file() {
        let root = mount_of(MOUNTINFO, Path::new("/usr/bin/newuidmap")).unwrap();
        assert_eq!(root.mount_point, "/");
        assert!(!root.nosuid);
        let home = mount_of(MOUNTINFO, Path::new("/home/alice/.local/bin/newuidmap")).unwrap();
        assert!(home.nosuid);
        assert!(home.line.starts_with("30 22"));
        let bin = mount_of(MOUNTINFO, Path::new("/home/alice/bin/newuidmap")).unwrap();
        assert_eq!(bin.mount_point, "/home/alice/bin");
        assert!(!bin.nosuid);
    }

    #[test]
    fn a_prefix_that_is_not_a_path_component_does_not_match() {
        let mount = mount_of(MOUNTINFO, Path::new("/homework/newuidmap")).unwrap();
        assert_eq!(mount.mount_point, "/");
    }

    #[test]
    fn an_escaped_mount_point_is_decoded_and_a_broken_line_refused() {
        let spaced = format!(
            "{MOUNTINFO}40 30 0:27 / /home/alice/My\\040Tools rw,noexec - ext4 /dev/vdc rw\n"
        );
        let mount = mount_of(&spaced, Path::new("/home/alice/My Tools/newuidmap")).unwrap();
        assert_eq!(mount.mount_point, "/home/alice/My Tools");
        assert!(mount.noexec);
        let broken = format!("{MOUNTINFO}not a mountinfo line\n");
        assert!(mount_of(&broken, Path::new("/usr/bin/newuidmap")).is_err());
    }
}
