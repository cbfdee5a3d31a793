//! `new`: scaffold a project — the directory, README.md (and SPEC.md / PLAN.md), `git init` with
//! a first commit, `peers init` with the modes and languages, per-peer model/provider/reasoning
//! overrides in `.peers/config.yaml` (validated by `peers info`) — then register it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::backend::BackendArgs;
use crate::commands::{doctor::known_modes, print_json, register::register};
use crate::error::{CtlError, CtlResult};
use crate::launch::run_peers;
use crate::paths::{project_path, validate_name};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The project's name (letters, digits, '_', '.', '-').
    pub name: String,
    /// Where to create it (default: $PEERS_PROJECTS_ROOT/<name>). A bare word is also taken
    /// under the projects root; use ./dir for the current directory.
    pub path: Option<String>,
    /// Modes whose gates go into goals.yaml, comma-separated (`peers-ctl modes list`).
    #[arg(long, value_delimiter = ',', value_name = "MODE,...")]
    pub modes: Vec<String>,
    /// Languages for the modes' gates (auto, rust, python, js, go; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "LANG,...")]
    pub lang: Vec<String>,
    /// The specification: a file copied to SPEC.md. Text containing spaces is written as is;
    /// anything else must be an existing file (a typo is refused, nothing is created).
    #[arg(long, value_name = "FILE", conflicts_with = "plan")]
    pub spec: Option<String>,
    /// A plan copied to PLAN.md; with --modes=implement it is validated first and frozen as
    /// the implement contract (`peers init --plan`).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Use a directory that is not empty, and re-run `peers init --force` on an existing .peers/.
    #[arg(long)]
    pub force: bool,
    /// Set a peer's model in .peers/config.yaml: NAME=MODEL (repeatable).
    #[arg(long, value_name = "NAME=MODEL")]
    pub peer_model: Vec<String>,
    /// Set a peer's provider: NAME=PROVIDER (anthropic, openai, openrouter, google; repeatable).
    #[arg(long, value_name = "NAME=PROVIDER")]
    pub peer_provider: Vec<String>,
    /// Set a peer's reasoning effort: NAME=LEVEL (repeatable).
    #[arg(long, value_name = "NAME=LEVEL")]
    pub peer_reasoning: Vec<String>,
    #[command(flatten)]
    pub backend: BackendArgs,
    /// Print the registered project as JSON.
    #[arg(long)]
    pub json: bool,
}

const PROVIDERS: &[&str] = &["anthropic", "openai", "openrouter", "google"];

/// One `NAME=VALUE` override of a peer's config key.
struct Override {
    peer: String,
    key: &'static str,
    value: String,
}

pub fn run(config: &Path, args: &NewArgs) -> CtlResult<u8> {
    validate_name(&args.name)?;
    let target = project_path(args.path.as_deref().unwrap_or(&args.name))?;
    let spec = read_spec(args.spec.as_deref())?;
    let plan = read_plan(args.plan.as_deref(), &args.modes)?;
    let overrides = parse_overrides(args)?;
    let backend = args.backend.spec()?;
    check_modes(&args.modes)?;
    check_registration(config, &args.name, args.force)?;
    check_target(&target, args.force)?;
    std::fs::create_dir_all(&target)
        .map_err(|e| CtlError::failed(format!("cannot create {}: {e}", target.display())))?;
    let target = target.canonicalize().unwrap_or(target);
    let mut written = Vec::new();
    write_new(
        &target,
        "README.md",
        &format!("# {}\n\nScaffolded by peers-ctl new.\n", args.name),
        &mut written,
    )?;
    if let Some(spec) = &spec {
        write_new(&target, "SPEC.md", spec, &mut written)?;
    }
    if let Some(plan) = &plan {
        write_new(&target, "PLAN.md", plan, &mut written)?;
    }
    commit_scaffold(&target, &written)?;
    peers_init(&target, args)?;
    apply_overrides(&target, &overrides)?;
    let project = register(config, &args.name, &target, args.force, backend)?;
    if args.json {
        print_json(&project)?;
    } else {
        println!("Scaffolded project '{}' at {}", args.name, target.display());
        println!("next: review .peers/config.yaml and .peers/goals.yaml, then");
        println!("  peers-ctl start {} --max-ticks 20 --max-usd 5", args.name);
    }
    Ok(0)
}

fn read_spec(spec: Option<&str>) -> CtlResult<Option<String>> {
    let Some(spec) = spec else { return Ok(None) };
    let path = Path::new(spec);
    if path.is_file() {
        return std::fs::read_to_string(path)
            .map(Some)
            .map_err(|e| CtlError::usage(format!("cannot read --spec {spec}: {e}")));
    }
    if spec.contains(char::is_whitespace) {
        return Ok(Some(format!("{spec}\n")));
    }
    Err(
        CtlError::usage(format!("--spec {spec}: no such file; nothing was created"))
            .hint("check the path (or pass the specification text itself, which contains spaces)"),
    )
}

