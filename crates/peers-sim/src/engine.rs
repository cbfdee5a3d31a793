//! Running a script: pick this invocation's turn, then perform its steps in order.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::SimContext;
use crate::counter;
use crate::error::SimError;
use crate::git::{PeerGit, Staging};
use crate::process_steps;
use crate::prompt_reading;
use crate::repo_path;
use crate::script::{SimScript, SimStep, SimStream, WhenExhausted};
use crate::usage::{self, UsageCounts};

/// Where printed output goes: the process's stdout and stderr, or buffers in tests.
pub(crate) struct Streams<'a> {
    pub(crate) out: Box<dyn Write + 'a>,
    pub(crate) err: Box<dyn Write + 'a>,
}

impl Streams<'static> {
    pub(crate) fn real() -> Streams<'static> {
        Streams {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
        }
    }
}

impl Streams<'_> {
    /// Write and flush at once: a supervisor watching for idleness must see every line.
    pub(crate) fn write(&mut self, stream: SimStream, bytes: &[u8]) -> Result<(), SimError> {
        let sink = match stream {
            SimStream::Stdout => &mut self.out,
            SimStream::Stderr => &mut self.err,
        };
        sink.write_all(bytes)
            .and_then(|()| sink.flush())
            .map_err(|source| SimError::Output {
                stream: stream.as_str(),
                source,
            })
    }

    pub(crate) fn line(&mut self, stream: SimStream, text: &str) -> Result<(), SimError> {
        let mut bytes = text.as_bytes().to_vec();
        if !text.ends_with('\n') {
            bytes.push(b'\n');
        }
        self.write(stream, &bytes)
    }
}

/// Who runs the turn and where; `other` fills `{other}`.
pub(crate) struct SimTurn<'a> {
    pub(crate) peer: &'a str,
    pub(crate) other: String,
    pub(crate) repo: &'a Path,
    /// The soft goals the prompt asks this peer to review.
    pub(crate) requested_reviews: Vec<String>,
}

impl SimTurn<'_> {
    /// `{peer}`, `{other}`, and `{head}` (HEAD's sha, 12 digits, as the step starts).
    fn fill(&self, text: &str) -> String {
        let filled = text
            .replace("{peer}", self.peer)
            .replace("{other}", &self.other);
        if !filled.contains("{head}") {
            return filled;
        }
        match self.git().head_short() {
            Some(head) => filled.replace("{head}", &head),
            None => filled,
        }
    }

    fn git(&self) -> PeerGit<'_> {
        PeerGit::new(self.repo, self.peer)
    }
}

/// Take this peer's counter and run the turn it selects.
pub(crate) fn run_script(
    script: &SimScript,
    ctx: &SimContext,
    streams: &mut Streams<'_>,
) -> Result<i32, SimError> {
    let state_dir = std::env::var_os(counter::STATE_DIR_VARIABLE)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from);
    let path = counter::counter_path(&ctx.repo, &ctx.peer, state_dir)?;
    let index = counter::take(&path)?;
    let Some(turn) = pick_turn(script, index) else {
        return Ok(0);
    };
    let turn_ctx = SimTurn {
        peer: &ctx.peer,
        other: other_peer(script, ctx),
        repo: &ctx.repo,
        requested_reviews: prompt_reading::requested_soft_reviews(&ctx.prompt).unwrap_or_default(),
    };
    run_turn(turn, &turn_ctx, streams)
}

/// The turn for the `index`-th invocation (0-based), or `None` once an `exit0` script is done.
pub(crate) fn pick_turn(script: &SimScript, index: u64) -> Option<&[SimStep]> {
    let index = usize::try_from(index).unwrap_or(usize::MAX);
    match script.turns.get(index) {
        Some(turn) => Some(turn),
        None => match script.when_exhausted {
            WhenExhausted::RepeatLast => script.turns.last().map(Vec::as_slice),
            WhenExhausted::Exit0 => None,
        },
    }
}

fn other_peer(script: &SimScript, ctx: &SimContext) -> String {
    script
        .peers
        .iter()
        .find(|name| **name != ctx.peer)
        .cloned()
        .or_else(|| prompt_reading::counterpart(&ctx.prompt))
        .unwrap_or_else(|| "other".to_owned())
}

/// Perform `steps`; the exit code is that of the first `exit` step, else 0.
pub(crate) fn run_turn(
    steps: &[SimStep],
    ctx: &SimTurn<'_>,
    streams: &mut Streams<'_>,
) -> Result<i32, SimError> {
    for step in steps {
        if let Some(code) = run_step(step, ctx, streams)? {
            return Ok(code);
        }
    }
    Ok(0)
}

