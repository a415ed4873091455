//! Where and how podman and rootless Docker keep images for a rootless user: podman's storage
//! directory (`~/.local/share/containers/storage` unless storage.conf says otherwise) and
//! dockerd's data-root (`~/.local/share/docker` unless daemon.json says otherwise) must be on a
//! local file system, and layers are stacked with native overlay (kernel ≥ 5.11 in a user
//! namespace), fuse-overlayfs through `/dev/fuse`, or, failing both, copied whole by the slow
//! vfs driver. A noexec mount only matters to vfs: an overlay is a mount of its own, and
//! containers exec from it.

use std::path::{Path, PathBuf};

use crate::experiment::{Outcome, UsernsOutcome, UsernsStep};
use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{FileKind, Host, Identity, SearchPath};
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
    /// udev manages /dev here (set by [`crate::probe::gather`]): a rule keeps /dev/fuse's mode
    /// after a reboot.
    pub udev: bool,
    pub docker: DockerStorage,
    /// The user's login name, when the user database has one.
    pub owner: Option<String>,
    /// Where a fix may move storage that cannot stay where it is (see [`LOCAL_DIRS`]); `None`
    /// when no such directory is open to this user here.
    pub local_dir: Option<PathBuf>,
}

/// Directories a fix may put a user's storage under, in order: /var/tmp (world-writable and
/// kept across reboots on most systems), then /usr/local, which is the user's own on
/// ChromeOS in developer mode (Chromebrew's prefix) and there the one writable mount that
/// allows exec. One qualifies when this user may create folders in it and its mount is a
/// local, persistent file system without noexec.
pub const LOCAL_DIRS: [&str; 2] = ["/var/tmp", "/usr/local"];

/// Rootless dockerd's data-root and storage driver, as its daemon.json sets them.
#[derive(Debug, Clone)]
pub struct DockerStorage {
    /// `~/.config/docker/daemon.json` (rootless dockerd reads it from `$XDG_CONFIG_HOME/docker`).
    pub config: PathBuf,
    /// Why daemon.json could not be used, when it exists but is unreadable or malformed.
    pub config_error: Option<String>,
    pub data_root: PathBuf,
    /// `data-root` from daemon.json, when set there.
    pub data_root_set: bool,
    /// `storage-driver` from daemon.json; otherwise dockerd probes overlay2, fuse-overlayfs, vfs.
    pub driver: Option<String>,
    pub existing: PathBuf,
    pub mount: Result<Mount, String>,
}

pub fn gather(
    host: &dyn Host,
    conf: &containers_conf::Facts,
    home: Option<&str>,
    mountinfo: &Result<String, String>,
    userns: &Outcome<UsernsOutcome>,
    search: &SearchPath,
    id: Option<&Identity>,
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
    let docker = docker_storage(host, home, mountinfo);
    let fuse_overlayfs = match &conf.mount_program {
        Some(setting) => Some(PathBuf::from(&setting.value)).filter(|p| host.metadata(p).is_ok()),
        None => search.find(host, "fuse-overlayfs"),
    };
    Facts {
        owner: id.and_then(|id| id.user.clone()),
        local_dir: local_dir(host, mountinfo, id),
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
        udev: false,
        docker,
    }
}

/// dockerd in rootless mode keeps its data in `$XDG_DATA_HOME/docker` and reads
/// `$XDG_CONFIG_HOME/docker/daemon.json`, each defaulting under `$HOME`.
fn docker_storage(
    host: &dyn Host,
    home: Option<&str>,
    mountinfo: &Result<String, String>,
) -> DockerStorage {
    let xdg = |var: &str, default: &str| match host.env(var) {
        Some(dir) if dir.starts_with('/') => PathBuf::from(dir),
        _ => home.map_or_else(
            || PathBuf::from("~").join(default),
            |h| Path::new(h).join(default),
        ),
    };
    let config = xdg("XDG_CONFIG_HOME", ".config").join("docker/daemon.json");
    let (settings, config_error) = match host.read_string(&config) {
        Ok(text) => match serde_json::from_str::<DaemonJson>(&text) {
            Ok(settings) => (settings, None),
            Err(e) => (
                DaemonJson::default(),
                Some(format!("{}: {e}", config.display())),
            ),
        },
        Err(e) if e.is_not_found() => (DaemonJson::default(), None),
        Err(e) => (DaemonJson::default(), Some(e.to_string())),
    };
    let data_root_set = settings.data_root.is_some();
    let data_root = settings
        .data_root
        .map(PathBuf::from)
        .unwrap_or_else(|| xdg("XDG_DATA_HOME", ".local/share").join("docker"));
    let existing = nearest_existing(host, &data_root);
    let mount = mountinfo
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|text| mount_of(text, &existing));
    DockerStorage {
        config,
        config_error,
        data_root,
        data_root_set,
        driver: settings.storage_driver,
        existing,
        mount,
    }
}

