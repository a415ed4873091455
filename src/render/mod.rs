//! Turning a report into text: for people (`human`), for programs (`json`), for monitoring
//! (`prometheus`, `nagios`), for fleets (`summary`), plus the catalogue views behind `hostcap list` and
//! `hostcap explain`.

mod escape;
mod human;
mod layout;
mod nagios;
mod prometheus;
mod summary;

pub use human::{human, human_fitted};
pub use layout::{DEFAULT_WIDTH, Layout};
pub use nagios::nagios;
pub use prometheus::prometheus;
pub use summary::summary;

use hostcap_probes::{Report, Target, catalogue};
use owo_colors::{OwoColorize, Style};

/// Colours, decided once in `main` and passed down, so rendering stays a pure function.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    pub fn new(enabled: bool) -> Self {
        Self { enabled }
    }

    pub fn paint(&self, text: &str, style: Style) -> String {
        if self.enabled {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
}

pub fn json(report: &Report) -> String {
    let mut text =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

pub fn list() -> String {
    let mut out = String::from("Targets\n");
    for target in Target::ALL {
        out.push_str(&format!("  {}\n", target.name()));
    }
    out.push_str("\nFindings\n");
    let docs = catalogue();
    let width = docs.iter().map(|d| d.id.len()).max().unwrap_or(0);
    for doc in docs {
        out.push_str(&format!("  {:width$}  {}\n", doc.id, doc.summary));
    }
    out
}

pub fn explain(id: &str) -> Option<String> {
    if let Some(target) = Target::from_name(id) {
        let mut out = format!("{}\n\n{}\n", target.name(), wrap(target.explanation(), 90));
        if let Some(path) = hostcap_probes::target::path_of(target) {
            let steps: Vec<&str> = path.requirements.iter().map(|r| r.name()).collect();
            out.push_str(&format!(
                "\nPath of its default command\n  {}\n",
                steps.join(" → ")
            ));
        }
        return Some(out);
    }
    let doc = catalogue().into_iter().find(|d| d.id == id)?;
    let mut out = format!(
        "{}\n{}\n\n{}\n",
        doc.id,
        doc.summary,
        wrap(doc.explanation, 90)
    );
    if !doc.references.is_empty() {
        out.push_str("\nReferences\n");
        for reference in doc.references {
            out.push_str(&format!("  {reference}\n"));
        }
    }
    Some(out)
}

/// Wraps prose at word boundaries.
pub fn wrap(text: &str, width: usize) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.join("\n")
}
