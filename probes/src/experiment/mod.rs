//! Active experiments: the ground truth that static facts explain.
//!
//! Each experiment runs in a forked, single-threaded child with a time limit and leaves
//! nothing behind. The outcome types here are also what a recorded host replays from its
//! `host.toml`, so they serialize to plain TOML/JSON.
//!
//! The experiments are Linux's: they fork, unshare namespaces and write id maps. Elsewhere
//! (macOS, the BSDs) `elsewhere.rs` answers them with the reason they cannot run there.

#[cfg(target_os = "linux")]
mod child;
#[cfg(not(target_os = "linux"))]
mod elsewhere;
#[cfg(target_os = "linux")]
mod exit_watch;
#[cfg(target_os = "linux")]
mod idmap;
#[cfg(target_os = "linux")]
mod pidfd;
#[cfg(target_os = "linux")]
mod reaper;
#[cfg(target_os = "linux")]
mod run_as;
#[cfg(target_os = "linux")]
mod sigchld;
#[cfg(target_os = "linux")]
mod userns;

use serde::{Deserialize, Serialize};

#[cfg(not(target_os = "linux"))]
pub use elsewhere::{
    IdmapChild, UsernsChild, fork_idmap, fork_userns, kill_children_on_signals, run_idmap_as,
    run_userns, run_userns_as,
};
#[cfg(target_os = "linux")]
pub use idmap::{IdmapChild, fork_idmap, run_idmap_as};
#[cfg(target_os = "linux")]
pub use reaper::kill_children_on_signals;
#[cfg(target_os = "linux")]
use run_as::become_in_child;
#[cfg(all(test, target_os = "linux"))]
pub(crate) use run_as::nobody_for_tests;
#[cfg(target_os = "linux")]
pub use userns::{UsernsChild, fork_userns, run_userns, run_userns_as};

/// The ids (and, for helper programs, the environment) of the user an experiment runs as.
/// How a process becomes that user is Linux's (`run_as.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups, as `initgroups` would set them at login (`getgrouplist`).
    pub groups: Vec<u32>,
    /// The environment helper programs (newuidmap, newgidmap) start with, instead of ours.
    pub env: Vec<(String, String)>,
}

/// How long an experiment child may live before it is killed.
pub const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// An experiment either ran, with its outcome, or did not, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Outcome<T> {
    Ran(T),
    Skipped { reason: String },
}

/// The placeholder of an experiment that has not run yet; [`crate::probe::gather`] replaces
/// it with the real outcome.
pub fn pending<T>() -> Outcome<T> {
    Outcome::Skipped {
        reason: "not run yet".into(),
    }
}

impl<T> Outcome<T> {
    pub fn ran(&self) -> Option<&T> {
        match self {
            Outcome::Ran(value) => Some(value),
            Outcome::Skipped { .. } => None,
        }
    }
}

/// The steps of the user-namespace experiment, in the order they run. Stopping at `Unshare`
/// is a known false "OK" (Ubuntu 24.04 lets unshare succeed, then denies every capability), so
/// the experiment goes on to write the maps and use a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsernsStep {
    /// `unshare(CLONE_NEWUSER)`.
    Unshare,
    /// Write `deny` to `/proc/self/setgroups`.
    Setgroups,
    /// Write a one-id `uid_map` (`0 <uid> 1`).
    UidMap,
    /// Write a one-id `gid_map` (`0 <gid> 1`).
    GidMap,
    /// `unshare(CLONE_NEWNS)` inside the new user namespace.
    MountNamespace,
    /// Mount a tmpfs with `nosuid,nodev,noexec`: allowed even under ChromeOS's mount rule.
    MountTmpfsRestricted,
    /// Mount a plain tmpfs, as container runtimes and bwrap do.
    MountTmpfs,
    /// Mount an overlay inside the user namespace (kernel ≥ 5.11): podman's storage then uses
    /// native overlay instead of fuse-overlayfs or vfs. Not needed for the namespace itself.
    MountOverlay,
}

impl UsernsStep {
    pub const ALL: [UsernsStep; 8] = [
        UsernsStep::Unshare,
        UsernsStep::Setgroups,
        UsernsStep::UidMap,
        UsernsStep::GidMap,
        UsernsStep::MountNamespace,
        UsernsStep::MountTmpfsRestricted,
        UsernsStep::MountTmpfs,
        UsernsStep::MountOverlay,
    ];

    /// What the step does, as a person would type or read it.
    pub fn describe(self) -> &'static str {
        match self {
            UsernsStep::Unshare => "unshare(CLONE_NEWUSER)",
            UsernsStep::Setgroups => "write \"deny\" to /proc/self/setgroups",
            UsernsStep::UidMap => "write a one-id /proc/self/uid_map",
            UsernsStep::GidMap => "write a one-id /proc/self/gid_map",
            UsernsStep::MountNamespace => "unshare(CLONE_NEWNS) inside the user namespace",
            UsernsStep::MountTmpfsRestricted => "mount tmpfs with nosuid,nodev,noexec",
            UsernsStep::MountTmpfs => "mount a plain tmpfs",
            UsernsStep::MountOverlay => "mount an overlay",
        }
    }
}

/// How a step of an experiment failed. Written as one word in recorded hosts (`EPERM`,
/// `TIMEOUT`, `EXIT 1`, `SIGSYS`, `UNKNOWN`), as the errno names people search for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum StepFailure {
    /// A system call failed with this errno, by its name (`EPERM`, `ENOSPC`…).
    Errno(String),
    /// The child was killed at the time limit.
    Timeout,
    /// The child ended with this exit code before it finished.
    Exit(i32),
    /// The child was killed by a signal that was not the time limit (`SIGSYS` from seccomp).
    Signal(String),
    /// The child was reaped by someone else; how it ended is not known.
    Unknown,
}

