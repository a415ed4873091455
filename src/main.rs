//! hostcap: can this host run rootless containers and sandboxes — and if not, why not, and
//! what to do instead.

mod app;
mod bundle;
mod cli;
mod fleet;
mod redact;
mod render;

fn main() -> std::process::ExitCode {
    // A bug must not look like a verdict: one line on stderr and exit 70, never 0–3.
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string().replace('\n', " ");
        eprintln!(
            "hostcap: internal error ({message}); please report it with the output of `hostcap --verbose`"
        );
        // Built to abort on panic (the size-optimised static binaries), nothing unwinds back
        // to `main`: leave here with the documented code rather than SIGABRT's 134.
        if cfg!(panic = "abort") {
            std::process::exit(app::EXIT_INTERNAL.into());
        }
    }));
    // Stopped by a signal, hostcap kills the helpers its experiments started before it goes.
    hostcap_probes::experiment::kill_children_on_signals();
    let code =
        std::panic::catch_unwind(|| app::run(std::env::args_os())).unwrap_or(app::EXIT_INTERNAL);
    std::process::ExitCode::from(code)
}
