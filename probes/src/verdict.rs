//! From facts to verdicts: for each target, ready / degraded / blocked / unknown and the
//! finding ids that decide it. Experiments outrank static facts; when the two disagree, the
//! disagreement is itself a finding.

use std::path::Path;

use serde::Serialize;

use crate::experiment::{Outcome, UsernsStep};
use crate::finding::{Finding, FindingDoc, Status};
use crate::probe::{Facts, identity, idmap, lsm, platform, subid, userns};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    RootlessPodman,
    RootlessDocker,
    Bubblewrap,
    NixSandbox,
    GuixDaemon,
    Chroot,
    Proot,
    Vm,
}

impl Target {
    pub const ALL: [Target; 8] = [
        Target::RootlessPodman,
        Target::RootlessDocker,
        Target::Bubblewrap,
        Target::NixSandbox,
        Target::GuixDaemon,
        Target::Chroot,
        Target::Proot,
        Target::Vm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::RootlessPodman => "rootless-podman",
            Target::RootlessDocker => "rootless-docker",
            Target::Bubblewrap => "bubblewrap",
            Target::NixSandbox => "nix-sandbox",
            Target::GuixDaemon => "guix-daemon",
            Target::Chroot => "chroot",
            Target::Proot => "proot",
            Target::Vm => "vm",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// What `hostcap explain TARGET` prints.
    pub fn explanation(self) -> &'static str {
        match self {
            Target::RootlessPodman => {
                "Rootless podman as this user: a user namespace with a working mount namespace, newuidmap/newgidmap that gain their capabilities, and subordinate ranges of at least 65536 ids. Without ranges podman still starts with a one-id namespace (degraded: images with several owners fail)."
            }
            Target::RootlessDocker => {
                "Rootless Docker (rootlesskit) as this user: like rootless podman, but with no one-id fallback: it refuses to start without newuidmap and subordinate ranges."
            }
            Target::Bubblewrap => {
                "bwrap (flatpak, many build sandboxes): a one-id user namespace with exec mounts. It needs no subordinate ids and no setuid helper."
            }
            Target::NixSandbox => {
                "The Nix build sandbox. The multi-user daemon runs as root; single-user Nix sandboxes with a user namespace. Where that fails Nix silently disables the sandbox (sandbox-fallback = true), so builds run impure."
            }
            Target::GuixDaemon => {
                "guix-daemon's isolated builds. As root with build users it uses chroot and namespaces; unprivileged (Guix ≥ 2025) it needs user namespaces; otherwise only --disable-chroot is left, without isolation."
            }
            Target::Chroot => {
                "chroot(2) into a root file system: needs root (CAP_SYS_CHROOT). No isolation beyond the file system view."
            }
            Target::Proot => {
                "proot: chroot and bind mounts emulated with ptrace; no privilege, no namespaces. Needs ptrace (Yama scope ≤ 1). Not a security boundary; slower."
            }
            Target::Vm => {
                "A virtual machine (the Linux development environment on ChromeOS, podman machine, qemu): works whatever this host forbids; fast with a usable /dev/kvm, slow when emulated."
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ready,
    Degraded,
    Blocked,
    Unknown,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ready => "READY",
            Verdict::Degraded => "DEGRADED",
            Verdict::Blocked => "BLOCKED",
            Verdict::Unknown => "UNKNOWN",
        }
    }

    /// The documented exit code of `hostcap check` for this verdict.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Ready => 0,
            Verdict::Degraded => 1,
            Verdict::Blocked => 2,
            Verdict::Unknown => 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetVerdict {
    pub target: Target,
    pub verdict: Verdict,
    pub summary: String,
    /// The finding ids that decide the verdict, the most telling first.
    pub deciding: Vec<&'static str>,
}

fn verdict(
    target: Target,
    verdict: Verdict,
    summary: impl Into<String>,
    deciding: Vec<&'static str>,
) -> TargetVerdict {
    TargetVerdict {
        target,
        verdict,
        summary: summary.into(),
        deciding,
    }
}

/// The verdict of a target that needs only a one-id user namespace.
fn userns_verdict(
    target: Target,
    ability: Ability,
    works: &str,
    fails: (Verdict, &str),
) -> TargetVerdict {
    match ability {
        Ability::Works => verdict(target, Verdict::Ready, works, vec![userns::EXPERIMENT.id]),
        Ability::Unproven => verdict(
            target,
            Verdict::Ready,
            "no obstacle found (not proven: experiments not run)",
            Vec::new(),
        ),
        Ability::Fails(ids) => verdict(target, fails.0, fails.1, ids),
    }
}

pub const CONTRADICTION: FindingDoc = FindingDoc {
    id: "experiment.contradicts_static_facts",
    summary: "an experiment disagrees with what the static facts predict",
    explanation: "Experiments are the ground truth: hostcap trusts them and reports the \
disagreement, because it means a fact it reads is wrong or incomplete here (an unknown LSM, a \
seccomp filter, a helper whose privilege comes from somewhere hostcap cannot see). The \
evidence names the experiment and the facts it contradicts.",
    references: &[],
};

pub const DOCS: &[&FindingDoc] = &[&CONTRADICTION];

/// Whether something works, and which findings say so.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ability {
    /// Proven by an experiment.
    Works,
    /// Static facts see no obstacle, but nothing proved it.
    Unproven,
    Fails(Vec<&'static str>),
}

/// Verdicts for every target, plus findings for experiments that contradict static facts.
pub fn decide(facts: &Facts) -> (Vec<TargetVerdict>, Vec<Finding>) {
    let mut analysis = Analysis {
        facts,
        contradictions: Vec::new(),
    };
    let verdicts = Target::ALL
        .into_iter()
        .map(|t| analysis.decide(t))
        .collect();
    let mut contradictions = analysis.contradictions;
    contradictions.dedup_by(|a, b| a.title == b.title);
    (verdicts, contradictions)
}

struct Analysis<'a> {
    facts: &'a Facts,
    contradictions: Vec<Finding>,
}

impl Analysis<'_> {
    fn decide(&mut self, target: Target) -> TargetVerdict {
        if self.facts.identity.identity.is_err()
            && matches!(target, Target::RootlessPodman | Target::RootlessDocker)
        {
            return verdict(
                target,
                Verdict::Unknown,
                "the user could not be identified",
                vec![identity::USER.id],
            );
        }
        if self.facts.platform.kind() == platform::Kind::Wsl1 && target != Target::Vm {
            return verdict(
                target,
                Verdict::Blocked,
                "WSL 1 has no Linux namespaces",
                vec![platform::WSL1.id],
            );
        }
        match target {
            Target::RootlessPodman => self.rootless(target, false),
            Target::RootlessDocker => self.rootless(target, true),
            Target::Bubblewrap => self.bubblewrap(),
            Target::NixSandbox | Target::GuixDaemon => self.build_sandbox(target),
            Target::Chroot => self.chroot(),
            Target::Proot => self.proot(),
            Target::Vm => self.vm(),
        }
    }

