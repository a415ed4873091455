//! Support bundles: one `.tar.gz` holding the report (JSON and text) and the recorded host —
//! exactly what the check read, redacted by default — that `hostcap check --from` replays on
//! another machine. Reading one treats it as hostile: it is unpacked, after checks, only into
//! a fresh private directory that is removed afterwards.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use hostcap_probes::host::{LiveHost, Recording, RecordingHost, resolve_links};
use hostcap_probes::{Report, Target};

use crate::redact::Redaction;
use crate::render::{self, Palette};

pub use hostcap_probes::host::archive::{report_json, unpack};

/// What `hostcap bundle` made.
pub struct Made {
    pub archive: Vec<u8>,
    pub report: Report,
    pub redacted: Vec<String>,
}

/// Runs the check through a recording host and packs report and recording.
pub fn make(live: &LiveHost, redact: bool) -> Result<Made, String> {
    let recorder = RecordingHost::new(live);
    let report = hostcap_probes::check(&recorder);
    record_session(&recorder);
    let mut recording = recorder.into_recording();
    let redaction = if redact {
        Redaction::plan(&recording)
    } else {
        Redaction::none()
    };
    let date = today();
    recording.describe(
        format!(
            "support bundle: {} as {}, recorded {date}",
            report.host.os, report.host.user
        ),
        vec![
            format!(
                "Recorded by hostcap {} with `hostcap bundle`: exactly the files, metadata and experiment outcomes the check read, nothing else.",
                env!("CARGO_PKG_VERSION")
            ),
            format!("Redacted: {}.", redaction.summary().join("; ")),
        ],
        None,
    );
    let json = render::json(&report);
    let text = render::human(&report, Target::RootlessPodman, true, Palette::new(false));
    let archive = pack(&recording, &redaction, &json, &text).map_err(|e| e.to_string())?;
    Ok(Made {
        archive,
        report,
        redacted: redaction.summary(),
    })
}

/// `hostcap-2026-12-01.tar.gz`.
pub fn default_name() -> String {
    format!("hostcap-{}.tar.gz", today())
}

fn pack(
    recording: &Recording,
    redaction: &Redaction,
    json: &str,
    text: &str,
) -> std::io::Result<Vec<u8>> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(encoder);
    let add = |tar: &mut tar::Builder<_>, name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes)
    };
    add(&mut tar, "report.json", redaction.apply(json).as_bytes())?;
    add(&mut tar, "report.txt", redaction.apply(text).as_bytes())?;
    add(&mut tar, "REDACTED.txt", redaction.listing().as_bytes())?;
    let tree = Tree::of(recording, redaction);
    let manifest = hostcap_probes::toml::to_string(&tree.manifest)
        .map_err(|e| std::io::Error::other(format!("host.toml: {e}")))?;
    add(&mut tar, "host.toml", redaction.apply(&manifest).as_bytes())?;
    for dir in &tree.dirs {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_mode(0o755);
        header.set_size(0);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(
            &mut header,
            format!("root{}/", dir.display()),
            std::io::empty(),
        )?;
    }
    for (path, bytes) in &tree.files {
        add(&mut tar, &format!("root{}", path.display()), bytes)?;
    }
    for (path, target) in &tree.links {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_mode(0o777);
        header.set_size(0);
        header.set_mtime(0);
        tar.append_link(&mut header, format!("root{}", path.display()), target)?;
    }
    tar.into_inner()?.finish()
}

/// The recording laid out as a recorded host: every path through the recorded links, so
/// that a file read as `/sbin/x` sits where `/sbin` really leads, redacted.
struct Tree {
    files: BTreeMap<PathBuf, Vec<u8>>,
    links: BTreeMap<PathBuf, PathBuf>,
    dirs: Vec<PathBuf>,
    manifest: hostcap_probes::host::HostToml,
}

