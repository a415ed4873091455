//! Which package manager this host has, so that an install fix names the one that exists here.

use std::io::{BufRead, BufReader, Read};
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

/// A package's version and the file that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageVersion {
    pub version: String,
    pub source: String,
}

impl PackageVersion {
    /// `(major, minor)` of an upstream version such as `2.8.0-1.1` or `1.8.1-1+deb12u1`.
    pub fn major_minor(&self) -> Option<(u32, u32)> {
        let mut parts = self
            .version
            .split(|c: char| !c.is_ascii_digit())
            .map(|p| p.parse::<u32>().ok());
        Some((parts.next()??, parts.next()??))
    }
}

/// The version of `package`, which installed `program` at `path`, without running it (a
/// runtime takes milliseconds to start): Debian's changelog names it on its first line, pacman's database in
/// a directory name. Only for the distribution's own paths; a self-built binary has none.
pub fn package_version(
    host: &dyn Host,
    package: &str,
    program: &str,
    path: &Path,
) -> Option<PackageVersion> {
    let packaged = ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        .iter()
        .any(|dir| path.parent() == Some(Path::new(dir)));
    if !packaged {
        return None;
    }
    let changelog = format!("/usr/share/doc/{package}/changelog.Debian.gz");
    if let Ok(bytes) = host.read(Path::new(&changelog)) {
        let mut first = String::new();
        // A small buffer: the first line is all that is wanted, so inflate only that far.
        BufReader::with_capacity(
            128,
            flate2::read::GzDecoder::new(bytes.as_slice()).take(4096),
        )
        .read_line(&mut first)
        .ok()?;
        return debian_changelog_version(&first).map(|version| PackageVersion {
            version,
            source: changelog,
        });
    }
    let pacman = "/var/lib/pacman/local";
    let prefix = format!("{program}-");
    host.list_dir(Path::new(pacman))
        .ok()?
        .into_iter()
        .find_map(|entry| {
            let rest = entry.strip_prefix(&prefix)?;
            rest.starts_with(|c: char| c.is_ascii_digit())
                .then(|| PackageVersion {
                    version: rest.to_string(),
                    source: format!("{pacman}/{entry}"),
                })
        })
}

/// `crun (1.8.1-1+deb12u1) bookworm; urgency=medium` → `1.8.1-1+deb12u1`. The line names
/// the source package (`nix` in nix-bin's changelog), so the name is not compared.
fn debian_changelog_version(line: &str) -> Option<String> {
    let (source, rest) = line.split_once(' ')?;
    let is_package_name = !source.is_empty()
        && source
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
    let version = rest.strip_prefix('(')?.split(')').next()?;
    (is_package_name && !version.is_empty()).then(|| version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_changelogs_name_the_package_version_on_their_first_line() {
        assert_eq!(
            debian_changelog_version("crun (1.8.1-1+deb12u1) bookworm; urgency=medium\n"),
            Some("1.8.1-1+deb12u1".to_string())
        );
        // nix-bin's changelog is the source package's: Debian 12's first line.
        assert_eq!(
            debian_changelog_version("nix (2.8.0-1.1) unstable; urgency=medium\n"),
            Some("2.8.0-1.1".to_string())
        );
        assert_eq!(debian_changelog_version("crun () x"), None);
        assert_eq!(debian_changelog_version("Crun: (1.0) x"), None);
        assert_eq!(debian_changelog_version("no version here"), None);
    }

    #[test]
    fn upstream_versions_compare_by_major_and_minor() {
        let v = |s: &str| PackageVersion {
            version: s.into(),
            source: String::new(),
        };
        assert_eq!(v("2.8.0-1.1").major_minor(), Some((2, 8)));
        assert_eq!(v("1.8.1-1+deb12u1").major_minor(), Some((1, 8)));
        assert_eq!(v("garbage").major_minor(), None);
    }
}
