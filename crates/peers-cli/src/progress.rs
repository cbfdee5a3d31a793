//! Live progress of a run on the terminal: one line per tick as it ends, notes, the stop reason.

use peers_driver::progress::{Progress, ProgressSink};

pub struct TerminalProgress {
    quiet: bool,
}

impl TerminalProgress {
    pub fn new(quiet: bool) -> Self {
        Self { quiet }
    }
}

impl ProgressSink for TerminalProgress {
    fn event(&mut self, event: Progress<'_>) {
        if self.quiet {
            return;
        }
        match event {
            Progress::Started { iteration, peers } => {
                eprintln!(
                    "peers: run started at iteration {iteration} with {}",
                    peers.join(", ")
                );
            }
            Progress::Resumed { detail } => eprintln!("peers: resumed: {detail}"),
            Progress::TickStarted {
                iteration,
                peer,
                skeptic,
            } => {
                let what = if skeptic { " (skeptic re-audit)" } else { "" };
                eprintln!("peers: tick {iteration} {peer}{what} …");
            }
            Progress::TickFinished { record } => {
                let status = match (record.success, record.classification.as_str()) {
                    (true, _) => "handoff".to_owned(),
                    (false, "success") => "no-handoff".to_owned(),
                    (false, other) => other.to_owned(),
                };
                let cost = match (record.usd_this_tick, record.usd_unknown) {
                    (Some(usd), _) => format!(" ${usd:.4}"),
                    (None, true) if record.tokens_this_tick > 0 => " $?".to_owned(),
                    _ => String::new(),
                };
                let gates_total = record.gates.hard.len();
                let gates_pass = record.gates.hard.values().filter(|v| *v == "pass").count();
                let mut line = format!(
                    "peers: tick {} {} {} {:.1}s gates {gates_pass}/{gates_total}",
                    record.iteration,
                    record.peer,
                    status,
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
                eprintln!("{line}");
                for note in record
                    .integrity
                    .iter()
                    .chain(record.identity_violations.iter())
                {
                    eprintln!("peers:   ! {note}");
                }
            }
            Progress::Note(note) => eprintln!("peers: {note}"),
            Progress::Stopped { reason } => eprintln!("peers: stopping: {reason}"),
        }
    }
}
