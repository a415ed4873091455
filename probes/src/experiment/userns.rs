//! The user-namespace experiment: can this user really use a single-id user namespace?
//!
//! Stopping at a successful `unshare` is a known false "OK" (Ubuntu 24.04 lets it succeed and
//! then AppArmor denies every capability), so a forked child goes on through every
//! [`UsernsStep`]: it writes its id maps, makes a private mount namespace and mounts a tmpfs
//! twice, once with `nosuid,nodev,noexec` (allowed even by ChromeOS's mount rule) and once
//! plain, as container runtimes and bwrap do. Everything it does dies with it.
// The experiments are the one place allowed to make these calls and run programs directly.
#![allow(clippy::disallowed_methods)]

use std::ffi::CStr;
use std::io::Write;
use std::path::Path;

use nix::fcntl::{OFlag, open};
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use nix::sys::stat::Mode;
use nix::unistd::{getgid, getuid};

use super::child::{self, ChildSide, Ending, Report, Run, errno_name};
use super::{Outcome, TIME_LIMIT, UsernsOutcome, UsernsStep};

/// Report code meaning "this step has started"; any other code is the errno it failed with.
const STARTED: i32 = -1;
/// Report step, one past the last, meaning every step passed.
const DONE: u8 = UsernsStep::ALL.len() as u8;

/// Runs the experiment in a forked child and reports the first step that failed.
pub fn run_userns() -> Outcome<UsernsOutcome> {
    let target = mount_target();
    match child::run(TIME_LIMIT, |side| run_steps(side, target)) {
        Ok(run) => Outcome::Ran(outcome_of(&run)),
        Err(err) => Outcome::Skipped {
            reason: format!("user-namespace experiment: {err}"),
        },
    }
}

/// Where the child mounts its tmpfs: `/tmp`, or `/` on the rare system without one. Both
/// mounts exist only in the child's private mount namespace; the second one is stacked on
/// the first, so it hides nothing of the host even there.
fn mount_target() -> &'static CStr {
    if Path::new("/tmp").is_dir() {
        c"/tmp"
    } else {
        c"/"
    }
}

/// The child's part: every step in order, announcing each, stopping at the first failure.
fn run_steps(side: &ChildSide, target: &CStr) -> i32 {
    let uid = getuid().as_raw();
    let gid = getgid().as_raw();
    for (index, step) in UsernsStep::ALL.into_iter().enumerate() {
        let step_index = index as u8;
        side.send(Report {
            step: step_index,
            code: STARTED,
        });
        if let Err(errno) = run_step(step, uid, gid, target) {
            side.send(Report {
                step: step_index,
                code: errno as i32,
            });
            return 1;
        }
    }
    side.send(Report {
        step: DONE,
        code: STARTED,
    });
    0
}

/// One step, in the child. System calls only: no allocation.
fn run_step(step: UsernsStep, uid: u32, gid: u32, target: &CStr) -> nix::Result<()> {
    let mut buf = [0u8; 16];
    match step {
        UsernsStep::Unshare => unshare(CloneFlags::CLONE_NEWUSER),
        UsernsStep::Setgroups => write_proc_file(c"/proc/self/setgroups", b"deny"),
        UsernsStep::UidMap => write_proc_file(c"/proc/self/uid_map", one_id_map(uid, &mut buf)),
        UsernsStep::GidMap => write_proc_file(c"/proc/self/gid_map", one_id_map(gid, &mut buf)),
        UsernsStep::MountNamespace => {
            unshare(CloneFlags::CLONE_NEWNS)?;
            let private = MsFlags::MS_REC | MsFlags::MS_PRIVATE;
            mount(None::<&CStr>, c"/", None::<&CStr>, private, None::<&CStr>)
        }
        UsernsStep::MountTmpfsRestricted => {
            let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
            mount_tmpfs(target, flags)
        }
        UsernsStep::MountTmpfs => mount_tmpfs(target, MsFlags::empty()),
    }
}

fn mount_tmpfs(target: &CStr, flags: MsFlags) -> nix::Result<()> {
    mount(Some(c"tmpfs"), target, Some(c"tmpfs"), flags, None::<&CStr>)
}

/// Writes `contents` to a file of `/proc/self` in a single `write`, as the kernel requires.
fn write_proc_file(path: &CStr, contents: &[u8]) -> nix::Result<()> {
    let fd = open(path, OFlag::O_WRONLY | OFlag::O_CLOEXEC, Mode::empty())?;
    let written = nix::unistd::write(&fd, contents)?;
    if written == contents.len() {
        Ok(())
    } else {
        Err(nix::errno::Errno::EIO)
    }
}

