//! What to do instead, best first, each checked for feasibility on this host and honest about
//! the isolation it gives up.

use serde::Serialize;

use crate::finding::{Finding, Step};
use crate::os::Os;
use crate::probe::fallback::{AS_ROOT_MARK, SudoRoute, as_root, sudo_route};
use crate::probe::{Facts, fallback, platform};
use crate::verdict::{Target, TargetVerdict, Verdict};

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Feasibility {
    /// Checked on this host: it will work.
    Yes,
    /// Plausible, but hostcap cannot check it from here (e.g. needs root it may not have).
    Unverified,
    No,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub id: &'static str,
    pub title: String,
    pub feasible: Feasibility,
    /// Why it is (or is not) feasible here.
    pub why: String,
    pub steps: Vec<Step>,
    /// What it costs: isolation, speed, convenience.
    pub gives_up: String,
}

fn rec(
    id: &'static str,
    title: &str,
    feasible: Feasibility,
    why: impl Into<String>,
    steps: Vec<Step>,
    gives_up: &str,
) -> Recommendation {
    Recommendation {
        id,
        title: title.to_string(),
        feasible,
        why: why.into(),
        steps,
        gives_up: gives_up.to_string(),
    }
}

fn cmd(line: &str) -> Step {
    Step::command(line)
}

fn prose(line: &str) -> Step {
    Step::prose(line)
}

