//! The running guix-daemon and how it isolates builds. Guix builds through its daemon only,
//! so what decides the guix-daemon target is how that process was started: with
//! `--disable-chroot` builds run as plain processes that see the host, and as root without
//! `--build-users-group` they run as root. The daemon is found in `/proc` (its command line
//! is world-readable), the build user pool in /etc/group and /etc/passwd.
//!
//! Sources: the daemon's options and its root warning in `nix/nix-daemon/guix-daemon.cc`,
//! the build user pool in `nix/libstore/build.cc` (`UserLock::acquire`), and the manual's
//! "Build Environment Setup" and "Invoking guix-daemon" (`doc/guix.texi`), read in the
//! guix-mirror/guix history at 575e52ac (2022-01); the unprivileged daemon of Guix commit
//! ae18b3d9 (2025-01, "daemon: Allow running as non-root with unprivileged user namespaces").

use std::path::Path;

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{FileKind, Host, SearchPath};
use crate::probe::read_optional;

/// At most this many processes are looked at; a host with more is reported as such.
const MAX_PROCESSES: usize = 4096;
/// Where guix-daemon listens unless told otherwise (`localstatedir` = /var).
const DEFAULT_SOCKET: &str = "/var/guix/daemon-socket/socket";
/// The group the manual creates and every installer uses.
const DEFAULT_GROUP: &str = "guixbuild";

/// One guix-daemon process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daemon {
    pub pid: u32,
    /// The real uid from `/proc/PID/status`; `None` when it could not be read.
    pub uid: Option<u32>,
    pub argv: Vec<String>,
}

impl Daemon {
    pub fn flags(&self) -> DaemonFlags {
        parse_flags(&self.argv)
    }

    /// The command line as `ps` shows it.
    pub fn command_line(&self) -> String {
        self.argv.join(" ")
    }
}

/// What the daemon's options say about isolation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonFlags {
    pub disable_chroot: bool,
    /// `--build-users-group`; `Some("")` when given empty.
    pub build_users_group: Option<String>,
}

/// The build users group as /etc/group and /etc/passwd describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildGroup {
    pub name: String,
    pub gid: u32,
    /// The members listed in the group entry: the only ones guix-daemon uses (`getgrnam`'s
    /// `gr_mem`).
    pub members: Vec<String>,
    /// Accounts whose primary group it is but which the entry does not list.
    pub primary_only: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub scanned: usize,
    /// More processes existed than [`MAX_PROCESSES`].
    pub truncated: bool,
}

#[derive(Debug, Clone)]
pub struct Facts {
    /// What shows that Guix is installed; empty when nothing does.
    pub installed: Vec<String>,
    pub scan: Result<Scan, String>,
    pub daemons: Vec<Daemon>,
    /// The daemon sockets that exist (the default one and `GUIX_DAEMON_SOCKET`).
    pub sockets: Vec<String>,
    /// The group the daemon uses, or the default one when none runs or it names none.
    pub group_name: String,
    /// `Ok(None)`: no such group in /etc/group.
    pub group: Result<Option<BuildGroup>, String>,
}

