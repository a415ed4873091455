//! Linux capability names by bit number, as include/uapi/linux/capability.h defines them.
//!
//! Kept here rather than taken from a crate that asks the running kernel: capability sets are
//! read from recorded hosts too (`security.capability`, `CapBnd:`), and a support engineer on
//! macOS replaying a Linux bundle must get the same names as on the Linux host itself.

/// `CAP_CHOWN` (0) … `CAP_CHECKPOINT_RESTORE` (40), indexed by bit number.
pub const NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The name of capability bit `bit`; `None` for a bit newer than this table.
pub fn name(bit: u32) -> Option<&'static str> {
    NAMES.get(usize::try_from(bit).ok()?).copied()
}

/// The names of the capabilities set in `mask`, in bit order; bits this table does not know
/// are left out.
pub fn names_in(mask: u64) -> impl Iterator<Item = &'static str> {
    (0..64u32)
        .filter(move |bit| mask & (1 << bit) != 0)
        .filter_map(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::identity::{CAP_SETGID, CAP_SETUID, CAP_SYS_CHROOT};

    #[test]
    fn numbers_are_those_of_linux_capability_h() {
        assert_eq!(name(0), Some("CAP_CHOWN"));
        assert_eq!(name(CAP_SETGID), Some("CAP_SETGID"));
        assert_eq!(name(CAP_SETUID), Some("CAP_SETUID"));
        assert_eq!(name(CAP_SYS_CHROOT), Some("CAP_SYS_CHROOT"));
        assert_eq!(name(21), Some("CAP_SYS_ADMIN"));
        assert_eq!(name(34), Some("CAP_SYSLOG"));
        assert_eq!(name(40), Some("CAP_CHECKPOINT_RESTORE"));
        assert_eq!(name(41), None);
    }

    #[test]
    fn a_mask_names_its_bits_and_skips_unknown_ones() {
        let mask = (1 << CAP_SETGID) | (1 << CAP_SETUID) | (1 << 63);
        assert_eq!(
            names_in(mask).collect::<Vec<_>>(),
            ["CAP_SETGID", "CAP_SETUID"]
        );
    }
}
