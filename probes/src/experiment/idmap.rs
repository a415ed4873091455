//! The idmap experiment: do the real `newuidmap`/`newgidmap` work for this user?
//!
//! Static facts (setuid bits, file capabilities, `nosuid` mounts, no_new_privs, SafeSetID,
//! subordinate ranges) explain why they might not; only running them proves it. This does
//! what podman does: a forked child unshares a user namespace and waits on a pipe while the
//! parent runs `newuidmap <pid> 0 <uid> 1 1 <start> <count>…`, then `newgidmap` likewise.
//! Their exit status and stderr are kept verbatim (`newuidmap: write to uid_map failed:
//! Operation not permitted` from Debian 12's uidmap 4.13 for any missing privilege,
//! `newuidmap: Could not set caps` from a shadow build with libcap's <sys/capability.h>, …);
//! which build says what is told in `probe::idmap::EXPERIMENT`.
// The experiments are the one place allowed to make these calls and run programs directly.
#![allow(clippy::disallowed_methods)]

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::process::CommandExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sched::{CloneFlags, unshare};
use nix::unistd::Pid;

use super::child::{self, Child, ChildSide, Next, Report, SpawnError, errno_name};
use super::exit_watch::ExitWatch;
use super::{
    IdmapOutcome, IdmapPlan, Outcome, PlanLater, RunAs, TIME_LIMIT, ToolRun, become_in_child,
};

/// Report step: the child's user namespace exists and it waits to be released.
const READY: u8 = 0;
/// Report step: `unshare(CLONE_NEWUSER)` failed; the code is its errno.
const UNSHARE_FAILED: u8 = 1;
/// Report step: the child could not become the user it runs for; the code is the errno.
const BECOME_FAILED: u8 = 2;
/// How much of a helper's stderr is kept.
const STDERR_LIMIT: usize = 64 * 1024;
/// How long the parent sleeps at most between two looks at a helper.
const POLL_SLICE: Duration = Duration::from_millis(10);

/// Runs the helpers against a child in a fresh user namespace, as podman would. For another
/// user (root judging `--user`), the child becomes `run_as` before it unshares, so its
/// namespace belongs to that user, and the helpers run as that user too, with the user's
/// environment, exactly as when the user's podman runs them.
///
/// The child is created at once and waits in its namespace for the plan; `None` when no plan
/// came, and then nothing was run.
pub fn run_idmap_as(plan: PlanLater, run_as: Option<&RunAs>) -> Option<Outcome<IdmapOutcome>> {
    run_with_limit(plan, run_as, TIME_LIMIT)
}

/// The experiment within `limit` as a whole: waiting for the plan, the child's readiness and
/// both helpers share it, so that the documented time limit holds for the experiment, not for
/// each wait.
fn run_with_limit(
    plan: PlanLater,
    run_as: Option<&RunAs>,
    limit: Duration,
) -> Option<Outcome<IdmapOutcome>> {
    fork_idmap_with_limit(run_as, limit).run(plan, run_as)
}

/// The experiment's child, forked to wait in its own user namespace for the helpers. Forked
/// early for the reason [`super::UsernsChild`] is.
pub struct IdmapChild {
    spawned: Result<Child, SpawnError>,
}

/// Forks the experiment's child: it becomes `run_as`, unshares and waits.
pub fn fork_idmap(run_as: Option<&RunAs>) -> IdmapChild {
    fork_idmap_with_limit(run_as, TIME_LIMIT)
}

fn fork_idmap_with_limit(run_as: Option<&RunAs>, limit: Duration) -> IdmapChild {
    let body = |side: &ChildSide| {
        if !become_in_child(run_as, side, BECOME_FAILED) {
            return 1;
        }
        waiting_child(side)
    };
    // SAFETY: `body` makes system calls only (`become_in_child` and `waiting_child` are
    // written to that contract) and allocates nothing.
    let spawned = unsafe { child::spawn(limit, body) };
    IdmapChild { spawned }
}

