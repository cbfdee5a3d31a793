//! `peers hooks install|uninstall|snippets`: the agents' Stop hooks of the hooks driver, merged
//! into (and taken out of) the user's own Claude Code, Codex and Gemini CLI configuration.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::json;

use crate::error::{CliError, CliResult};
use crate::host_hooks::error::HookError;
use crate::host_hooks::merge::{self, Change, Want};
use crate::host_hooks::{self, HookTarget, TARGETS, record};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct HooksArgs {
    #[command(subcommand)]
    pub action: HooksAction,
}

#[derive(Debug, Subcommand)]
pub enum HooksAction {
    /// Merge each agent's Stop hook (`peers tick --after <peer> --hook`) into your own
    /// configuration: ~/.claude/settings.json, ~/.codex/hooks.json, ~/.gemini/settings.json.
    /// Idempotent (noop when present); a moved repository's hook is updated in place; a
    /// timestamped backup (<file>.bak.peers-<time>) comes first; your own hooks are never
    /// touched; a symlinked or invalid file is left alone with a message. Each CLI on its own:
    /// exit 0 when at least one was installed (or already was).
    Install(SideArgs),
    /// Take out exactly what `install` put in: the file's earlier content when it has not
    /// changed since, else only peers' hook.
    Uninstall(SideArgs),
    /// Write the ready-to-paste snippets and a README into .peers/hooks/ (no other file).
    Snippets,
    /// Print the prompt of the peer whose turn it is (also kept in .peers/hooks/next-prompt.md),
    /// e.g. for the first turn: `peers hooks prompt | claude`. Judges nothing.
    Prompt,
}

#[derive(Debug, Args)]
pub struct SideArgs {
    /// Only these CLIs (comma-separated): claude, codex, gemini.
    #[arg(long, value_delimiter = ',', value_name = "CLI,...")]
    pub only: Vec<String>,
    /// Print the outcome of each side as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the lines on stderr (`peers init --json --install` keeps stdout one document).
    #[arg(skip)]
    pub to_stderr: bool,
}

pub fn run(directory: Option<&Path>, args: &HooksArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    match &args.action {
        HooksAction::Install(side) => install(&project, side),
        HooksAction::Uninstall(side) => uninstall(&project, side),
        HooksAction::Prompt => prompt(&project),
        HooksAction::Snippets => {
            for line in write_snippets(&project)? {
                println!("{line}");
            }
            Ok(0)
        }
    }
}

fn hooks_dir(project: &LoadedProject) -> PathBuf {
    project.dir.path().join("hooks")
}

fn home() -> CliResult<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            CliError::usage("HOME is not set: cannot find the agents' configuration files")
                .hint("set HOME, or merge the snippets in .peers/hooks/ by hand")
        })
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn selected(only: &[String]) -> CliResult<Vec<HookTarget>> {
    if only.is_empty() {
        return Ok(TARGETS.to_vec());
    }
    only.iter()
        .map(|tool| {
            HookTarget::by_tool(tool).ok_or_else(|| {
                CliError::usage(format!("--only {tool}: not a CLI with Stop hooks"))
                    .hint("choose from claude, codex, gemini (opencode has no command hooks)")
            })
        })
        .collect()
}

/// The hook of `target` for this project: its command and marker, or why there is none.
fn hook_for(
    project: &LoadedProject,
    target: &HookTarget,
) -> CliResult<Result<(String, String), HookError>> {
    let config = project.load_config()?;
    let peer = match host_hooks::peer_for(&config, target.tool) {
        Ok(peer) => peer,
        Err(why) => return Ok(Err(why)),
    };
    let id = host_hooks::project_id(&hooks_dir(project))?;
    let marker = host_hooks::marker(&id, target.tool);
    let peers = std::env::current_exe()
        .map_err(|err| CliError::failed(format!("cannot find the peers binary: {err}")))?;
    let root = project
        .root()
        .canonicalize()
        .unwrap_or_else(|_| project.root().to_path_buf());
    Ok(Ok((
        host_hooks::command(&peers, &root, &peer, &marker),
        marker,
    )))
}

/// Writes `.peers/hooks/README.md` and one snippet per CLI a peer uses; the lines to print.
pub fn write_snippets(project: &LoadedProject) -> CliResult<Vec<String>> {
    let dir = hooks_dir(project);
    peers_store::safe_fs::ensure_private_dir(&dir)?;
    let mut lines = Vec::new();
    for target in TARGETS {
        match hook_for(project, &target)? {
            Ok((command, marker)) => {
                let snippet =
                    json!({ "hooks": { target.event: [target.entry(&command, &marker)] } });
                let text = serde_json::to_string_pretty(&snippet).unwrap_or_default();
                peers_store::safe_fs::write_atomic(
                    &dir.join(target.snippet),
                    format!("{text}\n").as_bytes(),
                )?;
                lines.push(format!(
                    "wrote .peers/hooks/{} ({})",
                    target.snippet, target.label
                ));
            }
            Err(why) => lines.push(format!("{}: no snippet: {why}", target.label)),
        }
    }
    let readme = host_hooks::readme(project.root());
    peers_store::safe_fs::write_atomic(&dir.join("README.md"), readme.as_bytes())?;
    lines.push("wrote .peers/hooks/README.md".to_owned());
    Ok(lines)
}

