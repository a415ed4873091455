//! Every fix hostcap suggests on a recorded host is pasted into a copy of that host, as far as a
//! recording can take it, and the check runs again: the finding the step was meant to fix must
//! be gone, and no finding that was fine before may have become a problem. A suggested command
//! that makes things worse (a subordinate range that overlaps another user's, a group that does
//! not exist) fails here.
//!
//! A step is applied only when every part of it is understood (`usermod` ranges and groups,
//! `chmod`, `chown`, `setcap`, `rm`, `mkdir`, `printf … > FILE`, `sysctl`, `groupadd`); a step
//! with anything else (a package install, a service restart) is left out and listed, and the
//! test requires that enough steps were applied for it to mean something.
// Copying fixture folders needs the real file system.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

mod common;

use common::{host_names, hosts_dir};
use hostcap_probes::experiment::Outcome;
use hostcap_probes::finding::{Finding, Step};
use hostcap_probes::host::{Host, HostToml, RecordedHost};
use hostcap_probes::{Report, check};

/// A recorded host copied into a temporary folder, with its manifest open for changes.
struct Copy {
    dir: tempfile::TempDir,
    manifest: HostToml,
    /// A change touched what the recorded user-namespace experiment depended on (a sysctl,
    /// an AppArmor profile): its outcome no longer describes the copy.
    userns_stale: bool,
    /// The same for the id-mapping experiment, which also reads the helpers and the ranges.
    idmap_stale: bool,
}

impl Copy {
    fn of(name: &str) -> Copy {
        let dir = tempfile::tempdir().expect("temporary folder");
        copy_tree(&hosts_dir().join(name), dir.path());
        let text = fs::read_to_string(dir.path().join("host.toml")).expect("host.toml");
        let manifest = hostcap_probes::toml::from_str(&text).expect("manifest parses");
        Copy {
            dir,
            manifest,
            userns_stale: false,
            idmap_stale: false,
        }
    }

    /// Where an absolute path of the imitated machine lies in the copy.
    fn path(&self, on_host: &str) -> PathBuf {
        self.dir
            .path()
            .join("root")
            .join(on_host.trim_start_matches('/'))
    }

    fn read(&self, on_host: &str) -> String {
        fs::read_to_string(self.path(on_host)).unwrap_or_default()
    }

    fn write(&mut self, on_host: &str, text: &str) {
        self.touched(on_host);
        let path = self.path(on_host);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        // A recorded file may be a symlink into the tree; the change goes to a file of its own.
        let _ = fs::remove_file(&path);
        fs::write(path, text).unwrap();
    }

    fn user(&self) -> Option<String> {
        self.manifest.identity.as_ref()?.user.clone()
    }

    fn home(&self) -> Option<String> {
        let identity = self.manifest.identity.as_ref()?;
        identity
            .home
            .clone()
            .or_else(|| self.manifest.env.get("HOME").cloned())
    }

    /// The id of a user or group name from the copy's own account files.
    fn id_of(&self, file: &str, name: &str) -> Option<u32> {
        if let Ok(id) = name.parse() {
            return Some(id);
        }
        self.read(file).lines().find_map(|line| {
            let mut fields = line.split(':');
            (fields.next() == Some(name))
                .then(|| fields.nth(1)?.parse().ok())
                .flatten()
        })
    }

    /// Notes a change to `on_host`, and whether the recorded experiments read it.
    fn touched(&mut self, on_host: &str) {
        let kernel = ["/proc/sys/", "/etc/apparmor.d/"];
        if kernel.iter().any(|p| on_host.starts_with(p)) {
            self.userns_stale = true;
            self.idmap_stale = true;
        }
        let ranges = ["/etc/subuid", "/etc/subgid"];
        let helpers = ["newuidmap", "newgidmap"];
        if ranges.contains(&on_host) || helpers.iter().any(|h| on_host.ends_with(h)) {
            self.idmap_stale = true;
        }
    }

