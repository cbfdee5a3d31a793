//! Filling in the prompt: `{PROMPT}` / `{PROMPT_FILE}` in argv, stdin, or a private file,
//! so that a large prompt never reaches `execve` as one argument (E2BIG); a call's read-only
//! and resume flags from its adapter.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::adapter::command::resolve_command;
use peers_core::config::{PeerSettings, PromptMode};

use crate::adapter::argv::{read_only, resume, resumes_sessions};
use crate::adapter::{PROMPT, PROMPT_FILE, without_inline_prompt};
use crate::error::AgentError;
use crate::invocation::{PreparedCommand, PromptDelivery};

/// Largest argument built with the prompt inside it. Linux refuses one argument over 128 KiB
/// (MAX_ARG_STRLEN); the margin leaves room for the rest of the element.
pub const ARGV_PROMPT_LIMIT: usize = 100 * 1024;
/// Largest total argv built with the prompt; keeps well inside ARG_MAX with the environment.
const ARGV_TOTAL_LIMIT: usize = 512 * 1024;

/// Builds the command for one turn of `peer` with `prompt`.
///
/// argv is `resolve_command(peer).argv` (the tool's flags for model, reasoning, provider;
/// its env overrides are the caller's to merge into `Invocation::env`). Then, by
/// `peer.prompt_mode`:
/// - argv-substitute: `{PROMPT}` is replaced in place, unless an argument would exceed
///   [`ARGV_PROMPT_LIMIT`] (or argv in total 512 KiB): then the prompt goes to the private file
///   named by `{PROMPT_FILE}` if argv has one, else to stdin (see [`PromptDelivery`]);
/// - stdin: the prompt is written to stdin, then stdin is closed;
/// - file: the prompt is written to `scratch_dir/<peer>.prompt.md` (mode 0600) and its path
///   replaces `{PROMPT_FILE}`.
///
/// `{PROMPT_FILE}` is always filled in when present. When the prompt travels by file,
/// `{PROMPT}` becomes a one-line pointer to the file; by stdin, a bare `{PROMPT}` argument is
/// dropped so the CLI reads stdin (for gemini's `-p`, which needs a value, a short note).
pub fn prepare_command(
    peer: &PeerSettings,
    prompt: &str,
    scratch_dir: &Path,
) -> Result<PreparedCommand, AgentError> {
    let prompt_file = scratch_dir.join(format!("{}.prompt.md", peer.name));
    prepare_call(peer, prompt, &prompt_file, CallShape::default())
}

/// How a call differs from a loop turn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallShape<'a> {
    /// Take the CLI's write permissions away where it allows (see [`read_only_label`]).
    pub read_only: bool,
    /// Continue this session, when the CLI can ([`resumes_sessions`]).
    pub resume: Option<&'a str>,
}

/// [`prepare_command`] for any call: `shape` adds the tool's read-only and resume flags, and
/// a prompt that travels by file is written to `prompt_file` (its directory is created 0700).
pub fn prepare_call(
    peer: &PeerSettings,
    prompt: &str,
    prompt_file: &Path,
    shape: CallShape<'_>,
) -> Result<PreparedCommand, AgentError> {
    let mut argv = resolve_command(peer).argv;
    if argv.is_empty() {
        return Err(AgentError::EmptyArgv {
            peer: peer.name.clone(),
        });
    }
    if shape.read_only {
        argv = read_only(&peer.tool, argv);
    }
    if let Some(id) = shape.resume.filter(|_| resumes_sessions(&peer.tool)) {
        resume(&peer.tool, &mut argv, id);
    }
    let delivery = choose_delivery(peer, &argv, prompt)?;
    let prompt_file = if argv.iter().any(|arg| arg.contains(PROMPT_FILE)) {
        write_prompt_file(prompt_file, prompt)?;
        Some(prompt_file.to_path_buf())
    } else {
        None
    };
    let file_text = match &prompt_file {
        Some(path) => Some(
            path.to_str()
                .ok_or_else(|| AgentError::NonUtf8Path { path: path.clone() })?,
        ),
        None => None,
    };
    let on_stdin = matches!(
        delivery,
        PromptDelivery::Stdin | PromptDelivery::StdinFallback
    );
    Ok(PreparedCommand {
        argv: fill_argv(peer, &argv, delivery, prompt, file_text),
        stdin: on_stdin.then(|| prompt.as_bytes().to_vec()),
        prompt_file,
        delivery,
    })
}

