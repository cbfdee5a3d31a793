//! `peers init`: write `.peers/` into a git repository, tag `peers-baseline`, and keep `.peers/`
//! out of git. Every check runs before anything is written; `--force` backs up what it replaces.

use std::path::{Path, PathBuf};

use clap::Args;
use peers_git::Identity;
use peers_store::layout::PeersDir;

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

const CONFIG_TEMPLATE: &str = include_str!("../../templates/config.yaml");
const GOALS_TEMPLATE: &str = include_str!("../../templates/goals.yaml");
const BASELINE_TAG: &str = "peers-baseline";
const GITIGNORE_COMMIT: &str = "peers init: add .peers/ to .gitignore\n\nPeer: peers-init\n";

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Rewrite config.yaml, goals.yaml, goals.sha256 and state.json of an existing .peers/.
    /// The replaced files are moved to .peers/backups/init-<time>/ first (a new directory
    /// each time); logs are kept. A moved peers-baseline is kept as peers-baseline-<time>.
    /// Refused (exit 2) while a run holds .peers/run.lock.
    #[arg(long)]
    pub force: bool,

    /// Print what was done as JSON.
    #[arg(long)]
    pub json: bool,

    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,

    /// Write the goals of these modes (and the modes they require) into goals.yaml,
    /// comma-separated, e.g. audit,thorough; describe or document for a docs-only run (they
    /// refuse audit modes). `peers modes list` shows every mode and what it stacks with.
    #[arg(long, value_delimiter = ',', value_name = "MODE,...")]
    pub modes: Vec<String>,

    /// Languages the modes' gates are set up for: auto (detected from tracked files; a mixed
    /// repository gets each language's gates) or rust, python, js, go (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LANG,...",
        default_value = "auto"
    )]
    pub lang: Vec<String>,

    /// The implement mode's plan (with --modes=implement): validated, written to the
    /// repository as PLAN.md and committed, and frozen with its acceptance (and e2e) command
    /// in .peers/ — read-only, pinned in a chain signed with a key kept in your state
    /// directory ($PEERS_STATE_DIR, else $XDG_STATE_HOME/peers, else ~/.local/state/peers).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// Do not run the gates that judge the code as it stands (tests-pass; lint-clean and
    /// type-clean in absolute mode) to report which are already red at the baseline.
    #[arg(long)]
    pub no_baseline_check: bool,

    /// Who starts the agents: orchestrator (`peers run` drives them headless), hooks (you work
    /// in their own sessions; their Stop hooks run `peers tick --after <peer>`; the snippets
    /// go to .peers/hooks/), sessions (`peers tmux up`). Written as `driver:` in config.yaml.
    #[arg(long, value_name = "DRIVER", default_value = "orchestrator")]
    pub driver: DriverChoice,

    /// With --driver=hooks: also merge the Stop hooks into your own Claude Code, Codex and
    /// Gemini CLI configuration (as `peers hooks install` does).
    #[arg(long)]
    pub install: bool,
}

/// `--driver` of `peers init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriverChoice {
    Orchestrator,
    Hooks,
    Sessions,
}

/// What `init` did, for the summary and `--json`.
#[derive(Debug, serde::Serialize)]
struct InitReport {
    repository: PathBuf,
    peers_dir: PathBuf,
    created: Vec<String>,
    backed_up: Vec<String>,
    backup_dir: Option<PathBuf>,
    gitignore_commit: Option<String>,
    baseline: String,
    /// The tag the moved `peers-baseline` was kept under, and the commit it names.
    previous_baseline: Option<(String, String)>,
    modes: Option<String>,
    /// The implement mode's plan, when one was given.
    plan: Option<super::init_plan::PlanReport>,
    /// Directories found outside git that the gates will see (`gates.outside_git`).
    outside_git: Vec<String>,
    /// Gates already failing at the baseline (empty when none, or when not checked).
    red_at_baseline: Vec<super::init_baseline::RedGate>,
}