/// `0 <id> 1`: maps the caller's own id to 0, formatted without allocating.
fn one_id_map(id: u32, buf: &mut [u8; 16]) -> &[u8] {
    let unused = {
        let mut rest = &mut buf[..];
        // At most 14 bytes ("0 4294967295 1"), so this cannot run out of room.
        let _ = write!(rest, "0 {id} 1");
        rest.len()
    };
    &buf[..buf.len() - unused]
}

/// Turns what the child reported into the outcome: the first failed step and its errno, or
/// the step that was running when the child timed out or was killed.
fn outcome_of(run: &Run) -> UsernsOutcome {
    let failure = run.reports.iter().find(|report| report.code != STARTED);
    if let Some(report) = failure {
        return failed(report.step, errno_name(report.code));
    }
    let last_started = run.reports.last().map_or(0, |report| report.step);
    if last_started == DONE {
        return UsernsOutcome {
            failed_step: None,
            errno: None,
        };
    }
    match run.ending {
        Ending::Exited(code) => failed(last_started, format!("EXIT {code}")),
        Ending::TimedOut => failed(last_started, "TIMEOUT".into()),
        Ending::Signaled(signal) => failed(last_started, signal.as_str().into()),
        Ending::Unknown => failed(last_started, "UNKNOWN".into()),
    }
}

fn failed(step: u8, errno: String) -> UsernsOutcome {
    let step = UsernsStep::ALL
        .get(usize::from(step))
        .copied()
        .unwrap_or(UsernsStep::Unshare);
    UsernsOutcome {
        failed_step: Some(step),
        errno: Some(errno),
    }
}

#[cfg(test)]
mod tests {
    use nix::sys::signal::Signal;

    use super::*;

    fn started(steps: u8) -> Vec<Report> {
        (0..steps)
            .map(|step| Report {
                step,
                code: STARTED,
            })
            .collect()
    }

    #[test]
    fn every_step_passes_on_this_machine() {
        let outcome = run_userns();
        println!("run_userns() = {outcome:?}");
        let Outcome::Ran(ran) = outcome else {
            panic!("the experiment did not run: {outcome:?}");
        };
        assert!(ran.all_passed(), "a step failed: {ran:?}");
    }

    #[test]
    fn one_id_maps_are_formatted_without_allocating() {
        let mut buf = [0u8; 16];
        assert_eq!(one_id_map(0, &mut buf), b"0 0 1");
        assert_eq!(one_id_map(1000, &mut buf), b"0 1000 1");
        assert_eq!(one_id_map(u32::MAX, &mut buf), b"0 4294967295 1");
    }

    #[test]
    fn the_first_failure_is_reported_by_errno_name() {
        let mut reports = started(3);
        reports.push(Report {
            step: 2,
            code: libc::EPERM,
        });
        let run = Run {
            reports,
            ending: Ending::Exited(1),
        };
        let outcome = outcome_of(&run);
        assert_eq!(outcome.failed_step, Some(UsernsStep::UidMap));
        assert_eq!(outcome.errno.as_deref(), Some("EPERM"));
        assert!(outcome.passed(UsernsStep::Setgroups));
    }

    #[test]
    fn a_timeout_blames_the_step_that_was_running() {
        let run = Run {
            reports: started(6),
            ending: Ending::TimedOut,
        };
        let outcome = outcome_of(&run);
        assert_eq!(outcome.failed_step, Some(UsernsStep::MountTmpfsRestricted));
        assert_eq!(outcome.errno.as_deref(), Some("TIMEOUT"));
    }

    #[test]
    fn a_fatal_signal_is_named() {
        let run = Run {
            reports: started(1),
            ending: Ending::Signaled(Signal::SIGSYS),
        };
        let outcome = outcome_of(&run);
        assert_eq!(outcome.failed_step, Some(UsernsStep::Unshare));
        assert_eq!(outcome.errno.as_deref(), Some("SIGSYS"));
    }

    #[test]
    fn done_is_a_pass_however_the_child_was_reaped() {
        let run = Run {
            reports: started(DONE + 1),
            ending: Ending::Unknown,
        };
        assert!(outcome_of(&run).all_passed());
    }

    #[test]
    fn exiting_before_done_is_a_failure() {
        let run = Run {
            reports: started(DONE),
            ending: Ending::Exited(0),
        };
        let outcome = outcome_of(&run);
        assert_eq!(outcome.failed_step, Some(UsernsStep::MountTmpfs));
        assert_eq!(outcome.errno.as_deref(), Some("EXIT 0"));
    }
}
