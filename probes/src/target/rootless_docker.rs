//! `dockerd-rootless.sh` through rootlesskit: like rootless podman, but rootlesskit refuses to
//! start without subordinate ids and newuidmap, and its network needs /dev/net/tun too.

use super::{Path, Requirement, rule};
use crate::probe::{network, session};
use crate::verdict::{Target, Verdict};

pub const PATH: Path = Path {
    target: Target::RootlessDocker,
    program: Some("rootlesskit"),
    ready: "rootlesskit can map the user's ranges and build its namespaces",
    requirements: &[
        Requirement::KnownUser,
        Requirement::LinuxNamespaces,
        Requirement::Findings {
            name: "session",
            rules: &[
                rule(&session::FAKE_ROOT, Verdict::Blocked),
                rule(&session::RUNTIME_DIR_WRONG_OWNER, Verdict::Blocked),
                rule(&session::RUNTIME_DIR_NOT_WRITABLE, Verdict::Blocked),
            ],
        },
        Requirement::IdMapping {
            without_ranges: Verdict::Blocked,
        },
        Requirement::UserNamespace {
            otherwise: Verdict::Blocked,
        },
        Requirement::Findings {
            name: "network",
            rules: &[rule(&network::TUN_UNUSABLE, Verdict::Degraded)],
        },
    ],
};
