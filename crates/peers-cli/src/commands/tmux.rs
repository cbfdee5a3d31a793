//! `peers tmux up|down|attach` (the sessions driver): one tmux window per peer running its CLI
//! interactively (continuing its last session where the CLI can), and a `watch` window with
//! one pane per peer following its messages. `down` ends only the session `up` created here.

use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use peers_core::config::{PeerSettings, ToolKind};
use peers_process::CommandSpec;
use sha2::{Digest, Sha256};

use crate::error::{CliError, CliResult};
use crate::host_hooks::shell_quote;
use crate::project::LoadedProject;

/// The tmux option that marks a session as this project's.
const ROOT_OPTION: &str = "@peers-root";

#[derive(Debug, Args)]
pub struct TmuxArgs {
    #[command(subcommand)]
    pub action: TmuxAction,
    /// Use the tmux server with this socket name (tmux -L) instead of your default one.
    #[arg(long, short = 'L', value_name = "NAME", global = true)]
    pub socket_name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TmuxAction {
    /// Open the session: one window per peer running its CLI interactively (claude --continue,
    /// codex resume --last, gemini --resume latest, opencode --continue; falling back to a new
    /// session), and a `watch` window with one pane per peer (`peers msg watch <peer>`: its
    /// judged turns and messages). Refused when tmux is missing or the session already exists.
    Up,
    /// End the session `up` opened for this repository (no other).
    Down,
    /// Attach this terminal to the session.
    Attach,
}

pub fn run(directory: Option<&Path>, args: &TmuxArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let root = project
        .root()
        .canonicalize()
        .unwrap_or_else(|_| project.root().to_path_buf());
    let tmux = Tmux::find(args.socket_name.clone(), &root)?;
    let session = session_name(&root);
    match args.action {
        TmuxAction::Up => up(&project, &tmux, &session, &root),
        TmuxAction::Down => down(&tmux, &session, &root),
        TmuxAction::Attach => attach(&tmux, &session),
    }
}

/// `peers-<directory name>-<6 hex of the path>`: unique per repository, valid for tmux.
pub fn session_name(root: &Path) -> String {
    let base: String = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(32)
        .collect();
    let digest = Sha256::digest(root.as_os_str().as_encoded_bytes());
    let hex: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
    format!("peers-{base}-{hex}")
}

/// The shell command of a peer's window.
fn peer_command(peer: &PeerSettings) -> String {
    let program = peer
        .argv
        .as_ref()
        .and_then(|argv| argv.first())
        .map_or_else(|| peer.tool.as_str().to_owned(), Clone::clone);
    let p = shell_quote(&program);
    match peer.tool {
        ToolKind::Claude => format!("{p} --continue || {p}"),
        ToolKind::Codex => format!("{p} resume --last || {p}"),
        ToolKind::Gemini => format!("{p} --resume latest || {p}"),
        ToolKind::Opencode => format!("{p} --continue || {p}"),
        ToolKind::Generic(_) => format!(
            "echo 'peer {}: tool {} has no interactive mode known to peers; start it here'; exec \"${{SHELL:-/bin/sh}}\"",
            peer.name,
            peer.tool.as_str()
        ),
    }
}

fn up(project: &LoadedProject, tmux: &Tmux, session: &str, root: &Path) -> CliResult<u8> {
    let config = project.load_config()?;
    if tmux.has_session(session)? {
        return Err(
            CliError::usage(format!("the tmux session {session} already exists"))
                .hint("attach with `peers tmux attach`, or end it with `peers tmux down`"),
        );
    }
    let peers_bin = std::env::current_exe()
        .map_err(|err| CliError::failed(format!("cannot find the peers binary: {err}")))?;
    let root_arg = root.to_string_lossy().into_owned();
    let first = &config.peers[0];
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        session,
        "-n",
        &first.name,
        "-c",
        &root_arg,
        "-e",
        &format!("PEERS_SESSION_PEER={}", first.name),
        &peer_command(first),
    ])?;
    tmux.run(&["set-option", "-t", session, ROOT_OPTION, &root_arg])?;
    for peer in &config.peers[1..] {
        tmux.run(&[
            "new-window",
            "-d",
            "-t",
            &format!("{session}:"),
            "-n",
            &peer.name,
            "-c",
            &root_arg,
            "-e",
            &format!("PEERS_SESSION_PEER={}", peer.name),
            &peer_command(peer),
        ])?;
    }
    let watch = |peer: &str| {
        format!(
            "{} -C {} msg watch {}",
            shell_quote(&peers_bin.to_string_lossy()),
            shell_quote(&root_arg),
            shell_quote(peer)
        )
    };
    let window = format!("{session}:watch");
    tmux.run(&[
        "new-window",
        "-d",
        "-t",
        &format!("{session}:"),
        "-n",
        "watch",
        "-c",
        &root_arg,
        &watch(&first.name),
    ])?;
    for peer in &config.peers[1..] {
        tmux.run(&[
            "split-window",
            "-d",
            "-t",
            &window,
            "-c",
            &root_arg,
            &watch(&peer.name),
        ])?;
        tmux.run(&["select-layout", "-t", &window, "tiled"])?;
    }
    let windows: Vec<&str> = config.peers.iter().map(|p| p.name.as_str()).collect();
    println!(
        "tmux session {session}: windows {} and watch (one pane per peer)",
        windows.join(", ")
    );
    println!(
        "attach: peers tmux attach{}   end: peers tmux down",
        tmux.flag_hint()
    );
    Ok(0)
}

