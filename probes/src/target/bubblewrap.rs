//! `bwrap --unshare-user …` (flatpak, build sandboxes): a one-id user namespace with exec
//! mounts, nothing more.

use super::{Path, Requirement};
use crate::verdict::{Target, Verdict};

pub const PATH: Path = Path {
    target: Target::Bubblewrap,
    program: Some("bwrap"),
    ready: "a one-id user namespace works",
    requirements: &[
        Requirement::LinuxNamespaces,
        Requirement::UserNamespace {
            otherwise: Verdict::Blocked,
        },
    ],
};
