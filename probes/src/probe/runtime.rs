//! The OCI runtime podman would start containers with, and the cgroup layout it meets.
//!
//! podman takes `[engine] runtime` from containers.conf, or else the first of crun and runc that
//! is installed, and looks for that name in `[engine.runtimes]`, its built-in paths, then PATH.
//! crun refuses every container on a hybrid cgroup layout (v1 controllers plus a cgroup2 mount
//! at `/sys/fs/cgroup/unified` that has controllers), which is what a plain `podman run` then
//! fails on.

use std::path::{Path, PathBuf};

use procfs_core::FromRead;

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{Host, SearchPath};
use crate::probe::containers_conf::{self, Setting};
use crate::probe::package::{PackageManager, PackageVersion, package_version};

/// The controllers of the cgroup2 half of a hybrid layout: crun refuses it unless empty.
pub const UNIFIED_CONTROLLERS: &str = "/sys/fs/cgroup/unified/cgroup.controllers";

/// Where containers/common looks for each runtime when containers.conf lists no paths.
const BUILT_IN_PATHS: &[(&str, &[&str])] = &[
    (
        "crun",
        &[
            "/usr/bin/crun",
            "/usr/sbin/crun",
            "/usr/local/bin/crun",
            "/usr/local/sbin/crun",
            "/sbin/crun",
            "/bin/crun",
            "/run/current-system/sw/bin/crun",
        ],
    ),
    (
        "runc",
        &[
            "/usr/bin/runc",
            "/usr/sbin/runc",
            "/usr/local/bin/runc",
            "/usr/local/sbin/runc",
            "/sbin/runc",
            "/bin/runc",
            "/usr/lib/cri-o-runc/sbin/runc",
            "/run/current-system/sw/bin/runc",
        ],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupLayout {
    /// cgroup2 mounted at /sys/fs/cgroup.
    Unified,
    /// v1 controllers plus cgroup2 at /sys/fs/cgroup/unified (systemd's "hybrid").
    Hybrid,
    /// v1 controllers only.
    Legacy,
}

impl CgroupLayout {
    pub fn describe(self) -> &'static str {
        match self {
            CgroupLayout::Unified => "cgroup v2 (unified)",
            CgroupLayout::Hybrid => {
                "hybrid: cgroup v1 controllers plus cgroup v2 at /sys/fs/cgroup/unified"
            }
            CgroupLayout::Legacy => "cgroup v1",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Cgroups {
    pub layout: CgroupLayout,
    /// The mountinfo lines that show it.
    pub lines: Vec<String>,
    /// On a hybrid layout, the controllers enabled in its cgroup2 half.
    pub unified_controllers: Result<String, String>,
}

#[derive(Debug, Clone)]
pub struct Runtime {
    pub name: String,
    pub path: PathBuf,
    /// The installed package's version and the file that says so, when the runtime is the
    /// distribution's own binary and its package database can be read cheaply.
    pub version: Option<PackageVersion>,
}

#[derive(Debug, Clone)]
pub struct Facts {
    /// The name podman would use and where it was set (`None`: podman's default).
    pub configured: Option<Setting>,
    pub name: String,
    /// The runtime found, or `None` when no binary of that name exists.
    pub runtime: Option<Runtime>,
    /// runc, when installed and not already the runtime: the way out of crun's limits.
    pub runc: Option<PathBuf>,
    pub cgroups: Result<Cgroups, String>,
    pub config_errors: Vec<String>,
    pub package_manager: Option<PackageManager>,
    /// On cgroup v2: the controllers systemd delegates to the user's manager (`None` when
    /// the user has no delegated cgroup there), with the file read.
    pub delegated: Option<(String, String)>,
    /// podman runs rootless: only then does it read the user's own containers.conf.
    pub rootless: bool,
}

pub fn gather(
    host: &dyn Host,
    conf: &containers_conf::Facts,
    mountinfo: &Result<String, String>,
    uid: Option<u32>,
    rootless: bool,
    package_manager: Option<PackageManager>,
    search: &SearchPath,
) -> Facts {
    let name = conf
        .runtime
        .as_ref()
        .map_or_else(|| "crun".to_string(), |s| s.value.clone());
    let locate = |name: &str| locate(host, conf, name, search);
    let mut found = locate(&name).map(|path| (name.clone(), path));
    if found.is_none() && conf.runtime.is_none() {
        // With no runtime configured, podman uses whichever of its defaults is installed.
        found = locate("runc").map(|path| ("runc".to_string(), path));
    }
    let runtime = found.map(|(name, path)| Runtime {
        version: package_version(host, &name, &name, &path),
        name,
        path,
    });
    let runc = locate("runc").filter(|_| runtime.as_ref().is_none_or(|r| r.name != "runc"));
    Facts {
        configured: conf.runtime.clone(),
        name: runtime.as_ref().map_or(name, |r| r.name.clone()),
        runtime,
        runc,
        cgroups: mountinfo
            .clone()
            .and_then(|text| cgroup_layout(&text))
            .map(|mut cgroups| {
                if cgroups.layout == CgroupLayout::Hybrid {
                    cgroups.unified_controllers = host
                        .read_string(Path::new(UNIFIED_CONTROLLERS))
                        .map(|text| text.trim().to_string())
                        .map_err(|e| e.to_string());
                }
                cgroups
            }),
        config_errors: conf.errors.clone(),
        package_manager,
        delegated: uid.and_then(|uid| {
            let file = format!(
                "/sys/fs/cgroup/user.slice/user-{uid}.slice/user@{uid}.service/cgroup.controllers"
            );
            let text = host.read_string(Path::new(&file)).ok()?;
            Some((file, text.trim().to_string()))
        }),
        rootless,
    }
}

fn locate(
    host: &dyn Host,
    conf: &containers_conf::Facts,
    name: &str,
    search: &SearchPath,
) -> Option<PathBuf> {
    let configured = conf.runtime_paths.get(name).cloned();
    let built_in = BUILT_IN_PATHS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, paths)| paths.iter().map(|p| p.to_string()).collect::<Vec<_>>());
    let candidates = configured.or(built_in).unwrap_or_default();
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|path| {
            host.metadata(path)
                .is_ok_and(|m| m.kind != crate::host::FileKind::Dir && m.mode & 0o111 != 0)
        })
        .or_else(|| search.find(host, name))
}

/// The cgroup layout from `/proc/self/mountinfo`, as crun and podman tell it apart.
pub fn cgroup_layout(mountinfo: &str) -> Result<Cgroups, String> {
    let mounts = procfs_core::process::MountInfos::from_read(mountinfo.as_bytes())
        .map_err(|_| "/proc/self/mountinfo: not in the kernel's format".to_string())?;
    let line_of = |id: i32| {
        let id = id.to_string();
        mountinfo
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id.as_str()))
            .unwrap_or_default()
            .to_string()
    };
    let last_at = |point: &str| {
        mounts
            .0
            .iter()
            .filter(|m| m.mount_point == Path::new(point))
            .max_by_key(|m| m.mnt_id)
    };
    let Some(top) = last_at("/sys/fs/cgroup") else {
        return Err("no cgroup file system is mounted at /sys/fs/cgroup".into());
    };
    if top.fs_type == "cgroup2" {
        return Ok(Cgroups {
            layout: CgroupLayout::Unified,
            lines: vec![line_of(top.mnt_id)],
            unified_controllers: Ok(String::new()),
        });
    }
    let mut lines = vec![line_of(top.mnt_id)];
    match last_at("/sys/fs/cgroup/unified").filter(|m| m.fs_type == "cgroup2") {
        Some(unified) => {
            lines.push(line_of(unified.mnt_id));
            Ok(Cgroups {
                layout: CgroupLayout::Hybrid,
                lines,
                unified_controllers: Ok(String::new()),
            })
        }
        None => Ok(Cgroups {
            layout: CgroupLayout::Legacy,
            lines,
            unified_controllers: Ok(String::new()),
        }),
    }
}

