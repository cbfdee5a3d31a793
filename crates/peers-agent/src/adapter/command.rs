//! The command line and environment a peer runs with: the tool's default argv (each adapter's
//! `DEFAULT_ARGV`), plus the flags and variables that `model`, `reasoning` and `provider`
//! translate to. Explicit argv wins.

use peers_core::config::{PeerSettings, Provider, ToolKind};

use super::{claude, codex, gemini, opencode};

/// What to spawn for one peer, before the prompt is filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCommand {
    /// Still holds the `{PROMPT}` / `{PROMPT_FILE}` placeholders.
    pub argv: Vec<String>,
    /// Environment overrides, applied on top of the peer's environment. A value of the form
    /// `$NAME` means "the value of the variable NAME in peers' own environment" (resolved at
    /// spawn time, so secrets never pass through config or logs); any other value is literal,
    /// and the empty string sets the variable to empty.
    pub env: Vec<(String, String)>,
    /// Plain remarks for `peers info`, e.g. a setting that argv already overrides.
    pub notes: Vec<String>,
}

/// Where OpenRouter's Anthropic-compatible API lives (claude appends `/v1/messages`).
pub const OPENROUTER_ANTHROPIC_BASE_URL: &str = "https://openrouter.ai/api";
/// OpenRouter's OpenAI-compatible API, for codex.
pub const OPENROUTER_OPENAI_BASE_URL: &str = "https://openrouter.ai/api/v1";
/// The variable that must hold the OpenRouter key when any peer uses `provider: openrouter`.
pub const OPENROUTER_KEY_VAR: &str = "OPENROUTER_API_KEY";

/// The command a known tool runs when the peer gives no `argv`; `None` for any other program.
/// Each passes the prompt as `{PROMPT}` (the config decoder relies on this to infer
/// `prompt_mode`) and asks for the tool's structured output stream.
pub fn default_argv(tool: &ToolKind) -> Option<Vec<String>> {
    let words = match tool {
        ToolKind::Claude => claude::DEFAULT_ARGV,
        ToolKind::Codex => codex::DEFAULT_ARGV,
        ToolKind::Opencode => opencode::DEFAULT_ARGV,
        ToolKind::Gemini => gemini::DEFAULT_ARGV,
        ToolKind::Generic(_) => return None,
    };
    Some(words.iter().map(|w| (*w).to_owned()).collect())
}

/// The peer's command line before translation: its `argv`, or its tool's default.
fn base_argv(peer: &PeerSettings) -> Vec<String> {
    peer.argv
        .clone()
        .or_else(|| default_argv(&peer.tool))
        .unwrap_or_default()
}

/// Translates a peer's settings into the command to spawn.
pub fn resolve_command(peer: &PeerSettings) -> PeerCommand {
    let base = base_argv(peer);
    let mut plan = Plan {
        argv: &base,
        flags: Vec::new(),
        env: Vec::new(),
        notes: Vec::new(),
    };
    match peer.tool {
        ToolKind::Claude => claude(peer, &mut plan),
        ToolKind::Codex => codex(peer, &mut plan),
        ToolKind::Opencode => {
            plan.switch(&["-m", "--model"], peer.model.as_deref(), "model");
            plan.switch(&["--variant"], peer.reasoning.as_deref(), "reasoning");
        }
        ToolKind::Gemini => plan.switch(&["-m", "--model"], peer.model.as_deref(), "model"),
        ToolKind::Generic(_) => {}
    }
    let at = insert_position(&peer.tool, &base);
    let flags = plan.flags;
    let mut argv = base.clone();
    argv.splice(at..at, flags);
    PeerCommand {
        argv,
        env: plan.env,
        notes: plan.notes,
    }
}

