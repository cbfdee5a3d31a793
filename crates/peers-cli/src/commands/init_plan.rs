//! `peers init --modes=implement --plan FILE`: the plan is read and validated before anything
//! is written; then it becomes the repository's PLAN.md (committed by `peers-init`) and the
//! frozen, signed contract in `.peers/` (`peers_store::contracts`).

use std::path::Path;

use peers_core::plan::Plan;
use peers_store::contracts;

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

const IMPLEMENT: &str = "implement";
const PLAN_COMMIT: &str =
    "peers init: add PLAN.md, the implement mode's plan\n\nPeer: peers-init\n";

/// A validated plan file.
pub struct PlanInput {
    pub bytes: Vec<u8>,
    pub plan: Plan,
}

/// Reads and validates `--plan`; refuses `--plan` without the implement mode and the
/// implement mode without `--plan`.
pub fn read_plan(plan: Option<&Path>, modes: &[String]) -> CliResult<Option<PlanInput>> {
    let implement = modes.iter().any(|m| m == IMPLEMENT);
    let Some(path) = plan else {
        if implement {
            return Err(CliError::usage("the implement mode needs a plan: --plan FILE")
                .hint("write PLAN.md (README.md, \"The implement mode\", has a complete example), then run `peers init --modes=implement --plan PLAN.md`"));
        }
        return Ok(None);
    };
    if !implement {
        return Err(CliError::usage("--plan is only for the implement mode")
            .hint("add it: --modes=implement (with audit: --modes=audit,implement)"));
    }
    let bytes = read_capped(path)?;
    let plan = peers_core::plan::parse(&bytes).map_err(|mut error| {
        error.file = path.display().to_string();
        CliError::from(error)
    })?;
    Ok(Some(PlanInput { bytes, plan }))
}

fn read_capped(path: &Path) -> CliResult<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| {
        CliError::usage(format!("cannot read the plan {}: {e}", path.display()))
            .hint("pass the path of your PLAN.md: --plan PLAN.md")
    })?;
    let mut bytes = Vec::new();
    file.take(peers_core::plan::MAX_PLAN_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::failed(format!("cannot read {}: {e}", path.display())))?;
    Ok(bytes)
}

/// What installing the plan did.
#[derive(Debug, serde::Serialize)]
pub struct PlanReport {
    pub steps: usize,
    pub plan_commit: Option<String>,
    pub acceptance: String,
    pub e2e: Option<String>,
}

/// Writes PLAN.md into the repository (committing it when it changed) and freezes the
/// contract; `force` moves an earlier contract aside first.
pub fn install(project: &LoadedProject, input: &PlanInput, force: bool) -> CliResult<PlanReport> {
    let live = project.root().join("PLAN.md");
    let current = std::fs::read(&live).ok();
    if current.as_deref() != Some(input.bytes.as_slice()) {
        if std::fs::symlink_metadata(&live).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(CliError::usage(format!("{} is a symlink", live.display()))
                .hint("replace it with a regular file, or remove it, and run init again"));
        }
        std::fs::write(&live, &input.bytes)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", live.display())))?;
    }
    let plan_commit = commit_plan(project)?;
    if contracts::is_frozen(&project.dir) {
        if !force {
            return Err(CliError::usage(
                "this project already has a frozen contract (.peers/contracts.log)",
            )
            .hint("change the acceptance command with `peers amend`, or start over with `peers init --force --modes=implement --plan FILE`"));
        }
        move_contract_aside(&project.dir)?;
    }
    let state = peers_store::contract_key::state_dir()?;
    let meta = &input.plan.meta;
    contracts::freeze(
        &project.dir,
        &state,
        &input.bytes,
        &meta.acceptance,
        meta.e2e.as_deref(),
        &peers_store::timestamp::now_iso_utc(),
    )?;
    Ok(PlanReport {
        steps: input.plan.steps.len(),
        plan_commit,
        acceptance: meta.acceptance.clone(),
        e2e: meta.e2e.clone(),
    })
}

fn commit_plan(project: &LoadedProject) -> CliResult<Option<String>> {
    let dirty = project
        .git
        .status_porcelain()?
        .iter()
        .any(|entry| entry.path == Path::new("PLAN.md"));
    if !dirty {
        return Ok(None);
    }
    project.git.add(&["PLAN.md"])?;
    let identity = peers_git::Identity {
        name: "peers-init".to_owned(),
        email: "peers-init@local".to_owned(),
    };
    Ok(Some(project.git.commit_paths(
        PLAN_COMMIT,
        &identity,
        &["PLAN.md"],
    )?))
}

/// `init --force` over a frozen contract: the old files go to `.peers/backups/contract-<time>/`.
fn move_contract_aside(dir: &peers_store::PeersDir) -> CliResult<()> {
    let stamp = peers_store::timestamp::now_iso_utc().replace(['-', ':'], "");
    let backup = dir.path().join("backups").join(format!("contract-{stamp}"));
    std::fs::create_dir_all(&backup)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", backup.display())))?;
    for name in ["PLAN.original.md", "contracts", "contracts.log"] {
        let from = dir.path().join(name);
        if std::fs::symlink_metadata(&from).is_ok() {
            std::fs::rename(&from, backup.join(name)).map_err(|e| {
                CliError::failed(format!("cannot move {} aside: {e}", from.display()))
            })?;
        }
    }
    Ok(())
}
