//! The listener hand-over: the sandbox's only way out. The orchestrator binds a UNIX socket in
//! a private (0700) directory ([`HandOverSocket`]); the helper connects to it while still in the
//! host's network namespace, unshares, brings `lo` up, binds `127.0.0.1:<port>` for each port
//! the policy names *inside* the new namespace, and sends those listeners back with
//! `SCM_RIGHTS` over the connected pair. The orchestrator then serves them from the host
//! (`peers-proxy`): a `connect()` inside the sandbox lands in the orchestrator's `accept()`.
//! No bridge process, no socket path inside the sandbox, no host port another process could use.

use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, PermissionsExt as _};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};
use serde::{Deserialize, Serialize};

use crate::error::{SandboxError, SetupStep};

/// Most listeners one sandbox may hand over (egress plus one per provider, with room).
pub const MAX_LISTENERS: usize = 8;

/// Where the helper sends the listeners and which ports it creates them on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandOver {
    /// The orchestrator's UNIX socket (see [`HandOverSocket`]).
    pub socket: PathBuf,
    /// `127.0.0.1` ports to listen on inside the sandbox, in the order they are sent.
    pub ports: Vec<u16>,
}

/// Helper side: connect to the orchestrator before leaving the host's network namespace.
pub(crate) fn connect(hand_over: &HandOver) -> Result<UnixStream, SandboxError> {
    UnixStream::connect(&hand_over.socket)
        .map_err(|err| SandboxError::setup(SetupStep::HandOver, err))
}

/// Helper side, inside the new network namespace with `lo` up: bind every port and send the
/// listeners. The helper's own copies close when this returns.
pub(crate) fn send(channel: &UnixStream, ports: &[u16]) -> Result<(), SandboxError> {
    let fail = |err: std::io::Error| SandboxError::setup(SetupStep::HandOver, err);
    let listeners = ports
        .iter()
        .map(|&port| TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let fds: Vec<_> = listeners.iter().map(AsFd::as_fd).collect();
    let mut space = vec![MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_LISTENERS))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if fds.len() > MAX_LISTENERS || !control.push(SendAncillaryMessage::ScmRights(&fds)) {
        return Err(fail(std::io::Error::other(
            "too many listeners to hand over",
        )));
    }
    let count = [u8::try_from(fds.len()).unwrap_or(u8::MAX)];
    rustix::net::sendmsg(
        channel,
        &[IoSlice::new(&count)],
        &mut control,
        SendFlags::empty(),
    )
    .map_err(|err| fail(err.into()))?;
    Ok(())
}

/// Orchestrator side: the UNIX socket one sandbox's helper hands its listeners to.
#[derive(Debug)]
pub struct HandOverSocket {
    listener: UnixListener,
    dir: tempfile::TempDir,
}

impl HandOverSocket {
    /// Binds a fresh socket in a new 0700 directory under `parent` (removed on drop).
    /// `parent` must be a real directory of this user (in a shared `/tmp` another user could
    /// have created it first to swap the socket for one of their own).
    pub fn bind(parent: &Path) -> std::io::Result<Self> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
        let meta = std::fs::symlink_metadata(parent)?;
        if !meta.is_dir() || meta.uid() != rustix::process::getuid().as_raw() {
            return Err(std::io::Error::other(format!(
                "{} is not a directory of this user; remove it",
                parent.display()
            )));
        }
        std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o700))?;
        let dir = tempfile::Builder::new()
            .prefix("handover-")
            .tempdir_in(parent)?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
        let listener = UnixListener::bind(dir.path().join("socket"))?;
        listener.set_nonblocking(true)?;
        Ok(Self { listener, dir })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("socket")
    }

    /// Waits for the helper (a process of this user) and returns the listeners it sends, in
    /// the order of [`HandOver::ports`]. Gives up at `deadline` or when `give_up` says so
    /// (the turn ended without connecting: its sandbox failed before the hand-over).
    pub fn receive(
        &self,
        expected: usize,
        deadline: Duration,
        give_up: &dyn Fn() -> bool,
    ) -> std::io::Result<Vec<TcpListener>> {
        let started = Instant::now();
        let tick = Timespec {
            tv_sec: 0,
            tv_nsec: 20_000_000,
        };
        let channel = loop {
            if give_up() || started.elapsed() > deadline {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the sandbox never handed its listeners over",
                ));
            }
            let mut fds = [PollFd::new(&self.listener, PollFlags::IN)];
            if rustix::event::poll(&mut fds, Some(&tick)).unwrap_or(0) == 0 {
                continue;
            }
            match self.listener.accept() {
                Ok((stream, _)) => break stream,
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(err) => return Err(err),
            }
        };
        let peer = rustix::net::sockopt::socket_peercred(&channel)?;
        if peer.uid != rustix::process::getuid() {
            return Err(std::io::Error::other("a process of another user connected"));
        }
        channel.set_nonblocking(false)?;
        channel.set_read_timeout(Some(deadline))?;
        let mut space = vec![MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_LISTENERS))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let mut count = [0_u8; 1];
        rustix::net::recvmsg(
            &channel,
            &mut [IoSliceMut::new(&mut count)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        )?;
        let received: Vec<OwnedFd> = control
            .drain()
            .filter_map(|message| match message {
                RecvAncillaryMessage::ScmRights(fds) => Some(fds),
                _ => None,
            })
            .flatten()
            .collect();
        if received.len() != expected || usize::from(count[0]) != expected {
            return Err(std::io::Error::other(format!(
                "expected {expected} listeners, received {}",
                received.len()
            )));
        }
        Ok(received.into_iter().map(TcpListener::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_that_is_a_symlink_is_refused() {
        let temp = tempfile::tempdir().unwrap();
        let real = temp.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = temp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(HandOverSocket::bind(&link).is_err());
        let fresh = temp.path().join("fresh");
        let socket = HandOverSocket::bind(&fresh).unwrap();
        assert!(socket.path().starts_with(&fresh));
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn listeners_sent_over_the_pair_arrive_in_order_and_listen() {
        let temp = tempfile::tempdir().unwrap();
        let socket = HandOverSocket::bind(temp.path()).unwrap();
        let path = socket.path();
        let sender = std::thread::spawn(move || {
            let channel = UnixStream::connect(path).unwrap();
            send(&channel, &[0, 0]).unwrap();
        });
        let listeners = socket
            .receive(2, Duration::from_secs(10), &|| false)
            .unwrap();
        sender.join().unwrap();
        assert_eq!(listeners.len(), 2);
        for listener in &listeners {
            let address = listener.local_addr().unwrap();
            assert!(address.ip().is_loopback());
            std::net::TcpStream::connect(address).unwrap();
        }
    }
}
