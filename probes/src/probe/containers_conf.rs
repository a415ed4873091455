//! podman's own configuration as it would read it for this user: `containers.conf` (runtime,
//! network command, runtime paths) and `storage.conf` (driver, storage directory, mount
//! program). Later files override earlier ones key by key, as containers/common merges them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::host::Host;
use crate::probe::read_optional;
use crate::toml::Table;

/// A value and the file that set it, for evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub file: String,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Every file read, in order.
    pub files: Vec<String>,
    /// Files that exist but could not be read or parsed, with the reason.
    pub errors: Vec<String>,
    /// `[engine] runtime`.
    pub runtime: Option<Setting>,
    /// `[engine.runtimes]`: the paths tried for each runtime name.
    pub runtime_paths: BTreeMap<String, Vec<String>>,
    /// `[network] default_rootless_network_cmd` (podman ≥ 4.4).
    pub rootless_network_cmd: Option<Setting>,
    /// `[engine] network_cmd_path`: podman 4's path to slirp4netns.
    pub network_cmd_path: Option<Setting>,
    /// `[engine] helper_binaries_dir`: where podman looks for slirp4netns, pasta… before PATH.
    pub helper_dirs: Vec<String>,
    /// `[storage] driver` from storage.conf.
    pub storage_driver: Option<Setting>,
    /// `[storage] rootless_storage_path` (system file) or `graphroot` (the user's own file).
    pub storage_path: Option<Setting>,
    /// `[storage.options.overlay] mount_program`, e.g. fuse-overlayfs.
    pub mount_program: Option<Setting>,
}

/// The user's configuration folder: `$XDG_CONFIG_HOME`, else `~/.config`.
pub fn config_home(host: &dyn Host, home: Option<&str>) -> Option<PathBuf> {
    match host.env("XDG_CONFIG_HOME") {
        Some(dir) if dir.starts_with('/') => Some(PathBuf::from(dir)),
        _ => home.map(|home| Path::new(home).join(".config")),
    }
}

/// `rootless`: podman's effective uid is not 0. Only rootless podman reads the user's own
/// files (containers.conf(5): "When running in rootless mode, they also read
/// $HOME/.config/containers/containers.conf"; storage.conf likewise), so root's come from
/// /etc and /usr/share alone, whatever its HOME holds.
pub fn gather(host: &dyn Host, home: Option<&str>, rootless: bool) -> Facts {
    let mut facts = Facts::default();
    let user_dir = config_home(host, home)
        .filter(|_| rootless)
        .map(|dir| dir.join("containers"));
    for path in containers_conf_files(host, user_dir.as_deref()) {
        if let Some(table) = read_toml(host, &path, &mut facts) {
            merge_containers_conf(&mut facts, &table, &path);
        }
    }
    // storage.conf: the user's own file replaces the system one entirely.
    let user_storage = user_dir.map(|dir| dir.join("storage.conf"));
    let system = [
        "/etc/containers/storage.conf",
        "/usr/share/containers/storage.conf",
    ];
    let mut candidates: Vec<(String, bool)> = Vec::new();
    if let Some(path) = user_storage {
        candidates.push((path.display().to_string(), true));
    }
    candidates.extend(system.iter().map(|p| (p.to_string(), false)));
    for (path, is_user) in candidates {
        if let Some(table) = read_toml(host, &path, &mut facts) {
            merge_storage_conf(&mut facts, &table, &path, is_user);
            break;
        }
    }
    facts
}

/// containers.conf files in the order containers/common reads them. `CONTAINERS_CONF`
/// replaces them all.
fn containers_conf_files(host: &dyn Host, user_dir: Option<&Path>) -> Vec<String> {
    if let Some(file) = host.env("CONTAINERS_CONF").filter(|f| !f.is_empty()) {
        return vec![file];
    }
    let mut files = vec![
        "/usr/share/containers/containers.conf".to_string(),
        "/etc/containers/containers.conf".to_string(),
    ];
    files.extend(drop_ins(
        host,
        Path::new("/etc/containers/containers.conf.d"),
    ));
    if let Some(dir) = user_dir {
        files.push(dir.join("containers.conf").display().to_string());
        files.extend(drop_ins(host, &dir.join("containers.conf.d")));
    }
    files
}

fn drop_ins(host: &dyn Host, dir: &Path) -> Vec<String> {
    host.list_dir(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|name| name.ends_with(".conf"))
        .map(|name| dir.join(name).display().to_string())
        .collect()
}

fn read_toml(host: &dyn Host, path: &str, facts: &mut Facts) -> Option<Table> {
    match read_optional(host, path) {
        Ok(None) => None,
        Ok(Some(text)) => {
            facts.files.push(path.to_string());
            match crate::toml::parse(&text) {
                Ok(table) => Some(table),
                Err(err) => {
                    let line = err.line.unwrap_or(0);
                    facts.errors.push(format!("{path}:{line}: not valid TOML"));
                    None
                }
            }
        }
        Err(err) => {
            facts.errors.push(err.to_string());
            None
        }
    }
}

fn string_at(table: &Table, section: &[&str], key: &str) -> Option<String> {
    let mut current = table;
    for part in section {
        current = current.get(*part)?.as_object()?;
    }
    current.get(key)?.as_str().map(str::to_string)
}

