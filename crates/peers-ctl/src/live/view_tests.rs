//! Golden screens of the live dashboard, drawn on ratatui's test backend at 80×24 and 200×60:
//! the table with alerts, the drilldown, and a pending confirmation.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use crate::live::model::{Action, Alert, Detail, Model, Row};
use crate::live::view::draw;
use crate::registry::ProjectState;
use crate::summary::{OverviewPeer, Summary};

fn summary(iteration: u64, spent: f64, health: &str) -> Summary {
    Summary {
        initialised: true,
        iteration: Some(iteration),
        peers: vec![
            OverviewPeer {
                name: "claude".into(),
                health: "healthy".into(),
            },
            OverviewPeer {
                name: "codex".into(),
                health: health.into(),
            },
        ],
        gates_green: 4,
        gates_total: 5,
        blocking_bugs: Some(1),
        bugs_reported: Some(3),
        bugs_fixed: Some(2),
        spent_usd: Some(spent),
        max_usd: Some(5.0),
        last_activity: Some("2026-12-07T05:12:09Z".into()),
        stop_reason: None,
        halted: false,
        readme: true,
        problems: Vec::new(),
    }
}

fn model() -> Model {
    let mut done = summary(12, 2.5, "healthy");
    done.stop_reason = Some("complete".into());
    Model {
        rows: vec![
            Row {
                name: "mything".into(),
                path: "/p/mything".into(),
                state: ProjectState::Running,
                pid: Some(4242),
                phase: None,
                summary: summary(7, 4.2, "healthy"),
                alerts: vec![Alert::CapNear],
            },
            Row {
                name: "audit-v2".into(),
                path: "/p/audit-v2".into(),
                state: ProjectState::Crashed,
                pid: None,
                phase: None,
                summary: summary(3, 0.4, "unavailable"),
                alerts: vec![Alert::Crashed, Alert::PeerDown("codex".into())],
            },
            Row {
                name: "done".into(),
                path: "/p/done".into(),
                state: ProjectState::Stopped,
                pid: None,
                phase: None,
                summary: done,
                alerts: Vec::new(),
            },
        ],
        now: "2026-12-07T05:13:00Z".into(),
        ..Model::default()
    }
}

fn detail() -> Detail {
    let tick = |i: u64, peer: &str, tests: &str| {
        json!({"event": "tick", "iteration": i, "ts": format!("2026-12-07T05:1{i}:09Z"), "peer": peer,
               "classification": "success", "success": true,
               "gates": {"hard": {"tests-pass": tests, "bug-hunt-clean": "pass"}}})
    };
    Detail {
        name: "mything".into(),
        records: vec![
            tick(5, "claude", "fail"),
            tick(6, "codex", "pass"),
            tick(7, "claude", "pass"),
        ],
        output: vec![
            "tick 7 claude: 3 commits, gates 4/5".into(),
            "waiting for codex".into(),
        ],
        review: Some(
            "## Self-Review\nRe-ran the suite; nothing left out.\nSelf-Review: pass".into(),
        ),
    }
}

fn screen(model: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, model)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width)
            .map(|x| buffer[(x, y)].symbol().to_owned())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn the_table_at_80x24() {
    insta::assert_snapshot!(screen(&model(), 80, 24));
}

#[test]
fn the_table_at_200x60() {
    insta::assert_snapshot!(screen(&model(), 200, 60));
}

#[test]
fn the_drilldown_at_80x24() {
    let mut m = model();
    m.detail = Some(detail());
    insta::assert_snapshot!(screen(&m, 80, 24));
}

#[test]
fn a_stop_waits_for_confirmation() {
    let mut m = model();
    m.selected = 1;
    m.confirm = Some(Action::Stop("audit-v2".into()));
    let text = screen(&m, 80, 24);
    assert!(
        text.contains("stop audit-v2? y to confirm, n to cancel"),
        "{text}"
    );
}
