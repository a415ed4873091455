//! Redaction of support bundles: what identifies people and machines is replaced, the same
//! way in every file, so that the replayed diagnosis does not change. Other users' names and
//! homes become `hostcap-user1`, `hostcap-user2`…, the host name `host`, addresses documentation ones, and
//! environment values outside a short list `REDACTED`. The bundle lists what was replaced, by
//! kind and name, never by value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hostcap_probes::host::Recording;

/// Variables whose values a diagnosis needs and that name no secret: kept.
const KEPT_VARIABLES: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "TERM",
    "TMPDIR",
    "SUDO_USER",
    "CONTAINERS_CONF",
    "NIX_CONF_DIR",
    "NIX_USER_CONF_FILES",
    "NIX_REMOTE",
    "NIX_PATH",
    "NIX_STORE_DIR",
    "NIX_STATE_DIR",
    "NIX_LOG_DIR",
    "NIX_CONFIG_HOME",
    "NIX_CACHE_HOME",
    "NIX_DATA_HOME",
    "NIX_STATE_HOME",
    "NIX_DAEMON_SOCKET_PATH",
    "NIX_PROFILES",
];

/// Host names that are also words of the files hostcap reads (`debian`, `vm`) would be
/// replaced where they are not host names and change the diagnosis: only a distinctive name
/// is replaced.
fn distinctive(host: &str) -> bool {
    const COMMON: &[&str] = &[
        "localhost",
        "debian",
        "ubuntu",
        "fedora",
        "alpine",
        "centos",
        "archlinux",
        "gentoo",
        "nixos",
        "linux",
        "podman",
        "docker",
        "penguin",
        "chromeos",
        "fydeos",
        "container",
    ];
    let long_enough = host.len() >= 5 || host.contains(|c: char| c.is_ascii_digit() || c == '-');
    long_enough && host.len() >= 3 && !COMMON.contains(&host.to_ascii_lowercase().as_str())
}

fn kept(name: &str) -> bool {
    KEPT_VARIABLES.contains(&name)
        || name.starts_with("XDG_")
        || name.starts_with("LC_")
        || name.starts_with("GUIX_")
}

#[derive(Debug, Clone, Default)]
pub struct Redaction {
    enabled: bool,
    /// Whole-word replacements, longest first.
    words: Vec<(String, String)>,
    /// What was replaced, by kind (for the listing).
    kinds: Vec<String>,
    /// Environment variables whose values are withheld.
    withheld: Vec<String>,
}

impl Redaction {
    /// Keeps everything (`--no-redact`).
    pub fn none() -> Self {
        Self::default()
    }

    pub fn plan(recording: &Recording) -> Self {
        let identity = recording.manifest.identity.as_ref();
        let subject = identity.and_then(|id| id.user.clone());
        // The person at the keyboard: under `unshare -r` the identity is root, but HOME and
        // USER still name them, and their name is theirs to show.
        let env_user = recording.manifest.env.get("USER").cloned();
        let env_home = recording.manifest.env.get("HOME").cloned();
        let mut words: Vec<(String, String)> = Vec::new();
        let mut kinds = Vec::new();
        // Other people's accounts, from the user database as the check read it.
        let mut others = 0;
        if let Some(passwd) = recording
            .files
            .get(Path::new("/etc/passwd"))
            .and_then(|b| std::str::from_utf8(b).ok())
        {
            for line in passwd.lines() {
                let fields: Vec<&str> = line.split(':').collect();
                let (Some(name), Some(uid), Some(home)) =
                    (fields.first(), fields.get(2), fields.get(5))
                else {
                    continue;
                };
                let Ok(uid) = uid.parse::<u32>() else {
                    continue;
                };
                let is_subject = Some(*name) == subject.as_deref()
                    || Some(*name) == env_user.as_deref()
                    || Some(*home) == env_home.as_deref();
                if uid < 1000 || uid == 65534 || is_subject || name.is_empty() {
                    continue;
                }
                others += 1;
                let placeholder = format!("hostcap-user{others}");
                if *home != format!("/home/{name}") && home.len() > 1 {
                    words.push((home.to_string(), format!("/home/{placeholder}")));
                }
                words.push((name.to_string(), placeholder));
            }
        }
        if others > 0 {
            kinds.push(format!(
                "{others} other user names and their homes (in every file)"
            ));
        }
        if let Ok(host) = nix::unistd::gethostname() {
            let host = host.to_string_lossy().into_owned();
            if distinctive(&host) {
                // Short names of the host's own domain too: "build7" of "build7.corp".
                let short = host.split('.').next().unwrap_or(&host).to_string();
                words.push((host.clone(), "host".into()));
                if short != host && short.len() >= 2 {
                    words.push((short, "host".into()));
                }
                kinds.push("the host name".into());
            }
        }
        words.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        words.dedup_by(|a, b| a.0 == b.0);
        let withheld: Vec<String> = recording
            .manifest
            .env
            .keys()
            .filter(|name| !kept(name))
            .cloned()
            .collect();
        if !withheld.is_empty() {
            kinds.push(format!("the values of {}", withheld.join(", ")));
        }
        kinds.push("IPv4, IPv6 and MAC addresses".into());
        Self {
            enabled: true,
            words,
            kinds,
            withheld,
        }
    }