pub const OCI_RUNTIME_MISSING: FindingDoc = FindingDoc {
    id: "runtime.oci_runtime_missing",
    summary: "the OCI runtime podman would use is not installed",
    explanation: "podman starts every container through an OCI runtime: the one named by \
`runtime` in the [engine] table of containers.conf, or crun (then runc) when none is named. \
It looks for it in the paths listed under [engine.runtimes], its built-in paths and PATH. \
Without it `podman run` fails with \"default OCI runtime … not found\".",
    references: &["containers.conf(5)"],
};

pub const CRUN_HYBRID: FindingDoc = FindingDoc {
    id: "runtime.crun_hybrid_cgroups",
    summary: "crun on a hybrid cgroup layout whose cgroup2 half has controllers: every container fails",
    explanation: "On a hybrid cgroup layout (cgroup v1 controllers plus a cgroup v2 mount at \
/sys/fs/cgroup/unified, systemd's default on older distributions and common in containers and \
CI machines), crun refuses to create any container as soon as the cgroup2 half has a \
controller in /sys/fs/cgroup/unified/cgroup.controllers: \"cgroups in hybrid mode not \
supported, drop all controllers from cgroupv2\" (libcrun/cgroup.c, unchanged since crun 0.4). \
podman run then fails with \"crun: … OCI runtime error\", even with --network none. runc \
handles the layout, and podman uses it when containers.conf says runtime = \"runc\"; a unified \
(v2-only) layout avoids the problem for crun.",
    references: &[
        "containers/crun libcrun/cgroup.c",
        "containers/podman#18103",
        "containers.conf(5): runtime",
    ],
};

