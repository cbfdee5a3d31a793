//! The local backend's `start`: launch `peers run` detached, record its identity (PID, start
//! time, boot). Refused while the project runs (its PID named).

use std::ffi::OsString;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use peers_store::layout::PeersDir;
use peers_store::run_lock::{LockState, probe_lock};

use crate::error::{CtlError, CtlResult};
use crate::identity::{boot_id, identify};
use crate::launch::{open_log, spawn_detached, spawn_watcher};
use crate::project::{log_path, print_json, registry};
use crate::reconcile::{apply, observe};
use crate::registry::{ProjectState, Registry, RunRecord};
use crate::run_args::StartArgs;

/// How long `start` waits for the run to take its lock before reporting it started anyway.
const STARTUP_WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(25);
/// Lines of the controller log shown when the run ends at once.
const FAILURE_LINES: usize = 15;

/// The local backend's start: a detached `peers run` on this machine.
pub fn run(config: &Path, name: &str, args: &StartArgs) -> CtlResult<u8> {
    let name = name.to_owned();
    if args.dry_run {
        return Err(CtlError::usage(
            "--dry-run prints a Kubernetes run's objects; this project runs locally",
        )
        .hint("drop --dry-run"));
    }
    let (mut child, run, path) =
        Registry::mutate(config, |registry| launch(config, registry, &name, args))?;
    match wait_started(&mut child, &path) {
        Started::Running => {
            if args.json {
                print_json(&serde_json::json!({"name": name, "pid": run.pid, "log": run.log}))?;
            } else {
                println!(
                    "Started '{name}' (pid {}); log → {}",
                    run.pid,
                    run.log.display()
                );
            }
            Ok(0)
        }
        Started::Ended(code) => {
            let registry = registry(config)?;
            let state = registry
                .get(&name)
                .map_or(ProjectState::Crashed, |p| p.state);
            Err(CtlError::failed(format!(
                "peers run for '{name}' ended at once (exit {}, now {}); the end of {}:\n{}",
                code.map_or_else(|| "by a signal".to_owned(), |c| c.to_string()),
                state.as_str(),
                run.log.display(),
                crate::summary::last_lines(&run.log, FAILURE_LINES).join("\n")
            ))
            .hint(format!("fix what it says, then: peers-ctl start {name}")))
        }
    }
}

/// Under the registry lock: refuse a running project, spawn, record the identity.
fn launch(
    config: &Path,
    registry: &mut Registry,
    name: &str,
    args: &StartArgs,
) -> CtlResult<(Child, RunRecord, std::path::PathBuf)> {
    let boot = boot_id();
    // A broken notify.json is reported before anything starts.
    let notify = crate::notify::load(config)?;
    if registry.get(name).is_none() {
        return Err(registry.unknown(name));
    }
    let project = registry
        .get_mut(name)
        .ok_or_else(|| CtlError::failed("registry changed"))?;
    if let Some(transition) = observe(project, &boot) {
        apply(project, transition);
    }
    if let Some(run) = &project.run {
        return Err(
            CtlError::failed(format!("'{name}' is already running (pid {})", run.pid))
                .hint(format!("stop it first: peers-ctl stop {name}")),
        );
    }
    let path = project.path.clone();
    if !path.join(".peers/config.yaml").is_file() {
        return Err(
            CtlError::failed(format!("{} has no .peers/config.yaml", path.display()))
                .hint(format!("initialise it: peers -C {} init", path.display())),
        );
    }
    if let Ok(LockState::Held { pid }) = probe_lock(&PeersDir::at(&path)) {
        return Err(CtlError::failed(format!(
            "a peers run not started by peers-ctl holds {}/.peers/run.lock (pid {})",
            path.display(),
            pid.map_or_else(|| "unknown".to_owned(), |p| p.to_string())
        ))
        .hint("wait for it to end or stop it (SIGTERM), then start again"));
    }
    let log = log_path(config, name);
    let started_at = peers_store::timestamp::now_iso_utc();
    let mut file = open_log(&config.join("logs"), &format!("{name}.log"))?;
    let argv = run_argv(&path, args);
    std::io::Write::write_all(
        &mut file,
        format!(
            "=== peers-ctl start {started_at}: peers {} ===\n",
            display_argv(&argv)
        )
        .as_bytes(),
    )
    .map_err(|e| CtlError::failed(format!("cannot write {}: {e}", log.display())))?;
    let child = spawn_detached(&path, &argv, &file, &format!("{name}:{started_at}"))?;
    let pid = child.id();
    let start_ticks = identify(pid).map(|id| id.start_ticks).ok_or_else(|| {
        CtlError::failed(format!(
            "cannot read /proc/{pid}/stat of the run just started"
        ))
    })?;
    if notify.is_some() {
        spawn_watcher(config, name, pid, start_ticks, &file)?;
    }
    let run = RunRecord {
        pid,
        start_ticks,
        boot_id: boot,
        started_at: started_at.clone(),
        log,
    };
    project.run = Some(run.clone());
    project.state = ProjectState::Running;
    project.last_started_at = Some(started_at);
    project.note = None;
    Ok((child, run, path))
}

fn run_argv(path: &Path, args: &StartArgs) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec![
        "-C".into(),
        path.into(),
        "run".into(),
        "--color".into(),
        "never".into(),
    ];
    if let Some(n) = args.max_ticks {
        argv.extend(["--max-ticks".into(), n.to_string().into()]);
    }
    if let Some(usd) = args.max_usd {
        argv.extend(["--max-usd".into(), usd.to_string().into()]);
    }
    if let Some(n) = args.max_tokens {
        argv.extend(["--max-tokens".into(), n.to_string().into()]);
    }
    if let Some(limit) = &args.max_runtime {
        argv.extend(["--max-runtime".into(), limit.into()]);
    }
    let backend = args
        .sandbox
        .as_deref()
        .or(args.container.then_some("podman"));
    if let Some(backend) = backend {
        argv.extend(["--sandbox".into(), backend.into()]);
    }
    for (on, flag) in [
        (args.without_recon, "--without-recon"),
        (args.no_codemap, "--no-codemap"),
        (
            args.without_post_convergence_skeptic,
            "--without-post-convergence-skeptic",
        ),
        (args.allow_dirty, "--allow-dirty"),
        (args.checkpoint, "--checkpoint"),
    ] {
        if on {
            argv.push(flag.into());
        }
    }
    argv
}

fn display_argv(argv: &[OsString]) -> String {
    argv.iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

enum Started {
    Running,
    Ended(Option<i32>),
}

/// Waits until the run holds its lock (it is working) or has ended.
fn wait_started(child: &mut Child, path: &Path) -> Started {
    let deadline = Instant::now() + STARTUP_WAIT;
    let dir = PeersDir::at(path);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Started::Ended(status.code());
        }
        if Instant::now() >= deadline {
            return Started::Running;
        }
        if matches!(probe_lock(&dir), Ok(LockState::Held { pid: Some(pid) }) if pid == child.id()) {
            return Started::Running;
        }
        std::thread::sleep(POLL);
    }
}
