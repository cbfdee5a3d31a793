//! Every process a child started, found through `/proc` even after it left the child's process
//! group or session, and killed when the child's run ends.
//!
//! Method. peers becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`, once per process), so a
//! process whose parent dies is re-parented to peers instead of to init. A [`Tracker`] follows
//! one child (the root) by scanning `/proc/*/stat` while it runs and once more at the end; a
//! process started at or after the root counts as the root's descendant when
//! - its parent is a known descendant, or
//! - it is in the root's process group, or in a group or session led by a known descendant
//!   (a `setsid` server and everything it starts), or
//! - it is an orphan re-parented to peers (parent = peers) that is neither a registered
//!   direct child (see `registry`), nor in a registered child's group, nor in peers' own group
//!   (the plain `std::process::Command` children of other code, such as git, stay there).
//!
//! Lineage seen during the run is exact. The orphan rule is a best guess: with two runs in
//! parallel threads, an orphan that escaped between two scans is claimed by every run that
//! started before it, so it dies when the first of them ends. Killing goes through a pidfd
//! opened after re-checking the start time, so a recycled pid is never signalled.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::Read as _;
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use rustix::process::{
    Pid, PidfdFlags, Signal, WaitId, WaitIdOptions, getpgrp, getpid, kill_process, pidfd_open,
    pidfd_send_signal, set_child_subreaper, waitid,
};

use crate::registry;

/// Kill rounds at the end: a descendant may fork while we kill its parent.
const KILL_ROUNDS: usize = 50;
/// Pause between kill rounds, for SIGKILL to take effect.
const KILL_ROUND_PAUSE: Duration = Duration::from_millis(5);

static SUBREAPER: OnceLock<bool> = OnceLock::new();

/// Makes this process a child subreaper, once; false when the kernel refused.
pub fn become_subreaper() -> bool {
    *SUBREAPER.get_or_init(|| set_child_subreaper(Some(getpid())).is_ok())
}

/// True once [`become_subreaper`] succeeded: orphans then come to us and must be reaped.
pub(crate) fn is_subreaper() -> bool {
    SUBREAPER.get() == Some(&true)
}

/// One line of `/proc/<pid>/stat`, the fields the sweep needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProcStat {
    pub(crate) pid: i32,
    pub(crate) ppid: i32,
    pub(crate) pgid: i32,
    pub(crate) sid: i32,
    /// Clock ticks after boot; with the pid it names one process for ever.
    pub(crate) start: u64,
    pub(crate) zombie: bool,
}

pub(crate) fn read_stat(pid: i32) -> Option<ProcStat> {
    // One read: the kernel builds the whole line at once, and a line is far shorter than the
    // buffer (`read_to_string` would add a stat and several growing reads per process).
    let mut buffer = [0u8; 1024];
    let count = fs::File::open(format!("/proc/{pid}/stat"))
        .and_then(|mut file| file.read(&mut buffer))
        .ok()?;
    let text = std::str::from_utf8(buffer.get(..count)?).ok()?;
    // The command name may contain spaces and parentheses; the fields follow the last ')'.
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let number = |index: usize| fields.get(index)?.parse::<i64>().ok();
    Some(ProcStat {
        pid,
        zombie: fields
            .first()
            .is_some_and(|state| *state == "Z" || *state == "X"),
        ppid: i32::try_from(number(1)?).ok()?,
        pgid: i32::try_from(number(2)?).ok()?,
        sid: i32::try_from(number(3)?).ok()?,
        start: u64::try_from(number(19)?).ok()?,
    })
}

/// Every process on the system.
pub(crate) fn snapshot() -> Vec<ProcStat> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(read_stat)
        .collect()
}

