//! Forked children with a time limit: where the experiments run.
//!
//! An experiment does things that cannot be undone in the process that does them (`unshare`
//! is for good, and a multithreaded caller gets EINVAL), so each one runs in a forked child.
//! The child reports to its parent through a pipe in fixed-size [`Report`]s, never returns into
//! the caller's code and ends with `_exit`. The parent kills it at its time limit and always
//! reaps it, also when a [`Child`] is dropped early.
//!
//! Between `fork` and `_exit` the child must stay async-signal-safe: no allocation, no locks,
//! no panics, only system calls. (After a `fork` in a multithreaded process, such as a test
//! harness, another thread may have held the allocator's lock.)

use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid, pipe2, read, write};

use super::exit_watch::ExitWatch;

/// How long the parent sleeps at most between two looks at its child.
const POLL_SLICE: Duration = Duration::from_millis(10);
/// Exit code of a child whose parent was already gone when it started.
const CHILD_ORPHANED: i32 = 125;
/// Exit code of a child whose body panicked.
const CHILD_PANICKED: i32 = 126;

/// One message from a child: a step index and a code whose meaning the experiment defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Report {
    pub step: u8,
    pub code: i32,
}

/// Size of an encoded [`Report`]; far below `PIPE_BUF`, so each write is atomic.
const REPORT_LEN: usize = 8;

impl Report {
    fn encode(self) -> [u8; REPORT_LEN] {
        let code = self.code.to_le_bytes();
        [self.step, 0, 0, 0, code[0], code[1], code[2], code[3]]
    }

    fn decode(bytes: [u8; REPORT_LEN]) -> Self {
        Report {
            step: bytes[0],
            code: i32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        }
    }
}

/// The child's ends of the two pipes: one to report on, one to wait on.
pub(crate) struct ChildSide {
    report: OwnedFd,
    release: OwnedFd,
}

impl ChildSide {
    /// Sends a report; best effort, since a parent that is gone cannot listen anyway.
    pub fn send(&self, report: Report) {
        let _ = write(&self.report, &report.encode());
    }

    /// Blocks until the parent releases the child or goes away: both close the other end.
    pub fn wait_release(&self) {
        let mut byte = [0u8; 1];
        while read(&self.release, &mut byte) == Err(Errno::EINTR) {}
    }
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Exited(i32),
    /// Killed by a signal that was not our time limit (e.g. SIGSYS from a seccomp filter).
    Signaled(Signal),
    /// Killed with SIGKILL at its time limit.
    TimedOut,
    /// Reaped by someone else (SIGCHLD ignored), so its status is unknown.
    Unknown,
}

/// What [`Child::recv`] saw next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    Report(Report),
    /// The child ended and every report it sent has been received.
    Ended,
    /// The time limit passed; the child is still alive until [`Child::finish`].
    TimedOut,
}

/// Why no child could be started.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SpawnError {
    #[error("could not create a pipe to the experiment child: {0}")]
    Pipe(Errno),
    #[error("could not fork the experiment child: {0}")]
    Fork(Errno),
}

/// A running experiment child, as its parent sees it. Dropping it kills and reaps the child.
pub(crate) struct Child {
    pid: Pid,
    /// Wakes the parent when the child exits.
    exit: ExitWatch,
    reports: OwnedFd,
    release: Option<OwnedFd>,
    deadline: Instant,
    pending: Vec<u8>,
    ending: Option<Ending>,
}

/// Everything a finished child reported, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    pub reports: Vec<Report>,
    pub ending: Ending,
}

/// Runs `body` in a child until it ends or `limit` passes, and collects its reports.
///
/// # Safety
///
/// As for [`spawn`]: `body` must be async-signal-safe.
#[cfg(test)]
pub(crate) unsafe fn run<F>(limit: Duration, body: F) -> Result<Run, SpawnError>
where
    F: FnOnce(&ChildSide) -> i32,
{
    // SAFETY: the caller vouches for `body`.
    let mut child = unsafe { spawn(limit, body) }?;
    let mut reports = Vec::new();
    while let Next::Report(report) = child.recv() {
        reports.push(report);
    }
    let ending = child.finish();
    Ok(Run { reports, ending })
}