    /// What was redacted, by kind: for the bundle's note and the command's last line.
    pub fn summary(&self) -> Vec<String> {
        if self.enabled {
            self.kinds.clone()
        } else {
            vec!["nothing (--no-redact)".into()]
        }
    }

    /// The bundle's REDACTED.txt.
    pub fn listing(&self) -> String {
        let mut out = String::from(
            "What hostcap replaced in this bundle (kinds and names, never values); the same \
             replacement is used in every file, so the replayed diagnosis is unchanged.\n",
        );
        for kind in self.summary() {
            out.push_str(&format!("- {kind}\n"));
        }
        out
    }

    pub fn apply(&self, text: &str) -> String {
        if !self.enabled {
            return text.to_string();
        }
        let mut out = text.to_string();
        for (from, to) in &self.words {
            out = replace_word(&out, from, to);
        }
        redact_addresses(&out)
    }

    pub fn path(&self, path: &Path) -> PathBuf {
        PathBuf::from(self.apply(&path.to_string_lossy()))
    }

    /// A file's bytes: text is redacted (and the user database loses its comment field, where
    /// real names live); anything else is kept as it is.
    pub fn bytes(&self, path: &Path, bytes: &[u8]) -> Vec<u8> {
        if !self.enabled {
            return bytes.to_vec();
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return bytes.to_vec();
        };
        let text = if path == Path::new("/etc/passwd") {
            without_gecos(text)
        } else {
            text.to_string()
        };
        self.apply(&text).into_bytes()
    }

    /// Withholds the values of variables outside the kept list.
    pub fn environment(&self, env: &mut BTreeMap<String, String>) {
        if !self.enabled {
            return;
        }
        for (name, value) in env.iter_mut() {
            if self.withheld.contains(name) {
                *value = "REDACTED".into();
            }
        }
    }
}

