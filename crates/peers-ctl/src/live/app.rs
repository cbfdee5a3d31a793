//! The live dashboard's loop: draw, wait for a key or the next refresh, act. Keys move the
//! selection, open and close the drilldown, and stop or start the selected project after a
//! y/n confirmation (by running `peers-ctl stop|start NAME`, so the same checks apply).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind};

use crate::error::{CtlError, CtlResult};
use crate::live::model::{Action, Model};
use crate::live::refresh::Refresher;
use crate::live::view;

/// What a key asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyOutcome {
    Redraw,
    Quit,
    Run(Action),
    OpenDetail,
}

/// Applies a key press to the model.
pub fn handle_key(model: &mut Model, code: KeyCode) -> KeyOutcome {
    if let Some(action) = model.confirm.take() {
        return match code {
            KeyCode::Char('y' | 'Y') => KeyOutcome::Run(action),
            _ => {
                model.status = format!("{}: cancelled", action.describe());
                KeyOutcome::Redraw
            }
        };
    }
    match code {
        KeyCode::Char('q') => KeyOutcome::Quit,
        KeyCode::Esc | KeyCode::Backspace if model.detail.is_some() => {
            model.detail = None;
            KeyOutcome::Redraw
        }
        KeyCode::Esc => KeyOutcome::Quit,
        KeyCode::Up | KeyCode::Char('k') if model.detail.is_none() => {
            model.move_selection(false);
            KeyOutcome::Redraw
        }
        KeyCode::Down | KeyCode::Char('j') if model.detail.is_none() => {
            model.move_selection(true);
            KeyOutcome::Redraw
        }
        KeyCode::Enter if model.selected_row().is_some() => KeyOutcome::OpenDetail,
        KeyCode::Char('s') => confirm(model, Action::Stop),
        KeyCode::Char('r') => confirm(model, Action::Start),
        _ => KeyOutcome::Redraw,
    }
}

fn confirm(model: &mut Model, make: fn(String) -> Action) -> KeyOutcome {
    if let Some(row) = model.selected_row() {
        model.confirm = Some(make(row.name.clone()));
    }
    KeyOutcome::Redraw
}

pub struct Settings {
    pub refresh: Duration,
    pub frames: Option<u64>,
    /// Each refresh's duration in microseconds goes here, one line each.
    pub timings: Option<std::fs::File>,
}

pub fn run(
    config: &Path,
    refresher: &mut Refresher,
    mut model: Model,
    settings: &mut Settings,
) -> CtlResult<u8> {
    let mut terminal = ratatui::try_init()
        .map_err(|e| CtlError::failed(format!("cannot set up the terminal: {e}")))?;
    let result = event_loop(&mut terminal, config, refresher, &mut model, settings);
    ratatui::restore();
    result
}

fn reload(refresher: &mut Refresher, model: &mut Model) -> CtlResult<()> {
    let selected = model.selected_row().map(|r| r.name.clone());
    model.rows = refresher.rows()?;
    model.now = peers_store::timestamp::now_iso_utc();
    if let Some(name) = selected
        && let Some(index) = model.rows.iter().position(|r| r.name == name)
    {
        model.selected = index;
    }
    model.selected = model.selected.min(model.rows.len().saturating_sub(1));
    if let Some(detail) = model.detail.take() {
        model.detail = model
            .selected_row()
            .map(|row| refresher.detail(row, Some(&detail)));
    }
    Ok(())
}

