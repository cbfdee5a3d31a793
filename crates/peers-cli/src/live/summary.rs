//! The closing summary of `peers run`: what this run did (ticks, each peer's outcomes, gates,
//! bugs, tokens, cost, wall time), why it stopped, what to do next, and where the report is.

use std::collections::BTreeMap;
use std::time::Duration;

use peers_core::budget::Cap;
use peers_core::stop_reason::StopReason;
use peers_driver::record::TickRecord;

use super::color::{Style, Terminal};
use super::render::elapsed_text;

/// Figures gathered from the ticks of this run as they finish.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RunTally {
    pub ticks: u64,
    /// Peer → outcome (`handoff`, `no-handoff`, a classification) → count, in turn order.
    pub outcomes: Vec<(String, BTreeMap<String, u64>)>,
    pub bugs_filed: u64,
    pub bugs_fixed: u64,
    pub tokens: u64,
    pub usd: f64,
    /// Some tick used tokens at an unknown price.
    pub usd_unknown: bool,
}

/// How a finished tick is named in the live lines and the summary.
pub fn outcome_of(record: &TickRecord) -> String {
    match (record.success, record.classification.as_str()) {
        (true, _) => "handoff".to_owned(),
        (false, "success") => "no-handoff".to_owned(),
        (false, other) => other.to_owned(),
    }
}

impl RunTally {
    pub fn add(&mut self, record: &TickRecord) {
        self.ticks += 1;
        let outcome = outcome_of(record);
        let index = match self.outcomes.iter().position(|(p, _)| *p == record.peer) {
            Some(index) => index,
            None => {
                self.outcomes.push((record.peer.clone(), BTreeMap::new()));
                self.outcomes.len() - 1
            }
        };
        *self.outcomes[index].1.entry(outcome).or_default() += 1;
        self.bugs_filed += record.bugs_filed.len() as u64;
        self.bugs_fixed += record.bugs_resolved.len() as u64;
        self.tokens += record.tokens_this_tick;
        match record.usd_this_tick {
            Some(usd) => self.usd += usd,
            None => self.usd_unknown |= record.tokens_this_tick > 0,
        }
    }
}

/// Everything the summary shows besides the tally.
pub struct RunEnding<'a> {
    pub reason: &'a StopReason,
    pub ticks_in_run: u64,
    pub iteration: u64,
    pub gates: &'a [(String, bool)],
    pub wall: Duration,
    /// The report's path as the user should type it, or why it could not be written.
    pub report: crate::error::CliResult<String>,
}

/// The summary lines (the first one is `Stopped: …`, as before this summary existed).
pub fn render(tally: &RunTally, ending: &RunEnding<'_>, term: Terminal) -> String {
    let reason_style = match ending.reason {
        StopReason::Complete => Style::Good,
        StopReason::Checkpoint
        | StopReason::Interrupted
        | StopReason::Budget(Cap::MaxTicks | Cap::MaxRuntimeThisRun) => Style::Warn,
        _ => Style::Bad,
    };
    let mut out = format!(
        "Stopped: {} (iteration {}, {} tick(s) in this run)\n",
        term.paint(reason_style, &ending.reason.to_string()),
        ending.iteration,
        ending.ticks_in_run
    );
    let row = |out: &mut String, label: &str, text: &str| {
        out.push_str(&format!("  {:<8} {text}\n", format!("{label}:")));
    };
    row(&mut out, "wall", &elapsed_text(ending.wall));
    for (peer, outcomes) in &tally.outcomes {
        let parts: Vec<String> = outcomes
            .iter()
            .map(|(outcome, count)| {
                let style = if outcome == "handoff" {
                    Style::Good
                } else {
                    Style::Bad
                };
                format!("{count} {}", term.paint(style, outcome))
            })
            .collect();
        row(&mut out, "peer", &format!("{peer}: {}", parts.join(", ")));
    }
    row(&mut out, "gates", &gates_text(ending.gates, term));
    row(
        &mut out,
        "bugs",
        &format!("{} filed, {} fixed", tally.bugs_filed, tally.bugs_fixed),
    );
    let cost = if tally.usd_unknown {
        format!("${:.4} + unknown (a price is missing)", tally.usd)
    } else {
        format!("${:.4}", tally.usd)
    };
    row(
        &mut out,
        "usage",
        &format!("{} tokens, {cost}", tally.tokens),
    );
    if let Some(advice) = blocking_advice(ending.reason) {
        row(&mut out, "why", &advice.what);
    }
    row(&mut out, "next", &next_step(ending.reason));
    match &ending.report {
        Ok(path) => row(&mut out, "report", path),
        Err(why) => row(
            &mut out,
            "report",
            &format!("not written ({}); run `peers report`", why.message),
        ),
    }
    out
}

fn blocking_advice(reason: &StopReason) -> Option<peers_core::stop_advice::StopAdvice> {
    peers_core::stop_advice::advise(&reason.to_string()).filter(|advice| advice.blocks_next_run)
}

