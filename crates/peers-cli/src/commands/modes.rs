//! `peers modes list`: the modes `peers init --modes` can apply (built-in ones and user
//! modes from `$PEERS_MODES_DIR` or `${XDG_CONFIG_HOME:-~/.config}/peers/modes/<name>/`),
//! with description, when to use it, requirements, what it stacks with (and why not with the
//! others), gates and reviews. Also the loader `init` uses.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use peers_core::goals_decode::decode_goals;
use peers_core::language::{self, Language};
use peers_core::modes::{
    Catalog, MAX_MODE_FILE_BYTES, Mode, ModeError, ModeSource, applied_record, languages_for,
    merge, parse_mode,
};

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct ModesArgs {
    #[command(subcommand)]
    pub command: ModesCommand,
}

#[derive(Debug, Subcommand)]
pub enum ModesCommand {
    /// Show every mode: what it does, when to use it, what it requires and stacks with (and why
    /// not with the others), the gates and reviews it adds.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print the modes as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_directory: Option<&Path>, args: &ModesArgs) -> CliResult<u8> {
    match &args.command {
        ModesCommand::List(list) => list_modes(list),
    }
}

fn list_modes(args: &ListArgs) -> CliResult<u8> {
    let catalog = load_catalog()?;
    for notice in &catalog.notices {
        eprintln!("notice: {notice}");
    }
    if args.json {
        let modes: Vec<serde_json::Value> = catalog
            .modes()
            .map(|mode| mode_json(mode, &catalog))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&modes).unwrap_or_default()
        );
        return Ok(0);
    }
    let mut out = String::new();
    for mode in catalog.modes() {
        let source = match &mode.source {
            ModeSource::Builtin => "built-in".to_owned(),
            ModeSource::User(path) => path.display().to_string(),
        };
        out.push_str(&format!(
            "{} (version {}, {source})\n",
            mode.name, mode.version
        ));
        out.push_str(&format!("  {}\n", mode.description));
        if let Some(when) = &mode.when {
            out.push_str(&format!("  use it:   {when}\n"));
        }
        if !mode.requires.is_empty() {
            out.push_str(&format!("  requires: {}\n", mode.requires.join(", ")));
        }
        let stacks = catalog.stacks_with(&mode.name);
        out.push_str(&format!(
            "  stacks with: {}\n",
            if stacks.is_empty() {
                "no other mode".to_owned()
            } else {
                stacks.join(", ")
            }
        ));
        for (other, reason) in &mode.conflicts {
            out.push_str(&format!("  not with {other}: {reason}\n"));
        }
        let hard: Vec<String> = mode
            .goals
            .iter()
            .filter(|g| g.is_hard())
            .map(goal_label)
            .collect();
        let soft: Vec<&str> = mode
            .goals
            .iter()
            .filter(|g| !g.is_hard())
            .map(|g| g.id.as_str())
            .collect();
        if !hard.is_empty() {
            out.push_str(&format!("  gates:    {}\n", hard.join(", ")));
        }
        if !soft.is_empty() {
            out.push_str(&format!("  reviews:  {}\n", soft.join(", ")));
        }
        out.push('\n');
    }
    out.push_str(
        "Apply with: peers init --modes=<name>[,<name>] [--lang auto|rust|python|js|go]\n",
    );
    print!("{out}");
    Ok(0)
}

fn goal_label(goal: &peers_core::modes::ModeGoal) -> String {
    match &goal.languages {
        Some(langs) => {
            let names: Vec<&str> = langs.iter().map(|l| l.as_str()).collect();
            format!("{} ({} only)", goal.id, names.join("/"))
        }
        None => goal.id.clone(),
    }
}

fn mode_json(mode: &Mode, catalog: &Catalog) -> serde_json::Value {
    let goals: Vec<serde_json::Value> = mode
        .goals
        .iter()
        .map(|goal| {
            let mut entry = goal.entry.clone();
            if let Some(langs) = &goal.languages {
                entry.insert("languages".to_owned(), serde_json::json!(langs));
            }
            serde_json::Value::Object(entry)
        })
        .collect();
    serde_json::json!({
        "name": mode.name,
        "version": mode.version,
        "description": mode.description,
        "requires": mode.requires,
        "when": mode.when,
        "stacks_with": catalog.stacks_with(&mode.name),
        "conflicts": mode.conflicts.iter().map(|(m, r)| serde_json::json!({"mode": m, "reason": r})).collect::<Vec<_>>(),
        "instructions": mode.instructions,
        "source": mode.source,
        "goals": goals,
    })
}

/// The directory user modes are read from: `$PEERS_MODES_DIR`, else
/// `${XDG_CONFIG_HOME:-$HOME/.config}/peers/modes`.
pub fn user_modes_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PEERS_MODES_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(config.join("peers").join("modes"))
}

