//! Rootless networking: podman's default network for a rootless container is a user-mode
//! stack (slirp4netns, or pasta since podman 5) that opens `/dev/net/tun` inside the
//! container's namespaces. Without it only `--network none` works, so a problem here degrades
//! the target but does not block it.

use std::path::{Path, PathBuf};

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{Host, SearchPath};
use crate::probe::containers_conf::{self, Setting};
use crate::probe::package::PackageManager;
use crate::probe::read_optional;
use crate::probe::udev;

pub const TUN: &str = "/dev/net/tun";
pub const UNPRIVILEGED_PORT_START: &str = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
pub const PING_GROUP_RANGE: &str = "/proc/sys/net/ipv4/ping_group_range";

/// containers/common's default `helper_binaries_dir`, searched before PATH since podman 4.6
/// (podman 4.3 looks in `network_cmd_path`, then PATH).
const HELPER_DIRS: &[&str] = &[
    "/usr/local/libexec/podman",
    "/usr/local/lib/podman",
    "/usr/libexec/podman",
    "/usr/lib/podman",
];

#[derive(Debug, Clone)]
pub struct Facts {
    pub configured: Option<Setting>,
    /// The command podman would run for the default network, and where it was found.
    pub command: String,
    pub found: Option<PathBuf>,
    /// The other user-mode stack, when installed: a way out if the first is missing.
    pub alternative: Option<(String, PathBuf)>,
    /// The network driver dockerd-rootless.sh would give rootlesskit: the first of
    /// slirp4netns, pasta and vpnkit in PATH.
    pub rootlesskit_driver: Option<(&'static str, PathBuf)>,
    pub tun: Result<(), String>,
    pub tun_meta: Option<crate::host::FileMeta>,
    pub unprivileged_port_start: Option<String>,
    pub ping_group_range: Option<String>,
    pub package_manager: Option<PackageManager>,
    /// udev manages /dev here ([`udev::manages_dev`], set by [`crate::probe::gather`]): a rule
    /// keeps a mode across reboots.
    pub udev: bool,
}

pub fn gather(
    host: &dyn Host,
    conf: &containers_conf::Facts,
    package_manager: Option<PackageManager>,
    search: &SearchPath,
) -> Facts {
    let dirs: Vec<String> = if conf.helper_dirs.is_empty() {
        HELPER_DIRS.iter().map(|d| d.to_string()).collect()
    } else {
        conf.helper_dirs.clone()
    };
    let find = |name: &str| {
        host.find_in_path(name, &dirs.join(":"))
            .or_else(|| search.find(host, name))
    };
    let slirp = conf
        .network_cmd_path
        .as_ref()
        .map(|s| PathBuf::from(&s.value))
        .filter(|p| host.metadata(p).is_ok())
        .or_else(|| find("slirp4netns"));
    let pasta = find("pasta");
    let (command, found, alternative) = match conf.rootless_network_cmd.as_ref() {
        Some(setting) if setting.value == "pasta" => (
            "pasta".to_string(),
            pasta,
            slirp.map(|p| ("slirp4netns".to_string(), p)),
        ),
        Some(setting) => (
            setting.value.clone(),
            find(&setting.value),
            pasta.map(|p| ("pasta".to_string(), p)),
        ),
        // podman 4 defaults to slirp4netns, podman 5 to pasta; whichever is installed is
        // the one that can work.
        None if slirp.is_none() && pasta.is_some() => ("pasta".to_string(), pasta, None),
        None => (
            "slirp4netns".to_string(),
            slirp,
            pasta.map(|p| ("pasta".to_string(), p)),
        ),
    };
    let rootlesskit_driver = ["slirp4netns", "pasta", "vpnkit"]
        .into_iter()
        .find_map(|name| search.find(host, name).map(|p| (name, p)));
    let tun_path = Path::new(TUN);
    Facts {
        rootlesskit_driver,
        configured: conf.rootless_network_cmd.clone(),
        command,
        found,
        alternative,
        tun: host.open_read_write(tun_path).map_err(|e| e.to_string()),
        tun_meta: host.metadata(tun_path).ok(),
        unprivileged_port_start: read_optional(host, UNPRIVILEGED_PORT_START)
            .ok()
            .flatten()
            .map(|v| v.trim().to_string()),
        ping_group_range: read_optional(host, PING_GROUP_RANGE)
            .ok()
            .flatten()
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" ")),
        package_manager,
        udev: false,
    }
}

