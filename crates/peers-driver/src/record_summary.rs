//! One streaming pass over runs.jsonl for `peers report`: per-peer tallies, the newest rows of
//! the gate timeline, integrity findings and run exits, in memory bounded whatever the log's
//! size (one line at a time; only the newest rows and findings are kept, clipped).

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Timeline rows kept (the newest).
pub const TIMELINE_ROWS: usize = 50;
/// Integrity findings kept (the newest); the total is counted.
pub const FINDINGS_KEPT: usize = 200;
/// Run exits kept (the newest); the total is counted.
pub const EXITS_KEPT: usize = 50;
/// Characters kept of one text field.
const CLIP_CHARS: usize = 300;

/// What one peer's ticks add up to.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerTally {
    pub ticks: u64,
    pub handoffs: u64,
    pub failures: u64,
    pub tokens: u64,
    pub usd: f64,
    pub usd_unknown: bool,
}

/// One row of the gate timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub iteration: u64,
    pub peer: String,
    /// `handoff` or the classification.
    pub outcome: String,
    pub passing: usize,
    pub gates: usize,
    pub failing: Vec<String>,
    /// Why a failed tick failed (empty for a handoff).
    pub reason: String,
}

/// One run's exit record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExitLine {
    pub ts: String,
    pub reason: String,
    pub ticks_in_run: u64,
}

/// Everything `peers report` shows from the log. Summaries of consecutive parts of the log
/// combine with [`LogSummary::append`], so parts can be read in parallel or from a cache.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogSummary {
    pub ticks: u64,
    pub tallies: BTreeMap<String, PeerTally>,
    pub timeline: VecDeque<TimelineRow>,
    pub findings: VecDeque<String>,
    pub findings_total: u64,
    pub exits: VecDeque<ExitLine>,
    pub exits_total: u64,
    /// Torn last lines moved to a quarantine file (`log_repaired` records), newest kept.
    pub repairs: VecDeque<String>,
    /// Lines that could not be read (torn, not JSON, over the line cap).
    pub malformed: usize,
}

/// The fields of a record the summary reads; everything else is skipped unparsed.
#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    iteration: Option<u64>,
    #[serde(default)]
    peer: String,
    #[serde(default)]
    success: bool,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    tokens_this_tick: u64,
    #[serde(default)]
    usd_this_tick: Option<f64>,
    #[serde(default)]
    soft_fail_reason: Option<String>,
    #[serde(default)]
    integrity: Vec<String>,
    #[serde(default)]
    identity_violations: Vec<String>,
    #[serde(default)]
    gates: Gates,
    #[serde(default)]
    ts: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ticks_in_run: u64,
    #[serde(default)]
    quarantined_bytes: u64,
    #[serde(default)]
    quarantine: Option<String>,
}

