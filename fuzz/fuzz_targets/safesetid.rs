//! SafeSetID policy files: `lsm::parse_rules`.
#![no_main]

use hostcap_probes::probe::lsm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.lines().collect();
    let rules = lsm::parse_rules("/fuzz/policy", &text);
    assert!(rules.len() <= lines.len());
    let mut previous = 0;
    for rule in &rules {
        assert_eq!(rule.source, "/fuzz/policy");
        // One rule per line at most, in file order.
        assert!(rule.line > previous && rule.line <= lines.len());
        previous = rule.line;
        let line = lines[rule.line - 1];
        assert!(line.contains(':'));
        assert!(line.contains(&rule.from.to_string()) && line.contains(&rule.to.to_string()));
    }
});
