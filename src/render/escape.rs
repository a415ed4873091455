//! Text from the host (file lines, helper stderr, host names) may hold terminal control
//! sequences; printed raw, a hostile recording could rewrite the screen or the title bar. The
//! human report shows every control character as a visible escape instead.

use hostcap_probes::Report;

/// `\x1b[2J` stays visible as text; tabs become spaces.
pub fn visible(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '\t' => " ".to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn fix(text: &mut String) {
    *text = visible(text);
}

/// A copy of the report whose host-derived text is safe to print on a terminal.
pub fn report(report: &Report) -> Report {
    let mut safe = report.clone();
    let host = &mut safe.host;
    fix(&mut host.os);
    fix(&mut host.user);
    for text in [
        &mut host.platform,
        &mut host.kernel,
        &mut host.arch,
        &mut host.session,
        &mut host.recorded,
    ]
    .into_iter()
    .flatten()
    {
        fix(text);
    }
    for verdict in &mut safe.verdicts {
        fix(&mut verdict.summary);
        if let Some(program) = &mut verdict.program {
            fix(program);
        }
        for step in &mut verdict.path {
            fix(&mut step.summary);
        }
    }
    for finding in &mut safe.findings {
        fix(&mut finding.title);
        for evidence in &mut finding.evidence {
            fix(&mut evidence.source);
            // An excerpt of several lines (a uid_map, a config file) keeps them.
            let lines: Vec<String> = evidence.excerpt.split('\n').map(visible).collect();
            evidence.excerpt = lines.join("\n");
        }
        for step in finding.fix.with_root.iter_mut() {
            fix(step.text_mut());
        }
        for step in finding.fix.without_root.iter_mut() {
            fix(step.text_mut());
        }
    }
    for rec in &mut safe.recommendations {
        fix(&mut rec.title);
        fix(&mut rec.why);
        for step in rec.steps.iter_mut() {
            fix(step.text_mut());
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(visible("ok"), "ok");
        assert_eq!(visible("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(visible("x\ty\r"), "x y\\r");
    }
}
