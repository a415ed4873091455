//! What still works when rootless containers do not: a VM (needs a usable `/dev/kvm`, or
//! patience; off Linux, a VM manager), proot (needs ptrace), chroot (needs root).

use std::path::{Path, PathBuf};

use crate::finding::{Evidence, Finding, FindingDoc, Status};
use crate::host::{FileMeta, Host, Identity, SearchPath};
use crate::os::Os;
use crate::probe::idmap::mount_of;
use crate::probe::package::PackageManager;

#[derive(Debug, Clone)]
pub struct Facts {
    pub kvm: Result<FileMeta, String>,
    /// Whether this user may open /dev/kvm read-write, judged from its mode, owner and the
    /// user's groups.
    pub kvm_usable: bool,
    /// What `KVM_GET_API_VERSION` answered, or why it was not asked or failed.
    pub kvm_api: Result<i32, String>,
    /// This host is itself a VM (the CPU's `hypervisor` flag), so a VM here would be nested;
    /// looked at only when KVM is not usable, to say why.
    pub inside_vm: bool,
    pub proot: Option<PathBuf>,
    /// The noexec mount that holds proot (a static build in a noexec home cannot run).
    pub proot_noexec_mount: Option<String>,
    pub qemu: Option<PathBuf>,
    /// Programs in PATH that start Linux VMs off Linux, in [`VM_MANAGERS`] order. Looked
    /// for everywhere, judged only on macOS and the BSDs.
    pub vm_managers: Vec<PathBuf>,
    pub sudo: Option<PathBuf>,
    /// The name of the group that owns /dev/kvm, from /etc/group.
    pub kvm_group: Option<String>,
    pub user: Option<String>,
    /// The group that gives this user sudo by the distributions' default sudoers
    /// (`%sudo` on Debian and Ubuntu, `%wheel` on Fedora and Arch, `%admin` on old Ubuntu).
    pub admin_group: Option<String>,
    pub no_new_privs: bool,
    pub package_manager: Option<PackageManager>,
}

/// What starts a Linux VM off Linux: podman (`podman machine`, through Hypervisor.framework on
/// macOS), Lima, UTM's command line, and FreeBSD's bhyve.
pub const VM_MANAGERS: [&str; 4] = ["podman", "limactl", "utmctl", "bhyve"];

/// Groups that the default sudoers let run anything: `%sudo` on Debian and Ubuntu, `%wheel`
/// on Fedora, Arch and FreeBSD's sudo port, `%admin` on macOS (and older Ubuntu).
const ADMIN_GROUPS: &[&str] = &["sudo", "wheel", "admin"];

/// `nested`: this process runs inside a user namespace, where uid 0 is not root for files.
pub fn gather(
    host: &dyn Host,
    identity: Option<&Identity>,
    nested: bool,
    no_new_privs: bool,
    mountinfo: &Result<String, String>,
    package_manager: Option<PackageManager>,
    search: &SearchPath,
) -> Facts {
    let proot = search.find(host, "proot");
    let kvm = host
        .metadata(Path::new("/dev/kvm"))
        .map_err(|e| e.to_string());
    // Asked only where the mode bits let this user in: the answer is then the proof.
    let may_open = match (&kvm, identity) {
        (Ok(meta), Some(id)) => {
            let mut gids: Vec<u32> = id.groups.iter().map(|g| g.gid).collect();
            gids.push(id.gid);
            meta.grants_read_write(id.uid, &gids, !nested)
        }
        _ => false,
    };
    let kvm_api = if may_open {
        host.kvm_api_version().map_err(|e| e.to_string())
    } else {
        Err("this user may not open /dev/kvm".to_string())
    };
    let kvm_usable = kvm_api == Ok(KVM_API_VERSION);
    let inside_vm = !kvm_usable
        && host
            .read_string(Path::new("/proc/cpuinfo"))
            .is_ok_and(|text| cpu_flags_say_hypervisor(&text));
    let qemu = ["qemu-system-x86_64", "qemu-system-aarch64", "qemu-kvm"]
        .into_iter()
        .find_map(|name| search.find(host, name));
    let kvm_group = kvm
        .as_ref()
        .ok()
        .and_then(|meta| group_name(host, meta.gid));
    Facts {
        kvm_group,
        kvm,
        kvm_usable,
        kvm_api,
        inside_vm,
        proot_noexec_mount: proot.as_ref().and_then(|path| {
            let real = host.canonicalize(path).unwrap_or_else(|_| path.clone());
            let mount = mount_of(mountinfo.as_ref().ok()?, &real).ok()?;
            mount.noexec.then_some(mount.line)
        }),
        proot,
        qemu,
        vm_managers: VM_MANAGERS
            .into_iter()
            .filter_map(|name| search.find(host, name))
            .collect(),
        sudo: search.find(host, "sudo"),
        user: identity.and_then(|id| id.user.clone()),
        admin_group: identity.and_then(|id| {
            id.groups
                .iter()
                .filter_map(|g| g.name.clone())
                .find(|name| ADMIN_GROUPS.contains(&name.as_str()))
        }),
        no_new_privs,
        package_manager,
    }
}

