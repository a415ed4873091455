//! guix-daemon's isolated builds: not `--disable-chroot`, build users that exist, and root
//! (or, for an unprivileged daemon, user namespaces); a build run from a shell with another
//! user's HOME picks up that user's files.

use super::{BUILD_ENVIRONMENT, BUILD_PROC_MOUNT, Path, Requirement, rule};
use crate::probe::guix;
use crate::verdict::{Target, Verdict};

pub const PATH: Path = Path {
    target: Target::GuixDaemon,
    program: Some("guix-daemon"),
    ready: "builds run isolated",
    requirements: &[
        Requirement::LinuxNamespacesOrUnisolated,
        Requirement::Findings {
            name: "build users",
            rules: &[rule(&guix::BUILD_USERS, Verdict::Blocked)],
        },
        Requirement::GuixIsolation,
        BUILD_ENVIRONMENT,
        BUILD_PROC_MOUNT,
    ],
};
