//! The verdict as Markdown, in the seed's report layout (printed and saved as `verdict.md`).

use std::fmt::Write as _;

use super::state::IssueState;
use super::verdict::{ReviewVerdict, VerdictEntry};

/// The whole report.
pub fn render_markdown(verdict: &ReviewVerdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Peer Review Result — {}\n", verdict.scope);
    let _ = writeln!(out, "**Mode:** {}", verdict.mode);
    let ending = if !verdict.reviewed {
        "NO REVIEW: every reviewer failed"
    } else if verdict.converged {
        "converged"
    } else {
        "cap reached"
    };
    let _ = writeln!(out, "**Rounds:** {} ({ending})", verdict.rounds);
    let _ = writeln!(
        out,
        "**Issues canonical:** {} total, {} from several reviewers, {} unique to one\n",
        verdict.issues_total, verdict.issues_from_several, verdict.issues_unique
    );
    let everyone: Vec<&str> = verdict.reviewers.iter().map(|r| r.name.as_str()).collect();
    section(&mut out, "Critical", &verdict.critical, |out, e| {
        plain(out, e, &everyone)
    });
    section(&mut out, "Important", &verdict.important, |out, e| {
        plain(out, e, &everyone)
    });
    section(&mut out, "Minor", &verdict.minor, |out, e| {
        plain(out, e, &everyone)
    });
    section(
        &mut out,
        "Escalated — needs external arbitration",
        &verdict.arbitration,
        |out, e| plain(out, e, &everyone),
    );
    section(
        &mut out,
        "Contested (reviewers held their positions)",
        &verdict.contested,
        contested,
    );
    section(
        &mut out,
        "Dismissed (raised but withdrawn)",
        &verdict.dismissed,
        dismissed,
    );
    section(&mut out, "Style notes", &verdict.style_notes, |out, e| {
        let _ = writeln!(out, "- `{}` — {}", e.location, e.claim);
    });
    let _ = writeln!(out, "### Process notes");
    for note in &verdict.process_notes {
        let _ = writeln!(out, "- {note}");
    }
    for reviewer in &verdict.reviewers {
        let cost = reviewer
            .usd
            .map_or("cost unknown".to_owned(), |usd| format!("${usd:.4}"));
        let _ = writeln!(
            out,
            "- {} ({}): {} round(s), {} input / {} cached / {} cache-write / {} output tokens, {cost}, {:.1} s; read-only: {}",
            reviewer.name,
            reviewer.tool,
            reviewer.rounds_answered,
            reviewer.input_tokens,
            reviewer.cached_tokens,
            reviewer.cache_write_tokens,
            reviewer.output_tokens,
            reviewer.seconds,
            reviewer.read_only
        );
    }
    out
}

fn section(
    out: &mut String,
    title: &str,
    entries: &[VerdictEntry],
    line: impl Fn(&mut String, &VerdictEntry),
) {
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(out, "### {title}");
    for entry in entries {
        line(out, entry);
    }
    out.push('\n');
}

/// `both` / `all` when every reviewer raised it, else the names.
fn source(entry: &VerdictEntry, everyone: &[&str]) -> String {
    let all = everyone.len() > 1
        && everyone
            .iter()
            .all(|name| entry.sources.iter().any(|s| s == name));
    match (all, everyone.len()) {
        (true, 2) => "both".to_owned(),
        (true, _) => "all".to_owned(),
        _ => entry.sources.join(", "),
    }
}

fn plain(out: &mut String, entry: &VerdictEntry, everyone: &[&str]) {
    let _ = writeln!(
        out,
        "- `{}` — {} ({})",
        entry.location,
        entry.claim,
        entry.severity.as_str()
    );
    let _ = writeln!(out, "  - Evidence: {}", entry.evidence);
    let _ = writeln!(out, "  - Source: {}", source(entry, everyone));
}

fn contested(out: &mut String, entry: &VerdictEntry) {
    let _ = writeln!(
        out,
        "- `{}` — {} ({})",
        entry.location,
        entry.claim,
        entry.severity.as_str()
    );
    let _ = writeln!(out, "  - Evidence: {}", entry.evidence);
    if entry.views.is_empty() {
        let _ = writeln!(out, "  - Never debated: raised in the last round");
    }
    for view in &entry.views {
        let _ = writeln!(
            out,
            "  - {}'s view: {} — {}",
            view.reviewer,
            view.stance.as_str(),
            view.reasoning
        );
    }
    let recommendation = match entry.state {
        IssueState::Deferred => "defended without new evidence; decide from the evidence above",
        _ => "the rounds ran out; decide from the evidence above or rerun with --max-rounds",
    };
    let _ = writeln!(out, "  - Recommendation: {recommendation}");
}

fn dismissed(out: &mut String, entry: &VerdictEntry) {
    let why: Vec<String> = entry
        .views
        .iter()
        .filter(|v| !v.reasoning.is_empty())
        .map(|v| format!("{}: {}", v.reviewer, v.reasoning))
        .collect();
    let why = if why.is_empty() {
        "withdrawn".to_owned()
    } else {
        why.join("; ")
    };
    let _ = writeln!(out, "- `{}` — {} — {why}", entry.location, entry.claim);
}
