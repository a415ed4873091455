//! The experiments on a kernel that is not Linux: there is nothing to unshare and no id map to
//! write, so each one is skipped with that reason, and no helper process is ever started.

use super::{IdmapOutcome, IdmapPlan, Outcome, RunAs, UsernsOutcome};
use crate::os::Os;

fn no_namespaces<T>() -> Outcome<T> {
    Outcome::Skipped {
        reason: format!("{} has no Linux namespaces", Os::built_for().name()),
    }
}

pub fn run_userns() -> Outcome<UsernsOutcome> {
    no_namespaces()
}

pub fn run_userns_as(_: Option<&RunAs>) -> Outcome<UsernsOutcome> {
    no_namespaces()
}

pub fn run_idmap(_: &IdmapPlan) -> Outcome<IdmapOutcome> {
    no_namespaces()
}

pub fn run_idmap_as(_: &IdmapPlan, _: Option<&RunAs>) -> Outcome<IdmapOutcome> {
    no_namespaces()
}

/// Nothing to do: no experiment starts a process here.
pub fn kill_children_on_signals() {}
