//! File metadata as the probes need it: kind, permission bits including setuid, and owner.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Other,
}

impl FileKind {
    /// The kind of what `stat` (or `lstat`) found.
    pub fn of(meta: &std::fs::Metadata) -> Self {
        let kind = meta.file_type();
        if kind.is_dir() {
            FileKind::Dir
        } else if kind.is_file() {
            FileKind::File
        } else if kind.is_symlink() {
            FileKind::Symlink
        } else {
            FileKind::Other
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    pub kind: FileKind,
    /// Permission bits including setuid (0o4000), setgid and sticky.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

impl FileMeta {
    pub fn is_setuid(&self) -> bool {
        self.mode & 0o4000 != 0
    }

    /// Whether a process with these ids may open the file for reading and writing,
    /// judged from the permission bits alone (no ACLs), as `access(2)` would for most files.
    /// `root_bypasses` is false for uid 0 inside a user namespace: its CAP_DAC_OVERRIDE does
    /// not reach files whose owner the namespace does not map.
    pub fn grants_read_write(&self, uid: u32, gids: &[u32], root_bypasses: bool) -> bool {
        (uid == 0 && root_bypasses) || self.permission_bits(uid, gids) & 0o6 == 0o6
    }

    /// Whether these ids may create files in this directory (write and search), from the bits.
    pub fn grants_write_in(&self, uid: u32, gids: &[u32]) -> bool {
        self.permission_bits(uid, gids) & 0o3 == 0o3
    }

    /// The owner's, the group's or the others' three bits, whichever apply to these ids.
    pub fn permission_bits(&self, uid: u32, gids: &[u32]) -> u32 {
        let bits = if self.uid == uid {
            self.mode >> 6
        } else if gids.contains(&self.gid) {
            self.mode >> 3
        } else {
            self.mode
        };
        bits & 0o7
    }
}
