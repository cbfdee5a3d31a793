//! `peers msg send|list|watch`: the file message channel of `comm: hybrid` from the command
//! line — how a peer (or you) publishes a message atomically, and what is waiting.

use std::io::Read as _;
use std::path::Path;
use std::time::Duration;

use clap::{Args, Subcommand};
use peers_core::config::CommKind;
use peers_store::comms;

use crate::error::{CliError, CliResult};
use crate::project::{LoadedProject, display_path};

#[derive(Debug, Args)]
pub struct MsgArgs {
    #[command(subcommand)]
    pub action: MsgAction,
}

#[derive(Debug, Subcommand)]
pub enum MsgAction {
    /// Publish a message (read from stdin, at most 64 KiB) to another peer: written whole
    /// under a number no other writer can take, shown in its next prompt.
    Send(SendArgs),
    /// The messages waiting in .peers/comms/ (not yet shown to their addressee).
    List,
    /// Follow PEER: the messages to and from it as they are published and read, and each of
    /// its turns as it is judged (Ctrl-C ends it). `peers tmux up` runs one per peer.
    Watch(WatchArgs),
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The sending peer (default: $PEERS_PEER_NAME, set in every agent peers starts, or
    /// $PEERS_SESSION_PEER, set in each window of `peers tmux up`).
    #[arg(long, value_name = "PEER")]
    pub from: Option<String>,
    /// The peer the message is for.
    #[arg(long, value_name = "PEER")]
    pub to: String,
    /// A few words; they become the file name (`NNNN-<topic>.md`).
    #[arg(long, default_value = "note")]
    pub topic: String,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    pub peer: String,
    /// Seconds between looks.
    #[arg(long, default_value_t = 1.0)]
    pub poll_s: f64,
}

pub fn run(directory: Option<&Path>, args: &MsgArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    match &args.action {
        MsgAction::Send(send) => send_message(&project, send),
        MsgAction::List => list(&project),
        MsgAction::Watch(watch) => follow(&project, watch),
    }
}

fn send_message(project: &LoadedProject, args: &SendArgs) -> CliResult<u8> {
    let config = project.load_config()?;
    if config.comm != CommKind::Hybrid {
        return Err(CliError::usage(
            "config.yaml says `comm: git`: peers talk through commits only here",
        )
        .hint("set `comm: hybrid` in .peers/config.yaml to use message files"));
    }
    let from = match &args.from {
        Some(from) => from.clone(),
        None => ["PEERS_PEER_NAME", "PEERS_SESSION_PEER"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
            .unwrap_or_default(),
    };
    let names: Vec<&str> = config.peers.iter().map(|p| p.name.as_str()).collect();
    let known = |name: &str| names.contains(&name);
    if from.is_empty() || !known(&from) {
        return Err(
            CliError::usage(format!("--from '{from}': not a peer of this project"))
                .hint(format!("the peers are: {}", names.join(", "))),
        );
    }
    if !known(&args.to) {
        return Err(
            CliError::usage(format!("--to '{}': there is no such peer", args.to))
                .hint(format!("the peers are: {}", names.join(", "))),
        );
    }
    if from == args.to {
        return Err(
            CliError::usage(format!("{from} cannot send a message to itself"))
                .hint("address another peer with --to"),
        );
    }
    let mut body = Vec::new();
    std::io::stdin()
        .take(comms::MESSAGE_CAP + 1)
        .read_to_end(&mut body)
        .map_err(|err| CliError::failed(format!("cannot read the message on stdin: {err}")))?;
    if body.len() as u64 > comms::MESSAGE_CAP {
        return Err(CliError::usage(format!(
            "the message is larger than {} KiB",
            comms::MESSAGE_CAP / 1024
        ))
        .hint("shorten it, or commit the long part and send its path"));
    }
    let path = comms::publish(&project.dir, &from, &args.to, &args.topic, &body)?;
    println!("{}", display_path(project.root(), &path).display());
    Ok(0)
}

fn list(project: &LoadedProject) -> CliResult<u8> {
    let pending = comms::pending(&project.dir)?;
    if pending.is_empty() {
        println!("no message waiting");
    }
    for message in pending {
        println!("{}/{}", message.channel, message.file);
    }
    Ok(0)
}

/// Prints each message to or from `peer` once: waiting ones, then archived (read) ones.
fn follow(project: &LoadedProject, args: &WatchArgs) -> CliResult<u8> {
    let poll = Duration::from_secs_f64(args.poll_s.clamp(0.1, 60.0));
    let mut seen = std::collections::BTreeSet::new();
    let log = project.dir.runs_jsonl();
    let mut offset = std::fs::metadata(&log).map_or(0, |m| m.len());
    println!(
        "{}: its judged turns and its messages; Ctrl-C ends",
        args.peer
    );
    loop {
        let mut lines = judged_turns(&log, &mut offset, &args.peer);
        for message in comms::pending(&project.dir)? {
            if involves(&message.channel, &args.peer) && seen.insert(message.path.clone()) {
                lines.push(format!("new   {}/{}", message.channel, message.file));
            }
        }
        for path in archived(&project.dir) {
            let channel = path
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if involves(&channel, &args.peer) && seen.insert(path.clone()) {
                let file = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                lines.push(format!("read  {channel}/{file}"));
            }
        }
        for line in lines {
            println!("{line}");
        }
        std::thread::sleep(poll);
    }
}

/// The tick records of `peer` appended to the run log since `offset` (complete lines only; at
/// most 8 MiB a look), as one line each.
fn judged_turns(log: &Path, offset: &mut u64, peer: &str) -> Vec<String> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let Ok(mut file) = std::fs::File::open(log) else {
        return Vec::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    if len < *offset {
        *offset = 0;
    }
    let mut bytes = Vec::new();
    let read = file
        .seek(SeekFrom::Start(*offset))
        .and_then(|_| file.take(8 * 1024 * 1024).read_to_end(&mut bytes));
    let Some(end) = read
        .ok()
        .and_then(|_| bytes.iter().rposition(|b| *b == b'\n'))
    else {
        return Vec::new();
    };
    *offset += end as u64 + 1;
    bytes[..end]
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .filter(|r| r["event"] == "tick" && r["peer"] == peer)
        .map(|r| {
            let verdict = match r["soft_fail_reason"].as_str() {
                Some(why) if r["success"] != true => format!("did not count: {why}"),
                _ => "handed off".to_owned(),
            };
            format!("tick  {}: {verdict}", r["iteration"])
        })
        .collect()
}

fn involves(channel: &str, peer: &str) -> bool {
    channel.starts_with(&format!("{peer}-to-")) || channel.ends_with(&format!("-to-{peer}"))
}

fn archived(dir: &peers_store::layout::PeersDir) -> Vec<std::path::PathBuf> {
    let root = comms::archive_dir(dir);
    let Ok(channels) = std::fs::read_dir(&root) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for channel in channels.filter_map(Result::ok) {
        if let Ok(files) = std::fs::read_dir(channel.path()) {
            out.extend(files.filter_map(Result::ok).map(|f| f.path()));
        }
    }
    out.sort();
    out
}
