//! Judging for another user (`hostcap check --user NAME`, run as root): who that user is, the
//! environment their login would give them, and a reader thread that holds their credentials.
//!
//! An installer runs as root but must know whether the person it installs for can run rootless
//! containers. [`super::LiveHost::for_user`] answers for that person without changing a probe:
//! - identity from the user database (NSS: `getpwnam`/`getpwuid`, `getgrouplist`);
//! - the environment of a fresh login (see [`login_environment`]), nothing of root's;
//! - every file access (reads, `stat`, listings, links, xattrs, opening `/dev/kvm` and
//!   `/dev/net/tun`, the kernel log) made by a thread that has become the user — Linux keeps
//!   credentials per thread, so that thread sees exactly the permissions the user has, and its
//!   `/proc/thread-self/status` is what a process of the user shows as `/proc/self/status`
//!   (their uid and gid, no effective or permitted capabilities; the same NoNewPrivs, Seccomp
//!   and bounding set as this session);
//! - the experiments in children that become the user before they unshare, and newuidmap and
//!   newgidmap run as the user (see [`crate::experiment::RunAs`]).
// The live host's own half: it reaches the system directly, as live.rs does.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::Path;

use nix::unistd::{Gid, Uid, User};

use super::{FileKind, Group, Host, Identity, LiveHost};
use crate::experiment::RunAs;

/// `PATH` when `/etc/login.defs` sets no `ENV_PATH`: util-linux login's `_PATH_DEFPATH`, in the
/// order Debian, Ubuntu and Fedora ship.
pub const DEFAULT_LOGIN_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The user a live host is judged for, as their login would make them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
    pub home: String,
    pub shell: String,
    /// Every group a login gives them (`getgrouplist`: the primary group and the supplementary
    /// ones of the group database), as `initgroups` sets them.
    pub groups: Vec<Group>,
    /// The whole environment the check sees for them; nothing else is set.
    pub env: BTreeMap<String, String>,
    /// Where `PATH` came from, for the report.
    pub path_source: String,
}

/// Why a live host cannot be judged for the user asked for. Each is one line for stderr.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    #[error("--user {0}: no such user in the user database")]
    NoSuchUser(String),
    #[error("--uid {0}: no user with this uid in the user database")]
    NoSuchUid(u32),
    #[error("looking up {0}: {1}")]
    Lookup(String, String),
    #[error(
        "judging {name} (uid {uid}) needs root (this is uid {own}); run hostcap as {name}, or with sudo"
    )]
    NotRoot { name: String, uid: u32, own: u32 },
    #[error("could not become {name} (uid {uid}): {reason}")]
    Become {
        name: String,
        uid: u32,
        reason: String,
    },
}

impl Subject {
    /// The user named `name`, from the user database.
    pub fn by_name(name: &str) -> Result<Subject, SubjectError> {
        match User::from_name(name) {
            Ok(Some(user)) => Ok(Self::from_user(user)),
            Ok(None) => Err(SubjectError::NoSuchUser(name.to_string())),
            Err(err) => Err(SubjectError::Lookup(name.to_string(), err.to_string())),
        }
    }

    /// The user with uid `uid`, from the user database.
    pub fn by_uid(uid: u32) -> Result<Subject, SubjectError> {
        match User::from_uid(Uid::from_raw(uid)) {
            Ok(Some(user)) => Ok(Self::from_user(user)),
            Ok(None) => Err(SubjectError::NoSuchUid(uid)),
            Err(err) => Err(SubjectError::Lookup(format!("uid {uid}"), err.to_string())),
        }
    }

    fn from_user(user: User) -> Subject {
        let gids = login_groups(&user).unwrap_or_else(|| vec![user.gid]);
        let groups = gids
            .into_iter()
            .map(|gid| Group {
                gid: gid.as_raw(),
                name: nix::unistd::Group::from_gid(gid)
                    .ok()
                    .flatten()
                    .map(|g| g.name),
            })
            .collect();
        let home = user.dir.to_string_lossy().into_owned();
        // login(1) and su(1) start /bin/sh for an empty shell field.
        let shell = Some(user.shell.to_string_lossy().into_owned())
            .filter(|shell| !shell.is_empty())
            .unwrap_or_else(|| "/bin/sh".into());
        let uid = user.uid.as_raw();
        // Read as hostcap's own user, through the seam: login reads them as root too.
        let host = LiveHost::new(true);
        let is_dir = |path: &str| {
            host.metadata(Path::new(path))
                .is_ok_and(|meta| meta.kind == FileKind::Dir)
        };
        let login_defs = host.read_string(Path::new("/etc/login.defs")).ok();
        let (env, path_source) = login_environment(
            &Login {
                uid,
                name: &user.name,
                home: &home,
                shell: &shell,
            },
            login_defs.as_deref(),
            is_dir,
        );
        Subject {
            uid,
            gid: user.gid.as_raw(),
            name: user.name,
            home,
            shell,
            groups,
            env,
            path_source,
        }
    }