impl IdmapChild {
    /// Runs the helpers on the child once `plan` arrives; `None` when none does, and then the
    /// child is killed and nothing was run. `run_as` is the user it was forked for.
    pub fn run(self, plan: PlanLater, run_as: Option<&RunAs>) -> Option<Outcome<IdmapOutcome>> {
        // Without a plan the child (if any) is dropped here: killed and reaped.
        let plan = plan.wait()?;
        let mut child = match self.spawned {
            Ok(child) => child,
            Err(err) => {
                return Some(Outcome::Skipped {
                    reason: format!("idmap experiment: {err}"),
                });
            }
        };
        if let Err(reason) = wait_ready(&mut child) {
            child.finish();
            return Some(Outcome::Skipped { reason });
        }
        let outcome = map_ids(&plan, run_as, child.pid(), child.deadline());
        child.finish();
        Some(Outcome::Ran(outcome))
    }
}

/// The child's part: a new user namespace, then wait until the parent is done with it.
fn waiting_child(side: &ChildSide) -> i32 {
    if let Err(errno) = unshare(CloneFlags::CLONE_NEWUSER) {
        side.send(Report {
            step: UNSHARE_FAILED,
            code: errno as i32,
        });
        return 1;
    }
    side.send(Report {
        step: READY,
        code: 0,
    });
    side.wait_release();
    0
}

/// Waits for the child's user namespace; the error is the reason the experiment is skipped.
fn wait_ready(child: &mut Child) -> Result<(), String> {
    match child.recv() {
        Next::Report(Report { step: READY, .. }) => Ok(()),
        Next::Report(Report {
            step: BECOME_FAILED,
            code,
        }) => Err(format!(
            "idmap experiment: the child could not become the judged user: {}",
            errno_name(code)
        )),
        Next::Report(Report { code, .. }) => Err(format!(
            "idmap experiment: unshare(CLONE_NEWUSER) failed with {} (the user-namespace \
             experiment covers this)",
            errno_name(code)
        )),
        Next::Ended => Err(
            "idmap experiment: the child ended before its user namespace \
                            was ready"
                .into(),
        ),
        Next::TimedOut => Err(
            "idmap experiment: the child's user namespace was not ready \
                               within the time limit"
                .into(),
        ),
    }
}

/// Runs newuidmap and newgidmap side by side, then reads the child's uid_map. podman runs
/// newgidmap only after newuidmap succeeded, so after a failed newuidmap the other run is
/// stopped and left out of the outcome, as podman would never have started it. (The two
/// write different maps of the same namespace; neither waits for the other.)
fn map_ids(plan: &IdmapPlan, run_as: Option<&RunAs>, pid: Pid, deadline: Instant) -> IdmapOutcome {
    let left = || deadline.saturating_duration_since(Instant::now());
    let uid_args = IdmapPlan::map_args(plan.uid, &plan.uid_ranges);
    let gid_args = IdmapPlan::map_args(plan.gid, &plan.gid_ranges);
    let newuidmap = start_tool(&plan.newuidmap, run_as, pid, &uid_args);
    let newgidmap = start_tool(&plan.newgidmap, run_as, pid, &gid_args);
    let newuidmap = newuidmap.finish(left());
    let newgidmap = if newuidmap.succeeded() {
        Some(newgidmap.finish(left()))
    } else {
        newgidmap.stop();
        None
    };
    let uid_map = std::fs::read_to_string(format!("/proc/{pid}/uid_map")).ok();
    IdmapOutcome {
        newuidmap,
        newgidmap,
        uid_map,
    }
}

/// Runs `program <pid> <map…>` to its end or `limit`, as [`start_tool`] starts it.
#[cfg(test)]
fn run_tool(
    program: &Path,
    run_as: Option<&RunAs>,
    pid: Pid,
    map: &[String],
    limit: Duration,
) -> ToolRun {
    start_tool(program, run_as, pid, map).finish(limit)
}

