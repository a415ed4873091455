//! Subordinate id ranges (`/etc/subuid`, `/etc/subgid`): the ids newuidmap may map for the
//! user. Without them podman falls back to a one-id namespace; a range that includes the
//! user's own id is refused; overlapping ranges break isolation or the kernel's map checks.

use std::ops::Range;

use crate::finding::{Evidence, Finding, FindingDoc, Status, Step};
use crate::host::{FileKind, Host, HostError};
use crate::probe::login_defs::LoginDefs;
use crate::probe::subid_fix::{self, FileChange};
use crate::probe::{identity, read_optional, userns};

/// The smallest range podman and Docker expect: enough for the ids images use.
pub const MIN_RANGE: u64 = 65536;

#[derive(Debug, Clone)]
pub struct Facts {
    pub user: Option<String>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub subuid: SubidFile,
    pub subgid: SubidFile,
    /// Accounts from `/etc/passwd` as (name, uid).
    pub accounts: Result<Vec<(String, u32)>, String>,
    /// Groups from `/etc/group` as (name, gid): a new subgid block keeps clear of them.
    pub groups: Result<Vec<(String, u32)>, String>,
    /// `/etc/login.defs` (empty when absent: shadow then uses its defaults).
    pub login_defs: Result<LoginDefs, String>,
    /// The `subid:` source in nsswitch.conf, when one is set.
    pub nss_source: Option<String>,
    /// The ids that exist in this user namespace (`/proc/self/uid_map`, inside column);
    /// empty outside one.
    pub namespace_ids: Vec<Range<u64>>,
    /// Likewise the group ids (`/proc/self/gid_map`), for `/etc/subgid`.
    pub namespace_gids: Vec<Range<u64>>,
}

#[derive(Debug, Clone)]
pub struct SubidFile {
    pub path: &'static str,
    /// `Ok(None)` when the file does not exist.
    pub parsed: Result<Option<Parsed>, String>,
    /// When reading was refused and the file's own mode or owner explain it (no read bit for
    /// others, or not owned by root): that mode and owner, for the chmod/chown fix.
    pub wrong_mode: Option<WrongMode>,
}

/// The mode and owner of a subid file that others may not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongMode {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    pub malformed: Vec<Malformed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub owner: String,
    pub start: u64,
    pub count: u64,
}

impl Entry {
    pub fn range(&self) -> Range<u64> {
        self.start..self.start.saturating_add(self.count)
    }

    fn text(&self) -> String {
        format!("{}:{}:{}", self.owner, self.start, self.count)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: usize,
    pub text: String,
    pub reason: &'static str,
}

/// Parses subuid(5): `owner:start:count`, owner a login name or a numeric uid.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = raw.split(':').collect();
        let malformed = |reason| Malformed {
            line,
            text: raw.to_string(),
            reason,
        };
        match fields.as_slice() {
            [owner, start, count] if !owner.is_empty() => {
                match (start.parse::<u64>(), count.parse::<u64>()) {
                    (Ok(start), Ok(count)) if start.saturating_add(count) > 1 << 32 => parsed
                        .malformed
                        .push(malformed("the range goes past the largest id, 4294967295")),
                    (Ok(start), Ok(count)) if count > 0 => parsed.entries.push(Entry {
                        line,
                        owner: owner.to_string(),
                        start,
                        count,
                    }),
                    (Ok(_), Ok(_)) => parsed.malformed.push(malformed("the count is 0")),
                    _ => parsed
                        .malformed
                        .push(malformed("start and count must be whole numbers")),
                }
            }
            [_, _, _] => parsed.malformed.push(malformed("the owner is empty")),
            _ => parsed
                .malformed
                .push(malformed("expected three fields: owner:start:count")),
        }
    }
    parsed
}

pub fn gather(host: &dyn Host, identity: &identity::Facts, userns: &userns::Facts) -> Facts {
    let id = identity.identity.as_ref().ok();
    let read = |path: &'static str| {
        let result = read_optional(host, path);
        let wrong_mode = match &result {
            Err(HostError::PermissionDenied(_)) => wrong_mode(host, path),
            _ => None,
        };
        SubidFile {
            path,
            parsed: result
                .map(|text| text.map(|t| parse(&t)))
                .map_err(|e| e.to_string()),
            wrong_mode,
        }
    };
    let database = |path: &str| {
        read_optional(host, path)
            .map_err(|e| e.to_string())
            .map(|text| parse_passwd(text.as_deref().unwrap_or("")))
    };
    let login_defs = read_optional(host, "/etc/login.defs")
        .map_err(|e| e.to_string())
        .map(|text| LoginDefs::parse(text.as_deref().unwrap_or("")));
    let nss_source = read_optional(host, "/etc/nsswitch.conf")
        .ok()
        .flatten()
        .and_then(|text| {
            text.lines()
                .map(|l| l.split('#').next().unwrap_or("").trim())
                .find_map(|l| l.strip_prefix("subid:").map(|v| v.trim().to_string()))
        });
    let inside_ids = |map: &Option<String>| match map {
        Some(map) if userns.nested() => userns::parse_id_map(map)
            .into_iter()
            .map(|(inside, _, count)| inside..inside.saturating_add(count))
            .collect(),
        _ => Vec::new(),
    };
    let namespace_ids = inside_ids(&userns.uid_map);
    let namespace_gids = inside_ids(&userns.gid_map);
    Facts {
        user: id.and_then(|i| i.user.clone()),
        uid: id.map(|i| i.uid),
        gid: id.map(|i| i.gid),
        subuid: read("/etc/subuid"),
        subgid: read("/etc/subgid"),
        accounts: database("/etc/passwd"),
        groups: database("/etc/group"),
        login_defs,
        nss_source,
        namespace_ids,
        namespace_gids,
    }
}

