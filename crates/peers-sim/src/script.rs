//! The sim script: turns of steps, decoded from JSON with located errors.

use std::path::Path;

use serde::Deserialize;

use crate::error::SimError;

/// A whole script. See the crate docs for the format.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimScript {
    pub turns: Vec<Vec<SimStep>>,
    #[serde(default)]
    pub when_exhausted: WhenExhausted,
    /// The peers of the loop, to resolve `{other}`.
    #[serde(default)]
    pub peers: Vec<String>,
}

/// What to do once every turn has run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum WhenExhausted {
    #[default]
    #[serde(rename = "repeat-last")]
    RepeatLast,
    #[serde(rename = "exit0")]
    Exit0,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimStream {
    #[default]
    Stdout,
    Stderr,
}

impl SimStream {
    pub fn as_str(self) -> &'static str {
        match self {
            SimStream::Stdout => "stdout",
            SimStream::Stderr => "stderr",
        }
    }
}

/// The agent CLI whose usage event `emit_usage` imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Claude,
    Codex,
    Opencode,
    Gemini,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// One thing a turn does. Field defaults are in the crate docs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SimStep {
    Print {
        text: String,
        #[serde(default)]
        stream: SimStream,
        #[serde(default = "one")]
        repeat: u32,
        #[serde(default)]
        delay_ms: u64,
    },
    StderrError {
        text: String,
    },
    Sleep {
        ms: u64,
    },
    WriteFile {
        path: String,
        content: String,
    },
    AppendFile {
        path: String,
        content: String,
    },
    DeleteFile {
        path: String,
    },
    /// Replaces the first `from` in `path` with `to` (both filled); fails when `from` is absent.
    ReplaceInFile {
        path: String,
        from: String,
        to: String,
    },
    /// Replaces `path` (in the repository) with a symlink to `target` (anywhere).
    Symlink {
        path: String,
        target: String,
    },
    GitCommit {
        message: String,
        #[serde(default = "yes")]
        all: bool,
        #[serde(default)]
        allow_empty: bool,
    },
    RewriteHistory {
        reset_to: String,
    },
    Exit {
        code: i32,
    },
    Hang,
    IgnoreSigterm,
    SpawnBackground {
        command: String,
    },
    GrandchildHoldsStdout {
        seconds: u64,
    },
    Flood {
        bytes: u64,
        #[serde(default)]
        stream: SimStream,
    },
    InvalidUtf8 {
        #[serde(default)]
        stream: SimStream,
    },
    /// One review commit per soft goal the prompt requests (none when it requests none).
    SubmitReviews {
        #[serde(default = "yes")]
        pass: bool,
        notes: String,
    },
    EmitUsage {
        tool: Tool,
        input: u64,
        output: u64,
        #[serde(default)]
        cached: u64,
        #[serde(default)]
        usd: Option<f64>,
    },
}

/// Read and decode the script at `path`.
pub(crate) fn load(path: &Path) -> Result<SimScript, SimError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimError::ReadScript {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Decode `text`; `path` is only for messages. A leading `[` means the bare list of turns.
pub(crate) fn parse(text: &str, path: &Path) -> Result<SimScript, SimError> {
    let located = |error: serde_json::Error| SimError::ParseScript {
        path: path.to_path_buf(),
        line: error.line(),
        column: error.column(),
        message: error.to_string(),
    };
    let script = if text.trim_start().starts_with('[') {
        SimScript {
            turns: serde_json::from_str(text).map_err(located)?,
            when_exhausted: WhenExhausted::default(),
            peers: Vec::new(),
        }
    } else {
        serde_json::from_str::<SimScript>(text).map_err(located)?
    };
    if script.turns.is_empty() {
        return Err(SimError::EmptyScript {
            path: path.to_path_buf(),
        });
    }
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> SimScript {
        parse(text, Path::new("s.json")).unwrap()
    }

    #[test]
    fn bare_turn_list_and_defaults() {
        let script = parse_ok(r#"[[{"print": {"text": "hi"}}, "hang"]]"#);
        assert_eq!(script.when_exhausted, WhenExhausted::RepeatLast);
        assert_eq!(
            script.turns[0],
            vec![
                SimStep::Print {
                    text: "hi".into(),
                    stream: SimStream::Stdout,
                    repeat: 1,
                    delay_ms: 0
                },
                SimStep::Hang
            ]
        );
    }

    #[test]
    fn full_object_with_options() {
        let script = parse_ok(
            r#"{"when_exhausted": "exit0", "peers": ["a", "b"],
                "turns": [[{"git_commit": {"message": "m"}}, "ignore_sigterm"]]}"#,
        );
        assert_eq!(script.when_exhausted, WhenExhausted::Exit0);
        assert_eq!(script.peers, vec!["a", "b"]);
        assert_eq!(
            script.turns[0][0],
            SimStep::GitCommit {
                message: "m".into(),
                all: true,
                allow_empty: false
            }
        );
    }

    #[test]
    fn unknown_step_is_located() {
        let error = parse("{\"turns\": [[\n {\"prnt\": {}}]]}", Path::new("s.json")).unwrap_err();
        let SimError::ParseScript { line, message, .. } = error else {
            panic!("wrong error {error:?}");
        };
        assert_eq!(line, 2);
        assert!(message.contains("prnt"), "{message}");
    }

    #[test]
    fn empty_turns_are_refused() {
        let error = parse("[]", Path::new("s.json")).unwrap_err();
        assert!(matches!(error, SimError::EmptyScript { .. }));
    }
}
