//! The direct children this process started through peers-process and has not reaped yet.
//!
//! The descendant sweep (see `descendants`) treats a process whose parent is peers itself as an
//! escaped orphan only when it is NOT one of these children (nor in one of their groups): with
//! several runs in parallel threads, one run's sweep must never kill another run's child. So a
//! spawn and its registration happen under the same lock the sweep holds while it decides.

use std::collections::BTreeSet;
use std::io;
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard};

static LIVE_CHILDREN: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// The registered pids, locked: nobody can spawn through peers-process while this is held.
pub(crate) fn lock() -> MutexGuard<'static, BTreeSet<i32>> {
    // The set stays consistent even if a holder panicked: every update is a single insert/remove.
    LIVE_CHILDREN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Spawns `command` and registers the child before any sweep can look at the process table.
pub(crate) fn spawn(command: &mut Command) -> io::Result<Child> {
    let mut live = lock();
    let child = command.spawn()?;
    live.insert(pid_of(&child));
    Ok(child)
}

/// Forgets a child once it has been reaped (reap first: an unregistered zombie may be reaped
/// by the orphan sweep, and its owner's `wait` would then fail).
pub(crate) fn forget(pid: u32) {
    lock().remove(&i32::try_from(pid).unwrap_or(i32::MAX));
}

fn pid_of(child: &Child) -> i32 {
    i32::try_from(child.id()).unwrap_or(i32::MAX)
}
