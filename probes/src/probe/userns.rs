//! Can an unprivileged process create a user namespace and use a capability inside it? The
//! kernel switches (`CONFIG_USER_NS`, sysctls) explain; the experiment proves.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use crate::experiment::{Outcome, StepFailure, UsernsOutcome, UsernsStep};
use crate::finding::{Finding, FindingDoc, Status};
use crate::host::Host;
use crate::probe::programs::Rewritable;
use crate::probe::{read_number, read_optional, sysctl_name};

pub const MAX_USER_NAMESPACES: &str = "/proc/sys/user/max_user_namespaces";
pub const UNPRIVILEGED_USERNS_CLONE: &str = "/proc/sys/kernel/unprivileged_userns_clone";
pub const APPARMOR_RESTRICT: &str = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns";
/// Exists only on kernels built with `CONFIG_USER_NS` (`fs/proc/namespaces.c`).
const NS_USER: &str = "/proc/self/ns/user";

#[derive(Debug, Clone)]
pub struct Facts {
    /// `Some(true)` for `CONFIG_USER_NS=y`; `None` when no kernel config is readable.
    pub config_user_ns: Option<bool>,
    /// `/proc/self/ns/user` exists only on kernels with user namespaces.
    pub ns_user_link: bool,
    pub max_user_namespaces: Result<Option<i64>, String>,
    /// Debian/Ubuntu kernel patch; absent on mainline kernels.
    pub unprivileged_userns_clone: Result<Option<i64>, String>,
    /// Ubuntu ≥ 23.10: unconfined programs lose every capability in a new user namespace.
    pub apparmor_restrict: Result<Option<i64>, String>,
    /// `/proc/self/uid_map`: the identity map `0 0 4294967295` outside any user namespace.
    pub uid_map: Option<String>,
    /// `/proc/self/gid_map`: the group ids that exist here, which subgid ranges must lie in.
    pub gid_map: Option<String>,
    pub experiment: Outcome<UsernsOutcome>,
}

impl Facts {
    /// Whether this process already runs inside a user namespace (Crostini, a container…).
    pub fn nested(&self) -> bool {
        self.uid_map
            .as_deref()
            .is_some_and(|map| parse_id_map(map) != vec![(0, 0, 4_294_967_295)])
    }
}

pub fn gather(host: &dyn Host) -> Facts {
    let ns_user_link = host.read_link(Path::new(NS_USER)).is_ok();
    Facts {
        // The link already proves the option; the kernel config is inflated only to tell a
        // kernel without it from a /proc that hides the link.
        config_user_ns: if ns_user_link {
            None
        } else {
            kernel_config_user_ns(host)
        },
        ns_user_link,
        max_user_namespaces: read_number(host, MAX_USER_NAMESPACES),
        unprivileged_userns_clone: read_number(host, UNPRIVILEGED_USERNS_CLONE),
        apparmor_restrict: read_number(host, APPARMOR_RESTRICT),
        uid_map: read_optional(host, "/proc/self/uid_map").ok().flatten(),
        gid_map: read_optional(host, "/proc/self/gid_map").ok().flatten(),
        experiment: crate::experiment::pending(),
    }
}

/// Reads `CONFIG_USER_NS` from `/proc/config.gz` when the kernel exposes its config. The
/// option sits in "General setup", near the top: decompression stops at its line instead of
/// inflating the whole config (a noticeable share of a check's time).
fn kernel_config_user_ns(host: &dyn Host) -> Option<bool> {
    let compressed = host.read(Path::new("/proc/config.gz")).ok()?;
    let reader = std::io::BufReader::new(
        flate2::read::GzDecoder::new(compressed.as_slice()).take(crate::host::READ_LIMIT * 4),
    );
    reader
        .lines()
        .map_while(Result::ok)
        .find_map(|line| config_value(&line, "CONFIG_USER_NS"))
}

