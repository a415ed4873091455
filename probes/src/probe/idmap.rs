//! newuidmap and newgidmap: found where podman looks for them (the user's PATH), and able to
//! gain CAP_SETUID/CAP_SETGID when run: setuid root or file capabilities, not on a nosuid
//! mount. Whether that privilege survives `no_new_privs`, the bounding set and SafeSetID is
//! judged with the identity and LSM facts; the experiment runs them for real.

pub(crate) mod trust;

use std::path::{Path, PathBuf};

use procfs_core::FromRead;

use crate::experiment::{IdmapOutcome, IdmapPlan, Outcome};
use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{FileMeta, Host, Identity, SearchPath};
use crate::probe::file_caps::FileCaps;
use crate::probe::identity::{CAP_SETGID, CAP_SETUID};
use crate::probe::package::PackageManager;
use crate::probe::subid;

pub use trust::PackagedCopy;

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
    /// Why someone other than root could rewrite or replace the file; `None` when only root
    /// can. Privilege is offered only for `None`.
    pub rewritable: Option<String>,
    /// The distribution's copy this one hides, when it lies outside the package directories.
    pub packaged: Option<PackagedCopy>,
    /// Whether the user may delete the PATH entry without root.
    pub user_may_delete: bool,
    /// The owner has no id in this user namespace (it shows as the overflow id, 65534): the
    /// kernel ignores setuid on such a file (fs/exec.c, `bprm_fill_uid`), whoever it is outside.
    pub owner_outside_namespace: bool,
}

