//! Safe administration: `peers init --force` never works under a running loop, never loses the
//! previous baseline or an earlier backup; Ctrl-C stops running gates as a process group, in
//! `peers run` and in `peers verify`.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use peers_testkit::group_alive;
use rustix::process::{Pid, Signal};
use serde_json::json;

use crate::test_env::{HANDOFF, TestEnv};

fn wait_for(check: impl FnMut() -> bool, limit: Duration) -> bool {
    peers_testkit::wait_until(limit, check)
}

/// A goals.yaml whose one gate records its shell's pid (its process group) outside the
/// repository, then sleeps for a minute.
fn sleeping_gate(pid_file: &Path) -> String {
    format!(
        "goals:\n  - {{id: slow, type: hard, cmd: 'echo $$ > {}; sleep 60', pass_when: 'exit_code == 0', timeout_s: 120}}\n",
        pid_file.display()
    )
}

fn read_pgid(pid_file: &Path) -> Option<i32> {
    std::fs::read_to_string(pid_file).ok()?.trim().parse().ok()
}

/// Waits for the gate to start, sends SIGINT to peers, and checks that peers exits 130 and
/// the gate's whole process group is gone soon after.
fn interrupt_during_gate(mut child: Child, pid_file: &Path) {
    if !wait_for(|| read_pgid(pid_file).is_some(), Duration::from_secs(30)) {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        panic!(
            "the gate never started: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let pgid = read_pgid(pid_file).unwrap();
    assert!(group_alive(pgid));
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, Signal::INT).unwrap();
    let mut code = None;
    let exited = wait_for(
        || {
            code = child.try_wait().unwrap().map(|s| s.code());
            code.is_some()
        },
        Duration::from_secs(10),
    );
    if !exited {
        let _ = child.kill();
        let _ = child.wait();
        let _ = rustix::process::kill_process_group(Pid::from_raw(pgid).unwrap(), Signal::KILL);
    }
    let gone = wait_for(|| !group_alive(pgid), Duration::from_secs(3));
    if !gone {
        let _ = rustix::process::kill_process_group(Pid::from_raw(pgid).unwrap(), Signal::KILL);
    }
    assert!(exited, "peers did not exit within 10 s of SIGINT");
    assert_eq!(code, Some(Some(130)));
    assert!(gone, "the gate's process group outlived the interrupt");
}

#[test]
fn ctrl_c_during_gate_evaluation_in_run_stops_the_gate_group() {
    let env = TestEnv::new();
    let pid_file = env.root().join("gate.pid");
    let honest = json!({"turns": [[{"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", honest.clone()), ("bob", "sim", honest)],
        &sleeping_gate(&pid_file),
        "",
    );
    let child = env.spawn_peers(&repo, &["run", "--max-ticks", "3"]);
    interrupt_during_gate(child, &pid_file);
    assert_eq!(env.last_stop(&repo), "interrupted");
    let state = env.state(&repo);
    assert!(
        state["stuck_counter"].get("slow").is_none(),
        "an interrupted gate is not a failure: {state:#}"
    );
}

#[test]
fn ctrl_c_on_verify_stops_the_gate_group() {
    let env = TestEnv::new();
    let pid_file = env.root().join("gate.pid");
    let repo = env.initialised_repo("app");
    env.set_goals(&repo, &sleeping_gate(&pid_file));
    let child = env.spawn_peers(&repo, &["verify"]);
    interrupt_during_gate(child, &pid_file);
    assert!(
        !repo.join(".peers/VERIFY.md").exists(),
        "no report from gates that were stopped"
    );
}

#[test]
fn init_force_refuses_while_a_run_holds_the_lock() {
    let env = TestEnv::new();
    let pid_file = env.root().join("gate.pid");
    let honest = json!({"turns": [[{"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", honest.clone()), ("bob", "sim", honest)],
        &sleeping_gate(&pid_file),
        "",
    );
    let config_before = std::fs::read(repo.join(".peers/config.yaml")).unwrap();
    let baseline_before = env.git(&repo, &["rev-parse", "peers-baseline"]);
    let mut child = env.spawn_peers(&repo, &["run", "--max-ticks", "3"]);
    assert!(
        wait_for(|| read_pgid(&pid_file).is_some(), Duration::from_secs(30)),
        "the run started"
    );
    let out = env.peers(&repo, &["init", "--force"]);
    let _ = rustix::process::kill_process(
        Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap(),
        Signal::TERM,
    );
    let _ = child.wait();
    if let Some(pgid) = read_pgid(&pid_file) {
        let _ = rustix::process::kill_process_group(Pid::from_raw(pgid).unwrap(), Signal::KILL);
    }
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(out.stderr.contains("run.lock"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("pid {}", child.id())),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(repo.join(".peers/config.yaml")).unwrap(),
        config_before
    );
    assert_eq!(
        env.git(&repo, &["rev-parse", "peers-baseline"]),
        baseline_before
    );
    assert!(!repo.join(".peers/backups").exists());
}

/// `YYYYMMDDTHHMMSSZ` for now + `ahead` seconds, as init stamps its backups and tags.
fn stamp(ahead: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + ahead;
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{now}"), "+%Y%m%dT%H%M%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn init_force_never_overwrites_a_backup_and_keeps_the_old_baseline() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let first_baseline = env
        .git(&repo, &["rev-parse", "peers-baseline"])
        .trim()
        .to_owned();
    env.write(&repo, "work.txt", "progress\n");
    env.commit_all(&repo, "work");
    // Backups and kept tags that already exist for the next seconds must survive untouched.
    let backups = repo.join(".peers/backups");
    let mut planted = Vec::new();
    for ahead in 0..8 {
        let name = format!("init-{}", stamp(ahead));
        let dir = backups.join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.yaml"), "planted\n").unwrap();
        planted.push(dir);
        env.git(
            &repo,
            &["tag", &format!("peers-baseline-{}", stamp(ahead)), "HEAD~1"],
        );
    }
    let tags_before = env.git(
        &repo,
        &[
            "tag",
            "--list",
            "peers-baseline-*",
            "--format=%(refname:short) %(objectname)",
        ],
    );
    for _ in 0..2 {
        let out = env.peers(&repo, &["init", "--force", "--json"]);
        assert_eq!(out.code, 0, "{}", out.combined());
    }
    for dir in &planted {
        assert_eq!(
            std::fs::read_to_string(dir.join("config.yaml")).unwrap(),
            "planted\n"
        );
        assert_eq!(
            std::fs::read_dir(dir).unwrap().count(),
            1,
            "{}",
            dir.display()
        );
    }
    let made: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !planted.contains(p))
        .collect();
    assert_eq!(made.len(), 2, "one new backup per init: {made:?}");
    for dir in &made {
        assert!(dir.join("config.yaml").is_file() && dir.join("state.json").is_file());
    }
    let head = env.git(&repo, &["rev-parse", "HEAD"]).trim().to_owned();
    assert_eq!(
        env.git(&repo, &["rev-parse", "peers-baseline"]).trim(),
        head
    );
    let tags = env.git(
        &repo,
        &[
            "tag",
            "--list",
            "peers-baseline-*",
            "--format=%(refname:short) %(objectname)",
        ],
    );
    for line in tags_before.lines() {
        assert!(tags.contains(line), "tag {line} was clobbered:\n{tags}");
    }
    let kept: Vec<&str> = tags.lines().filter(|l| !tags_before.contains(*l)).collect();
    assert_eq!(kept.len(), 1, "the moved baseline is kept once: {tags}");
    assert!(
        kept[0].ends_with(&first_baseline),
        "{kept:?} {first_baseline}"
    );
}
