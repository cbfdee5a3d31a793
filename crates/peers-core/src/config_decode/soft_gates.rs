//! The `soft_gates:` and `implement:` sections of config.yaml: the opt-in soft gates (each
//! off unless listed) and the implement mode's architecture checkpoint.

use crate::config::PeerSettings;
use crate::decode_error::DecodeError;
use crate::soft_gates::{
    CalibrationSettings, DEFAULT_AUDIT_TIMEOUT_S, DEFAULT_MAX_BRIER, DEFAULT_MIN_CONFIDENCE,
    DEFAULT_MIN_KILL_RATIO, DEFAULT_MUTANT_TIMEOUT_S, DEFAULT_MUTANTS, DEFAULT_MUTATION_TIMEOUT_S,
    HonestyAuditSettings, ImplementSettings, MAX_MUTANTS, MutationSettings, SoftGateSettings,
};
use crate::yaml::fields::{Field, Map};

const SOFT_GATES_KEYS: &[&str] = &["mutation_sample", "confidence_calibration", "honesty_audit"];
const MUTATION_KEYS: &[&str] = &[
    "test_command",
    "mutants",
    "seed",
    "timeout_s",
    "mutant_timeout_s",
    "min_kill_ratio",
    "blocking",
];
const CALIBRATION_KEYS: &[&str] = &["min_confidence", "max_brier", "blocking"];
const AUDIT_KEYS: &[&str] = &["peer", "timeout_s", "blocking"];
const IMPLEMENT_KEYS: &[&str] = &["architecture_checkpoint"];

pub(super) fn soft_gates(
    map: Option<&Map<'_>>,
    peers: &[PeerSettings],
) -> Result<SoftGateSettings, DecodeError> {
    let mut out = SoftGateSettings::default();
    let Some(map) = map else { return Ok(out) };
    map.check_keys(SOFT_GATES_KEYS)?;
    out.off_in_config = SOFT_GATES_KEYS
        .iter()
        .copied()
        .filter(|key| map.field(key).is_some_and(|field| is_off(&field)))
        .collect();
    if let Some(field) = enabled(map, "mutation_sample")? {
        out.mutation_sample = Some(mutation(&field)?);
    }
    if let Some(field) = enabled(map, "confidence_calibration")? {
        out.confidence_calibration = Some(calibration(&field)?);
    }
    if let Some(field) = enabled(map, "honesty_audit")? {
        out.honesty_audit = Some(audit(&field, peers)?);
    }
    Ok(out)
}

/// An entry written as off: empty or `false`.
fn is_off(field: &Field<'_>) -> bool {
    field.is_null() || field.bool().is_ok_and(|on| !on)
}

/// A gate's entry: absent or `false` is off; `true` or a mapping is on.
fn enabled<'a>(map: &Map<'a>, key: &str) -> Result<Option<Field<'a>>, DecodeError> {
    let Some(field) = map.field(key) else {
        return Ok(None);
    };
    if field.is_null() {
        return Ok(None);
    }
    if let Ok(on) = field.bool() {
        return Ok(on.then_some(field));
    }
    field.map()?;
    Ok(Some(field))
}

/// The entry's settings: `true` reads as an empty mapping.
fn settings<'a>(field: &Field<'a>, keys: &[&str]) -> Result<Option<Map<'a>>, DecodeError> {
    if field.bool().is_ok() {
        return Ok(None);
    }
    let map = field.map()?;
    map.check_keys(keys)?;
    Ok(Some(map))
}

fn blocking(map: Option<&Map<'_>>) -> Result<bool, DecodeError> {
    Ok(match map {
        Some(map) => map.opt("blocking", Field::bool)?.unwrap_or(false),
        None => false,
    })
}