pub fn run(directory: Option<&Path>, args: &InitArgs) -> CliResult<u8> {
    if args.install && args.driver != DriverChoice::Hooks {
        return Err(
            CliError::usage("--install installs the Stop hooks of --driver=hooks").hint(
                "run `peers init --driver=hooks --install`, or `peers hooks install` in a project with `driver: hooks`",
            ),
        );
    }
    let project = LoadedProject::open(directory)?;
    refuse_dangerous_root(project.root())?;
    let plan = preflight(&project, args.force)?;
    let plan_input = super::init_plan::read_plan(args.plan.as_deref(), &args.modes)?;
    // Held until init is done: a run cannot start under it, and init never rewrites the
    // config, goals and state of a run that is going.
    let _lock = lock_existing(&project.dir)?;
    let goals = super::modes::plan_goals(&project, GOALS_TEMPLATE, &args.modes, &args.lang)?;
    let mut report = InitReport {
        repository: project.root().to_path_buf(),
        peers_dir: project.dir.path().to_path_buf(),
        created: Vec::new(),
        backed_up: Vec::new(),
        backup_dir: None,
        gitignore_commit: None,
        baseline: String::new(),
        previous_baseline: None,
        modes: goals.as_ref().map(|g| g.summary.clone()),
        plan: None,
        outside_git: Vec::new(),
        red_at_baseline: Vec::new(),
    };
    if !plan.replace.is_empty() {
        let backup = backup_files(&project.dir, &plan.replace)?;
        report.backed_up = plan.replace.iter().map(|p| (*p).to_owned()).collect();
        report.backup_dir = Some(backup);
    }
    report.outside_git = detect_outside_git(&project)?;
    write_scaffold(&project.dir, goals.as_ref(), &mut report)?;
    report.gitignore_commit = ignore_peers_dir(&project)?;
    if let Some(input) = &plan_input {
        report.plan = Some(super::init_plan::install(&project, input, args.force)?);
    }
    (report.baseline, report.previous_baseline) = tag_baseline(&project)?;
    if !args.no_baseline_check {
        report.red_at_baseline = super::init_baseline::red_at_baseline(&project)?;
    }
    if !args.quiet {
        print_report(&report, args.json);
    }
    apply_driver(&project, args)
}

/// `--driver` and `--install`: the `driver:` line in config.yaml, the hook snippets, the
/// installed hooks. Their lines go to stderr under --json so stdout stays one JSON document.
fn apply_driver(project: &LoadedProject, args: &InitArgs) -> CliResult<u8> {
    let driver = match args.driver {
        DriverChoice::Orchestrator => return Ok(0),
        DriverChoice::Hooks => "hooks",
        DriverChoice::Sessions => "sessions",
    };
    let path = project.dir.config_yaml();
    let mut text = String::from_utf8_lossy(&peers_store::safe_fs::read_control_file(
        &path,
        peers_store::layout::CONFIG_CAP,
    )?)
    .into_owned();
    text.push_str(&format!(
        "\n# Who starts the agents: orchestrator (`peers run`), hooks (their Stop hooks run\n# `peers tick --after <peer>`), sessions (`peers tmux up`).\ndriver: {driver}\n"
    ));
    peers_store::safe_fs::write_atomic(&path, text.as_bytes())?;
    if args.driver != DriverChoice::Hooks {
        return Ok(0);
    }
    let lines = super::hooks::write_snippets(project)?;
    if !args.quiet {
        for line in lines {
            if args.json {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
    }
    if args.install {
        let side = super::hooks::SideArgs {
            only: Vec::new(),
            json: false,
            to_stderr: args.json,
        };
        return super::hooks::install(project, &side);
    }
    Ok(0)
}

/// What `init` will replace, decided before anything is written.
struct Plan {
    replace: Vec<&'static str>,
}

const SCAFFOLD_FILES: &[&str] = &["config.yaml", "goals.yaml", "goals.sha256", "state.json"];
/// Written only by some inits; a re-init moves an old one to the backup so it cannot lie.
const OPTIONAL_FILES: &[&str] = &[MODES_APPLIED];
const MODES_APPLIED: &str = "modes-applied.txt";

fn preflight(project: &LoadedProject, force: bool) -> CliResult<Plan> {
    let peers = project.dir.path();
    check_not_symlink(&project.root().join(".gitignore"), ".gitignore")?;
    let meta = match std::fs::symlink_metadata(peers) {
        Err(_) => {
            return Ok(Plan {
                replace: Vec::new(),
            });
        }
        Ok(meta) => meta,
    };
    if meta.file_type().is_symlink() || !meta.is_dir() {
        return Err(CliError::usage(format!(
            "{} exists and is not a directory (or is a symlink); peers will not write through it",
            peers.display()
        ))
        .hint("move it out of the way, then run `peers init` again"));
    }
    // A .peers/ that holds no scaffold file yet (e.g. only `reviews/` from `peers review
    // --tool`) is initialised in place.
    let scaffolded = SCAFFOLD_FILES
        .iter()
        .any(|name| std::fs::symlink_metadata(peers.join(name)).is_ok());
    if !scaffolded {
        return Ok(Plan {
            replace: Vec::new(),
        });
    }
    if !force {
        return Err(CliError::usage(format!("{} already exists", peers.display()))
            .hint("`peers init --force` rewrites config.yaml, goals.yaml, goals.sha256 and state.json after backing them up; logs are kept"));
    }
    let mut replace = Vec::new();
    for name in SCAFFOLD_FILES.iter().chain(OPTIONAL_FILES) {
        let path = peers.join(name);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() || !meta.is_file() => {
                return Err(CliError::usage(format!(
                    "{} is a symlink or not a regular file; peers refuses to replace it",
                    path.display()
                ))
                .hint("remove it by hand after checking where it points, then run `peers init --force` again"));
            }
            Ok(_) => replace.push(*name),
            Err(_) => {}
        }
    }
    Ok(Plan { replace })
}

fn check_not_symlink(path: &Path, label: &str) -> CliResult<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(CliError::usage(format!(
            "{label} at {} is a symlink; peers will not append through it",
            path.display()
        ))
        .hint("replace it with a regular file, then run `peers init` again")),
        _ => Ok(()),
    }
}

