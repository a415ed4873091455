//! Becoming another user: how `hostcap check --user NAME`, run as root, makes its experiments
//! and the helpers they run belong to that user, as if the user had started them.
//!
//! The switch is made with raw system calls (`setgroups`, `setresgid`, `setresuid`, in that
//! order), which change the calling thread only. In a forked child, the only thread, that is the
//! whole process; in [`crate::host::LiveHost`]'s reader thread it is that thread alone (glibc's
//! wrappers would instead switch every thread of the process). They are async-signal-safe: no
//! allocation, no locks.

use nix::errno::Errno;

use super::RunAs;
use super::child::{ChildSide, Report};

#[cfg(any(target_arch = "x86", target_arch = "arm"))]
mod nr {
    pub const SETGROUPS: libc::c_long = libc::SYS_setgroups32;
    pub const SETRESGID: libc::c_long = libc::SYS_setresgid32;
    pub const SETRESUID: libc::c_long = libc::SYS_setresuid32;
}

#[cfg(not(any(target_arch = "x86", target_arch = "arm")))]
mod nr {
    pub const SETGROUPS: libc::c_long = libc::SYS_setgroups;
    pub const SETRESGID: libc::c_long = libc::SYS_setresgid;
    pub const SETRESUID: libc::c_long = libc::SYS_setresuid;
}

impl RunAs {
    /// Switches the calling thread to the user for good: supplementary groups, then the gid,
    /// then the uid (after which the first two could no longer be changed). With every uid
    /// non-zero the kernel clears the permitted and effective capabilities. Then checks that
    /// the switch took. System calls only: safe between `fork` and `exec`.
    pub(crate) fn assume_thread(&self) -> Result<(), Errno> {
        let (uid, gid) = (self.uid as libc::uid_t, self.gid as libc::gid_t);
        // SAFETY: plain system calls on this thread's credentials; `groups` outlives the call.
        // Each runs only if the one before it succeeded.
        let failed = unsafe {
            libc::syscall(
                nr::SETGROUPS,
                self.groups.len() as libc::size_t,
                self.groups.as_ptr() as *const libc::gid_t,
            ) != 0
                || libc::syscall(nr::SETRESGID, gid, gid, gid) != 0
                || libc::syscall(nr::SETRESUID, uid, uid, uid) != 0
        };
        if failed {
            return Err(Errno::last());
        }
        // SAFETY: the get* calls only read this thread's credentials.
        let (ruid, euid, rgid, egid) = unsafe {
            (
                libc::getuid(),
                libc::geteuid(),
                libc::getgid(),
                libc::getegid(),
            )
        };
        if (ruid, euid, rgid, egid) != (uid, uid, gid, gid) {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// [`Self::assume_thread`] in a forked child, which then makes itself dumpable again, as a
    /// process the user had started would be. (The kernel marks a process non-dumpable when its
    /// ids change; its `/proc/PID/uid_map` would then belong to root, and neither the child nor
    /// the user's newuidmap could write it.)
    pub(crate) fn assume_in_child(&self) -> Result<(), Errno> {
        self.assume_thread()?;
        // SAFETY: PR_SET_DUMPABLE takes a plain integer.
        if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) } != 0 {
            return Err(Errno::last());
        }
        Ok(())
    }
}

/// The first thing an experiment's child does when root judges for another user: become
/// `run_as`, or report `failed_step` with the errno. `false` means the child must stop there.
pub(crate) fn become_in_child(run_as: Option<&RunAs>, side: &ChildSide, failed_step: u8) -> bool {
    match run_as.map(RunAs::assume_in_child) {
        Some(Err(errno)) => {
            side.send(Report {
                step: failed_step,
                code: errno as i32,
            });
            false
        }
        _ => true,
    }
}

/// A user to become in tests, when they run as root: `nobody`; `None` (and a note) otherwise.
#[cfg(test)]
pub(crate) fn nobody_for_tests() -> Option<RunAs> {
    if !nix::unistd::geteuid().is_root() {
        println!("skipped: becoming another user needs root");
        return None;
    }
    let user = nix::unistd::User::from_name("nobody").ok().flatten()?;
    Some(RunAs {
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
        groups: vec![user.gid.as_raw()],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::child;

    #[test]
    fn a_child_becomes_the_user_without_capabilities_and_stays_dumpable() {
        let Some(run_as) = nobody_for_tests() else {
            return;
        };
        let body = |side: &child::ChildSide| {
            if let Err(errno) = run_as.assume_in_child() {
                side.send(child::Report {
                    step: 0,
                    code: errno as i32,
                });
                return 1;
            }
            // SAFETY: plain system calls.
            let (uid, dumpable, back) = unsafe {
                (
                    libc::getuid(),
                    libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0),
                    libc::setuid(0),
                )
            };
            side.send(child::Report {
                step: 1,
                code: uid as i32,
            });
            side.send(child::Report {
                step: 2,
                code: dumpable,
            });
            side.send(child::Report {
                step: 3,
                code: back,
            });
            0
        };
        // SAFETY: the body makes system calls only.
        let run = unsafe { child::run(std::time::Duration::from_secs(5), body) }.expect("fork");
        let codes: Vec<(u8, i32)> = run.reports.iter().map(|r| (r.step, r.code)).collect();
        assert_eq!(
            codes,
            [(1, run_as.uid as i32), (2, 1), (3, -1)],
            "uid, dumpable, setuid(0) refused"
        );
    }
}
