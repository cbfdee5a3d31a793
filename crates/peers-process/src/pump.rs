//! The I/O thread of one child: feeds stdin, drains stdout and stderr concurrently, stops on request.
//!
//! One thread polls every pipe, so a child blocked writing stderr while we wait on stdout cannot
//! happen, and reading never waits on writing stdin (a child that reads nothing cannot wedge us).

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, poll};
use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
use rustix::io::Errno;
use rustix::pipe::{PipeFlags, pipe_with};

use crate::capture::{CaptureBuffer, Captured, Spare};

/// The kernel buffer asked for each output pipe (Linux's default limit for unprivileged users).
const PIPE_SIZE: usize = 1024 * 1024;
/// Reads allowed after a stop request, so a grandchild still writing cannot keep us busy.
const SWEEP_READS: usize = 16;

/// A running I/O thread.
pub(crate) struct Pump {
    handle: JoinHandle<Drained>,
    done: Receiver<()>,
    /// Dropping the write end of this pipe wakes the thread and tells it to stop.
    stop: OwnedFd,
}

/// Both streams as captured.
pub(crate) struct Drained {
    pub(crate) stdout: Captured,
    pub(crate) stderr: Captured,
}

/// Starts the thread; `stdin` is the pipe and the bytes to write into it, then close.
pub(crate) fn start(
    stdin: Option<(OwnedFd, Vec<u8>)>,
    stdout: OwnedFd,
    stderr: OwnedFd,
    cap: usize,
) -> io::Result<Pump> {
    // CLOEXEC: children spawned in parallel by other threads must not inherit this pipe.
    let (stop_reader, stop_writer) = pipe_with(PipeFlags::CLOEXEC)?;
    let input = match stdin {
        Some((fd, bytes)) if !bytes.is_empty() => Some(Input::new(fd, bytes)?),
        _ => None,
    };
    let outputs = [Output::new(stdout, cap)?, Output::new(stderr, cap)?];
    let (done_sender, done) = mpsc::channel();
    let handle = thread::Builder::new()
        .name("peers-process-io".to_owned())
        .spawn(move || {
            let drained = pump(&stop_reader, input, outputs);
            let _ = done_sender.send(());
            drained
        })?;
    Ok(Pump {
        handle,
        done,
        stop: stop_writer,
    })
}

