//! Where we are: the kernel (Linux, or macOS and the BSDs, which have no Linux namespaces at
//! all), the distribution (os-release), ChromeOS and its derivatives (lsb-release),
//! the Linux VM on ChromeOS (Crostini), WSL 1 and 2, containers (Docker, Podman, LXC/LXD,
//! systemd-nspawn, Kubernetes), virtual machines, chroots, FreeBSD's Linux emulation, a tracer
//! (proot), a user namespace, and the kernel. What blocks containers is judged by the other
//! areas; the place decides what the fixes and fallbacks can be.
//!
//! Each sign is read through the Host seam the way systemd-detect-virt reads it
//! (`src/basic/virt.c`): files that only one engine creates, the `container=` variable, DMI
//! strings and the CPU's `hypervisor` flag, `/proc/self/status`, `/proc/self/mountinfo`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::experiment::{Outcome, StepFailure, UsernsOutcome, UsernsStep};
use crate::finding::{Evidence, Finding, FindingDoc, Status, Step};
use crate::host::{FileKind, Host, Uname};
use crate::os::Os;
use crate::probe::read_optional;

/// One observation that says where we are: the file, variable or command it comes from, and
/// the exact text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sign {
    pub source: String,
    pub excerpt: String,
}

impl Sign {
    fn new(source: impl Into<String>, excerpt: impl Into<String>) -> Self {
        Sign {
            source: source.into(),
            excerpt: excerpt.into(),
        }
    }

    fn evidence(&self) -> Evidence {
        Evidence::new(self.source.clone(), self.excerpt.clone())
    }
}

/// What WSL shows inside the distribution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wsl {
    /// `/proc/sys/fs/binfmt_misc/WSLInterop` (or `WSLInterop-late`): Windows programs run from
    /// here.
    pub interop: Option<&'static str>,
    /// `WSL_DISTRO_NAME`, set by WSL in every session it starts.
    pub distro_name: Option<String>,
    /// `WSL_INTEROP`, the socket of the interop server (WSL 2 only).
    pub interop_socket: Option<String>,
    /// `/run/systemd/system` exists: systemd is PID 1 (what sd_booted(3) checks).
    pub systemd_running: bool,
    /// `systemd=` in `/etc/wsl.conf`'s `[boot]` section, as written.
    pub wsl_conf_systemd: Option<String>,
}

impl Wsl {
    fn any(&self) -> bool {
        self.interop.is_some() || self.distro_name.is_some() || self.interop_socket.is_some()
    }
}

/// The container engine this process runs under, as far as its signs tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
    /// LXC or LXD/Incus (`container=lxc`).
    Lxc,
    SystemdNspawn,
    /// A Kubernetes pod, whatever runtime the node uses.
    Kubernetes,
    /// A container whose engine no sign names (`container=oci`, a cgroup path).
    Other,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker => "Docker",
            Engine::Podman => "Podman",
            Engine::Lxc => "LXC/LXD",
            Engine::SystemdNspawn => "systemd-nspawn",
            Engine::Kubernetes => "Kubernetes",
            Engine::Other => "an unknown engine",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub engine: Engine,
    /// Podman's `/run/.containerenv` says `rootless=1` (written with `--privileged`), or the
    /// uid_map shows the container's root is not the host's.
    pub rootless: Option<bool>,
    pub signs: Vec<Sign>,
}

/// A CI service, by the variables its runners set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ci {
    /// "GitHub Actions".
    pub name: &'static str,
    /// GitHub-hosted (`RUNNER_ENVIRONMENT=github-hosted`): a fresh VM with passwordless sudo.
    pub hosted: bool,
    pub signs: Vec<Sign>,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The kernel, by `uname -s`. Linux when uname was not recorded: such recordings predate
    /// it and are all of Linux (WSL 1 and FreeBSD's Linux emulation say Linux too).
    pub os: Os,
    pub uname: Option<Uname>,
    /// macOS's `/System/Library/CoreServices/SystemVersion.plist` (ProductName,
    /// ProductVersion, ProductBuildVersion): what `sw_vers` prints. macOS has no os-release.
    pub system_version: BTreeMap<String, String>,
    /// os-release key/values, from `/etc/os-release` or its fallback `/usr/lib/os-release`.
    pub os_release: BTreeMap<String, String>,
    pub os_release_path: Option<&'static str>,
    /// lsb-release key/values (ChromeOS keeps its release facts there).
    pub lsb_release: BTreeMap<String, String>,
    pub kernel_release: Option<String>,
    pub arch: Option<String>,
    /// The host name (`/proc/sys/kernel/hostname`): how a fleet summary names this host.
    pub hostname: Option<String>,
    /// `/proc/version`: on FreeBSD's Linux emulation it names FreeBSD's builder.
    pub proc_version: Option<String>,
    /// Markers of the Linux development environment (Crostini) found inside this system.
    pub crostini_markers: Vec<&'static str>,
    /// The ChromeOS milestone `/dev/.cros_milestone` holds in Crostini.
    pub cros_milestone: Option<String>,
    pub wsl: Wsl,
    pub container: Option<Container>,
    /// The hypervisor this system runs on, by name (empty when only the CPU's `hypervisor`
    /// flag says so), with what names it.
    pub vm: Option<(String, Vec<Sign>)>,
    /// Signs that this process's root is not its mount namespace's root.
    pub chroot: Vec<Sign>,
    /// What a chroot usually lacks and this system lacks: `/proc`, `/sys`, `/dev/pts`…
    pub chroot_missing: Vec<&'static str>,
    /// Signs of FreeBSD's Linux emulation (the linuxulator).
    pub linuxulator: Vec<Sign>,
    /// `TracerPid` when it is not 0, and the tracer's name (`proot`, `strace`, `gdb`).
    pub tracer: Option<(i32, Option<String>)>,
    /// `/proc/self/uid_map` when it is not the identity map: inside a user namespace.
    pub user_namespace_map: Option<String>,
    /// `/proc/self/cgroup`, for evidence.
    pub cgroup: Option<String>,
    /// Mounts over parts of /proc (container engines' masked paths, lxcfs) when no procfs
    /// mount here is free of them: then the kernel refuses a new procfs in a user namespace.
    pub proc_overmounts: Vec<String>,
    pub ci: Option<Ci>,
}

/// The kind of system, as far as the fixes and fallbacks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The ChromeOS (or Chromium OS, FydeOS, openFyde) host itself, not the Linux VM.
    ChromeOsHost,
    /// The Linux development environment on ChromeOS.
    Crostini,
    Wsl1,
    Wsl2,
    Container,
    /// A chroot: the kernel refuses new user namespaces to a chrooted process.
    Chroot,
    /// FreeBSD's Linux emulation: Linux programs on a FreeBSD kernel, without namespaces.
    Linuxulator,
    /// hostcap running natively on another kernel (macOS, the BSDs): no Linux namespaces.
    NotLinux(Os),
    Linux,
}

impl Facts {
    pub fn kind(&self) -> Kind {
        let kernel = self.kernel_release.as_deref().unwrap_or("");
        if self.os != Os::Linux {
            Kind::NotLinux(self.os)
        } else if self.lsb_release.contains_key("CHROMEOS_RELEASE_NAME")
            || self.os_release.get("ID").is_some_and(|id| id == "chromeos")
        {
            Kind::ChromeOsHost
        } else if !self.linuxulator.is_empty() {
            Kind::Linuxulator
        } else if !self.crostini_markers.is_empty() {
            Kind::Crostini
        } else if kernel.contains("Microsoft") {
            Kind::Wsl1
        } else if kernel.contains("microsoft") || kernel.contains("WSL") || self.wsl.any() {
            Kind::Wsl2
        } else if self.container.is_some() {
            Kind::Container
        } else if !self.chroot.is_empty() {
            Kind::Chroot
        } else {
            Kind::Linux
        }
    }

    /// Whether this process has Linux namespaces at all (not WSL 1, not the linuxulator, not
    /// another kernel).
    pub fn has_namespaces(&self) -> bool {
        !matches!(
            self.kind(),
            Kind::Wsl1 | Kind::Linuxulator | Kind::NotLinux(_)
        )
    }