fn refuse_dangerous_root(root: &Path) -> CliResult<()> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let is_home = home
        .and_then(|h| h.canonicalize().ok())
        .is_some_and(|h| h == canonical);
    if canonical == Path::new("/") || is_home {
        return Err(CliError::usage(format!(
            "refusing to initialise peers in {} (the filesystem root or your home directory)",
            canonical.display()
        ))
        .hint("run `peers init` inside a project repository"));
    }
    Ok(())
}

fn backup_files(dir: &PeersDir, names: &[&str]) -> CliResult<PathBuf> {
    let stamp = peers_store::timestamp::now_iso_utc().replace(['-', ':'], "");
    peers_store::safe_fs::ensure_private_dir(&dir.path().join("backups"))?;
    let backup = new_backup_dir(&dir.path().join("backups"), &format!("init-{stamp}"))?;
    for name in names {
        std::fs::rename(dir.path().join(name), backup.join(name)).map_err(|err| {
            CliError::failed(format!(
                "cannot move .peers/{name} into {}: {err}",
                backup.display()
            ))
        })?;
    }
    Ok(backup)
}

/// A directory made for this backup alone (`name`, else `name-2`, `name-3`…): created
/// exclusively, so two inits in the same second never share one.
fn new_backup_dir(parent: &Path, name: &str) -> CliResult<PathBuf> {
    use std::os::unix::fs::DirBuilderExt as _;
    for attempt in 1..1000u32 {
        let candidate = match attempt {
            1 => parent.join(name),
            n => parent.join(format!("{name}-{n}")),
        };
        match std::fs::DirBuilder::new().mode(0o700).create(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => {
                return Err(CliError::failed(format!(
                    "cannot create {}: {err}",
                    candidate.display()
                )));
            }
        }
    }
    Err(CliError::failed(format!(
        "{} already holds 999 backups named {name}",
        parent.display()
    ))
    .hint("remove old backups from .peers/backups/, then run `peers init --force` again"))
}

/// Takes `run.lock` when `.peers/` exists; refuses (exit 2) while a run holds it.
fn lock_existing(dir: &PeersDir) -> CliResult<Option<peers_store::run_lock::RunLock>> {
    if std::fs::symlink_metadata(dir.path()).is_err() {
        return Ok(None);
    }
    match peers_store::run_lock::RunLock::acquire(dir) {
        Ok(lock) => Ok(Some(lock)),
        Err(peers_store::error::StoreError::LockHeld { pid, path }) => Err(CliError::usage(format!(
            "a run holds {}{}; peers init will not rewrite its config, goals and state under it",
            path.display(),
            pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
        ))
        .hint("wait for the run to end or stop it (Ctrl-C or SIGTERM), then run `peers init --force` again")),
        Err(err) => Err(CliError::from(err)),
    }
}

