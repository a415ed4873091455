//! `/proc/self/uid_map` and `gid_map`: `userns::parse_id_map`.
#![no_main]

use hostcap_probes::probe::userns;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let map = userns::parse_id_map(&text);
    // One extent for each line whose first three fields are numbers, in order; a shorter or
    // non-numeric line is dropped.
    let expected: Vec<(u64, u64, u64)> = text
        .lines()
        .filter_map(|line| {
            let fields: Vec<u64> = line
                .split_whitespace()
                .take(3)
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            (fields.len() == 3).then(|| (fields[0], fields[1], fields[2]))
        })
        .collect();
    assert_eq!(map, expected);
    for (inside, _, count) in &map {
        // What subid makes of an extent is a well-formed range.
        let range = *inside..inside.saturating_add(*count);
        assert!(range.start <= range.end);
    }
});