impl StepFailure {
    /// The errno's name, when the failure is one.
    pub fn errno(&self) -> Option<&str> {
        match self {
            StepFailure::Errno(name) => Some(name),
            _ => None,
        }
    }
}

impl From<String> for StepFailure {
    fn from(word: String) -> Self {
        match word.as_str() {
            "TIMEOUT" => StepFailure::Timeout,
            "UNKNOWN" => StepFailure::Unknown,
            _ => {
                if let Some(code) = word.strip_prefix("EXIT ").and_then(|c| c.parse().ok()) {
                    StepFailure::Exit(code)
                } else if word.starts_with("SIG") {
                    StepFailure::Signal(word)
                } else {
                    StepFailure::Errno(word)
                }
            }
        }
    }
}

impl From<StepFailure> for String {
    fn from(failure: StepFailure) -> String {
        failure.to_string()
    }
}

impl std::fmt::Display for StepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepFailure::Errno(name) | StepFailure::Signal(name) => f.write_str(name),
            StepFailure::Timeout => f.write_str("TIMEOUT"),
            StepFailure::Exit(code) => write!(f, "EXIT {code}"),
            StepFailure::Unknown => f.write_str("UNKNOWN"),
        }
    }
}

/// Outcome of the user-namespace experiment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsernsOutcome {
    /// The first step that failed; `None` when every step passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<UsernsStep>,
    /// How that step failed: an errno (`EPERM`, `EINVAL`, `ENOSPC`, `EACCES`…), the time limit,
    /// an exit or a signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno: Option<StepFailure>,
}

impl UsernsOutcome {
    pub fn passed(&self, step: UsernsStep) -> bool {
        self.failed_step.is_none_or(|failed| step < failed)
    }

    pub fn all_passed(&self) -> bool {
        self.failed_step.is_none()
    }

    /// Whether the namespace itself works: every step up to the plain tmpfs passed. The
    /// overlay step that follows is about storage, not about the namespace.
    pub fn namespace_works(&self) -> bool {
        self.passed(UsernsStep::MountTmpfs)
    }

    /// The failed step when it is one the namespace needs (not the overlay step).
    pub fn namespace_failure(&self) -> Option<UsernsStep> {
        self.failed_step
            .filter(|step| *step <= UsernsStep::MountTmpfs)
    }
}

/// What the idmap experiment needs: the helpers podman would run and the ranges it would map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdmapPlan {
    pub newuidmap: std::path::PathBuf,
    pub newgidmap: std::path::PathBuf,
    pub uid: u32,
    pub gid: u32,
    /// Subordinate ranges as (start, count), mapped after the user's own id, as podman does.
    pub uid_ranges: Vec<(u64, u64)>,
    pub gid_ranges: Vec<(u64, u64)>,
}

impl IdmapPlan {
    /// The arguments after the pid: `0 <id> 1 1 <start> <count> …`, podman's layout.
    pub fn map_args(own: u32, ranges: &[(u64, u64)]) -> Vec<String> {
        let mut args = vec!["0".to_string(), own.to_string(), "1".to_string()];
        let mut inside = 1u64;
        for &(start, count) in ranges {
            args.extend([inside.to_string(), start.to_string(), count.to_string()]);
            inside = inside.saturating_add(count);
        }
        args
    }
}

/// The idmap experiment's plan, which the static facts name only after a while (PATH, the
/// user, the subordinate ranges). The experiment starts before it: a live host creates its
/// child meanwhile, so that the helpers run the moment the plan arrives. A sender dropped
/// without sending means there is nothing to run.
pub struct PlanLater(std::sync::mpsc::Receiver<IdmapPlan>);

impl PlanLater {
    /// The sending end for whoever will know the plan, and the receiving one for the
    /// experiment.
    pub fn channel() -> (std::sync::mpsc::SyncSender<IdmapPlan>, PlanLater) {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        (sender, PlanLater(receiver))
    }

    /// A plan known already.
    pub fn now(plan: IdmapPlan) -> PlanLater {
        let (sender, later) = PlanLater::channel();
        // The channel holds one plan and its receiver is alive: this cannot fail.
        let _ = sender.send(plan);
        later
    }

    /// Waits for the plan; `None` when none will come.
    pub fn wait(self) -> Option<IdmapPlan> {
        self.0.recv().ok()
    }
}

/// One run of a helper program, kept verbatim for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolRun {
    /// The command line as run, with the child's pid.
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Set when the program was killed by a signal (including our time limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
    /// Set when the program could not be started at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spawn_error: Option<String>,
    #[serde(default)]
    pub stderr: String,
}

impl ToolRun {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && self.spawn_error.is_none()
    }

    /// A one-line account of how the run ended.
    pub fn ending(&self) -> String {
        if let Some(err) = &self.spawn_error {
            return format!("could not start: {err}");
        }
        if self.timed_out {
            return "killed after the time limit".into();
        }
        match (self.exit_code, self.signal) {
            (Some(code), _) => format!("exited {code}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            (None, None) => "ended".into(),
        }
    }
}

/// Outcome of the idmap experiment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdmapOutcome {
    pub newuidmap: ToolRun,
    /// Not run when newuidmap already failed (podman stops there too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newgidmap: Option<ToolRun>,
    /// The child's `uid_map` afterwards, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_map: Option<String>,
}

impl IdmapOutcome {
    pub fn succeeded(&self) -> bool {
        self.newuidmap.succeeded() && self.newgidmap.as_ref().is_some_and(ToolRun::succeeded)
    }

    /// The first helper run that failed.
    pub fn failure(&self) -> Option<&ToolRun> {
        std::iter::once(&self.newuidmap)
            .chain(self.newgidmap.as_ref())
            .find(|run| !run.succeeded())
    }
}
