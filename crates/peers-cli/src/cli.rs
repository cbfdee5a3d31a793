//! The command-line surface of `peers`: global options and one subcommand per verb.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::CliResult;

use crate::commands::{
    self, agents_md::AgentsMdArgs, bugs::BugsArgs, demo::DemoArgs, doctor::DoctorArgs,
    goals::GoalsArgs, hooks::HooksArgs, info::InfoArgs, init::InitArgs, modes::ModesArgs,
    msg::MsgArgs, replay::ReplayArgs, report::ReportArgs, review::ReviewArgs, revive::ReviveArgs,
    run::RunArgs, serve::ServeArgs, serve::StatsArgs, sim_agent::SimAgentArgs, status::StatusArgs,
    survey::SurveyArgs, tick::TickArgs, tmux::TmuxArgs, verify::VerifyArgs, watch::WatchArgs,
};

const AFTER_HELP: &str = "\
Exit codes:
  0    success (for verify: every gate passed)
  1    gates failed or the run did not complete
  2    usage or configuration error (nothing was written)
  3    run/tick: an implement run paused for you after its architecture phase (--checkpoint)
  130  interrupted

Start here:
  peers demo          see the whole loop on a sample repository (no API keys)
  peers init          write .peers/ into this git repository
  peers info          check the configuration: peers, the exact commands, goals, budget
  peers doctor        check that the agent CLIs, their logins and the gates' tools are ready
  peers verify        run every hard gate now and write .peers/VERIFY.md
  peers run           let the peers work until the gates are honestly green";

/// Drive AI coding-agent CLIs as cooperating peers on a git repository, with hard gates
/// that must be green before anything counts as done.
#[derive(Debug, Parser)]
#[command(name = "peers", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Run as if peers was started in DIR (the target repository).
    #[arg(short = 'C', long = "target", value_name = "DIR", global = true)]
    pub directory: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write .peers/ (config, goals, state, log), tag peers-baseline, ignore .peers/ in git.
    Init(InitArgs),
    /// Show the configuration as peers resolves it: peers and their exact commands, goals, budget, health.
    Info(InfoArgs),
    /// Check what `peers run` needs before it spends anything: each peer's program starts and
    /// finds its login, the variables its env: names are set, the gates' tools are installed,
    /// the tree is clean, peers-baseline exists. Exit 1 when a problem would stop the run.
    Doctor(DoctorArgs),
    /// Show the run's iteration, the next peer, whether a run holds the lock and the tick in progress.
    Status(StatusArgs),
    /// Run every hard gate and verify command now on the commit at HEAD (in a scratch checkout
    /// under .git/, so uncommitted, untracked and ignored files are not judged; commit first);
    /// write .peers/VERIFY.md; exit 0 iff all pass.
    Verify(VerifyArgs),
    /// Inspect or accept goals.yaml (the goal-mutation lock).
    Goals(GoalsArgs),
    /// The modes `peers init --modes` applies (built-in and user modes) and their gates.
    Modes(ModesArgs),
    /// Run the loop: peers take turns until the gates are green and the skeptic tick is clean,
    /// or a cap stops it. Ctrl-C stops gracefully, running gates included (exit 130). First the
    /// preflight (`peers doctor`): a problem stops the run before any tick (exit 2). Every stop
    /// says what to do next (also in .peers/HALTED.md when the next run would stop at once).
    ///
    /// While a peer works: a live line on a terminal, else a heartbeat line every 30 s
    /// (PEERS_HEARTBEAT_S sets the interval in seconds). Ends with a summary and writes
    /// .peers/REPORT.md. Colour only on a terminal; NO_COLOR=1 or --color never turns it off.
    Run(RunArgs),
    /// Run exactly one tick (same flags as run). With --after PEER (driver: hooks, run by the
    /// agents' Stop hooks): judge the turn PEER just finished in its own session, hand the
    /// turn on and write the next prompt; no agent is started.
    Tick(TickArgs),
    /// The agents' Stop hooks of the hooks driver (`driver: hooks`): install them into your
    /// Claude Code / Codex / Gemini CLI configuration, uninstall them, or write the snippets.
    Hooks(HooksArgs),
    /// The sessions driver (`driver: sessions`): one tmux window per peer running its CLI
    /// interactively, and a watch window; up, down, attach.
    Tmux(TmuxArgs),
    /// The file message channel (`comm: hybrid`): send a message to a peer, list or follow them.
    Msg(MsgArgs),
    /// Show what the peer saw and did in one tick: record, prompt, commits, output.
    Replay(ReplayArgs),
    /// Write .peers/REPORT.md: ticks, peers, bugs, gate timeline, tokens and cost.
    Report(ReportArgs),
    /// Follow the run live: each tick as it starts (with a heartbeat while it runs) and ends; exits when the run ends.
    Watch(WatchArgs),
    /// The bug ledger from the commit history: summary, list, or gate (exit 1 when blocking bugs are open).
    Bugs(BugsArgs),
    /// Put a halted, degraded or unavailable peer back into the rotation; --counters resets the
    /// failure streak and stuck-gate counters after a stuck:<gate> or max_consecutive_failures stop.
    Revive(ReviveArgs),
    /// The whole loop on a sample repository with two simulated peers: no network, no API keys.
    Demo(DemoArgs),
    /// Run a scripted agent (used by the demo and by tests).
    #[command(hide = true)]
    SimAgent(SimAgentArgs),
    /// Write .peers/recon.md (languages, build files, entry points, docs, tree) and
    /// .peers/codemap.md + CODEMAP.yaml (public symbols read from syntax trees) now, as
    /// `peers run` does before its first tick. Symlinks are not followed; sizes are capped.
    Survey(SurveyArgs),
    /// Write the generated reference block of AGENTS.md from CODEMAP.yaml (the document mode's
    /// reference: every public symbol with its line, signature and summary); text around the
    /// block is kept. --check exits 1 when the block is out of date.
    AgentsMd(AgentsMdArgs),
    /// Blind-debate review of a diff, a commit, the uncommitted changes or a question by every peer, read-only.
    Review(ReviewArgs),
    /// Implement mode: change the frozen acceptance command, with a reason recorded in the
    /// signed contract chain (operator only; refused while a run holds the lock unless --force).
    Amend(crate::commands::contract::AmendArgs),
    /// Implement mode: acknowledge a [BLOCKED] step (it becomes [BLOCKED-ACK], signed in the
    /// contract chain with the reason; it still does not count as done).
    AckBlock(crate::commands::contract::AckBlockArgs),
    /// Serve this project's pages over HTTP (127.0.0.1, token required): run, gate heat map,
    /// plots, ticks, diff, bugs, reviews, analytics, live updates (`peers-ctl serve`: every project).
    Serve(ServeArgs),
    /// The credential sidecar of a Kubernetes pod: model-API reverse proxies and the git relay on
    /// 127.0.0.1, holding the credentials the agents never see (used by peers-ctl's pods).
    #[command(hide = true)]
    Proxy(crate::commands::proxy::ProxyArgs),
    /// Analytics per peer and per agent CLI: ticks, success, bugs filed / confirmed / rejected,
    /// fixes that held, review findings accepted, tokens, cost per fix that held.
    Stats(StatsArgs),
}

