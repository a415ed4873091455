//! The one door to the system.
//!
//! Every probe reads the host through [`Host`], never through `std::fs`, `std::env` or `/proc`
//! directly (`probes/clippy.toml` enforces it). That is what lets the same probe code judge the
//! running machine ([`LiveHost`]), a fixture or a support bundle ([`RecordedHost`]), and what
//! lets [`RecordingHost`] capture a live machine as a recorded one.

pub mod archive;
mod as_user;
mod links;
mod live;
mod meta;
/// What only the running kernel answers (the kernel log, KVM, a thread's own status): Linux's
/// system calls, or, elsewhere, why there are none.
#[cfg_attr(target_os = "linux", path = "native_linux.rs")]
#[cfg_attr(not(target_os = "linux"), path = "native_other.rs")]
mod native;
mod recorded;
mod recording;
mod search_path;
mod subject;

use std::path::{Path, PathBuf};

pub use links::resolve_links;
pub use live::LiveHost;
pub use meta::{FileKind, FileMeta};
#[cfg(test)]
pub(crate) use recorded::decode_hex;
pub use recorded::{HostToml, RecordedHost, RecordedHostError};
pub use recording::{Recording, RecordingHost};
pub use search_path::SearchPath;
pub use subject::{DEFAULT_LOGIN_PATH, Login, Subject, SubjectError, login_environment};

use crate::experiment::{IdmapOutcome, Outcome, PlanLater, UsernsOutcome};

/// Largest file a probe reads. Everything hostcap needs is far smaller; a bigger file is a
/// strange host, reported as such rather than read into memory.
pub const READ_LIMIT: u64 = 1 << 20;

/// Why the host could not answer a question. Carries the path so that a finding can say
/// exactly what was unreadable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("{}: no such file", .0.display())]
    NotFound(PathBuf),
    #[error("{}: permission denied", .0.display())]
    PermissionDenied(PathBuf),
    #[error("{}: larger than {} bytes", .0.display(), READ_LIMIT)]
    TooLarge(PathBuf),
    #[error("{}: {}", .0.display(), .1)]
    Other(PathBuf, String),
}

impl HostError {
    pub fn from_io(path: &Path, err: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        match err.kind() {
            ErrorKind::NotFound => Self::NotFound(path.to_path_buf()),
            ErrorKind::PermissionDenied => Self::PermissionDenied(path.to_path_buf()),
            _ => Self::Other(path.to_path_buf(), err.to_string()),
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound(_))
    }
}

/// Who the checked process is: the real ids decide SafeSetID and subordinate ids.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub euid: Option<u32>,
    /// Login name from the user database (NSS on a live host); `None` when the uid has no entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    #[serde(default)]
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    pub gid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What `uname(2)` says of the kernel: its name tells Linux from macOS (`Darwin`) and the
/// BSDs before any file is read. The node name is left out: a support bundle has no use for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uname {
    /// `uname -s`: `Linux`, `Darwin`, `FreeBSD`…
    pub sysname: String,
    /// `uname -r`: `6.1.0-28-amd64`, `24.1.0`, `14.1-RELEASE`…
    pub release: String,
    /// `uname -m`: `x86_64`, `arm64`, `amd64`…
    pub machine: String,
}

/// Set when a live host is judged for another user than the one running hostcap (root with
/// `--user`): who judges, and the environment assumed for the user.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JudgedFor {
    /// Who runs the check, e.g. "root (uid 0)".
    pub by: String,
    /// The whole environment the check assumes for the user: a fresh login's.
    pub environment: std::collections::BTreeMap<String, String>,
    /// What that environment rests on (where `PATH` comes from).
    pub assumption: String,
}

/// Where the facts come from, shown in the report header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostOrigin {
    Live,
    Recorded { dir: PathBuf, source: String },
}

pub trait Host {
    fn origin(&self) -> HostOrigin;

    /// Reads a whole file, at most [`READ_LIMIT`] bytes.
    fn read(&self, path: &Path) -> Result<Vec<u8>, HostError>;

    /// Metadata of `path`, following symlinks (what `exec` and `stat` see).
    fn metadata(&self, path: &Path) -> Result<FileMeta, HostError>;

    /// The target of a symlink; `Err` when `path` is not one.
    fn read_link(&self, path: &Path) -> Result<PathBuf, HostError>;

