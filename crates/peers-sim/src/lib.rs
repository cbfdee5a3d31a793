//! peers-sim: scripted agents. The loop runs one of these instead of a real AI CLI, either a
//! test script (`peers sim-agent --script FILE`) or a built-in demo peer
//! (`peers sim-agent --builtin demo-implementer|demo-reviewer`) or documentation peer
//! (`--builtin describe-writer|document-writer`, one per docs mode).
//!
//! # Process contract
//! The process runs with cwd = the target repository, `PEERS_PEER_NAME` = the peer's name, and
//! the prompt on stdin or as the last argv element; the caller puts them in [`SimContext`].
//! The exit code to use is what [`run_script_file`] / [`run_builtin`] return.
//!
//! # Script format (JSON)
//! ```json
//! {
//!   "when_exhausted": "repeat-last",
//!   "peers": ["alice", "bob"],
//!   "turns": [
//!     [ {"print": {"text": "working on {peer}", "repeat": 3, "delay_ms": 100}},
//!       {"write_file": {"path": "notes.txt", "content": "hello from {peer}\n"}},
//!       {"git_commit": {"message": "Note\n\n## Self-Review\nRe-read the note; nothing else changed.\n\nPeer: {peer}\nPeer-Status: handoff\nSelf-Review: pass"}},
//!       {"exit": {"code": 0}} ],
//!     [ "hang" ]
//!   ]
//! }
//! ```
//! A bare array of turns is accepted too. Which turn runs is decided by counting this peer's
//! previous invocations in `$PEERS_SIM_STATE_DIR/<peer>.count` (default
//! `<git-dir>/peers-sim/<peer>.count`, outside the work tree), so a restarted run continues the
//! script. The counter is bumped before the turn runs: a turn that is killed is not repeated.
//! When the turns run out, `when_exhausted` decides: `"repeat-last"` (default) runs the last
//! turn again, `"exit0"` exits 0 doing nothing. A turn that ends without `exit` exits 0.
//!
//! Steps (`hang` and `ignore_sigterm` have no fields and are written as bare strings):
//! - `print {text, stream = "stdout"|"stderr", repeat = 1, delay_ms = 0}`: one line per repeat,
//!   each after `delay_ms`, flushed at once.
//! - `stderr_error {text}`: one line on stderr (what a CLI's error message looks like).
//! - `sleep {ms}`.
//! - `write_file {path, content}`, `append_file {path, content}`, `delete_file {path}`: paths
//!   are relative to the repository and may not leave it.
//! - `git_commit {message, all = true, allow_empty = false}`: `all` stages every change first
//!   (`git add --all`: untracked files too, so mind `.peers/` if it is not ignored); committed
//!   as `<peer> <peer@peers.local>` with global and system git config and hooks ignored.
//! - `rewrite_history {reset_to}`: `git reset --hard <reset_to>`.
//! - `exit {code}`: stop here with that exit code.
//! - `hang`: sleep for ever (SIGTERM still kills it).
//! - `ignore_sigterm`: replace this process (same pid) with a shell that ignores SIGTERM, prints
//!   `ignoring SIGTERM` and sleeps for ever; only SIGKILL ends it. Later steps never run.
//! - `spawn_background {command}`: `sh -c command` in a new session, output discarded, left
//!   running (e.g. a server the agent forgot).
//! - `grandchild_holds_stdout {seconds}`: a new-session `sleep` that keeps our stdout open for
//!   that long after we exit.
//! - `flood {bytes, stream = "stdout"}`: that many bytes of `x` lines as fast as possible.
//! - `invalid_utf8 {stream = "stdout"}`: one line with bytes that are not UTF-8.
//! - `symlink {path, target}`: replace `path` (in the repository) by a symlink to `target`.
//! - `submit_reviews {pass = true, notes}`: one review commit per soft goal listed under the
//!   prompt's SOFT REVIEWS heading (`## Review` + JSON, `Peer-Review-Of: <goal>`); none when absent.
//! - `emit_usage {tool, input, output, cached = 0, usd}`: the usage event of that CLI (`claude`,
//!   `codex`, `opencode`, `gemini`) in its real output format. `input` counts input tokens not
//!   served from cache, `cached` the cache reads; each CLI's own fields are derived from them
//!   (codex and gemini count cached tokens inside their prompt total). `usd` appears only where
//!   the CLI reports a cost (claude, opencode).
//!
//! `{peer}` and `{other}` are replaced in printed text, file contents and commit messages.
//! `{other}` is the first name in the script's `peers` list that is not this peer, else the
//! counterpart the prompt names (`Your counterpart is 'x'`), else `other`.

mod counter;
mod demo;
mod doc_writers;
mod engine;
mod error;
mod git;
mod messages;
mod process_steps;
mod prompt_reading;
mod repo_path;
mod script;
#[cfg(test)]
mod test_repo;
mod usage;

use std::path::{Path, PathBuf};

pub use demo::{BUILTINS, write_demo_repository};
pub use doc_writers::DOC_BUILTINS;
pub use error::SimError;
pub use script::{SimScript, SimStep, SimStream, Tool, WhenExhausted};

/// Who runs, where, and with which prompt: everything the process got from the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimContext {
    pub peer: String,
    pub repo: PathBuf,
    pub prompt: String,
}

/// Run this invocation's turn of the script at `path` on the real stdout and stderr; returns
/// the exit code the process should exit with.
pub fn run_script_file(path: &Path, ctx: &SimContext) -> Result<i32, SimError> {
    let script = script::load(path)?;
    engine::run_script(&script, ctx, &mut engine::Streams::real())
}

/// Run a built-in peer: a demo peer ([`BUILTINS`]) or a documentation peer
/// ([`DOC_BUILTINS`]: `describe-writer`, `document-writer`).
pub fn run_builtin(name: &str, ctx: &SimContext) -> Result<i32, SimError> {
    if DOC_BUILTINS.contains(&name) {
        return doc_writers::run(name, ctx, &mut engine::Streams::real());
    }
    demo::run(name, ctx, &mut engine::Streams::real())
}
