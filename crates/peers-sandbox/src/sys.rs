//! The few system calls no safe wrapper covers: fork, mount_setattr, bringing up `lo`, and
//! asking the Landlock ABI version. Every `unsafe` block of the crate is here, each with its
//! SAFETY note; callers see safe functions.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsFd, AsRawFd as _};

/// Which side of a fork the caller is on.
pub(crate) enum Forked {
    Child,
    Parent(rustix::process::Pid),
}

/// `fork()`. Only for the sandbox helper and its init, which are single-threaded: the helper
/// checks that before it unshares anything (see `helper::check_single_thread`).
#[expect(unsafe_code, reason = "no safe fork exists; see the SAFETY note")]
pub(crate) fn fork() -> io::Result<Forked> {
    // SAFETY: fork in a multi-threaded process leaves the child with locks held by threads
    // that no longer exist. Callers are the helper and init, which run one thread (checked by
    // `check_single_thread` before the first fork, and neither starts a thread), so the child
    // may go on running ordinary Rust code, allocation included.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        pid => rustix::process::Pid::from_raw(pid)
            .map(Forked::Parent)
            .ok_or_else(|| io::Error::other("fork returned an invalid pid")),
    }
}

/// `mount_setattr(fd, "", AT_EMPTY_PATH [| AT_RECURSIVE], {attr_set})`: sets flags such as
/// read-only on a (possibly detached) mount tree without touching the flags the kernel locks.
#[expect(
    unsafe_code,
    reason = "rustix has no mount_setattr yet; see the SAFETY note"
)]
pub(crate) fn mount_setattr(fd: impl AsFd, recursive: bool, attr_set: u64) -> io::Result<()> {
    let attr = libc::mount_attr {
        attr_set,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let mut flags = libc::AT_EMPTY_PATH as libc::c_uint;
    if recursive {
        flags |= libc::AT_RECURSIVE as libc::c_uint;
    }
    let empty: &CStr = c"";
    // SAFETY: every pointer passed is valid for the duration of the call: `empty` is a static
    // NUL-terminated string, `attr` lives on this stack frame and its size is passed with it;
    // the fd is borrowed from a live owner. The kernel only reads these buffers.
    let result = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_fd().as_raw_fd(),
            empty.as_ptr(),
            flags,
            &attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    };
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Sets `IFF_UP` on `lo` in the current network namespace (ioctl, no netlink needed).
#[expect(
    unsafe_code,
    reason = "ioctl SIOCSIFFLAGS has no safe wrapper; see the SAFETY note"
)]
pub(crate) fn loopback_up() -> io::Result<()> {
    let socket = rustix::net::socket(
        rustix::net::AddressFamily::INET,
        rustix::net::SocketType::DGRAM,
        None,
    )?;
    // SAFETY: `ifreq` is plain old data, so all-zero is a valid value.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
        *slot = *byte as libc::c_char;
    }
    // SAFETY: `request` is a valid, initialised `ifreq` living across both calls; the socket
    // fd is owned and open. SIOCGIFFLAGS fills `ifr_ifru.ifru_flags`, SIOCSIFFLAGS reads it;
    // reading the union's `ifru_flags` member is valid because the kernel just wrote it.
    let result = unsafe {
        if libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS, &mut request) == -1 {
            -1
        } else {
            request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, &request)
        }
    };
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The kernel's Landlock ABI version, or `None` when Landlock is not built in or not enabled.
#[expect(
    unsafe_code,
    reason = "the landlock crate keeps its ABI query private; see SAFETY"
)]
pub(crate) fn landlock_abi() -> Option<u32> {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute pointer, size 0 and the VERSION flag the kernel reads no
    // memory and only returns the ABI number (or an error).
    let version = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    u32::try_from(version).ok().filter(|version| *version > 0)
}

/// `close_range(first, ~0, CLOSE_RANGE_CLOEXEC)`: every descriptor from `first` up closes at
/// the next `execve`.
#[expect(
    unsafe_code,
    reason = "close_range has no safe wrapper; see the SAFETY note"
)]
pub(crate) fn cloexec_from(first: u32) -> io::Result<()> {
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only sets a flag on descriptors; it closes
    // nothing, so no owner in this process is left holding a dangling descriptor.
    let result = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Exit code for a wait status: the code, or 128 + signal.
pub(crate) fn exit_code(status: rustix::process::WaitStatus) -> i32 {
    if let Some(code) = status.exit_status() {
        code
    } else if let Some(signal) = status.terminating_signal() {
        128 + signal
    } else {
        crate::confine::SETUP_FAILED_EXIT_CODE
    }
}
