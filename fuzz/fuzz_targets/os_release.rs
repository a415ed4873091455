//! os-release(5) and lsb-release: `platform::parse_key_values`.
#![no_main]

use hostcap_probes::probe::platform;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let values = platform::parse_key_values(&text);
    for (key, value) in &values {
        assert!(!key.is_empty());
        assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        // A value never holds more than the line it came from.
        assert!(!value.contains('\n'));
        assert!(value.len() <= text.len());
    }
});