fn setting(table: &Table, section: &[&str], key: &str, file: &str) -> Option<Setting> {
    string_at(table, section, key)
        .filter(|value| !value.is_empty())
        .map(|value| Setting {
            value,
            file: file.to_string(),
        })
}

fn merge_containers_conf(facts: &mut Facts, table: &Table, file: &str) {
    if let Some(runtime) = setting(table, &["engine"], "runtime", file) {
        facts.runtime = Some(runtime);
    }
    if let Some(cmd) = setting(table, &["network"], "default_rootless_network_cmd", file) {
        facts.rootless_network_cmd = Some(cmd);
    }
    if let Some(path) = setting(table, &["engine"], "network_cmd_path", file) {
        facts.network_cmd_path = Some(path);
    }
    let engine = table.get("engine").and_then(serde_json::Value::as_object);
    if let Some(runtimes) = engine
        .and_then(|e| e.get("runtimes"))
        .and_then(serde_json::Value::as_object)
    {
        for (name, paths) in runtimes {
            let paths: Vec<String> = paths
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|p| p.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            facts.runtime_paths.insert(name.clone(), paths);
        }
    }
    if let Some(dirs) = engine
        .and_then(|e| e.get("helper_binaries_dir"))
        .and_then(serde_json::Value::as_array)
    {
        facts.helper_dirs = dirs
            .iter()
            .filter_map(|d| d.as_str().map(str::to_string))
            .collect();
    }
}

fn merge_storage_conf(facts: &mut Facts, table: &Table, file: &str, is_user: bool) {
    facts.storage_driver = setting(table, &["storage"], "driver", file);
    let path_key = if is_user {
        "graphroot"
    } else {
        "rootless_storage_path"
    };
    facts.storage_path = setting(table, &["storage"], path_key, file);
    facts.mount_program = setting(
        table,
        &["storage", "options", "overlay"],
        "mount_program",
        file,
    )
    .or_else(|| setting(table, &["storage", "options"], "mount_program", file));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(texts: &[(&str, &str)]) -> Facts {
        let mut facts = Facts::default();
        for (file, text) in texts {
            let table: Table = crate::toml::parse(text).unwrap();
            merge_containers_conf(&mut facts, &table, file);
        }
        facts
    }

    #[test]
    fn a_later_file_overrides_the_runtime_key_by_key() {
        let facts = merged(&[
            (
                "/usr/share/containers/containers.conf",
                "[engine]\nruntime = \"crun\"\n[engine.runtimes]\nrunc = [\"/usr/bin/runc\"]\n",
            ),
            (
                "/home/alice/.config/containers/containers.conf",
                "[engine]\nruntime = \"runc\"\n",
            ),
        ]);
        let runtime = facts.runtime.unwrap();
        assert_eq!(runtime.value, "runc");
        assert_eq!(
            runtime.file,
            "/home/alice/.config/containers/containers.conf"
        );
        assert_eq!(facts.runtime_paths["runc"], vec!["/usr/bin/runc"]);
    }

    #[test]
    fn the_user_storage_conf_names_graphroot_and_the_system_one_rootless_storage_path() {
        let table: Table = crate::toml::parse("[storage]\ndriver = \"overlay\"\ngraphroot = \"/srv/c\"\nrootless_storage_path = \"/x\"\n[storage.options.overlay]\nmount_program = \"/usr/bin/fuse-overlayfs\"\n").unwrap();
        let mut user = Facts::default();
        merge_storage_conf(&mut user, &table, "u", true);
        assert_eq!(user.storage_path.unwrap().value, "/srv/c");
        assert_eq!(user.mount_program.unwrap().value, "/usr/bin/fuse-overlayfs");
        let mut system = Facts::default();
        merge_storage_conf(&mut system, &table, "s", false);
        assert_eq!(system.storage_path.unwrap().value, "/x");
    }

    #[test]
    fn only_rootless_podman_reads_the_users_own_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        let user_dir = root.join("home/alice/.config/containers");
        std::fs::create_dir_all(&user_dir).expect("user dir");
        std::fs::create_dir_all(root.join("etc/containers")).expect("etc");
        std::fs::write(
            root.join("etc/containers/containers.conf"),
            "[engine]\nruntime = \"crun\"\n",
        )
        .expect("system file");
        std::fs::write(
            user_dir.join("containers.conf"),
            "[engine]\nruntime = \"runc\"\n",
        )
        .expect("user file");
        std::fs::write(
            user_dir.join("storage.conf"),
            "[storage]\ndriver = \"vfs\"\n",
        )
        .expect("user storage");
        let toml = "[source]\nimitates = \"root with a HOME that holds containers files\"\n";
        std::fs::write(dir.path().join("host.toml"), toml).expect("host.toml");
        let host = crate::host::RecordedHost::open(dir.path()).expect("recorded host");

        let rootless = gather(&host, Some("/home/alice"), true);
        assert_eq!(rootless.runtime.unwrap().value, "runc");
        assert_eq!(rootless.storage_driver.unwrap().value, "vfs");
        let root = gather(&host, Some("/home/alice"), false);
        assert_eq!(root.runtime.unwrap().value, "crun");
        assert!(root.storage_driver.is_none());
    }
}
