//! The recorded hosts under `tests/hosts/`, for the tests that go through all of them.
// Listing the fixture folders needs the real file system; everything inside a host is read
// through the Host seam like any probe would.
#![allow(clippy::disallowed_methods, dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use hostcap_probes::host::RecordedHost;

pub fn hosts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hosts")
}

/// The names of the recorded hosts, sorted.
pub fn host_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(hosts_dir())
        .expect("tests/hosts exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.is_dir())
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every recorded host, opened, by name.
pub fn recorded_hosts() -> Vec<(String, RecordedHost)> {
    host_names()
        .into_iter()
        .map(|name| {
            let host = RecordedHost::open(&hosts_dir().join(&name))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            (name, host)
        })
        .collect()
}
