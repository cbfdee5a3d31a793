//! `peers watch`: follow `.peers/log/runs.jsonl` live, one line per tick, and `.peers/live.json`
//! for the tick in progress (a line when it starts, a heartbeat line while it runs); exit when the
//! run ends (an exit record arrives, or no run holds the lock any more).

use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, Instant};

use clap::Args;
use peers_driver::record::Record;
use peers_store::jsonl_lines::{Line, LineReader};
use peers_store::run_lock::LockState;

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Also print the records already in the log.
    #[arg(long)]
    pub from_start: bool,
    /// Seconds between polls.
    #[arg(long, default_value_t = 0.5)]
    pub poll_s: f64,
}

pub fn run(directory: Option<&Path>, args: &WatchArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let path = project.dir.runs_jsonl();
    let mut file = std::fs::File::open(&path)
        .map_err(|err| CliError::failed(format!("cannot open {}: {err}", path.display())))?;
    let mut offset = if args.from_start {
        0
    } else {
        file.seek(SeekFrom::End(0)).unwrap_or(0)
    };
    let poll = Duration::from_secs_f64(args.poll_s.clamp(0.05, 60.0));
    let mut idle_polls_without_run = 0;
    let mut caught_up = false;
    let mut live = LiveFollower::new(crate::live::screen::heartbeat_interval());
    loop {
        // One line at a time from where the last poll stopped; a line still being written
        // (no newline yet) is read again at the next poll.
        let _ = file.seek(SeekFrom::Start(offset));
        let mut reader = LineReader::new(&mut file, offset);
        let mut read = false;
        while let Ok(Some(located)) = reader.next_line() {
            let bytes = match located.line {
                Line::Complete(bytes) => Some(bytes),
                Line::TooLong { terminated: true } => None,
                Line::Unterminated(_) | Line::TooLong { terminated: false } => break,
            };
            offset = located.offset + located.len;
            read = true;
            let Some(value) = bytes.and_then(|b| serde_json::from_slice(b).ok()) else {
                continue;
            };
            match Record::from_value(value) {
                Record::Tick(t) => println!(
                    "tick {} {} {} {} ms{}",
                    t.iteration,
                    t.peer,
                    if t.success {
                        "handoff"
                    } else {
                        t.classification.as_str()
                    },
                    t.duration_ms,
                    t.soft_fail_reason
                        .as_deref()
                        .filter(|_| !t.success)
                        .map(|r| format!(" — {r}"))
                        .unwrap_or_default()
                ),
                Record::Exit(e) => {
                    println!("run ended: {} (iteration {})", e.reason, e.iteration);
                    if caught_up {
                        return Ok(0);
                    }
                }
                Record::Other(_) => {}
            }
        }
        caught_up = true;
        let running = matches!(
            peers_store::run_lock::probe_lock(&project.dir)?,
            LockState::Held { .. }
        );
        if running {
            live.poll(&project.dir);
        }
        idle_polls_without_run = if running || read {
            0
        } else {
            idle_polls_without_run + 1
        };
        if idle_polls_without_run >= 3 {
            println!("no run is active");
            return Ok(0);
        }
        std::thread::sleep(poll);
    }
}

/// The tick in progress as watch reports it: a line when one starts, then one every interval.
struct LiveFollower {
    interval: Duration,
    current: Option<(u64, String)>,
    last_print: Instant,
}

impl LiveFollower {
    fn new(interval: Duration) -> Self {
        Self {
            interval,
            current: None,
            last_print: Instant::now(),
        }
    }

    fn poll(&mut self, dir: &peers_store::layout::PeersDir) {
        let Some(live) = peers_driver::live_file::read(dir) else {
            return;
        };
        let key = (live.iteration, live.peer.clone());
        let tick = crate::live::render::LiveTick {
            iteration: live.iteration,
            peer: live.peer.clone(),
            skeptic: live.skeptic,
            judging: live.phase == peers_driver::live_file::LivePhase::Judging,
            last_line: live.last_line.clone(),
            tokens: live.tokens,
        };
        let elapsed = Duration::from_millis(live.elapsed_ms());
        if self.current.as_ref() != Some(&key) {
            let what = if live.skeptic {
                " (skeptic re-audit)"
            } else {
                ""
            };
            println!(
                "tick {} {}{what} started at {}",
                live.iteration, live.peer, live.started_at
            );
            self.current = Some(key);
            self.last_print = Instant::now();
        } else if self.last_print.elapsed() >= self.interval {
            let line = crate::live::render::heartbeat_line(&tick, elapsed);
            println!("{}", line.trim_start_matches("peers: "));
            self.last_print = Instant::now();
        }
    }
}