/// A helper as started: running, or already known not to start.
enum Started {
    Running {
        run: ToolRun,
        process: std::process::Child,
        /// Keeps the helper's group on the list SIGINT/SIGTERM kill, until it is reaped.
        registered: super::reaper::Registered,
    },
    NotStarted(ToolRun),
}

/// Starts `program <pid> <map…>` with stdin empty, stdout discarded and stderr kept, in a
/// process group of its own. `LC_ALL=C` keeps its messages in the English that explanations
/// match. With `run_as`, the program starts as that user (groups, gid, uid) with that user's
/// environment.
fn start_tool(program: &Path, run_as: Option<&RunAs>, pid: Pid, map: &[String]) -> Started {
    let args: Vec<String> = std::iter::once(pid.to_string())
        .chain(map.iter().cloned())
        .collect();
    let mut run = ToolRun {
        command: command_line(program, &args),
        exit_code: None,
        signal: None,
        timed_out: false,
        spawn_error: None,
        stderr: String::new(),
    };
    let mut command = Command::new(program);
    if let Some(run_as) = run_as {
        command
            .env_clear()
            .envs(run_as.env.iter().map(|(k, v)| (k, v)));
        let ids = run_as.clone();
        // SAFETY: the closure runs between fork and exec and only makes system calls on
        // memory allocated before the fork.
        unsafe {
            command.pre_exec(move || ids.assume_thread().map_err(std::io::Error::from));
        }
    }
    // Its own process group: whatever it starts is killed with it.
    command.process_group(0);
    let spawned = command
        .args(&args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    match spawned {
        Ok(process) => Started::Running {
            run,
            registered: super::reaper::register(process.id() as i32),
            process,
        },
        Err(err) => {
            run.spawn_error = Some(format!("{}: {err}", program.display()));
            Started::NotStarted(run)
        }
    }
}

impl Started {
    /// Collects the helper's stderr until it exits or `limit` passes (then it is killed),
    /// and reaps it with whatever it started.
    fn finish(self, limit: Duration) -> ToolRun {
        let (mut run, mut process, registered) = match self {
            Started::Running {
                run,
                process,
                registered,
            } => (run, process, registered),
            Started::NotStarted(run) => return run,
        };
        let stderr = process.stderr.take();
        let watched = watch(&mut process, stderr, limit);
        // A helper that left children behind (`sleep &` in a wrapper script): they go too.
        super::reaper::kill_group(process.id() as i32);
        drop(registered);
        run.exit_code = watched.status.and_then(|status| status.code());
        run.signal = watched.status.and_then(|status| status.signal());
        run.timed_out = watched.timed_out;
        run.stderr = String::from_utf8_lossy(&watched.stderr).into_owned();
        run
    }

    /// Kills the helper and everything it started, and reaps it.
    fn stop(self) {
        if let Started::Running {
            mut process,
            registered,
            ..
        } = self
        {
            super::reaper::kill_group(process.id() as i32);
            let _ = process.wait();
            drop(registered);
        }
    }
}

/// How a helper ended, with the output that was watched.
struct Watched {
    status: Option<ExitStatus>,
    timed_out: bool,
    stderr: Vec<u8>,
}

/// Collects one output pipe of a helper until it exits or `limit` passes, then kills it;
/// always reaps.
fn watch<P: Read + AsFd>(
    process: &mut std::process::Child,
    pipe: Option<P>,
    limit: Duration,
) -> Watched {
    let deadline = Instant::now() + limit;
    let mut stderr = StderrReader::new(pipe);
    let exit = ExitWatch::new(process.id() as i32);
    loop {
        stderr.drain();
        match process.try_wait() {
            Ok(Some(status)) => {
                stderr.drain();
                return stderr.into_watched(Some(status), false);
            }
            Ok(None) => {}
            Err(_) => return kill_and_reap(process, stderr, false),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return kill_and_reap(process, stderr, true);
        }
        stderr.wait(left, &exit);
    }
}

fn kill_and_reap<P: Read + AsFd>(
    process: &mut std::process::Child,
    mut stderr: StderrReader<P>,
    timed_out: bool,
) -> Watched {
    super::reaper::kill_group(process.id() as i32);
    let status = process.wait().ok();
    stderr.drain();
    stderr.into_watched(status, timed_out)
}

/// A helper's output pipe, read without ever blocking, up to [`STDERR_LIMIT`].
struct StderrReader<P> {
    pipe: Option<P>,
    bytes: Vec<u8>,
}

impl<P: Read + AsFd> StderrReader<P> {
    fn new(pipe: Option<P>) -> Self {
        let pipe = pipe.filter(|pipe| {
            fcntl(pipe, FcntlArg::F_GETFL)
                .map(OFlag::from_bits_retain)
                .and_then(|flags| fcntl(pipe, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)))
                .is_ok()
        });
        StderrReader {
            pipe,
            bytes: Vec::new(),
        }
    }

    /// Reads what is there; forgets the pipe at end of file.
    fn drain(&mut self) {
        let Some(pipe) = self.pipe.as_mut() else {
            return;
        };
        let mut buf = [0u8; 4096];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => {
                    self.pipe = None;
                    return;
                }
                Ok(n) => {
                    let room = STDERR_LIMIT.saturating_sub(self.bytes.len());
                    self.bytes.extend_from_slice(&buf[..n.min(room)]);
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }

    /// Waits up to `timeout` for more output or the helper's exit.
    fn wait(&self, timeout: Duration, exit: &ExitWatch) {
        let fds: Vec<BorrowedFd<'_>> = self.pipe.iter().map(|p| p.as_fd()).collect();
        exit.wait(&fds, timeout, POLL_SLICE);
    }

    fn into_watched(self, status: Option<ExitStatus>, timed_out: bool) -> Watched {
        Watched {
            status,
            timed_out,
            stderr: self.bytes,
        }
    }
}

/// The command line as a person would type it, quoting words the shell would split.
fn command_line(program: &Path, args: &[String]) -> String {
    let program = program.to_string_lossy();
    std::iter::once(program.as_ref())
        .chain(args.iter().map(String::as_str))
        .map(shell_word)
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;

    use nix::unistd::{getgid, getuid};

    use super::*;

    /// Writes an executable shell script `name` into `dir`.
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    fn plan(newuidmap: PathBuf, newgidmap: PathBuf) -> IdmapPlan {
        IdmapPlan {
            newuidmap,
            newgidmap,
            uid: getuid().as_raw(),
            gid: getgid().as_raw(),
            uid_ranges: vec![(100_000, 65536)],
            gid_ranges: vec![(200_000, 65536)],
        }
    }

    /// Runs the experiment, again if a freshly written script was still "busy" because another
    /// test thread forked while it was open for writing.
    fn run_retrying(plan: &IdmapPlan) -> IdmapOutcome {
        run_retrying_as(plan, None)
    }

    fn run_retrying_as(plan: &IdmapPlan, run_as: Option<&RunAs>) -> IdmapOutcome {
        for _ in 0..20 {
            let outcome = run_idmap_as(PlanLater::now(plan.clone()), run_as);
            let Some(Outcome::Ran(ran)) = outcome else {
                panic!("the experiment did not run: {outcome:?}");
            };
            let busy = |run: &ToolRun| {
                run.spawn_error
                    .as_deref()
                    .is_some_and(|err| err.contains("busy"))
            };
            if !busy(&ran.newuidmap) && !ran.newgidmap.as_ref().is_some_and(busy) {
                return ran;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the helper scripts stayed busy");
    }

    #[test]
    fn a_missing_helper_is_a_spawn_error_without_newgidmap() {
        let started = Instant::now();
        let missing = PathBuf::from("/nonexistent/hostcap/newuidmap");
        let ran = run_retrying(&plan(missing.clone(), missing));
        let error = ran.newuidmap.spawn_error.as_deref().expect("spawn error");
        assert!(error.contains("No such file"), "{error}");
        assert!(!ran.newuidmap.succeeded());
        assert_eq!(ran.newgidmap, None);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the child was not released"
        );
    }

    #[test]
    fn a_failing_helper_keeps_stderr_verbatim_and_its_exit_code() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = script(
            dir.path(),
            "newuidmap",
            "echo 'newuidmap: Could not set caps' >&2\nexit 1",
        );
        let ran = run_retrying(&plan(fake.clone(), fake.clone()));
        assert_eq!(ran.newuidmap.stderr, "newuidmap: Could not set caps\n");
        assert_eq!(ran.newuidmap.exit_code, Some(1));
        assert_eq!(ran.newuidmap.signal, None);
        assert!(!ran.newuidmap.timed_out);
        assert_eq!(ran.newgidmap, None, "podman stops after newuidmap fails");
        assert_eq!(ran.uid_map.as_deref(), Some(""), "nothing was mapped");
        assert!(
            ran.newuidmap
                .command
                .starts_with(&fake.display().to_string())
        );
    }

    #[test]
    fn helpers_get_podmans_arguments_and_newgidmap_follows_success() {
        let dir = tempfile::tempdir().expect("tempdir");
        let echo = "echo \"$@\" >&2";
        let plan = plan(
            script(dir.path(), "newuidmap", echo),
            script(dir.path(), "newgidmap", echo),
        );
        let ran = run_retrying(&plan);
        let pid = ran
            .newuidmap
            .stderr
            .split(' ')
            .next()
            .expect("pid")
            .to_string();
        let uid_args = format!("{pid} 0 {} 1 1 100000 65536\n", plan.uid);
        let gid_args = format!("{pid} 0 {} 1 1 200000 65536\n", plan.gid);
        assert_eq!(ran.newuidmap.stderr, uid_args);
        assert!(ran.newuidmap.succeeded());
        let newgidmap = ran
            .newgidmap
            .expect("newgidmap runs after newuidmap succeeded");
        assert_eq!(newgidmap.stderr, gid_args);
        assert!(ran.newuidmap.command.ends_with(uid_args.trim_end()));
    }

    #[test]
    fn the_helpers_run_side_by_side() {
        let dir = tempfile::tempdir().expect("tempdir");
        let flag = dir.path().join("newgidmap-started");
        // newuidmap succeeds only if newgidmap starts while it still runs.
        let wait_for_newgidmap = format!(
            "for i in $(seq 100); do [ -e '{}' ] && exit 0; sleep 0.01; done\nexit 1",
            flag.display()
        );
        let plan = plan(
            script(dir.path(), "newuidmap", &wait_for_newgidmap),
            script(
                dir.path(),
                "newgidmap",
                &format!("touch '{}'", flag.display()),
            ),
        );
        let ran = run_retrying(&plan);
        assert!(ran.newuidmap.succeeded(), "{ran:?}");
        assert!(ran.newgidmap.expect("newgidmap").succeeded());
    }

    #[test]
    fn after_a_failed_newuidmap_a_hanging_newgidmap_is_stopped_and_left_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = format!("62.{}", std::process::id());
        let plan = plan(
            script(dir.path(), "newuidmap", "exit 1"),
            script(dir.path(), "newgidmap", &format!("sleep {marker}")),
        );
        let started = Instant::now();
        let ran = run_retrying(&plan);
        assert_eq!(ran.newuidmap.exit_code, Some(1));
        assert_eq!(ran.newgidmap, None, "podman would not have run it");
        assert!(
            started.elapsed() < TIME_LIMIT,
            "waited for newgidmap: {:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !super::bounded::alive(&marker),
            "newgidmap outlived the experiment"
        );
    }

    #[test]
    fn for_another_user_child_and_helpers_are_that_users() {
        let Some(run_as) = crate::experiment::nobody_for_tests() else {
            return;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let report =
            r#"echo "$(id -u) $(id -g) $(stat -c %u /proc/$1) PATH=$PATH HOME=${HOME-unset}" >&2"#;
        let helper = script(dir.path(), "newuidmap", report);
        let plan = IdmapPlan {
            uid: run_as.uid,
            gid: run_as.gid,
            ..plan(helper.clone(), helper)
        };
        let ran = run_retrying_as(&plan, Some(&run_as));
        let uid = run_as.uid;
        let gid = run_as.gid;
        assert_eq!(
            ran.newuidmap.stderr,
            format!("{uid} {gid} {uid} PATH=/usr/bin:/bin HOME=unset\n"),
            "{ran:?}"
        );
    }

    #[test]
    fn a_hanging_helper_is_killed_at_its_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hang = script(dir.path(), "newuidmap", "echo waiting >&2\nexec sleep 60");
        let limit = Duration::from_millis(300);
        let started = Instant::now();
        let mut run = run_tool(&hang, None, Pid::from_raw(1), &[], limit);
        for _ in 0..20 {
            if !run
                .spawn_error
                .as_deref()
                .is_some_and(|e| e.contains("busy"))
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
            run = run_tool(&hang, None, Pid::from_raw(1), &[], limit);
        }
        assert!(run.timed_out, "{run:?}");
        assert_eq!(run.signal, Some(libc::SIGKILL));
        assert_eq!(run.exit_code, None);
        assert_eq!(run.stderr, "waiting\n");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn the_real_newuidmap_maps_the_users_own_id() {
        let newuidmap = PathBuf::from("/usr/bin/newuidmap");
        let newgidmap = PathBuf::from("/usr/bin/newgidmap");
        if !newuidmap.exists() || !newgidmap.exists() {
            println!("skipped: /usr/bin/newuidmap or newgidmap is absent (package uidmap)");
            return;
        }
        let plan = IdmapPlan {
            uid_ranges: Vec::new(),
            gid_ranges: Vec::new(),
            ..plan(newuidmap, newgidmap)
        };
        let ran = run_retrying(&plan);
        println!("run_idmap() = {ran:?}");
        assert!(ran.succeeded(), "{ran:?}");
        let uid_map = ran.uid_map.as_deref().expect("uid_map readable");
        let fields: Vec<&str> = uid_map.split_whitespace().collect();
        assert_eq!(fields, ["0", &plan.uid.to_string(), "1"]);
    }

    #[test]
    fn command_lines_quote_what_the_shell_would_split() {
        let args = ["42".to_string(), "0".to_string()];
        assert_eq!(
            command_line(Path::new("/usr/bin/newuidmap"), &args),
            "/usr/bin/newuidmap 42 0"
        );
        assert_eq!(
            command_line(Path::new("/opt/my tools/newuidmap"), &args),
            "'/opt/my tools/newuidmap' 42 0"
        );
    }
}

#[cfg(test)]
mod bounded {
    use super::*;

    /// Whether any process still runs a command line holding `marker`.
    pub(super) fn alive(marker: &str) -> bool {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .any(|cmdline| String::from_utf8_lossy(&cmdline).contains(marker))
    }

    #[test]
    fn a_helper_that_hangs_is_killed_with_everything_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("newuidmap");
        // The marker is a duration no other process on the machine will be sleeping for.
        let marker = format!("61.{}", std::process::id());
        std::fs::write(
            &script,
            format!("#!/bin/sh\nsleep {marker} &\nsleep {marker}\n"),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let start = Instant::now();
        let run = run_tool(
            &script,
            None,
            Pid::from_raw(1),
            &[],
            Duration::from_millis(300),
        );
        assert!(run.timed_out, "{run:?}");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
        assert!(!alive(&marker), "the helper's children outlived it");
    }
}
