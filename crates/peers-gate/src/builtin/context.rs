//! What a built-in gate may look at, and the one place that sends a gate to its check.
//! Gates are implemented in the binary so no agent can edit what they do; goals.yaml names
//! them (`builtin: <id>`) and may tune their documented `params`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use peers_core::goals::BuiltinGate;
use peers_core::ledger::Ledger;
use peers_git::{Commit, Git};

use crate::budget::GateBudget;
use crate::runner::Verdict;

/// Facts about the running loop that the `thorough` gates judge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFacts {
    pub consecutive_clean_ticks: u64,
    pub convergence_n: u32,
    /// Peers not healthy, with their state (e.g. `codex: unavailable`).
    pub unhealthy_peers: Vec<String>,
    /// Who made each commit of the run (sha → peer), as the orchestrator attested it; outside
    /// a run the `Peer:` trailer is all there is.
    pub commit_authors: BTreeMap<String, String>,
}

/// Everything one built-in gate evaluation may read.
pub struct GateContext<'a> {
    /// The tree the gate reads files from, and the repository's history. Under `peers run`
    /// and `peers verify` it is the scratch worktree of the judged commit (a linked worktree:
    /// refs and objects are the repository's own, HEAD is the judged commit).
    pub git: &'a Git,
    /// `Some(sha)` when `git` is a scratch checkout of that commit: the changes a gate judges
    /// are read from history, and untracked files there are the gates' own build output.
    pub judged_commit: Option<&'a str>,
    /// The goal's `params:` from goals.yaml.
    pub params: &'a BTreeMap<String, serde_json::Value>,
    /// The ref the comparison gates (regression, coverage, stubs, secrets, deps, API) diff
    /// against: `peers-baseline`.
    pub baseline: &'a str,
    /// The goal's timeout, for gates that run tools.
    pub timeout: Duration,
    /// This attempt's deadline and activity: tools run until the deadline at most, and loops
    /// over agent-written input stop once it has passed.
    pub budget: GateBudget,
    /// The environment for tools a gate runs.
    pub env: &'a [(OsString, OsString)],
    /// peers' scratch directory (`.peers/cache/`) for baseline snapshots.
    pub cache_dir: &'a Path,
    /// The bug ledger as of now.
    pub ledger: &'a Ledger,
    /// The newest handoff commit, if any.
    pub last_handoff: Option<&'a Commit>,
    /// Present inside `peers run`; `None` under `peers verify`.
    pub run: Option<&'a RunFacts>,
}

/// Evaluates `gate` in `ctx`.
pub fn evaluate(gate: BuiltinGate, ctx: &GateContext<'_>) -> Verdict {
    ctx.budget.doing(format!("checking {}", gate.as_str()));
    match gate {
        BuiltinGate::SelfReviewOnHandoff => {
            let commits: Vec<Commit> = ctx.last_handoff.cloned().into_iter().collect();
            super::self_review_verdict(&commits)
        }
        BuiltinGate::BugHuntClean => super::bug_hunt_verdict(ctx.ledger),
        BuiltinGate::TestsPass => super::tests_pass::tests_pass(ctx),
        BuiltinGate::NoPriorRegression => super::no_prior_regression::no_prior_regression(ctx),
        BuiltinGate::CoverageHolds => super::coverage_holds::coverage_holds(ctx),
        BuiltinGate::LintClean => super::lint_clean::lint_clean(ctx),
        BuiltinGate::TypeClean => super::type_clean::type_clean(ctx),
        BuiltinGate::NoStubs => super::no_stubs::no_stubs(ctx),
        BuiltinGate::NoSecretsCommitted => super::no_secrets_committed::no_secrets_committed(ctx),
        BuiltinGate::TestsNoUnjustifiedSkipOrFail => {
            super::tests_no_unjustified_skip_or_fail::tests_no_unjustified_skip_or_fail(ctx)
        }
        BuiltinGate::ConvergenceReached => super::convergence_reached::convergence_reached(ctx),
        BuiltinGate::AllPeersHealthy => super::all_peers_healthy::all_peers_healthy(ctx),
        BuiltinGate::DepsJustified => super::deps_justified::deps_justified(ctx),
        BuiltinGate::DiffSizePerResolve => super::diff_size_per_resolve::diff_size_per_resolve(ctx),
        BuiltinGate::TddReproducesBug => super::tdd_reproduces_bug::tdd_reproduces_bug(ctx),
        BuiltinGate::NoHiddenCode => super::no_hidden_code::no_hidden_code(ctx),
        BuiltinGate::TestsNotWeakened => super::tests_not_weakened::tests_not_weakened(ctx),
        BuiltinGate::DescriptionFilesPresent => super::describe::description_files_present(ctx),
        BuiltinGate::DescriptionSections => super::describe::description_sections(ctx),
        BuiltinGate::DescriptionConverged => {
            super::description_converged::description_converged(ctx)
        }
        BuiltinGate::DocsOnly => super::docs_only::docs_only(ctx),
        BuiltinGate::CodemapGrounded => super::codemap_reference::codemap_grounded(ctx),
        BuiltinGate::CodemapComplete => super::codemap_complete::codemap_complete(ctx),
        BuiltinGate::ArchitectureGrounded => {
            super::architecture_grounded::architecture_grounded(ctx)
        }
        BuiltinGate::AgentsInSync => super::agents_in_sync::agents_in_sync(ctx),
        BuiltinGate::ApiStable => {
            let (pass, diagnostic) = super::api_stable::api_stable(ctx);
            Verdict::new(pass, diagnostic)
        }
        BuiltinGate::PlanChecklistComplete => super::plan::plan_checklist_complete(ctx),
        BuiltinGate::NoUnresolvedBlocks => super::plan::no_unresolved_blocks(ctx),
        BuiltinGate::ContractsUnchanged => super::plan::contracts_unchanged(ctx),
        BuiltinGate::PlanOriginalPreserved => super::plan::plan_original_preserved(ctx),
        BuiltinGate::PlanStepTraceable => super::plan::plan_step_traceable(ctx),
        BuiltinGate::AcceptancePass => super::plan_scripts::acceptance_pass(ctx),
        BuiltinGate::E2ePass => super::plan_scripts::e2e_pass(ctx),
        BuiltinGate::CheckoffByOtherPeer => super::plan_checkoff::checkoff_by_other_peer(ctx),
        BuiltinGate::StepTests3Class => super::plan_checkoff::step_tests_3_class(ctx),
        BuiltinGate::DeliveryReportComplete => super::plan_documents::delivery_report_complete(ctx),
        BuiltinGate::BlindReview => super::plan_documents::blind_review(ctx),
        BuiltinGate::ConcernsResolved => super::plan_documents::concerns_resolved(ctx),
        BuiltinGate::HonestyAudit => super::plan_documents::honesty_audit(ctx),
    }
}
