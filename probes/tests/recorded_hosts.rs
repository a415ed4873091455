//! Every recorded host under `tests/hosts/` opens, says what it imitates, and is internally
//! consistent: its files parse as the kernel and distro would write them, and its experiment
//! outcomes agree with the facts that explain them.
// Listing the fixture folders needs the real file system; everything inside a host is read
// through the Host seam like any probe would.
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::Path;

mod common;

use common::{hosts_dir, recorded_hosts};
use hostcap_probes::experiment::{Outcome, UsernsStep};
use hostcap_probes::host::{FileKind, Host, HostError, HostToml, RecordedHost};
use hostcap_probes::probe::identity::CAP_SETUID;
use hostcap_probes::probe::platform::{self, Kind};
use hostcap_probes::probe::userns;
use procfs_core::FromRead;
use procfs_core::process::Status;

fn text(host: &RecordedHost, path: &str) -> Result<String, HostError> {
    host.read_string(Path::new(path))
}

/// Where the recorded host runs, as hostcap sees it: some places lack what a Linux kernel
/// writes (WSL 1 and FreeBSD's Linux emulation imitate only part of procfs), and containers
/// and chroots lack securityfs.
fn kind(host: &RecordedHost) -> Kind {
    platform::gather(host, userns::gather(host).uid_map.as_deref()).kind()
}

