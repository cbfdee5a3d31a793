//! The per-issue state machine of the debate and its transition rule, for any number of reviewers.
//!
//! **The seed's table (two reviewers)**, with `push` read as `defend`:
//!
//! | stance A          | stance B          | new state  |
//! |-------------------|-------------------|------------|
//! | concede           | concede           | rejected   |
//! | defend            | defend            | escalated  |
//! | dismiss           | dismiss           | rejected   |
//! | concede / dismiss | accept / defend   | accepted   |
//! | accept / defend   | concede / dismiss | accepted   |
//!
//! The table leaves three pairs open; they follow from the same reading ("accept/defend hold
//! the issue, concede/dismiss withdraw from it"): `concede + dismiss` → rejected (nobody holds
//! it), `accept + accept` and `accept + defend` → accepted (nobody withdraws, and not everyone
//! is merely re-asserting).
//!
//! **n reviewers.** Let `H` = reviewers that accept or defend, `W` = reviewers that concede or
//! dismiss, `D` = reviewers that defend, `n = H + W` (reviewers that gave no stance abstain):
//! 1. `H = 0` → **rejected** (everyone withdrew);
//! 2. `D = n` → **escalated** (everyone held their position);
//! 3. `H ≥ W` → **accepted** (at least as many hold the issue as withdraw from it);
//! 4. otherwise (`W > H ≥ 1`) → **escalated**: a minority still holds it, so it stays contested.
//!
//! For `n = 2` these four rules give exactly the table above. Rule 4 never fires for two.
//!
//! **Deferred.** From round [`EVIDENCE_REQUIRED_FROM`] on (round 1 is the blind pass, so this
//! is the second debate round, the seed's "round 3"), an issue that would stay escalated moves
//! to **deferred** unless some `defend` of this round brought new evidence.
//! If nobody gave a stance on an issue, its state does not change.

use serde::Serialize;

use super::block::Stance;

/// First round in which an escalated issue needs new evidence to stay alive.
pub const EVIDENCE_REQUIRED_FROM: u32 = 3;

/// Where an issue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueState {
    /// Raised, not yet debated (or raised in this round).
    Proposed,
    /// Held against disagreement; carried into the next round.
    Escalated,
    Accepted,
    Rejected,
    /// Folded into another issue (see `Issue::merged_into`).
    Merged,
    /// Defended past round 2 without new evidence: contested, both held their position.
    Deferred,
    /// A security finding: never debated, needs external arbitration.
    Arbitration,
    /// A style finding: never debated, reported as a style note.
    Style,
}

impl IssueState {
    /// Still in the debate: the seed's `proposed` and `escalated`.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Proposed | Self::Escalated)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Escalated => "escalated",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Merged => "merged",
            Self::Deferred => "deferred",
            Self::Arbitration => "arbitration",
            Self::Style => "style",
        }
    }
}

/// One reviewer's stance on one issue in one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewerStance {
    pub reviewer: String,
    pub round: u32,
    pub stance: Stance,
    pub reasoning: String,
    pub new_evidence: String,
}

/// The state an open issue moves to after one round's stances; `None` when nobody spoke.
pub fn decide(stances: &[&ReviewerStance], round: u32) -> Option<IssueState> {
    if stances.is_empty() {
        return None;
    }
    let count = |wanted: &[Stance]| {
        stances
            .iter()
            .filter(|s| wanted.contains(&s.stance))
            .count()
    };
    let hold = count(&[Stance::Accept, Stance::Defend]);
    let withdraw = count(&[Stance::Concede, Stance::Dismiss]);
    let defend = count(&[Stance::Defend]);
    let state = if hold == 0 {
        IssueState::Rejected
    } else if defend == stances.len() || withdraw > hold {
        IssueState::Escalated
    } else {
        IssueState::Accepted
    };
    let fresh_evidence = stances
        .iter()
        .any(|s| s.stance == Stance::Defend && !s.new_evidence.trim().is_empty());
    if state == IssueState::Escalated && round >= EVIDENCE_REQUIRED_FROM && !fresh_evidence {
        return Some(IssueState::Deferred);
    }
    Some(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stance::{Accept, Concede, Defend, Dismiss};

    fn stance(stance: Stance, evidence: &str) -> ReviewerStance {
        ReviewerStance {
            reviewer: String::new(),
            round: 2,
            stance,
            reasoning: String::new(),
            new_evidence: evidence.to_owned(),
        }
    }

    fn decide_plain(stances: &[Stance], round: u32) -> Option<IssueState> {
        let owned: Vec<_> = stances.iter().map(|s| stance(*s, "")).collect();
        decide(&owned.iter().collect::<Vec<_>>(), round)
    }

    #[test]
    fn two_reviewers_follow_every_row_of_the_seed_table() {
        use IssueState::{Accepted, Escalated, Rejected};
        let rows: &[(Stance, Stance, IssueState)] = &[
            (Concede, Concede, Rejected),
            (Defend, Defend, Escalated),
            (Dismiss, Dismiss, Rejected),
            (Concede, Accept, Accepted),
            (Concede, Defend, Accepted),
            (Dismiss, Accept, Accepted),
            (Dismiss, Defend, Accepted),
            (Accept, Concede, Accepted),
            (Defend, Concede, Accepted),
            (Accept, Dismiss, Accepted),
            (Defend, Dismiss, Accepted),
            // The pairs the seed leaves open.
            (Concede, Dismiss, Rejected),
            (Accept, Accept, Accepted),
            (Accept, Defend, Accepted),
        ];
        for (a, b, want) in rows {
            assert_eq!(decide_plain(&[*a, *b], 2), Some(*want), "{a:?} + {b:?}");
        }
    }

    #[test]
    fn three_reviewers_follow_the_majority_rule() {
        use IssueState::{Accepted, Escalated, Rejected};
        assert_eq!(decide_plain(&[Defend, Defend, Concede], 2), Some(Accepted));
        assert_eq!(
            decide_plain(&[Defend, Concede, Dismiss], 2),
            Some(Escalated)
        );
        assert_eq!(decide_plain(&[Defend, Defend, Defend], 2), Some(Escalated));
        assert_eq!(
            decide_plain(&[Concede, Dismiss, Concede], 2),
            Some(Rejected)
        );
        assert_eq!(decide_plain(&[Accept, Accept, Dismiss], 2), Some(Accepted));
    }

    #[test]
    fn nobody_speaking_leaves_the_state_alone() {
        assert_eq!(decide_plain(&[], 2), None);
    }

    #[test]
    fn defend_without_new_evidence_in_round_three_is_deferred() {
        assert_eq!(
            decide_plain(&[Defend, Defend], 3),
            Some(IssueState::Deferred)
        );
        assert_eq!(
            decide_plain(&[Defend, Defend], 2),
            Some(IssueState::Escalated)
        );
        let with_evidence = [stance(Defend, "new test fails"), stance(Defend, "")];
        assert_eq!(
            decide(&with_evidence.iter().collect::<Vec<_>>(), 3),
            Some(IssueState::Escalated)
        );
    }

    #[test]
    fn deferral_does_not_touch_agreed_outcomes_in_round_three() {
        assert_eq!(
            decide_plain(&[Defend, Concede], 3),
            Some(IssueState::Accepted)
        );
        assert_eq!(
            decide_plain(&[Dismiss, Dismiss], 3),
            Some(IssueState::Rejected)
        );
    }
}
