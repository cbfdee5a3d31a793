//! `dashboard --live`: a full-screen terminal dashboard (ratatui) of every project with alerts,
//! a drilldown, and keys to stop and start projects. Refreshes read only files that changed
//! (see `refresh`). Without a terminal, `dashboard --live` prints the table once instead.

pub mod app;
pub mod model;
pub mod refresh;
pub mod view;
#[cfg(test)]
mod view_tests;

use std::path::Path;
use std::time::Duration;

use crate::error::{CtlError, CtlResult};

pub struct LiveOptions<'a> {
    pub refresh_s: f64,
    pub frames: Option<u64>,
    pub project: Option<&'a str>,
    pub stall_minutes: u64,
    /// Where to append each refresh's duration (microseconds), for benchmarks.
    pub timings: Option<&'a Path>,
}

pub fn run(config: &Path, options: &LiveOptions<'_>) -> CtlResult<u8> {
    if !(options.refresh_s.is_finite() && options.refresh_s >= 0.05) {
        return Err(CtlError::usage(format!(
            "--refresh-s {}: must be at least 0.05",
            options.refresh_s
        )));
    }
    let registry = crate::project::registry(config)?;
    if let Some(name) = options.project {
        registry.find(name)?;
    }
    let mut refresher = refresh::Refresher::new(config, options.stall_minutes);
    let model = app::initial_model(&mut refresher, options.project)?;
    let timings = options
        .timings
        .map(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| {
                    CtlError::failed(format!("--timings {}: cannot open: {e}", path.display()))
                })
        })
        .transpose()?;
    let mut settings = app::Settings {
        refresh: Duration::from_secs_f64(options.refresh_s),
        frames: options.frames,
        timings,
    };
    app::run(config, &mut refresher, model, &mut settings)
}
