//! A target is its path: the requirements its default command meets, in the order it meets
//! them. Each target file declares that path; [`decide`] judges every requirement from the
//! findings and facts and takes the worst as the verdict. A new requirement joins a target in
//! one line of its file.

mod bubblewrap;
mod chroot;
mod guix_daemon;
mod judge;
mod nix_sandbox;
mod proot;
mod rootless_docker;
mod rootless_podman;
mod vm;

use crate::finding::{Finding, FindingDoc};
use crate::probe::{Facts, build_env, platform};
use crate::verdict::{StepVerdict, Target, TargetVerdict, Verdict};

pub use judge::CONTRADICTION;

/// One thing a target's default command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// The user is known: subordinate ids and SafeSetID rules are per user.
    KnownUser,
    /// Linux namespaces exist at all (not WSL 1, not FreeBSD's Linux emulation).
    LinuxNamespaces,
    /// For build tools: Linux namespaces exist, or builds still run without isolation
    /// (Nix's `sandbox-fallback`, `guix-daemon --disable-chroot`): degraded, not blocked.
    LinuxNamespacesOrUnisolated,
    /// A one-id user namespace with exec mounts, for the target's program (whose AppArmor
    /// profile may exempt it, and which may be setuid root); `otherwise` is the verdict when it
    /// fails.
    UserNamespace { otherwise: Verdict },
    /// newuidmap/newgidmap map the user's subordinate ranges; `without_ranges` is the
    /// verdict when the user has none (podman falls back to one id, rootlesskit refuses).
    IdMapping { without_ranges: Verdict },
    /// Decided by findings alone: each rule's finding failing gives its verdict.
    Findings {
        name: &'static str,
        rules: &'static [Rule],
    },
    /// This process may chroot.
    Chroot,
    /// ptrace is allowed (proot).
    Ptrace,
    /// A VM can run: ChromeOS's own, or one on /dev/kvm.
    VirtualMachine,
    /// Nix's build sandbox as this host's Nix would make it: nix.conf's `sandbox`, the root
    /// daemon of multi-user Nix, or a user namespace for single-user Nix (else
    /// `sandbox-fallback` decides whether builds run unsandboxed or fail).
    NixSandbox,
    /// guix-daemon's isolation: not `--disable-chroot`, and root with build users or an
    /// unprivileged daemon in a user namespace.
    GuixIsolation,
}

/// A finding that, when failing, sets the requirement's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub finding: &'static FindingDoc,
    pub when_failing: Verdict,
    /// A warning counts as failing too: for a target with no fallback where another has one
    /// (podman copes without XDG_RUNTIME_DIR, dockerd-rootless.sh does not).
    pub warning_fails: bool,
}

/// `rule(&network::TUN_UNUSABLE, Verdict::Degraded)`: shorthand for target declarations.
pub const fn rule(finding: &'static FindingDoc, when_failing: Verdict) -> Rule {
    Rule {
        finding,
        when_failing,
        warning_fails: false,
    }
}

/// Like [`rule`], for a finding whose warning this target does not survive.
pub const fn rule_on_warning(finding: &'static FindingDoc, when_warned: Verdict) -> Rule {
    Rule {
        finding,
        when_failing: when_warned,
        warning_fails: true,
    }
}

/// Nix and Guix builds: a build run with another user's HOME picks up that user's files.
const BUILD_ENVIRONMENT: Requirement = Requirement::Findings {
    name: "environment",
    rules: &[rule(&build_env::HOME_MISMATCH, Verdict::Degraded)],
};

/// Build sandboxes mount their own /proc, which the kernel refuses where parts of the visible
/// one are mounted over.
const BUILD_PROC_MOUNT: Requirement = Requirement::Findings {
    name: "/proc mount",
    rules: &[rule(&platform::PROC_OVERMOUNTED, Verdict::Degraded)],
};

/// A target's declaration: its default command's path and what to say when all of it holds.
#[derive(Debug, Clone, Copy)]
pub struct Path {
    pub target: Target,
    /// The program its default command runs, by name: resolved through PATH on each host.
    pub program: Option<&'static str>,
    pub ready: &'static str,
    pub requirements: &'static [Requirement],
}

impl Requirement {
    /// A gate decides alone when it is not met: without a known user or without namespaces
    /// the later steps have nothing to be judged against.
    pub fn is_gate(self) -> bool {
        matches!(
            self,
            Requirement::KnownUser
                | Requirement::LinuxNamespaces
                | Requirement::LinuxNamespacesOrUnisolated
        )
    }

    /// The step's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Requirement::KnownUser => "user",
            Requirement::LinuxNamespaces | Requirement::LinuxNamespacesOrUnisolated => "namespaces",
            Requirement::UserNamespace { .. } => "user namespace",
            Requirement::IdMapping { .. } => "id mapping",
            Requirement::Findings { name, .. } => name,
            Requirement::Chroot => "root",
            Requirement::Ptrace => "ptrace",
            Requirement::VirtualMachine => "virtual machine",
            Requirement::NixSandbox => "build sandbox",
            Requirement::GuixIsolation => "build isolation",
        }
    }
}

pub const PATHS: [Path; 8] = [
    rootless_podman::PATH,
    rootless_docker::PATH,
    bubblewrap::PATH,
    nix_sandbox::PATH,
    guix_daemon::PATH,
    chroot::PATH,
    proot::PATH,
    vm::PATH,
];

/// The path declared for `target`.
pub fn path_of(target: Target) -> Option<&'static Path> {
    PATHS.iter().find(|p| p.target == target)
}

pub const DOCS: &[&FindingDoc] = &[&CONTRADICTION];

