//! /etc/subuid and /etc/subgid: `subid::parse`, then the judge over what it parsed.
#![no_main]

use hostcap_probes::probe::subid::{self, Facts, SubidFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = subid::parse(&text);
    let lines = text.lines().count();
    let meaningful = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count();
    // Every meaningful line is either an entry or malformed, exactly once.
    assert_eq!(parsed.entries.len() + parsed.malformed.len(), meaningful);
    for entry in &parsed.entries {
        assert!((1..=lines).contains(&entry.line));
        assert!(!entry.owner.is_empty());
        assert!(entry.count > 0);
        // Within the 32-bit id space, so the end never saturates.
        let end = entry.start.checked_add(entry.count).expect("no overflow");
        assert!(end <= 1 << 32);
        assert_eq!(entry.range(), entry.start..end);
    }
    for bad in &parsed.malformed {
        assert!((1..=lines).contains(&bad.line));
    }
    // The judge over the parsed file, for the first owner and for a user with no line; the
    // user's lines are those of the name or of the uid, 1000.
    let first = parsed.entries.first().map(|e| e.owner.clone());
    for user in [first, None] {
        let own = |owner: &str| user.as_deref() == Some(owner) || owner == "1000";
        let sum: u64 = parsed
            .entries
            .iter()
            .filter(|e| own(&e.owner))
            .map(|e| e.count)
            .sum();
        let file = |path| SubidFile {
            path,
            parsed: Ok(Some(parsed.clone())),
            wrong_mode: None,
        };
        let facts = Facts {
            user: user.clone(),
            uid: Some(1000),
            gid: Some(1000),
            subuid: file("/etc/subuid"),
            subgid: file("/etc/subgid"),
            accounts: Ok(vec![("root".into(), 0), ("bob".into(), 100_000)]),
            groups: Ok(vec![("root".into(), 0)]),
            login_defs: Ok(Default::default()),
            nss_source: None,
            namespace_ids: vec![0..1 << 32],
            namespace_gids: vec![0..1 << 32],
        };
        assert_eq!(facts.total(&facts.subuid), sum);
        let findings = subid::judge(&facts);
        // Inside the full identity map, no range is outside the namespace.
        assert!(findings.iter().all(|f| f.id != subid::OUTSIDE_NAMESPACE.id));
    }
});
