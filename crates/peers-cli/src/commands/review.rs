//! `peers review`: the symmetric blind-debate review of a diff, a commit, the uncommitted
//! changes or a question, by every configured peer (or `--tool` list), read-only.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;
use std::time::Duration;

use clap::Args;
use peers_agent::PriceTable;
use peers_core::config::{
    HealthSettings, PeerRole, PeerSettings, PromptMode, SandboxSettings, ToolKind,
};
use peers_core::location::Span;
use peers_review::{Archive, CallLimits, ReviewError, ReviewSettings, Reviewer, Scope};

use crate::error::{CliError, CliResult};
use crate::project::{LoadedProject, display_path};

const AFTER_HELP: &str = "\
Scope (exactly one): --base REF, --uncommitted, --commit SHA, or a QUESTION.

Exit codes:
  0  nothing critical was accepted
  1  a critical/high finding was accepted, or a critical/high security finding awaits arbitration
  2  usage error (no scope, unknown reviewer, fewer than two reviewers, unknown revision)
  3  a reviewer gave no usable answer and was dropped (the verdict is still printed and saved)
  4  every reviewer failed: nothing was reviewed (never reported as converged or clean)

Every round's prompts and raw outputs are saved under .peers/reviews/<timestamp>/.
Each reviewer's tokens and USD cost are in the verdict, each call counted once (a resumed
session's running totals are turned into the call's own); codex and gemini report no cost and
are priced from the same table as `peers run` (`prices:` in config.yaml overrides it); \"cost
unknown\" when a model has no price. Reviewers receive the same environment allowlist as the
loop's peers (`peers info` lists it), plus the names in their `env:` key.";

const KNOWN_TOOLS: [&str; 4] = ["claude", "codex", "opencode", "gemini"];

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ReviewArgs {
    /// A question to review instead of a diff, e.g. "Is the retry loop safe?".
    #[arg(value_name = "QUESTION")]
    pub question: Option<String>,

    /// Review what HEAD adds since it forked from REF (git diff REF...HEAD).
    #[arg(long, value_name = "REF", conflicts_with_all = ["uncommitted", "commit", "question"])]
    pub base: Option<String>,

    /// Review staged, unstaged and untracked changes.
    #[arg(long, conflicts_with_all = ["commit", "question"])]
    pub uncommitted: bool,

    /// Review one commit.
    #[arg(long, value_name = "SHA", conflicts_with = "question")]
    pub commit: Option<String>,

    /// A configured peer to review with (repeatable; default: every peer in .peers/config.yaml).
    #[arg(long = "reviewer", value_name = "NAME")]
    pub reviewers: Vec<String>,

    /// Review with these CLIs and their default commands, e.g. --tool claude,codex
    /// (for repositories without .peers/).
    #[arg(long, value_name = "TOOLS", value_delimiter = ',')]
    pub tool: Vec<String>,

    /// Rounds in total, the blind pass included (3 = a blind pass and two debate rounds).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub max_rounds: u32,

    /// Print the verdict as JSON.
    #[arg(long)]
    pub json: bool,

    /// How reviewer processes run: `native` (the default) confines each call, `podman` runs
    /// each in a throwaway container (see `peers run --help`); `none` runs them on the host.
    /// Refuses when the sandbox cannot be built here.
    #[arg(long, value_name = "BACKEND", default_value = "native")]
    pub sandbox: crate::sandbox_launcher::SandboxChoice,
    /// Same as `--sandbox podman`.
    #[arg(long, conflicts_with = "sandbox")]
    pub container: bool,
}

