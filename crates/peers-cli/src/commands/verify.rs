//! `peers verify`: run every hard gate and every `verify.commands` entry now, in parallel;
//! write `.peers/VERIFY.md`; print the table; exit 0 only when everything passed.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use peers_gate::cache::GateCache;
use peers_gate::runner::GateResult;
use peers_store::goals_hash::GoalsHashStatus;
use serde_json::json;

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;
use crate::table;
use peers_gate::jobs as gates;

#[derive(Debug, Args)]
#[command(after_help = "\
Gates only a run can judge (convergence-reached, all-peers-healthy) are not run here: they are \
shown as \"judged in a run\" with the last run's verdict, which counts for the exit code; \
before any run has judged them under the current goals, the exit code ignores them.

Exit codes: 0 every gate passed, 1 a gate failed, 2 usage or configuration error, \
130 interrupted (Ctrl-C stops the running gates; VERIFY.md is not written).")]
pub struct VerifyArgs {
    /// Print the results as JSON (VERIFY.md is still written).
    #[arg(long)]
    pub json: bool,

    /// Run gates even when goals.yaml no longer matches goals.sha256 (the report says so).
    #[arg(long)]
    pub allow_unaccepted_goals: bool,
}

pub fn run(directory: Option<&Path>, args: &VerifyArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let config = project.load_config()?;
    let goals = project.load_goals()?;
    let lock = peers_store::goals_hash::check_goals_hash(&project.dir)?;
    if !matches!(lock, GoalsHashStatus::Match) && !args.allow_unaccepted_goals {
        return Err(CliError::usage(format!(
            ".peers/goals.yaml does not match .peers/goals.sha256: {}",
            crate::project::describe_goals_lock(&lock)
        ))
        .hint(
            "if you edited goals.yaml on purpose, run `peers goals accept`; otherwise restore it",
        ));
    }
    // The gates judge the commit at HEAD in the scratch worktree, never the live tree.
    let (head, dirty) = project.git.head_and_dirty()?;
    let head = head.ok_or_else(|| {
        CliError::usage("there is no commit to judge: HEAD is unborn")
            .hint("the gates run on a checkout of HEAD; commit your work first")
    })?;
    let mut gate_tree = peers_gate::tree::GateTree::new(&project.git, &config.gates.outside_git)?;
    let tree = gate_tree.prepare(&project.git, &head, || {
        eprintln!("waiting for the gates of another evaluation (a running `peers run`) to finish…");
    })?;
    if dirty && !args.json {
        eprintln!(
            "note: the gates judge commit {} (HEAD); uncommitted and untracked changes are not \
             part of it",
            head.get(..12).unwrap_or(&head)
        );
    }
    for note in &tree.notes {
        eprintln!("note: {note}");
    }
    let mut settings = gates::runner_settings(tree.root(), &config);
    settings.cancel = Some(interrupt_flag()?);
    let needs_fingerprint = goals.hard().any(|(_, h)| h.cacheable);
    let fingerprint = needs_fingerprint.then(|| tree.cache_key());
    let mut cache = if needs_fingerprint {
        load_cache(&project)
    } else {
        GateCache::default()
    };
    let hard_jobs = gates::hard_goal_jobs(
        tree.root(),
        &config,
        &goals,
        config.verify.timeout_s,
        fingerprint.as_deref(),
        std::sync::Arc::new(
            gates::BuiltinSources::from_history(&project.git, project.dir.cache_dir())?
                .judging(&tree),
        ),
    )?;
    let in_run_ids: Vec<String> = gates::loop_gate_ids(&goals)
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    let hard_jobs: Vec<_> = hard_jobs
        .into_iter()
        .filter(|job| !in_run_ids.contains(&job.id))
        .collect();
    let in_run = judged_in_last_run(&project, &config, &in_run_ids)?;
    let hard_count = hard_jobs.len();
    let mut jobs = hard_jobs;
    jobs.extend(gates::verify_command_jobs(&config, config.goals.timeout_s));
    let mut results = gates::run_jobs(jobs, &settings, Some(&mut cache));
    gate_tree.finish(&tree, &mut results);
    if settings.cancelled() {
        // Stopped gates judged nothing: no report that could be read as a verdict.
        eprintln!("interrupted: running gates were stopped; .peers/VERIFY.md was not written");
        return Ok(130);
    }
    let verify_results = results.split_off(hard_count);
    if needs_fingerprint {
        save_cache(&project, &cache)?;
    }
    let name = project
        .root()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| project.root().display().to_string());
    let markdown = table::verify_markdown(&name, &results, &verify_results, &in_run);
    peers_store::safe_fs::write_atomic(&project.dir.verify_md(), markdown.as_bytes())?;
    let all_pass = results.iter().chain(verify_results.iter()).all(|r| r.pass)
        && in_run.iter().all(|r| r.verdict != Some(false));
    if args.json {
        let value = json!({
            "result": if all_pass { "pass" } else { "fail" },
            "goals_lock": crate::project::describe_goals_lock(&lock),
            "hard": results.iter().map(result_json).collect::<Vec<_>>(),
            "verify": verify_results.iter().map(result_json).collect::<Vec<_>>(),
            "judged_in_run": in_run.iter().map(|r| json!({
                "id": r.id,
                "last_run": r.verdict.map(|pass| if pass { "pass" } else { "fail" }),
                "diagnostic": r.diagnostic,
            })).collect::<Vec<_>>(),
            "report": project.dir.verify_md(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        print!(
            "{}",
            table::verify_terminal(&results, &verify_results, &in_run)
        );
        println!(
            "wrote {}",
            crate::project::display_path(project.root(), &project.dir.verify_md()).display()
        );
    }
    Ok(if all_pass { 0 } else { 1 })
}

/// The gates only a run can judge, with the verdict the last run recorded for them under the
/// goals accepted now (a verdict earned against other goals does not count).
fn judged_in_last_run(
    project: &LoadedProject,
    config: &peers_core::config::ConfigSettings,
    ids: &[String],
) -> CliResult<Vec<table::RunJudged>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
    let state = peers_store::state_file::load_state(&project.dir, &names)?.state;
    let goals_bytes = peers_store::safe_fs::read_control_file(
        &project.dir.goals_yaml(),
        peers_store::layout::GOALS_CAP,
    )?;
    let digest = peers_store::goals_hash::goals_digest(&goals_bytes);
    let same_goals = state.goals_hash.as_deref() == Some(digest.as_str());
    Ok(ids
        .iter()
        .map(|id| {
            let status = state.goals_status.get(id).filter(|_| same_goals);
            let verdict = status.map(|s| s.state == peers_core::state::GoalState::Pass);
            let diagnostic = match (verdict, status) {
                (Some(_), Some(status)) => status.diagnostic.clone(),
                _ => "no run has judged it under these goals yet".to_owned(),
            };
            table::RunJudged {
                id: id.clone(),
                verdict,
                diagnostic,
            }
        })
        .collect())
}

/// Set by the first SIGINT/SIGTERM (running gate commands are stopped as a group); a second
/// one exits at once with 130, for a built-in gate that is still finishing.
fn interrupt_flag() -> CliResult<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&flag))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&flag)))
            .map_err(|err| CliError::failed(format!("cannot install the signal handler: {err}")))?;
    }
    Ok(flag)
}

fn result_json(result: &GateResult) -> serde_json::Value {
    json!({
        "id": result.id, "pass": result.pass, "diagnostic": result.diagnostic,
        "duration_ms": u64::try_from(result.duration.as_millis()).unwrap_or(u64::MAX),
        "attempts": result.attempts, "cached": result.cached, "timed_out": result.timed_out, "truncated": result.truncated,
    })
}

fn load_cache(project: &LoadedProject) -> GateCache {
    let path = project.dir.cache_dir().join("gates.json");
    peers_store::safe_fs::read_control_file(&path, 4 * 1024 * 1024)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn save_cache(project: &LoadedProject, cache: &GateCache) -> CliResult<()> {
    let path = project.dir.cache_dir().join("gates.json");
    if let Some(parent) = path.parent() {
        peers_store::safe_fs::ensure_private_dir(parent)?;
    }
    let bytes = serde_json::to_vec_pretty(cache)
        .map_err(|err| CliError::failed(format!("cannot encode the gate cache: {err}")))?;
    peers_store::safe_fs::write_atomic(&path, &bytes).map_err(CliError::from)
}
