//! Waiting for a child without sleeping: a pidfd (Linux ≥ 5.3) becomes readable the moment
//! the child exits, so the parent can `poll` it together with the child's output pipe and
//! wake exactly when something happens. Older kernels get `None`: see `exit_watch` for what
//! stands in.

use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// Opens a pidfd for `pid`, a child of this process that has not been reaped yet.
pub(crate) fn open(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the kernel just returned this descriptor to us; nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Waits until one of `fds` is readable or hung up, or `timeout` passes. Returns whether one
/// was. Interrupted waits count as a wake-up: the caller looks again either way.
pub(crate) fn wait_any(fds: &[BorrowedFd<'_>], timeout: Duration) -> bool {
    let millis = u16::try_from(timeout.as_millis().max(1)).unwrap_or(u16::MAX);
    let mut polls: Vec<PollFd<'_>> = fds
        .iter()
        .map(|fd| PollFd::new(fd.as_fd(), PollFlags::POLLIN))
        .collect();
    !matches!(poll(&mut polls, PollTimeout::from(millis)), Ok(0))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_pidfd_wakes_the_parent_when_the_child_exits() {
        #[allow(clippy::disallowed_methods)]
        let mut child = std::process::Command::new("/bin/sleep")
            .arg("0.05")
            .spawn()
            .unwrap();
        let Some(pidfd) = open(child.id() as i32) else {
            // A kernel before 5.3: nothing to test here.
            child.wait().unwrap();
            return;
        };
        let start = Instant::now();
        assert!(wait_any(&[pidfd.as_fd()], Duration::from_secs(5)));
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(
            child.try_wait().unwrap().is_some(),
            "exited when the pidfd woke us"
        );
    }
}
