//! Analytics across runs, per peer, per agent CLI and per CLI and model: ticks and success rate, bugs filed and how
//! they ended (confirmed: fixed, deferred or wontfix; rejected: invalid or duplicate), fixes and
//! fixes that held (the bug is closed, its fixing commit was not reverted and no later report
//! flagged the fix weak or shallow), `peers review` findings accepted that the peer raised,
//! soft reviews ingested, tokens, cost and cost per fix that held. Pure over the records read.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::read::reviews::ReviewRun;
use peers_store::run_record::TickRecord;

use crate::read::History;

/// One project's records, as read.
#[derive(Debug, Clone, Default)]
pub struct ProjectRecords {
    pub name: String,
    pub ticks: Vec<TickRecord>,
    pub history: History,
    pub reviews: Vec<ReviewRun>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatsRow {
    /// The peer's name, the agent CLI, or the CLI and its model (`codex · gpt-5`; `claude ·
    /// default model` when the peer named none).
    pub key: String,
    /// Projects it took part in.
    pub runs: u64,
    pub ticks: u64,
    pub successful_ticks: u64,
    pub success_rate: Option<f64>,
    pub bugs_filed: u64,
    pub bugs_confirmed: u64,
    pub bugs_rejected: u64,
    pub fixes: u64,
    pub fixes_held: u64,
    pub review_findings_accepted: u64,
    pub soft_reviews_ingested: u64,
    pub tokens: u64,
    pub cost_usd: f64,
    /// Ticks whose cost the CLI did not report (not in `cost_usd`).
    pub ticks_cost_unknown: u64,
    pub cost_per_fix_held: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub projects: u64,
    pub by_peer: Vec<StatsRow>,
    pub by_tool: Vec<StatsRow>,
    pub by_model: Vec<StatsRow>,
}

/// Who did the work of a tick or a bug: the peer, its CLI and its model.
pub struct Doer<'a> {
    pub peer: &'a str,
    pub tool: &'a str,
    pub model: &'a str,
}

/// The row of a CLI and model.
fn model_key(doer: &Doer<'_>) -> String {
    if doer.model.is_empty() {
        format!("{} · default model", doer.tool)
    } else {
        format!("{} · {}", doer.tool, doer.model)
    }
}