fn mutation(field: &Field<'_>) -> Result<MutationSettings, DecodeError> {
    let hint = "mutation sampling runs the project's tests against each mutant: write e.g. \
                `mutation_sample: {test_command: \"cargo test\"}`";
    let Some(map) = settings(field, MUTATION_KEYS)? else {
        return Err(field
            .err("needs a test_command (the command that runs the project's tests)")
            .with_hint(hint));
    };
    let test_command = map
        .required("test_command")
        .map_err(|e| e.with_hint(hint))?
        .non_empty_string()?
        .to_owned();
    let mutants = map
        .opt("mutants", |f| f.pos_int_up_to(MAX_MUTANTS))?
        .map_or(DEFAULT_MUTANTS, |n| {
            usize::try_from(n).unwrap_or(DEFAULT_MUTANTS)
        });
    let seed = map.opt("seed", Field::non_neg_int)?.unwrap_or(0);
    let timeout_s = map
        .opt("timeout_s", Field::pos_int)?
        .unwrap_or(DEFAULT_MUTATION_TIMEOUT_S);
    let mutant_timeout_s = map
        .opt("mutant_timeout_s", Field::pos_int)?
        .unwrap_or(DEFAULT_MUTANT_TIMEOUT_S);
    let min_kill_ratio = match map.field("min_kill_ratio") {
        Some(f) => ratio(&f)?,
        None => DEFAULT_MIN_KILL_RATIO,
    };
    Ok(MutationSettings {
        test_command,
        mutants,
        seed,
        timeout_s,
        mutant_timeout_s,
        min_kill_ratio,
        blocking: blocking(Some(&map))?,
    })
}

/// A number from 0 to 1.
fn ratio(field: &Field<'_>) -> Result<f64, DecodeError> {
    if let Ok(0) = field.non_neg_int() {
        return Ok(0.0);
    }
    match field.pos_number() {
        Ok(x) if x <= 1.0 => Ok(x),
        _ => Err(field
            .err("expected a number from 0 to 1")
            .with_hint("0.5 passes when at least half the sampled mutants are caught")),
    }
}

fn calibration(field: &Field<'_>) -> Result<CalibrationSettings, DecodeError> {
    let map = settings(field, CALIBRATION_KEYS)?;
    let mut out = CalibrationSettings {
        min_confidence: DEFAULT_MIN_CONFIDENCE,
        max_brier: DEFAULT_MAX_BRIER,
        blocking: blocking(map.as_ref())?,
    };
    let Some(map) = map else { return Ok(out) };
    if let Some(n) = map.opt("min_confidence", |f| f.pos_int_up_to(5))? {
        out.min_confidence = u8::try_from(n).unwrap_or(DEFAULT_MIN_CONFIDENCE);
    }
    if let Some(f) = map.field("max_brier") {
        out.max_brier = ratio(&f)?;
    }
    Ok(out)
}

fn audit(field: &Field<'_>, peers: &[PeerSettings]) -> Result<HonestyAuditSettings, DecodeError> {
    let names: Vec<&str> = peers.iter().map(|p| p.name.as_str()).collect();
    let hint = format!(
        "name the configured peer that audits, e.g. `honesty_audit: {{peer: {}}}`; peers: {}",
        names.last().copied().unwrap_or("b"),
        names.join(", ")
    );
    let Some(map) = settings(field, AUDIT_KEYS)? else {
        return Err(field.err("needs a peer (who audits)").with_hint(hint));
    };
    let peer_field = map
        .required("peer")
        .map_err(|e| e.with_hint(hint.clone()))?;
    let peer = peer_field.non_empty_string()?.trim().to_owned();
    if !names.contains(&peer.as_str()) {
        return Err(peer_field
            .err(format!("`{peer}` is not a configured peer"))
            .with_hint(hint));
    }
    Ok(HonestyAuditSettings {
        peer,
        timeout_s: map
            .opt("timeout_s", Field::pos_int)?
            .unwrap_or(DEFAULT_AUDIT_TIMEOUT_S),
        blocking: blocking(Some(&map))?,
    })
}

