//! What the server shows and may do, supplied by its caller: the list of projects (peers-ctl's
//! registry, or the one repository of `peers serve`) and the actions (stop, start, revive) run
//! through the caller's own command code, so the browser and the command line share one path.

use std::path::PathBuf;

use serde::Serialize;

/// One project as the caller knows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectEntry {
    /// Unique among the entries; used in URLs.
    pub name: String,
    /// The repository root (its `.peers/` is read).
    pub path: PathBuf,
    /// The supervisor's view: fresh, running, stopped, crashed.
    pub state: String,
    /// Why the state is what it is, when that is not obvious.
    pub note: Option<String>,
}

/// Lists the projects; called for every page and every live-update poll, so it must be cheap.
pub trait ProjectSource: Send + Sync {
    fn projects(&self) -> Result<Vec<ProjectEntry>, ListError>;
}

/// A caller's error, kept whole and shown as it says it.
type CallerError = Box<dyn std::error::Error + Send + Sync>;

/// Why the caller could not list its projects (its own error, shown as it says it).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ListError(CallerError);

impl ListError {
    pub fn new(err: impl Into<CallerError>) -> Self {
        Self(err.into())
    }
}

/// An action the browser may ask for (only when the server was started with actions enabled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceAction {
    Stop,
    Start,
    Revive,
}

impl SourceAction {
    pub const ALL: [SourceAction; 3] = [
        SourceAction::Stop,
        SourceAction::Start,
        SourceAction::Revive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceAction::Stop => "stop",
            SourceAction::Start => "start",
            SourceAction::Revive => "revive",
        }
    }

    pub fn parse(word: &str) -> Option<SourceAction> {
        SourceAction::ALL
            .into_iter()
            .find(|action| action.as_str() == word)
    }
}

/// Runs an action on a project; `Ok` carries what happened, `Err` what went wrong (both shown
/// to the user as text).
pub trait Actions: Send + Sync {
    /// The actions this caller supports (others are not offered).
    fn supported(&self) -> &[SourceAction];
    fn run(&self, action: SourceAction, project: &ProjectEntry) -> Result<String, ActionError>;
}

/// Why an action did not succeed; the page shows it under "<action> failed".
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// This caller does not run the action.
    #[error("{} is not available here", action.as_str())]
    NotAvailable { action: SourceAction },
    /// The program that performs it could not be found (`peers itself`, `peers-ctl itself`).
    #[error("cannot find {program}: {source}")]
    Locate {
        program: String,
        #[source]
        source: CallerError,
    },
    /// The command could not be started or waited for.
    #[error("cannot run {command}: {source}")]
    Run {
        command: String,
        #[source]
        source: CallerError,
    },
    /// The command ran and failed: what it printed.
    #[error("{output}")]
    Failed { output: String },
    /// Any other error of the caller's, shown as it says it.
    #[error(transparent)]
    Caller(CallerError),
    /// The worker running the action ended without an answer (it panicked).
    #[error("the action failed unexpectedly")]
    Lost,
}

/// A caller without actions.
#[derive(Debug, Clone, Copy)]
pub struct NoActions;

impl Actions for NoActions {
    fn supported(&self) -> &[SourceAction] {
        &[]
    }

    fn run(&self, action: SourceAction, _project: &ProjectEntry) -> Result<String, ActionError> {
        Err(ActionError::NotAvailable { action })
    }
}