pub fn initial_model(refresher: &mut Refresher, project: Option<&str>) -> CtlResult<Model> {
    let mut model = Model::default();
    reload(refresher, &mut model)?;
    if let Some(name) = project {
        if let Some(index) = model.rows.iter().position(|r| r.name == name) {
            model.selected = index;
            model.detail = model.selected_row().map(|row| refresher.detail(row, None));
        }
    }
    Ok(model)
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    config: &Path,
    refresher: &mut Refresher,
    model: &mut Model,
    settings: &mut Settings,
) -> CtlResult<u8> {
    let mut frames = 0u64;
    let mut next_refresh = Instant::now() + settings.refresh;
    let mut running: Vec<(Action, Child)> = Vec::new();
    loop {
        terminal
            .draw(|frame| view::draw(frame, model))
            .map_err(|e| CtlError::failed(format!("cannot draw: {e}")))?;
        frames += 1;
        if settings.frames.is_some_and(|limit| frames >= limit) {
            return Ok(0);
        }
        let wait = next_refresh.saturating_duration_since(Instant::now());
        let ready = event::poll(wait)
            .map_err(|e| CtlError::failed(format!("cannot read the terminal: {e}")))?;
        if ready {
            let Event::Key(key) =
                event::read().map_err(|e| CtlError::failed(format!("cannot read a key: {e}")))?
            else {
                continue;
            };
            if key.kind != KeyEventKind::Press {
                continue;
            }
            match handle_key(model, key.code) {
                KeyOutcome::Quit => return Ok(0),
                KeyOutcome::Redraw => {}
                KeyOutcome::OpenDetail => {
                    model.detail = model.selected_row().map(|row| refresher.detail(row, None));
                }
                KeyOutcome::Run(action) => {
                    model.status = match spawn(config, &action) {
                        Ok(child) => {
                            let text = format!("{}: running…", action.describe());
                            running.push((action, child));
                            text
                        }
                        Err(err) => format!("{}: {}", action.describe(), err.message),
                    };
                }
            }
            continue;
        }
        reap(&mut running, model);
        let started = Instant::now();
        reload(refresher, model)?;
        if let Some(file) = &mut settings.timings {
            writeln!(file, "{}", started.elapsed().as_micros())
                .map_err(|e| CtlError::failed(format!("cannot write the refresh timings: {e}")))?;
        }
        next_refresh = Instant::now() + settings.refresh;
    }
}

fn spawn(config: &Path, action: &Action) -> CtlResult<Child> {
    let me: PathBuf = std::env::current_exe()
        .map_err(|e| CtlError::failed(format!("cannot locate peers-ctl: {e}")))?;
    let (verb, name) = match action {
        Action::Stop(name) => ("stop", name),
        Action::Start(name) => ("start", name),
    };
    Command::new(me)
        .arg("--config-dir")
        .arg(config)
        .args([verb, name.as_str()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| CtlError::failed(format!("cannot run peers-ctl {verb}: {e}")))
}

fn reap(running: &mut Vec<(Action, Child)>, model: &mut Model) {
    running.retain_mut(|(action, child)| match child.try_wait() {
        Ok(Some(status)) => {
            model.status = if status.success() {
                format!("{}: done", action.describe())
            } else {
                format!(
                    "{}: failed (exit {}); run `peers-ctl {}` to see why",
                    action.describe(),
                    status.code().unwrap_or(-1),
                    action.describe()
                )
            };
            false
        }
        Ok(None) => true,
        Err(_) => false,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::model::Row;
    use crate::registry::ProjectState;

    fn model() -> Model {
        let row = |name: &str| Row {
            name: name.into(),
            path: "/p".into(),
            state: ProjectState::Running,
            pid: Some(1),
            phase: None,
            summary: Default::default(),
            alerts: Vec::new(),
        };
        Model {
            rows: vec![row("a"), row("b")],
            ..Model::default()
        }
    }

    #[test]
    fn stop_needs_a_confirmation_and_n_cancels() {
        let mut m = model();
        assert_eq!(handle_key(&mut m, KeyCode::Down), KeyOutcome::Redraw);
        assert_eq!(handle_key(&mut m, KeyCode::Char('s')), KeyOutcome::Redraw);
        assert_eq!(m.confirm, Some(Action::Stop("b".into())));
        assert_eq!(
            handle_key(&mut m, KeyCode::Char('y')),
            KeyOutcome::Run(Action::Stop("b".into()))
        );
        handle_key(&mut m, KeyCode::Char('r'));
        assert_eq!(handle_key(&mut m, KeyCode::Char('n')), KeyOutcome::Redraw);
        assert!(m.confirm.is_none() && m.status.contains("cancelled"));
        assert_eq!(handle_key(&mut m, KeyCode::Enter), KeyOutcome::OpenDetail);
        assert_eq!(handle_key(&mut m, KeyCode::Char('q')), KeyOutcome::Quit);
    }
}
