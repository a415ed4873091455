//! The user-namespace experiment: can this user really use a single-id user namespace?
//!
//! Stopping at a successful `unshare` is a known false "OK" (Ubuntu 24.04 lets it succeed and
//! then AppArmor denies every capability), so a forked child goes on through every
//! [`UsernsStep`]: it writes its id maps, makes a private mount namespace and mounts a tmpfs
//! twice, once with `nosuid,nodev,noexec` (allowed even by ChromeOS's mount rule) and once
//! plain, as container runtimes and bwrap do. Last it mounts an overlay on that tmpfs, which
//! tells whether podman's storage can use native overlay. Everything it does dies with it.
// The experiments are the one place allowed to make these calls and run programs directly.
#![allow(clippy::disallowed_methods)]

use std::ffi::{CStr, CString};
use std::io::Write;
use std::path::Path;

use nix::fcntl::{OFlag, open};
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use nix::sys::stat::Mode;
use nix::unistd::{getgid, getuid, mkdir};

use super::child::{self, Child, ChildSide, Ending, Next, Report, Run, SpawnError, errno_name};
use super::{Outcome, RunAs, StepFailure, TIME_LIMIT, UsernsOutcome, UsernsStep, become_in_child};

/// Report code meaning "this step has started"; any other code is the errno it failed with.
const STARTED: i32 = -1;
/// Report step, one past the last, meaning every step passed.
const DONE: u8 = UsernsStep::ALL.len() as u8;
/// The child's nice value while it goes through its steps (see [`fork_userns`]).
const CHILD_NICE: libc::c_int = 10;
/// Report step: the child could not become the user it runs for; the code is the errno.
const BECOME_FAILED: u8 = 0xFE;

/// Runs the experiment in a forked child and reports the first step that failed.
pub fn run_userns() -> Outcome<UsernsOutcome> {
    run_userns_as(None)
}

/// The experiment in a child that first becomes `run_as` (when root judges for another user):
/// its namespace, maps and mounts are then that user's.
pub fn run_userns_as(run_as: Option<&RunAs>) -> Outcome<UsernsOutcome> {
    fork_userns(run_as).run(run_as)
}

/// The experiment's child, forked and held before its first step until [`UsernsChild::run`].
/// Forking early, while the caller is small and has one thread, is cheaper: every page the
/// caller touched before a fork faults once more when it next writes it, and with other
/// threads running each fault interrupts their processors to flush the mapping.
pub struct UsernsChild {
    child: Result<Child, SpawnError>,
}

/// Forks the experiment's child, which becomes `run_as` and then waits to be let go.
pub fn fork_userns(run_as: Option<&RunAs>) -> UsernsChild {
    let places = Places::new(mount_target());
    let body = |side: &ChildSide| {
        if !become_in_child(run_as, side, BECOME_FAILED) {
            return 1;
        }
        side.wait_release();
        // Its answer is needed last, so the helpers of the idmap experiment, which run at the
        // same time, get the processors first: a nice of 10 weighs a tenth of theirs, and
        // half a millisecond of work still ends far within the time limit on a busy host.
        // SAFETY: a system call that changes this process alone.
        unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, CHILD_NICE) };
        run_steps(side, &places)
    };
    // SAFETY: `run_steps`, `become_in_child` and `wait_release` make system calls on memory
    // prepared before the fork (`places`, `run_as`) and allocate nothing.
    UsernsChild {
        child: unsafe { child::spawn(TIME_LIMIT, body) },
    }
}

