//! A virtual machine: ChromeOS's own Linux environment, or qemu/podman machine on /dev/kvm.

use super::{Path, Requirement};
use crate::verdict::Target;

pub const PATH: Path = Path {
    target: Target::Vm,
    program: None,
    ready: "a VM can run",
    requirements: &[Requirement::VirtualMachine],
};