    /// Whether this process may open `path` for reading and writing; it is closed at once.
    /// That open is the first thing slirp4netns and pasta do with `/dev/net/tun`, and
    /// fuse-overlayfs with `/dev/fuse`; without an ioctl after it, it changes nothing.
    fn open_read_write(&self, path: &Path) -> Result<(), HostError>;

    /// Opens `/dev/kvm` read-write as qemu does and asks `KVM_GET_API_VERSION` (12 on every
    /// kernel since 2.6.22): proof that this user can run accelerated VMs. Creates no VM.
    fn kvm_api_version(&self) -> Result<i32, HostError>;

    /// An extended attribute (e.g. `security.capability`); `Ok(None)` when the file has none.
    fn xattr(&self, path: &Path, name: &str) -> Result<Option<Vec<u8>>, HostError>;

    /// Entry names of a directory, sorted.
    fn list_dir(&self, path: &Path) -> Result<Vec<String>, HostError>;

    /// An environment variable of the checked process.
    fn env(&self, name: &str) -> Option<String>;

    fn identity(&self) -> Result<Identity, HostError>;

    /// The kernel's name, release and machine, as `uname(2)` gives them.
    fn uname(&self) -> Result<Uname, HostError>;

    /// The kernel ring buffer as text (what `dmesg` prints), if this process may read it.
    fn kernel_log(&self) -> Result<String, HostError>;

    /// Forks the experiments' children ahead of time, to be taken up by the two methods
    /// below. Called first, while the check has one thread and little memory, which makes
    /// each fork cheaper for the check (see `experiment::UsernsChild`). Hosts that run
    /// nothing need not act.
    fn fork_experiments(&self) {}

    /// Creates a user namespace in a child and uses a capability inside it.
    fn userns_experiment(&self) -> Outcome<UsernsOutcome>;

    /// Runs the real newuidmap/newgidmap on a child in a new user namespace, once `plan`
    /// arrives; `None` when none does. A live host creates the child while it waits.
    fn idmap_experiment(&self, plan: PlanLater) -> Option<Outcome<IdmapOutcome>>;

    /// Set when the host is judged for another user than the one running hostcap.
    fn judged_for(&self) -> Option<JudgedFor> {
        None
    }

    /// Reads a file as text (lossy UTF-8).
    fn read_string(&self, path: &Path) -> Result<String, HostError> {
        // Valid UTF-8 (nearly every file) is taken as it is, without a copy.
        self.read(path).map(|bytes| {
            String::from_utf8(bytes)
                .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
        })
    }

    /// Resolves every symlink in `path`, as the kernel does when it opens it.
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, HostError> {
        resolve_links(path, true, |p| self.read_link(p).ok()).ok_or_else(|| {
            HostError::Other(
                path.to_path_buf(),
                "too many levels of symbolic links".into(),
            )
        })
    }

    /// Finds `name` in a `PATH`-style list the way Go's `exec.LookPath` does, which is what
    /// podman, buildah and rootlesskit use for newuidmap: the first entry that is not a
    /// directory and has any execute bit wins, even if a better copy comes later. For the
    /// session's PATH, searched for many programs, [`SearchPath`] is cheaper.
    fn find_in_path(&self, name: &str, path_list: &str) -> Option<PathBuf> {
        path_list
            .split(':')
            .filter(|dir| dir.starts_with('/'))
            .map(|dir| Path::new(dir).join(name))
            .find(|candidate| search_path::is_program(self, candidate))
    }
}

/// All of `file` if it holds at most [`READ_LIMIT`] bytes; `shown` names it in errors.
fn read_bounded(file: std::fs::File, shown: &Path) -> Result<Vec<u8>, HostError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    file.take(READ_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| HostError::from_io(shown, &e))?;
    if bytes.len() as u64 > READ_LIMIT {
        return Err(HostError::TooLarge(shown.to_path_buf()));
    }
    Ok(bytes)
}

/// Opens a regular file for reading, without blocking: a FIFO put where a file belongs would
/// block `open` until a writer comes, and a device could be endless or reach hardware, so both
/// are refused. `real` is opened, `shown` named in errors; `flags` add to the open flags.
fn open_regular_file(
    real: &Path,
    shown: &Path,
    flags: libc::c_int,
) -> Result<std::fs::File, HostError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | flags)
        .open(real)
        .map_err(|e| HostError::from_io(shown, &e))?;
    let meta = file.metadata().map_err(|e| HostError::from_io(shown, &e))?;
    if !meta.is_file() {
        return Err(HostError::Other(
            shown.to_path_buf(),
            "not a regular file".into(),
        ));
    }
    Ok(file)
}
