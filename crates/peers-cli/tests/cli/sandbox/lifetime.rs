//! Nothing of a turn outlives it: not a `setsid` + double-forked sleeper (named as left
//! running, on both backends), not when the orchestrator's helper is SIGKILLed mid-turn
//! (the parent-death chain).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{PEERS, Turn, available, sleepers, text};

/// Waits up to two seconds for every process carrying `marker` to be gone.
fn gone(marker: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let left = sleepers(marker);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn setsid_and_double_forked_processes_die_with_the_turn() {
    for turn in Turn::each() {
        let marker = "2931.5";
        let outcome = turn.sh(&format!(
        "setsid sh -c 'sleep {marker} & sleep {marker} &' ; (setsid sleep {marker} &) ; \
         nohup sleep {marker} >/dev/null 2>&1 & sleep 0.3; pgrep -c -f {marker} || ps -e | grep -c sleep; echo done"
    ));
        let all = text(&outcome);
        assert!(outcome.success(), "{all}");
        let left = gone(marker);
        assert!(left.is_empty(), "survived the turn: {left:?}\n{all}");
        // The sandbox's last stderr line names what was left running (and killed).
        let named = peers_sandbox::left_running(&outcome.stderr.to_string_lossy());
        assert!(
            named
                .iter()
                .filter(|left| left.command.contains(marker))
                .count()
                >= 3,
            "the leftovers are not named: {named:?}\n{all}"
        );
    }
}

#[test]
fn killing_the_helper_kills_the_whole_sandbox() {
    if !available() {
        return;
    }
    let turn = Turn::new(super::Backend::Native);
    let marker = "2932.5";
    let mut spec = peers_process::CommandSpec::new("/bin/sh", &turn.repo);
    spec.args = vec![
        "-c".into(),
        format!("setsid sleep {marker} & sleep {marker}").into(),
    ];
    spec.env = vec![("PATH".into(), super::PATH.into())];
    let confined =
        peers_sandbox::confine(&spec, &turn.policy, std::path::Path::new(PEERS)).expect("confine");
    let mut helper = Command::new(&confined.program)
        .args(&confined.args)
        .current_dir(&confined.cwd)
        .env_clear()
        .envs(confined.env.iter().map(|(key, value)| (key, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn helper");
    let deadline = Instant::now() + Duration::from_secs(10);
    while sleepers(marker).len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sleepers(marker).len(), 2, "the sleepers never started");
    helper.kill().expect("SIGKILL the helper");
    let _ = helper.wait();
    let left = gone(marker);
    assert!(left.is_empty(), "outlived the helper: {left:?}");
}

#[test]
fn a_native_turn_runs_in_its_own_cgroup_where_one_is_delegated_and_it_is_removed_after() {
    if !available() {
        return;
    }
    let support = peers_sandbox::probe(std::path::Path::new(PEERS)).cgroup;
    let peers_sandbox::CgroupSupport::Delegated { path, controllers } = support else {
        eprintln!("skipped: no delegated cgroup v2 here: {support:?}");
        return;
    };
    let turn = Turn::new(super::Backend::Native);
    let outcome = turn
        .sh("grep '^0::' /proc/self/cgroup; cat /sys/fs/cgroup/pids.max 2>/dev/null; echo done");
    let all = text(&outcome);
    assert!(outcome.success(), "{all}");
    let line = super::lines(&outcome)
        .into_iter()
        .find(|line| line.starts_with("0::"))
        .unwrap_or_default();
    let name = line.rsplit('/').next().unwrap_or_default().to_owned();
    assert!(
        name.starts_with("peers-turn-"),
        "not in a turn cgroup: {all}"
    );
    assert!(
        !path.join(&name).exists(),
        "the turn's cgroup was left behind: {all}"
    );
    eprintln!("delegated controllers here: {controllers:?}");
}
