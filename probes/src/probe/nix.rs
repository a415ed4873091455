//! Nix's build sandbox as Nix itself would configure it for this user: `nix.conf` read in
//! Nix's own order (the system file, the user's files, `NIX_CONFIG`), with its includes, and
//! which store the user's commands talk to. `sandbox = false` or the silent `sandbox-fallback`
//! turn Nix builds into plain processes that see the whole host, which is the nix-sandbox
//! target's question.
//!
//! Everything here follows NixOS/nix (read at 88b09c6, 2026-08-22):
//! `src/libstore/globals.cc` (`loadConfFile`, `nixUserConfFiles`),
//! `src/libutil/configuration.cc` (`parseConfigFiles`, `Config::set`, bool parsing),
//! `src/libstore/include/nix/store/local-settings.hh` (defaults and aliases),
//! `src/libstore/store-registration.cc` (the `auto` store) and `src/libstore/daemon.cc`
//! (which client settings the daemon accepts).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::finding::{Finding, FindingDoc, Status};
use crate::host::{FileKind, FileMeta, Host, HostError, SearchPath};
use crate::probe::identity;
use crate::probe::package::{PackageVersion, package_version};

/// Nix itself has no bound on include depth (a loop recurses until it crashes); hostcap stops
/// here and says so.
const MAX_INCLUDE_DEPTH: usize = 8;
/// At most this many files are read for one configuration source, includes counted.
const MAX_FILES: usize = 32;

/// The state directory Nix was built with on every installer we know (`NIX_STATE_DIR`).
const DEFAULT_STATE_DIR: &str = "/nix/var/nix";
/// `NIX_CONF_DIR` as the installers build Nix; the daemon reads its `nix.conf` from here.
const DEFAULT_CONF_DIR: &str = "/etc/nix";

/// One `key = value` line as Nix parsed it, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    /// The value tokens joined by one space, as Nix joins them.
    pub value: String,
    /// The file (or `NIX_CONFIG`) and line the setting comes from.
    pub file: String,
    pub line: usize,
    /// The line as written, for evidence.
    pub text: String,
}

impl Entry {
    fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// One configuration source: a file with everything it includes, or `NIX_CONFIG`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfSource {
    /// The path, or `NIX_CONFIG` for the environment variable.
    pub label: String,
    /// `Ok(None)`: absent, which Nix ignores. `Err`: what makes Nix refuse it (a syntax error,
    /// a missing `include`) or what kept hostcap from reading it.
    pub entries: Result<Option<Vec<Entry>>, String>,
    /// Includes that Nix skips without a word (unreadable files, a `!include` that is absent),
    /// and includes hostcap could not resolve.
    pub skipped: Vec<String>,
}

/// Which store the user's `nix` commands use, decided as `resolveStoreConfig` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// The nix-daemon builds; its own configuration decides the sandbox.
    Daemon { socket: String, why: String },
    /// This process opens the store itself and builds (single-user, or root).
    Local { why: String },
    /// No /nix and no daemon: Nix uses a store under the user's data directory.
    ChrootStore { root: String },
    /// No /nix, no daemon, and a Nix too old to fall back to a chroot store (before 2.10):
    /// every command fails creating /nix.
    NoStore { version: String, source: String },
    /// A store named by `store` or `NIX_REMOTE` that builds elsewhere (`ssh-ng://…`).
    Other { uri: String },
}

/// The sandbox mode in effect for builds this user starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxSetting {
    /// `sandbox = true`, or not set (the default on Linux).
    Enabled,
    /// `sandbox = false` at this place.
    Disabled { file: String, line: usize },
    /// `sandbox = relaxed`: derivations with `__noChroot = true` and fixed-output
    /// derivations run without the sandbox.
    Relaxed { file: String, line: usize },
    /// The configuration could not be read or Nix would reject it.
    Unknown(String),
}

#[derive(Debug, Clone)]
pub struct Facts {
    /// What shows that Nix is installed (`nix in PATH: …`, `/nix/store exists`); empty when
    /// nothing does.
    pub installed: Vec<String>,
    /// `$NIX_CONF_DIR/nix.conf` (default /etc/nix/nix.conf), as this user's client reads it.
    pub system: ConfSource,
    /// The daemon's `/etc/nix/nix.conf` when the user's `NIX_CONF_DIR` points elsewhere: the
    /// daemon never sees the user's environment.
    pub daemon_system: Option<ConfSource>,
    /// The user's files in the order Nix applies them: the last one wins.
    pub user_files: Vec<ConfSource>,
    /// `NIX_CONFIG`, applied after every file.
    pub env_config: Option<ConfSource>,
    pub store: Store,
    pub user: Option<String>,
    pub is_root: bool,
    /// Names of the user's groups, for `trusted-users = @group`.
    pub group_names: Vec<String>,
    /// The names of every group in /etc/group (`Err` when unreadable): root's local builds
    /// need the `build-users-group` to exist.
    pub system_groups: Result<Vec<String>, String>,
    /// systemd is the init system (the session probe's fact, set by [`crate::probe::gather`]):
    /// Debian's daemon package is a systemd unit.
    pub systemd: bool,
}

