//! The agents' Stop hooks that run `peers tick --after <peer>` (the hooks driver): which CLI
//! reads which file in which shape (checked against the pinned versions: Claude Code 2.1
//! `settings.json` `hooks.Stop`, Codex 0.169 `hooks.json` `hooks.Stop`, Gemini CLI 0.61
//! `settings.json` `hooks.AfterAgent`), the project's marker, the snippets in `.peers/hooks/`.

pub mod error;
pub mod merge;
pub mod record;

use std::path::{Path, PathBuf};

use peers_core::config::{ConfigSettings, ToolKind};
use serde_json::{Value, json};

use error::HookError;

/// One agent CLI's hook configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookTarget {
    pub tool: &'static str,
    pub label: &'static str,
    /// The hook event that fires when the agent has finished its turn.
    pub event: &'static str,
    /// The snippet's name in `.peers/hooks/`.
    pub snippet: &'static str,
    /// Where the CLI keeps its user configuration, and the variable that moves it.
    dir_variable: Option<&'static str>,
    default_dir: &'static str,
    file: &'static str,
    /// Seconds (Claude, Codex) or milliseconds (Gemini).
    timeout_ms: bool,
    /// Gemini names each hook; Claude wants a matcher on every entry.
    named: bool,
    matcher: Option<&'static str>,
}

/// How long a hook may run: the gates run inside it.
const TIMEOUT_S: u64 = 1800;

pub const TARGETS: [HookTarget; 3] = [
    HookTarget {
        tool: "claude",
        label: "Claude Code",
        event: "Stop",
        snippet: "claude-settings.json",
        dir_variable: Some("CLAUDE_CONFIG_DIR"),
        default_dir: ".claude",
        file: "settings.json",
        timeout_ms: false,
        named: false,
        matcher: Some(""),
    },
    HookTarget {
        tool: "codex",
        label: "Codex",
        event: "Stop",
        snippet: "codex-hooks.json",
        dir_variable: Some("CODEX_HOME"),
        default_dir: ".codex",
        file: "hooks.json",
        timeout_ms: false,
        named: false,
        matcher: None,
    },
    HookTarget {
        tool: "gemini",
        label: "Gemini CLI",
        event: "AfterAgent",
        snippet: "gemini-settings.json",
        dir_variable: None,
        default_dir: ".gemini",
        file: "settings.json",
        timeout_ms: true,
        named: true,
        matcher: Some("*"),
    },
];

impl HookTarget {
    pub fn by_tool(tool: &str) -> Option<HookTarget> {
        TARGETS.into_iter().find(|t| t.tool == tool)
    }

    /// The user's configuration file of this CLI, from `home` and the environment.
    pub fn config_file(&self, home: &Path, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
        let dir = self
            .dir_variable
            .and_then(env)
            .filter(|value| !value.is_empty())
            .map_or_else(|| home.join(self.default_dir), PathBuf::from);
        dir.join(self.file)
    }

    /// The entry appended to `hooks.<event>`: one command hook.
    pub fn entry(&self, command: &str, marker: &str) -> Value {
        let mut hook = serde_json::Map::new();
        if self.named {
            hook.insert("name".into(), json!(marker));
        }
        hook.insert("type".into(), json!("command"));
        hook.insert("command".into(), json!(command));
        let timeout = if self.timeout_ms {
            TIMEOUT_S * 1000
        } else {
            TIMEOUT_S
        };
        hook.insert("timeout".into(), json!(timeout));
        let mut entry = serde_json::Map::new();
        if let Some(matcher) = self.matcher {
            entry.insert("matcher".into(), json!(matcher));
        }
        entry.insert("hooks".into(), json!([Value::Object(hook)]));
        Value::Object(entry)
    }
}

/// The one thing that makes a hook this project's: `peers-hook <project id> <tool>`, written
/// as the command's trailing shell comment and compared whole, never as a substring.
pub fn marker(project_id: &str, tool: &str) -> String {
    format!("peers-hook {project_id} {tool}")
}

/// The marker a hook command carries, if any (the text after its last ` # `).
pub fn marker_of(command: &str) -> Option<&str> {
    command.rsplit_once(" # ").map(|(_, marker)| marker.trim())
}

/// The shell command of the hook: this `peers` binary, judging `peer`'s turn in `root`.
pub fn command(peers: &Path, root: &Path, peer: &str, marker: &str) -> String {
    format!(
        "{} -C {} tick --after {} --hook --quiet # {marker}",
        shell_quote(&peers.to_string_lossy()),
        shell_quote(&root.to_string_lossy()),
        shell_quote(peer)
    )
}

/// Single-quoted for `sh -c`.
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@,".contains(c))
    {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The one peer that uses `tool`, or why there is not exactly one.
pub fn peer_for(config: &ConfigSettings, tool: &str) -> Result<String, HookError> {
    let kind = ToolKind::from_name(tool);
    let names: Vec<&str> = config
        .peers
        .iter()
        .filter(|p| p.tool == kind)
        .map(|p| p.name.as_str())
        .collect();
    match names.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(HookError::NoPeer {
            tool: tool.to_owned(),
        }),
        many => Err(HookError::SharedTool {
            tool: tool.to_owned(),
            peers: many.iter().map(|name| (*name).to_owned()).collect(),
        }),
    }
}

/// The project's id in `.peers/hooks/project-id`, created once: it survives moving the
/// repository, so a moved project's hooks are found and updated in place.
pub fn project_id(hooks_dir: &Path) -> Result<String, peers_store::error::StoreError> {
    let path = hooks_dir.join("project-id");
    if let Some(bytes) = peers_store::safe_fs::read_control_file_if_exists(&path, 256)? {
        let id = String::from_utf8_lossy(&bytes).trim().to_owned();
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(id);
        }
    }
    peers_store::safe_fs::ensure_private_dir(hooks_dir)?;
    let id: String = peers_driver::tick_trace::new_marker()
        .chars()
        .take(16)
        .collect();
    peers_store::safe_fs::write_atomic(&path, format!("{id}\n").as_bytes())?;
    Ok(id)
}

/// The README written next to the snippets.
pub fn readme(root: &Path) -> String {
    format!(
        "# Stop hooks for the hooks driver (driver: hooks)\n\n\
Each snippet here runs `peers tick --after <peer>` when that agent stops in an interactive\n\
session whose working directory is inside {root}. The tick judges the turn (commits, handoff,\n\
gates, bug ledger), hands the turn on and writes the next peer's prompt to\n\
.peers/hooks/next-prompt.md. peers never starts an agent in this mode.\n\n\
`peers hooks install` merges them into your own configuration files (each side on its own;\n\
a timestamped backup first; your own hooks are never touched); `peers hooks uninstall`\n\
removes exactly what it installed.\n\n\
- claude-settings.json: merge `hooks.Stop` into ~/.claude/settings.json (or $CLAUDE_CONFIG_DIR).\n\
- codex-hooks.json: merge `hooks.Stop` into ~/.codex/hooks.json (or $CODEX_HOME). Codex runs a\n\
  new or changed hook only after you trust it: open `/hooks` in Codex once and trust it.\n\
- gemini-settings.json: merge `hooks.AfterAgent` into ~/.gemini/settings.json.\n\
- opencode has no command hooks (its extensions are JavaScript plugins): after an opencode\n\
  turn run `peers tick --after <peer>` yourself.\n",
        root = root.display()
    )
}
