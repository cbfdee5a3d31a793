//! The seed's workflow through the binary with simulated peers: new → start → status/list while
//! running → tail → stop (graceful, state saved) → start resumes → completes; kill -9 → crashed →
//! start resumes; a recycled PID is never signalled.

use serde_json::json;

use crate::ctl::env::{CtlEnv, alive, last_stop, ticks, wait_for};

#[test]
fn new_start_stop_resume_complete() {
    let env = CtlEnv::new();
    let repo = env.sim_project("app", 700, 4);
    assert_eq!(env.row("app")["state"], "fresh");

    let started = env.ok(&["start", "app", "--max-ticks", "30", "--json"]);
    let pid = serde_json::from_str::<serde_json::Value>(&started.stdout).unwrap()["pid"]
        .as_u64()
        .unwrap() as u32;
    assert!(alive(pid));
    let row = env.row("app");
    assert_eq!(row["state"], "running", "{row}");
    assert_eq!(row["pid"], pid);
    let status = env.ok(&["status", "app"]);
    assert!(status.stdout.contains("app: running"), "{}", status.stdout);

    // A second start is refused, naming the PID.
    let again = env.ctl(&["start", "app"]);
    assert_eq!(again.code, 1, "{}", again.combined());
    assert!(
        again.stderr.contains(&format!("pid {pid}")),
        "{}",
        again.stderr
    );

    let remove = env.ctl(&["remove", "app"]);
    assert_eq!(
        remove.code,
        1,
        "removing a running project: {}",
        remove.combined()
    );
    assert!(
        remove.stderr.contains(&format!("PID {pid}")),
        "{}",
        remove.stderr
    );

    wait_for("a first tick", || !ticks(&repo).is_empty());
    let dashboard = env.ok(&["dashboard"]);
    assert!(
        dashboard
            .stdout
            .lines()
            .any(|l| l.starts_with("app ") && l.contains("running")),
        "{}",
        dashboard.stdout
    );

    let stopped = env.ok(&["stop", "app", "--grace-s", "20"]);
    assert!(
        stopped.stdout.contains("Stopped 'app'"),
        "{}",
        stopped.stdout
    );
    assert!(!alive(pid), "the run is gone after stop");
    let saved = ticks(&repo).len();
    assert!(
        saved >= 1 && last_stop(&repo) != "complete",
        "stopped mid-run: {}",
        last_stop(&repo)
    );
    assert!(
        !last_stop(&repo).is_empty(),
        "the loop recorded its stop reason on SIGTERM"
    );
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join(".peers/state.json")).unwrap())
            .unwrap();
    assert_eq!(
        state["iteration"].as_u64().unwrap() as usize,
        saved,
        "state saved with every recorded tick"
    );
    let row = env.row("app");
    assert_eq!(row["state"], "stopped", "{row}");
    assert!(row["pid"].is_null());

    // Resume: the next tick continues the iteration count; follow it with tail until it ends.
    env.ok(&["start", "app", "--max-ticks", "30"]);
    let tail = env.ok(&["tail", "app"]);
    assert!(
        tail.stdout.contains("=== peers-ctl start"),
        "{}",
        tail.stdout
    );
    assert!(tail.stdout.contains("the run ended"), "{}", tail.stdout);
    let all = ticks(&repo);
    assert_eq!(
        all[saved]["iteration"].as_u64().unwrap() as usize,
        saved + 1,
        "resumed at the saved iteration"
    );
    assert_eq!(last_stop(&repo), "complete");
    let row = env.row("app");
    assert_eq!(row["state"], "stopped", "{row}");
    assert_eq!(row["outcome"], "complete", "{row}");

    let logs = env.ok(&["logs", "app", "-n", "5"]);
    assert!(logs.stdout.lines().count() <= 5);
    let report = env.ok(&["report", "app"]);
    let text = std::fs::read_to_string(env.config_dir().join("REPORT-app.md")).unwrap();
    assert!(report.stdout.contains("REPORT-app.md"));
    assert!(
        text.contains("| app | stopped |")
            && text.contains("| complete |")
            && text.contains("present"),
        "{text}"
    );
    let review = env.ok(&["review", "app"]);
    assert!(
        review.stdout.contains("## Self-Review"),
        "{}",
        review.stdout
    );
}

#[test]
fn kill_minus_nine_is_crashed_and_start_resumes() {
    let env = CtlEnv::new();
    let repo = env.sim_project("hard", 400, 3);
    env.ok(&["start", "hard"]);
    let pid = env.row("hard")["pid"].as_u64().unwrap() as u32;
    wait_for("a first tick", || !ticks(&repo).is_empty());
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    wait_for("the run to die", || !alive(pid));
    let row = env.row("hard");
    assert_eq!(row["state"], "crashed", "{row}");
    assert!(
        row["note"]
            .as_str()
            .unwrap()
            .contains("peers-ctl start hard"),
        "{row}"
    );

    env.ok(&["start", "hard"]);
    let pid2 = env.row("hard")["pid"].as_u64().unwrap() as u32;
    wait_for("the resumed run to end", || !alive(pid2));
    assert_eq!(last_stop(&repo), "complete");
    assert_eq!(env.row("hard")["state"], "stopped");
    assert_eq!(env.row("hard")["outcome"], "complete");
}

