//! Confidence calibration: each handoff may state `Confidence: N/5`; the statement is paired
//! with what the hard gates said of the commit it handed off — it held when no gate that
//! passed before the turn fails after it (a run's gates are red until its work is done, so
//! "all green" would call every mid-run handoff wrong) — and over the run the pairs are
//! scored (Brier score of N/5 against held = 1, broke a gate = 0). The gate passes when the newest
//! statement reaches the minimum (the original's `confidence: N/5 ≥ 4` rule) and the run's
//! statements are calibrated (Brier score at most the maximum).

use serde::{Deserialize, Serialize};

use super::CalibrationSettings;

/// Statements kept in state.json (the oldest dropped first).
pub const MAX_STATEMENTS: usize = 200;

/// One stated confidence and what the gates made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub iteration: u64,
    pub peer: String,
    pub handoff: String,
    /// 1..=5.
    pub confidence: u8,
    /// No gate that passed before the turn failed on the handed-off commit; `None` when it
    /// was not judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<bool>,
}

/// The confidence a commit message states: a line `Confidence: N/5` (a trailer or a line of
/// the self-review; case-insensitive; the last one wins), N from 1 to 5.
pub fn stated(message: &str) -> Option<u8> {
    message.lines().rev().find_map(|line| {
        let line = line.trim().trim_start_matches(['-', '*', ' ']);
        let (key, value) = line.split_once(':')?;
        if !key.trim().eq_ignore_ascii_case("confidence") {
            return None;
        }
        let (n, of) = value.trim().split_once('/')?;
        let n: u8 = n.trim().parse().ok()?;
        (of.trim() == "5" && (1..=5).contains(&n)).then_some(n)
    })
}

/// Adds a statement, keeping at most [`MAX_STATEMENTS`].
pub fn record(statements: &mut Vec<Statement>, statement: Statement) {
    statements.push(statement);
    if statements.len() > MAX_STATEMENTS {
        let drop = statements.len() - MAX_STATEMENTS;
        statements.drain(..drop);
    }
}

/// The verdict over a run's statements.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub pass: Option<bool>,
    pub line: String,
    /// Mean squared distance of N/5 from the outcome; `None` with no judged statement.
    pub brier: Option<f64>,
}

pub fn judge(statements: &[Statement], settings: &CalibrationSettings) -> Judged {
    let Some(newest) = statements.last() else {
        return Judged {
            pass: None,
            line: "no handoff stated a confidence yet (write `Confidence: N/5` in the handoff)"
                .to_owned(),
            brier: None,
        };
    };
    let judged: Vec<(f64, f64)> = statements
        .iter()
        .filter_map(|s| {
            let outcome = if s.held? { 1.0 } else { 0.0 };
            Some((f64::from(s.confidence) / 5.0, outcome))
        })
        .collect();
    let brier = (!judged.is_empty())
        .then(|| judged.iter().map(|(p, o)| (p - o) * (p - o)).sum::<f64>() / judged.len() as f64);
    let overconfident = statements
        .iter()
        .filter(|s| s.confidence >= 4 && s.held == Some(false))
        .count();
    let mut line = format!("{} stated, {} judged", statements.len(), judged.len());
    if let Some(brier) = brier {
        line.push_str(&format!(
            "; Brier {brier:.2} (at most {:.2})",
            settings.max_brier
        ));
    }
    line.push_str(&format!(
        "; overconfident {overconfident} (≥4/5 and a gate broke); newest: {} {}/5 (at least {}/5)",
        newest.peer, newest.confidence, settings.min_confidence
    ));
    let pass = newest.confidence >= settings.min_confidence
        && brier.is_none_or(|brier| brier <= settings.max_brier);
    Judged {
        pass: Some(pass),
        line,
        brier,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CalibrationSettings {
        CalibrationSettings {
            min_confidence: 4,
            max_brier: 0.25,
            blocking: false,
        }
    }

    fn statement(confidence: u8, held: Option<bool>) -> Statement {
        Statement {
            iteration: 1,
            peer: "a".to_owned(),
            handoff: "abc".to_owned(),
            confidence,
            held,
        }
    }

    #[test]
    fn the_stated_confidence_is_read_from_a_trailer_or_a_self_review_line() {
        assert_eq!(stated("fix\n\nPeer: a\nConfidence: 4/5\n"), Some(4));
        assert_eq!(stated("## Self-Review\n- confidence: 2 / 5\n"), Some(2));
        assert_eq!(stated("Confidence: 9/5"), None);
        assert_eq!(stated("Confidence: 4/10"), None);
        assert_eq!(stated("Confidence: high"), None);
        assert_eq!(stated("nothing"), None);
    }

    #[test]
    fn calibrated_statements_pass_and_overconfidence_fails() {
        assert_eq!(judge(&[], &settings()).pass, None);
        let honest = [statement(2, Some(false)), statement(5, Some(true))];
        let judged = judge(&honest, &settings());
        assert_eq!(judged.pass, Some(true), "{}", judged.line);
        assert!((judged.brier.unwrap_or(1.0) - 0.08).abs() < 1e-9);
        let boastful = [
            statement(5, Some(false)),
            statement(5, Some(false)),
            statement(5, Some(true)),
        ];
        let judged = judge(&boastful, &settings());
        assert_eq!(judged.pass, Some(false));
        assert!(
            judged
                .line
                .contains("overconfident 2 (≥4/5 and a gate broke)"),
            "{}",
            judged.line
        );
        let timid = [statement(5, Some(true)), statement(3, None)];
        let judged = judge(&timid, &settings());
        assert_eq!(judged.pass, Some(false), "the newest is below 4/5");
        assert!(
            judged.line.ends_with("newest: a 3/5 (at least 4/5)"),
            "{}",
            judged.line
        );
    }

    #[test]
    fn only_the_newest_statements_are_kept() {
        let mut all = Vec::new();
        for i in 0..(MAX_STATEMENTS as u64 + 5) {
            record(
                &mut all,
                Statement {
                    iteration: i,
                    ..statement(4, None)
                },
            );
        }
        assert_eq!(all.len(), MAX_STATEMENTS);
        assert_eq!(all[0].iteration, 5);
    }
}