/// Verdicts for every target, plus findings for experiments that contradict static facts.
pub fn decide(facts: &Facts, findings: &[Finding]) -> (Vec<TargetVerdict>, Vec<Finding>) {
    let mut judge = judge::Judge::new(facts, findings);
    let verdicts = PATHS
        .iter()
        .map(|path| {
            let mut steps: Vec<StepVerdict> = Vec::new();
            for requirement in path.requirements {
                let step = judge.step(*requirement, path.program);
                let stop = requirement.is_gate() && step.verdict != Verdict::Ready;
                steps.push(step);
                if stop {
                    break;
                }
            }
            let program = path.program.and_then(|name| facts.programs.get(name));
            let mut verdict = combine(path, steps);
            if let Some(program) = program {
                verdict.program = Some(program.judged_path().display().to_string());
                // Nix and Guix count as installed by their store as well as by PATH: the
                // guix-daemon of guix-install.sh runs from /gnu/store, never from PATH.
                // Rootless Docker is rootlesskit started by dockerd-rootless.sh: both must be there.
                let docker_script = facts
                    .programs
                    .get("dockerd-rootless.sh")
                    .filter(|p| !p.installed());
                let installed = match path.target {
                    Target::NixSandbox => facts.nix.installed(),
                    Target::GuixDaemon => facts.guix.installed(),
                    Target::RootlessDocker => program.installed() && docker_script.is_none(),
                    _ => program.installed(),
                };
                verdict.installed = Some(installed);
                // Off Linux no distribution installs it, and nothing it needs exists anyway.
                let off_linux = matches!(
                    facts.platform.kind(),
                    crate::probe::platform::Kind::NotLinux(_)
                );
                if !installed && !off_linux {
                    let missing = match (path.target, program.installed(), docker_script) {
                        (Target::RootlessDocker, true, Some(script)) => script.name,
                        _ => program.name,
                    };
                    verdict.summary.push_str(&format!(
                        " ({missing} is not installed: judged as the distribution installs it)"
                    ));
                }
            }
            verdict
        })
        .collect();
    (verdicts, judge.into_contradictions())
}

/// The verdict is the worst step; its summary and deciding ids come from the steps that are
/// that bad, then from any other unmet step, in path order.
fn combine(path: &Path, steps: Vec<StepVerdict>) -> TargetVerdict {
    // A path of one real step says best in that step's own words why it holds.
    let gates = path.requirements.iter().filter(|r| r.is_gate()).count();
    let own_words = (steps.len() == gates + 1)
        .then(|| steps.last().map(|s| s.summary.clone()))
        .flatten();
    let worst = steps
        .iter()
        .map(|s| s.verdict)
        .max_by_key(|v| v.severity())
        .unwrap_or(Verdict::Unknown);
    let (summary, deciding) = if worst == Verdict::Ready {
        let mut deciding = Vec::new();
        for step in &steps {
            extend_unique(&mut deciding, &step.deciding);
        }
        (
            own_words.unwrap_or_else(|| path.ready.to_string()),
            deciding,
        )
    } else {
        let mut by_severity: Vec<&StepVerdict> = steps
            .iter()
            .filter(|s| s.verdict != Verdict::Ready)
            .collect();
        by_severity.sort_by_key(|s| std::cmp::Reverse(s.verdict.severity()));
        let mut deciding = Vec::new();
        for step in &by_severity {
            extend_unique(&mut deciding, &step.deciding);
        }
        let mut summaries: Vec<&str> = Vec::new();
        for step in steps.iter().filter(|s| s.verdict == worst) {
            if !summaries.contains(&step.summary.as_str()) {
                summaries.push(&step.summary);
            }
        }
        // The verdict line stays one line: the first two causes, and how many more the
        // path shows.
        let mut summary = summaries
            .iter()
            .take(2)
            .copied()
            .collect::<Vec<_>>()
            .join("; ");
        if summaries.len() > 2 {
            summary.push_str(&format!("; and {} more", summaries.len() - 2));
        }
        (summary, deciding)
    };
    TargetVerdict {
        target: path.target,
        verdict: worst,
        summary,
        deciding,
        path: steps,
        program: None,
        installed: None,
    }
}

fn extend_unique(into: &mut Vec<&'static str>, ids: &[&'static str]) {
    for id in ids {
        if !into.contains(id) {
            into.push(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(requirement: &'static str, verdict: Verdict, id: &'static str) -> StepVerdict {
        StepVerdict {
            requirement,
            verdict,
            summary: format!("{requirement} is {verdict:?}"),
            deciding: vec![id],
        }
    }

    const PODMAN: Path = rootless_podman::PATH;

    #[test]
    fn the_worst_step_decides_and_names_itself_first() {
        let verdict = combine(
            &PODMAN,
            vec![
                step("user namespace", Verdict::Ready, "a"),
                step("network", Verdict::Degraded, "b"),
                step("storage", Verdict::Blocked, "c"),
            ],
        );
        assert_eq!(verdict.verdict, Verdict::Blocked);
        assert_eq!(verdict.summary, "storage is Blocked");
        assert_eq!(verdict.deciding, vec!["c", "b"]);
        assert_eq!(verdict.first_broken().unwrap().requirement, "network");
    }

    #[test]
    fn an_unproven_step_is_never_rounded_up() {
        let verdict = combine(
            &PODMAN,
            vec![
                step("user namespace", Verdict::Unknown, "a"),
                step("network", Verdict::Degraded, "b"),
            ],
        );
        assert_eq!(verdict.verdict, Verdict::Unknown);
    }

    #[test]
    fn every_target_has_one_path() {
        for target in Target::ALL {
            assert!(path_of(target).is_some(), "{target:?}");
            assert_eq!(PATHS.iter().filter(|p| p.target == target).count(), 1);
        }
    }
}
