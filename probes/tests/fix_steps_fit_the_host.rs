//! Every command hostcap offers on a recorded host can run on that host: the package manager
//! it names is installed there, the group it joins exists there, and it says `sudo` only
//! where sudo can make this user root.
// Listing the fixture folders needs the real file system; everything inside a host is read
// through the Host seam like any probe would.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

mod common;

use common::recorded_hosts;
use hostcap_probes::finding::Step;
use hostcap_probes::host::{Host, RecordedHost};

/// Programs that install packages: naming one on a host without it is a fix that cannot run.
const PACKAGE_MANAGERS: &[&str] = &[
    "apt-get", "apt", "dnf", "yum", "zypper", "pacman", "apk", "crew", "nix-env", "guix",
];

/// Where root finds programs, besides the session's PATH.
const ROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn has_program(host: &RecordedHost, name: &str) -> bool {
    let session = host.env("PATH").unwrap_or_default();
    host.find_in_path(name, &format!("{session}:{ROOT_PATH}"))
        .is_some()
}

fn group_defined(host: &RecordedHost, group: &str) -> bool {
    host.read_string(Path::new("/etc/group"))
        .unwrap_or_default()
        .lines()
        .any(|line| line.split(':').next() == Some(group))
}

fn no_new_privs(host: &RecordedHost) -> bool {
    host.read_string(Path::new("/proc/self/status"))
        .unwrap_or_default()
        .lines()
        .any(|line| line.split_whitespace().collect::<Vec<_>>() == ["NoNewPrivs:", "1"])
}

/// The simple commands of a shell line, each as its words: split at `&&`, `||`, `|` and
/// `;`, without the trailing comment.
fn simple_commands(line: &str) -> Vec<Vec<&str>> {
    let code = line.split("    #").next().unwrap_or(line);
    code.split("&&")
        .flat_map(|part| part.split("||"))
        .flat_map(|part| part.split(['|', ';']))
        .map(|part| part.split_whitespace().collect::<Vec<_>>())
        .filter(|words| !words.is_empty())
        .collect()
}

/// Every pasteable command of the report: fixes and recommendation steps; prose may speak of
/// another system (Crostini's VM, the distribution after a conversion on Windows).
fn commands(host: &RecordedHost) -> Vec<(String, String)> {
    let report = hostcap_probes::check(host);
    let fixes = report.findings.iter().flat_map(|f| {
        f.fix
            .with_root
            .iter()
            .chain(&f.fix.without_root)
            .map(move |step| (f.id.to_string(), step))
    });
    let steps = report
        .recommendations
        .iter()
        .flat_map(|r| r.steps.iter().map(move |step| (r.id.to_string(), step)));
    fixes
        .chain(steps)
        .filter_map(|(id, step)| match step {
            Step::Command(text) => Some((id, text.clone())),
            Step::Prose(_) => None,
        })
        .collect()
}

#[test]
fn every_command_step_runs_with_what_its_host_has() {
    let mut wrong = Vec::new();
    for (name, host) in recorded_hosts() {
        let sudo_works = has_program(&host, "sudo") && !no_new_privs(&host);
        for (id, line) in commands(&host) {
            for words in simple_commands(&line) {
                let (first, rest) = (words[0], &words[1..]);
                if first == "sudo" && !sudo_works {
                    wrong.push(format!("{name}: {id}: sudo cannot gain root here: {line}"));
                }
                let program = if first == "sudo" {
                    rest.first().copied().unwrap_or_default()
                } else {
                    first
                };
                if PACKAGE_MANAGERS.contains(&program) && !has_program(&host, program) {
                    wrong.push(format!("{name}: {id}: no {program} on this host: {line}"));
                }
                if program == "usermod" {
                    let args = &words[words.iter().position(|w| *w == "usermod").unwrap() + 1..];
                    let group = args
                        .iter()
                        .position(|w| *w == "-aG" || *w == "-G")
                        .and_then(|at| args.get(at + 1));
                    if let Some(group) = group {
                        let made_first = line.contains(&format!("groupadd -r {group}"));
                        if !group_defined(&host, group) && !made_first {
                            wrong.push(format!("{name}: {id}: no group {group} here: {line}"));
                        }
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn host(name: &str) -> RecordedHost {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/hosts")
        .join(name);
    RecordedHost::open(&dir).unwrap_or_else(|err| panic!("{name}: {err}"))
}

fn chroot_step(name: &str) -> String {
    let report = hostcap_probes::check(&host(name));
    let chroot = report
        .recommendations
        .iter()
        .find(|r| r.id == "chroot.as_root")
        .unwrap_or_else(|| panic!("{name}: no chroot.as_root"));
    chroot.steps[0].text().to_string()
}

/// The chroot recommendation said `sudo` on every host, even where sudo is absent or
/// no_new_privs stops it.
#[test]
fn chroot_says_sudo_only_where_sudo_can_make_this_user_root() {
    // alice is in group sudo, sudo is installed.
    assert_eq!(
        chroot_step("lxd-ubuntu-22.04-no-nesting"),
        "sudo mount --bind /proc ROOTFS/proc && sudo chroot ROOTFS /bin/sh"
    );
    // No sudo installed; crosh's no_new_privs.
    for name in ["debian-10-setuid-bwrap", "fydeos-crosh"] {
        assert_eq!(
            chroot_step(name),
            "mount --bind /proc ROOTFS/proc && chroot ROOTFS /bin/sh    # as root",
            "{name}"
        );
    }
}

/// ChromeOS has no apt-get: Crostini's install runs in its own VM, so it is said in words.
#[test]
fn crostinis_install_is_words_about_its_vm_not_a_command_here() {
    let report = hostcap_probes::check(&host("chromeos-vt2"));
    let crostini = report
        .recommendations
        .iter()
        .find(|r| r.id == "vm.crostini")
        .expect("vm.crostini");
    let install = crostini
        .steps
        .iter()
        .find(|step| step.text().contains("apt-get"))
        .expect("an install step");
    assert!(!install.is_command());
    assert!(install.text().starts_with("in the Linux terminal: "));
}

#[test]
fn shell_lines_split_into_their_simple_commands() {
    assert_eq!(
        simple_commands("printf 'x' | sudo tee -a /etc/wsl.conf && a b; c    # note && d"),
        vec![
            vec!["printf", "'x'"],
            vec!["sudo", "tee", "-a", "/etc/wsl.conf"],
            vec!["a", "b"],
            vec!["c"],
        ]
    );
}