/// Ranked alternatives when rootless podman is not ready; empty when it is.
pub fn recommend(
    facts: &Facts,
    verdicts: &[TargetVerdict],
    findings: &[Finding],
) -> Vec<Recommendation> {
    let of = |target: Target| {
        verdicts
            .iter()
            .find(|v| v.target == target)
            .map(|v| v.verdict)
    };
    let podman = verdicts.iter().find(|v| v.target == Target::RootlessPodman);
    let Some(podman) = podman.filter(|v| v.verdict != Verdict::Ready) else {
        return Vec::new();
    };
    let kind = facts.platform.kind();
    if let platform::Kind::NotLinux(os) = kind {
        return not_linux(facts, os, of(Target::Chroot));
    }
    let chromeos = kind == platform::Kind::ChromeOsHost;
    // podman's own user-namespace step: bubblewrap's verdict is no proof, as a setuid bwrap
    // needs no unprivileged user namespace.
    let single_id_works = podman
        .path
        .iter()
        .any(|step| step.requirement == "user namespace" && step.verdict == Verdict::Ready);
    let mut list = Vec::new();

    if chromeos {
        list.push(rec(
            "vm.crostini",
            "Use the Linux development environment (Crostini): rootless podman works there",
            Feasibility::Yes,
            "ChromeOS runs it in its own VM, outside the host's SafeSetID and mount rules",
            vec![
                prose("Settings › About ChromeOS › Developers › Linux development environment › Set up"),
                // Run in Crostini's own Debian VM, where sudo and apt-get exist: not here.
                prose("in the Linux terminal: sudo apt-get install podman uidmap && podman info"),
                cmd("mkdir -p ~/.config/containers && printf '[containers]\\nkeyring = false\\n' >> ~/.config/containers/containers.conf    # with crun, if podman says \"create keyring … Operation not permitted\""),
            ],
            "nothing for containers; files are shared with ChromeOS only through the Linux files folder",
        ));
    }
    list.extend(place_recommendations(facts));
    let root_fixes: Vec<Step> = podman
        .deciding
        .iter()
        .filter_map(|id| findings.iter().find(|f| f.id == *id && f.is_problem()))
        .flat_map(|f| f.fix.with_root.iter().cloned())
        .filter(|step| !step.text().starts_with("no supported fix"))
        .collect();
    if !root_fixes.is_empty() && !chromeos {
        let (feasible, why) = if kind == platform::Kind::Container {
            (
                Feasibility::Unverified,
                "inside a container root is the container's: kernel settings and devices belong to its host and its administrator".to_string(),
            )
        } else if facts.real_root() {
            (Feasibility::Yes, "this process is root".to_string())
        } else if let SudoRoute::Probably(_) = sudo_route(facts) {
            (
                Feasibility::Unverified,
                "sudo is installed; whether this user may use it cannot be checked".to_string(),
            )
        } else {
            (
                Feasibility::Unverified,
                "needs an administrator".to_string(),
            )
        };
        let mut fix = rec(
            "fix.with_root",
            "Fix the host (needs root)",
            feasible,
            why,
            Vec::new(),
            "nothing",
        );
        fix.steps = root_fixes;
        fix.steps.dedup();
        // What a place recommendation already says (the outer container's options) is not
        // repeated here.
        fix.steps
            .retain(|step| !list.iter().any(|r: &Recommendation| r.steps.contains(step)));
        if !fix.steps.is_empty() {
            list.push(fix);
        }
    }
    let user_fixes: Vec<Step> = podman
        .deciding
        .iter()
        .filter_map(|id| findings.iter().find(|f| f.id == *id && f.is_problem()))
        .flat_map(|f| f.fix.without_root.iter().cloned())
        .filter(|step| step.is_command())
        .collect();
    if !user_fixes.is_empty() && !chromeos {
        let mut fix = rec(
            "fix.without_root",
            "Work around it as this user (no root)",
            Feasibility::Yes,
            "each step changes only this user's configuration, and what it relies on was found here",
            Vec::new(),
            "what each step names: e.g. a container without network, or runc instead of crun",
        );
        fix.steps = user_fixes;
        fix.steps.dedup();
        list.push(fix);
    }
    let id_mapping_broken = podman
        .path
        .iter()
        .any(|step| step.requirement == "id mapping" && step.verdict != Verdict::Ready);
    if id_mapping_broken && !facts.identity.is_root() {
        let (feasible, why) = if !single_id_works {
            (
                Feasibility::No,
                "a one-id user namespace does not work here either".to_string(),
            )
        } else if facts.subid.has_ranges() {
            (Feasibility::Unverified, "podman only falls back to one id when the user has no subordinate ranges; removing them needs root".to_string())
        } else {
            (
                Feasibility::Yes,
                "a one-id user namespace works here and podman uses it when no ranges are set"
                    .to_string(),
            )
        };
        list.push(rec(
            "podman.single_id",
            "Run podman with one id (no subordinate ids)",
            feasible,
            why,
            vec![
                cmd("mkdir -p ~/.config/containers"),
                cmd("printf '[storage]\\ndriver = \"overlay\"\\n[storage.options.overlay]\\nignore_chown_errors = \"true\"\\n' > ~/.config/containers/storage.conf"),
                cmd("podman system migrate && podman unshare cat /proc/self/uid_map"),
            ],
            "every file in the container belongs to one id: images whose files have several owners lose that, and in-container chown/--user fail",
        ));
    }
    if kind == platform::Kind::Wsl1 {
        list.push(rec(
            "vm.windows_desktop",
            "Run containers in the VM of Podman Desktop or Docker Desktop on Windows",
            Feasibility::Unverified,
            "they run their own WSL 2 VM; installing them needs Windows' Virtual Machine Platform",
            vec![
                prose("install Podman Desktop (podman-desktop.io) or Docker Desktop on Windows"),
                prose("from Windows: podman machine init && podman machine start"),
            ],
            "speed and memory; files cross between Windows, WSL 1 and the VM",
        ));
    } else if !chromeos && kind != platform::Kind::Linuxulator {
        let (feasible, why) = match of(Target::Vm) {
            Some(Verdict::Ready) => (Feasibility::Yes, "/dev/kvm is usable".to_string()),
            _ => (
                Feasibility::Yes,
                "no usable /dev/kvm: the VM is emulated and slow".to_string(),
            ),
        };
        list.push(rec(
            "vm.podman_machine",
            "Run containers in a VM (podman machine or qemu)",
            feasible,
            why,
            vec![
                cmd("podman machine init && podman machine start"),
                cmd("podman --remote run --rm docker.io/library/alpine true"),
            ],
            "speed and memory; files cross into the VM through shared folders",
        ));
    }
    let proot = verdicts.iter().find(|v| v.target == Target::Proot);
    let proot_ok = of(Target::Proot) == Some(Verdict::Ready);
    list.push(rec(
        "proot",
        "Use proot for a root file system without privileges",
        if proot_ok { Feasibility::Yes } else { Feasibility::No },
        if proot_ok {
            match &facts.fallback.proot {
                Some(path) => format!("ptrace is allowed and proot is at {}", path.display()),
                None => match (&facts.fallback.user_installer, facts.fallback.package_manager) {
                    (Some(installer), _) => format!(
                        "ptrace is allowed; install proot first ({}, or a static build in ~/bin)",
                        installer.install_proot()
                    ),
                    (None, Some(pm)) => {
                        let line = as_root(facts, &pm.install("proot"));
                        let line = match line.strip_suffix(AS_ROOT_MARK) {
                            Some(bare) => format!("as root: {bare}"),
                            None => line,
                        };
                        format!(
                            "ptrace is allowed; install proot first ({line}, or a static build in ~/bin)"
                        )
                    }
                    (None, None) => {
                        "ptrace is allowed; put a static proot build in ~/bin first".into()
                    }
                },
            }
        } else {
            proot.map_or_else(
                || "ptrace is not allowed here".to_string(),
                |v| v.summary.clone(),
            )
        },
        vec![cmd("proot -0 -r ROOTFS -b /dev -b /proc -b /sys -w / /bin/sh")],
        "no isolation (same host user, not a security boundary); slower, and some programs misbehave under ptrace",
    ));
    let chroot = verdicts.iter().find(|v| v.target == Target::Chroot);
    let chroot_ok = chroot.is_some_and(|v| v.verdict == Verdict::Ready);
    list.push(rec(
        "chroot.as_root",
        "chroot as root",
        if chroot_ok {
            Feasibility::Yes
        } else {
            Feasibility::Unverified
        },
        chroot.map_or_else(|| "needs root".to_string(), |v| v.summary.clone()),
        vec![Step::command(as_root(
            facts,
            "mount --bind /proc ROOTFS/proc && chroot ROOTFS /bin/sh",
        ))],
        "needs root; no namespaces, so processes and network are shared with the host",
    ));
    list.push(rec(
        "isolation.disabled",
        "Build without isolation (Nix sandbox = false, guix-daemon --disable-chroot)",
        Feasibility::Yes,
        "needs no kernel feature",
        vec![
            cmd("nix build --option sandbox false …    # Nix; or sandbox = false in ~/.config/nix/nix.conf"),
            cmd("guix-daemon --disable-chroot    # Guix"),
            cmd("env -i HOME=\"$(mktemp -d)\" PATH=/usr/bin:/bin …    # scrub the environment of such builds"),
        ],
        "builds see the whole system and the user's files: results may be impure or leak host paths and HOME",
    ));
    // Keep the order of preference; what cannot work here goes last.
    list.retain(|r| {
        !(kind == platform::Kind::Linuxulator && r.id == "chroot.as_root" && !chroot_ok)
    });
    list.sort_by_key(|r| r.feasible == Feasibility::No);
    list
}

