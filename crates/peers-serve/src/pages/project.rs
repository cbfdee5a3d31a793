//! A project's other pages: the diff since the baseline (highlighted), the bug ledger with the
//! commits that filed and resolved each bug, the reviews (`peers review` verdicts and the soft
//! reviews the ticks ingested), and the warnings and integrity findings of every tick.

use std::fmt::Write as _;

use crate::highlight;
use crate::html::{Shell, escape, page, project_nav, url_part};
use crate::read::history::{read_diff, read_history};
use crate::read::reviews::read_reviews;
use crate::read::ticks::read_run_log;
use crate::source::ProjectEntry;

fn wrap(entry: &ProjectEntry, title: &str, body: &str) -> String {
    let main = format!(
        "<h1>{} · {}</h1>{}{body}",
        escape(&entry.name),
        escape(title),
        project_nav(&entry.name)
    );
    page(
        &Shell {
            title: &format!("{} {title}", entry.name),
            live: None,
        },
        &main,
    )
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

pub fn diff(entry: &ProjectEntry) -> String {
    let body = match read_diff(&entry.path) {
        Ok((text, _)) if text.is_empty() => "<p>No change since the baseline.</p>".to_owned(),
        Ok((text, cut)) => format!(
            r#"{}<pre class="diff" id="diff">{}</pre>"#,
            if cut {
                "<p class=\"notice\">The diff is longer than 4 MiB; the rest is cut.</p>"
            } else {
                ""
            },
            highlight::diff(&text)
        ),
        Err(err) => format!(r#"<p class="notice">{}</p>"#, escape(&err.to_string())),
    };
    wrap(entry, "diff since baseline", &body)
}

pub fn bugs(entry: &ProjectEntry) -> String {
    let history = match read_history(&entry.path) {
        Ok(history) => history,
        Err(err) => {
            return wrap(
                entry,
                "bugs",
                &format!(r#"<p class="notice">{}</p>"#, escape(&err.to_string())),
            );
        }
    };
    let mut body = format!(
        r#"<table id="bugs" data-count="{}"><thead><tr><th>Bug</th><th>Severity</th><th>Title</th><th>Filed by</th><th>Filing commit</th><th>Status</th><th>Resolved by</th><th>Resolving commit</th></tr></thead><tbody>"#,
        history.bugs.len()
    );
    for bug in &history.bugs {
        let _ = write!(
            body,
            r#"<tr data-bug="{id}" data-status="{status}"><td>{id}</td><td>{sev}</td><td>{title}</td><td>{by}</td><td><code>{filed}</code></td><td class="{class}">{status}{flag}{reverted}</td><td>{resolver}</td><td><code>{resolved}</code></td></tr>"#,
            id = escape(&bug.id),
            sev = escape(&bug.severity),
            title = escape(&bug.title),
            by = escape(bug.found_by.as_deref().unwrap_or("?")),
            filed = escape(short(&bug.filed_sha)),
            class = if bug.open { "bad" } else { "ok" },
            status = escape(&bug.status),
            flag = bug
                .flag
                .as_deref()
                .map(|f| format!(" ({})", escape(f)))
                .unwrap_or_default(),
            reverted = if bug.fix_reverted {
                " (fix reverted)"
            } else {
                ""
            },
            resolver = escape(bug.resolved_by.as_deref().unwrap_or("")),
            resolved = escape(bug.resolved_sha.as_deref().map(short).unwrap_or("")),
        );
    }
    body.push_str("</tbody></table>");
    if !history.warnings.is_empty() {
        body.push_str("<h2>Ledger warnings</h2><ul>");
        for warning in &history.warnings {
            let _ = write!(body, "<li>{}</li>", escape(warning));
        }
        body.push_str("</ul>");
    }
    wrap(entry, "bug ledger", &body)
}

pub fn reviews(entry: &ProjectEntry) -> String {
    let reviews = read_reviews(&entry.path);
    let mut body = format!(
        r#"<h2>peers review</h2><table id="reviews" data-count="{}"><thead><tr><th>When</th><th>Scope</th><th>Converged</th><th class="num">Issues</th><th class="num">Critical</th><th class="num">Important</th><th class="num">Minor</th><th class="num">Contested</th><th class="num">Dismissed</th></tr></thead><tbody>"#,
        reviews.len()
    );
    for review in &reviews {
        let _ = write!(
            body,
            r##"<tr><td><a href="#review-{id}">{stamp}</a></td><td>{scope}</td><td>{conv}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"##,
            review.issues_total,
            review.critical,
            review.important,
            review.minor,
            review.contested,
            review.dismissed,
            id = url_part(&review.stamp),
            stamp = escape(&review.stamp),
            scope = escape(&review.scope),
            conv = if !review.reviewed {
                "nothing reviewed"
            } else if review.converged {
                "yes"
            } else {
                "no"
            },
        );
    }
    body.push_str("</tbody></table>");
    for review in &reviews {
        let _ = write!(
            body,
            r#"<h3 id="review-{}">{}</h3><pre>{}</pre>"#,
            url_part(&review.stamp),
            escape(&review.stamp),
            escape(&review.markdown)
        );
    }
    body.push_str("<h2>Soft reviews in ticks</h2>");
    match read_run_log(&entry.path) {
        Ok(log) => {
            body.push_str(r#"<table id="soft-reviews"><thead><tr><th class="num">Tick</th><th>Peer</th><th class="num">Seen</th><th class="num">Ingested</th><th class="num">Rejected</th></tr></thead><tbody>"#);
            for tick in log.ticks.iter().filter(|t| {
                t.soft_reviews_seen + t.soft_reviews_ingested + t.soft_reviews_rejected > 0
            }) {
                let _ = write!(
                    body,
                    r#"<tr><td class="num">{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                    tick.iteration,
                    escape(&tick.peer),
                    tick.soft_reviews_seen,
                    tick.soft_reviews_ingested,
                    tick.soft_reviews_rejected
                );
            }
            body.push_str("</tbody></table>");
        }
        Err(err) => {
            let _ = write!(
                body,
                r#"<p class="notice">{}</p>"#,
                escape(&err.to_string())
            );
        }
    }
    wrap(entry, "reviews", &body)
}

pub fn findings(entry: &ProjectEntry) -> String {
    let log = match read_run_log(&entry.path) {
        Ok(log) => log,
        Err(err) => {
            return wrap(
                entry,
                "findings",
                &format!(r#"<p class="notice">{}</p>"#, escape(&err.to_string())),
            );
        }
    };
    let mut body = String::from(
        r#"<table id="findings"><thead><tr><th class="num">Tick</th><th>Peer</th><th>Kind</th><th>Finding</th></tr></thead><tbody>"#,
    );
    let mut total = 0;
    for tick in &log.ticks {
        for (kind, items) in [
            ("warning", &tick.warnings_emitted),
            ("integrity", &tick.integrity),
            ("identity", &tick.identity_violations),
        ] {
            for item in items {
                total += 1;
                let _ = write!(
                    body,
                    r#"<tr data-kind="{kind}"><td class="num">{}</td><td>{}</td><td>{kind}</td><td>{}</td></tr>"#,
                    tick.iteration,
                    escape(&tick.peer),
                    escape(item)
                );
            }
        }
    }
    body.push_str("</tbody></table>");
    if total == 0 {
        body.push_str("<p>No warning or integrity finding in any tick.</p>");
    }
    wrap(entry, "warnings and integrity findings", &body)
}
