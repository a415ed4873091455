//! Which package manager this host has, so that an install fix names the one that exists here.
//!
//! Found by its program on this host, never by the distribution's name: a distroless image
//! says Debian in os-release and has no apt-get, ChromeOS has no system package manager at all.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::host::{FileKind, Host, SearchPath};

/// The system's own package manager: root runs it and it installs into the system's
/// directories, so its packages may carry the setuid helpers (newuidmap) as shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    Apt,
    Dnf,
    /// RHEL and CentOS 7, which have no dnf.
    Yum,
    Zypper,
    Pacman,
    Apk,
}

/// Checked in this order: a host rarely has two, and then the first is the native one (Fedora
/// keeps a `yum` link to dnf). Nix and Guix are not here: their store cannot hold a setuid
/// file, so they cannot install the id-mapping helpers; see [`UserInstaller`].
const KNOWN: &[(&str, PackageManager)] = &[
    ("/usr/bin/apt-get", PackageManager::Apt),
    ("/usr/bin/dnf", PackageManager::Dnf),
    ("/usr/bin/yum", PackageManager::Yum),
    ("/usr/bin/zypper", PackageManager::Zypper),
    ("/usr/bin/pacman", PackageManager::Pacman),
    ("/sbin/apk", PackageManager::Apk),
];

/// An executable file, not a directory: what a shell would run.
fn is_program(host: &dyn Host, path: &Path) -> bool {
    host.metadata(path)
        .is_ok_and(|meta| meta.kind != FileKind::Dir && meta.mode & 0o111 != 0)
}

impl PackageManager {
    pub fn detect(host: &dyn Host) -> Option<PackageManager> {
        KNOWN
            .iter()
            .find(|(path, _)| is_program(host, Path::new(path)))
            .map(|(_, pm)| *pm)
    }

    /// The program the commands of this manager start with.
    pub fn program(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt-get",
            PackageManager::Dnf => "dnf",
            PackageManager::Yum => "yum",
            PackageManager::Zypper => "zypper",
            PackageManager::Pacman => "pacman",
            PackageManager::Apk => "apk",
        }
    }

    /// The package that ships newuidmap and newgidmap here: Debian's and Ubuntu's `uidmap`,
    /// Fedora's and RHEL's `shadow-utils` (RHEL 7 since 7.7), openSUSE's and Arch's `shadow`,
    /// Alpine's `shadow-uidmap` (split from `shadow` in aports' main/shadow/APKBUILD).
    pub fn uidmap_package(self) -> &'static str {
        match self {
            PackageManager::Apt => "uidmap",
            PackageManager::Dnf | PackageManager::Yum => "shadow-utils",
            PackageManager::Zypper | PackageManager::Pacman => "shadow",
            PackageManager::Apk => "shadow-uidmap",
        }
    }

    /// The command that puts a package's files back as shipped (modes, owners, capabilities).
    pub fn reinstall(self, package: &str) -> String {
        match self {
            PackageManager::Apt => format!("apt-get install --reinstall {package}"),
            PackageManager::Dnf => format!("dnf reinstall {package}"),
            PackageManager::Yum => format!("yum reinstall {package}"),
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
            PackageManager::Yum => format!("yum install {package}"),
            PackageManager::Zypper => format!("zypper install {package}"),
            PackageManager::Pacman => format!("pacman -S {package}"),
            PackageManager::Apk => format!("apk add {package}"),
        }
    }
}

/// What installs programs for this user alone, without root: Chromebrew under /usr/local on
/// ChromeOS (bin/crew aborts with "Chromebrew should not be run as root."), or a Nix profile.
/// Neither can give a file privilege (crew's files belong to the user, the Nix store holds no
/// setuid file), so they serve unprivileged tools such as proot and never newuidmap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserInstaller {
    Crew,
    /// `channel`: the channel nix-env's attribute paths start with, `nixos` on NixOS (which
    /// marks itself with /etc/NIXOS), `nixpkgs` where Nix's installer set it up.
    Nix {
        channel: &'static str,
    },
}

/// Where Chromebrew's installer puts crew: its prefix /usr/local, the one writable place on
/// ChromeOS that allows exec.
const CREW: &str = "/usr/local/bin/crew";

/// nix-env of a multi-user install's default profile, when the session's PATH lacks it.
const NIX_ENV_DEFAULT: &str = "/nix/var/nix/profiles/default/bin/nix-env";

