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
