//! The parent-death signal: if the process that called `run` is SIGKILLed, its child dies too.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use peers_process::run;

use crate::support::{dies_within, is_dead, kill, sh};

const HELPER_ENV: &str = "PEERS_PROCESS_DEATH_SIGNAL_HELPER";

/// Not a test on its own: the test below re-executes this binary to run only this function,
/// as the process that gets SIGKILLed. Without the variable it has nothing to do.
#[test]
fn death_signal_helper() {
    let Some(pid_file) = std::env::var(HELPER_ENV).ok() else {
        return;
    };
    let mut spec = sh(&format!(
        "echo $$ > '{pid_file}.tmp' && mv '{pid_file}.tmp' '{pid_file}'; exec sleep 30"
    ));
    spec.timeout = Some(Duration::from_secs(30));
    let _ = run(&spec);
}

#[test]
fn child_dies_when_the_process_that_ran_it_is_sigkilled() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("child.pid");
    let mut helper = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "death_signal::death_signal_helper",
            "--test-threads=1",
        ])
        .env(HELPER_ENV, &pid_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    let pid = loop {
        if let Ok(text) = std::fs::read_to_string(&pid_file) {
            break text.trim().parse::<i32>().unwrap();
        }
        assert!(Instant::now() < until, "helper never started its child");
        std::thread::sleep(Duration::from_millis(20));
    };
    let alive_before = !is_dead(pid);
    helper.kill().unwrap();
    helper.wait().unwrap();
    let dead = dies_within(pid, Duration::from_secs(2));
    kill(pid);
    assert!(
        alive_before,
        "child {pid} was not running while the helper lived"
    );
    assert!(
        dead,
        "child {pid} outlived the SIGKILLed process that ran it"
    );
}
