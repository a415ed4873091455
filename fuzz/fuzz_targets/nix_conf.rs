//! nix.conf as `nix::gather` reads it, includes followed: the input is split at NUL bytes
//! into /etc/nix/nix.conf, /etc/nix/1, /etc/nix/2 and `NIX_CONFIG`; then the judge.
#![no_main]

use hostcap_fuzz::{MemHost, split_files};
use hostcap_probes::host::SearchPath;
use hostcap_probes::probe::{identity, nix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pieces = split_files(data, 4);
    let mut host = MemHost::default()
        .alice()
        .with_file("/nix/store/.keep", b"")
        .with_file("/nix/var/nix/daemon-socket/socket", b"");
    for (index, piece) in pieces.iter().enumerate() {
        host = match index {
            0 => host.with_file("/etc/nix/nix.conf", piece.as_bytes()),
            3 => host.with_env("NIX_CONFIG", piece),
            n => host.with_file(&format!("/etc/nix/{n}"), piece.as_bytes()),
        };
    }
    let identity = identity::gather(&host);
    let facts = nix::gather(&host, &identity, &SearchPath::from_env(&host));
    if let Ok(Some(entries)) = &facts.system.entries {
        for entry in entries {
            assert!(!entry.key.is_empty() && !entry.key.contains(['#', ' ', '\t', '\r']));
            assert!(entry.line >= 1);
        }
    }
    let _ = facts.sandbox_setting();
    let _ = facts.fallback();
    let _ = facts.trusted();
    let _ = facts.build_users_group();
    assert!(!nix::judge(&facts).is_empty());
});