    /// A GitHub-hosted runner: its runner user has passwordless sudo.
    pub fn hosted_runner(&self) -> bool {
        self.ci.as_ref().is_some_and(|ci| ci.hosted)
    }

    /// The place in a few words for the report's first line: "WSL 2 (systemd)", "rootless
    /// Podman container", "chroot", "KVM virtual machine · traced by proot". `None` on a
    /// plain machine (and on the ChromeOS host, which the OS name already says).
    pub fn label(&self) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        match self.kind() {
            Kind::ChromeOsHost | Kind::Linux => {}
            Kind::Crostini => parts.push(match &self.cros_milestone {
                Some(m) => format!("Crostini (Linux on ChromeOS {m})"),
                None => "Crostini (Linux on ChromeOS)".into(),
            }),
            Kind::Wsl1 => parts.push("WSL 1".into()),
            Kind::Wsl2 => parts.push(if self.wsl.systemd_running {
                "WSL 2 (systemd)".into()
            } else {
                "WSL 2 (no systemd)".into()
            }),
            Kind::Container => {
                if let Some(container) = &self.container {
                    parts.push(container_label(container));
                }
            }
            Kind::Chroot => parts.push("chroot".into()),
            Kind::Linuxulator => parts.push("FreeBSD Linux emulation (linuxulator)".into()),
            Kind::NotLinux(os) => parts.push(format!(
                "no Linux namespaces ({} kernel)",
                self.uname
                    .as_ref()
                    .map_or(os.name(), |u| u.sysname.as_str())
            )),
        }
        if let Some(ci) = &self.ci {
            parts.push(if ci.hosted {
                format!("{} hosted runner", ci.name)
            } else {
                format!("{} self-hosted runner", ci.name)
            });
        }
        let in_vm_kind = matches!(self.kind(), Kind::Linux | Kind::Chroot | Kind::Container);
        if let (Some((name, _)), true) = (&self.vm, in_vm_kind) {
            parts.push(if name.is_empty() {
                "virtual machine".to_string()
            } else {
                format!("{name} virtual machine")
            });
        }
        if let Some((pid, comm)) = &self.tracer {
            parts.push(match comm {
                Some(comm) => format!("traced by {comm} (pid {pid})"),
                None => format!("traced by pid {pid}"),
            });
        }
        if self.user_namespace_map.is_some()
            && matches!(self.kind(), Kind::Linux | Kind::Chroot | Kind::Wsl2)
        {
            parts.push("inside a user namespace".into());
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// "FydeOS 20 (Chromium OS 132)", "Debian GNU/Linux 12 (bookworm)"…
    pub fn os_name(&self) -> String {
        let pretty = self
            .os_release
            .get("PRETTY_NAME")
            .or_else(|| self.os_release.get("NAME"))
            .cloned();
        let chromeos = self.lsb_release.get("CHROMEOS_RELEASE_NAME").map(|name| {
            match self.lsb_release.get("CHROMEOS_RELEASE_CHROME_MILESTONE") {
                Some(milestone) => format!("{name} {milestone}"),
                None => name.clone(),
            }
        });
        match (pretty, chromeos) {
            (Some(pretty), Some(cros)) if !pretty.contains(cros.as_str()) => {
                format!("{pretty} ({cros})")
            }
            (Some(pretty), _) => pretty,
            (None, Some(cros)) => cros,
            (None, None) => self.system_version_name().unwrap_or_else(|| match self.os {
                Os::OtherUnix => self
                    .uname
                    .as_ref()
                    .map_or_else(|| "Unix".into(), |u| u.sysname.clone()),
                os => os.name().into(),
            }),
        }
    }

    /// "macOS 15.1 (24B83)", as `sw_vers` reads it from SystemVersion.plist.
    fn system_version_name(&self) -> Option<String> {
        let name = self.system_version.get("ProductName")?;
        let mut shown = match self.system_version.get("ProductVersion") {
            Some(version) => format!("{name} {version}"),
            None => name.clone(),
        };
        if let Some(build) = self.system_version.get("ProductBuildVersion") {
            shown.push_str(&format!(" ({build})"));
        }
        Some(shown)
    }

    /// FydeOS and openFyde say so in os-release or in their update server address.
    pub fn is_fydeos(&self) -> bool {
        let mentions = |value: &String| value.to_ascii_lowercase().contains("fyde");
        self.os_release.values().any(mentions)
            || self
                .lsb_release
                .iter()
                .any(|(key, value)| key.starts_with("CHROMEOS_") && mentions(value))
    }
}

fn container_label(container: &Container) -> String {
    let rootless = if container.rootless == Some(true) {
        "rootless "
    } else {
        ""
    };
    match container.engine {
        Engine::Kubernetes => "Kubernetes pod".into(),
        Engine::Other => "container".into(),
        engine => format!("{rootless}{} container", engine.name()),
    }
}

/// Where macOS keeps its version (`sw_vers` reads it).
pub const SYSTEM_VERSION_PLIST: &str = "/System/Library/CoreServices/SystemVersion.plist";

/// `uid_map` is `/proc/self/uid_map` as the user-namespace probe read it.
pub fn gather(host: &dyn Host, uid_map: Option<&str>) -> Facts {
    let uname = host.uname().ok();
    let mut facts = Facts {
        os: uname
            .as_ref()
            .map_or(Os::Linux, |u| Os::from_sysname(&u.sysname)),
        uname,
        ..Facts::default()
    };
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Ok(Some(text)) = read_optional(host, path) {
            facts.os_release = parse_key_values(&text);
            facts.os_release_path = Some(path);
            break;
        }
    }
    if let Ok(Some(text)) = read_optional(host, "/etc/lsb-release") {
        facts.lsb_release = parse_key_values(&text);
    }
    let trimmed = |path: &str| {
        read_optional(host, path)
            .ok()
            .flatten()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let exists = |path: &str| host.metadata(Path::new(path)).is_ok();
    facts.kernel_release = trimmed("/proc/sys/kernel/osrelease");
    facts.arch = trimmed("/proc/sys/kernel/arch");
    if let (Some(uname), true) = (&facts.uname, facts.os != Os::Linux) {
        facts.kernel_release = Some(uname.release.clone());
        facts.arch = Some(uname.machine.clone());
        if let Ok(Some(text)) = read_optional(host, SYSTEM_VERSION_PLIST) {
            facts.system_version = plist_strings(&text);
        }
    }
    facts.hostname = trimmed("/proc/sys/kernel/hostname");
    facts.proc_version = trimmed("/proc/version");
    facts.crostini_markers = ["/dev/.cros_milestone", "/opt/google/cros-containers"]
        .into_iter()
        .filter(|p| exists(p))
        .collect();
    facts.cros_milestone = trimmed("/dev/.cros_milestone");
    let status = trimmed("/proc/self/status");
    let uid_map = uid_map.map(str::trim).filter(|map| !map.is_empty());
    facts.user_namespace_map = uid_map
        .filter(|map| crate::probe::userns::parse_id_map(map) != vec![(0, 0, 4_294_967_295)])
        .map(str::to_string);
    facts.cgroup = trimmed("/proc/self/cgroup");
    facts.linuxulator = linuxulator_signs(facts.proc_version.as_deref(), status.as_deref());
    facts.wsl = gather_wsl(host);
    facts.container = gather_container(host, &facts);
    facts.vm = gather_vm(host);
    facts.tracer = status
        .as_deref()
        .and_then(tracer_pid)
        .map(|pid| (pid, trimmed(&format!("/proc/{pid}/comm"))));
    let mountinfo = read_optional(host, "/proc/self/mountinfo").ok().flatten();
    facts.proc_overmounts = mountinfo
        .as_deref()
        .map(proc_overmounts)
        .unwrap_or_default();
    facts.chroot = chroot_signs(host, mountinfo.as_deref(), status.is_some(), &facts);
    if !facts.chroot.is_empty() {
        facts.chroot_missing = CHROOT_MOUNTS
            .iter()
            .filter(|(probe, _)| !exists(probe))
            .map(|(_, shown)| *shown)
            .collect();
    }
    facts.ci = gather_ci(host);
    facts
}

/// What a chroot needs mounted or copied from the host, by a path that exists only when it
/// is there, and the name shown.
const CHROOT_MOUNTS: [(&str, &str); 5] = [
    ("/proc/self", "/proc (procfs)"),
    ("/sys/kernel", "/sys (sysfs)"),
    ("/dev/pts/ptmx", "/dev/pts (devpts)"),
    ("/dev/shm", "/dev/shm"),
    ("/etc/resolv.conf", "/etc/resolv.conf"),
];

/// FreeBSD's linprocfs writes a fixed builder and date into `/proc/version`
/// (`linprocfs_osbuilder`: "des@freebsd.org"; `linprocfs_osbuild`: "#4 Sun Dec 18 04:30:00 CET
/// 1977"), and a `/proc/self/status` without the Linux-only lines (no NoNewPrivs, Seccomp or
/// CapBnd: `linprocfs_doprocstatus` stops after CapEff).
fn linuxulator_signs(proc_version: Option<&str>, status: Option<&str>) -> Vec<Sign> {
    let Some(version) = proc_version
        .filter(|v| v.contains("des@freebsd.org") || v.contains("#4 Sun Dec 18 04:30:00 CET 1977"))
    else {
        return Vec::new();
    };
    let mut signs = vec![Sign::new("/proc/version", version)];
    if let Some(status) = status {
        let has = |key: &str| status.lines().any(|l| l.starts_with(key));
        if has("CapEff:") && !has("NoNewPrivs:") && !has("Seccomp:") && !has("CapBnd:") {
            signs.push(Sign::new(
                "/proc/self/status",
                "no NoNewPrivs, Seccomp or CapBnd line (linprocfs stops after CapEff)",
            ));
        }
    }
    signs
}

fn gather_wsl(host: &dyn Host) -> Wsl {
    let exists = |path: &str| host.metadata(Path::new(path)).is_ok();
    let wsl_conf = read_optional(host, "/etc/wsl.conf").ok().flatten();
    Wsl {
        interop: [
            "/proc/sys/fs/binfmt_misc/WSLInterop",
            "/proc/sys/fs/binfmt_misc/WSLInterop-late",
        ]
        .into_iter()
        .find(|p| exists(p)),
        distro_name: host.env("WSL_DISTRO_NAME").filter(|v| !v.is_empty()),
        interop_socket: host.env("WSL_INTEROP").filter(|v| !v.is_empty()),
        systemd_running: host
            .metadata(Path::new("/run/systemd/system"))
            .is_ok_and(|m| m.kind == FileKind::Dir),
        wsl_conf_systemd: wsl_conf
            .as_deref()
            .and_then(|text| ini_value(text, "boot", "systemd")),
    }
}

/// A value from an INI file such as `/etc/wsl.conf` (`[boot]` / `systemd=true`).
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_ascii_lowercase();
        } else if current == section {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim().eq_ignore_ascii_case(key) {
                    return Some(v.trim().to_string());
                }
            }
        }
    }
    None
}

