//! Which package manager this host has, so that an install fix names the one that exists here.

use std::path::Path;

use crate::host::Host;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    Apt,
    Dnf,
    Zypper,
    Pacman,
    Apk,
}

/// Checked in this order: a host rarely has two, and then the first is the native one.
const KNOWN: &[(&str, PackageManager)] = &[
    ("/usr/bin/apt-get", PackageManager::Apt),
    ("/usr/bin/dnf", PackageManager::Dnf),
    ("/usr/bin/zypper", PackageManager::Zypper),
    ("/usr/bin/pacman", PackageManager::Pacman),
    ("/sbin/apk", PackageManager::Apk),
];

impl PackageManager {
    pub fn detect(host: &dyn Host) -> Option<PackageManager> {
        KNOWN
            .iter()
            .find(|(path, _)| host.metadata(Path::new(path)).is_ok())
            .map(|(_, pm)| *pm)
    }

    /// The package that ships newuidmap and newgidmap here.
    pub fn uidmap_package(self) -> &'static str {
        match self {
            PackageManager::Apt => "uidmap",
            PackageManager::Dnf => "shadow-utils",
            PackageManager::Zypper | PackageManager::Pacman => "shadow",
            PackageManager::Apk => "shadow-uidmap",
        }
    }

    /// The command that puts a package's files back as shipped (modes, owners, capabilities).
    pub fn reinstall(self, package: &str) -> String {
        match self {
            PackageManager::Apt => format!("apt-get install --reinstall {package}"),
            PackageManager::Dnf => format!("dnf reinstall {package}"),
            PackageManager::Zypper => format!("zypper install --force {package}"),
            PackageManager::Pacman => format!("pacman -S {package}"),
            PackageManager::Apk => format!("apk fix {package}"),
        }
    }

    /// The command that installs `package` (names as Debian and Fedora both spell them).
    pub fn install(self, package: &str) -> String {
        match self {
            PackageManager::Apt => format!("apt-get install {package}"),
            PackageManager::Dnf => format!("dnf install {package}"),
            PackageManager::Zypper => format!("zypper install {package}"),
            PackageManager::Pacman => format!("pacman -S {package}"),
            PackageManager::Apk => format!("apk add {package}"),
        }
    }
}
