//! guix-daemon's `/proc/PID/cmdline`: `guix::parse_cmdline`, then `guix::parse_flags`.
#![no_main]

use hostcap_probes::probe::guix;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let argv = guix::parse_cmdline(data);
    // Valid UTF-8 comes back exactly, less the one NUL that ends the last argument.
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(argv.join("\0"), text.strip_suffix('\0').unwrap_or(text));
    }
    let flags = guix::parse_flags(&argv);
    if flags.disable_chroot {
        assert!(argv.iter().skip(1).any(|a| a.starts_with("--d")));
    }
    if let Some(group) = &flags.build_users_group {
        assert!(argv.iter().skip(1).any(|a| a.contains(group.as_str())));
    }
});