/// Forks a child that runs `body` and `_exit`s with its return value.
///
/// # Safety
///
/// `body` runs in the forked copy of a process that may have other threads, of which only
/// the forking one survives: any lock another thread held (the allocator's, stdio's) stays
/// held for good. So `body` must be async-signal-safe: system calls and reads of memory
/// allocated before the fork only; no allocation, no locks, no panics, no formatting.
pub(crate) unsafe fn spawn<F>(limit: Duration, body: F) -> Result<Child, SpawnError>
where
    F: FnOnce(&ChildSide) -> i32,
{
    let (reports, report_tx) = pipe2(OFlag::O_CLOEXEC).map_err(SpawnError::Pipe)?;
    let (release_rx, release) = pipe2(OFlag::O_CLOEXEC).map_err(SpawnError::Pipe)?;
    set_nonblocking(&reports).map_err(SpawnError::Pipe)?;
    let parent = getpid();
    // SAFETY: the child only runs `child_main`, which makes system calls, runs `body` (async-
    // signal-safe by this function's contract) and ends with `_exit`; it never returns here.
    match unsafe { fork() }.map_err(SpawnError::Fork)? {
        ForkResult::Child => {
            drop(reports);
            drop(release);
            let side = ChildSide {
                report: report_tx,
                release: release_rx,
            };
            child_main(parent, &side, body)
        }
        ForkResult::Parent { child } => Ok(Child {
            pid: child,
            exit: ExitWatch::new(child.as_raw()),
            reports,
            release: Some(release),
            deadline: Instant::now() + limit,
            pending: Vec::new(),
            ending: None,
        }),
    }
}

/// The whole life of the child: set up, run the body, `_exit`.
fn child_main<F>(parent: Pid, side: &ChildSide, body: F) -> !
where
    F: FnOnce(&ChildSide) -> i32,
{
    let code = if prepare_child(parent, side) {
        std::panic::catch_unwind(AssertUnwindSafe(|| body(side))).unwrap_or(CHILD_PANICKED)
    } else {
        CHILD_ORPHANED
    };
    // SAFETY: `_exit` ends the process at once, without unwinding, destructors or atexit hooks
    // that belong to the parent's copy of the program.
    unsafe { libc::_exit(code) }
}

/// Ties the child's life to its parent's and drops every inherited descriptor but stdio and
/// its own pipes. Returns false when the parent is already gone.
fn prepare_child(parent: Pid, side: &ChildSide) -> bool {
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if getppid() != parent {
        return false;
    }
    close_other_fds([side.report.as_raw_fd(), side.release.as_raw_fd()]);
    // The parent's SIGCHLD handler (see `sigchld`) writes to descriptors just closed here.
    // SAFETY: sigaction is async-signal-safe; it restores the default disposition.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(libc::SIGCHLD, &default, std::ptr::null_mut());
    }
    true
}

/// Closes every descriptor from 3 up except `keep`, so that nothing the child holds (another
/// thread's pipe, a file being written) outlives the parent's intent. Best effort: kernels
/// before 5.9 lack `close_range`.
fn close_other_fds(mut keep: [RawFd; 2]) {
    keep.sort_unstable();
    let mut first: RawFd = 3;
    for fd in keep {
        if fd > first {
            close_range(first, fd - 1);
        }
        first = first.max(fd + 1);
    }
    close_range(first, RawFd::MAX);
}

fn close_range(first: RawFd, last: RawFd) {
    // SAFETY: close_range only closes descriptors; the child never uses the closed ones again.
    unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) };
}

fn set_nonblocking(fd: &OwnedFd) -> nix::Result<()> {
    let flags = OFlag::from_bits_retain(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).map(drop)
}

