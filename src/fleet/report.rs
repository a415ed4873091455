//! The part of a `hostcap/report/v2` report a summary needs, read into types that follow
//! `schema/report-v2.json`. Fields the reader does not know are ignored, as the contract
//! allows within a version; a report of another schema is refused before anything else is
//! read. v1 reports are read too: v2 changed only how fix steps are written, which a summary
//! does not read.

use serde::Deserialize;

use hostcap_probes::Verdict;
use hostcap_probes::report::SCHEMA;

/// The schemas whose host and verdicts a summary can read.
const READABLE: [&str; 2] = ["hostcap/report/v1", SCHEMA];

#[derive(Debug, Deserialize)]
pub struct Report {
    pub host: Host,
    pub verdicts: Vec<TargetVerdict>,
}

#[derive(Debug, Deserialize)]
pub struct Host {
    #[serde(default)]
    pub hostname: Option<String>,
    pub os: String,
    pub user: String,
}

#[derive(Debug, Deserialize)]
pub struct TargetVerdict {
    /// A name, not the closed list of this build: a later v2 may judge more targets.
    pub target: String,
    pub verdict: Verdict,
    /// The deciding finding ids, the most telling first.
    pub deciding: Vec<String>,
}

/// Only the schema name, read first so that another version is named as such and not as
/// a malformed report.
#[derive(Deserialize)]
struct Envelope {
    schema: Option<String>,
}

pub fn parse(bytes: &[u8]) -> Result<Report, String> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| format!("not a hostcap JSON report: {e}"))?;
    match envelope.schema.as_deref() {
        Some(schema) if READABLE.contains(&schema) => {}
        Some(other) => {
            return Err(format!(
                "schema {other:?}: this hostcap reads {} reports only",
                READABLE.join(" and ")
            ));
        }
        None => return Err("not a hostcap JSON report: it has no \"schema\"".into()),
    }
    serde_json::from_slice(bytes).map_err(|e| format!("not a valid {SCHEMA} report: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field read here is one the committed schema defines, where the reader looks.
    #[test]
    fn the_reader_follows_the_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schema/report-v2.json")).unwrap();
        let defs = &schema["$defs"];
        let has =
            |object: &serde_json::Value, field: &str| object["properties"].get(field).is_some();
        for field in ["schema", "host", "verdicts"] {
            assert!(has(&schema, field), "{field}");
        }
        for field in ["hostname", "os", "user"] {
            assert!(has(&defs["HostSummary"], field), "host.{field}");
        }
        for field in ["target", "verdict", "deciding"] {
            assert!(has(&defs["TargetVerdict"], field), "verdicts[].{field}");
        }
        let verdicts: Vec<&str> = defs["Verdict"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(verdicts, ["ready", "degraded", "blocked", "unknown"]);
    }

    #[test]
    fn another_schema_is_named_and_unknown_fields_are_ignored() {
        let v2 = br#"{"schema": "hostcap/report/v3", "hosts": []}"#;
        assert_eq!(
            parse(v2).unwrap_err(),
            "schema \"hostcap/report/v3\": this hostcap reads hostcap/report/v1 and hostcap/report/v2 reports only"
        );
        let later = br#"{"schema": "hostcap/report/v2", "new": 1,
            "host": {"os": "Debian 12", "user": "alice", "new": true},
            "verdicts": [{"target": "wasm", "verdict": "ready", "deciding": [], "new": []}]}"#;
        let report = parse(later).unwrap();
        assert_eq!(report.verdicts[0].target, "wasm");
        assert!(report.host.hostname.is_none());
        assert!(
            parse(b"[1, 2]")
                .unwrap_err()
                .starts_with("not a hostcap JSON report")
        );
        assert!(parse(b"{\"schema\": 3}").is_err());
        let v1 = br#"{"schema": "hostcap/report/v1", "host": {"os": "Debian 12", "user": "bob"},
            "verdicts": [{"target": "rootless-podman", "verdict": "blocked", "deciding": ["x.y"]}],
            "findings": [{"fix": {"with_root": ["a string, as v1 wrote steps"]}}]}"#;
        assert_eq!(parse(v1).unwrap().verdicts[0].verdict, Verdict::Blocked);
        let no_verdicts = br#"{"schema": "hostcap/report/v2", "host": {"os": "x", "user": "y"}}"#;
        assert!(
            parse(no_verdicts)
                .unwrap_err()
                .contains("missing field `verdicts`")
        );
    }
}