/// What the place itself offers: the options of the outer container, WSL's settings, the
/// Crostini container's nesting, leaving a chroot, FreeBSD's own isolation.
fn place_recommendations(facts: &Facts) -> Vec<Recommendation> {
    let userns_failed = facts
        .userns
        .experiment
        .ran()
        .is_some_and(|o| o.namespace_failure().is_some());
    match facts.platform.kind() {
        platform::Kind::Container => {
            let Some(container) = &facts.platform.container else {
                return Vec::new();
            };
            let mut list = Vec::new();
            if userns_failed {
                let mut outer = rec(
                    "container.outer_options",
                    &format!(
                        "Start the {} with what nested containers need",
                        container_name(container)
                    ),
                    Feasibility::Unverified,
                    "whoever starts the container must do it: the options are outside it",
                    Vec::new(),
                    "isolation between this container and its host: an unconfined seccomp profile and an unmasked /proc let its processes do more to the host kernel",
                );
                outer.steps = platform::outer_container_fixes(container.engine);
                list.push(outer);
            }
            list.push(rec(
                "container.on_host",
                "Run it on the host instead of inside this container",
                Feasibility::Unverified,
                "hostcap cannot see the host from inside; run hostcap there to check it",
                vec![prose("on the host: hostcap")],
                "nothing, if the host allows rootless containers",
            ));
            list
        }
        platform::Kind::Crostini => vec![rec(
            "crostini.nesting",
            "Let the Crostini container nest containers (ChromeOS owner, no root in Linux needed)",
            if userns_failed {
                Feasibility::Unverified
            } else {
                Feasibility::Yes
            },
            if userns_failed {
                "penguin refuses user namespaces: security.nesting is off"
            } else {
                "user namespaces work in penguin; crun still needs keyring = false"
            },
            vec![
                prose("in crosh (Ctrl+Alt+T on ChromeOS): vsh termina"),
                cmd("lxc config set penguin security.nesting true && lxc restart penguin"),
                cmd(
                    "mkdir -p ~/.config/containers && printf '[containers]\\nkeyring = false\\n' >> ~/.config/containers/containers.conf    # in the Linux terminal, with crun",
                ),
            ],
            "nothing for containers",
        )],
        platform::Kind::Wsl1 => {
            let distro = facts
                .platform
                .wsl
                .distro_name
                .clone()
                .unwrap_or_else(|| "<distro>".into());
            let mut convert = rec(
                "wsl.version_2",
                "Convert this distribution to WSL 2: a real Linux kernel, rootless podman works there",
                Feasibility::Unverified,
                "from Windows; needs the Virtual Machine Platform feature (enabling it needs a Windows administrator)",
                Vec::new(),
                "nothing; files under /mnt/c are slower to reach from WSL 2",
            );
            convert.steps = vec![Step::prose(format!(
                "in PowerShell on Windows: wsl.exe --set-version {distro} 2"
            ))];
            // The same distribution after conversion: its package manager and its sudo.
            convert.steps.push(match facts.fallback.package_manager {
                Some(pm) => {
                    let install = pm.install(&format!("podman {}", pm.uidmap_package()));
                    let line = as_root(facts, &install);
                    Step::command(match line.strip_suffix(AS_ROOT_MARK) {
                        Some(bare) => format!("{bare}    # then in the distribution, as root"),
                        None => format!("{line}    # then in the distribution"),
                    })
                }
                None => prose(
                    "then in the distribution, as root: install podman and newuidmap/newgidmap",
                ),
            });
            vec![convert]
        }
        platform::Kind::Wsl2 if !facts.platform.wsl.systemd_running => vec![rec(
            "wsl.systemd",
            "Turn on systemd in this WSL distribution",
            Feasibility::Unverified,
            "needs root in the distribution, then a restart of WSL from Windows",
            vec![
                Step::command(wsl_conf_systemd(facts)),
                prose("from Windows: wsl.exe --shutdown, then reopen the distribution"),
            ],
            "nothing",
        )],
        platform::Kind::Linuxulator => vec![rec(
            "freebsd.bhyve_or_jail",
            "Ask the FreeBSD host's admin for a bhyve VM running Linux, or a native FreeBSD jail",
            Feasibility::Unverified,
            "both are made by root on the FreeBSD host; Linux containers need a real Linux kernel",
            vec![
                prose(
                    "on the FreeBSD host, as root: create a bhyve VM with a Linux distribution (bhyve(8), or the vm-bhyve port); rootless podman works inside it",
                ),
                prose("or, for FreeBSD programs: a jail (jail(8)) gives isolation without Linux"),
            ],
            "a VM costs memory and start-up time; a jail runs FreeBSD programs, not Linux containers",
        )],
        platform::Kind::Chroot => vec![rec(
            "chroot.leave",
            "Run it outside this chroot, on the system that holds it",
            Feasibility::Unverified,
            "the kernel refuses user namespaces to chrooted processes; the system outside may allow them",
            vec![prose("outside the chroot: hostcap")],
            "nothing",
        )],
        _ => Vec::new(),
    }
}

