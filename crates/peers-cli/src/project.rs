//! Locating the target repository and its `.peers/` directory, and loading config and goals
//! from it with errors that name the file, the line and the fix.

use std::path::{Path, PathBuf};

use peers_core::config::ConfigSettings;
use peers_core::decode_error::DecodeError;
use peers_core::goals::{GateCheck, GoalKind, GoalSet};
use peers_core::location::Span;
use peers_git::{Git, GitError};
use peers_store::error::StoreError;
use peers_store::goals_hash::GoalsHashStatus;
use peers_store::layout::PeersDir;

use crate::error::{CliError, CliResult};

/// A git repository that has (or is about to get) a `.peers/` directory.
pub struct LoadedProject {
    pub git: Git,
    pub dir: PeersDir,
}

impl LoadedProject {
    /// The repository containing `directory` (default: the current directory). Does not require
    /// `.peers/` to exist; see [`LoadedProject::require_initialised`].
    pub fn open(directory: Option<&Path>) -> CliResult<LoadedProject> {
        let start = match directory {
            Some(dir) => dir.to_path_buf(),
            None => std::env::current_dir().map_err(|err| {
                CliError::failed(format!("cannot read the current directory: {err}"))
            })?,
        };
        if !start.is_dir() {
            return Err(
                CliError::usage(format!("{} is not a directory", start.display()))
                    .hint("pass the repository with -C DIR"),
            );
        }
        let git = Git::discover(&start)?;
        let dir = PeersDir::at(git.root());
        Ok(LoadedProject { git, dir })
    }

    /// Like [`LoadedProject::open`], and `.peers/` must exist.
    pub fn open_initialised(directory: Option<&Path>) -> CliResult<LoadedProject> {
        let project = LoadedProject::open(directory)?;
        project.require_initialised()?;
        Ok(project)
    }

    pub fn root(&self) -> &Path {
        self.git.root()
    }

    pub fn require_initialised(&self) -> CliResult<()> {
        let path = self.dir.path();
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => Err(CliError::usage(format!(
                "{} is a symlink; peers refuses to use a symlinked control directory",
                path.display()
            ))
            .hint("replace it with a real directory (or run `peers init --force` after removing the link)")),
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(_) => Err(CliError::usage(format!("{} is not a directory", path.display()))),
            Err(_) => Err(CliError::usage(format!("{} has no .peers/ directory", self.root().display()))
                .hint("run `peers init` in the repository first")),
        }
    }

    pub fn load_config(&self) -> CliResult<ConfigSettings> {
        let path = self.dir.config_yaml();
        let bytes = peers_store::safe_fs::read_control_file(&path, peers_store::layout::CONFIG_CAP)
            .map_err(|err| missing_control_file(err, "config.yaml"))?;
        let text = utf8(&path, bytes)?;
        let mut config = peers_core::config_decode::decode_config(&text, ".peers/config.yaml")
            .map_err(CliError::from)?;
        config.soft_gates = self.soft_gates_with_plan(&config)?;
        Ok(config)
    }

    /// config.yaml's soft gates with those the frozen plan's Meta keys switch on (an implement
    /// project's `.peers/PLAN.original.md`; the copy in the tree is the peers' to edit). A plan
    /// that is missing or does not parse switches nothing on: the contract gates report it.
    fn soft_gates_with_plan(
        &self,
        config: &ConfigSettings,
    ) -> CliResult<peers_core::soft_gates::SoftGateSettings> {
        let plan = peers_store::contracts::read_original_plan(&self.dir)
            .ok()
            .and_then(|bytes| peers_core::plan::parse(&bytes).ok());
        let Some(plan) = plan else {
            return Ok(config.soft_gates.clone());
        };
        let peers: Vec<String> = config.peers.iter().map(|p| p.name.clone()).collect();
        peers_core::soft_gates::plan_keys::with_plan(&config.soft_gates, &plan.meta, &peers)
            .map_err(CliError::from)
    }

    /// Loads goals.yaml and validates every `pass_when` with the DSL parser.
    pub fn load_goals(&self) -> CliResult<GoalSet> {
        let path = self.dir.goals_yaml();
        let bytes = peers_store::safe_fs::read_control_file(&path, peers_store::layout::GOALS_CAP)
            .map_err(|err| missing_control_file(err, "goals.yaml"))?;
        let text = utf8(&path, bytes)?;
        let goals = peers_core::goals_decode::decode_goals(&text, ".peers/goals.yaml")?;
        peers_core::goals_decode::require_hard_goal(&goals, ".peers/goals.yaml")?;
        validate_pass_when(&goals)?;
        Ok(goals)
    }
}

