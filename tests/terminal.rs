//! The human report on a terminal: it fits the width (COLUMNS, the tty's size, else 80) but for
//! a command or a single long word standing alone; colour follows TERM=dumb; bad usage says
//! all that clap knows in one error.

use std::process::{Command, Stdio};

use crate::util::{Run, hostcap, recorded_host, recorded_hosts};

/// The hostcap command with `vars` set, and no colour, width or terminal variable inherited.
fn hostcap_command(args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hostcap"));
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env_remove("TERM");
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

/// hostcap run with `vars` set and nothing else of the caller's terminal settings.
fn hostcap_env(args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut command = hostcap_command(args, vars);
    let output = command.output().expect("the hostcap binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Every command a report offers, without its trailing comment: the only text that may run
/// past the width behind `$ `.
fn commands(report: &serde_json::Value) -> Vec<String> {
    let mut steps = Vec::new();
    for finding in report["findings"].as_array().unwrap() {
        for side in ["with_root", "without_root"] {
            let side = finding["fix"][side].as_array();
            steps.extend(side.into_iter().flatten().cloned());
        }
    }
    for rec in report["recommendations"].as_array().unwrap() {
        steps.extend(rec["steps"].as_array().into_iter().flatten().cloned());
    }
    steps
        .iter()
        .filter(|step| step["kind"] == "command")
        .map(|step| {
            let text = step["text"].as_str().unwrap();
            let command = text.split_once("  # ").map_or(text, |(command, _)| command);
            command.trim_end().to_string()
        })
        .collect()
}

/// Lines wider than `width` that are not one command or one word alone after the indent.
fn overflowing(text: &str, width: usize, commands: &[String]) -> Vec<String> {
    text.lines()
        .filter(|line| line.chars().count() > width)
        .filter(|line| {
            let content = line.trim_start();
            let one_word = !content.contains(' ');
            let one_command = content
                .strip_prefix("$ ")
                .is_some_and(|command| commands.iter().any(|c| c == command));
            !(one_word || one_command)
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_recorded_host_fits_the_width_but_for_a_command_or_word_alone() {
    let mut wide_lines = 0;
    for name in recorded_hosts() {
        let dir = recorded_host(&name);
        let dir = dir.to_str().unwrap();
        let json = hostcap_env(&["check", "--json", "--from", dir], &[]);
        let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let commands = commands(&report);
        for width in [80, 60, 120] {
            let columns = width.to_string();
            for verbose in [false, true] {
                let mut args = vec!["check", "--from", dir];
                if verbose {
                    args.push("--verbose");
                }
                let run = hostcap_env(&args, &[("COLUMNS", &columns)]);
                assert!(run.stderr.is_empty(), "{name}: {}", run.stderr);
                let bad = overflowing(&run.stdout, width, &commands);
                assert!(
                    bad.is_empty(),
                    "{name} at {width} columns (verbose: {verbose}):\n{}",
                    bad.join("\n")
                );
                if width == 120 {
                    wide_lines += run
                        .stdout
                        .lines()
                        .filter(|l| l.chars().count() > 80)
                        .count();
                }
            }
        }
    }
    // COLUMNS=120 is used, not ignored: some lines take more than 80 columns.
    assert!(wide_lines > 0);
}

#[test]
fn explain_fits_a_narrow_terminal_and_keeps_prose_to_90_columns_on_a_wide_one() {
    let list = hostcap(&["list"]).stdout;
    let ids = list.lines().filter_map(|line| {
        let id = line.strip_prefix("  ")?.split_whitespace().next()?;
        Some(id.to_string())
    });
    let mut wider_than_60 = false;
    for id in ids {
        for (columns, width) in [("40", 40), ("200", 90)] {
            let run = hostcap_env(&["explain", &id], &[("COLUMNS", columns)]);
            assert_eq!(run.code, 0, "{id}: {}", run.stderr);
            let over = overflowing(&run.stdout, width, &[]);
            assert!(over.is_empty(), "{id} at {columns} columns: {over:#?}");
            wider_than_60 |= width == 90 && run.stdout.lines().any(|l| l.chars().count() > 60);
        }
    }
    assert!(
        wider_than_60,
        "a wide terminal gets lines wider than 60 columns"
    );
}

#[test]
fn a_long_command_stands_alone_whole_and_its_comment_follows_as_a_comment() {
    let dir = recorded_host("lxd-ubuntu-22.04-no-nesting");
    let run = hostcap_env(
        &["check", "--from", dir.to_str().unwrap()],
        &[("COLUMNS", "80")],
    );
    let command = "$ lxc config set CONTAINER security.nesting true && lxc restart CONTAINER";
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.trim_start() == command)
        .unwrap_or_else(|| panic!("the command stands whole on a line:\n{}", run.stdout));
    assert_eq!(
        lines[at - 1].trim(),
        "fix (root)",
        "the label keeps its own line"
    );
    assert_eq!(
        lines[at + 1].trim_start(),
        "# on the LXD host: adds a clean procfs"
    );
    // Advice is never shown behind a prompt.
    let fydeos = recorded_host("fydeos-crosh");
    let run = hostcap_env(
        &["check", "--from", fydeos.to_str().unwrap()],
        &[("COLUMNS", "80")],
    );
    assert!(run.stdout.contains("use the Linux development environment"));
    assert!(
        !run.stdout
            .contains("$ use the Linux development environment")
    );
}

#[test]
fn a_multi_line_excerpt_keeps_its_lines() {
    let dir = recorded_host("crostini-penguin");
    let run = hostcap_env(
        &["check", "--verbose", "--from", dir.to_str().unwrap()],
        &[("COLUMNS", "80")],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.trim_end().ends_with("/proc/self/uid_map:"))
        .unwrap_or_else(|| panic!("the uid_map excerpt has a line of its own:\n{}", run.stdout));
    assert_eq!(
        lines[at + 1].split_whitespace().collect::<Vec<_>>(),
        ["0", "1000000", "1000"]
    );
    assert_eq!(
        lines[at + 2].split_whitespace().collect::<Vec<_>>(),
        ["1000", "1000", "1"]
    );
    assert!(
        !run.stdout.contains("\\n      1000"),
        "no escaped line breaks"
    );
}

#[test]
fn without_columns_a_pipe_gets_80_columns() {
    let dir = recorded_host("fydeos-crosh");
    let dir = dir.to_str().unwrap();
    let unset = hostcap_env(&["check", "--from", dir], &[]);
    let zero = hostcap_env(&["check", "--from", dir], &[("COLUMNS", "0")]);
    let eighty = hostcap_env(&["check", "--from", dir], &[("COLUMNS", "80")]);
    assert_eq!(unset.stdout, eighty.stdout);
    assert_eq!(zero.stdout, eighty.stdout, "COLUMNS=0 is no width");
}

#[test]
fn term_dumb_is_no_reason_to_refuse_colour_asked_for() {
    let dir = recorded_host("fydeos-crosh");
    let dir = dir.to_str().unwrap();
    let auto = hostcap_env(&["check", "--from", dir], &[("TERM", "dumb")]);
    assert!(!auto.stdout.contains('\u{1b}'));
    let always = hostcap_env(
        &["check", "--from", dir, "--color", "always"],
        &[("TERM", "dumb"), ("COLUMNS", "80")],
    );
    assert!(always.stdout.contains('\u{1b}'), "--color always wins");
    // Colour changes no line break: the escapes take no columns.
    let plain = hostcap_env(&["check", "--from", dir], &[("COLUMNS", "80")]);
    let stripped: Vec<String> = always.stdout.lines().map(strip_escapes).collect();
    let plain: Vec<&str> = plain.stdout.lines().collect();
    assert_eq!(stripped, plain);
}

fn strip_escapes(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs hostcap with stdout on a pseudo-terminal `columns` wide and returns what it printed.
fn on_a_terminal(args: &[&str], columns: u16, vars: &[(&str, &str)]) -> String {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    // Mutable only because some platforms' openpty (macOS) declare its pointers so.
    let mut size = libc::winsize {
        ws_row: 50,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two new descriptors, which are owned below and closed once.
    let made = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::addr_of_mut!(size),
        )
    };
    assert_eq!(made, 0, "a pseudo-terminal is available");
    // SAFETY: both descriptors were just opened by openpty and nothing else owns them.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut command = hostcap_command(args, vars);
    command.stdin(Stdio::null()).stdout(Stdio::from(slave));
    let mut child = command.spawn().expect("the hostcap binary runs");
    // The command held the only other copy of the slave: once hostcap exits, reads end.
    drop(command);
    let mut master = std::fs::File::from(master);
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut buffer = [0u8; 4096];
        // A pty's master reports EIO once the slave is closed: that is the end.
        while let Ok(read) = master.read(&mut buffer) {
            if read == 0 {
                break;
            }
            bytes.extend_from_slice(&buffer[..read]);
        }
        bytes
    });
    child.wait().unwrap();
    let bytes = reader.join().unwrap();
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

#[test]
fn on_a_terminal_the_report_takes_its_width_and_colour_unless_term_is_dumb() {
    let dir = recorded_host("fydeos-crosh");
    let args = ["check", "--from", dir.to_str().unwrap()];
    let coloured = on_a_terminal(&args, 100, &[("TERM", "xterm-256color")]);
    assert!(coloured.contains('\u{1b}'), "a terminal gets colour");
    let plain = strip_escapes(&coloured.replace('\n', "\u{0}")).replace('\u{0}', "\n");
    let expected = hostcap_env(&args, &[("COLUMNS", "100")]).stdout;
    assert_eq!(plain, expected, "the terminal's 100 columns are used");

    let dumb = on_a_terminal(&args, 100, &[("TERM", "dumb")]);
    assert!(!dumb.contains('\u{1b}'), "TERM=dumb gets no colour");
    assert_eq!(dumb, expected);

    let told = on_a_terminal(&args, 100, &[("TERM", "dumb"), ("COLUMNS", "60")]);
    let at_60 = hostcap_env(&args, &[("COLUMNS", "60")]).stdout;
    assert_eq!(told, at_60, "COLUMNS wins over the terminal's size");
}

#[test]
fn an_unknown_target_is_refused_with_the_valid_ones() {
    let run = hostcap(&["check", "--require", "kubernetes"]);
    assert_eq!(run.code, 64);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .starts_with("hostcap: invalid value 'kubernetes' for '--require <TARGET>'"),
        "{}",
        run.stderr
    );
    let listed: String = run.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    for target in [
        "rootless-podman",
        "rootless-docker",
        "bubblewrap",
        "nix-sandbox",
        "vm",
    ] {
        assert!(
            listed.contains(target),
            "{target} is listed: {}",
            run.stderr
        );
    }
    assert!(listed.contains("[possible values:"), "{}", run.stderr);
}

#[test]
fn usage_errors_keep_what_clap_says_in_one_error() {
    let cases: [(&[&str], &[&str]); 5] = [
        (&["--bogus"], &["unexpected argument '--bogus'"]),
        (
            &["check", "--verbos"],
            &["'--verbos'", "a similar argument exists: '--verbose'"],
        ),
        (
            &["summarize"],
            &[
                "required arguments were not provided",
                "<FILE|DIR>",
                "Usage: hostcap summarize",
            ],
        ),
        (&["completions", "tcsh"], &["'tcsh'", "bash", "zsh", "fish"]),
        (
            &["chek"],
            &[
                "unrecognized subcommand 'chek'",
                "a similar subcommand exists: 'check'",
            ],
        ),
    ];
    for (args, said) in cases {
        let run = hostcap(args);
        assert_eq!(run.code, 64, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}");
        assert!(
            run.stderr.starts_with("hostcap: "),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(
            run.stderr.matches("hostcap: ").count(),
            1,
            "one error: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("error:"), "{}", run.stderr);
        assert!(
            !run.stderr.contains("(see hostcap --help)"),
            "never cut short"
        );
        for text in said {
            assert!(
                run.stderr.contains(text),
                "{args:?} says {text:?}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn conflicting_flags_are_refused_in_one_line() {
    let dir = recorded_host("debian-12-vm-baseline");
    let dir = dir.to_str().unwrap();
    let cases: [&[&str]; 6] = [
        &["--quiet", "--verbose"],
        &["--quiet", "check", "--verbose"],
        &["check", "--verbose", "-q"],
        &["--passive", "--from", dir],
        &["check", "--passive", "--from", dir],
        &["--passive", "check", "--from", dir],
    ];
    for args in cases {
        let run = hostcap(args);
        assert_eq!(run.code, 64, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("hostcap: the argument '--"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("cannot be used with"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_usage_error_is_filled_to_the_width() {
    let run = hostcap_env(&["check", "--require", "kubernetes"], &[("COLUMNS", "60")]);
    assert_eq!(run.code, 64);
    for line in run.stderr.lines() {
        assert!(line.chars().count() <= 60, "{}", run.stderr);
    }
}