    fn report(&mut self) -> Report {
        // What a stale experiment would do now is not in the recording: the check then
        // judges from the facts alone, as `--passive` does.
        let reason = "recorded before the change";
        if self.userns_stale {
            self.manifest.experiments.userns = Some(Outcome::Skipped {
                reason: reason.into(),
            });
        }
        if self.idmap_stale {
            self.manifest.experiments.idmap = Some(Outcome::Skipped {
                reason: reason.into(),
            });
        }
        let text = hostcap_probes::toml::to_string(&self.manifest).expect("manifest writes");
        fs::write(self.dir.path().join("host.toml"), text).unwrap();
        let host = RecordedHost::open(self.dir.path()).expect("the changed copy opens");
        check(&host)
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A shell word or operator of the small language fix commands are written in.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    And,
    To,
    Append,
}

/// Splits a command line as sh would for the forms hostcap writes; `None` for anything beyond
/// them (pipes, substitutions, loops), which is then not applied.
fn tokenize(line: &str, user: Option<&str>, home: Option<&str>) -> Option<Vec<Token>> {
    let line = match line.find("    #").or_else(|| line.find("   #")) {
        Some(at) => &line[..at],
        None => line,
    };
    let mut tokens = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => w.push(chars.next()?),
                        '$' => w.push_str(&variable(&mut chars, user, home)?),
                        '`' => return None,
                        c => w.push(c),
                    }
                }
            }
            '$' => {
                let value = variable(&mut chars, user, home)?;
                word.get_or_insert_with(String::new).push_str(&value);
            }
            '~' if word.is_none() => word = Some(home?.to_string()),
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            ' ' | '\t' => {
                if let Some(w) = word.take() {
                    tokens.push(Token::Word(w));
                }
            }
            '&' if chars.peek() == Some(&'&') => {
                chars.next();
                if let Some(w) = word.take() {
                    tokens.push(Token::Word(w));
                }
                tokens.push(Token::And);
            }
            '>' => {
                if let Some(w) = word.take() {
                    tokens.push(Token::Word(w));
                }
                if chars.peek() == Some(&'>') {
                    chars.next();
                    tokens.push(Token::Append);
                } else {
                    tokens.push(Token::To);
                }
            }
            '|' | ';' | '`' | '(' | ')' | '<' | '&' | '…' => return None,
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(w) = word {
        tokens.push(Token::Word(w));
    }
    Some(tokens)
}

fn variable(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    user: Option<&str>,
    home: Option<&str>,
) -> Option<String> {
    let mut name = String::new();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_alphanumeric() || c == '_' {
            name.push(c);
            chars.next();
        } else {
            break;
        }
    }
    match name.as_str() {
        "USER" => user.map(str::to_string),
        "HOME" => home.map(str::to_string),
        _ => None,
    }
}

