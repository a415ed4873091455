//! Measures the full check (with experiments) and the passive check on this machine, as the
//! released binary runs them: wall time per run (median, min, max over many runs) and the peak
//! resident memory of each kind of run. `cargo bench` builds in release mode.
//!
//! Rootless checks are about an ordinary user: run as root with `HOSTCAP_BENCH_USER=NAME` and
//! every run is made as that user (its uid, gid, HOME and XDG_RUNTIME_DIR), without a wrapper
//! program whose start would be counted too.

use std::ffi::CString;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 60;

/// Who the runs are made as.
struct RunAs {
    uid: u32,
    gid: u32,
    name: String,
    home: String,
}

fn main() {
    let binary = env!("CARGO_BIN_EXE_hostcap");
    let size = std::fs::metadata(binary).map_or(0, |m| m.len());
    println!("binary {binary}: {:.2} MB", size as f64 / 1e6);
    let mut subjects: Vec<Option<RunAs>> = vec![None];
    if let Ok(name) = std::env::var("HOSTCAP_BENCH_USER") {
        let user = lookup(&name).unwrap_or_else(|| panic!("HOSTCAP_BENCH_USER: no user {name:?}"));
        subjects.push(Some(user));
    }
    for run_as in &subjects {
        match run_as {
            Some(user) => println!("\nas {} (uid {})", user.name, user.uid),
            None => println!("\nas the invoking user"),
        }
        let full = measure(
            "hostcap check --json",
            binary,
            &["check", "--json"],
            run_as.as_ref(),
            RUNS,
        );
        let passive = measure(
            "hostcap check --json --passive",
            binary,
            &["check", "--json", "--passive"],
            run_as.as_ref(),
            RUNS,
        );
        // The programs a person would otherwise ask: podman itself, and systemd's detector.
        let podman =
            which("podman").map(|p| measure("podman info", &p, &["info"], run_as.as_ref(), 10));
        let detect = which("systemd-detect-virt")
            .map(|p| measure("systemd-detect-virt", &p, &[], run_as.as_ref(), RUNS));
        if let Some(podman) = podman {
            println!("  podman info / hostcap check: {:.1}x", podman / full);
        }
        if let Some(detect) = detect {
            println!(
                "  hostcap --passive / systemd-detect-virt: {:.2}x",
                passive / detect
            );
        }
    }
}

/// Runs a command `runs` times, prints median, min, max and peak RSS; returns the median (ms).
fn measure(name: &str, program: &str, args: &[&str], run_as: Option<&RunAs>, runs: usize) -> f64 {
    let mut times = Vec::with_capacity(runs);
    let mut peak_kb = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let (_, max_rss) = run(program, args, run_as);
        times.push(start.elapsed());
        peak_kb = peak_kb.max(max_rss);
    }
    times.sort();
    let median = ms(times[runs / 2]);
    println!(
        "  {name:<32} median {median:>8.2} ms   min {:>8.2} ms   max {:>8.2} ms   peak RSS {:.1} MB",
        ms(times[0]),
        ms(times[runs - 1]),
        peak_kb as f64 / 1024.0
    );
    median
}

fn which(name: &str) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .map(|dir| std::path::Path::new(dir).join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// Runs a program once and returns its exit code and the peak RSS of that one process (KiB),
/// from `wait4` on its own pid rather than the largest child ever reaped.
// The child is reaped by wait4, which also gives its own rusage; std's wait cannot.
#[allow(clippy::zombie_processes)]
fn run(binary: &str, args: &[&str], run_as: Option<&RunAs>) -> (Option<i32>, i64) {
    let mut command = Command::new(binary);
    command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(user) = run_as {
        let runtime_dir = format!("/run/user/{}", user.uid);
        command
            .env_clear()
            .env("HOME", &user.home)
            .env("USER", &user.name)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .uid(user.uid)
            .gid(user.gid);
        if std::path::Path::new(&runtime_dir).is_dir() {
            command.env("XDG_RUNTIME_DIR", runtime_dir);
        }
        // std drops root's supplementary groups itself before it sets the uid.
    }
    let child = command.spawn().expect("the program runs");
    let mut status = 0;
    // SAFETY: wait4 writes only the status and the rusage we pass, for our own child.
    let (reaped, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let pid = libc::wait4(child.id() as i32, &mut status, 0, &mut usage);
        (pid, usage)
    };
    assert!(reaped > 0, "wait4 failed");
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, usage.ru_maxrss)
}

fn lookup(name: &str) -> Option<RunAs> {
    let c_name = CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer into static storage, read at once, or null.
    unsafe {
        let entry = libc::getpwnam(c_name.as_ptr());
        if entry.is_null() {
            return None;
        }
        let home = std::ffi::CStr::from_ptr((*entry).pw_dir)
            .to_string_lossy()
            .into_owned();
        Some(RunAs {
            uid: (*entry).pw_uid,
            gid: (*entry).pw_gid,
            name: name.to_string(),
            home,
        })
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
