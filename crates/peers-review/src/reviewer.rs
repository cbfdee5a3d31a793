//! One reviewer's command line: the peer's configured argv made read-only where the CLI allows,
//! session resume where it supports it, and the prompt delivered without ever hitting E2BIG.

use std::path::Path;

use peers_core::config::{PeerSettings, PromptMode, ToolKind};
use peers_core::peer_command::resolve_command;

use crate::error::ReviewError;

/// Prompts larger than this never go through argv: the loop's limit, from peers-agent.
pub use peers_agent::ARGV_PROMPT_LIMIT;

/// Claude tools that could change the worktree; Read, Grep and Glob stay available.
const CLAUDE_DENIED_TOOLS: &str = "Edit,Write,MultiEdit,NotebookEdit,Bash";

/// A reviewer, ready to be invoked for any round.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub name: String,
    pub tool: ToolKind,
    /// Still holds `{PROMPT}` / `{PROMPT_FILE}`.
    argv: Vec<String>,
    /// Overrides from the peer command (`$NAME` = peers' own variable NAME).
    pub env: Vec<(String, String)>,
    prompt_mode: PromptMode,
    /// How read-only is enforced, for the report.
    pub read_only: String,
}

/// What to spawn for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub argv: Vec<String>,
    pub stdin: Option<Vec<u8>>,
    /// The prompt must be written to this file before the spawn.
    pub prompt_file: Option<std::path::PathBuf>,
}

impl Reviewer {
    /// The reviewer for a configured peer: its resolved command, made read-only.
    pub fn from_peer(peer: &PeerSettings) -> Result<Self, ReviewError> {
        let command = resolve_command(peer);
        if command.argv.is_empty() {
            return Err(ReviewError::EmptyCommand {
                name: peer.name.clone(),
            });
        }
        let (argv, read_only) = read_only(&peer.tool, command.argv);
        Ok(Self {
            name: peer.name.clone(),
            tool: peer.tool.clone(),
            argv,
            env: command.env,
            prompt_mode: peer.prompt_mode,
            read_only,
        })
    }

    /// Claude and codex can continue a session; the others always start fresh.
    pub fn supports_resume(&self) -> bool {
        matches!(self.tool, ToolKind::Claude | ToolKind::Codex)
    }

    /// The command for one call; `session` resumes it when the tool supports that.
    pub fn invocation(
        &self,
        prompt: &str,
        session: Option<&str>,
        prompt_file: &Path,
    ) -> Invocation {
        let mut argv = self.argv.clone();
        if let Some(id) = session.filter(|_| self.supports_resume()) {
            self.add_resume(&mut argv, id);
        }
        let has = |needle: &str| argv.iter().any(|a| a.contains(needle));
        let via_file = self.prompt_mode == PromptMode::File
            || (prompt.len() > ARGV_PROMPT_LIMIT && has("{PROMPT_FILE}"));
        if via_file && has("{PROMPT_FILE}") {
            let path = prompt_file.to_string_lossy();
            for arg in &mut argv {
                *arg = arg.replace("{PROMPT_FILE}", &path);
            }
            return Invocation {
                argv,
                stdin: None,
                prompt_file: Some(prompt_file.to_path_buf()),
            };
        }
        let via_argv = self.prompt_mode == PromptMode::ArgvSubstitute
            && prompt.len() <= ARGV_PROMPT_LIMIT
            && has("{PROMPT}");
        if via_argv {
            for arg in &mut argv {
                *arg = arg.replace("{PROMPT}", prompt);
            }
            return Invocation {
                argv,
                stdin: None,
                prompt_file: None,
            };
        }
        // Stdin: codex reads it when the prompt argument is `-`; the others when it is absent.
        let dash = self.tool == ToolKind::Codex;
        argv = argv
            .into_iter()
            .filter_map(|arg| match arg.contains("{PROMPT") {
                true if dash => Some("-".to_owned()),
                true => None,
                false => Some(arg),
            })
            .collect();
        Invocation {
            argv,
            stdin: Some(prompt.as_bytes().to_vec()),
            prompt_file: None,
        }
    }

    /// codex: `exec … resume <id> <prompt>`; claude: `--resume=<id>` after the program.
    fn add_resume(&self, argv: &mut Vec<String>, id: &str) {
        match self.tool {
            ToolKind::Codex => {
                let at = argv
                    .iter()
                    .position(|a| a.contains("{PROMPT"))
                    .unwrap_or(argv.len());
                argv.splice(at..at, ["resume".to_owned(), id.to_owned()]);
            }
            ToolKind::Claude => argv.insert(1.min(argv.len()), format!("--resume={id}")),
            _ => {}
        }
    }
}

/// The argv with the tool's write permissions taken away, and a label saying how.
fn read_only(tool: &ToolKind, argv: Vec<String>) -> (Vec<String>, String) {
    match tool {
        ToolKind::Codex => {
            let mut argv = without(
                argv,
                &[
                    "--dangerously-bypass-approvals-and-sandbox",
                    "--full-auto",
                    "--yolo",
                ],
                &["--sandbox", "-s"],
            );
            let at = argv
                .iter()
                .position(|a| a == "exec")
                .map_or(1, |i| i + 1)
                .min(argv.len());
            argv.splice(at..at, ["--sandbox".to_owned(), "read-only".to_owned()]);
            (argv, "codex --sandbox read-only".to_owned())
        }
        ToolKind::Claude => {
            let mut argv = without(
                argv,
                &[
                    "--dangerously-skip-permissions",
                    "--allow-dangerously-skip-permissions",
                ],
                &["--permission-mode"],
            );
            // The `=` form: `--disallowedTools` is variadic and would swallow the prompt.
            let flag = format!("--disallowedTools={CLAUDE_DENIED_TOOLS}");
            argv.insert(1.min(argv.len()), flag);
            (argv, format!("claude without {CLAUDE_DENIED_TOOLS}"))
        }
        ToolKind::Gemini => (
            without(argv, &["--yolo", "-y"], &["--approval-mode"]),
            "gemini without --yolo (no sandbox flag is set)".to_owned(),
        ),
        ToolKind::Opencode => (
            argv,
            "not enforced: opencode has no read-only flag peers knows".to_owned(),
        ),
        ToolKind::Generic(name) => (argv, format!("as configured ({name} is run unchanged)")),
    }
}

/// `argv` without the `switches` and without the `valued` options (and their values, in
/// either `--opt value` or `--opt=value` form).
fn without(argv: Vec<String>, switches: &[&str], valued: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut skip_value = false;
    for arg in argv {
        if skip_value {
            skip_value = false;
            continue;
        }
        if switches.contains(&arg.as_str()) {
            continue;
        }
        if valued.contains(&arg.as_str()) {
            skip_value = true;
            continue;
        }
        if valued.iter().any(|v| {
            arg.strip_prefix(v)
                .is_some_and(|rest| rest.starts_with('='))
        }) {
            continue;
        }
        out.push(arg);
    }
    out
}

#[cfg(test)]
mod tests;
