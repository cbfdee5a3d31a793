//! The tick in progress as `peers status` and `peers watch` show it: state.json's in-flight
//! marker (durable) joined with `.peers/live.json` (the run's heartbeat: phase, last output
//! line, tokens so far). Shown as running only while a run holds the lock.

use peers_core::state::State;
use peers_driver::live_file::{self, LiveRecord};
use peers_driver::loop_state::LoopState;
use peers_store::layout::PeersDir;
use serde_json::{Value, json};

use super::render::{elapsed_text, fit, shown_text};

/// Characters of the last output line shown by status and watch.
const SHOWN_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct InProgress {
    pub iteration: u64,
    pub peer: String,
    pub skeptic: bool,
    pub started_at: String,
    /// From live.json when it belongs to this tick.
    pub live: Option<LiveRecord>,
}

/// The tick a live run is working on, if any. `running` is whether a process holds the lock;
/// without one an in-flight marker is a crash's leftover, not a tick in progress.
pub fn read(dir: &PeersDir, state: &State, running: bool) -> Option<InProgress> {
    if !running {
        return None;
    }
    let flight = LoopState::read(state).in_flight?;
    let live = live_file::read(dir)
        .filter(|live| live.iteration == flight.iteration && live.peer == flight.peer);
    Some(InProgress {
        iteration: flight.iteration,
        peer: flight.peer,
        skeptic: flight.skeptic,
        started_at: flight.started_at,
        live,
    })
}

impl InProgress {
    pub fn phase(&self) -> &'static str {
        self.live
            .as_ref()
            .map_or("peer", |live| live.phase.as_str())
    }

    pub fn last_line(&self) -> String {
        self.live
            .as_ref()
            .map(|live| fit(&shown_text(&live.last_line), SHOWN_CHARS))
            .unwrap_or_default()
    }

    pub fn to_json(&self) -> Value {
        let live = self.live.as_ref();
        json!({
            "iteration": self.iteration,
            "peer": self.peer,
            "skeptic": self.skeptic,
            "started_at": self.started_at,
            "phase": self.phase(),
            "elapsed_s": live.map(|l| l.elapsed_ms() / 1000),
            "last_line": self.last_line(),
            "tokens": live.map(|l| l.tokens),
            "usd": live.and_then(|l| l.usd),
            "updated_at": live.map(|l| l.updated_at.clone()),
        })
    }

    /// One line: `tick 5 alice — peer working for 1m20s (since …), tokens 1234`.
    pub fn headline(&self) -> String {
        let what = match (self.phase(), self.skeptic) {
            ("judging", _) => "judging its work",
            (_, true) => "working (skeptic re-audit)",
            _ => "working",
        };
        let mut text = format!("tick {} {} {what}", self.iteration, self.peer);
        if let Some(live) = &self.live {
            let elapsed = std::time::Duration::from_millis(live.elapsed_ms());
            text.push_str(&format!(" for {}", elapsed_text(elapsed)));
        }
        text.push_str(&format!(" (started {})", self.started_at));
        if let Some(tokens) = self.live.as_ref().map(|l| l.tokens).filter(|t| *t > 0) {
            text.push_str(&format!(", tokens {tokens}"));
        }
        text
    }
}