pub fn gather(host: &dyn Host, identity: &identity::Facts, search: &SearchPath) -> Facts {
    let id = identity.identity.as_ref().ok();
    let env = |name: &str| host.env(name).filter(|v| !v.is_empty());
    let home = env("HOME").or_else(|| id.and_then(|i| i.home.clone()));

    let mut installed = Vec::new();
    for program in ["nix", "nix-build"] {
        if let Some(found) = search.find(host, program) {
            installed.push(format!("{program} in PATH: {}", found.display()));
            break;
        }
    }
    if host
        .metadata(Path::new("/nix/store"))
        .is_ok_and(|m| m.kind == FileKind::Dir)
    {
        installed.push("/nix/store exists".into());
    }

    let conf_dir = env("NIX_CONF_DIR").unwrap_or_else(|| DEFAULT_CONF_DIR.into());
    let system = read_source(host, &format!("{conf_dir}/nix.conf"));

    // nixUserConfFiles(): NIX_USER_CONF_FILES, else the config home (NIX_CONFIG_HOME, else
    // $XDG_CONFIG_HOME/nix, else ~/.config/nix) then each $XDG_CONFIG_DIRS/nix; loadConfFile
    // applies them in reverse, so the first listed wins.
    let listed: Vec<String> = match env("NIX_USER_CONF_FILES") {
        Some(files) => files
            .split(':')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect(),
        None => {
            let config_home = env("NIX_CONFIG_HOME").or_else(|| {
                env("XDG_CONFIG_HOME")
                    .or_else(|| home.as_ref().map(|h| format!("{h}/.config")))
                    .map(|dir| format!("{dir}/nix"))
            });
            let dirs = env("XDG_CONFIG_DIRS").unwrap_or_else(|| "/etc/xdg".into());
            config_home
                .into_iter()
                .chain(
                    dirs.split(':')
                        .filter(|d| !d.is_empty())
                        .map(|d| format!("{d}/nix")),
                )
                .map(|dir| format!("{dir}/nix.conf"))
                .collect()
        }
    };
    let user_files: Vec<ConfSource> = listed
        .iter()
        .rev()
        .take(MAX_FILES)
        .map(|path| read_source(host, path))
        .collect();
    let env_config = host.env("NIX_CONFIG").map(|text| {
        let mut reader = Reader::new(host);
        let mut entries = Vec::new();
        let parsed = reader.parse(&text, "NIX_CONFIG", None, 0, &mut entries);
        ConfSource {
            label: "NIX_CONFIG".into(),
            entries: parsed.map(|()| Some(entries)),
            skipped: reader.skipped,
        }
    });

    let state_dir = env("NIX_STATE_DIR").unwrap_or_else(|| DEFAULT_STATE_DIR.into());
    let socket = env("NIX_DAEMON_SOCKET_PATH")
        .unwrap_or_else(|| format!("{state_dir}/daemon-socket/socket"));
    // The client reads every layer to learn its store, whatever the daemon later accepts.
    let client_layers: Vec<&ConfSource> = std::iter::once(&system)
        .chain(&user_files)
        .chain(&env_config)
        .collect();
    let store_setting = merged(&client_layers)
        .ok()
        .and_then(|s| s.get("store").map(|e| e.value.clone()));
    let store_uri = store_setting
        .or_else(|| env("NIX_REMOTE"))
        .unwrap_or_else(|| "auto".into());
    let is_root = id.is_some_and(|i| i.uid == 0);
    let version = search
        .find(host, "nix")
        .or_else(|| search.find(host, "nix-build"))
        .and_then(|path| package_version(host, "nix-bin", "nix", &path));
    let store = resolve_store(
        host,
        id,
        &store_uri,
        &state_dir,
        &socket,
        home.as_deref(),
        version.as_ref(),
    );

    let daemon_system = match &store {
        Store::Daemon { .. } if conf_dir != DEFAULT_CONF_DIR => {
            Some(read_source(host, &format!("{DEFAULT_CONF_DIR}/nix.conf")))
        }
        _ => None,
    };
    Facts {
        installed,
        system,
        daemon_system,
        user_files,
        env_config,
        store,
        user: id.and_then(|i| i.user.clone()),
        is_root,
        group_names: id
            .map(|i| i.groups.iter().filter_map(|g| g.name.clone()).collect())
            .unwrap_or_default(),
        system_groups: host
            .read_string(Path::new("/etc/group"))
            .map(|text| {
                text.lines()
                    .filter_map(|line| line.split(':').next())
                    .filter(|name| !name.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .map_err(|e| e.to_string()),
        systemd: false,
    }
}

/// The `auto` store of `resolveStoreConfig`: a writable state directory means a local store,
/// else the daemon socket, else (not root, no /nix) a chroot store in the data directory —
/// since Nix 2.10 (src/libstore/store-api.cc); before, the local store, which fails.
fn resolve_store(
    host: &dyn Host,
    id: Option<&crate::host::Identity>,
    uri: &str,
    state_dir: &str,
    socket: &str,
    home: Option<&str>,
    version: Option<&PackageVersion>,
) -> Store {
    match uri {
        "daemon" => {
            return Store::Daemon {
                socket: socket.into(),
                why: format!("store = {uri}"),
            };
        }
        "local" => {
            return Store::Local {
                why: format!("store = {uri}"),
            };
        }
        "auto" => {}
        other if other.starts_with("unix://") => {
            return Store::Daemon {
                socket: other.trim_start_matches("unix://").into(),
                why: format!("store = {other}"),
            };
        }
        other if other.starts_with('/') || other.starts_with("local?") => {
            return Store::Local {
                why: format!("store = {other}"),
            };
        }
        other => return Store::Other { uri: other.into() },
    }
    let state_meta = host.metadata(Path::new(state_dir));
    if let (Ok(meta), Some(id)) = (&state_meta, id) {
        let gids: Vec<u32> = id.groups.iter().map(|g| g.gid).chain([id.gid]).collect();
        if may_read_write(meta, id.uid, &gids) {
            return Store::Local {
                why: format!("{state_dir} is writable by this user"),
            };
        }
    }
    if host.metadata(Path::new(socket)).is_ok() {
        return Store::Daemon {
            socket: socket.into(),
            why: format!("{state_dir} is not writable by this user and {socket} exists"),
        };
    }
    let absent = state_meta.as_ref().is_err_and(HostError::is_not_found);
    if absent && id.is_some_and(|i| i.uid != 0) {
        if let Some(old) = version.filter(|v| v.major_minor().is_some_and(|mm| mm < (2, 10))) {
            return Store::NoStore {
                version: old.version.clone(),
                source: old.source.clone(),
            };
        }
        let data = host
            .env("NIX_DATA_HOME")
            .or_else(|| host.env("XDG_DATA_HOME").map(|d| format!("{d}/nix")))
            .or_else(|| home.map(|h| format!("{h}/.local/share/nix")));
        if let Some(data) = data {
            return Store::ChrootStore {
                root: format!("{data}/root"),
            };
        }
    }
    Store::Local {
        why: format!("{state_dir} is not writable and there is no daemon socket at {socket}"),
    }
}

/// Read and write permission from the mode bits, as access(2) judges them; root passes.
fn may_read_write(meta: &FileMeta, uid: u32, gids: &[u32]) -> bool {
    meta.grants_read_write(uid, gids, true)
}

fn read_source(host: &dyn Host, path: &str) -> ConfSource {
    let mut reader = Reader::new(host);
    let entries = match host.read_string(Path::new(path)) {
        Ok(text) => {
            reader.files += 1;
            let mut entries = Vec::new();
            let dir = Path::new(path).parent().map(Path::to_path_buf);
            reader
                .parse(&text, path, dir.as_deref(), 0, &mut entries)
                .map(|()| Some(entries))
        }
        Err(err) if err.is_not_found() => Ok(None),
        // Nix skips a file it cannot read (loadConfFile catches SystemError); hostcap cannot
        // tell what it would have set, so the answer is unknown, with the reason.
        Err(err) => Err(err.to_string()),
    };
    ConfSource {
        label: path.into(),
        entries,
        skipped: reader.skipped,
    }
}

/// Reads a configuration text and its includes through the host, bounded.
struct Reader<'a> {
    host: &'a dyn Host,
    files: usize,
    skipped: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(host: &'a dyn Host) -> Self {
        Self {
            host,
            files: 0,
            skipped: Vec::new(),
        }
    }

    /// `parseConfigFiles`: `#` starts a comment anywhere on a line, tokens are separated by
    /// blanks, `=` must be a token of its own, `include` and `!include` name a file relative
    /// to the including one; `!include` of a missing file is ignored.
    fn parse(
        &mut self,
        text: &str,
        file: &str,
        dir: Option<&Path>,
        depth: usize,
        out: &mut Vec<Entry>,
    ) -> Result<(), String> {
        for (index, raw) in text.split('\n').enumerate() {
            let line = raw.split('#').next().unwrap_or("");
            let tokens: Vec<&str> = line
                .split([' ', '\t', '\r'])
                .filter(|t| !t.is_empty())
                .collect();
            if tokens.is_empty() {
                continue;
            }
            let number = index + 1;
            let syntax_error =
                || format!("{file}:{number}: syntax error in configuration line '{line}'");
            if tokens.len() < 2 {
                return Err(syntax_error());
            }
            let ignore_missing = match tokens[0] {
                "include" => false,
                "!include" => true,
                _ => {
                    if tokens[1] != "=" {
                        return Err(syntax_error());
                    }
                    out.push(Entry {
                        key: tokens[0].into(),
                        value: tokens[2..].join(" "),
                        file: file.into(),
                        line: number,
                        text: raw.trim_end_matches('\r').into(),
                    });
                    continue;
                }
            };
            if tokens.len() != 2 {
                return Err(syntax_error());
            }
            let target = Path::new(tokens[1]);
            let path: PathBuf = if target.is_absolute() {
                target.into()
            } else if let Some(dir) = dir {
                dir.join(target)
            } else {
                self.skipped.push(format!(
                    "{file}:{number}: include of the relative path {} (relative to Nix's working directory) not followed",
                    tokens[1]
                ));
                continue;
            };
            if depth + 1 > MAX_INCLUDE_DEPTH {
                return Err(format!(
                    "{file}:{number}: includes nested deeper than {MAX_INCLUDE_DEPTH} levels (a loop?)"
                ));
            }
            if self.files >= MAX_FILES {
                return Err(format!(
                    "{file}:{number}: more than {MAX_FILES} files included"
                ));
            }
            match self.host.read_string(&path) {
                Ok(included) => {
                    self.files += 1;
                    let shown = path.display().to_string();
                    self.parse(&included, &shown, path.parent(), depth + 1, out)?;
                }
                Err(err) if err.is_not_found() => {
                    if !ignore_missing {
                        return Err(format!(
                            "file {} included from {file} not found (Nix refuses to start)",
                            path.display()
                        ));
                    }
                    self.skipped.push(format!(
                        "{file}:{number}: !include {}: absent",
                        path.display()
                    ));
                }
                Err(err) => self
                    .skipped
                    .push(format!("{file}:{number}: {err} (Nix skips it)")),
            }
        }
        Ok(())
    }
}

/// The settings hostcap cares about, by their canonical names, as `Config::set` leaves them
/// after applying `layers` in order. Aliases are folded; `extra-trusted-users` appends.
fn merged(layers: &[&ConfSource]) -> Result<BTreeMap<&'static str, Entry>, String> {
    let mut settings: BTreeMap<&'static str, Entry> = BTreeMap::new();
    for layer in layers {
        let entries = match &layer.entries {
            Ok(Some(entries)) => entries,
            Ok(None) => continue,
            Err(reason) => return Err(reason.clone()),
        };
        for entry in entries {
            let key: &'static str = match entry.key.as_str() {
                "sandbox" | "build-use-sandbox" | "build-use-chroot" => "sandbox",
                "sandbox-fallback" => "sandbox-fallback",
                "build-users-group" => "build-users-group",
                "trusted-users" | "build-trusted-users" => "trusted-users",
                "store" => "store",
                "extra-trusted-users" => {
                    let mut joined = entry.clone();
                    let before = settings
                        .get("trusted-users")
                        .map_or_else(|| "root".to_string(), |e| e.value.clone());
                    joined.value = format!("{before} {}", entry.value).trim().to_string();
                    settings.insert("trusted-users", joined);
                    continue;
                }
                _ => continue,
            };
            settings.insert(key, entry.clone());
        }
    }
    Ok(settings)
}

