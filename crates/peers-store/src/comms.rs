//! The file message channel (`comm: hybrid`): `.peers/comms/<from>-to-<to>/NNNN-<topic>.md`.
//! A message is written to a private temporary file, synced, then renamed into place without
//! replacing anything (`RENAME_NOREPLACE`), so a reader sees a whole message or none. Numbering
//! and archiving of one channel happen under its lock (`flock` on `<channel>/.lock`): a number
//! is the highest in the channel and its archive plus one, so it is never taken twice, even
//! when the message that had it was archived meanwhile.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use rustix::fs::{self as rfs, RenameFlags};
use rustix::io::Errno;

use crate::error::StoreError;
use crate::layout::PeersDir;
use crate::safe_fs;

/// The largest message accepted (and read).
pub const MESSAGE_CAP: u64 = 64 * 1024;
/// How many numbers a writer tries before giving up (each try is one no-replace rename).
const NUMBER_ATTEMPTS: u32 = 10_000;

/// A message file found in the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The directory name, `<from>-to-<to>`.
    pub channel: String,
    pub file: String,
    pub number: u64,
    pub path: PathBuf,
}

pub fn comms_dir(dir: &PeersDir) -> PathBuf {
    dir.path().join("comms")
}

pub fn archive_dir(dir: &PeersDir) -> PathBuf {
    comms_dir(dir).join("archive")
}

/// `<from>-to-<to>`.
pub fn channel_name(from: &str, to: &str) -> String {
    format!("{from}-to-{to}")
}

/// A topic as it goes into a file name: lower-case letters, digits and single dashes, at most
/// 48 characters; `note` when nothing is left.
pub fn topic_slug(topic: &str) -> String {
    let mut slug = String::new();
    for c in topic.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let slug = slug.trim_matches('-').to_owned();
    if slug.is_empty() {
        "note".to_owned()
    } else {
        slug
    }
}

/// The number a message file name starts with (`0007-x.md` → 7).
pub fn number_of(file: &str) -> Option<u64> {
    let (digits, rest) = file.split_once('-')?;
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let topic = rest.strip_suffix(".md")?;
    (!topic.is_empty()).then(|| digits.parse().ok()).flatten()
}

/// Publishes one message from `from` to `to`; returns its path. Refuses a body over
/// [`MESSAGE_CAP`]. Safe against any number of concurrent writers.
pub fn publish(
    dir: &PeersDir,
    from: &str,
    to: &str,
    topic: &str,
    body: &[u8],
) -> Result<PathBuf, StoreError> {
    let channel_dir = comms_dir(dir).join(channel_name(from, to));
    if body.len() as u64 > MESSAGE_CAP {
        return Err(StoreError::TooLarge {
            path: channel_dir,
            cap: MESSAGE_CAP,
        });
    }
    safe_fs::ensure_private_dir(&comms_dir(dir))?;
    safe_fs::ensure_private_dir(&channel_dir)?;
    let slug = topic_slug(topic);
    let handle = safe_fs::open_dir_nofollow(&channel_dir)?;
    let temp = format!(".incoming-{:x}-{}.tmp", std::process::id(), unique());
    let flags = rfs::OFlags::WRONLY
        | rfs::OFlags::CREATE
        | rfs::OFlags::EXCL
        | rfs::OFlags::NOFOLLOW
        | rfs::OFlags::CLOEXEC;
    let fd = rfs::openat(
        &handle,
        temp.as_str(),
        flags,
        rfs::Mode::from_raw_mode(0o600),
    )
    .map_err(|e| StoreError::io("create a message in", &channel_dir, e.into()))?;
    let mut file = std::fs::File::from(fd);
    let written = file.write_all(body).and_then(|()| file.sync_all());
    drop(file);
    let discard = |err: StoreError| {
        let _ = rfs::unlinkat(&handle, temp.as_str(), rfs::AtFlags::empty());
        err
    };
    written.map_err(|e| discard(StoreError::io("write a message in", &channel_dir, e)))?;
    let archived = archive_dir(dir).join(channel_name(from, to));
    let _lock = match lock_channel(&handle, &channel_dir) {
        Ok(lock) => lock,
        Err(err) => return Err(discard(err)),
    };
    let mut number = highest(&channel_dir).max(highest(&archived)) + 1;
    for _ in 0..NUMBER_ATTEMPTS {
        let name = format!("{number:04}-{slug}.md");
        match rfs::renameat_with(
            &handle,
            temp.as_str(),
            &handle,
            name.as_str(),
            RenameFlags::NOREPLACE,
        ) {
            Ok(()) => {
                let _ = rfs::fsync(&handle);
                return Ok(channel_dir.join(name));
            }
            // Taken (perhaps under another topic): the next number.
            Err(Errno::EXIST) => number = number.max(highest(&channel_dir)) + 1,
            Err(e) => {
                return Err(discard(StoreError::io(
                    "publish a message in",
                    &channel_dir,
                    e.into(),
                )));
            }
        }
    }
    Err(discard(StoreError::io(
        "find a free message number in",
        &channel_dir,
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "every number tried was taken",
        ),
    )))
}

