//! `peers __podman-init`: the first program of a podman turn, started inside the container by
//! podman's `--init` (which stays pid 1 and reaps). It hands the container's listeners to
//! peers the way the native helper does — bind `127.0.0.1:<port>` in the container's
//! loopback-only network namespace and send them over the hand-over socket bind-mounted at
//! [`HANDOVER_DIR`] — then runs the command, and once the command has exited lists what it
//! left running (the helper's [`crate::LEFT_RUNNING_MARKER`] line, as under native), kills it
//! and exits with the command's code.

use std::ffi::OsString;
use std::io::Write as _;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Signal, WaitOptions};

use crate::confine::SETUP_FAILED_EXIT_CODE;
use crate::error::{SandboxError, SetupStep};

/// The hidden `peers` subcommand run inside the container.
pub const PODMAN_INIT_SUBCOMMAND: &str = "__podman-init";
/// Where the peers executable is bound (read-only) inside the container.
pub(crate) const INIT_PATH: &str = "/run/peers/peers";
/// Where the directory holding the hand-over socket is bound inside the container.
pub(crate) const HANDOVER_DIR: &str = "/run/peers/handover";
/// How long the killed leftovers get to disappear before the list is written anyway.
const KILL_WAIT: Duration = Duration::from_secs(3);

/// What the init does: hand over listeners (when `ports` is not empty), then run `program`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct InitArgs {
    pub socket: Option<PathBuf>,
    pub ports: Vec<u16>,
    pub program: OsString,
    pub args: Vec<OsString>,
}

impl InitArgs {
    /// The arguments after the subcommand, as [`parse`] reads them back.
    pub(crate) fn to_args(&self) -> Vec<OsString> {
        let mut out = Vec::new();
        if let Some(socket) = &self.socket {
            let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
            out.extend([
                OsString::from("--socket"),
                socket.clone().into_os_string(),
                OsString::from("--ports"),
                OsString::from(ports.join(",")),
            ]);
        }
        out.push("--".into());
        out.push(self.program.clone());
        out.extend(self.args.iter().cloned());
        out
    }
}

/// Reads `[--socket <path> --ports <p,q,…>] -- <program> [args…]`.
pub(crate) fn parse(args: &[OsString]) -> Result<InitArgs, SandboxError> {
    let bad = |reason: String| SandboxError::BadInvocation { reason };
    let usage = || bad("expected [--socket <path> --ports <p,q>] -- <program> [args...]".into());
    let (socket, ports, rest) = match args {
        [flag, socket, ports_flag, ports, rest @ ..] if flag == "--socket" => {
            if ports_flag != "--ports" {
                return Err(usage());
            }
            let ports = ports
                .to_str()
                .ok_or_else(usage)?
                .split(',')
                .map(|port| {
                    port.parse::<u16>()
                        .map_err(|err| bad(format!("--ports: `{port}` is not a port: {err}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (Some(PathBuf::from(socket)), ports, rest)
        }
        rest => (None, Vec::new(), rest),
    };
    let [separator, program, args @ ..] = rest else {
        return Err(usage());
    };
    if separator != "--" {
        return Err(usage());
    }
    Ok(InitArgs {
        socket,
        ports,
        program: program.clone(),
        args: args.to_vec(),
    })
}

/// Entry point of `peers __podman-init <args>`: the command's exit code (128 + N when killed
/// by signal N), [`SETUP_FAILED_EXIT_CODE`] when the hand-over or the start failed.
pub fn podman_init_main(args: &[OsString]) -> i32 {
    match parse(args).and_then(|init| run(&init)) {
        Ok(code) => code,
        Err(err) => {
            let message = crate::error::format_error(&err);
            let mut stderr = std::io::stderr().lock();
            let _ = stderr.write_all(message.as_bytes());
            SETUP_FAILED_EXIT_CODE
        }
    }
}

fn run(init: &InitArgs) -> Result<i32, SandboxError> {
    if let Some(socket) = &init.socket {
        let channel = UnixStream::connect(socket)
            .map_err(|err| SandboxError::setup(SetupStep::HandOver, err))?;
        crate::handover::send(&channel, &init.ports)?;
    }
    // The command gets the container's stdin as is (the bytes podman forwards under
    // `--interactive`, then EOF; else closed): the init never reads it.
    let mut child = Command::new(&init.program)
        .args(&init.args)
        .stdin(Stdio::inherit())
        .spawn()
        .map_err(|err| {
            SandboxError::setup(
                SetupStep::Exec(init.program.to_string_lossy().into_owned()),
                err,
            )
        })?;
    let status = child
        .wait()
        .map_err(|err| SandboxError::setup(SetupStep::Fork, err))?;
    let code = {
        use std::os::unix::process::ExitStatusExt as _;
        status
            .code()
            .or_else(|| status.signal().map(|signal| 128 + signal))
            .unwrap_or(SETUP_FAILED_EXIT_CODE)
    };
    let line = crate::leftovers::podman_line();
    if line.is_some() {
        kill_the_rest();
    }
    if let Some(line) = line {
        // Nothing of the command's runs any more: this is the container's last line.
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(line.as_bytes());
        let _ = stderr.flush();
    }
    Ok(code)
}

/// SIGKILLs every process of the container but pid 1 and this one (they are all this uid's),
/// reaps this one's own children, and waits (briefly) until none runs.
fn kill_the_rest() {
    let own = std::process::id();
    let deadline = Instant::now() + KILL_WAIT;
    loop {
        for pid in crate::leftovers::pids_except(&[1, own]) {
            if let Some(pid) = i32::try_from(pid)
                .ok()
                .and_then(rustix::process::Pid::from_raw)
            {
                let _ = rustix::process::kill_process(pid, Signal::KILL);
            }
        }
        while let Ok(Some(_)) = rustix::process::wait(WaitOptions::NOHANG) {}
        if crate::leftovers::pids_except(&[1, own]).is_empty() || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_init_arguments_read_back_and_bad_ones_are_refused() {
        let init = InitArgs {
            socket: Some("/run/peers/handover/socket".into()),
            ports: vec![3128, 3132],
            program: "claude".into(),
            args: vec!["--".into(), "-p".into()],
        };
        assert_eq!(parse(&init.to_args()).unwrap(), init);
        let bare = InitArgs {
            socket: None,
            ports: Vec::new(),
            program: "sh".into(),
            args: Vec::new(),
        };
        assert_eq!(parse(&bare.to_args()).unwrap(), bare);
        for bad in [
            vec![],
            vec!["sh".into()],
            vec![
                "--socket".into(),
                "/s".into(),
                "--ports".into(),
                "99999".into(),
                "--".into(),
                "sh".into(),
            ],
            vec![
                "--socket".into(),
                "/s".into(),
                "--port".into(),
                "1".into(),
                "--".into(),
                "sh".into(),
            ],
        ] {
            assert!(parse(&bad).is_err(), "{bad:?}");
        }
    }
}