impl Child {
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// When the child's time limit runs out: what its helpers share too.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Waits for the child's next report, for its end, or for the time limit.
    pub fn recv(&mut self) -> Next {
        loop {
            if let Some(report) = self.take_report() {
                return Next::Report(report);
            }
            if self.ending.is_some() {
                return Next::Ended;
            }
            if self.reap_if_ended() {
                self.drain();
                continue;
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Next::TimedOut;
            }
            if self.wait_readable(left) && self.drain() {
                // End of file but not reaped yet: the child is between closing and exiting.
                self.wait_exit(left);
            }
        }
    }

    /// Tells a child blocked in [`ChildSide::wait_release`] to go on. Closing the pipe (rather
    /// than writing to it) cannot raise SIGPIPE in the parent when the child is already gone.
    pub fn release(&mut self) {
        self.release = None;
    }

    /// Releases the child, waits for it until its time limit, kills it then, and reaps it.
    pub fn finish(mut self) -> Ending {
        self.release();
        loop {
            if let Some(ending) = self.ending {
                return ending;
            }
            if self.reap_if_ended() {
                continue;
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return self.kill_and_reap();
            }
            self.wait_exit(left);
        }
    }

    fn take_report(&mut self) -> Option<Report> {
        let bytes: [u8; REPORT_LEN] = self.pending.get(..REPORT_LEN)?.try_into().ok()?;
        self.pending.drain(..REPORT_LEN);
        Some(Report::decode(bytes))
    }

    /// Reads whatever the child has written so far. Returns true at end of file.
    fn drain(&mut self) -> bool {
        let mut buf = [0u8; 256];
        loop {
            match read(&self.reports, &mut buf) {
                Ok(0) => return true,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(Errno::EINTR) => {}
                Err(_) => return false,
            }
        }
    }

    /// Waits up to `timeout` for the report pipe to become readable (or hung up), or the
    /// child to exit.
    fn wait_readable(&self, timeout: Duration) -> bool {
        self.exit.wait(&[self.reports.as_fd()], timeout, POLL_SLICE)
    }

    /// Waits up to `timeout` for the child to exit; with nothing to wake on, a short sleep.
    fn wait_exit(&self, timeout: Duration) {
        self.exit.wait(&[], timeout, Duration::from_millis(1));
    }

    /// Reaps the child if it has ended; records how. Returns true once it is reaped.
    fn reap_if_ended(&mut self) -> bool {
        match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(_, code)) => self.ending = Some(Ending::Exited(code)),
            Ok(WaitStatus::Signaled(_, signal, _)) => self.ending = Some(Ending::Signaled(signal)),
            Ok(_) | Err(Errno::EINTR) => {}
            Err(_) => self.ending = Some(Ending::Unknown),
        }
        self.ending.is_some()
    }

    /// SIGKILLs the child and waits for it. The pid cannot have been reused: the child is
    /// not reaped yet.
    fn kill_and_reap(&mut self) -> Ending {
        let _ = kill(self.pid, Signal::SIGKILL);
        let ending = loop {
            match waitpid(self.pid, None) {
                Ok(WaitStatus::Exited(_, code)) => break Ending::Exited(code),
                Ok(WaitStatus::Signaled(_, Signal::SIGKILL, _)) => break Ending::TimedOut,
                Ok(WaitStatus::Signaled(_, signal, _)) => break Ending::Signaled(signal),
                Ok(_) | Err(Errno::EINTR) => {}
                Err(_) => break Ending::Unknown,
            }
        };
        self.ending = Some(ending);
        ending
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.ending.is_none() {
            self.kill_and_reap();
        }
    }
}

