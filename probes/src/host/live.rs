//! The running system. The only place in `hostcap-probes`, besides the experiments, that may
//! touch `std::fs`, `std::env` and system calls directly.
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::unistd::{Gid, Uid};

use super::{FileKind, FileMeta, Group, Host, HostError, HostOrigin, Identity, READ_LIMIT};
use crate::experiment::{self, IdmapOutcome, IdmapPlan, Outcome, UsernsOutcome};

/// The live system, as seen by this process.
#[derive(Debug, Clone, Default)]
pub struct LiveHost {
    /// Skip active experiments (`--passive`).
    pub passive: bool,
}

impl LiveHost {
    pub fn new(passive: bool) -> Self {
        Self { passive }
    }
}

impl Host for LiveHost {
    fn origin(&self) -> HostOrigin {
        HostOrigin::Live
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, HostError> {
        let file = fs::File::open(path).map_err(|e| HostError::from_io(path, &e))?;
        let mut bytes = Vec::new();
        file.take(READ_LIMIT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| HostError::from_io(path, &e))?;
        if bytes.len() as u64 > READ_LIMIT {
            return Err(HostError::TooLarge(path.to_path_buf()));
        }
        Ok(bytes)
    }

    fn metadata(&self, path: &Path) -> Result<FileMeta, HostError> {
        let meta = fs::metadata(path).map_err(|e| HostError::from_io(path, &e))?;
        let kind = if meta.is_dir() {
            FileKind::Dir
        } else if meta.is_file() {
            FileKind::File
        } else {
            FileKind::Other
        };
        Ok(FileMeta {
            kind,
            mode: meta.permissions().mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
        })
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, HostError> {
        fs::read_link(path).map_err(|e| HostError::from_io(path, &e))
    }

    fn open_read_write(&self, path: &Path) -> Result<(), HostError> {
        use std::os::unix::fs::OpenOptionsExt;
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .map(drop)
            .map_err(|e| HostError::from_io(path, &e))
    }

    fn kvm_api_version(&self) -> Result<i32, HostError> {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        const KVM_GET_API_VERSION: libc::c_ulong = 0xAE00;
        let path = Path::new("/dev/kvm");
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| HostError::from_io(path, &e))?;
        // SAFETY: KVM_GET_API_VERSION takes no argument and only returns a number.
        let version = unsafe { libc::ioctl(file.as_raw_fd(), KVM_GET_API_VERSION, 0) };
        if version < 0 {
            return Err(HostError::from_io(path, &std::io::Error::last_os_error()));
        }
        Ok(version)
    }

    fn xattr(&self, path: &Path, name: &str) -> Result<Option<Vec<u8>>, HostError> {
        xattr::get(path, name).map_err(|e| HostError::from_io(path, &e))
    }

    fn list_dir(&self, path: &Path) -> Result<Vec<String>, HostError> {
        let entries = fs::read_dir(path).map_err(|e| HostError::from_io(path, &e))?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    fn env(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    }

    fn identity(&self) -> Result<Identity, HostError> {
        let uid = Uid::current();
        let gid = Gid::current();
        // NSS lookups (getpwuid_r, getgrgid_r): users from LDAP or sssd resolve too.
        let user = nix::unistd::User::from_uid(uid).ok().flatten();
        let groups = nix::unistd::getgroups()
            .unwrap_or_default()
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

    fn kernel_log(&self) -> Result<String, HostError> {
        read_kernel_ring()
    }

    fn userns_experiment(&self) -> Outcome<UsernsOutcome> {
        if self.passive {
            return passive();
        }
        experiment::run_userns()
    }

    fn idmap_experiment(&self, plan: &IdmapPlan) -> Outcome<IdmapOutcome> {
        if self.passive {
            return passive();
        }
        experiment::run_idmap(plan)
    }
}

fn passive<T>() -> Outcome<T> {
    Outcome::Skipped {
        reason: "--passive: experiments not run".into(),
    }
}

/// Reads the kernel ring buffer with `syslog(SYSLOG_ACTION_READ_ALL)`, which, unlike
/// `/dev/kmsg`, never blocks. Refused (EPERM) under `kernel.dmesg_restrict = 1` without
/// CAP_SYSLOG.
fn read_kernel_ring() -> Result<String, HostError> {
    const SYSLOG_ACTION_READ_ALL: libc::c_int = 3;
    const SYSLOG_ACTION_SIZE_BUFFER: libc::c_int = 10;
    let source = Path::new("syslog(SYSLOG_ACTION_READ_ALL)");
    // SAFETY: SIZE_BUFFER takes no buffer; READ_ALL writes at most `len` bytes into `buf`.
    let size = unsafe { libc::klogctl(SYSLOG_ACTION_SIZE_BUFFER, std::ptr::null_mut(), 0) };
    if size < 0 {
        return Err(HostError::from_io(source, &std::io::Error::last_os_error()));
    }
    let len = (size as usize).clamp(4096, READ_LIMIT as usize);
    let mut buf = vec![0u8; len];
    let read = unsafe {
        libc::klogctl(
            SYSLOG_ACTION_READ_ALL,
            buf.as_mut_ptr().cast(),
            len as libc::c_int,
        )
    };
    if read < 0 {
        return Err(HostError::from_io(source, &std::io::Error::last_os_error()));
    }
    buf.truncate(read as usize);
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
