//! Where and how podman keeps images for a rootless user: its storage directory
//! (`~/.local/share/containers/storage` unless storage.conf says otherwise) must be on a local
//! file system that allows exec, and its layers are stacked with native overlay (kernel ≥ 5.11
//! in a user namespace), fuse-overlayfs through `/dev/fuse`, or, failing both, copied whole by
//! the slow vfs driver.

use std::path::{Path, PathBuf};

use crate::experiment::{Outcome, UsernsOutcome, UsernsStep};
use crate::finding::{Finding, FindingDoc, Status};
use crate::host::Host;
use crate::probe::containers_conf::{self, Setting};
use crate::probe::idmap::{Mount, mount_of};

pub const FUSE: &str = "/dev/fuse";

/// File systems that cannot hold a rootless user's layers: the server does not let the
/// client own files as subordinate ids, and overlay refuses them as upper layer.
const NETWORK_FILE_SYSTEMS: &[&str] = &[
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "ceph",
    "glusterfs",
    "fuse.sshfs",
    "lustre",
    "gpfs",
    "afs",
    "9p",
    "virtiofs",
];

#[derive(Debug, Clone)]
pub struct Facts {
    pub driver: Option<Setting>,
    pub mount_program: Option<Setting>,
    pub graphroot: PathBuf,
    /// Where the storage path was set; `None` for podman's default.
    pub graphroot_setting: Option<Setting>,
    /// The storage directory, or its nearest existing parent, and the mount that holds it.
    pub existing: PathBuf,
    pub mount: Result<Mount, String>,
    /// Whether an overlay mounted inside the user namespace: `None` when the experiment did
    /// not get that far.
    pub native_overlay: Option<Result<(), String>>,
    pub native_overlay_skipped: Option<String>,
    pub fuse_overlayfs: Option<PathBuf>,
    pub fuse: Result<(), String>,
}

pub fn gather(
    host: &dyn Host,
    conf: &containers_conf::Facts,
    home: Option<&str>,
    mountinfo: &Result<String, String>,
    userns: &Outcome<UsernsOutcome>,
) -> Facts {
    let default_root = match host.env("XDG_DATA_HOME") {
        Some(dir) if dir.starts_with('/') => Some(PathBuf::from(dir)),
        _ => home.map(|h| Path::new(h).join(".local/share")),
    }
    .map(|dir| dir.join("containers/storage"))
    .unwrap_or_else(|| PathBuf::from("~/.local/share/containers/storage"));
    let graphroot = conf
        .storage_path
        .as_ref()
        .map_or(default_root, |s| PathBuf::from(&s.value));
    let existing = nearest_existing(host, &graphroot);
    let mount = mountinfo
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|text| mount_of(text, &existing));
    let (native_overlay, native_overlay_skipped) = match userns {
        Outcome::Ran(outcome) if outcome.failed_step == Some(UsernsStep::MountOverlay) => (
            Some(Err(outcome
                .errno
                .as_ref()
                .map_or_else(|| "failed".to_string(), ToString::to_string))),
            None,
        ),
        Outcome::Ran(outcome) if outcome.all_passed() => (Some(Ok(())), None),
        Outcome::Ran(_) => (None, Some("the user namespace itself failed".to_string())),
        Outcome::Skipped { reason } => (None, Some(reason.clone())),
    };
    let path_list = host.env("PATH").unwrap_or_default();
    let fuse_overlayfs = match &conf.mount_program {
        Some(setting) => Some(PathBuf::from(&setting.value)).filter(|p| host.metadata(p).is_ok()),
        None => host.find_in_path("fuse-overlayfs", &path_list),
    };
    Facts {
        driver: conf.storage_driver.clone(),
        mount_program: conf.mount_program.clone(),
        graphroot_setting: conf.storage_path.clone(),
        graphroot,
        existing,
        mount,
        native_overlay,
        native_overlay_skipped,
        fuse_overlayfs,
        fuse: host
            .open_read_write(Path::new(FUSE))
            .map_err(|e| e.to_string()),
    }
}

