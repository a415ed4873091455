//! Where we are: the distribution (os-release), ChromeOS and its derivatives (lsb-release),
//! the Linux VM on ChromeOS (Crostini), WSL, containers, and the kernel. Labels only: what
//! blocks containers is judged by the other areas, but the fixes and fallbacks depend on it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::Host;
use crate::probe::read_optional;

#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// os-release key/values, from `/etc/os-release` or its fallback `/usr/lib/os-release`.
    pub os_release: BTreeMap<String, String>,
    pub os_release_path: Option<&'static str>,
    /// lsb-release key/values (ChromeOS keeps its release facts there).
    pub lsb_release: BTreeMap<String, String>,
    pub kernel_release: Option<String>,
    pub arch: Option<String>,
    /// Markers of the Linux development environment (Crostini) found inside this system.
    pub crostini_markers: Vec<&'static str>,
    /// Files that only container engines create.
    pub container_markers: Vec<&'static str>,
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
    Linux,
}

impl Facts {
    pub fn kind(&self) -> Kind {
        let kernel = self.kernel_release.as_deref().unwrap_or("");
        if self.lsb_release.contains_key("CHROMEOS_RELEASE_NAME")
            || self.os_release.get("ID").is_some_and(|id| id == "chromeos")
        {
            Kind::ChromeOsHost
        } else if !self.crostini_markers.is_empty() {
            Kind::Crostini
        } else if kernel.contains("Microsoft") {
            Kind::Wsl1
        } else if kernel.contains("microsoft") || kernel.contains("WSL") {
            Kind::Wsl2
        } else if !self.container_markers.is_empty() {
            Kind::Container
        } else {
            Kind::Linux
        }
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
            (None, None) => "Linux".into(),
        }
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

pub fn gather(host: &dyn Host) -> Facts {
    let mut facts = Facts::default();
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
    facts.kernel_release = trimmed("/proc/sys/kernel/osrelease");
    facts.arch = trimmed("/proc/sys/kernel/arch");
    let exists = |path: &str| host.metadata(Path::new(path)).is_ok();
    facts.crostini_markers = ["/dev/.cros_milestone", "/opt/google/cros-containers"]
        .into_iter()
        .filter(|p| exists(p))
        .collect();
    facts.container_markers = ["/run/.containerenv", "/.dockerenv"]
        .into_iter()
        .filter(|p| exists(p))
        .collect();
    facts
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
may refuse new user namespaces or mounts, /proc may be masked, and the subordinate ranges must \
lie inside the container's own uid_map. Fixes are options of the outer container.",
    references: &[
        "containers/podman#20453",
        "https://docs.docker.com/engine/security/seccomp/",
    ],
};

pub const WSL1: FindingDoc = FindingDoc {
    id: "platform.wsl1",
    summary: "this is WSL 1, which has no Linux namespaces",
    explanation: "WSL 1 translates Linux system calls and has no user namespaces, so no \
rootless container can run. WSL 2 runs a real Linux kernel: `wsl --set-version <distro> 2`.",
    references: &["https://learn.microsoft.com/windows/wsl/compare-versions"],
};

pub const DOCS: &[&FindingDoc] = &[&CHROMEOS_HOST, &CROSTINI, &IN_CONTAINER, &WSL1];

pub fn judge(facts: &Facts) -> Vec<Finding> {
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
    match facts.kind() {
        Kind::ChromeOsHost => {
            let name = if facts.is_fydeos() { "FydeOS" } else { "ChromeOS" };
            vec![release_evidence(Finding::new(
                &CHROMEOS_HOST,
                Status::Info,
                format!("this is the {name} host system, not its Linux VM"),
            ))]
        }
        Kind::Crostini => vec![
            Finding::new(&CROSTINI, Status::Info, "this is the Linux development environment on ChromeOS")
                .with_evidence(facts.crostini_markers.iter().map(|m| {
                    crate::finding::Evidence::new(*m, "present")
                })),
        ],
        Kind::Wsl1 => vec![
            Finding::new(&WSL1, Status::Fail, "this is WSL 1: no user namespaces")
                .evidence("/proc/sys/kernel/osrelease", facts.kernel_release.clone().unwrap_or_default())
                .without_root("convert the distribution to WSL 2: wsl --set-version <distro> 2 (from Windows)"),
        ],
        Kind::Container => vec![
            Finding::new(&IN_CONTAINER, Status::Info, "this system runs inside a container")
                .with_evidence(facts.container_markers.iter().map(|m| {
                    crate::finding::Evidence::new(*m, "present")
                })),
        ],
        Kind::Wsl2 | Kind::Linux => Vec::new(),
    }
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
}
