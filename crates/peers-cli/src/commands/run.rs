//! `peers run` and `peers tick`: drive the peers until the gates are honestly green (or a cap,
//! an interrupt, or a halt stops the run), printing each tick as it finishes.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use clap::Args;
use peers_driver::options::RunOptions;
use peers_driver::session::RunInputs;
use peers_store::goals_hash::GoalsHashStatus;

use crate::error::{CliError, CliResult};
use crate::live::color::{ColorChoice, Terminal};
use crate::live::summary::RunEnding;
use crate::progress::TerminalProgress;
use crate::project::{LoadedProject, describe_goals_lock, display_path};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Stop after this many ticks in this run.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_ticks: Option<u64>,
    /// Cap the total cost in USD (overrides budget.max_usd; enforced per budget.max_usd_mode).
    #[arg(long, value_name = "USD")]
    pub max_usd: Option<f64>,
    /// Cap the total tokens (overrides budget.max_tokens).
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u64>,
    /// Wall-clock limit of this run: seconds, or with a unit: 90s, 30m, 8h.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_runtime: Option<Duration>,
    /// Do not write .peers/recon.md (the repository survey) before the first tick.
    #[arg(long)]
    pub without_recon: bool,
    /// Do not write .peers/codemap.md and CODEMAP.yaml (public symbols) before the first tick.
    #[arg(long)]
    pub no_codemap: bool,
    /// Declare completion without the extra critical re-audit (skeptic) tick.
    #[arg(long)]
    pub without_post_convergence_skeptic: bool,
    /// Start even though the working tree has uncommitted changes. Without it `peers run`
    /// refuses (exit 2), because a peer's turn would otherwise be blamed for them. With it, the
    /// changes are stashed before the first tick under a name saying they are yours
    /// (`git stash list`; `git stash apply <commit>` brings them back).
    #[arg(long)]
    pub allow_dirty: bool,
    /// Implement mode: stop for you once the architecture phase is over, before the first
    /// implementation tick (stop reason `checkpoint`, exit 3), so you can read
    /// ARCHITECTURE.intended.md and PLAN.aligned.md and edit them. The request is kept in
    /// .peers/state.json until the pause happened; the next `peers run` continues into the
    /// implementation without pausing again. With `implement.architecture_checkpoint` the
    /// pause comes after every peer agreed. Refused in other modes.
    #[arg(long)]
    pub checkpoint: bool,
    /// Print only the closing summary: no tick lines, no live line, no heartbeat.
    #[arg(long, short)]
    pub quiet: bool,
    /// Colour on the terminal: auto (a terminal, and NO_COLOR unset or empty), always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    /// Print the outcome as JSON on stdout (reason, iteration, ticks, what to do); progress
    /// lines still go to stderr.
    #[arg(long)]
    pub json: bool,
    /// For experts: do not check programs, logins, env: variables, gate tools, the tree and the
    /// baseline before the first tick (`peers doctor` runs the same checks on its own).
    #[arg(long)]
    pub skip_preflight: bool,
    /// How agent processes run. `native` (the default) confines each turn: namespaces, a
    /// private root with the repository writable and `.git/config`, `.git/hooks`, `.peers/`
    /// read-only, private HOME and /tmp, Landlock, seccomp, and no network but peers' proxies
    /// (each model API through a proxy that holds the real key while the agent gets a dummy;
    /// other hosts only on port 443 and only those listed in config.yaml's `sandbox.allow_hosts`;
    /// every request logged in `.peers/log/sandbox.jsonl`). `podman` runs each turn in a
    /// throwaway podman container with the same view (`--network=none`, cap-drop ALL, read-only
    /// root, seccomp, pids/memory limits; see README "Sandbox" for PEERS_PODMAN_IMAGE). `none`
    /// runs agents on the host as you and must be asked for. A run refuses to start when the
    /// sandbox cannot be built here (`peers doctor` says what is missing).
    #[arg(long, value_name = "BACKEND", default_value = "native")]
    pub sandbox: crate::sandbox_launcher::SandboxChoice,
    /// Same as `--sandbox podman` (the name the original tool used).
    #[arg(long, conflicts_with = "sandbox")]
    pub container: bool,
    /// After every tick and at the stop, push the branch to the `origin` remote and a snapshot
    /// of `.peers/` (state, run log, attestations) to `refs/peers/<RUN>/state` there, so the
    /// run survives the loss of this machine (a Kubernetes pod sets it through the
    /// `PEERS_K8S_RUN` variable). Git runs with hooks, filters and credential helpers off, over
    /// file or http(s) only. A failed push is reported and retried; it never stops the run.
    #[arg(long, value_name = "RUN")]
    pub push_state: Option<String>,
}

