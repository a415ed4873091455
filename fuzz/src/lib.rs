//! Shared by the fuzz targets: an in-memory [`Host`], so that probes which read several files
//! (nix.conf with its includes, containers.conf, /proc/self/status) are fuzzed through their
//! real public `gather` functions without touching the disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hostcap_probes::experiment::{IdmapOutcome, Outcome, PlanLater, UsernsOutcome};
use hostcap_probes::host::{FileKind, FileMeta, Host, HostError, HostOrigin, Identity, Uname};

/// Files, environment and identity held in memory. Every directory that holds a file exists;
/// nothing else does.
#[derive(Debug, Default, Clone)]
pub struct MemHost {
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    pub env: BTreeMap<String, String>,
    pub identity: Option<Identity>,
}

impl MemHost {
    pub fn with_file(mut self, path: &str, bytes: &[u8]) -> Self {
        self.files.insert(PathBuf::from(path), bytes.to_vec());
        self
    }

    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    /// alice, uid 1000, home /home/alice, in group 1000.
    pub fn alice(mut self) -> Self {
        self.identity = Some(Identity {
            uid: 1000,
            gid: 1000,
            euid: None,
            user: Some("alice".into()),
            home: Some("/home/alice".into()),
            groups: Vec::new(),
        });
        self.with_env("HOME", "/home/alice")
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.files
            .keys()
            .any(|file| file != path && file.starts_with(path))
    }
}

fn skipped<T>() -> Outcome<T> {
    Outcome::Skipped {
        reason: "not run while fuzzing".into(),
    }
}

impl Host for MemHost {
    fn origin(&self) -> HostOrigin {
        HostOrigin::Recorded {
            dir: PathBuf::from("/fuzz"),
            source: "fuzz".into(),
        }
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, HostError> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| HostError::NotFound(path.to_path_buf()))
    }

    fn metadata(&self, path: &Path) -> Result<FileMeta, HostError> {
        let kind = if self.files.contains_key(path) {
            FileKind::File
        } else if self.is_dir(path) {
            FileKind::Dir
        } else {
            return Err(HostError::NotFound(path.to_path_buf()));
        };
        Ok(FileMeta {
            kind,
            mode: 0o755,
            uid: 0,
            gid: 0,
        })
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, HostError> {
        Err(HostError::Other(path.to_path_buf(), "not a link".into()))
    }

    fn open_read_write(&self, path: &Path) -> Result<(), HostError> {
        Err(HostError::PermissionDenied(path.to_path_buf()))
    }

    fn kvm_api_version(&self) -> Result<i32, HostError> {
        Err(HostError::NotFound(PathBuf::from("/dev/kvm")))
    }

    fn xattr(&self, path: &Path, _name: &str) -> Result<Option<Vec<u8>>, HostError> {
        self.metadata(path).map(|_| None)
    }

    fn list_dir(&self, path: &Path) -> Result<Vec<String>, HostError> {
        if !self.is_dir(path) {
            return Err(HostError::NotFound(path.to_path_buf()));
        }
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|file| file.strip_prefix(path).ok())
            .filter_map(|rest| rest.components().next())
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }

    fn identity(&self) -> Result<Identity, HostError> {
        self.identity
            .clone()
            .ok_or_else(|| HostError::Other(PathBuf::from("/fuzz"), "no identity".into()))
    }

    fn uname(&self) -> Result<Uname, HostError> {
        Err(HostError::NotFound(PathBuf::from("uname(2)")))
    }

    fn kernel_log(&self) -> Result<String, HostError> {
        Err(HostError::PermissionDenied(PathBuf::from("/dev/kmsg")))
    }

    fn userns_experiment(&self) -> Outcome<UsernsOutcome> {
        skipped()
    }

    fn idmap_experiment(&self, plan: PlanLater) -> Option<Outcome<IdmapOutcome>> {
        plan.wait().map(|_| skipped())
    }
}

/// Splits a fuzz input into up to `max` texts at NUL bytes (lossy UTF-8), so that one input
/// can carry several files; the last piece holds the rest, NULs included.
pub fn split_files(data: &[u8], max: usize) -> Vec<String> {
    data.splitn(max, |&b| b == 0)
        .map(|piece| String::from_utf8_lossy(piece).into_owned())
        .collect()
}
