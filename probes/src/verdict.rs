//! What a verdict is: the targets, the four answers, and the verdict of one target with the
//! path of requirements that decided it. The deciding itself lives in [`crate::target`].

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
                "Rootless podman as this user, judged on its default command (podman run IMAGE): a usable session and runtime directory, newuidmap/newgidmap that gain their capabilities for subordinate ranges of at least 65536 ids, a user namespace with working mounts, a pause process with the current mapping, storage on a local file system, an OCI runtime that copes with the cgroup layout, and the default user-mode network (slirp4netns or pasta with /dev/net/tun). Without ranges podman still starts with a one-id namespace, and without network it still runs with --network none: both degraded."
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

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
// Deserialize too: `hostcap summarize` reads verdicts back from reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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

impl Verdict {
    /// How bad an answer is, for "the verdict is the worst requirement": an unproven step
    /// outweighs a known limit, and only a proven obstacle outweighs an unproven step.
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Ready => 0,
            Verdict::Degraded => 1,
            Verdict::Unknown => 2,
            Verdict::Blocked => 3,
        }
    }
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetVerdict {
    pub target: Target,
    pub verdict: Verdict,
    pub summary: String,
    /// The finding ids that decide the verdict, the most telling first.
    pub deciding: Vec<&'static str>,
    /// The requirements of the target's default command, in the order it meets them.
    pub path: Vec<StepVerdict>,
    /// The program the default command runs, as found in PATH (or where the distribution
    /// would install it), for targets that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// False when that program is not installed: the verdict then says whether it would work
    /// once installed from the distribution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed: Option<bool>,
}

impl TargetVerdict {
    /// The first requirement on the path that is not met.
    pub fn first_broken(&self) -> Option<&StepVerdict> {
        self.path.iter().find(|step| step.verdict != Verdict::Ready)
    }
}

/// How one requirement of a target's path was decided.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepVerdict {
    /// What the default command needs here, e.g. "id mapping" or "network".
    pub requirement: &'static str,
    pub verdict: Verdict,
    pub summary: String,
    pub deciding: Vec<&'static str>,
}
