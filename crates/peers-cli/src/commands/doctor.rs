//! `peers doctor`: the preflight of `peers run`, on its own — each peer's program and login,
//! the variables its `env:` names, the gates' tools, the tree, the baseline — with the command
//! that fixes each problem. `peers run` runs the same checks before its first tick. Doctor also
//! reports whether the native sandbox can be built here (`sandbox_doctor`).

use std::path::Path;

use clap::Args;
use peers_driver::preflight::{self, CheckLevel, PreflightInputs, PreflightReport};
use serde_json::json;

use crate::error::CliResult;
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
    /// Report uncommitted changes as a warning, as `peers run --allow-dirty` would.
    #[arg(long)]
    pub allow_dirty: bool,
}

/// Exit 0 when `peers run` would start (warnings allowed), 1 when a problem would stop it.
pub fn run(directory: Option<&Path>, args: &DoctorArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let config = project.load_config()?;
    let goals = project.load_goals()?;
    let mut report = preflight::run(&PreflightInputs {
        git: &project.git,
        config: &config,
        goals: &goals,
        env: std::env::vars_os().collect(),
        allow_dirty: args.allow_dirty,
        dir: &project.dir,
        launcher: crate::launcher::build().as_ref(),
    });
    report
        .findings
        .extend(crate::commands::sandbox_doctor::findings());
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&report)).unwrap_or_default()
        );
    } else {
        print!("{}", render(&report, true));
    }
    Ok(u8::from(!report.passed()))
}

/// The findings as lines; `all` includes the checks that passed.
pub fn render(report: &PreflightReport, all: bool) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        if !all && finding.severity == CheckLevel::Ok {
            continue;
        }
        out.push_str(&format!(
            "{:<8} {:<16} {:<12} {}\n",
            finding.severity.as_str(),
            finding.subject,
            finding.check,
            finding.message
        ));
        if let Some(fix) = &finding.fix {
            out.push_str(&format!("{:<8} {:<16} {:<12} fix: {fix}\n", "", "", ""));
        }
    }
    let problems = report.problems().count();
    let warnings = report.warnings().count();
    out.push_str(&format!(
        "{problems} problem(s), {warnings} warning(s); preflight took {} ms ({} ms of it the CLIs' --version)\n",
        report.elapsed.as_millis(),
        report.version_time.as_millis()
    ));
    out
}

pub fn to_json(report: &PreflightReport) -> serde_json::Value {
    json!({
        "ok": report.passed(),
        "problems": report.problems().count(),
        "warnings": report.warnings().count(),
        "elapsed_ms": report.elapsed.as_millis() as u64,
        "version_ms": report.version_time.as_millis() as u64,
        "findings": report.findings.iter().map(|f| json!({
            "subject": f.subject,
            "check": f.check,
            "severity": f.severity.as_str(),
            "message": f.message,
            "fix": f.fix,
        })).collect::<Vec<_>>(),
    })
}
