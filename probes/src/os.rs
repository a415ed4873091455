//! Which kernel hostcap looks at. Linux is the one with namespaces; on the others (macOS and
//! the BSDs) every Linux container runs in a VM, and the report must say so first.

/// A kernel, by what `uname -s` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Os {
    #[default]
    Linux,
    /// macOS: uname says `Darwin`.
    MacOs,
    FreeBsd,
    OpenBsd,
    NetBsd,
    DragonFly,
    /// Another Unix (illumos, Solaris…): not Linux, nothing more is known.
    OtherUnix,
}

impl Os {
    /// From `uname -s` (`utsname.sysname`).
    pub fn from_sysname(sysname: &str) -> Os {
        match sysname {
            "Linux" => Os::Linux,
            "Darwin" => Os::MacOs,
            "FreeBSD" => Os::FreeBsd,
            "OpenBSD" => Os::OpenBsd,
            "NetBSD" => Os::NetBsd,
            "DragonFly" => Os::DragonFly,
            _ => Os::OtherUnix,
        }
    }

    /// The kernel this binary was built for (`std::env::consts::OS`).
    pub fn built_for() -> Os {
        match std::env::consts::OS {
            "linux" | "android" => Os::Linux,
            "macos" => Os::MacOs,
            "freebsd" => Os::FreeBsd,
            "openbsd" => Os::OpenBsd,
            "netbsd" => Os::NetBsd,
            "dragonfly" => Os::DragonFly,
            _ => Os::OtherUnix,
        }
    }

    /// As people name it: "macOS", "FreeBSD".
    pub fn name(self) -> &'static str {
        match self {
            Os::Linux => "Linux",
            Os::MacOs => "macOS",
            Os::FreeBsd => "FreeBSD",
            Os::OpenBsd => "OpenBSD",
            Os::NetBsd => "NetBSD",
            Os::DragonFly => "DragonFly BSD",
            Os::OtherUnix => "this system",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uname_names_map_to_the_names_people_use() {
        assert_eq!(Os::from_sysname("Darwin").name(), "macOS");
        assert_eq!(Os::from_sysname("FreeBSD"), Os::FreeBsd);
        assert_eq!(Os::from_sysname("Linux"), Os::Linux);
        assert_eq!(Os::from_sysname("SunOS"), Os::OtherUnix);
        #[cfg(target_os = "linux")]
        assert_eq!(Os::built_for(), Os::Linux);
    }
}
