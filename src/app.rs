//! What each command does, and how its outcome maps to an exit code.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

use clap::{CommandFactory, Parser};
use hostcap_probes::host::{LiveHost, RecordedHost};
use hostcap_probes::{Report, Target};

use crate::cli::{CheckArgs, Cli, ColorChoice, Command, Format};
use crate::render::{self, Palette};

pub const EXIT_USAGE: u8 = 64;
pub const EXIT_INTERNAL: u8 = 70;

/// Runs hostcap with these arguments and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let palette = Palette::new(use_color(cli.color));
    let outcome = match cli.command {
        None => check(&cli.check, palette),
        Some(Command::Check(args)) => check(&merge(&cli.check, args), palette),
        Some(Command::Explain { id }) => explain(&id),
        Some(Command::List) => print(&render::list()).map(|_| 0),
        Some(Command::Bundle(args)) => bundle(&args, &cli.check),
        Some(Command::Summarize { inputs }) => summarize(&inputs, &cli.check, palette),
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "hostcap", &mut out);
            print(&String::from_utf8_lossy(&out)).map(|_| 0)
        }
    };
    match outcome {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("hostcap: {message}");
            EXIT_USAGE
        }
        Err(Failure::Internal(message)) => {
            eprintln!("hostcap: {message}");
            EXIT_INTERNAL
        }
        // `hostcap list | head`: the reader had what it wanted.
        Err(Failure::Io(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(Failure::Io(err)) => {
            eprintln!("hostcap: writing the report: {err}");
            EXIT_INTERNAL
        }
    }
}

enum Failure {
    Usage(String),
    Internal(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Failure::Io(err)
    }
}

/// clap's own message, all of it: what is wrong on the first line, then what clap adds (the
/// valid values, a similar name, the usage a missing argument needs). Help and version print
/// as usual.
fn usage_error(err: &clap::Error) -> u8 {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return 0;
    }
    eprint!("{}", usage_message(err));
    EXIT_USAGE
}

/// clap's message as hostcap's: `hostcap: ` instead of `error: `, no blank lines, no pointer to
/// `--help` (the message says what to change), the usage line only where it shows what is
/// missing, and a conflict of two flags in one line. Long lines (the list of valid values) are
/// filled to the terminal's width.
fn usage_message(err: &clap::Error) -> String {
    use clap::error::ErrorKind;
    let text = err.render().to_string();
    let mut lines = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| !line.starts_with("For more information"));
    let first = lines.next().unwrap_or("bad usage");
    let mut out = format!(
        "hostcap: {}\n",
        first.strip_prefix("error: ").unwrap_or(first)
    );
    if err.kind() == ErrorKind::ArgumentConflict {
        return out;
    }
    let shows_usage = matches!(
        err.kind(),
        ErrorKind::MissingRequiredArgument | ErrorKind::MissingSubcommand
    );
    let layout = render::Layout::new(terminal_width(libc::STDERR_FILENO));
    for line in lines {
        if line.starts_with("Usage:") && !shows_usage {
            continue;
        }
        // `[possible values: …]`, `tip: …`: continuation lines hang after the colon.
        let text = line.trim_start();
        let indent = &line[..line.len() - text.len()];
        match text.split_once(": ") {
            Some((head, rest)) => layout.prose(&mut out, &format!("{indent}{head}: "), rest),
            None => layout.prose(&mut out, indent, text),
        }
    }
    out
}

/// Flags given before the subcommand count as if given after it.
fn merge(top: &CheckArgs, sub: CheckArgs) -> CheckArgs {
    CheckArgs {
        json: top.json || sub.json,
        format: sub.format.or(top.format),
        passive: top.passive || sub.passive,
        from: sub.from.or_else(|| top.from.clone()),
        require: sub.require,
        quiet: top.quiet || sub.quiet,
        verbose: top.verbose || sub.verbose,
        user: sub.user.or_else(|| top.user.clone()),
        uid: sub.uid.or(top.uid),
    }
}

