//! Resolved goals of `.peers/goals.yaml`: hard gates (commands judged by `pass_when`, or
//! built-in checks implemented in the binary) and soft goals (peer reviews).

use std::collections::BTreeMap;

use crate::location::Span;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct GoalSet {
    pub goals: Vec<Goal>,
    /// Things the user should know (e.g. a legacy command mapped to a built-in gate).
    pub notices: Vec<crate::config::ConfigNotice>,
    /// What the applied modes tell every peer each turn (goals.yaml `instructions:`, written
    /// by `peers init --modes` from each mode's `instructions:`), in mode order.
    pub instructions: Vec<ModeInstructions>,
}

/// One mode's prompt overlay: `{mode, text}` in goals.yaml's `instructions:` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeInstructions {
    pub mode: String,
    pub text: String,
}

impl GoalSet {
    pub fn hard(&self) -> impl Iterator<Item = (&Goal, &HardGoal)> {
        self.goals.iter().filter_map(|g| match &g.kind {
            GoalKind::Hard(h) => Some((g, h)),
            GoalKind::Soft(_) => None,
        })
    }

    pub fn soft(&self) -> impl Iterator<Item = (&Goal, &SoftGoal)> {
        self.goals.iter().filter_map(|g| match &g.kind {
            GoalKind::Soft(s) => Some((g, s)),
            GoalKind::Hard(_) => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// Unique, non-empty.
    pub id: String,
    /// Shown to peers in the prompt next to the goal's status.
    pub description: String,
    pub kind: GoalKind,
    /// Where this goal's entry starts in goals.yaml.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GoalKind {
    Hard(HardGoal),
    Soft(SoftGoal),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HardGoal {
    pub check: GateCheck,
    /// Per-gate timeout; `None` = `goals.timeout_s`.
    pub timeout_s: Option<u64>,
    /// Reuse a PASS while the tree and the command are unchanged.
    pub cacheable: bool,
    /// Re-run a failing gate up to this many more times (0..=5); the first pass wins.
    pub retry_on_fail: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GateCheck {
    /// `/bin/sh -c cmd` in the repository, judged by the `pass_when` expression.
    Command {
        cmd: String,
        pass_when: String,
        pass_when_span: Span,
    },
    /// A check implemented inside peers (agents cannot edit what it does).
    Builtin {
        gate: BuiltinGate,
        params: BTreeMap<String, serde_json::Value>,
    },
}

/// Checks implemented in the binary. goals.yaml names them with `builtin: <name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BuiltinGate {
    /// The newest handoff commit has a `## Self-Review` section and `Self-Review: pass`.
    SelfReviewOnHandoff,
    /// No open bug at severity crit, high or med.
    BugHuntClean,
    /// The language's test runner passes; failures summarised by test.
    TestsPass,
    /// No test that passed at `peers-baseline` fails now; no tests or test files lost.
    NoPriorRegression,
    /// Line coverage, of the changed code and of the project, holds against the baseline.
    CoverageHolds,
    /// clippy / ruff / eslint / go vet report nothing.
    LintClean,
    /// mypy or pyright / tsc report nothing (Python and TS only).
    TypeClean,
    /// No placeholder code (todo macros, `pass`-only bodies, work-left markers) added since the
    /// baseline.
    NoStubs,
    /// Every skip, ignore, xfail or only marker added since the baseline carries a reason.
    TestsNoUnjustifiedSkipOrFail,
    /// No credential in the tracked tree or in any commit since the baseline.
    NoSecretsCommitted,
    /// Every dependency added since the baseline has a `Dependency-Justification:` trailer.
    DepsJustified,
    /// Every public symbol removed or changed since the baseline has a `Breaking-API:` trailer.
    ApiStable,
    /// Each bug-resolution commit stays under a size limit unless waived.
    DiffSizePerResolve,
    /// Each fixed blocking bug has an older `Bug-Reproduce` commit touching a test.
    TddReproducesBug,
    /// No change since the baseline to coverage or test-runner settings that hides code.
    NoHiddenCode,
    /// No test assertion removed or loosened since the baseline without a justification.
    TestsNotWeakened,
    /// The run has had N consecutive clean ticks (judged inside `peers run`).
    ConvergenceReached,
    /// Every peer of the run is healthy (judged inside `peers run`).
    AllPeersHealthy,
    /// Every PLAN.md step is `[x]` (`[PARTIAL]` and `[BLOCKED]` never count as done).
    PlanChecklistComplete,
    /// The frozen acceptance script passes.
    AcceptancePass,
    /// The frozen end-to-end script passes, when the plan has one.
    E2ePass,
    /// Every checked-off step names a reachable commit that changes what it touches.
    PlanStepTraceable,
    /// PLAN.md keeps every step of the frozen original.
    PlanOriginalPreserved,
    /// Each checked-off step's commit adds happy, edge and sad tests.
    StepTests3Class,
    /// The frozen contract files and their signed chain are intact.
    ContractsUnchanged,
    /// Each step is checked off by another peer than its implementer (by attestation).
    CheckoffByOtherPeer,
    /// DELIVERY.md reports every step with its commit, tests and justification.
    DeliveryReportComplete,
    /// Implementation and review notes exist, by different peers, with no open mismatch.
    BlindReview,
    /// Every concern in CONCERNS.md is addressed by a commit or acknowledged.
    ConcernsResolved,
    /// No step is blocked without the operator's signed acknowledgement.
    NoUnresolvedBlocks,
    /// HONESTY_AUDIT.md has each peer's weakest part, likely bug and shortcuts.
    HonestyAudit,
    /// describe: SPEC.md, ARCHITECTURE.md and DESIGN.md exist and are long enough.
    DescriptionFilesPresent,
    /// describe: each description file has its required sections, each with a real body.
    DescriptionSections,
    /// describe: the last N documentation commits since the baseline were all non-substantive.
    DescriptionConverged,
    /// describe, document: the tree differs from the baseline in documentation only.
    DocsOnly,
    /// document: every CODEMAP.yaml entry names a real symbol at its line with its signature.
    CodemapGrounded,
    /// document: every public symbol has a CODEMAP.yaml entry with a real summary.
    CodemapComplete,
    /// document: ARCHITECTURE.md is anchored to CODEMAP.yaml symbols, every source file once.
    ArchitectureGrounded,
    /// document: AGENTS.md's generated reference is the one CODEMAP.yaml renders to.
    AgentsInSync,
}

impl BuiltinGate {
    pub const ALL: &'static [BuiltinGate] = &[
        Self::SelfReviewOnHandoff,
        Self::BugHuntClean,
        Self::TestsPass,
        Self::NoPriorRegression,
        Self::CoverageHolds,
        Self::LintClean,
        Self::TypeClean,
        Self::NoStubs,
        Self::TestsNoUnjustifiedSkipOrFail,
        Self::NoSecretsCommitted,
        Self::DepsJustified,
        Self::ApiStable,
        Self::DiffSizePerResolve,
        Self::TddReproducesBug,
        Self::NoHiddenCode,
        Self::TestsNotWeakened,
        Self::ConvergenceReached,
        Self::AllPeersHealthy,
        Self::PlanChecklistComplete,
        Self::AcceptancePass,
        Self::E2ePass,
        Self::PlanStepTraceable,
        Self::PlanOriginalPreserved,
        Self::StepTests3Class,
        Self::ContractsUnchanged,
        Self::CheckoffByOtherPeer,
        Self::DeliveryReportComplete,
        Self::BlindReview,
        Self::ConcernsResolved,
        Self::NoUnresolvedBlocks,
        Self::HonestyAudit,
        Self::DescriptionFilesPresent,
        Self::DescriptionSections,
        Self::DescriptionConverged,
        Self::DocsOnly,
        Self::CodemapGrounded,
        Self::CodemapComplete,
        Self::ArchitectureGrounded,
        Self::AgentsInSync,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SelfReviewOnHandoff => "self-review-on-handoff",
            Self::BugHuntClean => "bug-hunt-clean",
            Self::TestsPass => "tests-pass",
            Self::NoPriorRegression => "no-prior-regression",
            Self::CoverageHolds => "coverage-holds",
            Self::LintClean => "lint-clean",
            Self::TypeClean => "type-clean",
            Self::NoStubs => "no-stubs",
            Self::TestsNoUnjustifiedSkipOrFail => "tests-no-unjustified-skip-or-fail",
            Self::NoSecretsCommitted => "no-secrets-committed",
            Self::DepsJustified => "deps-justified",
            Self::ApiStable => "api-stable",
            Self::DiffSizePerResolve => "diff-size-per-resolve",
            Self::TddReproducesBug => "tdd-reproduces-bug",
            Self::NoHiddenCode => "no-hidden-code",
            Self::TestsNotWeakened => "tests-not-weakened",
            Self::ConvergenceReached => "convergence-reached",
            Self::AllPeersHealthy => "all-peers-healthy",
            Self::PlanChecklistComplete => "plan-checklist-complete",
            Self::AcceptancePass => "acceptance-pass",
            Self::E2ePass => "e2e-pass",
            Self::PlanStepTraceable => "plan-step-traceable",
            Self::PlanOriginalPreserved => "plan-original-preserved",
            Self::StepTests3Class => "step-tests-3-class",
            Self::ContractsUnchanged => "contracts-unchanged",
            Self::CheckoffByOtherPeer => "checkoff-by-other-peer",
            Self::DeliveryReportComplete => "delivery-report-complete",
            Self::BlindReview => "blind-review",
            Self::ConcernsResolved => "concerns-resolved",
            Self::NoUnresolvedBlocks => "no-unresolved-blocks",
            Self::HonestyAudit => "honesty-audit",
            Self::DescriptionFilesPresent => "description-files-present",
            Self::DescriptionSections => "description-sections",
            Self::DescriptionConverged => "description-converged",
            Self::DocsOnly => "docs-only",
            Self::CodemapGrounded => "codemap-grounded",
            Self::CodemapComplete => "codemap-complete",
            Self::ArchitectureGrounded => "architecture-grounded",
            Self::AgentsInSync => "agents-in-sync",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|g| g.as_str() == name)
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::SelfReviewOnHandoff => {
                "the newest handoff commit carries a `## Self-Review` section and `Self-Review: pass`"
            }
            Self::BugHuntClean => "no open bug at severity crit, high or med in the ledger",
            Self::TestsPass => {
                "the language's tests pass (cargo nextest/test, pytest, the package's test \
                 script or jest/vitest, go test)"
            }
            Self::NoPriorRegression => {
                "no test that passed at peers-baseline fails now, the test count does not drop \
                 and no test file is deleted (a failing test is re-run once before it is blamed)"
            }
            Self::CoverageHolds => {
                "line coverage of the changed code and of the whole project stays at or above \
                 the baseline's (cargo-llvm-cov, coverage.py, c8/istanbul, go cover)"
            }
            Self::LintClean => "clippy, ruff, eslint or go vet report nothing",
            Self::TypeClean => "mypy or pyright, or tsc --noEmit, report no type error",
            Self::NoStubs => {
                "no placeholder code added since peers-baseline: todo and unimplemented macros, \
                 work-left markers in comments, NotImplementedError, pass-only bodies, \
                 not-implemented throws and panics"
            }
            Self::TestsNoUnjustifiedSkipOrFail => {
                "every test skip/ignore/xfail marker added since peers-baseline gives a reason of \
                 substance; `.only` is never allowed"
            }
            Self::NoSecretsCommitted => {
                "no private key, cloud or forge token, password assignment or high-entropy secret in \
                 the tracked tree or any commit since peers-baseline"
            }
            Self::DepsJustified => {
                "each dependency added since peers-baseline has a `Dependency-Justification: <name> \
                 <reason>` line in a commit"
            }
            Self::ApiStable => {
                "each public symbol removed or changed since peers-baseline has a `Breaking-API: \
                 <symbol>` line in a commit"
            }
            Self::DiffSizePerResolve => {
                "each Bug-Resolves commit changes at most max_lines lines unless waived"
            }
            Self::TddReproducesBug => {
                "each fixed blocking bug has an older `Bug-Reproduce` commit that touches a test"
            }
            Self::NoHiddenCode => {
                "no unjustified change since peers-baseline to coverage or test-runner settings \
                 that hides code from the gates"
            }
            Self::TestsNotWeakened => {
                "no test assertion removed, loosened or made always-true since peers-baseline \
                 without a `Justified-Test-Change:` reason"
            }
            Self::ConvergenceReached => "the run has had N consecutive clean ticks",
            Self::AllPeersHealthy => "every peer of the run is healthy",
            Self::PlanChecklistComplete => {
                "every PLAN.md step is checked off `[x]`; `[ ]`, `[PARTIAL]`, `[BLOCKED]` and `[BLOCKED-ACK]` are not done"
            }
            Self::AcceptancePass => {
                "the frozen acceptance script `.peers/contracts/acceptance.sh` passes (the contract is verified first)"
            }
            Self::E2ePass => {
                "the frozen end-to-end script `.peers/contracts/e2e.sh` passes when the plan has one"
            }
            Self::PlanStepTraceable => {
                "every `[x]` step names its commit `(sha)`, reachable from HEAD, changing a file the step `touches`"
            }
            Self::PlanOriginalPreserved => {
                "every step of the frozen PLAN.original.md is still in PLAN.md with the same id and text"
            }
            Self::StepTests3Class => {
                "each `[x]` step's commit adds tests covering the happy path, an edge case and a failure (Rust, Python, JS, Go test names or `kind:` markers)"
            }
            Self::ContractsUnchanged => {
                "the frozen contract files match their pins and the signed chain verifies with the key kept outside the repository"
            }
            Self::CheckoffByOtherPeer => {
                "each `[x]` step was checked off by a commit attested to another peer than the one that made the step's commit"
            }
            Self::DeliveryReportComplete => {
                "DELIVERY.md has a `## [STEP-N]` section per step with Commit, Tests and Justification lines"
            }
            Self::BlindReview => {
                "IMPLEMENTATION_NOTES.md and REVIEW_NOTES.md have substance, written by different peers, and no blind-review mismatch is left open"
            }
            Self::ConcernsResolved => {
                "CONCERNS.md lists its concerns and each is addressed by a commit or acknowledged"
            }
            Self::NoUnresolvedBlocks => {
                "no step is `[BLOCKED]`, and each `[BLOCKED-ACK]` step has the operator's acknowledgement in the signed chain"
            }
            Self::HonestyAudit => {
                "HONESTY_AUDIT.md has a section per peer naming its weakest part, a likely uncaught bug and what it skipped"
            }
            Self::DescriptionFilesPresent => {
                "SPEC.md, ARCHITECTURE.md and DESIGN.md are regular files of at least min_bytes"
            }
            Self::DescriptionSections => {
                "each description file has its required sections, each with a body of \
                 substance (no filler, placeholder or copied body)"
            }
            Self::DescriptionConverged => {
                "the last n documentation commits since peers-baseline each changed little and \
                 added no section or file"
            }
            Self::DocsOnly => "every commit since peers-baseline changes documentation files only",
            Self::CodemapGrounded => {
                "every CODEMAP.yaml entry names a public symbol of that kind at exactly its line \
                 with exactly its signature"
            }
            Self::CodemapComplete => {
                "every public symbol (Rust, Python, JS/TS, Go) has a CODEMAP.yaml entry with a \
                 summary of substance"
            }
            Self::ArchitectureGrounded => {
                "every [[id]] in ARCHITECTURE.md is a CODEMAP.yaml entry and every mapped source \
                 file is anchored at least once"
            }
            Self::AgentsInSync => {
                "AGENTS.md holds the reference CODEMAP.yaml renders to, byte for byte \
                 (`peers agents-md` writes it)"
            }
        }
    }

    /// The `params:` keys this gate accepts; any other key is rejected when goals.yaml loads.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Self::SelfReviewOnHandoff
            | Self::BugHuntClean
            | Self::TddReproducesBug
            | Self::TestsNotWeakened
            | Self::AllPeersHealthy => &[],
            Self::PlanChecklistComplete => &[],
            Self::AcceptancePass => &[],
            Self::E2ePass => &[],
            Self::PlanStepTraceable => &[],
            Self::PlanOriginalPreserved => &[],
            Self::StepTests3Class => &[],
            Self::ContractsUnchanged => &[],
            Self::CheckoffByOtherPeer => &[],
            Self::DeliveryReportComplete => &[],
            Self::BlindReview => &[],
            Self::ConcernsResolved => &[],
            Self::NoUnresolvedBlocks => &[],
            Self::HonestyAudit => &[],

            Self::TestsPass | Self::NoPriorRegression | Self::LintClean => &["lang"],
            Self::CoverageHolds => &["lang", "tolerance"],
            Self::TypeClean => &["lang", "checker"],
            Self::NoStubs | Self::ApiStable => &["lang", "exclude"],
            Self::TestsNoUnjustifiedSkipOrFail => &["lang", "exclude", "scope"],
            Self::NoSecretsCommitted => &["exclude", "entropy"],
            Self::DepsJustified | Self::NoHiddenCode => &["exclude"],
            Self::DiffSizePerResolve => &["max_lines", "exclude"],
            Self::ConvergenceReached => &["n"],
            Self::DescriptionFilesPresent => &["files", "min_bytes"],
            Self::DescriptionSections => &["sections", "min_words"],
            Self::DescriptionConverged => &["n", "max_changed_lines", "allow"],
            Self::DocsOnly => &["allow"],
            Self::CodemapGrounded | Self::AgentsInSync => &["codemap"],
            Self::CodemapComplete => &["codemap", "exclude"],
            Self::ArchitectureGrounded => &["codemap", "file"],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SoftGoal {
    /// Shown to reviewers.
    pub prompt: String,
    pub reviewer: ReviewerMode,
    pub consensus_needed: u32,
    /// Reviews are requested at most once every this many iterations.
    pub review_interval: u32,
    /// Required when `reviewer` is quorum.
    pub quorum: Option<Quorum>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewerMode {
    Other,
    Both,
    Alternating,
    Quorum,
}

impl ReviewerMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Other => "other",
            Self::Both => "both",
            Self::Alternating => "alternating",
            Self::Quorum => "quorum",
        }
    }
}

/// `N/M`: pass when at least N distinct reviewers passed among the most recent M reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quorum {
    pub needed: u32,
    pub window: u32,
}
