//! hostcap: can this host run rootless containers and sandboxes — and if not, why not, and
//! what to do instead.

mod app;
mod cli;
mod render;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(app::run(std::env::args_os()))
}