fn read_plan(plan: Option<&Path>, modes: &[String]) -> CtlResult<Option<String>> {
    let Some(plan) = plan else { return Ok(None) };
    let text = std::fs::read_to_string(plan).map_err(|e| {
        CtlError::usage(format!(
            "cannot read --plan {}: {e}; nothing was created",
            plan.display()
        ))
    })?;
    if modes.iter().any(|m| m == "implement")
        && let Err(error) = peers_core::plan::parse(text.as_bytes())
    {
        let message = format!(
            "{}{}: nothing was created",
            plan.display(),
            error.to_string().trim_start_matches("PLAN.md")
        );
        return Err(match error.hint {
            Some(hint) => CtlError::usage(message).hint(hint),
            None => CtlError::usage(message),
        });
    }
    Ok(Some(text))
}

fn parse_overrides(args: &NewArgs) -> CtlResult<Vec<Override>> {
    let mut out = Vec::new();
    for (flag, key, values) in [
        ("--peer-model", "model", &args.peer_model),
        ("--peer-provider", "provider", &args.peer_provider),
        ("--peer-reasoning", "reasoning", &args.peer_reasoning),
    ] {
        for text in values {
            let Some((peer, value)) = text
                .split_once('=')
                .filter(|(p, v)| !p.is_empty() && !v.is_empty())
            else {
                return Err(
                    CtlError::usage(format!("{flag} {text}: expected NAME=VALUE")).hint(format!(
                        "e.g. {flag} claude={}",
                        if key == "provider" {
                            "anthropic"
                        } else {
                            "VALUE"
                        }
                    )),
                );
            };
            if key == "provider" && !PROVIDERS.contains(&value) {
                return Err(
                    CtlError::usage(format!("{flag} {text}: unknown provider {value:?}"))
                        .hint(format!("one of: {}", PROVIDERS.join(", "))),
                );
            }
            out.push(Override {
                peer: peer.to_owned(),
                key,
                value: value.to_owned(),
            });
        }
    }
    Ok(out)
}

fn check_modes(modes: &[String]) -> CtlResult<()> {
    if modes.is_empty() {
        return Ok(());
    }
    let known = known_modes()?;
    for mode in modes {
        if !known.iter().any(|k| k == mode) {
            let best = known.iter().max_by(|a, b| {
                strsim::jaro_winkler(mode, a).total_cmp(&strsim::jaro_winkler(mode, b))
            });
            let error = CtlError::usage(format!("unknown mode {mode:?}; nothing was created"));
            return Err(match best {
                Some(best) if strsim::jaro_winkler(mode, best) >= 0.8 => {
                    error.hint(format!("did you mean {best:?}?"))
                }
                _ => error.hint(format!("known modes: {}", known.join(", "))),
            });
        }
    }
    if let Some((mode, other, reason)) = crate::commands::doctor::mode_conflict(modes)? {
        return Err(CtlError::usage(format!(
            "mode '{mode}' cannot be applied together with mode '{other}': {reason}; nothing was created"
        ))
        .hint("run them one after the other, as separate projects or runs (`peers-ctl modes list` shows what each mode stacks with)"));
    }
    Ok(())
}

/// Refuses before anything is written: a name already registered (without --force), or one
/// whose run is alive (even with --force).
fn check_registration(config: &Path, name: &str, force: bool) -> CtlResult<()> {
    let registry = crate::commands::registry(config)?;
    let Some(existing) = registry.get(name) else {
        return Ok(());
    };
    if let Some(run) = &existing.run {
        return Err(CtlError::failed(format!(
            "project {name:?} is running (pid {}); nothing was changed",
            run.pid
        ))
        .hint(format!("stop it first: peers-ctl stop {name}")));
    }
    if !force {
        return Err(CtlError::failed(format!(
            "a project named {name:?} is already registered ({}); nothing was changed",
            existing.path.display()
        ))
        .hint("pick another name, or pass --force to scaffold and register it again"));
    }
    Ok(())
}

fn check_target(target: &Path, force: bool) -> CtlResult<()> {
    let non_empty = std::fs::read_dir(target)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if target.exists() && !target.is_dir() {
        return Err(CtlError::usage(format!(
            "{} exists and is not a directory",
            target.display()
        )));
    }
    if non_empty && !force {
        return Err(CtlError::usage(format!(
            "{} is not empty; nothing was changed",
            target.display()
        ))
        .hint("pick another path, or pass --force to scaffold into it (files are kept)"));
    }
    Ok(())
}