/// The `container=` value systemd-detect-virt reads: `/run/systemd/container` (written by
/// systemd inside a container) or this process's own environment. PID 1's environment
/// (/proc/1/environ, where LXC and nspawn also put it) is left alone: inside a container it
/// holds the application's variables, secrets included, and a support bundle records what
/// hostcap reads.
fn container_variable(host: &dyn Host) -> Option<Sign> {
    if let Ok(Some(text)) = read_optional(host, "/run/systemd/container") {
        let value = text.trim();
        if !value.is_empty() {
            return Some(Sign::new("/run/systemd/container", value));
        }
    }
    host.env("container")
        .filter(|v| !v.is_empty())
        .map(|v| Sign::new("environment", format!("container={v}")))
}

fn gather_container(host: &dyn Host, facts: &Facts) -> Option<Container> {
    let exists = |path: &str| host.metadata(Path::new(path)).is_ok();
    let mut signs = Vec::new();
    let mut engine = None;
    let mut rootless = None;
    let k8s_env = host
        .env("KUBERNETES_SERVICE_HOST")
        .filter(|v| !v.is_empty());
    if let Some(value) = &k8s_env {
        signs.push(Sign::new(
            "environment",
            format!("KUBERNETES_SERVICE_HOST={value}"),
        ));
    }
    let k8s_secrets = "/var/run/secrets/kubernetes.io/serviceaccount";
    if exists(k8s_secrets) {
        signs.push(Sign::new(k8s_secrets, "present"));
    }
    if !signs.is_empty() {
        engine = Some(Engine::Kubernetes);
    }
    if let Some(sign) = container_variable(host) {
        let value = sign.excerpt.trim_start_matches("container=").to_string();
        // /run/systemd/container holds the bare value.
        let named = match value.as_str() {
            "docker" => Some(Engine::Docker),
            "podman" => Some(Engine::Podman),
            "lxc" | "lxc-libvirt" => Some(Engine::Lxc),
            "systemd-nspawn" => Some(Engine::SystemdNspawn),
            _ => Some(Engine::Other),
        };
        engine = engine.or(named);
        signs.push(sign);
    }
    for path in ["/run/.containerenv", "/var/run/.containerenv"] {
        if let Ok(Some(text)) = read_optional(host, path) {
            engine = engine.or(Some(Engine::Podman));
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with("rootless="));
            if let Some(line) = line {
                rootless = Some(
                    line.trim()
                        .trim_start_matches("rootless=")
                        .trim_matches('"')
                        == "1",
                );
                signs.push(Sign::new(path, line.trim()));
            } else {
                signs.push(Sign::new(path, "present"));
            }
            break;
        }
    }
    if exists("/.dockerenv") {
        engine = engine.or(Some(Engine::Docker));
        signs.push(Sign::new("/.dockerenv", "present"));
    }
    if let Some(cgroup) = &facts.cgroup {
        let telling = cgroup.lines().find(|line| {
            [
                "/docker/",
                "/docker-",
                "kubepods",
                "/lxc.payload",
                "/lxc/",
                "libpod-",
                "/machine.slice/machine-",
            ]
            .iter()
            .any(|marker| line.contains(marker))
        });
        if let Some(line) = telling {
            if engine.is_none() {
                engine = Some(if line.contains("kubepods") {
                    Engine::Kubernetes
                } else if line.contains("docker") {
                    Engine::Docker
                } else if line.contains("lxc") {
                    Engine::Lxc
                } else if line.contains("libpod") {
                    Engine::Podman
                } else {
                    Engine::SystemdNspawn
                });
            }
            signs.push(Sign::new("/proc/self/cgroup", line));
        }
    }
    let engine = engine?;
    // Root of a rootless container is the user's own uid outside: the map does not start at 0.
    if rootless.is_none() && engine == Engine::Podman {
        rootless = facts.user_namespace_map.as_deref().map(|map| {
            crate::probe::userns::parse_id_map(map)
                .first()
                .is_some_and(|(inside, outside, _)| *inside == 0 && *outside != 0)
        });
    }
    Some(Container {
        engine,
        rootless,
        signs,
    })
}

