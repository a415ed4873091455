//! Environment hygiene for builds. Whatever sandbox a build gets, the tools that start it
//! (nix, nix-env, guix, image builders) take HOME, TMPDIR, the XDG directories and their own
//! NIX_*/GUIX_* variables from the environment of the shell that runs them. A shell from
//! `sudo` without `-H`, or a CI job that inherits another account's variables, hands them the
//! wrong user's paths: in nix-community/disko#622 an image built as root came out holding the
//! invoking user's home directory with a `.nix-defexpr` that `nix-env` had created there.
//! This area compares those variables with the user database.

use std::path::{Component, Path, PathBuf};

use crate::finding::{Evidence, Finding, FindingDoc, Status};
use crate::host::FileMeta;
use crate::host::Host;
use crate::probe::identity;
use crate::probe::read_optional;

/// Path-valued variables that decide where build tools read and write: the XDG base
/// directories, TMPDIR, and the NIX_* and GUIX_* variables Nix (doc/manual
/// command-ref/env-common.md) and Guix (guix/*.scm `getenv` calls) read. The host seam has
/// no "every variable", so the list is fixed.
pub const PATH_VARS: &[&str] = &[
    "TMPDIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_CONFIG_DIRS",
    "XDG_DATA_DIRS",
    "NIX_PATH",
    "NIX_CONF_DIR",
    "NIX_USER_CONF_FILES",
    "NIX_CONFIG_HOME",
    "NIX_CACHE_HOME",
    "NIX_DATA_HOME",
    "NIX_STATE_HOME",
    "NIX_STATE_DIR",
    "NIX_STORE_DIR",
    "NIX_LOG_DIR",
    "NIX_DAEMON_SOCKET_PATH",
    "NIX_REMOTE",
    "NIX_PROFILES",
    "NIX_SSL_CERT_FILE",
    "GUIX_PROFILE",
    "GUIX_ENVIRONMENT",
    "GUIX_LOCPATH",
    "GUIX_PACKAGE_PATH",
    "GUIX_EXTENSIONS_PATH",
    "GUIX_STATE_DIRECTORY",
    "GUIX_CONFIGURATION_DIRECTORY",
    "GUIX_LOG_DIRECTORY",
    "GUIX_DAEMON_SOCKET",
];

/// Homes that belong to no person: a path under them says nothing about another user.
const NOT_A_HOME: &[&str] = &[
    "/",
    "/nonexistent",
    "/var/empty",
    "/dev/null",
    "/homeless-shelter",
];

/// The user hostcap judges for, from the user database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub uid: u32,
    pub user: Option<String>,
    pub home: Option<String>,
}

/// One /etc/passwd entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub home: String,
}

#[derive(Debug, Clone)]
pub struct Facts {
    pub me: Result<Me, String>,
    /// `HOME` as set (an empty value counts as unset).
    pub home: Option<String>,
    /// The HOME directory's metadata, when HOME is an absolute path.
    pub home_meta: Option<Result<FileMeta, String>>,
    pub user_var: Option<String>,
    pub sudo_user: Option<String>,
    /// The [`PATH_VARS`] that are set, in that order.
    pub vars: Vec<(&'static str, String)>,
    pub accounts: Result<Vec<Account>, String>,
    /// Inside a user namespace (`unshare -r`), the user database names the namespace's uid,
    /// not the login: HOME is then judged by its owner alone. Set by [`crate::probe::gather`].
    pub in_user_namespace: bool,
}

pub fn gather(host: &dyn Host, identity: &identity::Facts) -> Facts {
    let env = |name: &str| host.env(name).filter(|v| !v.is_empty());
    let home = env("HOME");
    let home_meta = home
        .as_ref()
        .filter(|h| h.starts_with('/'))
        .map(|h| host.metadata(Path::new(h)).map_err(|e| e.to_string()));
    Facts {
        me: identity
            .identity
            .as_ref()
            .map(|id| Me {
                uid: id.uid,
                user: id.user.clone(),
                home: id.home.clone(),
            })
            .map_err(Clone::clone),
        home,
        home_meta,
        user_var: env("USER"),
        sudo_user: env("SUDO_USER"),
        vars: PATH_VARS
            .iter()
            .filter_map(|&name| env(name).map(|value| (name, value)))
            .collect(),
        accounts: read_optional(host, "/etc/passwd")
            .map_err(|e| e.to_string())
            .map(|text| parse_passwd(text.as_deref().unwrap_or(""))),
        in_user_namespace: false,
    }
}

/// `name:password:uid:gid:gecos:home:shell`; malformed lines are skipped.
fn parse_passwd(text: &str) -> Vec<Account> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 7 {
                return None;
            }
            Some(Account {
                name: fields[0].to_string(),
                uid: fields[2].parse().ok()?,
                home: fields[5].to_string(),
            })
        })
        .collect()
}