fn without_gecos(passwd: &str) -> String {
    passwd
        .lines()
        .map(|line| {
            let mut fields: Vec<&str> = line.split(':').collect();
            if fields.len() == 7 {
                fields[4] = "";
            }
            fields.join(":")
        })
        .map(|line| line + "\n")
        .collect()
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Replaces `from` where it stands as a whole word (or path component), not inside another.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    if from.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + from.len()..].chars().next();
        // A trailing '.' ends a sentence, not a name.
        let after_ok = match after {
            None => true,
            Some('.') => !rest[at + from.len() + 1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric()),
            Some(c) => !is_word_char(c),
        };
        let before_ok = before.is_none_or(|c| !is_word_char(c) || from.starts_with('/'));
        out.push_str(&rest[..at]);
        if before_ok && after_ok {
            out.push_str(to);
        } else {
            out.push_str(from);
        }
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// Replaces IPv4 (but loopback and 0.0.0.0), IPv6 (but ::1) and MAC addresses with
/// documentation addresses, the same address always by the same stand-in.
fn redact_addresses(text: &str) -> String {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let boundary =
        |c: Option<&char>| c.is_none_or(|c| !(c.is_ascii_hexdigit() || *c == '.' || *c == ':'));
    while i < chars.len() {
        if (i == 0 || boundary(chars.get(i - 1)))
            && (chars[i].is_ascii_hexdigit() || chars[i] == ':')
        {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_hexdigit() || chars[j] == '.' || chars[j] == ':')
            {
                j += 1;
            }
            let mut token: String = chars[i..j].iter().collect();
            // "10.1.2.3:/export": an IPv4 address followed by a port or path separator.
            let mut tail = String::new();
            if token.contains('.') {
                if let Some(colon) = token.find(':') {
                    tail = token[colon..].to_string();
                    token.truncate(colon);
                }
            }
            if let Some(kind) = address_kind(&token) {
                let next = seen.len() + 1;
                let stand_in = seen
                    .entry(token.clone())
                    .or_insert_with(|| match kind {
                        Address::V4 => format!("192.0.2.{next}"),
                        Address::V6 => format!("2001:db8::{next:x}"),
                        Address::Mac => format!("02:00:00:00:00:{next:02x}"),
                    })
                    .clone();
                out.push_str(&stand_in);
            } else {
                out.push_str(&token);
            }
            out.push_str(&tail);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

enum Address {
    V4,
    V6,
    Mac,
}

fn address_kind(token: &str) -> Option<Address> {
    let dots: Vec<&str> = token.split('.').collect();
    if dots.len() == 4
        && dots.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
    {
        return (!matches!(token, "0.0.0.0") && !token.starts_with("127.")).then_some(Address::V4);
    }
    if token.contains('.') {
        return None;
    }
    let groups: Vec<&str> = token.split(':').collect();
    if groups.len() == 6 && groups.iter().all(|g| g.len() == 2) {
        return Some(Address::Mac);
    }
    is_ipv6(token).then_some(Address::V6)
}

/// RFC 4291 text form: eight groups of 1–4 hex digits, or fewer around one `::`; `::1` is
/// loopback and stays.
fn is_ipv6(token: &str) -> bool {
    let groups = |part: &str| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        part.split(':')
            .all(|g| (1..=4).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| part.split(':').count())
    };
    match token.split_once("::") {
        Some((left, right)) => {
            if right.contains("::") || token == "::1" || token == "::" {
                return false;
            }
            matches!((groups(left), groups(right)), (Some(l), Some(r)) if l + r <= 7 && l + r >= 2)
        }
        None => groups(token) == Some(8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_replaced_as_words_only() {
        assert_eq!(
            replace_word("bob:x:1001:bob", "bob", "user1"),
            "user1:x:1001:user1"
        );
        assert_eq!(
            replace_word("bobcat /home/bob/x", "bob", "user1"),
            "bobcat /home/user1/x"
        );
        assert_eq!(replace_word("uid of bob.", "bob", "user1"), "uid of user1.");
        assert_eq!(replace_word("bob.example", "bob", "user1"), "bob.example");
    }

    #[test]
    fn addresses_get_documentation_stand_ins_consistently() {
        let text = "srv 10.1.2.3:/export 10.1.2.3 mac aa:bb:cc:dd:ee:ff v6 fd00::1 lo 127.0.0.1";
        let out = redact_addresses(text);
        assert_eq!(
            out,
            "srv 192.0.2.1:/export 192.0.2.1 mac 02:00:00:00:00:02 v6 2001:db8::3 lo 127.0.0.1"
        );
    }

    #[test]
    fn user_database_lines_are_not_addresses() {
        let line = "messagebus:x:100:104::/nonexistent:/usr/sbin/nologin";
        assert_eq!(redact_addresses(line), line);
        assert!(is_ipv6("2001:470::1") && is_ipv6("fe80::1:2:3:4") && !is_ipv6(":101:104::"));
    }

    #[test]
    fn only_distinctive_host_names_are_replaced() {
        assert!(!distinctive("vm") && !distinctive("debian") && !distinctive("box"));
        assert!(distinctive("build-7") && distinctive("alices-laptop"));
    }

    #[test]
    fn numbers_that_are_not_addresses_stay() {
        let text = "crun 1.8.1 kernel 6.1.0-28 dev 0:27 shared:9 12:34:56 version 1.1.5.1a";
        assert_eq!(redact_addresses(text), text);
    }

    #[test]
    fn the_user_database_loses_real_names() {
        assert_eq!(
            without_gecos("alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/bash\n"),
            "alice:x:1000:1000::/home/alice:/bin/bash\n"
        );
    }
}
