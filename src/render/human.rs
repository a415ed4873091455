//! The report a person reads: verdicts first, then why the required target is not ready with
//! evidence and fixes, then what to do instead, best first.

use std::fmt::Write;

use hostcap_probes::finding::{Finding, Status, Step};
use hostcap_probes::recommend::Feasibility;
use hostcap_probes::verdict::{TargetVerdict, Verdict};
use hostcap_probes::{Report, Target};
use owo_colors::Style;

use super::Palette;
use super::layout::{DEFAULT_WIDTH, Layout, blank, columns};

/// The report for a file (a support bundle): as wide as a terminal that says nothing.
pub fn human(report: &Report, required: Target, verbose: bool, palette: Palette) -> String {
    human_fitted(report, required, verbose, palette, DEFAULT_WIDTH)
}

/// The report for a terminal `width` columns wide.
pub fn human_fitted(
    report: &Report,
    required: Target,
    verbose: bool,
    palette: Palette,
    width: usize,
) -> String {
    let safe = super::escape::report(report);
    let report = &safe;
    let layout = Layout::new(width);
    let mut out = String::new();
    header(&mut out, report, palette, layout);
    verdicts(&mut out, report, palette, layout);
    let deciding = report
        .verdict(required)
        .filter(|v| v.verdict != Verdict::Ready || verbose);
    let mut shown: Vec<&str> = Vec::new();
    if let Some(verdict) = deciding {
        let problems: Vec<&Finding> = verdict
            .deciding
            .iter()
            .filter_map(|id| report.finding(id))
            .filter(|f| f.is_problem() || verdict.verdict == Verdict::Ready)
            .collect();
        if !problems.is_empty() {
            let _ = writeln!(
                out,
                "\n{}",
                palette.paint(
                    &format!(
                        "Why {} is {}",
                        required.name(),
                        verdict.verdict.word().to_lowercase()
                    ),
                    Style::new().bold()
                )
            );
            path_line(&mut out, verdict, palette, layout);
            for finding in problems {
                finding_block(&mut out, finding, palette, layout);
                shown.push(finding.id);
            }
        }
    }
    let others: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !shown.contains(&f.id))
        .filter(|f| verbose || matches!(f.status, Status::Fail | Status::Warn))
        .collect();
    if !others.is_empty() {
        let title = if verbose {
            "All findings"
        } else {
            "Also found"
        };
        let _ = writeln!(out, "\n{}", palette.paint(title, Style::new().bold()));
        for finding in others {
            finding_block(&mut out, finding, palette, layout);
        }
    }
    recommendations(&mut out, report, palette, layout);
    footer(
        &mut out,
        report,
        required,
        deciding.and_then(|v| v.deciding.first().copied()),
        layout,
    );
    out
}

fn header(out: &mut String, report: &Report, palette: Palette, layout: Layout) {
    let host = &report.host;
    let mut parts = vec![host.os.clone()];
    if let Some(platform) = &host.platform {
        parts.push(platform.clone());
    }
    match (&host.kernel, &host.arch) {
        (Some(kernel), Some(arch)) => parts.push(format!("kernel {kernel} {arch}")),
        (Some(kernel), None) => parts.push(format!("kernel {kernel}")),
        _ => {}
    }
    match (&host.judged_for, &host.sudo_from) {
        (Some(judged), _) => parts.push(format!("{}, judged by {}", host.user, judged.by)),
        (None, Some(from)) => parts.push(format!(
            "{} via sudo from {from}; use --user {from} to judge {from}",
            host.user
        )),
        (None, None) => parts.push(host.user.clone()),
    }
    if let Some(session) = &host.session {
        parts.push(session.clone());
    }
    let label = format!("{} — ", palette.paint("hostcap", Style::new().bold()));
    // Each part (the platform, the user) stays on one line when it can; lines break after a dot.
    let room = layout.room(columns(&label));
    let last = parts.len() - 1;
    let parts: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(index, part)| {
            if index < last {
                format!("{part} ·")
            } else {
                part.clone()
            }
        })
        .collect();
    let pieces: Vec<&str> = parts
        .iter()
        .flat_map(|part| {
            if columns(part) <= room {
                vec![part.as_str()]
            } else {
                part.split_whitespace().collect()
            }
        })
        .collect();
    layout.pieces(out, &label, &pieces);
    if let Some(recorded) = &host.recorded {
        layout.prose(out, "recorded host: ", recorded);
    }
    if let Some(judged) = &host.judged_for {
        let env: Vec<String> = judged
            .environment
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        layout.prose(out, "assumed: ", &judged.assumption);
        let env: Vec<&str> = env.iter().map(String::as_str).collect();
        layout.pieces(out, "         ", &env);
    }
    if !report.experiments_ran {
        layout.prose(
            out,
            "",
            "experiments not run: verdicts rest on static facts only",
        );
    }
}

fn verdicts(out: &mut String, report: &Report, palette: Palette, layout: Layout) {
    let _ = writeln!(out);
    for verdict in &report.verdicts {
        let word = format!("{:<9}", verdict.verdict.word());
        let label = format!(
            "  {:<16} {} ",
            verdict.target.name(),
            palette.paint(&word, verdict_style(verdict.verdict)),
        );
        layout.prose(out, &label, &verdict.summary);
    }
}

