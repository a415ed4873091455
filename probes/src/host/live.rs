//! The running system. The only place in `hostcap-probes`, besides the experiments, that may
//! touch `std::fs`, `std::env` and system calls directly.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use nix::unistd::{Gid, Uid};

use super::as_user::AsUser;
use super::native;
use super::{
    FileKind, FileMeta, Group, Host, HostError, HostOrigin, Identity, JudgedFor, Subject,
    SubjectError, Uname,
};
use crate::experiment::{self, IdmapOutcome, Outcome, PlanLater, RunAs, UsernsOutcome};

/// The live system, as seen by this process, or by another user (see [`LiveHost::for_user`]).
/// One `LiveHost` is one look at the system: the files in [`READ_ONCE`] are read once by it,
/// however many probes ask; a new look needs a new `LiveHost`.
#[derive(Debug, Clone, Default)]
pub struct LiveHost {
    /// Skip active experiments (`--passive`).
    pub passive: bool,
    /// Set when judged for another user.
    judged: Option<Arc<Judged>>,
    read_once: Arc<Mutex<ReadOnce>>,
    /// Experiment children forked by [`Host::fork_experiments`], until taken up.
    forked: Arc<Mutex<Forked>>,
}

/// The experiments' children forked ahead; dropping one kills and reaps it.
#[derive(Default)]
struct Forked {
    userns: Option<experiment::UsernsChild>,
    idmap: Option<experiment::IdmapChild>,
}

impl std::fmt::Debug for Forked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forked")
            .field("userns", &self.userns.is_some())
            .field("idmap", &self.idmap.is_some())
            .finish()
    }
}

/// What each of the [`READ_ONCE`] files gave when it was first read.
type ReadOnce = HashMap<PathBuf, Result<Vec<u8>, HostError>>;

/// Files several probes read that nothing changes while a check runs (the experiments change
/// only their own children's namespaces). Reading each once spares a check as a user 7 of its
/// 74 opens (strace): /etc/group alone was read by 4 probes.
pub const READ_ONCE: [&str; 7] = [
    "/etc/group",
    "/etc/passwd",
    "/etc/login.defs",
    "/etc/nsswitch.conf",
    "/proc/cpuinfo",
    "/proc/self/mountinfo",
    "/proc/self/status",
];

/// Everything that makes a live host another user's.
#[derive(Debug)]
struct Judged {
    subject: Subject,
    run_as: RunAs,
    thread: AsUser,
    by: String,
}

impl LiveHost {
    pub fn new(passive: bool) -> Self {
        Self {
            passive,
            ..Self::default()
        }
    }

    /// The live system as `subject` would see it after logging in, for root to judge whether
    /// that user can run rootless containers (`hostcap check --user NAME`). Identity and
    /// environment are the user's (a fresh login's: see [`super::login_environment`]); every
    /// file access is made by a thread that has become the user, so permissions and
    /// `/proc/self/status` are theirs; the experiments run in children that become the user
    /// before they unshare, and newuidmap/newgidmap run as the user.
    ///
    /// The user running hostcap may name themselves: that is the plain live host. Anyone else
    /// needs root ([`SubjectError::NotRoot`]).
    pub fn for_user(subject: Subject, passive: bool) -> Result<Self, SubjectError> {
        if subject.is_current_user() {
            return Ok(Self::new(passive));
        }
        let own = Uid::current().as_raw();
        if !Uid::effective().is_root() {
            return Err(SubjectError::NotRoot {
                name: subject.name,
                uid: subject.uid,
                own,
            });
        }
        let thread = AsUser::start(&subject)?;
        let by = match nix::unistd::User::from_uid(Uid::current()).ok().flatten() {
            Some(user) => format!("{} (uid {own})", user.name),
            None => format!("uid {own}"),
        };
        Ok(Self {
            passive,
            judged: Some(Arc::new(Judged {
                run_as: subject.run_as(),
                subject,
                thread,
                by,
            })),
            ..Self::default()
        })
    }

    /// Whom the experiments' children become: the judged user, or nobody else.
    fn run_as(&self) -> Option<&RunAs> {
        self.judged.as_ref().map(|j| &j.run_as)
    }

    /// The children forked ahead. Taking one cannot panic, so a poisoned lock holds them whole.
    fn forked(&self) -> std::sync::MutexGuard<'_, Forked> {
        self.forked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `access` on the user's thread when judged for another user, else here.
    fn access<T: Send + 'static>(
        &self,
        path: &Path,
        access: fn(&Path) -> Result<T, HostError>,
    ) -> Result<T, HostError> {
        let Some(judged) = &self.judged else {
            return access(path);
        };
        let owned = path.to_path_buf();
        judged
            .thread
            .call(move || access(&owned))
            .unwrap_or_else(|| Err(gone(path)))
    }
}

