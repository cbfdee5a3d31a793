//! The opt-in soft gates of `soft_gates:` in config.yaml (or an implement plan's Meta keys,
//! `plan_keys`) — mutation sampling, confidence calibration and the second-model honesty
//! audit — and the implement mode's architecture checkpoint (`implement:`): their settings,
//! what state.json keeps of them, and the status line each one reports beside the soft
//! reviews. A soft gate never stops a run from completing unless its `blocking: true` asks
//! for it. Pure: the driver runs the checks.

pub mod calibration;
pub mod mutation;
pub mod plan_keys;

use serde::{Deserialize, Serialize};

/// Id of the mutation-sampling soft gate in reports.
pub const MUTATION_ID: &str = "mutation-sample";
/// Id of the confidence-calibration soft gate in reports.
pub const CALIBRATION_ID: &str = "confidence-calibration";
/// Id of the second-model honesty audit in reports (the hard `honesty-audit` gate of the
/// implement mode is a different thing: the peers' own HONESTY_AUDIT.md).
pub const AUDIT_ID: &str = "second-model-honesty-audit";

/// `soft_gates:` — each `None` when not listed (off).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SoftGateSettings {
    pub mutation_sample: Option<MutationSettings>,
    pub confidence_calibration: Option<CalibrationSettings>,
    pub honesty_audit: Option<HonestyAuditSettings>,
    /// The gates config.yaml lists as off (`false` or empty): a PLAN.md Meta key does not
    /// turn them on ([`plan_keys::with_plan`]).
    pub off_in_config: Vec<&'static str>,
}

impl SoftGateSettings {
    pub fn any(&self) -> bool {
        self.mutation_sample.is_some()
            || self.confidence_calibration.is_some()
            || self.honesty_audit.is_some()
    }
}

/// `soft_gates.mutation_sample:`.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationSettings {
    /// The project's test command, run by `/bin/sh -c` in a scratch worktree.
    pub test_command: String,
    /// Mutants sampled per judged commit.
    pub mutants: usize,
    /// Seed of the sampling: the same seed, diff and code give the same mutants.
    pub seed: u64,
    /// Time for the whole sample (the unmutated run included); mutants left are not run.
    pub timeout_s: u64,
    /// Time for one run of the test command.
    pub mutant_timeout_s: u64,
    /// The kill ratio at or above which the gate passes.
    pub min_kill_ratio: f64,
    pub blocking: bool,
}

pub const DEFAULT_MUTANTS: usize = 6;
pub const MAX_MUTANTS: u64 = 100;
pub const DEFAULT_MUTATION_TIMEOUT_S: u64 = 600;
pub const DEFAULT_MUTANT_TIMEOUT_S: u64 = 120;
pub const DEFAULT_MIN_KILL_RATIO: f64 = 0.5;

/// `soft_gates.confidence_calibration:`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationSettings {
    /// The lowest confidence (of 5) the newest handoff may state (the original's rule: 4).
    pub min_confidence: u8,
    /// The highest Brier score (0 perfect, 1 always wrong) the run's statements may reach.
    pub max_brier: f64,
    pub blocking: bool,
}

pub const DEFAULT_MIN_CONFIDENCE: u8 = 4;
pub const DEFAULT_MAX_BRIER: f64 = 0.25;

/// `soft_gates.honesty_audit:`.
#[derive(Debug, Clone, PartialEq)]
pub struct HonestyAuditSettings {
    /// The configured peer that audits; it never audits its own handoff.
    pub peer: String,
    /// Time for one audit call.
    pub timeout_s: u64,
    pub blocking: bool,
}

pub const DEFAULT_AUDIT_TIMEOUT_S: u64 = 600;

/// `implement:` in config.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImplementSettings {
    /// The architecture phase lasts until every peer agreed on ARCHITECTURE.intended.md.
    pub architecture_checkpoint: bool,
}

/// What state.json keeps of the soft gates; absent while none is configured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SoftGateState {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutation: Option<mutation::MutationReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub confidence: Vec<calibration::Statement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditVerdict>,
}

/// The newest honesty audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerdict {
    pub auditor: String,
    /// The peer whose handoff was audited.
    pub author: String,
    /// The audited handoff commit.
    pub handoff: String,
    pub iteration: u64,
    /// `None`: the auditor gave no verdict (failed, or no `## Review` JSON).
    pub pass: Option<bool>,
    pub notes: String,
}