/// The target's path, each requirement with its verdict, so the first broken step shows.
fn path_line(out: &mut String, verdict: &TargetVerdict, palette: Palette, layout: Layout) {
    if verdict.path.len() < 2 {
        return;
    }
    let last = verdict.path.len() - 1;
    let steps: Vec<String> = verdict
        .path
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let word = match step.verdict {
                Verdict::Ready => "ok".to_string(),
                other => other.word().to_string(),
            };
            // A step and its word stay together; lines break after an arrow.
            let arrow = if index < last { " →" } else { "" };
            format!(
                "{} {}{arrow}",
                step.requirement,
                palette.paint(&word, verdict_style(step.verdict))
            )
        })
        .collect();
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    layout.pieces(out, "  path  ", &steps);
}

/// Where a finding's evidence and fixes start: their labels (`seen`, `fix (root)`) begin here.
const DETAIL: &str = "       ";

/// A finding's title hangs after its id, unless that leaves it fewer columns than this (or
/// too few for its longest word); then it starts on the next line, under the evidence.
const TITLE_ROOM: usize = 24;

fn finding_block(out: &mut String, finding: &Finding, palette: Palette, layout: Layout) {
    let word = format!("{:<4}", finding.status.word());
    let label = format!(
        "  {} {}  ",
        palette.paint(&word, status_style(finding.status)),
        palette.paint(finding.id, Style::new().dimmed()),
    );
    let room = layout.room(columns(&label));
    let longest = finding.title.split_whitespace().map(columns).max();
    if room >= TITLE_ROOM && longest.unwrap_or(0) <= room {
        layout.prose(out, &label, &finding.title);
    } else {
        let _ = writeln!(out, "{}", label.trim_end());
        layout.prose(out, DETAIL, &finding.title);
    }
    for (index, evidence) in finding.evidence.iter().enumerate() {
        let label = if index == 0 { "seen" } else { "    " };
        let label = format!("{DETAIL}{label}  ");
        layout.evidence(out, &label, &evidence.source, &evidence.excerpt);
    }
    if finding.is_problem() {
        fix_steps(out, "fix (root)", &finding.fix.with_root, layout);
        fix_steps(out, "fix (user)", &finding.fix.without_root, layout);
    }
}

/// The steps of one side of a fix, the label on the first only.
fn fix_steps(out: &mut String, label: &str, steps: &[Step], layout: Layout) {
    let first = format!("{DETAIL}{label}  ");
    for (index, step) in steps.iter().enumerate() {
        let label = if index == 0 {
            first.clone()
        } else {
            blank(&first)
        };
        step_lines(out, &label, step, layout);
    }
}

/// A command behind a prompt, so that it reads as something to paste, and never broken;
/// advice without one, filled like any text.
fn step_lines(out: &mut String, label: &str, step: &Step, layout: Layout) {
    match step {
        Step::Command(command) => layout.command(out, label, command),
        Step::Prose(advice) => layout.prose(out, label, advice),
    }
}

fn recommendations(out: &mut String, report: &Report, palette: Palette, layout: Layout) {
    if report.recommendations.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        palette.paint("What to do instead (best first)", Style::new().bold())
    );
    let mut rank = 0;
    for rec in &report.recommendations {
        if rec.feasible == Feasibility::No {
            continue;
        }
        rank += 1;
        let unverified = if rec.feasible == Feasibility::Unverified {
            " (unverified)"
        } else {
            ""
        };
        let number = format!("  {rank}. ");
        layout.prose(out, &number, &format!("{}{unverified}", rec.title));
        let indent = blank(&number);
        layout.prose(out, &format!("{indent}why        "), &rec.why);
        for step in &rec.steps {
            step_lines(out, &indent, step, layout);
        }
        layout.prose(out, &format!("{indent}gives up   "), &rec.gives_up);
    }
    let impossible: Vec<String> = report
        .recommendations
        .iter()
        .filter(|r| r.feasible == Feasibility::No)
        .map(|r| format!("{} ({})", r.title, r.why))
        .collect();
    if !impossible.is_empty() {
        layout.prose(out, "  Not possible here: ", &impossible.join("; "));
    }
}

fn footer(
    out: &mut String,
    report: &Report,
    required: Target,
    first: Option<&str>,
    layout: Layout,
) {
    let verdict = report
        .verdict(required)
        .map(|v| v.verdict)
        .unwrap_or(Verdict::Unknown);
    let sentence = format!(
        "Exit {} ({} for {}).",
        verdict.exit_code(),
        verdict.word().to_lowercase(),
        required.name()
    );
    // The commands it names stay whole, as any command in the report.
    let explain = first.map(|id| format!("hostcap explain {id}"));
    let mut pieces: Vec<&str> = sentence.split(' ').collect();
    if let Some(explain) = &explain {
        pieces.extend(["Details:", explain.as_str(), "·"]);
    }
    pieces.push("hostcap --json");
    out.push('\n');
    layout.pieces(out, "", &pieces);
}

pub(super) fn verdict_style(verdict: Verdict) -> Style {
    match verdict {
        Verdict::Ready => Style::new().green().bold(),
        Verdict::Degraded => Style::new().yellow().bold(),
        Verdict::Blocked => Style::new().red().bold(),
        Verdict::Unknown => Style::new().magenta().bold(),
    }
}

fn status_style(status: Status) -> Style {
    match status {
        Status::Ok => Style::new().green(),
        Status::Info => Style::new().blue(),
        Status::Warn => Style::new().yellow(),
        Status::Fail => Style::new().red().bold(),
        Status::Unknown => Style::new().magenta(),
    }
}