/// The variable a Kubernetes pod's `loop` container sets to its run id (`--push-state`).
const K8S_RUN_VARIABLE: &str = "PEERS_K8S_RUN";

/// Where the run pushes its durable record: `--push-state`, else `PEERS_K8S_RUN`, else nowhere.
fn push_target(args: &RunArgs) -> CliResult<Option<peers_driver::options::PushTarget>> {
    let (run, source) = match &args.push_state {
        Some(run) => (run.clone(), "--push-state"),
        None => match std::env::var(K8S_RUN_VARIABLE) {
            Ok(run) if !run.is_empty() => (run, K8S_RUN_VARIABLE),
            _ => return Ok(None),
        },
    };
    peers_driver::options::PushTarget::new("origin", &run)
        .map(Some)
        .map_err(|why| {
            CliError::usage(format!("{source} {run}: {why}"))
                .hint("a run id is letters, digits, `-`, `_` and `.`, as peers-ctl names runs")
        })
}

impl RunArgs {
    /// The backend asked for: `--container` means podman.
    pub fn sandbox_choice(&self) -> crate::sandbox_launcher::SandboxChoice {
        if self.container {
            crate::sandbox_launcher::SandboxChoice::Podman
        } else {
            self.sandbox
        }
    }
}

/// Why a `--max-runtime` value is not a duration; clap prints it after the flag and value.
#[derive(Debug, thiserror::Error)]
enum DurationError {
    #[error("`{text}` is not a duration (try 90s, 30m or 8h)")]
    NotANumber { text: String },
    #[error("unknown unit `{unit}` in `{text}` (use s, m or h)")]
    UnknownUnit { unit: String, text: String },
    #[error("the duration must be positive")]
    Zero,
}

fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let value: u64 = number.parse().map_err(|_| DurationError::NotANumber {
        text: text.to_owned(),
    })?;
    let seconds = match unit {
        "" | "s" => value,
        "m" => value * 60,
        "h" => value * 3600,
        other => {
            return Err(DurationError::UnknownUnit {
                unit: other.to_owned(),
                text: text.to_owned(),
            });
        }
    };
    if seconds == 0 {
        return Err(DurationError::Zero);
    }
    Ok(Duration::from_secs(seconds))
}

pub fn run(directory: Option<&Path>, args: &RunArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    crate::commands::tick::refuse_headless(&project.load_config()?, "run")?;
    let result = start(directory, args, args.max_ticks);
    write_termination_message(&project);
    result
}

/// The variable a Kubernetes pod's `loop` container sets to its termination message path.
const TERMINATION_LOG_VARIABLE: &str = "PEERS_TERMINATION_LOG";

/// In a Kubernetes pod (`PEERS_TERMINATION_LOG` set to the container's termination message
/// path), the stop reason from `last-stop-reason.txt` goes there, so `peers-ctl` reads it from
/// the pod's status instead of the log's tail. Best effort: a missing reason writes nothing.
fn write_termination_message(project: &LoadedProject) {
    let Some(path) = std::env::var_os(TERMINATION_LOG_VARIABLE).filter(|p| !p.is_empty()) else {
        return;
    };
    if let Ok(Some(stop)) = peers_store::last_stop::read_last_stop(&project.dir) {
        let _ = std::fs::write(path, format!("{} {}\n", stop.reason, stop.at));
    }
}

pub fn tick(directory: Option<&Path>, args: &RunArgs) -> CliResult<u8> {
    start(directory, args, Some(1))
}