fn write_scaffold(
    dir: &PeersDir,
    modes: Option<&super::modes::GoalsPlan>,
    report: &mut InitReport,
) -> CliResult<()> {
    use peers_store::safe_fs::{ensure_private_dir, write_atomic};
    ensure_private_dir(dir.path())?;
    ensure_private_dir(&dir.log_dir())?;
    let config_text = render_config(&report.outside_git);
    write_atomic(&dir.config_yaml(), config_text.as_bytes())?;
    let goals = modes.map_or(GOALS_TEMPLATE, |plan| plan.goals_yaml.as_str());
    write_atomic(&dir.goals_yaml(), goals.as_bytes())?;
    if let Some(plan) = modes {
        write_atomic(&dir.path().join(MODES_APPLIED), plan.applied.as_bytes())?;
        report.created.push(MODES_APPLIED.to_owned());
    }
    peers_store::goals_hash::write_goals_hash(dir)?;
    let config = peers_core::config_decode::decode_config(&config_text, ".peers/config.yaml")
        .map_err(|err| {
            CliError::failed(format!("the built-in config template does not load: {err}"))
        })?;
    let names: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
    let state = peers_core::state::State::for_peers(&names);
    peers_store::state_file::save_state(dir, &state)?;
    let runs = dir.runs_jsonl();
    if std::fs::symlink_metadata(&runs).is_err() {
        write_atomic(&runs, b"")?;
        report.created.push("log/runs.jsonl".to_owned());
    }
    report
        .created
        .extend(SCAFFOLD_FILES.iter().map(|s| (*s).to_owned()));
    Ok(())
}

/// Directories projects commonly keep out of git that gates need (environments, packages).
const OUTSIDE_GIT_CANDIDATES: &[&str] = &[".venv", "venv", "node_modules", ".tox", ".nox"];

/// The candidates present at the repository root and not tracked by git.
fn detect_outside_git(project: &LoadedProject) -> CliResult<Vec<String>> {
    let present: Vec<&str> = OUTSIDE_GIT_CANDIDATES
        .iter()
        .copied()
        .filter(|name| project.root().join(name).is_dir())
        .collect();
    if present.is_empty() {
        return Ok(Vec::new());
    }
    let tracked = project.git.tracked_files()?;
    Ok(present
        .into_iter()
        .filter(|name| {
            let prefix = format!("{name}/");
            !tracked.iter().any(|path| path.starts_with(&prefix))
        })
        .map(str::to_owned)
        .collect())
}

/// The config template with `gates.outside_git` filled in from what `init` found.
fn render_config(outside_git: &[String]) -> String {
    if outside_git.is_empty() {
        return CONFIG_TEMPLATE.to_owned();
    }
    let list = format!(
        "  # found by `peers init` in your tree and not in git; remove what the gates do not need\n  outside_git: [{}]",
        outside_git.join(", ")
    );
    CONFIG_TEMPLATE.replacen("  outside_git: []", &list, 1)
}

fn peers_init_identity() -> Identity {
    Identity {
        name: "peers-init".to_owned(),
        email: "peers-init@local".to_owned(),
    }
}

/// Appends `.peers/` to `.gitignore` when no line already ignores it, and commits that.
fn ignore_peers_dir(project: &LoadedProject) -> CliResult<Option<String>> {
    let path = project.root().join(".gitignore");
    let existing = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    let already = existing
        .lines()
        .map(str::trim)
        .any(|l| matches!(l, ".peers" | ".peers/" | "/.peers" | "/.peers/"));
    if !already {
        let mut text = existing.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(".peers/\n");
        std::fs::write(&path, text)
            .map_err(|err| CliError::failed(format!("cannot write {}: {err}", path.display())))?;
    }
    let dirty = project
        .git
        .status_porcelain()?
        .iter()
        .any(|entry| entry.path == std::path::Path::new(".gitignore"));
    if !dirty {
        return Ok(None);
    }
    project.git.add(&[".gitignore"])?;
    let sha =
        project
            .git
            .commit_paths(GITIGNORE_COMMIT, &peers_init_identity(), &[".gitignore"])?;
    Ok(Some(sha))
}

