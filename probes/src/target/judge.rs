//! How each kind of requirement is decided. Experiments outrank static facts; when the two
//! disagree, the disagreement is itself a finding.

use std::path::Path;

use crate::experiment::{Outcome, UsernsStep};
use crate::finding::{Finding, FindingDoc, Status};
use crate::os::Os;
use crate::probe::nix::SandboxSetting;
use crate::probe::{
    Facts, fallback, guix, identity, idmap, lsm, nix, platform, rootful, session, subid, userns,
};
use crate::verdict::{StepVerdict, Verdict};

use super::{Requirement, Rule};

pub const CONTRADICTION: FindingDoc = FindingDoc {
    id: "experiment.contradicts_static_facts",
    summary: "an experiment disagrees with what the static facts predict",
    explanation: "Experiments are the ground truth: hostcap trusts them and reports the \
disagreement, because it means a fact it reads is wrong or incomplete here (an unknown LSM, a \
seccomp filter, a helper whose privilege comes from somewhere hostcap cannot see). The \
evidence names the experiment and the facts it contradicts.",
    references: &[],
};

/// Whether something works, and which findings say so.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ability {
    /// Proven by an experiment.
    Works,
    /// The experiment failed only on a restriction the program's own AppArmor profile lifts.
    ExemptByProfile,
    /// Static facts see no obstacle, but nothing proved it.
    Unproven,
    Fails(Vec<&'static str>),
}

pub(super) struct Judge<'a> {
    facts: &'a Facts,
    findings: &'a [Finding],
    contradictions: Vec<Finding>,
}

fn step(
    requirement: Requirement,
    verdict: Verdict,
    summary: impl Into<String>,
    deciding: Vec<&'static str>,
) -> StepVerdict {
    StepVerdict {
        requirement: requirement.name(),
        verdict,
        summary: summary.into(),
        deciding,
    }
}

const NOT_PROVEN: &str = "not proven: the experiments did not run";

impl<'a> Judge<'a> {
    pub fn new(facts: &'a Facts, findings: &'a [Finding]) -> Self {
        Judge {
            facts,
            findings,
            contradictions: Vec::new(),
        }
    }

    pub fn into_contradictions(self) -> Vec<Finding> {
        let mut contradictions = self.contradictions;
        contradictions.dedup_by(|a, b| a.title == b.title);
        contradictions
    }

    pub fn step(&mut self, requirement: Requirement, program: Option<&'static str>) -> StepVerdict {
        match requirement {
            Requirement::KnownUser => self.known_user(requirement),
            Requirement::LinuxNamespaces => {
                self.linux_namespaces(requirement, Verdict::Blocked, program)
            }
            Requirement::LinuxNamespacesOrUnisolated => {
                self.linux_namespaces(requirement, Verdict::Degraded, program)
            }
            Requirement::UserNamespace { otherwise } => {
                self.user_namespace(requirement, program, otherwise)
            }
            Requirement::IdMapping { without_ranges } => {
                self.id_mapping(requirement, without_ranges)
            }
            Requirement::Findings { name, rules } => self.by_findings(requirement, name, rules),
            Requirement::Chroot => self.chroot(requirement),
            Requirement::Ptrace => self.ptrace(requirement),
            Requirement::VirtualMachine => self.virtual_machine(requirement),
            Requirement::NixSandbox => self.nix_sandbox(requirement),
            Requirement::GuixIsolation => self.guix_isolation(requirement),
        }
    }

    fn failing(&self, doc: &FindingDoc) -> bool {
        self.findings
            .iter()
            .any(|f| f.id == doc.id && f.status == Status::Fail)
    }

    fn known_user(&self, requirement: Requirement) -> StepVerdict {
        if self.facts.identity.identity.is_err() {
            step(
                requirement,
                Verdict::Unknown,
                "the user could not be identified",
                vec![identity::USER.id],
            )
        } else {
            step(requirement, Verdict::Ready, "the user is known", Vec::new())
        }
    }

