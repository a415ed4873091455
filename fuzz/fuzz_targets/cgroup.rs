//! cgroup files: the input is split at NUL bytes into `/proc/self/mountinfo` (which tells the
//! layout), `/sys/fs/cgroup/unified/cgroup.controllers` (read on the hybrid layout), the
//! controllers systemd delegates to alice's manager and `/proc/self/cgroup` (read to tell a
//! container); then the whole check.
#![no_main]

use hostcap_fuzz::{MemHost, split_files};
use hostcap_probes::probe::{self, runtime};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 4] = [
    "/proc/self/mountinfo",
    "/sys/fs/cgroup/unified/cgroup.controllers",
    "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers",
    "/proc/self/cgroup",
];

fuzz_target!(|data: &[u8]| {
    let texts = split_files(data, FILES.len());
    let mut host = MemHost::default().alice();
    for (path, text) in FILES.iter().zip(&texts) {
        host = host.with_file(path, text.as_bytes());
    }
    let facts = probe::gather(&host);
    // The layout comes from the mount table alone; the controllers are kept as read.
    match (&facts.runtime.cgroups, texts.first()) {
        (Ok(cgroups), Some(mountinfo)) => {
            let parsed = runtime::cgroup_layout(mountinfo).expect("parsed once already");
            assert_eq!(cgroups.layout, parsed.layout);
            assert_eq!(cgroups.lines, parsed.lines);
            if cgroups.layout == runtime::CgroupLayout::Hybrid {
                let expected = texts.get(1).map(|t| t.trim().to_string());
                assert_eq!(cgroups.unified_controllers.as_ref().ok(), expected.as_ref());
            }
        }
        (Ok(cgroups), None) => panic!("a layout without a mount table: {cgroups:?}"),
        (Err(_), _) => {}
    }
    let delegated = facts.runtime.delegated.as_ref().map(|(_, text)| text.as_str());
    assert_eq!(delegated, texts.get(2).map(|t| t.trim()));
    let report = hostcap_probes::check(&host);
    assert!(report.findings.iter().any(|f| f.id == runtime::CGROUP_LAYOUT.id));
});
