//! TOML, read and written through `basic-toml` (the small pre-`toml_edit` parser). The one
//! module that knows the crate.
//!
//! Size is the reason for its shape: a serde deserializer is compiled once per type it fills,
//! and hostcap's manifest has many types. So TOML is parsed into one generic tree, and the tree
//! is mapped onto the types by serde_json's small value deserializer. With the `toml` crate
//! deserializing every type itself, TOML was a tenth of the static binary.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A TOML document as a generic tree of tables, arrays and scalars (serde's data model, which
/// `serde_json::Value` holds). The files hostcap reads have no datetimes.
pub type Table = serde_json::Map<String, serde_json::Value>;

/// What went wrong, and on which line (1-based) when the parser knows it: a document that is
/// not TOML has one; a field of the wrong type, found after parsing, does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomlError {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for TomlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TomlError {}

/// Parses `text` as a TOML document.
pub fn parse(text: &str) -> Result<Table, TomlError> {
    let uncommented = without_comment_lines(text);
    basic_toml::from_str(uncommented.as_deref().unwrap_or(text)).map_err(|err| {
        let position = err.line_col();
        let mut message = err.to_string();
        // The parser appends the position; it is kept apart, as `line`.
        if let Some((line, column)) = position {
            let suffix = format!(" at line {} column {}", line + 1, column + 1);
            if message.ends_with(&suffix) {
                message.truncate(message.len() - suffix.len());
            }
        }
        TomlError {
            line: position.map(|(line, _)| line + 1),
            message,
        }
    })
}

/// `text` with every line that is only a comment left empty, so that line numbers stay; `None`
/// where a multi-line string could hold such a line. The parser reads comments a character at
/// a time, and the stock containers.conf is almost all comment: this halves its cost.
fn without_comment_lines(text: &str) -> Option<String> {
    if text.contains("\"\"\"") || text.contains("'''") {
        return None;
    }
    let mut kept = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            kept.push_str(if line.ends_with("\r\n") {
                "\r\n"
            } else if line.ends_with('\n') {
                "\n"
            } else {
                ""
            });
        } else {
            kept.push_str(line);
        }
    }
    Some(kept)
}

/// Parses `text` as a TOML document and reads it into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, TomlError> {
    let table = parse(text)?;
    serde_json::from_value(serde_json::Value::Object(table)).map_err(|err| TomlError {
        line: None,
        message: err.to_string(),
    })
}

/// Writes `value` as a TOML document, through the same generic tree.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, TomlError> {
    let failed = |message: String| TomlError {
        line: None,
        message,
    };
    let tree = serde_json::to_value(value).map_err(|err| failed(err.to_string()))?;
    basic_toml::to_string(&TablesLast(&tree)).map_err(|err| failed(err.to_string()))
}

/// A tree that writes each table's plain values before its sub-tables. In TOML a key after a
/// `[sub.table]` header belongs to that sub-table, so basic-toml refuses a value that follows
/// a table; field order in a Rust struct must not decide whether a bundle can be written.
/// Nulls, which TOML cannot say, are left out as absent keys.
struct TablesLast<'a>(&'a serde_json::Value);

impl Serialize for TablesLast<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        use serde_json::Value;
        match self.0 {
            Value::Object(map) => {
                let mut out = serializer.serialize_map(None)?;
                for tables in [false, true] {
                    for (key, value) in map {
                        if !value.is_null() && is_table(value) == tables {
                            out.serialize_entry(key, &TablesLast(value))?;
                        }
                    }
                }
                out.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(TablesLast)),
            other => other.serialize(serializer),
        }
    }
}

/// Whether TOML writes `value` under a header of its own: a table, or an array of tables.
fn is_table(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(_) => true,
        serde_json::Value::Array(items) => {
            !items.is_empty() && items.iter().all(serde_json::Value::is_object)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_are_skipped_without_moving_line_numbers() {
        let text = "# a comment\n  # indented\r\n[engine]\n# runtime = \"runc\"\nruntime = \"crun\" # set\nbad =\n";
        assert_eq!(parse(text).unwrap_err().line, Some(6));
        let good = text.replace("bad =\n", "");
        assert_eq!(parse(&good).unwrap()["engine"]["runtime"], "crun");
        // A multi-line string may hold a line that starts with '#': nothing is removed then.
        let multi = "a = \"\"\"\n# kept\n\"\"\"\n";
        assert_eq!(parse(multi).unwrap()["a"], "# kept\n");
        assert!(without_comment_lines(multi).is_none());
    }

    #[test]
    fn a_syntax_error_names_its_line_once() {
        let err = parse("a = 1\nb = \n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert_eq!(err.to_string(), "line 2: expected a value, found a newline");
    }

    #[test]
    fn nested_tables_and_arrays_stay_in_the_tree() {
        let table =
            parse("[engine]\nruntime = \"crun\"\n[engine.runtimes]\nrunc = [\"/usr/bin/runc\"]\n")
                .unwrap();
        assert_eq!(table["engine"]["runtime"], "crun");
        assert_eq!(table["engine"]["runtimes"]["runc"][0], "/usr/bin/runc");
    }

    #[test]
    fn typed_reading_names_a_wrong_field() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Entry {
            #[allow(dead_code)]
            mode: String,
        }
        let err = from_str::<Entry>("mdoe = \"755\"\n").unwrap_err();
        assert_eq!(err.line, None);
        assert!(err.message.contains("unknown field `mdoe`"), "{err}");
    }

    #[test]
    fn a_value_after_a_table_in_a_struct_is_written_before_it() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Run {
            command: String,
        }
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Outcome {
            newuidmap: Run,
            runs: Vec<Run>,
            gone: Option<String>,
            uid_map: String,
        }
        let outcome = Outcome {
            newuidmap: Run {
                command: "newuidmap 42 0 1000 1".into(),
            },
            runs: vec![Run {
                command: "true".into(),
            }],
            gone: None,
            uid_map: "0 1000 1".into(),
        };
        let text = to_string(&outcome).unwrap();
        assert_eq!(from_str::<Outcome>(&text).unwrap(), outcome, "{text}");
    }

    #[test]
    fn what_is_written_reads_back() {
        let mut table = Table::new();
        table.insert("uid".into(), 1000.into());
        let text = to_string(&table).unwrap();
        assert_eq!(parse(&text).unwrap(), table);
    }
}
