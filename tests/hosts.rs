//! Each recorded host must get the verdict a person who knows that machine would give, for
//! the reason they would give, with the evidence that proves it. A strange host (empty,
//! malformed, huge, unreadable files) must give unknowns with reasons, never a crash.

use std::fs;
use std::path::Path;

use crate::util::{hostcap, hostcap_within, recorded_host, report};

/// What a person who knows the machine expects: rootless podman's verdict and exit code, the
/// finding that decides it, and a piece of evidence that must be quoted for it; and the
/// verdict of every target.
struct Expect {
    host: &'static str,
    verdict: &'static str,
    code: i32,
    deciding: &'static str,
    evidence: &'static str,
    /// The verdict of all 8 targets, by short name: `podman=ready docker=ready bwrap=ready
    /// nix=ready guix=ready chroot=blocked proot=ready vm=degraded`.
    targets: &'static str,
    /// Findings that must be among a target's deciding ids: `("guix", "guix.disable_chroot")`.
    target_deciding: &'static [(&'static str, &'static str)],
    /// Further findings that must decide rootless podman's verdict too, when a host has more
    /// than one independent reason.
    also_deciding: &'static [&'static str],
    /// Findings that must be reported with this status (`warn`, `fail`…) without deciding.
    statuses: &'static [(&'static str, &'static str)],
    /// Where the host runs, as the report's first line names it (`host.platform` in the
    /// JSON): "WSL 2 (systemd)", "Docker container", "chroot"…; `None` on a plain machine.
    platform: Option<&'static str>,
}