    /// `unisolated`: the verdict when there are no namespaces but the target still works
    /// without isolation (build tools), or `Blocked`.
    fn linux_namespaces(
        &self,
        requirement: Requirement,
        unisolated: Verdict,
        program: Option<&'static str>,
    ) -> StepVerdict {
        let (place, id) = match self.facts.platform.kind() {
            platform::Kind::Wsl1 => ("WSL 1", platform::WSL1.id),
            platform::Kind::Linuxulator => ("FreeBSD's Linux emulation", platform::LINUXULATOR.id),
            platform::Kind::NotLinux(os) => {
                return self.not_linux(requirement, os, unisolated, program);
            }
            _ => return step(requirement, Verdict::Ready, "a Linux kernel", Vec::new()),
        };
        if unisolated == Verdict::Blocked {
            return step(
                requirement,
                Verdict::Blocked,
                format!("{place} has no Linux namespaces"),
                vec![id],
            );
        }
        // Nix falls back to unsandboxed builds unless sandbox-fallback = false.
        if program == super::nix_sandbox::PATH.program && !self.facts.nix.fallback() {
            return step(
                requirement,
                Verdict::Blocked,
                format!(
                    "{place} has no Linux namespaces and sandbox-fallback = false: builds fail"
                ),
                vec![id, crate::probe::nix::SANDBOX_FALLBACK.id],
            );
        }
        step(
            requirement,
            unisolated,
            format!(
                "{place} has no Linux namespaces: builds only without isolation (Nix's sandbox-fallback, guix-daemon --disable-chroot)"
            ),
            vec![id],
        )
    }

    /// Natively on macOS or a BSD: nothing built on Linux namespaces runs. Guix exists only
    /// for Linux (and GNU/Hurd); Nix builds there without a Linux sandbox, which is its
    /// default off Linux (`sandbox = false`).
    fn not_linux(
        &self,
        requirement: Requirement,
        os: Os,
        unisolated: Verdict,
        program: Option<&'static str>,
    ) -> StepVerdict {
        let id = platform::NOT_LINUX.id;
        let name = os.name();
        if unisolated == Verdict::Blocked {
            return step(
                requirement,
                Verdict::Blocked,
                format!("{name} has no Linux namespaces"),
                vec![id],
            );
        }
        if program == super::guix_daemon::PATH.program {
            return step(
                requirement,
                Verdict::Blocked,
                format!("{name} has no Linux namespaces, and Guix runs only on Linux"),
                vec![id],
            );
        }
        step(
            requirement,
            unisolated,
            format!(
                "{name} has no Linux namespaces: Nix builds there without a Linux sandbox (sandbox = false is its default off Linux)"
            ),
            vec![id],
        )
    }

