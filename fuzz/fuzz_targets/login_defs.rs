//! `/etc/login.defs` as `login_defs::LoginDefs` reads it, and the free block of subordinate
//! ids found from its `SUB_UID_*` limits: the input is the file's text, then (after a NUL)
//! taken ranges as pairs of little-endian u32 start and length.
#![no_main]

use std::ops::Range;

use hostcap_probes::probe::free_range::{self, Limits};
use hostcap_probes::probe::login_defs::LoginDefs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, rest) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let defs = LoginDefs::parse(&String::from_utf8_lossy(text));
    let taken: Vec<Range<u64>> = rest
        .chunks_exact(8)
        .map(|pair| {
            let start = u64::from(u32::from_le_bytes(pair[..4].try_into().unwrap()));
            let len = u64::from(u32::from_le_bytes(pair[4..].try_into().unwrap()));
            start..start + len
        })
        .collect();
    for kind in ["UID", "GID"] {
        let limits = Limits::from_defs(&defs, kind);
        let Some(start) = free_range::find(limits, &taken) else {
            continue;
        };
        // The block lies within the limits and shares no id with a taken range (an empty
        // range holds no id).
        let block = start..start + limits.count;
        assert!(limits.valid());
        assert!(block.start >= limits.min && block.end - 1 <= limits.max);
        assert!(
            taken
                .iter()
                .all(|r| r.is_empty() || r.end <= block.start || r.start >= block.end)
        );
    }
});