fn config_value(config: &str, key: &str) -> Option<bool> {
    config.lines().find_map(|line| {
        if line == format!("# {key} is not set") {
            Some(false)
        } else {
            let value = line.strip_prefix(key)?.strip_prefix('=')?;
            Some(value == "y")
        }
    })
}

/// Parses a `uid_map`/`gid_map`: lines of `inside outside count`.
pub fn parse_id_map(text: &str) -> Vec<(u64, u64, u64)> {
    text.lines()
        .filter_map(|line| {
            let mut numbers = line.split_whitespace().map(|n| n.parse::<u64>().ok());
            Some((numbers.next()??, numbers.next()??, numbers.next()??))
        })
        .collect()
}

pub const CONFIG_USER_NS: FindingDoc = FindingDoc {
    id: "userns.kernel_without_user_ns",
    summary: "the kernel is built without user namespaces (CONFIG_USER_NS)",
    explanation: "Without CONFIG_USER_NS, unshare(CLONE_NEWUSER) fails with EINVAL and \
/proc/self/ns/user does not exist. No rootless container or userns sandbox can run; only a \
different kernel helps. proot and a VM still work.",
    references: &["user_namespaces(7)", "unshare(2)"],
};

pub const MAX_ZERO: FindingDoc = FindingDoc {
    id: "userns.max_user_namespaces_zero",
    summary: "user.max_user_namespaces is 0: nobody may create a user namespace",
    explanation: "user.max_user_namespaces limits how many user namespaces each user may \
create; 0 forbids them for everyone (the RHEL 7 default, and what Debian's hardening packages \
set). unshare(CLONE_NEWUSER) fails with ENOSPC: podman and rootlesskit say \"no space left on \
device\", bwrap \"Creating new namespace failed: nesting depth or \
/proc/sys/user/max_*_namespaces exceeded (ENOSPC)\".",
    references: &[
        "https://docs.kernel.org/admin-guide/sysctl/user.html",
        "containers/bubblewrap#371",
    ],
};

pub const CLONE_DISABLED: FindingDoc = FindingDoc {
    id: "userns.unprivileged_userns_clone_disabled",
    summary: "kernel.unprivileged_userns_clone is 0: only root may create user namespaces",
    explanation: "Debian, Ubuntu and hardened kernels carry a patch adding \
kernel.unprivileged_userns_clone; at 0, CLONE_NEWUSER needs CAP_SYS_ADMIN and unprivileged \
callers get EPERM (podman: \"cannot clone: Operation not permitted … user namespaces are not \
enabled in /proc/sys/kernel/unprivileged_userns_clone\"). Mainline kernels have no such knob.",
    references: &["containers/bubblewrap#359", "mviereck/x11docker#255"],
};

pub const APPARMOR: FindingDoc = FindingDoc {
    id: "userns.apparmor_restricts_unprivileged",
    summary: "AppArmor strips capabilities from user namespaces of unconfined programs",
    explanation: "With kernel.apparmor_restrict_unprivileged_userns = 1 (Ubuntu 24.04's \
default), an unconfined program may create a user namespace but is moved to the \
`unprivileged_userns` profile, which denies every capability: writing uid_map or mounting \
fails (\"unshare: write failed /proc/self/uid_map: Operation not permitted\", bwrap \"setting \
up uid map: Permission denied\"). Programs whose AppArmor profile has the `userns,` rule are \
exempt; Ubuntu ships such profiles for its podman, buildah and rootlesskit binaries.",
    references: &[
        "https://ubuntu.com/blog/ubuntu-23-10-restricted-unprivileged-user-namespaces",
        "rootless-containers/rootlesskit#421",
    ],
};

