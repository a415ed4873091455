//! Everything hostcap knows about hosts, usable as a library by installers: the [`host::Host`]
//! seam, the probes that gather typed facts through it, the experiments that prove them, and
//! the analysis that turns facts into findings, verdicts and recommendations.

// hostcap runs on hosts already in trouble: a strange file must give a finding, never a panic.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod experiment;
pub mod finding;
pub mod host;
pub mod os;
pub mod probe;
pub mod recommend;
pub mod report;
pub mod target;
pub mod toml;
pub mod verdict;

pub use report::{Report, catalogue, check};
pub use verdict::{Target, Verdict};
