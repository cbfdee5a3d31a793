//! `doctor` (the `peers` binary and git, the config dir and registry, the projects root, and per
//! project: its directory, its `.peers/` configuration and agent CLIs and gate tools through
//! `peers doctor`, stale run locks; for Kubernetes projects, each cluster they use: see
//! `doctor_kube`) and `modes list` (the modes `peers` knows).

use std::ffi::OsString;
use std::path::Path;

use clap::Args;
use peers_store::layout::PeersDir;
use peers_store::run_lock::{LockState, probe_lock};
use serde::Serialize;
use serde_json::Value;

use crate::commands::doctor_kube::cluster_checks;
use crate::commands::print_json;
use crate::error::{CtlError, CtlResult};
use crate::launch::{peers_binary, run_peers};
use crate::paths::projects_root;
use crate::reconcile::load_reconciled;
use crate::registry::Registry;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
pub(crate) struct Check {
    label: String,
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

pub(crate) fn check(
    label: impl Into<String>,
    status: Status,
    detail: impl Into<String>,
    hint: Option<String>,
) -> Check {
    Check {
        label: label.into(),
        status,
        detail: detail.into(),
        hint,
    }
}

pub fn run(config: &Path, args: &DoctorArgs) -> CtlResult<u8> {
    let mut checks = vec![
        tool_check("peers", peers_binary().ok().map(OsString::from)),
        tool_check("git", Some("git".into())),
    ];
    let root = projects_root()?;
    checks.push(check(
        "projects root",
        Status::Ok,
        format!(
            "{}{}",
            root.display(),
            if root.is_dir() {
                ""
            } else {
                " (created by the first `peers-ctl new`)"
            }
        ),
        None,
    ));
    match load_reconciled(config) {
        Ok(registry) => {
            checks.push(check(
                "registry",
                Status::Ok,
                format!(
                    "{} ({} projects)",
                    Registry::file(config).display(),
                    registry.projects.len()
                ),
                None,
            ));
            for warning in registry.warnings() {
                checks.push(check(
                    "registry entry",
                    Status::Fail,
                    warning,
                    Some("fix or delete the entry by hand".into()),
                ));
            }
            for project in &registry.projects {
                checks.extend(project_checks(
                    &project.name,
                    &project.path,
                    project.run.is_some(),
                ));
            }
            checks.extend(cluster_checks(&registry.projects));
        }
        Err(err) => checks.push(check(
            "registry",
            Status::Fail,
            err.message,
            err.hints.first().cloned(),
        )),
    }
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    if args.json {
        print_json(&serde_json::json!({"ok": !failed, "projects_root": root, "checks": checks}))?;
    } else {
        print!("{}", render(&checks));
    }
    Ok(u8::from(failed))
}

fn tool_check(label: &str, program: Option<OsString>) -> Check {
    let Some(program) = program else {
        return check(
            label,
            Status::Fail,
            "not found",
            Some(
                "install it: cargo install --path crates/peers-cli (or set PEERS_CTL_PEERS_BIN)"
                    .into(),
            ),
        );
    };
    match std::process::Command::new(&program)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => check(
            label,
            Status::Ok,
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            None,
        ),
        Ok(out) => check(
            label,
            Status::Fail,
            format!(
                "`{} --version` exited {}",
                program.to_string_lossy(),
                out.status
            ),
            None,
        ),
        Err(err) => check(
            label,
            Status::Fail,
            format!("cannot run {}: {err}", program.to_string_lossy()),
            Some(format!("install {label}")),
        ),
    }
}

fn project_checks(name: &str, path: &Path, running: bool) -> Vec<Check> {
    let label = format!("project {name}");
    if !path.is_dir() {
        return vec![check(
            label,
            Status::Fail,
            format!("{} is missing", path.display()),
            Some(format!("peers-ctl remove {name}, or restore the directory")),
        )];
    }
    if !path.join(".peers/config.yaml").is_file() {
        return vec![check(
            label,
            Status::Fail,
            format!("{} has no .peers/config.yaml", path.display()),
            Some(format!("peers -C {} init", path.display())),
        )];
    }
    let mut checks = Vec::new();
    if let Ok(LockState::Free {
        stale_pid: Some(pid),
    }) = probe_lock(&PeersDir::at(path))
    {
        checks.push(check(
            format!("{label} run.lock"),
            Status::Ok,
            format!("left by pid {pid}, not held (harmless: a new run takes it)"),
            None,
        ));
    }
    if running {
        checks.push(check(
            label,
            Status::Ok,
            "running (its configuration was checked when it started)",
            None,
        ));
        return checks;
    }
    let args: Vec<OsString> = vec!["-C".into(), path.into(), "doctor".into()];
    checks.push(match run_peers(path, &args) {
        Ok(done) if done.success => check(
            label,
            Status::Ok,
            "config, goals, agent CLIs, logins and gate tools ready (peers doctor)",
            None,
        ),
        Ok(done) => {
            let text = if done.stderr.trim().is_empty() {
                done.stdout
            } else {
                done.stderr
            };
            let problems: Vec<&str> = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(6)
                .collect();
            check(
                label,
                Status::Fail,
                problems.join(" / "),
                Some(format!("details: peers -C {} doctor", path.display())),
            )
        }
        Err(err) => check(label, Status::Fail, err.message, None),
    });
    checks
}

