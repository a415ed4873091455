//! The fleet's table — each host's verdict for each target — and the causes hosts share,
//! counted as the finding that decides each verdict that is not ready (the most telling one
//! a report names first), so one root cause is not counted again for its consequences.

use std::collections::{BTreeMap, BTreeSet};

use hostcap_probes::{Target, Verdict};
use serde::Serialize;

use super::input::Found;
use super::report::Report;

/// Names the JSON of `hostcap summarize --json`; fields are only ever added within v1.
pub const SCHEMA: &str = "hostcap/summary/v1";

#[derive(Debug, Serialize)]
pub struct Summary {
    pub schema: &'static str,
    /// The targets judged, as the table's columns, with how many hosts got each verdict.
    pub targets: Vec<TargetTotals>,
    pub hosts: Vec<HostRow>,
    /// Most hosts first.
    pub causes: Vec<Cause>,
}

#[derive(Debug, Serialize)]
pub struct TargetTotals {
    pub target: String,
    pub ready: usize,
    pub degraded: usize,
    pub blocked: usize,
    pub unknown: usize,
}

#[derive(Debug, Serialize)]
pub struct HostRow {
    /// The report's host name, else its file's name; the file too when two hosts share one.
    pub name: String,
    pub file: String,
    pub os: String,
    pub user: String,
    pub verdicts: BTreeMap<String, Verdict>,
}

#[derive(Debug, Serialize)]
pub struct Cause {
    /// The deciding finding id (`hostcap explain ID`).
    pub id: String,
    /// The targets it keeps from ready, on any host.
    pub targets: Vec<String>,
    /// The hosts where it does, by name.
    pub hosts: Vec<String>,
}

impl Summary {
    pub fn of(reports: Vec<(Found, Report)>) -> Summary {
        let mut hosts: Vec<HostRow> = reports
            .iter()
            .map(|(found, report)| HostRow {
                name: report
                    .host
                    .hostname
                    .clone()
                    .filter(|name| !name.trim().is_empty())
                    .unwrap_or_else(|| found.name()),
                file: found.path.display().to_string(),
                os: report.host.os.clone(),
                user: report.host.user.clone(),
                verdicts: report
                    .verdicts
                    .iter()
                    .map(|v| (v.target.clone(), v.verdict))
                    .collect(),
            })
            .collect();
        disambiguate(&mut hosts);
        let causes = causes(&reports, &hosts);
        hosts.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.file.cmp(&b.file)));
        Summary {
            schema: SCHEMA,
            targets: totals(&hosts),
            hosts,
            causes,
        }
    }
}

/// Two reports with one host name (bundles whose name was redacted to `host`, a host
/// checked twice) stay two rows, told apart by their files.
fn disambiguate(hosts: &mut [HostRow]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for host in hosts.iter() {
        *seen.entry(host.name.clone()).or_default() += 1;
    }
    for host in hosts.iter_mut() {
        if seen[&host.name] > 1 {
            host.name = format!("{} ({})", host.name, host.file);
        }
    }
}

/// The columns: hostcap's own targets in their usual order, then any a later report adds.
fn totals(hosts: &[HostRow]) -> Vec<TargetTotals> {
    let judged: BTreeSet<&str> = hosts
        .iter()
        .flat_map(|h| h.verdicts.keys().map(String::as_str))
        .collect();
    let known = Target::ALL.map(Target::name);
    let mut names: Vec<&str> = known.into_iter().filter(|t| judged.contains(t)).collect();
    names.extend(judged.iter().filter(|t| !known.contains(t)));
    names
        .into_iter()
        .map(|target| {
            let count = |verdict: Verdict| {
                hosts
                    .iter()
                    .filter(|h| h.verdicts.get(target) == Some(&verdict))
                    .count()
            };
            TargetTotals {
                target: target.to_string(),
                ready: count(Verdict::Ready),
                degraded: count(Verdict::Degraded),
                blocked: count(Verdict::Blocked),
                unknown: count(Verdict::Unknown),
            }
        })
        .collect()
}

fn causes(reports: &[(Found, Report)], hosts: &[HostRow]) -> Vec<Cause> {
    let mut by_id: BTreeMap<&str, (BTreeSet<&str>, Vec<&str>)> = BTreeMap::new();
    for ((_, report), host) in reports.iter().zip(hosts) {
        for verdict in &report.verdicts {
            if verdict.verdict == Verdict::Ready {
                continue;
            }
            let Some(id) = verdict.deciding.first() else {
                continue;
            };
            let (targets, names) = by_id.entry(id).or_default();
            targets.insert(&verdict.target);
            if names.last() != Some(&host.name.as_str()) {
                names.push(&host.name);
            }
        }
    }
    let order: BTreeMap<&str, usize> = Target::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name(), i))
        .collect();
    let mut causes: Vec<Cause> = by_id
        .into_iter()
        .map(|(id, (targets, names))| {
            let mut targets: Vec<String> = targets.into_iter().map(String::from).collect();
            targets.sort_by_key(|t| {
                (
                    order.get(t.as_str()).copied().unwrap_or(usize::MAX),
                    t.clone(),
                )
            });
            let mut hosts: Vec<String> = names.into_iter().map(String::from).collect();
            hosts.sort();
            hosts.dedup();
            Cause {
                id: id.to_string(),
                targets,
                hosts,
            }
        })
        .collect();
    causes.sort_by(|a, b| {
        b.hosts
            .len()
            .cmp(&a.hosts.len())
            .then_with(|| a.id.cmp(&b.id))
    });
    causes
}
