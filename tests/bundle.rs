//! Support bundles: made here, they replay to the same diagnosis; they carry no host name and
//! no other user's name; and a hostile archive is refused with exit 64, leaving nothing behind.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::util::hostcap;

/// Runs hostcap with TMPDIR pointing at `tmp`, so that anything it unpacks can be seen.
fn hostcap_in(tmp: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_hostcap"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("TMPDIR", tmp)
        .output()
        .expect("the hostcap binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn comparable(report: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "verdicts": report["verdicts"],
        "findings": report["findings"],
        "recommendations": report["recommendations"],
    })
}

#[test]
fn a_bundle_replays_to_the_report_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("b.tar.gz");
    let made = hostcap(&["bundle", "-o", archive.to_str().unwrap()]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    assert!(made.stderr.contains("Redacted:"), "{}", made.stderr);
    let size = fs::metadata(&archive).unwrap().len();
    assert!(size < 1 << 20, "bundle of {size} bytes");
    let unpacked = dir.path().join("x");
    fs::create_dir(&unpacked).unwrap();
    let status = Command::new("tar")
        .args([
            "xzf",
            archive.to_str().unwrap(),
            "-C",
            unpacked.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let held: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(unpacked.join("report.json")).unwrap()).unwrap();
    for from in [&archive, &unpacked] {
        let replay = hostcap(&["check", "--json", "--from", from.to_str().unwrap()]);
        assert!(replay.stderr.is_empty(), "{}", replay.stderr);
        let replayed: serde_json::Value = serde_json::from_str(&replay.stdout).unwrap();
        assert_eq!(
            comparable(&replayed),
            comparable(&held),
            "{}",
            from.display()
        );
        assert_eq!(replayed["host"]["source"], "recorded");
    }
}

#[test]
fn a_bundle_names_no_other_user_and_no_host() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("b.tar.gz");
    assert_eq!(
        hostcap(&["bundle", "-o", archive.to_str().unwrap()]).code,
        0
    );
    let unpacked = dir.path().join("x");
    fs::create_dir(&unpacked).unwrap();
    Command::new("tar")
        .args([
            "xzf",
            archive.to_str().unwrap(),
            "-C",
            unpacked.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    let mut text = String::new();
    for entry in walk(&unpacked) {
        if let Ok(content) = fs::read_to_string(&entry) {
            text.push_str(&content);
        }
        text.push_str(&entry.display().to_string());
    }
    // Everyone with a login account here but the one who ran it.
    let me = std::env::var("USER").unwrap_or_default();
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    for line in passwd.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        let Some(uid) = fields.get(2).and_then(|u| u.parse::<u32>().ok()) else {
            continue;
        };
        let name = fields[0];
        if uid >= 1000 && uid != 65534 && name != me && name.len() >= 3 && name != "nobody" {
            let word = format!(":{name}:");
            assert!(!text.contains(&word), "the bundle names user {name}");
            assert!(
                !text.contains(&format!("/home/{name}/")),
                "the bundle shows {name}'s home"
            );
        }
    }
    let host = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();
    if host.len() >= 5 && host != "localhost" {
        assert!(!text.contains(host), "the bundle names the host {host}");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A gzipped tar made by hand, entry by entry, as an attacker would.
fn archive(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, kind, data, link) in entries {
        let mut header = tar::Header::new_old();
        header.set_entry_type(*kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        // Names such as "../x" or "/etc/x" are written raw: the builder would refuse them.
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        if let Some(link) = link {
            let link = link.as_bytes();
            header.as_old_mut().linkname[..link.len()].copy_from_slice(link);
        }
        header.set_cksum();
        tar.append(&header, *data).unwrap();
    }
    let raw = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).unwrap();
    gz.finish().unwrap()
}

const MANIFEST: &[u8] = b"[source]\nimitates = \"x\"\n";

#[test]
fn hostile_bundles_are_refused_and_leave_nothing() {
    use tar::EntryType::{Block, Char, Fifo, Regular, Symlink};
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "absolute path",
            archive(&[("/tmp/hostcap-owned", Regular, b"x", None)]),
        ),
        (
            "climbs out",
            archive(&[("root/../../escaped", Regular, b"x", None)]),
        ),
        (
            "writes through a link",
            archive(&[
                ("host.toml", Regular, MANIFEST, None),
                ("root", Symlink, b"", Some("/")),
                ("root/tmp/hostcap-owned", Regular, b"x", None),
            ]),
        ),
        (
            "device node",
            archive(&[
                ("host.toml", Regular, MANIFEST, None),
                ("root/dev/kvm", Char, b"", None),
            ]),
        ),
        (
            "block device",
            archive(&[
                ("host.toml", Regular, MANIFEST, None),
                ("root/dev/sda", Block, b"", None),
            ]),
        ),
        (
            "fifo",
            archive(&[
                ("host.toml", Regular, MANIFEST, None),
                ("root/etc/subuid", Fifo, b"", None),
            ]),
        ),
        (
            "no host.toml",
            archive(&[("root/etc/subuid", Regular, b"alice:1:2\n", None)]),
        ),
        ("not gzip", b"this is not a bundle at all".to_vec()),
        ("truncated", {
            let mut bytes = archive(&[("host.toml", Regular, MANIFEST, None)]);
            bytes.truncate(bytes.len() / 2);
            bytes
        }),
    ];
    for (what, bytes) in cases {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("tmp");
        fs::create_dir(&tmp).unwrap();
        let file = dir.path().join("hostile.tar.gz");
        fs::write(&file, bytes).unwrap();
        let (code, stdout, stderr) = hostcap_in(&tmp, &["check", "--from", file.to_str().unwrap()]);
        assert_eq!(code, 64, "{what}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{what}: {stderr}");
        assert!(
            stderr.contains("`hostcap bundle` wrote"),
            "{what}: says what --from takes: {stderr}"
        );
        assert!(stdout.is_empty(), "{what}");
        assert_eq!(
            fs::read_dir(&tmp).unwrap().count(),
            0,
            "{what}: left files in TMPDIR"
        );
        assert!(
            !Path::new("/tmp/hostcap-owned").exists(),
            "{what}: wrote outside"
        );
        assert!(
            !dir.path().join("escaped").exists(),
            "{what}: wrote outside"
        );
    }
}