#[test]
fn a_recycled_pid_is_never_signalled_and_the_project_is_crashed() {
    let env = CtlEnv::new();
    env.sim_project("ghost", 100, 2);
    let mut bystander = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let pid = bystander.id();
    let mut registry = env.registry();
    let entry = registry["projects"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["name"] == "ghost")
        .unwrap();
    entry["state"] = json!("running");
    entry["run"] = json!({
        "pid": pid,
        "start_ticks": 1,
        "boot_id": std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap().trim(),
        "started_at": "2026-01-01T00:00:00Z",
        "log": env.config_dir().join("logs/ghost.log"),
    });
    env.write_registry(&registry);

    let stop = env.ok(&["stop", "ghost", "--grace-s", "0"]);
    assert!(
        stop.stdout.contains("not running (state: crashed)"),
        "{}",
        stop.stdout
    );
    assert!(
        stop.stdout.contains(&format!(
            "recorded PID {pid} now belongs to another program"
        )),
        "{}",
        stop.stdout
    );
    assert!(alive(pid), "the unrelated process was signalled");
    assert_eq!(env.row("ghost")["state"], "crashed");
    // A start is not blocked by the stranger either.
    assert!(env.registry()["projects"][0]["run"].is_null());
    bystander.kill().unwrap();
    bystander.wait().unwrap();
}

#[test]
fn a_run_started_outside_peers_ctl_is_shown_and_not_started_twice() {
    let env = CtlEnv::new();
    let repo = env.sim_project("manual", 1500, 3);
    let mut run = env
        .command(&crate::ctl::env::peers_bin())
        .current_dir(&repo)
        .args(["run", "--max-ticks", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = run.id();
    wait_for("the run lock", || {
        std::fs::read_to_string(repo.join(".peers/run.lock"))
            .is_ok_and(|t| t.trim() == pid.to_string())
    });
    let status = env.ok(&["status", "manual"]);
    assert!(
        status.stdout.contains(&format!(
            "not started by peers-ctl holds the run lock (pid {pid})"
        )),
        "{}",
        status.stdout
    );
    let start = env.ctl(&["start", "manual"]);
    assert_eq!(start.code, 1, "{}", start.combined());
    assert!(
        start.stderr.contains(&format!("pid {pid}")),
        "{}",
        start.stderr
    );
    run.wait().unwrap();
}

#[test]
fn start_passes_the_sandbox_choice_to_the_run() {
    let env = CtlEnv::new();
    env.sim_project("boxed", 0, 1);
    env.ok(&["start", "boxed", "--max-ticks", "1", "--sandbox", "none"]);
    let pid = env.row("boxed")["pid"].as_u64().unwrap() as u32;
    wait_for("the run to end", || !alive(pid));
    let logs = env.ok(&["logs", "boxed", "-n", "200"]);
    assert!(logs.stdout.contains("--sandbox none"), "{}", logs.stdout);
    assert!(
        logs.stdout
            .contains("sandbox: none (agents run on the host"),
        "{}",
        logs.stdout
    );
    let bad = env.ctl(&["start", "boxed", "--sandbox", "chroot"]);
    assert_eq!(bad.code, 2, "{}", bad.combined());
}

#[test]
fn start_passes_checkpoint_to_the_run_which_refuses_it_outside_the_implement_mode() {
    let env = CtlEnv::new();
    env.sim_project("plain", 0, 1);
    let out = env.ctl(&["start", "plain", "--checkpoint"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(
        out.stderr.contains("ended at once (exit 2")
            && out.stderr.contains(
                "--checkpoint pauses an implement-mode run after its architecture phase, but this project is not in the implement mode"
            ),
        "{}",
        out.stderr
    );
    let logs = env.ok(&["logs", "plain", "-n", "200"]);
    assert!(logs.stdout.contains("--checkpoint"), "{}", logs.stdout);
}

#[test]
fn start_with_container_runs_the_agents_in_podman() {
    let env = CtlEnv::new();
    env.sim_project("boxed", 0, 1);
    let both = env.ctl(&["start", "boxed", "--container", "--sandbox", "none"]);
    assert_eq!(
        both.code,
        2,
        "--container conflicts with --sandbox: {}",
        both.combined()
    );
    env.ok(&["start", "boxed", "--max-ticks", "1", "--container"]);
    let pid = env.row("boxed")["pid"].as_u64().unwrap() as u32;
    wait_for("the run to end", || !alive(pid));
    let logs = env.ok(&["logs", "boxed", "-n", "200"]);
    assert!(logs.stdout.contains("--sandbox podman"), "{}", logs.stdout);
    // Where podman works the run says so; elsewhere it refuses rather than run unconfined.
    assert!(
        logs.stdout
            .contains("sandbox: podman (each agent turn in a throwaway container")
            || logs
                .stdout
                .contains("--sandbox podman cannot confine agents"),
        "{}",
        logs.stdout
    );
    assert!(!logs.stdout.contains("sandbox: none"), "{}", logs.stdout);
}
