//! One module per area. Each has `gather(&dyn Host, …) -> Facts` (I/O, tolerant: a missing or
//! unreadable file is a fact, not an error) and `judge(&Facts) -> Vec<Finding>` (pure), plus
//! `DOCS`, the catalogue entries of the finding ids it can emit.

pub mod build_env;
pub mod capability;
pub mod containers_conf;
pub mod fallback;
pub mod file_caps;
pub mod free_range;
pub mod guix;
pub mod identity;
pub mod idmap;
pub mod kernel_log;
pub mod login_defs;
pub mod lsm;
pub mod network;
pub mod nix;
pub mod package;
pub mod pause;
pub mod platform;
pub mod programs;
pub mod rootful;
pub mod runtime;
pub mod session;
pub mod storage;
pub mod subid;
pub mod subid_fix;
pub mod udev;
pub mod userns;

use std::path::Path;

use crate::experiment::{Outcome, PlanLater};

use crate::host::{Host, HostError, SearchPath};

/// Reads a text file that may legitimately be absent: `Ok(None)` when it does not exist.
pub(crate) fn read_optional(host: &dyn Host, path: &str) -> Result<Option<String>, HostError> {
    match host.read_string(Path::new(path)) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// A number from a one-value file such as a sysctl under `/proc/sys`. Absent is a fact
/// (`Ok(None)`: the kernel has no such knob); unreadable or malformed is an error with the reason.
pub(crate) fn read_number(host: &dyn Host, path: &str) -> Result<Option<i64>, String> {
    match read_optional(host, path) {
        Ok(None) => Ok(None),
        Ok(Some(text)) => text
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("{path}: not a number: {:?}", first_line(&text))),
        Err(err) => Err(err.to_string()),
    }
}

/// The first line of a text, shortened for evidence.
pub(crate) fn first_line(text: &str) -> &str {
    let line = text.lines().next().unwrap_or("");
    match line.char_indices().nth(200) {
        Some((cut, _)) => &line[..cut],
        None => line,
    }
}

/// The line of `text` that starts with `key`, for evidence excerpts.
pub(crate) fn line_starting<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find(|line| line.starts_with(key))
}

/// The name of a sysctl as `sysctl` prints it, from its `/proc/sys` path.
pub(crate) fn sysctl_name(path: &str) -> String {
    path.trim_start_matches("/proc/sys/").replace('/', ".")
}

/// Every fact hostcap gathers, by area.
#[derive(Debug, Clone)]
pub struct Facts {
    pub identity: identity::Facts,
    pub platform: platform::Facts,
    pub userns: userns::Facts,
    pub subid: subid::Facts,
    pub idmap: idmap::Facts,
    pub lsm: lsm::Facts,
    pub fallback: fallback::Facts,
    pub session: session::Facts,
    pub runtime: runtime::Facts,
    pub network: network::Facts,
    pub storage: storage::Facts,
    pub pause: pause::Facts,
    pub programs: programs::Facts,
    pub nix: nix::Facts,
    pub guix: guix::Facts,
    pub build_env: build_env::Facts,
    pub kernel_log: kernel_log::Facts,
}

impl Facts {
    /// Root that is really root, not uid 0 of a namespace that maps nothing else
    /// (`unshare -r`): it may change the host, start build daemons and take podman's rootful
    /// path with effect.
    pub fn real_root(&self) -> bool {
        self.identity.is_root() && !self.session.fake_root()
    }
}