/// `path` with `.` and `..` resolved lexically and repeated slashes gone.
fn normalize(path: &str) -> PathBuf {
    let mut out = PathBuf::from("/");
    for part in Path::new(path).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// The absolute paths in a variable's value: lists split at `:` and blanks, `name=` prefixes
/// (NIX_PATH) and `scheme://` prefixes dropped.
fn paths_in(value: &str) -> Vec<PathBuf> {
    value
        .split([':', ' '])
        .map(|part| part.rsplit_once('=').map_or(part, |(_, path)| path))
        .filter(|part| part.starts_with('/'))
        .map(normalize)
        .collect()
}

/// A path variable pointing into another user's home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    pub var: &'static str,
    pub value: String,
    pub owner: String,
    pub home: String,
}

impl Facts {
    /// The other people's homes: accounts of root and of regular users (uid ≥ 1000, not
    /// nobody) other than this one, without shared placeholders and without directories
    /// that contain this user's own home.
    fn other_homes(&self) -> Result<Vec<&Account>, String> {
        let me = self.me.as_ref().map_err(Clone::clone)?;
        let accounts = self.accounts.as_ref().map_err(Clone::clone)?;
        let mine = me.home.as_deref().map(normalize);
        Ok(accounts
            .iter()
            .filter(|a| a.uid != me.uid && (a.uid == 0 || (a.uid >= 1000 && a.uid != 65534)))
            .filter(|a| a.home.starts_with('/') && !NOT_A_HOME.contains(&a.home.as_str()))
            .filter(|a| {
                let home = normalize(&a.home);
                home != Path::new("/") && !mine.as_ref().is_some_and(|m| m.starts_with(&home))
            })
            .collect())
    }

    /// The variables that point into another user's home.
    pub fn foreign_paths(&self) -> Result<Vec<Foreign>, String> {
        let homes = self.other_homes()?;
        let mut found = Vec::new();
        for (var, value) in &self.vars {
            for path in paths_in(value) {
                if let Some(account) = homes.iter().find(|a| path.starts_with(normalize(&a.home))) {
                    if !found.iter().any(|f: &Foreign| f.var == *var) {
                        found.push(Foreign {
                            var,
                            value: value.clone(),
                            owner: account.name.clone(),
                            home: account.home.clone(),
                        });
                    }
                }
            }
        }
        Ok(found)
    }

    /// Why HOME is not this user's, or `None` when it is.
    pub fn home_problem(&self) -> Result<Option<String>, String> {
        let me = self.me.as_ref().map_err(Clone::clone)?;
        let Some(home) = &self.home else {
            return Ok(Some("HOME is not set".into()));
        };
        if !home.starts_with('/') {
            return Ok(Some(format!("HOME={home} is not an absolute path")));
        }
        if let Some(expected) = &me.home
            && !self.in_user_namespace
            && normalize(home) != normalize(expected)
        {
            return Ok(Some(format!(
                "HOME={home}, but the home of {} is {expected}",
                self.name(me)
            )));
        }
        if let Some(Ok(meta)) = &self.home_meta
            && meta.uid != me.uid
        {
            return Ok(Some(format!(
                "HOME={home} belongs to {}, not to {}",
                self.owner_name(meta.uid),
                self.name(me)
            )));
        }
        Ok(None)
    }

    fn name(&self, me: &Me) -> String {
        me.user.clone().unwrap_or_else(|| format!("uid {}", me.uid))
    }

    fn owner_name(&self, uid: u32) -> String {
        self.accounts
            .as_ref()
            .ok()
            .and_then(|accounts| accounts.iter().find(|a| a.uid == uid))
            .map_or_else(
                || format!("uid {uid}"),
                |a| format!("{} (uid {uid})", a.name),
            )
    }
}

