//! Each recorded host must get the verdict a person who knows that machine would give, for
//! the reason they would give, with the evidence that proves it. A strange host (empty,
//! malformed, huge, unreadable files) must give unknowns with reasons, never a crash.

use std::fs;
use std::path::Path;

use crate::util::{hostcap, report};

fn write(root: &Path, path: &str, content: &[u8]) {
    let full = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(full, content).unwrap();
}

#[test]
fn a_strange_host_gives_unknowns_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(
        &root,
        "/proc/self/status",
        b"\xff\xfe garbage without fields\n",
    );
    write(&root, "/proc/self/mountinfo", b"not a mountinfo line\n");
    write(&root, "/proc/sys/user/max_user_namespaces", b"lots\n");
    write(&root, "/etc/subuid", &vec![b'x'; 2 << 20]);
    write(&root, "/etc/subgid", b"alice:100000\n:1:2\nalice:-5:10\n");
    write(&root, "/etc/os-release", b"=\n\"\nNAME\n");
    write(&root, "/usr/bin/newuidmap", b"");
    fs::write(
        dir.path().join("host.toml"),
        "[source]\nimitates = \"a broken test host\"\n\
         [identity]\nuid = 1000\ngid = 1000\nuser = \"alice\"\n\
         [env]\nPATH = \"/usr/bin\"\n\
         [files.\"/usr/bin/newuidmap\"]\nmode = \"4755\"\nxattrs = { \"security.capability\" = \"0102\" }\n\
         [files.\"/etc/passwd\"]\nunreadable = true\n",
    )
    .unwrap();
    let run = hostcap(&["--json", "--from", dir.path().to_str().unwrap()]);
    assert!([0, 1, 2, 3].contains(&run.code), "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = |id: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .clone()
    };
    assert_eq!(finding("identity.no_new_privs")["status"], "unknown");
    assert_eq!(
        finding("userns.max_user_namespaces_zero")["status"],
        "unknown"
    );
    let unreadable = finding("subid.unreadable");
    assert!(
        unreadable["evidence"][0]["excerpt"]
            .as_str()
            .unwrap()
            .contains("larger than")
    );
    let malformed = finding("subid.malformed_line");
    assert_eq!(malformed["evidence"].as_array().unwrap().len(), 3);
    assert_eq!(
        finding("idmap.newuidmap_on_nosuid_mount")["status"],
        "unknown"
    );
    let human = hostcap(&["--from", dir.path().to_str().unwrap()]);
    assert_eq!(human.code, run.code);
}

#[test]
fn a_recorded_host_without_identity_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("root")).unwrap();
    fs::write(
        dir.path().join("host.toml"),
        "[source]\nimitates = \"nothing at all\"\n",
    )
    .unwrap();
    let run = hostcap(&["--json", "--from", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 3, "{}", run.stdout);
}

#[test]
fn a_bad_host_toml_is_bad_usage_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("root")).unwrap();
    fs::write(dir.path().join("host.toml"), "[source]\nimitates = 3\n").unwrap();
    let run = hostcap(&["--from", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 64);
    assert!(run.stderr.contains("host.toml"), "{}", run.stderr);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
}
