//! What a call's command line becomes when it must not write (a review) or continues a session:
//! the dispatch to each CLI's own flags (in its adapter file) and the option remover they share.

use peers_core::config::ToolKind;

use super::{claude, codex, gemini, opencode};

/// `argv` with the tool's write permissions taken away where the CLI allows.
pub(crate) fn read_only(tool: &ToolKind, argv: Vec<String>) -> Vec<String> {
    match tool {
        ToolKind::Claude => claude::read_only(argv),
        ToolKind::Codex => codex::read_only(argv),
        ToolKind::Gemini => gemini::read_only(argv),
        ToolKind::Opencode | ToolKind::Generic(_) => argv,
    }
}

/// How [`read_only`] is enforced for `tool`, in words for the review report.
pub fn read_only_label(tool: &ToolKind) -> String {
    match tool {
        ToolKind::Claude => claude::read_only_label(),
        ToolKind::Codex => codex::READ_ONLY_LABEL.to_owned(),
        ToolKind::Gemini => gemini::READ_ONLY_LABEL.to_owned(),
        ToolKind::Opencode => opencode::READ_ONLY_LABEL.to_owned(),
        ToolKind::Generic(name) => format!("as configured ({name} is run unchanged)"),
    }
}

/// True when the CLI can continue an earlier session (claude and codex).
pub fn resumes_sessions(tool: &ToolKind) -> bool {
    matches!(tool, ToolKind::Claude | ToolKind::Codex)
}

/// Adds the flags that continue session `id`; nothing for a CLI that cannot.
pub(crate) fn resume(tool: &ToolKind, argv: &mut Vec<String>, id: &str) {
    match tool {
        ToolKind::Claude => claude::resume(argv, id),
        ToolKind::Codex => codex::resume(argv, id),
        _ => {}
    }
}

/// `argv` without the `switches` and without the `valued` options (and their values, in
/// either `--opt value` or `--opt=value` form).
pub(super) fn without(argv: Vec<String>, switches: &[&str], valued: &[&str]) -> Vec<String> {
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
