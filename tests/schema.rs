//! The `hostcap/report/v2` schema in `schema/` is generated from the report types and kept
//! current by a test, and every report hostcap prints follows it.

use std::fs;
use std::path::PathBuf;

use crate::util::{hostcap, recorded_hosts, repo};

fn schema_path() -> PathBuf {
    repo().join("schema/report-v2.json")
}

/// The schema of what hostcap writes (serialize contract: a field skipped when empty is
/// optional).
fn generated() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<hostcap_probes::Report>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap();
    text.push('\n');
    text
}

fn committed() -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(schema_path()).unwrap()).unwrap()
}

/// The committed schema with `additionalProperties: false` on every object: a report that
/// prints a field the types do not declare fails here, though readers must accept one.
fn strict(mut schema: serde_json::Value) -> serde_json::Value {
    fn close(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), false.into());
                }
                map.values_mut().for_each(close);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(close),
            _ => {}
        }
    }
    close(&mut schema);
    schema
}

struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn new(schema: serde_json::Value) -> Self {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource("report-v2.json", schema).unwrap();
        let index = compiler.compile("report-v2.json", &mut schemas).unwrap();
        Validator { schemas, index }
    }

    fn check(&self, report: &serde_json::Value) -> Result<(), String> {
        self.schemas
            .validate(report, self.index)
            .map_err(|e| format!("{e:#}"))
    }
}

#[test]
fn the_schema_in_the_repo_is_current() {
    let generated = generated();
    let path = schema_path();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        fs::write(&path, &generated).unwrap();
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run UPDATE_SCHEMA=1 cargo test schema",
        path.display()
    );
}

#[test]
fn every_recorded_host_and_this_one_report_by_the_schema() {
    let validator = Validator::new(strict(committed()));
    let mut failures = Vec::new();
    let mut runs: Vec<(String, Vec<String>)> = recorded_hosts()
        .into_iter()
        .map(|name| {
            let dir = repo().join("tests/hosts").join(&name);
            let args = ["check", "--json", "--from", dir.to_str().unwrap()];
            (name, args.map(String::from).to_vec())
        })
        .collect();
    runs.push((
        "this host".into(),
        vec!["check".into(), "--json".into(), "--passive".into()],
    ));
    for (name, args) in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = hostcap(&args);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        if let Err(err) = validator.check(&report) {
            failures.push(format!("{name}: {err}"));
        }
    }
    assert!(runs.len() > 30);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_schema_refuses_what_v2_does_not_allow_and_keeps_room_for_additions() {
    let host = repo().join("tests/hosts/fydeos-crosh");
    let run = hostcap(&["check", "--json", "--from", host.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let validator = Validator::new(committed());
    assert_eq!(validator.check(&report), Ok(()));

    let mut added = report.clone();
    added["host"]["added_in_a_later_v2"] = "fine".into();
    assert_eq!(validator.check(&added), Ok(()), "v2 only grows");

    let mut other = report.clone();
    other["schema"] = "hostcap/report/v3".into();
    let mut bad_verdict = report.clone();
    bad_verdict["verdicts"][0]["verdict"] = "maybe".into();
    let mut no_findings = report.clone();
    no_findings.as_object_mut().unwrap().remove("findings");
    for (what, wrong) in [
        ("another schema", other),
        ("an unknown verdict", bad_verdict),
        ("no findings", no_findings),
    ] {
        assert!(validator.check(&wrong).is_err(), "{what} was accepted");
    }
}