/// The first of [`LOCAL_DIRS`] that this user may create folders in, on a mount that can hold
/// and run a container's layers.
fn local_dir(
    host: &dyn Host,
    mountinfo: &Result<String, String>,
    id: Option<&Identity>,
) -> Option<PathBuf> {
    let (id, mountinfo) = (id?, mountinfo.as_ref().ok()?);
    let gids: Vec<u32> = id.groups.iter().map(|g| g.gid).chain([id.gid]).collect();
    LOCAL_DIRS.iter().map(PathBuf::from).find(|dir| {
        let writable = host.metadata(dir).is_ok_and(|meta| {
            meta.kind == FileKind::Dir && (id.uid == 0 || meta.grants_write_in(id.uid, &gids))
        });
        writable
            && mount_of(mountinfo, dir).is_ok_and(|mount| {
                !mount.noexec
                    && mount.fs_type != "tmpfs"
                    && !NETWORK_FILE_SYSTEMS.contains(&mount.fs_type.as_str())
            })
    })
}

/// The two daemon.json keys that move or change dockerd's storage; the rest is not ours.
#[derive(Debug, Default, serde::Deserialize)]
struct DaemonJson {
    #[serde(rename = "data-root")]
    data_root: Option<String>,
    #[serde(rename = "storage-driver")]
    storage_driver: Option<String>,
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
    /// The user's name for per-user folders, as a shell word: the login name, or the uid
    /// (`$(id -u)`, which works without an account) when there is none. Never `$USER`, which
    /// a session without an account may lack.
    fn owner_word(&self) -> String {
        self.owner
            .clone()
            .unwrap_or_else(|| "\"$(id -u)\"".to_string())
    }

    fn uses_vfs_by_choice(&self) -> bool {
        self.driver.as_ref().is_some_and(|d| d.value == "vfs")
    }

    /// fuse-overlayfs would be used: configured, or needed because native overlay fails.
    fn needs_fuse(&self) -> bool {
        self.mount_program.is_some() || matches!(self.native_overlay, Some(Err(_)))
    }

    /// Some overlay (native, or fuse-overlayfs through a usable /dev/fuse) works here;
    /// `None` when the experiment did not get far enough to tell.
    fn overlay_works(&self) -> Option<bool> {
        let fuse = self.fuse_overlayfs.is_some() && self.fuse.is_ok();
        match &self.native_overlay {
            Some(Ok(())) => Some(true),
            Some(Err(_)) => Some(fuse),
            None if fuse => Some(true),
            None => None,
        }
    }

    /// podman copies layers with vfs: chosen, no overlay works, or no driver configured
    /// (podman before 4.6 then picks vfs). `None` when it depends on an untried overlay.
    fn podman_uses_vfs(&self) -> Option<bool> {
        if self.uses_vfs_by_choice() || self.driver.is_none() {
            return Some(true);
        }
        self.overlay_works().map(|works| !works)
    }

