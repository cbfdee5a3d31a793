//! `.peers/run.lock`: one `peers run` per repository. The file is never unlinked, so every
//! contender locks the same inode (the original unlinked it, letting two runs hold "the" lock
//! on different inodes).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::Duration;

use rustix::fs::{self as rfs, FlockOperation, Mode, OFlags};
use rustix::io::Errno;
use rustix::process::Pid;

use crate::error::StoreError;
use crate::layout::{PeersDir, SMALL_FILE_CAP};
use crate::safe_fs::{open_control_file, open_dir_nofollow, open_error};

/// `probe_lock` holds the lock for an instant; a run starting in that instant retries this
/// often before reporting contention.
const ACQUIRE_ATTEMPTS: u32 = 5;
const ACQUIRE_RETRY_DELAY: Duration = Duration::from_millis(20);

/// The held run lock; dropping it releases the lock (the file stays).
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

/// What `probe_lock` saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// No `run.lock`: no run has happened here yet.
    Absent,
    /// The file exists and nobody holds it; `stale_pid` is the last holder's recorded PID.
    Free { stale_pid: Option<u32> },
    /// A run holds the lock; `pid` is the PID it recorded.
    Held { pid: Option<u32> },
}

impl RunLock {
    /// Takes the lock without waiting and records our PID in the file.
    pub fn acquire(dir: &PeersDir) -> Result<Self, StoreError> {
        let path = dir.run_lock();
        let parent = open_dir_nofollow(dir.path())?;
        // No O_TRUNC: the file may belong to a live holder until flock says otherwise.
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rfs::openat(&parent, "run.lock", flags, Mode::from_raw_mode(0o600))
            .map_err(|e| open_error(&path, e, "open"))?;
        let mut file = File::from(fd);
        let metadata = file
            .metadata()
            .map_err(|e| StoreError::io("inspect", &path, e))?;
        if !metadata.is_file() {
            return Err(StoreError::NotRegular {
                path,
                kind: "special file",
            });
        }
        lock_exclusive(&file, &path)?;
        let pid = rustix::process::getpid().as_raw_nonzero();
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(format!("{pid}\n").as_bytes()))
            .map_err(|e| StoreError::io("record our PID in", &path, e))?;
        Ok(Self { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Closing the descriptor would release it too; unlocking first says so explicitly.
        let _ = rfs::flock(&self.file, FlockOperation::Unlock);
    }
}

fn lock_exclusive(file: &File, path: &Path) -> Result<(), StoreError> {
    for attempt in 1..=ACQUIRE_ATTEMPTS {
        match rfs::flock(file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(()),
            Err(Errno::WOULDBLOCK) if attempt < ACQUIRE_ATTEMPTS => sleep(ACQUIRE_RETRY_DELAY),
            Err(Errno::WOULDBLOCK) => {
                return Err(StoreError::LockHeld {
                    pid: read_pid(file),
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(StoreError::io("lock", path, e.into())),
        }
    }
    Err(StoreError::LockHeld {
        pid: read_pid(file),
        path: path.to_path_buf(),
    })
}

/// Looks at the lock without taking it for longer than an instant: a shared lock on a fresh
/// descriptor succeeds only when no run holds the exclusive one.
pub fn probe_lock(dir: &PeersDir) -> Result<LockState, StoreError> {
    let path = dir.run_lock();
    let file = match open_control_file(&path) {
        Ok((file, _)) => file,
        Err(err) if err.is_not_found() => return Ok(LockState::Absent),
        Err(err) => return Err(err),
    };
    match rfs::flock(&file, FlockOperation::NonBlockingLockShared) {
        Ok(()) => {
            let _ = rfs::flock(&file, FlockOperation::Unlock);
            Ok(LockState::Free {
                stale_pid: read_pid(&file),
            })
        }
        Err(Errno::WOULDBLOCK) => Ok(LockState::Held {
            pid: read_pid(&file),
        }),
        Err(e) => Err(StoreError::io("probe the lock", path, e.into())),
    }
}

/// Whether a process with this PID exists (it may belong to another user).
pub fn pid_is_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return false;
    };
    !matches!(rustix::process::test_kill_process(pid), Err(Errno::SRCH))
}

/// The PID line a holder wrote; `None` while it is being rewritten or if it is garbage.
fn read_pid(file: &File) -> Option<u32> {
    let mut text = String::new();
    let mut reader = file;
    reader.seek(SeekFrom::Start(0)).ok()?;
    reader.take(SMALL_FILE_CAP).read_to_string(&mut text).ok()?;
    text.lines().next()?.trim().parse().ok()
}