/// Which rows one project adds to (per peer, or per tool and model through the peer's latest
/// tick: bugs and review findings carry only the peer's name).
fn add_project(
    rows: &mut BTreeMap<String, StatsRow>,
    project: &ProjectRecords,
    key_of: &dyn Fn(&Doer<'_>) -> String,
) {
    let mut latest: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for tick in &project.ticks {
        latest.insert(
            tick.peer.as_str(),
            (tick.tool.as_str(), tick.model.as_deref().unwrap_or("")),
        );
    }
    let key_for_peer = |peer: &str| {
        let (tool, model) = latest.get(peer).copied().unwrap_or(("?", ""));
        key_of(&Doer { peer, tool, model })
    };
    let mut seen: Vec<String> = Vec::new();
    let row = |key: String, seen: &mut Vec<String>| -> String {
        if !seen.contains(&key) {
            seen.push(key.clone());
        }
        key
    };
    for tick in &project.ticks {
        let doer = Doer {
            peer: &tick.peer,
            tool: &tick.tool,
            model: tick.model.as_deref().unwrap_or(""),
        };
        let key = row(key_of(&doer), &mut seen);
        let entry = rows.entry(key.clone()).or_insert_with(|| StatsRow {
            key,
            ..StatsRow::default()
        });
        entry.ticks += 1;
        entry.successful_ticks += u64::from(tick.success);
        entry.tokens += tick.tokens_this_tick;
        entry.soft_reviews_ingested += u64::from(tick.soft_reviews_ingested);
        match tick.usd_this_tick {
            Some(usd) => entry.cost_usd += usd,
            None => entry.ticks_cost_unknown += 1,
        }
    }
    for bug in &project.history.bugs {
        if let Some(peer) = &bug.found_by {
            let key = row(key_for_peer(peer), &mut seen);
            let entry = rows.entry(key.clone()).or_insert_with(|| StatsRow {
                key,
                ..StatsRow::default()
            });
            entry.bugs_filed += 1;
            match bug.status.as_str() {
                "fixed" | "deferred" | "wontfix" => entry.bugs_confirmed += 1,
                "invalid" | "duplicate" => entry.bugs_rejected += 1,
                _ => {}
            }
        }
        if bug.status == "fixed"
            && let Some(peer) = &bug.resolved_by
        {
            let key = row(key_for_peer(peer), &mut seen);
            let entry = rows.entry(key.clone()).or_insert_with(|| StatsRow {
                key,
                ..StatsRow::default()
            });
            entry.fixes += 1;
            if !bug.open && !bug.fix_reverted && bug.flag.is_none() {
                entry.fixes_held += 1;
            }
        }
    }
    for review in &project.reviews {
        for (source, accepted) in &review.accepted_by_source {
            let key = row(key_for_peer(source), &mut seen);
            let entry = rows.entry(key.clone()).or_insert_with(|| StatsRow {
                key,
                ..StatsRow::default()
            });
            entry.review_findings_accepted += accepted;
        }
    }
    for key in seen {
        if let Some(entry) = rows.get_mut(&key) {
            entry.runs += 1;
        }
    }
}

fn finish(rows: BTreeMap<String, StatsRow>) -> Vec<StatsRow> {
    rows.into_values()
        .map(|mut row| {
            row.success_rate =
                (row.ticks > 0).then(|| row.successful_ticks as f64 / row.ticks as f64);
            row.cost_per_fix_held =
                (row.fixes_held > 0).then(|| row.cost_usd / row.fixes_held as f64);
            row
        })
        .collect()
}

/// The analytics over `projects`.
pub fn collect_stats(projects: &[ProjectRecords]) -> Stats {
    let mut by_peer = BTreeMap::new();
    let mut by_tool = BTreeMap::new();
    let mut by_model = BTreeMap::new();
    for project in projects {
        add_project(&mut by_peer, project, &|doer| doer.peer.to_owned());
        add_project(&mut by_tool, project, &|doer| doer.tool.to_owned());
        add_project(&mut by_model, project, &model_key);
    }
    Stats {
        projects: projects.len() as u64,
        by_peer: finish(by_peer),
        by_tool: finish(by_tool),
        by_model: finish(by_model),
    }
}

/// Reads every project's records for the analytics; what could not be read is reported by
/// project name and left out (a project without git history still counts its ticks).
pub fn gather(entries: &[crate::source::ProjectEntry]) -> (Vec<ProjectRecords>, Vec<String>) {
    let mut problems = Vec::new();
    let mut records = Vec::with_capacity(entries.len());
    for entry in entries {
        let ticks = match crate::read::ticks::read_run_log(&entry.path) {
            Ok(log) => log.ticks,
            Err(err) => {
                problems.push(format!("{}: {err}", entry.name));
                Vec::new()
            }
        };
        let history = if entry.path.join(".git").exists() {
            crate::read::history::read_history(&entry.path).unwrap_or_else(|err| {
                problems.push(format!("{}: {err}", entry.name));
                History::default()
            })
        } else {
            History::default()
        };
        records.push(ProjectRecords {
            name: entry.name.clone(),
            ticks,
            history,
            reviews: crate::read::reviews::read_reviews(&entry.path),
        });
    }
    (records, problems)
}

/// The analytics as two plain-text tables (per peer, per agent CLI).
pub fn render_text(stats: &Stats) -> String {
    use std::fmt::Write as _;
    let mut out = format!("across {} project(s)\n", stats.projects);
    for (label, rows) in [
        ("peer", &stats.by_peer),
        ("agent CLI", &stats.by_tool),
        ("CLI and model", &stats.by_model),
    ] {
        let _ = writeln!(
            out,
            "\n{label:<14} {:>4} {:>6} {:>7} {:>5} {:>5} {:>5} {:>5} {:>5} {:>6} {:>10} {:>10} {:>12}",
            "runs",
            "ticks",
            "success",
            "filed",
            "conf",
            "rej",
            "fixes",
            "held",
            "review",
            "tokens",
            "cost",
            "cost/fix"
        );
        for row in rows.iter() {
            let _ = writeln!(
                out,
                "{:<14} {:>4} {:>6} {:>7} {:>5} {:>5} {:>5} {:>5} {:>5} {:>6} {:>10} {:>10} {:>12}",
                row.key,
                row.runs,
                row.ticks,
                row.success_rate
                    .map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0)),
                row.bugs_filed,
                row.bugs_confirmed,
                row.bugs_rejected,
                row.fixes,
                row.fixes_held,
                row.review_findings_accepted,
                row.tokens,
                format!("${:.2}", row.cost_usd),
                row.cost_per_fix_held
                    .map_or_else(|| "—".to_owned(), |c| format!("${c:.2}")),
            );
        }
    }
    out.push_str("\nconf: confirmed (fixed, deferred, wontfix); rej: rejected (invalid, duplicate); held: fixes not reverted, not reopened; review: `peers review` findings accepted\n");
    out
}
