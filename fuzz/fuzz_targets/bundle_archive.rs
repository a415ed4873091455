//! A support bundle as `hostcap check --from FILE` receives it: any bytes, unpacked by the
//! checked unpacker. It must refuse or unpack without panicking, and leave nothing behind in
//! its base directory once the unpacked tree is dropped: no file escaped the fresh directory.
//! An input starting with `T` is a plain tar, gzipped here, so that mutations reach the tar
//! headers instead of breaking the gzip checksum.
#![no_main]

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use hostcap_probes::host::archive;
use libfuzzer_sys::fuzz_target;

/// One private base directory per fuzzing process, empty between inputs.
fn base() -> &'static PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("hostcap-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a base directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let base = base();
    let gzipped;
    let archive_bytes = match data.strip_prefix(b"T") {
        Some(tar) => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(tar).expect("in memory");
            gzipped = encoder.finish().expect("in memory");
            &gzipped[..]
        }
        None => data,
    };
    if let Ok(unpacked) = archive::unpack_from(base, "fuzz input", archive_bytes) {
        // Whatever was accepted lies inside the fresh directory and is a bundle.
        assert!(unpacked.path().starts_with(base));
        assert!(unpacked.path().join("host.toml").is_file());
    }
    let left: Vec<_> = std::fs::read_dir(base)
        .expect("the base directory")
        .flatten()
        .map(|entry| entry.path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
});