pub fn gather(host: &dyn Host, search: &SearchPath) -> Facts {
    let mut installed = Vec::new();
    for program in ["guix", "guix-daemon"] {
        if let Some(found) = search.find(host, program) {
            installed.push(format!("{program} in PATH: {}", found.display()));
        }
    }
    if host
        .metadata(Path::new("/gnu/store"))
        .is_ok_and(|m| m.kind == FileKind::Dir)
    {
        installed.push("/gnu/store exists".into());
    }

    let mut sockets = Vec::new();
    let client_socket = host
        .env("GUIX_DAEMON_SOCKET")
        .filter(|s| s.starts_with('/'));
    for socket in std::iter::once(DEFAULT_SOCKET.to_string()).chain(client_socket) {
        if !sockets.contains(&socket) && host.metadata(Path::new(&socket)).is_ok() {
            sockets.push(socket);
        }
    }

    // Without guix or its socket there is no daemon to find: the scan of every process is
    // skipped, which keeps the check fast on busy hosts.
    let worth_scanning = !installed.is_empty() || !sockets.is_empty();
    let listing = if worth_scanning {
        host.list_dir(Path::new("/proc"))
    } else {
        Ok(Vec::new())
    };
    let (scan, daemons) = match listing {
        Err(err) => (Err(err.to_string()), Vec::new()),
        Ok(names) => {
            let pids: Vec<u32> = names.iter().filter_map(|n| n.parse().ok()).collect();
            let daemons = pids
                .iter()
                .take(MAX_PROCESSES)
                .filter_map(|&pid| daemon(host, pid))
                .collect();
            let scan = Scan {
                scanned: pids.len().min(MAX_PROCESSES),
                truncated: pids.len() > MAX_PROCESSES,
            };
            (Ok(scan), daemons)
        }
    };

    let group_name = daemons
        .first()
        .and_then(|d| d.flags().build_users_group)
        .filter(|g| !g.is_empty())
        .unwrap_or_else(|| DEFAULT_GROUP.into());
    let group = read_group(host, &group_name);
    Facts {
        installed,
        scan,
        daemons,
        sockets,
        group_name,
        group,
    }
}

/// The process `pid` if it is a guix-daemon. Only `comm` is read for every process, so that a
/// support bundle records no other process's command line.
fn daemon(host: &dyn Host, pid: u32) -> Option<Daemon> {
    let comm = read_optional(host, &format!("/proc/{pid}/comm")).ok()??;
    // comm is the executable's name cut to 15 bytes; Guix's wrapper, when there is one,
    // execs `.guix-daemon-real`.
    if !matches!(comm.trim_end(), "guix-daemon" | ".guix-daemon-re") {
        return None;
    }
    let bytes = host.read(Path::new(&format!("/proc/{pid}/cmdline"))).ok()?;
    let argv = parse_cmdline(&bytes);
    let program = argv.first()?.rsplit('/').next()?;
    if !matches!(program, "guix-daemon" | ".guix-daemon-real") {
        return None;
    }
    let uid = read_optional(host, &format!("/proc/{pid}/status"))
        .ok()
        .flatten()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next())
                .and_then(|uid| uid.parse().ok())
        });
    Some(Daemon { pid, uid, argv })
}

/// `/proc/PID/cmdline`: arguments separated and ended by NUL.
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    let mut argv: Vec<String> = bytes
        .split(|&b| b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect();
    if argv.last().is_some_and(String::is_empty) {
        argv.pop();
    }
    argv
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    Optional,
}

/// guix-daemon's long options and whether they take a value (`options[]` in
/// guix-daemon.cc), needed to tell an option's value from the next option and to resolve
/// the abbreviations argp accepts.
const LONG_OPTIONS: &[(&str, Arg)] = &[
    ("system", Arg::Required),
    ("cores", Arg::Required),
    ("max-jobs", Arg::Required),
    ("timeout", Arg::Required),
    ("max-silent-time", Arg::Required),
    ("disable-chroot", Arg::None),
    ("chroot-directory", Arg::Required),
    ("build-users-group", Arg::Required),
    ("no-substitutes", Arg::None),
    ("substitute-urls", Arg::Required),
    ("no-offload", Arg::None),
    ("no-build-hook", Arg::None),
    ("cache-failures", Arg::None),
    ("rounds", Arg::Required),
    ("lose-logs", Arg::None),
    ("disable-log-compression", Arg::None),
    ("log-compression", Arg::Required),
    ("discover", Arg::Optional),
    ("disable-deduplication", Arg::None),
    ("disable-store-optimization", Arg::None),
    ("impersonate-linux-2.6", Arg::None),
    ("gc-keep-outputs", Arg::Optional),
    ("gc-keep-derivations", Arg::Optional),
    ("listen", Arg::Required),
    ("debug", Arg::None),
    ("help", Arg::None),
    ("usage", Arg::None),
    ("version", Arg::None),
];

