//! What the driver tells its caller as the run goes: the CLI prints these live.

use crate::record::TickRecord;

#[derive(Debug)]
pub enum Progress<'a> {
    Started {
        iteration: u64,
        peers: &'a [String],
    },
    Resumed {
        detail: String,
    },
    TickStarted {
        iteration: u64,
        peer: &'a str,
        skeptic: bool,
    },
    /// One non-empty line of the running peer's output (stdout or stderr), as it arrives.
    PeerOutput {
        line: &'a str,
    },
    /// The running peer's usage so far (cumulative), when its CLI streams it.
    PeerUsage {
        tokens: u64,
        usd: Option<f64>,
    },
    /// The peer's process ended; its commits and the gates are being judged.
    Judging {
        iteration: u64,
    },
    TickFinished {
        record: &'a TickRecord,
    },
    Note(String),
    Stopped {
        reason: &'a peers_core::stop_reason::StopReason,
    },
}

pub trait ProgressSink {
    fn event(&mut self, event: Progress<'_>);
}

/// Discards everything.
pub struct Silent;

impl ProgressSink for Silent {
    fn event(&mut self, _event: Progress<'_>) {}
}
