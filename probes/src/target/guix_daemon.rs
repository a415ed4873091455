//! guix-daemon's isolated builds: as root with build users, or unprivileged with user
//! namespaces; otherwise only `--disable-chroot`.

use super::{Path, Requirement};
use crate::verdict::Target;

pub const PATH: Path = Path {
    target: Target::GuixDaemon,
    program: Some("guix-daemon"),
    ready: "builds can run isolated",
    requirements: &[
        Requirement::LinuxNamespaces,
        Requirement::BuildIsolation {
            without: "only guix-daemon --disable-chroot, without isolation",
        },
    ],
};
