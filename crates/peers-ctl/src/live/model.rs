//! What the live dashboard shows: the rows with their alerts, the selection, the drilldown,
//! a pending confirmation and the status line. Plain data, built by `refresh` and drawn by `view`.

use std::path::PathBuf;

use serde_json::Value;

use crate::registry::ProjectState;
use crate::summary::Summary;

/// Share of the USD cap at which "cap near" is raised.
pub const CAP_NEAR: f64 = 0.8;

#[derive(Debug, Clone, PartialEq)]
pub enum Alert {
    Crashed,
    Halted,
    CapNear,
    PeerDown(String),
    /// Running, but nothing written to its log or state for this many minutes.
    NoProgress(u64),
    /// Stopped at the implement mode's architecture checkpoint (`start --checkpoint`): the
    /// operator reads the architecture, then `peers-ctl start` continues.
    WaitingForYou,
}

impl Alert {
    pub fn label(&self) -> String {
        match self {
            Self::Crashed => "CRASHED".into(),
            Self::Halted => "HALTED".into(),
            Self::CapNear => "CAP NEAR".into(),
            Self::PeerDown(peer) => format!("{peer} DOWN"),
            Self::NoProgress(minutes) => format!("IDLE {minutes}m"),
            Self::WaitingForYou => "WAITING FOR YOU".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub path: PathBuf,
    pub state: ProjectState,
    /// A Kubernetes run's phase as the cluster reports it (shown instead of `state`).
    pub phase: Option<&'static str>,
    pub pid: Option<u32>,
    pub summary: Summary,
    pub alerts: Vec<Alert>,
}

/// The drilldown of one project.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub name: String,
    /// The last records of runs.jsonl, oldest first.
    pub records: Vec<Value>,
    /// The last lines of the controller log (the running peer's output goes there).
    pub output: Vec<String>,
    /// The latest handoff's self-review, when one was found.
    pub review: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Stop(String),
    Start(String),
}

impl Action {
    pub fn describe(&self) -> String {
        match self {
            Self::Stop(name) => format!("stop {name}"),
            Self::Start(name) => format!("start {name}"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub rows: Vec<Row>,
    pub selected: usize,
    pub detail: Option<Detail>,
    pub confirm: Option<Action>,
    pub status: String,
    /// The header's clock text.
    pub now: String,
}

impl Model {
    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }

    pub fn move_selection(&mut self, down: bool) {
        if self.rows.is_empty() {
            return;
        }
        self.selected = if down {
            (self.selected + 1).min(self.rows.len() - 1)
        } else {
            self.selected.saturating_sub(1)
        };
    }
}

/// The alerts of one project, most severe first.
pub fn alerts(
    state: ProjectState,
    summary: &Summary,
    idle_minutes: Option<u64>,
    stall_after: u64,
) -> Vec<Alert> {
    let mut out = Vec::new();
    if state == ProjectState::Crashed {
        out.push(Alert::Crashed);
    }
    if summary.halted {
        out.push(Alert::Halted);
    }
    if state == ProjectState::Stopped
        && summary.stop_reason.as_deref() == Some(crate::reconcile::CHECKPOINT_STOP)
    {
        out.push(Alert::WaitingForYou);
    }
    if let (Some(spent), Some(cap)) = (summary.spent_usd, summary.max_usd)
        && cap > 0.0
        && spent >= cap * CAP_NEAR
    {
        out.push(Alert::CapNear);
    }
    for peer in &summary.peers {
        if matches!(peer.health.as_str(), "unavailable" | "halted") {
            out.push(Alert::PeerDown(peer.name.clone()));
        }
    }
    if state == ProjectState::Running
        && let Some(minutes) = idle_minutes.filter(|m| *m >= stall_after)
    {
        out.push(Alert::NoProgress(minutes));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::OverviewPeer;

    #[test]
    fn alerts_name_every_condition() {
        let summary = Summary {
            halted: true,
            spent_usd: Some(4.5),
            max_usd: Some(5.0),
            peers: vec![OverviewPeer {
                name: "codex".into(),
                health: "unavailable".into(),
            }],
            ..Summary::default()
        };
        let found = alerts(ProjectState::Running, &summary, Some(45), 30);
        assert_eq!(
            found,
            vec![
                Alert::Halted,
                Alert::CapNear,
                Alert::PeerDown("codex".into()),
                Alert::NoProgress(45)
            ]
        );
        assert!(alerts(ProjectState::Stopped, &Summary::default(), Some(999), 30).is_empty());
        assert_eq!(
            alerts(ProjectState::Crashed, &Summary::default(), None, 30),
            vec![Alert::Crashed]
        );
        let paused = Summary {
            stop_reason: Some("checkpoint".into()),
            ..Summary::default()
        };
        assert_eq!(
            alerts(ProjectState::Stopped, &paused, None, 30),
            vec![Alert::WaitingForYou]
        );
        assert_eq!(Alert::WaitingForYou.label(), "WAITING FOR YOU");
    }
}