impl Facts {
    pub fn installed(&self) -> bool {
        !self.installed.is_empty()
    }

    /// Builds go through nix-daemon (multi-user Nix).
    pub fn multi_user(&self) -> bool {
        matches!(self.store, Store::Daemon { .. })
    }

    /// The file the daemon reads: /etc/nix/nix.conf, whatever the user's `NIX_CONF_DIR`.
    fn daemon_conf(&self) -> &ConfSource {
        self.daemon_system.as_ref().unwrap_or(&self.system)
    }

    /// `trusted-users` of the daemon (default `root`) names this user, one of its groups
    /// (`@group`) or everyone (`*`).
    pub fn trusted(&self) -> Result<bool, String> {
        let settings = merged(&[self.daemon_conf()])?;
        let list = settings
            .get("trusted-users")
            .map_or_else(|| "root".to_string(), |e| e.value.clone());
        Ok(list.split_whitespace().any(|item| {
            item == "*"
                || self.user.as_deref() == Some(item)
                || (self.is_root && item == "root")
                || item
                    .strip_prefix('@')
                    .is_some_and(|group| self.group_names.iter().any(|g| g == group))
        }))
    }

    /// The layers that decide how builds run: with a daemon, its own file and, for a
    /// trusted user only, what the client forwards (the user's files and `NIX_CONFIG`; the
    /// daemon ignores "restricted" settings from others).
    fn effective_layers(&self) -> Result<Vec<&ConfSource>, String> {
        let user_layers = self.user_files.iter().chain(&self.env_config);
        if self.multi_user() {
            let mut layers = vec![self.daemon_conf()];
            if self.trusted()? {
                layers.extend(user_layers);
            }
            Ok(layers)
        } else {
            Ok(std::iter::once(&self.system).chain(user_layers).collect())
        }
    }