/// The name of an errno value, as in `EPERM`; `errno <n>` for values `nix` does not know.
pub(crate) fn errno_name(code: i32) -> String {
    match Errno::from_raw(code) {
        Errno::UnknownErrno => format!("errno {code}"),
        errno => format!("{errno:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHORT: Duration = Duration::from_millis(300);

    fn assert_reaped(pid: Pid) {
        assert_eq!(
            waitpid(pid, Some(WaitPidFlag::WNOHANG)),
            Err(Errno::ECHILD),
            "child {pid} must be reaped"
        );
    }

    #[test]
    fn reports_arrive_in_order_with_the_exit_code() {
        // SAFETY: the body makes system calls only.
        let run = unsafe {
            run(Duration::from_secs(10), |side| {
                for step in 0..5 {
                    side.send(Report {
                        step,
                        code: -i32::from(step),
                    });
                }
                7
            })
        }
        .expect("fork");
        let expected: Vec<Report> = (0..5)
            .map(|step| Report {
                step,
                code: -i32::from(step),
            })
            .collect();
        assert_eq!(run.reports, expected);
        assert_eq!(run.ending, Ending::Exited(7));
    }

    #[test]
    fn without_a_pidfd_sigchld_wakes_the_parent() {
        // As on a kernel before 5.3: the pidfd is given up for the SIGCHLD pipe.
        let Some(wake) = crate::experiment::sigchld::SignalWake::claim() else {
            return; // SIGCHLD handled by someone else: covered in sigchld's own test
        };
        // SAFETY: the body makes system calls only.
        let mut child = unsafe {
            spawn(Duration::from_secs(30), |side| {
                side.send(Report { step: 1, code: 0 });
                side.wait_release();
                3
            })
        }
        .expect("fork");
        child.exit = ExitWatch::Signal(wake);
        let pid = child.pid();
        let started = Instant::now();
        assert_eq!(child.recv(), Next::Report(Report { step: 1, code: 0 }));
        assert_eq!(child.finish(), Ending::Exited(3));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_reaped(pid);
    }

    #[test]
    fn a_child_that_sleeps_forever_is_killed_at_the_limit_and_reaped() {
        let started = Instant::now();
        // SAFETY: the body makes system calls only.
        let mut child = unsafe {
            spawn(SHORT, |_| {
                loop {
                    nix::unistd::pause();
                }
            })
        }
        .expect("fork");
        let pid = child.pid();
        assert_eq!(child.recv(), Next::TimedOut);
        assert_eq!(child.finish(), Ending::TimedOut);
        let took = started.elapsed();
        assert!(took >= SHORT, "killed too early: {took:?}");
        assert!(
            took < SHORT + Duration::from_secs(2),
            "killed too late: {took:?}"
        );
        assert_reaped(pid);
    }

    #[test]
    fn a_released_child_goes_on_and_ends() {
        // SAFETY: the body makes system calls only.
        let mut child = unsafe {
            spawn(Duration::from_secs(10), |side| {
                side.send(Report { step: 1, code: 0 });
                side.wait_release();
                3
            })
        }
        .expect("fork");
        assert_eq!(child.recv(), Next::Report(Report { step: 1, code: 0 }));
        assert_eq!(child.finish(), Ending::Exited(3));
    }

    #[test]
    fn dropping_a_child_kills_and_reaps_it() {
        // SAFETY: the body makes system calls only.
        let child = unsafe {
            spawn(Duration::from_secs(10), |side| {
                side.wait_release();
                loop {
                    nix::unistd::pause();
                }
            })
        }
        .expect("fork");
        let pid = child.pid();
        drop(child);
        assert_reaped(pid);
    }

    #[test]
    fn a_signal_is_reported_as_such() {
        // SAFETY: the body makes system calls only.
        let run = unsafe {
            run(Duration::from_secs(10), |_| {
                let _ = nix::sys::signal::raise(Signal::SIGUSR1);
                0
            })
        }
        .expect("fork");
        assert_eq!(run.ending, Ending::Signaled(Signal::SIGUSR1));
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(libc::EPERM), "EPERM");
        assert_eq!(errno_name(libc::ENOSPC), "ENOSPC");
        assert_eq!(errno_name(-5), "errno -5");
    }
}
