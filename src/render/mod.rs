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

pub fn explain(id: &str, width: usize) -> Option<String> {
    // Prose reads best in lines of at most 90 columns, whatever the terminal's width.
    let layout = Layout::new(width.min(EXPLAIN_WIDTH));
    let mut out = String::new();
    if let Some(target) = Target::from_name(id) {
        out.push_str(&format!("{}\n\n", target.name()));
        layout.prose(&mut out, "", target.explanation());
        if let Some(path) = hostcap_probes::target::path_of(target) {
            let mut steps: Vec<String> = path
                .requirements
                .iter()
                .map(|r| format!("{} →", r.name()))
                .collect();
            if let Some(last) = steps.last_mut() {
                last.truncate(last.len() - " →".len());
            }
            let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
            out.push_str("\nPath of its default command\n");
            layout.pieces(&mut out, "  ", &steps);
        }
        return Some(out);
    }
    let doc = catalogue().into_iter().find(|d| d.id == id)?;
    out.push_str(&format!("{}\n", doc.id));
    layout.prose(&mut out, "", doc.summary);
    out.push('\n');
    layout.prose(&mut out, "", doc.explanation);
    if !doc.references.is_empty() {
        out.push_str("\nReferences\n");
        for reference in doc.references {
            layout.prose(&mut out, "  ", reference);
        }
    }
    Some(out)
}

/// The widest `hostcap explain` fills its prose.
const EXPLAIN_WIDTH: usize = 90;

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