/// The directory itself or its closest parent that exists: what podman would create it on.
fn nearest_existing(host: &dyn Host, path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    loop {
        if host.metadata(&current).is_ok() || !current.pop() {
            return if current.as_os_str().is_empty() {
                PathBuf::from("/")
            } else {
                current
            };
        }
    }
}

impl Facts {
    fn uses_vfs_by_choice(&self) -> bool {
        self.driver.as_ref().is_some_and(|d| d.value == "vfs")
    }

    /// fuse-overlayfs would be used: configured, or needed because native overlay fails.
    fn needs_fuse(&self) -> bool {
        self.mount_program.is_some() || matches!(self.native_overlay, Some(Err(_)))
    }
}

pub const OVERLAY_IN_USERNS: FindingDoc = FindingDoc {
    id: "storage.overlay_in_userns",
    summary: "whether the kernel mounts overlay inside a user namespace (native rootless overlay)",
    explanation: "Since Linux 5.11 an unprivileged user namespace may mount overlayfs, and \
podman's overlay driver uses it directly. On older kernels (or where an LSM refuses it) podman \
needs fuse-overlayfs, and without that it falls back to vfs, which copies every layer. The \
user-namespace experiment mounts an overlay on its own tmpfs to find out.",
    references: &[
        "https://github.com/containers/storage/blob/main/docs/containers-storage.conf.5.md",
    ],
};

pub const FUSE_UNUSABLE: FindingDoc = FindingDoc {
    id: "storage.fuse_unusable",
    summary: "fuse-overlayfs is needed but /dev/fuse cannot be opened",
    explanation: "fuse-overlayfs serves podman's layers through /dev/fuse. When storage.conf \
names it as mount_program, or native overlay does not work here, podman depends on it, and an \
unopenable /dev/fuse (missing in a container, or mode 0600) makes image pulls and runs fail.",
    references: &["fuse-overlayfs(1)"],
};

pub const VFS_FALLBACK: FindingDoc = FindingDoc {
    id: "storage.vfs_fallback",
    summary: "podman stores images with vfs: slow, heavy on disk, but working",
    explanation: "With the vfs driver every image layer is a full copy, so pulls are slow and \
images take many times their size on disk; containers still run. podman uses vfs when \
storage.conf says so, when neither native overlay in a user namespace nor fuse-overlayfs \
works, and (containers/storage before 1.47, podman before 4.6) whenever no storage.conf sets \
a driver, as on Debian 12 without the containers-storage package.",
    references: &["containers-storage.conf(5): driver"],
};

pub const DIR_FILESYSTEM: FindingDoc = FindingDoc {
    id: "storage.dir_filesystem",
    summary: "podman's storage directory is on a network file system",
    explanation: "Rootless storage must be able to own files as the user's subordinate ids and \
to serve as an overlay upper layer. NFS, CIFS and similar network file systems do neither \
(the server maps or refuses the ids; overlay rejects them), so pulls fail with chown or \
\"not supported\" errors. The fix is a storage path on a local disk.",
    references: &["https://github.com/containers/podman/blob/main/rootless.md"],
};

pub const DIR_NOEXEC: FindingDoc = FindingDoc {
    id: "storage.dir_noexec",
    summary: "podman's storage directory is on a noexec mount",
    explanation: "A container's programs are executed from podman's storage. On a noexec mount \
(a hardened /home, ChromeOS user data) the runtime cannot exec the container's first process \
and `podman run` fails with \"permission denied\".",
    references: &["mount(8): noexec"],
};

pub const DOCS: &[&FindingDoc] = &[
    &OVERLAY_IN_USERNS,
    &FUSE_UNUSABLE,
    &VFS_FALLBACK,
    &DIR_FILESYSTEM,
    &DIR_NOEXEC,
];