fn check(args: &CheckArgs, palette: Palette) -> Result<u8, Failure> {
    let format = args.output_format().map_err(Failure::Usage)?;
    // clap refuses these pairs within one command line part; given one before the subcommand
    // and one after it (`hostcap --quiet check --verbose`), they meet only here.
    if args.quiet && args.verbose {
        return Err(Failure::Usage(
            "the argument '--quiet' cannot be used with '--verbose'".into(),
        ));
    }
    if args.passive && args.from.is_some() {
        return Err(Failure::Usage(
            "the argument '--passive' cannot be used with '--from': a recorded host runs no experiments anyway".into(),
        ));
    }
    if args.from.is_some() && (args.user.is_some() || args.uid.is_some()) {
        return Err(Failure::Usage(
            "--user and --uid judge this machine; they cannot be combined with --from".into(),
        ));
    }
    let report = match &args.from {
        Some(from) if from.is_file() => {
            let unpacked = crate::bundle::unpack(from).map_err(|e| {
                Failure::Usage(format!(
                    "{e} (--from takes a folder or a .tar.gz that `hostcap bundle` wrote)"
                ))
            })?;
            let host =
                RecordedHost::open(unpacked.path()).map_err(|e| Failure::Usage(e.to_string()))?;
            hostcap_probes::check(&host)
        }
        Some(dir) => {
            let host = RecordedHost::open(dir).map_err(|e| Failure::Usage(e.to_string()))?;
            hostcap_probes::check(&host)
        }
        None => hostcap_probes::check(&live_host(args)?),
    };
    let target = Target::from_name(&args.require)
        .ok_or_else(|| Failure::Usage(format!("unknown target {:?}", args.require)))?;
    let code = exit_code(&report, target);
    if args.quiet {
        return Ok(code);
    }
    let text = match format {
        Format::Human => render::human_fitted(
            &report,
            target,
            args.verbose,
            palette,
            terminal_width(libc::STDOUT_FILENO),
        ),
        Format::Json => render::json(&report),
        Format::Prometheus => render::prometheus(&report, std::time::SystemTime::now()),
        Format::Nagios => render::nagios(&report, target),
    };
    match print(&text) {
        // The exit code is the answer an installer branches on: a reader that went away
        // (`hostcap | true`) must not turn "blocked" into success.
        Err(Failure::Io(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        other => other.map(|_| code),
    }
}

/// `hostcap bundle`: writes the bundle and says on stderr where, how big, and what was redacted.
fn bundle(args: &crate::cli::BundleArgs, check: &CheckArgs) -> Result<u8, Failure> {
    if check.from.is_some() {
        return Err(Failure::Usage(
            "bundle records this machine; --from replays one (use hostcap check --from)".into(),
        ));
    }
    let host = live_host(check)?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| crate::bundle::default_name().into());
    if output.as_os_str() != "-" && output.exists() {
        return Err(Failure::Usage(format!(
            "{} exists; choose another name with -o",
            output.display()
        )));
    }
    let made = crate::bundle::make(&host, !args.no_redact).map_err(Failure::Internal)?;
    crate::bundle::write_out(&output, &made.archive)
        .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", output.display())))?;
    let (shown, replay) = if output.as_os_str() == "-" {
        ("stdout".to_string(), "FILE".to_string())
    } else {
        (output.display().to_string(), output.display().to_string())
    };
    eprintln!(
        "hostcap: wrote {shown} ({} KiB). Redacted: {}. Replay with: hostcap check --from {replay}",
        made.archive.len().div_ceil(1024),
        made.redacted.join("; ")
    );
    // The bundle is the product here: success is 0 whatever the verdicts inside.
    let _ = made.report;
    Ok(0)
}

/// `hostcap summarize`: the fleet's table, or its JSON. Success is 0 whatever the verdicts:
/// the summary is the product, as with `bundle`.
fn summarize(
    inputs: &[std::path::PathBuf],
    args: &CheckArgs,
    palette: Palette,
) -> Result<u8, Failure> {
    let format = args.output_format().map_err(Failure::Usage)?;
    if !matches!(format, Format::Human | Format::Json) {
        return Err(Failure::Usage(format!(
            "summarize prints a table or JSON, not --format {}",
            format.name()
        )));
    }
    let summary = crate::fleet::summarize(inputs).map_err(|e| {
        Failure::Usage(format!(
            "{e} (summarize reads `hostcap check --json` reports, folders of them and bundles)"
        ))
    })?;
    let text = match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&summary)
                .map_err(|e| Failure::Internal(format!("the summary as JSON: {e}")))?;
            text.push('\n');
            text
        }
        _ => render::summary(&summary, palette),
    };
    print(&text)?;
    Ok(0)
}

