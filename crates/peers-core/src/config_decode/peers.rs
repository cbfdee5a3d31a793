//! The `peers:` list (and the legacy `tools:` map it replaced): names, commands, prompt modes,
//! and the per-tool rules for `model`, `reasoning` and `provider`.

use crate::config::{
    ConfigNotice, PeerRole, PeerSettings, PromptMode, Provider, RESERVED_PEER_NAMES, ToolKind,
};
use crate::decode_error::DecodeError;
use crate::location::Span;
use crate::yaml::fields::{Field, Map};

const PEER_KEYS: &[&str] = &[
    "name",
    "tool",
    "argv",
    "prompt_mode",
    "role",
    "model",
    "reasoning",
    "provider",
    "env",
];
/// In the legacy map the name is the key, so `name:` inside an entry is not valid.
const TOOLS_ENTRY_KEYS: &[&str] = &[
    "tool",
    "argv",
    "prompt_mode",
    "role",
    "model",
    "reasoning",
    "provider",
    "env",
];

const PROMPT: &str = "{PROMPT}";
const PROMPT_FILE: &str = "{PROMPT_FILE}";

const CLAUDE_REASONING: &[&str] = &["low", "medium", "high", "xhigh", "max"];
const CODEX_REASONING: &[&str] = &["minimal", "low", "medium", "high", "xhigh"];
const OPENCODE_REASONING: &[&str] = &["minimal", "low", "medium", "high", "xhigh", "max"];

/// The peer's name and where it was written (a `name:` value, or a `tools:` key).
struct NameAt<'a> {
    text: &'a str,
    span: Span,
    path: String,
}

/// Reads `peers:` or the legacy `tools:` from the top-level mapping; at least two peers.
pub(super) fn decode_peers(
    top: &Map<'_>,
    notices: &mut Vec<ConfigNotice>,
) -> Result<Vec<PeerSettings>, DecodeError> {
    let (peers, list_field) = match (top.field("peers"), top.field("tools")) {
        (Some(_), Some(tools)) => {
            return Err(tools
                .err("`tools` and `peers` cannot both be set")
                .with_hint(
                    "move the tools: entries into the peers: list (tools: is the legacy form)",
                ));
        }
        (Some(list), None) => (peers_list(&list)?, list),
        (None, Some(tools)) => (tools_map(&tools, notices)?, tools),
        (None, None) => {
            return Err(top.err_here("missing required key 'peers'").with_hint(
                "list at least two peers, e.g. `peers: [{name: claude}, {name: codex}]`",
            ));
        }
    };
    if peers.len() < 2 {
        return Err(list_field
            .err(format!("need at least two peers, found {}", peers.len()))
            .with_hint("peers take turns reviewing each other's work: add a second entry, e.g. `- name: codex`"));
    }
    Ok(peers)
}

fn peers_list(list: &Field<'_>) -> Result<Vec<PeerSettings>, DecodeError> {
    let items = list.list().map_err(|e| match list.node.value {
        crate::yaml::Value::Mapping(_) => {
            e.with_hint("peers: is a list: start each peer with `- name: …`")
        }
        _ => e,
    })?;
    let mut peers: Vec<PeerSettings> = Vec::new();
    for item in items {
        let map = item.map()?;
        map.check_keys(PEER_KEYS)?;
        let name_field = map.required("name")?;
        let name = NameAt {
            text: name_field.string()?,
            span: name_field.node.span,
            path: name_field.path.clone(),
        };
        let peer = decode_peer(&map, &name, map.span)?;
        check_unique(&peers, &name, list.file)?;
        peers.push(peer);
    }
    Ok(peers)
}

fn tools_map(
    tools: &Field<'_>,
    notices: &mut Vec<ConfigNotice>,
) -> Result<Vec<PeerSettings>, DecodeError> {
    let map = tools.map()?;
    let mut peers: Vec<PeerSettings> = Vec::new();
    for (key, node) in map.entries {
        let entry = Field::new(map.file, map.path_of(&key.text), node);
        let name = NameAt {
            text: &key.text,
            span: key.span,
            path: entry.path.clone(),
        };
        let peer = if entry.is_null() {
            let empty = Map {
                file: map.file,
                path: entry.path.clone(),
                span: key.span,
                entries: &[],
            };
            decode_peer(&empty, &name, key.span)?
        } else {
            let fields = entry.map()?;
            fields.check_keys(TOOLS_ENTRY_KEYS)?;
            decode_peer(&fields, &name, key.span)?
        };
        check_unique(&peers, &name, map.file)?;
        peers.push(peer);
    }
    let order: Vec<&str> = peers.iter().map(|p| p.name.as_str()).collect();
    notices.push(ConfigNotice {
        key: "tools".to_owned(),
        span: tools.node.span,
        message: format!(
            "the legacy tools: map was read as peers: in map order ({}); write a peers: list to silence this",
            order.join(", ")
        ),
    });
    Ok(peers)
}