    /// The settings in effect for builds, with where each was set.
    pub fn effective(&self) -> Result<BTreeMap<&'static str, Entry>, String> {
        merged(&self.effective_layers()?)
    }

    pub fn sandbox_setting(&self) -> SandboxSetting {
        let settings = match self.effective() {
            Ok(settings) => settings,
            Err(reason) => return SandboxSetting::Unknown(reason),
        };
        let Some(entry) = settings.get("sandbox") else {
            return SandboxSetting::Enabled;
        };
        // BaseSetting<SandboxMode>::parse accepts exactly these three words.
        match entry.value.as_str() {
            "true" => SandboxSetting::Enabled,
            "false" => SandboxSetting::Disabled {
                file: entry.file.clone(),
                line: entry.line,
            },
            "relaxed" => SandboxSetting::Relaxed {
                file: entry.file.clone(),
                line: entry.line,
            },
            other => SandboxSetting::Unknown(format!(
                "{}: option 'sandbox' has invalid value '{other}' (Nix refuses it)",
                entry.location()
            )),
        }
    }

    /// `sandbox-fallback` in effect; its default is true, which is also the answer when the
    /// configuration cannot be read.
    pub fn fallback(&self) -> bool {
        self.fallback_entry().0.unwrap_or(true)
    }

    /// The parsed value (`None`: unreadable or invalid) and the line that set it.
    fn fallback_entry(&self) -> (Option<bool>, Option<Entry>) {
        let Ok(settings) = self.effective() else {
            return (None, None);
        };
        match settings.get("sandbox-fallback") {
            None => (Some(true), None),
            Some(entry) => (parse_bool(&entry.value), Some(entry.clone())),
        }
    }

    /// `build-users-group` as the builder sees it: set, or `nixbld` when the builder runs as
    /// root (the daemon, or root's own local store), else empty.
    pub fn build_users_group(&self) -> Option<String> {
        let settings = self.effective().ok()?;
        match settings.get("build-users-group") {
            Some(entry) => Some(entry.value.clone()).filter(|v| !v.is_empty()),
            None if self.multi_user() || self.is_root => Some("nixbld".into()),
            None => None,
        }
    }
}

/// `BaseSetting<bool>::parse`.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

pub const SANDBOX_DISABLED: FindingDoc = FindingDoc {
    id: "nix.sandbox_disabled",
    summary: "nix.conf turns the Nix build sandbox off (sandbox = false)",
    explanation: "With `sandbox = true`, the default on Linux, Nix runs each build in private \
mount, PID, network, IPC and UTS namespaces that show only the store paths it declared, its \
build directory and a minimal /dev and /proc. `sandbox = false` (or its old names \
`build-use-sandbox`, `build-use-chroot`) runs builders as plain processes that see the host's \
/usr, /home and network, so results depend on the host and a build can read or leave files in \
real home directories. hostcap reads nix.conf as Nix does: $NIX_CONF_DIR/nix.conf, the user's \
files ($NIX_USER_CONF_FILES, or $XDG_CONFIG_HOME/nix/nix.conf and $XDG_CONFIG_DIRS), then \
NIX_CONFIG, the last one winning, with includes; with a nix-daemon only the daemon's \
/etc/nix/nix.conf counts unless the user is in `trusted-users`, because the daemon ignores \
restricted settings from other clients. `sandbox = relaxed` keeps the sandbox except for \
derivations that ask for `__noChroot` and fixed-output ones.",
    references: &[
        "nix.conf(5): sandbox",
        "NixOS/nix src/libstore/include/nix/store/local-settings.hh (sandbox, default and aliases)",
        "NixOS/nix src/libutil/configuration.cc (parseConfigFiles)",
        "NixOS/nix src/libstore/globals.cc (loadConfFile)",
        "NixOS/nix src/libstore/daemon.cc (\"ignoring the client-specified setting … you are not a trusted user\")",
    ],
};

pub const SANDBOX_FALLBACK: FindingDoc = FindingDoc {
    id: "nix.sandbox_fallback",
    summary: "sandbox-fallback lets Nix build without the sandbox when the kernel refuses it",
    explanation: "`sandbox-fallback` defaults to true: when the mount and PID namespaces the \
sandbox needs cannot be created (user namespaces disabled, a restrictive container, AppArmor), \
Nix prints one warning, \"auto-disabling sandboxing because the prerequisite namespaces are \
not available and 'sandbox-fallback' is enabled\", and runs the build unsandboxed. The build \
then succeeds with host paths visible, which is easy to miss in CI logs. With \
`sandbox-fallback = false` the same build fails with \"this system does not support the \
kernel namespaces that are required for sandboxing\", which is the honest outcome on a host \
that cannot sandbox.",
    references: &[
        "nix.conf(5): sandbox-fallback",
        "NixOS/nix src/libstore/unix/build/derivation-builder.cc (sandboxFallback)",
        "NixOS/nix#14914",
    ],
};

pub const DAEMON: FindingDoc = FindingDoc {
    id: "nix.daemon",
    summary: "whether Nix builds through nix-daemon (multi-user) or in this process",
    explanation: "Nix picks its store as `resolveStoreConfig` does for `auto`: when the state \
directory /nix/var/nix is writable by the user (single-user install, or root) the command \
builds itself; otherwise, when /nix/var/nix/daemon-socket/socket exists, nix-daemon builds as \
one of the `build-users-group` users (default nixbld) and its own /etc/nix/nix.conf decides \
the sandbox; without /nix and without a daemon, a user's Nix uses a chroot store under \
~/.local/share/nix/root. `store` in nix.conf or NIX_REMOTE override the choice. Which one \
applies decides whose configuration and whose privileges the sandbox depends on.",
    references: &[
        "NixOS/nix src/libstore/store-registration.cc (resolveStoreConfig)",
        "nix.conf(5): build-users-group, trusted-users, store",
    ],
};

