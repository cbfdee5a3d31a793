//! The `implement` mode's gates over PLAN.md and its frozen contract: the checklist, blocks,
//! the original's steps kept, the contract intact, steps traceable to commits. What they
//! share: the live plan read from the judged tree, the `.peers/` directory, the verified
//! contract. The scripts, checkoffs and documents have their own modules.

use std::path::Path;

use peers_core::plan::{Plan, StepMark};
use peers_store::PeersDir;
use peers_store::contracts::{self, ContractCheck};

use super::GateContext;
use super::error::BuiltinError;
use crate::verdict::Verdict;

/// The live plan in the judged tree.
pub(crate) const PLAN_PATH: &str = "PLAN.md";

/// The live plan, or the diagnostic why it cannot be judged.
pub(crate) fn live_plan(ctx: &GateContext<'_>) -> Result<Plan, BuiltinError> {
    let bytes = peers_store::safe_fs::read_repo_file(
        ctx.git.root(),
        PLAN_PATH,
        peers_core::plan::MAX_PLAN_BYTES as u64 + 1,
    )
    .map_err(|source| BuiltinError::PlanUnreadable { source })?;
    peers_core::plan::parse(&bytes).map_err(|source| BuiltinError::Decode { source })
}

/// The project's `.peers/` (the gates' cache directory is `.peers/cache/`).
pub(crate) fn peers_dir(ctx: &GateContext<'_>) -> Option<PeersDir> {
    let root = ctx.cache_dir.parent()?.parent()?;
    Some(PeersDir::at(root))
}

/// The contract as verified now; `Err` says why it cannot count (no contract, a broken one).
pub(crate) fn verified_contract(
    ctx: &GateContext<'_>,
) -> Result<(PeersDir, ContractCheck), BuiltinError> {
    let dir = peers_dir(ctx).ok_or(BuiltinError::NoPeersDir)?;
    let state = peers_store::contract_key::state_dir()
        .map_err(|source| BuiltinError::ContractState { source })?;
    match contracts::verify(&dir, &state) {
        Ok(Some(check)) if check.intact() => Ok((dir, check)),
        Ok(Some(check)) => Err(BuiltinError::ContractBroken {
            problems: check.problems.join("; "),
        }),
        Ok(None) => Err(BuiltinError::NoContract),
        Err(source) => Err(BuiltinError::ContractUnreadable { source }),
    }
}

fn step_line(step: &peers_core::plan::Step) -> String {
    format!(
        "{} [{}] {}",
        step.id(),
        step.mark.as_mark().trim(),
        step.text
    )
}

/// `plan-checklist-complete`: every step `[x]`.
pub(crate) fn plan_checklist_complete(ctx: &GateContext<'_>) -> Verdict {
    let plan = match live_plan(ctx) {
        Ok(plan) => plan,
        Err(error) => {
            return Verdict::fail(format!("plan-checklist-complete: {}", error.describe()));
        }
    };
    let open: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| !s.mark.is_done())
        .map(|s| format!("  {} (line {})", step_line(s), s.line))
        .collect();
    if open.is_empty() {
        return Verdict::pass(format!(
            "plan-checklist-complete: all {} steps are checked off",
            plan.steps.len()
        ));
    }
    Verdict::fail(format!(
        "plan-checklist-complete: {} of {} steps are not done ([PARTIAL], [BLOCKED] and \
         [BLOCKED-ACK] are not done):\n{}",
        open.len(),
        plan.steps.len(),
        open.join("\n")
    ))
}

/// `no-unresolved-blocks`: no `[BLOCKED]`; a `[BLOCKED-ACK]` only with a signed ack.
pub(crate) fn no_unresolved_blocks(ctx: &GateContext<'_>) -> Verdict {
    let plan = match live_plan(ctx) {
        Ok(plan) => plan,
        Err(error) => return Verdict::fail(format!("no-unresolved-blocks: {}", error.describe())),
    };
    let mut problems: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.mark == StepMark::Blocked)
        .map(|s| {
            format!(
                "  {} is [BLOCKED]: say why in CONCERNS.md; the operator decides \
                 (`peers-ctl ack-block`)",
                s.id()
            )
        })
        .collect();
    let acked: Vec<&peers_core::plan::Step> = plan
        .steps
        .iter()
        .filter(|s| s.mark == StepMark::BlockedAck)
        .collect();
    if !acked.is_empty() {
        match verified_contract(ctx) {
            Ok((_, check)) => {
                let signed = check.acknowledged_blocks();
                problems.extend(acked.iter().filter(|s| !signed.contains(&s.id())).map(|s| {
                    format!(
                        "  {} is marked [BLOCKED-ACK] but the operator never acknowledged it \
                         (no signed ack-block entry): only `peers-ctl ack-block` may mark it",
                        s.id()
                    )
                }));
            }
            Err(error) => problems.push(format!("  {}", error.describe())),
        }
    }
    if problems.is_empty() {
        Verdict::pass("no-unresolved-blocks: no step is blocked without acknowledgement".to_owned())
    } else {
        Verdict::fail(format!("no-unresolved-blocks:\n{}", problems.join("\n")))
    }
}