/// Runs the one command `cli` names.
pub fn dispatch(cli: Cli) -> CliResult<u8> {
    let directory = cli.directory.as_deref();
    match &cli.command {
        Command::Init(args) => commands::init::run(directory, args),
        Command::Info(args) => commands::info::run(directory, args),
        Command::Doctor(args) => commands::doctor::run(directory, args),
        Command::Status(args) => commands::status::run(directory, args),
        Command::Verify(args) => commands::verify::run(directory, args),
        Command::Goals(args) => commands::goals::run(directory, args),
        Command::Modes(args) => commands::modes::run(directory, args),
        Command::Run(args) => commands::run::run(directory, args),
        Command::Tick(args) => commands::tick::run(directory, args),
        Command::Hooks(args) => commands::hooks::run(directory, args),
        Command::Tmux(args) => commands::tmux::run(directory, args),
        Command::Msg(args) => commands::msg::run(directory, args),
        Command::Replay(args) => commands::replay::run(directory, args),
        Command::Report(args) => commands::report::run(directory, args),
        Command::Watch(args) => commands::watch::run(directory, args),
        Command::Bugs(args) => commands::bugs::run(directory, args),
        Command::Revive(args) => commands::revive::run(directory, args),
        Command::Demo(args) => commands::demo::run(args),
        Command::SimAgent(args) => commands::sim_agent::run(directory, args),
        Command::Review(args) => commands::review::run(directory, args),
        Command::Survey(args) => commands::survey::run(directory, args),
        Command::Amend(args) => commands::contract::amend(directory, args),
        Command::AckBlock(args) => commands::contract::ack_block(directory, args),
        Command::Serve(args) => commands::serve::serve(directory, args),
        Command::Stats(args) => commands::serve::stats(directory, args),
        Command::Proxy(args) => commands::proxy::run(args),
        Command::AgentsMd(args) => commands::agents_md::run(directory, args),
    }
}
