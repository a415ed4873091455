//! A support bundle's archive, unpacked as the hostile input it may be: every entry is
//! checked before anything is written (a plain relative path, a file, directory or link, nothing
//! written through a link, bounded sizes and count), into a fresh directory only this process
//! can enter, removed when dropped. What it holds is then a recorded host like any other.
#![allow(clippy::disallowed_methods)] // an archive is unpacked to disk, by design

use std::fs;
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

/// Largest bundle read, compressed and unpacked, and most entries: a real one is far smaller.
pub const MAX_ARCHIVE: u64 = 32 << 20;
pub const MAX_UNPACKED: u64 = 64 << 20;
pub const MAX_ENTRIES: usize = 20_000;

/// An unpacked bundle in a private directory of its own, removed when dropped.
pub struct Unpacked {
    dir: PathBuf,
}

impl Unpacked {
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Unpacks `archive` after checking every entry: relative paths without `..`, only regular
/// files, directories and links, bounded sizes; nothing is written through a link.
pub fn unpack(archive: &Path) -> Result<Unpacked, String> {
    let shown = archive.display();
    let meta = fs::metadata(archive).map_err(|e| format!("{shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown}: not a regular file"));
    }
    if meta.len() > MAX_ARCHIVE {
        return Err(format!("{shown}: larger than {MAX_ARCHIVE} bytes"));
    }
    let file = fs::File::open(archive).map_err(|e| format!("{shown}: {e}"))?;
    unpack_from(&std::env::temp_dir(), &shown.to_string(), file)
}

/// [`unpack`] for a `.tar.gz` from any reader, into a fresh directory under `base` (the
/// system's temporary directory for [`unpack`]); `shown` names the archive in errors.
pub fn unpack_from(base: &Path, shown: &str, archive: impl Read) -> Result<Unpacked, String> {
    let unpacked = Unpacked {
        dir: fresh_dir(base).map_err(|e| format!("cannot make a private directory: {e}"))?,
    };
    let reader = flate2::read::GzDecoder::new(archive.take(MAX_ARCHIVE));
    let mut tar = tar::Archive::new(reader.take(MAX_UNPACKED));
    let entries = tar
        .entries()
        .map_err(|e| format!("{shown}: not a hostcap bundle: {e}"))?;
    let mut count = 0;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("{shown}: damaged archive: {e}"))?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(format!("{shown}: more than {MAX_ENTRIES} entries"));
        }
        let name = entry
            .path()
            .map_err(|e| format!("{shown}: bad entry name: {e}"))?
            .into_owned();
        let relative = checked_relative(&name).ok_or_else(|| {
            format!(
                "{shown}: refused entry {:?}: not a plain relative path",
                name.display().to_string()
            )
        })?;
        let target = unpacked.dir.join(&relative);
        ensure_no_link_above(&unpacked.dir, &relative)
            .map_err(|e| format!("{shown}: refused entry {}: {e}", name.display()))?;
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&target)
                    .map_err(|e| format!("{shown}: {}: {e}", name.display()))?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                make_parents(&unpacked.dir, &relative)?;
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&target)
                    .map_err(|e| format!("{shown}: {}: {e}", name.display()))?;
                std::io::copy(&mut entry, &mut out)
                    .map_err(|e| format!("{shown}: {}: {e}", name.display()))?;
            }
            tar::EntryType::Symlink => {
                let link = entry
                    .link_name()
                    .map_err(|e| format!("{shown}: {}: {e}", name.display()))?
                    .ok_or_else(|| {
                        format!("{shown}: {}: a link without a target", name.display())
                    })?;
                make_parents(&unpacked.dir, &relative)?;
                std::os::unix::fs::symlink(&link, &target)
                    .map_err(|e| format!("{shown}: {}: {e}", name.display()))?;
            }
            other => {
                return Err(format!(
                    "{shown}: refused entry {}: {other:?} (only files, directories and links)",
                    name.display()
                ));
            }
        }
    }
    if !unpacked.dir.join("host.toml").is_file() {
        return Err(format!("{shown}: not a hostcap bundle (no host.toml)"));
    }
    Ok(unpacked)
}

/// The report a bundle holds (`report.json`), read after the same checks as a replay.
pub fn report_json(archive: &Path) -> Result<Vec<u8>, String> {
    let unpacked = unpack(archive)?;
    let path = unpacked.path().join("report.json");
    let mut bytes = Vec::new();
    fs::File::open(&path)
        .and_then(|file| file.take(MAX_UNPACKED).read_to_end(&mut bytes))
        .map_err(|e| format!("{}: no report.json in the bundle: {e}", archive.display()))?;
    Ok(bytes)
}

/// The entry's path if it is relative and made of plain names only.
fn checked_relative(name: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in name.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// Refuses to write where a component above the entry is a link: a link may point anywhere.
fn ensure_no_link_above(base: &Path, relative: &Path) -> Result<(), String> {
    let mut current = base.to_path_buf();
    let parts: Vec<_> = relative.components().collect();
    for part in &parts {
        current.push(part);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err("it lies under a link".into());
            }
            Ok(meta) if !meta.is_dir() && current != base.join(relative) => {
                return Err("it lies under a file".into());
            }
            _ => {}
        }
    }
    if fs::symlink_metadata(base.join(relative)).is_ok_and(|m| !m.is_dir()) {
        return Err("it is in the archive twice".into());
    }
    Ok(())
}

fn make_parents(base: &Path, relative: &Path) -> Result<(), String> {
    if let Some(parent) = relative.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(base.join(parent))
            .map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    Ok(())
}

/// A new directory only this process can enter, under `base`.
fn fresh_dir(base: &Path) -> std::io::Result<PathBuf> {
    let template = base.join("hostcap-bundle.XXXXXX");
    nix::unistd::mkdtemp(&template).map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_names_are_accepted() {
        assert_eq!(
            checked_relative(Path::new("root/etc/subuid")),
            Some(PathBuf::from("root/etc/subuid"))
        );
        assert_eq!(checked_relative(Path::new("/etc/passwd")), None);
        assert_eq!(checked_relative(Path::new("root/../../x")), None);
        assert_eq!(checked_relative(Path::new("")), None);
    }

    #[test]
    fn garbage_is_refused_and_leaves_nothing_behind() {
        let base = tempfile::tempdir().unwrap();
        for bytes in [&b""[..], b"\x1f\x8b\x08\x00garbage", b"plain text"] {
            assert!(unpack_from(base.path(), "test", bytes).is_err());
        }
        assert_eq!(fs::read_dir(base.path()).unwrap().count(), 0);
    }
}