const EXPECTED: &[Expect] = &[
    // Recorded by `hostcap bundle` in tests/live/run.sh's scenarios on the development machine
    // (Debian 12 container in a VM: hybrid cgroups, crun 1.8.1, /dev/net/tun 0600, no KVM for
    // the user). The verdicts are what the real tools did there: podman, rootless Docker,
    // bubblewrap, proot, chroot, /dev/kvm and nix-build as the test user.
    Expect {
        host: "debian-12-vm-baseline",
        platform: Some("Docker container, virtual machine"),
        verdict: "degraded",
        code: 1,
        deciding: "runtime.crun_hybrid_cgroups",
        evidence: "hugetlb",
        targets: "podman=degraded docker=blocked bwrap=ready nix=blocked guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[
            ("docker", "network.tun_unusable"),
            ("vm", "fallback.kvm"),
            ("nix", "nix.no_store"),
        ],
        also_deciding: &["network.tun_unusable"],
        statuses: &[("idmap.experiment", "ok"), ("userns.experiment", "ok")],
    },
    Expect {
        host: "debian-12-vm-newuidmap-plain",
        platform: Some("Docker container, virtual machine"),
        verdict: "blocked",
        code: 2,
        deciding: "idmap.newuidmap_not_privileged",
        evidence: "mode 0755",
        targets: "podman=blocked docker=blocked bwrap=ready nix=blocked guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[("docker", "idmap.newuidmap_not_privileged")],
        also_deciding: &["idmap.experiment"],
        statuses: &[("userns.experiment", "ok")],
    },
    Expect {
        host: "debian-12-vm-helpers-missing",
        platform: Some("Docker container, virtual machine"),
        verdict: "blocked",
        code: 2,
        deciding: "idmap.newuidmap_missing",
        evidence: "/usr/bin",
        targets: "podman=blocked docker=blocked bwrap=ready nix=blocked guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[("docker", "idmap.newuidmap_missing")],
        also_deciding: &["idmap.newgidmap_missing"],
        statuses: &[("idmap.experiment", "info")],
    },
    Expect {
        host: "debian-12-vm-no-subid",
        platform: Some("Docker container, virtual machine"),
        verdict: "degraded",
        code: 1,
        deciding: "subid.no_range",
        evidence: "no line for hostcap-live",
        targets: "podman=degraded docker=blocked bwrap=ready nix=blocked guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[("docker", "subid.no_range")],
        also_deciding: &["runtime.crun_hybrid_cgroups", "network.tun_unusable"],
        statuses: &[("idmap.experiment", "info")],
    },
    Expect {
        host: "debian-12-vm-small-range",
        platform: Some("Docker container, virtual machine"),
        verdict: "degraded",
        code: 1,
        deciding: "subid.range_too_small",
        evidence: "fewer than 65536",
        targets: "podman=degraded docker=blocked bwrap=ready nix=blocked guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[("docker", "subid.range_too_small")],
        also_deciding: &["runtime.crun_hybrid_cgroups", "network.tun_unusable"],
        statuses: &[
            ("subid.range_too_small", "warn"),
            ("idmap.experiment", "ok"),
        ],
    },
    Expect {
        host: "debian-12-vm-max-userns-zero",
        platform: Some("Docker container, virtual machine"),
        verdict: "blocked",
        code: 2,
        deciding: "userns.max_user_namespaces_zero",
        evidence: "user.max_user_namespaces = 0",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=blocked guix=degraded chroot=blocked proot=ready vm=degraded",
        target_deciding: &[
            ("bwrap", "userns.max_user_namespaces_zero"),
            ("nix", "nix.no_store"),
        ],
        also_deciding: &["userns.experiment"],
        statuses: &[("nix.sandbox_fallback", "warn"), ("nix.no_store", "fail")],
    },
    Expect {
        host: "debian-12-vm-tun-open",
        platform: Some("Docker container, virtual machine"),
        verdict: "degraded",
        code: 1,
        deciding: "runtime.crun_hybrid_cgroups",
        evidence: "hugetlb",
        targets: "podman=degraded docker=ready bwrap=ready nix=blocked guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[
            ("network.tun_unusable", "ok"),
            ("storage.docker_data_root", "ok"),
        ],
    },
    Expect {
        host: "debian-12-vm-xdg-unset",
        platform: Some("Docker container, virtual machine"),
        verdict: "degraded",
        code: 1,
        deciding: "runtime.crun_hybrid_cgroups",
        evidence: "hugetlb",
        targets: "podman=degraded docker=blocked bwrap=ready nix=blocked guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[
            ("docker", "session.runtime_dir_unset"),
            ("docker", "network.tun_unusable"),
        ],
        also_deciding: &["network.tun_unusable"],
        statuses: &[("session.runtime_dir_unset", "warn")],
    },
    Expect {
        host: "debian-12-vm-home-noexec-overlay",
        platform: Some("Docker container, virtual machine"),
        verdict: "ready",
        code: 0,
        deciding: "userns.experiment",
        evidence: "tmpfs",
        targets: "podman=ready docker=ready bwrap=ready nix=blocked guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[
            ("storage.dir_noexec", "ok"),
            ("storage.docker_data_root", "ok"),
            ("storage.overlay_in_userns", "ok"),
        ],
    },
    Expect {
        host: "fedora-40-filecaps",
        platform: None,
        verdict: "ready",
        code: 0,
        deciding: "idmap.experiment",
        evidence: "newuidmap",
        targets: "podman=ready docker=ready bwrap=ready nix=ready guix=ready chroot=degraded proot=ready vm=ready",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "ubuntu-24.04-apparmor",
        platform: None,
        verdict: "ready",
        code: 0,
        deciding: "userns.apparmor_restricts_unprivileged",
        evidence: "apparmor_restrict_unprivileged_userns = 1",
        targets: "podman=ready docker=ready bwrap=blocked nix=ready guix=ready chroot=degraded proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "fydeos-crosh",
        platform: None,
        verdict: "blocked",
        code: 2,
        deciding: "idmap.experiment",
        evidence: "newuidmap: write to uid_map failed: Operation not permitted",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=degraded guix=degraded chroot=blocked proot=ready vm=ready",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "chromeos-vt2",
        platform: None,
        verdict: "blocked",
        code: 2,
        deciding: "lsm.safesetid_constrains_uid",
        evidence: "1000:1000",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=degraded guix=degraded chroot=degraded proot=ready vm=ready",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "debian-12-hybrid-cgroups",
        platform: Some("Docker container"),
        verdict: "degraded",
        code: 1,
        deciding: "runtime.crun_hybrid_cgroups",
        evidence: "hugetlb",
        targets: "podman=degraded docker=blocked bwrap=ready nix=ready guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &["network.tun_unusable"],
        statuses: &[("storage.overlay_in_userns", "ok")],
    },
    Expect {
        host: "debian-12-hybrid-cgroups-runc",
        platform: Some("Docker container"),
        verdict: "ready",
        code: 0,
        deciding: "idmap.experiment",
        evidence: "newuidmap",
        targets: "podman=ready docker=ready bwrap=ready nix=ready guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[
            ("runtime.crun_hybrid_cgroups", "ok"),
            ("network.tun_unusable", "ok"),
        ],
    },
    Expect {
        host: "debian-12-su-shell",
        platform: None,
        verdict: "blocked",
        code: 2,
        deciding: "session.runtime_dir_wrong_owner",
        evidence: "owner uid 1000",
        targets: "podman=blocked docker=blocked bwrap=ready nix=ready guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &["session.runtime_dir_not_writable"],
        statuses: &[("session.no_login_session", "warn")],
    },
    Expect {
        host: "debian-12-fake-root",
        platform: Some("Docker container"),
        verdict: "blocked",
        code: 2,
        deciding: "session.fake_root",
        evidence: "0 62000 1",
        targets: "podman=blocked docker=blocked bwrap=ready nix=ready guix=ready chroot=ready proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "debian-12-stale-pause",
        platform: None,
        verdict: "degraded",
        code: 1,
        deciding: "podman.stale_pause_process",
        evidence: "0 1000 1",
        targets: "podman=degraded docker=ready bwrap=ready nix=ready guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[("idmap.experiment", "ok")],
    },
    Expect {
        host: "debian-12-nfs-home",
        platform: None,
        verdict: "blocked",
        code: 2,
        deciding: "storage.dir_filesystem",
        evidence: "nfs4",
        targets: "podman=blocked docker=blocked bwrap=ready nix=ready guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "debian-12-newuidmap-setuid-user",
        platform: None,
        verdict: "blocked",
        code: 2,
        deciding: "idmap.newuidmap_setuid_non_root",
        evidence: "owner uid 1000",
        targets: "podman=blocked docker=blocked bwrap=ready nix=ready guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &["idmap.newgidmap_setuid_non_root", "idmap.experiment"],
        statuses: &[],
    },
    Expect {
        host: "ubuntu-24.04-rootlesskit-home-bin",
        platform: None,
        verdict: "ready",
        code: 0,
        deciding: "userns.apparmor_restricts_unprivileged",
        evidence: "apparmor_restrict_unprivileged_userns = 1",
        targets: "podman=ready docker=blocked bwrap=blocked nix=ready guix=ready chroot=degraded proot=ready vm=degraded",
        target_deciding: &[("docker", "userns.apparmor_restricts_unprivileged")],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "debian-12-nix-sandbox-false",
        platform: None,
        verdict: "ready",
        code: 0,
        deciding: "idmap.experiment",
        evidence: "newuidmap",
        targets: "podman=ready docker=ready bwrap=ready nix=degraded guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[("nix", "nix.sandbox_disabled")],
        also_deciding: &[],
        statuses: &[("nix.sandbox_disabled", "fail")],
    },
    Expect {
        host: "debian-12-guix-disable-chroot",
        platform: None,
        verdict: "ready",
        code: 0,
        deciding: "idmap.experiment",
        evidence: "newuidmap",
        targets: "podman=ready docker=ready bwrap=ready nix=ready guix=degraded chroot=blocked proot=ready vm=degraded",
        target_deciding: &[("guix", "guix.disable_chroot")],
        also_deciding: &[],
        statuses: &[
            ("guix.disable_chroot", "fail"),
            ("guix.build_users", "info"),
        ],
    },
    Expect {
        host: "debian-12-container-no-kvm",
        platform: Some("Docker container"),
        verdict: "blocked",
        code: 2,
        deciding: "identity.seccomp_filter",
        evidence: "Seccomp: 2",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=degraded guix=degraded chroot=blocked proot=ready vm=degraded",
        target_deciding: &[("vm", "fallback.kvm"), ("bwrap", "identity.seccomp_filter")],
        also_deciding: &["userns.experiment", "platform.in_container"],
        statuses: &[("fallback.kvm", "warn")],
    },
    Expect {
        host: "debian-12-sudo-user",
        platform: None,
        verdict: "ready",
        code: 0,
        deciding: "idmap.experiment",
        evidence: "newuidmap",
        targets: "podman=ready docker=ready bwrap=ready nix=ready guix=ready chroot=degraded proot=ready vm=degraded",
        target_deciding: &[("chroot", "fallback.sudo")],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "debian-10-setuid-bwrap",
        platform: None,
        verdict: "blocked",
        code: 2,
        deciding: "userns.unprivileged_userns_clone_disabled",
        evidence: "unprivileged_userns_clone",
        targets: "podman=blocked docker=blocked bwrap=ready nix=ready guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[("bwrap", "programs.bwrap_setuid")],
        also_deciding: &[],
        statuses: &[("programs.bwrap_setuid", "info")],
    },
    Expect {
        host: "wsl2-ubuntu-22.04",
        platform: Some("WSL 2 (systemd)"),
        verdict: "ready",
        code: 0,
        deciding: "idmap.experiment",
        evidence: "newuidmap",
        targets: "podman=ready docker=ready bwrap=ready nix=ready guix=ready chroot=degraded proot=ready vm=degraded",
        target_deciding: &[("vm", "fallback.kvm")],
        also_deciding: &[],
        statuses: &[("platform.wsl2", "info")],
    },
    Expect {
        host: "wsl1-ubuntu-20.04",
        platform: Some("WSL 1"),
        verdict: "blocked",
        code: 2,
        deciding: "platform.wsl1",
        evidence: "4.4.0-19041-Microsoft",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=degraded guix=degraded chroot=degraded proot=ready vm=degraded",
        target_deciding: &[
            ("bwrap", "platform.wsl1"),
            ("nix", "platform.wsl1"),
            ("guix", "platform.wsl1"),
        ],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "crostini-penguin",
        platform: Some("Crostini (Linux on ChromeOS 128)"),
        verdict: "ready",
        code: 0,
        deciding: "idmap.experiment",
        evidence: "newuidmap",
        targets: "podman=ready docker=ready bwrap=ready nix=ready guix=ready chroot=degraded proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &[],
        statuses: &[("platform.crostini", "info")],
    },
    Expect {
        host: "podman-rootless-privileged-container",
        platform: Some("rootless Podman container"),
        verdict: "degraded",
        code: 1,
        deciding: "subid.range_too_small",
        evidence: "65534 ids in all",
        targets: "podman=degraded docker=blocked bwrap=ready nix=ready guix=ready chroot=blocked proot=ready vm=ready",
        target_deciding: &[
            ("vm", "fallback.kvm"),
            ("docker", "session.runtime_dir_unset"),
        ],
        also_deciding: &[],
        statuses: &[("platform.in_container", "info")],
    },
    Expect {
        host: "lxd-ubuntu-22.04-no-nesting",
        platform: Some("LXC/LXD container"),
        verdict: "blocked",
        code: 2,
        deciding: "platform.proc_overmounted",
        evidence: "/proc/cpuinfo",
        targets: "podman=blocked docker=blocked bwrap=ready nix=degraded guix=degraded chroot=degraded proot=ready vm=degraded",
        target_deciding: &[
            ("docker", "platform.proc_overmounted"),
            ("nix", "platform.proc_overmounted"),
        ],
        also_deciding: &[],
        statuses: &[("userns.experiment", "ok")],
    },
    Expect {
        host: "kubernetes-pod-restricted",
        platform: Some("Kubernetes pod"),
        verdict: "blocked",
        code: 2,
        deciding: "identity.seccomp_filter",
        evidence: "Seccomp: 2",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=degraded guix=degraded chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &["platform.in_container", "userns.experiment"],
        statuses: &[
            ("identity.no_new_privs", "fail"),
            ("platform.proc_overmounted", "fail"),
        ],
    },
    Expect {
        host: "crouton-chroot-focal",
        platform: Some("chroot"),
        verdict: "blocked",
        code: 2,
        deciding: "platform.chroot",
        evidence: "/run/crouton/mnt/stateful_partition/crouton/chroots/focal",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=degraded guix=degraded chroot=degraded proot=ready vm=degraded",
        target_deciding: &[("bwrap", "platform.chroot")],
        also_deciding: &["userns.experiment"],
        statuses: &[],
    },
    Expect {
        host: "freebsd-linux-jail",
        platform: Some("FreeBSD Linux emulation (linuxulator)"),
        verdict: "blocked",
        code: 2,
        deciding: "platform.freebsd_linuxulator",
        evidence: "des@freebsd.org",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=degraded guix=degraded chroot=degraded proot=unknown vm=blocked",
        target_deciding: &[
            ("vm", "platform.freebsd_linuxulator"),
            ("proot", "platform.freebsd_linuxulator"),
        ],
        also_deciding: &[],
        statuses: &[],
    },
    Expect {
        host: "macos-15-arm64",
        platform: Some("no Linux namespaces (Darwin kernel)"),
        verdict: "blocked",
        code: 2,
        deciding: "platform.not_linux",
        evidence: "Darwin 24.1.0 arm64",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=degraded guix=blocked chroot=degraded proot=blocked vm=ready",
        target_deciding: &[
            ("docker", "platform.not_linux"),
            ("bwrap", "platform.not_linux"),
            ("guix", "platform.not_linux"),
            ("proot", "platform.not_linux"),
            ("chroot", "fallback.sudo"),
            ("vm", "fallback.vm_manager"),
        ],
        also_deciding: &[],
        statuses: &[("fallback.vm_manager", "ok")],
    },
    Expect {
        host: "github-actions-ubuntu-24.04",
        platform: Some("GitHub Actions hosted runner, Microsoft Hyper-V virtual machine"),
        verdict: "ready",
        code: 0,
        deciding: "userns.apparmor_restricts_unprivileged",
        evidence: "apparmor_restrict_unprivileged_userns = 1",
        targets: "podman=ready docker=ready bwrap=blocked nix=ready guix=ready chroot=degraded proot=ready vm=degraded",
        target_deciding: &[("chroot", "platform.ci_runner")],
        also_deciding: &[],
        statuses: &[("platform.virtual_machine", "info")],
    },
    Expect {
        host: "rhel-7-userns-off",
        platform: Some("VMware virtual machine"),
        verdict: "blocked",
        code: 2,
        deciding: "userns.max_user_namespaces_zero",
        evidence: "user.max_user_namespaces = 0",
        targets: "podman=blocked docker=blocked bwrap=blocked nix=ready guix=ready chroot=blocked proot=ready vm=degraded",
        target_deciding: &[],
        also_deciding: &["userns.experiment"],
        statuses: &[("identity.no_new_privs", "unknown")],
    },
];

