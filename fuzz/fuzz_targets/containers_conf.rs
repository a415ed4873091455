//! containers.conf and storage.conf as `containers_conf::gather` reads them: the input is
//! split at NUL bytes into /etc/containers/containers.conf, a drop-in and storage.conf.
#![no_main]

use hostcap_fuzz::{MemHost, split_files};
use hostcap_probes::probe::containers_conf;
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 3] = [
    "/etc/containers/containers.conf",
    "/etc/containers/containers.conf.d/50-fuzz.conf",
    "/etc/containers/storage.conf",
];

fuzz_target!(|data: &[u8]| {
    let pieces = split_files(data, PATHS.len());
    let mut host = MemHost::default().alice();
    for (path, piece) in PATHS.iter().zip(&pieces) {
        host = host.with_file(path, piece.as_bytes());
    }
    // Rootless: the user's own files are read too.
    let facts = containers_conf::gather(&host, Some("/home/alice"), true);
    // Every file present is read, in containers/common's order.
    let read: Vec<&str> = facts.files.iter().map(String::as_str).collect();
    let present: Vec<&str> = PATHS[..pieces.len()].to_vec();
    assert_eq!(read, present);
    assert!(facts.errors.len() <= read.len());
    for setting in [&facts.runtime, &facts.storage_driver, &facts.mount_program]
        .into_iter()
        .flatten()
    {
        assert!(!setting.value.is_empty());
        assert!(PATHS.contains(&setting.file.as_str()));
    }
});
