use hostcap_probes::host::RecordedHost;
use std::path::Path;
#[test]
fn print_verdicts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hosts");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for d in names {
        let host = RecordedHost::open(&d).unwrap();
        let r = hostcap_probes::check(&host);
        println!(
            "== {} | os={} kernel={:?} session={:?}",
            d.file_name().unwrap().to_string_lossy(),
            r.host.os,
            r.host.kernel,
            r.host.session
        );
        for v in &r.verdicts {
            println!("   {:?}", serde_json::to_string(v).unwrap());
        }
        for f in &r.findings {
            println!("   F {} {:?} {}", f.id, f.status, f.title);
        }
    }
}