/// One side's outcome, for the printout and `--json`.
struct Outcome {
    target: HookTarget,
    path: Option<PathBuf>,
    change: Change,
}

pub fn install(project: &LoadedProject, args: &SideArgs) -> CliResult<u8> {
    let home = home()?;
    let dir = hooks_dir(project);
    let mut installed = record::load(&dir)?;
    let mut outcomes = Vec::new();
    for target in selected(&args.only)? {
        let (command, marker) = match hook_for(project, &target)? {
            Ok(hook) => hook,
            Err(why) => {
                outcomes.push(Outcome {
                    target,
                    path: None,
                    change: Change::Skipped(why),
                });
                continue;
            }
        };
        let path = target.config_file(&home, &env);
        let want = Want {
            path: &path,
            event: target.event,
            snippet: target.snippet,
            entry: target.entry(&command, &marker),
            marker: &marker,
        };
        let (change, side) = merge::install(&want, installed.sides.get(target.tool));
        match side {
            Some(side) => installed.sides.insert(target.tool.to_owned(), side),
            None => installed.sides.remove(target.tool),
        };
        outcomes.push(Outcome {
            target,
            path: Some(path),
            change,
        });
    }
    record::save(&dir, &installed)?;
    report(&outcomes, args);
    let ok = outcomes
        .iter()
        .any(|o| matches!(o.change, Change::Installed | Change::Updated | Change::Noop));
    if outcomes.iter().any(|o| {
        o.target.tool == "codex" && matches!(o.change, Change::Installed | Change::Updated)
    }) && !args.json
    {
        say(
            args,
            "codex: open `/hooks` in Codex once and trust the new hook; Codex skips untrusted hooks",
        );
    }
    Ok(if ok { 0 } else { 1 })
}

pub fn uninstall(project: &LoadedProject, args: &SideArgs) -> CliResult<u8> {
    let home = home()?;
    let dir = hooks_dir(project);
    let mut installed = record::load(&dir)?;
    let id = host_hooks::project_id(&dir)?;
    let mut outcomes = Vec::new();
    for target in selected(&args.only)? {
        let side = installed.sides.get(target.tool).cloned();
        let path = side
            .as_ref()
            .map_or_else(|| target.config_file(&home, &env), |s| s.path.clone());
        let marker = side.as_ref().map_or_else(
            || host_hooks::marker(&id, target.tool),
            |s| s.marker.clone(),
        );
        let change = merge::uninstall(&path, target.event, target.snippet, &marker, side.as_ref());
        if !matches!(change, Change::Skipped(_)) {
            installed.sides.remove(target.tool);
        }
        outcomes.push(Outcome {
            target,
            path: Some(path),
            change,
        });
    }
    record::save(&dir, &installed)?;
    report(&outcomes, args);
    let failed = outcomes
        .iter()
        .any(|o| matches!(o.change, Change::Skipped(_)));
    Ok(u8::from(failed))
}

fn say(args: &SideArgs, line: &str) {
    if args.to_stderr {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

fn report(outcomes: &[Outcome], args: &SideArgs) {
    if args.json {
        let sides: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| {
                json!({
                    "tool": o.target.tool,
                    "file": o.path,
                    "result": o.change.word(),
                    "why": match &o.change { Change::Skipped(why) => Some(why.to_string()), _ => None },
                })
            })
            .collect();
        say(
            args,
            &serde_json::to_string_pretty(&sides).unwrap_or_default(),
        );
        return;
    }
    for o in outcomes {
        let file = o
            .path
            .as_ref()
            .map(|p| format!(" {}", p.display()))
            .unwrap_or_default();
        match &o.change {
            Change::Skipped(why) => say(args, &format!("{}: skipped: {why}", o.target.tool)),
            change => say(args, &format!("{}: {}{file}", o.target.tool, change.word())),
        }
    }
}

fn prompt(project: &LoadedProject) -> CliResult<u8> {
    let inputs = crate::commands::tick::interactive_inputs(project)?;
    let mut silent = peers_driver::progress::Silent;
    match peers_driver::after_turn::prompt_now(inputs, &mut silent)? {
        Some((peer, path)) => {
            let text = peers_store::safe_fs::read_control_file(&path, 4 * 1024 * 1024)?;
            eprintln!("peers: it is {peer}'s turn");
            print!("{}", String::from_utf8_lossy(&text));
            Ok(0)
        }
        None => Err(CliError::failed("no peer can take a turn")
            .hint("`peers status` says why; `peers revive <peer>` puts one back")),
    }
}