/// Whether the `flags` line of /proc/cpuinfo has `hypervisor`, which CPUs set for a guest
/// (what systemd-detect-virt checks first on x86).
fn cpu_flags_say_hypervisor(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .filter(|line| line.starts_with("flags"))
        .any(|line| line.split_whitespace().any(|flag| flag == "hypervisor"))
}

/// The name of group `gid` in /etc/group.
fn group_name(host: &dyn Host, gid: u32) -> Option<String> {
    let text = host.read_string(Path::new("/etc/group")).ok()?;
    text.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?.parse::<u32>().ok()?;
        (id == gid).then(|| name.to_string())
    })
}

/// The only KVM API version there has ever been (Documentation/virt/kvm/api.rst).
const KVM_API_VERSION: i32 = 12;

pub const KVM: FindingDoc = FindingDoc {
    id: "fallback.kvm",
    summary: "whether this user can run hardware-accelerated VMs (/dev/kvm)",
    explanation: "A VM (podman machine, qemu, crosvm) runs a whole Linux where rootless \
containers work, whatever this host forbids. It needs /dev/kvm readable and writable by the \
user (group `kvm` on most distributions); without it qemu falls back to emulation, which works \
but is many times slower. Nested VMs (inside a cloud VM, WSL 2 or Crostini) often have no \
/dev/kvm.",
    references: &["https://docs.kernel.org/virt/kvm/api.html"],
};

pub const PROOT: FindingDoc = FindingDoc {
    id: "fallback.proot",
    summary: "whether proot is installed",
    explanation: "proot emulates chroot and bind mounts with ptrace and needs no privilege and no \
namespaces, so it runs where every namespace is forbidden. It is not a security boundary, \
programs run as the same host user, and it is slower than native. A static build can be \
downloaded into the home directory without root.",
    references: &["https://proot-me.github.io/"],
};

pub const SUDO: FindingDoc = FindingDoc {
    id: "fallback.sudo",
    summary: "whether this user can probably become root through sudo",
    explanation: "chroot, rootful podman and a root-owned build daemon need root. The \
distributions' default sudoers let members of one group run anything (`%sudo` on Debian and \
Ubuntu, `%wheel` on Fedora and Arch, `%admin` on older Ubuntu). hostcap reads the group \
membership but never runs sudo (it may prompt, and it logs), so this stays a probability: \
`sudo -l` shows what the rules really allow. Under no_new_privs sudo cannot gain root at all.",
    references: &["sudoers(5)", "sudo(8): -l"],
};

pub const VM_MANAGER: FindingDoc = FindingDoc {
    id: "fallback.vm_manager",
    summary: "whether a program that starts Linux VMs is installed (macOS, the BSDs)",
    explanation: "Off Linux, Linux containers run in a Linux VM. On macOS, podman machine \
starts one through Apple's Hypervisor.framework (podman 5 uses vfkit and the applehv \
provider), Lima's limactl does the same, and UTM's utmctl drives UTM's VMs; none needs root. On \
FreeBSD, bhyve(8) runs Linux guests as root. hostcap looks for these programs in PATH; it does \
not start a VM.",
    references: &[
        "https://docs.podman.io/en/latest/markdown/podman-machine-init.1.html",
        "https://lima-vm.io/docs/",
        "https://docs.getutm.app/scripting/scripting/",
        "bhyve(8)",
    ],
};

pub const DOCS: &[&FindingDoc] = &[&KVM, &PROOT, &SUDO, &VM_MANAGER];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let kvm = match &facts.kvm {
        Ok(meta) if facts.kvm_usable => Finding::new(
            &KVM,
            Status::Ok,
            "/dev/kvm answers this user: VMs run at native speed",
        )
        .evidence("/dev/kvm", describe(meta))
        .evidence("ioctl(KVM_GET_API_VERSION)", KVM_API_VERSION.to_string()),
        Ok(meta)
            if facts
                .kvm_api
                .as_ref()
                .is_err_and(|e| !e.contains("may not open")) =>
        {
            let reason = facts.kvm_api.as_ref().err().cloned().unwrap_or_default();
            Finding::new(
                &KVM,
                Status::Warn,
                "/dev/kvm opens by its mode, but KVM did not answer: a VM would run emulated",
            )
            .evidence("/dev/kvm", describe(meta))
            .evidence("ioctl(KVM_GET_API_VERSION)", reason)
        }
        Ok(meta) => {
            let finding = Finding::new(
                &KVM,
                Status::Warn,
                "/dev/kvm exists but this user may not open it",
            )
            .evidence("/dev/kvm", describe(meta));
            // Only a group the device really opens to is worth joining.
            match (&facts.kvm_group, meta.mode & 0o060 == 0o060) {
                (Some(group), true) => finding.with_root(format!(
                    "usermod -aG {group} {}    # then log in again",
                    facts.user.as_deref().unwrap_or("$USER")
                )),
                _ => finding,
            }
        }
        Err(reason) => Finding::new(
            &KVM,
            Status::Warn,
            "/dev/kvm is missing: a VM would run emulated, slowly",
        )
        .evidence("/dev/kvm", reason.clone()),
    };
    let proot = match &facts.proot {
        Some(path) => match &facts.proot_noexec_mount {
            Some(line) => Finding::new(
                &PROOT,
                Status::Fail,
                format!("{} lies on a noexec mount: it cannot run", path.display()),
            )
            .evidence("/proc/self/mountinfo", line.clone())
            .without_root_prose("put proot on a mount that allows exec, e.g. /usr/local/bin or ~/.local/bin if /home allows it"),
            None => Finding::new(
                &PROOT,
                Status::Ok,
                format!("proot is installed: {}", path.display()),
            ),
        },
        None => {
            let finding = Finding::new(&PROOT, Status::Info, "proot is not installed")
                .without_root_prose("download a static proot build into ~/bin");
            match facts.package_manager {
                Some(pm) => finding.with_root(pm.install("proot")),
                None => finding,
            }
        }
    };
    vec![kvm, proot, judge_sudo(facts)]
}

