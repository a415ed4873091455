//! `podman run IMAGE` as this user, in the order podman meets each need: its session and
//! runtime directory, newuidmap for the user's ranges, mounts in the new namespace, a pause
//! process with the right mapping, storage, the OCI runtime against the cgroup layout, and the
//! default network.

use super::{Path, Requirement, rule};
use crate::probe::{network, pause, platform, rootful, runtime, session, storage};
use crate::verdict::{Target, Verdict};

pub const PATH: Path = Path {
    target: Target::RootlessPodman,
    program: Some("podman"),
    ready: "podman run works: id mapping, runtime, network and storage all hold",
    requirements: &[
        Requirement::KnownUser,
        Requirement::LinuxNamespaces,
        Requirement::Findings {
            name: "session",
            rules: &[
                rule(&session::FAKE_ROOT, Verdict::Blocked),
                rule(&session::RUNTIME_DIR_WRONG_OWNER, Verdict::Blocked),
                rule(&session::RUNTIME_DIR_NOT_WRITABLE, Verdict::Blocked),
                rule(&session::RUNTIME_DIR_MISSING, Verdict::Blocked),
            ],
        },
        Requirement::IdMapping {
            without_ranges: Verdict::Degraded,
        },
        Requirement::UserNamespace {
            otherwise: Verdict::Blocked,
        },
        Requirement::Findings {
            name: "pause process",
            rules: &[rule(&pause::STALE, Verdict::Degraded)],
        },
        Requirement::Findings {
            name: "storage",
            rules: &[
                rule(&storage::DIR_FILESYSTEM, Verdict::Blocked),
                rule(&storage::DIR_NOEXEC, Verdict::Blocked),
                rule(&storage::FUSE_UNUSABLE, Verdict::Blocked),
            ],
        },
        Requirement::Findings {
            name: "OCI runtime",
            rules: &[
                rule(&runtime::CONF_INVALID, Verdict::Blocked),
                rule(&runtime::OCI_RUNTIME_MISSING, Verdict::Blocked),
                rule(&runtime::CRUN_HYBRID, Verdict::Degraded),
                rule(&platform::PROC_OVERMOUNTED, Verdict::Blocked),
                rule(&rootful::RLIMITS, Verdict::Blocked),
            ],
        },
        Requirement::Findings {
            name: "network",
            rules: &[
                rule(&network::HELPER_MISSING, Verdict::Degraded),
                rule(&network::TUN_UNUSABLE, Verdict::Degraded),
            ],
        },
    ],
};