/// `contracts-unchanged`: the pinned files and the signed chain.
pub(crate) fn contracts_unchanged(ctx: &GateContext<'_>) -> Verdict {
    match verified_contract(ctx) {
        Ok((_, check)) => Verdict::pass(format!(
            "contracts-unchanged: the contract files match their pins; the chain of {} signed \
             entries verifies",
            check.entries.len()
        )),
        Err(error) => Verdict::fail(format!("contracts-unchanged: {}", error.describe())),
    }
}

/// `plan-original-preserved`: every original step is in the live plan, same id and text.
pub(crate) fn plan_original_preserved(ctx: &GateContext<'_>) -> Verdict {
    let name = "plan-original-preserved";
    let (dir, _) = match verified_contract(ctx) {
        Ok(found) => found,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let original = match contracts::read_original_plan(&dir) {
        Err(error) => return Verdict::fail(format!("{name}: PLAN.original.md: {error}")),
        Ok(bytes) => match peers_core::plan::parse(&bytes) {
            Ok(plan) => plan,
            Err(error) => return Verdict::fail(format!("{name}: PLAN.original.md: {error}")),
        },
    };
    let live = match live_plan(ctx) {
        Ok(plan) => plan,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let missing: Vec<String> = original
        .steps
        .iter()
        .filter_map(|step| match live.step(step.number) {
            None => Some(format!("  {} `{}` was dropped", step.id(), step.text)),
            Some(now) if now.text != step.text => Some(format!(
                "  {} was rewritten: the original says `{}`, PLAN.md says `{}`",
                step.id(),
                step.text,
                now.text
            )),
            Some(_) => None,
        })
        .collect();
    if missing.is_empty() {
        Verdict::pass(format!(
            "{name}: all {} original steps are in PLAN.md unchanged",
            original.steps.len()
        ))
    } else {
        Verdict::fail(format!(
            "{name}: PLAN.md must keep every step of the frozen plan (.peers/PLAN.original.md); \
             mark a step you cannot finish [PARTIAL] or [BLOCKED] instead:\n{}",
            missing.join("\n")
        ))
    }
}

/// `plan-step-traceable`: every `[x]` step names a commit reachable from HEAD that changes a
/// file it touches.
pub(crate) fn plan_step_traceable(ctx: &GateContext<'_>) -> Verdict {
    let name = "plan-step-traceable";
    let plan = match live_plan(ctx) {
        Ok(plan) => plan,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let mut problems = Vec::new();
    for step in plan.steps.iter().filter(|s| s.mark.is_done()) {
        let Some(sha) = &step.sha else {
            problems.push(format!(
                "  {} is [x] but names no commit: end the line with `(<sha>)`",
                step.id()
            ));
            continue;
        };
        let full = match ctx.git.rev_parse(&format!("{sha}^{{commit}}")) {
            Ok(Some(full)) => full,
            _ => {
                problems.push(format!(
                    "  {} names {sha}, which is not a commit",
                    step.id()
                ));
                continue;
            }
        };
        if !ctx.git.is_ancestor(&full, "HEAD").unwrap_or(false) {
            problems.push(format!(
                "  {} names {sha}, which is not in HEAD's history",
                step.id()
            ));
            continue;
        }
        if step.touches.is_empty() {
            continue;
        }
        let changed: Vec<String> = ctx
            .git
            .commit_line_counts(&full)
            .map(|counts| counts.into_iter().map(|c| c.path).collect())
            .unwrap_or_default();
        if !changed.iter().any(|path| touches(&step.touches, path)) {
            problems.push(format!(
                "  {} names {sha}, which changes none of what it touches ({})",
                step.id(),
                step.touches.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        Verdict::pass(format!(
            "{name}: {} checked-off steps trace to their commits",
            plan.done_count()
        ))
    } else {
        Verdict::fail(format!("{name}:\n{}", problems.join("\n")))
    }
}

/// Whether `path` is one of `touches`: the same path, below a listed directory, or a glob.
pub(crate) fn touches(touches: &[String], path: &str) -> bool {
    touches.iter().any(|t| {
        let t = t.trim_start_matches("./");
        path == t
            || path.starts_with(&format!("{}/", t.trim_end_matches('/')))
            || super::scope::glob_matches(t, path)
    })
}

/// The absolute script the acceptance gates run (outside the judged tree).
pub(crate) fn script(dir: &PeersDir, e2e: bool) -> std::path::PathBuf {
    contracts::script_path(dir, e2e)
}

/// Whether a file exists at `path` (no symlink followed).
pub(crate) fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}