    /// A one-id user namespace with exec mounts, for a program at `program` (AppArmor's
    /// restriction spares programs whose profile grants `userns`).
    fn single_id(&mut self, program: Option<&Path>) -> Ability {
        let facts = self.facts;
        let profiled = program.is_some_and(|p| facts.lsm.userns_profile_for(p).is_some());
        let apparmor = userns::apparmor_restricts(&facts.userns) && !profiled;
        let mut static_causes = userns::static_blockers(&facts.userns, facts.identity.is_root());
        match &facts.userns.experiment {
            Outcome::Ran(outcome) => {
                let Some(step) = outcome.failed_step else {
                    if !static_causes.is_empty() {
                        self.contradiction(format!(
                            "the user-namespace experiment succeeded although {} predicted failure",
                            static_causes.join(", ")
                        ));
                    }
                    return Ability::Works;
                };
                let mut causes = self.explain_userns_failure(step, outcome.errno.as_deref());
                if profiled && step > UsernsStep::Unshare {
                    // hostcap itself is unconfined; the program's own profile exempts it.
                    causes.retain(|id| *id != userns::APPARMOR.id);
                    if causes.is_empty() {
                        return Ability::Unproven;
                    }
                }
                if causes.is_empty() {
                    self.contradiction(format!(
                        "{} failed with {} and no static fact explains it",
                        step.describe(),
                        outcome.errno.as_deref().unwrap_or("an error")
                    ));
                }
                causes.push(userns::EXPERIMENT.id);
                Ability::Fails(causes)
            }
            Outcome::Skipped { .. } => {
                if apparmor {
                    static_causes.push(userns::APPARMOR.id);
                }
                if facts.lsm.chromiumos_mount_rule() {
                    static_causes.push(lsm::CHROMIUMOS_MOUNTS.id);
                }
                if static_causes.is_empty() {
                    Ability::Unproven
                } else {
                    Ability::Fails(static_causes)
                }
            }
        }
    }