pub const EXPERIMENT: FindingDoc = FindingDoc {
    id: "userns.experiment",
    summary: "a one-id user namespace with a mount namespace really works",
    explanation: "hostcap forks a child that calls unshare(CLONE_NEWUSER), writes `deny` to \
setgroups and a one-id uid_map and gid_map, enters a new mount namespace and mounts a tmpfs, \
first with nosuid,nodev,noexec and then plain. This is what `unshare -r`, bwrap and podman's \
single-id mode need. Stopping at unshare would be a false success on Ubuntu 24.04, where \
unshare succeeds and every capability is denied afterwards. The step that fails and its errno \
name the cause: EINVAL no user namespaces in the kernel (or a threaded caller); ENOSPC \
user.max_user_namespaces; EPERM a sysctl, an LSM, a seccomp filter or a chroot.",
    references: &["user_namespaces(7)", "unshare(2)"],
};

pub const DOCS: &[&FindingDoc] = &[
    &CONFIG_USER_NS,
    &MAX_ZERO,
    &CLONE_DISABLED,
    &APPARMOR,
    &EXPERIMENT,
];

/// Whether the static facts alone forbid user namespaces for this user.
pub fn static_blockers(facts: &Facts, is_root: bool) -> Vec<&'static str> {
    let mut ids = Vec::new();
    if facts.config_user_ns == Some(false) {
        ids.push(CONFIG_USER_NS.id);
    }
    if matches!(facts.max_user_namespaces, Ok(Some(0))) {
        ids.push(MAX_ZERO.id);
    }
    if !is_root && matches!(facts.unprivileged_userns_clone, Ok(Some(0))) {
        ids.push(CLONE_DISABLED.id);
    }
    ids
}

pub fn apparmor_restricts(facts: &Facts) -> bool {
    matches!(facts.apparmor_restrict, Ok(Some(value)) if value != 0)
}

/// What the other areas found that can explain a failed step: an errno alone never names a
/// cause another fact rules out.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub is_root: bool,
    /// The installed programs that create user namespaces themselves, for the AppArmor fix.
    pub programs: Vec<UsernsProgram>,
    /// A seccomp filter is on (`Seccomp: 2`).
    pub seccomp_filter: bool,
    /// ChromeOS's chromiumos LSM allows only noexec,nosuid,nodev mounts.
    pub chromiumos_mount_rule: bool,
    /// FreeBSD's Linux emulation: there are no namespaces at all.
    pub linux_emulation: bool,
    /// This process is chrooted: the kernel refuses CLONE_NEWUSER to a chrooted caller.
    pub chrooted: bool,
}

/// A program that creates user namespaces (podman, rootlesskit, bwrap), as AppArmor sees it.
#[derive(Debug, Clone)]
pub struct UsernsProgram {
    pub name: &'static str,
    /// The file that runs, symlinks resolved: what a profile attaches to.
    pub path: PathBuf,
    /// The profile file whose `userns,` rule covers it.
    pub profile: Option<String>,
    pub rewritable: Rewritable,
    /// Where the distribution installs it, when a profile there grants `userns`.
    pub profiled_distribution_path: Option<PathBuf>,
}

pub fn judge(facts: &Facts, context: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    match facts.config_user_ns {
        Some(false) => findings.push(
            Finding::new(
                &CONFIG_USER_NS,
                Status::Fail,
                "the kernel has no user namespaces",
            )
            .evidence("/proc/config.gz", "# CONFIG_USER_NS is not set")
            .with_root_prose("boot a kernel built with CONFIG_USER_NS=y"),
        ),
        Some(true) => findings.push(
            Finding::new(
                &CONFIG_USER_NS,
                Status::Ok,
                "the kernel has user namespaces",
            )
            .evidence("/proc/config.gz", "CONFIG_USER_NS=y"),
        ),
        None if !facts.ns_user_link => findings.push(
            Finding::new(
                &CONFIG_USER_NS,
                Status::Warn,
                "/proc/self/ns/user is missing: the kernel may lack user namespaces",
            )
            .evidence(NS_USER, "no such file"),
        ),
        None => findings.push(
            Finding::new(
                &CONFIG_USER_NS,
                Status::Ok,
                "the kernel has user namespaces",
            )
            .evidence(NS_USER, "present: the kernel is built with CONFIG_USER_NS"),
        ),
    }
    findings.extend(judge_sysctls(facts, context));
    findings.push(judge_experiment(facts, context));
    findings
}