/// DMI strings and the CPU's `hypervisor` flag, as systemd's `detect_vm()` reads them (it
/// also asks CPUID, which needs no file; the `hypervisor` flag in /proc/cpuinfo is that
/// CPUID bit).
fn gather_vm(host: &dyn Host) -> Option<(String, Vec<Sign>)> {
    let dmi = |name: &str| {
        let path = format!("/sys/class/dmi/id/{name}");
        read_optional(host, &path)
            .ok()
            .flatten()
            .map(|v| (path, v.trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
    };
    let product = dmi("product_name");
    let vendor = dmi("sys_vendor");
    let named = |value: &str| -> Option<&'static str> {
        // systemd's dmi_vendor_table (src/basic/virt.c), by prefix.
        const TABLE: [(&str, &str); 12] = [
            ("KVM", "KVM"),
            ("Amazon EC2", "Amazon EC2"),
            ("QEMU", "QEMU"),
            ("VMware", "VMware"),
            ("VMW", "VMware"),
            ("innotek GmbH", "VirtualBox"),
            ("VirtualBox", "VirtualBox"),
            ("Oracle Corporation", "VirtualBox"),
            ("Xen", "Xen"),
            ("Bochs", "Bochs"),
            ("Parallels", "Parallels"),
            ("BHYVE", "bhyve"),
        ];
        TABLE
            .iter()
            .find(|(prefix, _)| value.starts_with(prefix))
            .map(|(_, name)| *name)
    };
    let mut signs = Vec::new();
    let mut name: Option<String> = None;
    for (path, value) in [&product, &vendor].into_iter().flatten() {
        if let Some(found) = named(value) {
            signs.push(Sign::new(path.clone(), value.clone()));
            name = Some(found.to_string());
            break;
        }
    }
    if name.is_none() {
        // Hyper-V (and Azure) and Google Compute Engine name themselves in DMI, but systemd
        // knows them by CPUID; "Microsoft Corporation" alone is also a Surface laptop.
        match (&vendor, &product) {
            (Some((vp, v)), Some((pp, p)))
                if v == "Microsoft Corporation" && p == "Virtual Machine" =>
            {
                signs.push(Sign::new(vp.clone(), v.clone()));
                signs.push(Sign::new(pp.clone(), p.clone()));
                name = Some("Microsoft Hyper-V".into());
            }
            (Some((vp, v)), Some((pp, p))) if v == "Google" && p == "Google Compute Engine" => {
                signs.push(Sign::new(vp.clone(), v.clone()));
                signs.push(Sign::new(pp.clone(), p.clone()));
                name = Some("Google Compute Engine".into());
            }
            _ => {}
        }
    }
    let flagged = host
        .read_string(Path::new("/proc/cpuinfo"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"))
                .map(|_| ())
        })
        .is_some();
    if flagged {
        signs.push(Sign::new("/proc/cpuinfo", "flags: … hypervisor …"));
        name = name.or(Some(String::new()));
    }
    name.map(|n| (n, signs))
}

fn tracer_pid(status: &str) -> Option<i32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("TracerPid:"))
        .and_then(|v| v.trim().parse().ok())
        .filter(|pid| *pid != 0)
}

/// A chrooted process's mountinfo lists only the mounts under its root (the kernel skips the
/// others: "mountpoints outside of chroot jail will give SEQ_SKIP", fs/proc_namespace.c), so
/// unless the chroot directory is itself a mount point no line has mount point `/`. When it is
/// one (crouton bind-mounts the chroot onto itself), PID 1 of the same mount namespace still
/// sees that mount somewhere else: /proc/1/mountinfo is world-readable and shows mounts
/// relative to PID 1's root, so the mount that is `/` here is listed there at its real place
/// (systemd compares the roots' inodes instead, which needs ptrace access to PID 1). A system
/// without any procfs at /proc but with an os-release is a chroot nobody mounted /proc in.
fn chroot_signs(
    host: &dyn Host,
    mountinfo: Option<&str>,
    has_status: bool,
    facts: &Facts,
) -> Vec<Sign> {
    if !facts.linuxulator.is_empty() || facts.os != Os::Linux {
        return Vec::new();
    }
    let Some(text) = mountinfo else {
        return if !has_status && facts.os_release_path.is_some() {
            vec![Sign::new(
                "/proc/self/status",
                "absent: no procfs is mounted at /proc",
            )]
        } else {
            Vec::new()
        };
    };
    // (mount id, mount point) of each line.
    let mounts = |text: &str| -> Vec<(String, String)> {
        text.lines()
            .filter_map(|line| {
                let mut fields = line.split(' ');
                let id = fields.next()?.to_string();
                let point = fields.nth(3)?.to_string();
                Some((id, point))
            })
            .collect()
    };
    let own = mounts(text);
    if own.is_empty() {
        return Vec::new();
    }
    let Some((root_id, _)) = own.iter().find(|(_, point)| point == "/") else {
        return vec![Sign::new(
            "/proc/self/mountinfo",
            format!(
                "no mount at / ({} mounts, the first at {}): the root of this process is not a mount's root",
                own.len(),
                own[0].1
            ),
        )];
    };
    let Ok(Some(init)) = read_optional(host, "/proc/1/mountinfo") else {
        return Vec::new();
    };
    match mounts(&init).iter().find(|(id, _)| id == root_id) {
        Some((_, point)) if point != "/" => vec![Sign::new(
            "/proc/1/mountinfo",
            format!("mount {root_id}, which is / for this process, is {point} for PID 1"),
        )],
        _ => Vec::new(),
    }
}

/// The kernel lets a user namespace mount a new procfs only if some procfs already mounted in
/// its mount namespace is fully visible: nothing mounted over any part of it except on empty
/// directories such as /proc/sys/fs/binfmt_misc (mount_too_revealing() and
/// mnt_already_visible(), fs/namespace.c). Docker masks /proc/kcore, /proc/keys… and mounts
/// /proc/sys read-only over itself; lxcfs mounts over /proc/cpuinfo, /proc/meminfo…; LXC with
/// nesting adds a clean procfs at /dev/.lxc/proc that keeps new mounts allowed. Returns the
/// overmounts of /proc when no procfs is clean, empty otherwise.
fn proc_overmounts(mountinfo: &str) -> Vec<String> {
    // (mount point, file system type, root of the mount within it)
    let mounts: Vec<(&str, &str, &str)> = mountinfo
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let dash = fields.iter().position(|f| *f == "-")?;
            Some((*fields.get(4)?, *fields.get(dash + 1)?, *fields.get(3)?))
        })
        .collect();
    let over = |point: &str| -> Vec<String> {
        let prefix = format!("{}/", point.trim_end_matches('/'));
        mounts
            .iter()
            .filter(|(p, _, _)| p.starts_with(&prefix))
            .filter(|(p, _, _)| !p[prefix.len()..].starts_with("sys/fs/binfmt_misc"))
            .map(|(p, _, _)| p.to_string())
            .collect()
    };
    // Only a whole procfs counts (the kernel skips bind mounts of parts of one, such as
    // Docker's read-only /proc/sys).
    let procs: Vec<&str> = mounts
        .iter()
        .filter(|(_, fs, root)| *fs == "proc" && *root == "/")
        .map(|(p, _, _)| *p)
        .collect();
    if procs.is_empty() || procs.iter().any(|p| over(p).is_empty()) {
        return Vec::new();
    }
    let mut shown = over(procs[0]);
    shown.dedup();
    shown
}

fn gather_ci(host: &dyn Host) -> Option<Ci> {
    if host.env("GITHUB_ACTIONS").as_deref() != Some("true") {
        return None;
    }
    let environment = host.env("RUNNER_ENVIRONMENT");
    let mut signs = vec![Sign::new("environment", "GITHUB_ACTIONS=true")];
    if let Some(value) = &environment {
        signs.push(Sign::new(
            "environment",
            format!("RUNNER_ENVIRONMENT={value}"),
        ));
    }
    Some(Ci {
        name: "GitHub Actions",
        hosted: environment.as_deref() == Some("github-hosted"),
        signs,
    })
}

/// The `<key>K</key> <string>V</string>` pairs of an XML property list such as
/// SystemVersion.plist; other value types are skipped.
pub fn plist_strings(text: &str) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    let mut rest = text;
    while let Some(start) = rest.find("<key>") {
        rest = &rest[start + "<key>".len()..];
        let Some(end) = rest.find("</key>") else {
            break;
        };
        let key = rest[..end].trim().to_string();
        rest = &rest[end + "</key>".len()..];
        let after = rest.trim_start();
        if let Some(value) = after.strip_prefix("<string>") {
            if let Some(close) = value.find("</string>") {
                values.insert(key, value[..close].trim().to_string());
            }
        }
    }
    values
}

