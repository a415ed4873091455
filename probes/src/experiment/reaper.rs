//! Every helper an experiment starts is remembered here until it is reaped, so that hostcap,
//! stopped by SIGINT, SIGTERM or SIGHUP, kills it before it goes: a helper that hangs (a
//! script around newuidmap that sleeps) must not outlive the check. Each helper leads a
//! process group of its own, so that what it starts in turn dies with it. (The forked
//! experiment children need no list: they die with the thread that forked them, by
//! PR_SET_PDEATHSIG.)

use std::sync::atomic::{AtomicI32, Ordering};

/// Processes (group leaders) alive at once: two experiment children and their helpers.
const SLOTS: usize = 16;

static ALIVE: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// A process being watched; dropping the guard forgets it.
pub(crate) struct Registered(Option<usize>);

/// Remembers `pid` (a process group leader) until the guard is dropped.
pub(crate) fn register(pid: i32) -> Registered {
    for (index, slot) in ALIVE.iter().enumerate() {
        if slot
            .compare_exchange(0, pid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return Registered(Some(index));
        }
    }
    Registered(None)
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(index) = self.0 {
            ALIVE[index].store(0, Ordering::SeqCst);
        }
    }
}

/// Kills the process group `pgid` leads (or led: its other members keep the id taken).
pub(crate) fn kill_group(pgid: i32) {
    // SAFETY: killpg only sends a signal; an error (the group is gone) is of no interest.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}

extern "C" fn on_signal(signal: libc::c_int) {
    for slot in &ALIVE {
        let pid = slot.load(Ordering::SeqCst);
        if pid > 0 {
            kill_group(pid);
        }
    }
    // SAFETY: _exit is async-signal-safe; the conventional status for death by `signal`.
    unsafe { libc::_exit(128 + signal) }
}

/// Installs the handler for SIGINT, SIGTERM and SIGHUP. Call it once, early, in `main`.
pub fn kill_children_on_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only reads atomics and calls async-signal-safe functions.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_process_is_forgotten_when_its_guard_drops() {
        let guard = register(i32::MAX - 7);
        assert!(
            ALIVE
                .iter()
                .any(|s| s.load(Ordering::SeqCst) == i32::MAX - 7)
        );
        drop(guard);
        assert!(
            !ALIVE
                .iter()
                .any(|s| s.load(Ordering::SeqCst) == i32::MAX - 7)
        );
    }
}
