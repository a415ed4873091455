//! The report a person reads: verdicts first, then why the required target is not ready with
//! evidence and fixes, then what to do instead, best first.

use std::fmt::Write;

use hostcap_probes::finding::{Finding, Status, Step};
use hostcap_probes::recommend::Feasibility;
use hostcap_probes::verdict::{TargetVerdict, Verdict};
use hostcap_probes::{Report, Target};
use owo_colors::Style;

use super::Palette;

pub fn human(report: &Report, required: Target, verbose: bool, palette: Palette) -> String {
    let safe = super::escape::report(report);
    let report = &safe;
    let mut out = String::new();
    header(&mut out, report, palette);
    verdicts(&mut out, report, palette);
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
            path_line(&mut out, verdict, palette);
            for finding in problems {
                finding_block(&mut out, finding, palette);
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
            finding_block(&mut out, finding, palette);
        }
    }
    recommendations(&mut out, report, palette);
    footer(
        &mut out,
        report,
        required,
        deciding.and_then(|v| v.deciding.first().copied()),
    );
    out
}

fn header(out: &mut String, report: &Report, palette: Palette) {
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
    let _ = writeln!(
        out,
        "{} — {}",
        palette.paint("hostcap", Style::new().bold()),
        parts.join(" · ")
    );
    if let Some(recorded) = &host.recorded {
        let _ = writeln!(out, "recorded host: {recorded}");
    }
    if let Some(judged) = &host.judged_for {
        let env: Vec<String> = judged
            .environment
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let _ = writeln!(out, "assumed: {}", judged.assumption);
        let _ = writeln!(out, "         {}", env.join(" "));
    }
    if !report.experiments_ran {
        let _ = writeln!(
            out,
            "experiments not run: verdicts rest on static facts only"
        );
    }
}

fn verdicts(out: &mut String, report: &Report, palette: Palette) {
    let _ = writeln!(out);
    for verdict in &report.verdicts {
        let word = format!("{:<9}", verdict.verdict.word());
        let _ = writeln!(
            out,
            "  {:<16} {} {}",
            verdict.target.name(),
            palette.paint(&word, verdict_style(verdict.verdict)),
            verdict.summary
        );
    }
}

/// The target's path, each requirement with its verdict, so the first broken step shows.
fn path_line(out: &mut String, verdict: &TargetVerdict, palette: Palette) {
    if verdict.path.len() < 2 {
        return;
    }
    let steps: Vec<String> = verdict
        .path
        .iter()
        .map(|step| {
            let word = match step.verdict {
                Verdict::Ready => "ok".to_string(),
                other => other.word().to_string(),
            };
            format!(
                "{} {}",
                step.requirement,
                palette.paint(&word, verdict_style(step.verdict))
            )
        })
        .collect();
    let _ = writeln!(out, "  path  {}", steps.join(" → "));
}

fn finding_block(out: &mut String, finding: &Finding, palette: Palette) {
    let word = format!("{:<4}", finding.status.word());
    let _ = writeln!(
        out,
        "  {} {}  {}",
        palette.paint(&word, status_style(finding.status)),
        palette.paint(finding.id, Style::new().dimmed()),
        finding.title
    );
    for (index, evidence) in finding.evidence.iter().enumerate() {
        let label = if index == 0 { "seen" } else { "    " };
        let _ = writeln!(
            out,
            "       {label}  {}: {}",
            evidence.source, evidence.excerpt
        );
    }
    if finding.is_problem() {
        for (index, command) in finding.fix.with_root.iter().enumerate() {
            let label = if index == 0 {
                "fix (root)"
            } else {
                "          "
            };
            let _ = writeln!(out, "       {label}  {}", shown(command));
        }
        for (index, step) in finding.fix.without_root.iter().enumerate() {
            let label = if index == 0 {
                "fix (user)"
            } else {
                "          "
            };
            let _ = writeln!(out, "       {label}  {}", shown(step));
        }
    }
}

/// A command behind a prompt, so that it reads as something to paste; advice without one.
fn shown(step: &Step) -> String {
    match step {
        Step::Command(command) => format!("$ {command}"),
        Step::Prose(advice) => advice.clone(),
    }
}

fn recommendations(out: &mut String, report: &Report, palette: Palette) {
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
        let _ = writeln!(out, "  {rank}. {}{unverified}", rec.title);
        let _ = writeln!(out, "     why        {}", rec.why);
        for step in &rec.steps {
            let _ = writeln!(out, "     {}", shown(step));
        }
        let _ = writeln!(out, "     gives up   {}", rec.gives_up);
    }
    let impossible: Vec<String> = report
        .recommendations
        .iter()
        .filter(|r| r.feasible == Feasibility::No)
        .map(|r| format!("{} ({})", r.title, r.why))
        .collect();
    if !impossible.is_empty() {
        let _ = writeln!(out, "  Not possible here: {}", impossible.join("; "));
    }
}

fn footer(out: &mut String, report: &Report, required: Target, first: Option<&str>) {
    let verdict = report
        .verdict(required)
        .map(|v| v.verdict)
        .unwrap_or(Verdict::Unknown);
    let mut line = format!(
        "\nExit {} ({} for {}).",
        verdict.exit_code(),
        verdict.word().to_lowercase(),
        required.name()
    );
    if let Some(id) = first {
        let _ = write!(line, " Details: hostcap explain {id} ·");
    }
    line.push_str(" hostcap --json");
    let _ = writeln!(out, "{line}");
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