pub const TUN_UNUSABLE: FindingDoc = FindingDoc {
    id: "network.tun_unusable",
    summary: "/dev/net/tun cannot be opened: podman's default rootless network fails",
    explanation: "slirp4netns and pasta give a rootless container its network through a tap \
device, which they create by opening /dev/net/tun. When this user may not open it (mode 0600 \
root on some minimal systems and containers, or the node missing), `podman run` fails with \
\"slirp4netns failed: … open(\\\"/dev/net/tun\\\"): Permission denied\" and only \
`--network none` works. hostcap opens the device read-write and closes it at once, exactly \
the first step the helpers take; without the ioctl that follows, that changes nothing.",
    references: &[
        "https://docs.kernel.org/networking/tuntap.html",
        "slirp4netns(1)",
    ],
};

pub const HELPER_MISSING: FindingDoc = FindingDoc {
    id: "network.helper_missing",
    summary: "the user-mode network helper podman would run is not installed",
    explanation: "A rootless container's default network is made by slirp4netns (podman 4) or \
pasta (podman 5, or `default_rootless_network_cmd` in the [network] table of containers.conf). \
podman looks for it in helper_binaries_dir, then PATH. Without it `podman run` fails unless \
given `--network none`.",
    references: &["containers.conf(5)", "podman-run(1): --network"],
};

pub const UNPRIVILEGED_PORTS: FindingDoc = FindingDoc {
    id: "network.unprivileged_port_start",
    summary: "the lowest port a rootless container may publish",
    explanation: "net.ipv4.ip_unprivileged_port_start (1024 by default) is the lowest port an \
unprivileged process may bind, so `podman run -p 80:80` fails for a rootless user unless it is \
lowered. Containers run without published ports are not affected.",
    references: &["https://docs.kernel.org/networking/ip-sysctl.html"],
};

pub const PING_GROUPS: FindingDoc = FindingDoc {
    id: "network.ping_group_range",
    summary: "whether ping works inside rootless containers",
    explanation: "net.ipv4.ping_group_range lists the groups that may open ICMP echo sockets. \
With the kernel default \"1 0\" (no group) ping fails inside rootless containers; podman \
cannot raise it.",
    references: &["https://docs.kernel.org/networking/ip-sysctl.html"],
};

pub const ROOTLESSKIT_DRIVER_MISSING: FindingDoc = FindingDoc {
    id: "network.rootlesskit_driver_missing",
    summary: "no network driver for rootless Docker's rootlesskit",
    explanation: "dockerd-rootless.sh gives rootlesskit the first network driver it finds: \
slirp4netns (0.4 or later), then pasta, then vpnkit. With none of them it stops before the \
daemon starts (\"Neither slirp4netns (>= v0.4.0) nor vpnkit was found\"). Each of them opens \
/dev/net/tun for the daemon's tap device, so an unusable /dev/net/tun stops the daemon too; \
unlike podman, rootless Docker has no network-less fallback for its daemon.",
    references: &[
        "moby/moby contrib/dockerd-rootless.sh",
        "https://docs.docker.com/engine/security/rootless/",
    ],
};

pub const DOCS: &[&FindingDoc] = &[
    &TUN_UNUSABLE,
    &HELPER_MISSING,
    &ROOTLESSKIT_DRIVER_MISSING,
    &UNPRIVILEGED_PORTS,
    &PING_GROUPS,
];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let mut findings = vec![
        judge_helper(facts),
        judge_tun(facts),
        judge_rootlesskit(facts),
    ];
    if let Some(start) = &facts.unprivileged_port_start {
        findings.push(
            Finding::new(
                &UNPRIVILEGED_PORTS,
                Status::Info,
                format!("rootless containers may publish ports from {start} up"),
            )
            .evidence(
                UNPRIVILEGED_PORT_START,
                format!("net.ipv4.ip_unprivileged_port_start = {start}"),
            ),
        );
    }
    if let Some(range) = &facts.ping_group_range {
        let title = if range == "1 0" {
            "ping does not work inside rootless containers (no group may open ICMP sockets)"
        } else {
            "groups in ping_group_range may ping from rootless containers"
        };
        findings.push(Finding::new(&PING_GROUPS, Status::Info, title).evidence(
            PING_GROUP_RANGE,
            format!("net.ipv4.ping_group_range = {range}"),
        ));
    }
    findings
}

fn judge_rootlesskit(facts: &Facts) -> Finding {
    match &facts.rootlesskit_driver {
        Some((name, path)) => Finding::new(
            &ROOTLESSKIT_DRIVER_MISSING,
            Status::Ok,
            format!("rootlesskit would use {name} ({})", path.display()),
        ),
        None => {
            let finding = Finding::new(
                &ROOTLESSKIT_DRIVER_MISSING,
                Status::Fail,
                "neither slirp4netns, pasta nor vpnkit is installed: dockerd-rootless.sh stops",
            )
            .evidence("PATH", "no slirp4netns, pasta or vpnkit");
            match facts.package_manager {
                Some(pm) => finding.with_root(pm.install("slirp4netns")),
                None => finding,
            }
        }
    }
}