impl Pump {
    /// Waits at most `bound` for both streams to reach EOF, then stops reading regardless.
    /// Returns the captures and whether some pipe was still held open by someone else.
    pub(crate) fn finish(self, bound: Duration) -> (Drained, bool) {
        let held = matches!(
            self.done.recv_timeout(bound),
            Err(RecvTimeoutError::Timeout)
        );
        drop(self.stop);
        match self.handle.join() {
            Ok(drained) => (drained, held),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// One output pipe, non-blocking, and what was kept of it.
pub(crate) struct Output {
    pub(crate) fd: Option<OwnedFd>,
    pub(crate) buffer: CaptureBuffer,
}

impl Output {
    pub(crate) fn new(fd: OwnedFd, cap: usize) -> io::Result<Self> {
        set_nonblocking(&fd)?;
        // A larger pipe lets a flooding child write ahead while we scan: fewer wake-ups on
        // both sides. Best effort: the system limit (`fs.pipe-max-size`) may refuse it.
        let _ = rustix::pipe::fcntl_setpipe_size(&fd, PIPE_SIZE);
        Ok(Self {
            fd: Some(fd),
            buffer: CaptureBuffer::new(cap),
        })
    }

    /// One read, straight into the capture; returns the bytes that arrived (empty when none
    /// did). EOF or a hard error closes the stream; `Err(AGAIN)` means the pipe is empty.
    pub(crate) fn read_once(&mut self) -> Result<&[u8], Errno> {
        let Some(fd) = &self.fd else { return Ok(&[]) };
        let read = match self.buffer.spare() {
            Spare::Fresh(ring) => rustix::io::read(fd, rustix::buffer::spare_capacity(ring)),
            Spare::Ring(spare) => rustix::io::read(fd, spare),
        };
        match read {
            Ok(0) => self.fd = None,
            Ok(count) => return Ok(self.buffer.filled(count)),
            Err(error) if error == Errno::INTR => {}
            Err(error) if error == Errno::AGAIN => return Err(error),
            Err(_) => self.fd = None,
        }
        Ok(&[])
    }
}

/// The stdin pipe, non-blocking, and the bytes still to write into it.
pub(crate) struct Input {
    pub(crate) fd: OwnedFd,
    bytes: Vec<u8>,
    written: usize,
}

impl Input {
    pub(crate) fn new(fd: OwnedFd, bytes: Vec<u8>) -> io::Result<Self> {
        set_nonblocking(&fd)?;
        Ok(Self {
            fd,
            bytes,
            written: 0,
        })
    }

    /// Writes what the pipe accepts; false once everything is written or the reader is gone.
    pub(crate) fn write_some(&mut self) -> bool {
        match rustix::io::write(&self.fd, &self.bytes[self.written..]) {
            Ok(count) => self.written += count,
            Err(error) if error == Errno::INTR || error == Errno::AGAIN => {}
            Err(_) => return false,
        }
        self.written < self.bytes.len()
    }
}

pub(crate) fn set_nonblocking(fd: &OwnedFd) -> io::Result<()> {
    let flags = fcntl_getfl(fd)?;
    fcntl_setfl(fd, flags | OFlags::NONBLOCK)?;
    Ok(())
}

fn pump(stop: &OwnedFd, mut input: Option<Input>, mut outputs: [Output; 2]) -> Drained {
    while outputs.iter().any(|output| output.fd.is_some()) {
        let Ok(ready) = wait_ready(stop, input.as_ref(), &outputs) else {
            break;
        };
        if ready.stop {
            sweep(&mut outputs);
            break;
        }
        for (output, is_ready) in outputs.iter_mut().zip(ready.outputs) {
            if is_ready {
                let _ = output.read_once();
            }
        }
        if ready.input && input.as_mut().is_some_and(|input| !input.write_some()) {
            input = None;
        }
    }
    let [stdout, stderr] = outputs;
    Drained {
        stdout: stdout.buffer.finish(),
        stderr: stderr.buffer.finish(),
    }
}

/// Picks up what is already buffered in the pipes after a stop request, within a fixed budget.
fn sweep(outputs: &mut [Output; 2]) {
    for output in outputs {
        for _ in 0..SWEEP_READS {
            if output.fd.is_none() || output.read_once().is_err() {
                break;
            }
        }
    }
}

struct Ready {
    stop: bool,
    outputs: [bool; 2],
    input: bool,
}

fn wait_ready(stop: &OwnedFd, input: Option<&Input>, outputs: &[Output; 2]) -> io::Result<Ready> {
    let readable = PollFlags::IN | PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL;
    let writable = PollFlags::OUT | PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL;
    let mut fds = vec![PollFd::from_borrowed_fd(stop.as_fd(), PollFlags::IN)];
    let mut slots = [None; 2];
    for (slot, output) in slots.iter_mut().zip(outputs) {
        if let Some(fd) = &output.fd {
            *slot = Some(fds.len());
            fds.push(PollFd::from_borrowed_fd(fd.as_fd(), PollFlags::IN));
        }
    }
    let input_slot = input.map(|input| {
        fds.push(PollFd::from_borrowed_fd(input.fd.as_fd(), PollFlags::OUT));
        fds.len() - 1
    });
    loop {
        match poll(&mut fds, None) {
            Ok(_) => break,
            Err(error) if error == Errno::INTR => continue,
            Err(error) => return Err(error.into()),
        }
    }
    let is = |slot: Option<usize>, wanted: PollFlags| {
        slot.is_some_and(|index| fds[index].revents().intersects(wanted))
    };
    Ok(Ready {
        stop: is(Some(0), readable),
        outputs: [is(slots[0], readable), is(slots[1], readable)],
        input: is(input_slot, writable),
    })
}