    fn by_findings(
        &self,
        requirement: Requirement,
        name: &'static str,
        rules: &'static [Rule],
    ) -> StepVerdict {
        let mut worst = Verdict::Ready;
        let mut hits: Vec<(Verdict, &Finding)> = Vec::new();
        for rule in rules {
            for finding in self.findings.iter().filter(|f| f.id == rule.finding.id) {
                let verdict = match finding.status {
                    Status::Fail => rule.when_failing,
                    Status::Warn if rule.warning_fails => rule.when_failing,
                    Status::Unknown => Verdict::Unknown,
                    _ => continue,
                };
                hits.push((verdict, finding));
                if verdict.severity() > worst.severity() {
                    worst = verdict;
                }
            }
        }
        if worst == Verdict::Ready {
            return step(
                requirement,
                Verdict::Ready,
                format!("{name}: no obstacle found"),
                Vec::new(),
            );
        }
        hits.sort_by_key(|(v, _)| std::cmp::Reverse(v.severity()));
        let summary = hits
            .iter()
            .filter(|(v, _)| *v == worst)
            .map(|(_, f)| f.title.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let deciding = hits.iter().map(|(_, f)| f.id).collect();
        step(requirement, worst, summary, deciding)
    }

    fn user_namespace(
        &mut self,
        requirement: Requirement,
        program: Option<&'static str>,
        otherwise: Verdict,
    ) -> StepVerdict {
        let program = program.and_then(|name| self.facts.programs.get(name));
        let judged = program.map(|p| p.judged_path());
        let ability = self.single_id(judged.as_deref());
        if program.is_some_and(|p| p.name == "bwrap" && p.is_setuid_root())
            && ability != Ability::Works
        {
            return step(
                requirement,
                Verdict::Ready,
                "setuid bwrap makes its namespaces with its own privilege",
                vec![crate::probe::programs::BWRAP_SETUID.id],
            );
        }
        let shown = judged
            .as_ref()
            .map_or_else(|| "the program".to_string(), |p| p.display().to_string());
        match ability {
            Ability::Works => step(
                requirement,
                Verdict::Ready,
                "a one-id user namespace works",
                vec![userns::EXPERIMENT.id],
            ),
            Ability::ExemptByProfile => step(
                requirement,
                Verdict::Ready,
                format!("{shown}'s AppArmor profile grants userns"),
                vec![userns::APPARMOR.id],
            ),
            Ability::Unproven => step(requirement, Verdict::Unknown, NOT_PROVEN, Vec::new()),
            Ability::Fails(ids) => step(requirement, otherwise, "no usable user namespace", ids),
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
                let Some(step) = outcome.namespace_failure() else {
                    if !static_causes.is_empty() {
                        self.contradiction(format!(
                            "the user-namespace experiment succeeded although {} predicted failure",
                            static_causes.join(", ")
                        ));
                    }
                    return Ability::Works;
                };
                let mut causes = self
                    .explain_userns_failure(step, outcome.errno.as_ref().and_then(|f| f.errno()));
                if profiled && step > UsernsStep::Unshare {
                    // hostcap itself is unconfined; the program's own profile exempts it.
                    causes.retain(|id| *id != userns::APPARMOR.id);
                    if causes.is_empty() {
                        return Ability::ExemptByProfile;
                    }
                }
                if causes.is_empty() {
                    self.contradiction(format!(
                        "{} failed with {} and no static fact explains it",
                        step.describe(),
                        outcome
                            .errno
                            .as_ref()
                            .map_or_else(|| "an error".to_string(), ToString::to_string)
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
                // The kernel refuses CLONE_NEWUSER to every chrooted process, root or not.
                if facts.platform.kind() == platform::Kind::Chroot {
                    static_causes.push(platform::CHROOT.id);
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
        // The place says whose rule it is and where the fix lies: the outer container's
        // options, or leaving the chroot (the kernel refuses CLONE_NEWUSER to it: EPERM).
        match facts.platform.kind() {
            platform::Kind::Container | platform::Kind::Crostini => {
                let doc = if facts.platform.kind() == platform::Kind::Container {
                    &platform::IN_CONTAINER
                } else {
                    &platform::CROSTINI
                };
                causes.push(doc.id);
            }
            platform::Kind::Chroot if step == UsernsStep::Unshare && errno == Some("EPERM") => {
                causes.insert(0, platform::CHROOT.id);
            }
            _ => {}
        }
        causes
    }

    fn id_mapping(&mut self, requirement: Requirement, without_ranges: Verdict) -> StepVerdict {
        let facts = self.facts;
        if facts.identity.is_root() {
            return self.root_id_mapping(requirement, without_ranges);
        }
        if let Outcome::Ran(outcome) = &facts.userns.experiment {
            if outcome.failed_step == Some(UsernsStep::Unshare) {
                let mut causes = self.explain_userns_failure(
                    UsernsStep::Unshare,
                    outcome.errno.as_ref().and_then(|f| f.errno()),
                );
                causes.push(userns::EXPERIMENT.id);
                return step(
                    requirement,
                    Verdict::Blocked,
                    "no user namespace to map ids into",
                    causes,
                );
            }
        }
        if self.failing(&subid::CONTAINS_OWN_ID) {
            return step(
                requirement,
                Verdict::Blocked,
                "the subordinate range includes the user's own id",
                vec![subid::CONTAINS_OWN_ID.id],
            );
        }
        if !facts.subid.has_ranges() {
            let mut ids: Vec<&'static str> = [&subid::UNREADABLE, &subid::NO_RANGE]
                .into_iter()
                .filter(|d| self.failing(d))
                .map(|d| d.id)
                .collect();
            if ids.is_empty() {
                ids.push(subid::NO_RANGE.id);
            }
            let summary = if without_ranges == Verdict::Blocked {
                "rootlesskit needs subordinate ids"
            } else {
                "one id only: images with several owners fail"
            };
            return step(requirement, without_ranges, summary, ids);
        }
        match self.multi_id() {
            Ability::Fails(ids) => {
                let summary = self.multi_id_summary(&ids);
                step(requirement, Verdict::Blocked, summary, ids)
            }
            ability => {
                if self
                    .findings
                    .iter()
                    .any(|f| f.id == subid::TOO_SMALL.id && f.is_problem())
                {
                    return step(
                        requirement,
                        Verdict::Degraded,
                        "fewer than 65536 subordinate ids: some images fail",
                        vec![subid::TOO_SMALL.id],
                    );
                }
                if ability == Ability::Works {
                    step(
                        requirement,
                        Verdict::Ready,
                        "newuidmap and newgidmap map the subordinate ranges",
                        vec![idmap::EXPERIMENT.id],
                    )
                } else {
                    step(requirement, Verdict::Unknown, NOT_PROVEN, Vec::new())
                }
            }
        }
    }

    /// Root maps ids without subordinate ranges: its podman is rootful (what that needs is the
    /// OCI runtime step's), and rootless Docker refuses root. uid 0 of a one-id namespace is
    /// neither: podman takes the rootful path there and fails.
    fn root_id_mapping(&self, requirement: Requirement, without_ranges: Verdict) -> StepVerdict {
        if self.facts.session.fake_root() {
            step(
                requirement,
                Verdict::Blocked,
                "uid 0 of a one-id namespace: podman takes its rootful path here",
                vec![session::FAKE_ROOT.id],
            )
        } else if without_ranges == Verdict::Blocked {
            step(
                requirement,
                Verdict::Blocked,
                "rootless Docker refuses root: root runs dockerd",
                vec![rootful::DOCKER_REFUSES_ROOT.id],
            )
        } else {
            step(
                requirement,
                Verdict::Ready,
                "root's podman is rootful: it maps ids without subordinate ranges",
                Vec::new(),
            )
        }
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
        // A traced process runs setuid and file-capability programs without their privilege.
        if facts.platform.tracer.is_some() {
            causes.push(platform::TRACED.id);
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
                if found.setuid_owner().is_some() {
                    causes.push(idmap::setuid_non_root_doc(helper).id);
                }
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
        for doc in [&subid::OWN_OVERLAP, &subid::OUTSIDE_NAMESPACE] {
            if self.failing(doc) {
                causes.push(doc.id);
            }
        }
        causes
    }

    fn multi_id_summary(&self, ids: &[&'static str]) -> String {
        let uid = self.facts.identity.uid().unwrap_or(0);
        match ids.first().copied() {
            Some(id) if id == lsm::SAFESETID.id => {
                format!("uid {uid} may not map other ids (SafeSetID)")
            }
            Some(id) if id == identity::NO_NEW_PRIVS.id => "no_new_privs disarms newuidmap".into(),
            Some(id) if id.ends_with("_missing") => "newuidmap/newgidmap are not installed".into(),
            Some(id) if id.ends_with("_setuid_non_root") => {
                "newuidmap/newgidmap are setuid to a user other than root".into()
            }
            Some(id) if id.ends_with("_not_privileged") => {
                "newuidmap/newgidmap have no privilege".into()
            }
            Some(id) if id.ends_with("_on_nosuid_mount") => {
                "newuidmap/newgidmap lie on a nosuid mount".into()
            }
            _ => "the uid mapping helpers fail".into(),
        }
    }

    fn contradiction(&mut self, title: String) {
        self.contradictions.push(
            Finding::new(&CONTRADICTION, Status::Warn, title.clone()).evidence("analysis", title),
        );
    }

    /// Whether a build daemon running as root could sandbox here: the way Nix (nix-bin with
    /// nix-setup-systemd) and Guix (guix-install.sh) install themselves. Root's namespaces
    /// need no unprivileged user namespace and escape AppArmor's restriction, but not the
    /// ChromeOS host's rules, and inside a container root is the container's.
    fn root_daemon_possible(&self) -> bool {
        !matches!(
            self.facts.platform.kind(),
            platform::Kind::ChromeOsHost
                | platform::Kind::Container
                | platform::Kind::Wsl1
                | platform::Kind::Chroot
                | platform::Kind::Linuxulator
                | platform::Kind::NotLinux(_)
        )
    }

    fn nix_sandbox(&mut self, requirement: Requirement) -> StepVerdict {
        let nix = &self.facts.nix;
        if let nix::Store::NoStore { version, .. } = &nix.store {
            return step(
                requirement,
                Verdict::Blocked,
                format!("Nix {version} has no store here (no /nix, no daemon): nothing builds"),
                vec![nix::NO_STORE.id],
            );
        }
        match nix.sandbox_setting() {
            SandboxSetting::Disabled { file, line } => {
                return step(
                    requirement,
                    Verdict::Degraded,
                    format!("sandbox = false ({file}:{line}): builds run without a sandbox"),
                    vec![nix::SANDBOX_DISABLED.id],
                );
            }
            SandboxSetting::Unknown(reason) => {
                return step(
                    requirement,
                    Verdict::Unknown,
                    reason,
                    vec![nix::SANDBOX_DISABLED.id],
                );
            }
            SandboxSetting::Enabled | SandboxSetting::Relaxed { .. } => {}
        }
        if nix.multi_user() {
            return step(
                requirement,
                Verdict::Ready,
                "the nix-daemon builds as root in its sandbox",
                vec![nix::DAEMON.id],
            );
        }
        if !nix.installed() && self.root_daemon_possible() {
            return step(
                requirement,
                Verdict::Ready,
                "once installed, the root nix-daemon the distribution sets up sandboxes builds",
                vec![nix::DAEMON.id],
            );
        }
        if self.facts.real_root() {
            if let Some(group) = nix.missing_build_group() {
                return step(
                    requirement,
                    Verdict::Blocked,
                    format!("build-users-group {group} does not exist: every build fails"),
                    vec![nix::BUILD_USERS_MISSING.id],
                );
            }
            return step(
                requirement,
                Verdict::Ready,
                "root sandboxes builds with build users",
                vec![identity::USER.id],
            );
        }
        match self.single_id(None) {
            Ability::Works | Ability::ExemptByProfile => step(
                requirement,
                Verdict::Ready,
                "a user namespace gives single-user Nix its sandbox",
                vec![userns::EXPERIMENT.id],
            ),
            Ability::Unproven => step(requirement, Verdict::Unknown, NOT_PROVEN, Vec::new()),
            Ability::Fails(mut ids) if nix.fallback() => {
                ids.insert(0, nix::SANDBOX_FALLBACK.id);
                step(
                    requirement,
                    Verdict::Degraded,
                    "no sandbox can be made: builds run without it (sandbox-fallback)",
                    ids,
                )
            }
            Ability::Fails(ids) => step(
                requirement,
                Verdict::Blocked,
                "no sandbox can be made and sandbox-fallback = false: builds fail",
                ids,
            ),
        }
    }

    fn guix_isolation(&mut self, requirement: Requirement) -> StepVerdict {
        let guix = &self.facts.guix;
        if guix.disable_chroot() {
            return step(
                requirement,
                Verdict::Degraded,
                "guix-daemon runs with --disable-chroot: builds without isolation",
                vec![guix::DISABLE_CHROOT.id],
            );
        }
        let daemon_as_root = guix.daemon().and_then(|d| d.uid) == Some(0);
        if daemon_as_root {
            return step(
                requirement,
                Verdict::Ready,
                "guix-daemon runs as root and isolates builds",
                vec![guix::DISABLE_CHROOT.id],
            );
        }
        if guix.daemon().is_none()
            && (self.facts.real_root() || !guix.installed())
            && self.root_daemon_possible()
        {
            return step(
                requirement,
                Verdict::Ready,
                "root runs guix-daemon with build users",
                vec![identity::USER.id],
            );
        }
        // An unprivileged daemon (Guix since 2025) isolates builds in user namespaces.
        match self.single_id(None) {
            Ability::Works | Ability::ExemptByProfile => step(
                requirement,
                Verdict::Ready,
                "user namespaces let an unprivileged guix-daemon isolate builds",
                vec![userns::EXPERIMENT.id],
            ),
            Ability::Unproven => step(requirement, Verdict::Unknown, NOT_PROVEN, Vec::new()),
            Ability::Fails(ids) => step(
                requirement,
                Verdict::Degraded,
                "only guix-daemon --disable-chroot, without isolation",
                ids,
            ),
        }
    }

    fn chroot(&self, requirement: Requirement) -> StepVerdict {
        // Off Linux there are no capabilities to read: root may chroot, nobody else.
        let not_linux = matches!(self.facts.platform.kind(), platform::Kind::NotLinux(_));
        let can_chroot = if not_linux {
            self.facts.identity.is_root()
        } else {
            self.facts
                .identity
                .status
                .as_ref()
                .is_ok_and(|s| s.has_effective(identity::CAP_SYS_CHROOT))
        };
        if can_chroot {
            return step(
                requirement,
                Verdict::Ready,
                "this process may chroot",
                vec![identity::USER.id],
            );
        }
        match fallback::sudo_route(self.facts) {
            fallback::SudoRoute::Probably(fallback::SudoGrounds::HostedRunner) => step(
                requirement,
                Verdict::Degraded,
                "via sudo: GitHub-hosted runners give the runner user passwordless sudo",
                vec![platform::CI_RUNNER.id, fallback::SUDO.id],
            ),
            fallback::SudoRoute::Probably(grounds) => {
                let why = match grounds {
                    fallback::SudoGrounds::Group(group) => format!("member of group {group}"),
                    _ => "chronos may use sudo in ChromeOS developer mode".to_string(),
                };
                step(
                    requirement,
                    Verdict::Degraded,
                    format!("probably, via sudo ({why}; `sudo -l` confirms what it allows)"),
                    vec![fallback::SUDO.id],
                )
            }
            fallback::SudoRoute::NotTrusted => step(
                requirement,
                Verdict::Blocked,
                "needs root (sudo is installed, but this user is in no sudo group)",
                vec![fallback::SUDO.id, identity::USER.id],
            ),
            fallback::SudoRoute::Unusable => step(
                requirement,
                Verdict::Blocked,
                "needs root",
                vec![identity::USER.id],
            ),
        }
    }

    /// A Linux VM on macOS or FreeBSD: ready only when a VM manager was found here. macOS's
    /// run as the user through Hypervisor.framework; FreeBSD's bhyve needs root.
    fn vm_off_linux(&self, requirement: Requirement, os: Os) -> StepVerdict {
        let facts = self.facts;
        let found = fallback::vm_managers_for(&facts.fallback, os);
        let ids = vec![fallback::VM_MANAGER.id];
        let Some(first) = found.first() else {
            let summary = match os {
                Os::MacOs => "no VM manager found (podman, limactl, utmctl): a Linux VM through Hypervisor.framework needs one installed".to_string(),
                Os::FreeBsd => "bhyve is not in PATH: nothing shows that a Linux VM can run here".to_string(),
                _ => format!("hostcap knows no VM manager for {}", os.name()),
            };
            return step(requirement, Verdict::Unknown, summary, ids);
        };
        let shown = first.display();
        if os != Os::FreeBsd {
            let how = match first.file_name().and_then(|n| n.to_str()) {
                Some("limactl") => "Lima",
                Some("utmctl") => "UTM",
                _ => "podman machine",
            };
            return step(
                requirement,
                Verdict::Ready,
                format!("{how} runs a Linux VM through Hypervisor.framework ({shown})"),
                ids,
            );
        }
        if facts.identity.is_root() {
            return step(
                requirement,
                Verdict::Ready,
                format!("{shown} runs Linux VMs, and this process is root"),
                ids,
            );
        }
        match (&facts.fallback.admin_group, &facts.fallback.sudo) {
            (Some(group), Some(_)) => step(
                requirement,
                Verdict::Degraded,
                format!("{shown} needs root: probably via sudo (member of group {group})"),
                vec![fallback::VM_MANAGER.id, fallback::SUDO.id],
            ),
            _ => step(
                requirement,
                Verdict::Blocked,
                format!("{shown} needs root"),
                vec![fallback::VM_MANAGER.id, identity::USER.id],
            ),
        }
    }

    fn ptrace(&self, requirement: Requirement) -> StepVerdict {
        let facts = self.facts;
        if let Some((pid, comm)) = &facts.platform.tracer {
            let who = comm.clone().unwrap_or_else(|| format!("pid {pid}"));
            return step(
                requirement,
                Verdict::Blocked,
                format!("this process is already traced by {who}: proot cannot trace it again"),
                vec![platform::TRACED.id],
            );
        }
        if let platform::Kind::NotLinux(os) = facts.platform.kind() {
            return step(
                requirement,
                Verdict::Blocked,
                format!(
                    "proot runs Linux programs by rewriting Linux system calls: there is none on {}",
                    os.name()
                ),
                vec![platform::NOT_LINUX.id],
            );
        }
        if facts.platform.kind() == platform::Kind::Linuxulator {
            return step(
                requirement,
                Verdict::Unknown,
                "FreeBSD's Linux emulation implements only part of Linux's ptrace: nothing here proves proot runs",
                vec![platform::LINUXULATOR.id],
            );
        }
        if matches!(facts.lsm.ptrace_scope, Ok(Some(scope)) if scope >= 2) {
            return step(
                requirement,
                Verdict::Blocked,
                "Yama forbids ptrace",
                vec![lsm::YAMA.id],
            );
        }
        if facts.fallback.proot_noexec_mount.is_some() {
            return step(
                requirement,
                Verdict::Blocked,
                "proot lies on a noexec mount",
                vec![fallback::PROOT.id],
            );
        }
        let summary = if facts.fallback.proot.is_some() {
            "ptrace allowed"
        } else {
            "ptrace allowed; proot is not installed yet"
        };
        step(
            requirement,
            Verdict::Ready,
            summary,
            vec![fallback::PROOT.id],
        )
    }

    fn virtual_machine(&self, requirement: Requirement) -> StepVerdict {
        let facts = self.facts;
        if let platform::Kind::NotLinux(os) = facts.platform.kind() {
            return self.vm_off_linux(requirement, os);
        }
        if facts.platform.kind() == platform::Kind::Linuxulator {
            return step(
                requirement,
                Verdict::Blocked,
                "no KVM under FreeBSD's Linux emulation: a VM here is bhyve on the FreeBSD host, set up by its root",
                vec![platform::LINUXULATOR.id],
            );
        }
        if facts.platform.kind() == platform::Kind::ChromeOsHost {
            return step(
                requirement,
                Verdict::Ready,
                "the Linux development environment (Crostini) is ChromeOS's own VM",
                vec![platform::CHROMEOS_HOST.id],
            );
        }
        if facts.fallback.kvm_usable {
            return step(
                requirement,
                Verdict::Ready,
                "/dev/kvm answers KVM_GET_API_VERSION: VMs run at native speed",
                vec![fallback::KVM.id],
            );
        }
        let where_ = match (
            facts.platform.kind() == platform::Kind::Container,
            facts.fallback.inside_vm,
        ) {
            (true, true) => " inside this container, itself in a VM (a VM here would be nested)",
            (true, false) => " inside this container",
            (false, true) => " in this VM (a VM here would be nested)",
            (false, false) => "",
        };
        let where_ = match facts.platform.kind() {
            platform::Kind::Wsl2 if facts.fallback.kvm.is_err() => {
                " in WSL 2 (nestedVirtualization=true under [wsl2] in %UserProfile%\\.wslconfig gives it, Windows 11)"
            }
            platform::Kind::Wsl1 => " in WSL 1",
            _ => where_,
        };
        let summary = match &facts.fallback.qemu {
            Some(qemu) => format!(
                "no usable /dev/kvm{where_}: {} emulates, many times slower",
                qemu.display()
            ),
            None => format!(
                "no usable /dev/kvm{where_}, and qemu is not installed: only slow emulation, once installed"
            ),
        };
        step(
            requirement,
            Verdict::Degraded,
            summary,
            vec![fallback::KVM.id],
        )
    }
}