/// The short names `targets` uses, and the targets they stand for, in the report's order.
const TARGETS: [(&str, &str); 8] = [
    ("podman", "rootless-podman"),
    ("docker", "rootless-docker"),
    ("bwrap", "bubblewrap"),
    ("nix", "nix-sandbox"),
    ("guix", "guix-daemon"),
    ("chroot", "chroot"),
    ("proot", "proot"),
    ("vm", "vm"),
];

/// `targets` as (target, verdict) pairs in [`TARGETS`] order; panics unless it names each of
/// the 8 targets exactly once with a known verdict.
fn expected_targets(expect: &Expect) -> Vec<(&'static str, &'static str)> {
    let pairs: Vec<(&str, &str)> = expect
        .targets
        .split_whitespace()
        .map(|pair| {
            pair.split_once('=')
                .unwrap_or_else(|| panic!("{}: {pair:?} is not name=verdict", expect.host))
        })
        .collect();
    TARGETS
        .iter()
        .map(|(short, target)| {
            let found: Vec<&str> = pairs
                .iter()
                .filter(|(name, _)| name == short)
                .map(|(_, verdict)| *verdict)
                .collect();
            assert!(
                found.len() == 1 && ["ready", "degraded", "blocked", "unknown"].contains(&found[0]),
                "{}: targets must give {short} one verdict: {:?}",
                expect.host,
                expect.targets
            );
            (*target, found[0])
        })
        .collect()
}

