//! `checkoff-by-other-peer` and `step-tests-3-class`: what each checked-off step's history
//! shows. Who made a commit is the orchestrator's attestation (`.peers/log/attest.jsonl`,
//! the run's facts), never a trailer a peer writes; the checkoff is the commit whose PLAN.md
//! diff turns the step's mark into `[x]`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use peers_core::plan::Step;
use peers_core::unified_diff::{self, FilePatch};
use regex::Regex;

use super::GateContext;
use super::error::BuiltinError;
use super::plan::{PLAN_PATH, live_plan, peers_dir, touches};
use super::plan_tests::{TestClass, classes_missing, tests_added};
use crate::verdict::Verdict;

static MARK_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^- \[([^\]]*)\] \[STEP-([0-9]{1,6})\]").ok());

/// Attested authors: the run's facts and `.peers/log/attest.jsonl` (sha → peer).
pub(crate) fn attested_authors(ctx: &GateContext<'_>) -> BTreeMap<String, String> {
    let mut authors = BTreeMap::new();
    if let Some(dir) = peers_dir(ctx)
        && let Ok(Some(bytes)) = peers_store::safe_fs::read_control_file_if_exists(
            &dir.log_dir().join("attest.jsonl"),
            64 * 1024 * 1024,
        )
    {
        for line in bytes.split(|b| *b == b'\n') {
            if let Ok(entry) = serde_json::from_slice::<serde_json::Value>(line)
                && let (Some(sha), Some(peer)) = (entry["sha"].as_str(), entry["peer"].as_str())
            {
                authors.insert(sha.to_owned(), peer.to_owned());
            }
        }
    }
    if let Some(run) = ctx.run {
        authors.extend(run.commit_authors.clone());
    }
    authors
}

/// Every non-merge commit of `range`, oldest first, with its files' patches.
fn patches(
    ctx: &GateContext<'_>,
    range: &str,
) -> Result<Vec<(String, Vec<FilePatch>)>, BuiltinError> {
    let patches = ctx
        .git
        .commit_patches(range)
        .map_err(|source| BuiltinError::git("read history", source))?;
    Ok(patches
        .into_iter()
        .map(|p| (p.sha, unified_diff::parse(&p.patch)))
        .collect())
}

/// The commits since `peers-baseline` (the plan is committed before it is tagged), or all of
/// HEAD's history when there is no baseline.
pub(crate) fn history(
    ctx: &GateContext<'_>,
) -> Result<Vec<(String, Vec<FilePatch>)>, BuiltinError> {
    match super::scope::baseline_commit(ctx) {
        Ok(baseline) => patches(ctx, &format!("{baseline}..HEAD")),
        Err(_) => patches(ctx, "HEAD"),
    }
}

/// `history`, or all of HEAD's history when a done step's checkoff is older than the
/// baseline (a project re-initialised half-way).
fn history_with_checkoffs(
    ctx: &GateContext<'_>,
    plan: &peers_core::plan::Plan,
) -> Result<Vec<(String, Vec<FilePatch>)>, BuiltinError> {
    let recent = history(ctx)?;
    let found = checkoffs(&recent);
    if plan
        .steps
        .iter()
        .filter(|s| s.mark.is_done())
        .all(|s| found.contains_key(&s.number))
    {
        return Ok(recent);
    }
    patches(ctx, "HEAD")
}

/// Step number → the newest commit whose PLAN.md diff turns the step into `[x]`.
fn checkoffs(history: &[(String, Vec<FilePatch>)]) -> BTreeMap<u32, String> {
    let mut found = BTreeMap::new();
    let mark_of = |line: &str| -> Option<(String, u32)> {
        let captures = MARK_LINE.as_ref()?.captures(line)?;
        Some((captures[1].to_owned(), captures[2].parse().ok()?))
    };
    for (sha, files) in history {
        for file in files.iter().filter(|f| f.path == PLAN_PATH) {
            let before: BTreeMap<u32, String> = file
                .removed
                .iter()
                .filter_map(|(_, line)| mark_of(line).map(|(mark, n)| (n, mark)))
                .collect();
            for (_, line) in &file.added {
                if let Some((mark, n)) = mark_of(line)
                    && (mark == "x" || mark == "X")
                    && before.get(&n).is_some_and(|m| m != "x" && m != "X")
                {
                    found.insert(n, sha.clone());
                }
            }
        }
    }
    found
}

fn full_sha(ctx: &GateContext<'_>, sha: &str) -> Option<String> {
    ctx.git
        .rev_parse(&format!("{sha}^{{commit}}"))
        .ok()
        .flatten()
}

