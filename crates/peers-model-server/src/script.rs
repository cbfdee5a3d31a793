//! What the server answers: a [`Script`] of agent steps (the CLI's own file-write and shell
//! tools, then a final text), the token counts every response reports, an optional scripted
//! API failure, and an optional [`Responder`] for answers that depend on the prompt.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Which wire API a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Api {
    /// OpenAI Responses, `POST …/responses` (codex).
    Responses,
    /// OpenAI Chat Completions, `POST …/chat/completions` (opencode).
    ChatCompletions,
    /// Anthropic Messages, `POST /v1/messages` (claude).
    Messages,
    /// Gemini `:streamGenerateContent` / `:generateContent` (gemini).
    Gemini,
}

/// Token counts ONE response reports, as disjoint numbers (the way peers records them).
/// Each wire encodes them in its own overlapping fields: OpenAI and Gemini count cached
/// tokens inside the prompt, OpenAI counts reasoning inside output, and only Anthropic has
/// cache writes (elsewhere they are sent as plain input). The total is the same on every wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenUsage {
    pub input: u64,
    pub cached: u64,
    pub cache_write: u64,
    pub output: u64,
    pub reasoning: u64,
}

impl Default for TokenUsage {
    /// Recognisable numbers, all different, so a swapped field shows in a failed assertion.
    fn default() -> Self {
        Self {
            input: 1111,
            cached: 222,
            cache_write: 333,
            output: 44,
            reasoning: 5,
        }
    }
}

impl TokenUsage {
    pub fn total(&self) -> u64 {
        self.input + self.cached + self.cache_write + self.output + self.reasoning
    }

    /// Everything billed as prompt on wires without a cache-write field.
    pub(crate) fn prompt_with_cache(&self) -> u64 {
        self.input + self.cached + self.cache_write
    }
}

/// One agent action; the server answers the n-th agent request of a conversation with the
/// n-th step, counting the tool results already in the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptStep {
    /// Write `content` to `path` (absolute) with the CLI's own file tool (codex: apply_patch
    /// when offered, else its shell tool with a here-document).
    WriteFile { path: String, content: String },
    /// Run `command` with the CLI's own shell tool.
    Shell { command: String },
    /// Answer with text; this ends the agent's turn.
    Text { text: String },
}

/// A scripted API failure, sent in the API's own error shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// 401: bad API key.
    Unauthorized,
    /// 429: rate limited.
    RateLimited,
    /// 529: overloaded.
    Overloaded,
}

impl Failure {
    pub fn status(self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::RateLimited => 429,
            Self::Overloaded => 529,
        }
    }
}

/// What a responder sees of one agent request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub api: Api,
    /// Tool results already in the conversation.
    pub tool_results: usize,
    /// Names of the tools the CLI offered.
    pub tools: Vec<String>,
    /// The text of the latest user message that has text.
    pub prompt: String,
}

/// Chooses the answer to an agent request from what it asks; `None` falls back to the steps.
pub type Responder = Arc<dyn Fn(&Exchange) -> Option<ScriptStep> + Send + Sync>;

/// Everything the server answers.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Script {
    pub steps: Vec<ScriptStep>,
    /// The text after the last step (and the answer to requests without tools).
    pub final_text: String,
    pub usage: TokenUsage,
    /// When set, every request is answered with this error.
    pub failure: Option<Failure>,
    #[serde(skip)]
    pub responder: Option<Responder>,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            steps: Vec::new(),
            final_text: "MOCK_FINAL: done.".to_owned(),
            usage: TokenUsage::default(),
            failure: None,
            responder: None,
        }
    }
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("steps", &self.steps)
            .field("final_text", &self.final_text)
            .field("usage", &self.usage)
            .field("failure", &self.failure)
            .field("responder", &self.responder.is_some())
            .finish()
    }
}

impl Script {
    /// The steps, then `final_text`.
    pub fn steps(steps: Vec<ScriptStep>) -> Self {
        Self {
            steps,
            ..Self::default()
        }
    }

    /// Every request fails with `failure`.
    pub fn failing(failure: Failure) -> Self {
        Self {
            failure: Some(failure),
            ..Self::default()
        }
    }

    /// Answers agent requests with `responder` first.
    pub fn with_responder(
        mut self,
        responder: impl Fn(&Exchange) -> Option<ScriptStep> + Send + Sync + 'static,
    ) -> Self {
        self.responder = Some(Arc::new(responder));
        self
    }

    /// The step for `exchange`.
    pub(crate) fn next_step(&self, exchange: &Exchange) -> ScriptStep {
        if let Some(step) = self.responder.as_ref().and_then(|answer| answer(exchange)) {
            return step;
        }
        self.steps
            .get(exchange.tool_results)
            .cloned()
            .unwrap_or_else(|| ScriptStep::Text {
                text: self.final_text.clone(),
            })
    }
}

/// A shell command that writes `content` to `path` (for CLIs whose file tool is not offered).
pub(crate) fn heredoc_write(path: &str, content: &str) -> String {
    let mut body = content.to_owned();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    format!(
        "cat > '{}' <<'PEERS_MOCK_EOF'\n{body}PEERS_MOCK_EOF",
        path.replace('\'', r"'\''")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(tool_results: usize, prompt: &str) -> Exchange {
        Exchange {
            api: Api::Messages,
            tool_results,
            tools: vec!["Bash".to_owned()],
            prompt: prompt.to_owned(),
        }
    }

    #[test]
    fn steps_follow_the_tool_results_then_the_final_text() {
        let script = Script::steps(vec![ScriptStep::Shell {
            command: "true".to_owned(),
        }]);
        assert!(matches!(
            script.next_step(&exchange(0, "")),
            ScriptStep::Shell { .. }
        ));
        assert_eq!(
            script.next_step(&exchange(1, "")),
            ScriptStep::Text {
                text: "MOCK_FINAL: done.".to_owned()
            }
        );
    }

    #[test]
    fn a_responder_overrides_the_steps_only_when_it_answers() {
        let script = Script::default().with_responder(|exchange| {
            exchange
                .prompt
                .contains("review")
                .then(|| ScriptStep::Text {
                    text: "reviewed".to_owned(),
                })
        });
        assert_eq!(
            script.next_step(&exchange(0, "please review")),
            ScriptStep::Text {
                text: "reviewed".to_owned()
            }
        );
        assert_eq!(
            script.next_step(&exchange(0, "other")),
            ScriptStep::Text {
                text: "MOCK_FINAL: done.".to_owned()
            }
        );
    }

    #[test]
    fn usage_total_counts_every_field_once() {
        assert_eq!(TokenUsage::default().total(), 1111 + 222 + 333 + 44 + 5);
    }

    #[test]
    fn heredoc_quotes_the_path_and_ends_the_content_with_a_newline() {
        assert_eq!(
            heredoc_write("/tmp/it's.txt", "x"),
            "cat > '/tmp/it'\\''s.txt' <<'PEERS_MOCK_EOF'\nx\nPEERS_MOCK_EOF"
        );
    }
}
