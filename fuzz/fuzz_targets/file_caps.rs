//! `security.capability` xattr values: `FileCaps::parse`.
#![no_main]

use hostcap_probes::probe::file_caps::FileCaps;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(caps) = FileCaps::parse(data) else {
        return;
    };
    let expected_len = match caps.revision {
        1 => 12,
        2 => 20,
        3 => 24,
        other => panic!("revision {other} accepted"),
    };
    assert_eq!(data.len(), expected_len);
    assert_eq!(caps.revision, data[3]);
    assert_eq!(caps.effective, data[0] & 1 != 0);
    assert_eq!(caps.rootid.is_some(), caps.revision == 3);
    if caps.revision == 1 {
        assert!(caps.permitted <= u64::from(u32::MAX));
        assert!(caps.inheritable <= u64::from(u32::MAX));
    }
    for cap in 0..64 {
        let _ = caps.grants(cap);
    }
    assert!(!caps.describe().is_empty());
});