#[derive(Default, Deserialize)]
struct Gates {
    #[serde(default)]
    hard: BTreeMap<String, String>,
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(CLIP_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn push_capped<T>(queue: &mut VecDeque<T>, item: T, cap: usize) {
    if queue.len() == cap {
        queue.pop_front();
    }
    queue.push_back(item);
}

/// Appends `later` to `queue`, keeping the newest `cap`.
fn append_capped<T>(queue: &mut VecDeque<T>, later: VecDeque<T>, cap: usize) {
    queue.extend(later);
    while queue.len() > cap {
        queue.pop_front();
    }
}

impl LogSummary {
    /// This summary followed by `later`, the summary of the lines right after this one's.
    pub fn append(&mut self, later: LogSummary) {
        self.ticks += later.ticks;
        for (peer, tally) in later.tallies {
            let mine = self.tallies.entry(peer).or_default();
            mine.ticks += tally.ticks;
            mine.handoffs += tally.handoffs;
            mine.failures += tally.failures;
            mine.tokens += tally.tokens;
            mine.usd += tally.usd;
            mine.usd_unknown |= tally.usd_unknown;
        }
        append_capped(&mut self.timeline, later.timeline, TIMELINE_ROWS);
        append_capped(&mut self.findings, later.findings, FINDINGS_KEPT);
        self.findings_total += later.findings_total;
        append_capped(&mut self.exits, later.exits, EXITS_KEPT);
        self.exits_total += later.exits_total;
        append_capped(&mut self.repairs, later.repairs, EXITS_KEPT);
        self.malformed += later.malformed;
    }

    /// Adds one line of the log; false when it is not a JSON object.
    pub fn add_line(&mut self, bytes: &[u8]) -> bool {
        let line: Line = match serde_json::from_slice(bytes) {
            Ok(line) => line,
            // A JSON object with unexpected field types is another kind of record, not noise.
            Err(_) => {
                return serde_json::from_slice::<serde_json::Value>(bytes)
                    .is_ok_and(|v| v.is_object());
            }
        };
        match (line.event.as_deref(), line.iteration) {
            (Some("exit"), _) => self.add_exit(line),
            (Some("log_repaired"), _) => {
                let repair = format!(
                    "{}: an incomplete last line of {} bytes (an interrupted write) was moved to .peers/log/{}",
                    clip(&line.ts),
                    line.quarantined_bytes,
                    clip(line.quarantine.as_deref().unwrap_or("runs.jsonl.torn"))
                );
                push_capped(&mut self.repairs, repair, EXITS_KEPT);
            }
            (Some("tick") | None, Some(iteration)) => self.add_tick(line, iteration),
            _ => {}
        }
        true
    }

    fn add_exit(&mut self, line: Line) {
        self.exits_total += 1;
        let exit = ExitLine {
            ts: clip(&line.ts),
            reason: clip(&line.reason),
            ticks_in_run: line.ticks_in_run,
        };
        push_capped(&mut self.exits, exit, EXITS_KEPT);
    }

    fn add_tick(&mut self, line: Line, iteration: u64) {
        self.ticks += 1;
        let tally = self.tallies.entry(clip(&line.peer)).or_default();
        tally.ticks += 1;
        if line.success {
            tally.handoffs += 1;
        } else {
            tally.failures += 1;
        }
        tally.tokens += line.tokens_this_tick;
        match line.usd_this_tick {
            Some(usd) => tally.usd += usd,
            None => tally.usd_unknown |= line.tokens_this_tick > 0,
        }
        for finding in line.integrity.iter().chain(&line.identity_violations) {
            self.findings_total += 1;
            let finding = format!("tick {iteration}: {}", clip(finding));
            push_capped(&mut self.findings, finding, FINDINGS_KEPT);
        }
        let failing: Vec<String> = line
            .gates
            .hard
            .iter()
            .filter(|(_, verdict)| *verdict != "pass")
            .take(20)
            .map(|(id, _)| clip(id))
            .collect();
        let gates = line.gates.hard.len();
        let passing = line.gates.hard.values().filter(|v| *v == "pass").count();
        let row = TimelineRow {
            iteration,
            peer: clip(&line.peer),
            outcome: if line.success {
                "handoff".to_owned()
            } else {
                clip(&line.classification)
            },
            passing,
            gates,
            failing,
            reason: line
                .soft_fail_reason
                .as_deref()
                .filter(|_| !line.success)
                .map(clip)
                .unwrap_or_default(),
        };
        push_capped(&mut self.timeline, row, TIMELINE_ROWS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary_of(lines: &[&str]) -> LogSummary {
        let mut summary = LogSummary::default();
        for line in lines {
            if !summary.add_line(line.as_bytes()) {
                summary.malformed += 1;
            }
        }
        summary
    }

    #[test]
    fn ticks_exits_and_findings_are_tallied() {
        let summary = summary_of(&[
            r#"{"event":"tick","iteration":1,"peer":"a","success":true,"tokens_this_tick":10,"usd_this_tick":0.5,"gates":{"hard":{"g1":"pass","g2":"fail"}}}"#,
            r#"{"iteration":2,"peer":"b","success":false,"classification":"timeout","soft_fail_reason":"slow","tokens_this_tick":3,"integrity":["x"]}"#,
            r#"{"event":"exit","ts":"t","reason":"complete","ticks_in_run":2,"iteration":2}"#,
            r#"{"event":"tick","iteration":"#,
            r#"{"event":"note","iteration":"three"}"#,
        ]);
        assert_eq!(summary.ticks, 2);
        assert_eq!(summary.malformed, 1, "the torn line");
        let a = &summary.tallies["a"];
        assert_eq!((a.ticks, a.handoffs, a.tokens, a.usd), (1, 1, 10, 0.5));
        let b = &summary.tallies["b"];
        assert!(b.usd_unknown && b.failures == 1);
        assert_eq!(summary.timeline[0].failing, vec!["g2".to_owned()]);
        assert_eq!(summary.timeline[0].passing, 1);
        assert_eq!(summary.timeline[1].reason, "slow");
        assert_eq!(summary.findings, ["tick 2: x"]);
        assert_eq!(summary.exits[0].reason, "complete");
    }

    #[test]
    fn summaries_of_consecutive_parts_append_to_the_summary_of_the_whole() {
        let lines: Vec<String> = (1..=(TIMELINE_ROWS as u64 * 3))
            .map(|i| match i % 4 {
                0 => format!(r#"{{"event":"exit","ts":"t{i}","reason":"r","ticks_in_run":{i}}}"#),
                1 => format!(r#"{{"iteration":{i},"peer":"a","tokens_this_tick":{i},"usd_this_tick":0.25,"integrity":["f{i}"]}}"#),
                2 => format!(r#"{{"iteration":{i},"peer":"b","success":true,"tokens_this_tick":1,"gates":{{"hard":{{"g":"fail"}}}}}}"#),
                _ => "not json".to_owned(),
            })
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let whole = summary_of(&refs);
        for cut in [0, 1, 7, TIMELINE_ROWS, refs.len() - 1, refs.len()] {
            let mut parts = summary_of(&refs[..cut]);
            parts.append(summary_of(&refs[cut..]));
            assert_eq!(parts, whole, "cut at {cut}");
        }
    }

    #[test]
    fn only_the_newest_rows_are_kept() {
        let lines: Vec<String> = (1..=(TIMELINE_ROWS as u64 + 30))
            .map(|i| format!(r#"{{"iteration":{i},"peer":"a","integrity":["f{i}"]}}"#))
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let summary = summary_of(&refs);
        assert_eq!(summary.timeline.len(), TIMELINE_ROWS);
        assert_eq!(summary.timeline[0].iteration, 31);
        assert_eq!(summary.ticks, TIMELINE_ROWS as u64 + 30);
        assert_eq!(summary.findings_total, TIMELINE_ROWS as u64 + 30);
    }
}
