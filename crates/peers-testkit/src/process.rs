//! Process liveness for tests that check nothing is left running: is a pid or a process group
//! alive, and waiting (bounded) until a condition holds or a process is gone.

use std::time::{Duration, Instant};

/// Whether `pid` names a running process; a zombie (exited, not yet reaped) or a dying one
/// (`X`) counts as gone.
pub fn pid_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_owned())
        })
        .is_some_and(|state| !(state.starts_with('Z') || state.starts_with('X')))
}

/// Whether any process of group `pgid` exists (zombies included: the kernel still has them).
pub fn group_alive(pgid: i32) -> bool {
    rustix::process::Pid::from_raw(pgid)
        .is_some_and(|pid| rustix::process::test_kill_process_group(pid).is_ok())
}

/// Polls `condition` every 20 ms until it holds (true) or `timeout` passes (false).
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits up to `timeout` for `pid` to be gone; true when it is.
pub fn wait_gone(pid: u32, timeout: Duration) -> bool {
    wait_until(timeout, || !pid_alive(pid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_child_is_alive_and_gone_once_reaped() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        assert!(pid_alive(child.id()));
        child.kill().expect("kill");
        // Not reaped yet: a zombie already counts as gone.
        assert!(wait_gone(child.id(), Duration::from_secs(5)));
        child.wait().expect("reap");
        assert!(!pid_alive(child.id()));
    }

    #[test]
    fn wait_until_gives_up_after_its_timeout() {
        assert!(!wait_until(Duration::from_millis(50), || false));
        assert!(wait_until(Duration::from_millis(50), || true));
    }
}