/// A long option by its full name or an abbreviation that names only one (getopt_long).
fn long_option(name: &str) -> Option<(&'static str, Arg)> {
    if let Some(&exact) = LONG_OPTIONS.iter().find(|(n, _)| *n == name) {
        return Some(exact);
    }
    let mut matches = LONG_OPTIONS.iter().filter(|(n, _)| n.starts_with(name));
    let first = *matches.next()?;
    matches.next().is_none().then_some(first)
}

/// Reads the options that matter from guix-daemon's argv, as argp parses them:
/// `--opt=value` or `--opt value`, unambiguous abbreviations, `--` ends the options.
pub fn parse_flags(argv: &[String]) -> DaemonFlags {
    let mut flags = DaemonFlags::default();
    let mut args = argv.iter().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            let Some((option, kind)) = long_option(name) else {
                continue;
            };
            let value = match (kind, inline) {
                (Arg::Required, None) => args.next().cloned(),
                (_, inline) => inline,
            };
            match option {
                "disable-chroot" => flags.disable_chroot = true,
                "build-users-group" => flags.build_users_group = value,
                _ => {}
            }
        } else if let Some(short) = arg.strip_prefix('-') {
            // -c N and -M N take a value, attached or as the next argument.
            if matches!(short.chars().next(), Some('c' | 'M')) && short.len() == 1 {
                args.next();
            }
        }
    }
    flags
}

/// The group `name` from /etc/group with its members, and the accounts that have it as
/// their primary group in /etc/passwd.
fn read_group(host: &dyn Host, name: &str) -> Result<Option<BuildGroup>, String> {
    let groups = read_optional(host, "/etc/group").map_err(|e| e.to_string())?;
    let Some(group) = groups.as_deref().and_then(|text| parse_group(text, name)) else {
        return Ok(None);
    };
    let passwd = read_optional(host, "/etc/passwd")
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let primary_only = passwd
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            let gid: u32 = fields.get(3)?.parse().ok()?;
            (gid == group.1 && !group.2.iter().any(|m| m == fields[0]))
                .then(|| fields[0].to_string())
        })
        .collect();
    Ok(Some(BuildGroup {
        name: name.into(),
        gid: group.1,
        members: group.2,
        primary_only,
    }))
}

/// `name:password:gid:member,member` for the group `name`; malformed lines are skipped.
fn parse_group(text: &str, name: &str) -> Option<(String, u32, Vec<String>)> {
    text.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 4 || fields[0] != name {
            return None;
        }
        let gid = fields[2].parse().ok()?;
        let members = fields[3]
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        Some((fields[0].to_string(), gid, members))
    })
}

impl Facts {
    pub fn installed(&self) -> bool {
        !self.installed.is_empty()
    }

    pub fn daemon_running(&self) -> bool {
        !self.daemons.is_empty()
    }

    /// A running guix-daemon builds without chroot, namespaces or private /dev.
    pub fn disable_chroot(&self) -> bool {
        self.daemons.iter().any(|d| d.flags().disable_chroot)
    }

    /// The daemon whose options are judged: the first with `--disable-chroot`, else the
    /// first found (the per-client processes are forks with the same command line).
    pub fn daemon(&self) -> Option<&Daemon> {
        self.daemons
            .iter()
            .find(|d| d.flags().disable_chroot)
            .or_else(|| self.daemons.first())
    }
}

pub const DISABLE_CHROOT: FindingDoc = FindingDoc {
    id: "guix.disable_chroot",
    summary: "guix-daemon runs with --disable-chroot: builds are not isolated",
    explanation: "By default guix-daemon builds each derivation in a chroot with private mount, \
PID, network, IPC and UTS namespaces that holds only its declared inputs, a minimal /dev and \
/proc and a private /tmp. `--disable-chroot` (settings.useChroot = false) runs builders as \
plain processes: they see the host's /usr, /home and network, may pick up undeclared \
dependencies and may interfere with each other; the manual advises against it. Older \
releases needed it for a daemon running as an unprivileged user; since Guix commit ae18b3d9 \
(January 2025) an unprivileged guix-daemon isolates builds with unprivileged user namespaces \
instead. hostcap finds the daemon by its name in /proc/PID/comm and reads its options from \
/proc/PID/cmdline as argp parses them.",
    references: &[
        "guix manual: Invoking guix-daemon (--disable-chroot)",
        "guix manual: Build Environment Setup",
        "guix nix/nix-daemon/guix-daemon.cc (GUIX_OPT_DISABLE_CHROOT)",
        "guix commit ae18b3d9 \"daemon: Allow running as non-root with unprivileged user namespaces\"",
    ],
};