/// The delivery the prompt mode asks for, or the fallback when argv cannot carry the prompt.
fn choose_delivery(
    peer: &PeerSettings,
    argv: &[String],
    prompt: &str,
) -> Result<PromptDelivery, AgentError> {
    let has = |placeholder: &str| argv.iter().any(|arg| arg.contains(placeholder));
    let (has_prompt, has_file) = (has(PROMPT), has(PROMPT_FILE));
    let missing = |placeholder| AgentError::MissingPlaceholder {
        peer: peer.name.clone(),
        mode: peer.prompt_mode.as_str(),
        placeholder,
    };
    Ok(match peer.prompt_mode {
        PromptMode::ArgvSubstitute if !has_prompt && !has_file => return Err(missing(PROMPT)),
        PromptMode::ArgvSubstitute if !has_prompt => PromptDelivery::File,
        PromptMode::ArgvSubstitute if fits_in_argv(argv, prompt) => PromptDelivery::Argv,
        PromptMode::ArgvSubstitute if has_file => PromptDelivery::FileFallback,
        PromptMode::ArgvSubstitute => PromptDelivery::StdinFallback,
        PromptMode::Stdin => PromptDelivery::Stdin,
        PromptMode::File if !has_file => return Err(missing(PROMPT_FILE)),
        PromptMode::File => PromptDelivery::File,
    })
}

/// argv with `{PROMPT}` handled per `delivery` and `{PROMPT_FILE}` replaced by `file`.
fn fill_argv(
    peer: &PeerSettings,
    argv: &[String],
    delivery: PromptDelivery,
    prompt: &str,
    file: Option<&str>,
) -> Vec<String> {
    let argv: Vec<String> = match delivery {
        PromptDelivery::Argv => argv.iter().map(|arg| arg.replace(PROMPT, prompt)).collect(),
        PromptDelivery::Stdin | PromptDelivery::StdinFallback => without_inline_prompt(
            &peer.tool,
            argv,
            "Your full instructions are on standard input.",
        ),
        // The CLI still gets a prompt argument where it expects one: a pointer to the file.
        PromptDelivery::File | PromptDelivery::FileFallback => {
            let path = file.unwrap_or_default();
            let note = format!("Your full instructions are in the file {path}; read it first.");
            argv.iter().map(|arg| arg.replace(PROMPT, &note)).collect()
        }
    };
    match file {
        Some(path) => argv
            .iter()
            .map(|arg| arg.replace(PROMPT_FILE, path))
            .collect(),
        None => argv,
    }
}

/// True when substituting `prompt` keeps every argument and the whole argv under the limits.
fn fits_in_argv(argv: &[String], prompt: &str) -> bool {
    let mut total = 0usize;
    for arg in argv {
        let size = arg.len() + arg.matches(PROMPT).count() * prompt.len();
        if size > ARGV_PROMPT_LIMIT {
            return false;
        }
        total = total.saturating_add(size + 1);
    }
    total <= ARGV_TOTAL_LIMIT
}

/// Writes the prompt to `path`, private (0600), replacing it atomically (temp file + rename,
/// so a reader never sees half a prompt and a planted symlink at the final name is replaced,
/// not followed).
fn write_prompt_file(path: &Path, prompt: &str) -> Result<(), AgentError> {
    let error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AgentError::PromptFile { path, source }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "prompt".into(), |name| name.to_string_lossy());
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(error(dir))?;
    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let temp = dir.join(format!(".{name}.{}.{nonce}.tmp", std::process::id()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut file| file.write_all(prompt.as_bytes()));
    if let Err(source) = written.and_then(|()| fs::rename(&temp, path)) {
        let _ = fs::remove_file(&temp);
        return Err(error(path)(source));
    }
    Ok(())
}