/// The mode and owner of a regular file whose permission bits keep others from reading it or
/// whose owner is not root; `None` when they look right (then an LSM or a directory on the way
/// refused it, and chmod would change nothing).
fn wrong_mode(host: &dyn Host, path: &str) -> Option<WrongMode> {
    let meta = host.metadata(std::path::Path::new(path)).ok()?;
    (meta.kind == FileKind::File && (meta.mode & 0o004 == 0 || meta.uid != 0)).then_some(
        WrongMode {
            mode: meta.mode & 0o7777,
            uid: meta.uid,
            gid: meta.gid,
        },
    )
}

/// `name:…:id:…` lines of /etc/passwd (the uid, third field) or /etc/group (the gid, also
/// third).
fn parse_passwd(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let uid = fields.nth(1)?.parse().ok()?;
            Some((name.to_string(), uid))
        })
        .collect()
}

impl Facts {
    /// The ids of this namespace that a file's ranges must lie in, and the map naming them.
    fn namespace_of(&self, file: &SubidFile) -> (&[Range<u64>], &'static str) {
        if file.path == "/etc/subgid" {
            (&self.namespace_gids, "/proc/self/gid_map")
        } else {
            (&self.namespace_ids, "/proc/self/uid_map")
        }
    }

    fn is_own(&self, owner: &str) -> bool {
        self.user.as_deref() == Some(owner) || self.uid.is_some_and(|uid| owner == uid.to_string())
    }