/// Gathers every area. Both experiments' children are forked before anything else; each
/// experiment then runs in its child beside the static reading: the helpers as soon as their
/// plan is known, the user-namespace steps right after. What depends on an outcome waits for
/// it. The kernel log is read last so that it holds the denials the experiments caused.
pub fn gather(host: &(dyn Host + Sync)) -> Facts {
    // Before any thread or allocation of the check: see `Host::fork_experiments`.
    host.fork_experiments();
    std::thread::scope(|scope| {
        // Started first, so that the child is ready in its namespace when the plan is; the
        // plan is the first thing worked out.
        let (send_plan, plan) = PlanLater::channel();
        let idmap_run = scope.spawn(move || host.idmap_experiment(plan));
        let identity = identity::gather(host);
        let id = identity.identity.as_ref().ok();
        let mut userns = userns::gather(host);
        let subid = subid::gather(host, &identity, &userns);
        // PATH resolved once for every program lookup of the check.
        let search = SearchPath::from_env(host);
        let located = idmap::locate(host, id, &subid, &search);
        if let Ok(plan) = &located.plan {
            // The receiver lives until the experiment has its plan: this cannot fail.
            let _ = send_plan.send(plan.clone());
        }
        drop(send_plan);
        // Needed only once the static reading is done: let go after the plan, so that the
        // helpers' start does not wait for this experiment's mounts to share the processors.
        let userns_run = scope.spawn(|| host.userns_experiment());
        let package_manager = package::PackageManager::detect(host);
        // Read once: the helpers' mounts (nosuid), cgroups and storage all come from it.
        let mountinfo = host
            .read_string(Path::new("/proc/self/mountinfo"))
            .map_err(|e| e.to_string());
        let mut idmap = idmap::gather(host, located, &subid, &mountinfo, package_manager);
        // podman finds its configuration and storage from $HOME (Go's os.UserHomeDir), not
        // from the user database, so the environment wins.
        let home = host
            .env("HOME")
            .filter(|h| h.starts_with('/'))
            .or_else(|| id.and_then(|id| id.home.clone()));
        let rootless = id.is_none_or(|id| id.euid.unwrap_or(id.uid) != 0);
        let conf = containers_conf::gather(host, home.as_deref(), rootless);
        let runtime = runtime::gather(
            host,
            &conf,
            &mountinfo,
            id.map(|i| i.uid),
            rootless,
            package_manager,
            &search,
        );
        let platform = platform::gather(host, userns.uid_map.as_deref());
        let lsm = lsm::gather(host, identity.uid());
        // Whether udev makes /dev: the device fixes of three probes depend on it.
        let udev = udev::manages_dev(host);
        let mut fallback = fallback::gather(
            host,
            id,
            userns.nested(),
            identity.no_new_privs(),
            &mountinfo,
            package_manager,
            &search,
        );
        fallback.udev &= udev;
        let session = session::gather(host, id, userns.uid_map.as_deref());
        let mut network = network::gather(host, &conf, package_manager, &search);
        network.udev = udev;
        let pause = pause::gather(host, session.runtime_dir.as_deref(), &subid);
        let programs = programs::gather(host, &search, userns::apparmor_restricts(&userns));
        let mut nix = nix::gather(host, &identity, &search);
        nix.systemd = session.systemd;
        let guix = guix::gather(host, &search);
        let mut build_env = build_env::gather(host, &identity);
        build_env.in_user_namespace = userns.nested();
        userns.experiment = joined(userns_run);
        let mut storage = storage::gather(
            host,
            &conf,
            home.as_deref(),
            &mountinfo,
            &userns.experiment,
            &search,
            id,
        );
        storage.udev = udev;
        match idmap_run.join() {
            Ok(Some(outcome)) => idmap.experiment = outcome,
            // No plan: the reason it was skipped is already there.
            Ok(None) => {}
            Err(_) => idmap.experiment = thread_panicked(),
        }
        let something_failed = matches!(&userns.experiment, Outcome::Ran(o) if !o.all_passed())
            || matches!(&idmap.experiment, Outcome::Ran(o) if !o.succeeded());
        let denying_lsm = lsm.safesetid_constrains_user()
            || lsm.chromiumos_mount_rule()
            || userns::apparmor_restricts(&userns);
        let kernel_log = kernel_log::gather(host, something_failed || denying_lsm);
        Facts {
            identity,
            platform,
            userns,
            subid,
            idmap,
            lsm,
            fallback,
            session,
            runtime,
            network,
            storage,
            pause,
            programs,
            nix,
            guix,
            build_env,
            kernel_log,
        }
    })
}