/// A storage.conf fix that moves the storage to a local directory that allows exec.
const LOCAL_STORAGE: &str = "mkdir -p ~/.config/containers && printf '[storage]\\ndriver = \"overlay\"\\ngraphroot = \"/var/tmp/%s/containers/storage\"\\n' \"$USER\" > ~/.config/containers/storage.conf";

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let mut findings = vec![judge_overlay(facts)];
    findings.extend(judge_location(facts));
    if facts.needs_fuse() {
        findings.push(judge_fuse(facts));
    }
    let overlay_possible = matches!(facts.native_overlay, Some(Ok(())))
        || (facts.fuse_overlayfs.is_some() && facts.fuse.is_ok());
    let overlay_unknown = facts.native_overlay.is_none() && !overlay_possible;
    let overlay_config = "mkdir -p ~/.config/containers && printf '[storage]\\ndriver = \"overlay\"\\n' > ~/.config/containers/storage.conf";
    let vfs = if facts.uses_vfs_by_choice() {
        let setting = facts
            .driver
            .as_ref()
            .map(|d| d.file.clone())
            .unwrap_or_default();
        let finding = Finding::new(
            &VFS_FALLBACK,
            Status::Warn,
            "storage.conf selects vfs: every layer is a full copy",
        )
        .evidence(setting, "driver = \"vfs\"");
        if overlay_possible {
            finding.without_root(overlay_config)
        } else {
            finding
        }
    } else if overlay_unknown {
        Finding::new(
            &VFS_FALLBACK,
            Status::Unknown,
            "whether overlay works in a user namespace was not tried",
        )
    } else if !overlay_possible {
        let mut finding = Finding::new(
            &VFS_FALLBACK,
            Status::Warn,
            "no overlay works here: podman stores images with vfs, slow and heavy on disk",
        );
        if let Some(Err(errno)) = &facts.native_overlay {
            finding = finding.evidence("experiment userns", format!("mount an overlay: {errno}"));
        }
        finding.without_root("install fuse-overlayfs and make /dev/fuse usable to get overlay")
    } else if facts.driver.is_none() {
        Finding::new(
            &VFS_FALLBACK,
            Status::Info,
            "no storage driver configured: podman before 4.6 then uses vfs, although overlay works here",
        )
        .evidence("storage.conf", "no driver set (no storage.conf, or none with a driver)")
        .without_root(overlay_config)
    } else {
        Finding::new(
            &VFS_FALLBACK,
            Status::Ok,
            "podman stacks layers with overlay",
        )
    };
    findings.push(vfs);
    findings
}

fn judge_overlay(facts: &Facts) -> Finding {
    match (&facts.native_overlay, &facts.native_overlay_skipped) {
        (Some(Ok(())), _) => Finding::new(
            &OVERLAY_IN_USERNS,
            Status::Ok,
            "overlay mounts inside a user namespace: native rootless overlay works",
        )
        .evidence("experiment userns", "mount an overlay: passed"),
        (Some(Err(errno)), _) => Finding::new(
            &OVERLAY_IN_USERNS,
            Status::Warn,
            format!("the kernel refused an overlay mount inside the user namespace ({errno})"),
        )
        .evidence("experiment userns", format!("mount an overlay: {errno}")),
        (None, reason) => Finding::new(
            &OVERLAY_IN_USERNS,
            Status::Info,
            format!(
                "the overlay mount was not tried: {}",
                reason.as_deref().unwrap_or("no experiment")
            ),
        ),
    }
}

fn judge_location(facts: &Facts) -> Vec<Finding> {
    let shown = facts.graphroot.display().to_string();
    let mount = match &facts.mount {
        Ok(mount) => mount,
        Err(reason) => {
            return vec![Finding::new(
                &DIR_FILESYSTEM,
                Status::Unknown,
                reason.clone(),
            )];
        }
    };
    let on = if facts.existing == facts.graphroot {
        shown.clone()
    } else {
        format!("{shown} (not created yet; on {})", facts.existing.display())
    };
    let mut findings = Vec::new();
    let network = NETWORK_FILE_SYSTEMS.contains(&mount.fs_type.as_str());
    findings.push(if network {
        Finding::new(
            &DIR_FILESYSTEM,
            Status::Fail,
            format!(
                "the storage directory is on {} ({}): rootless storage does not work there",
                mount.fs_type, mount.mount_point
            ),
        )
        .evidence("storage directory", on.clone())
        .evidence("/proc/self/mountinfo", mount.line.clone())
        .without_root(LOCAL_STORAGE)
    } else {
        Finding::new(
            &DIR_FILESYSTEM,
            Status::Ok,
            format!(
                "the storage directory is on {} ({})",
                mount.fs_type, mount.mount_point
            ),
        )
        .evidence("storage directory", on.clone())
    });
    findings.push(if mount.noexec {
        Finding::new(
            &DIR_NOEXEC,
            Status::Fail,
            format!(
                "the storage directory is on a noexec mount ({})",
                mount.mount_point
            ),
        )
        .evidence("storage directory", on)
        .evidence("/proc/self/mountinfo", mount.line.clone())
        .without_root(LOCAL_STORAGE)
    } else {
        Finding::new(&DIR_NOEXEC, Status::Ok, "the storage directory allows exec")
    });
    findings
}