/// One step; `Some(code)` ends the turn with that exit code.
fn run_step(
    step: &SimStep,
    ctx: &SimTurn<'_>,
    streams: &mut Streams<'_>,
) -> Result<Option<i32>, SimError> {
    match step {
        SimStep::Print {
            text,
            stream,
            repeat,
            delay_ms,
        } => print(streams, *stream, &ctx.fill(text), *repeat, *delay_ms)?,
        SimStep::StderrError { text } => streams.line(SimStream::Stderr, &ctx.fill(text))?,
        SimStep::Sleep { ms } => std::thread::sleep(Duration::from_millis(*ms)),
        SimStep::WriteFile { path, content } => write_file(ctx, path, &ctx.fill(content), false)?,
        SimStep::AppendFile { path, content } => write_file(ctx, path, &ctx.fill(content), true)?,
        SimStep::DeleteFile { path } => delete_file(ctx, path)?,
        SimStep::ReplaceInFile { path, from, to } => {
            replace_in_file(ctx, path, &ctx.fill(from), &ctx.fill(to))?
        }
        SimStep::Symlink { path, target } => symlink(ctx, path, &ctx.fill(target))?,
        SimStep::GitCommit {
            message,
            all,
            allow_empty,
        } => {
            let staging = if *all { Staging::All } else { Staging::AsIs };
            ctx.git()
                .commit(&ctx.fill(message), staging, *allow_empty)?
        }
        SimStep::RewriteHistory { reset_to } => ctx.git().reset_hard(reset_to)?,
        SimStep::SubmitReviews { pass, notes } => {
            for goal in &ctx.requested_reviews {
                let message = crate::messages::soft_review(ctx.peer, goal, *pass, &ctx.fill(notes));
                ctx.git().commit(&message, Staging::AsIs, true)?;
            }
        }
        SimStep::Exit { code } => return Ok(Some(*code)),
        SimStep::Hang => process_steps::hang(),
        SimStep::IgnoreSigterm => return Err(process_steps::ignore_sigterm()),
        SimStep::SpawnBackground { command } => process_steps::spawn_background(command, ctx.repo)?,
        SimStep::GrandchildHoldsStdout { seconds } => {
            process_steps::grandchild_holds_stdout(*seconds, ctx.repo)?
        }
        SimStep::Flood { bytes, stream } => flood(streams, *stream, *bytes)?,
        SimStep::InvalidUtf8 { stream } => {
            streams.write(*stream, b"invalid utf-8 follows: \xff\xfe\xc3\x28 end\n")?
        }
        SimStep::EmitUsage {
            tool,
            input,
            output,
            cached,
            usd,
        } => {
            let counts = UsageCounts {
                input: *input,
                output: *output,
                cached: *cached,
                usd: *usd,
            };
            streams.write(SimStream::Stdout, usage::render(*tool, &counts).as_bytes())?
        }
    }
    Ok(None)
}

fn print(
    streams: &mut Streams<'_>,
    stream: SimStream,
    text: &str,
    repeat: u32,
    delay_ms: u64,
) -> Result<(), SimError> {
    for _ in 0..repeat {
        if delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(delay_ms));
        }
        streams.line(stream, text)?;
    }
    Ok(())
}

/// `bytes` bytes of 79 `x` and a newline per line, written in 64 KiB blocks.
fn flood(streams: &mut Streams<'_>, stream: SimStream, bytes: u64) -> Result<(), SimError> {
    let line: Vec<u8> = [[b'x'; 79].as_slice(), b"\n"].concat();
    let block: Vec<u8> = line.iter().copied().cycle().take(64 * 1024).collect();
    let mut left = bytes;
    while left > 0 {
        let take = usize::try_from(left).unwrap_or(usize::MAX).min(block.len());
        streams.write(stream, &block[..take])?;
        left -= take as u64;
    }
    Ok(())
}

fn write_file(ctx: &SimTurn<'_>, path: &str, content: &str, append: bool) -> Result<(), SimError> {
    let full = repo_path::resolve(ctx.repo, path)?;
    let io = |action, source| SimError::Io {
        action,
        path: full.clone(),
        source,
    };
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io("create the directory of", e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(&full)
        .map_err(|e| io("open", e))?;
    file.write_all(content.as_bytes())
        .map_err(|e| io("write", e))
}

fn replace_in_file(ctx: &SimTurn<'_>, path: &str, from: &str, to: &str) -> Result<(), SimError> {
    let full = repo_path::resolve(ctx.repo, path)?;
    let text = std::fs::read_to_string(&full).map_err(|source| SimError::Io {
        action: "read",
        path: full.clone(),
        source,
    })?;
    if !text.contains(from) {
        return Err(SimError::Io {
            action: "find the text to replace in",
            path: full.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{from:?} not found"),
            ),
        });
    }
    write_file(ctx, path, &text.replacen(from, to, 1), false)
}

fn delete_file(ctx: &SimTurn<'_>, path: &str) -> Result<(), SimError> {
    let full = repo_path::resolve(ctx.repo, path)?;
    std::fs::remove_file(&full).map_err(|source| SimError::Io {
        action: "delete",
        path: full.clone(),
        source,
    })
}

fn symlink(ctx: &SimTurn<'_>, path: &str, target: &str) -> Result<(), SimError> {
    let full = repo_path::resolve(ctx.repo, path)?;
    let io = |action, source| SimError::Io {
        action,
        path: full.clone(),
        source,
    };
    if std::fs::symlink_metadata(&full).is_ok() {
        std::fs::remove_file(&full).map_err(|e| io("replace", e))?;
    }
    std::os::unix::fs::symlink(target, &full).map_err(|e| io("create a symlink at", e))
}

#[cfg(test)]
mod tests;
