//! `hostcap summarize`: many hosts' reports — `--json` files, folders of them, support
//! bundles — read back into one table of verdicts and the causes they share, for the
//! operator whose question is a fleet, not a machine.

mod input;
mod report;
mod summary;

pub use summary::Summary;

use std::path::PathBuf;

/// Reads every report under `inputs` and summarizes them. Any input that is not a readable
/// v1 report is an error naming it: a summary that silently left a host out would answer
/// the fleet question wrongly.
pub fn summarize(inputs: &[PathBuf]) -> Result<Summary, String> {
    let mut hosts = Vec::new();
    for found in input::collect(inputs)? {
        let bytes = found.read()?;
        let report = report::parse(&bytes).map_err(|e| format!("{}: {e}", found.path.display()))?;
        hosts.push((found, report));
    }
    Ok(Summary::of(hosts))
}