/// The outcome of an experiment run on its own thread; a panic there is an outcome too.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Outcome<T>>) -> Outcome<T> {
    handle.join().unwrap_or_else(|_| thread_panicked())
}

fn thread_panicked<T>() -> Outcome<T> {
    Outcome::Skipped {
        reason: "the experiment thread panicked".into(),
    }
}

/// Every area's findings, in report order.
pub fn judge(facts: &Facts) -> Vec<crate::finding::Finding> {
    let mut findings = platform::judge(&facts.platform, &facts.userns.experiment);
    if let platform::Kind::NotLinux(os) = facts.platform.kind() {
        // Every other area reads what only Linux has (procfs, namespaces, id maps, cgroups,
        // LSMs): off Linux its findings would only repeat that Linux is missing.
        findings.extend(fallback::judge_elsewhere(&facts.fallback, os));
        return findings;
    }
    let starter = match (facts.platform.kind(), &facts.platform.container) {
        (platform::Kind::ChromeOsHost, _) => identity::Starter::Crosh,
        (_, Some(container)) if container.engine == platform::Engine::Kubernetes => {
            identity::Starter::Pod
        }
        (_, Some(container))
            if matches!(
                container.engine,
                platform::Engine::Docker | platform::Engine::Podman
            ) =>
        {
            identity::Starter::ContainerEngine
        }
        _ => identity::Starter::Other,
    };
    findings.extend(identity::judge(
        &facts.identity,
        facts.session.fake_root(),
        starter,
    ));
    let context = userns::Context {
        is_root: facts.identity.is_root(),
        seccomp_filter: facts
            .identity
            .status
            .as_ref()
            .is_ok_and(|s| s.seccomp == Some(2)),
        chromiumos_mount_rule: facts.lsm.chromiumos_mount_rule(),
        linux_emulation: facts.platform.kind() == platform::Kind::Linuxulator,
        chrooted: facts.platform.kind() == platform::Kind::Chroot,
        programs: userns_programs(facts),
    };
    findings.extend(userns::judge(&facts.userns, &context));
    findings.extend(lsm::judge(&facts.lsm));
    findings.extend(idmap::judge(&facts.idmap));
    findings.extend(subid::judge(&facts.subid));
    findings.extend(session::judge(&facts.session));
    findings.extend(rootful::judge(&facts.identity, facts.session.fake_root()));
    findings.extend(runtime::judge(&facts.runtime));
    findings.extend(network::judge(&facts.network));
    findings.extend(storage::judge(&facts.storage));
    findings.extend(pause::judge(&facts.pause));
    findings.extend(programs::judge(&facts.programs));
    findings.extend(nix::judge(&facts.nix));
    findings.extend(guix::judge(&facts.guix));
    findings.extend(build_env::judge(&facts.build_env));
    findings.extend(kernel_log::judge(&facts.kernel_log));
    findings.extend(fallback::judge(&facts.fallback));
    findings
}

/// The installed programs that create user namespaces themselves, with what AppArmor's
/// profiles say of them and of the distribution's copies.
fn userns_programs(facts: &Facts) -> Vec<userns::UsernsProgram> {
    ["podman", "rootlesskit", "bwrap"]
        .into_iter()
        .filter_map(|name| facts.programs.get(name).filter(|p| p.installed()))
        .map(|program| {
            let path = program.judged_path();
            let distribution = std::path::PathBuf::from(programs::distribution_path(program.name));
            userns::UsernsProgram {
                name: program.name,
                profile: facts.lsm.userns_profile_for(&path).map(|p| p.file.clone()),
                rewritable: program.rewritable.clone(),
                profiled_distribution_path: facts
                    .lsm
                    .userns_profile_for(&distribution)
                    .map(|_| distribution),
                path,
            }
        })
        .collect()
}
