//! The program each target's default command would really run: found in PATH the way its
//! launcher finds it (podman and rootlesskit with Go's LookPath, the shell likewise for the
//! rest), symlinks resolved. A verdict is about *that* file: its AppArmor profile, its setuid
//! bit, its mount. A program that is not installed is judged as the distribution would
//! install it, and the verdict says so.

use std::path::{Path, PathBuf};

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{FileKind, FileMeta, Host, SearchPath};

/// Where the distributions install each program: what a verdict assumes when it is missing.
const DISTRIBUTION_PATHS: &[(&str, &str)] = &[
    ("podman", "/usr/bin/podman"),
    ("rootlesskit", "/usr/bin/rootlesskit"),
    ("dockerd-rootless.sh", "/usr/bin/dockerd-rootless.sh"),
    ("bwrap", "/usr/bin/bwrap"),
    ("proot", "/usr/bin/proot"),
    ("nix-build", "/usr/bin/nix-build"),
    ("guix-daemon", "/usr/bin/guix-daemon"),
];

/// Programs a distribution installs outside PATH, to be run by their full path: Debian's and
/// Ubuntu's docker.io keep the rootless launcher among the package's contrib scripts.
const OUTSIDE_PATH: &[(&str, &str)] = &[(
    "dockerd-rootless.sh",
    "/usr/share/docker.io/contrib/dockerd-rootless.sh",
)];

/// A program as the launcher would find it.
#[derive(Debug, Clone)]
pub struct Program {
    pub name: &'static str,
    /// As found in PATH; `None` when not installed.
    pub found: Option<PathBuf>,
    /// With symlinks resolved: the file that runs, and whose AppArmor profile applies.
    pub canonical: Option<PathBuf>,
    pub meta: Option<FileMeta>,
    /// Who besides root could rewrite the file: asked only where a fix would give it a
    /// privilege (see [`gather`]).
    pub rewritable: Rewritable,
}

/// Whether someone other than root could rewrite or replace a program's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewritable {
    /// Not looked at: no fix here would give the program a privilege.
    NotAsked,
    OnlyByRoot,
    /// Why someone else could (`it lies in /home/alice, owned by uid 1000`).
    ByOthers(String),
}

impl Program {
    pub fn installed(&self) -> bool {
        self.found.is_some()
    }

    /// The file judged: the real one, or where the distribution would put it.
    pub fn judged_path(&self) -> PathBuf {
        self.canonical
            .clone()
            .or_else(|| self.found.clone())
            .unwrap_or_else(|| PathBuf::from(distribution_path(self.name)))
    }

    pub fn is_setuid_root(&self) -> bool {
        self.meta.is_some_and(|m| m.is_setuid() && m.uid == 0)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub programs: Vec<Program>,
}

impl Facts {
    pub fn get(&self, name: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.name == name)
    }
}

/// Where the distributions install `name`.
pub fn distribution_path(name: &str) -> String {
    DISTRIBUTION_PATHS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or_else(|| format!("/usr/bin/{name}"), |(_, p)| p.to_string())
}

/// `privileged_fix`: a fix may give these programs a privilege (an AppArmor profile with
/// `userns` where AppArmor restricts user namespaces), so who could rewrite each is read.
pub fn gather(host: &dyn Host, search: &SearchPath, privileged_fix: bool) -> Facts {
    let programs = DISTRIBUTION_PATHS
        .iter()
        .map(|(name, _)| {
            let found = search.find(host, name).or_else(|| {
                OUTSIDE_PATH
                    .iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, path)| PathBuf::from(path))
                    .find(|path| host.metadata(path).is_ok_and(|m| m.kind == FileKind::File))
            });
            let canonical = found.as_ref().and_then(|p| host.canonicalize(p).ok());
            let file = canonical.as_ref().or(found.as_ref());
            let meta = file.and_then(|p| host.metadata(p).ok());
            let rewritable = match file {
                Some(file) if privileged_fix => {
                    let read = meta.ok_or_else(|| "unreadable".to_string());
                    match super::idmap::trust::rewritable_by_others(host, file, &read) {
                        Some(why) => Rewritable::ByOthers(why),
                        None => Rewritable::OnlyByRoot,
                    }
                }
                _ => Rewritable::NotAsked,
            };
            Program {
                name,
                found,
                canonical,
                meta,
                rewritable,
            }
        })
        .collect();
    Facts { programs }
}

pub const BWRAP_SETUID: FindingDoc = FindingDoc {
    id: "programs.bwrap_setuid",
    summary: "bwrap is installed setuid root: it sandboxes without user namespaces",
    explanation: "bubblewrap can be installed setuid root (older distributions, and hosts that \
forbid unprivileged user namespaces, such as RHEL 7 or kernels with \
unprivileged_userns_clone = 0). It then creates its namespaces with its own privilege, so it \
works where a user namespace cannot be made, at the price of a setuid program on the host. \
flatpak uses the same bwrap.",
    references: &[
        "https://github.com/containers/bubblewrap#installation",
        "bwrap(1)",
    ],
};

pub const DOCS: &[&FindingDoc] = &[&BWRAP_SETUID];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let Some(bwrap) = facts.get("bwrap").filter(|p| p.installed()) else {
        return Vec::new();
    };
    let shown = bwrap.judged_path().display().to_string();
    let mode = bwrap
        .meta
        .map(|m| format!("mode {:04o}, owner uid {}", m.mode & 0o7777, m.uid))
        .unwrap_or_else(|| "metadata unreadable".into());
    vec![if bwrap.is_setuid_root() {
        Finding::new(
            &BWRAP_SETUID,
            Status::Info,
            format!("{shown} is setuid root: it works without user namespaces"),
        )
        .evidence(shown, mode)
    } else {
        Finding::new(
            &BWRAP_SETUID,
            Status::Ok,
            format!("{shown} is not setuid: it needs user namespaces"),
        )
        .evidence(shown, mode)
    }]
}

/// `/usr/bin/podman` for a program the report names although it is not installed.
pub fn describe(program: &Program) -> String {
    match (&program.found, &program.canonical) {
        (Some(found), Some(real)) if found != real => {
            format!("{} -> {}", found.display(), real.display())
        }
        (Some(found), _) => found.display().to_string(),
        (None, _) => format!(
            "{} is not installed (judged as {})",
            program.name,
            Path::new(&distribution_path(program.name)).display()
        ),
    }
}
