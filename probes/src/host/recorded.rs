//! A recorded host: a folder `root/` laid out like the real file system plus `host.toml` for
//! what a file tree in git cannot hold (setuid bits, owners, xattrs, identity, environment,
//! the kernel log and the outcomes of experiments). Test fixtures and support bundles are both
//! recorded hosts.
#![allow(clippy::disallowed_methods)] // the recorded tree is read from disk, by design

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{FileKind, FileMeta, Host, HostError, HostOrigin, Identity, READ_LIMIT, Uname};
use crate::experiment::{IdmapOutcome, Outcome, PlanLater, UsernsOutcome};

/// The manifest of a recorded host (`host.toml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostToml {
    pub source: Source,
    pub identity: Option<Identity>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Metadata that git cannot keep, by absolute path on the imitated host.
    #[serde(default)]
    pub files: BTreeMap<String, FileEntry>,
    /// What `uname(2)` said. Absent in recordings of Linux made before it was recorded; the
    /// kernel is then Linux (or WSL 1, or FreeBSD's Linux emulation, which both say Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uname: Option<Uname>,
    #[serde(default)]
    pub kernel_log: Option<KernelLog>,
    #[serde(default)]
    pub experiments: Experiments,
}

/// What real machine the recorded host imitates and where its facts come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// One line: the machine and the session, e.g. "FydeOS 20 on a Chromebook, crosh shell, uid 1000".
    pub imitates: String,
    /// How the facts were obtained and what they rest on (research notes, issues, man pages).
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Octal permission bits, e.g. "4755" for a setuid-root helper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// Declares a node that has no file under `root/` (a device such as `/dev/kvm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FileKind>,
    /// Extended attributes as lowercase hex, e.g. `security.capability`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub xattrs: BTreeMap<String, String>,
    /// Reading the file fails with "permission denied" for the recorded user.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreadable: bool,
    /// What opening the file read-write gave the recorded user: `"ok"` or the error as the
    /// system said it (`"permission denied"`, `"no such device"`). Absent: judged from the
    /// mode, owner and the user's groups, as `open(2)` would for a plain device node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_read_write: Option<String>,
    /// For `/dev/kvm`: what `KVM_GET_API_VERSION` answered the recorded user (12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kvm_api_version: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelLog {
    /// The log text as `dmesg` prints it; only the lines that matter need be kept.
    #[serde(default)]
    pub text: String,
    /// The user could not read the log (`kernel.dmesg_restrict = 1`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreadable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiments {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userns: Option<Outcome<UsernsOutcome>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idmap: Option<Outcome<IdmapOutcome>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordedHostError {
    #[error("{}: not a recorded host (no host.toml): {source}", dir.display())]
    NoManifest {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {error}", path.display())]
    BadManifest {
        path: PathBuf,
        error: crate::toml::TomlError,
    },
    #[error("{}: the recorded host has no root/ folder", .0.display())]
    NoRoot(PathBuf),
}

/// A host replayed from a folder: a fixture or an unpacked support bundle.
#[derive(Debug, Clone)]
pub struct RecordedHost {
    dir: PathBuf,
    root: PathBuf,
    manifest: HostToml,
}