fn gone(path: &Path) -> HostError {
    HostError::Other(
        path.to_path_buf(),
        "the thread reading as the judged user is gone".into(),
    )
}

impl Host for LiveHost {
    fn origin(&self) -> HostOrigin {
        HostOrigin::Live
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, HostError> {
        if self.judged.is_some() && path == Path::new("/proc/self/status") {
            // The reader thread's own status: the user's ids and capabilities (none).
            return self
                .access(path, native::read_thread_status)
                .map_err(|err| with_path(err, path));
        }
        if !READ_ONCE.iter().any(|once| path == Path::new(once)) {
            return self.access(path, read_file);
        }
        // A poisoned lock only means another reader panicked; the map itself is whole.
        let mut read = self.read_once.lock().unwrap_or_else(|e| e.into_inner());
        read.entry(path.to_path_buf())
            .or_insert_with(|| self.access(path, read_file))
            .clone()
    }

    fn metadata(&self, path: &Path) -> Result<FileMeta, HostError> {
        self.access(path, metadata_of)
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, HostError> {
        self.access(path, |path| {
            fs::read_link(path).map_err(|e| HostError::from_io(path, &e))
        })
    }

    fn open_read_write(&self, path: &Path) -> Result<(), HostError> {
        self.access(path, open_read_write)
    }

    fn kvm_api_version(&self) -> Result<i32, HostError> {
        self.access(Path::new("/dev/kvm"), |_| native::kvm_api_version())
    }

    fn xattr(&self, path: &Path, name: &str) -> Result<Option<Vec<u8>>, HostError> {
        let Some(judged) = &self.judged else {
            return xattr::get(path, name).map_err(|e| HostError::from_io(path, &e));
        };
        let (owned, name) = (path.to_path_buf(), name.to_string());
        judged
            .thread
            .call(move || xattr::get(&owned, &name).map_err(|e| HostError::from_io(&owned, &e)))
            .unwrap_or_else(|| Err(gone(path)))
    }

    fn list_dir(&self, path: &Path) -> Result<Vec<String>, HostError> {
        self.access(path, list_dir)
    }

    fn env(&self, name: &str) -> Option<String> {
        match &self.judged {
            Some(judged) => judged.subject.env.get(name).cloned(),
            None => std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
        }
    }

    fn identity(&self) -> Result<Identity, HostError> {
        if let Some(judged) = &self.judged {
            return Ok(judged.subject.identity());
        }
        let uid = Uid::current();
        let gid = Gid::current();
        // NSS lookups (getpwuid_r, getgrgid_r): users from LDAP or sssd resolve too.
        let user = nix::unistd::User::from_uid(uid).ok().flatten();
        let groups = process_groups(user.as_ref())
            .into_iter()
            .map(|g| Group {
                gid: g.as_raw(),
                name: nix::unistd::Group::from_gid(g)
                    .ok()
                    .flatten()
                    .map(|grp| grp.name),
            })
            .collect();
        Ok(Identity {
            uid: uid.as_raw(),
            gid: gid.as_raw(),
            euid: Some(nix::unistd::geteuid().as_raw()),
            home: user.as_ref().map(|u| u.dir.to_string_lossy().into_owned()),
            user: user.map(|u| u.name),
            groups,
        })
    }

    fn uname(&self) -> Result<Uname, HostError> {
        let uts = nix::sys::utsname::uname()
            .map_err(|errno| HostError::Other("uname(2)".into(), errno.desc().into()))?;
        let text = |value: &std::ffi::OsStr| value.to_string_lossy().into_owned();
        Ok(Uname {
            sysname: text(uts.sysname()),
            release: text(uts.release()),
            machine: text(uts.machine()),
        })
    }

    fn kernel_log(&self) -> Result<String, HostError> {
        // As the user: without CAP_SYSLOG, kernel.dmesg_restrict applies to them.
        self.access(Path::new("syslog(SYSLOG_ACTION_READ_ALL)"), |_| {
            native::read_kernel_ring()
        })
    }

    fn fork_experiments(&self) {
        if self.passive {
            return;
        }
        let run_as = self.run_as();
        let mut forked = self.forked();
        forked
            .userns
            .get_or_insert_with(|| experiment::fork_userns(run_as));
        forked
            .idmap
            .get_or_insert_with(|| experiment::fork_idmap(run_as));
    }

    fn userns_experiment(&self) -> Outcome<UsernsOutcome> {
        if self.passive {
            return passive();
        }
        let run_as = self.run_as();
        let forked = self.forked().userns.take();
        forked
            .unwrap_or_else(|| experiment::fork_userns(run_as))
            .run(run_as)
    }

    fn idmap_experiment(&self, plan: PlanLater) -> Option<Outcome<IdmapOutcome>> {
        if self.passive {
            return plan.wait().map(|_| passive());
        }
        let run_as = self.run_as();
        let forked = self.forked().idmap.take();
        forked
            .unwrap_or_else(|| experiment::fork_idmap(run_as))
            .run(plan, run_as)
    }

    fn judged_for(&self) -> Option<JudgedFor> {
        let judged = self.judged.as_ref()?;
        Some(JudgedFor {
            by: judged.by.clone(),
            environment: judged.subject.env.clone(),
            assumption: format!(
                "a fresh login of {}: only HOME, USER, LOGNAME, SHELL, PATH and \
                 XDG_RUNTIME_DIR (when /run/user/{} exists) are set; PATH from {}",
                judged.subject.name, judged.subject.uid, judged.subject.path_source
            ),
        })
    }
}

/// The supplementary groups of this process.
#[cfg(not(target_vendor = "apple"))]
fn process_groups(_: Option<&nix::unistd::User>) -> Vec<Gid> {
    nix::unistd::getgroups().unwrap_or_default()
}

/// macOS's getgroups(2) stops at 16 groups, so nix leaves it out: the login's groups (what
/// `id -G` shows) stand for them there.
#[cfg(target_vendor = "apple")]
fn process_groups(user: Option<&nix::unistd::User>) -> Vec<Gid> {
    user.and_then(super::subject::login_groups)
        .unwrap_or_default()
}

/// Reads a regular file (procfs and sysfs files are regular too), at most `READ_LIMIT`
/// bytes.
pub(super) fn read_file(path: &Path) -> Result<Vec<u8>, HostError> {
    let file = super::open_regular_file(path, path, 0)?;
    super::read_bounded(file, path)
}

/// The same error, about `path`.
fn with_path(err: HostError, path: &Path) -> HostError {
    let path = path.to_path_buf();
    match err {
        HostError::NotFound(_) => HostError::NotFound(path),
        HostError::PermissionDenied(_) => HostError::PermissionDenied(path),
        HostError::TooLarge(_) => HostError::TooLarge(path),
        HostError::Other(_, reason) => HostError::Other(path, reason),
    }
}

fn metadata_of(path: &Path) -> Result<FileMeta, HostError> {
    let meta = fs::metadata(path).map_err(|e| HostError::from_io(path, &e))?;
    Ok(FileMeta {
        kind: FileKind::of(&meta),
        mode: meta.permissions().mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
    })
}

fn open_read_write(path: &Path) -> Result<(), HostError> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map(drop)
        .map_err(|e| HostError::from_io(path, &e))
}

fn list_dir(path: &Path) -> Result<Vec<String>, HostError> {
    let entries = fs::read_dir(path).map_err(|e| HostError::from_io(path, &e))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

fn passive<T>() -> Outcome<T> {
    Outcome::Skipped {
        reason: "--passive: experiments not run".into(),
    }
}

#[cfg(test)]
mod forked_ahead {
    use super::*;

    fn forked(host: &LiveHost) -> (bool, bool) {
        let forked = host.forked.lock().unwrap();
        (forked.userns.is_some(), forked.idmap.is_some())
    }

    #[test]
    fn each_experiment_takes_up_the_child_forked_for_it() {
        let host = LiveHost::new(false);
        host.fork_experiments();
        assert_eq!(forked(&host), (true, true));
        assert!(matches!(host.userns_experiment(), Outcome::Ran(_)));
        assert_eq!(forked(&host), (false, true));
        // No plan: the waiting child is killed, nothing runs.
        let (sender, plan) = PlanLater::channel();
        drop(sender);
        assert!(host.idmap_experiment(plan).is_none());
        assert_eq!(forked(&host), (false, false));
    }

    #[test]
    fn a_passive_host_forks_nothing() {
        let host = LiveHost::new(true);
        host.fork_experiments();
        assert_eq!(forked(&host), (false, false));
    }
}

#[cfg(test)]
mod hostile_files {
    use super::*;

    #[test]
    fn a_fifo_where_a_file_belongs_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("subuid");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        let err = read_file(&fifo).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn an_endless_device_is_refused() {
        let err = read_file(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn a_huge_sparse_file_is_too_large_after_reading_only_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge");
        fs::File::create(&path).unwrap().set_len(1 << 30).unwrap();
        assert!(matches!(read_file(&path), Err(HostError::TooLarge(_))));
    }

    #[test]
    fn a_file_read_once_answers_the_same_to_every_later_reader() {
        let host = LiveHost::new(true);
        let status = Path::new("/proc/self/status");
        let first = host.read(status).unwrap();
        // The process changes meanwhile (a thread, context switches, memory): a second read
        // of the file would show it.
        let grow: Vec<u8> = vec![1; 1 << 22];
        std::thread::spawn(move || std::thread::sleep(std::time::Duration::from_millis(5)))
            .join()
            .unwrap();
        assert_eq!(host.read(status).unwrap(), first);
        std::hint::black_box(&grow);
        // A new look reads it again.
        assert_ne!(LiveHost::new(true).read(status).unwrap(), first);
    }
}
