//! Measures the full check (with experiments) and the passive check on this machine, as the
//! released binary runs them: wall time per run (median, min, max over many runs) and the peak
//! resident memory of one run. `cargo bench` builds in release mode.

use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 60;

fn main() {
    let binary = env!("CARGO_BIN_EXE_hostcap");
    for (name, args) in [
        ("check --json", &["check", "--json"][..]),
        (
            "check --json --passive",
            &["check", "--json", "--passive"][..],
        ),
    ] {
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let status = Command::new(binary)
                    .args(args)
                    .output()
                    .expect("hostcap runs")
                    .status;
                assert!(status.code().is_some_and(|c| c <= 3), "{name}: {status}");
                start.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "{name:<24} median {:>7.2} ms   min {:>7.2} ms   max {:>7.2} ms   peak RSS {}",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1]),
            peak_rss(binary, args)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set of one run, from the kernel's accounting of the reaped child.
fn peak_rss(binary: &str, args: &[&str]) -> String {
    let before = max_rss_of_children();
    Command::new(binary)
        .args(args)
        .output()
        .expect("hostcap runs");
    let after = max_rss_of_children();
    if after > before {
        format!("{:.1} MB", after as f64 / 1024.0)
    } else {
        format!("≤ {:.1} MB", after as f64 / 1024.0)
    }
}

fn max_rss_of_children() -> i64 {
    // SAFETY: getrusage only writes the struct we pass.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    }
}
