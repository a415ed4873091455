//! Whether udev sets up /dev on this host: only then does a rule under /etc/udev/rules.d give
//! a device node its group and mode again after a reboot. Containers, WSL 1 and many minimal
//! VMs have no udev; there whoever makes /dev decides.

use std::path::{Path, PathBuf};

use crate::host::{FileKind, Host, SearchPath};

/// systemd-udevd keeps its database and control socket in /run/udev while it runs (and
/// since boot: /run is a tmpfs), so the directory shows a udev that handles events now.
pub fn manages_dev(host: &dyn Host) -> bool {
    host.metadata(Path::new("/run/udev"))
        .is_ok_and(|meta| meta.kind == FileKind::Dir)
}

/// Where udevadm is, to apply a new rule at once (`udevadm trigger`): root's PATH has the
/// sbin directories a user's may lack.
pub fn udevadm(host: &dyn Host, search: &SearchPath) -> Option<PathBuf> {
    search.find(host, "udevadm").or_else(|| {
        [
            "/usr/bin/udevadm",
            "/bin/udevadm",
            "/usr/sbin/udevadm",
            "/sbin/udevadm",
        ]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| {
            host.metadata(path)
                .is_ok_and(|meta| meta.kind != FileKind::Dir && meta.mode & 0o111 != 0)
        })
    })
}

/// The command that opens `device` (a node udev names `kernel`) to every user, kept across
/// reboots by a udev rule where udev manages /dev, else to be repeated wherever /dev is set up.
pub fn open_to_everyone(device: &str, kernel: &str, udev: bool) -> String {
    if udev {
        format!(
            "chmod 0666 {device} && printf 'KERNEL==\"{kernel}\", MODE=\"0666\"\\n' > /etc/udev/rules.d/50-{kernel}.rules    # the rule keeps it after reboot"
        )
    } else {
        format!(
            "chmod 0666 {device}    # no udev here: repeat it wherever /dev is set up (container or boot script)"
        )
    }
}