    /// The user's own entries in a file, in file order.
    pub fn own_entries<'a>(&self, file: &'a SubidFile) -> Vec<&'a Entry> {
        match &file.parsed {
            Ok(Some(parsed)) => parsed
                .entries
                .iter()
                .filter(|e| self.is_own(&e.owner))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The user's ranges as (start, count), as newuidmap/newgidmap would get them.
    pub fn ranges(&self, file: &SubidFile) -> Vec<(u64, u64)> {
        self.own_entries(file)
            .into_iter()
            .map(|e| (e.start, e.count))
            .collect()
    }

    pub fn total(&self, file: &SubidFile) -> u64 {
        self.own_entries(file).iter().map(|e| e.count).sum()
    }

    /// Both files give the user at least one range.
    pub fn has_ranges(&self) -> bool {
        !self.ranges(&self.subuid).is_empty() && !self.ranges(&self.subgid).is_empty()
    }

    fn files(&self) -> [(&SubidFile, Option<u32>, &'static str); 2] {
        [
            (&self.subuid, self.uid, "uid"),
            (&self.subgid, self.gid, "gid"),
        ]
    }

    fn name(&self) -> String {
        match (&self.user, self.uid) {
            (Some(user), Some(uid)) => format!("{user} (uid {uid})"),
            (None, Some(uid)) => format!("uid {uid}"),
            _ => "this user".into(),
        }
    }

    /// The steps that add a free block to each file in `files` that needs one.
    fn add_steps(&self, files: &[&SubidFile]) -> Vec<Step> {
        let changes: Vec<FileChange> = files
            .iter()
            .map(|file| FileChange {
                file,
                remove: Vec::new(),
                add: true,
            })
            .collect();
        subid_fix::steps(self, &changes)
    }
}

pub const UNREADABLE: FindingDoc = FindingDoc {
    id: "subid.unreadable",
    summary: "/etc/subuid or /etc/subgid cannot be read",
    explanation: "podman reads the subordinate ranges itself before calling newuidmap. When the \
file cannot be read it warns and runs with a one-id namespace, which breaks images with files \
owned by other ids (\"potentially insufficient UIDs or GIDs available in user namespace\"). \
Both files should be mode 0644, owned by root.",
    references: &["subuid(5)"],
};

pub const NO_RANGE: FindingDoc = FindingDoc {
    id: "subid.no_range",
    summary: "the user has no subordinate id range",
    explanation: "Neither the login name nor the numeric uid has a line in /etc/subuid or \
/etc/subgid. podman then exits 0 with a one-id namespace (\"Using rootless single mapping \
into the namespace. This might break some images\") and fails later on images with files owned \
by other users; rootlesskit (rootless Docker) refuses to start (\"No subuid ranges found for \
user\").",
    references: &[
        "subuid(5)",
        "containers/podman docs/tutorials/rootless_tutorial.md",
    ],
};

pub const TOO_SMALL: FindingDoc = FindingDoc {
    id: "subid.range_too_small",
    summary: "the subordinate range is smaller than 65536 ids",
    explanation: "Images commonly own files by ids up to 65534 (nobody). With a smaller range \
podman starts, but pulling or running such images fails with \"potentially insufficient UIDs \
or GIDs available in user namespace … lchown …: invalid argument\". Docker requires at least \
65536.",
    references: &[
        "https://docs.docker.com/engine/security/rootless/",
        "containers/podman#3421",
    ],
};

pub const CONTAINS_OWN_ID: FindingDoc = FindingDoc {
    id: "subid.contains_own_id",
    summary: "the subordinate range includes the user's own id",
    explanation: "podman refuses a range that contains the user's own uid (\"invalid \
configuration: the specified mapping … in \\\"/etc/subuid\\\" includes the user UID\"), and \
the kernel rejects a map whose extents overlap.",
    references: &["containers/podman pkg/rootless/rootless_linux.go"],
};

pub const CONTAINS_ACCOUNT: FindingDoc = FindingDoc {
    id: "subid.contains_account_id",
    summary: "the subordinate range includes the id of a real account",
    explanation: "Ids in the range become the container's; if a real account has one of them, \
files of that account are reachable from the user's containers. Ranges should start above every \
real account, conventionally at 100000.",
    references: &[
        "subuid(5)",
        "containers/podman docs/tutorials/rootless_tutorial.md",
    ],
};

pub const OVERLAPS_OTHER: FindingDoc = FindingDoc {
    id: "subid.overlaps_other_user",
    summary: "the subordinate range overlaps another user's",
    explanation: "Two users sharing subordinate ids can reach each other's container files: \
\"the values for each user must be unique\" (podman's rootless tutorial).",
    references: &["containers/podman docs/tutorials/rootless_tutorial.md"],
};

pub const OWN_OVERLAP: FindingDoc = FindingDoc {
    id: "subid.own_ranges_overlap",
    summary: "the user's own subordinate ranges overlap each other",
    explanation: "podman passes every range to newuidmap; the kernel refuses a uid_map whose \
extents overlap, so newuidmap fails with \"write to uid_map failed: Invalid argument\".",
    references: &["user_namespaces(7)"],
};

pub const MALFORMED: FindingDoc = FindingDoc {
    id: "subid.malformed_line",
    summary: "a line of /etc/subuid or /etc/subgid is malformed",
    explanation: "podman and shadow skip lines they cannot parse, but buildah's parser stops at \
the first bad line, anywhere in the file, and then sees no range at all.",
    references: &["subuid(5)"],
};

pub const NSS_PLUGIN: FindingDoc = FindingDoc {
    id: "subid.nss_plugin",
    summary: "nsswitch.conf takes subordinate ids from a plugin, not from the files",
    explanation: "With `subid: sss` (or another plugin) shadow's newuidmap asks libsubid, but \
some podman versions and Apptainer read /etc/subuid directly and find nothing. hostcap reads \
the files; ranges held only by the plugin are not seen here.",
    references: &["containers/podman#25041", "subuid(5)"],
};

pub const OUTSIDE_NAMESPACE: FindingDoc = FindingDoc {
    id: "subid.outside_parent_namespace",
    summary: "the subordinate range is not mapped into this user namespace",
    explanation: "Inside a container or Crostini, only ids present in /proc/self/uid_map (and \
group ids in /proc/self/gid_map) exist. A subordinate range outside them makes newuidmap or \
newgidmap fail with \"write to uid_map failed: Operation not permitted\". Choose ranges inside \
the mapped ids; a container engine may map different user and group ids.",
    references: &["containers/podman#27411", "containers/podman#4056"],
};

pub const DOCS: &[&FindingDoc] = &[
    &UNREADABLE,
    &NO_RANGE,
    &TOO_SMALL,
    &CONTAINS_OWN_ID,
    &CONTAINS_ACCOUNT,
    &OVERLAPS_OTHER,
    &OWN_OVERLAP,
    &MALFORMED,
    &NSS_PLUGIN,
    &OUTSIDE_NAMESPACE,
];

/// Root's podman runs rootful and maps ids without /etc/subuid (rootless_podman and
/// rootful.rs judge root's own needs), so nothing here is about root.
pub fn judge(facts: &Facts) -> Vec<Finding> {
    if facts.uid == Some(0) {
        return Vec::new();
    }
    let mut findings = Vec::new();
    let mut unreadable = Vec::new();
    for (file, _, _) in facts.files() {
        if let Err(reason) = &file.parsed {
            unreadable.push(Evidence::new(file.path, reason.clone()));
        }
    }
    if !unreadable.is_empty() {
        let mut finding = Finding::new(
            &UNREADABLE,
            Status::Fail,
            "the subordinate id files cannot be read",
        )
        .with_evidence(unreadable);
        for step in unreadable_steps(facts) {
            finding = with_root_step(finding, step);
        }
        findings.push(finding);
    }
    findings.extend(judge_presence(facts));
    findings.extend(judge_overlaps(facts));
    findings.extend(judge_malformed(facts));
    if let Some(source) = facts.nss_source.as_deref().filter(|s| *s != "files") {
        findings.push(
            Finding::new(
                &NSS_PLUGIN,
                Status::Warn,
                format!("subordinate ids come from the `{source}` plugin; hostcap read only the files"),
            )
            .evidence("/etc/nsswitch.conf", format!("subid: {source}"))
            .with_root_prose(format!("mirror the ranges from {source} into /etc/subuid and /etc/subgid for tools that read the files")),
        );
    }
    findings
}

/// Adds one step of a fix for an administrator.
fn with_root_step(finding: Finding, step: Step) -> Finding {
    match step {
        Step::Command(command) => finding.with_root(command),
        Step::Prose(advice) => finding.with_root_prose(advice),
    }
}

fn with_root_steps(finding: Finding, steps: Vec<Step>) -> Finding {
    steps.into_iter().fold(finding, with_root_step)
}

/// chmod/chown only where the file's own mode or owner refused the read; in words otherwise.
fn unreadable_steps(facts: &Facts) -> Vec<Step> {
    let mut steps = Vec::new();
    for (file, _, _) in facts.files() {
        let Err(reason) = &file.parsed else {
            continue;
        };
        match file.wrong_mode {
            Some(wrong) => {
                if wrong.mode & 0o004 == 0 {
                    steps.push(Step::command(format!("chmod 0644 {}", file.path)));
                }
                if wrong.uid != 0 {
                    steps.push(Step::command(format!("chown root:root {}", file.path)));
                }
            }
            None => {
                let what = if reason.starts_with(file.path) {
                    reason.clone()
                } else {
                    format!("{}: {reason}", file.path)
                };
                steps.push(Step::prose(format!(
                    "{what}: {}",
                    unreadable_advice(reason)
                )));
            }
        }
    }
    steps
}

/// What to do about a subid file that mode and owner do not explain.
fn unreadable_advice(reason: &str) -> &'static str {
    if reason.contains("permission denied") {
        "its mode and owner allow reading, so a security module or a directory on the way refuses it; look at the audit log"
    } else if reason.contains("larger than") {
        "no subid file is that large: look at what was written there and restore the owner:start:count lines"
    } else if reason.contains("not a regular file") {
        "replace it with a regular file of owner:start:count lines, mode 0644, owned by root"
    } else if reason.contains("symbolic links") {
        "the path is a symbolic link loop: replace it with a regular file of owner:start:count lines"
    } else {
        "make it a readable regular file of owner:start:count lines, mode 0644, owned by root"
    }
}

