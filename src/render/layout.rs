//! Fitting the human report to a terminal's width. Every line is a label (`seen  `,
//! `fix (root)  `, a finding's status and id) followed by text that fills the rest of the line;
//! continuation lines start under the text, so the labels stay a column one can scan.
//!
//! Two things are never broken: a command (it must paste as it stands) and a single word such
//! as a long path or URL. When one does not fit, it stands alone on its line and may run past
//! the width; nothing else shares that line.

/// The width when stdout is no terminal and `COLUMNS` says nothing.
pub const DEFAULT_WIDTH: usize = 80;

/// What separates a command from its trailing comment (see `Step::Command`; some write three
/// spaces before the `#`, some four).
const COMMENT: &str = "  # ";

/// Columns a piece of report text takes on screen: characters, not bytes (`›`, `→`, `…` are
/// one column each), and colour escape sequences take none.
pub fn columns(text: &str) -> usize {
    let mut count = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters… final byte in @..~ (the colours owo-colors writes).
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        count += 1;
    }
    count
}

/// Lays out report text for a terminal `width` columns wide.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    width: usize,
}

impl Layout {
    pub fn new(width: usize) -> Self {
        Self { width }
    }

    /// Columns left for text after a label of `indent` columns (at least one, so that a narrow
    /// terminal gets one word a line rather than nothing).
    pub fn room(&self, indent: usize) -> usize {
        self.width.saturating_sub(indent).max(1)
    }

    /// `label` then the words of `text`, filled; continuation lines start under the text.
    pub fn prose(&self, out: &mut String, label: &str, text: &str) {
        let words: Vec<&str> = text.split_whitespace().collect();
        self.fill(out, label, &blank(label), &words);
    }

    /// Like [`Layout::prose`], but for pieces that must stay whole (`user ok →`): lines break
    /// only between them.
    pub fn pieces(&self, out: &mut String, label: &str, pieces: &[&str]) {
        self.fill(out, label, &blank(label), pieces);
    }

    /// A command behind `$ `, never broken. Its trailing `# comment`, when the whole does not
    /// fit, moves to lines of its own below, each a shell comment, so pasting them is harmless.
    pub fn command(&self, out: &mut String, label: &str, command: &str) {
        let indent = columns(label);
        let whole = format!("$ {command}");
        if columns(&whole) <= self.room(indent) {
            push_line(out, &format!("{label}{whole}"));
            return;
        }
        let (command, comment) = match command.split_once(COMMENT) {
            Some((command, comment)) => (command.trim_end(), Some(comment)),
            None => (command, None),
        };
        let shown = format!("$ {command}");
        let pad = blank(label);
        if columns(&shown) <= self.room(indent) || label.trim().is_empty() {
            push_line(out, &format!("{label}{shown}"));
        } else {
            push_line(out, label);
            push_line(out, &format!("{pad}{shown}"));
        }
        if let Some(comment) = comment {
            let words: Vec<&str> = comment.split_whitespace().collect();
            let prefix = format!("{pad}# ");
            self.fill(out, &prefix, &prefix, &words);
        }
    }

    /// Evidence: `source: excerpt` filled at spaces. An excerpt of several lines (a uid_map, a
    /// config file) keeps its lines: the source stands on the first line, each excerpt line on
    /// its own below, as it was when it fits, filled at spaces when it does not.
    pub fn evidence(&self, out: &mut String, label: &str, source: &str, excerpt: &str) {
        if !excerpt.contains('\n') {
            self.prose(out, label, &format!("{source}: {excerpt}"));
            return;
        }
        self.prose(out, label, &format!("{source}:"));
        let quote = format!("{}  ", blank(label));
        for line in excerpt.lines() {
            if columns(&quote) + columns(line) <= self.width {
                push_line(out, &format!("{quote}{line}"));
            } else {
                self.prose(out, &quote, line);
            }
        }
    }

