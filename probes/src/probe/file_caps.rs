//! Decodes the `security.capability` extended attribute (`struct vfs_cap_data`,
//! include/uapi/linux/capability.h): how newuidmap/newgidmap get privilege on distributions
//! that ship them without the setuid bit (Fedora, Arch).

/// File capabilities of one executable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileCaps {
    /// 1, 2 or 3 (3 carries the owning namespace's root id).
    pub revision: u8,
    /// The `e` flag: permitted capabilities become effective at exec.
    pub effective: bool,
    pub permitted: u64,
    pub inheritable: u64,
    /// Revision 3 only: the caps apply in namespaces whose root maps to this host uid.
    pub rootid: Option<u32>,
}

const VFS_CAP_REVISION_MASK: u32 = 0xFF00_0000;
const VFS_CAP_FLAGS_EFFECTIVE: u32 = 0x0000_0001;

impl FileCaps {
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let word = |index: usize| -> Option<u32> {
            let chunk = bytes.get(index * 4..index * 4 + 4)?;
            Some(u32::from_le_bytes(chunk.try_into().ok()?))
        };
        let magic = word(0).ok_or("shorter than 4 bytes")?;
        let revision = ((magic & VFS_CAP_REVISION_MASK) >> 24) as u8;
        let expected_len = match revision {
            1 => 12,
            2 => 20,
            3 => 24,
            other => return Err(format!("unknown revision {other}")),
        };
        if bytes.len() != expected_len {
            return Err(format!(
                "revision {revision} needs {expected_len} bytes, found {}",
                bytes.len()
            ));
        }
        let (permitted, inheritable) = if revision == 1 {
            (
                u64::from(word(1).unwrap_or(0)),
                u64::from(word(2).unwrap_or(0)),
            )
        } else {
            let low_high = |low: usize, high: usize| {
                u64::from(word(low).unwrap_or(0)) | u64::from(word(high).unwrap_or(0)) << 32
            };
            (low_high(1, 3), low_high(2, 4))
        };
        Ok(Self {
            revision,
            effective: magic & VFS_CAP_FLAGS_EFFECTIVE != 0,
            permitted,
            inheritable,
            rootid: (revision == 3).then(|| word(5).unwrap_or(0)),
        })
    }

    /// Whether exec grants `cap` in the initial user namespace: permitted, effective, and not
    /// bound to another namespace's root.
    pub fn grants(&self, cap: u32) -> bool {
        self.effective && self.permitted & (1 << cap) != 0 && self.rootid.unwrap_or(0) == 0
    }

    /// getcap-style text: `cap_setuid=ep`.
    pub fn describe(&self) -> String {
        let names: Vec<String> = super::capability::names_in(self.permitted)
            .map(str::to_lowercase)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let names = if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(",")
        };
        let flags = if self.effective { "=ep" } else { "=p" };
        match self.rootid {
            Some(root) if root != 0 => format!("{names}{flags} [rootid={root}]"),
            _ => format!("{names}{flags}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::identity::{CAP_SETGID, CAP_SETUID};

    fn hex(text: &str) -> Vec<u8> {
        crate::host::decode_hex(text).unwrap()
    }

    #[test]
    fn revision_2_cap_setuid_effective_as_on_fedora() {
        // security.capability=0sAQAAAoAAAAAAAAAAAAAAAAAAAAA= (containers/podman#4921)
        let caps = FileCaps::parse(&hex("0100000280000000000000000000000000000000")).unwrap();
        assert_eq!(caps.revision, 2);
        assert!(caps.effective);
        assert!(caps.grants(CAP_SETUID));
        assert!(!caps.grants(CAP_SETGID));
        assert_eq!(caps.describe(), "cap_setuid=ep");
    }

    #[test]
    fn permitted_without_effective_grants_nothing() {
        let caps = FileCaps::parse(&hex("0000000280000000000000000000000000000000")).unwrap();
        assert!(!caps.grants(CAP_SETUID));
        assert_eq!(caps.describe(), "cap_setuid=p");
    }

    #[test]
    fn revision_3_with_a_namespace_root_is_not_effective_on_the_host() {
        let caps =
            FileCaps::parse(&hex("01000003400000000000000000000000000000000a000000")).unwrap();
        assert_eq!(caps.rootid, Some(10));
        assert!(!caps.grants(CAP_SETGID));
        let host_root =
            FileCaps::parse(&hex("010000034000000000000000000000000000000000000000")).unwrap();
        assert!(host_root.grants(CAP_SETGID));
    }

    #[test]
    fn revision_1_and_bad_lengths() {
        let caps = FileCaps::parse(&hex("010000018000000000000000")).unwrap();
        assert!(caps.grants(CAP_SETUID));
        assert!(FileCaps::parse(&hex("01000002800000")).is_err());
        assert!(FileCaps::parse(&hex("0100000280000000")).is_err());
        assert!(FileCaps::parse(&hex("0100000980000000000000000000000000000000")).is_err());
    }
}