/// A recorded host folder with a minimal manifest, for the hostile cases below.
fn recorded_dir(dir: &Path) {
    fs::create_dir_all(dir.join("root/etc")).unwrap();
    fs::write(
        dir.join("host.toml"),
        "[source]\nimitates = \"hostile\"\n[identity]\nuid = 1000\ngid = 1000\nuser = \"alice\"\n",
    )
    .unwrap();
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[test]
fn a_fifo_in_a_recording_is_read_as_unreadable_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    recorded_dir(dir.path());
    mkfifo(&dir.path().join("root/etc/subuid"));
    let start = std::time::Instant::now();
    let run = hostcap(&["check", "--json", "--from", dir.path().to_str().unwrap()]);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "it waited on the FIFO"
    );
    assert!([0, 1, 2, 3].contains(&run.code), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let unreadable = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "subid.unreadable")
        .unwrap();
    assert_eq!(unreadable["status"], "fail", "{unreadable}");
}

#[test]
fn hostile_recorded_folders_are_bad_usage() {
    // host.toml as a FIFO, host.toml too large, root/ a link to the real root.
    let fifo = tempfile::tempdir().unwrap();
    fs::create_dir(fifo.path().join("root")).unwrap();
    mkfifo(&fifo.path().join("host.toml"));
    let huge = tempfile::tempdir().unwrap();
    fs::create_dir(huge.path().join("root")).unwrap();
    let mut text = String::from("[source]\nimitates = \"x\"\nfacts = [\n");
    while text.len() < (2 << 20) {
        text.push_str("  \"padding padding padding padding padding padding\",\n");
    }
    text.push_str("]\n");
    fs::write(huge.path().join("host.toml"), text).unwrap();
    let linked = tempfile::tempdir().unwrap();
    fs::write(
        linked.path().join("host.toml"),
        "[source]\nimitates = \"x\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/", linked.path().join("root")).unwrap();
    for (what, dir) in [("fifo", &fifo), ("huge", &huge), ("root link", &linked)] {
        let start = std::time::Instant::now();
        let run = hostcap(&["check", "--from", dir.path().to_str().unwrap()]);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{what}: hung"
        );
        assert_eq!(run.code, 64, "{what}: {}", run.stderr);
        assert_eq!(
            run.stderr.trim_end().lines().count(),
            1,
            "{what}: {}",
            run.stderr
        );
    }
}

#[test]
fn terminal_control_sequences_from_a_recording_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    recorded_dir(dir.path());
    fs::write(
        dir.path().join("root/etc/os-release"),
        "PRETTY_NAME=\"Evil\u{1b}]0;owned\u{7}\u{1b}[2J Linux\"\n",
    )
    .unwrap();
    let run = hostcap(&["check", "--from", dir.path().to_str().unwrap()]);
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(!run.stdout.contains('\u{7}'), "{:?}", run.stdout);
    assert!(run.stdout.contains("Evil\\u{1b}]0;owned"), "{}", run.stdout);
}

#[test]
fn an_environment_value_outside_the_kept_list_is_withheld() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("b.tar.gz");
    // NIX_CONFIG is read (it can switch the Nix sandbox off) and may carry access tokens.
    let status = Command::new(env!("CARGO_BIN_EXE_hostcap"))
        .args(["bundle", "-o", archive.to_str().unwrap()])
        .env(
            "NIX_CONFIG",
            "access-tokens = github.com=hostcap-secret-4711",
        )
        .env("NO_COLOR", "1")
        .status()
        .unwrap();
    assert!(status.success());
    let unpacked = dir.path().join("x");
    fs::create_dir(&unpacked).unwrap();
    Command::new("tar")
        .args([
            "xzf",
            archive.to_str().unwrap(),
            "-C",
            unpacked.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    let manifest = fs::read_to_string(unpacked.join("host.toml")).unwrap();
    assert!(manifest.contains("NIX_CONFIG = \"REDACTED\""), "{manifest}");
    for entry in walk(&unpacked) {
        let bytes = fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("hostcap-secret-4711"),
            "{} holds the secret",
            entry.display()
        );
    }
    let listing = fs::read_to_string(unpacked.join("REDACTED.txt")).unwrap();
    assert!(
        listing.contains("NIX_CONFIG") && !listing.contains("hostcap-secret"),
        "{listing}"
    );
}