pub const NO_STORE: FindingDoc = FindingDoc {
    id: "nix.no_store",
    summary: "Nix has no store it can use: every command fails creating /nix",
    explanation: "Without /nix and without a nix-daemon, Nix 2.10 and later fall back to a \
chroot store under ~/.local/share/nix/root; earlier releases (Debian 12 ships 2.8) open the \
local store at /nix and fail at once (\"error: creating directory '/nix': Permission \
denied\"). Debian's nix-bin creates no /nix; its nix-setup-systemd package sets up the \
daemon, or a store can be named explicitly.",
    references: &[
        "NixOS/nix src/libstore/store-api.cc (openStore, 2.8 and 2.10)",
        "nix.conf(5): store",
    ],
};

pub const BUILD_USERS_MISSING: FindingDoc = FindingDoc {
    id: "nix.build_users_missing",
    summary: "root's Nix builds need a build-users-group that does not exist",
    explanation: "When root builds with a local store (no daemon in between), Nix runs each \
build as a member of `build-users-group`, nixbld unless nix.conf says otherwise \
(src/libstore/globals.cc). If that group is missing from /etc/group, every build stops at \
once: \"error: the group 'nixbld' specified in 'build-users-group' does not exist\". Debian's \
nix-bin creates no nixbld group (the nix-setup-systemd package does).",
    references: &[
        "NixOS/nix src/libstore/globals.cc",
        "https://nix.dev/manual/nix/latest/installation/multi-user",
    ],
};

pub const DOCS: &[&FindingDoc] = &[
    &SANDBOX_DISABLED,
    &SANDBOX_FALLBACK,
    &DAEMON,
    &BUILD_USERS_MISSING,
    &NO_STORE,
];

impl Facts {
    /// Root building with a local store whose build-users-group is missing: `Some(group)`.
    pub fn missing_build_group(&self) -> Option<String> {
        if !self.is_root || self.multi_user() {
            return None;
        }
        let group = self.build_users_group()?;
        let groups = self.system_groups.as_ref().ok()?;
        (!groups.contains(&group)).then_some(group)
    }
}

pub fn judge(facts: &Facts) -> Vec<Finding> {
    if !facts.installed() {
        return [&SANDBOX_DISABLED, &SANDBOX_FALLBACK, &DAEMON]
            .into_iter()
            .map(|doc| {
                Finding::new(doc, Status::Info, "Nix is not installed")
                    .evidence("PATH", "no nix or nix-build")
                    .evidence("/nix/store", "absent")
            })
            .collect();
    }
    let mut findings = vec![
        judge_sandbox(facts),
        judge_fallback(facts),
        judge_daemon(facts),
        judge_store(facts),
    ];
    if let Some(group) = facts.missing_build_group() {
        findings.push(
            Finding::new(
                &BUILD_USERS_MISSING,
                Status::Fail,
                format!("build-users-group {group} does not exist: every build by root fails"),
            )
            .evidence("/etc/group", format!("no group {group}"))
            .with_root(format!(
                "groupadd -r {group} && for n in $(seq 1 10); do useradd -r -g {group} -G {group} -d /var/empty -s /sbin/nologin nixbld$n; done"
            ))
            .with_root("printf 'build-users-group =\\n' >> /etc/nix/nix.conf    # or build without build users"),
        );
    }
    findings
}

/// Evidence lines for each configuration source that was consulted.
fn sources_evidence(facts: &Facts) -> Vec<(String, String)> {
    let layers = facts.effective_layers().unwrap_or_else(|_| {
        std::iter::once(&facts.system)
            .chain(&facts.user_files)
            .chain(&facts.env_config)
            .collect()
    });
    let mut lines = Vec::new();
    for layer in layers {
        let state = match &layer.entries {
            Ok(None) => "absent".to_string(),
            Ok(Some(entries)) => format!("read, {} settings", entries.len()),
            Err(reason) => reason.clone(),
        };
        lines.push((layer.label.clone(), state));
        for skipped in &layer.skipped {
            lines.push((layer.label.clone(), skipped.clone()));
        }
    }
    lines
}

fn judge_sandbox(facts: &Facts) -> Finding {
    if let Store::Other { uri } = &facts.store {
        return Finding::new(
            &SANDBOX_DISABLED,
            Status::Info,
            format!("builds run on the store {uri}: its sandbox setting is not visible here"),
        );
    }
    let entry_text = |file: &str, line: usize| {
        facts
            .effective()
            .ok()
            .and_then(|s| s.get("sandbox").cloned())
            .filter(|e| e.file == file && e.line == line)
            .map_or_else(String::new, |e| e.text)
    };
    match facts.sandbox_setting() {
        SandboxSetting::Unknown(reason) => Finding::new(
            &SANDBOX_DISABLED,
            Status::Unknown,
            format!("Nix's configuration could not be judged: {reason}"),
        )
        .with_evidence(
            sources_evidence(facts)
                .into_iter()
                .map(|(s, e)| crate::finding::Evidence::new(s, e)),
        ),
        SandboxSetting::Enabled => Finding::new(
            &SANDBOX_DISABLED,
            Status::Ok,
            "Nix builds ask for the sandbox (sandbox = true, the default on Linux)",
        )
        .with_evidence(
            sources_evidence(facts)
                .into_iter()
                .map(|(s, e)| crate::finding::Evidence::new(s, e)),
        ),
        SandboxSetting::Relaxed { file, line } => Finding::new(
            &SANDBOX_DISABLED,
            Status::Info,
            "sandbox = relaxed: derivations with __noChroot = true and fixed-output derivations build without the sandbox",
        )
        .evidence(format!("{file}:{line}"), entry_text(&file, line)),
        SandboxSetting::Disabled { file, line } => {
            let mut finding = Finding::new(
                &SANDBOX_DISABLED,
                Status::Fail,
                format!("sandbox = false ({file}:{line}): Nix builds run unsandboxed and see the whole host"),
            )
            .evidence(format!("{file}:{line}"), entry_text(&file, line));
            let edit = format!(
                "sed -i '{line}s/^/# /' {file}    # comment out line {line}, or change it to: sandbox = true"
            );
            let system_file = file == facts.daemon_conf().label || file == facts.system.label;
            let owned_by_user = !system_file && !file.starts_with("/etc/") && file != "NIX_CONFIG";
            if file == "NIX_CONFIG" {
                finding = finding
                    .without_root_prose("remove the sandbox line from NIX_CONFIG (or: unset NIX_CONFIG)");
            } else if owned_by_user {
                finding = finding.without_root(edit);
            } else {
                finding = finding.with_root(edit);
                if facts.multi_user() {
                    finding = finding.with_root("systemctl restart nix-daemon");
                }
            }
            finding
        }
    }
}