/// printf's format with no arguments but `%s` ones, as hostcap's config-file fixes use it.
fn printf(format: &str, args: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '\\' => out.push('\\'),
                _ => return None,
            },
            '%' => match chars.next()? {
                's' => out.push_str(args.next()?),
                '%' => out.push('%'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// Why a command was not applied.
#[derive(Debug)]
enum Refused {
    /// Beyond what a recording can show (a package install, a service restart): left out.
    Beyond(String),
    /// It names a user, group or file this host does not have: the fix itself is wrong.
    Wrong(String),
}

impl From<String> for Refused {
    fn from(why: String) -> Self {
        Refused::Beyond(why)
    }
}

impl From<&str> for Refused {
    fn from(why: &str) -> Self {
        Refused::Beyond(why.to_string())
    }
}

/// A file the command operates on must exist on the host, in `root/` or in the manifest.
fn existing(copy: &Copy, command: &str, path: &str) -> Result<(), Refused> {
    let declared = copy.manifest.files.contains_key(path);
    if declared || copy.path(path).symlink_metadata().is_ok() {
        Ok(())
    } else {
        Err(Refused::Wrong(format!(
            "{command} {path}: no such file on this host"
        )))
    }
}

/// Applies one command (parts joined by `&&`) to the copy.
fn apply(copy: &mut Copy, line: &str) -> Result<(), Refused> {
    let user = copy.user();
    let home = copy.home();
    let tokens = tokenize(line, user.as_deref(), home.as_deref())
        .ok_or_else(|| "beyond the forms a recording can take".to_string())?;
    for part in tokens.split(|t| *t == Token::And) {
        apply_part(copy, part)?;
    }
    Ok(())
}

fn apply_part(copy: &mut Copy, part: &[Token]) -> Result<(), Refused> {
    let (command, redirect) = match part
        .iter()
        .position(|t| matches!(t, Token::To | Token::Append))
    {
        Some(at) => match &part[at + 1..] {
            [Token::Word(file)] => (&part[..at], Some((part[at].clone(), file.clone()))),
            _ => return Err("a redirection without one file".into()),
        },
        None => (part, None),
    };
    let words: Vec<&str> = command
        .iter()
        .map(|t| match t {
            Token::Word(w) => Ok(w.as_str()),
            _ => Err("an operator where a word belongs".to_string()),
        })
        .collect::<Result<_, _>>()?;
    let Some((&program, args)) = words.split_first() else {
        return Err("an empty command".into());
    };
    if let Some((how, file)) = redirect {
        let text = match program {
            "printf" => printf(
                args.first().ok_or("printf without a format")?,
                &args[1..].iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
            .ok_or("a printf format beyond %s and \\n")?,
            "echo" => format!("{}\n", args.join(" ")),
            other => return Err(format!("{other} into a file").into()),
        };
        let before = if how == Token::Append {
            copy.read(&file)
        } else {
            String::new()
        };
        copy.write(&file, &(before + &text));
        return Ok(());
    }
    match program {
        "usermod" => usermod(copy, args),
        "chmod" => {
            let [mode, paths @ ..] = args else {
                return Err("chmod without a mode".into());
            };
            u32::from_str_radix(mode, 8).map_err(|_| format!("chmod {mode}: not octal"))?;
            for path in paths {
                existing(copy, "chmod", path)?;
                copy.touched(path);
                let entry = copy.manifest.files.entry(path.to_string()).or_default();
                entry.mode = Some(mode.to_string());
                // The recorded outcome of opening it described the old mode.
                entry.open_read_write = None;
                entry.unreadable = false;
            }
            Ok(())
        }
        "chown" => {
            let [owner, paths @ ..] = args else {
                return Err("chown without an owner".into());
            };
            let (user, group) = owner.split_once(':').unwrap_or((owner, ""));
            let uid = copy
                .id_of("/etc/passwd", user)
                .ok_or_else(|| Refused::Wrong(format!("chown: no user {user} on this host")))?;
            let gid = match group {
                "" => None,
                group => Some(copy.id_of("/etc/group", group).ok_or_else(|| {
                    Refused::Wrong(format!("chown: no group {group} on this host"))
                })?),
            };
            for path in paths {
                existing(copy, "chown", path)?;
                copy.touched(path);
                let entry = copy.manifest.files.entry(path.to_string()).or_default();
                entry.uid = Some(uid);
                if gid.is_some() {
                    entry.gid = gid;
                }
                entry.open_read_write = None;
            }
            Ok(())
        }
        "setcap" => {
            let [caps, path] = args else {
                return Err("setcap takes caps and one file".into());
            };
            let bits = match *caps {
                "cap_setuid=ep" => 1u32 << 7,
                "cap_setgid=ep" => 1 << 6,
                other => return Err(format!("setcap {other}").into()),
            };
            // vfs_cap_data revision 2: magic with the effective flag, then permitted and
            // inheritable for the two 32-bit words.
            let mut raw = Vec::new();
            raw.extend(0x0200_0001u32.to_le_bytes());
            for word in [bits, 0, 0, 0] {
                raw.extend(word.to_le_bytes());
            }
            let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
            existing(copy, "setcap", path)?;
            copy.touched(path);
            let entry = copy.manifest.files.entry(path.to_string()).or_default();
            entry.xattrs.insert("security.capability".into(), hex);
            Ok(())
        }
        "rm" => {
            for path in args.iter().filter(|a| !a.starts_with('-')) {
                existing(copy, "rm", path)?;
                copy.touched(path);
                fs::remove_file(copy.path(path)).map_err(|e| format!("rm {path}: {e}"))?;
                copy.manifest.files.remove(*path);
            }
            Ok(())
        }
        "mkdir" => {
            for path in args.iter().filter(|a| !a.starts_with('-')) {
                fs::create_dir_all(copy.path(path)).map_err(|e| format!("mkdir {path}: {e}"))?;
            }
            Ok(())
        }
        "sysctl" => match args {
            ["--system"] => {
                // What sysctl --system loads: every key = value line of /etc/sysctl.d.
                let dir = copy.path("/etc/sysctl.d");
                let mut settings = Vec::new();
                for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
                    let text = fs::read_to_string(entry.path()).unwrap_or_default();
                    for line in text.lines().map(str::trim) {
                        if let Some((key, value)) = line.split_once('=') {
                            if !line.starts_with('#') {
                                settings.push((key.trim().to_string(), value.trim().to_string()));
                            }
                        }
                    }
                }
                for (key, value) in settings {
                    copy.write(
                        &format!("/proc/sys/{}", key.replace('.', "/")),
                        &format!("{value}\n"),
                    );
                }
                Ok(())
            }
            [setting] => {
                let (key, value) = setting
                    .split_once('=')
                    .ok_or(format!("sysctl {setting}: no value"))?;
                copy.write(
                    &format!("/proc/sys/{}", key.replace('.', "/")),
                    &format!("{value}\n"),
                );
                Ok(())
            }
            _ => Err("sysctl with options".into()),
        },
        "groupadd" => {
            let name = args
                .iter()
                .rfind(|a| !a.starts_with('-'))
                .ok_or("groupadd without a name")?;
            let text = copy.read("/etc/group");
            if copy.id_of("/etc/group", name).is_some() {
                return Err(Refused::Wrong(format!(
                    "groupadd: group {name} already exists"
                )));
            }
            let used: BTreeSet<u32> = text
                .lines()
                .filter_map(|l| l.split(':').nth(2)?.parse().ok())
                .collect();
            let gid = (100..1000).rev().find(|g| !used.contains(g)).unwrap();
            copy.write("/etc/group", &format!("{text}{name}:x:{gid}:\n"));
            Ok(())
        }
        "podman" if args == ["system", "migrate"] => {
            // It stops the pause process; the next podman command starts one with new maps.
            let runtime_dir = copy
                .manifest
                .env
                .get("XDG_RUNTIME_DIR")
                .cloned()
                .ok_or("podman system migrate without XDG_RUNTIME_DIR")?;
            let pid_file = format!("{runtime_dir}/libpod/tmp/pause.pid");
            let _ = fs::remove_file(copy.path(&pid_file));
            copy.manifest.files.remove(&pid_file);
            Ok(())
        }
        other => Err(format!("{other} is not something a recording can show").into()),
    }
}

fn usermod(copy: &mut Copy, args: &[&str]) -> Result<(), Refused> {
    let (name, options) = args.split_last().ok_or("usermod without a user")?;
    if copy.id_of("/etc/passwd", name).is_none() {
        return Err(Refused::Wrong(format!(
            "usermod: user {name} does not exist on this host"
        )));
    }
    let mut options = options.iter();
    let mut append_groups = false;
    while let Some(option) = options.next() {
        let mut value = || {
            options
                .next()
                .copied()
                .ok_or(format!("{option} needs a value"))
        };
        match *option {
            "--add-subuids" | "-v" => add_range(copy, "/etc/subuid", name, value()?)?,
            "--add-subgids" | "-w" => add_range(copy, "/etc/subgid", name, value()?)?,
            "--del-subuids" | "-V" => del_range(copy, "/etc/subuid", name, value()?)?,
            "--del-subgids" | "-W" => del_range(copy, "/etc/subgid", name, value()?)?,
            "-a" | "--append" => append_groups = true,
            "-aG" => join_groups(copy, name, value()?)?,
            "-G" | "--groups" if append_groups => join_groups(copy, name, value()?)?,
            other => return Err(format!("usermod {other}").into()),
        }
    }
    Ok(())
}

fn range(text: &str) -> Result<(u64, u64), String> {
    let (first, last) = text.split_once('-').ok_or(format!("range {text}"))?;
    let first: u64 = first.parse().map_err(|_| format!("range {text}"))?;
    let last: u64 = last.parse().map_err(|_| format!("range {text}"))?;
    if last < first {
        return Err(format!("range {text} ends before it starts"));
    }
    Ok((first, last - first + 1))
}

fn add_range(copy: &mut Copy, file: &str, name: &str, text: &str) -> Result<(), String> {
    let (start, count) = range(text)?;
    let mut lines = copy.read(file);
    if !lines.is_empty() && !lines.ends_with('\n') {
        lines.push('\n');
    }
    copy.write(file, &format!("{lines}{name}:{start}:{count}\n"));
    Ok(())
}

fn del_range(copy: &mut Copy, file: &str, name: &str, text: &str) -> Result<(), String> {
    let (start, count) = range(text)?;
    let (first, last) = (start, start + count - 1);
    let text = copy.read(file);
    let kept: String = text
        .lines()
        .filter(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            let [owner, s, c] = fields[..] else {
                return true;
            };
            let (Ok(s), Ok(c)) = (s.parse::<u64>(), c.parse::<u64>()) else {
                return true;
            };
            // usermod -V removes the owner's ranges that lie within the one given.
            !(owner == name && s >= first && s + c.saturating_sub(1) <= last)
        })
        .map(|line| format!("{line}\n"))
        .collect();
    copy.write(file, &kept);
    Ok(())
}

/// `usermod -aG`, then a new login, as the fix says: the group file, the manifest's groups and
/// the `Groups:` line of /proc/self/status all gain it.
fn join_groups(copy: &mut Copy, name: &str, groups: &str) -> Result<(), Refused> {
    for group in groups.split(',') {
        let gid = copy
            .id_of("/etc/group", group)
            .ok_or_else(|| Refused::Wrong(format!("usermod -aG: no group {group} on this host")))?;
        let text: String = copy
            .read("/etc/group")
            .lines()
            .map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                if fields.first() == Some(&group) && fields.len() == 4 {
                    let members = if fields[3].is_empty() {
                        name.to_string()
                    } else {
                        format!("{},{name}", fields[3])
                    };
                    format!("{}:{}:{}:{members}\n", fields[0], fields[1], fields[2])
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        copy.write("/etc/group", &text);
        if let Some(identity) = copy.manifest.identity.as_mut() {
            identity.groups.push(hostcap_probes::host::Group {
                gid,
                name: Some(group.to_string()),
            });
        }
        let status: String = copy
            .read("/proc/self/status")
            .lines()
            .map(|line| match line.strip_prefix("Groups:") {
                Some(rest) => format!("Groups:\t{} {gid}\n", rest.trim()),
                None => format!("{line}\n"),
            })
            .collect();
        copy.write("/proc/self/status", &status);
        for (path, entry) in copy.manifest.files.iter_mut() {
            if entry.gid == Some(gid) {
                // Recorded as the old groups saw it: judged from mode and groups again.
                entry.open_read_write = None;
                if path == "/dev/kvm" {
                    // The only KVM API version there is; the kernel answers it to whoever
                    // may open the device.
                    entry.kvm_api_version = Some(12);
                }
            }
        }
    }
    Ok(())
}

fn problems(report: &Report) -> BTreeSet<&'static str> {
    report
        .findings
        .iter()
        .filter(|f| f.is_problem())
        .map(|f| f.id)
        .collect()
}

fn commands(finding: &Finding) -> impl Iterator<Item = &str> {
    finding
        .fix
        .with_root
        .iter()
        .chain(&finding.fix.without_root)
        .filter_map(|step| match step {
            Step::Command(line) => Some(line.as_str()),
            Step::Prose(_) => None,
        })
}

/// Whether the changed copy no longer has `fixed` as a problem and has no problem that was not
/// there before.
fn judge_change(
    copy: &mut Copy,
    fixed: &str,
    before: &BTreeSet<&'static str>,
) -> Result<(), String> {
    let after = problems(&copy.report());
    let mut wrong = Vec::new();
    if after.contains(fixed) {
        wrong.push(format!("leaves {fixed} a problem"));
    }
    let new: Vec<&str> = after.difference(before).copied().collect();
    if !new.is_empty() {
        wrong.push(format!("brings new problems: {}", new.join(", ")));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

#[test]
fn every_fix_that_a_recording_can_take_fixes_its_finding_and_breaks_nothing() {
    let mut applied = 0;
    let mut failures = Vec::new();
    let mut left_out = Vec::new();
    for name in host_names() {
        let before = Copy::of(&name).report();
        let problems_before = problems(&before);
        for finding in before.findings.iter().filter(|f| f.is_problem()) {
            let lines: Vec<&str> = commands(finding).collect();
            for (at, line) in lines.iter().enumerate() {
                let mut copy = Copy::of(&name);
                match apply(&mut copy, line) {
                    Ok(()) => {}
                    Err(Refused::Beyond(why)) => {
                        left_out.push(format!("{name}: {line}: {why}"));
                        continue;
                    }
                    Err(Refused::Wrong(why)) => {
                        failures.push(format!("{name}: `{line}` (for {}): {why}", finding.id));
                        continue;
                    }
                }
                applied += 1;
                // A fix reads top to bottom: what one step leaves to do (a pause process to
                // stop after new ranges), a later step of the same fix may do.
                let mut done = vec![*line];
                let mut verdict = judge_change(&mut copy, finding.id, &problems_before);
                for next in &lines[at + 1..] {
                    if verdict.is_ok() {
                        break;
                    }
                    if apply(&mut copy, next).is_ok() {
                        done.push(next);
                        verdict = judge_change(&mut copy, finding.id, &problems_before);
                    }
                }
                if verdict.is_err() && at > 0 {
                    // Or it finishes what the steps before it began (`podman system migrate`
                    // after the new ranges).
                    let mut copy = Copy::of(&name);
                    let prefix = lines[..=at].iter().filter(|l| apply(&mut copy, l).is_ok());
                    done = prefix.copied().collect();
                    verdict = judge_change(&mut copy, finding.id, &problems_before);
                }
                if let Err(why) = verdict {
                    failures.push(format!(
                        "{name}: `{}` (for {}) {why}",
                        done.join("`, then `"),
                        finding.id
                    ));
                }
            }
        }
    }
    eprintln!(
        "{applied} applied; not applied:\n  {}",
        left_out.join("\n  ")
    );
    assert!(applied >= 20, "only {applied} fixes could be applied");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_shell_forms_of_fixes_are_read_as_sh_would() {
    let words = |line| tokenize(line, Some("alice"), Some("/home/alice"));
    assert_eq!(
        words("printf '[a]\\nb = \"%s\"\\n' \"$USER\" >> ~/.config/x    # note"),
        Some(vec![
            Token::Word("printf".into()),
            Token::Word("[a]\\nb = \"%s\"\\n".into()),
            Token::Word("alice".into()),
            Token::Append,
            Token::Word("/home/alice/.config/x".into()),
        ])
    );
    assert_eq!(words("cat a | sort"), None);
    assert_eq!(words("podman run …"), None);
    assert_eq!(words("echo $SOMETHING"), None);
    assert_eq!(
        printf("[a]\\nb = \"%s\"\\n", &["alice".into()]).as_deref(),
        Some("[a]\nb = \"alice\"\n")
    );
    assert_eq!(range("100000-165535"), Ok((100000, 65536)));
    assert!(range("165535-100000").is_err());
}

#[test]
fn a_fix_naming_what_the_host_lacks_is_wrong_not_left_out() {
    let mut copy = Copy::of("debian-12-vm-no-subid");
    for line in [
        "chmod 0666 /dev/nosuchdevice",
        "usermod -aG kvm nosuchuser",
        "usermod -aG nosuchgroup hostcap-live",
        "chown root:nosuchgroup /etc/subuid",
        "setcap cap_setuid=ep /usr/local/bin/newuidmap",
    ] {
        assert!(
            matches!(apply(&mut copy, line), Err(Refused::Wrong(_))),
            "{line}"
        );
    }
    assert!(matches!(
        apply(&mut copy, "apt-get install uidmap"),
        Err(Refused::Beyond(_))
    ));
}

#[test]
fn a_range_another_user_holds_is_caught() {
    // The fix hostcap once offered everywhere: on debian-12-vm-no-subid, bob holds it.
    let name = "debian-12-vm-no-subid";
    let mut copy = Copy::of(name);
    let before = problems(&copy.report());
    let user = copy.user().unwrap();
    apply(
        &mut copy,
        &format!("usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {user}"),
    )
    .unwrap();
    let after = problems(&copy.report());
    assert!(
        after.difference(&before).any(|id| id.starts_with("subid.")),
        "{after:?}"
    );
    let host = RecordedHost::open(copy.dir.path()).unwrap();
    assert!(
        host.read_string(Path::new("/etc/subuid"))
            .unwrap()
            .contains(&user)
    );
}

/// Programs a command step may start with. A step that starts with anything else is advice
/// dressed as a command, and a person pasting it gets "command not found".
const PROGRAMS: &[&str] = &[
    "apk",
    "apt-get",
    "bsdinstall",
    "chmod",
    "chown",
    "crew",
    "dnf",
    "docker",
    "echo",
    "env",
    "export",
    "groupadd",
    "guix",
    "guix-daemon",
    "jail",
    "kldload",
    "lima",
    "limactl",
    "loginctl",
    "lxc",
    "mkdir",
    "modprobe",
    "mount",
    "nix",
    "nix-build",
    "nix-env",
    "pacman",
    "podman",
    "printf",
    "proot",
    "rm",
    "sed",
    "setcap",
    "sudo",
    "sysctl",
    "systemctl",
    "udevadm",
    "umount",
    "unset",
    "usermod",
    "yum",
    "zypper",
];

#[test]
fn every_command_step_is_one_line_that_starts_with_a_program() {
    let mut wrong = Vec::new();
    for name in host_names() {
        let report = Copy::of(&name).report();
        let steps = report
            .findings
            .iter()
            .flat_map(|f| f.fix.with_root.iter().chain(&f.fix.without_root))
            .chain(report.recommendations.iter().flat_map(|r| &r.steps));
        for step in steps {
            let Step::Command(line) = step else { continue };
            let first = line.split_whitespace().next().unwrap_or_default();
            if line.contains('\n') || !PROGRAMS.contains(&first) {
                wrong.push(format!("{name}: {line}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
