//! `peers tick`: one tick of the loop, or with `--after <peer>` (the hooks driver) the judging
//! of a turn the peer just finished in its own interactive session, run by its Stop hook.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use peers_agent::{LaunchCall, LaunchError, Launcher};
use peers_core::config::{ConfigSettings, DriverKind};
use peers_driver::after_turn::AfterOutcome;
use peers_driver::options::RunOptions;
use peers_driver::session::RunInputs;
use peers_process::CommandSpec;
use peers_store::goals_hash::GoalsHashStatus;

use crate::commands::run::RunArgs;
use crate::error::{CliError, CliResult};
use crate::live::color::Terminal;
use crate::progress::TerminalProgress;
use crate::project::{LoadedProject, describe_goals_lock, display_path};

/// The largest Stop event read from a hook's stdin.
const HOOK_EVENT_CAP: u64 = 1024 * 1024;

#[derive(Debug, Args)]
pub struct TickArgs {
    /// Judge the turn PEER just finished in its own interactive session (`driver: hooks` or
    /// `sessions`):
    /// its commits, the handoff, the gates, the ledger; then hand the turn on and write the
    /// next peer's prompt to .peers/hooks/next-prompt.md. Never starts an agent. A second
    /// call while a tick runs exits 0 with a note.
    #[arg(long, value_name = "PEER")]
    pub after: Option<String>,
    /// Called by an agent's Stop hook: read its event (JSON on stdin) and do nothing unless
    /// the stopped session's working directory is inside this repository and the session is
    /// not one peers itself started, nor before the peer's handoff commit (the Stop event
    /// fires after every answer; the handoff ends the turn). Never exits 2 (which would keep
    /// the agent from stopping).
    #[arg(long, requires = "after")]
    pub hook: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(directory: Option<&Path>, args: &TickArgs) -> CliResult<u8> {
    let Some(peer) = args.after.as_deref() else {
        let project = LoadedProject::open_initialised(directory)?;
        refuse_headless(&project.load_config()?, "tick")?;
        return crate::commands::run::tick(directory, &args.run);
    };
    if !args.hook {
        return after(directory, peer, args);
    }
    // A hook's non-zero exit reaches the agent's user; 2 would even block the agent.
    match hooked(directory, peer, args) {
        Ok(code) => Ok(code.min(1)),
        Err(err) => {
            crate::error::print(&err);
            Ok(1)
        }
    }
}

/// `peers run`/`peers tick` refuse where the agents run interactively: peers must not start them.
pub fn refuse_headless(config: &ConfigSettings, verb: &str) -> CliResult<()> {
    match config.driver {
        DriverKind::Orchestrator => Ok(()),
        DriverKind::Hooks => Err(CliError::usage(format!(
            "config.yaml says `driver: hooks`: peers does not start agents here, so `peers {verb}` does not run"
        ))
        .hint("work in the agents' own sessions; their Stop hooks run `peers tick --after <peer>` (install them with `peers hooks install`)")
        .hint("to let peers drive the agents headless instead, set `driver: orchestrator` in .peers/config.yaml")),
        DriverKind::Sessions => Err(CliError::usage(format!(
            "config.yaml says `driver: sessions`: the peers run in interactive tmux sessions, so `peers {verb}` does not run"
        ))
        .hint("start them with `peers tmux up`, watch with `peers tmux attach`")
        .hint("to let peers drive the agents headless instead, set `driver: orchestrator` in .peers/config.yaml")),
    }
}

/// Checks the Stop event before anything else: unrelated sessions and peers' own headless
/// children return at once, silently.
fn hooked(directory: Option<&Path>, peer: &str, args: &TickArgs) -> CliResult<u8> {
    if std::env::var_os("PEERS_PEER_NAME").is_some_and(|v| !v.is_empty()) {
        // A headless agent peers started (a loop turn, a review): not an interactive turn.
        return Ok(0);
    }
    let here = std::env::current_dir()
        .map_err(|err| CliError::failed(format!("cannot read the current directory: {err}")))?;
    let cwd = read_event_cwd()?.unwrap_or_else(|| here.clone());
    // Every session of the CLI runs the hook: another project's (or a deleted one's) is
    // none of this repository's business, and says nothing.
    let target = directory.map_or(here, Path::to_path_buf);
    if !inside(&cwd, &target) {
        return Ok(0);
    }
    let project = LoadedProject::open_initialised(directory)?;
    if !inside(&cwd, project.root()) {
        return Ok(0);
    }
    after(directory, peer, args)
}

/// The `cwd` of the Stop event on stdin (Claude Code, Codex and Gemini CLI all send one).
fn read_event_cwd() -> CliResult<Option<PathBuf>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(HOOK_EVENT_CAP)
        .read_to_end(&mut bytes)
        .map_err(|err| CliError::failed(format!("cannot read the Stop event on stdin: {err}")))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let event: serde_json::Value = serde_json::from_slice(&bytes).map_err(|err| {
        CliError::failed(format!("the Stop event on stdin is not JSON: {err}"))
            .hint("`--hook` is for the agents' Stop hooks; run `peers tick --after PEER` by hand without it")
    })?;
    Ok(event.get("cwd").and_then(|v| v.as_str()).map(PathBuf::from))
}

