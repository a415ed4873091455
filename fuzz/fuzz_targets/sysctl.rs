//! One-value sysctl files under /proc/sys, as `read_number` reads them and the judges use
//! them: the input is split at NUL bytes into user.max_user_namespaces,
//! kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns,
//! kernel.yama.ptrace_scope and the two net.ipv4 values kept as text; then the whole check.
#![no_main]

use hostcap_fuzz::{MemHost, split_files};
use hostcap_probes::finding::Status;
use hostcap_probes::probe::{self, lsm, network, userns};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 6] = [
    userns::MAX_USER_NAMESPACES,
    userns::UNPRIVILEGED_USERNS_CLONE,
    userns::APPARMOR_RESTRICT,
    lsm::YAMA_PTRACE_SCOPE,
    network::UNPRIVILEGED_PORT_START,
    network::PING_GROUP_RANGE,
];

fuzz_target!(|data: &[u8]| {
    let values = split_files(data, FILES.len());
    let mut host = MemHost::default().alice();
    for (path, value) in FILES.iter().zip(&values) {
        host = host.with_file(path, value.as_bytes());
    }
    // Absent (`None`), a number (`Some(Some(n))`) or malformed (`Some(None)`), as the kernel
    // never writes it but a strange /proc might.
    let number = |index: usize| values.get(index).map(|v| v.trim().parse::<i64>().ok());
    let facts = probe::gather(&host);
    let read = [
        &facts.userns.max_user_namespaces,
        &facts.userns.unprivileged_userns_clone,
        &facts.userns.apparmor_restrict,
        &facts.lsm.ptrace_scope,
    ];
    for (index, got) in read.into_iter().enumerate() {
        match number(index) {
            None => assert_eq!(got, &Ok(None)),
            Some(Some(value)) => assert_eq!(got, &Ok(Some(value))),
            Some(None) => assert!(
                got.as_ref().is_err_and(|reason| reason.contains(FILES[index])),
                "{got:?}"
            ),
        }
    }
    // The judge says what the value means, or that it could not tell: never a guess.
    let report = hostcap_probes::check(&host);
    let statuses: Vec<Status> = report
        .findings
        .iter()
        .filter(|f| f.id == userns::MAX_ZERO.id)
        .map(|f| f.status)
        .collect();
    let expected: &[Status] = match number(0) {
        None => &[],
        Some(Some(0)) => &[Status::Fail],
        Some(Some(_)) => &[Status::Ok],
        Some(None) => &[Status::Unknown],
    };
    assert_eq!(statuses, expected);
});
