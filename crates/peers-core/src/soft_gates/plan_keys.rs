//! PLAN.md's `## Meta` keys that switch the soft gates on (`mutation_testing`,
//! `honesty_audit_peer`, `confidence_calibration`), merged with config.yaml's `soft_gates:`
//! gate by gate: an entry in config.yaml (on, with its settings, or written as off) wins; a
//! gate config.yaml does not list takes the plan's word, with the defaults.

use crate::decode_error::DecodeError;
use crate::location::Span;
use crate::plan::{PLAN_FILE, PlanMeta};

use super::{
    CalibrationSettings, DEFAULT_AUDIT_TIMEOUT_S, DEFAULT_MAX_BRIER, DEFAULT_MIN_CONFIDENCE,
    DEFAULT_MIN_KILL_RATIO, DEFAULT_MUTANT_TIMEOUT_S, DEFAULT_MUTANTS, DEFAULT_MUTATION_TIMEOUT_S,
    HonestyAuditSettings, MutationSettings, SoftGateSettings,
};

/// The soft gates of a run whose frozen plan has `meta`: config.yaml's `settings` with the
/// gates it does not list switched on by the plan. `peers` are the configured peers' names;
/// a `honesty_audit_peer` that is not one of them is an error naming the plan's line.
///
/// `mutation_testing: true` runs the plan's `acceptance` command against each mutant (the only
/// test command the plan knows); `soft_gates.mutation_sample.test_command` in config.yaml
/// names another.
pub fn with_plan(
    settings: &SoftGateSettings,
    meta: &PlanMeta,
    peers: &[String],
) -> Result<SoftGateSettings, DecodeError> {
    let mut out = settings.clone();
    let free = |key: &str, listed: bool| !listed && !settings.off_in_config.contains(&key);
    if meta.mutation_testing && free("mutation_sample", settings.mutation_sample.is_some()) {
        out.mutation_sample = Some(MutationSettings {
            test_command: meta.acceptance.clone(),
            mutants: DEFAULT_MUTANTS,
            seed: 0,
            timeout_s: DEFAULT_MUTATION_TIMEOUT_S,
            mutant_timeout_s: DEFAULT_MUTANT_TIMEOUT_S,
            min_kill_ratio: DEFAULT_MIN_KILL_RATIO,
            blocking: false,
        });
    }
    if meta.confidence_calibration
        && free(
            "confidence_calibration",
            settings.confidence_calibration.is_some(),
        )
    {
        out.confidence_calibration = Some(CalibrationSettings {
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            max_brier: DEFAULT_MAX_BRIER,
            blocking: false,
        });
    }
    if let Some(peer) = &meta.honesty_audit_peer
        && free("honesty_audit", settings.honesty_audit.is_some())
    {
        if !peers.contains(peer) {
            return Err(unknown_peer(meta, peer, peers));
        }
        out.honesty_audit = Some(HonestyAuditSettings {
            peer: peer.clone(),
            timeout_s: DEFAULT_AUDIT_TIMEOUT_S,
            blocking: false,
        });
    }
    Ok(out)
}

fn unknown_peer(meta: &PlanMeta, peer: &str, peers: &[String]) -> DecodeError {
    let span = meta
        .lines
        .get("honesty_audit_peer")
        .map(|line| Span::new(*line, 1));
    DecodeError::new(
        PLAN_FILE,
        span,
        Some("meta.honesty_audit_peer"),
        format!(
            "`{peer}` is not a configured peer (peers: {})",
            peers.join(", ")
        ),
    )
    .with_hint(format!(
        "add a peer named `{peer}` to `peers:` in .peers/config.yaml, or set \
         `soft_gates: {{honesty_audit: {{peer: <name>}}}}` there (config.yaml wins over the \
         plan; `honesty_audit: false` turns the audit off)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(extra: &str) -> PlanMeta {
        let text = format!(
            "# Feature\n\n## Meta\nsurfaces: [cli]\nacceptance: ./accept.sh\n{extra}\n## Steps\n- [ ] [STEP-1] Do it\n  - touches: [a.rs]\n"
        );
        crate::plan::parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"))
            .meta
    }

    fn peers() -> Vec<String> {
        vec!["alice".to_owned(), "bob".to_owned()]
    }

    #[test]
    fn plan_keys_switch_on_the_gates_config_does_not_list() {
        let meta =
            meta("mutation_testing: true\nhonesty_audit_peer: bob\nconfidence_calibration: true\n");
        let out = with_plan(&SoftGateSettings::default(), &meta, &peers()).unwrap();
        let mutation = out.mutation_sample.unwrap();
        assert_eq!(
            mutation.test_command, "./accept.sh",
            "the acceptance command"
        );
        assert_eq!(mutation.mutants, DEFAULT_MUTANTS);
        assert!(!mutation.blocking);
        assert_eq!(out.honesty_audit.unwrap().peer, "bob");
        assert_eq!(
            out.confidence_calibration.unwrap().min_confidence,
            DEFAULT_MIN_CONFIDENCE
        );
    }

    #[test]
    fn without_plan_keys_the_config_is_unchanged() {
        let meta = meta("mutation_testing: false\n");
        let out = with_plan(&SoftGateSettings::default(), &meta, &peers()).unwrap();
        assert!(!out.any());
    }

    #[test]
    fn config_entries_win_whether_on_or_off() {
        let meta = meta(
            "mutation_testing: true\nhonesty_audit_peer: carol\nconfidence_calibration: true\n",
        );
        let config = SoftGateSettings {
            mutation_sample: Some(MutationSettings {
                test_command: "cargo test".to_owned(),
                mutants: 3,
                seed: 7,
                timeout_s: 60,
                mutant_timeout_s: 30,
                min_kill_ratio: 0.9,
                blocking: true,
            }),
            confidence_calibration: None,
            honesty_audit: Some(HonestyAuditSettings {
                peer: "alice".to_owned(),
                timeout_s: 5,
                blocking: true,
            }),
            off_in_config: vec!["confidence_calibration"],
        };
        let out = with_plan(&config, &meta, &peers()).unwrap();
        assert_eq!(
            out, config,
            "carol is never checked: config.yaml names alice"
        );
    }

    #[test]
    fn an_unknown_audit_peer_names_the_plan_line_and_key() {
        let meta = meta("convergence_n: 2\nhonesty_audit_peer: carol\n");
        let err = with_plan(&SoftGateSettings::default(), &meta, &peers()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "PLAN.md:7:1: meta.honesty_audit_peer: `carol` is not a configured peer (peers: alice, bob)"
        );
        assert!(format!("{err:?}").contains("config.yaml wins"), "{err:?}");
    }
}