    /// The driver rootless dockerd ends up with: daemon.json's, else the first that works
    /// of overlay2 (native overlay in its user namespace), fuse-overlayfs and vfs.
    fn docker_driver(&self) -> Option<String> {
        if let Some(driver) = &self.docker.driver {
            return Some(driver.clone());
        }
        match &self.native_overlay {
            Some(Ok(())) => Some("overlay2".into()),
            _ if self.fuse_overlayfs.is_some() && self.fuse.is_ok() => {
                Some("fuse-overlayfs".into())
            }
            Some(Err(_)) => Some("vfs".into()),
            None => None,
        }
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
(a hardened /home, ChromeOS user data) with the vfs driver, whose layers are plain directories \
there, the runtime cannot exec the container's first process and `podman run` fails with \
\"permission denied\". An overlay (native or fuse-overlayfs) is a mount of its own, with exec: \
podman uses vfs when storage.conf says so, when no overlay works, and, before podman 4.6, when \
no storage.conf sets a driver.",
    references: &["mount(8): noexec"],
};

pub const DOCKER_DATA_ROOT: FindingDoc = FindingDoc {
    id: "storage.docker_data_root",
    summary: "rootless dockerd's data-root must hold its layers and let containers exec",
    explanation: "Rootless dockerd keeps images and containers in its data-root, ~/.local/share/docker unless ~/.config/docker/daemon.json sets `data-root`. On NFS, CIFS and similar file systems the daemon cannot own files as the user's subordinate ids, and overlay refuses them as upper layer. A noexec mount stops containers only with the vfs driver, which runs them from plain directories there; overlay2 and fuse-overlayfs mount a view of their own, from which containers exec. dockerd picks overlay2 when overlay mounts in its user namespace (Linux 5.11 and later), else fuse-overlayfs when installed and /dev/fuse opens, else vfs.",
    references: &[
        "https://docs.docker.com/engine/security/rootless/",
        "dockerd(8): --data-root, --storage-driver",
    ],
};

pub const DOCS: &[&FindingDoc] = &[
    &OVERLAY_IN_USERNS,
    &FUSE_UNUSABLE,
    &VFS_FALLBACK,
    &DIR_FILESYSTEM,
    &DIR_NOEXEC,
    &DOCKER_DATA_ROOT,
];

/// A fix that moves podman's storage to a folder named after the user in the local
/// directory found here; without one, what the user may ask root for.
fn local_storage(finding: Finding, facts: &Facts) -> Finding {
    move_to_local_dir(
        finding,
        facts,
        "graphroot",
        "~/.config/containers/storage.conf",
        |dir, owner| {
            format!(
                "mkdir -p ~/.config/containers && printf '[storage]\\ndriver = \"overlay\"\\ngraphroot = \"{dir}/%s/containers/storage\"\\n' {owner} > ~/.config/containers/storage.conf"
            )
        },
    )
}

/// The same for rootless dockerd's data-root.
fn local_data_root(finding: Finding, facts: &Facts) -> Finding {
    move_to_local_dir(
        finding,
        facts,
        "data-root",
        "~/.config/docker/daemon.json",
        |dir, owner| {
            format!(
                "mkdir -p ~/.config/docker && printf '{{\\n  \"data-root\": \"{dir}/%s/docker\"\\n}}\\n' {owner} > ~/.config/docker/daemon.json"
            )
        },
    )
}

/// `command(dir, owner)` where [`Facts::local_dir`] found a place; otherwise why not, and
/// which `setting` in `file` to point at the place root makes.
fn move_to_local_dir(
    finding: Finding,
    facts: &Facts,
    setting: &str,
    file: &str,
    command: impl Fn(std::path::Display<'_>, String) -> String,
) -> Finding {
    match &facts.local_dir {
        Some(dir) => finding.without_root(command(dir.display(), facts.owner_word())),
        None => finding.without_root_prose(format!(
            "no directory on a local mount that allows exec is open to you here ({} were tried): ask root for one you own, then set {setting} to it in {file}",
            LOCAL_DIRS.join(", ")
        )),
    }
}

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
        finding
            .without_root_prose("install fuse-overlayfs and make /dev/fuse usable to get overlay")
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
    findings.push(judge_docker(facts));
    findings
}

fn judge_docker(facts: &Facts) -> Finding {
    let docker = &facts.docker;
    let shown = docker.data_root.display().to_string();
    let source = if docker.data_root_set {
        format!("data-root in {}", docker.config.display())
    } else {
        "data-root (dockerd's rootless default)".to_string()
    };
    if let Some(error) = &docker.config_error {
        return Finding::new(
            &DOCKER_DATA_ROOT,
            Status::Unknown,
            format!("daemon.json could not be read, so dockerd's storage is not known: {error}"),
        )
        .evidence(docker.config.display().to_string(), error.clone());
    }
    let mount = match &docker.mount {
        Ok(mount) => mount,
        Err(reason) => return Finding::new(&DOCKER_DATA_ROOT, Status::Unknown, reason.clone()),
    };
    let on = if docker.existing == docker.data_root {
        shown.clone()
    } else {
        format!(
            "{shown} (not created yet; on {})",
            docker.existing.display()
        )
    };
    let driver = facts.docker_driver();
    let driver_text = driver
        .as_deref()
        .unwrap_or("not known (the overlay mount was not tried)");
    let finding = |status, title: String| {
        Finding::new(&DOCKER_DATA_ROOT, status, title)
            .evidence(source.clone(), on.clone())
            .evidence("/proc/self/mountinfo", mount.line.clone())
            .evidence("storage driver", driver_text.to_string())
    };
    if NETWORK_FILE_SYSTEMS.contains(&mount.fs_type.as_str()) {
        let finding = finding(
            Status::Fail,
            format!(
                "dockerd's data-root is on {} ({}): rootless storage does not work there",
                mount.fs_type, mount.mount_point
            ),
        );
        return local_data_root(finding, facts);
    }
    if !mount.noexec {
        return finding(
            Status::Ok,
            format!(
                "dockerd's data-root is on {} and allows exec",
                mount.fs_type
            ),
        );
    }
    match driver.as_deref() {
        Some("vfs") => local_data_root(
            finding(
                Status::Fail,
                format!(
                    "dockerd's data-root is on a noexec mount ({}) and vfs runs containers from there",
                    mount.mount_point
                ),
            ),
            facts,
        ),
        Some(driver) => finding(
            Status::Ok,
            format!(
                "dockerd's data-root is on a noexec mount ({}), but {driver} mounts the containers' files with exec",
                mount.mount_point
            ),
        ),
        None => finding(
            Status::Unknown,
            format!(
                "dockerd's data-root is on a noexec mount ({}): fatal only with vfs, and whether overlay works was not tried",
                mount.mount_point
            ),
        ),
    }
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
        let finding = Finding::new(
            &DIR_FILESYSTEM,
            Status::Fail,
            format!(
                "the storage directory is on {} ({}): rootless storage does not work there",
                mount.fs_type, mount.mount_point
            ),
        )
        .evidence("storage directory", on.clone())
        .evidence("/proc/self/mountinfo", mount.line.clone());
        local_storage(finding, facts)
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
    let noexec = |status, title: String| {
        Finding::new(&DIR_NOEXEC, status, title)
            .evidence("storage directory", on.clone())
            .evidence("/proc/self/mountinfo", mount.line.clone())
    };
    findings.push(match (mount.noexec, facts.podman_uses_vfs()) {
        (false, _) => Finding::new(&DIR_NOEXEC, Status::Ok, "the storage directory allows exec"),
        (true, Some(true)) => local_storage(
            noexec(
                Status::Fail,
                format!(
                    "the storage directory is on a noexec mount ({}) and vfs runs containers from there",
                    mount.mount_point
                ),
            ),
            facts,
        ),
        (true, Some(false)) => noexec(
            Status::Ok,
            format!(
                "the storage directory is on a noexec mount ({}), but overlay mounts the containers' files with exec",
                mount.mount_point
            ),
        ),
        (true, None) => noexec(
            Status::Unknown,
            format!(
                "the storage directory is on a noexec mount ({}): fatal only with vfs, and whether overlay works was not tried",
                mount.mount_point
            ),
        ),
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
            .with_root(crate::probe::udev::open_to_everyone(
                FUSE, "fuse", facts.udev,
            ))
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
        // podman's storage and dockerd's data-root both under alice's home, on /home.
        let home = Mount {
            mount_point: "/home".into(),
            nosuid: false,
            noexec,
            fs_type: fs_type.into(),
            line: format!("40 1 0:50 / /home rw - {fs_type} srv:/home rw"),
        };
        Facts {
            owner: Some("alice".into()),
            driver: None,
            mount_program: None,
            graphroot: PathBuf::from("/home/alice/.local/share/containers/storage"),
            graphroot_setting: None,
            existing: PathBuf::from("/home/alice"),
            mount: Ok(home.clone()),
            native_overlay: Some(Ok(())),
            native_overlay_skipped: None,
            fuse_overlayfs: None,
            fuse: Err("absent".into()),
            udev: false,
            docker: DockerStorage {
                config: PathBuf::from("/home/alice/.config/docker/daemon.json"),
                config_error: None,
                data_root: PathBuf::from("/home/alice/.local/share/docker"),
                data_root_set: false,
                driver: None,
                existing: PathBuf::from("/home/alice"),
                mount: Ok(home),
            },
            local_dir: Some(PathBuf::from("/var/tmp")),
        }
    }

    /// The place a fix would pick on a recorded host for alice (uid 1000) with `mountinfo`
    /// and, for each of /var/tmp and /usr/local, its mode and owner.
    fn local_dir_on(mountinfo: &str, dirs: &[(&str, &str, u32)]) -> Option<PathBuf> {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("proc/self")).expect("proc");
        std::fs::write(root.join("proc/self/mountinfo"), mountinfo).expect("mountinfo");
        let mut manifest = String::from(
            "[source]\nimitates = \"test\"\n\n[identity]\nuid = 1000\ngid = 1000\nuser = \"alice\"\n\n",
        );
        for (path, mode, uid) in dirs {
            std::fs::create_dir_all(root.join(path.trim_start_matches('/'))).expect("mkdir");
            manifest.push_str(&format!(
                "[files.\"{path}\"]\nkind = \"dir\"\nmode = \"{mode}\"\nuid = {uid}\ngid = {uid}\n\n"
            ));
        }
        std::fs::write(dir.path().join("host.toml"), manifest).expect("host.toml");
        let host = crate::host::RecordedHost::open(dir.path()).expect("recorded host");
        let id = host.identity().expect("identity");
        let mountinfo = host
            .read_string(Path::new("/proc/self/mountinfo"))
            .map_err(|e| e.to_string());
        local_dir(&host, &mountinfo, Some(&id))
    }

    /// ChromeOS in developer mode (chromeos-vt2's mount table): /var is noexec, /usr/local is
    /// the stateful dev_image with exec.
    const CHROMEOS: &str = "17 1 259:3 / / ro,nodev,relatime - ext2 /dev/root ro\n\
        40 17 253:0 /var /var rw,nosuid,nodev,noexec,relatime shared:28 - ext4 /dev/mapper/encstateful rw\n\
        42 17 259:1 /dev_image /usr/local rw,nodev,relatime shared:30 - ext4 /dev/nvme0n1p1 rw\n";

    #[test]
    fn storage_moves_to_var_tmp_where_it_allows_exec() {
        let debian = "21 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n";
        let dirs = [("/var/tmp", "1777", 0), ("/usr/local", "755", 0)];
        assert_eq!(local_dir_on(debian, &dirs), Some(PathBuf::from("/var/tmp")));
    }

    #[test]
    fn on_chromeos_storage_moves_to_the_users_own_usr_local_not_the_noexec_var() {
        let dirs = [("/var/tmp", "1777", 0), ("/usr/local", "755", 1000)];
        assert_eq!(
            local_dir_on(CHROMEOS, &dirs),
            Some(PathBuf::from("/usr/local"))
        );
        // Without Chromebrew's chown, /usr/local is root's: nothing is offered as a command.
        let dirs = [("/var/tmp", "1777", 0), ("/usr/local", "755", 0)];
        assert_eq!(local_dir_on(CHROMEOS, &dirs), None);
        let mut facts = facts("ext4", true);
        facts.local_dir = None;
        facts.driver = Some(Setting {
            value: "vfs".into(),
            file: "/home/alice/.config/containers/storage.conf".into(),
        });
        let noexec = judge(&facts)
            .into_iter()
            .find(|f| f.id == DIR_NOEXEC.id)
            .unwrap();
        assert_eq!(noexec.status, Status::Fail);
        assert!(
            noexec
                .fix
                .without_root
                .iter()
                .all(|step| !step.is_command())
        );
        assert!(
            noexec.fix.without_root[0]
                .text()
                .contains("/var/tmp, /usr/local were tried")
        );
    }

    #[test]
    fn a_tmpfs_var_tmp_is_passed_over() {
        let tmpfs = "21 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n\
            30 21 0:40 / /var/tmp rw,nosuid,nodev - tmpfs tmpfs rw\n";
        let dirs = [("/var/tmp", "1777", 0), ("/usr/local", "755", 0)];
        assert_eq!(local_dir_on(tmpfs, &dirs), None);
    }

    fn status(findings: &[Finding], id: &str) -> Status {
        findings.iter().find(|f| f.id == id).unwrap().status
    }

    #[test]
    fn a_fuse_rule_is_offered_only_where_udev_makes_dev() {
        let mut facts = facts("ext4", false);
        facts.fuse_overlayfs = Some(PathBuf::from("/usr/bin/fuse-overlayfs"));
        facts.fuse = Err("/dev/fuse: permission denied".into());
        let fix = |facts: &Facts| judge_fuse(facts).fix.with_root[0].text().to_string();
        assert!(fix(&facts).starts_with("chmod 0666 /dev/fuse    # no udev here"));
        assert!(!fix(&facts).contains("rules.d"));
        facts.udev = true;
        assert!(fix(&facts).contains("> /etc/udev/rules.d/50-fuse.rules"));
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
        assert!(nfs.fix.without_root[0].text().contains("graphroot"));
        assert!(nfs.fix.without_root[0].text().contains("\\n' alice > "));
        assert_eq!(status(&findings, DIR_NOEXEC.id), Status::Ok);
    }

    #[test]
    fn a_user_without_an_account_gets_a_folder_named_by_uid() {
        let mut facts = facts("nfs4", false);
        facts.owner = None;
        let findings = judge(&facts);
        let nfs = findings.iter().find(|f| f.id == DIR_FILESYSTEM.id).unwrap();
        let step = nfs.fix.without_root[0].text();
        assert!(step.contains("\"$(id -u)\""), "{step}");
        assert!(!step.contains("USER"), "{step}");
    }

    #[test]
    fn storage_on_a_noexec_mount_fails() {
        let findings = judge(&facts("ext4", true));
        assert_eq!(status(&findings, DIR_FILESYSTEM.id), Status::Ok);
        assert_eq!(status(&findings, DIR_NOEXEC.id), Status::Fail);
    }

    #[test]
    fn a_noexec_mount_does_not_stop_overlay() {
        let mut noexec = facts("ext4", true);
        noexec.driver = Some(Setting {
            value: "overlay".into(),
            file: "/home/alice/.config/containers/storage.conf".into(),
        });
        let findings = judge(&noexec);
        assert_eq!(status(&findings, DIR_NOEXEC.id), Status::Ok);
        assert_eq!(status(&findings, DOCKER_DATA_ROOT.id), Status::Ok);
        let docker = findings
            .iter()
            .find(|f| f.id == DOCKER_DATA_ROOT.id)
            .unwrap();
        assert!(docker.title.contains("overlay2"), "{}", docker.title);
    }

    #[test]
    fn dockers_vfs_on_a_noexec_mount_fails_and_untried_overlay_is_unknown() {
        let mut vfs = facts("ext4", true);
        vfs.native_overlay = Some(Err("EPERM".into()));
        assert_eq!(status(&judge(&vfs), DOCKER_DATA_ROOT.id), Status::Fail);
        vfs.docker.driver = Some("fuse-overlayfs".into());
        assert_eq!(status(&judge(&vfs), DOCKER_DATA_ROOT.id), Status::Ok);
        let mut untried = facts("ext4", true);
        untried.native_overlay = None;
        assert_eq!(
            status(&judge(&untried), DOCKER_DATA_ROOT.id),
            Status::Unknown
        );
    }

    #[test]
    fn dockers_data_root_on_nfs_fails() {
        let findings = judge(&facts("nfs4", false));
        assert_eq!(status(&findings, DOCKER_DATA_ROOT.id), Status::Fail);
        let nfs = findings
            .iter()
            .find(|f| f.id == DOCKER_DATA_ROOT.id)
            .unwrap();
        assert!(nfs.fix.without_root[0].text().contains("data-root"));
    }

    #[test]
    fn without_a_driver_setting_podman_4_uses_vfs_although_overlay_works() {
        let findings = judge(&facts("ext4", false));
        let vfs = findings.iter().find(|f| f.id == VFS_FALLBACK.id).unwrap();
        assert_eq!(vfs.status, Status::Info);
        assert!(
            vfs.fix.without_root[0]
                .text()
                .contains("driver = \"overlay\"")
        );
    }
}