pub const CGROUP_LAYOUT: FindingDoc = FindingDoc {
    id: "cgroups.layout",
    summary: "which cgroup layout the host mounts",
    explanation: "cgroup v2 (unified) lets a systemd user session delegate controllers to the \
user, so rootless containers can have resource limits. On cgroup v1 rootless podman runs \
without limits (--memory, --cpus and the like fail). On the hybrid layout crun fails \
outright once the cgroup2 half has a controller. The layout is read from /proc/self/mountinfo: cgroup2 at /sys/fs/cgroup, or a \
tmpfs there with v1 controllers and possibly cgroup2 at /sys/fs/cgroup/unified.",
    references: &["https://docs.kernel.org/admin-guide/cgroup-v2.html"],
};

pub const DELEGATION: FindingDoc = FindingDoc {
    id: "cgroups.delegated_controllers",
    summary: "which cgroup controllers rootless containers may use for resource limits",
    explanation: "A rootless container can only be limited (--memory, --cpus, --pids-limit) \
through cgroup controllers the user owns. On cgroup v2 systemd delegates them to the user's \
manager (user@UID.service): memory and pids by default, cpu, cpuset and io once \
/etc/systemd/system/user@.service.d/delegate.conf says Delegate=yes for them. On cgroup v1 or \
without systemd nothing is delegated and podman ignores or refuses limits; containers without \
limits run either way.",
    references: &[
        "https://github.com/containers/podman/blob/main/troubleshooting.md",
        "systemd.resource-control(5): Delegate=",
    ],
};

pub const CONF_INVALID: FindingDoc = FindingDoc {
    id: "runtime.containers_conf_invalid",
    summary: "a containers.conf or storage.conf podman reads is not valid TOML",
    explanation: "podman parses every containers.conf in its search path (and storage.conf) \
before it does anything; one that is not valid TOML, or that it cannot read, stops every podman \
command with \"Failed to obtain podman configuration\" or a storage error. hostcap names the \
file and the line where parsing stopped.",
    references: &["containers.conf(5)", "containers-storage.conf(5)"],
};

pub const DOCS: &[&FindingDoc] = &[
    &CONF_INVALID,
    &OCI_RUNTIME_MISSING,
    &CRUN_HYBRID,
    &CGROUP_LAYOUT,
    &DELEGATION,
];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let mut findings = vec![judge_layout(facts), judge_delegation(facts)];
    findings.push(if facts.config_errors.is_empty() {
        Finding::new(
            &CONF_INVALID,
            Status::Ok,
            "podman's configuration files parse",
        )
    } else {
        Finding::new(
            &CONF_INVALID,
            Status::Fail,
            format!(
                "podman cannot read its configuration: {}",
                facts.config_errors.join("; ")
            ),
        )
        .with_evidence(
            facts
                .config_errors
                .iter()
                .map(|e| crate::finding::Evidence::new("containers.conf", e.clone())),
        )
    });
    let Some(runtime) = &facts.runtime else {
        let mut finding = Finding::new(
            &OCI_RUNTIME_MISSING,
            Status::Fail,
            format!("the OCI runtime {} is not installed", facts.name),
        );
        finding = match &facts.configured {
            Some(setting) => finding.evidence(
                setting.file.clone(),
                format!("runtime = \"{}\"", setting.value),
            ),
            None => finding.evidence(
                "containers.conf",
                "no runtime set: podman's default, crun, then runc",
            ),
        };
        if let Some(pm) = facts.package_manager {
            finding = finding.with_root(pm.install(&facts.name));
        }
        findings.push(finding);
        return findings;
    };
    findings.push(
        Finding::new(
            &OCI_RUNTIME_MISSING,
            Status::Ok,
            format!(
                "podman would use {} at {}",
                runtime.name,
                runtime.path.display()
            ),
        )
        .with_evidence(runtime.version.as_ref().map(|v| {
            crate::finding::Evidence::new(
                v.source.clone(),
                format!("{} {}", runtime.name, v.version),
            )
        })),
    );
    findings.push(judge_crun_hybrid(facts, runtime));
    findings
}

