//! Finding the reports among the paths given: a file is read as it is (a bundle when it
//! starts like gzip), a folder is searched for `*.json` and bundles, and a folder that is a
//! recorded host (it has `host.toml`) gives only its `report.json`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest report read: a real one is some tens of KiB.
const MAX_REPORT: u64 = 16 << 20;
/// How deep folders are searched: `reports/HOST/…/report.json` as Ansible's fetch lays them.
const MAX_DEPTH: usize = 8;

/// One report to read.
pub struct Found {
    pub path: PathBuf,
    bundle: bool,
}

impl Found {
    /// The name a host goes by when its report has no host name: the file's name without
    /// its extension, or the folder's for a `report.json` (an unpacked bundle, a fetch tree).
    pub fn name(&self) -> String {
        let file = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string());
        let stem = [".tar.gz", ".tgz", ".json"]
            .iter()
            .find_map(|ext| file.strip_suffix(ext))
            .unwrap_or(&file);
        if stem == "report" {
            if let Some(folder) = self.path.parent().and_then(Path::file_name) {
                return folder.to_string_lossy().into_owned();
            }
        }
        stem.to_string()
    }

    /// The report's bytes: a bundle's `report.json`, or the file itself.
    pub fn read(&self) -> Result<Vec<u8>, String> {
        if self.bundle {
            return crate::bundle::report_json(&self.path);
        }
        let shown = self.path.display();
        let mut bytes = Vec::new();
        fs::File::open(&self.path)
            .and_then(|file| file.take(MAX_REPORT + 1).read_to_end(&mut bytes))
            .map_err(|e| format!("{shown}: {e}"))?;
        if bytes.len() as u64 > MAX_REPORT {
            return Err(format!("{shown}: larger than {MAX_REPORT} bytes"));
        }
        Ok(bytes)
    }
}

/// Every report under `inputs`, in the order given, each folder's sorted by path.
pub fn collect(inputs: &[PathBuf]) -> Result<Vec<Found>, String> {
    let mut found = Vec::new();
    for input in inputs {
        let meta = fs::metadata(input).map_err(|e| format!("{}: {e}", input.display()))?;
        if meta.is_dir() {
            let before = found.len();
            walk(input, 0, &mut found)?;
            if found.len() == before {
                return Err(format!(
                    "{}: no reports in it (*.json, *.tar.gz bundles)",
                    input.display()
                ));
            }
        } else {
            found.push(Found {
                path: input.clone(),
                bundle: starts_like_gzip(input),
            });
        }
    }
    Ok(found)
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<Found>) -> Result<(), String> {
    if dir.join("host.toml").is_file() {
        let report = dir.join("report.json");
        if report.is_file() {
            found.push(Found {
                path: report,
                bundle: false,
            });
        }
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    paths.sort();
    for path in paths {
        // Links to folders are not followed: a loop must not make the walk endless.
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                walk(&path, depth + 1, found)?;
            }
            continue;
        }
        let name = path.to_string_lossy();
        let bundle = name.ends_with(".tar.gz") || name.ends_with(".tgz");
        if (bundle || name.ends_with(".json")) && path.is_file() {
            found.push(Found { path, bundle });
        }
    }
    Ok(())
}

/// gzip's magic bytes: a bundle, whatever its name.
fn starts_like_gzip(path: &Path) -> bool {
    let mut magic = [0u8; 2];
    fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut magic))
        .is_ok_and(|()| magic == [0x1f, 0x8b])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(path: &str) -> String {
        Found {
            path: PathBuf::from(path),
            bundle: false,
        }
        .name()
    }

    #[test]
    fn hosts_without_a_name_go_by_their_file() {
        assert_eq!(name("reports/web1.json"), "web1");
        assert_eq!(name("hostcap-2026-12-01.tar.gz"), "hostcap-2026-12-01");
        assert_eq!(name("b/old.tgz"), "old");
        assert_eq!(name("reports/db2/tmp/report.json"), "tmp");
        assert_eq!(name("unpacked-bundle/report.json"), "unpacked-bundle");
        assert_eq!(name("notes"), "notes");
    }
}