/// The built-in modes plus the user's; a user mode wins on a name clash (with a notice).
pub fn load_catalog() -> CliResult<Catalog> {
    let mut catalog = Catalog::builtin()?;
    let Some(dir) = user_modes_dir() else {
        return Ok(catalog);
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(catalog);
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for path in dirs {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mode_yaml = read_mode_file(&path.join("mode.yaml"))?;
        let goals_yaml = read_mode_file(&path.join("goals.yaml"))?;
        let mode = parse_mode(
            &name,
            &mode_yaml,
            &goals_yaml,
            ModeSource::User(path.clone()),
        )?;
        catalog.add_user(mode);
    }
    Ok(catalog)
}

fn read_mode_file(path: &Path) -> CliResult<String> {
    let meta = std::fs::metadata(path).map_err(|err| {
        CliError::usage(format!(
            "cannot read user mode file {}: {err}",
            path.display()
        ))
        .hint("a mode directory holds mode.yaml and goals.yaml")
    })?;
    if meta.len() > MAX_MODE_FILE_BYTES {
        return Err(CliError::usage(format!(
            "{} is larger than {} KiB",
            path.display(),
            MAX_MODE_FILE_BYTES / 1024
        )));
    }
    std::fs::read_to_string(path)
        .map_err(|err| CliError::usage(format!("cannot read {}: {err}", path.display())))
}

/// The goals.yaml `peers init --modes` writes, decided (and checked) before anything is.
pub struct GoalsPlan {
    pub goals_yaml: String,
    /// `.peers/modes-applied.txt`.
    pub applied: String,
    /// `audit, thorough (rust, js)` for the summary.
    pub summary: String,
}

/// Resolves `modes` (with their requirements), the languages (`lang`: `auto` or names) and
/// merges them into `base_goals`. `None` when no mode was asked for.
pub fn plan_goals(
    project: &LoadedProject,
    base_goals: &str,
    modes: &[String],
    lang: &[String],
) -> CliResult<Option<GoalsPlan>> {
    let requested = parse_languages(lang)?;
    if modes.is_empty() {
        if !requested.is_empty() {
            return Err(CliError::usage("--lang applies only together with --modes")
                .hint("e.g. peers init --modes=audit --lang rust"));
        }
        return Ok(None);
    }
    let catalog = load_catalog()?;
    for notice in &catalog.notices {
        eprintln!("notice: {notice}");
    }
    let resolved = catalog.resolve(modes)?;
    let tracked = project.git.tracked_files()?;
    let detected = language::detect(&tracked, DETECT_MIN_SOURCES);
    let languages = languages_for(&resolved, &requested, &detected)?;
    let merged = merge(base_goals, &resolved, &languages)?;
    decode_goals(&merged.yaml, ".peers/goals.yaml").map_err(|err| {
        let hint = err.hint.clone();
        let error = CliError::usage(format!(
            "the modes produce a goals.yaml that does not load: {err}"
        ));
        match hint {
            Some(hint) => error.hint(hint),
            None => error.hint(
                "fix the mode's goals.yaml (`peers modes list` shows where each mode comes from)",
            ),
        }
    })?;
    let names: Vec<&str> = merged
        .modes
        .iter()
        .map(|(name, ..)| name.as_str())
        .collect();
    let langs: Vec<&str> = languages.iter().map(|l| l.as_str()).collect();
    Ok(Some(GoalsPlan {
        applied: applied_record(&merged),
        summary: format!(
            "{} ({})",
            names.join(", "),
            if langs.is_empty() {
                "no language".to_owned()
            } else {
                langs.join(", ")
            }
        ),
        goals_yaml: merged.yaml,
    }))
}

/// Source files a language needs (without a manifest) to count as the project's.
const DETECT_MIN_SOURCES: usize = 2;

/// `auto` (or nothing) → detect; otherwise every name must be a language.
fn parse_languages(names: &[String]) -> CliResult<Vec<Language>> {
    let names: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() || names == ["auto"] {
        return Ok(Vec::new());
    }
    let mut languages = Vec::new();
    for name in names {
        let language = Language::parse(name).ok_or_else(|| {
            CliError::usage(format!("unknown language '{name}' for --lang")).hint(
                "--lang auto (detect from tracked files), or one or more of rust, python, js, go",
            )
        })?;
        if !languages.contains(&language) {
            languages.push(language);
        }
    }
    Ok(languages)
}

impl From<ModeError> for CliError {
    fn from(err: ModeError) -> Self {
        let hint = err.hint();
        let error = CliError::usage(err.to_string());
        match hint {
            Some(hint) => error.hint(hint),
            None => error,
        }
    }
}