fn start(directory: Option<&Path>, args: &RunArgs, max_ticks: Option<u64>) -> CliResult<u8> {
    if let Some(usd) = args.max_usd {
        if !(usd.is_finite() && usd > 0.0) {
            return Err(CliError::usage(format!(
                "--max-usd must be a positive number, got {usd}"
            )));
        }
    }
    let project = LoadedProject::open_initialised(directory)?;
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
    if args.checkpoint && !peers_core::implement::is_implement(&goals) {
        return Err(refuse_checkpoint(&goals));
    }
    let launcher = crate::launcher::build_confined(args.sandbox_choice(), &config.sandbox)?;
    crate::sandbox_network::append(
        &crate::sandbox_network::log_path(project.root()),
        &[
            serde_json::json!({"kind": "run", "sandbox": args.sandbox_choice().as_str(), "max_ticks": max_ticks}),
        ],
    );
    if !args.quiet {
        eprintln!("{}", crate::sandbox_launcher::header(args.sandbox_choice()));
    }
    if args.skip_preflight {
        check_provider_keys(&config)?;
    } else {
        preflight(&project, &config, &goals, args, launcher.as_ref())?;
    }
    let goals_bytes = peers_store::safe_fs::read_control_file(
        &project.dir.goals_yaml(),
        peers_store::layout::GOALS_CAP,
    )?;
    let usd = crate::commands::info::resolve_usd(&config);
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&cancel))
            .map_err(|err| CliError::failed(format!("cannot install the signal handler: {err}")))?;
    }
    let mut options = RunOptions::new();
    options.push_state = push_target(args)?;
    options.max_ticks = max_ticks;
    options.max_usd = args.max_usd;
    options.max_tokens = args.max_tokens;
    options.max_runtime = args.max_runtime;
    options.recon = !args.without_recon;
    options.codemap = !args.no_codemap;
    options.skeptic = !args.without_post_convergence_skeptic;
    options.allow_dirty = args.allow_dirty;
    options.checkpoint = args.checkpoint;
    let inputs = RunInputs {
        git: project.git.clone(),
        dir: project.dir.clone(),
        config,
        goals,
        goals_digest: peers_store::goals_hash::goals_digest(&goals_bytes),
        usd_mode: usd.mode,
        options,
        cancel,
        launcher,
    };
    let started = Instant::now();
    let mut progress = TerminalProgress::new(
        args.quiet,
        Terminal::stderr(args.color),
        crate::live::screen::heartbeat_interval(),
    );
    let outcome = peers_driver::run_loop::run(inputs, &mut progress);
    let tally = progress.finish();
    let summary = outcome?;
    let report = crate::commands::report::write(&project).map(|_| {
        display_path(project.root(), &project.dir.report_md())
            .display()
            .to_string()
    });
    let ending = RunEnding {
        reason: &summary.reason,
        ticks_in_run: summary.ticks_in_run,
        iteration: summary.iteration,
        gates: &summary.gates,
        wall: started.elapsed(),
        report,
    };
    if args.json {
        print_summary_json(&summary, &ending.report, args.sandbox_choice());
    } else {
        print!(
            "{}",
            crate::live::summary::render(&tally, &ending, Terminal::stdout(args.color))
        );
    }
    Ok(summary.exit_code())
}

/// `--checkpoint` outside the implement mode: there is no architecture phase to pause after.
fn refuse_checkpoint(goals: &peers_core::goals::GoalSet) -> CliError {
    let modes: Vec<&str> = goals.instructions.iter().map(|m| m.mode.as_str()).collect();
    let modes = if modes.is_empty() {
        "no implement gate in .peers/goals.yaml".to_owned()
    } else {
        format!("mode {}", modes.join(", "))
    };
    CliError::usage(format!(
        "--checkpoint pauses an implement-mode run after its architecture phase, but this project is not in the implement mode ({modes})"
    ))
    .hint("leave --checkpoint out, or set up the implement mode: `peers init --modes=implement --plan PLAN.md`")
}