fn judge_fuse(facts: &Facts) -> Finding {
    match (&facts.fuse_overlayfs, &facts.fuse) {
        (Some(path), Ok(())) => Finding::new(
            &FUSE_UNUSABLE,
            Status::Ok,
            format!("fuse-overlayfs ({}) can open /dev/fuse", path.display()),
        ),
        (Some(path), Err(reason)) => {
            // Only an explicitly configured mount program makes podman fail; otherwise it
            // falls back to vfs.
            let status = if facts.mount_program.is_some() {
                Status::Fail
            } else {
                Status::Warn
            };
            Finding::new(
                &FUSE_UNUSABLE,
                status,
                format!("{} cannot open /dev/fuse", path.display()),
            )
            .evidence(format!("open(\"{FUSE}\", O_RDWR)"), reason.clone())
            .with_root("chmod 0666 /dev/fuse")
        }
        (None, _) => {
            let mut finding = Finding::new(
                &FUSE_UNUSABLE,
                if facts.mount_program.is_some() {
                    Status::Fail
                } else {
                    Status::Info
                },
                "fuse-overlayfs is not installed",
            );
            if let Some(setting) = &facts.mount_program {
                finding = finding.evidence(
                    setting.file.clone(),
                    format!("mount_program = \"{}\"", setting.value),
                );
            }
            finding
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(fs_type: &str, noexec: bool) -> Facts {
        Facts {
            driver: None,
            mount_program: None,
            graphroot: PathBuf::from("/home/alice/.local/share/containers/storage"),
            graphroot_setting: None,
            existing: PathBuf::from("/home/alice"),
            mount: Ok(Mount {
                mount_point: "/home".into(),
                nosuid: false,
                noexec,
                fs_type: fs_type.into(),
                line: format!("40 1 0:50 / /home rw - {fs_type} srv:/home rw"),
            }),
            native_overlay: Some(Ok(())),
            native_overlay_skipped: None,
            fuse_overlayfs: None,
            fuse: Err("absent".into()),
        }
    }

    fn status(findings: &[Finding], id: &str) -> Status {
        findings.iter().find(|f| f.id == id).unwrap().status
    }

    #[test]
    fn storage_on_nfs_fails_and_moves_to_a_local_disk() {
        let findings = judge(&facts("nfs4", false));
        assert_eq!(status(&findings, DIR_FILESYSTEM.id), Status::Fail);
        let nfs = findings.iter().find(|f| f.id == DIR_FILESYSTEM.id).unwrap();
        assert!(
            nfs.title.contains("not created yet")
                || nfs.evidence[0].excerpt.contains("not created yet")
        );
        assert!(nfs.fix.without_root[0].contains("graphroot"));
        assert_eq!(status(&findings, DIR_NOEXEC.id), Status::Ok);
    }

    #[test]
    fn storage_on_a_noexec_mount_fails() {
        let findings = judge(&facts("ext4", true));
        assert_eq!(status(&findings, DIR_FILESYSTEM.id), Status::Ok);
        assert_eq!(status(&findings, DIR_NOEXEC.id), Status::Fail);
    }

    #[test]
    fn without_a_driver_setting_podman_4_uses_vfs_although_overlay_works() {
        let findings = judge(&facts("ext4", false));
        let vfs = findings.iter().find(|f| f.id == VFS_FALLBACK.id).unwrap();
        assert_eq!(vfs.status, Status::Info);
        assert!(vfs.fix.without_root[0].contains("driver = \"overlay\""));
    }
}