impl RecordedHost {
    pub fn open(dir: &Path) -> Result<Self, RecordedHostError> {
        let manifest_path = dir.join("host.toml");
        let text =
            read_manifest(&manifest_path).map_err(|source| RecordedHostError::NoManifest {
                dir: dir.to_path_buf(),
                source,
            })?;
        let manifest: HostToml =
            crate::toml::from_str(&text).map_err(|error| RecordedHostError::BadManifest {
                path: manifest_path,
                error,
            })?;
        let root = dir.join("root");
        // A real directory, not a link: `root -> /` would replay this machine under the
        // recording's name.
        if !fs::symlink_metadata(&root).is_ok_and(|m| m.is_dir()) {
            return Err(RecordedHostError::NoRoot(dir.to_path_buf()));
        }
        let root =
            fs::canonicalize(&root).map_err(|_| RecordedHostError::NoRoot(dir.to_path_buf()))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            root,
            manifest,
        })
    }

    pub fn manifest(&self) -> &HostToml {
        &self.manifest
    }

    /// The on-disk place of `path` if it really lies inside `root/` once the file system's own
    /// links are followed: a recording's links are resolved by [`Host::canonicalize`], so a
    /// link still met here could lead anywhere, and is refused.
    fn contained(&self, path: &Path) -> Result<PathBuf, HostError> {
        let inside = self.inside(path);
        match fs::canonicalize(&inside) {
            Ok(real) if real.starts_with(&self.root) => Ok(inside),
            Ok(_) => Err(HostError::Other(
                path.to_path_buf(),
                "leads outside the recorded host".into(),
            )),
            Err(err) => Err(HostError::from_io(path, &err)),
        }
    }

    /// Where an absolute host path lives inside `root/`. `..` cannot climb out of the root.
    fn inside(&self, path: &Path) -> PathBuf {
        let mut inside = self.root.clone();
        for part in path.components() {
            if let std::path::Component::Normal(part) = part {
                inside.push(part);
            }
        }
        inside
    }

    fn entry(&self, path: &Path) -> Option<&FileEntry> {
        self.manifest.files.get(path.to_str()?)
    }

    /// Follows symlinks inside the recorded tree, keeping absolute targets within `root/`.
    fn resolve(&self, path: &Path) -> Result<PathBuf, HostError> {
        self.canonicalize(path)
    }
}

