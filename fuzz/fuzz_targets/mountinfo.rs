//! `/proc/self/mountinfo`: `idmap::mount_of` and `runtime::cgroup_layout`.
#![no_main]

use std::path::Path;

use hostcap_probes::probe::{idmap, runtime};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let is_line = |line: &str| line.is_empty() || text.lines().any(|l| l == line);
    for path in [
        "/",
        "/usr/bin/newuidmap",
        "/home/alice/.local/bin/x",
        "relative",
    ] {
        if let Ok(mount) = idmap::mount_of(&text, Path::new(path)) {
            assert!(is_line(&mount.line));
        }
    }
    if let Ok(cgroups) = runtime::cgroup_layout(&text) {
        let expected = match cgroups.layout {
            runtime::CgroupLayout::Hybrid => 2,
            _ => 1,
        };
        assert_eq!(cgroups.lines.len(), expected);
        assert!(cgroups.lines.iter().all(|l| is_line(l)));
    }
});