fn judge_sysctls(facts: &Facts, context: &Context) -> Vec<Finding> {
    let is_root = context.is_root;
    let mut findings = Vec::new();
    let seen = |path: &str, value: i64| format!("{} = {value}", sysctl_name(path));
    match &facts.max_user_namespaces {
        Ok(Some(0)) => findings.push(
            Finding::new(&MAX_ZERO, Status::Fail, "user.max_user_namespaces is 0: user namespaces are off")
                .evidence(MAX_USER_NAMESPACES, seen(MAX_USER_NAMESPACES, 0))
                .with_root("echo user.max_user_namespaces=28633 > /etc/sysctl.d/51-rootless.conf && sysctl --system"),
        ),
        Ok(Some(value)) => findings.push(
            Finding::new(&MAX_ZERO, Status::Ok, format!("user.max_user_namespaces is {value}"))
                .evidence(MAX_USER_NAMESPACES, seen(MAX_USER_NAMESPACES, *value)),
        ),
        Ok(None) => {}
        Err(reason) => findings.push(Finding::new(&MAX_ZERO, Status::Unknown, reason.clone())),
    }
    match &facts.unprivileged_userns_clone {
        Ok(Some(0)) if !is_root => findings.push(
            Finding::new(
                &CLONE_DISABLED,
                Status::Fail,
                "kernel.unprivileged_userns_clone is 0: only root may create user namespaces",
            )
            .evidence(UNPRIVILEGED_USERNS_CLONE, seen(UNPRIVILEGED_USERNS_CLONE, 0))
            .with_root("echo kernel.unprivileged_userns_clone=1 > /etc/sysctl.d/50-rootless.conf && sysctl --system"),
        ),
        Ok(Some(value)) => findings.push(
            Finding::new(&CLONE_DISABLED, Status::Ok, format!("kernel.unprivileged_userns_clone is {value}"))
                .evidence(UNPRIVILEGED_USERNS_CLONE, seen(UNPRIVILEGED_USERNS_CLONE, *value)),
        ),
        Ok(None) => {}
        Err(reason) => findings.push(Finding::new(&CLONE_DISABLED, Status::Unknown, reason.clone())),
    }
    match &facts.apparmor_restrict {
        Ok(Some(value)) if *value != 0 => findings.push(apparmor_restriction(
            Finding::new(
                &APPARMOR,
                Status::Warn,
                "AppArmor denies capabilities in user namespaces of programs without a userns profile",
            )
            .evidence(APPARMOR_RESTRICT, seen(APPARMOR_RESTRICT, *value)),
            &context.programs,
        )),
        Ok(Some(value)) => findings.push(
            Finding::new(&APPARMOR, Status::Ok, "AppArmor does not restrict user namespaces")
                .evidence(APPARMOR_RESTRICT, seen(APPARMOR_RESTRICT, *value)),
        ),
        Ok(None) => {}
        Err(reason) => findings.push(Finding::new(&APPARMOR, Status::Unknown, reason.clone())),
    }
    findings
}