fn write_new(dir: &Path, name: &str, text: &str, written: &mut Vec<String>) -> CtlResult<()> {
    let path = dir.join(name);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Ok(());
    }
    std::fs::write(&path, text)
        .map_err(|e| CtlError::failed(format!("cannot write {}: {e}", path.display())))?;
    written.push(name.to_owned());
    Ok(())
}

fn git(dir: &Path, args: &[&str]) -> CtlResult<String> {
    let mut command = peers_git::inert::command(dir, args);
    // A first commit needs an identity; the user's own wins when configured.
    if std::env::var_os("GIT_AUTHOR_NAME").is_none() {
        command
            .env("GIT_AUTHOR_NAME", "peers-ctl")
            .env("GIT_AUTHOR_EMAIL", "peers-ctl@localhost");
    }
    if std::env::var_os("GIT_COMMITTER_NAME").is_none() {
        command
            .env("GIT_COMMITTER_NAME", "peers-ctl")
            .env("GIT_COMMITTER_EMAIL", "peers-ctl@localhost");
    }
    let output = command
        .output()
        .map_err(|e| CtlError::failed(format!("cannot run git: {e}")).hint("install git"))?;
    if !output.status.success() {
        return Err(CtlError::failed(format!(
            "git {} failed in {}: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn commit_scaffold(dir: &Path, written: &[String]) -> CtlResult<()> {
    if !dir.join(".git").exists() {
        git(dir, &["init", "-q", "-b", "main"])?;
        git(dir, &["add", "-A"])?;
        git(
            dir,
            &["commit", "-q", "--allow-empty", "-m", "initial scaffold"],
        )?;
    } else if !written.is_empty() {
        let mut args = vec!["add", "--"];
        args.extend(written.iter().map(String::as_str));
        git(dir, &args)?;
        git(
            dir,
            &["commit", "-q", "-m", "peers-ctl new: scaffold files"],
        )?;
    }
    Ok(())
}

fn peers_init(dir: &Path, args: &NewArgs) -> CtlResult<()> {
    let mut argv: Vec<OsString> = vec!["-C".into(), dir.into(), "init".into(), "--quiet".into()];
    if args.force && dir.join(".peers").exists() {
        argv.push("--force".into());
    }
    if !args.modes.is_empty() {
        argv.push(format!("--modes={}", args.modes.join(",")).into());
    }
    if !args.lang.is_empty() {
        argv.push(format!("--lang={}", args.lang.join(",")).into());
    }
    if args.plan.is_some() && args.modes.iter().any(|m| m == "implement") {
        // The implement mode freezes the plan copied to PLAN.md as its contract.
        argv.push("--plan".into());
        argv.push(dir.join("PLAN.md").into());
    }
    let done = run_peers(dir, &argv)?;
    if done.success {
        return Ok(());
    }
    Err(CtlError::failed(format!(
        "`peers init` failed in {} (the directory and its first commit are kept):\n{}",
        dir.display(),
        done.stderr.trim()
    ))
    .hint(format!(
        "fix what it says, then: peers-ctl new {} {} --force",
        args.name,
        dir.display()
    )))
}

/// Inserts `key: value` under each named peer's `- name:` line, then has `peers info` decode
/// the result; on any problem the original config.yaml is put back.
fn apply_overrides(dir: &Path, overrides: &[Override]) -> CtlResult<()> {
    if overrides.is_empty() {
        return Ok(());
    }
    let path = dir.join(".peers/config.yaml");
    let original = std::fs::read_to_string(&path)
        .map_err(|e| CtlError::failed(format!("cannot read {}: {e}", path.display())))?;
    let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
    for item in overrides {
        let Some(index) = lines.iter().position(|line| names_peer(line, &item.peer)) else {
            return Err(CtlError::usage(format!(
                "no peer named {:?} in {}",
                item.peer,
                path.display()
            ))
            .hint("the peers are the `- name:` entries under peers: in that file"));
        };
        let indent = lines[index].find('-').unwrap_or(0) + 2;
        let value = serde_json::to_string(&item.value).unwrap_or_default();
        lines.insert(
            index + 1,
            format!("{}{}: {value}", " ".repeat(indent), item.key),
        );
    }
    let updated = lines.join("\n") + "\n";
    peers_store::safe_fs::write_atomic(&path, updated.as_bytes())?;
    let check = run_peers(dir, &["-C".into(), dir.into(), "info".into()])?;
    if check.success {
        return Ok(());
    }
    peers_store::safe_fs::write_atomic(&path, original.as_bytes())?;
    Err(CtlError::usage(format!(
        "the peer overrides make {} invalid (it was put back):\n{}",
        path.display(),
        check.stderr.trim()
    )))
}

fn names_peer(line: &str, peer: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix('-') else {
        return false;
    };
    let Some(value) = rest.trim_start().strip_prefix("name:") else {
        return false;
    };
    value.trim().trim_matches(['"', '\'']) == peer
}
