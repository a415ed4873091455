//! The `usermod` steps that give a user a subordinate range of their own: bad lines removed
//! by name, a free block added where one is needed, chosen as useradd would choose it on this
//! host. Each step is one exact command (`usermod --del-subuids A-B … NAME`,
//! `usermod --add-subuids A-B --add-subgids C-D NAME`) or words when no command can work.

use std::ops::Range;

use crate::finding::Step;
use crate::probe::free_range::{self, Limits};
use crate::probe::subid::{Entry, Facts, MIN_RANGE, SubidFile};

/// The highest id a range may reach: 4294967295 is `(uid_t) -1`, never a real id.
const LAST_ID: u64 = 4_294_967_294;

/// What one file needs: its lines to remove, and whether a new block must be added.
pub(crate) struct FileChange<'a> {
    pub file: &'a SubidFile,
    pub remove: Vec<&'a Entry>,
    pub add: bool,
}

/// Which kind of id a file holds: the login.defs prefix (`SUB_UID_…`) and usermod's option
/// stem (`--add-subuids`).
fn kind(file: &SubidFile) -> (&'static str, &'static str) {
    if file.path == "/etc/subgid" {
        ("GID", "subgids")
    } else {
        ("UID", "subuids")
    }
}

/// The steps for `changes`, in the order to run them.
pub(crate) fn steps(facts: &Facts, changes: &[FileChange]) -> Vec<Step> {
    let changes: Vec<&FileChange> = changes
        .iter()
        .filter(|c| c.add || !c.remove.is_empty())
        .collect();
    if changes.is_empty() {
        return Vec::new();
    }
    let Some(name) = facts.user.as_deref() else {
        let who = facts
            .uid
            .map_or_else(|| "this user".to_string(), |uid| format!("uid {uid}"));
        return vec![Step::prose(format!(
            "{who} has no account in /etc/passwd, and usermod works on login names: create an account for {who} first (useradd gives it free ranges of its own)"
        ))];
    };
    // The new blocks first: without one, removing a bad range would leave the user nothing.
    let mut additions = Vec::new();
    let mut missing_files = Vec::new();
    let mut no_block = Vec::new();
    for change in changes.iter().filter(|c| c.add) {
        let (_, option) = kind(change.file);
        if matches!(change.file.parsed, Ok(None)) {
            // usermod: "/etc/subuid does not exist, you cannot use the flags -v or -V".
            missing_files.push(Step::command(format!("touch {}", change.file.path)));
        }
        match free_block(facts, change.file) {
            Ok(range) => {
                additions.push(format!("--add-{option} {}-{}", range.start, range.end - 1))
            }
            Err(why) => no_block.push(Step::prose(why)),
        }
    }
    if !no_block.is_empty() {
        return no_block;
    }
    let mut steps = Vec::new();
    let mut removals = Vec::new();
    for change in &changes {
        let (_, option) = kind(change.file);
        for entry in &change.remove {
            if entry.owner == name {
                let range = entry.range();
                removals.push(format!("--del-{option} {}-{}", range.start, range.end - 1));
            } else {
                // usermod removes only lines whose owner field is the login name.
                steps.push(Step::prose(format!(
                    "delete line {} of {} ({}:{}:{}): it names the user by uid, and usermod removes only lines that give the login name",
                    entry.line, change.file.path, entry.owner, entry.start, entry.count
                )));
            }
        }
    }
    if !removals.is_empty() {
        steps.push(Step::prose(format!(
            "usermod refuses to remove ranges while {name} has processes running: run the next command while {name} is logged out"
        )));
        steps.push(Step::command(format!(
            "usermod {} {name}",
            removals.join(" ")
        )));
    }
    steps.extend(missing_files);
    if !additions.is_empty() {
        steps.push(Step::command(format!(
            "usermod {} {name}",
            additions.join(" ")
        )));
    }
    if !removals.is_empty() || !additions.is_empty() {
        steps.push(Step::command(format!(
            "podman system migrate    # as {name}: its pause process takes the new ranges"
        )));
    }
    steps
}