/// Kernel release as (major, minor), for files that older kernels do not have.
fn kernel(host: &RecordedHost) -> (u32, u32) {
    let release = text(host, "/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut parts = release.trim().split(['.', '-']);
    let mut next = || parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (next(), next())
}

/// A kernel that emulates Linux without its namespaces: no uid_map, no /proc/self/ns.
fn emulated(host: &RecordedHost) -> bool {
    matches!(kind(host), Kind::Wsl1 | Kind::Linuxulator)
}

/// hostcap running natively on macOS or a BSD: no procfs, no Linux files at all.
fn not_linux(host: &RecordedHost) -> bool {
    matches!(kind(host), Kind::NotLinux(_))
}

fn status(name: &str, host: &RecordedHost) -> Status {
    let bytes = host
        .read(Path::new("/proc/self/status"))
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    Status::from_read(&bytes[..]).unwrap_or_else(|err| panic!("{name}: status: {err}"))
}

/// A bundle writes its manifest with the same code: every recorded host's reads back the same.
#[test]
fn every_manifest_writes_and_reads_back_the_same() {
    for (name, _) in recorded_hosts() {
        let text = fs::read_to_string(hosts_dir().join(&name).join("host.toml")).unwrap();
        let manifest: HostToml = hostcap_probes::toml::from_str(&text).unwrap();
        let written = hostcap_probes::toml::to_string(&manifest)
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let again: HostToml = hostcap_probes::toml::from_str(&written)
            .unwrap_or_else(|err| panic!("{name}: {err}\n{written}"));
        assert_eq!(again, manifest, "{name}");
    }
}

#[test]
fn there_are_recorded_hosts() {
    assert!(
        recorded_hosts().len() >= 10,
        "expected the fixture set under tests/hosts"
    );
}

/// Whether the recorded session runs inside a user namespace (a fake-root shell): its
/// identity and capabilities are those of the namespace, not of the login.
fn identity_uid(host: &RecordedHost) -> u32 {
    host.identity().map(|id| id.uid).unwrap_or(u32::MAX)
}

fn nested(host: &RecordedHost) -> bool {
    text(host, "/proc/self/uid_map").is_ok_and(|map| map != "         0          0 4294967295\n")
}

#[test]
fn every_host_says_what_it_imitates_and_who_runs() {
    for (name, host) in recorded_hosts() {
        let source = &host.manifest().source;
        assert!(
            !source.imitates.trim().is_empty(),
            "{name}: empty [source] imitates"
        );
        assert!(
            !source.facts.is_empty(),
            "{name}: [source] facts lists no sources"
        );
        let identity = host
            .identity()
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert!(
            identity.user.is_some(),
            "{name}: identity without a user name"
        );
        for var in ["PATH", "HOME"] {
            assert!(host.env(var).is_some(), "{name}: env {var} missing");
        }
        // A login sets USER and SHELL; `kubectl exec` and `podman exec` give only the image's
        // environment.
        if kind(&host) != Kind::Container {
            for var in ["USER", "SHELL"] {
                assert!(host.env(var).is_some(), "{name}: env {var} missing");
            }
        }
        if nested(&host) {
            // `unshare -r` keeps the login's HOME and USER while NSS names uid 0 root.
            continue;
        }
        assert_eq!(
            host.env("HOME").as_deref(),
            identity.home.as_deref(),
            "{name}: HOME"
        );
        if let Some(user) = host.env("USER") {
            assert_eq!(
                Some(user.as_str()),
                identity.user.as_deref(),
                "{name}: USER"
            );
        }
    }
}

#[test]
fn proc_self_status_parses_and_matches_the_identity() {
    for (name, host) in recorded_hosts() {
        if not_linux(&host) {
            // Darwin and the BSDs have no /proc/self/status; the identity is the user database's.
            assert!(text(&host, "/proc/self/status").is_err(), "{name}");
            assert!(host.identity().is_ok(), "{name}");
            continue;
        }
        if kind(&host) == Kind::Linuxulator {
            // linprocfs stops after CapEff: no FDSize or SigQ, which procfs-core requires.
            let text = text(&host, "/proc/self/status").unwrap();
            assert!(Status::from_read(text.as_bytes()).is_err(), "{name}");
            assert!(text.contains("\nCapEff:\t0000000000000000\n"), "{name}");
            continue;
        }
        let status = status(&name, &host);
        let identity = host.identity().unwrap();
        assert_eq!(status.name, "hostcap", "{name}");
        assert_eq!(
            (status.ruid, status.euid),
            (identity.uid, identity.uid),
            "{name}: Uid"
        );
        assert_eq!(
            (status.rgid, status.egid),
            (identity.gid, identity.gid),
            "{name}: Gid"
        );
        let mut groups: Vec<u32> = identity.groups.iter().map(|g| g.gid).collect();
        groups.sort_unstable();
        assert_eq!(status.groups, groups, "{name}: Groups vs [identity] groups");
        // NoNewPrivs appeared in Linux 4.10 (and WSL 1 imitates 4.4).
        if kernel(&host) >= (4, 10) {
            assert!(status.nonewprivs.is_some(), "{name}: NoNewPrivs missing");
        }
        if nested(&host) && identity.uid == 0 {
            assert_ne!(
                status.capeff, 0,
                "{name}: root of its namespace has caps there"
            );
        } else {
            assert_eq!(
                status.capeff, 0,
                "{name}: an unprivileged user has no effective caps"
            );
        }
        assert!(status.capbnd.is_some(), "{name}");
        if kind(&host) != Kind::Wsl1 {
            assert!(status.seccomp.is_some(), "{name}");
        }
        assert_eq!(status.pid, status.tgid, "{name}");
    }
}

#[test]
fn procfs_files_look_like_the_kernel_wrote_them() {
    for (name, host) in recorded_hosts() {
        if not_linux(&host) {
            // uname names the kernel; its release comes from there, and no procfs exists.
            let uname = host
                .uname()
                .unwrap_or_else(|err| panic!("{name}: not Linux without uname: {err}"));
            assert_ne!(uname.sysname, "Linux", "{name}");
            assert!(!uname.release.is_empty(), "{name}: uname release");
            assert!(
                host.metadata(Path::new("/proc/self")).is_err(),
                "{name}: no procfs off Linux"
            );
            let version = text(&host, platform::SYSTEM_VERSION_PLIST)
                .or_else(|_| text(&host, "/etc/os-release"))
                .unwrap_or_else(|err| panic!("{name}: no OS version file: {err}"));
            assert!(!version.trim().is_empty(), "{name}");
            continue;
        }
        let release = text(&host, "/proc/sys/kernel/osrelease").unwrap();
        assert!(
            release.ends_with('\n') && !release.trim().is_empty(),
            "{name}: osrelease"
        );
        if emulated(&host) {
            // No namespaces: neither uid_map nor /proc/self/ns nor /proc/sys/user exist.
            for path in ["/proc/self/uid_map", "/proc/sys/user/max_user_namespaces"] {
                assert!(
                    text(&host, path).is_err(),
                    "{name}: {path} on an emulated kernel"
                );
            }
            continue;
        }
        for map in ["/proc/self/uid_map", "/proc/self/gid_map"] {
            let text = text(&host, map).unwrap();
            if nested(&host) {
                // The kernel prints every map line as three right-aligned %10u columns.
                assert!(
                    text.lines()
                        .all(|l| l.len() == 32 && l.split_whitespace().count() == 3),
                    "{name}: {map}: {text:?}"
                );
            } else {
                assert_eq!(text, "         0          0 4294967295\n", "{name}: {map}");
            }
        }
        let ns = host.read_link(Path::new("/proc/self/ns/user")).unwrap();
        let ns = ns.to_string_lossy();
        assert!(
            ns.strip_prefix("user:[")
                .and_then(|rest| rest.strip_suffix(']'))
                .is_some_and(|inode| inode.parse::<u64>().is_ok()),
            "{name}: /proc/self/ns/user -> {ns}"
        );
        // A mapped namespace is a child; an identity map is the initial namespace or a child
        // that maps every id (how tests/live sets a per-namespace limit), so either may show.
        if nested(&host) {
            assert_ne!(ns, "user:[4026531837]", "{name}: a child namespace");
        }
        let max = text(&host, "/proc/sys/user/max_user_namespaces").unwrap();
        max.trim()
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("{name}: max_user_namespaces"));
        // securityfs prints the list without a newline (security/inode.c lsm_read).
        // Container engines mount no securityfs (moby#38260): absence is what they show.
        // /sys/kernel/security/lsm exists from Linux 4.15 on.
        let Ok(lsm) = text(&host, "/sys/kernel/security/lsm") else {
            assert!(
                matches!(kind(&host), Kind::Container | Kind::Crostini | Kind::Chroot)
                    || kernel(&host) < (4, 15),
                "{name}: no /sys/kernel/security/lsm outside a container"
            );
            continue;
        };
        assert!(
            !lsm.ends_with('\n') && lsm.contains("capability"),
            "{name}: lsm {lsm:?}"
        );
        for line in text(&host, "/proc/self/mountinfo").unwrap().lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            let dash = fields.iter().position(|f| *f == "-");
            assert!(
                matches!(dash, Some(i) if i >= 6 && fields.len() == i + 4),
                "{name}: bad mountinfo line {line:?}"
            );
        }
        assert!(
            text(&host, "/etc/os-release").is_ok(),
            "{name}: /etc/os-release unreadable"
        );
    }
}