fn judge_presence(facts: &Facts) -> Vec<Finding> {
    let readable: Vec<_> = facts
        .files()
        .into_iter()
        .filter(|(f, _, _)| f.parsed.is_ok())
        .collect();
    let without: Vec<&SubidFile> = readable
        .iter()
        .filter(|(file, _, _)| facts.own_entries(file).is_empty())
        .map(|(file, _, _)| *file)
        .collect();
    let missing: Vec<Evidence> = without
        .iter()
        .map(|file| match &file.parsed {
            Ok(None) => Evidence::new(file.path, "the file does not exist"),
            _ => Evidence::new(file.path, format!("no line for {}", facts.name())),
        })
        .collect();
    let mut findings = Vec::new();
    if !missing.is_empty() {
        let finding = Finding::new(
            &NO_RANGE,
            Status::Fail,
            format!("{} has no subordinate id range", facts.name()),
        )
        .with_evidence(missing);
        findings.push(with_root_steps(finding, facts.add_steps(&without)));
    } else if !readable.is_empty() {
        let lines = readable.iter().flat_map(|(file, _, _)| {
            facts
                .own_entries(file)
                .into_iter()
                .map(|e| Evidence::new(format!("{}:{}", file.path, e.line), e.text()))
        });
        findings.push(
            Finding::new(
                &NO_RANGE,
                Status::Ok,
                format!("{} has subordinate id ranges", facts.name()),
            )
            .with_evidence(lines.collect::<Vec<_>>()),
        );
    }
    let small: Vec<Evidence> = readable
        .iter()
        .filter(|(file, _, _)| !facts.own_entries(file).is_empty() && facts.total(file) < MIN_RANGE)
        .map(|(file, _, _)| {
            Evidence::new(
                file.path,
                format!("{} ids in all, fewer than {MIN_RANGE}", facts.total(file)),
            )
        })
        .collect();
    if !small.is_empty() {
        let short: Vec<&SubidFile> = readable
            .iter()
            .filter(|(file, _, _)| {
                !facts.own_entries(file).is_empty() && facts.total(file) < MIN_RANGE
            })
            .map(|(file, _, _)| *file)
            .collect();
        let finding = Finding::new(
            &TOO_SMALL,
            Status::Warn,
            format!("the subordinate range is smaller than {MIN_RANGE} ids"),
        )
        .with_evidence(small);
        findings.push(with_root_steps(finding, facts.add_steps(&short)));
    }
    findings
}

fn judge_overlaps(facts: &Facts) -> Vec<Finding> {
    let mut own_id = Vec::new();
    let mut accounts = Vec::new();
    let mut others = Vec::new();
    let mut own_overlap = Vec::new();
    let mut outside = Vec::new();
    let mut changes = Vec::new();
    for (file, own, kind) in facts.files() {
        let Ok(Some(parsed)) = &file.parsed else {
            continue;
        };
        let mine = facts.own_entries(file);
        let mut bad: Vec<&Entry> = Vec::new();
        for entry in &mine {
            let reported = own_id.len() + accounts.len() + others.len() + outside.len();
            let at = format!("{}:{}", file.path, entry.line);
            if let Some(own) = own.filter(|id| entry.range().contains(&u64::from(*id))) {
                own_id.push(Evidence::new(
                    &at,
                    format!("{} contains the user's own {kind} {own}", entry.text()),
                ));
            }
            if kind == "uid" {
                if let Ok(list) = &facts.accounts {
                    for (name, uid) in list.iter().filter(|(n, u)| {
                        !facts.is_own(n)
                            && Some(*u) != facts.uid
                            && entry.range().contains(&u64::from(*u))
                    }) {
                        accounts.push(Evidence::new(
                            &at,
                            format!("{} contains uid {uid} of account {name}", entry.text()),
                        ));
                    }
                }
            }
            for other in parsed.entries.iter().filter(|o| !facts.is_own(&o.owner)) {
                if overlaps(&entry.range(), &other.range()) {
                    others.push(Evidence::new(
                        &at,
                        format!(
                            "{} overlaps line {}: {}",
                            entry.text(),
                            other.line,
                            other.text()
                        ),
                    ));
                }
            }
            let (namespace, map) = facts.namespace_of(file);
            if !namespace.is_empty()
                && !namespace
                    .iter()
                    .any(|ids| ids.start <= entry.start && entry.range().end <= ids.end)
            {
                outside.push(Evidence::new(
                    &at,
                    format!(
                        "{} lies outside the ids mapped into this namespace ({map})",
                        entry.text()
                    ),
                ));
            }
            if own_id.len() + accounts.len() + others.len() + outside.len() > reported {
                bad.push(entry);
            }
        }
        for (i, a) in mine.iter().enumerate() {
            for b in &mine[i + 1..] {
                if overlaps(&a.range(), &b.range()) {
                    for entry in [a, b] {
                        if !bad.iter().any(|e| std::ptr::eq(*e, *entry)) {
                            bad.push(entry);
                        }
                    }
                    own_overlap.push(Evidence::new(
                        file.path,
                        format!(
                            "line {} {} overlaps line {} {}",
                            a.line,
                            a.text(),
                            b.line,
                            b.text()
                        ),
                    ));
                }
            }
        }
        bad.sort_by_key(|e| e.line);
        changes.push(subid_fix::replace(facts, file, bad));
    }
    let reassign = subid_fix::steps(facts, &changes);
    [
        (
            &CONTAINS_OWN_ID,
            Status::Fail,
            "the subordinate range includes the user's own id",
            own_id,
        ),
        (
            &CONTAINS_ACCOUNT,
            Status::Warn,
            "the subordinate range includes ids of real accounts",
            accounts,
        ),
        (
            &OVERLAPS_OTHER,
            Status::Warn,
            "the subordinate range overlaps another user's",
            others,
        ),
        (
            &OWN_OVERLAP,
            Status::Fail,
            "the user's subordinate ranges overlap each other",
            own_overlap,
        ),
        (
            &OUTSIDE_NAMESPACE,
            Status::Fail,
            "the subordinate range is not mapped into this namespace",
            outside,
        ),
    ]
    .into_iter()
    .filter(|(_, _, _, evidence)| !evidence.is_empty())
    .map(|(doc, status, title, evidence)| {
        let finding = Finding::new(doc, status, title).with_evidence(evidence);
        with_root_steps(finding, reassign.clone())
    })
    .collect()
}

