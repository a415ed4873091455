//! A recorded host's `host.toml`, parsed as `RecordedHost::open` parses it (including the line
//! number it computes for an error), and written back.
#![no_main]

use hostcap_probes::host::HostToml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match hostcap_probes::toml::from_str::<HostToml>(text) {
        Ok(manifest) => {
            // What hostcap bundle writes, read back, is the same manifest.
            if let Ok(written) = hostcap_probes::toml::to_string(&manifest) {
                let again: HostToml = hostcap_probes::toml::from_str(&written)
                    .unwrap_or_else(|e| panic!("{written:?} does not read back: {e}"));
                assert_eq!(again, manifest, "{written}");
            }
        }
        Err(err) => assert!(err.line.is_none_or(|line| line <= text.lines().count() + 1)),
    }
});