#[test]
fn subordinate_id_files_use_the_name_start_count_format() {
    for (name, host) in recorded_hosts() {
        if not_linux(&host) {
            // Subordinate ids are shadow-utils' (Linux): macOS and the BSDs have no such files.
            for file in ["/etc/subuid", "/etc/subgid"] {
                assert!(text(&host, file).is_err(), "{name}: {file} off Linux");
            }
            continue;
        }
        for file in ["/etc/subuid", "/etc/subgid"] {
            let body = text(&host, file).unwrap_or_else(|err| panic!("{name}: {err}"));
            for line in body.lines() {
                let parts: Vec<&str> = line.split(':').collect();
                assert_eq!(parts.len(), 3, "{name}: {file}: {line:?}");
                parts[1].parse::<u32>().unwrap();
                parts[2].parse::<u32>().unwrap();
            }
        }
    }
}

#[test]
fn declared_files_exist_and_path_directories_are_there() {
    for (name, host) in recorded_hosts() {
        for (path, entry) in &host.manifest().files {
            assert!(path.starts_with('/'), "{name}: {path} is not absolute");
            let meta = host
                .metadata(Path::new(path))
                .unwrap_or_else(|err| panic!("{name}: [files] {path}: {err}"));
            if let Some(mode) = &entry.mode {
                u32::from_str_radix(mode, 8).unwrap_or_else(|_| panic!("{name}: mode {mode}"));
            }
            if entry.unreadable && meta.kind == FileKind::File {
                assert!(
                    matches!(
                        host.read(Path::new(path)),
                        Err(HostError::PermissionDenied(_))
                    ),
                    "{name}: {path} should be unreadable"
                );
            }
        }
        let path_list = host.env("PATH").unwrap();
        let dirs_present = path_list
            .split(':')
            .filter(|dir| {
                host.metadata(Path::new(dir))
                    .is_ok_and(|m| m.kind == FileKind::Dir)
            })
            .count();
        assert!(
            dirs_present >= 3,
            "{name}: PATH directories missing: {path_list}"
        );
    }
}

