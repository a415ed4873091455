//! `hostcap summarize` for people: the host × target table, how many hosts are ready for
//! each target, then the shared causes with their hosts.

use std::fmt::Write;

use owo_colors::Style;

use super::escape::visible;
use super::human::verdict_style;
use super::{Palette, wrap};
use crate::fleet::Summary;

pub fn summary(summary: &Summary, palette: Palette) -> String {
    let mut out = String::new();
    let names: Vec<String> = summary.hosts.iter().map(|h| visible(&h.name)).collect();
    let first = names
        .iter()
        .map(|n| n.chars().count())
        .chain([4, 5])
        .max()
        .unwrap_or(5);
    let widths: Vec<usize> = summary
        .targets
        .iter()
        .map(|t| t.target.chars().count().max("DEGRADED".len()))
        .collect();

    let mut header = format!("{:first$}", "HOST");
    for (totals, width) in summary.targets.iter().zip(&widths) {
        let _ = write!(header, "  {:width$}", visible(&totals.target));
    }
    let _ = writeln!(
        out,
        "{}",
        palette.paint(header.trim_end(), Style::new().bold())
    );
    for (host, name) in summary.hosts.iter().zip(&names) {
        let mut line = format!("{name:first$}");
        for (totals, width) in summary.targets.iter().zip(&widths) {
            let (word, style) = match host.verdicts.get(&totals.target) {
                Some(verdict) => (verdict.word(), verdict_style(*verdict)),
                None => ("-", Style::new()),
            };
            let pad = width.saturating_sub(word.len());
            let _ = write!(line, "  {}{}", palette.paint(word, style), " ".repeat(pad));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let mut ready = format!("{:first$}", "ready");
    let count = summary.hosts.len();
    for (totals, width) in summary.targets.iter().zip(&widths) {
        let _ = write!(ready, "  {:width$}", format!("{}/{count}", totals.ready));
    }
    let _ = writeln!(
        out,
        "{}",
        palette.paint(ready.trim_end(), Style::new().dimmed())
    );

    if summary.causes.is_empty() {
        let _ = writeln!(out, "\nEvery host is ready for every target.");
        return out;
    }
    let _ = writeln!(
        out,
        "\n{}",
        palette.paint(
            "Causes, most hosts first (the finding that decides a verdict that is not ready)",
            Style::new().bold()
        )
    );
    let ids: Vec<String> = summary.causes.iter().map(|c| visible(&c.id)).collect();
    let id_width = ids.iter().map(|id| id.chars().count()).max().unwrap_or(0);
    for (cause, id) in summary.causes.iter().zip(&ids) {
        let hosts = cause.hosts.len();
        let _ = writeln!(
            out,
            "  {id:id_width$}  {hosts:>4} host{}  ({})",
            if hosts == 1 { "" } else { "s" },
            visible(&cause.targets.join(", "))
        );
        let names: Vec<String> = cause.hosts.iter().map(|h| visible(h)).collect();
        for line in wrap(&names.join(", "), 86).lines() {
            let _ = writeln!(out, "      {line}");
        }
    }
    let _ = writeln!(
        out,
        "\n{count} host{}. What a cause means and how to fix it: hostcap explain ID",
        if count == 1 { "" } else { "s" }
    );
    out
}
