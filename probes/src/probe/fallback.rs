//! What still works when rootless containers do not: a VM (needs a usable `/dev/kvm`, or
//! patience; off Linux, a VM manager), proot (needs ptrace), chroot (needs root).

use std::path::{Path, PathBuf};

use crate::finding::{Evidence, Finding, FindingDoc, Status};
use crate::host::{FileMeta, Host, Identity, SearchPath};
use crate::os::Os;
use crate::probe::idmap::mount_of;
use crate::probe::package::{PackageManager, UserInstaller};
use crate::probe::udev;

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
    /// /etc/group defines a group named `kvm`, which a udev rule can give /dev/kvm.
    pub kvm_group_defined: bool,
    /// The mountinfo line of the read-only mount that holds /etc/group (ChromeOS's verified
    /// root): neither usermod nor a new udev rule can be written there.
    pub etc_read_only: Option<String>,
    /// udev sets up /dev here and udevadm is installed: a rule changes /dev/kvm now and after
    /// a reboot. The gather finds udevadm; [`crate::probe::gather`] adds whether udev runs.
    pub udev: bool,
    pub user: Option<String>,
    pub uid: Option<u32>,
    /// The group that gives this user sudo by the distributions' default sudoers
    /// (`%sudo` on Debian and Ubuntu, `%wheel` on Fedora and Arch, `%admin` on old Ubuntu).
    pub admin_group: Option<String>,
    pub no_new_privs: bool,
    pub package_manager: Option<PackageManager>,
    /// What installs proot for this user alone (Chromebrew, a Nix profile).
    pub user_installer: Option<UserInstaller>,
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
    let groups = host
        .read_string(Path::new("/etc/group"))
        .unwrap_or_default();
    let kvm_group = kvm
        .as_ref()
        .ok()
        .and_then(|meta| group_name(&groups, meta.gid));
    Facts {
        kvm_group,
        kvm_group_defined: group_defined(&groups, "kvm"),
        etc_read_only: mountinfo
            .as_ref()
            .ok()
            .and_then(|text| mount_of(text, Path::new("/etc/group")).ok())
            .filter(|mount| mounted_read_only(&mount.line))
            .map(|mount| mount.line),
        udev: udev::udevadm(host, search).is_some(),
        uid: identity.map(|id| id.uid),
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
        user_installer: UserInstaller::detect(host, search),
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

/// Whether a mountinfo line's per-mount options (the sixth field) say `ro`.
fn mounted_read_only(line: &str) -> bool {
    line.split_whitespace()
        .nth(5)
        .is_some_and(|options| options.split(',').any(|option| option == "ro"))
}

/// `(name, gid)` of each well-formed line of /etc/group.
fn group_entries(etc_group: &str) -> impl Iterator<Item = (&str, u32)> {
    etc_group.lines().filter_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next().filter(|name| !name.is_empty())?;
        let id = fields.nth(1)?.parse::<u32>().ok()?;
        Some((name, id))
    })
}

/// The name of group `gid` in /etc/group.
fn group_name(etc_group: &str, gid: u32) -> Option<String> {
    group_entries(etc_group)
        .find(|(_, id)| *id == gid)
        .map(|(name, _)| name.to_string())
}