/// Tags HEAD `peers-baseline`; a baseline that named another commit is kept as
/// `peers-baseline-<UTC time>` (never replacing an existing tag) and returned with its commit.
fn tag_baseline(project: &LoadedProject) -> CliResult<(String, Option<(String, String)>)> {
    let head = project.git.head()?.ok_or_else(|| {
        CliError::failed("the repository still has no commit after writing .gitignore".to_owned())
    })?;
    let old = project
        .git
        .rev_parse(&format!("refs/tags/{BASELINE_TAG}"))?
        .filter(|old| *old != head);
    let mut kept = None;
    if let Some(old) = old {
        let stamp = peers_store::timestamp::now_iso_utc().replace(['-', ':'], "");
        let base = format!("{BASELINE_TAG}-{stamp}");
        let mut name = base.clone();
        let mut n = 1;
        while project
            .git
            .rev_parse(&format!("refs/tags/{name}"))?
            .is_some()
        {
            n += 1;
            name = format!("{base}-{n}");
        }
        project.git.tag_force(&name, &old)?;
        kept = Some((name, old));
    }
    project.git.tag_force(BASELINE_TAG, &head)?;
    Ok((head, kept))
}

fn print_report(report: &InitReport, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
        return;
    }
    let mut out = format!("Initialised peers in {}\n", report.peers_dir.display());
    if let Some(backup) = &report.backup_dir {
        out.push_str(&format!(
            "  replaced {} (backup in {})\n",
            report.backed_up.join(", "),
            backup.display()
        ));
    }
    out.push_str(&format!("  wrote    {}\n", report.created.join(", ")));
    if let Some(modes) = &report.modes {
        out.push_str(&format!("  modes    {modes}\n"));
    }
    if let Some(plan) = &report.plan {
        out.push_str(&format!(
            "  plan     {} steps frozen with acceptance `{}`{} (.peers/contracts/, signed)\n",
            plan.steps,
            plan.acceptance,
            plan.e2e
                .as_ref()
                .map(|e| format!(" and e2e `{e}`"))
                .unwrap_or_default()
        ));
        if let Some(sha) = &plan.plan_commit {
            out.push_str(&format!(
                "  commit   {} peers init: add PLAN.md\n",
                short(sha)
            ));
        }
    }
    if !report.outside_git.is_empty() {
        out.push_str(&format!(
            "  gates    see {} read-only (outside git; gates.outside_git in config.yaml)\n",
            report.outside_git.join(", ")
        ));
    }
    match &report.gitignore_commit {
        Some(sha) => out.push_str(&format!(
            "  commit   {} peers init: add .peers/ to .gitignore\n",
            short(sha)
        )),
        None => out.push_str("  .gitignore already ignores .peers/\n"),
    }
    out.push_str(&format!(
        "  tagged   {BASELINE_TAG} at {}\n",
        short(&report.baseline)
    ));
    if let Some((tag, old)) = &report.previous_baseline {
        out.push_str(&format!(
            "  kept     the previous baseline {} as {tag}\n",
            short(old)
        ));
    }
    if !report.red_at_baseline.is_empty() {
        out.push_str(
            "\nAlready red at the baseline (a run cannot complete until these pass; fix them first, \
             or tell the peers to):\n",
        );
        for red in &report.red_at_baseline {
            out.push_str(&format!(
                "  {}: {}\n",
                red.gate,
                red.diagnostic.replace('\n', "\n      ")
            ));
        }
    }
    if report.modes.is_some() {
        out.push_str(
            "\nNext:\n  1. peers info              (check peers, commands, budget, the goals the modes wrote)\n  2. peers verify            (run the gates once)\n  3. peers run\n",
        );
    } else {
        out.push_str(
            "\nNext:\n  1. edit .peers/goals.yaml: replace placeholder-replace-me with your real gates\n  2. peers goals accept      (re-locks goals.yaml)\n  3. peers info              (check peers, commands, budget)\n  4. peers verify            (run the gates once)\n",
        );
    }
    print!("{out}");
}

fn short(sha: &str) -> &str {
    sha.get(..8).unwrap_or(sha)
}