pub(crate) fn checkoff_by_other_peer(ctx: &GateContext<'_>) -> Verdict {
    let name = "checkoff-by-other-peer";
    let found = live_plan(ctx).and_then(|p| {
        let history = history_with_checkoffs(ctx, &p)?;
        Ok((p, history))
    });
    let (plan, history) = match found {
        Ok(found) => found,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let authors = attested_authors(ctx);
    let checked = checkoffs(&history);
    let mut problems = Vec::new();
    for step in plan.steps.iter().filter(|s| s.mark.is_done()) {
        if let Err(problem) = one_checkoff(ctx, step, &history, &checked, &authors) {
            problems.push(format!("  {}: {problem}", step.id()));
        }
    }
    if problems.is_empty() {
        Verdict::pass(format!(
            "{name}: {} steps were checked off by a peer other than their implementer",
            plan.done_count()
        ))
    } else {
        Verdict::fail(format!(
            "{name}: a step is done only when another peer reviewed it and checked it off:\n{}",
            problems.join("\n")
        ))
    }
}

/// Why a done step's checkoff does not count.
#[derive(Debug, thiserror::Error)]
enum CheckoffProblem {
    #[error("no commit turns it from open to [x] in PLAN.md")]
    NoCheckoff,
    #[error(
        "the checkoff commit {short} is not attested to any peer (it was made outside a peer's \
         turn)"
    )]
    CheckoffUnattested { short: String },
    #[error("its commit {short} is not attested to any peer")]
    CommitUnattested { short: String },
    #[error(
        "checked off in {short} by {checker}, who also made {made} for it; the other peer must \
         review the step and check it off"
    )]
    SamePeer {
        short: String,
        checker: String,
        made: String,
    },
}

fn one_checkoff(
    ctx: &GateContext<'_>,
    step: &Step,
    history: &[(String, Vec<FilePatch>)],
    checked: &BTreeMap<u32, String>,
    authors: &BTreeMap<String, String>,
) -> Result<(), CheckoffProblem> {
    let Some(checkoff) = checked.get(&step.number) else {
        return Err(CheckoffProblem::NoCheckoff);
    };
    let short = &checkoff[..checkoff.len().min(7)];
    let Some(checker) = authors.get(checkoff) else {
        return Err(CheckoffProblem::CheckoffUnattested {
            short: short.to_owned(),
        });
    };
    let mut implementers: Vec<(String, String)> = Vec::new();
    if let Some(sha) = step.sha.as_deref().and_then(|s| full_sha(ctx, s)) {
        match authors.get(&sha) {
            Some(peer) => implementers.push((peer.clone(), sha)),
            None => {
                return Err(CheckoffProblem::CommitUnattested {
                    short: sha[..7].to_owned(),
                });
            }
        }
    }
    // The last commit before the checkoff touching each file the step touches.
    let position = history
        .iter()
        .position(|(sha, _)| sha == checkoff)
        .unwrap_or(0);
    for touched in &step.touches {
        let last = history[..position].iter().rev().find(|(_, files)| {
            files
                .iter()
                .any(|f| touches(std::slice::from_ref(touched), &f.path))
        });
        if let Some((sha, _)) = last
            && let Some(peer) = authors.get(sha)
        {
            implementers.push((peer.clone(), sha.clone()));
        }
    }
    match implementers.iter().find(|(peer, _)| peer == checker) {
        Some((_, sha)) => Err(CheckoffProblem::SamePeer {
            short: short.to_owned(),
            checker: checker.clone(),
            made: sha[..sha.len().min(7)].to_owned(),
        }),
        None => Ok(()),
    }
}

pub(crate) fn step_tests_3_class(ctx: &GateContext<'_>) -> Verdict {
    let name = "step-tests-3-class";
    let (plan, history) = match live_plan(ctx).and_then(|p| Ok((p, history(ctx)?))) {
        Ok(found) => found,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let mut problems = Vec::new();
    let mut judged = 0;
    for step in plan.steps.iter().filter(|s| s.mark.is_done()) {
        if step.trivial || step.pure_documentation || step.pure_refactor {
            continue;
        }
        judged += 1;
        let Some(sha) = step.sha.as_deref().and_then(|s| full_sha(ctx, s)) else {
            problems.push(format!(
                "  {}: names no commit whose tests can be read",
                step.id()
            ));
            continue;
        };
        // A step commit older than the baseline (a re-initialised project) is read alone.
        let older;
        let files = match history.iter().find(|(s, _)| *s == sha) {
            Some((_, files)) => files.as_slice(),
            None => {
                older = patches(ctx, &format!("{sha}^!")).unwrap_or_default();
                older
                    .first()
                    .map(|(_, files)| files.as_slice())
                    .unwrap_or_default()
            }
        };
        let tests = tests_added(files);
        let missing = classes_missing(&tests);
        if !missing.is_empty() {
            let names: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
            problems.push(format!(
                "  {} ({}): no {} test among the tests it adds [{}]",
                step.id(),
                &sha[..7],
                missing
                    .iter()
                    .map(|c| TestClass::as_str(*c))
                    .collect::<Vec<_>>()
                    .join(", no "),
                names.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        Verdict::pass(format!(
            "{name}: {judged} checked-off steps add happy, edge and sad tests"
        ))
    } else {
        Verdict::fail(format!(
            "{name}: each step's commit adds tests of three kinds — the happy path, an edge \
             case, a failure — named so (or marked `kind: happy|edge|sad`):\n{}",
            problems.join("\n")
        ))
    }
}
