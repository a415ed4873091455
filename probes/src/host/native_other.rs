//! The live host's answers on a kernel that is not Linux (macOS, the BSDs): no procfs, no KVM,
//! no `syslog(2)` ring buffer. Each is an error that names what is missing, which the probes
//! report as a fact like any absent file.

use std::path::Path;

use super::HostError;
use crate::os::Os;

/// Only called when judging another user, which needs Linux (see `as_user.rs`).
pub(super) fn read_thread_status(path: &Path) -> Result<Vec<u8>, HostError> {
    Err(HostError::NotFound(path.to_path_buf()))
}

/// KVM is Linux's; macOS has Hypervisor.framework and FreeBSD bhyve's vmm instead.
pub(super) fn kvm_api_version() -> Result<i32, HostError> {
    Err(HostError::NotFound(Path::new("/dev/kvm").to_path_buf()))
}

pub(super) fn read_kernel_ring() -> Result<String, HostError> {
    Err(HostError::Other(
        Path::new("syslog(SYSLOG_ACTION_READ_ALL)").to_path_buf(),
        format!("{} has no Linux kernel log", Os::built_for().name()),
    ))
}