    /// The core: `first` starts the first line, `next` the others; `words` are joined by one
    /// space and never split. A word wider than its line's room stands alone on a line, and
    /// then a label that precedes it keeps a line of its own.
    fn fill(&self, out: &mut String, first: &str, next: &str, words: &[&str]) {
        let mut line = first.to_string();
        let mut room = self.room(columns(first));
        let mut used = 0;
        // Whether the line holds a label of its own (not merely the continuation's prefix)
        // and no word yet.
        let mut bare_label = first != next && !first.trim().is_empty();
        for word in words {
            let width = columns(word);
            if used > 0 && used + 1 + width > room {
                push_line(out, &line);
                line = next.to_string();
                room = self.room(columns(next));
                used = 0;
                bare_label = false;
            }
            if used == 0 && width > room && bare_label {
                push_line(out, &line);
                line = next.to_string();
                room = self.room(columns(next));
            }
            if used > 0 {
                line.push(' ');
                used += 1;
            }
            line.push_str(word);
            used += width;
            bare_label = false;
            if width > room {
                push_line(out, &line);
                line = next.to_string();
                room = self.room(columns(next));
                used = 0;
            }
        }
        if used > 0 || !line.trim().is_empty() {
            push_line(out, &line);
        }
    }
}

/// As many spaces as `label` takes columns: where continuation lines start.
pub fn blank(label: &str) -> String {
    " ".repeat(columns(label))
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(layout: impl FnOnce(&mut String)) -> Vec<String> {
        let mut out = String::new();
        layout(&mut out);
        out.lines().map(str::to_string).collect()
    }

    #[test]
    fn columns_count_characters_and_skip_colour() {
        assert_eq!(columns("a › b → c…"), 10);
        assert_eq!(columns("\u{1b}[31mFAIL\u{1b}[39m"), 4);
        assert_eq!(columns("\u{1b}[1m\u{1b}[32mok\u{1b}[39m\u{1b}[0m x"), 4);
    }

    #[test]
    fn prose_hangs_under_the_text_after_its_label() {
        let got = lines(|out| {
            Layout::new(20).prose(out, "  seen  ", "one two three four five six seven")
        });
        assert_eq!(
            got,
            [
                "  seen  one two",
                "        three four",
                "        five six",
                "        seven"
            ]
        );
        assert!(got.iter().all(|l| columns(l) <= 20));
    }

    #[test]
    fn a_word_too_wide_stands_alone_and_its_label_keeps_its_own_line() {
        let got = lines(|out| {
            Layout::new(20).prose(out, "  seen  ", "/a/very/long/path/name/here ok then")
        });
        assert_eq!(
            got,
            [
                "  seen",
                "        /a/very/long/path/name/here",
                "        ok then"
            ]
        );
        let got = lines(|out| Layout::new(20).prose(out, "  seen  ", "x /a/very/long/path/name y"));
        assert_eq!(
            got,
            ["  seen  x", "        /a/very/long/path/name", "        y"]
        );
    }

    #[test]
    fn a_command_is_never_broken_and_its_comment_moves_below() {
        let command = "chown root:root /usr/bin/x && chmod 4755 /usr/bin/x    # or use setcap";
        let got = lines(|out| Layout::new(40).command(out, "  fix  ", command));
        assert_eq!(
            got,
            [
                "  fix",
                "       $ chown root:root /usr/bin/x && chmod 4755 /usr/bin/x",
                "       # or use setcap",
            ]
        );
        let got = lines(|out| Layout::new(100).command(out, "  fix  ", command));
        assert_eq!(got, [format!("  fix  $ {command}")]);
        let got = lines(|out| {
            Layout::new(40).command(out, "  fix  ", "podman info    # a short note here")
        });
        assert_eq!(got, ["  fix  $ podman info", "       # a short note here"]);
    }

    #[test]
    fn a_multi_line_excerpt_keeps_its_lines() {
        let got = lines(|out| {
            Layout::new(40).evidence(
                out,
                "  seen  ",
                "/proc/self/uid_map",
                "0  1000  1\n   1  100000  65536",
            )
        });
        assert_eq!(
            got,
            [
                "  seen  /proc/self/uid_map:",
                "          0  1000  1",
                "             1  100000  65536"
            ]
        );
    }

    #[test]
    fn coloured_labels_are_measured_without_their_escapes() {
        let label = "\u{1b}[31mFAIL\u{1b}[39m ";
        let got = lines(|out| Layout::new(12).prose(out, label, "aaa bbb ccc"));
        assert_eq!(got, [format!("{label}aaa bbb"), "     ccc".to_string()]);
    }
}