/// What AppArmor's restriction means for each program here, and the fixes: a profile for a
/// program only root can rewrite (one anybody else could rewrite would hand them the
/// capabilities of a user namespace), the distribution's profiled copy for the rest, and
/// lifting the restriction as the last resort.
fn apparmor_restriction(mut finding: Finding, programs: &[UsernsProgram]) -> Finding {
    for program in programs {
        let shown = program.path.display().to_string();
        match (&program.profile, &program.rewritable) {
            (Some(file), _) => {
                finding = finding.evidence(shown, format!("{file} grants it userns"));
            }
            (None, Rewritable::ByOthers(why)) => {
                finding = finding
                    .evidence(shown.clone(), format!("no userns profile; {why}"))
                    .with_root_prose(format!(
                        "no profile for {shown}: {why}, and whoever can rewrite it would get \
                         the capabilities of a user namespace; {}",
                        distribution_copy(program)
                    ));
            }
            (None, _) => {
                let name = profile_name(&program.path);
                finding = finding
                    .evidence(shown.clone(), "no userns profile")
                    .with_root(format!(
                        "printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\nprofile {name} {shown} flags=(unconfined) {{\\n  userns,\\n}}\\n' > /etc/apparmor.d/{name} && apparmor_parser -r /etc/apparmor.d/{name}    # {} may then create user namespaces",
                        program.name
                    ));
            }
        }
    }
    finding
        .with_root("sysctl kernel.apparmor_restrict_unprivileged_userns=0    # or lift the restriction for everyone")
        .without_root_prose("use the distribution's own podman, buildah or rootlesskit from /usr/bin: Ubuntu profiles them with userns")
}

/// A profile's name and file for a program, after the path, as aa-genprof names them
/// (`/usr/local/bin/bwrap` → `usr.local.bin.bwrap`): distinct from the distribution's own
/// profile (`rootlesskit`) for the copy it ships elsewhere.
fn profile_name(path: &Path) -> String {
    path.to_string_lossy()
        .trim_start_matches('/')
        .replace('/', ".")
}

fn distribution_copy(program: &UsernsProgram) -> String {
    match &program.profiled_distribution_path {
        Some(path) => format!(
            "use the distribution's {} ({}), whose profile grants userns",
            program.name,
            path.display()
        ),
        None => format!("install the distribution's {} and use that", program.name),
    }
}

fn judge_experiment(facts: &Facts, context: &Context) -> Finding {
    let outcome = match &facts.experiment {
        Outcome::Ran(outcome) => outcome,
        Outcome::Skipped { reason } => {
            return Finding::new(
                &EXPERIMENT,
                Status::Info,
                format!("the user-namespace experiment was not run: {reason}"),
            );
        }
    };
    match (outcome.failed_step, outcome.errno.as_ref()) {
        (None, _) => Finding::new(
            &EXPERIMENT,
            Status::Ok,
            "a one-id user namespace works: maps written, tmpfs mounted",
        )
        .evidence("experiment userns", steps_passed(outcome)),
        (Some(step), failure) => {
            let cause = cause_of(step, failure, facts, context);
            let errno = failure.map_or_else(|| "an unknown error".to_string(), ToString::to_string);
            Finding::new(
                &EXPERIMENT,
                Status::Fail,
                format!("{} failed with {errno}: {}", step.describe(), cause),
            )
            .evidence("experiment userns", steps_passed(outcome))
            .evidence("experiment userns", format!("{}: {errno}", step.describe()))
        }
    }
}

fn steps_passed(outcome: &UsernsOutcome) -> String {
    let passed: Vec<&str> = UsernsStep::ALL
        .iter()
        .filter(|step| outcome.passed(**step))
        .map(|step| step.describe())
        .collect();
    if passed.is_empty() {
        "no step passed".into()
    } else {
        format!("passed: {}", passed.join("; "))
    }
}

