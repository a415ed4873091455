//! `dockerd-rootless.sh` through rootlesskit: like rootless podman, but rootlesskit refuses to
//! start without subordinate ids and newuidmap, and without a network driver and
//! /dev/net/tun the daemon does not start at all.

use super::{Path, Requirement, rule, rule_on_warning};
use crate::probe::{network, platform, session, storage};
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
                // dockerd-rootless.sh has no fallback: "XDG_RUNTIME_DIR needs to be set and
                // writable", before rootlesskit starts.
                rule_on_warning(&session::RUNTIME_DIR_UNSET, Verdict::Blocked),
                rule(&session::RUNTIME_DIR_MISSING, Verdict::Blocked),
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
        // dockerd's data-root: a local file system, and exec where its driver needs it.
        Requirement::Findings {
            name: "storage",
            rules: &[rule(&storage::DOCKER_DATA_ROOT, Verdict::Blocked)],
        },
        // rootlesskit cannot start the daemon without its network: no fallback as podman's.
        Requirement::Findings {
            name: "network",
            rules: &[
                rule(&network::ROOTLESSKIT_DRIVER_MISSING, Verdict::Blocked),
                rule(&network::TUN_UNUSABLE, Verdict::Blocked),
            ],
        },
        // Containers and build sandboxes mount their own /proc.
        Requirement::Findings {
            name: "/proc mount",
            rules: &[rule(&platform::PROC_OVERMOUNTED, Verdict::Blocked)],
        },
    ],
};
