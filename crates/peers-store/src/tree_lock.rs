//! An exclusive lock held while one evaluation uses the gates' scratch worktree, so a
//! `peers verify` started during a run waits for the run's gates instead of checking out and
//! cleaning the tree under them. `flock` on a file that is never unlinked, like `run.lock`.

use std::fs::File;
use std::path::Path;

use rustix::fs::{self as rfs, FlockOperation, Mode, OFlags};
use rustix::io::Errno;

use crate::error::StoreError;

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct TreeLock {
    file: File,
}

impl TreeLock {
    /// Takes the lock at `path` (created if missing, never through a symlink). When another
    /// process holds it, `waiting` is called once and the call blocks until it is free.
    pub fn acquire(path: &Path, waiting: impl FnOnce()) -> Result<Self, StoreError> {
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rfs::open(path, flags, Mode::from_raw_mode(0o600))
            .map_err(|error| StoreError::io("open", path, error.into()))?;
        let file = File::from(fd);
        match rfs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(Self { file }),
            Err(Errno::WOULDBLOCK) => waiting(),
            Err(error) => return Err(StoreError::io("lock", path, error.into())),
        }
        rfs::flock(&file, FlockOperation::LockExclusive)
            .map_err(|error| StoreError::io("lock", path, error.into()))?;
        Ok(Self { file })
    }
}

impl Drop for TreeLock {
    fn drop(&mut self) {
        let _ = rfs::flock(&self.file, FlockOperation::Unlock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_second_holder_is_told_and_waits_until_the_first_releases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let first = TreeLock::acquire(&path, || panic!("free lock")).unwrap();
        let waited = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let second = scope.spawn(|| {
                TreeLock::acquire(&path, || waited.store(true, Ordering::SeqCst)).unwrap()
            });
            std::thread::sleep(std::time::Duration::from_millis(100));
            assert!(!second.is_finished(), "the second waits");
            drop(first);
            drop(second.join().unwrap());
        });
        assert!(waited.load(Ordering::SeqCst));
    }
}
