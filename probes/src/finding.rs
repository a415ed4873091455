//! What a probe concludes: a finding with a stable id, a status, the evidence that proves it,
//! and the fix with and without root.

use serde::Serialize;

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Info,
    Warn,
    Fail,
    /// Could not be decided; the title says why.
    Unknown,
}

impl Status {
    /// The word shown in reports, readable without colour.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Info => "INFO",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Unknown => "UNKNOWN",
        }
    }
}

/// One piece of evidence: where it was seen and the exact text that proves it.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// A path, a command, `experiment userns`, `kernel log`…
    pub source: String,
    pub excerpt: String,
}

impl Evidence {
    pub fn new(source: impl Into<String>, excerpt: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            excerpt: excerpt.into(),
        }
    }
}

/// One step of a fix. Commands and advice are kept apart so that a report never shows advice
/// behind a prompt, and so that everything marked a command can be pasted as it stands.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "lowercase")]
pub enum Step {
    /// A shell command line, pasted as it stands; a trailing `# …` comment is part of it.
    Command(String),
    /// Advice in words, for what no command on this host can do.
    Prose(String),
}

impl Step {
    pub fn command(text: impl Into<String>) -> Self {
        Step::Command(text.into())
    }

    pub fn prose(text: impl Into<String>) -> Self {
        Step::Prose(text.into())
    }

    pub fn text(&self) -> &str {
        match self {
            Step::Command(text) | Step::Prose(text) => text,
        }
    }

    pub fn text_mut(&mut self) -> &mut String {
        match self {
            Step::Command(text) | Step::Prose(text) => text,
        }
    }

    pub fn is_command(&self) -> bool {
        matches!(self, Step::Command(_))
    }
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What an administrator can do.
    pub with_root: Vec<Step>,
    /// What the user can do alone.
    pub without_root: Vec<Step>,
}

impl Fix {
    pub fn is_empty(&self) -> bool {
        self.with_root.is_empty() && self.without_root.is_empty()
    }
}

/// The catalogue entry of a finding id: the text `hostcap explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingDoc {
    pub id: &'static str,
    /// What the check is about, in a line.
    pub summary: &'static str,
    /// Why it matters and how it is detected.
    pub explanation: &'static str,
    pub references: &'static [&'static str],
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub status: Status,
    /// What was found on this host, in a line.
    pub title: String,
    pub evidence: Vec<Evidence>,
    #[serde(skip_serializing_if = "Fix::is_empty")]
    pub fix: Fix,
    /// Why it matters, from the catalogue.
    pub explanation: &'static str,
    pub references: &'static [&'static str],
}

impl Finding {
    pub fn new(doc: &FindingDoc, status: Status, title: impl Into<String>) -> Self {
        Self {
            id: doc.id,
            status,
            title: title.into(),
            evidence: Vec::new(),
            fix: Fix::default(),
            explanation: doc.explanation,
            references: doc.references,
        }
    }

    pub fn evidence(mut self, source: impl Into<String>, excerpt: impl Into<String>) -> Self {
        self.evidence.push(Evidence::new(source, excerpt));
        self
    }

    pub fn with_evidence(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(evidence);
        self
    }

    /// A command an administrator can paste.
    pub fn with_root(mut self, command: impl Into<String>) -> Self {
        self.fix.with_root.push(Step::command(command));
        self
    }

    /// Advice for an administrator that no command can carry.
    pub fn with_root_prose(mut self, advice: impl Into<String>) -> Self {
        self.fix.with_root.push(Step::prose(advice));
        self
    }

    /// A command the user can paste.
    pub fn without_root(mut self, command: impl Into<String>) -> Self {
        self.fix.without_root.push(Step::command(command));
        self
    }

    /// Advice for the user that no command can carry.
    pub fn without_root_prose(mut self, advice: impl Into<String>) -> Self {
        self.fix.without_root.push(Step::prose(advice));
        self
    }

    /// Adds what `steps` adds: fix steps shared by several findings.
    pub fn with_steps(self, steps: impl FnOnce(Self) -> Self) -> Self {
        steps(self)
    }

    pub fn is_problem(&self) -> bool {
        matches!(self.status, Status::Warn | Status::Fail | Status::Unknown)
    }
}