/// Off Linux only what leaves Linux behind matters: a VM manager, and sudo for a chroot.
pub fn judge_elsewhere(facts: &Facts, os: Os) -> Vec<Finding> {
    vec![judge_vm_manager(facts, os), judge_sudo(facts)]
}

/// The VM managers that run Linux guests on `os`.
pub fn vm_managers_for(facts: &Facts, os: Os) -> Vec<&Path> {
    let fits: &[&str] = match os {
        Os::MacOs => &["podman", "limactl", "utmctl"],
        Os::FreeBsd => &["bhyve"],
        _ => &[],
    };
    facts
        .vm_managers
        .iter()
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| fits.iter().any(|fit| name == *fit))
        })
        .map(PathBuf::as_path)
        .collect()
}

fn judge_vm_manager(facts: &Facts, os: Os) -> Finding {
    let found = vm_managers_for(facts, os);
    if let Some(first) = found.first() {
        let title = match os {
            Os::FreeBsd => format!(
                "{} is installed: it runs Linux VMs, as root",
                first.display()
            ),
            _ => format!(
                "{} is installed: it runs Linux VMs through Hypervisor.framework",
                first.display()
            ),
        };
        return Finding::new(&VM_MANAGER, Status::Ok, title).with_evidence(
            found
                .iter()
                .map(|path| Evidence::new(path.display().to_string(), "installed")),
        );
    }
    let looked = match os {
        Os::MacOs => "podman, limactl or utmctl",
        Os::FreeBsd => "bhyve",
        _ => "no VM manager hostcap knows for this system",
    };
    let finding = Finding::new(
        &VM_MANAGER,
        Status::Info,
        format!("no program that starts Linux VMs is in PATH ({looked})"),
    )
    .evidence("PATH", format!("no {looked}"));
    match os {
        Os::MacOs => finding.without_root_prose(
            "install podman (brew install podman, or the installer from podman.io), then: podman machine init && podman machine start",
        ),
        Os::FreeBsd => finding.with_root("kldload vmm && pkg install vm-bhyve   # then create a Linux guest (vm-bhyve's README)"),
        _ => finding,
    }
}

fn judge_sudo(facts: &Facts) -> Finding {
    match (&facts.sudo, &facts.admin_group) {
        (None, _) => Finding::new(&SUDO, Status::Info, "sudo is not installed"),
        (Some(_), _) if facts.no_new_privs => Finding::new(
            &SUDO,
            Status::Info,
            "sudo is installed, but no_new_privs keeps it from gaining root",
        ),
        (Some(path), Some(group)) => Finding::new(
            &SUDO,
            Status::Info,
            format!("probably root via sudo: member of group {group}"),
        )
        .evidence(path.display().to_string(), "installed")
        .evidence("groups", group.clone())
        .without_root("sudo -l    # confirms what sudo allows this user"),
        (Some(path), None) => Finding::new(
            &SUDO,
            Status::Info,
            "sudo is installed, but this user is in no group the default sudoers trusts",
        )
        .evidence(path.display().to_string(), "installed"),
    }
}

fn describe(meta: &FileMeta) -> String {
    format!(
        "mode {:04o}, owner uid {}, group gid {}",
        meta.mode & 0o7777,
        meta.uid,
        meta.gid
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hypervisor_flag_is_a_whole_word_on_a_flags_line() {
        let guest = "processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor lahf_lm\n";
        assert!(cpu_flags_say_hypervisor(guest));
        let host = "processor\t: 0\nflags\t\t: fpu vme sse2 lahf_lm\nbugs\t\t: hypervisor_like\n";
        assert!(!cpu_flags_say_hypervisor(host));
    }
}
