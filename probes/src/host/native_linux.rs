//! What only Linux answers: the kernel log (`syslog(2)`), KVM, and the calling thread's own
//! status. The live host's other half (`native_other.rs`) says why other kernels cannot.
// The live host's own half: it reaches the system directly, as live.rs does.
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::Path;

use super::{HostError, READ_LIMIT};

/// The status of the calling thread (`/proc/self/status` is the thread group leader's).
pub(super) fn read_thread_status(_: &Path) -> Result<Vec<u8>, HostError> {
    super::live::read_file(Path::new("/proc/thread-self/status")).or_else(|_| {
        super::live::read_file(Path::new(&format!(
            "/proc/self/task/{}/status",
            nix::unistd::gettid()
        )))
    })
}

/// Opens `/dev/kvm` read-write as qemu does and asks `KVM_GET_API_VERSION`.
pub(super) fn kvm_api_version() -> Result<i32, HostError> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    // `Ioctl` is the request type of this libc: an unsigned long for glibc, an int for musl.
    const KVM_GET_API_VERSION: libc::Ioctl = 0xAE00;
    let path = Path::new("/dev/kvm");
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| HostError::from_io(path, &e))?;
    // SAFETY: KVM_GET_API_VERSION takes no argument and only returns a number.
    let version = unsafe { libc::ioctl(file.as_raw_fd(), KVM_GET_API_VERSION, 0) };
    if version < 0 {
        return Err(HostError::from_io(path, &std::io::Error::last_os_error()));
    }
    Ok(version)
}

/// Reads the kernel ring buffer with `syslog(SYSLOG_ACTION_READ_ALL)`, which, unlike
/// `/dev/kmsg`, never blocks. Refused (EPERM) under `kernel.dmesg_restrict = 1` without
/// CAP_SYSLOG.
pub(super) fn read_kernel_ring() -> Result<String, HostError> {
    const SYSLOG_ACTION_READ_ALL: libc::c_int = 3;
    const SYSLOG_ACTION_SIZE_BUFFER: libc::c_int = 10;
    let source = Path::new("syslog(SYSLOG_ACTION_READ_ALL)");
    // SAFETY: SIZE_BUFFER takes no buffer; READ_ALL writes at most `len` bytes into `buf`.
    let size = unsafe { libc::klogctl(SYSLOG_ACTION_SIZE_BUFFER, std::ptr::null_mut(), 0) };
    if size < 0 {
        return Err(HostError::from_io(source, &std::io::Error::last_os_error()));
    }
    let len = (size as usize).clamp(4096, READ_LIMIT as usize);
    let mut buf = vec![0u8; len];
    let read = unsafe {
        libc::klogctl(
            SYSLOG_ACTION_READ_ALL,
            buf.as_mut_ptr().cast(),
            len as libc::c_int,
        )
    };
    if read < 0 {
        return Err(HostError::from_io(source, &std::io::Error::last_os_error()));
    }
    buf.truncate(read as usize);
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