/// This machine, as the user running hostcap sees it, or as `--user`/`--uid` would (root only).
fn live_host(args: &CheckArgs) -> Result<LiveHost, Failure> {
    use hostcap_probes::host::Subject;
    let subject = match (&args.user, args.uid) {
        (None, None) => return Ok(LiveHost::new(args.passive)),
        (Some(name), _) => Subject::by_name(name),
        (None, Some(uid)) => Subject::by_uid(uid),
    };
    subject
        .and_then(|subject| LiveHost::for_user(subject, args.passive))
        .map_err(|err| Failure::Usage(err.to_string()))
}

pub fn exit_code(report: &Report, target: Target) -> u8 {
    report
        .verdict(target)
        .map(|v| v.verdict.exit_code())
        .unwrap_or(3)
}

fn explain(id: &str) -> Result<u8, Failure> {
    let text = render::explain(id, terminal_width(libc::STDOUT_FILENO)).ok_or_else(|| {
        Failure::Usage(format!(
            "no finding or target named {id:?} (hostcap list shows them all)"
        ))
    })?;
    print(&text)?;
    Ok(0)
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Colour is decided once: the flag, then NO_COLOR / CLICOLOR_FORCE, then TERM=dumb, then
/// whether stdout is a terminal.
fn use_color(choice: ColorChoice) -> bool {
    color_wanted(
        choice,
        |name| std::env::var_os(name),
        || std::io::stdout().is_terminal(),
    )
}

/// The rule behind [`use_color`], over a given environment. An explicit `--color always` wins
/// over TERM=dumb: whoever types it knows where the output goes (a pager, a log viewer).
fn color_wanted(
    choice: ColorChoice,
    env: impl Fn(&str) -> Option<OsString>,
    terminal: impl FnOnce() -> bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
            if set("NO_COLOR") {
                false
            } else if env("CLICOLOR_FORCE").is_some_and(|v| v != "0" && !v.is_empty()) {
                true
            } else if env("TERM").is_some_and(|v| v == "dumb") {
                false
            } else {
                terminal()
            }
        }
    }
}

/// How wide text for a person may be: `COLUMNS` when it is a positive number (set by the user
/// or a script), else the width of the terminal on `fd`, else 80 (a pipe, a file).
fn terminal_width(fd: libc::c_int) -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|&columns| columns > 0)
        .or_else(|| window_width(fd))
        .unwrap_or(render::DEFAULT_WIDTH)
}

/// The column count of the terminal on `fd`, if it is one that knows its size.
fn window_width(fd: libc::c_int) -> Option<usize> {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ only fills the winsize it is given, which lives for the call.
    let result = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) };
    (result == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(choice: ColorChoice, vars: &[(&str, &str)], terminal: bool) -> bool {
        let env = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        };
        color_wanted(choice, env, || terminal)
    }

    #[test]
    fn a_dumb_terminal_gets_no_colour_unless_it_is_asked_for() {
        assert!(wanted(
            ColorChoice::Auto,
            &[("TERM", "xterm-256color")],
            true
        ));
        assert!(!wanted(ColorChoice::Auto, &[("TERM", "dumb")], true));
        assert!(wanted(ColorChoice::Always, &[("TERM", "dumb")], false));
        assert!(wanted(
            ColorChoice::Auto,
            &[("TERM", "dumb"), ("CLICOLOR_FORCE", "1")],
            false
        ));
        assert!(!wanted(ColorChoice::Auto, &[("NO_COLOR", "1")], true));
        assert!(!wanted(ColorChoice::Auto, &[], false));
        assert!(!wanted(
            ColorChoice::Never,
            &[("CLICOLOR_FORCE", "1")],
            true
        ));
    }
}
