//! Why a run stopped, as one type: the loop decides on it, and its `Display` is the exact text
//! written to `last-stop-reason.txt`, the run log's exit record, HALTED.md and the terminal.

use std::fmt;

use crate::budget::Cap;
use crate::peer_health::Stranded;
use crate::turns::NoTurn;

/// The exit code of a run that paused for the operator: not a failure, not complete.
pub const CHECKPOINT_EXIT: u8 = 3;

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Every gate green for the convergence streak (and the skeptic agreed, when enabled).
    Complete,
    /// The implement mode's architecture phase is over and the operator asked to read it
    /// first (`--checkpoint`); the next run continues into the implementation.
    Checkpoint,
    /// SIGINT/SIGTERM, or the peer's turn was interrupted.
    Interrupted,
    /// goals.yaml no longer has the digest accepted at start.
    GoalsMutated,
    /// A budget cap (`max_ticks` and `max_runtime_this_run` included).
    Budget(Cap),
    /// A watched gate failed `stuck_halt_after` evaluations in a row.
    Stuck { gate: String },
    /// No peer can take a turn.
    PeerUnavailable(NoTurn),
    /// The run failed after taking the lock; the label of the driver error.
    Error(String),
}

impl StopReason {
    /// 0 for complete and max_ticks, 3 at the operator's checkpoint, 130 when interrupted,
    /// else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Complete | Self::Budget(Cap::MaxTicks) => 0,
            Self::Checkpoint => CHECKPOINT_EXIT,
            Self::Interrupted => 130,
            _ => 1,
        }
    }

    /// Reads a stop reason back from its text (`last-stop-reason.txt`); `None` for text no
    /// version of peers writes as a run's stop reason (e.g. `preflight`).
    pub fn parse(text: &str) -> Option<StopReason> {
        let reason = match text {
            "complete" => Self::Complete,
            "checkpoint" => Self::Checkpoint,
            "interrupted" => Self::Interrupted,
            "goals-mutated" => Self::GoalsMutated,
            "peer-unavailable:all-peers" => {
                Self::PeerUnavailable(NoTurn::Stranded(Stranded::AllUnavailable))
            }
            "peer-unavailable:all-peers-degraded" => {
                Self::PeerUnavailable(NoTurn::Stranded(Stranded::AllDegraded))
            }
            "peer-unavailable:none-due" => Self::PeerUnavailable(NoTurn::NothingDue),
            "peer-unavailable:no-peers" => Self::PeerUnavailable(NoTurn::NoPeers),
            other => {
                if let Some(gate) = other.strip_prefix("stuck:") {
                    Self::Stuck {
                        gate: gate.to_owned(),
                    }
                } else if let Some(label) = other.strip_prefix("error:") {
                    Self::Error(label.to_owned())
                } else {
                    return ALL_CAPS
                        .into_iter()
                        .find(|cap| cap.stop_reason() == other)
                        .map(Self::Budget);
                }
            }
        };
        Some(reason)
    }
}

const ALL_CAPS: [Cap; 7] = [
    Cap::MaxTicks,
    Cap::MaxIterations,
    Cap::MaxRuntime,
    Cap::MaxRuntimeThisRun,
    Cap::MaxConsecutiveFailures,
    Cap::MaxTokens,
    Cap::MaxUsd,
];

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Complete => f.write_str("complete"),
            Self::Checkpoint => f.write_str("checkpoint"),
            Self::Interrupted => f.write_str("interrupted"),
            Self::GoalsMutated => f.write_str("goals-mutated"),
            Self::Budget(cap) => f.write_str(cap.stop_reason()),
            Self::Stuck { gate } => write!(f, "stuck:{gate}"),
            Self::PeerUnavailable(no_turn) => f.write_str(&no_turn.stop_reason()),
            Self::Error(label) => write!(f, "error:{label}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<StopReason> {
        let mut all = vec![
            StopReason::Complete,
            StopReason::Checkpoint,
            StopReason::Interrupted,
            StopReason::GoalsMutated,
            StopReason::Stuck {
                gate: "tests".into(),
            },
            StopReason::PeerUnavailable(NoTurn::Stranded(Stranded::AllUnavailable)),
            StopReason::PeerUnavailable(NoTurn::Stranded(Stranded::AllDegraded)),
            StopReason::PeerUnavailable(NoTurn::NothingDue),
            StopReason::PeerUnavailable(NoTurn::NoPeers),
            StopReason::Error("dirty-tree".into()),
        ];
        all.extend(ALL_CAPS.into_iter().map(StopReason::Budget));
        all
    }

    #[test]
    fn display_keeps_the_strings_written_to_disk() {
        let texts: Vec<String> = all().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "complete",
                "checkpoint",
                "interrupted",
                "goals-mutated",
                "stuck:tests",
                "peer-unavailable:all-peers",
                "peer-unavailable:all-peers-degraded",
                "peer-unavailable:none-due",
                "peer-unavailable:no-peers",
                "error:dirty-tree",
                "max_ticks",
                "budget:max_iterations",
                "budget:max_runtime",
                "max_runtime_this_run",
                "budget:max_consecutive_failures",
                "budget:max_tokens",
                "budget:max_usd",
            ]
        );
    }

    #[test]
    fn every_reason_reads_back_from_its_text() {
        for reason in all() {
            assert_eq!(StopReason::parse(&reason.to_string()), Some(reason));
        }
        assert_eq!(StopReason::parse("preflight"), None);
    }

    #[test]
    fn only_complete_and_max_ticks_exit_zero() {
        let zero: Vec<String> = all()
            .iter()
            .filter(|r| r.exit_code() == 0)
            .map(ToString::to_string)
            .collect();
        assert_eq!(zero, ["complete", "max_ticks"]);
        assert_eq!(StopReason::Interrupted.exit_code(), 130);
        assert_eq!(StopReason::Checkpoint.exit_code(), 3);
        assert_eq!(StopReason::Budget(Cap::MaxUsd).exit_code(), 1);
    }
}