/// Every process below peers, peers included: all a [`Tracker`] can ever claim once peers is a
/// subreaper (a descendant whose parent dies comes back to peers, so none leaves the tree). Read
/// from `/proc/<pid>/task/<tid>/children`, which costs a few reads per family member instead of
/// one per process on the machine; the whole table when that file is missing (a kernel without
/// `CONFIG_PROC_CHILDREN`) or peers is not a subreaper.
pub(crate) fn family() -> Vec<ProcStat> {
    if !is_subreaper() || !children_files_exist() {
        return snapshot();
    }
    let me = getpid().as_raw_nonzero().get();
    let mut seen = HashSet::from([me]);
    let mut queue = vec![me];
    let mut table = read_stat(me).into_iter().collect::<Vec<_>>();
    loop {
        while let Some(pid) = queue.pop() {
            for child in children(pid) {
                if seen.insert(child) {
                    queue.push(child);
                    table.extend(read_stat(child));
                }
            }
        }
        // An orphan re-parented to peers after peers' own list was read: its old parent may
        // have been read after it left, so read peers' list again until nothing new appears.
        queue.extend(
            children(me)
                .into_iter()
                .filter(|child| !seen.contains(child)),
        );
        if queue.is_empty() {
            return table;
        }
        for &child in &queue {
            seen.insert(child);
            table.extend(read_stat(child));
        }
    }
}

/// The direct children of `pid`, across all its threads (a child belongs to the thread that
/// forked it; an orphan to whichever thread of its new parent the kernel picked).
fn children(pid: i32) -> Vec<i32> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for task in tasks.filter_map(Result::ok) {
        let mut path = task.path();
        path.push("children");
        if let Ok(text) = fs::read_to_string(&path) {
            found.extend(
                text.split_whitespace()
                    .filter_map(|pid| pid.parse::<i32>().ok()),
            );
        }
    }
    found
}

/// Whether this kernel has `/proc/<pid>/task/<tid>/children`, checked once.
fn children_files_exist() -> bool {
    static EXIST: OnceLock<bool> = OnceLock::new();
    *EXIST.get_or_init(|| {
        let me = getpid().as_raw_nonzero().get();
        fs::metadata(format!("/proc/{me}/task/{me}/children")).is_ok()
    })
}

/// A process a child left running when it exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub pid: u32,
    /// `/proc/<pid>/cmdline`, arguments joined by spaces (empty when unreadable).
    pub command: String,
    /// `/proc/<pid>/exe`: the program actually running, whatever `argv[0]` claims (empty when
    /// unreadable).
    pub program: String,
}