fn gates_text(gates: &[(String, bool)], term: Terminal) -> String {
    if gates.is_empty() {
        return "not evaluated in this run".to_owned();
    }
    let green = gates.iter().filter(|(_, pass)| *pass).count();
    let red: Vec<&str> = gates
        .iter()
        .filter(|(_, pass)| !*pass)
        .map(|(id, _)| id.as_str())
        .collect();
    let count = format!("{green}/{} green", gates.len());
    if red.is_empty() {
        term.paint(Style::Good, &count)
    } else {
        format!("{count}; red: {}", term.paint(Style::Bad, &red.join(", ")))
    }
}

/// What the user should do after a run that stopped for `reason`.
pub fn next_step(reason: &StopReason) -> String {
    // A stop the next run would stop on too: the one fix (peers_core::stop_advice), as in
    // .peers/HALTED.md and `peers status`.
    if let Some(advice) = blocking_advice(reason) {
        return format!(
            "{}; until then every `peers run` stops before its first tick (.peers/HALTED.md)",
            advice.fix
        );
    }
    let text = match reason {
        StopReason::Checkpoint => {
            return format!(
                "waiting for you at the architecture checkpoint: {}: `peers run` continues",
                peers_core::implement::PAUSE_ADVICE
            );
        }
        StopReason::Complete => {
            "every gate is green and the skeptic tick was clean: review the commits (`git log peers-baseline..`) and the report"
        }
        StopReason::Budget(Cap::MaxTicks) => "`peers run` continues from here",
        StopReason::Budget(Cap::MaxRuntimeThisRun) => {
            "`peers run` continues from here (the wall-clock limit was for this run only)"
        }
        StopReason::Interrupted => "`peers run` resumes; the interrupted tick is already recorded",
        StopReason::GoalsMutated => {
            "goals.yaml changed: restore it, or run `peers goals accept` after a deliberate edit, then `peers run`"
        }
        StopReason::Budget(Cap::MaxConsecutiveFailures) => {
            "the peers kept failing: `peers replay` shows the last tick's output; fix the cause, then see `peers status` for how to continue"
        }
        StopReason::Stuck { .. } => {
            "a gate stayed red for too many evaluations: `peers verify` shows why; fix it, then see `peers status` for how to continue"
        }
        StopReason::Budget(_) => {
            "a budget cap was reached: raise it (the `--max-*` flags or `budget:` in .peers/config.yaml), then `peers run`"
        }
        StopReason::PeerUnavailable(_) => {
            "no peer can take a turn: read .peers/HALTED.md and `peers status`, fix the cause, then `peers revive`"
        }
        StopReason::Error(_) => {
            "the run failed (see the error above); `peers status` and `peers replay` show where it stood"
        }
    };
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(peer: &str, success: bool, classification: &str, tokens: u64) -> TickRecord {
        TickRecord {
            peer: peer.into(),
            success,
            classification: classification.into(),
            tokens_this_tick: tokens,
            usd_this_tick: (tokens > 0).then_some(0.25),
            bugs_filed: vec!["BUG-001".into()],
            ..TickRecord::default()
        }
    }

    #[test]
    fn the_summary_has_every_figure_and_no_colour_when_plain() {
        let mut tally = RunTally::default();
        tally.add(&record("alice", true, "success", 100));
        tally.add(&record("bob", false, "success", 0));
        tally.add(&record("alice", false, "process-fail", 50));
        let ending = RunEnding {
            reason: &StopReason::Budget(Cap::MaxTicks),
            ticks_in_run: 3,
            iteration: 7,
            gates: &[("builds".into(), true), ("tests".into(), false)],
            wall: Duration::from_secs(125),
            report: Ok(".peers/REPORT.md".into()),
        };
        let text = render(&tally, &ending, Terminal::PLAIN);
        assert_eq!(
            text,
            "Stopped: max_ticks (iteration 7, 3 tick(s) in this run)\n  \
             wall:    2m05s\n  \
             peer:    alice: 1 handoff, 1 process-fail\n  \
             peer:    bob: 1 no-handoff\n  \
             gates:   1/2 green; red: tests\n  \
             bugs:    3 filed, 0 fixed\n  \
             usage:   150 tokens, $0.5000\n  \
             next:    `peers run` continues from here\n  \
             report:  .peers/REPORT.md\n"
        );
        let coloured = render(
            &tally,
            &ending,
            Terminal {
                color: true,
                live: true,
            },
        );
        assert!(coloured.contains("\x1b[31m"));
    }

    #[test]
    fn every_stop_reason_says_what_to_do() {
        use peers_core::turns::NoTurn;
        let reasons = [
            StopReason::Stuck {
                gate: "tests-pass".into(),
            },
            StopReason::Budget(Cap::MaxUsd),
            StopReason::PeerUnavailable(NoTurn::NoPeers),
            StopReason::Error("state".into()),
            StopReason::Budget(Cap::MaxTicks),
            StopReason::Interrupted,
            StopReason::Checkpoint,
        ];
        let steps: std::collections::BTreeSet<String> = reasons.iter().map(next_step).collect();
        assert_eq!(steps.len(), reasons.len(), "{steps:?}");
    }
}