fn claude(peer: &PeerSettings, plan: &mut Plan<'_>) {
    plan.switch(&["--model"], peer.model.as_deref(), "model");
    plan.switch(&["--effort"], peer.reasoning.as_deref(), "reasoning");
    if peer.provider == Some(Provider::Openrouter) {
        plan.env.push((
            "ANTHROPIC_BASE_URL".to_owned(),
            OPENROUTER_ANTHROPIC_BASE_URL.to_owned(),
        ));
        plan.env.push((
            "ANTHROPIC_AUTH_TOKEN".to_owned(),
            format!("${OPENROUTER_KEY_VAR}"),
        ));
        // An inherited API key would take precedence over the auth token and bill Anthropic.
        plan.env
            .push(("ANTHROPIC_API_KEY".to_owned(), String::new()));
        plan.notes.push(openrouter_note());
    }
}

fn codex(peer: &PeerSettings, plan: &mut Plan<'_>) {
    if let Some(model) = &peer.model {
        if has_switch(plan.argv, &["-m", "--model"]) {
            plan.notes.push(format!(
                "argv already sets the model; model: {model} was not added"
            ));
        } else {
            plan.config("model", model, "model");
        }
    }
    if let Some(reasoning) = &peer.reasoning {
        plan.config("model_reasoning_effort", reasoning, "reasoning");
    }
    if peer.provider == Some(Provider::Openrouter) {
        plan.config("model_provider", "openrouter", "provider");
        plan.config("model_providers.openrouter.name", "openrouter", "provider");
        plan.config(
            "model_providers.openrouter.base_url",
            OPENROUTER_OPENAI_BASE_URL,
            "provider",
        );
        plan.config(
            "model_providers.openrouter.env_key",
            OPENROUTER_KEY_VAR,
            "provider",
        );
        plan.notes.push(openrouter_note());
    }
}

fn openrouter_note() -> String {
    format!("provider openrouter: {OPENROUTER_KEY_VAR} must be set in the environment")
}

/// Flags go right after the subcommand words, before any prompt placeholder.
fn insert_position(tool: &ToolKind, argv: &[String]) -> usize {
    let after = |word: &str| argv.iter().position(|a| a == word).map(|i| i + 1);
    let found = match tool {
        ToolKind::Codex => after("exec"),
        ToolKind::Opencode => after("run"),
        _ => None,
    };
    found.unwrap_or(1).min(argv.len())
}

struct Plan<'a> {
    argv: &'a [String],
    flags: Vec<String>,
    env: Vec<(String, String)>,
    notes: Vec<String>,
}

impl Plan<'_> {
    /// Adds `names[0] value` unless argv already carries one of `names`.
    fn switch(&mut self, names: &[&str], value: Option<&str>, setting: &str) {
        let Some(value) = value else { return };
        if has_switch(self.argv, names) {
            self.notes.push(format!(
                "argv already sets {}; {setting}: {value} was not added",
                names.join("/")
            ));
        } else if let Some(flag) = names.first() {
            self.flags.push((*flag).to_owned());
            self.flags.push(value.to_owned());
        }
    }

    /// Adds codex's `-c key="value"` unless argv already sets that key.
    fn config(&mut self, key: &str, value: &str, setting: &str) {
        if has_codex_config(self.argv, key) {
            self.notes.push(format!(
                "argv already sets -c {key}; {setting}: {value} was not added"
            ));
        } else {
            self.flags.push("-c".to_owned());
            self.flags.push(format!("{key}={}", toml_string(value)));
        }
    }
}

fn has_switch(argv: &[String], names: &[&str]) -> bool {
    argv.iter().any(|arg| {
        names.iter().any(|name| {
            arg == name
                || (name.starts_with("--")
                    && arg
                        .strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('=')))
        })
    })
}

/// `-c key=…`, `--config key=…`, `--config=key=…` or `-ckey=…`.
fn has_codex_config(argv: &[String], key: &str) -> bool {
    let sets_key = |value: &str| {
        value
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    argv.iter().enumerate().any(|(i, arg)| {
        let next = argv.get(i + 1).map(String::as_str);
        let inline = arg
            .strip_prefix("--config=")
            .or_else(|| arg.strip_prefix("-c").filter(|v| !v.is_empty()));
        ((arg == "-c" || arg == "--config") && next.is_some_and(sets_key))
            || inline.is_some_and(sets_key)
    })
}

/// A TOML basic string, as codex parses `-c` values as TOML.
fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
