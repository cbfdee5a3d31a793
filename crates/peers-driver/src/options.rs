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
    /// `--checkpoint`: an implement run stops for the operator once the architecture phase is
    /// over (kept in state.json until it happened).
    pub checkpoint: bool,
    /// The turn being judged happened in an interactive session (`driver: hooks`): the
    /// working tree's edits are that turn's, not the user's, and are judged with it.
    pub interactive: bool,
    /// Push the branch and a `.peers/` snapshot to the git remote after every tick and at the
    /// stop (`--push-state`; a Kubernetes pod sets it through `PEERS_K8S_RUN`).
    pub push_state: Option<PushTarget>,
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

/// Where the run pushes its durable record (`peers run --push-state <RUN>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    /// A remote name or URL (`origin`: the remote the pod cloned from).
    pub remote: String,
    /// The run id: the state goes to `refs/peers/<run>/state`.
    pub run: String,
}

/// Why a run id cannot name the state ref.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunIdError {
    #[error("the run id is empty")]
    Empty,
    #[error("the run id `{run}` contains {character:?}")]
    Character { run: String, character: char },
    #[error("the run id `{run}` is not a valid git ref name")]
    NotARefName { run: String },
}

impl PushTarget {
    /// `run` must be usable as one ref component: ASCII letters, digits, `-`, `_` and `.`,
    /// not starting with `-` or `.`, no `..`. The error says which character is wrong.
    pub fn new(remote: &str, run: &str) -> Result<Self, RunIdError> {
        let bad = run
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
        if run.is_empty() {
            return Err(RunIdError::Empty);
        }
        if let Some(character) = bad {
            return Err(RunIdError::Character {
                run: run.to_owned(),
                character,
            });
        }
        if run.starts_with(['-', '.']) || run.contains("..") || run.ends_with(".lock") {
            return Err(RunIdError::NotARefName {
                run: run.to_owned(),
            });
        }
        Ok(Self {
            remote: remote.to_owned(),
            run: run.to_owned(),
        })
    }

    pub fn state_ref(&self) -> String {
        format!("refs/peers/{}/state", self.run)
    }
}

#[cfg(test)]
mod tests {
    use super::PushTarget;

    #[test]
    fn run_ids_must_make_one_ref_component() {
        let ok = PushTarget::new("origin", "far-2.x_y").unwrap();
        assert_eq!(ok.state_ref(), "refs/peers/far-2.x_y/state");
        for bad in ["", "a/b", "-x", ".x", "a..b", "a b", "x.lock", "a~1", "é"] {
            assert!(PushTarget::new("origin", bad).is_err(), "{bad}");
        }
    }
}
