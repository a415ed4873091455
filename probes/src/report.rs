//! The report: everything one check produced, in the shape the JSON contract
//! (`hostcap/report/v2`) publishes.

use serde::Serialize;

use crate::experiment::Outcome;
use crate::finding::Finding;
use crate::host::{Host, HostOrigin, JudgedFor};
use crate::probe::{self, Facts, platform};
use crate::recommend::{self, Recommendation};
use crate::target;
use crate::verdict::{Target, TargetVerdict};

pub const SCHEMA: &str = "hostcap/report/v2";

/// What `hostcap check --json` prints. Within v1 fields are only ever added; finding ids are
/// never renamed.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(title = "hostcap/report/v2"))]
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always `hostcap/report/v2`; another value is another contract.
    #[cfg_attr(feature = "schema", schemars(extend("const" = "hostcap/report/v2")))]
    pub schema: &'static str,
    pub hostcap_version: &'static str,
    pub host: HostSummary,
    /// False when the experiments were skipped (`--passive`, or not recorded).
    pub experiments_ran: bool,
    pub verdicts: Vec<TargetVerdict>,
    pub findings: Vec<Finding>,
    pub recommendations: Vec<Recommendation>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct HostSummary {
    /// `live`, or `recorded` for a fixture or support bundle.
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
    /// The host name the kernel holds, so that many reports can be told apart
    /// (`hostcap summarize`); a support bundle replaces a distinctive one with `host`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    pub os: String,
    /// Where this system runs, when it is not plain hardware: "WSL 2 (systemd)", "rootless
    /// Podman container", "chroot", "FreeBSD Linux emulation (linuxulator)", "KVM virtual
    /// machine", "traced by proot (pid 4242)"…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    pub user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// e.g. "crosh shell (no_new_privs)", when it matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Root judging for another user (`--user`): who judges, and the environment assumed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judged_for: Option<JudgedFor>,
    /// The user who became root with sudo (`SUDO_USER`), when root is judged: the report is
    /// about root, not about them (`--user NAME` would judge them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sudo_from: Option<String>,
}

impl Report {
    pub fn verdict(&self, target: Target) -> Option<&TargetVerdict> {
        self.verdicts.iter().find(|v| v.target == target)
    }

    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }
}

/// Gathers, judges and decides: the whole check against one host.
pub fn check(host: &(dyn Host + Sync)) -> Report {
    let facts = probe::gather(host);
    let mut findings = probe::judge(&facts);
    let (verdicts, contradictions) = target::decide(&facts, &findings);
    findings.extend(contradictions);
    let recommendations = recommend::recommend(&facts, &verdicts, &findings);
    Report {
        schema: SCHEMA,
        hostcap_version: env!("CARGO_PKG_VERSION"),
        host: summarize(host, &facts),
        experiments_ran: matches!(facts.userns.experiment, Outcome::Ran(_)),
        verdicts,
        findings,
        recommendations,
    }
}

fn summarize(host: &dyn Host, facts: &Facts) -> HostSummary {
    let (source, recorded) = match host.origin() {
        HostOrigin::Live => ("live", None),
        HostOrigin::Recorded { source, .. } => ("recorded", Some(source)),
    };
    let session = match facts.platform.kind() {
        platform::Kind::ChromeOsHost if facts.identity.no_new_privs() => {
            Some("crosh shell (no_new_privs)".to_string())
        }
        platform::Kind::ChromeOsHost => Some("console session".to_string()),
        _ if facts.identity.no_new_privs() => Some("no_new_privs session".to_string()),
        _ => None,
    };
    HostSummary {
        source,
        recorded,
        hostname: facts.platform.hostname.clone(),
        os: facts.platform.os_name(),
        platform: facts.platform.label(),
        kernel: facts.platform.kernel_release.clone(),
        arch: facts.platform.arch.clone(),
        user: facts.identity.who(),
        uid: facts.identity.uid(),
        session,
        judged_for: host.judged_for(),
        sudo_from: facts
            .session
            .sudo_user
            .clone()
            .filter(|name| facts.identity.is_root() && !name.is_empty() && name != "root"),
    }
}

/// Every finding id hostcap can report, with its explanation: the public catalogue.
pub fn catalogue() -> Vec<&'static crate::finding::FindingDoc> {
    [
        probe::platform::DOCS,
        probe::identity::DOCS,
        probe::userns::DOCS,
        probe::lsm::DOCS,
        probe::idmap::DOCS,
        probe::subid::DOCS,
        probe::rootful::DOCS,
        probe::kernel_log::DOCS,
        probe::fallback::DOCS,
        probe::session::DOCS,
        probe::runtime::DOCS,
        probe::network::DOCS,
        probe::storage::DOCS,
        probe::pause::DOCS,
        probe::programs::DOCS,
        probe::nix::DOCS,
        probe::guix::DOCS,
        probe::build_env::DOCS,
        target::DOCS,
    ]
    .concat()
}
