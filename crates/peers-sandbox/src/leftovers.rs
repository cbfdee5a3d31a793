//! What the command left running in its pid namespace when it exited: init lists it (the
//! kernel kills it when init exits), the helper says it as the last line of stderr, and the
//! launcher reads it back, so a confined turn that leaves a server or a background job behind
//! is held to the same rule as an unconfined one.
//!
//! The helper writes its line only after init, and so every process of the namespace, is
//! gone: nothing of the agent's can write after it, so only the very last line counts.

use std::io::Write as _;
use std::os::fd::OwnedFd;

use serde::{Deserialize, Serialize};

/// Opens the helper's last stderr line when the command left processes running.
pub const LEFT_RUNNING_MARKER: &str =
    "peers-sandbox: left running when the command exited (killed): ";

/// At most this many processes are listed (the rest are killed all the same).
const MAX_LISTED: usize = 32;
/// Each command line is cut to this many characters.
const MAX_COMMAND_CHARS: usize = 200;

#[derive(Serialize, Deserialize)]
struct Listed {
    pid: u32,
    command: String,
    program: String,
}

/// Init, once the command has exited: the processes still running in the namespace (not
/// init, not zombies), sent through `pipe` for the helper. Best effort: a process that exits
/// while it is read is simply not listed.
pub(crate) fn send(pipe: OwnedFd) {
    let listed = running();
    if listed.is_empty() {
        return;
    }
    let Ok(line) = serde_json::to_string(&listed) else {
        return;
    };
    let mut file = std::fs::File::from(pipe);
    // The helper reads after init exits; a short line fits the pipe without blocking.
    let _ = file.write_all(line.as_bytes());
}

fn running() -> Vec<Listed> {
    running_except(&[std::process::id()])
}

/// The processes of this pid namespace that are running (not zombies), but for `skip`.
fn running_except(skip: &[u32]) -> Vec<Listed> {
    let mut listed: Vec<Listed> = pids_except(skip)
        .into_iter()
        .map(|pid| Listed {
            pid,
            command: command_line(pid),
            program: std::fs::read_link(format!("/proc/{pid}/exe"))
                .map(|path| path.to_string_lossy().into_owned())
                .unwrap_or_default(),
        })
        .collect();
    listed.sort_by_key(|entry| entry.pid);
    listed.truncate(MAX_LISTED);
    listed
}

fn is_zombie(pid: u32) -> bool {
    // The state follows the last `)`: the command name before it may hold anything.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X']))
    })
}

fn command_line(pid: u32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let text: String = String::from_utf8_lossy(&raw)
        .split('\0')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_COMMAND_CHARS)
        .collect();
    text
}

/// The podman container's init, once the command has exited: the processes of the
/// container still running but for its pid 1 (podman's `--init`) and the caller, as the
/// helper's line (`None` when there are none). The caller kills them before writing it.
pub(crate) fn podman_line() -> Option<String> {
    let listed = running_except(&[1, std::process::id()]);
    let json = serde_json::to_string(&listed).ok()?;
    line(&json)
}

/// The pids of this pid namespace's running processes (not zombies), but for `skip`.
pub(crate) fn pids_except(skip: &[u32]) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| !skip.contains(pid) && !is_zombie(*pid))
        .collect()
}

/// The helper's line for what init sent (`None` when nothing was left running or the text
/// is not init's list).
pub(crate) fn line(sent: &str) -> Option<String> {
    let listed: Vec<Listed> = serde_json::from_str(sent.trim()).ok()?;
    if listed.is_empty() {
        return None;
    }
    let json = serde_json::to_string(&listed).ok()?;
    Some(format!("\n{LEFT_RUNNING_MARKER}{json}\n"))
}

/// The processes a confined command left running, read from the last line of its stderr
/// (the helper's); empty when that line is not the helper's list.
pub fn left_running(stderr_tail: &str) -> Vec<peers_process::Leftover> {
    let Some(last) = stderr_tail
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
    else {
        return Vec::new();
    };
    let Some(json) = last.strip_prefix(LEFT_RUNNING_MARKER) else {
        return Vec::new();
    };
    serde_json::from_str::<Vec<Listed>>(json)
        .unwrap_or_default()
        .into_iter()
        .map(|listed| peers_process::Leftover {
            pid: listed.pid,
            command: listed.command,
            program: listed.program,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent() -> String {
        serde_json::to_string(&[Listed {
            pid: 7,
            command: "sleep 300".to_owned(),
            program: "/usr/bin/sleep".to_owned(),
        }])
        .unwrap()
    }

    #[test]
    fn the_helpers_last_line_is_read_back() {
        let stderr = format!("agent output\n{}", line(&sent()).unwrap());
        let left = left_running(&stderr);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].pid, 7);
        assert_eq!(left[0].command, "sleep 300");
        assert_eq!(left[0].program, "/usr/bin/sleep");
    }

    #[test]
    fn a_list_that_is_not_the_last_line_is_not_believed() {
        // What an agent prints early (to frame or to hide) never counts: only the last line.
        let stderr = format!("{}more output from the agent\n", line(&sent()).unwrap());
        assert!(left_running(&stderr).is_empty());
        assert!(left_running("").is_empty());
        assert!(left_running(&format!("{LEFT_RUNNING_MARKER}not json\n")).is_empty());
    }

    #[test]
    fn nothing_sent_means_no_line() {
        assert_eq!(line(""), None);
        assert_eq!(line("[]"), None);
    }
}
