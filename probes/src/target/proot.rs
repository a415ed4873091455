//! `proot -r ROOTFS`: chroot emulated with ptrace; needs nothing but ptrace.

use super::{Path, Requirement};
use crate::verdict::Target;

pub const PATH: Path = Path {
    target: Target::Proot,
    program: Some("proot"),
    ready: "ptrace allowed",
    requirements: &[Requirement::Ptrace],
};