impl UserInstaller {
    pub fn detect(host: &dyn Host, search: &SearchPath) -> Option<UserInstaller> {
        if is_program(host, Path::new(CREW)) {
            return Some(UserInstaller::Crew);
        }
        let has_nix_env =
            search.find(host, "nix-env").is_some() || is_program(host, Path::new(NIX_ENV_DEFAULT));
        if !has_nix_env {
            return None;
        }
        let nixos = host.metadata(Path::new("/etc/NIXOS")).is_ok();
        Some(UserInstaller::Nix {
            channel: if nixos { "nixos" } else { "nixpkgs" },
        })
    }

    /// The command that installs proot into this user's prefix or profile: Chromebrew's
    /// packages/proot.rb, nixpkgs' pkgs/by-name/pr/proot.
    pub fn install_proot(&self) -> String {
        match self {
            UserInstaller::Crew => "crew install proot".to_string(),
            UserInstaller::Nix { channel, .. } => format!("nix-env -iA {channel}.proot"),
        }
    }

    /// The program the install command starts with.
    pub fn program(&self) -> &'static str {
        match self {
            UserInstaller::Crew => "crew",
            UserInstaller::Nix { .. } => "nix-env",
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

    /// A recorded host with `programs` (absolute paths, mode 0755) and `files`.
    fn host_with(
        programs: &[&str],
        files: &[(&str, &str)],
    ) -> (tempfile::TempDir, crate::host::RecordedHost) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        let mut toml = String::from(
            "[source]\nimitates = \"a test host\"\n\n[identity]\nuid = 1000\ngid = 1000\nuser = \"alice\"\nhome = \"/home/alice\"\n\n[env]\nPATH = \"/usr/local/bin:/usr/bin:/bin\"\n",
        );
        let programs_as_files = programs.iter().map(|path| (*path, "program"));
        for (path, text) in files.iter().copied().chain(programs_as_files) {
            let on_disk = root.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(on_disk.parent().expect("parent")).expect("dirs");
            std::fs::write(on_disk, text).expect("file");
        }
        for program in programs {
            toml.push_str(&format!("\n[files.\"{program}\"]\nmode = \"755\"\n"));
        }
        std::fs::write(dir.path().join("host.toml"), toml).expect("host.toml");
        let host = crate::host::RecordedHost::open(dir.path()).expect("recorded host");
        (dir, host)
    }

    const DEBIAN: (&str, &str) = ("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");

    #[test]
    fn the_package_manager_is_the_program_found_not_the_distribution_named() {
        // A distroless image: Debian by os-release, no apt-get.
        let (_dir, host) = host_with(&[], &[DEBIAN]);
        assert_eq!(PackageManager::detect(&host), None);
        let (_dir, host) = host_with(&["/usr/bin/apt-get"], &[DEBIAN]);
        assert_eq!(PackageManager::detect(&host), Some(PackageManager::Apt));
        // RHEL 7 has yum only; Fedora's yum link loses to dnf.
        let (_dir, host) = host_with(&["/usr/bin/yum"], &[]);
        let yum = PackageManager::detect(&host).expect("yum");
        assert_eq!(
            yum.install(yum.uidmap_package()),
            "yum install shadow-utils"
        );
        let (_dir, host) = host_with(&["/usr/bin/yum", "/usr/bin/dnf"], &[]);
        assert_eq!(PackageManager::detect(&host), Some(PackageManager::Dnf));
        // A file that is not executable is no program.
        let (_dir, host) = host_with(&[], &[("/usr/bin/apt-get", "not a program")]);
        assert_eq!(PackageManager::detect(&host), None);
    }

    #[test]
    fn chromebrew_and_nix_install_for_the_user_and_are_no_system_package_manager() {
        let (_dir, host) = host_with(&["/usr/local/bin/crew"], &[]);
        let search = SearchPath::from_env(&host);
        assert_eq!(PackageManager::detect(&host), None);
        let crew = UserInstaller::detect(&host, &search).expect("crew");
        assert_eq!(crew.install_proot(), "crew install proot");
        let (_dir, host) = host_with(&["/nix/var/nix/profiles/default/bin/nix-env"], &[]);
        let search = SearchPath::from_env(&host);
        let nix = UserInstaller::detect(&host, &search).expect("nix-env");
        assert_eq!(nix.install_proot(), "nix-env -iA nixpkgs.proot");
        let (_dir, host) = host_with(&["/usr/bin/nix-env"], &[("/etc/NIXOS", "")]);
        let search = SearchPath::from_env(&host);
        let nix = UserInstaller::detect(&host, &search).expect("nix-env");
        assert_eq!(nix.install_proot(), "nix-env -iA nixos.proot");
        let (_dir, host) = host_with(&["/usr/bin/apt-get"], &[]);
        let search = SearchPath::from_env(&host);
        assert_eq!(UserInstaller::detect(&host, &search), None);
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