fn judge_fallback(facts: &Facts) -> Finding {
    if let Store::Other { uri } = &facts.store {
        return Finding::new(
            &SANDBOX_FALLBACK,
            Status::Info,
            format!("builds run on the store {uri}: its sandbox-fallback is not visible here"),
        );
    }
    match facts.sandbox_setting() {
        SandboxSetting::Unknown(reason) => {
            return Finding::new(
                &SANDBOX_FALLBACK,
                Status::Unknown,
                format!("Nix's configuration could not be judged: {reason}"),
            );
        }
        SandboxSetting::Disabled { .. } => {
            return Finding::new(
                &SANDBOX_FALLBACK,
                Status::Info,
                "the sandbox is off anyway (sandbox = false): sandbox-fallback changes nothing",
            );
        }
        SandboxSetting::Enabled | SandboxSetting::Relaxed { .. } => {}
    }
    let target = if facts.multi_user() {
        facts.daemon_conf().label.clone()
    } else {
        facts
            .user_files
            .last()
            .map_or_else(|| facts.system.label.clone(), |f| f.label.clone())
    };
    match facts.fallback_entry() {
        (None, Some(entry)) => Finding::new(
            &SANDBOX_FALLBACK,
            Status::Unknown,
            format!(
                "{}: Boolean setting 'sandbox-fallback' has invalid value '{}' (Nix refuses it)",
                entry.location(),
                entry.value
            ),
        )
        .evidence(entry.location(), entry.text),
        (None, None) => Finding::new(
            &SANDBOX_FALLBACK,
            Status::Unknown,
            "Nix's configuration could not be read",
        ),
        (Some(false), entry) => {
            let mut finding = Finding::new(
                &SANDBOX_FALLBACK,
                Status::Ok,
                "sandbox-fallback = false: a build that cannot be sandboxed fails instead of running unsandboxed",
            );
            if let Some(entry) = entry {
                finding = finding.evidence(entry.location(), entry.text);
            }
            finding
        }
        (Some(true), entry) => {
            let evidence = match &entry {
                Some(entry) => (entry.location(), entry.text.clone()),
                None => (
                    "nix.conf".to_string(),
                    "sandbox-fallback not set: default true".to_string(),
                ),
            };
            let line = "echo 'sandbox-fallback = false' >>";
            let finding = Finding::new(
                &SANDBOX_FALLBACK,
                Status::Warn,
                "sandbox-fallback is on: where the kernel refuses the namespaces, Nix builds silently run unsandboxed",
            )
            .evidence(evidence.0, evidence.1);
            if facts.multi_user() {
                finding.with_root(format!("{line} {target} && systemctl restart nix-daemon"))
            } else if target.starts_with("/etc/") {
                finding.with_root(format!("{line} {target}"))
            } else {
                finding.without_root(format!(
                    "mkdir -p \"$(dirname {target})\" && {line} {target}"
                ))
            }
        }
    }
}

fn judge_daemon(facts: &Facts) -> Finding {
    let group = facts
        .build_users_group()
        .unwrap_or_else(|| "none: builds run as this user".into());
    match &facts.store {
        Store::Daemon { socket, why } => {
            let trust = match facts.trusted() {
                Ok(true) => "this user is in trusted-users: its own nix.conf settings reach the daemon".to_string(),
                Ok(false) => "this user is not in trusted-users: the daemon ignores its sandbox settings".to_string(),
                Err(reason) => format!("trusted-users unknown: {reason}"),
            };
            Finding::new(
                &DAEMON,
                Status::Info,
                "multi-user Nix: nix-daemon builds, and its /etc/nix/nix.conf decides the sandbox",
            )
            .evidence(socket.clone(), why.clone())
            .evidence("build-users-group", group)
            .evidence(facts.daemon_conf().label.clone(), trust)
        }
        Store::Local { why } => Finding::new(
            &DAEMON,
            Status::Info,
            "single-user Nix: each nix command builds in its own process",
        )
        .evidence("store", why.clone())
        .evidence("build-users-group", group),
        Store::ChrootStore { root } => Finding::new(
            &DAEMON,
            Status::Info,
            format!("no /nix and no daemon: Nix uses the chroot store {root}, sandboxed through a user namespace"),
        )
        .evidence("/nix/var/nix", "absent"),
        Store::Other { uri } => Finding::new(
            &DAEMON,
            Status::Info,
            format!("Nix uses the store {uri}: builds run there"),
        ),
        Store::NoStore { version, .. } => Finding::new(
            &DAEMON,
            Status::Info,
            format!("no /nix and no daemon, and Nix {version} has no chroot-store fallback"),
        ),
    }
}

