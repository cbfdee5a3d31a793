//! Codex CLI (`codex exec --json`): usage from `turn.completed.usage` summed over turns, the
//! session from `thread.started`, errors from `turn.failed` and `error` events. Codex reports
//! no cost, so USD comes from the price table for the model named in argv or config.toml.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use peers_process::Stream;
use serde_json::Value;

use super::{OutputParser, Parsed, RunEnd, json_line, text};
use crate::classify::StructuredError;
use crate::prices::PriceTable;
use crate::usage::{Usage, count};

/// The command peers runs for a codex peer without `argv` (see `command::default_argv`).
pub(super) const DEFAULT_ARGV: &[&str] = &[
    "codex",
    "exec",
    "--json",
    "--skip-git-repo-check",
    "--dangerously-bypass-approvals-and-sandbox",
    "{PROMPT}",
];

/// How a read-only call is enforced, for the review report.
pub(super) const READ_ONLY_LABEL: &str = "codex --sandbox read-only";

/// argv without the sandbox bypass or a configured sandbox, with `--sandbox read-only`
/// right after `exec`.
pub(super) fn read_only(argv: Vec<String>) -> Vec<String> {
    let mut argv = super::argv::without(
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
    argv
}

/// `exec … resume <id> <prompt>`: the subcommand goes right before the prompt argument.
pub(super) fn resume(argv: &mut Vec<String>, id: &str) {
    let at = argv
        .iter()
        .position(|a| a.contains("{PROMPT"))
        .unwrap_or(argv.len());
    argv.splice(at..at, ["resume".to_owned(), id.to_owned()]);
}

pub(crate) struct CodexParser {
    model: Option<String>,
    prices: PriceTable,
    usage: Usage,
    session_id: Option<String>,
    /// `turn.failed`: the turn is over and failed.
    failed: Option<String>,
    /// The last `error` event; codex also emits these for retries that later succeed, so it
    /// only counts when the process fails.
    last_error: Option<String>,
}

impl CodexParser {
    pub(crate) fn new(model: Option<String>, prices: PriceTable) -> Self {
        Self {
            model,
            prices,
            usage: Usage::default(),
            session_id: None,
            failed: None,
            last_error: None,
        }
    }

    fn priced(&self) -> Usage {
        let mut usage = self.usage;
        usage.usd = self
            .model
            .as_deref()
            .and_then(|model| self.prices.cost(model, &usage));
        usage
    }
}

impl OutputParser for CodexParser {
    fn line(&mut self, stream: Stream, line: &str) -> Option<Usage> {
        if stream != Stream::Stdout {
            return None;
        }
        let event = json_line(line)?;
        match event.get("type").and_then(Value::as_str)? {
            "thread.started" => self.session_id = text(&event, "thread_id"),
            "turn.completed" => {
                self.usage.add_tokens(&tokens(event.get("usage")?));
                return Some(self.priced());
            }
            "turn.failed" => {
                self.failed = event.get("error").and_then(|error| text(error, "message"));
                self.failed.get_or_insert_with(|| "turn failed".to_owned());
            }
            "error" => self.last_error = text(&event, "message"),
            _ => {}
        }
        None
    }

    fn finish(&mut self, end: &RunEnd<'_>) -> Parsed {
        let message = self
            .failed
            .clone()
            .or_else(|| self.last_error.clone().filter(|_| end.exit_code != Some(0)));
        Parsed {
            usage: self.priced(),
            session_id: self.session_id.clone(),
            error: message.map(|message| StructuredError {
                tool: "codex",
                status: status_in(&message),
                kind: None,
                message,
            }),
        }
    }
}

/// OpenAI counts overlap: input includes cached, output includes reasoning.
fn tokens(usage: &Value) -> Usage {
    let cached = count(usage, "cached_input_tokens");
    let reasoning = count(usage, "reasoning_output_tokens");
    Usage {
        input: count(usage, "input_tokens").saturating_sub(cached),
        cached,
        // Reported apart from input (Anthropic-style providers); 0 with OpenAI.
        cache_write: count(usage, "cache_write_input_tokens"),
        output: count(usage, "output_tokens").saturating_sub(reasoning),
        reasoning,
        usd: None,
    }
}

/// The status in "unexpected status 401 Unauthorized" or "last status: 429 Too Many Requests".
fn status_in(message: &str) -> Option<u16> {
    let (_, after) = message.split_once("status")?;
    let digits: String = after
        .trim_start_matches([':', ' '])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .ok()
        .filter(|status| (100..=599).contains(status))
}

/// The model codex runs: `-m`/`--model`, `-c model=…`, else `model =` in config.toml.
pub(crate) fn model_of(argv: &[String], env: &[(OsString, OsString)]) -> Option<String> {
    from_argv(argv).or_else(|| from_config(env))
}

fn from_argv(argv: &[String]) -> Option<String> {
    let unquote = |value: &str| value.trim().trim_matches(['"', '\'']).to_owned();
    let mut words = argv.iter();
    while let Some(arg) = words.next() {
        if arg == "-m" || arg == "--model" {
            return words.next().map(|model| unquote(model));
        }
        if let Some(model) = arg.strip_prefix("--model=") {
            return Some(unquote(model));
        }
        let setting = if arg == "-c" || arg == "--config" {
            words.next().map(String::as_str)
        } else {
            arg.strip_prefix("--config=")
        };
        if let Some((key, value)) = setting.and_then(|setting| setting.split_once('='))
            && key.trim() == "model"
        {
            return Some(unquote(value));
        }
    }
    None
}

fn from_config(env: &[(OsString, OsString)]) -> Option<String> {
    let var = |name: &str| {
        env.iter()
            .rev()
            .find(|(key, _)| key == OsStr::new(name))
            .map(|(_, value)| PathBuf::from(value))
    };
    let home = var("CODEX_HOME").or_else(|| var("HOME").map(|home| home.join(".codex")))?;
    let config = std::fs::read_to_string(home.join("config.toml")).ok()?;
    // Top-level keys only: stop at the first [table].
    config
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| line.split_once('='))
        .find(|(key, _)| key.trim() == "model")
        .map(|(_, value)| {
            let value = value.split('#').next().unwrap_or_default();
            value.trim().trim_matches(['"', '\'']).to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_read_from_codex_messages() {
        assert_eq!(
            status_in("unexpected status 401 Unauthorized: bad key"),
            Some(401)
        );
        assert_eq!(
            status_in("exceeded retry limit, last status: 429 Too Many Requests"),
            Some(429)
        );
        assert_eq!(status_in("stream disconnected"), None);
    }

    #[test]
    fn model_comes_from_any_argv_spelling() {
        let argv = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            from_argv(&argv(&["codex", "exec", "-m", "gpt-5"])),
            Some("gpt-5".into())
        );
        assert_eq!(
            from_argv(&argv(&["codex", "--model=o3"])),
            Some("o3".into())
        );
        assert_eq!(
            from_argv(&argv(&["codex", "-c", "model=\"gpt-5-codex\""])),
            Some("gpt-5-codex".into())
        );
        assert_eq!(
            from_argv(&argv(&["codex", "-c", "model_reasoning_effort=\"high\""])),
            None
        );
    }

    #[test]
    fn model_comes_from_config_toml_top_level() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join("config.toml"),
            "model = \"gpt-5\" # default\n[profiles.x]\nmodel = \"o3\"\n",
        )
        .unwrap();
        let env = vec![(
            OsString::from("CODEX_HOME"),
            home.path().as_os_str().to_owned(),
        )];
        assert_eq!(from_config(&env), Some("gpt-5".into()));
    }
}