fn judge_delegation(facts: &Facts) -> Finding {
    let unified = matches!(&facts.cgroups, Ok(c) if c.layout == CgroupLayout::Unified);
    match (&facts.delegated, unified) {
        (Some((file, controllers)), true) => {
            let missing: Vec<&str> = ["cpu", "memory", "pids", "io"]
                .into_iter()
                .filter(|c| !controllers.split_whitespace().any(|have| have == *c))
                .collect();
            let title = if missing.is_empty() {
                "cpu, memory, io and pids limits work for rootless containers".to_string()
            } else {
                format!(
                    "not delegated to the user: {} (those limits fail)",
                    missing.join(", ")
                )
            };
            let finding = Finding::new(&DELEGATION, Status::Info, title)
                .evidence(file.clone(), controllers.clone());
            if missing.is_empty() {
                finding
            } else {
                finding.with_root("mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload")
            }
        }
        (None, true) => Finding::new(
            &DELEGATION,
            Status::Info,
            "no cgroup is delegated to this user (no systemd user manager): limits such as --memory fail",
        ),
        (_, false) => Finding::new(
            &DELEGATION,
            Status::Info,
            "not cgroup v2: rootless containers run without resource limits",
        ),
    }
}

fn judge_layout(facts: &Facts) -> Finding {
    match &facts.cgroups {
        Ok(cgroups) => Finding::new(&CGROUP_LAYOUT, Status::Info, cgroups.layout.describe())
            .with_evidence(
                cgroups
                    .lines
                    .iter()
                    .map(|l| crate::finding::Evidence::new("/proc/self/mountinfo", l.clone())),
            ),
        Err(reason) => Finding::new(&CGROUP_LAYOUT, Status::Unknown, reason.clone()),
    }
}

fn judge_crun_hybrid(facts: &Facts, runtime: &Runtime) -> Finding {
    let cgroups = match &facts.cgroups {
        Ok(cgroups) if cgroups.layout == CgroupLayout::Hybrid => cgroups,
        _ => {
            return Finding::new(&CRUN_HYBRID, Status::Ok, "the cgroup layout is not hybrid");
        }
    };
    if runtime.name != "crun" {
        return Finding::new(
            &CRUN_HYBRID,
            Status::Ok,
            format!("{} handles the hybrid cgroup layout", runtime.name),
        );
    }
    let evidence: Vec<crate::finding::Evidence> = cgroups
        .lines
        .iter()
        .map(|l| crate::finding::Evidence::new("/proc/self/mountinfo", l.clone()))
        .collect();
    let controllers = match &cgroups.unified_controllers {
        Ok(controllers) => controllers,
        Err(reason) => {
            return Finding::new(
                &CRUN_HYBRID,
                Status::Unknown,
                format!("crun on hybrid cgroups; its cgroup2 controllers are unreadable: {reason}"),
            )
            .with_evidence(evidence);
        }
    };
    if controllers.is_empty() {
        return Finding::new(
            &CRUN_HYBRID,
            Status::Ok,
            "hybrid cgroups, but the cgroup2 half has no controllers: crun accepts that",
        )
        .evidence(UNIFIED_CONTROLLERS, "(empty)");
    }
    let version = runtime
        .version
        .as_ref()
        .map(|v| format!(" ({} {})", runtime.name, v.version))
        .unwrap_or_default();
    let mut finding = Finding::new(
        &CRUN_HYBRID,
        Status::Fail,
        format!("crun refuses containers on this hybrid cgroup layout{version}"),
    )
    .with_evidence(evidence)
    .evidence(UNIFIED_CONTROLLERS, controllers.clone());
    if let Some(setting) = &facts.configured {
        finding = finding.evidence(
            setting.file.clone(),
            format!("runtime = \"{}\"", setting.value),
        );
    }
    let system_wide = "mkdir -p /etc/containers/containers.conf.d && printf '[engine]\\nruntime = \"runc\"\\n' > /etc/containers/containers.conf.d/50-runtime-runc.conf";
    match (&facts.runc, facts.package_manager) {
        (Some(_), _) => {
            finding = finding.with_root(system_wide);
            if facts.rootless {
                finding = finding.without_root("mkdir -p ~/.config/containers && printf '[engine]\\nruntime = \"runc\"\\n' >> ~/.config/containers/containers.conf");
            }
            finding = finding.without_root("podman run --runtime runc …    # or per command");
        }
        (None, Some(pm)) => {
            finding = finding.with_root(format!("{} && {system_wide}", pm.install("runc")));
        }
        (None, None) => {}
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
25 30 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 25 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
27 26 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
28 26 0:24 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,memory
";

    #[test]
    fn hybrid_unified_and_legacy_layouts_are_told_apart() {
        assert_eq!(cgroup_layout(HYBRID).unwrap().layout, CgroupLayout::Hybrid);
        let unified = "25 30 0:21 / /sys rw - sysfs sysfs rw\n26 25 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        assert_eq!(
            cgroup_layout(unified).unwrap().layout,
            CgroupLayout::Unified
        );
        let legacy: String = HYBRID
            .lines()
            .filter(|l| !l.contains("unified"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(cgroup_layout(&legacy).unwrap().layout, CgroupLayout::Legacy);
        assert!(cgroup_layout("25 30 0:21 / /sys rw - sysfs sysfs rw\n").is_err());
    }
}