/// What may be done about a helper that gains no privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy<'a> {
    /// Its owner lies outside this user namespace: nothing done to the file helps in here.
    LeaveNamespace,
    /// Another file is bind-mounted over it: unmounting shows the file beneath, and arming
    /// the mounted one would arm a file that is not the one installed there.
    Unmount(&'a str),
    /// Root's own file in root's own directories: setuid root or file capabilities are safe.
    /// `foreign` when it is not the distribution's copy (none exists in a package directory).
    Arm { foreign: bool },
    /// A copy that hides the packaged helper: it goes (or PATH changes), whoever owns it.
    Unshadow(&'a PackagedCopy),
    /// Someone other than root could rewrite it, and there is no packaged copy to fall back
    /// on: no privilege, the reason said.
    Refuse(&'a str),
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

    /// The rule for privilege: never to a copy that hides the packaged helper, never to a file
    /// someone other than root could rewrite.
    pub fn remedy(&self) -> Remedy<'_> {
        if self.owner_outside_namespace {
            return Remedy::LeaveNamespace;
        }
        if let Ok(mount) = &self.mount {
            if Path::new(&mount.mount_point) == self.canonical {
                return Remedy::Unmount(&mount.line);
            }
        }
        match (&self.packaged, &self.rewritable) {
            (Some(copy), _) => Remedy::Unshadow(copy),
            (None, Some(why)) => Remedy::Refuse(why),
            (None, None) => Remedy::Arm {
                foreign: !trust::in_package_dir(&self.canonical),
            },
        }
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

/// Where the helpers are and what the experiment will run: known from PATH, the user and the
/// subordinate ranges alone, so that the experiment starts before the helpers are inspected.
#[derive(Debug, Clone)]
pub struct Located {
    path_list: String,
    path_from_env: bool,
    newuidmap: Option<PathBuf>,
    newgidmap: Option<PathBuf>,
    caller: Option<(u32, Vec<u32>)>,
    pub plan: Result<IdmapPlan, &'static str>,
}

/// Finds the helpers as podman does (the user's PATH, or the default one without it) and
/// builds the experiment's plan.
pub fn locate(
    host: &dyn Host,
    identity: Option<&Identity>,
    subid: &subid::Facts,
    search: &SearchPath,
) -> Located {
    let env_path = host.env("PATH");
    let default_search;
    let search = if env_path.is_some() {
        search
    } else {
        default_search = SearchPath::new(host, DEFAULT_PATH);
        &default_search
    };
    let newuidmap = search.find(host, "newuidmap");
    let newgidmap = search.find(host, "newgidmap");
    let plan = match (&newuidmap, &newgidmap, identity) {
        (Some(uidmap), Some(gidmap), Some(id)) if subid.has_ranges() => Ok(IdmapPlan {
            newuidmap: uidmap.clone(),
            newgidmap: gidmap.clone(),
            uid: id.uid,
            gid: id.gid,
            uid_ranges: subid.ranges(&subid.subuid),
            gid_ranges: subid.ranges(&subid.subgid),
        }),
        (None, _, _) | (_, None, _) => Err("newuidmap or newgidmap is not in PATH"),
        (_, _, None) => Err("the user could not be identified"),
        _ => Err("no subordinate id ranges: podman maps only the user's own id and runs no helper"),
    };
    Located {
        path_list: search.as_str().to_string(),
        path_from_env: env_path.is_some(),
        newuidmap,
        newgidmap,
        caller: identity.map(|id| {
            let gids = std::iter::once(id.gid)
                .chain(id.groups.iter().map(|g| g.gid))
                .collect();
            (id.uid, gids)
        }),
        plan,
    }
}

/// Inspects the helpers [`locate`] found: their privilege, mount, packaging and who may
/// rewrite them.
pub fn gather(
    host: &dyn Host,
    located: Located,
    subid: &subid::Facts,
    mountinfo: &Result<String, String>,
    package_manager: Option<PackageManager>,
) -> Facts {
    let places = Places {
        namespace_ids: &subid.namespace_ids,
        mountinfo,
        path_list: &located.path_list,
        caller: located
            .caller
            .as_ref()
            .map(|(uid, gids)| (*uid, gids.as_slice())),
    };
    let helper = |name, cap, cap_name, path: Option<PathBuf>| Helper {
        name,
        cap,
        cap_name,
        found: path.map(|path| inspect(host, name, path, &places)),
    };
    let newuidmap = helper("newuidmap", CAP_SETUID, "CAP_SETUID", located.newuidmap);
    let newgidmap = helper("newgidmap", CAP_SETGID, "CAP_SETGID", located.newgidmap);
    Facts {
        path_list: located.path_list,
        path_from_env: located.path_from_env,
        newuidmap,
        newgidmap,
        experiment: match &located.plan {
            Ok(_) => crate::experiment::pending(),
            Err(reason) => skipped(reason),
        },
        plan: located.plan.ok(),
        package_manager,
    }
}

fn skipped(reason: &str) -> Outcome<IdmapOutcome> {
    Outcome::Skipped {
        reason: reason.into(),
    }
}

/// What a helper is judged against besides its own file.
struct Places<'a> {
    /// The uids of this user namespace; empty outside one.
    namespace_ids: &'a [std::ops::Range<u64>],
    mountinfo: &'a Result<String, String>,
    path_list: &'a str,
    /// The user's uid and group ids.
    caller: Option<(u32, &'a [u32])>,
}

fn inspect(host: &dyn Host, name: &str, path: PathBuf, places: &Places<'_>) -> Found {
    let mountinfo = places.mountinfo;
    let canonical = host.canonicalize(&path).unwrap_or_else(|_| path.clone());
    let meta = host.metadata(&canonical).map_err(|e| e.to_string());
    let owner_outside_namespace = match &meta {
        Ok(meta) if !places.namespace_ids.is_empty() => !places
            .namespace_ids
            .iter()
            .any(|ids| ids.contains(&u64::from(meta.uid))),
        _ => false,
    };
    Found {
        owner_outside_namespace,
        rewritable: trust::rewritable_by_others(host, &canonical, &meta),
        packaged: trust::packaged_copy(host, name, &canonical, places.path_list),
        user_may_delete: places
            .caller
            .is_some_and(|(uid, gids)| trust::user_may_delete(host, &path, uid, gids)),
        meta,
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
copy built by hand, unpacked without xattrs or owned by the user has neither, and fails: \
Debian 12's build says \"newuidmap: write to uid_map failed: Operation not permitted\" (observed \
with uidmap 1:4.13+dfsg1-1+deb12u2), a build with libcap's <sys/capability.h> stops earlier \
with \"newuidmap: Could not set caps\"; podman then says \"should have setuid or have filecaps \
setuid\". Privilege is offered only for a file root owns in directories only root can write, \
and never for a copy that hides the packaged helper: such a copy is to be removed.",
    references: &[
        "shadow 4.13 libmisc/idmapping.c write_mapping",
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
file capabilities (fs/exec.c, security/commoncap.c), so newuidmap runs unprivileged and fails: \
\"newuidmap: write to uid_map failed: Operation not permitted\" from Debian 12's uidmap 4.13 \
(observed with /usr/bin bind-mounted nosuid), \"newuidmap: Could not set caps\" from a build \
with libcap's <sys/capability.h>. A copy earlier in PATH, e.g. in a \
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
(`newuidmap PID 0 UID 1 1 START COUNT`). Their exit status and stderr are kept verbatim. What a \
helper without CAP_SETUID prints depends on its build: shadow's write_mapping() raises the \
capability with capset() only where <sys/capability.h> (libcap) was found at build time, and \
such a build stops with \"newuidmap: Could not set caps\" (shadow 4.13 to 4.17; Arch in \
moby/moby#41812). Debian 12's uidmap 4.13 is built without it: for no_new_privs, a nosuid \
mount, a file with neither setuid bit nor file capabilities and CAP_SETUID missing from the \
bounding set alike it prints \"newuidmap: write to uid_map failed: Operation not permitted\" \
(observed with uidmap 1:4.13+dfsg1-1+deb12u2) — the text a helper also prints when it held the \
capability and the kernel refused the map (SafeSetID, a range outside the parent namespace). \
That text alone names no cause; the findings on the helper, the process and the LSMs do.",
    references: &[
        "newuidmap(1)",
        "shadow 4.13 libmisc/idmapping.c write_mapping (tag 4.13, 24b44b68)",
        "shadow 4.17.4 lib/idmapping.c write_mapping (tag 4.17.4, b23a5823)",
        "moby/moby#41812",
    ],
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
        let title = if found.remedy() == Remedy::LeaveNamespace {
            format!(
                "{}'s owner is outside this user namespace: its privilege does not work in here",
                helper.name
            )
        } else {
            format!(
                "{} is neither setuid root nor has {cap} file capabilities",
                helper.name
            )
        };
        let finding = Finding::new(not_privileged, Status::Fail, title)
            .evidence(&shown, found.describe_privilege());
        let remedy = found.remedy();
        let finding = match remedy {
            Remedy::Arm { foreign } => {
                let armed =
                    finding.with_root(format!("setcap {cap}=ep {path}    # or: chmod 4755 {path}"));
                if foreign {
                    armed.with_root_prose(not_the_distributions(helper, found))
                } else {
                    armed
                }
            }
            remedy => without_privilege(finding, facts, helper, found, remedy),
        };
        // Reinstalling puts back only the distribution's own copy, not one in /usr/local or
        // ~/bin, and not one hidden by a mount or outside this namespace.
        let reinstall = trust::in_package_dir(&found.canonical)
            && !matches!(remedy, Remedy::LeaveNamespace | Remedy::Unmount(_));
        match facts.package_manager.filter(|_| reinstall) {
            Some(pm) => finding.with_root(format!(
                "{}    # or put the package back as shipped",
                pm.reinstall(pm.uidmap_package())
            )),
            None => finding,
        }
    });
    let setuid_doc = setuid_non_root_doc(helper);
    findings.push(match found.setuid_owner() {
        // The owner can rewrite the file: it never becomes root's setuid program.
        Some(owner) => without_privilege(
            Finding::new(
                setuid_doc,
                Status::Fail,
                format!(
                    "{} is setuid to uid {owner}, not root: it gains uid {owner}'s ids, not {cap}",
                    helper.name
                ),
            )
            .evidence(&shown, found.describe_privilege()),
            facts,
            helper,
            found,
            found.remedy(),
        ),
        None => Finding::new(
            setuid_doc,
            Status::Ok,
            format!("{} is not setuid to another user", helper.name),
        ),
    });
    match &found.mount {
        Ok(mount) if mount.nosuid => {
            let finding = Finding::new(
                nosuid,
                Status::Fail,
                format!(
                    "{} lies on {}, a nosuid mount: its privilege is ignored",
                    helper.name, mount.mount_point
                ),
            )
            .evidence("/proc/self/mountinfo", mount.line.clone());
            // Lifting nosuid arms whatever the mount holds: only for root's own helper.
            findings.push(match found.remedy() {
                Remedy::Arm { .. } => {
                    finding.with_root(format!("mount -o remount,suid {}", mount.mount_point))
                }
                remedy => without_privilege(finding, facts, helper, found, remedy),
            });
        }
        Ok(mount) => findings.push(
            Finding::new(
                nosuid,
                Status::Ok,
                format!(
                    "{} lies on {}, which allows setuid",
                    helper.name, mount.mount_point
                ),
            )
            .evidence("/proc/self/mountinfo", mount.line.clone()),
        ),
        Err(reason) => findings.push(Finding::new(nosuid, Status::Unknown, reason.clone())),
    }
    findings
}

/// The fix for a helper that must not be given privilege: the copy it hides, or why not.
fn without_privilege(
    finding: Finding,
    facts: &Facts,
    helper: &Helper,
    found: &Found,
    remedy: Remedy<'_>,
) -> Finding {
    let entry = found.path.display();
    let dir = found
        .path
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if let Remedy::Unmount(line) = remedy {
        return finding
            .evidence("/proc/self/mountinfo", line.to_string())
            .with_root(format!(
                "umount {entry}    # a file is bind-mounted over it; the one beneath shows again"
            ));
    }
    if remedy == Remedy::LeaveNamespace {
        return finding
            .evidence(
                "/proc/self/uid_map",
                format!(
                    "{entry}'s owner has no id in this user namespace (it shows as the overflow id)"
                ),
            )
            .without_root_prose(format!(
                "run podman outside this user namespace: in here the kernel ignores setuid on \
                 {entry}, whose owner it does not map, and nothing done to the file changes that"
            ));
    }
    let finding = match &found.rewritable {
        Some(why) => finding.evidence(format!("who can rewrite {entry}"), why.clone()),
        None => finding,
    };
    match remedy {
        Remedy::Unshadow(copy) => {
            let packaged = copy.path.display();
            let packaged_dir = copy
                .path
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let finding = finding.evidence(
                "packaged copy",
                format!("{packaged} exists, and {entry} comes before it in PATH"),
            );
            if !copy.in_path {
                let advice = format!(
                    "add {packaged_dir} to PATH before {dir}, or remove {entry}: the packaged \
                     {packaged} is then the one podman finds"
                );
                return finding
                    .with_root_prose(advice.clone())
                    .without_root_prose(advice);
            }
            let finding = finding.with_root(format!("rm {entry}    # PATH then finds {packaged}"));
            if found.user_may_delete {
                finding.without_root(format!("rm {entry}    # PATH then finds {packaged}"))
            } else {
                finding.without_root_prose(format!(
                    "put {packaged_dir} before {dir} in PATH (in ~/.profile), so that podman finds \
                     the packaged {packaged} first"
                ))
            }
        }
        Remedy::Refuse(why) => {
            // A package directory's own file is put back by reinstalling (added by the caller).
            let elsewhere = !trust::in_package_dir(&found.canonical);
            let finding = match facts.package_manager.filter(|_| elsewhere) {
                Some(pm) => finding
                    .with_root(pm.install(pm.uidmap_package()))
                    .with_root_prose(format!(
                        "then remove {entry} or put the package's directory before {dir} in PATH"
                    )),
                None => finding,
            };
            finding.with_root_prose(format!(
                "do not make {entry} setuid root or give it file capabilities: {why}, and whoever \
                 can rewrite it would run their own code with {}. Privilege belongs only on a {} \
                 that root owns in directories only root can write",
                helper.cap_name, helper.name
            ))
        }
        Remedy::Arm { .. } | Remedy::LeaveNamespace | Remedy::Unmount(_) => finding,
    }
}

/// The note for root's own helper outside the package directories.
fn not_the_distributions(helper: &Helper, found: &Found) -> String {
    format!(
        "{} is not the distribution's {}: there is none in {}, so no package update will \
         replace it",
        found.canonical.display(),
        helper.name,
        trust::PACKAGE_DIRS.join(", ")
    )
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
    use crate::finding::Step;
    use crate::host::RecordedHost;

    /// A recorded host for alice (uid 1000): files under root/, metadata in host.toml.
    fn host(files: &[&str], path: &str, manifest: &str) -> (tempfile::TempDir, RecordedHost) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        for file in files {
            let inside = root.join(file.trim_start_matches('/'));
            std::fs::create_dir_all(inside.parent().expect("parent")).expect("mkdir");
            std::fs::write(inside, "placeholder").expect("write");
        }
        std::fs::create_dir_all(root.join("proc/self")).expect("proc");
        std::fs::write(root.join("proc/self/mountinfo"), MOUNTINFO).expect("mountinfo");
        let toml = format!(
            "[source]\nimitates = \"test\"\n\n[identity]\nuid = 1000\ngid = 1000\nuser = \"alice\"\nhome = \"/home/alice\"\n\n[env]\nHOME = \"/home/alice\"\nPATH = \"{path}\"\n\n{manifest}"
        );
        std::fs::write(dir.path().join("host.toml"), toml).expect("host.toml");
        let host = RecordedHost::open(dir.path()).expect("recorded host");
        (dir, host)
    }

    /// Metadata of one file in host.toml.
    fn meta(path: &str, mode: &str, uid: u32, gid: u32) -> String {
        format!("[files.\"{path}\"]\nmode = \"{mode}\"\nuid = {uid}\ngid = {gid}\n\n")
    }

    fn newuidmap_findings(host: &RecordedHost) -> Vec<Finding> {
        let facts = crate::probe::gather(host);
        judge(&facts.idmap)
            .into_iter()
            .filter(|f| f.id.starts_with("idmap.newuidmap"))
            .collect()
    }

    fn steps(finding: &Finding) -> Vec<String> {
        finding
            .fix
            .with_root
            .iter()
            .chain(&finding.fix.without_root)
            .map(|step| match step {
                Step::Command(text) => format!("command: {text}"),
                Step::Prose(text) => format!("prose: {text}"),
            })
            .collect()
    }

    fn failing<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
        findings
            .iter()
            .find(|f| f.id == id && f.status == Status::Fail)
            .unwrap_or_else(|| panic!("no failing {id} in {findings:#?}"))
    }

    fn evidence(finding: &Finding) -> String {
        finding
            .evidence
            .iter()
            .map(|e| format!("{}: {}", e.source, e.excerpt))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// No step may arm a file: setcap, setuid or lifting nosuid.
    fn arms_nothing(finding: &Finding) {
        for step in steps(finding) {
            assert!(
                !step.contains("setcap") && !step.contains("4755") && !step.contains("remount"),
                "privilege offered: {step}"
            );
        }
    }

    #[test]
    fn a_user_copy_that_shadows_the_packaged_helper_is_removed_not_armed() {
        let manifest = [
            meta("/tmp", "1777", 0, 0),
            meta("/tmp/x", "755", 1000, 1000),
            meta("/tmp/x/newuidmap", "755", 1000, 1000),
            meta("/usr/bin/newuidmap", "4755", 0, 0),
        ]
        .concat();
        let (_dir, host) = host(
            &["/tmp/x/newuidmap", "/usr/bin/newuidmap"],
            "/tmp/x:/usr/bin:/bin",
            &manifest,
        );
        let findings = newuidmap_findings(&host);
        let finding = failing(&findings, "idmap.newuidmap_not_privileged");
        arms_nothing(finding);
        let steps = steps(finding);
        assert!(
            steps.contains(
                &"command: rm /tmp/x/newuidmap    # PATH then finds /usr/bin/newuidmap".into()
            ),
            "{steps:#?}"
        );
        assert_eq!(
            finding.fix.without_root.len(),
            1,
            "alice owns /tmp/x: {steps:#?}"
        );
        let said = evidence(finding);
        assert!(said.contains("it is owned by uid 1000"), "{said}");
        assert!(said.contains("/usr/bin/newuidmap exists"), "{said}");
    }

    #[test]
    fn a_helper_whose_owner_this_namespace_does_not_map_is_left_alone() {
        // `unshare -r`: root's files show as the overflow id, and setuid means nothing in here.
        let manifest = meta("/usr/bin/newuidmap", "4755", OVERFLOW_UID, OVERFLOW_UID);
        let (dir, _) = host(&["/usr/bin/newuidmap"], "/usr/bin:/bin", &manifest);
        std::fs::write(
            dir.path().join("root/proc/self/uid_map"),
            "         0      62000          1\n",
        )
        .expect("uid_map");
        let host = RecordedHost::open(dir.path()).expect("recorded host");
        let findings = newuidmap_findings(&host);
        let finding = failing(&findings, "idmap.newuidmap_not_privileged");
        assert!(
            finding.title.contains("outside this user namespace"),
            "{}",
            finding.title
        );
        assert!(finding.fix.with_root.is_empty(), "{:#?}", steps(finding));
        assert_eq!(
            steps(finding),
            [
                "prose: run podman outside this user namespace: in here the kernel ignores \
                 setuid on /usr/bin/newuidmap, whose owner it does not map, and nothing done to \
                 the file changes that"
            ]
        );
        assert!(
            !findings
                .iter()
                .any(|f| f.id == "idmap.newuidmap_setuid_non_root" && f.is_problem())
        );
    }

    #[test]
    fn a_file_bind_mounted_over_the_helper_is_unmounted_not_armed() {
        let manifest = meta("/usr/bin/newuidmap", "755", 0, 0);
        let (dir, _) = host(&["/usr/bin/newuidmap"], "/usr/bin:/bin", &manifest);
        let bind =
            "72 22 254:0 /tmp/x/newuidmap /usr/bin/newuidmap rw,relatime - ext4 /dev/vda rw\n";
        std::fs::write(
            dir.path().join("root/proc/self/mountinfo"),
            format!("{MOUNTINFO}{bind}"),
        )
        .expect("mountinfo");
        let host = RecordedHost::open(dir.path()).expect("recorded host");
        let findings = newuidmap_findings(&host);
        let finding = failing(&findings, "idmap.newuidmap_not_privileged");
        arms_nothing(finding);
        assert_eq!(
            steps(finding),
            [
                "command: umount /usr/bin/newuidmap    # a file is bind-mounted over it; the one \
              beneath shows again"
            ]
        );
        assert!(evidence(finding).contains("/tmp/x/newuidmap /usr/bin/newuidmap"));
    }

    #[test]
    fn a_root_copy_in_a_directory_the_user_owns_gets_no_privilege() {
        // Chromebrew's layout: /usr/local/bin belongs to the user, no packaged copy exists.
        let manifest = [
            meta("/usr/local/bin", "755", 1000, 1000),
            meta("/usr/local/bin/newuidmap", "755", 0, 0),
        ]
        .concat();
        let (_dir, host) = host(
            &["/usr/local/bin/newuidmap"],
            "/usr/local/bin:/usr/bin:/bin",
            &manifest,
        );
        let findings = newuidmap_findings(&host);
        let finding = failing(&findings, "idmap.newuidmap_not_privileged");
        arms_nothing(finding);
        let said = evidence(finding);
        assert!(
            said.contains("it lies in /usr/local/bin, owned by uid 1000"),
            "{said}"
        );
        assert!(
            steps(finding)
                .iter()
                .any(|s| s.starts_with("prose: do not make")),
            "the reason is given as advice: {:#?}",
            steps(finding)
        );
    }

    #[test]
    fn a_group_writable_directory_is_no_place_for_privilege() {
        let manifest = [
            meta("/opt/tools", "775", 0, 50),
            meta("/opt/tools/newuidmap", "755", 0, 0),
        ]
        .concat();
        let (_dir, host) = host(&["/opt/tools/newuidmap"], "/opt/tools:/usr/bin", &manifest);
        let findings = newuidmap_findings(&host);
        let finding = failing(&findings, "idmap.newuidmap_not_privileged");
        arms_nothing(finding);
        assert!(
            evidence(finding).contains("it lies in /opt/tools, writable by group gid 50"),
            "{}",
            evidence(finding)
        );
    }

    #[test]
    fn root_s_own_helper_may_be_armed_and_a_foreign_one_is_named() {
        let (_dir, packaged) = host(
            &["/usr/bin/newuidmap"],
            "/usr/bin:/bin",
            &meta("/usr/bin/newuidmap", "755", 0, 0),
        );
        let findings = newuidmap_findings(&packaged);
        let steps_packaged = steps(failing(&findings, "idmap.newuidmap_not_privileged"));
        assert!(
            steps_packaged.contains(
                &"command: setcap cap_setuid=ep /usr/bin/newuidmap    # or: chmod 4755 /usr/bin/newuidmap".into()
            ),
            "{steps_packaged:#?}"
        );
        assert!(
            !steps_packaged
                .iter()
                .any(|s| s.contains("not the distribution's"))
        );

        let (_dir, foreign) = host(
            &["/opt/shadow/bin/newuidmap"],
            "/opt/shadow/bin:/usr/bin",
            &meta("/opt/shadow/bin/newuidmap", "755", 0, 0),
        );
        let findings = newuidmap_findings(&foreign);
        let steps_foreign = steps(failing(&findings, "idmap.newuidmap_not_privileged"));
        assert!(
            steps_foreign
                .iter()
                .any(|s| s.starts_with("command: setcap cap_setuid=ep /opt/shadow/bin/newuidmap")),
            "{steps_foreign:#?}"
        );
        assert!(
            steps_foreign
                .iter()
                .any(|s| s.contains("is not the distribution's newuidmap")),
            "{steps_foreign:#?}"
        );
    }

    #[test]
    fn a_root_copy_that_shadows_the_packaged_one_is_removed_even_if_only_root_can() {
        let manifest = [
            meta("/usr/local/bin/newuidmap", "755", 0, 0),
            meta("/usr/bin/newuidmap", "4755", 0, 0),
        ]
        .concat();
        let (_dir, host) = host(
            &["/usr/local/bin/newuidmap", "/usr/bin/newuidmap"],
            "/usr/local/bin:/usr/bin",
            &manifest,
        );
        let findings = newuidmap_findings(&host);
        let finding = failing(&findings, "idmap.newuidmap_not_privileged");
        arms_nothing(finding);
        assert_eq!(
            finding.fix.with_root,
            vec![Step::command(
                "rm /usr/local/bin/newuidmap    # PATH then finds /usr/bin/newuidmap"
            )]
        );
        assert!(
            matches!(finding.fix.without_root.as_slice(), [Step::Prose(p)] if p.contains("put /usr/bin before /usr/local/bin in PATH")),
            "alice cannot delete root's file: {:#?}",
            finding.fix.without_root
        );
    }

    #[test]
    fn a_setuid_copy_of_the_user_on_a_nosuid_home_gets_no_remount() {
        let manifest = [
            meta("/home/alice", "755", 1000, 1000),
            meta("/home/alice/.local", "755", 1000, 1000),
            meta("/home/alice/.local/bin", "755", 1000, 1000),
            meta("/home/alice/.local/bin/newuidmap", "4755", 1000, 1000),
            meta("/usr/bin/newuidmap", "4755", 0, 0),
        ]
        .concat();
        let (_dir, host) = host(
            &["/home/alice/.local/bin/newuidmap", "/usr/bin/newuidmap"],
            "/home/alice/.local/bin:/usr/bin",
            &manifest,
        );
        let findings = newuidmap_findings(&host);
        for id in [
            "idmap.newuidmap_not_privileged",
            "idmap.newuidmap_setuid_non_root",
            "idmap.newuidmap_on_nosuid_mount",
        ] {
            let finding = failing(&findings, id);
            arms_nothing(finding);
            assert!(
                steps(finding).contains(&"command: rm /home/alice/.local/bin/newuidmap    # PATH then finds /usr/bin/newuidmap".into()),
                "{id}: {:#?}",
                steps(finding)
            );
        }
    }

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