pub fn run(directory: Option<&Path>, args: &ReviewArgs) -> CliResult<u8> {
    let project = LoadedProject::open(directory)?;
    let scope = scope(args)?;
    let (peers, health, prices) = reviewers(&project, args)?;
    // The egress allow-list and caps are the project's, whoever the reviewers are.
    let sandbox = sandbox_settings(&project, args)?;
    let reviewers = peers
        .iter()
        .map(|peer| Reviewer::from_peer(peer).map_err(CliError::from))
        .collect::<CliResult<Vec<_>>>()?;
    let material = peers_review::collect(&project.git, &scope)?;
    let archive = Archive::create(project.dir.path(), &peers_store::timestamp::now_iso_utc())?;
    let settings = ReviewSettings {
        repo: project.root().to_path_buf(),
        reviewers,
        max_rounds: args.max_rounds,
        parent_env: std::env::vars_os().collect(),
        launcher: crate::launcher::build_confined(
            if args.container {
                crate::sandbox_launcher::SandboxChoice::Podman
            } else {
                args.sandbox
            },
            &sandbox,
        )?,
        limits: CallLimits {
            timeout: Duration::from_secs(health.absolute_max_runtime_s),
            grace: Duration::from_secs(health.grace_s),
            capture_cap: usize::try_from(health.buf_cap_bytes).unwrap_or(usize::MAX),
        },
        prices,
    };
    let progress = |line: &str| eprintln!("peers review: {line}");
    let outcome = peers_review::run_review(&settings, &material, &archive, &progress)?;
    let saved = display_path(project.root(), &outcome.archive);
    if args.json {
        let mut value = serde_json::to_value(&outcome.verdict).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert("archive".to_owned(), saved.display().to_string().into());
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        print!("{}", outcome.markdown);
        println!("\nsaved {}/", saved.display());
    }
    for reviewer in &outcome.verdict.reviewers {
        if let Some(why) = &reviewer.failed {
            eprintln!(
                "error: reviewer {} gave no usable answer: {why}",
                reviewer.name
            );
        }
    }
    if !outcome.verdict.reviewed {
        eprintln!(
            "error: every reviewer failed, so nothing was reviewed\nhint: check each reviewer's command with `peers info`; their raw outputs are in {}/",
            saved.display()
        );
        return Ok(4);
    }
    Ok(exit_code(
        outcome.verdict.has_blocking(),
        outcome.reviewer_failed,
    ))
}

/// 1 beats 3: an accepted critical finding is a definite result even when a reviewer dropped out.
/// (4, nothing reviewed at all, is decided before.)
fn exit_code(blocking: bool, reviewer_failed: bool) -> u8 {
    match (blocking, reviewer_failed) {
        (true, _) => 1,
        (false, true) => 3,
        (false, false) => 0,
    }
}

/// The scope from the flags; without one, ask on a terminal, otherwise refuse (never guess).
fn scope(args: &ReviewArgs) -> CliResult<Scope> {
    if let Some(base) = &args.base {
        return Ok(Scope::Base(base.clone()));
    }
    if args.uncommitted {
        return Ok(Scope::Uncommitted);
    }
    if let Some(commit) = &args.commit {
        return Ok(Scope::Commit(commit.clone()));
    }
    if let Some(question) = args.question.as_ref().filter(|q| !q.trim().is_empty()) {
        return Ok(Scope::Question(question.clone()));
    }
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        return ask_scope();
    }
    Err(
        CliError::usage("no review scope given; peers never guesses the base")
            .hint("--base REF        review git diff REF...HEAD")
            .hint("--uncommitted     review staged, unstaged and untracked changes")
            .hint("--commit SHA      review one commit")
            .hint("\"QUESTION\"        review an answer to a question (no diff)"),
    )
}

fn ask_scope() -> CliResult<Scope> {
    let ask = |question: &str| -> CliResult<String> {
        eprint!("{question}");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|err| CliError::failed(format!("cannot read the answer: {err}")))?;
        Ok(line.trim().to_owned())
    };
    let choice =
        ask("Review what? [1] changes vs a branch  [2] uncommitted changes  [3] one commit: ")?;
    let scope = match choice.as_str() {
        "1" => Scope::Base(ask("Base branch or ref: ")?),
        "2" => Scope::Uncommitted,
        "3" => Scope::Commit(ask("Commit: ")?),
        other => return Err(CliError::usage(format!("'{other}' is not one of 1, 2, 3"))),
    };
    match &scope {
        Scope::Base(text) | Scope::Commit(text) if text.is_empty() => {
            Err(CliError::usage("no revision given"))
        }
        _ => Ok(scope),
    }
}

