//! `/proc/self/status`: `identity::gather` (procfs-core's `Status::from_read` as hostcap calls
//! it) and the identity judge.
#![no_main]

use hostcap_fuzz::MemHost;
use hostcap_probes::probe::identity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let host = MemHost::default()
        .alice()
        .with_file("/proc/self/status", data);
    let facts = identity::gather(&host);
    if let Ok(status) = &facts.status {
        assert_eq!(status.raw, String::from_utf8_lossy(data));
        let _ = status.line("CapBnd:");
        let _ = status.has_effective(identity::CAP_SETUID);
    }
    let _ = facts.no_new_privs();
    let _ = facts.bounding_allows(identity::CAP_SETGID);
    use identity::Starter;
    for fake_root in [false, true] {
        for starter in [
            Starter::Pod,
            Starter::ContainerEngine,
            Starter::Crosh,
            Starter::Other,
        ] {
            assert!(!identity::judge(&facts, fake_root, starter).is_empty());
        }
    }
});