impl UsernsChild {
    /// Lets the child go through its steps and judges what it reported. `run_as` is the user
    /// it was forked for.
    pub fn run(self, run_as: Option<&RunAs>) -> Outcome<UsernsOutcome> {
        let mut child = match self.child {
            Ok(child) => child,
            Err(err) => {
                return Outcome::Skipped {
                    reason: format!("user-namespace experiment: {err}"),
                };
            }
        };
        child.release();
        let mut reports = Vec::new();
        while let Next::Report(report) = child.recv() {
            reports.push(report);
        }
        let run = Run {
            reports,
            ending: child.finish(),
        };
        match run.reports.iter().find(|r| r.step == BECOME_FAILED) {
            Some(report) => Outcome::Skipped {
                reason: format!(
                    "user-namespace experiment: the child could not become uid {}: {}",
                    run_as.map_or(0, |r| r.uid),
                    errno_name(report.code)
                ),
            },
            None => Outcome::Ran(outcome_of(&run)),
        }
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

/// Where the child mounts, prepared before the fork so that the child need not allocate.
struct Places {
    target: &'static CStr,
    lower: CString,
    upper: CString,
    work: CString,
    merged: CString,
    overlay_options: CString,
}

impl Places {
    fn new(target: &'static CStr) -> Self {
        let base = target.to_string_lossy().trim_end_matches('/').to_string();
        let dir = |name: &str| CString::new(format!("{base}/{name}")).unwrap_or_default();
        let (lower, upper, work) = (dir("lower"), dir("upper"), dir("work"));
        let overlay_options = CString::new(format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.to_string_lossy(),
            upper.to_string_lossy(),
            work.to_string_lossy()
        ))
        .unwrap_or_default();
        Places {
            target,
            merged: dir("merged"),
            lower,
            upper,
            work,
            overlay_options,
        }
    }
}

/// The child's part: every step in order, announcing each, stopping at the first failure.
fn run_steps(side: &ChildSide, places: &Places) -> i32 {
    let uid = getuid().as_raw();
    let gid = getgid().as_raw();
    for (index, step) in UsernsStep::ALL.into_iter().enumerate() {
        let step_index = index as u8;
        side.send(Report {
            step: step_index,
            code: STARTED,
        });
        if let Err(errno) = run_step(step, uid, gid, places) {
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
fn run_step(step: UsernsStep, uid: u32, gid: u32, places: &Places) -> nix::Result<()> {
    let mut buf = [0u8; 16];
    let target = places.target;
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
        UsernsStep::MountOverlay => {
            // On the child's own tmpfs: nothing of the host is touched.
            for dir in [&places.lower, &places.upper, &places.work, &places.merged] {
                mkdir(dir.as_c_str(), Mode::from_bits_truncate(0o700))?;
            }
            mount(
                Some(c"overlay"),
                places.merged.as_c_str(),
                Some(c"overlay"),
                MsFlags::empty(),
                Some(places.overlay_options.as_c_str()),
            )
        }
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
        return failed(report.step, StepFailure::Errno(errno_name(report.code)));
    }
    let last_started = run.reports.last().map_or(0, |report| report.step);
    if last_started == DONE {
        return UsernsOutcome {
            failed_step: None,
            errno: None,
        };
    }
    match run.ending {
        Ending::Exited(code) => failed(last_started, StepFailure::Exit(code)),
        Ending::TimedOut => failed(last_started, StepFailure::Timeout),
        Ending::Signaled(signal) => {
            failed(last_started, StepFailure::Signal(signal.as_str().into()))
        }
        Ending::Unknown => failed(last_started, StepFailure::Unknown),
    }
}

fn failed(step: u8, errno: StepFailure) -> UsernsOutcome {
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
    fn the_child_reports_how_far_it_got_on_this_machine() {
        // Whatever this host allows (CI may forbid user namespaces), the child must report
        // its steps and end well within the limit.
        let outcome = run_userns();
        println!("run_userns() = {outcome:?}");
        let Outcome::Ran(ran) = outcome else {
            panic!("the experiment did not run: {outcome:?}");
        };
        assert_ne!(ran.errno, Some(StepFailure::Timeout), "{ran:?}");
        assert_ne!(ran.errno, Some(StepFailure::Unknown), "{ran:?}");
    }

    #[test]
    fn a_child_forked_ahead_takes_no_step_until_it_is_let_go() {
        let forked = fork_userns(None);
        let pid = forked.child.as_ref().expect("fork").pid();
        std::thread::sleep(std::time::Duration::from_millis(50));
        // Still in this process's user namespace: its first step, unshare, has not run.
        let namespace = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/user")).unwrap();
        assert_eq!(namespace(&pid.to_string()), namespace("self"));
        let outcome = forked.run(None);
        assert!(matches!(outcome, Outcome::Ran(_)), "{outcome:?}");
        assert_eq!(
            nix::sys::signal::kill(pid, None),
            Err(nix::errno::Errno::ESRCH),
            "the child is reaped once it has run"
        );
    }

    #[test]
    fn as_another_user_the_child_still_writes_its_own_maps() {
        let Some(run_as) = crate::experiment::nobody_for_tests() else {
            return;
        };
        let own = run_userns();
        let theirs = run_userns_as(Some(&run_as));
        println!("as root: {own:?}; as nobody: {theirs:?}");
        let Outcome::Ran(ran) = theirs else {
            panic!("the experiment did not run as nobody: {theirs:?}");
        };
        assert_ne!(ran.errno, Some(StepFailure::Timeout), "{ran:?}");
        // A child left non-dumpable after its switch could not write its own maps (EACCES).
        if own.ran().is_some_and(|o| o.passed(UsernsStep::GidMap)) {
            assert!(ran.passed(UsernsStep::GidMap), "{ran:?}");
        }
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
        assert_eq!(outcome.errno, Some(StepFailure::Errno("EPERM".into())));
        assert!(outcome.passed(UsernsStep::Setgroups));
    }

    #[test]
    fn the_overlay_lies_on_the_childs_own_tmpfs() {
        let places = Places::new(c"/tmp");
        assert_eq!(places.merged.as_c_str(), c"/tmp/merged");
        assert_eq!(
            places.overlay_options.as_c_str(),
            c"lowerdir=/tmp/lower,upperdir=/tmp/upper,workdir=/tmp/work"
        );
        assert_eq!(Places::new(c"/").lower.as_c_str(), c"/lower");
    }

    #[test]
    fn a_timeout_blames_the_step_that_was_running() {
        let run = Run {
            reports: started(6),
            ending: Ending::TimedOut,
        };
        let outcome = outcome_of(&run);
        assert_eq!(outcome.failed_step, Some(UsernsStep::MountTmpfsRestricted));
        assert_eq!(outcome.errno, Some(StepFailure::Timeout));
    }

    #[test]
    fn a_fatal_signal_is_named() {
        let run = Run {
            reports: started(1),
            ending: Ending::Signaled(Signal::SIGSYS),
        };
        let outcome = outcome_of(&run);
        assert_eq!(outcome.failed_step, Some(UsernsStep::Unshare));
        assert_eq!(outcome.errno, Some(StepFailure::Signal("SIGSYS".into())));
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
        assert_eq!(outcome.failed_step, Some(UsernsStep::MountOverlay));
        assert_eq!(outcome.errno, Some(StepFailure::Exit(0)));
    }
}
