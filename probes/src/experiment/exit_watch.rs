//! What wakes a parent the moment its child exits, so that it never sleeps longer than it
//! must: the child's pidfd (Linux ≥ 5.3), else a pipe written by a SIGCHLD handler, else
//! nothing, and then waits are cut into short slices.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use super::sigchld::SignalWake;

pub(crate) enum ExitWatch {
    Pidfd(OwnedFd),
    Signal(SignalWake),
    Nothing,
}

impl ExitWatch {
    /// For `pid`, a child of this process that has not been reaped yet. Made before the
    /// caller first looks whether the child ended, so that no exit goes unnoticed.
    pub fn new(pid: i32) -> Self {
        if let Some(pidfd) = super::pidfd::open(pid) {
            return ExitWatch::Pidfd(pidfd);
        }
        SignalWake::claim().map_or(ExitWatch::Nothing, ExitWatch::Signal)
    }

    fn fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            ExitWatch::Pidfd(pidfd) => Some(pidfd.as_fd()),
            ExitWatch::Signal(wake) => Some(wake.fd()),
            ExitWatch::Nothing => None,
        }
    }

    /// Waits up to `timeout` until one of `fds` is readable or hung up, or the child may
    /// have exited; with nothing to wake on, for at most `slice`. Returns whether something
    /// woke it before the time was up. The caller then looks at the child again.
    pub fn wait(&self, fds: &[BorrowedFd<'_>], timeout: Duration, slice: Duration) -> bool {
        let mut all = fds.to_vec();
        match self.fd() {
            Some(exit) => {
                all.push(exit);
                let woke = super::pidfd::wait_any(&all, timeout);
                if let ExitWatch::Signal(wake) = self {
                    wake.clear();
                }
                woke
            }
            None if all.is_empty() => {
                std::thread::sleep(timeout.min(slice));
                false
            }
            None => super::pidfd::wait_any(&all, timeout.min(slice)),
        }
    }
}