/// A deleted control file is a configuration error (exit 2) that says how to get it back.
fn missing_control_file(err: StoreError, name: &str) -> CliError {
    if !err.is_not_found() {
        return CliError::from(err);
    }
    CliError::usage(format!(".peers/{name} is missing"))
        .hint(format!(
            "restore it (a copy may be in .peers/backups/), or `peers init --force` to write a fresh {name} (the rest is backed up first)"
        ))
}

fn validate_pass_when(goals: &GoalSet) -> CliResult<()> {
    for (index, goal) in goals.goals.iter().enumerate() {
        let GoalKind::Hard(hard) = &goal.kind else {
            continue;
        };
        let GateCheck::Command {
            pass_when,
            pass_when_span,
            ..
        } = &hard.check
        else {
            continue;
        };
        if let Err(err) = peers_pass_when::parse(pass_when) {
            let span = dsl_span(*pass_when_span, pass_when, err.column);
            let flat = pass_when.replace('\n', " ");
            let mut cli = CliError::usage(format!(
                ".peers/goals.yaml:{span}: goals[{index}].pass_when: {} (goal '{}')",
                err.message, goal.id
            ))
            .detail(flat)
            .detail(format!("{}^", " ".repeat(err.column.saturating_sub(1))));
            if let Some(hint) = &err.hint {
                cli = cli.hint(hint.clone());
            }
            return Err(cli);
        }
    }
    Ok(())
}

/// The file position of column `column` (1-based) of a `pass_when` value that starts at `start`.
/// Exact for single-line values; for folded multi-line values it points at the value's start line.
fn dsl_span(start: Span, source: &str, column: usize) -> Span {
    if source.contains('\n') {
        return start;
    }
    let offset = u32::try_from(column.saturating_sub(1)).unwrap_or(0);
    Span::new(start.line, start.column.saturating_add(offset))
}

fn utf8(path: &Path, bytes: Vec<u8>) -> CliResult<String> {
    String::from_utf8(bytes).map_err(|err| {
        CliError::usage(format!(
            "{} is not valid UTF-8 (first bad byte at offset {})",
            path.display(),
            err.utf8_error().valid_up_to()
        ))
        .hint("save the file as UTF-8")
    })
}

impl From<DecodeError> for CliError {
    fn from(err: DecodeError) -> Self {
        let hint = err.hint.clone();
        let cli = CliError::usage(err.to_string());
        match hint {
            Some(h) => cli.hint(h),
            None => cli,
        }
    }
}

impl From<StoreError> for CliError {
    fn from(err: StoreError) -> Self {
        // Messages of StoreError already say what to do. Refusals of the user's files are usage
        // errors (exit 2, nothing written); I/O failures are operational (exit 1).
        let cli = match &err {
            StoreError::Io { .. } => CliError::failed(err.to_string()),
            _ => CliError::usage(err.to_string()),
        };
        cli.causes_of(&err)
    }
}

/// One line describing how goals.yaml compares with goals.sha256.
pub fn describe_goals_lock(status: &GoalsHashStatus) -> String {
    match status {
        GoalsHashStatus::Match => "goals.yaml matches goals.sha256".to_owned(),
        GoalsHashStatus::Mismatch { expected, actual } => format!(
            "goals.yaml changed: goals.sha256 records {}…, the file hashes to {}…",
            expected.get(..12).unwrap_or(expected),
            actual.get(..12).unwrap_or(actual)
        ),
        GoalsHashStatus::MissingHashFile => "goals.sha256 is missing".to_owned(),
        GoalsHashStatus::MissingGoals => "goals.yaml is missing".to_owned(),
    }
}

/// The gates could not be set up: a `pass_when` that does not parse is a usage error.
impl From<peers_gate::error::GateSetupError> for CliError {
    fn from(err: peers_gate::error::GateSetupError) -> Self {
        use peers_gate::error::GateSetupError;
        match &err {
            GateSetupError::PassWhen { .. } => CliError::usage(err.to_string()),
            _ => CliError::failed(err.to_string()).causes_of(&err),
        }
    }
}

impl From<GitError> for CliError {
    fn from(err: GitError) -> Self {
        let usage = matches!(
            err,
            GitError::NotARepository { .. }
                | GitError::GitNotFound { .. }
                | GitError::NoSuchDirectory { .. }
        );
        let hint = err.hint();
        let mut cli = if usage {
            CliError::usage(err.to_string())
        } else {
            CliError::failed(err.to_string())
        };
        cli = cli.causes_of(&err);
        match hint {
            Some(h) => cli.hint(h),
            None => cli,
        }
    }
}

/// A path shown relative to the repository root when it is inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