pub const BUILD_USERS: FindingDoc = FindingDoc {
    id: "guix.build_users",
    summary: "the build user pool guix-daemon builds with",
    explanation: "A guix-daemon running as root should drop privileges for each build to one \
of the users listed in the `--build-users-group` group (guixbuild, with guixbuilder01…10 in the \
manual). Without that option it builds as its own user, root, and warns at start: \"daemon \
is running as root, so using `--build-users-group' is highly recommended\". With it, the daemon \
takes the members listed in the group's /etc/group entry (not users that merely have it as \
their primary group), runs at most one build per member at a time, so their number bounds \
--max-jobs, and fails every build when the group is missing (\"the group `guixbuild' \
specified in `build-users-group' does not exist\") or lists no member (\"the build users group \
`guixbuild' has no members\").",
    references: &[
        "guix manual: Build Environment Setup (build users)",
        "guix nix/nix-daemon/guix-daemon.cc (the root warning)",
        "guix nix/libstore/build.cc (UserLock::acquire)",
    ],
};

pub const DOCS: &[&FindingDoc] = &[&DISABLE_CHROOT, &BUILD_USERS];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    vec![judge_chroot(facts), judge_build_users(facts)]
}

/// Why no daemon was found, as a finding of `doc`: unknown when the scan failed or a socket
/// says a daemon should be there, else information.
fn no_daemon(facts: &Facts, doc: &FindingDoc) -> Finding {
    if let Err(reason) = &facts.scan {
        return Finding::new(
            doc,
            Status::Unknown,
            format!("the processes could not be listed: {reason}"),
        );
    }
    let truncated = facts.scan.as_ref().is_ok_and(|s| s.truncated);
    if let Some(socket) = facts.sockets.first() {
        let why = if truncated {
            format!("only the first {MAX_PROCESSES} processes were looked at")
        } else {
            "is /proc mounted with hidepid?".to_string()
        };
        return Finding::new(
            doc,
            Status::Unknown,
            format!("the guix-daemon socket exists but no guix-daemon process is visible ({why})"),
        )
        .evidence(socket.clone(), "exists");
    }
    let mut finding = if facts.installed() {
        Finding::new(
            doc,
            Status::Info,
            "Guix is installed but no guix-daemon runs",
        )
        .with_evidence(
            facts
                .installed
                .iter()
                .map(|i| crate::finding::Evidence::new("installed", i.clone())),
        )
    } else {
        Finding::new(doc, Status::Info, "Guix is not installed")
            .evidence("PATH", "no guix")
            .evidence("/gnu/store", "absent")
    };
    if truncated {
        finding = finding.evidence(
            "/proc",
            format!("only the first {MAX_PROCESSES} processes were looked at"),
        );
    }
    finding
}

fn judge_chroot(facts: &Facts) -> Finding {
    let Some(daemon) = facts.daemon() else {
        return no_daemon(facts, &DISABLE_CHROOT);
    };
    let source = format!("/proc/{}/cmdline", daemon.pid);
    if !daemon.flags().disable_chroot {
        return Finding::new(
            &DISABLE_CHROOT,
            Status::Ok,
            format!(
                "guix-daemon (pid {}) builds in its isolated build environment",
                daemon.pid
            ),
        )
        .evidence(source, daemon.command_line());
    }
    let mut finding = Finding::new(
        &DISABLE_CHROOT,
        Status::Fail,
        format!(
            "guix-daemon (pid {}) runs with --disable-chroot: builds run unisolated and see the whole host",
            daemon.pid
        ),
    )
    .evidence(source, daemon.command_line());
    if daemon.uid == Some(0) {
        finding = finding
            .with_root(
                "systemctl edit --full guix-daemon    # remove --disable-chroot from ExecStart",
            )
            .with_root("systemctl restart guix-daemon");
    } else {
        finding = finding.without_root_prose(
            "restart guix-daemon without --disable-chroot: a guix-daemon from 2025 on (commit ae18b3d9) isolates builds with unprivileged user namespaces where the kernel allows them",
        );
    }
    finding
}