/// Parses os-release(5)/lsb-release style `KEY=value` lines, with shell-style quotes.
pub fn parse_key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .filter(|(key, _)| {
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(|(key, value)| (key.to_string(), unquote(value.trim())))
        .collect()
}

fn unquote(value: &str) -> String {
    let inner = match value.as_bytes() {
        [b'"', .., b'"'] | [b'\'', .., b'\''] if value.len() >= 2 => &value[1..value.len() - 1],
        _ => value,
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub const CHROMEOS_HOST: FindingDoc = FindingDoc {
    id: "platform.chromeos_host",
    summary: "this is the ChromeOS (or FydeOS/openFyde) host system, not its Linux VM",
    explanation: "The ChromeOS host is locked down by design: SafeSetID forbids uid 1000 \
(chronos) the uid mappings rootless containers need, the chromiumos LSM refuses unprivileged \
mounts without noexec,nosuid,nodev, the crosh shell runs with no_new_privs, and the home and \
stateful partitions are noexec. The supported way to run Linux containers is the Linux \
development environment (Crostini), a VM the system manages; podman works inside it.",
    references: &[
        "https://docs.kernel.org/admin-guide/LSM/SafeSetID.html",
        "https://chromeos.dev/en/linux",
        "Kron4ek/Conty#10",
    ],
};

pub const CROSTINI: FindingDoc = FindingDoc {
    id: "platform.crostini",
    summary: "this is the Linux development environment on ChromeOS (Crostini)",
    explanation: "Crostini runs Debian in an LXD container (penguin) inside the termina VM. \
Rootless podman works there once the container allows nesting (`lxc config set penguin \
security.nesting true` from `vsh termina`) and, with crun, `keyring = false` in \
containers.conf, because the container filters keyctl().",
    references: &["containers/crun#678", "containers/podman#11037"],
};

pub const IN_CONTAINER: FindingDoc = FindingDoc {
    id: "platform.in_container",
    summary: "this system runs inside a container",
    explanation: "Inside a container, the outer engine decides what works: its seccomp profile \
may refuse new user namespaces or mounts (Docker's default profile allows unshare(CLONE_NEWUSER) \
and mount() only with CAP_SYS_ADMIN), /proc may be masked (\"mount too revealing\"), devices \
such as /dev/kvm, /dev/net/tun and /dev/fuse are absent unless passed in, and the subordinate \
ranges must lie inside the container's own uid_map. The fixes are options of the outer \
container, chosen by whoever starts it, or running the work on the host instead. The engine \
is named by the files only it creates (/.dockerenv, /run/.containerenv), the container= \
variable, Kubernetes' service variables and the cgroup path, as systemd-detect-virt reads them.",
    references: &[
        "https://docs.docker.com/engine/security/seccomp/",
        "containers/podman#20453",
        "podman-run(1) /run/.containerenv",
        "systemd/systemd src/basic/virt.c detect_container()",
    ],
};

pub const WSL1: FindingDoc = FindingDoc {
    id: "platform.wsl1",
    summary: "this is WSL 1, which has no Linux namespaces",
    explanation: "WSL 1 translates Linux system calls and has no user namespaces, so no \
rootless container can run. WSL 2 runs a real Linux kernel: `wsl --set-version <distro> 2`.",
    references: &["https://learn.microsoft.com/windows/wsl/compare-versions"],
};

pub const WSL2: FindingDoc = FindingDoc {
    id: "platform.wsl2",
    summary: "this is WSL 2: a real Linux kernel in a VM Windows manages",
    explanation: "WSL 2 runs Microsoft's Linux kernel (release ending in \
-microsoft-standard-WSL2) in a light VM, so user namespaces and rootless containers work as on \
any Linux. systemd runs only when /etc/wsl.conf says `[boot] systemd=true` (the default for \
new Ubuntu installs); without it there is no user session, no systemd cgroup manager and no \
journal, and podman needs cgroup_manager = \"cgroupfs\" and events_logger = \"file\". \
/dev/kvm exists only with nested virtualization (`nestedVirtualization=true` under [wsl2] in \
%UserProfile%\\.wslconfig, Windows 11).",
    references: &[
        "https://learn.microsoft.com/windows/wsl/wsl-config",
        "https://learn.microsoft.com/windows/wsl/systemd",
    ],
};

pub const CHROOT: FindingDoc = FindingDoc {
    id: "platform.chroot",
    summary: "this process runs in a chroot",
    explanation: "The kernel refuses a new user namespace to a process whose root is not its \
mount namespace's root (create_user_ns() returns EPERM when current_chrooted(), \
kernel/user_namespace.c): bwrap, rootless podman and Nix's sandbox fail inside a chroot even \
when the host allows them (containers/bubblewrap#689, NixOS/nixpkgs#53576). hostcap sees a \
chroot in /proc/self/mountinfo: the kernel lists only the mounts under the process's root, so \
none is at / unless the chroot directory is itself a mount point. Chroots also often lack \
what the host mounts (/proc, /sys, /dev/pts, /dev/shm, /etc/resolv.conf).",
    references: &[
        "containers/bubblewrap#689",
        "NixOS/nixpkgs#53576",
        "systemd-detect-virt(1) --chroot",
    ],
};

pub const LINUXULATOR: FindingDoc = FindingDoc {
    id: "platform.freebsd_linuxulator",
    summary: "this is FreeBSD's Linux emulation (the linuxulator), not a Linux kernel",
    explanation: "Linux programs here run on a FreeBSD kernel that translates their system \
calls. It has no Linux namespaces (unshare() is not implemented: ENOSYS), no cgroups and no \
seccomp, so no rootless container, bwrap or Nix sandbox can run. linprocfs gives it away: \
/proc/version names the builder des@freebsd.org and a build date of 1977, and \
/proc/self/status has no NoNewPrivs, Seccomp or CapBnd line. Isolation on FreeBSD is a jail \
(jail(8)) or a bhyve VM, both set up by the host's root.",
    references: &[
        "freebsd/freebsd-src sys/compat/linprocfs/linprocfs.c",
        "freebsd/freebsd-src sys/compat/linux/linux_dummy.c (unshare)",
        "https://docs.freebsd.org/en/books/handbook/linuxemu/",
    ],
};

pub const NOT_LINUX: FindingDoc = FindingDoc {
    id: "platform.not_linux",
    summary: "this is macOS or a BSD, not Linux: there are no Linux namespaces",
    explanation: "Rootless podman and Docker, bubblewrap, Guix and Nix's Linux sandbox are all \
built on Linux namespaces, which only a Linux kernel has; proot rewrites Linux system calls. On \
macOS (the Darwin kernel) and the BSDs, Linux containers run in a Linux VM: on macOS through \
Apple's Hypervisor.framework (podman machine, which uses it through vfkit; Lima; UTM), on \
FreeBSD in bhyve. Without Linux, the native isolation is a chroot as root (on macOS the \
darwin-jail way: a root holding a Darwin userland, dyld and its shared cache) or, on FreeBSD, \
a jail (jail(8)). Nix builds on macOS without a Linux sandbox: `sandbox = false` is its \
default there. hostcap names the kernel from uname(2) and the release from \
/System/Library/CoreServices/SystemVersion.plist (macOS) or /etc/os-release (FreeBSD).",
    references: &[
        "https://docs.podman.io/en/latest/markdown/podman-machine-init.1.html",
        "https://lima-vm.io/docs/",
        "https://docs.getutm.app/scripting/scripting/",
        "https://developer.apple.com/documentation/hypervisor",
        "https://docs.freebsd.org/en/books/handbook/jails/",
        "https://docs.freebsd.org/en/books/handbook/virtualization/",
        "chroot(8) on macOS",
    ],
};

pub const TRACED: FindingDoc = FindingDoc {
    id: "platform.traced",
    summary: "this process is traced (TracerPid is not 0): proot, strace or a debugger",
    explanation: "A traced process gains nothing from setuid bits or file capabilities: the \
kernel runs a setuid program without its privilege when the tracer may not ptrace the result \
(LSM_UNSAFE_PTRACE, security/commoncap.c), so newuidmap and newgidmap cannot map ids and sudo \
refuses. Under proot every path is translated and `-0` only pretends root. A second proot \
cannot start either: a traced process cannot be traced again (PTRACE_TRACEME fails with EPERM).",
    references: &["ptrace(2)", "termux/proot#59"],
};

pub const VIRTUAL_MACHINE: FindingDoc = FindingDoc {
    id: "platform.virtual_machine",
    summary: "this system is a virtual machine",
    explanation: "The firmware's DMI strings (/sys/class/dmi/id) name the hypervisor, and the \
CPU reports the `hypervisor` flag, as systemd-detect-virt reads them. A VM started here is \
nested: /dev/kvm exists only when the outer hypervisor exposes virtualization to this guest.",
    references: &["systemd/systemd src/basic/virt.c detect_vm()"],
};

pub const PROC_OVERMOUNTED: FindingDoc = FindingDoc {
    id: "platform.proc_overmounted",
    summary: "parts of /proc are mounted over: a container here cannot mount its own /proc",
    explanation: "A process in a user namespace may mount a new procfs only when a procfs \
already visible in its mount namespace has nothing mounted over it (the kernel's \
mount_too_revealing() check, fs/namespace.c). Container engines mask parts of /proc \
(Docker and podman bind /dev/null over /proc/kcore, /proc/keys, /proc/timer_list and mount \
/proc/sys, /proc/bus… read-only; lxcfs mounts over /proc/cpuinfo, /proc/meminfo…), so the \
/proc mount of a nested container fails: crun \"mount `proc` to `proc`: Operation not \
permitted\", bwrap \"Can't mount proc on /newroot/proc\", and Nix's sandbox check fails. The \
outer engine must leave /proc unmasked (docker --security-opt systempaths=unconfined, podman \
--security-opt unmask=/proc/*, LXD security.nesting true).",
    references: &[
        "containers/podman#20453",
        "containers/bubblewrap#284",
        "systemd/systemd#34226",
    ],
};

pub const CI_RUNNER: FindingDoc = FindingDoc {
    id: "platform.ci_runner",
    summary: "this is a CI runner",
    explanation: "GitHub Actions sets GITHUB_ACTIONS=true and RUNNER_ENVIRONMENT \
(github-hosted or self-hosted) in every job. GitHub-hosted Linux runners are fresh VMs whose \
runner user has passwordless sudo (\"About GitHub-hosted runners\"), which hostcap cannot see \
in the root-only sudoers files.",
    references: &[
        "https://docs.github.com/actions/using-github-hosted-runners/about-github-hosted-runners",
        "https://docs.github.com/actions/learn-github-actions/variables",
    ],
};

pub const DOCS: &[&FindingDoc] = &[
    &CHROMEOS_HOST,
    &CROSTINI,
    &IN_CONTAINER,
    &WSL1,
    &WSL2,
    &CHROOT,
    &LINUXULATOR,
    &NOT_LINUX,
    &TRACED,
    &VIRTUAL_MACHINE,
    &PROC_OVERMOUNTED,
    &CI_RUNNER,
];

/// Whether the user-namespace experiment failed before the overlay step (the namespace itself).
/// How the user-namespace experiment failed, when the place (container, chroot, Crostini) may be
/// the reason. ENOSPC never is: it is the `user.max_user_namespaces` limit, which
/// `userns.max_user_namespaces_zero` names and no option of the container changes.
fn userns_failed(userns: &Outcome<UsernsOutcome>) -> Option<(UsernsStep, String)> {
    let outcome = userns.ran()?;
    let step = outcome.namespace_failure()?;
    if matches!(&outcome.errno, Some(StepFailure::Errno(name)) if name == "ENOSPC") {
        return None;
    }
    let errno = outcome
        .errno
        .as_ref()
        .map_or_else(|| "an error".to_string(), ToString::to_string);
    Some((step, errno))
}

/// The options that let rootless containers and sandboxes work inside `engine`'s container,
/// for whoever starts it.
pub fn outer_container_fixes(engine: Engine) -> Vec<Step> {
    match engine {
        Engine::Docker => vec![
            Step::command(
                "docker run --security-opt seccomp=unconfined --security-opt systempaths=unconfined --device /dev/fuse --device /dev/net/tun IMAGE …   # on the host: user namespaces, mounts, /proc unmasked",
            ),
            Step::command(
                "docker run --privileged IMAGE …   # or everything at once, with the least isolation",
            ),
        ],
        Engine::Podman => vec![
            Step::command(
                "podman run --security-opt seccomp=unconfined --security-opt unmask=/proc/* --device /dev/fuse --device /dev/net/tun IMAGE …   # on the host",
            ),
            Step::command(
                "podman run --privileged IMAGE …   # or everything at once, with the least isolation",
            ),
        ],
        Engine::Lxc => vec![Step::command(
            "lxc config set CONTAINER security.nesting true && lxc restart CONTAINER   # on the LXD/Incus host",
        )],
        Engine::Kubernetes => vec![Step::prose(
            "in the pod's container spec, by the cluster's admin: securityContext: { privileged: true } (or seccompProfile: { type: Unconfined } with procMount: Unmasked)",
        )],
        Engine::SystemdNspawn | Engine::Other => vec![Step::prose(
            "start the container without a seccomp filter on unshare/mount and with /proc unmasked (the engine's options for nested containers)",
        )],
    }
}

pub fn judge(facts: &Facts, userns: &Outcome<UsernsOutcome>) -> Vec<Finding> {
    let release_evidence = |finding: Finding| {
        let keys = [
            "CHROMEOS_RELEASE_NAME",
            "CHROMEOS_RELEASE_CHROME_MILESTONE",
            "CHROMEOS_AUSERVER",
        ];
        keys.iter()
            .fold(finding, |finding, key| match facts.lsb_release.get(*key) {
                Some(value) => finding.evidence("/etc/lsb-release", format!("{key}={value}")),
                None => finding,
            })
    };
    let failed = userns_failed(userns);
    let kernel_evidence = || {
        Evidence::new(
            "/proc/sys/kernel/osrelease",
            facts.kernel_release.clone().unwrap_or_default(),
        )
    };
    let mut findings = match facts.kind() {
        Kind::ChromeOsHost => {
            let name = if facts.is_fydeos() { "FydeOS" } else { "ChromeOS" };
            vec![release_evidence(Finding::new(
                &CHROMEOS_HOST,
                Status::Info,
                format!("this is the {name} host system, not its Linux VM"),
            ))]
        }
        Kind::Crostini => vec![crostini(facts, failed.as_ref())],
        Kind::Wsl1 => vec![
            Finding::new(&WSL1, Status::Fail, "this is WSL 1: no user namespaces")
                .with_evidence([kernel_evidence()])
                .with_evidence(wsl_evidence(&facts.wsl))
                .without_root_prose(format!(
                    "convert the distribution to WSL 2 from Windows: wsl.exe --set-version {} 2",
                    facts.wsl.distro_name.as_deref().unwrap_or("<distro>   # wsl.exe -l -v lists the names")
                )),
        ],
        Kind::Wsl2 => vec![wsl2(facts, kernel_evidence())],
        Kind::Container => facts
            .container
            .as_ref()
            .map(|c| vec![container(c, failed.as_ref())])
            .unwrap_or_default(),
        Kind::Chroot => vec![chroot(facts, failed.as_ref())],
        Kind::Linuxulator => vec![
            Finding::new(
                &LINUXULATOR,
                Status::Fail,
                "this is FreeBSD's Linux emulation: no namespaces, no cgroups, no seccomp",
            )
            .with_evidence(facts.linuxulator.iter().map(Sign::evidence))
            .with_evidence([kernel_evidence()])
            .with_root_prose("on the FreeBSD host, as root: give the work a bhyve VM running Linux (containers then run there), or a native FreeBSD jail (jail(8)) instead of a container"),
        ],
        Kind::NotLinux(os) => vec![not_linux(facts, os)],
        Kind::Linux => Vec::new(),
    };
    if let (Some((name, signs)), false) = (&facts.vm, facts.kind() == Kind::Crostini) {
        let title = if name.is_empty() {
            "this system is a virtual machine".to_string()
        } else {
            format!("this system is a {name} virtual machine")
        };
        findings.push(
            Finding::new(&VIRTUAL_MACHINE, Status::Info, title)
                .with_evidence(signs.iter().map(Sign::evidence)),
        );
    }
    if let Some((pid, comm)) = &facts.tracer {
        let who = comm.clone().unwrap_or_else(|| "another process".into());
        let mut finding = Finding::new(
            &TRACED,
            Status::Warn,
            format!(
                "this process is traced by {who} (pid {pid}): setuid helpers gain no privilege here"
            ),
        )
        .evidence("/proc/self/status", format!("TracerPid:\t{pid}"));
        if let Some(comm) = comm {
            finding = finding.evidence(format!("/proc/{pid}/comm"), comm.clone());
        }
        findings.push(finding.without_root_prose(format!(
            "run the check and the tools outside {who}, in the system it runs on"
        )));
    }
    if !facts.proc_overmounts.is_empty() {
        let shown: Vec<&str> = facts
            .proc_overmounts
            .iter()
            .take(6)
            .map(String::as_str)
            .collect();
        let more = facts.proc_overmounts.len().saturating_sub(shown.len());
        let mut finding = Finding::new(
            &PROC_OVERMOUNTED,
            Status::Fail,
            "parts of /proc are mounted over: containers started here cannot mount their own /proc",
        )
        .evidence(
            "/proc/self/mountinfo",
            if more > 0 {
                format!("mounted over: {} and {more} more", shown.join(", "))
            } else {
                format!("mounted over: {}", shown.join(", "))
            },
        );
        match facts.container.as_ref().map(|c| c.engine) {
            Some(Engine::Docker) => {
                finding = finding.with_root("docker run --security-opt systempaths=unconfined …   # on the host: leaves /proc unmasked")
            }
            Some(Engine::Podman) => {
                finding = finding.with_root("podman run --security-opt unmask=/proc/* …   # on the host")
            }
            Some(Engine::Lxc) => {
                finding = finding.with_root("lxc config set CONTAINER security.nesting true && lxc restart CONTAINER   # on the LXD host: adds a clean procfs")
            }
            Some(Engine::Kubernetes) => {
                finding = finding.with_root_prose("in the pod spec, by the cluster's admin (needs hostUsers: false): securityContext: { procMount: Unmasked }")
            }
            _ => {}
        }
        findings.push(finding);
    }
    if let Some(ci) = &facts.ci {
        let title = if ci.hosted {
            format!(
                "this is a {} hosted runner: the runner user has passwordless sudo",
                ci.name
            )
        } else {
            format!("this is a {} self-hosted runner", ci.name)
        };
        findings.push(
            Finding::new(&CI_RUNNER, Status::Info, title)
                .with_evidence(ci.signs.iter().map(Sign::evidence)),
        );
    }
    findings
}

fn not_linux(facts: &Facts, os: Os) -> Finding {
    let name = os.name();
    let title = match os {
        Os::FreeBsd => "this is FreeBSD, not Linux: no Linux namespaces; Linux containers need a bhyve VM, FreeBSD's own isolation is a jail".to_string(),
        _ => format!("this is {name}, not Linux: no Linux namespaces, so Linux containers run only in a Linux VM"),
    };
    let uname = facts.uname.as_ref().map(|u| {
        Evidence::new(
            "uname(2)",
            format!("{} {} {}", u.sysname, u.release, u.machine),
        )
    });
    let version = (!facts.system_version.is_empty()).then(|| {
        let shown: Vec<String> = ["ProductName", "ProductVersion", "ProductBuildVersion"]
            .iter()
            .filter_map(|key| Some(format!("{key} {}", facts.system_version.get(*key)?)))
            .collect();
        Evidence::new(SYSTEM_VERSION_PLIST, shown.join(", "))
    });
    let os_release = facts
        .os_release_path
        .zip(facts.os_release.get("PRETTY_NAME"))
        .map(|(path, pretty)| Evidence::new(path, format!("PRETTY_NAME=\"{pretty}\"")));
    let finding = Finding::new(&NOT_LINUX, Status::Fail, title)
        .with_evidence(uname)
        .with_evidence(version)
        .with_evidence(os_release);
    match os {
        Os::MacOs => finding.without_root_prose(
            "run Linux containers in a Linux VM through Hypervisor.framework: podman machine, Lima or UTM (ranked under What to do instead)",
        ),
        Os::FreeBsd => finding.with_root_prose(
            "as root: a bhyve VM running Linux for Linux containers, or a jail (jail(8)) for FreeBSD programs (ranked under What to do instead)",
        ),
        _ => finding.without_root_prose("run Linux containers in a Linux VM"),
    }
}

fn wsl_evidence(wsl: &Wsl) -> Vec<Evidence> {
    let mut evidence = Vec::new();
    if let Some(path) = wsl.interop {
        evidence.push(Evidence::new(path, "present"));
    }
    if let Some(name) = &wsl.distro_name {
        evidence.push(Evidence::new(
            "environment",
            format!("WSL_DISTRO_NAME={name}"),
        ));
    }
    if let Some(socket) = &wsl.interop_socket {
        evidence.push(Evidence::new(
            "environment",
            format!("WSL_INTEROP={socket}"),
        ));
    }
    evidence
}

fn wsl2(facts: &Facts, kernel: Evidence) -> Finding {
    let wsl = &facts.wsl;
    let conf = match &wsl.wsl_conf_systemd {
        Some(value) => Evidence::new("/etc/wsl.conf", format!("[boot] systemd={value}")),
        None => Evidence::new("/etc/wsl.conf", "no systemd= in [boot]"),
    };
    let cgroup = facts
        .cgroup
        .as_deref()
        .map(|text| Evidence::new("/proc/self/cgroup", cgroup_layout(text)));
    if wsl.systemd_running {
        return Finding::new(&WSL2, Status::Info, "this is WSL 2 with systemd")
            .with_evidence([kernel])
            .with_evidence(wsl_evidence(wsl))
            .evidence("/run/systemd/system", "present: systemd is PID 1")
            .with_evidence([conf])
            .with_evidence(cgroup);
    }
    Finding::new(
        &WSL2,
        Status::Warn,
        "this is WSL 2 without systemd: no user session, no systemd cgroup manager",
    )
    .with_evidence([kernel])
    .with_evidence(wsl_evidence(wsl))
    .evidence("/run/systemd/system", "absent: systemd is not PID 1")
    .with_evidence([conf])
    .with_evidence(cgroup)
    .with_root("printf '[boot]\\nsystemd=true\\n' >> /etc/wsl.conf")
    .with_root_prose("then, from Windows: wsl.exe --shutdown, and open the distribution again")
    .without_root("printf '[engine]\\ncgroup_manager = \"cgroupfs\"\\nevents_logger = \"file\"\\n' >> ~/.config/containers/containers.conf")
}

/// "cgroup v2 (0::/…)" or "cgroup v1 or hybrid (N hierarchies)".
fn cgroup_layout(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    match lines.as_slice() {
        [only] if only.starts_with("0::") => format!("cgroup v2 only: {only}"),
        _ => format!(
            "cgroup v1 or hybrid: {} hierarchies ({})",
            lines.len(),
            lines.first().copied().unwrap_or("")
        ),
    }
}

fn crostini(facts: &Facts, failed: Option<&(UsernsStep, String)>) -> Finding {
    let evidence = facts
        .crostini_markers
        .iter()
        .map(|m| match (*m, &facts.cros_milestone) {
            ("/dev/.cros_milestone", Some(milestone)) => Evidence::new(*m, milestone.clone()),
            _ => Evidence::new(*m, "present"),
        });
    let finding = Finding::new(
        &CROSTINI,
        Status::Info,
        "this is the Linux development environment on ChromeOS",
    )
    .with_evidence(evidence)
    .with_evidence(
        facts
            .user_namespace_map
            .as_deref()
            .map(|map| Evidence::new("/proc/self/uid_map", map.to_string())),
    )
    .without_root("mkdir -p ~/.config/containers && printf '[containers]\\nkeyring = false\\n' >> ~/.config/containers/containers.conf    # with crun, if podman says \"create keyring … Operation not permitted\"");
    match failed {
        Some((step, errno)) => Finding {
            status: Status::Fail,
            title: format!(
                "this is Crostini, and its container refuses user namespaces ({} failed with {errno})",
                step.describe()
            ),
            ..finding
        }
        .with_root_prose("in crosh (Ctrl+Alt+T on ChromeOS): vsh termina, then lxc config set penguin security.nesting true && lxc restart penguin"),
        None => finding,
    }
}

fn container(container: &Container, failed: Option<&(UsernsStep, String)>) -> Finding {
    let label = container_label(container);
    let evidence = container.signs.iter().map(Sign::evidence);
    match failed {
        None => Finding::new(
            &IN_CONTAINER,
            Status::Info,
            format!("this system runs inside a {label}"),
        )
        .with_evidence(evidence),
        Some((step, errno)) => {
            let mut finding = Finding::new(
                &IN_CONTAINER,
                Status::Fail,
                format!(
                    "this system runs inside a {label} that refuses user namespaces ({} failed with {errno})",
                    step.describe()
                ),
            )
            .with_evidence(evidence)
            .without_root_prose("run the work on the host instead of inside this container");
            finding
                .fix
                .with_root
                .extend(outer_container_fixes(container.engine));
            finding
        }
    }
}

fn chroot(facts: &Facts, failed: Option<&(UsernsStep, String)>) -> Finding {
    let mut finding = Finding::new(
        &CHROOT,
        Status::Warn,
        "this process runs in a chroot: the kernel refuses it new user namespaces",
    )
    .with_evidence(facts.chroot.iter().map(Sign::evidence));
    if let Some((step, errno)) = failed {
        finding.status = Status::Fail;
        finding.title = format!(
            "this process runs in a chroot: {} failed with {errno}, as the kernel does for chrooted processes",
            step.describe()
        );
    }
    if !facts.chroot_missing.is_empty() {
        finding = finding.evidence(
            "chroot",
            format!("not mounted or absent: {}", facts.chroot_missing.join(", ")),
        );
    }
    finding = finding.without_root_prose(
        "run the tools outside the chroot, on the system that holds it (crouton: on the ChromeOS host, or better in Crostini)",
    );
    let mounts: Vec<&str> = facts
        .chroot_missing
        .iter()
        .filter_map(|m| match *m {
            "/proc (procfs)" => Some("mount -t proc proc /proc"),
            "/sys (sysfs)" => Some("mount -t sysfs sysfs /sys"),
            "/dev/pts (devpts)" => Some("mount -t devpts devpts /dev/pts"),
            "/dev/shm" => Some("mount -t tmpfs shm /dev/shm"),
            _ => None,
        })
        .collect();
    if !mounts.is_empty() {
        finding = finding.with_root(format!(
            "{}    # inside the chroot, as root",
            mounts.join(" && ")
        ));
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_values_are_unquoted() {
        let parsed = parse_key_values(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n# comment\nNAME='Fyde OS'\nBAD LINE\nX=\"a \\\"b\\\"\"\n",
        );
        assert_eq!(parsed["PRETTY_NAME"], "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(parsed["ID"], "debian");
        assert_eq!(parsed["NAME"], "Fyde OS");
        assert_eq!(parsed["X"], "a \"b\"");
        assert_eq!(parsed.len(), 4);
    }

    #[test]
    fn chromeos_is_recognised_from_lsb_release() {
        let facts = Facts {
            lsb_release: parse_key_values(
                "CHROMEOS_RELEASE_NAME=Chromium OS\nCHROMEOS_AUSERVER=https://up.fydeos.com/service/update2\n",
            ),
            ..Facts::default()
        };
        assert_eq!(facts.kind(), Kind::ChromeOsHost);
        assert!(facts.is_fydeos());
    }

    #[test]
    fn proc_is_overmounted_only_when_no_procfs_is_clean() {
        let docker = "1 0 0:1 / / rw - overlay overlay rw\n2 1 0:2 / /proc rw - proc proc rw\n3 2 0:2 /bus /proc/bus ro - proc proc rw\n4 2 0:4 /null /proc/kcore rw - tmpfs tmpfs rw\n";
        assert_eq!(proc_overmounts(docker), vec!["/proc/bus", "/proc/kcore"]);
        let nested = format!("{docker}5 1 0:5 / /dev/.lxc/proc rw - proc proc rw\n");
        assert!(proc_overmounts(&nested).is_empty());
        let laptop = "1 0 0:1 / / rw - ext4 /dev/sda1 rw\n2 1 0:2 / /proc rw - proc proc rw\n3 2 0:3 / /proc/sys/fs/binfmt_misc rw - autofs systemd-1 rw\n";
        assert!(proc_overmounts(laptop).is_empty());
    }

    #[test]
    fn wsl_and_linuxulator_are_told_apart_by_their_own_words() {
        let wsl1 = Facts {
            kernel_release: Some("4.4.0-19041-Microsoft".into()),
            ..Facts::default()
        };
        assert_eq!(wsl1.kind(), Kind::Wsl1);
        let wsl2 = Facts {
            kernel_release: Some("5.15.153.1-microsoft-standard-WSL2".into()),
            ..Facts::default()
        };
        assert_eq!(wsl2.kind(), Kind::Wsl2);
        let bsd = linuxulator_signs(
            Some(
                "Linux version 5.15.0 (des@freebsd.org) (gcc version 4.2.1) #4 Sun Dec 18 04:30:00 CET 1977",
            ),
            Some("Name:\thostcap\nCapEff:\t0000000000000000\n"),
        );
        assert_eq!(bsd.len(), 2);
        let linux = linuxulator_signs(
            Some("Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org)"),
            None,
        );
        assert!(linux.is_empty());
    }

    #[test]
    fn macos_is_named_from_uname_and_system_version_plist() {
        let plist = "<dict>\n\t<key>ProductBuildVersion</key>\n\t<string>24B83</string>\n\t<key>ProductName</key>\n\t<string>macOS</string>\n\t<key>Flag</key>\n\t<true/>\n\t<key>ProductVersion</key>\n\t<string>15.1</string>\n</dict>";
        let mac = Facts {
            os: Os::MacOs,
            uname: Some(Uname {
                sysname: "Darwin".into(),
                release: "24.1.0".into(),
                machine: "arm64".into(),
            }),
            system_version: plist_strings(plist),
            ..Facts::default()
        };
        assert_eq!(mac.system_version.len(), 3, "{:?}", mac.system_version);
        assert_eq!(mac.kind(), Kind::NotLinux(Os::MacOs));
        assert!(!mac.has_namespaces());
        assert_eq!(mac.os_name(), "macOS 15.1 (24B83)");
        assert_eq!(
            mac.label().as_deref(),
            Some("no Linux namespaces (Darwin kernel)")
        );
        let findings = judge(&mac, &crate::experiment::pending());
        assert_eq!(findings[0].id, NOT_LINUX.id);
        assert_eq!(findings[0].status, Status::Fail);
    }

    #[test]
    fn wsl_conf_values_are_read_by_section() {
        let conf = "[user]\ndefault=alice\n# comment\n[boot]\nsystemd = true\n";
        assert_eq!(ini_value(conf, "boot", "systemd").as_deref(), Some("true"));
        assert_eq!(ini_value(conf, "user", "systemd"), None);
    }

    #[test]
    fn the_label_names_the_place_and_a_tracer() {
        let traced = Facts {
            tracer: Some((4242, Some("proot".into()))),
            vm: Some(("KVM".into(), Vec::new())),
            ..Facts::default()
        };
        assert_eq!(
            traced.label().as_deref(),
            Some("KVM virtual machine, traced by proot (pid 4242)")
        );
        let findings = judge(&traced, &crate::experiment::pending());
        let finding = findings
            .iter()
            .find(|f| f.id == TRACED.id)
            .expect("a traced finding");
        assert_eq!(finding.status, Status::Warn);
        assert!(Facts::default().label().is_none());
    }
}