impl Tree {
    fn of(recording: &Recording, redaction: &Redaction) -> Tree {
        let links: BTreeMap<PathBuf, PathBuf> = recording
            .links
            .iter()
            .map(|(path, target)| (redaction.path(path), redaction.path(target)))
            .collect();
        let place = |path: &Path| resolve(&links, &redaction.path(path));
        let mut files: BTreeMap<PathBuf, Vec<u8>> = recording
            .files
            .iter()
            .map(|(path, bytes)| (place(path), redaction.bytes(path, bytes)))
            .collect();
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut extra_dirs: Vec<PathBuf> = Vec::new();
        for (dir, names) in &recording.dirs {
            let dir = place(dir);
            for name in names {
                let child = dir.join(redaction.apply(name));
                // A listed name nothing else recorded: present, empty, of its kind when known.
                let declared_dir = recording.manifest.files.iter().any(|(p, e)| {
                    place(Path::new(p)) == child
                        && e.kind == Some(hostcap_probes::host::FileKind::Dir)
                });
                let listed_dir = recording.dirs.keys().any(|d| place(d) == child);
                if declared_dir || listed_dir {
                    extra_dirs.push(child);
                } else if !files.contains_key(&child) && !links.contains_key(&child) {
                    files.insert(child, Vec::new());
                }
            }
            dirs.push(dir);
        }
        dirs.extend(extra_dirs);
        dirs.sort();
        dirs.dedup();
        // The manifest is redacted as a whole text when written: keys are only placed here.
        let mut manifest = recording.manifest.clone();
        manifest.files = manifest
            .files
            .into_iter()
            .map(|(path, entry)| {
                (
                    resolve(&recording.links, Path::new(&path))
                        .display()
                        .to_string(),
                    entry,
                )
            })
            .collect();
        redaction.environment(&mut manifest.env);
        // Links are kept as links; what a file under one holds now lives at the target.
        files.retain(|path, _| !links.contains_key(path));
        dirs.retain(|dir| !links.contains_key(dir) && !files.contains_key(dir));
        Tree {
            files,
            links,
            dirs,
            manifest,
        }
    }
}

/// Who ran the check, beyond what it read: the login's variables and the directories of its
/// PATH (a lookup stats only the files it tries). A replay, or a fixture made from the bundle,
/// then shows the same session.
fn record_session(recorder: &RecordingHost) {
    use hostcap_probes::host::Host;
    for var in [
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "PATH",
        "XDG_RUNTIME_DIR",
    ] {
        recorder.env(var);
    }
    for dir in recorder.env("PATH").unwrap_or_default().split(':') {
        if dir.starts_with('/') {
            let _ = recorder.metadata(Path::new(dir));
        }
    }
}

/// Follows recorded links the way the kernel would, staying on recorded paths; the last
/// component stays a link itself. A loop leaves the path as it was given.
fn resolve(links: &BTreeMap<PathBuf, PathBuf>, path: &Path) -> PathBuf {
    resolve_links(path, false, |p| links.get(p).cloned()).unwrap_or_else(|| path.to_path_buf())
}

/// Today's date in UTC, `YYYY-MM-DD`, without a calendar crate (Howard Hinnant's algorithm).
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date(secs)
}

fn civil_date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Writes the archive to `path` (never over an existing file) or to stdout for `-`.
pub fn write_out(path: &Path, archive: &[u8]) -> std::io::Result<()> {
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(archive)?;
        return out.flush();
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(archive)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        assert_eq!(civil_date(1_796_083_200), "2026-12-01");
    }

    #[test]
    fn files_are_placed_where_recorded_links_lead() {
        let mut links = BTreeMap::new();
        links.insert(PathBuf::from("/sbin"), PathBuf::from("usr/sbin"));
        assert_eq!(
            resolve(&links, Path::new("/sbin/newuidmap")),
            PathBuf::from("/usr/sbin/newuidmap")
        );
        assert_eq!(resolve(&links, Path::new("/sbin")), PathBuf::from("/sbin"));
    }
}