pub(super) fn implement(map: Option<&Map<'_>>) -> Result<ImplementSettings, DecodeError> {
    let mut out = ImplementSettings::default();
    let Some(map) = map else { return Ok(out) };
    map.check_keys(IMPLEMENT_KEYS)?;
    if let Some(on) = map.opt("architecture_checkpoint", Field::bool)? {
        out.architecture_checkpoint = on;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::config::ConfigSettings;
    use crate::config_decode::decode_config;

    const PEERS: &str = "peers:\n  - name: a\n    tool: claude\n  - name: b\n    tool: codex\n";

    fn decode(extra: &str) -> Result<ConfigSettings, String> {
        decode_config(&format!("{PEERS}{extra}"), ".peers/config.yaml")
            .map_err(|error| error.to_string())
    }

    #[test]
    fn every_soft_gate_is_off_unless_listed() {
        let config = decode("").unwrap();
        assert!(!config.soft_gates.any());
        assert!(!config.implement.architecture_checkpoint);
        let config = decode("soft_gates:\n  confidence_calibration: false\n").unwrap();
        assert!(!config.soft_gates.any());
        assert_eq!(config.soft_gates.off_in_config, ["confidence_calibration"]);
        let config = decode("soft_gates:\n  confidence_calibration: true\n").unwrap();
        assert!(config.soft_gates.off_in_config.is_empty());
    }

    #[test]
    fn listed_gates_take_their_settings_and_defaults() {
        let config = decode(
            "soft_gates:\n  mutation_sample:\n    test_command: cargo test\n    mutants: 3\n    seed: 9\n    min_kill_ratio: 0.75\n    blocking: true\n  confidence_calibration: true\n  honesty_audit: {peer: b}\nimplement:\n  architecture_checkpoint: true\n",
        )
        .unwrap();
        let mutation = config.soft_gates.mutation_sample.unwrap();
        assert_eq!(mutation.test_command, "cargo test");
        assert_eq!((mutation.mutants, mutation.seed), (3, 9));
        assert_eq!(mutation.min_kill_ratio, 0.75);
        assert!(mutation.blocking);
        assert_eq!(mutation.timeout_s, 600);
        let calibration = config.soft_gates.confidence_calibration.unwrap();
        assert_eq!(calibration.min_confidence, 4);
        assert!(!calibration.blocking);
        let audit = config.soft_gates.honesty_audit.unwrap();
        assert_eq!(audit.peer, "b");
        assert!(!audit.blocking);
        assert!(config.implement.architecture_checkpoint);
    }

    #[test]
    fn mistakes_name_the_key_and_how_to_fix_them() {
        for (bad, key, expected) in [
            (
                "soft_gates:\n  mutation_sample: true\n",
                "soft_gates.mutation_sample",
                "needs a test_command",
            ),
            (
                "soft_gates:\n  mutation_sample: {mutants: 3}\n",
                "soft_gates.mutation_sample",
                "missing required key 'test_command'",
            ),
            (
                "soft_gates:\n  mutation_sample: {test_command: t, mutants: 500}\n",
                "soft_gates.mutation_sample.mutants",
                "up to 100",
            ),
            (
                "soft_gates:\n  mutation_sample: {test_command: t, min_kill_ratio: 2}\n",
                "soft_gates.mutation_sample.min_kill_ratio",
                "from 0 to 1",
            ),
            (
                "soft_gates:\n  mutation_sample: {test_command: t, seeed: 1}\n",
                "soft_gates.mutation_sample.seeed",
                "unknown key",
            ),
            (
                "soft_gates:\n  honesty_audit: {peer: c}\n",
                "soft_gates.honesty_audit.peer",
                "`c` is not a configured peer",
            ),
            (
                "soft_gates:\n  honesty_audit: true\n",
                "soft_gates.honesty_audit",
                "needs a peer",
            ),
            (
                "soft_gates:\n  confidence_calibration: {min_confidence: 6}\n",
                "soft_gates.confidence_calibration.min_confidence",
                "up to 5",
            ),
            (
                "soft_gates:\n  mutation: {}\n",
                "soft_gates.mutation",
                "unknown key",
            ),
            (
                "implement:\n  architecture_checkpoint: \"yes\"\n",
                "implement.architecture_checkpoint",
                "true or false",
            ),
        ] {
            let error = decode(bad).unwrap_err();
            assert!(error.contains(expected), "{bad}: {error}");
            assert!(error.contains(key), "{bad}: {error}");
        }
    }
}