/// Whether `path` is `root` or below it, both resolved (symlinks, `..`).
fn inside(path: &Path, root: &Path) -> bool {
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(path), Ok(root)) => path.starts_with(root),
        _ => false,
    }
}

fn after(directory: Option<&Path>, peer: &str, args: &TickArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let config = project.load_config()?;
    if config.driver == DriverKind::Orchestrator {
        return Err(CliError::usage(
            "`peers tick --after` judges an interactive turn, but config.yaml says `driver: orchestrator` (peers drives the agents itself)",
        )
        .hint("set `driver: hooks` (or `sessions`) in .peers/config.yaml, or `peers init --driver=hooks --force`"));
    }
    if !config.peers.iter().any(|p| p.name == peer) {
        let names: Vec<&str> = config.peers.iter().map(|p| p.name.as_str()).collect();
        return Err(CliError::usage(format!(
            "--after {peer}: no peer named '{peer}' in .peers/config.yaml"
        ))
        .hint(format!("the peers are: {}", names.join(", "))));
    }
    let mut inputs = interactive_inputs(&project)?;
    inputs.options.skeptic = !args.run.without_post_convergence_skeptic;
    if args.hook && !peers_driver::after_turn::handed_off(&inputs)? {
        // The agent answered but has not handed off: its turn goes on.
        return Ok(0);
    }
    let mut progress = TerminalProgress::new(
        args.run.quiet,
        Terminal::stderr(args.run.color),
        crate::live::screen::heartbeat_interval(),
    );
    let outcome = peers_driver::after_turn::after(inputs, peer, &mut progress);
    drop(progress.finish());
    match outcome? {
        AfterOutcome::Busy { pid } => {
            let by = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
            eprintln!(
                "peers: a tick is already running{by}; {peer}'s stop was not judged separately (its commits are judged with the next turn)"
            );
            Ok(0)
        }
        AfterOutcome::Judged {
            summary,
            next,
            out_of_turn,
        } => {
            if let Some(owner) = out_of_turn {
                eprintln!("peers: it was {owner}'s turn; {peer}'s work was judged as {peer}'s own");
            }
            // A hook's stdout is read by the agent CLI as its reply (Codex and Gemini parse
            // JSON there): under --hook the summary goes to stderr.
            let say = |line: String| {
                if args.hook {
                    eprintln!("{line}");
                } else {
                    println!("{line}");
                }
            };
            let green = summary.gates.iter().filter(|(_, pass)| *pass).count();
            say(format!(
                "peers: tick {} judged {peer}'s turn: {}; gates {green}/{} green",
                summary.iteration,
                summary.reason,
                summary.gates.len()
            ));
            if let Some((next, path)) = next {
                say(format!(
                    "peers: next: {next}; its prompt is in {}",
                    display_path(project.root(), &path).display()
                ));
            }
            Ok(summary.exit_code())
        }
    }
}

/// The launcher of a hooks tick: nothing may start an agent there.
#[derive(Debug)]
struct NoAgents;

impl Launcher for NoAgents {
    fn name(&self) -> &'static str {
        "hooks"
    }

    fn command(
        &self,
        _spec: CommandSpec,
        call: &LaunchCall<'_>,
    ) -> Result<CommandSpec, LaunchError> {
        Err(LaunchError::Refused {
            launcher: "hooks",
            reason: format!("driver: hooks never starts an agent (peer '{}')", call.peer),
            hint: "the peers work in their own interactive sessions".to_owned(),
        })
    }
}

/// What a tick of an interactive driver runs with: accepted goals, no survey, no agents.
pub fn interactive_inputs(project: &LoadedProject) -> CliResult<RunInputs> {
    let config = project.load_config()?;
    let goals = project.load_goals()?;
    let lock = peers_store::goals_hash::check_goals_hash(&project.dir)?;
    if !matches!(lock, GoalsHashStatus::Match) {
        return Err(CliError::usage(format!(
            "goals.yaml is not accepted: {}",
            describe_goals_lock(&lock)
        ))
        .hint("run `peers goals accept` after a deliberate edit, or restore goals.yaml"));
    }
    let goals_bytes = peers_store::safe_fs::read_control_file(
        &project.dir.goals_yaml(),
        peers_store::layout::GOALS_CAP,
    )?;
    let usd = crate::commands::info::resolve_usd(&config);
    let mut options = RunOptions::new();
    options.max_ticks = Some(1);
    options.recon = false;
    options.codemap = false;
    options.interactive = true;
    Ok(RunInputs {
        git: project.git.clone(),
        dir: project.dir.clone(),
        config,
        goals,
        goals_digest: peers_store::goals_hash::goals_digest(&goals_bytes),
        usd_mode: usd.mode,
        options,
        cancel: Arc::new(AtomicBool::new(false)),
        launcher: Arc::new(NoAgents),
    })
}