/// shadow's write_mapping() (libmisc/idmapping.c at tag 4.13, lib/idmapping.c at 4.15 to
/// 4.17.4) first raises CAP_SETUID with capset(), but only in a build that found libcap's
/// <sys/capability.h>: without the capability such a build stops here.
const CAPSET_FAILED: &str = "newuidmap: Could not set caps\n";
/// A build without that step goes on to the write, which the kernel refuses. Observed on
/// Debian 12 (uidmap 1:4.13+dfsg1-1+deb12u2) for no_new_privs, a nosuid mount, a plain 0755
/// copy and a bounding set without CAP_SETUID alike.
const WRITE_REFUSED: &str = "newuidmap: write to uid_map failed: Operation not permitted\n";

/// What the host's newuidmap prints when it runs without CAP_SETUID, as far as its build is
/// known: Debian 12's packaged helper (observed; its binary lacks the string "Could not set
/// caps"), and Chromebrew's shadow 4.13 in /usr/local on ChromeOS (packages/shadow.rb builds
/// without a libcap dependency). Elsewhere either text is possible.
fn unprivileged_stderr(host: &RecordedHost, helper: &Path) -> &'static [&'static str] {
    let os_release = text(host, "/etc/os-release").unwrap_or_default();
    let field = |key: &str| {
        os_release
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_default()
    };
    let canonical = host
        .canonicalize(helper)
        .unwrap_or_else(|_| helper.to_path_buf());
    let debian_12 = field("ID") == "debian" && field("VERSION_ID") == "12";
    let chromebrew = matches!(field("ID").as_str(), "chromeos" | "chromiumos")
        && canonical.starts_with("/usr/local");
    if (debian_12 && canonical.starts_with("/usr/bin")) || chromebrew {
        &[WRITE_REFUSED]
    } else {
        &[CAPSET_FAILED, WRITE_REFUSED]
    }
}

/// Whether exec gives the newuidmap found in PATH CAP_SETUID: setuid root or file
/// capabilities, not on a nosuid mount, no no_new_privs, CAP_SETUID in the bounding set.
fn helper_gains_cap_setuid(host: &RecordedHost, no_new_privs: bool) -> bool {
    let facts = hostcap_probes::probe::gather(host);
    let Some(found) = facts.idmap.newuidmap.found.as_ref() else {
        return false;
    };
    let bounding = facts
        .identity
        .status
        .as_ref()
        .ok()
        .and_then(|s| s.cap_bnd)
        .is_none_or(|bnd| bnd & (1 << CAP_SETUID) != 0);
    found.grants(CAP_SETUID) && !found.on_nosuid_mount() && !no_new_privs && bounding
}

