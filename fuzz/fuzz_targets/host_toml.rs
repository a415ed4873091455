//! A recorded host's `host.toml`, parsed as `RecordedHost::open` parses it (including the line
//! number it computes for an error), and written back.
#![no_main]

use hostcap_probes::host::HostToml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match toml::from_str::<HostToml>(text) {
        Ok(manifest) => {
            // What hostcap bundle writes, read back, is the same manifest.
            if let Ok(written) = toml::to_string(&manifest) {
                let again: HostToml = toml::from_str(&written)
                    .unwrap_or_else(|e| panic!("{written:?} does not read back: {e}"));
                assert_eq!(again, manifest, "{written}");
            }
        }
        Err(err) => {
            let line = err
                .span()
                .map_or(0, |span| text[..span.start].matches('\n').count() + 1);
            assert!(line <= text.lines().count() + 1);
        }
    }
});