/// Stops the run before its first tick when a check finds a problem: nothing is spent, no tick
/// is counted, and last-stop-reason.txt says `preflight`.
fn preflight(
    project: &LoadedProject,
    config: &peers_core::config::ConfigSettings,
    goals: &peers_core::goals::GoalSet,
    args: &RunArgs,
    launcher: &dyn peers_agent::Launcher,
) -> CliResult<()> {
    let report = peers_driver::preflight::run(&peers_driver::preflight::PreflightInputs {
        git: &project.git,
        config,
        goals,
        env: std::env::vars_os().collect(),
        allow_dirty: args.allow_dirty,
        dir: &project.dir,
        launcher,
    });
    if report.passed() {
        if !args.quiet && report.warnings().next().is_some() {
            eprint!("{}", crate::commands::doctor::render(&report, false));
        }
        return Ok(());
    }
    eprint!("{}", crate::commands::doctor::render(&report, false));
    // Only when no other run holds the lock: its stop reason is its own.
    if let Ok(lock) = peers_store::run_lock::RunLock::acquire(&project.dir) {
        let _ = peers_store::last_stop::write_last_stop(&project.dir, "preflight");
        drop(lock);
    }
    let problems = report.problems().count();
    Err(CliError::usage(format!(
        "preflight found {problems} problem(s); the run did not start (no tick, nothing spent)"
    ))
    .hint("fix each problem with the command after `fix:` above, then check with `peers doctor`")
    .hint("`peers run --skip-preflight` starts anyway (for experts)"))
}

fn check_provider_keys(config: &peers_core::config::ConfigSettings) -> CliResult<()> {
    for peer in &config.peers {
        let openrouter = peer.provider == Some(peers_core::config::Provider::Openrouter);
        if openrouter && std::env::var_os("OPENROUTER_API_KEY").is_none_or(|v| v.is_empty()) {
            return Err(CliError::usage(format!(
                "peer '{}' uses provider openrouter but OPENROUTER_API_KEY is not set",
                peer.name
            ))
            .hint("export OPENROUTER_API_KEY=… before starting the run"));
        }
    }
    Ok(())
}

fn print_summary_json(
    summary: &peers_driver::session::RunSummary,
    report: &CliResult<String>,
    sandbox: crate::sandbox_launcher::SandboxChoice,
) {
    let advice = peers_core::stop_advice::advise(&summary.reason.to_string());
    let value = serde_json::json!({
        "reason": summary.reason.to_string(),
        "iteration": summary.iteration,
        "ticks_in_run": summary.ticks_in_run,
        "exit_code": summary.exit_code(),
        "report": report.as_ref().ok(),
        "sandbox": sandbox.as_str(),
        "stopped": advice.map(|a| serde_json::json!({
            "what": a.what, "fix": a.fix, "blocks_next_run": a.blocks_next_run,
        })),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
}

impl From<peers_driver::error::DriverError> for CliError {
    fn from(err: peers_driver::error::DriverError) -> Self {
        use peers_driver::error::DriverError;
        if let DriverError::Gate(gate) = err {
            return CliError::from(gate);
        }
        match &err {
            DriverError::LockHeld { .. } => CliError::failed(err.to_string()).hint(
                "`peers status` shows who holds it; wait for that run to end or stop it (SIGTERM)",
            ),
            DriverError::DirtyTree { .. } => CliError::usage(err.to_string()).hint(
                "commit your changes (or `git stash push --include-untracked`) and run again, or pass \
                 --allow-dirty to have peers stash them under your name before the first tick",
            ),
            // The causes say what went wrong; the launcher's own hint says how to fix it.
            DriverError::Agent { peer, source } => {
                let cli = CliError::failed(format!("cannot start peer '{peer}'")).causes_of(&err);
                match source {
                    peers_agent::AgentError::Launch {
                        source: peers_agent::LaunchError::Refused { hint, .. },
                        ..
                    } => cli.hint(hint.clone()),
                    _ => cli,
                }
            }
            _ => CliError::failed(err.to_string()).causes_of(&err),
        }
    }
}