/// One soft gate's standing, for the tick record and the prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftGateReport {
    pub id: &'static str,
    /// `None`: not judged yet.
    pub pass: Option<bool>,
    pub blocking: bool,
    pub line: String,
}

impl SoftGateReport {
    /// Whether it keeps the run from completing: blocking and not passed.
    pub fn holds_completion(&self) -> bool {
        self.blocking && self.pass != Some(true)
    }
}

/// The reports of every configured soft gate, in a fixed order.
pub fn reports(settings: &SoftGateSettings, state: Option<&SoftGateState>) -> Vec<SoftGateReport> {
    let empty = SoftGateState::default();
    let state = state.unwrap_or(&empty);
    let mut out = Vec::new();
    if let Some(mutation) = &settings.mutation_sample {
        let (pass, line) = match &state.mutation {
            Some(report) => (Some(report.pass), report.line()),
            None => (
                None,
                "not sampled yet (runs when every hard gate is green)".to_owned(),
            ),
        };
        out.push(SoftGateReport {
            id: MUTATION_ID,
            pass,
            blocking: mutation.blocking,
            line: status(pass, mutation.blocking, &line),
        });
    }
    if let Some(calibration) = &settings.confidence_calibration {
        let judged = calibration::judge(&state.confidence, calibration);
        out.push(SoftGateReport {
            id: CALIBRATION_ID,
            pass: judged.pass,
            blocking: calibration.blocking,
            line: status(judged.pass, calibration.blocking, &judged.line),
        });
    }
    if let Some(audit) = &settings.honesty_audit {
        let (pass, line) = match &state.audit {
            Some(verdict) => (verdict.pass, audit_line(verdict)),
            None => (None, format!("{} has audited no handoff yet", audit.peer)),
        };
        out.push(SoftGateReport {
            id: AUDIT_ID,
            pass,
            blocking: audit.blocking,
            line: status(pass, audit.blocking, &line),
        });
    }
    out
}

fn audit_line(verdict: &AuditVerdict) -> String {
    let short = verdict.handoff.get(..8).unwrap_or(&verdict.handoff);
    let what = match verdict.pass {
        Some(true) => "claims hold",
        Some(false) => "claims do not hold",
        None => "no verdict",
    };
    let notes: String = verdict.notes.chars().take(300).collect();
    format!(
        "{} audited {}'s handoff {short} (tick {}): {what}{}{notes}",
        verdict.auditor,
        verdict.author,
        verdict.iteration,
        if notes.is_empty() { "" } else { " — " }
    )
}

fn status(pass: Option<bool>, blocking: bool, detail: &str) -> String {
    let word = match pass {
        Some(true) => "passed",
        Some(false) => "failed",
        None => "pending",
    };
    let kind = if blocking { "blocking" } else { "advisory" };
    format!("{word} ({kind}): {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_only_configured_gates_and_only_blocking_ones_hold_completion() {
        let settings = SoftGateSettings {
            mutation_sample: Some(MutationSettings {
                test_command: "true".to_owned(),
                mutants: 2,
                seed: 0,
                timeout_s: 10,
                mutant_timeout_s: 5,
                min_kill_ratio: 0.5,
                blocking: true,
            }),
            confidence_calibration: None,
            honesty_audit: Some(HonestyAuditSettings {
                peer: "b".to_owned(),
                timeout_s: 10,
                blocking: false,
            }),
            off_in_config: Vec::new(),
        };
        let reports = reports(&settings, None);
        let ids: Vec<&str> = reports.iter().map(|r| r.id).collect();
        assert_eq!(ids, [MUTATION_ID, AUDIT_ID]);
        assert!(reports[0].holds_completion(), "blocking and not judged yet");
        assert!(
            reports[0].line.starts_with("pending (blocking)"),
            "{}",
            reports[0].line
        );
        assert!(!reports[1].holds_completion(), "advisory never holds");
        let state = SoftGateState {
            audit: Some(AuditVerdict {
                auditor: "b".to_owned(),
                author: "a".to_owned(),
                handoff: "0123456789abcdef".to_owned(),
                iteration: 3,
                pass: Some(false),
                notes: "claims tests for the error path; none exist".to_owned(),
            }),
            ..SoftGateState::default()
        };
        let reports = super::reports(&settings, Some(&state));
        assert_eq!(
            reports[1].line,
            "failed (advisory): b audited a's handoff 01234567 (tick 3): claims do not hold — claims tests for the error path; none exist"
        );
        assert_eq!(
            super::reports(&SoftGateSettings::default(), None),
            Vec::new()
        );
    }
}