pub const HOME_MISMATCH: FindingDoc = FindingDoc {
    id: "build_env.home_mismatch",
    summary: "HOME is not this user's home directory",
    explanation: "Build tools put per-user state under $HOME: nix-env creates ~/.nix-defexpr \
and ~/.nix-profile, Nix and Guix keep caches and configuration under ~/.cache and ~/.config. \
`sudo` without -H (and `su` without -) keeps the caller's HOME, so a build run as root writes \
root-owned files into the caller's home, or copies that home into what it builds: in \
nix-community/disko#622 a disk image built with diskoImagesScript contained the invoking \
user's home with `.nix-defexpr/channels`. Newer Nix ignores a $HOME that is not owned by the \
user and warns \"$HOME ('…') is not owned by you, falling back to the one defined in the \
'passwd' file\" (NixOS/nix src/libutil/unix/users.cc, getHome), but other tools and older Nix \
do not. hostcap compares HOME with the user database entry and with the directory's owner.",
    references: &[
        "https://github.com/nix-community/disko/issues/622",
        "NixOS/nix src/libutil/unix/users.cc (getHome)",
        "sudo(8): -H, --set-home",
        "sudoers(5): always_set_home, env_reset",
    ],
};

pub const FOREIGN_PATHS: FindingDoc = FindingDoc {
    id: "build_env.foreign_paths",
    summary: "build-related variables point into another user's home",
    explanation: "TMPDIR, the XDG base directories and the NIX_*/GUIX_* variables tell Nix, \
Guix and image builders where to read configuration (NIX_CONF_DIR, NIX_USER_CONF_FILES, \
XDG_CONFIG_HOME), which expressions to build (NIX_PATH, GUIX_PACKAGE_PATH) and where to write \
temporary files and caches (TMPDIR, XDG_CACHE_HOME). When they still name another user's \
home, typically after `sudo -E`, `su` without `-` or a CI runner that exports its own account's \
environment, a build silently uses that user's configuration and channels and leaves files in \
their home, and the result depends on who ran it. hostcap checks a fixed list of such \
variables against the homes of root and of regular accounts in /etc/passwd.",
    references: &[
        "https://github.com/nix-community/disko/issues/622",
        "NixOS/nix doc/manual/source/command-ref/env-common.md",
        "https://specifications.freedesktop.org/basedir-spec/latest/",
    ],
};

pub const DOCS: &[&FindingDoc] = &[&HOME_MISMATCH, &FOREIGN_PATHS];

pub fn judge(facts: &Facts) -> Vec<Finding> {
    vec![judge_home(facts), judge_foreign(facts)]
}

fn judge_home(facts: &Facts) -> Finding {
    let me = match &facts.me {
        Ok(me) => me,
        Err(reason) => {
            return Finding::new(
                &HOME_MISMATCH,
                Status::Unknown,
                format!("the user could not be identified: {reason}"),
            );
        }
    };
    let problem = match facts.home_problem() {
        Ok(problem) => problem,
        Err(reason) => return Finding::new(&HOME_MISMATCH, Status::Unknown, reason),
    };
    let name = facts.name(me);
    let mut evidence = vec![Evidence::new(
        "environment",
        facts
            .home
            .as_ref()
            .map_or_else(|| "HOME unset".to_string(), |h| format!("HOME={h}")),
    )];
    evidence.push(Evidence::new(
        "user database",
        match &me.home {
            Some(home) => format!("{name}: home {home}"),
            None => format!("{name}: no home directory"),
        },
    ));
    if let (Some(home), Some(meta)) = (&facts.home, &facts.home_meta) {
        evidence.push(Evidence::new(
            home.clone(),
            match meta {
                Ok(meta) => format!(
                    "owner {}, mode {:04o}",
                    facts.owner_name(meta.uid),
                    meta.mode & 0o7777
                ),
                Err(reason) => reason.clone(),
            },
        ));
    }
    if let Some(sudo) = &facts.sudo_user {
        evidence.push(Evidence::new("environment", format!("SUDO_USER={sudo}")));
    }
    if let Some(problem) = problem {
        let expected = me.home.clone().unwrap_or_else(|| "/".into());
        let mut finding = Finding::new(
            &HOME_MISMATCH,
            Status::Fail,
            format!("{problem}: build tools write this user's state into the wrong home"),
        )
        .with_evidence(evidence);
        if facts.sudo_user.is_some() {
            finding = finding
                .without_root_prose("run the build with `sudo -H …` (or `sudo -i`), which sets HOME to the target user's home");
        }
        return finding
            .without_root(format!(
                "env -i HOME={expected} USER={name} PATH=\"$PATH\" COMMAND …    # a clean environment with the right HOME"
            ))
            .without_root(format!("export HOME={expected}"));
    }
    match &facts.home_meta {
        Some(Err(reason)) if reason.contains("no such file") => Finding::new(
            &HOME_MISMATCH,
            Status::Warn,
            format!(
                "HOME is {name}'s home, but the directory does not exist: tools that write there fail or create it"
            ),
        )
        .with_evidence(evidence),
        Some(Err(reason)) => Finding::new(
            &HOME_MISMATCH,
            Status::Unknown,
            format!("the owner of HOME could not be read: {reason}"),
        )
        .with_evidence(evidence),
        _ => Finding::new(
            &HOME_MISMATCH,
            Status::Ok,
            format!("HOME is {name}'s own home directory"),
        )
        .with_evidence(evidence),
    }
}

