//! The four real CLIs as the tests drive them: the model each peer pins (for a checkable
//! price), the spend that scripted usage must add up to, and the settings that point each CLI
//! at the local server only (isolated homes, retries turned down, no telemetry or updates).

use peers_model_server::{Api, TokenUsage};

/// One of the four real CLIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cli {
    Codex,
    Claude,
    Opencode,
    Gemini,
}

impl Cli {
    pub fn name(self) -> &'static str {
        match self {
            Self::Codex => "codex",
            Self::Claude => "claude",
            Self::Opencode => "opencode",
            Self::Gemini => "gemini",
        }
    }

    pub fn api(self) -> Api {
        match self {
            Self::Codex => Api::Responses,
            Self::Claude => Api::Messages,
            Self::Opencode => Api::ChatCompletions,
            Self::Gemini => Api::Gemini,
        }
    }

    /// The `model:` of the peer: one with a known price, so the cost is checkable (opencode's
    /// model and prices come from its own config).
    pub fn model(self) -> Option<&'static str> {
        match self {
            Self::Codex => Some("gpt-5"),
            Self::Claude => Some("claude-sonnet-4-5"),
            Self::Opencode => None,
            Self::Gemini => Some("gemini-2.5-flash"),
        }
    }

    /// USD per million tokens (input, cached, cache write, output incl. reasoning) of
    /// `model()`: claude's and opencode's own tables (Anthropic's list price; the `cost` block
    /// written below), peers' built-in table for codex and gemini.
    pub fn prices(self) -> [f64; 4] {
        match self {
            Self::Codex => [1.25, 0.125, 1.25, 10.0],
            Self::Claude | Self::Opencode => [3.0, 0.3, 3.75, 15.0],
            Self::Gemini => [0.3, 0.03, 0.3, 2.5],
        }
    }
}

impl Cli {
    /// What `requests` agent requests, each reporting `usage`, add up to in runs.jsonl:
    /// (tokens, USD). Only Anthropic's wire has cache writes; the others carry them as input.
    pub fn expected_spend(self, usage: &TokenUsage, requests: u64) -> (u64, f64) {
        spend(usage, requests, self.prices(), self == Self::Claude)
    }
}

/// Tokens and USD of `requests` responses of `usage` at `prices` (per million: input, cached,
/// cache write, output with reasoning).
pub fn spend(
    usage: &TokenUsage,
    requests: u64,
    prices: [f64; 4],
    cache_write_apart: bool,
) -> (u64, f64) {
    let [input, cached, cache_write, output] = prices;
    let (fresh, written) = if cache_write_apart {
        (usage.input, usage.cache_write)
    } else {
        (usage.input + usage.cache_write, 0)
    };
    let per_request = fresh as f64 * input
        + usage.cached as f64 * cached
        + written as f64 * cache_write
        + (usage.output + usage.reasoning) as f64 * output;
    (
        usage.total() * requests,
        per_request * requests as f64 / 1e6,
    )
}

/// Variables with fixed values: no telemetry, no updates, few retries, root allowed.
pub const FIXED_ENV: &[(&str, &str)] = &[
    ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
    ("CLAUDE_CODE_MAX_RETRIES", "1"),
    ("DISABLE_AUTOUPDATER", "1"),
    ("DISABLE_TELEMETRY", "1"),
    ("DISABLE_ERROR_REPORTING", "1"),
    // claude refuses --dangerously-skip-permissions as root without it.
    ("IS_SANDBOX", "1"),
    ("OPENCODE_DISABLE_AUTOUPDATE", "1"),
    ("OPENCODE_DISABLE_MODELS_FETCH", "1"),
    ("OPENCODE_DISABLE_LSP_DOWNLOAD", "1"),
    ("OPENCODE_DISABLE_DEFAULT_PLUGINS", "1"),
    ("OPENCODE_DISABLE_SHARE", "1"),
    ("GEMINI_CLI_TRUST_WORKSPACE", "true"),
];

/// codex: the mock provider, one retry, no plugin/app lookups (they resolve outside hosts).
pub const CODEX_CONFIG: &str = r#"model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[analytics]
enabled = false
[feedback]
enabled = false

[model_providers.mock]
name = "mock"
base_url = "{URL}/v1"
wire_api = "responses"
env_key = "OPENAI_API_KEY"
request_max_retries = 1
stream_max_retries = 1

[features]
plugins = false
apps = false
"#;

/// opencode: the mock provider with prices, so opencode reports a cost.
pub const OPENCODE_CONFIG: &str = r#"{
  "model": "mock/mock-model", "small_model": "mock/mock-model",
  "autoupdate": false, "share": "disabled",
  "permission": {"edit": "allow", "bash": "allow", "webfetch": "allow"},
  "provider": {"mock": {
    "npm": "@ai-sdk/openai-compatible", "name": "Mock",
    "options": {"baseURL": "{URL}/v1", "apiKey": "dummy-key"},
    "models": {"mock-model": {"name": "Mock Model", "tool_call": true,
      "limit": {"context": 200000, "output": 8192},
      "cost": {"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75}}}}}
}
"#;

/// gemini: API-key auth (not "gateway"), no telemetry or updates, and ONE attempt per request:
/// its default is 10 attempts with 5–30 s backoff, about 5 minutes per 429 or 529.
pub const GEMINI_SETTINGS: &str = r#"{"privacy": {"usageStatisticsEnabled": false}, "telemetry": {"enabled": false},
 "general": {"disableAutoUpdate": true, "disableUpdateNag": true, "maxAttempts": 1},
 "security": {"folderTrust": {"enabled": false}, "auth": {"selectedType": "gemini-api-key"}}}
"#;