/// The block useradd would give in `file`, kept clear of every line of the file, of the ids
/// of accounts (uids for subuid, gids for subgid) and of ids this namespace does not map.
pub(crate) fn free_block(facts: &Facts, file: &SubidFile) -> Result<Range<u64>, String> {
    let (prefix, _) = kind(file);
    let defs = facts
        .login_defs
        .as_ref()
        .map_err(|e| format!("/etc/login.defs cannot be read ({e}), and useradd and usermod stop without it: make it readable first"))?;
    let mut limits = Limits::from_defs(defs, prefix);
    limits.max = limits.max.min(LAST_ID);
    if !limits.valid() {
        return Err(format!(
            "no range is offered: SUB_{prefix}_MIN ({}), SUB_{prefix}_MAX ({}) and SUB_{prefix}_COUNT ({}) in /etc/login.defs leave no valid block (useradd: \"Invalid configuration\"); correct them first",
            limits.min, limits.max, limits.count
        ));
    }
    let (accounts, source) = if file.path == "/etc/subgid" {
        (&facts.groups, "/etc/group")
    } else {
        (&facts.accounts, "/etc/passwd")
    };
    let accounts = accounts.as_ref().map_err(|e| {
        format!("no range is offered: {source} cannot be read ({e}), so a new block could include an account's id")
    })?;
    let mut taken: Vec<Range<u64>> = accounts
        .iter()
        .map(|(_, id)| u64::from(*id)..u64::from(*id) + 1)
        .collect();
    if let Ok(Some(parsed)) = &file.parsed {
        taken.extend(parsed.entries.iter().map(Entry::range));
    }
    let namespace = if file.path == "/etc/subgid" {
        &facts.namespace_gids
    } else {
        &facts.namespace_ids
    };
    taken.extend(unmapped(namespace));
    free_range::find(limits, &taken)
        .map(|start| start..start + limits.count)
        .ok_or_else(|| {
            let (map, _) = kind(file);
            let remedy = if namespace.is_empty() {
                format!("raise SUB_{prefix}_MAX in /etc/login.defs or remove unused lines")
            } else {
                format!(
                    "this namespace maps too few ids (/proc/self/{}_map): the engine that started it must map more",
                    map.to_lowercase()
                )
            };
            format!(
                "no range is offered: no block of {} ids between {} and {} (SUB_{prefix}_MIN, SUB_{prefix}_MAX) is free of {}'s lines, accounts' ids{}; {remedy}",
                limits.count,
                limits.min,
                limits.max,
                file.path,
                if namespace.is_empty() { "" } else { " and ids unmapped in this namespace" }
            )
        })
}

/// The ids outside a namespace's extents; nothing outside a namespace (empty `mapped`).
fn unmapped(mapped: &[Range<u64>]) -> Vec<Range<u64>> {
    if mapped.is_empty() {
        return Vec::new();
    }
    let mut mapped = mapped.to_vec();
    mapped.sort_by_key(|r| r.start);
    let mut gaps = Vec::new();
    let mut next = 0;
    for range in mapped {
        if range.start > next {
            gaps.push(next..range.start);
        }
        next = next.max(range.end);
    }
    gaps.push(next..u64::MAX);
    gaps
}

/// What a file needs to give the user `MIN_RANGE` ids of their own when `bad` lines go.
pub(crate) fn replace<'a>(
    facts: &Facts,
    file: &'a SubidFile,
    bad: Vec<&'a Entry>,
) -> FileChange<'a> {
    let kept: u64 = facts
        .own_entries(file)
        .iter()
        .filter(|e| !bad.iter().any(|b| std::ptr::eq(*b, **e)))
        .map(|e| e.count)
        .sum();
    FileChange {
        file,
        add: !bad.is_empty() && kept < MIN_RANGE,
        remove: bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmapped_ids_are_the_gaps_between_extents() {
        assert!(unmapped(&[]).is_empty());
        assert_eq!(unmapped(&[100..200, 0..50]), vec![50..100, 200..u64::MAX]);
    }
}