fn down(tmux: &Tmux, session: &str, root: &Path) -> CliResult<u8> {
    if !tmux.has_session(session)? {
        return Err(
            CliError::usage(format!("there is no tmux session {session}"))
                .hint("`peers tmux up` opens it"),
        );
    }
    let owner = tmux.output(&["show-options", "-t", session, "-v", ROOT_OPTION])?;
    if owner.trim() != root.to_string_lossy() {
        return Err(CliError::usage(format!(
            "the tmux session {session} was not opened by `peers tmux up` for {}",
            root.display()
        ))
        .hint("end it yourself with `tmux kill-session` if it is yours to end"));
    }
    tmux.run(&["kill-session", "-t", &format!("={session}")])?;
    println!("ended the tmux session {session}");
    Ok(0)
}

fn attach(tmux: &Tmux, session: &str) -> CliResult<u8> {
    if !tmux.has_session(session)? {
        return Err(
            CliError::usage(format!("there is no tmux session {session}"))
                .hint("`peers tmux up` opens it"),
        );
    }
    // Attaching needs this terminal: tmux replaces peers.
    let err = std::process::Command::new(&tmux.program)
        .args(tmux.base_args())
        .args(["attach-session", "-t", &format!("={session}")])
        .exec();
    Err(CliError::failed(format!("cannot start tmux: {err}")))
}

/// The tmux client: its path, the socket to use, the environment it gets.
struct Tmux {
    program: PathBuf,
    socket_name: Option<String>,
    cwd: PathBuf,
}

impl Tmux {
    fn find(socket_name: Option<String>, cwd: &Path) -> CliResult<Tmux> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let program = std::env::split_paths(&path)
            .map(|dir| dir.join("tmux"))
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| {
                CliError::usage("tmux is not installed (not found on PATH)")
                    .hint("install it (Debian/Ubuntu: `apt-get install tmux`), then run `peers tmux up` again")
            })?;
        Ok(Tmux {
            program,
            socket_name,
            cwd: cwd.to_path_buf(),
        })
    }

    fn base_args(&self) -> Vec<String> {
        match &self.socket_name {
            Some(name) => vec!["-L".to_owned(), name.clone()],
            None => Vec::new(),
        }
    }

    fn flag_hint(&self) -> String {
        self.socket_name
            .as_ref()
            .map(|n| format!(" -L {n}"))
            .unwrap_or_default()
    }

    fn spec(&self, args: &[&str]) -> CommandSpec {
        let mut spec = CommandSpec::new(self.program.clone().into_os_string(), self.cwd.clone());
        spec.args = self.base_args().into_iter().map(OsString::from).collect();
        spec.args.extend(args.iter().map(OsString::from));
        // The session's windows inherit the server's environment: the user's, as for any tmux.
        spec.env = std::env::vars_os().collect();
        spec.timeout = Some(Duration::from_secs(20));
        spec.capture_cap = 64 * 1024;
        spec
    }

    fn output(&self, args: &[&str]) -> CliResult<String> {
        let spec = self.spec(args);
        let outcome = peers_process::run(&spec)
            .map_err(|err| CliError::failed(format!("cannot run tmux: {err}")))?;
        if !outcome.success() {
            return Err(CliError::failed(format!(
                "tmux {} failed: {}",
                args.first().copied().unwrap_or_default(),
                outcome.stderr.to_string_lossy().trim()
            )));
        }
        Ok(outcome.stdout.to_string_lossy())
    }

    fn run(&self, args: &[&str]) -> CliResult<()> {
        self.output(args).map(drop)
    }

    fn has_session(&self, session: &str) -> CliResult<bool> {
        let spec = self.spec(&["has-session", "-t", &format!("={session}")]);
        let outcome = peers_process::run(&spec)
            .map_err(|err| CliError::failed(format!("cannot run tmux: {err}")))?;
        Ok(outcome.success())
    }
}