fn judge_helper(facts: &Facts) -> Finding {
    if let Some(path) = &facts.found {
        return Finding::new(
            &HELPER_MISSING,
            Status::Ok,
            format!("{} is {}", facts.command, path.display()),
        );
    }
    let mut finding = Finding::new(
        &HELPER_MISSING,
        Status::Fail,
        format!(
            "{} is not installed: only --network none works",
            facts.command
        ),
    );
    finding = match &facts.configured {
        Some(setting) => finding.evidence(
            setting.file.clone(),
            format!("default_rootless_network_cmd = \"{}\"", setting.value),
        ),
        None => finding.evidence("PATH", "no slirp4netns and no pasta"),
    };
    if let Some(pm) = facts.package_manager {
        let package = if facts.command == "pasta" {
            "passt"
        } else {
            facts.command.as_str()
        };
        finding = finding.with_root(pm.install(package));
    }
    if let Some((name, _)) = &facts.alternative {
        finding = finding.without_root(format!(
            "mkdir -p ~/.config/containers && printf '[network]\\ndefault_rootless_network_cmd = \"{name}\"\\n' >> ~/.config/containers/containers.conf"
        ));
    }
    finding.without_root("podman run --network none …    # a container without network")
}

fn judge_tun(facts: &Facts) -> Finding {
    let seen = match &facts.tun_meta {
        Some(meta) => format!(
            "mode {:04o}, owner uid {}, group gid {}",
            meta.mode & 0o7777,
            meta.uid,
            meta.gid
        ),
        None => "absent".to_string(),
    };
    match &facts.tun {
        Ok(()) => Finding::new(&TUN_UNUSABLE, Status::Ok, "/dev/net/tun opens read-write")
            .evidence(TUN, seen),
        Err(reason) => {
            let mut finding = Finding::new(
                &TUN_UNUSABLE,
                Status::Fail,
                format!(
                    "/dev/net/tun cannot be opened: {} cannot give containers a network",
                    facts.command
                ),
            )
            .evidence(TUN, seen)
            .evidence(format!("open(\"{TUN}\", O_RDWR)"), reason.clone());
            finding = match &facts.tun_meta {
                Some(_) => finding.with_root(udev::open_to_everyone(TUN, "tun", facts.udev)),
                None => finding.with_root(
                    "modprobe tun && mkdir -p /dev/net && mknod -m 0666 /dev/net/tun c 10 200",
                ),
            };
            finding.without_root("podman run --network none …    # a container without network")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Step;
    use crate::host::{FileKind, FileMeta};

    fn facts(tun: Result<(), String>, found: bool) -> Facts {
        Facts {
            configured: None,
            command: "slirp4netns".into(),
            found: found.then(|| PathBuf::from("/usr/bin/slirp4netns")),
            alternative: Some(("pasta".into(), PathBuf::from("/usr/bin/pasta"))),
            rootlesskit_driver: found
                .then(|| ("slirp4netns", PathBuf::from("/usr/bin/slirp4netns"))),
            tun,
            tun_meta: Some(FileMeta {
                kind: FileKind::Other,
                mode: 0o600,
                uid: 0,
                gid: 0,
            }),
            unprivileged_port_start: Some("1024".into()),
            ping_group_range: Some("1 0".into()),
            package_manager: Some(PackageManager::Apt),
            udev: false,
        }
    }

    fn find<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
        findings.iter().find(|f| f.id == id).unwrap()
    }

    #[test]
    fn an_unopenable_tun_fails_with_its_mode_and_a_fix_for_this_host() {
        let findings = judge(&facts(Err("/dev/net/tun: permission denied".into()), true));
        let tun = find(&findings, TUN_UNUSABLE.id);
        assert_eq!(tun.status, Status::Fail);
        assert!(tun.evidence[0].excerpt.contains("mode 0600"));
        assert!(
            tun.fix.with_root[0]
                .text()
                .starts_with("chmod 0666 /dev/net/tun")
        );
        assert!(
            !tun.fix.with_root[0].text().contains("rules.d"),
            "no udev on this host"
        );
        assert_eq!(find(&findings, HELPER_MISSING.id).status, Status::Ok);
    }

    #[test]
    fn a_missing_helper_names_the_package_and_the_other_stack() {
        let findings = judge(&facts(Ok(()), false));
        let helper = find(&findings, HELPER_MISSING.id);
        assert_eq!(helper.status, Status::Fail);
        assert_eq!(
            helper.fix.with_root,
            vec![Step::command("apt-get install slirp4netns")]
        );
        assert!(
            helper.fix.without_root[0]
                .text()
                .contains("default_rootless_network_cmd = \"pasta\"")
        );
        assert_eq!(find(&findings, TUN_UNUSABLE.id).status, Status::Ok);
    }
}