fn render(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.label.len()).max().unwrap_or(0);
    let mut out = String::from("peers-ctl doctor\n\n");
    for c in checks {
        let tag = match c.status {
            Status::Ok => "[OK]  ",
            Status::Warn => "[WARN]",
            Status::Fail => "[FAIL]",
        };
        out.push_str(&format!("  {tag} {:<width$}  {}\n", c.label, c.detail));
        if let Some(hint) = &c.hint {
            out.push_str(&format!("         {:<width$}  hint: {hint}\n", ""));
        }
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    out.push_str(&format!(
        "\nSummary: {} ok, {} warn, {} failed.\n",
        count(Status::Ok),
        count(Status::Warn),
        count(Status::Fail)
    ));
    out
}

/// The modes `peers` knows, as `peers modes list --json` prints them.
fn modes_json() -> CtlResult<Vec<Value>> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
    let done = run_peers(&cwd, &["modes".into(), "list".into(), "--json".into()])?;
    if !done.success {
        return Err(CtlError::failed(format!(
            "`peers modes list` failed: {}",
            done.stderr.trim()
        )));
    }
    serde_json::from_str::<Vec<Value>>(&done.stdout)
        .map_err(|e| CtlError::failed(format!("cannot read `peers modes list --json`: {e}")))
}

pub fn known_modes() -> CtlResult<Vec<String>> {
    Ok(modes_json()?
        .iter()
        .filter_map(|m| m["name"].as_str().map(str::to_owned))
        .collect())
}

/// The first pair of `requested` modes (with the modes they require) that refuse each other,
/// as `(mode, other, reason)` from `peers modes list --json`, so `new` refuses before it
/// creates anything.
pub fn mode_conflict(requested: &[String]) -> CtlResult<Option<(String, String, String)>> {
    let modes = modes_json()?;
    let by_name = |name: &str| modes.iter().find(|m| m["name"] == name);
    let mut applied: Vec<String> = Vec::new();
    let mut pending: Vec<String> = requested.to_vec();
    while let Some(name) = pending.pop() {
        if applied.contains(&name) {
            continue;
        }
        if let Some(requires) = by_name(&name).and_then(|m| m["requires"].as_array()) {
            pending.extend(requires.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        applied.push(name);
    }
    for name in &applied {
        let conflicts = by_name(name).and_then(|m| m["conflicts"].as_array());
        for conflict in conflicts.into_iter().flatten() {
            let other = conflict["mode"].as_str().unwrap_or_default();
            if applied.iter().any(|a| a == other) {
                let reason = conflict["reason"].as_str().unwrap_or_default().to_owned();
                return Ok(Some((name.clone(), other.to_owned(), reason)));
            }
        }
    }
    Ok(None)
}

pub fn modes_list(json: bool) -> CtlResult<u8> {
    let modes = modes_json()?;
    if json {
        print_json(&modes)?;
        return Ok(0);
    }
    let width = modes
        .iter()
        .filter_map(|m| m["name"].as_str())
        .map(str::len)
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:<width$}  DESCRIPTION", "NAME");
    for mode in &modes {
        println!(
            "{:<width$}  {}",
            mode["name"].as_str().unwrap_or("?"),
            mode["description"].as_str().unwrap_or("")
        );
        if let Some(when) = mode["when"].as_str() {
            println!("{:<width$}  use it: {when}", "");
        }
        if let Some(stacks) = mode["stacks_with"].as_array() {
            let names: Vec<&str> = stacks.iter().filter_map(Value::as_str).collect();
            let names = if names.is_empty() {
                "no other mode".to_owned()
            } else {
                names.join(", ")
            };
            println!("{:<width$}  stacks with: {names}", "");
        }
    }
    Ok(0)
}