impl Host for RecordedHost {
    fn origin(&self) -> HostOrigin {
        HostOrigin::Recorded {
            dir: self.dir.clone(),
            source: self.manifest.source.imitates.clone(),
        }
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, HostError> {
        let path = self.resolve(path)?;
        if self.entry(&path).is_some_and(|e| e.unreadable) {
            return Err(HostError::PermissionDenied(path));
        }
        let file = open_regular(&self.contained(&path)?, &path)?;
        super::read_bounded(file, &path)
    }

    fn metadata(&self, path: &Path) -> Result<FileMeta, HostError> {
        let path = self.resolve(path)?;
        let entry = self.entry(&path);
        let on_disk = self
            .contained(&path)
            .and_then(|inside| fs::metadata(inside).map_err(|e| HostError::from_io(&path, &e)));
        let (kind, disk_mode) = match (&on_disk, entry.and_then(|e| e.kind)) {
            (_, Some(kind)) => (kind, 0o644),
            (Ok(meta), None) => (FileKind::of(meta), meta.permissions().mode() & 0o777),
            (Err(err), None) => return Err(err.clone()),
        };
        let mode = match entry.and_then(|e| e.mode.as_deref()) {
            Some(octal) => u32::from_str_radix(octal, 8).map_err(|_| {
                HostError::Other(path.clone(), format!("host.toml: bad mode {octal:?}"))
            })?,
            None => disk_mode,
        };
        // Files a test fixture does not describe are system files: root owns them.
        Ok(FileMeta {
            kind,
            mode,
            uid: entry.and_then(|e| e.uid).unwrap_or(0),
            gid: entry.and_then(|e| e.gid).unwrap_or(0),
        })
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, HostError> {
        let inside = self.inside(path);
        let _ = on_disk_meta(&inside, path)?;
        fs::read_link(&inside).map_err(|e| HostError::from_io(path, &e))
    }

    fn open_read_write(&self, path: &Path) -> Result<(), HostError> {
        let path = self.resolve(path)?;
        let meta = self.metadata(&path)?;
        match self.entry(&path).and_then(|e| e.open_read_write.as_deref()) {
            Some("ok") => Ok(()),
            Some("permission denied") => Err(HostError::PermissionDenied(path)),
            Some(error) => Err(HostError::Other(path, error.to_string())),
            None => {
                let id = self.identity()?;
                let mut gids: Vec<u32> = id.groups.iter().map(|g| g.gid).collect();
                gids.push(id.gid);
                let nested = self
                    .read_string(Path::new("/proc/self/uid_map"))
                    .is_ok_and(|map| {
                        map.split_whitespace().collect::<Vec<_>>() != ["0", "0", "4294967295"]
                    });
                if meta.grants_read_write(id.uid, &gids, !nested) {
                    Ok(())
                } else {
                    Err(HostError::PermissionDenied(path))
                }
            }
        }
    }

    fn kvm_api_version(&self) -> Result<i32, HostError> {
        let path = Path::new("/dev/kvm");
        self.open_read_write(path)?;
        self.entry(path)
            .and_then(|e| e.kvm_api_version)
            .ok_or_else(|| {
                HostError::Other(
                    path.to_path_buf(),
                    "KVM_GET_API_VERSION was not recorded".into(),
                )
            })
    }

    fn xattr(&self, path: &Path, name: &str) -> Result<Option<Vec<u8>>, HostError> {
        let path = self.resolve(path)?;
        self.metadata(&path)?;
        let Some(hex) = self.entry(&path).and_then(|e| e.xattrs.get(name)) else {
            return Ok(None);
        };
        decode_hex(hex)
            .map(Some)
            .ok_or_else(|| HostError::Other(path, format!("host.toml: bad hex in {name}")))
    }

    fn list_dir(&self, path: &Path) -> Result<Vec<String>, HostError> {
        let path = self.resolve(path)?;
        if self.entry(&path).is_some_and(|e| e.unreadable) {
            return Err(HostError::PermissionDenied(path));
        }
        let entries =
            fs::read_dir(self.contained(&path)?).map_err(|e| HostError::from_io(&path, &e))?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    fn env(&self, name: &str) -> Option<String> {
        self.manifest.env.get(name).cloned()
    }

    fn identity(&self) -> Result<Identity, HostError> {
        self.manifest.identity.clone().ok_or_else(|| {
            HostError::Other(self.dir.join("host.toml"), "no [identity] recorded".into())
        })
    }

    fn uname(&self) -> Result<Uname, HostError> {
        self.manifest
            .uname
            .clone()
            .ok_or_else(|| HostError::NotFound("uname(2)".into()))
    }

    fn kernel_log(&self) -> Result<String, HostError> {
        match &self.manifest.kernel_log {
            Some(log) if log.unreadable => Err(HostError::PermissionDenied(
                "syslog(SYSLOG_ACTION_READ_ALL)".into(),
            )),
            Some(log) => Ok(log.text.clone()),
            None => Err(HostError::Other(
                "/dev/kmsg".into(),
                "the kernel log was not recorded".into(),
            )),
        }
    }

    fn userns_experiment(&self) -> Outcome<UsernsOutcome> {
        self.manifest
            .experiments
            .userns
            .clone()
            .unwrap_or_else(not_recorded)
    }

    fn idmap_experiment(&self, plan: PlanLater) -> Option<Outcome<IdmapOutcome>> {
        plan.wait()?;
        Some(
            self.manifest
                .experiments
                .idmap
                .clone()
                .unwrap_or_else(not_recorded),
        )
    }
}

fn not_recorded<T>() -> Outcome<T> {
    Outcome::Skipped {
        reason: "not recorded on this host".into(),
    }
}

/// Opens a regular file of the recording only, never through a final link (a recording's links
/// are resolved inside `root/` before).
fn open_regular(inside: &Path, path: &Path) -> Result<fs::File, HostError> {
    super::open_regular_file(inside, path, libc::O_NOFOLLOW)
}

/// `host.toml`, bounded and only if it is a regular file.
fn read_manifest(path: &Path) -> std::io::Result<String> {
    let file = open_regular(path, path).map_err(|e| match e {
        HostError::NotFound(_) => std::io::Error::from(std::io::ErrorKind::NotFound),
        other => std::io::Error::other(other.to_string()),
    })?;
    let mut text = String::new();
    file.take(READ_LIMIT + 1).read_to_string(&mut text)?;
    if text.len() as u64 > READ_LIMIT {
        return Err(std::io::Error::other(format!(
            "larger than {READ_LIMIT} bytes"
        )));
    }
    Ok(text)
}

fn on_disk_meta(inside: &Path, path: &Path) -> Result<fs::Metadata, HostError> {
    fs::symlink_metadata(inside).map_err(|e| HostError::from_io(path, &e))
}

pub(crate) fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}
