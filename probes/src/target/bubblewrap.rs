//! `bwrap --unshare-user …` (flatpak, build sandboxes): a one-id user namespace with exec
//! mounts, nothing more.

use super::{Path, Requirement};
use crate::verdict::{Target, Verdict};

pub const PATH: Path = Path {
    target: Target::Bubblewrap,
    ready: "a one-id user namespace works",
    requirements: &[
        Requirement::LinuxNamespaces,
        Requirement::UserNamespace {
            program: Some("/usr/bin/bwrap"),
            otherwise: Verdict::Blocked,
        },
    ],
};
