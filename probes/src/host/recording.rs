//! Records a host as it is read: everything a check asks of the wrapped host (file bytes,
//! metadata, links, listings, attributes, environment, identity, experiment outcomes) is kept,
//! and nothing else. Written out, the recording is a recorded host in the format of
//! `tests/hosts/`: this is how support bundles and new fixtures are made.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::recorded::{FileEntry, HostToml, KernelLog, Source};
use super::{FileKind, FileMeta, Host, HostError, HostOrigin, Identity};
use crate::experiment::{IdmapOutcome, Outcome, PlanLater, UsernsOutcome};
use crate::probe::kernel_log;

/// What a check read, ready to be written as `root/` plus `host.toml`.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// File contents, by absolute path.
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    /// Symbolic links and their targets.
    pub links: BTreeMap<PathBuf, PathBuf>,
    /// Directories that were listed, with the names they held.
    pub dirs: BTreeMap<PathBuf, Vec<String>>,
    /// The manifest: metadata, identity, environment, kernel log, experiments.
    pub manifest: HostToml,
}

/// Wraps a host and keeps everything read through it.
pub struct RecordingHost<'a> {
    inner: &'a (dyn Host + Sync),
    recording: Mutex<Recording>,
}

impl<'a> RecordingHost<'a> {
    pub fn new(inner: &'a (dyn Host + Sync)) -> Self {
        Self {
            inner,
            recording: Mutex::new(Recording::default()),
        }
    }

    /// Everything recorded so far.
    pub fn into_recording(self) -> Recording {
        self.recording
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> MutexGuard<'_, Recording> {
        // A panic elsewhere while holding the lock leaves a recording that is still whole.
        self.recording
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn entry<F: FnOnce(&mut FileEntry)>(&self, path: &Path, update: F) {
        let mut recording = self.lock();
        let key = path.display().to_string();
        update(recording.manifest.files.entry(key).or_default());
    }
}

impl Host for RecordingHost<'_> {
    fn origin(&self) -> HostOrigin {
        self.inner.origin()
    }

    fn judged_for(&self) -> Option<super::JudgedFor> {
        self.inner.judged_for()
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, HostError> {
        let result = self.inner.read(path);
        match &result {
            Ok(bytes) => {
                self.lock().files.insert(path.to_path_buf(), bytes.clone());
            }
            Err(HostError::PermissionDenied(_) | HostError::TooLarge(_)) => {
                self.entry(path, |e| e.unreadable = true);
            }
            Err(HostError::NotFound(_)) => {}
            // A directory or another node read as a file: its kind explains the error.
            Err(_) => {
                let _ = self.metadata(path);
            }
        }
        result
    }

    fn metadata(&self, path: &Path) -> Result<FileMeta, HostError> {
        let result = self.inner.metadata(path);
        if let Ok(meta) = &result {
            self.entry(path, |e| {
                e.kind = Some(meta.kind);
                e.mode = Some(format!("{:o}", meta.mode & 0o7777));
                e.uid = Some(meta.uid);
                e.gid = Some(meta.gid);
            });
        }
        result
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, HostError> {
        let result = self.inner.read_link(path);
        if let Ok(target) = &result {
            self.lock().links.insert(path.to_path_buf(), target.clone());
        }
        result
    }

    fn open_read_write(&self, path: &Path) -> Result<(), HostError> {
        let result = self.inner.open_read_write(path);
        let said = match &result {
            Ok(()) => Some("ok".to_string()),
            Err(HostError::PermissionDenied(_)) => Some("permission denied".to_string()),
            Err(HostError::NotFound(_)) => None,
            Err(HostError::Other(_, message)) => Some(message.clone()),
            Err(HostError::TooLarge(_)) => None,
        };
        if let Some(said) = said {
            self.entry(path, |e| e.open_read_write = Some(said));
            // A replay stats the node before it answers: keep what it is.
            let _ = self.metadata(path);
        }
        result
    }

    fn kvm_api_version(&self) -> Result<i32, HostError> {
        let result = self.inner.kvm_api_version();
        if let Ok(version) = result {
            self.entry(Path::new("/dev/kvm"), |e| {
                e.kvm_api_version = Some(version);
                e.open_read_write = Some("ok".into());
            });
        }
        result
    }

    fn xattr(&self, path: &Path, name: &str) -> Result<Option<Vec<u8>>, HostError> {
        let result = self.inner.xattr(path, name);
        if let Ok(Some(bytes)) = &result {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            self.entry(path, |e| {
                e.xattrs.insert(name.to_string(), hex);
            });
        }
        result
    }

    fn list_dir(&self, path: &Path) -> Result<Vec<String>, HostError> {
        let result = self.inner.list_dir(path);
        match &result {
            Ok(names) => {
                self.lock().dirs.insert(path.to_path_buf(), names.clone());
            }
            Err(HostError::PermissionDenied(_)) => self.entry(path, |e| {
                e.unreadable = true;
                e.kind = Some(FileKind::Dir);
            }),
            Err(_) => {}
        }
        result
    }

    fn env(&self, name: &str) -> Option<String> {
        let value = self.inner.env(name);
        if let Some(value) = &value {
            self.lock()
                .manifest
                .env
                .insert(name.to_string(), value.clone());
        }
        value
    }

    fn identity(&self) -> Result<Identity, HostError> {
        let result = self.inner.identity();
        if let Ok(identity) = &result {
            self.lock().manifest.identity = Some(identity.clone());
        }
        result
    }

    fn uname(&self) -> Result<super::Uname, HostError> {
        let result = self.inner.uname();
        if let Ok(uname) = &result {
            self.lock().manifest.uname = Some(uname.clone());
        }
        result
    }

    fn kernel_log(&self) -> Result<String, HostError> {
        let result = self.inner.kernel_log();
        let recorded = match &result {
            // Only the lines hostcap reads: the rest of a kernel log is nobody's business.
            Ok(text) => Some(KernelLog {
                text: kernel_log::denials(text).join("\n"),
                unreadable: false,
            }),
            Err(HostError::PermissionDenied(_)) => Some(KernelLog {
                text: String::new(),
                unreadable: true,
            }),
            Err(_) => None,
        };
        self.lock().manifest.kernel_log = recorded;
        result
    }

    fn fork_experiments(&self) {
        self.inner.fork_experiments();
    }

    fn userns_experiment(&self) -> Outcome<UsernsOutcome> {
        let outcome = self.inner.userns_experiment();
        self.lock().manifest.experiments.userns = Some(outcome.clone());
        outcome
    }

    fn idmap_experiment(&self, plan: PlanLater) -> Option<Outcome<IdmapOutcome>> {
        let outcome = self.inner.idmap_experiment(plan)?;
        self.lock().manifest.experiments.idmap = Some(outcome.clone());
        Some(outcome)
    }
}

impl Recording {
    /// Sets what the recording imitates and how it was made.
    pub fn describe(&mut self, imitates: String, facts: Vec<String>, note: Option<String>) {
        self.manifest.source = Source {
            imitates,
            facts,
            note,
        };
    }
}