fn check_unique(peers: &[PeerSettings], name: &NameAt<'_>, file: &str) -> Result<(), DecodeError> {
    match peers.iter().find(|p| p.name == name.text) {
        Some(first) => Err(DecodeError::new(
            file,
            Some(name.span),
            Some(&name.path),
            format!(
                "duplicate peer name '{}' (first on line {})",
                name.text, first.span.line
            ),
        )),
        None => Ok(()),
    }
}

fn decode_peer(map: &Map<'_>, name: &NameAt<'_>, span: Span) -> Result<PeerSettings, DecodeError> {
    check_name(name, map.file)?;
    let tool = match map.opt("tool", known_tool)? {
        Some(tool) => tool,
        None => ToolKind::from_name(name.text),
    };
    let argv = map.opt("argv", argv)?;
    if argv.is_none() && matches!(tool, ToolKind::Generic(_)) {
        return Err(no_default_command(map, name, &tool));
    }
    let prompt_mode = prompt_mode(map, argv.as_deref())?;
    let role = map.opt("role", |f| {
        f.choice(&[
            ("default", PeerRole::Default),
            ("recovery", PeerRole::Recovery),
            ("witness", PeerRole::Witness),
            ("debater", PeerRole::Debater),
        ])
    })?;
    let model = map.opt("model", |f| model(f, &tool))?;
    let reasoning = map.opt("reasoning", |f| reasoning(f, &tool))?;
    let provider = map.opt("provider", |f| provider(f, &tool))?;
    let env = map.opt("env", env_names)?.unwrap_or_default();
    Ok(PeerSettings {
        name: name.text.to_owned(),
        tool,
        argv,
        prompt_mode,
        role: role.unwrap_or(PeerRole::Default),
        model,
        reasoning,
        provider,
        env,
        span,
    })
}

/// The tools peers knows by name: the four agent CLIs, `generic` (any other command, run as
/// written in argv) and `sim` (peers' own scripted agent, for the demo and tests).
pub const KNOWN_TOOLS: &[&str] = &["claude", "codex", "opencode", "gemini", "generic", "sim"];

/// An explicit `tool:` must be a known tool, even with an explicit argv: a misspelt `claud`
/// would otherwise silently lose the CLI's output parsing, usage and cost.
fn known_tool(field: &Field<'_>) -> Result<ToolKind, DecodeError> {
    let tool = field.non_empty_string()?;
    if KNOWN_TOOLS.contains(&tool) {
        return Ok(ToolKind::from_name(tool));
    }
    let hint = match crate::suggest::did_you_mean(tool, KNOWN_TOOLS) {
        Some(near) => format!(
            "did you mean '{near}'? For any other agent CLI write `tool: generic` with its argv"
        ),
        None => "for any other agent CLI write `tool: generic` with its argv".to_owned(),
    };
    Err(field
        .err(format!(
            "unknown tool '{tool}' (known: {})",
            KNOWN_TOOLS.join(", ")
        ))
        .with_hint(hint))
}

fn check_name(name: &NameAt<'_>, file: &str) -> Result<(), DecodeError> {
    let err = |message: String| DecodeError::new(file, Some(name.span), Some(&name.path), message);
    if !is_valid_peer_name(name.text) {
        return Err(err(format!("invalid peer name {:?}", name.text)).with_hint(
            "use 1 to 32 letters, digits, '_' or '-', starting with a letter or digit",
        ));
    }
    if RESERVED_PEER_NAMES.contains(&name.text) {
        return Err(
            err(format!("peer name '{}' is reserved", name.text)).with_hint(format!(
                "peers uses these names itself: {}",
                RESERVED_PEER_NAMES.join(", ")
            )),
        );
    }
    Ok(())
}

/// `^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`
pub fn is_valid_peer_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn no_default_command(map: &Map<'_>, name: &NameAt<'_>, tool: &ToolKind) -> DecodeError {
    const KNOWN: &[&str] = &["claude", "codex", "opencode", "gemini"];
    let hint = crate::suggest::hint_for(tool.as_str(), KNOWN).unwrap_or_else(|| {
        format!(
            "e.g. argv: [\"my-agent\", \"{PROMPT}\"]; tools with a default command: {}",
            KNOWN.join(", ")
        )
    });
    map.err_here(format!(
        "peer '{}' uses tool '{}' which has no default command: add argv",
        name.text,
        tool.as_str()
    ))
    .with_hint(hint)
}

fn argv(field: &Field<'_>) -> Result<Vec<String>, DecodeError> {
    let argv = field.string_list()?;
    if argv.is_empty() {
        return Err(field.err("must list at least the program to run"));
    }
    Ok(argv)
}

