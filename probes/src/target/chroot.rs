//! `chroot ROOTFS`: needs CAP_SYS_CHROOT, that is root.

use super::{Path, Requirement};
use crate::verdict::Target;

pub const PATH: Path = Path {
    target: Target::Chroot,
    program: None,
    ready: "this process may chroot",
    requirements: &[Requirement::Chroot],
};