#[test]
fn experiment_outcomes_agree_with_the_facts_that_explain_them() {
    for (name, host) in recorded_hosts() {
        let experiments = &host.manifest().experiments;
        if let Kind::NotLinux(os) = kind(&host) {
            // Built for that system the experiments skip themselves, saying why.
            let reason = format!("{} has no Linux namespaces", os.name());
            assert_eq!(
                experiments.userns,
                Some(Outcome::Skipped { reason }),
                "{name}: the userns experiment off Linux"
            );
            assert!(
                experiments.idmap.is_none(),
                "{name}: no idmap plan off Linux"
            );
            continue;
        }
        let no_new_privs = match kind(&host) {
            Kind::Linuxulator => None,
            _ => status(&name, &host).nonewprivs,
        };
        let identity = host.identity().unwrap();
        let path_list = host.env("PATH").unwrap();

        let userns = experiments
            .userns
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no userns experiment recorded"));
        let userns = userns
            .ran()
            .unwrap_or_else(|| panic!("{name}: userns skipped"));
        let max_userns = text(&host, "/proc/sys/user/max_user_namespaces").unwrap_or_default();
        if max_userns.trim() == "0" {
            assert_eq!(userns.failed_step, Some(UsernsStep::Unshare), "{name}");
            assert_eq!(
                userns.errno.as_ref().and_then(|f| f.errno()),
                Some("ENOSPC"),
                "{name}"
            );
        }
        if userns.failed_step.is_some() {
            assert!(userns.errno.is_some(), "{name}: failed step without errno");
        }

        let found = host.find_in_path("newuidmap", &path_list);
        let Some(idmap) = experiments.idmap.as_ref() else {
            // A recording holds only what the check asked: without both helpers or a range of
            // the user's, it never runs the experiment.
            let user = identity.user.clone().unwrap_or_default();
            let has_range = text(&host, "/etc/subuid").is_ok_and(|body| {
                body.lines().any(|l| {
                    let owner = l.split(':').next().unwrap_or_default();
                    owner == user || owner == identity.uid.to_string()
                })
            });
            let helpers = found.is_some() && host.find_in_path("newgidmap", &path_list).is_some();
            assert!(
                !(helpers && has_range),
                "{name}: no idmap experiment recorded, though the check would run it"
            );
            continue;
        };
        match idmap {
            Outcome::Skipped { reason } => {
                assert!(!reason.is_empty(), "{name}");
                if found.is_none() {
                    assert!(reason.contains("not in PATH"), "{name}: {reason}");
                }
            }
            Outcome::Ran(outcome) => {
                let helper = found.unwrap_or_else(|| panic!("{name}: idmap ran without newuidmap"));
                let prefix = format!("{} ", helper.display());
                assert!(
                    outcome.newuidmap.command.starts_with(&prefix),
                    "{name}: {} does not run the helper found in PATH ({})",
                    outcome.newuidmap.command,
                    helper.display()
                );
                assert!(
                    outcome
                        .newuidmap
                        .command
                        .contains(&format!(" 0 {} 1 1 ", identity.uid)),
                    "{name}: podman's map layout"
                );
                let texts = unprivileged_stderr(&host, &helper);
                if !helper_gains_cap_setuid(&host, no_new_privs == Some(1)) {
                    assert!(
                        texts.contains(&outcome.newuidmap.stderr.as_str()),
                        "{name}: a newuidmap without CAP_SETUID prints one of {texts:?} for its \
                         build, not {:?}",
                        outcome.newuidmap.stderr
                    );
                } else {
                    assert_ne!(
                        outcome.newuidmap.stderr, CAPSET_FAILED,
                        "{name}: capset() cannot fail where exec gave newuidmap CAP_SETUID"
                    );
                }
                if outcome.newuidmap.succeeded() {
                    assert!(
                        outcome.succeeded(),
                        "{name}: newgidmap should run and succeed"
                    );
                    let uid_map = outcome.uid_map.as_deref().unwrap_or_default();
                    let first: Vec<&str> = uid_map
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .split_whitespace()
                        .collect();
                    assert_eq!(
                        first,
                        ["0", &identity_uid(&host).to_string(), "1"],
                        "{name}: podman maps the user's own id to 0 first: {uid_map:?}"
                    );
                } else {
                    assert!(
                        outcome.newgidmap.is_none(),
                        "{name}: newgidmap runs only after newuidmap"
                    );
                    assert_eq!(outcome.newuidmap.exit_code, Some(1), "{name}");
                    assert!(
                        outcome.newuidmap.stderr.starts_with("newuidmap: "),
                        "{name}"
                    );
                }
            }
        }
    }
}
