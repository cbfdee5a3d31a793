//! Safe file I/O for `.peers/` control files and repository files read by gates: no symlinks
//! followed, no hard links, no FIFOs or devices, sizes capped before reading, atomic replaces.
//!
//! Peers run with the user's rights inside the repository they edit; these rules stop an agent
//! (or an accident) from redirecting peers' own reads and writes elsewhere through links.

use std::fs::{DirBuilder, File, Metadata};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::fs::{self as rfs, AtFlags, Mode, OFlags};
use rustix::io::Errno;

use crate::error::StoreError;

/// Default cap for `read_repo_file` (the DSL's `json('path')`).
pub const DEFAULT_REPO_FILE_CAP: u64 = 2 * 1024 * 1024;

const PRIVATE_FILE_MODE: u32 = 0o600;
const PRIVATE_DIR_MODE: u32 = 0o700;
/// How many temp names to try before giving up (each attempt is O_EXCL).
const TEMP_NAME_ATTEMPTS: u32 = 16;

/// Reads a whole control file of at most `cap` bytes.
pub fn read_control_file(path: &Path, cap: u64) -> Result<Vec<u8>, StoreError> {
    let (file, metadata) = open_control_file(path)?;
    read_capped(path, file, &metadata, cap)
}

/// Like [`read_control_file`], but a missing file is `Ok(None)`.
pub fn read_control_file_if_exists(path: &Path, cap: u64) -> Result<Option<Vec<u8>>, StoreError> {
    match read_control_file(path, cap) {
        Err(err) if err.is_not_found() => Ok(None),
        other => other.map(Some),
    }
}

/// Opens a control file for reading: neither it nor its parent directory a symlink, a regular
/// file, exactly one link. O_NONBLOCK keeps a planted FIFO from blocking the open; fstat then
/// refuses it.
pub fn open_control_file(path: &Path) -> Result<(File, Metadata), StoreError> {
    let (parent, name) = split_parent(path)?;
    let dir = open_dir_nofollow(parent)?;
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let fd =
        rfs::openat(&dir, name, flags, Mode::empty()).map_err(|e| open_error(path, e, "open"))?;
    let file = File::from(fd);
    let metadata = check_regular(path, &file, false)?;
    Ok((file, metadata))
}

/// Replaces `path` atomically: a private temp file in the same directory, fsync, rename over
/// the target, fsync the directory. Refuses a target that is a link or not a regular file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_replacing(path, &mut |file| file.write_all(bytes), true)
}

/// Like [`write_atomic`] (same refusals, temp + rename, never a torn file) but without the
/// fsyncs: for copies kept for forensics (prompts, output logs) whose loss in a power cut costs
/// nothing, on the per-tick hot path.
pub fn write_replacing_unsynced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_replacing(path, &mut |file| file.write_all(bytes), false)
}

/// [`write_replacing_unsynced`] whose content `write` produces piece by piece (no copy of the
/// whole is assembled in memory first).
pub fn write_replacing_unsynced_with(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), StoreError> {
    write_replacing(path, write, false)
}

fn write_replacing(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    durable: bool,
) -> Result<(), StoreError> {
    let (parent, name) = split_parent(path)?;
    let dir = open_dir_nofollow(parent)?;
    check_existing_target(&dir, name, path)?;
    let (temp_name, mut file) = create_temp(&dir, name, parent)?;
    let written = write(&mut file)
        .and_then(|()| if durable { file.sync_all() } else { Ok(()) })
        .map_err(|e| StoreError::io("write", parent.join(&temp_name), e))
        .and_then(|()| {
            rfs::renameat(&dir, &temp_name, &dir, name)
                .map_err(|e| StoreError::io("rename a temporary file over", path, e.into()))
        });
    if let Err(err) = written {
        // Best effort: the temp file is ours and useless now.
        let _ = rfs::unlinkat(&dir, &temp_name, AtFlags::empty());
        return Err(err);
    }
    if !durable {
        return Ok(());
    }
    rfs::fsync(&dir).map_err(|e| StoreError::io("sync the directory", parent, e.into()))
}

/// Appends `bytes` plus a newline (unless present) in one write. The parent directory is
/// opened without following links first and the file opened relative to it, so swapping the
/// parent for a symlink after the check cannot redirect the write.
pub fn append_line(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    append(path, bytes, true)
}

/// [`append_line`] without the data sync, for records that can be re-derived (attestations).
pub fn append_line_unsynced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    append(path, bytes, false)
}