fn judge_store(facts: &Facts) -> Finding {
    let Store::NoStore { version, source } = &facts.store else {
        return Finding::new(&NO_STORE, Status::Ok, "Nix has a store it can use");
    };
    let finding = Finding::new(
        &NO_STORE,
        Status::Fail,
        format!("Nix {version} has no store here: /nix does not exist and no daemon runs"),
    )
    .evidence("/nix/var/nix", "absent")
    .evidence(source, version.clone())
    .without_root(
        "nix-build --store \"$HOME/.local/share/nix/root\" …    # a chroot store of your own",
    );
    // Only Debian splits the daemon setup into its own package, a systemd unit.
    match (source.starts_with("/usr/share/doc/"), facts.systemd) {
        (true, true) => finding.with_root(
            "apt-get install nix-setup-systemd    # the nix-daemon, /nix and its build users",
        ),
        (true, false) => finding.with_root_prose(
            "Debian's nix-setup-systemd makes /nix and starts the nix-daemon as a systemd unit, \
             but systemd does not run here: the store of the user's own (below) is the way",
        ),
        (false, _) => finding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::RecordedHost;

    /// A recorded host in a temporary folder: files under root/, the rest in host.toml.
    fn host(
        files: &[(&str, &str)],
        env: &[(&str, &str)],
        manifest: &str,
    ) -> (tempfile::TempDir, RecordedHost) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).expect("root");
        for (path, text) in files {
            let inside = root.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(inside.parent().expect("parent")).expect("mkdir");
            std::fs::write(inside, text).expect("write");
        }
        let env: String = env.iter().map(|(k, v)| format!("{k} = {v:?}\n")).collect();
        let toml = format!(
            "[source]\nimitates = \"test\"\n\n[identity]\nuid = 1000\ngid = 1000\nuser = \"alice\"\nhome = \"/home/alice\"\ngroups = [{{ gid = 10, name = \"wheel\" }}]\n\n[env]\nHOME = \"/home/alice\"\n{env}\n{manifest}"
        );
        std::fs::write(dir.path().join("host.toml"), toml).expect("host.toml");
        let host = RecordedHost::open(dir.path()).expect("recorded host");
        (dir, host)
    }

    /// A multi-user install: root's /nix/var/nix and a daemon socket.
    const MULTI_USER: &str = "[files.\"/nix/store\"]\nkind = \"dir\"\nmode = \"1775\"\n\n[files.\"/nix/var/nix\"]\nkind = \"dir\"\nmode = \"755\"\n\n[files.\"/nix/var/nix/daemon-socket/socket\"]\nkind = \"other\"\nmode = \"666\"\n";
    /// A single-user install owned by alice.
    const SINGLE_USER: &str = "[files.\"/nix/store\"]\nkind = \"dir\"\nmode = \"755\"\nuid = 1000\n\n[files.\"/nix/var/nix\"]\nkind = \"dir\"\nmode = \"755\"\nuid = 1000\n";

    fn facts(host: &RecordedHost) -> Facts {
        let identity = identity::gather(host);
        gather(host, &identity, &SearchPath::from_env(host))
    }

    fn finding(facts: &Facts, id: &str) -> Finding {
        judge(facts).into_iter().find(|f| f.id == id).unwrap()
    }

    const USER_CONF: &str = "/home/alice/.config/nix/nix.conf";

    /// Nix 2.8 (Debian 12) opens /nix or nothing; 2.10 and later fall back to a chroot store.
    #[test]
    fn without_nix_dir_or_daemon_only_new_releases_have_a_store() {
        use std::os::unix::fs::PermissionsExt;
        for (release, has_store) in [("2.8.0-5", false), ("2.18.1-1", true)] {
            let record = format!("/var/lib/pacman/local/nix-{release}/desc");
            let files = [
                ("/usr/bin/nix", "\x7fELF"),
                (record.as_str(), "%NAME%\nnix\n"),
            ];
            let (dir, host) = host(&files, &[("PATH", "/usr/bin")], "");
            let nix = dir.path().join("root/usr/bin/nix");
            std::fs::set_permissions(nix, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let facts = facts(&host);
            let no_store = finding(&facts, NO_STORE.id);
            if has_store {
                assert_eq!(
                    facts.store,
                    Store::ChrootStore {
                        root: "/home/alice/.local/share/nix/root".into()
                    }
                );
                assert_eq!(no_store.status, Status::Ok);
            } else {
                assert_eq!(
                    facts.store,
                    Store::NoStore {
                        version: release.into(),
                        source: record.trim_end_matches("/desc").into(),
                    }
                );
                assert_eq!(no_store.status, Status::Fail);
                assert!(no_store.fix.without_root[0].text().contains("--store"));
                // Not a Debian package: no apt-get to offer.
                assert!(no_store.fix.with_root.is_empty());
            }
        }
    }

    #[test]
    fn comments_includes_and_later_lines_decide_the_setting() {
        let system = (
            "/etc/nix/nix.conf",
            "# sandbox = false\nbuild-users-group = nixbld   # trailing comment\ninclude extra.conf\n!include /etc/nix/absent.conf\n",
        );
        let extra = (
            "/etc/nix/extra.conf",
            "sandbox = false\nsandbox-fallback = false\n",
        );
        let (_dir, host) = host(&[system, extra], &[], SINGLE_USER);
        let facts = facts(&host);
        assert_eq!(
            facts.sandbox_setting(),
            SandboxSetting::Disabled {
                file: "/etc/nix/extra.conf".into(),
                line: 1
            }
        );
        assert!(!facts.fallback());
        assert_eq!(facts.build_users_group().as_deref(), Some("nixbld"));
        let sandbox = finding(&facts, SANDBOX_DISABLED.id);
        assert_eq!(sandbox.status, Status::Fail);
        assert_eq!(sandbox.evidence[0].source, "/etc/nix/extra.conf:1");
        assert_eq!(sandbox.evidence[0].excerpt, "sandbox = false");
        assert!(!sandbox.fix.with_root.is_empty());

        // The user's file comes later and wins, and NIX_CONFIG after it.
        let user = (USER_CONF, "sandbox = relaxed\n");
        let (_dir, host) = self::host(&[system, extra, user], &[], SINGLE_USER);
        assert!(matches!(
            self::facts(&host).sandbox_setting(),
            SandboxSetting::Relaxed { line: 1, .. }
        ));
        let env = [("NIX_CONFIG", "sandbox = true\nsandbox-fallback = yes")];
        let (_dir, host) = self::host(&[system, extra, user], &env, SINGLE_USER);
        let facts = self::facts(&host);
        assert_eq!(facts.sandbox_setting(), SandboxSetting::Enabled);
        assert!(facts.fallback());
        assert_eq!(finding(&facts, SANDBOX_FALLBACK.id).status, Status::Warn);
    }

    #[test]
    fn defaults_are_sandbox_on_and_fallback_on() {
        let (_dir, host) = host(&[], &[], SINGLE_USER);
        let facts = facts(&host);
        assert!(facts.installed());
        assert!(!facts.multi_user());
        assert_eq!(facts.sandbox_setting(), SandboxSetting::Enabled);
        assert!(facts.fallback());
        assert_eq!(facts.build_users_group(), None);
        assert_eq!(finding(&facts, SANDBOX_DISABLED.id).status, Status::Ok);
        let fallback = finding(&facts, SANDBOX_FALLBACK.id);
        assert_eq!(fallback.status, Status::Warn);
        assert!(
            fallback.fix.without_root[0].text().contains(USER_CONF),
            "{:?}",
            fallback.fix
        );
    }

    #[test]
    fn old_aliases_turn_the_sandbox_off_too() {
        let conf = ("/etc/nix/nix.conf", "build-use-sandbox = false\n");
        let (_dir, host) = host(&[conf], &[], SINGLE_USER);
        assert!(matches!(
            facts(&host).sandbox_setting(),
            SandboxSetting::Disabled { line: 1, .. }
        ));
    }

    #[test]
    fn an_untrusted_users_setting_does_not_reach_the_daemon() {
        let user = (USER_CONF, "sandbox = false\n");
        let (_dir, host) = host(&[user], &[], MULTI_USER);
        let untrusted = facts(&host);
        assert!(untrusted.multi_user());
        assert_eq!(untrusted.trusted(), Ok(false));
        assert_eq!(untrusted.sandbox_setting(), SandboxSetting::Enabled);
        assert_eq!(untrusted.build_users_group().as_deref(), Some("nixbld"));

        let system = (
            "/etc/nix/nix.conf",
            "trusted-users = root\nextra-trusted-users = @wheel\n",
        );
        let (_dir, host) = self::host(&[user, system], &[], MULTI_USER);
        let trusted = facts(&host);
        assert_eq!(trusted.trusted(), Ok(true));
        assert!(matches!(
            trusted.sandbox_setting(),
            SandboxSetting::Disabled { .. }
        ));
        // A file of the user's own is fixed without root.
        assert!(
            !finding(&trusted, SANDBOX_DISABLED.id)
                .fix
                .without_root
                .is_empty()
        );
        let daemon = finding(&trusted, DAEMON.id);
        assert_eq!(daemon.status, Status::Info);
        assert!(daemon.title.contains("multi-user"), "{}", daemon.title);
    }

    #[test]
    fn the_daemon_reads_etc_nix_whatever_the_users_nix_conf_dir() {
        let mine = ("/home/alice/nixconf/nix.conf", "sandbox = false\n");
        let env = [("NIX_CONF_DIR", "/home/alice/nixconf")];
        let (_dir, host) = host(&[mine], &env, MULTI_USER);
        assert_eq!(facts(&host).sandbox_setting(), SandboxSetting::Enabled);
        let (_dir, host) = self::host(&[mine], &env, SINGLE_USER);
        assert!(matches!(
            facts(&host).sandbox_setting(),
            SandboxSetting::Disabled { .. }
        ));
    }

    #[test]
    fn syntax_errors_invalid_values_and_missing_includes_are_unknown_with_the_reason() {
        let (_dir, host) = host(
            &[("/etc/nix/nix.conf", "sandbox=false\n")],
            &[],
            SINGLE_USER,
        );
        let SandboxSetting::Unknown(reason) = facts(&host).sandbox_setting() else {
            panic!("a line without a separate '=' is a syntax error for Nix");
        };
        assert!(reason.contains("/etc/nix/nix.conf:1"), "{reason}");

        let conf = ("/etc/nix/nix.conf", "include /etc/nix/gone.conf\n");
        let (_dir, host) = self::host(&[conf], &[], SINGLE_USER);
        let facts = self::facts(&host);
        assert!(matches!(
            facts.sandbox_setting(),
            SandboxSetting::Unknown(_)
        ));
        assert_eq!(finding(&facts, SANDBOX_DISABLED.id).status, Status::Unknown);
        assert_eq!(finding(&facts, SANDBOX_FALLBACK.id).status, Status::Unknown);

        let conf = ("/etc/nix/nix.conf", "sandbox = maybe\n");
        let (_dir, host) = self::host(&[conf], &[], SINGLE_USER);
        assert!(matches!(
            self::facts(&host).sandbox_setting(),
            SandboxSetting::Unknown(_)
        ));

        let conf = ("/etc/nix/nix.conf", "sandbox-fallback = sometimes\n");
        let (_dir, host) = self::host(&[conf], &[], SINGLE_USER);
        let facts = self::facts(&host);
        assert_eq!(finding(&facts, SANDBOX_FALLBACK.id).status, Status::Unknown);
    }

    #[test]
    fn an_include_loop_stops_with_a_reason() {
        let conf = ("/etc/nix/nix.conf", "include nix.conf\n");
        let (_dir, host) = host(&[conf], &[], SINGLE_USER);
        let SandboxSetting::Unknown(reason) = facts(&host).sandbox_setting() else {
            panic!("a loop must not be followed forever");
        };
        assert!(reason.contains("nested"), "{reason}");
    }

    #[test]
    fn unreadable_includes_are_skipped_as_nix_skips_them() {
        let conf = (
            "/etc/nix/nix.conf",
            "include secret.conf\nsandbox = false\n",
        );
        let secret = ("/etc/nix/secret.conf", "sandbox = true\n");
        let manifest =
            format!("{SINGLE_USER}\n[files.\"/etc/nix/secret.conf\"]\nunreadable = true\n");
        let (_dir, host) = host(&[conf, secret], &[], &manifest);
        let facts = facts(&host);
        assert!(matches!(
            facts.sandbox_setting(),
            SandboxSetting::Disabled { line: 2, .. }
        ));
        assert_eq!(facts.system.skipped.len(), 1);
    }

    #[test]
    fn nix_user_conf_files_replaces_the_xdg_files_and_the_first_wins() {
        let files = [
            ("/a.conf", "sandbox = false\n"),
            ("/b.conf", "sandbox = true\n"),
            (USER_CONF, "sandbox = relaxed\n"),
        ];
        let env = [("NIX_USER_CONF_FILES", "/a.conf:/b.conf")];
        let (_dir, host) = host(&files, &env, SINGLE_USER);
        assert!(matches!(
            facts(&host).sandbox_setting(),
            SandboxSetting::Disabled { ref file, .. } if file == "/a.conf"
        ));
    }

    #[test]
    fn no_nix_is_not_installed_and_only_informs() {
        let (_dir, host) = host(&[], &[], "");
        let facts = facts(&host);
        assert!(!facts.installed());
        assert!(judge(&facts).iter().all(|f| f.status == Status::Info));
    }
}