fn short_name(short: &str) -> &'static str {
    TARGETS
        .iter()
        .find(|(s, _)| *s == short)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("unknown target {short}"))
}

#[test]
fn chromeos_names_safesetid_first_and_ranks_the_linux_vm_first() {
    for host in ["fydeos-crosh", "chromeos-vt2"] {
        let (_, json) = report(host);
        let podman = json["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["target"] == "rootless-podman")
            .unwrap()
            .clone();
        assert_eq!(
            podman["deciding"][0], "lsm.safesetid_constrains_uid",
            "{host}"
        );
        assert_eq!(json["recommendations"][0]["id"], "vm.crostini", "{host}");
    }
}

#[test]
fn every_recorded_host_gets_the_verdict_its_owner_would_give() {
    let mut failures = Vec::new();
    for expect in EXPECTED {
        let (code, json) = report(expect.host);
        let verdict = |target: &str| {
            json["verdicts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["target"] == target)
                .cloned()
                .unwrap()
        };
        let podman = verdict("rootless-podman");
        let deciding: Vec<&str> = podman["deciding"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let finding = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == expect.deciding);
        let quoted = finding.is_some_and(|f| {
            f["evidence"].as_array().unwrap().iter().any(|e| {
                e["excerpt"]
                    .as_str()
                    .unwrap_or("")
                    .contains(expect.evidence)
            })
        });
        let status_of = |id: &str| {
            json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["id"] == id)
                .and_then(|f| f["status"].as_str())
                .unwrap_or("absent")
                .to_string()
        };
        for id in expect.also_deciding {
            if !deciding.contains(id) {
                failures.push(format!(
                    "{}: {id} does not decide (deciding {deciding:?})",
                    expect.host
                ));
            }
        }
        for (id, status) in expect.statuses {
            let got = status_of(id);
            if got != *status {
                failures.push(format!("{}: {id} is {got}, want {status}", expect.host));
            }
        }
        for (target, want) in expected_targets(expect) {
            let got = verdict(target);
            let verdict_got = got["verdict"].as_str().unwrap_or("absent");
            if verdict_got != want {
                failures.push(format!(
                    "{}: {target} is {verdict_got}, want {want} (deciding {}; {})",
                    expect.host, got["deciding"], got["summary"]
                ));
            }
        }
        for (short, id) in expect.target_deciding {
            let target = short_name(short);
            let got = verdict(target);
            let decides = got["deciding"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|v| v == id));
            if !decides {
                failures.push(format!(
                    "{}: {id} does not decide {target} (deciding {})",
                    expect.host, got["deciding"]
                ));
            }
        }
        let platform = json["host"]["platform"].as_str();
        if platform != expect.platform {
            failures.push(format!(
                "{}: host.platform is {platform:?}, want {:?}",
                expect.host, expect.platform
            ));
        }
        if let Some(want) = expect.platform {
            let human = hostcap(&["--from", recorded_host(expect.host).to_str().unwrap()]);
            let first = crate::util::header(&human.stdout);
            if !first.contains(&format!(" · {want} · ")) {
                failures.push(format!(
                    "{}: the first line does not name {want:?}: {first}",
                    expect.host
                ));
            }
        }
        let got = (
            podman["verdict"].as_str().unwrap(),
            code,
            deciding.contains(&expect.deciding),
            quoted,
        );
        let want = (expect.verdict, expect.code, true, true);
        if got != want {
            failures.push(format!(
                "{}: rootless-podman (verdict, exit code, {} decides, evidence {:?} quoted): got {got:?} (deciding {deciding:?}), want {want:?}",
                expect.host, expect.deciding, expect.evidence
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_recorded_host_is_in_the_table_and_has_a_source_note() {
    let dir = crate::util::repo().join("tests/hosts");
    for entry in fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            EXPECTED.iter().any(|e| e.host == name),
            "{name} has no expectation in tests/hosts.rs"
        );
        let manifest = fs::read_to_string(recorded_host(&name).join("host.toml")).unwrap();
        assert!(
            manifest.contains("imitates"),
            "{name}: no [source] imitates"
        );
        assert!(manifest.contains("facts"), "{name}: no [source] facts");
    }
}

#[test]
fn the_human_report_shows_the_cause_and_a_fix_to_paste() {
    let dir = recorded_host("debian-12-vm-newuidmap-plain");
    let run = hostcap(&["--from", dir.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("rootless-podman  BLOCKED"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("FAIL idmap.newuidmap_not_privileged"),
        "{}",
        run.stdout
    );
    assert!(
        // The recording's plain newuidmap is a copy bind-mounted over the packaged one.
        run.stdout.contains("$ umount /usr/bin/newuidmap"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("What to do instead"), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'), "colour with NO_COLOR set");
}

/// The commands a finding offers an administrator, in order.
fn root_commands(finding: &serde_json::Value) -> Vec<String> {
    finding["fix"]["with_root"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|step| step["kind"] == "command")
        .map(|step| step["text"].as_str().unwrap().to_string())
        .collect()
}

/// The range a missing user gets is the one useradd gives on that host (another user holds
/// 100000:65536 there), one command per step; root is told nothing about subordinate ids.
#[test]
fn subid_fixes_fit_the_host_and_the_subject() {
    let (_, json) = report("debian-12-vm-no-subid");
    assert_eq!(
        root_commands(&finding_of(&json, "subid.no_range")),
        vec![
            "usermod --add-subuids 165536-231071 --add-subgids 165536-231071 hostcap-live",
            "podman system migrate    # as hostcap-live: its pause process takes the new ranges",
        ]
    );
    let (_, json) = report("debian-12-fake-root");
    let findings = json["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .all(|f| !f["id"].as_str().unwrap().starts_with("subid.")),
        "{findings:?}"
    );
}

/// The recommendation `id` of a JSON report, when it is there.
fn recommendation(report: &serde_json::Value, id: &str) -> Option<serde_json::Value> {
    report["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
}

/// Recommendations read the facts that decide them: a setuid bwrap proves no one-id user
/// namespace, root inside `unshare -r` is no administrator, and ENOSPC is the namespace
/// limit, not the container.
#[test]
fn recommendations_and_places_are_judged_from_what_really_decides() {
    let (_, json) = report("debian-10-setuid-bwrap");
    let single = recommendation(&json, "podman.single_id").expect("podman.single_id");
    assert_eq!(single["feasible"], "no", "{single}");

    let (_, json) = report("debian-12-fake-root");
    assert!(recommendation(&json, "podman.single_id").is_none());
    let fix = recommendation(&json, "fix.with_root").expect("fix.with_root");
    assert_ne!(fix["feasible"], "yes", "{fix}");

    let (_, json) = report("debian-12-vm-max-userns-zero");
    let place = finding_of(&json, "platform.in_container");
    assert_eq!(place["status"], "info", "{place}");
    assert_eq!(
        finding_of(&json, "userns.max_user_namespaces_zero")["status"],
        "fail"
    );

    // Debian's nix-bin without a store, where systemd does not run: no systemd package.
    let no_store = finding_of(&json, "nix.no_store");
    assert!(root_commands(&no_store).is_empty(), "{no_store}");
    assert_eq!(no_store["fix"]["with_root"][0]["kind"], "prose");
}

/// The prose of a finding's fix for an administrator, joined.
fn root_prose(finding: &serde_json::Value) -> String {
    finding["fix"]["with_root"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|step| step["kind"] == "prose")
        .map(|step| step["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Process flags are inherited: the fix names what set them in this place.
#[test]
fn process_flag_fixes_name_who_starts_the_session() {
    let (_, json) = report("kubernetes-pod-restricted");
    let nnp = root_prose(&finding_of(&json, "identity.no_new_privs"));
    assert!(nnp.contains("allowPrivilegeEscalation: true"), "{nnp}");
    assert!(!nnp.contains("NoNewPrivileges=yes"), "{nnp}");
    let bounding = root_prose(&finding_of(&json, "identity.bounding_set_lacks_setid"));
    assert!(bounding.contains("add: [SETUID, SETGID]"), "{bounding}");

    let (_, json) = report("fydeos-crosh");
    let nnp = finding_of(&json, "identity.no_new_privs");
    assert!(root_prose(&nnp).is_empty(), "{nnp}");
    assert!(
        nnp["fix"]["without_root"][0]["text"]
            .as_str()
            .unwrap()
            .contains("VT-2")
    );
}

/// AppArmor's fix speaks of the programs on the host: the user's own rootlesskit in ~/bin gets
/// no profile (she could rewrite it), the distribution's profiled copy is named instead, and
/// no profile is written for a bwrap that is not installed.
#[test]
fn the_apparmor_fix_names_the_blocked_program_and_never_profiles_a_users_file() {
    let (_, json) = report("ubuntu-24.04-rootlesskit-home-bin");
    let apparmor = finding_of(&json, "userns.apparmor_restricts_unprivileged");
    let commands = root_commands(&apparmor);
    assert!(
        commands
            .iter()
            .all(|c| !c.contains("/home/alice") && !c.contains("bwrap")),
        "{commands:?}"
    );
    let prose = root_prose(&apparmor);
    assert!(
        prose.contains("no profile for /home/alice/bin/rootlesskit"),
        "{prose}"
    );
    assert!(prose.contains("/usr/bin/rootlesskit"), "{prose}");
    let (_, json) = report("ubuntu-24.04-apparmor");
    let apparmor = finding_of(&json, "userns.apparmor_restricts_unprivileged");
    assert!(
        root_commands(&apparmor)
            .iter()
            .all(|c| !c.contains("bwrap")),
        "{apparmor}"
    );
}

fn write(root: &Path, path: &str, content: &[u8]) {
    let full = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(full, content).unwrap();
}

/// The finding `id` of a JSON report; a test fails when it is missing.
fn finding_of(report: &serde_json::Value, id: &str) -> serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
        .clone()
}

#[test]
fn a_strange_host_gives_unknowns_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(
        &root,
        "/proc/self/status",
        b"\xff\xfe garbage without fields\n",
    );
    write(&root, "/proc/self/mountinfo", b"not a mountinfo line\n");
    write(&root, "/proc/sys/user/max_user_namespaces", b"lots\n");
    write(&root, "/etc/subuid", &vec![b'x'; 2 << 20]);
    write(&root, "/etc/subgid", b"alice:100000\n:1:2\nalice:-5:10\n");
    write(&root, "/etc/os-release", b"=\n\"\nNAME\n");
    write(&root, "/usr/bin/newuidmap", b"");
    fs::write(
        dir.path().join("host.toml"),
        "[source]\nimitates = \"a broken test host\"\n\
         [identity]\nuid = 1000\ngid = 1000\nuser = \"alice\"\n\
         [env]\nPATH = \"/usr/bin\"\n\
         [files.\"/usr/bin/newuidmap\"]\nmode = \"4755\"\nxattrs = { \"security.capability\" = \"0102\" }\n\
         [files.\"/etc/passwd\"]\nunreadable = true\n",
    )
    .unwrap();
    let run = hostcap(&["--json", "--from", dir.path().to_str().unwrap()]);
    assert!([0, 1, 2, 3].contains(&run.code), "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = |id: &str| finding_of(&json, id);
    assert_eq!(finding("identity.no_new_privs")["status"], "unknown");
    assert_eq!(
        finding("userns.max_user_namespaces_zero")["status"],
        "unknown"
    );
    let unreadable = finding("subid.unreadable");
    assert!(
        unreadable["evidence"][0]["excerpt"]
            .as_str()
            .unwrap()
            .contains("larger than")
    );
    // An oversized file is not a matter of mode or owner: no chmod/chown for it.
    assert!(root_commands(&unreadable).is_empty(), "{unreadable}");
    let malformed = finding("subid.malformed_line");
    assert_eq!(malformed["evidence"].as_array().unwrap().len(), 3);
    assert_eq!(
        finding("idmap.newuidmap_on_nosuid_mount")["status"],
        "unknown"
    );
    let human = hostcap(&["--from", dir.path().to_str().unwrap()]);
    assert_eq!(human.code, run.code);
}

/// Files that would hang or exhaust a careless reader: a 1 GiB sparse file, a FIFO, a symlink
/// loop, a status with fields twice and fields missing, an unreadable directory and a PATH of
/// 10 000 entries. Each gives an unknown (or failing) finding with its reason, promptly.
#[test]
fn a_hostile_host_gives_reasons_and_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(
        &root,
        "/proc/self/status",
        b"Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nUid:\t0\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n",
    );
    write(&root, "/etc/subgid", b"alice:100000:65536\n");
    fs::File::create(root.join("etc/subuid"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    nix::unistd::mkfifo(
        &root.join("etc/passwd"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    std::os::unix::fs::symlink("os-release.d", root.join("etc/os-release")).unwrap();
    std::os::unix::fs::symlink("os-release", root.join("etc/os-release.d")).unwrap();
    fs::create_dir_all(root.join("etc/containers")).unwrap();
    let path: Vec<String> = (0..10_000)
        .map(|i| format!("/opt/tool-{i}/bin"))
        .chain(["/usr/bin".to_string()])
        .collect();
    fs::write(
        dir.path().join("host.toml"),
        format!(
            "[source]\nimitates = \"a hostile test host\"\n\
             [identity]\nuid = 1000\ngid = 1000\nuser = \"alice\"\nhome = \"/home/alice\"\n\
             [env]\nPATH = \"{}\"\nHOME = \"/home/alice\"\n\
             [files.\"/etc/containers\"]\nkind = \"dir\"\nunreadable = true\n",
            path.join(":")
        ),
    )
    .unwrap();
    let from = dir.path().to_str().unwrap();
    let run = hostcap_within(
        &["--json", "--from", from],
        std::time::Duration::from_secs(30),
    );
    assert!([0, 1, 2, 3].contains(&run.code), "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = |id: &str| finding_of(&json, id);
    let unreadable = finding("subid.unreadable").to_string();
    assert!(unreadable.contains("larger than"), "{unreadable}");
    // The duplicated Uid line is not taken for root, and the missing fields are unknown.
    assert_eq!(finding("identity.no_new_privs")["status"], "unknown");
    assert_ne!(finding("session.fake_root")["status"], "fail");
    // Nothing proved a user namespace here: no rootless target may be called ready.
    for v in json["verdicts"].as_array().unwrap() {
        if ["rootless-podman", "rootless-docker", "bubblewrap"]
            .contains(&v["target"].as_str().unwrap())
        {
            assert_ne!(v["verdict"], "ready", "{v}");
        }
    }
    let human = hostcap_within(&["--from", from], std::time::Duration::from_secs(30));
    assert_eq!(human.code, run.code, "{}", human.stderr);
}

#[test]
fn a_recorded_host_without_identity_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("root")).unwrap();
    fs::write(
        dir.path().join("host.toml"),
        "[source]\nimitates = \"nothing at all\"\n",
    )
    .unwrap();
    let run = hostcap(&["--json", "--from", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 3, "{}", run.stdout);
}

#[test]
fn a_bad_host_toml_is_bad_usage_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("root")).unwrap();
    fs::write(dir.path().join("host.toml"), "[source]\nimitates = 3\n").unwrap();
    let run = hostcap(&["--from", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 64);
    assert!(run.stderr.contains("host.toml"), "{}", run.stderr);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
}

#[test]
fn the_host_name_is_reported_when_the_host_has_one() {
    assert_eq!(report("crostini-penguin").1["host"]["hostname"], "penguin");
    assert_eq!(report("fydeos-crosh").1["host"]["hostname"], "localhost");
    let (_, without) = report("fedora-40-filecaps");
    assert!(without["host"].get("hostname").is_none(), "{without}");
}