fn judge_malformed(facts: &Facts) -> Vec<Finding> {
    let evidence: Vec<Evidence> = facts
        .files()
        .into_iter()
        .filter_map(|(file, _, _)| {
            file.parsed
                .as_ref()
                .ok()
                .and_then(Option::as_ref)
                .map(|p| (file.path, p))
        })
        .flat_map(|(path, parsed)| {
            parsed.malformed.iter().map(move |m| {
                Evidence::new(
                    format!("{path}:{}", m.line),
                    format!("{:?}: {}", m.text, m.reason),
                )
            })
        })
        .collect();
    if evidence.is_empty() {
        return Vec::new();
    }
    vec![
        Finding::new(
            &MALFORMED,
            Status::Warn,
            "malformed lines in the subordinate id files (buildah stops reading there)",
        )
        .with_evidence(evidence)
        .with_root_prose("fix or delete the lines shown, keeping the form owner:start:count"),
    ]
}

fn overlaps(a: &Range<u64>, b: &Range<u64>) -> bool {
    a.start < b.end && b.start < a.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_reports_bad_lines_with_numbers() {
        let parsed = parse(
            "alice:100000:65536\n\n1001:165536:65536\nbob:abc:1\nnocolon\ncarol:1:0\ndave:4294967000:65536\n",
        );
        assert_eq!(parsed.entries.len(), 2);
        assert_eq!(parsed.entries[1].owner, "1001");
        let lines: Vec<usize> = parsed.malformed.iter().map(|m| m.line).collect();
        assert_eq!(lines, vec![4, 5, 6, 7]);
    }

    fn facts(subuid: &str, passwd: Vec<(&str, u32)>) -> Facts {
        let file = |path, text: &str| SubidFile {
            path,
            parsed: Ok(Some(parse(text))),
            wrong_mode: None,
        };
        Facts {
            user: Some("alice".into()),
            uid: Some(1000),
            gid: Some(1000),
            subuid: file("/etc/subuid", subuid),
            subgid: file("/etc/subgid", subuid),
            accounts: Ok(passwd
                .into_iter()
                .map(|(n, u)| (n.to_string(), u))
                .collect()),
            groups: Ok(Vec::new()),
            login_defs: Ok(LoginDefs::default()),
            nss_source: None,
            namespace_ids: Vec::new(),
            namespace_gids: Vec::new(),
        }
    }

    fn ids(findings: &[Finding]) -> Vec<(&'static str, Status)> {
        findings.iter().map(|f| (f.id, f.status)).collect()
    }

    #[test]
    fn ranges_are_found_by_name_and_by_uid_and_summed() {
        let f = facts(
            "alice:100000:1000\n1000:200000:1000\nbob:300000:65536\n",
            vec![],
        );
        assert_eq!(f.total(&f.subuid), 2000);
        let found = ids(&judge(&f));
        assert!(found.contains(&("subid.no_range", Status::Ok)));
        assert!(found.contains(&("subid.range_too_small", Status::Warn)));
    }

    #[test]
    fn own_id_other_users_and_accounts_are_caught() {
        let f = facts(
            "alice:0:65536\nbob:60000:65536\nalice:65000:10\n",
            vec![("root", 0), ("alice", 1000), ("daemon", 1)],
        );
        let found = ids(&judge(&f));
        assert!(found.contains(&("subid.contains_own_id", Status::Fail)));
        assert!(found.contains(&("subid.contains_account_id", Status::Warn)));
        assert!(found.contains(&("subid.overlaps_other_user", Status::Warn)));
        assert!(found.contains(&("subid.own_ranges_overlap", Status::Fail)));
    }

    #[test]
    fn a_missing_line_is_no_range() {
        let f = facts("bob:100000:65536\n", vec![]);
        assert!(ids(&judge(&f)).contains(&("subid.no_range", Status::Fail)));
        assert!(!f.has_ranges());
    }

    #[test]
    fn subgid_ranges_are_held_against_the_gid_map() {
        // An engine that maps the user's subordinate uids but a narrower set of gids.
        let mut f = facts("alice:100000:65536\n", vec![]);
        f.namespace_ids = std::iter::once(0..200_000).collect();
        f.namespace_gids = std::iter::once(0..65536).collect();
        let outside = judge(&f)
            .into_iter()
            .find(|finding| finding.id == OUTSIDE_NAMESPACE.id)
            .expect("subgid outside the gid map");
        assert_eq!(outside.evidence.len(), 1, "{:?}", outside.evidence);
        assert!(outside.evidence[0].source.contains("subgid"));
        assert!(outside.evidence[0].excerpt.contains("/proc/self/gid_map"));
    }

    fn steps_of(findings: &[Finding], id: &str) -> Vec<Step> {
        findings
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("no {id} in {findings:?}"))
            .fix
            .with_root
            .clone()
    }

    fn commands(steps: &[Step]) -> Vec<&str> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Command(c) => Some(c.as_str()),
                Step::Prose(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_missing_range_gets_the_first_free_block_not_another_users() {
        // As in debian-12-vm-no-subid: another user holds 100000:65536.
        let f = facts("bob:100000:65536\n", vec![("bob", 1001), ("alice", 1000)]);
        let steps = steps_of(&judge(&f), NO_RANGE.id);
        assert_eq!(
            commands(&steps),
            vec![
                "usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice",
                "podman system migrate    # as alice: its pause process takes the new ranges",
            ]
        );
    }

    #[test]
    fn login_defs_and_account_ids_move_the_block() {
        let mut f = facts("", vec![("alice", 1000), ("svc", 200_010)]);
        f.login_defs = Ok(LoginDefs::parse(
            "SUB_UID_MIN 200000\nSUB_UID_COUNT 1000\nSUB_GID_MIN 300000\n",
        ));
        f.groups = Ok(vec![("svcgroup".into(), 300_000)]);
        let steps = steps_of(&judge(&f), NO_RANGE.id);
        assert_eq!(
            commands(&steps)[0],
            "usermod --add-subuids 200011-201010 --add-subgids 300001-365536 alice"
        );
    }

    #[test]
    fn a_missing_file_is_created_before_usermod_adds_to_it() {
        let mut f = facts("", vec![("alice", 1000)]);
        f.subgid.parsed = Ok(None);
        let steps = steps_of(&judge(&f), NO_RANGE.id);
        assert_eq!(
            commands(&steps)[..2],
            [
                "touch /etc/subgid",
                "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice"
            ]
        );
    }

    #[test]
    fn no_free_block_means_no_command_and_says_why() {
        let mut f = facts("bob:100000:600000001\n", vec![("alice", 1000)]);
        f.login_defs = Ok(LoginDefs::default());
        let steps = steps_of(&judge(&f), NO_RANGE.id);
        assert!(commands(&steps).is_empty(), "{steps:?}");
        assert!(
            steps
                .iter()
                .any(|s| s.text().contains("no block of 65536 ids"))
        );
    }

    #[test]
    fn a_uid_without_an_account_gets_words_not_a_command() {
        let mut f = facts("", vec![]);
        f.user = None;
        let findings = judge(&f);
        let steps = steps_of(&findings, NO_RANGE.id);
        assert!(commands(&steps).is_empty(), "{steps:?}");
        assert!(steps[0].text().contains("create an account for uid 1000"));
        assert!(
            findings
                .iter()
                .flat_map(|f| &f.fix.with_root)
                .all(|s| !s.text().contains("$USER"))
        );
    }

    #[test]
    fn a_bad_range_is_removed_by_name_and_replaced() {
        let f = facts(
            "alice:0:65536\nbob:100000:65536\n",
            vec![("root", 0), ("alice", 1000), ("bob", 1001)],
        );
        let findings = judge(&f);
        let steps = steps_of(&findings, CONTAINS_OWN_ID.id);
        assert_eq!(
            commands(&steps),
            vec![
                "usermod --del-subuids 0-65535 --del-subgids 0-65535 alice",
                "usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice",
                "podman system migrate    # as alice: its pause process takes the new ranges",
            ]
        );
        assert_eq!(steps_of(&findings, CONTAINS_ACCOUNT.id), steps);
    }

    #[test]
    fn a_bad_range_is_kept_when_no_free_block_could_replace_it() {
        let f = facts(
            "alice:0:65536\nbob:100000:600000001\n",
            vec![("root", 0), ("alice", 1000)],
        );
        let steps = steps_of(&judge(&f), CONTAINS_OWN_ID.id);
        assert!(commands(&steps).is_empty(), "{steps:?}");
        assert!(steps[0].text().starts_with("no range is offered"));
    }

    #[test]
    fn a_line_that_names_the_user_by_uid_is_left_to_the_administrator() {
        let f = facts(
            "1000:100000:65536\nbob:100000:65536\n",
            vec![("alice", 1000)],
        );
        let steps = steps_of(&judge(&f), OVERLAPS_OTHER.id);
        assert!(
            steps
                .iter()
                .any(|s| matches!(s, Step::Prose(p) if p.contains("delete line 1 of /etc/subuid")))
        );
        assert!(commands(&steps).iter().all(|c| !c.contains("--del-")));
    }

    #[test]
    fn root_is_told_nothing_about_subordinate_ids() {
        let mut f = facts("", vec![("root", 0)]);
        f.user = Some("root".into());
        f.uid = Some(0);
        f.gid = Some(0);
        assert!(judge(&f).is_empty());
    }

    #[test]
    fn chmod_is_offered_only_when_mode_or_owner_refuse_the_read() {
        let mut f = facts("alice:100000:65536\n", vec![]);
        f.subuid.parsed = Err("/etc/subuid: permission denied".into());
        f.subuid.wrong_mode = Some(WrongMode {
            mode: 0o600,
            uid: 0,
            gid: 0,
        });
        f.subgid.parsed = Err("/etc/subgid: not a regular file".into());
        let steps = steps_of(&judge(&f), UNREADABLE.id);
        assert_eq!(commands(&steps), vec!["chmod 0644 /etc/subuid"]);
        assert!(
            steps[1]
                .text()
                .starts_with("/etc/subgid: not a regular file: replace it")
        );

        f.subuid.wrong_mode = None;
        f.subuid.parsed =
            Err("/etc/subuid: Too many levels of symbolic links (os error 40)".into());
        let steps = steps_of(&judge(&f), UNREADABLE.id);
        assert!(commands(&steps).is_empty(), "{steps:?}");
    }

    /// Properties of the range arithmetic: overlaps, sums and containment in a uid_map.
    mod properties {
        use proptest::prelude::*;

        use super::*;

        const ID_SPACE: u64 = 1 << 32;

        /// `owner:start:count` lines; the owners include alice by name and by uid (1000).
        fn line() -> impl Strategy<Value = (String, u64, u64)> {
            let owner = prop::sample::select(vec!["alice", "1000", "bob", "carol"]);
            // Small ranges near each other (so that they overlap often) or anywhere in the
            // 32-bit id space.
            let range = prop_oneof![
                (0u64..200, 1u64..100),
                (0u64..ID_SPACE).prop_flat_map(|start| (Just(start), 1..=ID_SPACE - start)),
            ];
            (owner, range).prop_map(|(owner, (start, count))| (owner.to_string(), start, count))
        }

        /// Lines where useradd's first block lies (100000 on), with alice's own id among them.
        fn near_the_default_block() -> impl Strategy<Value = (String, u64, u64)> {
            let owner = prop::sample::select(vec!["alice", "alice", "bob", "carol", "1000"]);
            let start = prop_oneof![Just(1000u64), 90_000u64..300_000];
            (owner, start, 1u64..120_000)
                .prop_map(|(owner, start, count)| (owner.to_string(), start, count))
        }

        /// Any number, but often one next to 0, to the end of the id space or to `u64::MAX`.
        fn near_the_edges() -> impl Strategy<Value = u64> {
            prop_oneof![
                any::<u64>(),
                0u64..4,
                ID_SPACE - 4..ID_SPACE + 4,
                u64::MAX - 4..=u64::MAX,
            ]
        }

        fn file(lines: &[(String, u64, u64)]) -> String {
            lines
                .iter()
                .map(|(owner, start, count)| format!("{owner}:{start}:{count}\n"))
                .collect()
        }

        fn is_alice(owner: &str) -> bool {
            owner == "alice" || owner == "1000"
        }

        /// Whether two ranges share an id, by their bounds.
        fn share_an_id(a: &Range<u64>, b: &Range<u64>) -> bool {
            a.start.max(b.start) < a.end.min(b.end)
        }

        /// shadow 4.13's usermod on one file: `--del-KIND A-B` cuts A..=B out of the lines
        /// whose owner is the login name (lib/subordinateio.c remove_range), then
        /// `--add-KIND A-B` appends `NAME:A:COUNT` unless that very line exists (add_range).
        fn usermod(text: &str, command: &str, kind: &str) -> String {
            let words: Vec<&str> = command.split_whitespace().collect();
            if words.first() != Some(&"usermod") {
                return text.to_string();
            }
            let name = words[words.len() - 1];
            let bounds = |range: &str| {
                let (a, b) = range.split_once('-').expect("A-B");
                (a.parse::<u64>().unwrap(), b.parse::<u64>().unwrap())
            };
            let mut entries: Vec<(String, u64, u64)> = parse(text)
                .entries
                .into_iter()
                .map(|e| (e.owner, e.start, e.count))
                .collect();
            for pair in words.windows(2) {
                if pair[0] == format!("--del-{kind}") {
                    let (start, end) = bounds(pair[1]);
                    let mut kept = Vec::new();
                    for (owner, first, count) in entries {
                        let last = first + count - 1;
                        if owner != name || end < first || start > last {
                            kept.push((owner, first, count));
                            continue;
                        }
                        if first < start {
                            kept.push((owner.clone(), first, start - first));
                        }
                        if last > end {
                            kept.push((owner, end + 1, last - end));
                        }
                    }
                    entries = kept;
                }
            }
            for pair in words.windows(2) {
                if pair[0] == format!("--add-{kind}") {
                    let (start, end) = bounds(pair[1]);
                    let line = (name.to_string(), start, end - start + 1);
                    if !entries.contains(&line) {
                        entries.push(line);
                    }
                }
            }
            file(&entries)
        }

        fn found(facts: &Facts, doc: &FindingDoc) -> bool {
            judge(facts).iter().any(|f| f.id == doc.id)
        }

        proptest! {
            /// For ranges of at least one id, which is all `parse` makes (`overlaps` would call
            /// an empty range inside another overlapping, but no entry is empty).
            #[test]
            fn overlap_is_symmetric_and_means_a_shared_id(
                a in 0u64..64, a_len in 1u64..16, b in 0u64..64, b_len in 1u64..16,
            ) {
                let (a, b) = (a..a + a_len, b..b + b_len);
                let shared = a.clone().any(|id| b.contains(&id));
                prop_assert_eq!(overlaps(&a, &b), shared);
                prop_assert_eq!(overlaps(&b, &a), shared);
            }

            #[test]
            fn an_entry_overlaps_its_own_range_but_is_never_reported_overlapping_itself(
                (owner, start, count) in line(),
            ) {
                let parsed = parse(&format!("{owner}:{start}:{count}\n"));
                let entry = &parsed.entries[0];
                prop_assert!(overlaps(&entry.range(), &entry.range()));
                let facts = facts(&format!("alice:{start}:{count}\n"), vec![]);
                prop_assert!(!found(&facts, &OWN_OVERLAP));
                prop_assert!(!found(&facts, &OVERLAPS_OTHER));
            }

            #[test]
            fn parsing_keeps_every_valid_line_and_the_sums_are_the_sums_of_counts(
                lines in prop::collection::vec(line(), 0..8),
            ) {
                let text = file(&lines);
                let parsed = parse(&text);
                prop_assert!(parsed.malformed.is_empty());
                prop_assert_eq!(parsed.entries.len(), lines.len());
                for (index, (entry, (owner, start, count))) in
                    parsed.entries.iter().zip(&lines).enumerate()
                {
                    prop_assert_eq!(entry.line, index + 1);
                    prop_assert_eq!((&entry.owner, entry.start, entry.count), (owner, *start, *count));
                    prop_assert_eq!(entry.range().end - entry.range().start, *count);
                    prop_assert!(entry.range().end <= ID_SPACE);
                }
                let facts = facts(&text, vec![]);
                let own: Vec<(u64, u64)> = lines
                    .iter()
                    .filter(|(owner, _, _)| is_alice(owner))
                    .map(|(_, start, count)| (*start, *count))
                    .collect();
                prop_assert_eq!(facts.ranges(&facts.subuid), own.clone());
                prop_assert_eq!(facts.total(&facts.subuid), own.iter().map(|(_, c)| c).sum::<u64>());
                prop_assert_eq!(facts.has_ranges(), !own.is_empty());
            }

            #[test]
            fn a_range_past_the_last_id_or_of_no_ids_is_malformed(
                start in near_the_edges(), count in near_the_edges(),
            ) {
                let parsed = parse(&format!("alice:{start}:{count}\n"));
                let valid = count > 0 && start.checked_add(count).is_some_and(|end| end <= ID_SPACE);
                prop_assert_eq!(parsed.entries.len(), usize::from(valid));
                prop_assert_eq!(parsed.malformed.len(), usize::from(!valid));
            }

            #[test]
            fn own_ranges_are_reported_overlapping_exactly_when_two_share_an_id(
                lines in prop::collection::vec(line(), 0..8),
            ) {
                let facts = facts(&file(&lines), vec![]);
                let own: Vec<Range<u64>> = lines
                    .iter()
                    .filter(|(owner, _, _)| is_alice(owner))
                    .map(|(_, start, count)| *start..start + count)
                    .collect();
                let others: Vec<Range<u64>> = lines
                    .iter()
                    .filter(|(owner, _, _)| !is_alice(owner))
                    .map(|(_, start, count)| *start..start + count)
                    .collect();
                let pairwise = own
                    .iter()
                    .enumerate()
                    .any(|(i, a)| own[i + 1..].iter().any(|b| share_an_id(a, b)));
                let with_others = own.iter().any(|a| others.iter().any(|b| share_an_id(a, b)));
                prop_assert_eq!(found(&facts, &OWN_OVERLAP), pairwise);
                prop_assert_eq!(found(&facts, &OVERLAPS_OTHER), with_others);
            }

            /// Every command the findings propose, run against the files as usermod would
            /// run it, leaves no problem behind, unless a step says an administrator must act.
            #[test]
            fn the_proposed_commands_fix_what_they_are_proposed_for(
                lines in prop::collection::vec(prop_oneof![line(), near_the_default_block()], 0..6),
            ) {
                let accounts = vec![("root", 0), ("alice", 1000), ("bob", 1001)];
                let before = facts(&file(&lines), accounts.clone());
                let findings = judge(&before);
                let steps: Vec<Step> = findings.iter().flat_map(|f| f.fix.with_root.clone()).collect();
                let by_hand = steps.iter().any(|s| matches!(s, Step::Prose(p)
                    if p.contains("delete line") || p.contains("no range is offered")));
                prop_assume!(!by_hand);
                let (mut subuid, mut subgid) = (file(&lines), file(&lines));
                for step in &steps {
                    if let Step::Command(command) = step {
                        subuid = usermod(&subuid, command, "subuids");
                        subgid = usermod(&subgid, command, "subgids");
                    }
                }
                let mut after = facts(&subuid, accounts);
                after.subgid.parsed = Ok(Some(parse(&subgid)));
                let left: Vec<_> = judge(&after)
                    .into_iter()
                    .filter(Finding::is_problem)
                    .map(|f| (f.id, f.title))
                    .collect();
                prop_assert!(left.is_empty(), "{:?} left {:?}\nsubuid:\n{}", steps, left, subuid);
            }

            #[test]
            fn every_range_lies_inside_the_identity_map(
                lines in prop::collection::vec(line(), 1..8),
            ) {
                let mut facts = facts(&file(&lines), vec![]);
                facts.namespace_ids = userns::parse_id_map("         0          0 4294967295\n")
                    .into_iter()
                    .map(|(inside, _, count)| inside..inside.saturating_add(count))
                    .collect();
                prop_assert!(!found(&facts, &OUTSIDE_NAMESPACE));
            }

            #[test]
            fn a_range_is_outside_the_namespace_unless_one_extent_contains_it(
                lines in prop::collection::vec(line(), 1..8),
                extents in prop::collection::vec((0u64..300, 1u64..200), 1..4),
            ) {
                let map: String = extents
                    .iter()
                    .map(|(inside, count)| format!("{inside} {} {count}\n", inside + 100_000))
                    .collect();
                let mut facts = facts(&file(&lines), vec![]);
                facts.namespace_ids = userns::parse_id_map(&map)
                    .into_iter()
                    .map(|(inside, _, count)| inside..inside.saturating_add(count))
                    .collect();
                let outside = lines.iter().filter(|(owner, _, _)| is_alice(owner)).any(
                    |(_, start, count)| {
                        !extents.iter().any(|(inside, n)| {
                            // Every id of the range is in this one extent.
                            (*start..start + count).all(|id| (*inside..inside + n).contains(&id))
                        })
                    },
                );
                prop_assert_eq!(found(&facts, &OUTSIDE_NAMESPACE), outside);
            }
        }
    }
}
