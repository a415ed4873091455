//! Waking on a child's exit where pidfds are missing (Linux before 5.3, such as RHEL 8's
//! 4.18): a SIGCHLD handler writes a byte to the pipe of every waiter, which polls that pipe
//! beside the child's output. Any child's exit wakes every waiter; each then looks whether its
//! own child is the one that ended.
//!
//! The handler is installed only while SIGCHLD has its default disposition, so a program that
//! handles or ignores SIGCHLD itself keeps its behaviour (its waiters then fall back to short
//! sleeps). Each slot's pipe is created once and never closed: the handler can never write to
//! a descriptor number that was closed and reused for something else.

use std::os::fd::{BorrowedFd, IntoRawFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use nix::fcntl::OFlag;
use nix::unistd::pipe2;

/// Waiters at once: two experiment children and two helpers, with room to spare.
const SLOTS: usize = 16;

static IN_USE: [AtomicBool; SLOTS] = [const { AtomicBool::new(false) }; SLOTS];
static READ_ENDS: [AtomicI32; SLOTS] = [const { AtomicI32::new(-1) }; SLOTS];
/// What the handler writes to; -1 until the slot is first used.
static WRITE_ENDS: [AtomicI32; SLOTS] = [const { AtomicI32::new(-1) }; SLOTS];

extern "C" fn on_sigchld(_: libc::c_int) {
    // SAFETY: the handler reads atomics and calls write(2), which is async-signal-safe; errno
    // is restored so that the interrupted code sees its own.
    unsafe {
        let errno = *libc::__errno_location();
        for end in &WRITE_ENDS {
            let fd = end.load(Ordering::SeqCst);
            if fd >= 0 {
                libc::write(fd, [1u8].as_ptr().cast(), 1);
            }
        }
        *libc::__errno_location() = errno;
    }
}

/// Installs the handler once, if SIGCHLD is still at its default. Returns whether it is in.
fn installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        // SAFETY: sigaction with valid pointers; the handler is async-signal-safe.
        unsafe {
            let mut current: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGCHLD, std::ptr::null(), &mut current) != 0
                || current.sa_sigaction != libc::SIG_DFL
            {
                return false;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigchld as *const () as usize;
            action.sa_flags = libc::SA_RESTART | libc::SA_NOCLDSTOP;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGCHLD, &action, std::ptr::null_mut()) == 0
        }
    })
}

/// A pipe that becomes readable when a child of this process exits. Claim it before looking
/// whether the child has ended, so that an exit in between still wakes the next poll.
pub(crate) struct SignalWake {
    slot: usize,
}

impl SignalWake {
    /// `None` when SIGCHLD is handled or ignored by someone else, or every slot is taken.
    pub fn claim() -> Option<Self> {
        if !installed() {
            return None;
        }
        let slot = IN_USE.iter().position(|used| {
            used.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        })?;
        if READ_ENDS[slot].load(Ordering::SeqCst) < 0 {
            let Ok((read, write)) = pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK) else {
                IN_USE[slot].store(false, Ordering::SeqCst);
                return None;
            };
            READ_ENDS[slot].store(read.into_raw_fd(), Ordering::SeqCst);
            WRITE_ENDS[slot].store(write.into_raw_fd(), Ordering::SeqCst);
        }
        let wake = SignalWake { slot };
        // What earlier exits left there is not news to this waiter.
        wake.clear();
        Some(wake)
    }

    /// The end to poll for reading.
    pub fn fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the slot's read end was opened in `claim` and is never closed.
        unsafe { BorrowedFd::borrow_raw(READ_ENDS[self.slot].load(Ordering::SeqCst)) }
    }

    /// Empties the pipe after a wake-up, before looking at the child again.
    pub fn clear(&self) {
        let mut buf = [0u8; 64];
        while nix::unistd::read(self.fd(), &mut buf).is_ok_and(|n| n > 0) {}
    }
}

impl Drop for SignalWake {
    fn drop(&mut self) {
        self.clear();
        IN_USE[self.slot].store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn a_child_that_exits_wakes_the_claimed_pipe() {
        let Some(wake) = SignalWake::claim() else {
            // Only when SIGCHLD is not at its default here: then nothing was installed.
            // SAFETY: sigaction only reads the current disposition into `current`.
            let current = unsafe {
                let mut current: libc::sigaction = std::mem::zeroed();
                libc::sigaction(libc::SIGCHLD, std::ptr::null(), &mut current);
                current
            };
            assert_ne!(current.sa_sigaction, libc::SIG_DFL);
            return;
        };
        #[allow(clippy::disallowed_methods)]
        let mut child = std::process::Command::new("/bin/true").spawn().unwrap();
        // Without the handler nothing would ever write to the pipe.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut woke = false;
        while !woke && Instant::now() < deadline {
            super::super::pidfd::wait_any(&[wake.fd()], Duration::from_millis(100));
            woke = nix::unistd::read(wake.fd(), &mut [0u8; 1]).is_ok_and(|n| n == 1);
        }
        assert!(woke, "no byte within 10 s of the child's exit");
        child.wait().unwrap();
    }
}
