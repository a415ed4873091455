//! What to do instead, best first, each checked for feasibility on this host and honest about
//! the isolation it gives up.

use serde::Serialize;

use crate::finding::Finding;
use crate::probe::{Facts, platform};
use crate::verdict::{Target, TargetVerdict, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Feasibility {
    /// Checked on this host: it will work.
    Yes,
    /// Plausible, but hostcap cannot check it from here (e.g. needs root it may not have).
    Unverified,
    No,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub id: &'static str,
    pub title: String,
    pub feasible: Feasibility,
    /// Why it is (or is not) feasible here.
    pub why: String,
    pub steps: Vec<String>,
    /// What it costs: isolation, speed, convenience.
    pub gives_up: String,
}

fn rec(
    id: &'static str,
    title: &str,
    feasible: Feasibility,
    why: impl Into<String>,
    steps: &[&str],
    gives_up: &str,
) -> Recommendation {
    Recommendation {
        id,
        title: title.to_string(),
        feasible,
        why: why.into(),
        steps: steps.iter().map(|s| s.to_string()).collect(),
        gives_up: gives_up.to_string(),
    }
}

/// Whether a fix step is a command to paste rather than advice in words.
fn looks_like_a_command(step: &str) -> bool {
    let first = step.split_whitespace().next().unwrap_or("");
    ["mkdir", "printf", "podman", "export", "unset", "chmod"].contains(&first)
}

/// Ranked alternatives when rootless podman is not ready; empty when it is.
pub fn recommend(
    facts: &Facts,
    verdicts: &[TargetVerdict],
    findings: &[Finding],
) -> Vec<Recommendation> {
    let of = |target: Target| {
        verdicts
            .iter()
            .find(|v| v.target == target)
            .map(|v| v.verdict)
    };
    let podman = verdicts.iter().find(|v| v.target == Target::RootlessPodman);
    let Some(podman) = podman.filter(|v| v.verdict != Verdict::Ready) else {
        return Vec::new();
    };
    let chromeos = facts.platform.kind() == platform::Kind::ChromeOsHost;
    let single_id_works = of(Target::Bubblewrap) == Some(Verdict::Ready);
    let mut list = Vec::new();

    if chromeos {
        list.push(rec(
            "vm.crostini",
            "Use the Linux development environment (Crostini): rootless podman works there",
            Feasibility::Yes,
            "ChromeOS runs it in its own VM, outside the host's SafeSetID and mount rules",
            &[
                "Settings › About ChromeOS › Developers › Linux development environment › Set up",
                "in the Linux terminal: sudo apt-get install podman uidmap && podman info",
                "with crun, if podman says \"create keyring … Operation not permitted\": printf '[containers]\\nkeyring = false\\n' >> ~/.config/containers/containers.conf",
            ],
            "nothing for containers; files are shared with ChromeOS only through the Linux files folder",
        ));
    }
    let root_fixes: Vec<String> = podman
        .deciding
        .iter()
        .filter_map(|id| findings.iter().find(|f| f.id == *id && f.is_problem()))
        .flat_map(|f| f.fix.with_root.iter().cloned())
        .filter(|cmd| !cmd.starts_with("no supported fix"))
        .collect();
    if !root_fixes.is_empty() && !chromeos {
        let (feasible, why) = if facts.identity.is_root() {
            (Feasibility::Yes, "this process is root".to_string())
        } else if facts.fallback.sudo.is_some() && !facts.identity.no_new_privs() {
            (
                Feasibility::Unverified,
                "sudo is installed; whether this user may use it cannot be checked".to_string(),
            )
        } else {
            (
                Feasibility::Unverified,
                "needs an administrator".to_string(),
            )
        };
        let mut fix = rec(
            "fix.with_root",
            "Fix the host (needs root)",
            feasible,
            why,
            &[],
            "nothing",
        );
        fix.steps = root_fixes;
        fix.steps.dedup();
        list.push(fix);
    }
    let user_fixes: Vec<String> = podman
        .deciding
        .iter()
        .filter_map(|id| findings.iter().find(|f| f.id == *id && f.is_problem()))
        .flat_map(|f| f.fix.without_root.iter().cloned())
        .filter(|step| looks_like_a_command(step))
        .collect();
    if !user_fixes.is_empty() && !chromeos {
        let mut fix = rec(
            "fix.without_root",
            "Work around it as this user (no root)",
            Feasibility::Yes,
            "each step changes only this user's configuration, and what it relies on was found here",
            &[],
            "what each step names: e.g. a container without network, or runc instead of crun",
        );
        fix.steps = user_fixes;
        fix.steps.dedup();
        list.push(fix);
    }
    let id_mapping_broken = podman
        .path
        .iter()
        .any(|step| step.requirement == "id mapping" && step.verdict != Verdict::Ready);
    if id_mapping_broken {
        let (feasible, why) = if !single_id_works {
            (
                Feasibility::No,
                "a one-id user namespace does not work here either".to_string(),
            )
        } else if facts.subid.has_ranges() {
            (Feasibility::Unverified, "podman only falls back to one id when the user has no subordinate ranges; removing them needs root".to_string())
        } else {
            (
                Feasibility::Yes,
                "a one-id user namespace works here and podman uses it when no ranges are set"
                    .to_string(),
            )
        };
        list.push(rec(
            "podman.single_id",
            "Run podman with one id (no subordinate ids)",
            feasible,
            why,
            &[
                "mkdir -p ~/.config/containers",
                "printf '[storage]\\ndriver = \"overlay\"\\n[storage.options.overlay]\\nignore_chown_errors = \"true\"\\n' > ~/.config/containers/storage.conf",
                "podman system migrate && podman unshare cat /proc/self/uid_map",
            ],
            "every file in the container belongs to one id: images whose files have several owners lose that, and in-container chown/--user fail",
        ));
    }
    if !chromeos {
        let (feasible, why) = match of(Target::Vm) {
            Some(Verdict::Ready) => (Feasibility::Yes, "/dev/kvm is usable".to_string()),
            _ => (
                Feasibility::Yes,
                "no usable /dev/kvm: the VM is emulated and slow".to_string(),
            ),
        };
        list.push(rec(
            "vm.podman_machine",
            "Run containers in a VM (podman machine or qemu)",
            feasible,
            why,
            &[
                "podman machine init && podman machine start",
                "podman --remote run --rm docker.io/library/alpine true",
            ],
            "speed and memory; files cross into the VM through shared folders",
        ));
    }
    let proot_ok = of(Target::Proot) == Some(Verdict::Ready);
    list.push(rec(
        "proot",
        "Use proot for a root file system without privileges",
        if proot_ok { Feasibility::Yes } else { Feasibility::No },
        if proot_ok {
            match &facts.fallback.proot {
                Some(path) => format!("ptrace is allowed and proot is at {}", path.display()),
                None => match facts.fallback.package_manager {
                    Some(pm) => format!(
                        "ptrace is allowed; install proot first ({}, or a static build in ~/bin)",
                        pm.install("proot")
                    ),
                    None => "ptrace is allowed; put a static proot build in ~/bin first".into(),
                },
            }
        } else {
            "ptrace is not allowed here".into()
        },
        &["proot -0 -r ROOTFS -b /dev -b /proc -b /sys -w / /bin/sh"],
        "no isolation (same host user, not a security boundary); slower, and some programs misbehave under ptrace",
    ));
    let chroot = verdicts.iter().find(|v| v.target == Target::Chroot);
    let chroot_ok = chroot.is_some_and(|v| v.verdict == Verdict::Ready);
    list.push(rec(
        "chroot.as_root",
        "chroot as root",
        if chroot_ok {
            Feasibility::Yes
        } else {
            Feasibility::Unverified
        },
        chroot.map_or_else(|| "needs root".to_string(), |v| v.summary.clone()),
        &["sudo mount --bind /proc ROOTFS/proc && sudo chroot ROOTFS /bin/sh"],
        "needs root; no namespaces, so processes and network are shared with the host",
    ));
    list.push(rec(
        "isolation.disabled",
        "Build without isolation (Nix sandbox = false, guix-daemon --disable-chroot)",
        Feasibility::Yes,
        "needs no kernel feature",
        &[
            "nix: nix build --option sandbox false …   (or sandbox = false in ~/.config/nix/nix.conf)",
            "guix: guix-daemon --disable-chroot",
            "scrub the environment of such builds: env -i HOME=\"$(mktemp -d)\" PATH=/usr/bin:/bin …",
        ],
        "builds see the whole system and the user's files: results may be impure or leak host paths and HOME",
    ));
    // Keep the order of preference; what cannot work here goes last.
    list.sort_by_key(|r| r.feasible == Feasibility::No);
    list
}