/// `env: [NAME, …]`: variable names (not values: secrets stay out of config.yaml).
fn env_names(field: &Field<'_>) -> Result<Vec<String>, DecodeError> {
    let mut names: Vec<String> = Vec::new();
    for item in field.list()? {
        let name = item.non_empty_string()?;
        if let Some((key, _)) = name.split_once('=') {
            return Err(item
                .err(format!("`{name}` is a NAME=value pair; env lists variable names only"))
                .with_hint(format!(
                    "write `{key}` here and export {key}=… in the shell that starts peers, so the value never sits in config.yaml"
                )));
        }
        if !is_env_name(name) {
            return Err(item
                .err(format!("`{name}` is not an environment variable name"))
                .with_hint(
                    "use letters, digits and '_', not starting with a digit, e.g. MY_PROVIDER_KEY",
                ));
        }
        if name == "PEERS_PEER_NAME" {
            return Err(item
                .err("PEERS_PEER_NAME is set by peers itself")
                .with_hint("remove it from env"));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `argv` is `None` for a known tool's default command line, which always passes the prompt
/// as `{PROMPT}` (each adapter's `DEFAULT_ARGV`, checked by peers-agent's tests).
fn prompt_mode(map: &Map<'_>, argv: Option<&[String]>) -> Result<PromptMode, DecodeError> {
    let explicit_argv = argv.is_some();
    let (has_prompt, has_prompt_file) = match argv {
        Some(argv) => (
            argv.iter().any(|a| a.contains(PROMPT)),
            argv.iter().any(|a| a.contains(PROMPT_FILE)),
        ),
        None => (true, false),
    };
    let Some(field) = map.field("prompt_mode") else {
        return Ok(if has_prompt {
            PromptMode::ArgvSubstitute
        } else if has_prompt_file {
            PromptMode::File
        } else {
            PromptMode::Stdin
        });
    };
    let mode = field.choice(&[
        ("stdin", PromptMode::Stdin),
        ("argv-substitute", PromptMode::ArgvSubstitute),
        ("file", PromptMode::File),
    ])?;
    let whose = if explicit_argv {
        "argv"
    } else {
        "the tool's default argv"
    };
    let conflict = match mode {
        PromptMode::ArgvSubstitute if !has_prompt => Some(format!(
            "argv-substitute needs a {PROMPT} element in {whose}"
        )),
        PromptMode::File if !has_prompt_file => {
            Some(format!("file needs a {PROMPT_FILE} element in {whose}"))
        }
        PromptMode::Stdin if has_prompt || has_prompt_file => Some(format!(
            "stdin conflicts with the prompt placeholder in {whose}, which would be passed literally"
        )),
        _ => None,
    };
    match conflict {
        Some(message) => Err(field.err(message).with_hint(
            "write an argv whose placeholder matches the mode, or leave prompt_mode out to infer it from argv",
        )),
        None => Ok(mode),
    }
}

fn model(field: &Field<'_>, tool: &ToolKind) -> Result<String, DecodeError> {
    let model = field.non_empty_string()?;
    if let ToolKind::Generic(name) = tool {
        return Err(field
            .err(format!(
                "peers can set model only for claude, codex, opencode and gemini, not '{name}'"
            ))
            .with_hint("put the tool's own model flag in argv"));
    }
    Ok(model.to_owned())
}

fn reasoning(field: &Field<'_>, tool: &ToolKind) -> Result<String, DecodeError> {
    let levels = match tool {
        ToolKind::Claude => CLAUDE_REASONING,
        ToolKind::Codex => CODEX_REASONING,
        ToolKind::Opencode => OPENCODE_REASONING,
        ToolKind::Gemini => {
            return Err(field
                .err("gemini has no reasoning setting peers can pass")
                .with_hint(
                    "remove reasoning; choose a model with the thinking budget you want instead",
                ));
        }
        ToolKind::Generic(name) => {
            return Err(field
                .err(format!(
                    "peers can set reasoning only for claude, codex and opencode, not '{name}'"
                ))
                .with_hint("put the tool's own flag in argv"));
        }
    };
    let options: Vec<(&str, &str)> = levels.iter().map(|l| (*l, *l)).collect();
    field.choice(&options).map(str::to_owned)
}

fn provider(field: &Field<'_>, tool: &ToolKind) -> Result<Provider, DecodeError> {
    let options: &[(&str, Provider)] = match tool {
        ToolKind::Claude => &[
            ("anthropic", Provider::Anthropic),
            ("openrouter", Provider::Openrouter),
        ],
        ToolKind::Codex => &[
            ("openai", Provider::Openai),
            ("openrouter", Provider::Openrouter),
        ],
        ToolKind::Gemini => &[("google", Provider::Google)],
        ToolKind::Opencode => {
            return Err(field.err("opencode takes no provider").with_hint(
                "encode the provider in model as provider/model, e.g. model: ollama/qwen2.5",
            ));
        }
        ToolKind::Generic(name) => {
            return Err(field
                .err(format!(
                    "peers can set provider only for claude, codex and gemini, not '{name}'"
                ))
                .with_hint("set the tool's own provider options in argv"));
        }
    };
    field.choice(options)
}

#[cfg(test)]
mod tests;