fn judge_build_users(facts: &Facts) -> Finding {
    let Some(daemon) = facts.daemon() else {
        let mut finding = no_daemon(facts, &BUILD_USERS);
        if let Ok(Some(group)) = &facts.group {
            finding = finding.evidence(
                "/etc/group",
                format!("{}: {} members", group.name, group.members.len()),
            );
        }
        return finding;
    };
    let cmdline = (
        format!("/proc/{}/cmdline", daemon.pid),
        daemon.command_line(),
    );
    let status_source = format!("/proc/{}/status", daemon.pid);
    let group = daemon.flags().build_users_group.filter(|g| !g.is_empty());
    let Some(name) = group else {
        return match daemon.uid {
            Some(0) => Finding::new(
                &BUILD_USERS,
                Status::Warn,
                "guix-daemon runs as root without --build-users-group: builds run as root",
            )
            .evidence(cmdline.0, cmdline.1)
            .evidence(status_source, "Uid: 0")
            .with_root(format!(
                "groupadd --system {DEFAULT_GROUP}; for i in $(seq -w 1 10); do useradd -g {DEFAULT_GROUP} -G {DEFAULT_GROUP} -d /var/empty -s \"$(command -v nologin)\" -c \"Guix build user $i\" --system guixbuilder$i; done"
            ))
            .with_root(format!(
                "systemctl edit --full guix-daemon    # add --build-users-group={DEFAULT_GROUP} to ExecStart, then: systemctl restart guix-daemon"
            )),
            Some(uid) => Finding::new(
                &BUILD_USERS,
                Status::Info,
                format!("guix-daemon runs as uid {uid} without build users: builds run as that user"),
            )
            .evidence(cmdline.0, cmdline.1)
            .evidence(status_source, format!("Uid: {uid}")),
            None => Finding::new(
                &BUILD_USERS,
                Status::Unknown,
                "guix-daemon runs without --build-users-group and its user could not be read",
            )
            .evidence(cmdline.0, cmdline.1),
        };
    };
    match &facts.group {
        Err(reason) => Finding::new(
            &BUILD_USERS,
            Status::Unknown,
            format!("the build users group {name} could not be looked up: {reason}"),
        )
        .evidence(cmdline.0, cmdline.1),
        Ok(None) => Finding::new(
            &BUILD_USERS,
            Status::Warn,
            format!(
                "the build users group {name} is not in /etc/group: unless another user database provides it, every build fails"
            ),
        )
        .evidence(cmdline.0, cmdline.1)
        .evidence("/etc/group", format!("no group {name}")),
        Ok(Some(group)) if group.members.is_empty() => {
            let mut finding = Finding::new(
                &BUILD_USERS,
                Status::Fail,
                format!(
                    "the build users group {name} lists no members: every build fails (\"the build users group `{name}' has no members\")"
                ),
            )
            .evidence(cmdline.0, cmdline.1)
            .evidence("/etc/group", format!("{name}:…:{}:", group.gid));
            if !group.primary_only.is_empty() {
                finding = finding
                    .evidence(
                        "/etc/passwd",
                        format!(
                            "primary group only (not used): {}",
                            group.primary_only.join(", ")
                        ),
                    )
                    .with_root(format!(
                        "for u in {}; do usermod -a -G {name} \"$u\"; done",
                        group.primary_only.join(" ")
                    ));
            }
            finding
        }
        Ok(Some(group)) => {
            let count = group.members.len();
            let mut finding = Finding::new(
                &BUILD_USERS,
                Status::Info,
                format!(
                    "guix-daemon builds as the {count} members of {name}: at most {count} builds at once"
                ),
            )
            .evidence(cmdline.0, cmdline.1)
            .evidence(
                "/etc/group",
                format!("{name}:…:{}:{}", group.gid, group.members.join(",")),
            );
            if !group.primary_only.is_empty() {
                finding = finding.evidence(
                    "/etc/passwd",
                    format!(
                        "primary group only (not used): {}",
                        group.primary_only.join(", ")
                    ),
                );
            }
            finding
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::RecordedHost;

    fn argv(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn cmdline_is_split_at_nul_without_the_trailing_empty_argument() {
        assert_eq!(
            parse_cmdline(b"/usr/bin/guix-daemon\0--disable-chroot\0"),
            vec!["/usr/bin/guix-daemon", "--disable-chroot"]
        );
        assert_eq!(parse_cmdline(b""), Vec::<String>::new());
        assert_eq!(parse_cmdline(b"a\0\0b\0"), vec!["a", "", "b"]);
    }

    #[test]
    fn options_are_read_as_argp_reads_them() {
        let flags = parse_flags(&argv(
            "guix-daemon --build-users-group=guixbuild --discover=no",
        ));
        assert_eq!(flags.build_users_group.as_deref(), Some("guixbuild"));
        assert!(!flags.disable_chroot);

        let flags = parse_flags(&argv(
            "guix-daemon --build-users-group builders --max-silent-time 3600 --disable-chroot",
        ));
        assert_eq!(flags.build_users_group.as_deref(), Some("builders"));
        assert!(flags.disable_chroot);

        // Abbreviations that name one option count; ambiguous ones do not.
        assert!(parse_flags(&argv("guix-daemon --disable-ch")).disable_chroot);
        assert!(!parse_flags(&argv("guix-daemon --disable")).disable_chroot);
        assert_eq!(
            parse_flags(&argv("guix-daemon --build-u=g"))
                .build_users_group
                .as_deref(),
            Some("g")
        );
        // A value is not an option, and nothing after `--` is.
        assert!(
            !parse_flags(&argv("guix-daemon --chroot-directory --disable-chroot")).disable_chroot
        );
        assert!(!parse_flags(&argv("guix-daemon -c --disable-chroot")).disable_chroot);
        assert!(!parse_flags(&argv("guix-daemon -- --disable-chroot")).disable_chroot);
        // --discover takes its value only after '='.
        assert!(parse_flags(&argv("guix-daemon --discover --disable-chroot")).disable_chroot);
    }

    #[test]
    fn group_members_come_from_the_group_entry() {
        let text = "root:x:0:\nguixbuild:x:30000:guixbuilder01, guixbuilder02\nbroken\n";
        let (name, gid, members) = parse_group(text, "guixbuild").unwrap();
        assert_eq!((name.as_str(), gid), ("guixbuild", 30000));
        assert_eq!(members, vec!["guixbuilder01", "guixbuilder02"]);
        assert_eq!(parse_group(text, "nixbld"), None);
    }

    /// A recorded host with processes under /proc and the user database.
    fn host(files: &[(&str, &str)]) -> (tempfile::TempDir, RecordedHost) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("proc")).expect("root");
        for (path, text) in files {
            let inside = root.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(inside.parent().expect("parent")).expect("mkdir");
            std::fs::write(inside, text).expect("write");
        }
        let toml = "[source]\nimitates = \"test\"\n\n[identity]\nuid = 1000\ngid = 1000\n\n[env]\nPATH = \"/usr/bin\"\n";
        std::fs::write(dir.path().join("host.toml"), toml).expect("host.toml");
        let host = RecordedHost::open(dir.path()).expect("recorded host");
        (dir, host)
    }

    const GROUP: (&str, &str) = (
        "/etc/group",
        "root:x:0:\nguixbuild:x:30000:guixbuilder01,guixbuilder02\n",
    );
    const PASSWD: (&str, &str) = (
        "/etc/passwd",
        "root:x:0:0::/root:/bin/sh\nguixbuilder01:x:30001:30000::/var/empty:/sbin/nologin\nguixbuilder02:x:30002:30000::/var/empty:/sbin/nologin\nguixbuilder03:x:30003:30000::/var/empty:/sbin/nologin\n",
    );

    fn daemon_files(cmdline: &'static str, uid: &'static str) -> Vec<(&'static str, &'static str)> {
        vec![
            ("/proc/1/comm", "systemd\n"),
            ("/proc/1/cmdline", "/sbin/init\0"),
            ("/proc/812/comm", "guix-daemon\n"),
            ("/proc/812/cmdline", cmdline),
            ("/proc/812/status", uid),
            ("/proc/self/comm", "hostcap\n"),
            // A running daemon lives in the store; the scan looks only where guix is.
            ("/gnu/store/placeholder", ""),
            GROUP,
            PASSWD,
        ]
    }

    fn status(facts: &Facts, id: &str) -> Status {
        judge(facts)
            .into_iter()
            .find(|f| f.id == id)
            .unwrap()
            .status
    }

    #[test]
    fn a_daemon_with_disable_chroot_fails_with_its_command_line() {
        let files = daemon_files(
            "/var/guix/profiles/per-user/root/current-guix/bin/guix-daemon\0--build-users-group=guixbuild\0--disable-chroot\0",
            "Name:\tguix-daemon\nUid:\t0\t0\t0\t0\n",
        );
        let (_dir, host) = host(&files);
        let facts = gather(&host, &SearchPath::from_env(&host));
        assert!(facts.daemon_running());
        assert!(facts.disable_chroot());
        let findings = judge(&facts);
        let chroot = &findings[0];
        assert_eq!(chroot.status, Status::Fail);
        assert_eq!(chroot.evidence[0].source, "/proc/812/cmdline");
        assert!(chroot.evidence[0].excerpt.ends_with("--disable-chroot"));
        assert!(!chroot.fix.with_root.is_empty());
        // Two listed members; guixbuilder03 only has the primary group and is not used.
        let users = &findings[1];
        assert_eq!(users.status, Status::Info);
        assert!(users.title.contains("2 members"), "{}", users.title);
        assert!(
            users
                .evidence
                .iter()
                .any(|e| e.excerpt.contains("guixbuilder03"))
        );
    }

    #[test]
    fn a_root_daemon_without_build_users_warns() {
        let files = daemon_files(
            "/gnu/store/x-guix-daemon/bin/guix-daemon\0--discover=no\0",
            "Uid:\t0\t0\t0\t0\n",
        );
        let (_dir, host) = host(&files);
        let facts = gather(&host, &SearchPath::from_env(&host));
        assert!(!facts.disable_chroot());
        assert_eq!(status(&facts, DISABLE_CHROOT.id), Status::Ok);
        assert_eq!(status(&facts, BUILD_USERS.id), Status::Warn);
    }

    #[test]
    fn an_empty_build_group_fails_every_build() {
        let mut files = daemon_files(
            "guix-daemon\0--build-users-group\0guixbuild\0",
            "Uid:\t0\t0\t0\t0\n",
        );
        files.retain(|(p, _)| *p != "/etc/group");
        files.push(("/etc/group", "guixbuild:x:30000:\n"));
        let (_dir, host) = host(&files);
        assert_eq!(
            status(&gather(&host, &SearchPath::from_env(&host)), BUILD_USERS.id),
            Status::Fail
        );
    }

    #[test]
    fn a_process_named_otherwise_is_not_the_daemon() {
        let files = [
            ("/proc/77/comm", "bash\n"),
            (
                "/proc/77/cmdline",
                "bash\0-c\0guix-daemon --disable-chroot\0",
            ),
        ];
        let (_dir, host) = host(&files);
        let facts = gather(&host, &SearchPath::from_env(&host));
        assert!(!facts.daemon_running());
        assert_eq!(status(&facts, DISABLE_CHROOT.id), Status::Info);
    }

    #[test]
    fn a_socket_without_a_visible_daemon_is_unknown() {
        let files = [("/var/guix/daemon-socket/socket", "")];
        let (_dir, host) = host(&files);
        let facts = gather(&host, &SearchPath::from_env(&host));
        assert_eq!(status(&facts, DISABLE_CHROOT.id), Status::Unknown);
        assert_eq!(status(&facts, BUILD_USERS.id), Status::Unknown);
    }
}