/// What a failed step means here: the errno read with what the static facts say. When no fact
/// explains it, the text says exactly that rather than guessing.
pub fn cause_of(
    step: UsernsStep,
    failure: Option<&StepFailure>,
    facts: &Facts,
    context: &Context,
) -> String {
    let max_zero = matches!(facts.max_user_namespaces, Ok(Some(0)));
    let clone_off = !context.is_root && matches!(facts.unprivileged_userns_clone, Ok(Some(0)));
    let no_user_ns = facts.config_user_ns == Some(false) || !facts.ns_user_link;
    let unexplained = |what: &str| format!("{what}; no fact found here explains it");
    let errno = match failure {
        Some(StepFailure::Timeout) => {
            return "the step did not finish within the time limit".into();
        }
        Some(StepFailure::Signal(signal)) if signal == "SIGSYS" && context.seccomp_filter => {
            return "killed by the seccomp filter (SIGSYS)".into();
        }
        Some(StepFailure::Signal(signal)) => return unexplained(&format!("killed by {signal}")),
        Some(StepFailure::Exit(code)) => {
            return unexplained(&format!("the child exited with {code} before reporting"));
        }
        Some(StepFailure::Unknown) | None => return unexplained("it ended in an unknown way"),
        Some(StepFailure::Errno(name)) => name.as_str(),
    };
    let text = match (step, errno) {
        (UsernsStep::Unshare, _) if context.linux_emulation => {
            "FreeBSD's Linux emulation has no namespaces"
        }
        (UsernsStep::Unshare, "ENOSPC" | "EINVAL" | "EPERM") if max_zero => {
            "user.max_user_namespaces is 0"
        }
        (UsernsStep::Unshare, "EPERM") if context.chrooted => {
            "this process is chrooted: the kernel refuses new user namespaces to it"
        }
        (UsernsStep::Unshare, "EPERM") if clone_off => "kernel.unprivileged_userns_clone is 0",
        (UsernsStep::Unshare, "EINVAL") if no_user_ns => "the kernel has no user namespaces",
        (UsernsStep::Unshare, "EINVAL") => {
            return unexplained("unshare refused (EINVAL: a threaded or chrooted caller)");
        }
        (UsernsStep::Unshare, "ENOSPC") => "the user-namespace limit or nesting depth is reached",
        (UsernsStep::Unshare, "EUSERS") => "the nesting depth of user namespaces is exceeded",
        (UsernsStep::Unshare, "EPERM" | "ENOSYS") if context.seccomp_filter => {
            "the seccomp filter refuses unshare(CLONE_NEWUSER)"
        }
        (UsernsStep::Unshare, "ENOSYS") => {
            return unexplained("unshare() does not exist here");
        }
        (UsernsStep::Unshare, "EPERM") => {
            return unexplained("refused (EPERM: an LSM or a chroot)");
        }
        (UsernsStep::Setgroups | UsernsStep::UidMap | UsernsStep::GidMap, "EPERM" | "EACCES")
            if matches!(facts.apparmor_restrict, Ok(Some(v)) if v != 0) =>
        {
            "AppArmor's unprivileged_userns restriction left the namespace without capabilities"
        }
        (UsernsStep::MountNamespace | UsernsStep::MountTmpfsRestricted, "EPERM" | "EACCES")
            if context.seccomp_filter =>
        {
            "the seccomp filter refuses mounts"
        }
        (UsernsStep::MountTmpfs, "EPERM") if context.chromiumos_mount_rule => {
            "only noexec,nosuid,nodev mounts are allowed (the ChromeOS chromiumos LSM rule)"
        }
        (UsernsStep::MountOverlay, _) => {
            "the kernel refuses overlay mounts in a user namespace (before Linux 5.11, or an LSM)"
        }
        (step, errno) => {
            return unexplained(&format!("{} failed with {errno}", step.describe()));
        }
    };
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_config_values() {
        assert_eq!(
            config_value("CONFIG_A=y\nCONFIG_USER_NS=y\n", "CONFIG_USER_NS"),
            Some(true)
        );
        assert_eq!(
            config_value("# CONFIG_USER_NS is not set\n", "CONFIG_USER_NS"),
            Some(false)
        );
        assert_eq!(config_value("CONFIG_USER_NS_X=y\n", "CONFIG_USER_NS"), None);
    }

    /// A recorded host with a kernel config that leaves user namespaces out, with or
    /// without the `/proc/self/ns/user` link.
    fn host_with_config(link: bool) -> (tempfile::TempDir, crate::host::RecordedHost) {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tempdir");
        let proc = dir.path().join("root/proc");
        std::fs::create_dir_all(proc.join("self/ns")).expect("dirs");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"CONFIG_SYSVIPC=y\n# CONFIG_USER_NS is not set\nCONFIG_PID_NS=y\n")
            .expect("gzip");
        std::fs::write(proc.join("config.gz"), gz.finish().expect("gzip")).expect("config.gz");
        if link {
            std::os::unix::fs::symlink("user:[4026531837]", proc.join("self/ns/user"))
                .expect("link");
        }
        std::fs::write(
            dir.path().join("host.toml"),
            "[source]\nimitates = \"test\"\n\n[identity]\nuid = 1000\ngid = 1000\n",
        )
        .expect("host.toml");
        let host = crate::host::RecordedHost::open(dir.path()).expect("recorded host");
        (dir, host)
    }

    #[test]
    fn the_kernel_config_is_read_only_when_the_namespace_link_is_missing() {
        let (_dir, host) = host_with_config(false);
        let facts = gather(&host);
        assert_eq!(facts.config_user_ns, Some(false));
        let finding = judge(&facts, &Context::default()).remove(0);
        assert_eq!(
            (finding.id, finding.status),
            (CONFIG_USER_NS.id, Status::Fail)
        );
        assert_eq!(finding.evidence[0].source, "/proc/config.gz");

        // The link proves the option: the config (contradicting it here) is not inflated.
        let (_dir, host) = host_with_config(true);
        let facts = gather(&host);
        assert_eq!(facts.config_user_ns, None);
        let finding = judge(&facts, &Context::default()).remove(0);
        assert_eq!(
            (finding.id, finding.status),
            (CONFIG_USER_NS.id, Status::Ok)
        );
        assert_eq!(finding.evidence[0].source, NS_USER);
    }

    fn facts_with(max: Option<i64>, config: Option<bool>) -> Facts {
        Facts {
            config_user_ns: config,
            ns_user_link: true,
            max_user_namespaces: Ok(max),
            unprivileged_userns_clone: Ok(None),
            apparmor_restrict: Ok(None),
            uid_map: None,
            gid_map: None,
            experiment: crate::experiment::pending(),
        }
    }

    fn errno(name: &str) -> Option<StepFailure> {
        Some(StepFailure::Errno(name.into()))
    }

    fn program(
        name: &'static str,
        path: &str,
        profile: Option<&str>,
        rewritable: Rewritable,
    ) -> UsernsProgram {
        UsernsProgram {
            name,
            path: PathBuf::from(path),
            profile: profile.map(str::to_string),
            rewritable,
            profiled_distribution_path: (name == "rootlesskit")
                .then(|| PathBuf::from("/usr/bin/rootlesskit")),
        }
    }

    #[test]
    fn the_apparmor_fix_profiles_only_unprofiled_programs_that_only_root_can_rewrite() {
        let mut facts = facts_with(Some(62771), None);
        facts.apparmor_restrict = Ok(Some(1));
        let context = Context {
            programs: vec![
                program(
                    "podman",
                    "/usr/bin/podman",
                    Some("/etc/apparmor.d/podman"),
                    Rewritable::OnlyByRoot,
                ),
                program("bwrap", "/usr/bin/bwrap", None, Rewritable::OnlyByRoot),
                program(
                    "rootlesskit",
                    "/home/alice/bin/rootlesskit",
                    None,
                    Rewritable::ByOthers("it is owned by uid 1000".into()),
                ),
            ],
            ..Context::default()
        };
        let finding = judge(&facts, &context)
            .into_iter()
            .find(|f| f.id == APPARMOR.id)
            .unwrap();
        assert_eq!(finding.status, Status::Warn);
        let commands: Vec<&str> = finding
            .fix
            .with_root
            .iter()
            .filter(|step| step.is_command())
            .map(|step| step.text())
            .collect();
        assert_eq!(commands.len(), 2, "{commands:#?}");
        assert!(commands[0].starts_with(
            "printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\nprofile usr.bin.bwrap /usr/bin/bwrap flags=(unconfined) {\\n  userns,\\n}\\n' > /etc/apparmor.d/usr.bin.bwrap && apparmor_parser -r /etc/apparmor.d/usr.bin.bwrap"
        ));
        assert!(commands[1].starts_with("sysctl kernel.apparmor_restrict_unprivileged_userns=0"));
        // Neither the profiled podman nor the user's own rootlesskit gets a profile.
        assert!(
            commands
                .iter()
                .all(|c| !c.contains("podman") && !c.contains("/home/alice"))
        );
        let prose: Vec<&str> = finding
            .fix
            .with_root
            .iter()
            .filter(|step| !step.is_command())
            .map(|step| step.text())
            .collect();
        assert_eq!(prose.len(), 1);
        assert!(prose[0].contains("/home/alice/bin/rootlesskit: it is owned by uid 1000"));
        assert!(prose[0].contains("(/usr/bin/rootlesskit), whose profile grants userns"));
        let evidence: Vec<String> = finding
            .evidence
            .iter()
            .map(|e| format!("{}: {}", e.source, e.excerpt))
            .collect();
        assert!(
            evidence
                .contains(&"/usr/bin/podman: /etc/apparmor.d/podman grants it userns".to_string())
        );
        assert!(evidence.contains(&"/usr/bin/bwrap: no userns profile".to_string()));
    }

    #[test]
    fn an_errno_is_read_with_the_facts_that_explain_it() {
        let zero = facts_with(Some(0), Some(true));
        let cause = cause_of(
            UsernsStep::Unshare,
            errno("EINVAL").as_ref(),
            &zero,
            &Context::default(),
        );
        assert_eq!(cause, "user.max_user_namespaces is 0");
        let healthy = facts_with(Some(1000), Some(true));
        let cause = cause_of(
            UsernsStep::Unshare,
            errno("EINVAL").as_ref(),
            &healthy,
            &Context::default(),
        );
        assert!(!cause.contains("no user namespaces"), "{cause}");
        assert!(cause.contains("no fact found here explains it"), "{cause}");
        let no_ns = facts_with(None, Some(false));
        let cause = cause_of(
            UsernsStep::Unshare,
            errno("EINVAL").as_ref(),
            &no_ns,
            &Context::default(),
        );
        assert_eq!(cause, "the kernel has no user namespaces");
    }

    #[test]
    fn enosys_is_seccomp_only_where_a_filter_is_on() {
        let facts = facts_with(Some(1000), Some(true));
        let plain = cause_of(
            UsernsStep::Unshare,
            errno("ENOSYS").as_ref(),
            &facts,
            &Context::default(),
        );
        assert!(plain.contains("no fact found here explains it"), "{plain}");
        let filtered = Context {
            seccomp_filter: true,
            ..Context::default()
        };
        let cause = cause_of(
            UsernsStep::Unshare,
            errno("ENOSYS").as_ref(),
            &facts,
            &filtered,
        );
        assert!(cause.contains("seccomp"), "{cause}");
        let emulated = Context {
            linux_emulation: true,
            ..Context::default()
        };
        let cause = cause_of(
            UsernsStep::Unshare,
            errno("ENOSYS").as_ref(),
            &facts,
            &emulated,
        );
        assert!(cause.contains("FreeBSD"), "{cause}");
    }

    #[test]
    fn id_maps_parse_with_kernel_spacing() {
        let map = "         0       1000          1\n         1     100000      65536\n";
        assert_eq!(parse_id_map(map), vec![(0, 1000, 1), (1, 100000, 65536)]);
    }
}
