//! What one `peers run` (or `peers tick`) was asked to do: the command-line overrides on top of
//! config.yaml.

use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Stop after this many ticks in this run (`--max-ticks`; `peers tick` = 1).
    pub max_ticks: Option<u64>,
    /// Overrides `budget.max_usd`.
    pub max_usd: Option<f64>,
    /// Overrides `budget.max_tokens`.
    pub max_tokens: Option<u64>,
    /// Wall-clock limit of this run (`--max-runtime`).
    pub max_runtime: Option<Duration>,
    /// Write `.peers/recon.md` before the first tick.
    pub recon: bool,
    /// Write `.peers/codemap.md` and `.peers/CODEMAP.yaml` before the first tick.
    pub codemap: bool,
    /// Run one critical re-audit tick before declaring completion.
    pub skeptic: bool,
    /// Start on a working tree with uncommitted changes (`--allow-dirty`): they are stashed
    /// under a name that says they are the user's, before the first tick.
    pub allow_dirty: bool,
    /// The turn being judged happened in an interactive session (`driver: hooks`): the
    /// working tree's edits are that turn's, not the user's, and are judged with it.
    pub interactive: bool,
}

impl RunOptions {
    pub fn new() -> Self {
        Self {
            recon: true,
            codemap: true,
            skeptic: true,
            ..Self::default()
        }
    }
}
