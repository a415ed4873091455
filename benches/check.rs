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
    let run_as = std::env::var("HOSTCAP_BENCH_USER").ok().map(|name| {
        lookup(&name).unwrap_or_else(|| panic!("HOSTCAP_BENCH_USER: no user {name:?}"))
    });
    match &run_as {
        Some(user) => println!("as {} (uid {})", user.name, user.uid),
        None => println!("as the invoking user"),
    }
    for (name, args) in [
        ("check --json", &["check", "--json"][..]),
        (
            "check --json --passive",
            &["check", "--json", "--passive"][..],
        ),
    ] {
        let mut times = Vec::with_capacity(RUNS);
        let mut peak_kb = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            let (code, max_rss) = run(binary, args, run_as.as_ref());
            times.push(start.elapsed());
            assert!(code.is_some_and(|c| c <= 3), "{name}: exit {code:?}");
            peak_kb = peak_kb.max(max_rss);
        }
        times.sort();
        println!(
            "{name:<24} median {:>7.2} ms   min {:>7.2} ms   max {:>7.2} ms   peak RSS {:.1} MB",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1]),
            peak_kb as f64 / 1024.0
        );
    }
}

/// Runs hostcap once and returns its exit code and the peak RSS of that one process (KiB), from
/// `wait4` on its own pid rather than the largest child ever reaped.
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
    let child = command.spawn().expect("hostcap runs");
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