/// Natively on macOS or a BSD, best first: a Linux VM (where rootless podman works), then
/// what the system itself isolates with: a FreeBSD jail, a chroot as root.
fn not_linux(facts: &Facts, os: Os, chroot: Option<Verdict>) -> Vec<Recommendation> {
    let found = fallback::vm_managers_for(&facts.fallback, os);
    let has = |name: &str| {
        found
            .iter()
            .find(|path| path.file_name().is_some_and(|n| n == name))
            .map(|path| path.display().to_string())
    };
    let checked = |name: &str, install: &str| match has(name) {
        Some(path) => (Feasibility::Yes, format!("{path} is installed")),
        None => (
            Feasibility::Unverified,
            format!("{name} is not installed: {install}"),
        ),
    };
    let is_root = facts.identity.is_root();
    let mut list = Vec::new();
    match os {
        Os::MacOs => {
            let (feasible, why) = checked(
                "podman",
                "brew install podman, or the installer from podman.io",
            );
            list.push(rec(
                "vm.podman_machine",
                "Run containers in podman machine's Linux VM (Hypervisor.framework)",
                feasible,
                why,
                vec![
                    cmd("podman machine init && podman machine start"),
                    cmd("podman run --rm docker.io/library/alpine true"),
                ],
                "memory and start-up time; files cross into the VM through shared folders (your home by default)",
            ));
            let (feasible, why) = checked("limactl", "brew install lima");
            list.push(rec(
                "vm.lima",
                "Run containers in a Lima VM",
                feasible,
                why,
                vec![
                    cmd("limactl start   # the default template: Ubuntu with containerd (nerdctl); template://podman for podman"),
                    cmd("lima nerdctl run --rm docker.io/library/alpine true"),
                ],
                "memory and start-up time; the home directory is shared read-only by default",
            ));
            let (feasible, why) = checked(
                "utmctl",
                "install UTM (brew install --cask utm, or the Mac App Store); utmctl is in UTM.app/Contents/MacOS",
            );
            list.push(rec(
                "vm.utm",
                "Run a Linux VM in UTM and containers inside it",
                feasible,
                why,
                vec![
                    prose("create a Linux VM in UTM (Virtualize › Linux), then: utmctl start NAME"),
                    prose("inside the VM: sudo apt-get install podman uidmap && podman info"),
                ],
                "memory; a whole Linux system to keep up to date by hand",
            ));
        }
        Os::FreeBsd => {
            let (feasible, why) = match (has("bhyve"), is_root) {
                (Some(path), true) => (
                    Feasibility::Yes,
                    format!("{path} is installed and this process is root"),
                ),
                (Some(path), false) => (
                    Feasibility::Unverified,
                    format!("{path} is installed; it needs root"),
                ),
                (None, _) => (
                    Feasibility::Unverified,
                    "bhyve is not in PATH (it is in FreeBSD's base system, under /usr/sbin)"
                        .to_string(),
                ),
            };
            list.push(rec(
                "freebsd.bhyve",
                "Run containers in a bhyve VM running Linux",
                feasible,
                why,
                vec![
                    prose("as root: kldload vmm && pkg install vm-bhyve, then create and install a Linux guest (vm-bhyve's README)"),
                    prose("inside the guest: rootless podman works as on any Linux"),
                ],
                "memory and start-up time; the VM is set up by root",
            ));
            list.push(rec(
                "freebsd.jail",
                "Isolate FreeBSD programs in a jail (jail(8))",
                if is_root {
                    Feasibility::Yes
                } else {
                    Feasibility::Unverified
                },
                if is_root {
                    "this process is root"
                } else {
                    "a jail is made by root"
                },
                vec![
                    cmd("bsdinstall jail /usr/local/jails/NAME    # as root"),
                    cmd("jail -c name=NAME path=/usr/local/jails/NAME host.hostname=NAME ip4=inherit command=/bin/sh    # as root"),
                ],
                "it runs FreeBSD programs, not Linux containers (Linux programs only through the linuxulator, without namespaces)",
            ));
        }
        _ => {}
    }
    let chroot_steps = match os {
        // darwin-jail style: the new root holds a Darwin userland, dyld and its shared cache.
        Os::MacOs => vec![
            prose(
                "copy a Darwin userland into ROOTFS: /bin, /usr/lib (dyld and libSystem), the dyld shared cache",
            ),
            Step::command(as_root(facts, "chroot ROOTFS /bin/sh")),
        ],
        _ => vec![Step::command(as_root(
            facts,
            "mount -t devfs devfs ROOTFS/dev && chroot ROOTFS /bin/sh",
        ))],
    };
    list.push(rec(
        "chroot.as_root",
        "chroot as root",
        match chroot {
            Some(Verdict::Ready) => Feasibility::Yes,
            _ => Feasibility::Unverified,
        },
        match chroot {
            Some(Verdict::Ready) => "this process is root".to_string(),
            _ if facts.fallback.admin_group.is_some() && facts.fallback.sudo.is_some() => {
                format!(
                    "probably, via sudo (member of group {})",
                    facts.fallback.admin_group.as_deref().unwrap_or_default()
                )
            }
            _ => "needs root".to_string(),
        },
        chroot_steps,
        "needs root; programs of this system, not Linux containers; processes and network are shared with the host",
    ));
    list
}

/// Appends `systemd=true` to /etc/wsl.conf: through `sudo tee` where sudo works (a shell's
/// `>>` would run as the user), else for root to run.
fn wsl_conf_systemd(facts: &Facts) -> String {
    let setting = "printf '[boot]\\nsystemd=true\\n'";
    if facts.identity.is_root() {
        return format!("{setting} >> /etc/wsl.conf");
    }
    match sudo_route(facts) {
        SudoRoute::Probably(_) => format!("{setting} | sudo tee -a /etc/wsl.conf"),
        SudoRoute::NotTrusted | SudoRoute::Unusable => {
            format!("{setting} >> /etc/wsl.conf    # as root")
        }
    }
}

fn container_name(container: &platform::Container) -> &'static str {
    match container.engine {
        platform::Engine::Docker => "Docker container",
        platform::Engine::Podman => "Podman container",
        platform::Engine::Lxc => "LXC/LXD container",
        platform::Engine::SystemdNspawn => "systemd-nspawn container",
        platform::Engine::Kubernetes => "Kubernetes pod",
        platform::Engine::Other => "container",
    }
}