fn judge_foreign(facts: &Facts) -> Finding {
    let found = match facts.foreign_paths() {
        Ok(found) => found,
        Err(reason) => {
            return Finding::new(
                &FOREIGN_PATHS,
                Status::Unknown,
                format!("the other users' homes could not be listed: {reason}"),
            );
        }
    };
    if found.is_empty() {
        let set: Vec<&str> = facts.vars.iter().map(|(name, _)| *name).collect();
        let checked = if set.is_empty() {
            "none of the checked variables is set".to_string()
        } else {
            format!("set: {}", set.join(", "))
        };
        return Finding::new(
            &FOREIGN_PATHS,
            Status::Ok,
            "no build-related variable points into another user's home",
        )
        .evidence("environment", checked);
    }
    let names: Vec<&str> = found.iter().map(|f| f.var).collect();
    Finding::new(
        &FOREIGN_PATHS,
        Status::Warn,
        format!(
            "{} point{} into another user's home: builds use that user's files",
            names.join(", "),
            if names.len() == 1 { "s" } else { "" }
        ),
    )
    .with_evidence(found.iter().map(|f| {
        Evidence::new(
            "environment",
            format!("{}={} (under {}, the home of {})", f.var, f.value, f.home, f.owner),
        )
    }))
    .without_root(format!("unset {}", names.join(" ")))
    .without_root_prose("start builds from a login shell of the user (`sudo -i`, `su -`, ssh) rather than `sudo -E` or `su`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::FileKind;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
sys:x:3:3:sys:/dev:/usr/sbin/nologin\n\
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n\
nixbld1:x:30001:30000:Nix build user 1:/var/empty:/sbin/nologin\n\
alice:x:1000:1000:Alice:/home/alice:/bin/bash\n\
bob:x:1001:1001:Bob:/home/bob:/bin/bash\n\
garbage line\n";

    fn dir(uid: u32) -> Result<FileMeta, String> {
        Ok(FileMeta {
            kind: FileKind::Dir,
            mode: 0o755,
            uid,
            gid: uid,
        })
    }

    fn alice(home: Option<&str>, meta: Option<Result<FileMeta, String>>) -> Facts {
        Facts {
            me: Ok(Me {
                uid: 1000,
                user: Some("alice".into()),
                home: Some("/home/alice".into()),
            }),
            home: home.map(str::to_string),
            home_meta: meta,
            user_var: Some("alice".into()),
            sudo_user: None,
            vars: Vec::new(),
            accounts: Ok(parse_passwd(PASSWD)),
            in_user_namespace: false,
        }
    }

    fn find(facts: &Facts, id: &str) -> Finding {
        judge(facts).into_iter().find(|f| f.id == id).unwrap()
    }

    #[test]
    fn the_users_own_home_is_ok() {
        let facts = alice(Some("/home/alice/"), Some(dir(1000)));
        assert_eq!(find(&facts, HOME_MISMATCH.id).status, Status::Ok);
        assert_eq!(find(&facts, FOREIGN_PATHS.id).status, Status::Ok);
    }

    #[test]
    fn sudo_without_h_keeps_the_callers_home() {
        let facts = Facts {
            me: Ok(Me {
                uid: 0,
                user: Some("root".into()),
                home: Some("/root".into()),
            }),
            sudo_user: Some("alice".into()),
            ..alice(Some("/home/alice"), Some(dir(1000)))
        };
        let finding = find(&facts, HOME_MISMATCH.id);
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.title.contains("/root"), "{}", finding.title);
        assert!(
            finding
                .evidence
                .iter()
                .any(|e| e.excerpt.contains("alice (uid 1000)")),
            "{:?}",
            finding.evidence
        );
        assert!(finding.fix.without_root[0].text().contains("sudo -H"));
        assert!(
            finding.fix.without_root[1]
                .text()
                .contains("HOME=/root USER=root")
        );
    }

    #[test]
    fn unset_home_and_a_home_owned_by_someone_else_fail() {
        assert_eq!(
            find(&alice(None, None), HOME_MISMATCH.id).status,
            Status::Fail
        );
        let facts = alice(Some("/home/alice"), Some(dir(1001)));
        let finding = find(&facts, HOME_MISMATCH.id);
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.title.contains("bob"), "{}", finding.title);
        assert_eq!(
            find(&alice(Some("home"), None), HOME_MISMATCH.id).status,
            Status::Fail
        );
    }

    #[test]
    fn a_missing_home_directory_warns() {
        let facts = alice(
            Some("/home/alice"),
            Some(Err("/home/alice: no such file".into())),
        );
        assert_eq!(find(&facts, HOME_MISMATCH.id).status, Status::Warn);
    }

    #[test]
    fn variables_under_another_users_home_are_named() {
        let mut facts = alice(Some("/home/alice"), Some(dir(1000)));
        facts.vars = vec![
            ("TMPDIR", "/home/bob/tmp".into()),
            (
                "NIX_PATH",
                "nixpkgs=/home/alice/src/nixpkgs:home=/home/bob/../bob/cfg".into(),
            ),
            ("XDG_CACHE_HOME", "/home/alice/.cache".into()),
            (
                "NIX_PROFILES",
                "/nix/var/nix/profiles/default /root/.nix-profile".into(),
            ),
            ("NIX_REMOTE", "unix:///home/bob/sock".into()),
        ];
        let found = facts.foreign_paths().unwrap();
        let names: Vec<&str> = found.iter().map(|f| f.var).collect();
        assert_eq!(
            names,
            vec!["TMPDIR", "NIX_PATH", "NIX_PROFILES", "NIX_REMOTE"]
        );
        let finding = find(&facts, FOREIGN_PATHS.id);
        assert_eq!(finding.status, Status::Warn);
        assert!(
            finding.title.starts_with("TMPDIR, NIX_PATH"),
            "{}",
            finding.title
        );
    }

    #[test]
    fn system_accounts_and_shared_placeholders_are_nobodys_home() {
        let mut facts = alice(Some("/home/alice"), Some(dir(1000)));
        facts.vars = vec![
            ("TMPDIR", "/dev/shm".into()),
            ("NIX_STATE_DIR", "/nonexistent/x".into()),
            ("GUIX_PROFILE", "/var/empty/p".into()),
        ];
        assert_eq!(facts.foreign_paths().unwrap(), Vec::new());
        // A home that contains this user's own is not someone else's.
        facts.accounts.as_mut().unwrap().push(Account {
            name: "homes".into(),
            uid: 2000,
            home: "/home".into(),
        });
        facts.vars = vec![("TMPDIR", "/home/alice/tmp".into())];
        assert_eq!(facts.foreign_paths().unwrap(), Vec::new());
    }

    #[test]
    fn an_unreadable_user_database_is_unknown() {
        let mut facts = alice(Some("/home/alice"), Some(dir(1000)));
        facts.accounts = Err("/etc/passwd: permission denied".into());
        assert_eq!(find(&facts, FOREIGN_PATHS.id).status, Status::Unknown);
        facts.me = Err("no user".into());
        assert_eq!(find(&facts, HOME_MISMATCH.id).status, Status::Unknown);
    }

    #[test]
    fn gather_reads_the_environment_the_home_owner_and_the_user_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("etc")).expect("etc");
        std::fs::create_dir_all(root.join("home/alice")).expect("home");
        std::fs::write(root.join("etc/passwd"), PASSWD).expect("passwd");
        let toml = "[source]\nimitates = \"sudo without -H\"\n\n[identity]\nuid = 0\ngid = 0\nuser = \"root\"\nhome = \"/root\"\n\n[env]\nHOME = \"/home/alice\"\nSUDO_USER = \"alice\"\nXDG_CONFIG_HOME = \"/home/alice/.config\"\nTMPDIR = \"\"\n\n[files.\"/home/alice\"]\nuid = 1000\nmode = \"700\"\n";
        std::fs::write(dir.path().join("host.toml"), toml).expect("host.toml");
        let host = crate::host::RecordedHost::open(dir.path()).expect("recorded host");
        let facts = gather(&host, &identity::gather(&host));
        assert_eq!(
            facts.vars,
            vec![("XDG_CONFIG_HOME", "/home/alice/.config".to_string())]
        );
        assert_eq!(
            facts.home_meta.as_ref().unwrap().as_ref().unwrap().uid,
            1000
        );
        let findings = judge(&facts);
        assert_eq!(findings[0].status, Status::Fail);
        assert_eq!(findings[1].status, Status::Warn);
        assert!(findings[1].title.contains("XDG_CONFIG_HOME"));
    }
}