    pub fn identity(&self) -> Identity {
        Identity {
            uid: self.uid,
            gid: self.gid,
            euid: Some(self.uid),
            user: Some(self.name.clone()),
            home: Some(self.home.clone()),
            groups: self.groups.clone(),
        }
    }

    /// What the experiments run as.
    pub fn run_as(&self) -> RunAs {
        RunAs {
            uid: self.uid,
            gid: self.gid,
            groups: self.groups.iter().map(|g| g.gid).collect(),
            env: self
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// Whether this is the user running hostcap: then there is nobody else to become.
    pub fn is_current_user(&self) -> bool {
        Uid::current().as_raw() == self.uid && Uid::effective().as_raw() == self.uid
    }
}

/// Every group `initgroups` would give the user at login (`getgrouplist(3)`).
#[cfg(not(target_vendor = "apple"))]
pub(super) fn login_groups(user: &User) -> Option<Vec<Gid>> {
    let name = CString::new(user.name.as_str()).ok()?;
    nix::unistd::getgrouplist(&name, user.gid).ok()
}

/// Every group `initgroups` would give the user at login (`getgrouplist(3)`, what `id -G`
/// shows). macOS's takes `int` gids, and nix does not wrap it.
#[cfg(target_vendor = "apple")]
pub(super) fn login_groups(user: &User) -> Option<Vec<Gid>> {
    let name = CString::new(user.name.as_str()).ok()?;
    let mut groups: Vec<libc::c_int> = vec![0; 1024];
    let mut count = groups.len() as libc::c_int;
    // SAFETY: `groups` holds `count` ints; getgrouplist writes at most that many and stores
    // how many it wrote in `count` (it returns -1 when they did not all fit).
    let filled = unsafe {
        libc::getgrouplist(
            name.as_ptr(),
            user.gid.as_raw() as libc::c_int,
            groups.as_mut_ptr(),
            &mut count,
        )
    };
    if filled < 0 {
        return None;
    }
    groups.truncate(usize::try_from(count).ok()?);
    Some(
        groups
            .into_iter()
            .map(|g| Gid::from_raw(g as u32))
            .collect(),
    )
}

/// The fields of a user database entry a login reads.
pub struct Login<'a> {
    pub uid: u32,
    pub name: &'a str,
    pub home: &'a str,
    pub shell: &'a str,
}

/// The environment a fresh login gives `user`, as the check assumes it:
/// - `HOME`, `USER`, `LOGNAME`, `SHELL` from the user database entry, as login(1) sets them;
/// - `PATH`: `ENV_PATH` of `/etc/login.defs` (what login(1) sets, and what Debian's
///   `/etc/profile` sets again for a login shell), else [`DEFAULT_LOGIN_PATH`]; with
///   `~/.local/bin` and `~/bin` in front when they exist, as the default `~/.profile` of
///   Debian and Ubuntu and `~/.bashrc` of Fedora put them;
/// - `XDG_RUNTIME_DIR=/run/user/UID` when that directory exists (systemd-logind made it for a
///   session or lingering), else unset;
/// - nothing else: none of the caller's variables (root's, sudo's) leak in.
///
/// Returns the environment and a note on where `PATH` came from.
pub fn login_environment(
    user: &Login<'_>,
    login_defs: Option<&str>,
    is_dir: impl Fn(&str) -> bool,
) -> (BTreeMap<String, String>, String) {
    let (base, mut source) = match login_defs.and_then(env_path) {
        Some(path) => (path, "ENV_PATH of /etc/login.defs".to_string()),
        None => (
            DEFAULT_LOGIN_PATH.to_string(),
            "login's default (no ENV_PATH in /etc/login.defs)".to_string(),
        ),
    };
    let mut dirs: Vec<String> = Vec::new();
    for bin in [".local/bin", "bin"] {
        let dir = format!("{}/{bin}", user.home.trim_end_matches('/'));
        if is_dir(&dir) {
            source.push_str(&format!(", after ~/{bin} (it exists)"));
            dirs.push(dir);
        }
    }
    dirs.push(base);
    let mut env = BTreeMap::new();
    env.insert("HOME".to_string(), user.home.to_string());
    env.insert("USER".to_string(), user.name.to_string());
    env.insert("LOGNAME".to_string(), user.name.to_string());
    env.insert("SHELL".to_string(), user.shell.to_string());
    env.insert("PATH".to_string(), dirs.join(":"));
    let run_user = format!("/run/user/{}", user.uid);
    if is_dir(&run_user) {
        env.insert("XDG_RUNTIME_DIR".to_string(), run_user);
    }
    (env, source)
}

/// `ENV_PATH` of a login.defs text, without the optional `PATH=` that shadow and util-linux
/// both accept in front of it. The last definition wins, as in shadow's parser.
fn env_path(login_defs: &str) -> Option<String> {
    login_defs.lines().rev().find_map(|line| {
        let line = line.trim();
        let rest = line.strip_prefix("ENV_PATH")?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        let value = rest.trim().trim_matches('"');
        let value = value.strip_prefix("PATH=").unwrap_or(value);
        (!value.is_empty()).then(|| value.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: Login<'static> = Login {
        uid: 1000,
        name: "alice",
        home: "/home/alice",
        shell: "/bin/bash",
    };

    #[test]
    fn env_path_takes_login_defs_with_or_without_the_path_prefix() {
        let debian = "# comment ENV_PATH x\nENV_SUPATH\tPATH=/usr/local/sbin:/usr/sbin\n\
                      ENV_PATH\tPATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games\n";
        assert_eq!(
            env_path(debian).as_deref(),
            Some("/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games")
        );
        assert_eq!(
            env_path("ENV_PATH /opt/bin:/usr/bin\n").as_deref(),
            Some("/opt/bin:/usr/bin")
        );
        assert_eq!(env_path("#ENV_PATH PATH=/x\nENV_PATHS /y\n"), None);
        assert_eq!(env_path("ENV_PATH\n"), None);
    }

    #[test]
    fn a_login_environment_holds_only_what_a_login_sets() {
        let (env, source) = login_environment(&ALICE, None, |_| false);
        let keys: Vec<&str> = env.keys().map(String::as_str).collect();
        assert_eq!(keys, ["HOME", "LOGNAME", "PATH", "SHELL", "USER"]);
        assert_eq!(env["PATH"], DEFAULT_LOGIN_PATH);
        assert_eq!(env["HOME"], "/home/alice");
        assert_eq!(env["USER"], "alice");
        assert_eq!(env["LOGNAME"], "alice");
        assert_eq!(env["SHELL"], "/bin/bash");
        assert!(source.contains("default"), "{source}");
    }

    #[test]
    fn home_bins_come_first_and_the_runtime_dir_only_when_it_exists() {
        let exists = |dir: &str| {
            [
                "/home/alice/bin",
                "/home/alice/.local/bin",
                "/run/user/1000",
            ]
            .contains(&dir)
        };
        let defs = "ENV_PATH PATH=/usr/local/bin:/usr/bin:/bin\n";
        let (env, source) = login_environment(&ALICE, Some(defs), exists);
        assert_eq!(
            env["PATH"],
            "/home/alice/.local/bin:/home/alice/bin:/usr/local/bin:/usr/bin:/bin"
        );
        assert_eq!(env["XDG_RUNTIME_DIR"], "/run/user/1000");
        assert!(
            source.starts_with("ENV_PATH of /etc/login.defs"),
            "{source}"
        );
    }

    #[test]
    fn unknown_users_are_refused_by_name_and_uid() {
        assert_eq!(
            Subject::by_name("hostcap-no-such-user"),
            Err(SubjectError::NoSuchUser("hostcap-no-such-user".into()))
        );
        assert_eq!(
            Subject::by_uid(4_000_000_001),
            Err(SubjectError::NoSuchUid(4_000_000_001))
        );
    }

    #[test]
    fn a_subject_from_the_user_database_has_its_primary_group() {
        let subject = Subject::by_uid(0).expect("root is in the user database");
        assert_eq!(subject.name, "root");
        assert!(subject.groups.iter().any(|g| g.gid == subject.gid));
        assert_eq!(subject.env["USER"], "root");
        assert_eq!(subject.identity().euid, Some(0));
    }
}