fn append(path: &Path, bytes: &[u8], durable: bool) -> Result<(), StoreError> {
    let (parent, name) = split_parent(path)?;
    let dir = open_dir_nofollow(parent)?;
    let flags = OFlags::WRONLY
        | OFlags::APPEND
        | OFlags::CREATE
        | OFlags::NOFOLLOW
        | OFlags::CLOEXEC
        | OFlags::NONBLOCK;
    let fd = rfs::openat(&dir, name, flags, Mode::from_raw_mode(PRIVATE_FILE_MODE))
        .map_err(|e| open_error(path, e, "open for appending"))?;
    let mut file = File::from(fd);
    check_regular(path, &file, false)?;
    let mut line = Vec::with_capacity(bytes.len() + 1);
    line.extend_from_slice(bytes);
    if !line.ends_with(b"\n") {
        line.push(b'\n');
    }
    file.write_all(&line)
        .and_then(|()| if durable { file.sync_data() } else { Ok(()) })
        .map_err(|e| StoreError::io("append to", path, e))
}

/// Creates `path` as a 0700 directory if missing; refuses a symlink or a non-directory.
pub fn ensure_private_dir(path: &Path) -> Result<(), StoreError> {
    match check_dir(path) {
        Err(err) if err.is_not_found() => {}
        other => return other,
    }
    match DirBuilder::new().mode(PRIVATE_DIR_MODE).create(path) {
        Ok(()) => Ok(()),
        // Someone created it meanwhile: judge what is there now.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => check_dir(path),
        Err(e) => Err(StoreError::io("create the directory", path, e)),
    }
}

/// Reads `relative` inside `repo_root` for the DSL's `json('path')`: no absolute paths, no
/// empty, `.` or `..` components, and no symlink anywhere below the root (each component is
/// opened relative to the previous one with O_NOFOLLOW).
pub fn read_repo_file(repo_root: &Path, relative: &str, cap: u64) -> Result<Vec<u8>, StoreError> {
    let (file, metadata, shown) = open_repo_file(repo_root, relative)?;
    read_capped(&shown, file, &metadata, cap)
}

/// The first `max` bytes of `relative` inside `repo_root`, opened as [`read_repo_file`] opens
/// it (no symlink anywhere below the root, a regular file); a longer file is not an error.
pub fn read_repo_file_prefix(
    repo_root: &Path,
    relative: &str,
    max: u64,
) -> Result<Vec<u8>, StoreError> {
    let (file, metadata, shown) = open_repo_file(repo_root, relative)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len().min(max)).unwrap_or(0));
    file.take(max)
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io("read", &shown, e))?;
    Ok(bytes)
}

fn open_repo_file(
    repo_root: &Path,
    relative: &str,
) -> Result<(File, Metadata, std::path::PathBuf), StoreError> {
    let components = repo_path_components(relative)?;
    let (last, intermediate) = components.split_last().ok_or(StoreError::UnsafeRepoPath {
        relative: relative.to_owned(),
        reason: "the path is empty",
    })?;
    let root_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let mut dir = rfs::open(repo_root, root_flags, Mode::empty())
        .map_err(|e| StoreError::io("open the repository", repo_root, e.into()))?;
    let mut shown = repo_root.to_path_buf();
    for component in intermediate {
        shown.push(component);
        let flags = root_flags | OFlags::NOFOLLOW;
        dir = rfs::openat(&dir, *component, flags, Mode::empty())
            .map_err(|e| open_error(&shown, e, "open the directory"))?;
    }
    shown.push(last);
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let fd = rfs::openat(&dir, *last, flags, Mode::empty())
        .map_err(|e| open_error(&shown, e, "open"))?;
    let file = File::from(fd);
    let metadata = check_regular(&shown, &file, true)?;
    Ok((file, metadata, shown))
}

fn repo_path_components(relative: &str) -> Result<Vec<&str>, StoreError> {
    let refuse = |reason| StoreError::UnsafeRepoPath {
        relative: relative.to_owned(),
        reason,
    };
    if relative.is_empty() {
        return Err(refuse("the path is empty"));
    }
    if relative.starts_with('/') {
        return Err(refuse("absolute paths are not allowed"));
    }
    let components: Vec<&str> = relative.split('/').collect();
    for component in &components {
        match *component {
            "" => return Err(refuse("it has an empty path component")),
            "." | ".." => return Err(refuse("`.` and `..` components are not allowed")),
            _ => {}
        }
    }
    Ok(components)
}

/// Reads at most `cap + 1` bytes so a file growing after the size check is still caught.
fn read_capped(
    path: &Path,
    file: File,
    metadata: &Metadata,
    cap: u64,
) -> Result<Vec<u8>, StoreError> {
    let too_large = || StoreError::TooLarge {
        path: path.to_path_buf(),
        cap,
    };
    if metadata.len() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io("read", path, e))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

/// fstat of an open file: must be regular and, unless allowed, not hard-linked.
fn check_regular(path: &Path, file: &File, allow_hardlinks: bool) -> Result<Metadata, StoreError> {
    let metadata = file
        .metadata()
        .map_err(|e| StoreError::io("inspect", path, e))?;
    check_metadata(path, &metadata, allow_hardlinks)?;
    Ok(metadata)
}

