//! One adapter per agent CLI: its output parser (live usage, final usage, session id, the
//! CLI's own structured errors), the final text of a finished call ([`reply`]), a resumed
//! session's cumulative figures as per-call deltas ([`resumed`]), its read-only and resume flags
//! ([`argv`]), its default command line and what `model`/`reasoning`/`provider` become
//! ([`command`]), and how `{PROMPT}` leaves argv when the prompt goes elsewhere.
//! Formats follow the CLIs as recorded in shared/reference/agent-clis.md.

pub(crate) mod argv;
mod claude;
mod codex;
pub(crate) mod command;
mod gemini;
mod generic;
mod opencode;
#[cfg(test)]
mod properties;
pub(crate) mod reply;
pub(crate) mod resumed;

use std::ffi::OsString;

use peers_core::config::ToolKind;
use peers_process::Stream;
use serde_json::Value;

use crate::classify::StructuredError;
use crate::prices::PriceTable;
use crate::usage::Usage;

/// Parses one CLI's output as it streams, then once more at the end.
pub(crate) trait OutputParser {
    /// One complete line; returns the cumulative usage when this line changed it.
    fn line(&mut self, stream: Stream, line: &str) -> Option<Usage>;
    /// After the process is gone.
    fn finish(&mut self, end: &RunEnd<'_>) -> Parsed;
    /// Whether [`Self::finish`] reads the whole output ([`RunEnd::stdout`]/`stderr`); when
    /// not, no copy of it is made for the parser.
    fn reads_whole_output(&self) -> bool {
        false
    }
}

/// What a parser may look at once the run is over.
pub(crate) struct RunEnd<'a> {
    pub(crate) exit_code: Option<i32>,
    /// The whole stream, or `None` when its middle was dropped (or the parser said it does
    /// not read it: [`OutputParser::reads_whole_output`]).
    pub(crate) stdout: Option<&'a [u8]>,
    pub(crate) stderr: Option<&'a [u8]>,
}

/// The parser's final word.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) usage: Usage,
    pub(crate) session_id: Option<String>,
    /// A terminal API error the CLI reported in its own format.
    pub(crate) error: Option<StructuredError>,
}

/// The parser for `tool`. `argv` and `env` tell codex's parser which model runs (for its price).
pub(crate) fn parser_for(
    tool: &ToolKind,
    argv: &[String],
    env: &[(OsString, OsString)],
    prices: &PriceTable,
) -> Box<dyn OutputParser> {
    match tool {
        ToolKind::Claude => Box::new(claude::ClaudeParser::default()),
        ToolKind::Codex => Box::new(codex::CodexParser::new(
            codex::model_of(argv, env),
            prices.clone(),
        )),
        ToolKind::Opencode => Box::new(opencode::OpencodeParser::default()),
        ToolKind::Gemini => Box::new(gemini::GeminiParser::new(prices.clone())),
        ToolKind::Generic(_) => Box::new(generic::GenericParser),
    }
}

/// argv without the inline prompt, for when it travels by stdin or file. A bare `{PROMPT}`
/// argument is dropped where the CLI then reads the prompt from stdin (claude, codex,
/// opencode, generic) and replaced by `note` where the flag needs a value (gemini's `-p`,
/// whose value is appended to stdin) or when it is part of a larger argument.
pub(crate) fn without_inline_prompt(tool: &ToolKind, argv: &[String], note: &str) -> Vec<String> {
    let keep_as_note = matches!(tool, ToolKind::Gemini);
    argv.iter()
        .filter_map(|arg| {
            if arg == PROMPT && !keep_as_note {
                None
            } else {
                Some(arg.replace(PROMPT, note))
            }
        })
        .collect()
}

pub(crate) const PROMPT: &str = "{PROMPT}";
pub(crate) const PROMPT_FILE: &str = "{PROMPT_FILE}";

/// A line that is one JSON object, parsed; anything else is `None`.
pub(crate) fn json_line(line: &str) -> Option<Value> {
    let line = line.trim();
    if !line.starts_with('{') {
        return None;
    }
    serde_json::from_str(line).ok()
}

/// A string field, when present and non-empty.
pub(crate) fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// An HTTP status field (a number or a numeric string in 100..=599).
pub(crate) fn http_status(value: Option<&Value>) -> Option<u16> {
    let number = match value? {
        Value::Number(number) => number.as_u64()?,
        Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    u16::try_from(number)
        .ok()
        .filter(|status| (100..=599).contains(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(argv: &[&str]) -> Vec<String> {
        argv.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn bare_prompt_is_dropped_for_stdin_readers() {
        let argv = words(&["claude", "-p", "--verbose", "{PROMPT}"]);
        assert_eq!(
            without_inline_prompt(&ToolKind::Claude, &argv, "see stdin"),
            words(&["claude", "-p", "--verbose"])
        );
    }

    #[test]
    fn gemini_keeps_a_value_for_its_prompt_flag() {
        let argv = words(&["gemini", "-p", "{PROMPT}", "--yolo"]);
        assert_eq!(
            without_inline_prompt(&ToolKind::Gemini, &argv, "see stdin"),
            words(&["gemini", "-p", "see stdin", "--yolo"])
        );
    }

    #[test]
    fn embedded_prompt_becomes_the_note() {
        let argv = words(&["tool", "--prompt={PROMPT}"]);
        assert_eq!(
            without_inline_prompt(&ToolKind::Generic("tool".into()), &argv, "note"),
            words(&["tool", "--prompt=note"])
        );
    }

    #[test]
    fn http_status_accepts_numbers_and_numeric_strings_only() {
        assert_eq!(http_status(Some(&serde_json::json!(429))), Some(429));
        assert_eq!(http_status(Some(&serde_json::json!("401"))), Some(401));
        assert_eq!(http_status(Some(&serde_json::json!(41))), None);
        assert_eq!(http_status(Some(&serde_json::json!(null))), None);
        assert_eq!(http_status(None), None);
    }
}