/// Holds the channel's lock until dropped (blocking until it is free).
fn lock_channel(
    handle: &std::os::fd::OwnedFd,
    channel_dir: &Path,
) -> Result<std::os::fd::OwnedFd, StoreError> {
    let flags =
        rfs::OFlags::RDWR | rfs::OFlags::CREATE | rfs::OFlags::NOFOLLOW | rfs::OFlags::CLOEXEC;
    let fd = rfs::openat(handle, ".lock", flags, rfs::Mode::from_raw_mode(0o600))
        .map_err(|e| StoreError::io("open the lock of", channel_dir, e.into()))?;
    rfs::flock(&fd, rfs::FlockOperation::LockExclusive)
        .map_err(|e| StoreError::io("lock", channel_dir, e.into()))?;
    Ok(fd)
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{nanos:x}{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The highest message number in `dir` (0 when none, or no such directory). A number is taken
/// whatever its topic, so the numbers of one channel are unique.
fn highest(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name().to_str().and_then(|name| {
                name.split_once('-')
                    .and_then(|(digits, _)| digits.parse::<u64>().ok())
            })
        })
        .max()
        .unwrap_or(0)
}

/// Every published message waiting in the channel (all channels), oldest number first within a
/// channel. Temporary files, archived messages and anything that is not a regular file under a
/// real directory are not messages.
pub fn pending(dir: &PeersDir) -> Result<Vec<Pending>, StoreError> {
    let root = comms_dir(dir);
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("list", &root, e)),
    };
    let mut found = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let Some(channel) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if channel == "archive" || !is_dir || !channel.contains("-to-") {
            continue;
        }
        let Ok(files) = std::fs::read_dir(entry.path()) else {
            continue;
        };
        let mut in_channel: Vec<Pending> = files
            .filter_map(Result::ok)
            .filter(|f| f.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|f| {
                let file = f.file_name().to_str()?.to_owned();
                let number = number_of(&file)?;
                Some(Pending {
                    channel: channel.clone(),
                    file,
                    number,
                    path: f.path(),
                })
            })
            .collect();
        in_channel.sort_by(|a, b| (a.number, &a.file).cmp(&(b.number, &b.file)));
        found.extend(in_channel);
    }
    found.sort_by(|a, b| (&a.channel, a.number).cmp(&(&b.channel, b.number)));
    Ok(found)
}

/// Reads a pending message (no symlink, capped).
pub fn read(message: &Pending) -> Result<Vec<u8>, StoreError> {
    safe_fs::read_control_file(&message.path, MESSAGE_CAP)
}

/// Moves a message to `comms/archive/<sub>/<channel>/` (`sub` empty for delivered ones, e.g.
/// `refused` for the others), never replacing an archived file. Returns the new path.
pub fn archive(dir: &PeersDir, message: &Pending, sub: &str) -> Result<PathBuf, StoreError> {
    let mut target_dir = archive_dir(dir);
    safe_fs::ensure_private_dir(&target_dir)?;
    if !sub.is_empty() {
        target_dir = target_dir.join(sub);
        safe_fs::ensure_private_dir(&target_dir)?;
    }
    target_dir = target_dir.join(&message.channel);
    safe_fs::ensure_private_dir(&target_dir)?;
    let channel_dir = comms_dir(dir).join(&message.channel);
    let handle = safe_fs::open_dir_nofollow(&channel_dir)?;
    let _lock = lock_channel(&handle, &channel_dir)?;
    for n in 0..100u32 {
        let name = if n == 0 {
            message.file.clone()
        } else {
            format!("{}.{n}", message.file)
        };
        let target = target_dir.join(&name);
        match rfs::renameat_with(
            rfs::CWD,
            &message.path,
            rfs::CWD,
            &target,
            RenameFlags::NOREPLACE,
        ) {
            Ok(()) => return Ok(target),
            Err(Errno::EXIST) => continue,
            Err(e) => return Err(StoreError::io("archive", &message.path, e.into())),
        }
    }
    Err(StoreError::io(
        "archive",
        &message.path,
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "no free name in the archive",
        ),
    ))
}

#[cfg(test)]
#[path = "comms_tests.rs"]
mod tests;