fn check_metadata(
    path: &Path,
    metadata: &Metadata,
    allow_hardlinks: bool,
) -> Result<(), StoreError> {
    let file_type = metadata.file_type();
    if file_type.is_symlink() {
        return Err(StoreError::Symlink {
            path: path.to_path_buf(),
        });
    }
    if !file_type.is_file() {
        return Err(StoreError::NotRegular {
            path: path.to_path_buf(),
            kind: kind_name(metadata),
        });
    }
    if !allow_hardlinks && metadata.nlink() > 1 {
        return Err(StoreError::HardLinked {
            path: path.to_path_buf(),
            links: metadata.nlink(),
        });
    }
    Ok(())
}

fn check_dir(path: &Path) -> Result<(), StoreError> {
    let metadata =
        std::fs::symlink_metadata(path).map_err(|e| StoreError::io("inspect", path, e))?;
    if metadata.file_type().is_symlink() {
        return Err(StoreError::Symlink {
            path: path.to_path_buf(),
        });
    }
    if !metadata.is_dir() {
        return Err(StoreError::NotADirectory {
            path: path.to_path_buf(),
            kind: kind_name(&metadata),
        });
    }
    Ok(())
}

/// An existing target must be a regular, singly-linked file; a missing one is fine.
fn check_existing_target(dir: &OwnedFd, name: &str, path: &Path) -> Result<(), StoreError> {
    let flags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rfs::openat(dir, name, flags, Mode::empty()) {
        Ok(fd) => check_regular(path, &File::from(fd), false).map(|_| ()),
        Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(StoreError::io("inspect", path, e.into())),
    }
}

fn create_temp(dir: &OwnedFd, name: &str, parent: &Path) -> Result<(String, File), StoreError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let mut last_error = Errno::EXIST;
    for _ in 0..TEMP_NAME_ATTEMPTS {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let pid = rustix::process::getpid().as_raw_nonzero();
        let temp_name = format!(".{name}.{pid:x}{nanos:08x}{unique:x}.tmp");
        match rfs::openat(
            dir,
            temp_name.as_str(),
            flags,
            Mode::from_raw_mode(PRIVATE_FILE_MODE),
        ) {
            Ok(fd) => {
                // The umask may have narrowed the mode; make it exactly private.
                rfs::fchmod(&fd, Mode::from_raw_mode(PRIVATE_FILE_MODE)).map_err(|e| {
                    StoreError::io("set the mode of", parent.join(&temp_name), e.into())
                })?;
                return Ok((temp_name, File::from(fd)));
            }
            Err(Errno::EXIST) => last_error = Errno::EXIST,
            Err(e) => {
                return Err(StoreError::io(
                    "create a temporary file in",
                    parent,
                    e.into(),
                ));
            }
        }
    }
    Err(StoreError::io(
        "create a temporary file in",
        parent,
        last_error.into(),
    ))
}

/// Opens a directory, refusing when the path itself is a symlink.
pub(crate) fn open_dir_nofollow(path: &Path) -> Result<OwnedFd, StoreError> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    rfs::open(path, flags, Mode::empty()).map_err(|e| open_error(path, e, "open the directory"))
}

fn split_parent(path: &Path) -> Result<(&Path, &str), StoreError> {
    let name = path.file_name().and_then(|n| n.to_str());
    let parent = match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Path::new("."),
        Some(p) => p,
        None => Path::new("."),
    };
    match name {
        Some(name) => Ok((parent, name)),
        None => Err(StoreError::io(
            "use",
            path,
            std::io::Error::new(ErrorKind::InvalidInput, "not a UTF-8 file name"),
        )),
    }
}

/// Turns a failed no-follow open into the precise refusal, looking at what is there.
pub(crate) fn open_error(path: &Path, errno: Errno, action: &'static str) -> StoreError {
    if matches!(
        errno,
        Errno::LOOP | Errno::NOTDIR | Errno::NXIO | Errno::ISDIR
    ) {
        if let Ok(metadata) = std::fs::symlink_metadata(path) {
            let expect_dir = matches!(errno, Errno::NOTDIR) || action.contains("directory");
            let refused = if expect_dir && metadata.is_dir() {
                Ok(())
            } else if expect_dir && !metadata.file_type().is_symlink() {
                Err(StoreError::NotADirectory {
                    path: path.to_path_buf(),
                    kind: kind_name(&metadata),
                })
            } else {
                check_metadata(path, &metadata, true)
            };
            if let Err(err) = refused {
                return err;
            }
        }
    }
    StoreError::io(action, path, errno.into())
}

fn kind_name(metadata: &Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        "directory"
    } else if file_type.is_symlink() {
        "symlink"
    } else if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "device"
    } else if file_type.is_file() {
        "regular file"
    } else {
        "special file"
    }
}
