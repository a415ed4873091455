//! The session's `PATH`, resolved once per check for the many program lookups it serves.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{FileKind, Host};

/// Not a directory, and executable by someone: what `exec.LookPath` accepts.
pub(super) fn is_program(host: &(impl Host + ?Sized), candidate: &Path) -> bool {
    host.metadata(candidate)
        .is_ok_and(|meta| meta.kind != FileKind::Dir && meta.mode & 0o111 != 0)
}

/// A `PATH` list resolved once: the directories that exist, in order, each once. Looking up
/// a program then costs a stat per existing directory, once: several probes ask for the same
/// ones (podman, newuidmap…), and a PATH of thousands of missing entries costs one stat each
/// in all, not one per program.
#[derive(Debug, Default)]
pub struct SearchPath {
    /// The list as the environment gave it, for evidence.
    text: String,
    dirs: Vec<PathBuf>,
    /// What each name looked up so far was found as.
    found: Mutex<HashMap<String, Option<PathBuf>>>,
}

impl Clone for SearchPath {
    fn clone(&self) -> Self {
        Self {
            text: self.text.clone(),
            dirs: self.dirs.clone(),
            found: Mutex::new(self.lookups().clone()),
        }
    }
}

impl SearchPath {
    pub fn new(host: &dyn Host, path_list: &str) -> Self {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for dir in path_list.split(':').filter(|dir| dir.starts_with('/')) {
            let dir = PathBuf::from(dir);
            if !dirs.contains(&dir)
                && host
                    .metadata(&dir)
                    .is_ok_and(|meta| meta.kind == FileKind::Dir)
            {
                dirs.push(dir);
            }
        }
        Self {
            text: path_list.to_string(),
            dirs,
            found: Mutex::default(),
        }
    }

    fn lookups(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<PathBuf>>> {
        // A lookup cannot panic while holding the lock; were it poisoned, the map is whole.
        self.found
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The session's `PATH` (empty when unset: nothing is found).
    pub fn from_env(host: &dyn Host) -> Self {
        Self::new(host, &host.env("PATH").unwrap_or_default())
    }

    /// The list as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Like [`Host::find_in_path`] on the whole list: a repeated or missing directory cannot
    /// change which entry comes first.
    pub fn find(&self, host: &dyn Host, name: &str) -> Option<PathBuf> {
        if let Some(found) = self.lookups().get(name) {
            return found.clone();
        }
        let found = self
            .dirs
            .iter()
            .map(|dir| dir.join(name))
            .find(|candidate| is_program(host, candidate));
        self.lookups().insert(name.to_string(), found.clone());
        found
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::experiment::{IdmapOutcome, Outcome, PlanLater, UsernsOutcome};
    use crate::host::{FileMeta, HostError, HostOrigin, Identity, Uname};

    /// A host with the programs of `/usr/bin` only, counting every stat.
    #[derive(Default)]
    struct Counting {
        stats: AtomicUsize,
    }

    impl Host for Counting {
        fn origin(&self) -> HostOrigin {
            HostOrigin::Live
        }
        fn read(&self, path: &Path) -> Result<Vec<u8>, HostError> {
            Err(HostError::NotFound(path.into()))
        }
        fn metadata(&self, path: &Path) -> Result<FileMeta, HostError> {
            self.stats.fetch_add(1, Ordering::Relaxed);
            let kind = match path.to_str() {
                Some("/usr/bin") => FileKind::Dir,
                Some(p) if p.starts_with("/usr/bin/") => FileKind::File,
                _ => return Err(HostError::NotFound(path.into())),
            };
            Ok(FileMeta {
                kind,
                mode: 0o755,
                uid: 0,
                gid: 0,
            })
        }
        fn read_link(&self, path: &Path) -> Result<PathBuf, HostError> {
            Err(HostError::NotFound(path.into()))
        }
        fn open_read_write(&self, path: &Path) -> Result<(), HostError> {
            Err(HostError::NotFound(path.into()))
        }
        fn kvm_api_version(&self) -> Result<i32, HostError> {
            Err(HostError::NotFound("/dev/kvm".into()))
        }
        fn xattr(&self, _: &Path, _: &str) -> Result<Option<Vec<u8>>, HostError> {
            Ok(None)
        }
        fn list_dir(&self, path: &Path) -> Result<Vec<String>, HostError> {
            Err(HostError::NotFound(path.into()))
        }
        fn env(&self, _: &str) -> Option<String> {
            None
        }
        fn identity(&self) -> Result<Identity, HostError> {
            Err(HostError::NotFound("/etc/passwd".into()))
        }
        fn uname(&self) -> Result<Uname, HostError> {
            Err(HostError::NotFound("uname(2)".into()))
        }
        fn kernel_log(&self) -> Result<String, HostError> {
            Err(HostError::NotFound("/dev/kmsg".into()))
        }
        fn userns_experiment(&self) -> Outcome<UsernsOutcome> {
            crate::experiment::pending()
        }
        fn idmap_experiment(&self, _: PlanLater) -> Option<Outcome<IdmapOutcome>> {
            None
        }
    }

    #[test]
    fn a_path_of_thousands_of_missing_directories_is_stated_once() {
        let host = Counting::default();
        let list: Vec<String> = (0..10_000)
            .map(|i| format!("/opt/tool-{i}/bin"))
            .chain(["/usr/bin".into(), "/usr/bin".into(), "relative/bin".into()])
            .collect();
        let search = SearchPath::new(&host, &list.join(":"));
        let programs = [
            "podman",
            "newuidmap",
            "newgidmap",
            "slirp4netns",
            "crun",
            "proot",
        ];
        for name in programs {
            assert_eq!(
                search.find(&host, name),
                Some(PathBuf::from(format!("/usr/bin/{name}")))
            );
        }
        // One stat per directory, then one per program in the one directory that exists.
        assert_eq!(host.stats.load(Ordering::Relaxed), 10_001 + programs.len());
        // Asked again (several probes want podman), a program costs nothing.
        for name in programs {
            assert!(search.find(&host, name).is_some());
        }
        let other = search.find(&host, "bwrap");
        assert_eq!(search.find(&host, "bwrap"), other);
        assert_eq!(
            host.stats.load(Ordering::Relaxed),
            10_001 + programs.len() + 1
        );
        // The same answers as searching the whole list each time.
        for name in programs {
            assert_eq!(
                search.find(&host, name),
                host.find_in_path(name, &list.join(":"))
            );
        }
    }

    #[test]
    fn an_unset_path_finds_nothing() {
        let host = Counting::default();
        let search = SearchPath::from_env(&host);
        assert_eq!(search.find(&host, "podman"), None);
        assert_eq!(search.as_str(), "");
    }
}
