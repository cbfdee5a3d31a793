//! Live progress of a run on stderr: a line when a tick starts and when it ends, notes, the
//! stop reason, and while a peer works the live line or heartbeat of [`crate::live::screen`].
//! It also tallies the finished ticks for the closing summary.

use peers_driver::progress::{Progress, ProgressSink};

use crate::live::color::{Style, Terminal};
use crate::live::render::LiveTick;
use crate::live::screen::Screen;
use crate::live::summary::{RunTally, outcome_of};

pub struct TerminalProgress {
    quiet: bool,
    term: Terminal,
    screen: Screen,
    pub tally: RunTally,
}

impl TerminalProgress {
    pub fn new(quiet: bool, term: Terminal, heartbeat: std::time::Duration) -> Self {
        Self {
            quiet,
            term,
            screen: Screen::start(term, heartbeat, quiet),
            tally: RunTally::default(),
        }
    }

    /// Stops the live display; the summary may be printed after this.
    pub fn finish(self) -> RunTally {
        self.screen.finish();
        self.tally
    }

    fn say(&self, line: &str) {
        if !self.quiet {
            self.screen.print(line);
        }
    }
}

impl ProgressSink for TerminalProgress {
    fn event(&mut self, event: Progress<'_>) {
        match event {
            Progress::Started { iteration, peers } => self.say(&format!(
                "peers: run started at iteration {iteration} with {}",
                peers.join(", ")
            )),
            Progress::Resumed { detail } => self.say(&format!("peers: resumed: {detail}")),
            Progress::TickStarted {
                iteration,
                peer,
                skeptic,
            } => {
                let what = if skeptic { " (skeptic re-audit)" } else { "" };
                self.say(&format!("peers: tick {iteration} {peer}{what} …"));
                self.screen.begin_tick(LiveTick {
                    iteration,
                    peer: peer.to_owned(),
                    skeptic,
                    ..LiveTick::default()
                });
            }
            Progress::PeerOutput { line } => self.screen.last_line(line),
            Progress::PeerUsage { tokens, .. } => self.screen.update(|tick| tick.tokens = tokens),
            Progress::Judging { .. } => self.screen.update(|tick| tick.judging = true),
            Progress::TickFinished { record } => {
                self.screen.end_tick();
                self.tally.add(record);
                if !self.quiet {
                    self.print_finished(record);
                }
            }
            Progress::Note(note) => self.say(&format!("peers: {note}")),
            Progress::Stopped { reason } => {
                self.screen.end_tick();
                self.say(&format!("peers: stopping: {reason}"));
            }
        }
    }
}

impl TerminalProgress {
    fn print_finished(&self, record: &peers_driver::record::TickRecord) {
        let status = outcome_of(record);
        let style = if record.success {
            Style::Good
        } else {
            Style::Bad
        };
        let cost = match (record.usd_this_tick, record.usd_unknown) {
            (Some(usd), _) => format!(" ${usd:.4}"),
            (None, true) if record.tokens_this_tick > 0 => " $?".to_owned(),
            _ => String::new(),
        };
        let gates_total = record.gates.hard.len();
        let gates_pass = record
            .gates
            .hard
            .values()
            .filter(|v| **v == peers_core::state::GoalState::Pass)
            .count();
        let mut line = format!(
            "peers: tick {} {} {} {:.1}s gates {gates_pass}/{gates_total}",
            record.iteration,
            record.peer,
            self.term.paint(style, &status),
            record.duration_ms as f64 / 1000.0
        );
        if record.tokens_this_tick > 0 {
            line.push_str(&format!(" tokens {}{cost}", record.tokens_this_tick));
        }
        if let Some(reason) = record
            .soft_fail_reason
            .as_deref()
            .filter(|_| !record.success)
        {
            line.push_str(&format!(" — {reason}"));
        }
        self.screen.print(&line);
        for note in record
            .integrity
            .iter()
            .chain(record.identity_violations.iter())
        {
            self.screen.print(&format!(
                "peers:   {} {note}",
                self.term.paint(Style::Warn, "!")
            ));
        }
    }
}
