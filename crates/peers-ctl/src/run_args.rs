//! The options of `start` and `stop`: parsed by the command line, read by every backend.

use clap::Args;

#[derive(Debug, Args)]
pub struct StartArgs {
    /// The project (optional when only one is registered).
    pub name: Option<String>,
    /// Stop after this many ticks in this run.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_ticks: Option<u64>,
    /// Cap the total cost in USD.
    #[arg(long, value_name = "USD")]
    pub max_usd: Option<f64>,
    /// Cap the total tokens.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u64>,
    /// Wall-clock limit of this run: seconds, or 90s, 30m, 8h.
    #[arg(long, value_name = "DURATION")]
    pub max_runtime: Option<String>,
    /// Do not write the repository survey (recon) before the first tick.
    #[arg(long)]
    pub without_recon: bool,
    /// Do not write the codemap before the first tick.
    #[arg(long)]
    pub no_codemap: bool,
    /// Declare completion without the extra critical re-audit (skeptic) tick.
    #[arg(long)]
    pub without_post_convergence_skeptic: bool,
    /// Start even with uncommitted changes (they are stashed under a name saying they are yours).
    #[arg(long)]
    pub allow_dirty: bool,
    /// Implement mode: stop for you once the architecture phase is over (passed to
    /// `peers run --checkpoint`; kept in the project's state until the pause happened).
    /// Read ARCHITECTURE.intended.md and PLAN.aligned.md, edit them if needed, then
    /// `peers-ctl start <name>` continues into the implementation.
    #[arg(long)]
    pub checkpoint: bool,
    /// How the run's agents run: `native` confines each turn, `podman` runs each turn in a
    /// throwaway podman container, `none` runs them on the host (passed to
    /// `peers run --sandbox`; see `peers run --help`). `--container` is `--sandbox podman`.
    #[arg(long, value_name = "BACKEND", value_parser = ["native", "podman", "none"])]
    pub sandbox: Option<String>,
    /// Same as `--sandbox podman` (the name the original tool used).
    #[arg(long, conflicts_with = "sandbox")]
    pub container: bool,
    /// kubernetes backend: print the objects `start` would apply (a JSON `List`: run record,
    /// NetworkPolicy, volume, Job) and apply nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the started run as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// The project (optional when only one is registered).
    pub name: Option<String>,
    /// Seconds between SIGTERM and SIGKILL.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub grace_s: f64,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
}
