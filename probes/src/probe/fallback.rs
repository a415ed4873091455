//! What still works when rootless containers do not: a VM (needs a usable `/dev/kvm`, or
//! patience), proot (needs ptrace), chroot (needs root).

use std::path::{Path, PathBuf};

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{FileMeta, Host, Identity};
use crate::probe::package::PackageManager;

#[derive(Debug, Clone)]
pub struct Facts {
    pub kvm: Result<FileMeta, String>,
    /// Whether this user may open /dev/kvm read-write, judged from its mode, owner and the
    /// user's groups.
    pub kvm_usable: bool,
    pub proot: Option<PathBuf>,
    pub qemu: Option<PathBuf>,
    pub sudo: Option<PathBuf>,
    pub package_manager: Option<PackageManager>,
}

/// `nested`: this process runs inside a user namespace, where uid 0 is not root for files.
pub fn gather(
    host: &dyn Host,
    identity: Option<&Identity>,
    nested: bool,
    package_manager: Option<PackageManager>,
) -> Facts {
    let path_list = host.env("PATH").unwrap_or_default();
    let kvm = host
        .metadata(Path::new("/dev/kvm"))
        .map_err(|e| e.to_string());
    let kvm_usable = match (&kvm, identity) {
        (Ok(meta), Some(id)) => {
            let mut gids: Vec<u32> = id.groups.iter().map(|g| g.gid).collect();
            gids.push(id.gid);
            meta.grants_read_write(id.uid, &gids, !nested)
        }
        _ => false,
    };
    let qemu = ["qemu-system-x86_64", "qemu-system-aarch64", "qemu-kvm"]
        .into_iter()
        .find_map(|name| host.find_in_path(name, &path_list));
    Facts {
        kvm,
        kvm_usable,
        proot: host.find_in_path("proot", &path_list),
        qemu,
        sudo: host.find_in_path("sudo", &path_list),
        package_manager,
    }
}

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

pub const DOCS: &[&FindingDoc] = &[&KVM, &PROOT];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    let kvm = match &facts.kvm {
        Ok(meta) if facts.kvm_usable => Finding::new(
            &KVM,
            Status::Ok,
            "/dev/kvm is usable: VMs run at native speed",
        )
        .evidence("/dev/kvm", describe(meta)),
        Ok(meta) => Finding::new(
            &KVM,
            Status::Warn,
            "/dev/kvm exists but this user may not open it",
        )
        .evidence("/dev/kvm", describe(meta))
        .with_root("usermod -aG kvm $USER    # then log in again"),
        Err(reason) => Finding::new(
            &KVM,
            Status::Warn,
            "/dev/kvm is missing: a VM would run emulated, slowly",
        )
        .evidence("/dev/kvm", reason.clone()),
    };
    let proot = match &facts.proot {
        Some(path) => Finding::new(
            &PROOT,
            Status::Ok,
            format!("proot is installed: {}", path.display()),
        ),
        None => {
            let finding = Finding::new(&PROOT, Status::Info, "proot is not installed")
                .without_root("download a static proot build into ~/bin");
            match facts.package_manager {
                Some(pm) => finding.with_root(pm.install("proot")),
                None => finding,
            }
        }
    };
    vec![kvm, proot]
}

fn describe(meta: &FileMeta) -> String {
    format!(
        "mode {:04o}, owner uid {}, group gid {}",
        meta.mode & 0o7777,
        meta.uid,
        meta.gid
    )
}