/// `/proc/<pid>/exe` as text (empty when unreadable).
pub(crate) fn executable(pid: i32) -> String {
    fs::read_link(format!("/proc/{pid}/exe"))
        .map(|path| path.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(crate) fn command_line(pid: i32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| {
            bytes
                .split(|b| *b == 0)
                .filter(|part| !part.is_empty())
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// The descendants of one root process, as far as seen so far.
#[derive(Debug)]
pub(crate) struct Tracker {
    root: i32,
    /// Start time of the root; nothing started before it can be its descendant.
    since: u64,
    members: HashMap<i32, u64>,
    groups: HashSet<i32>,
    sessions: HashSet<i32>,
    me: i32,
    my_group: i32,
}

impl Tracker {
    pub(crate) fn new(root: u32) -> Self {
        let root = i32::try_from(root).unwrap_or(i32::MAX);
        let since = read_stat(root).map_or(0, |stat| stat.start);
        Self {
            root,
            since,
            members: HashMap::new(),
            groups: HashSet::from([root]),
            sessions: HashSet::new(),
            me: getpid().as_raw_nonzero().get(),
            my_group: getpgrp().as_raw_nonzero().get(),
        }
    }

    /// Updates the member set from the process table; holds the registry lock while it reads.
    pub(crate) fn scan(&mut self) {
        let live = registry::lock();
        let table = family();
        self.update(&table, &live);
    }

    fn update(&mut self, table: &[ProcStat], live: &BTreeSet<i32>) {
        let present: HashMap<i32, u64> = table.iter().map(|stat| (stat.pid, stat.start)).collect();
        self.members
            .retain(|pid, start| present.get(pid) == Some(start));
        let used_groups: HashSet<i32> = table.iter().map(|stat| stat.pgid).collect();
        let used_sessions: HashSet<i32> = table.iter().map(|stat| stat.sid).collect();
        self.groups.retain(|group| used_groups.contains(group));
        self.sessions
            .retain(|session| used_sessions.contains(session));
        loop {
            let mut grew = false;
            for stat in table {
                if !self.members.contains_key(&stat.pid) && self.claims(stat, live) {
                    self.admit(stat);
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
    }

    fn claims(&self, stat: &ProcStat, live: &BTreeSet<i32>) -> bool {
        if stat.start < self.since || stat.pid == self.me {
            return false;
        }
        stat.pid == self.root
            || self.members.contains_key(&stat.ppid)
            || self.groups.contains(&stat.pgid)
            || self.sessions.contains(&stat.sid)
            || (stat.ppid == self.me
                && stat.pgid != self.my_group
                && !live.contains(&stat.pid)
                && !live.contains(&stat.pgid))
    }

    fn admit(&mut self, stat: &ProcStat) {
        self.members.insert(stat.pid, stat.start);
        if stat.pgid == stat.pid {
            self.groups.insert(stat.pid);
        }
        if stat.sid == stat.pid {
            self.sessions.insert(stat.pid);
        }
    }

    /// Descendants other than the root that are still running (not zombies) now, with their
    /// command lines: what the root left behind if it has exited.
    pub(crate) fn running_descendants(&mut self) -> Vec<Leftover> {
        let table = {
            let live = registry::lock();
            let table = family();
            self.update(&table, &live);
            table
        };
        table
            .iter()
            .filter(|stat| {
                stat.pid != self.root && !stat.zombie && self.members.contains_key(&stat.pid)
            })
            .map(|stat| Leftover {
                pid: u32::try_from(stat.pid).unwrap_or(0),
                command: command_line(stat.pid),
                program: executable(stat.pid),
            })
            .collect()
    }

    /// SIGKILLs every descendant except the root (its owner reaps it), until none is left
    /// running or the rounds run out; then reaps the orphans among them. Returns the pids killed.
    pub(crate) fn kill_all(&mut self) -> Vec<u32> {
        let mut killed = BTreeSet::new();
        for _ in 0..KILL_ROUNDS {
            let table = {
                let live = registry::lock();
                let table = family();
                self.update(&table, &live);
                table
            };
            let running: Vec<ProcStat> = table
                .iter()
                .filter(|stat| {
                    stat.pid != self.root && !stat.zombie && self.members.contains_key(&stat.pid)
                })
                .copied()
                .collect();
            if running.is_empty() {
                break;
            }
            for stat in running {
                if kill_exact(&stat) {
                    killed.insert(u32::try_from(stat.pid).unwrap_or(0));
                }
            }
            thread::sleep(KILL_ROUND_PAUSE);
        }
        reap_orphans();
        killed.into_iter().collect()
    }
}

/// SIGKILL to exactly the process `stat` describes, never to a later owner of its pid.
fn kill_exact(stat: &ProcStat) -> bool {
    signal_exact(stat, Signal::KILL)
}

/// `signal` to exactly the process `stat` describes, never to a later owner of its pid.
pub(crate) fn signal_exact(stat: &ProcStat, signal: Signal) -> bool {
    let Some(pid) = Pid::from_raw(stat.pid) else {
        return false;
    };
    match pidfd_open(pid, PidfdFlags::empty()) {
        Ok(pidfd) => {
            // The pidfd pins this pid; the start time says it is still the process we saw.
            read_stat(stat.pid).is_some_and(|now| now.start == stat.start)
                && pidfd_send_signal(&pidfd, signal).is_ok()
        }
        // No pidfds (old kernel): the start-time check narrows the race to microseconds.
        Err(_) => {
            read_stat(stat.pid).is_some_and(|now| now.start == stat.start)
                && kill_process(pid, signal).is_ok()
        }
    }
}

/// Reaps zombies re-parented to peers that no owner will wait for: not registered direct
/// children and not in peers' own group (where plain `std::process::Command` children live).
pub fn reap_orphans() {
    if !is_subreaper() {
        // Orphans go to init then; our own children are reaped by their owners.
        return;
    }
    let live = registry::lock();
    let me = getpid().as_raw_nonzero().get();
    let my_group = getpgrp().as_raw_nonzero().get();
    let table: Vec<ProcStat> = if children_files_exist() {
        children(me).into_iter().filter_map(read_stat).collect()
    } else {
        snapshot()
    };
    for stat in table {
        let orphan = stat.ppid == me && stat.pgid != my_group && !live.contains(&stat.pid);
        if orphan
            && stat.zombie
            && let Some(pid) = Pid::from_raw(stat.pid)
        {
            let _ = waitid(
                WaitId::Pid(pid),
                WaitIdOptions::EXITED | WaitIdOptions::NOHANG,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(pid: i32, ppid: i32, pgid: i32, sid: i32, start: u64) -> ProcStat {
        ProcStat {
            pid,
            ppid,
            pgid,
            sid,
            start,
            zombie: false,
        }
    }

    fn tracker() -> Tracker {
        Tracker {
            root: 100,
            since: 50,
            members: HashMap::new(),
            groups: HashSet::from([100]),
            sessions: HashSet::new(),
            me: 1,
            my_group: 1,
        }
    }

    #[test]
    fn lineage_group_and_session_are_followed() {
        let mut tracker = tracker();
        let table = [
            stat(100, 1, 100, 7, 50),
            stat(101, 100, 100, 7, 51),
            // A setsid server started by 101, and its own child in that session.
            stat(102, 101, 102, 102, 52),
            stat(103, 555, 103, 102, 53),
            // Unrelated: another process in peers' session, started later.
            stat(200, 300, 200, 7, 60),
        ];
        tracker.update(&table, &BTreeSet::from([100]));
        let mut members: Vec<i32> = tracker.members.keys().copied().collect();
        members.sort_unstable();
        assert_eq!(members, vec![100, 101, 102, 103]);
    }

    #[test]
    fn orphan_rule_spares_registered_children_their_groups_and_our_group() {
        let mut tracker = tracker();
        let table = [
            stat(100, 1, 100, 7, 50),
            // Escaped orphan re-parented to peers (pid 1 here).
            stat(110, 1, 110, 110, 55),
            // Another run's registered child, and a process in its group.
            stat(120, 1, 120, 7, 56),
            stat(121, 1, 120, 7, 57),
            // A plain Command child of peers (git), in peers' group.
            stat(130, 1, 1, 7, 58),
        ];
        tracker.update(&table, &BTreeSet::from([100, 120]));
        assert!(tracker.members.contains_key(&110));
        for spared in [120, 121, 130] {
            assert!(!tracker.members.contains_key(&spared), "{spared}");
        }
    }

    #[test]
    fn processes_older_than_the_root_are_never_claimed() {
        let mut tracker = tracker();
        let table = [stat(100, 1, 100, 7, 50), stat(90, 100, 100, 7, 10)];
        tracker.update(&table, &BTreeSet::from([100]));
        assert!(!tracker.members.contains_key(&90));
    }

    #[test]
    fn a_recycled_member_pid_is_dropped() {
        let mut tracker = tracker();
        tracker.update(
            &[stat(100, 1, 100, 7, 50), stat(101, 100, 100, 7, 51)],
            &BTreeSet::from([100]),
        );
        assert!(tracker.members.contains_key(&101));
        // 101 died and the pid came back as an unrelated process in another group.
        tracker.update(
            &[stat(100, 1, 100, 7, 50), stat(101, 400, 101, 7, 90)],
            &BTreeSet::from([100]),
        );
        assert!(!tracker.members.contains_key(&101));
    }

    #[test]
    fn own_stat_line_parses() {
        let me = getpid().as_raw_nonzero().get();
        let stat = read_stat(me).unwrap();
        assert_eq!(stat.pid, me);
        assert!(stat.start > 0 && !stat.zombie);
    }
}