/// The peers that review, the health limits they run under, and the price table for CLIs that
/// report no cost (the config's `prices:` over the built-in table).
fn reviewers(
    project: &LoadedProject,
    args: &ReviewArgs,
) -> CliResult<(Vec<PeerSettings>, HealthSettings, PriceTable)> {
    let (mut peers, health, prices) = if !args.tool.is_empty() {
        (
            tool_peers(&args.tool)?,
            HealthSettings::default(),
            PriceTable::builtin(),
        )
    } else if project.dir.path().is_dir() {
        let config = project.load_config()?;
        let prices = PriceTable::with_overrides(&config.prices);
        (config.peers, config.health, prices)
    } else {
        return Err(CliError::usage(format!(
            "{} has no .peers/ directory",
            project.root().display()
        ))
        .hint("name the reviewers' CLIs: peers review --tool claude,codex …")
        .hint("or run `peers init` to configure peers"));
    };
    if !args.reviewers.is_empty() {
        let names: Vec<&str> = peers.iter().map(|p| p.name.as_str()).collect();
        for wanted in &args.reviewers {
            if !names.contains(&wanted.as_str()) {
                let mut err = CliError::usage(format!("no reviewer named '{wanted}'"))
                    .hint(format!("the peers are: {}", names.join(", ")));
                if let Some(hint) = peers_core::suggest::hint_for(wanted, &names) {
                    err = err.hint(hint);
                }
                return Err(err);
            }
        }
        peers.retain(|p| args.reviewers.contains(&p.name));
    }
    if peers.len() < 2 {
        return Err(CliError::usage(format!(
            "a review needs at least two reviewers, got {}",
            peers.len()
        ))
        .hint("name two or more with --reviewer NAME, or --tool claude,codex"));
    }
    Ok((peers, health, prices))
}

/// The egress allow-list is the project's, whoever the reviewers are. With `--tool` nothing else
/// comes from .peers/config.yaml, so a config that does not load costs only its extra hosts (a
/// warning says so) instead of refusing the review; without `--tool` the config is required.
/// The project's `sandbox:` settings (allow-list, egress caps). With `--tool` a config that
/// does not load is a warning, not an error: nothing else of it is needed then.
fn sandbox_settings(project: &LoadedProject, args: &ReviewArgs) -> CliResult<SandboxSettings> {
    if !project.dir.path().is_dir() {
        return Ok(SandboxSettings::default());
    }
    match project.load_config() {
        Ok(config) => Ok(config.sandbox),
        Err(err) if !args.tool.is_empty() => {
            eprintln!(
                "warning: reviewing without sandbox.allow_hosts: {}",
                err.message
            );
            Ok(SandboxSettings::default())
        }
        Err(err) => Err(err),
    }
}

/// One peer per `--tool` entry with the tool's default command; repeats get `-2`, `-3`, ….
fn tool_peers(tools: &[String]) -> CliResult<Vec<PeerSettings>> {
    let mut peers: Vec<PeerSettings> = Vec::new();
    for tool in tools.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        let kind = ToolKind::from_name(tool);
        if peers_agent::default_argv(&kind).is_none() {
            let mut err = CliError::usage(format!("unknown tool '{tool}'"))
                .hint(format!("--tool takes {}", KNOWN_TOOLS.join(", ")));
            if let Some(hint) = peers_core::suggest::hint_for(tool, &KNOWN_TOOLS) {
                err = err.hint(hint);
            }
            return Err(err);
        }
        let repeats = peers.iter().filter(|p| p.tool == kind).count();
        let name = if repeats == 0 {
            tool.to_owned()
        } else {
            format!("{tool}-{}", repeats + 1)
        };
        peers.push(PeerSettings {
            name,
            tool: kind,
            argv: None,
            prompt_mode: PromptMode::ArgvSubstitute,
            role: PeerRole::Default,
            model: None,
            reasoning: None,
            provider: None,
            env: Vec::new(),
            span: Span::new(0, 0),
        });
    }
    Ok(peers)
}

impl From<ReviewError> for CliError {
    fn from(err: ReviewError) -> Self {
        let usage = matches!(
            err,
            ReviewError::UnknownRevision { .. }
                | ReviewError::EmptyScope { .. }
                | ReviewError::TooFewReviewers { .. }
                | ReviewError::EmptyCommand { .. }
        );
        let message = err.to_string();
        let cli = if usage {
            CliError::usage(message)
        } else {
            CliError::failed(message)
        };
        let cli = match &err {
            ReviewError::EmptyScope { .. } => cli
                .hint("pick another scope: --base REF, --uncommitted, --commit SHA or a question"),
            _ => cli,
        };
        cli.causes_of(&err)
    }
}

#[cfg(test)]
mod tests;