    fn explain_userns_failure(&self, step: UsernsStep, errno: Option<&str>) -> Vec<&'static str> {
        let facts = self.facts;
        let mut causes = Vec::new();
        if step == UsernsStep::Unshare {
            causes.extend(userns::static_blockers(
                &facts.userns,
                facts.identity.is_root(),
            ));
        }
        if (UsernsStep::Setgroups..=UsernsStep::MountTmpfs).contains(&step)
            && userns::apparmor_restricts(&facts.userns)
        {
            causes.push(userns::APPARMOR.id);
        }
        if step == UsernsStep::MountTmpfs && facts.lsm.chromiumos_mount_rule() {
            causes.push(lsm::CHROMIUMOS_MOUNTS.id);
        }
        if causes.is_empty()
            && errno == Some("EPERM")
            && facts
                .identity
                .status
                .as_ref()
                .is_ok_and(|s| s.seccomp == Some(2))
        {
            causes.push(identity::SECCOMP.id);
        }
        causes
    }

    /// newuidmap/newgidmap mapping the user's ranges.
    fn multi_id(&mut self) -> Ability {
        let facts = self.facts;
        let missing: Vec<&'static str> = facts
            .idmap
            .helpers()
            .into_iter()
            .filter(|h| h.found.is_none())
            .map(|h| idmap::docs_for(h)[0].id)
            .collect();
        if !missing.is_empty() {
            return Ability::Fails(missing);
        }
        let static_causes = self.idmap_static_causes();
        match &facts.idmap.experiment {
            Outcome::Ran(outcome) if outcome.succeeded() => {
                if !static_causes.is_empty() {
                    self.contradiction(format!(
                        "newuidmap and newgidmap succeeded although {} predicted failure",
                        static_causes.join(", ")
                    ));
                }
                Ability::Works
            }
            Outcome::Ran(outcome) => {
                let mut causes = static_causes;
                if causes.is_empty() {
                    let said = outcome
                        .failure()
                        .map(|r| r.stderr.trim().to_string())
                        .unwrap_or_default();
                    self.contradiction(format!(
                        "the idmap experiment failed (\"{said}\") and no static fact explains it"
                    ));
                }
                causes.push(idmap::EXPERIMENT.id);
                Ability::Fails(causes)
            }
            Outcome::Skipped { .. } if static_causes.is_empty() => Ability::Unproven,
            Outcome::Skipped { .. } => Ability::Fails(static_causes),
        }
    }

    /// Static facts that stop newuidmap/newgidmap from mapping subordinate ids.
    fn idmap_static_causes(&self) -> Vec<&'static str> {
        let facts = self.facts;
        let mut causes = Vec::new();
        if facts.lsm.safesetid_constrains_user() {
            causes.push(lsm::SAFESETID.id);
        }
        let helper_privileged = facts.idmap.helpers().iter().all(|h| {
            h.found
                .as_ref()
                .is_some_and(|f| f.grants(h.cap) && !f.on_nosuid_mount())
        });
        if facts.identity.no_new_privs() && helper_privileged {
            causes.push(identity::NO_NEW_PRIVS.id);
        }
        for helper in facts.idmap.helpers() {
            let [_, not_privileged, nosuid] = idmap::docs_for(helper);
            if let Some(found) = &helper.found {
                if !found.grants(helper.cap) {
                    causes.push(not_privileged.id);
                } else if found.on_nosuid_mount() {
                    causes.push(nosuid.id);
                }
            }
        }
        if facts.identity.no_new_privs()
            && !helper_privileged
            && !causes.contains(&identity::NO_NEW_PRIVS.id)
        {
            causes.push(identity::NO_NEW_PRIVS.id);
        }
        if !facts.identity.bounding_allows(identity::CAP_SETUID)
            || !facts.identity.bounding_allows(identity::CAP_SETGID)
        {
            causes.push(identity::BOUNDING_SET.id);
        }
        let subid_findings = subid::judge(&facts.subid);
        for doc in [&subid::OWN_OVERLAP, &subid::OUTSIDE_NAMESPACE] {
            if subid_findings
                .iter()
                .any(|f| f.id == doc.id && f.status == Status::Fail)
            {
                causes.push(doc.id);
            }
        }
        causes
    }

    fn contradiction(&mut self, title: String) {
        self.contradictions.push(
            Finding::new(&CONTRADICTION, Status::Warn, title.clone()).evidence("analysis", title),
        );
    }

    fn rootless(&mut self, target: Target, docker: bool) -> TargetVerdict {
        // The distribution's binaries, which Ubuntu's AppArmor profiles attach to.
        let program = if docker {
            "/usr/bin/rootlesskit"
        } else {
            "/usr/bin/podman"
        };
        if let Ability::Fails(ids) = self.single_id(Some(Path::new(program))) {
            // The multi-id failure is what the user's error message is about: name it first.
            if self.facts.subid.has_ranges() {
                if let Ability::Fails(mut deciding) = self.multi_id() {
                    let summary = format!(
                        "{}; no usable user namespace either",
                        self.multi_id_summary(&deciding)
                    );
                    deciding.extend(ids.into_iter().filter(|id| *id != userns::EXPERIMENT.id));
                    deciding.push(userns::EXPERIMENT.id);
                    deciding.dedup();
                    return verdict(target, Verdict::Blocked, summary, deciding);
                }
            }
            return verdict(target, Verdict::Blocked, "no usable user namespace", ids);
        }
        let subid_findings = subid::judge(&self.facts.subid);
        let failing = |doc: &FindingDoc| {
            subid_findings
                .iter()
                .any(|f| f.id == doc.id && f.status == Status::Fail)
        };
        if failing(&subid::CONTAINS_OWN_ID) {
            return verdict(
                target,
                Verdict::Blocked,
                "the subordinate range includes the user's own id",
                vec![subid::CONTAINS_OWN_ID.id],
            );
        }
        if !self.facts.subid.has_ranges() {
            let mut ids: Vec<&'static str> = [&subid::UNREADABLE, &subid::NO_RANGE]
                .into_iter()
                .filter(|d| failing(d))
                .map(|d| d.id)
                .collect();
            if ids.is_empty() {
                ids.push(subid::NO_RANGE.id);
            }
            return if docker {
                verdict(
                    target,
                    Verdict::Blocked,
                    "rootlesskit needs subordinate ids",
                    ids,
                )
            } else {
                verdict(
                    target,
                    Verdict::Degraded,
                    "one id only: images with several owners fail",
                    ids,
                )
            };
        }
        match self.multi_id() {
            Ability::Fails(ids) => {
                verdict(target, Verdict::Blocked, self.multi_id_summary(&ids), ids)
            }
            ability => {
                let proven = ability == Ability::Works;
                if subid_findings.iter().any(|f| f.id == subid::TOO_SMALL.id) {
                    return verdict(
                        target,
                        Verdict::Degraded,
                        "fewer than 65536 subordinate ids: some images fail",
                        vec![subid::TOO_SMALL.id],
                    );
                }
                let (summary, ids) = if proven {
                    (
                        "user namespace and subordinate id mapping work",
                        vec![userns::EXPERIMENT.id, idmap::EXPERIMENT.id],
                    )
                } else {
                    (
                        "no obstacle found (not proven: experiments not run)",
                        Vec::new(),
                    )
                };
                // Only a namespace the experiment really built counts as deciding evidence;
                // where a profile exempts the program, the restriction it escapes decides.
                let built =
                    matches!(&self.facts.userns.experiment, Outcome::Ran(o) if o.all_passed());
                let mut ids: Vec<&'static str> = ids
                    .into_iter()
                    .filter(|i| built || *i != userns::EXPERIMENT.id)
                    .collect();
                let mut summary = summary.to_string();
                if !built && userns::apparmor_restricts(&self.facts.userns) {
                    ids.insert(0, userns::APPARMOR.id);
                    summary = format!("{program}'s AppArmor profile grants userns; {summary}");
                }
                verdict(target, Verdict::Ready, summary, ids)
            }
        }
    }

    fn multi_id_summary(&self, ids: &[&'static str]) -> String {
        let uid = self.facts.identity.uid().unwrap_or(0);
        match ids.first().copied() {
            Some(id) if id == lsm::SAFESETID.id => {
                format!("uid {uid} may not map other ids (SafeSetID)")
            }
            Some(id) if id == identity::NO_NEW_PRIVS.id => "no_new_privs disarms newuidmap".into(),
            Some(id) if id.ends_with("_missing") => "newuidmap/newgidmap are not installed".into(),
            Some(id) if id.ends_with("_not_privileged") => {
                "newuidmap/newgidmap have no privilege".into()
            }
            Some(id) if id.ends_with("_on_nosuid_mount") => {
                "newuidmap/newgidmap lie on a nosuid mount".into()
            }
            _ => "the uid mapping helpers fail".into(),
        }
    }

    fn bubblewrap(&mut self) -> TargetVerdict {
        let ability = self.single_id(Some(Path::new("/usr/bin/bwrap")));
        userns_verdict(
            Target::Bubblewrap,
            ability,
            "a one-id user namespace works",
            (Verdict::Blocked, "no usable user namespace"),
        )
    }

    fn build_sandbox(&mut self, target: Target) -> TargetVerdict {
        if self.facts.identity.is_root() {
            return verdict(
                target,
                Verdict::Ready,
                "root runs the build daemon with build users",
                vec![identity::USER.id],
            );
        }
        let fallback = if target == Target::NixSandbox {
            "builds run without sandbox (sandbox-fallback) or fail"
        } else {
            "only guix-daemon --disable-chroot, without isolation"
        };
        let ability = self.single_id(None);
        userns_verdict(
            target,
            ability,
            "user namespaces work for unprivileged sandboxes",
            (Verdict::Degraded, fallback),
        )
    }

    fn chroot(&self) -> TargetVerdict {
        let can_chroot = self
            .facts
            .identity
            .status
            .as_ref()
            .is_ok_and(|s| s.has_effective(identity::CAP_SYS_CHROOT));
        if can_chroot {
            verdict(
                Target::Chroot,
                Verdict::Ready,
                "this process may chroot",
                vec![identity::USER.id],
            )
        } else {
            let how = if self.facts.fallback.sudo.is_some() && !self.facts.identity.no_new_privs() {
                "needs root (sudo is installed)"
            } else {
                "needs root"
            };
            verdict(
                Target::Chroot,
                Verdict::Blocked,
                how,
                vec![identity::USER.id],
            )
        }
    }

    fn proot(&self) -> TargetVerdict {
        let facts = self.facts;
        if matches!(facts.lsm.ptrace_scope, Ok(Some(scope)) if scope >= 2) {
            return verdict(
                Target::Proot,
                Verdict::Blocked,
                "Yama forbids ptrace",
                vec![lsm::YAMA.id],
            );
        }
        let summary = if facts.fallback.proot.is_some() {
            "ptrace allowed"
        } else {
            "ptrace allowed; proot is not installed yet"
        };
        verdict(
            Target::Proot,
            Verdict::Ready,
            summary,
            vec![crate::probe::fallback::PROOT.id],
        )
    }

    fn vm(&self) -> TargetVerdict {
        let facts = self.facts;
        if facts.platform.kind() == platform::Kind::ChromeOsHost {
            return verdict(
                Target::Vm,
                Verdict::Ready,
                "the Linux development environment (Crostini) is ChromeOS's own VM",
                vec![platform::CHROMEOS_HOST.id],
            );
        }
        if facts.fallback.kvm_usable {
            verdict(
                Target::Vm,
                Verdict::Ready,
                "/dev/kvm is usable",
                vec![crate::probe::fallback::KVM.id],
            )
        } else {
            verdict(
                Target::Vm,
                Verdict::Degraded,
                "no usable /dev/kvm: emulated, slow",
                vec![crate::probe::fallback::KVM.id],
            )
        }
    }
}
