//! Whether privilege may go to a file: newuidmap/newgidmap, or a program an AppArmor profile
//! would let create user namespaces. setuid root or `cap_setuid=ep` on a file that someone
//! other than root can rewrite or replace hands that person CAP_SETUID (a profile, the
//! capabilities of a user namespace); and a copy that hides the distribution's helper earlier
//! in PATH should go, not be armed.

use std::path::{Path, PathBuf};

use crate::host::{FileKind, FileMeta, Host};

/// Where distributions install the helpers; reinstalling a package repairs only these.
pub const PACKAGE_DIRS: [&str; 4] = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/// Whether `file` (symlinks resolved) lies directly in a package directory.
pub fn in_package_dir(file: &Path) -> bool {
    PACKAGE_DIRS
        .iter()
        .any(|dir| file.parent() == Some(Path::new(dir)))
}

/// Why someone other than root could rewrite or replace `file`, or `None` when only root can:
/// the file and every directory above it belong to root, and none is writable by a group or
/// by everyone (a directory with the sticky bit, like /tmp, protects root's files in it).
/// Unreadable metadata counts as a reason: privilege is not given on a guess.
pub fn rewritable_by_others(
    host: &dyn Host,
    file: &Path,
    meta: &Result<FileMeta, String>,
) -> Option<String> {
    let meta = match meta {
        Ok(meta) => meta,
        Err(reason) => return Some(format!("its owner could not be read: {reason}")),
    };
    if let Some(why) = open_to_others(meta, false) {
        return Some(format!("it is {why}"));
    }
    for dir in file.ancestors().skip(1) {
        match host.metadata(dir) {
            Ok(meta) => {
                if let Some(why) = open_to_others(&meta, true) {
                    return Some(format!("it lies in {}, {why}", dir.display()));
                }
            }
            Err(err) => return Some(format!("{} could not be examined: {err}", dir.display())),
        }
    }
    None
}

fn open_to_others(meta: &FileMeta, is_dir: bool) -> Option<String> {
    let sticky = is_dir && meta.mode & 0o1000 != 0;
    if meta.uid != 0 {
        Some(format!("owned by uid {}", meta.uid))
    } else if meta.mode & 0o002 != 0 && !sticky {
        Some("writable by every user".into())
    } else if meta.mode & 0o020 != 0 && !sticky {
        Some(format!("writable by group gid {}", meta.gid))
    } else {
        None
    }
}

/// The distribution's copy of `name` that `found` hides: a program of that name in a package
/// directory, when `found` (symlinks resolved) lies elsewhere. `in_path` says whether PATH
/// reaches it once `found` is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagedCopy {
    pub path: PathBuf,
    pub in_path: bool,
}

pub fn packaged_copy(
    host: &dyn Host,
    name: &str,
    found: &Path,
    path_list: &str,
) -> Option<PackagedCopy> {
    if in_package_dir(found) {
        return None;
    }
    let path = PACKAGE_DIRS
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|candidate| {
            host.metadata(candidate)
                .is_ok_and(|m| m.kind != FileKind::Dir && m.mode & 0o111 != 0)
                && host.canonicalize(candidate).ok().as_deref() != Some(found)
        })?;
    let canonical = host.canonicalize(&path).unwrap_or_else(|_| path.clone());
    let in_path = path_list.split(':').any(|dir| {
        let dir = Path::new(dir);
        dir.is_absolute()
            && (path.parent() == Some(dir)
                || host.canonicalize(&dir.join(name)).ok().as_deref() == Some(&canonical))
    });
    Some(PackagedCopy { path, in_path })
}

/// Whether the user (`uid`, `gids`) may delete the PATH entry `entry` without root: write and
/// search on its directory, and, where that directory is sticky, owning the file or the
/// directory.
pub fn user_may_delete(host: &dyn Host, entry: &Path, uid: u32, gids: &[u32]) -> bool {
    let Some(dir) = entry.parent() else {
        return false;
    };
    let Ok(dir_meta) = host.metadata(dir) else {
        return false;
    };
    // A symlink's own owner is not visible through the seam: only a plain file counts.
    let owns_entry =
        host.read_link(entry).is_err() && host.metadata(entry).is_ok_and(|meta| meta.uid == uid);
    dir_meta.grants_write_in(uid, gids)
        && (dir_meta.mode & 0o1000 == 0 || dir_meta.uid == uid || owns_entry)
}