fn group_defined(etc_group: &str, name: &str) -> bool {
    group_entries(etc_group).any(|(group, _)| group == name)
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
            kvm_access_fix(finding, facts, meta)
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
            let mut finding = Finding::new(&PROOT, Status::Info, "proot is not installed");
            if let Some(installer) = &facts.user_installer {
                finding = finding.without_root(installer.install_proot());
            }
            finding = finding.without_root_prose("download a static proot build into ~/bin");
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

/// Whether a step may say `sudo` on this host, and on what grounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SudoRoute {
    /// sudo can gain root here and the sudoers probably let this user in.
    Probably(SudoGrounds),
    /// sudo can gain root here, but this user is in no group the default sudoers trusts.
    NotTrusted,
    /// sudo cannot gain root here: not installed, under no_new_privs (Debian 12's sudo 1.9.13
    /// stops with `The "no new privileges" flag is set, which prevents sudo from running as
    /// root.`; older ones with "effective uid is not 0, is /usr/bin/sudo on a file system with
    /// the 'nosuid' option set or an NFS file system without root privileges?" from
    /// sudo_check_suid in src/sudo.c), or traced (the kernel ignores setuid under ptrace).
    Unusable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SudoGrounds {
    /// GitHub-hosted runners give the runner user passwordless sudo.
    HostedRunner,
    /// A group the distributions' default sudoers trust.
    Group(String),
    /// ChromeOS in developer mode lets chronos use sudo (with the password set by
    /// chromeos-setdevpasswd) without any group.
    ChronosInDeveloperMode,
}

pub fn sudo_route(facts: &crate::probe::Facts) -> SudoRoute {
    use crate::probe::platform::Kind;
    let fallback = &facts.fallback;
    let can_gain_root = fallback.sudo.is_some()
        && !facts.identity.no_new_privs()
        && facts.platform.tracer.is_none();
    if !can_gain_root {
        return SudoRoute::Unusable;
    }
    if facts.platform.hosted_runner() {
        return SudoRoute::Probably(SudoGrounds::HostedRunner);
    }
    if let Some(group) = &fallback.admin_group {
        return SudoRoute::Probably(SudoGrounds::Group(group.clone()));
    }
    let chronos =
        facts.platform.kind() == Kind::ChromeOsHost && fallback.user.as_deref() == Some("chronos");
    if chronos {
        return SudoRoute::Probably(SudoGrounds::ChronosInDeveloperMode);
    }
    SudoRoute::NotTrusted
}

/// The comment that marks a command for root to run, where sudo cannot run it.
pub const AS_ROOT_MARK: &str = "    # as root";

/// `command` as this host lets it run as root: as it is for root, through sudo where sudo
/// probably works, else marked for root to run (never a sudo that cannot work here).
/// `command` is a chain joined by ` && `; each part gets its own sudo.
pub fn as_root(facts: &crate::probe::Facts, command: &str) -> String {
    if facts.identity.is_root() {
        return command.to_string();
    }
    match sudo_route(facts) {
        SudoRoute::Probably(_) => command
            .split(" && ")
            .map(|part| format!("sudo {part}"))
            .collect::<Vec<_>>()
            .join(" && "),
        SudoRoute::NotTrusted | SudoRoute::Unusable => format!("{command}{AS_ROOT_MARK}"),
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

/// How this user gets at /dev/kvm, from who really owns it here: joining the group it opens
/// to; else, where udev makes /dev, a rule that gives it to group kvm; else only root runs
/// VMs with it (whoever makes this /dev decides its mode).
fn kvm_access_fix(finding: Finding, facts: &Facts, meta: &FileMeta) -> Finding {
    if let Some(line) = &facts.etc_read_only {
        return finding
            .evidence("/proc/self/mountinfo", line.clone())
            .with_root_prose(
                "/etc is on a read-only file system here, so no group or udev rule can be added: run the VM as root, or use the system's own VM (on ChromeOS, the Linux development environment)",
            );
    }
    let opens_to_group = meta.gid != 0 && meta.mode & 0o060 == 0o060;
    if let (Some(group), true) = (&facts.kvm_group, opens_to_group) {
        return join_group(finding, facts, group, String::new());
    }
    if facts.udev {
        let rule = "printf 'KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0660\"\\n' > /etc/udev/rules.d/65-kvm.rules && udevadm trigger";
        let setup = if facts.kvm_group_defined {
            format!("{rule} && ")
        } else {
            format!("groupadd -r kvm && {rule} && ")
        };
        return join_group(finding, facts, "kvm", setup);
    }
    finding.with_root_prose(
        "no udev here to give /dev/kvm a group: run the VM as root, or have whoever makes this /dev (the container engine, the VM's host) give /dev/kvm a group this user is in",
    )
}

/// `setup` (ending in `&& `) then adding this user to `group`; in words when the user has no
/// name in the user database for usermod to take.
fn join_group(finding: Finding, facts: &Facts, group: &str, setup: String) -> Finding {
    match &facts.user {
        Some(user) => finding.with_root(format!(
            "{setup}usermod -aG {group} {user}    # then log in again"
        )),
        None => {
            let who = facts
                .uid
                .map_or_else(|| "this user".to_string(), |uid| format!("uid {uid}"));
            let setup = setup.trim_end_matches(" && ");
            let first = if setup.is_empty() {
                String::new()
            } else {
                format!("{setup}, then ")
            };
            finding.with_root_prose(format!(
                "as root: {first}add {who} to group {group} (it has no name in the user database, so usermod cannot name it), then log in again"
            ))
        }
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
    use crate::finding::Step;
    use crate::host::FileKind;

    /// alice (uid 1000), not in the group of a /dev/kvm with `mode` and group `gid`, on a host
    /// without udev whose /etc/group names `group`.
    fn kvm_host(mode: u32, gid: u32, group: Option<&str>) -> Facts {
        Facts {
            kvm: Ok(FileMeta {
                kind: FileKind::Other,
                mode,
                uid: 0,
                gid,
            }),
            kvm_usable: false,
            kvm_api: Err("this user may not open /dev/kvm".into()),
            inside_vm: false,
            proot: None,
            proot_noexec_mount: None,
            qemu: None,
            vm_managers: Vec::new(),
            sudo: None,
            kvm_group: group.map(String::from),
            kvm_group_defined: group == Some("kvm"),
            etc_read_only: None,
            udev: false,
            user: Some("alice".into()),
            uid: Some(1000),
            admin_group: None,
            no_new_privs: false,
            package_manager: None,
            user_installer: None,
        }
    }

    fn kvm_fix(facts: &Facts) -> Vec<Step> {
        let findings = judge(facts);
        let kvm = findings
            .iter()
            .find(|f| f.id == KVM.id)
            .expect("kvm finding");
        kvm.fix.with_root.clone()
    }

    #[test]
    fn a_group_that_the_device_opens_to_is_joined_by_the_users_name() {
        let facts = kvm_host(0o660, 993, Some("kvm"));
        assert_eq!(
            kvm_fix(&facts),
            vec![Step::command(
                "usermod -aG kvm alice    # then log in again"
            )]
        );
        // The group is the one that owns the device here, whatever its name.
        let facts = kvm_host(0o660, 418, Some("virtaccess"));
        assert!(
            kvm_fix(&facts)[0]
                .text()
                .starts_with("usermod -aG virtaccess alice")
        );
    }

    #[test]
    fn a_root_only_kvm_without_udev_leaves_only_root() {
        // root:root 0600, no kvm group, no udev: no group to join, no rule that would hold.
        for facts in [
            kvm_host(0o600, 0, Some("root")),
            kvm_host(0o660, 0, Some("root")),
            kvm_host(0o600, 993, Some("kvm")),
        ] {
            let fix = kvm_fix(&facts);
            assert_eq!(fix.len(), 1, "{fix:?}");
            assert!(!fix[0].is_command(), "{fix:?}");
            assert!(fix[0].text().contains("run the VM as root"), "{fix:?}");
        }
    }

    #[test]
    fn where_udev_makes_dev_a_rule_gives_kvm_to_a_group_made_if_missing() {
        let mut facts = kvm_host(0o600, 0, Some("root"));
        facts.udev = true;
        assert_eq!(
            kvm_fix(&facts),
            vec![Step::command(
                "groupadd -r kvm && printf 'KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0660\"\\n' > /etc/udev/rules.d/65-kvm.rules && udevadm trigger && usermod -aG kvm alice    # then log in again"
            )]
        );
        facts.kvm_group_defined = true;
        let fix = kvm_fix(&facts);
        assert!(
            fix[0].text().starts_with("printf 'KERNEL==\"kvm\""),
            "{fix:?}"
        );
        assert!(!fix[0].text().contains("groupadd"));
    }

    #[test]
    fn a_user_without_a_name_is_never_called_dollar_user() {
        let mut facts = kvm_host(0o660, 993, Some("kvm"));
        facts.user = None;
        let fix = kvm_fix(&facts);
        assert!(!fix[0].is_command(), "{fix:?}");
        assert!(
            fix[0].text().contains("add uid 1000 to group kvm"),
            "{fix:?}"
        );
        assert!(!fix[0].text().contains("$USER"));
        facts.udev = true;
        facts.kvm_group = None;
        let fix = kvm_fix(&facts);
        assert!(fix[0].text().starts_with("as root: printf"), "{fix:?}");
        assert!(
            fix[0].text().contains("then add uid 1000 to group kvm"),
            "{fix:?}"
        );
    }

    #[test]
    fn a_read_only_etc_takes_no_group_and_no_rule() {
        let mut facts = kvm_host(0o660, 418, Some("virtaccess"));
        facts.udev = true;
        facts.etc_read_only =
            Some("17 1 259:3 / / ro,relatime shared:1 - ext2 /dev/root ro,seclabel".into());
        let fix = kvm_fix(&facts);
        assert_eq!(fix.len(), 1);
        assert!(!fix[0].is_command());
        assert!(fix[0].text().contains("read-only"));
    }

    #[test]
    fn read_only_is_the_mount_option_not_the_super_block_option() {
        assert!(mounted_read_only(
            "17 1 259:3 / / ro,relatime shared:1 - ext2 /dev/root ro,seclabel"
        ));
        assert!(!mounted_read_only(
            "25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 ro,errors=remount-ro"
        ));
        assert!(!mounted_read_only("garbage"));
    }

    #[test]
    fn group_names_come_from_well_formed_lines_only() {
        let etc_group = "root:x:0:\n:x:5:\nkvm:x:993:alice\nbroken\nvirtaccess:!:418:\n";
        assert_eq!(group_name(etc_group, 993).as_deref(), Some("kvm"));
        assert_eq!(group_name(etc_group, 418).as_deref(), Some("virtaccess"));
        assert_eq!(group_name(etc_group, 5), None);
        assert!(group_defined(etc_group, "kvm"));
        assert!(!group_defined(etc_group, "sudo"));
    }

    #[test]
    fn proot_installs_for_the_user_where_crew_or_nix_can() {
        let mut facts = kvm_host(0o660, 993, Some("kvm"));
        facts.user_installer = Some(UserInstaller::Crew);
        let findings = judge(&facts);
        let proot = findings.iter().find(|f| f.id == PROOT.id).unwrap();
        assert_eq!(
            proot.fix.without_root[0],
            Step::command("crew install proot")
        );
        assert!(proot.fix.with_root.is_empty());
    }

    #[test]
    fn the_hypervisor_flag_is_a_whole_word_on_a_flags_line() {
        let guest = "processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor lahf_lm\n";
        assert!(cpu_flags_say_hypervisor(guest));
        let host = "processor\t: 0\nflags\t\t: fpu vme sse2 lahf_lm\nbugs\t\t: hypervisor_like\n";
        assert!(!cpu_flags_say_hypervisor(host));
    }
}
