//! The experiments on a kernel that is not Linux: there is nothing to unshare and no id map to
//! write, so each one is skipped with that reason, and no helper process is ever started.

use super::{IdmapOutcome, Outcome, PlanLater, RunAs, UsernsOutcome};
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

pub fn run_idmap_as(plan: PlanLater, _: Option<&RunAs>) -> Option<Outcome<IdmapOutcome>> {
    plan.wait().map(|_| no_namespaces())
}

/// Nothing to do: no experiment starts a process here.
pub fn kill_children_on_signals() {}

/// Nothing is forked here; see the Linux `UsernsChild`.
pub struct UsernsChild;

pub fn fork_userns(_: Option<&RunAs>) -> UsernsChild {
    UsernsChild
}

impl UsernsChild {
    pub fn run(self, _: Option<&RunAs>) -> Outcome<UsernsOutcome> {
        no_namespaces()
    }
}

/// Nothing is forked here; see the Linux `IdmapChild`.
pub struct IdmapChild;

pub fn fork_idmap(_: Option<&RunAs>) -> IdmapChild {
    IdmapChild
}

impl IdmapChild {
    pub fn run(self, plan: PlanLater, run_as: Option<&RunAs>) -> Option<Outcome<IdmapOutcome>> {
        run_idmap_as(plan, run_as)
    }
}
