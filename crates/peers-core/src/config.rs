//! Resolved settings of `.peers/config.yaml`: every value after defaults are applied.
//! Decoding from YAML lives in `config_decode`; this module owns only the shapes and defaults.

use crate::location::Span;

/// Everything `.peers/config.yaml` says, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigSettings {
    /// Ordered peers; the order is the turn order. Always at least two.
    pub peers: Vec<PeerSettings>,
    pub budget: BudgetSettings,
    pub health: HealthSettings,
    pub goals: GoalRunSettings,
    pub turns: TurnSettings,
    pub verify: VerifySettings,
    pub gates: GateSettings,
    /// `prices:` — per-model prices that override or extend the built-in table used for the
    /// CLIs that report no cost (codex, gemini). In file order.
    pub prices: Vec<ModelPriceSettings>,
    /// `driver:` — who starts the agents: peers itself (`peers run`), the user's interactive
    /// sessions through their Stop hooks, or interactive sessions in tmux.
    pub driver: DriverKind,
    /// `comm:` — how peers talk to each other: commits only, or commits plus message files.
    pub comm: CommKind,
    /// `sandbox:` — how confined agents reach the network.
    pub sandbox: SandboxSettings,
    /// `soft_gates:` — the opt-in soft gates (mutation sampling, confidence calibration, the
    /// second-model honesty audit); all off unless listed.
    pub soft_gates: crate::soft_gates::SoftGateSettings,
    /// `implement:` — opt-ins of the implement mode (the architecture checkpoint).
    pub implement: crate::soft_gates::ImplementSettings,
    /// Keys accepted for compatibility with the original tool that peers does not act on, and
    /// other things the user should know about the file (e.g. the legacy `tools:` map was
    /// promoted). Shown by `peers info` and at run start, so nothing is silently inert.
    pub notices: Vec<ConfigNotice>,
}

/// `driver:` in config.yaml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DriverKind {
    /// `peers run` starts each peer headless, one turn at a time.
    #[default]
    Orchestrator,
    /// The user works in the agents' own interactive sessions; each agent's Stop hook runs
    /// `peers tick --after <peer>`, which judges the turn and hands it on. peers never starts
    /// an agent.
    Hooks,
    /// `peers tmux up` opens one interactive session per peer; peers never starts an agent.
    Sessions,
}

impl DriverKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Orchestrator => "orchestrator",
            Self::Hooks => "hooks",
            Self::Sessions => "sessions",
        }
    }
}

/// `comm:` in config.yaml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CommKind {
    /// Peers talk through commits (trailers, the inbox of other peers' commits).
    #[default]
    Git,
    /// Commits, plus message files under `.peers/comms/<from>-to-<to>/` shown in the
    /// addressee's next prompt.
    Hybrid,
}

/// A non-fatal remark about the configuration, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigNotice {
    pub key: String,
    pub span: Span,
    pub message: String,
}

/// One peer as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerSettings {
    /// `^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`, unique, not reserved.
    pub name: String,
    pub tool: ToolKind,
    /// The command line as written by the user (may contain `{PROMPT}` or `{PROMPT_FILE}`);
    /// `None` runs the tool's default command line, which its adapter in peers-agent owns
    /// (`peers_agent::default_argv`). Only the four known tools may leave it out.
    pub argv: Option<Vec<String>>,
    pub prompt_mode: PromptMode,
    pub role: PeerRole,
    pub model: Option<String>,
    pub reasoning: Option<String>,
    pub provider: Option<Provider>,
    /// Extra variables from peers' own environment passed to this peer by name (`env:`), on
    /// top of the built-in allowlist; each must be set when a run starts.
    pub env: Vec<String>,
    /// Where this peer's entry starts in config.yaml.
    pub span: Span,
}

/// Which agent CLI a peer is; decides argv translation and output parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolKind {
    Claude,
    Codex,
    Opencode,
    Gemini,
    /// Any other command: argv is used as written.
    Generic(String),
}

impl ToolKind {
    pub fn from_name(name: &str) -> Self {
        match name {
            "claude" => Self::Claude,
            "codex" => Self::Codex,
            "opencode" => Self::Opencode,
            "gemini" => Self::Gemini,
            other => Self::Generic(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Claude => "claude",
            Self::Codex => "codex",
            Self::Opencode => "opencode",
            Self::Gemini => "gemini",
            Self::Generic(name) => name,
        }
    }
}

/// How the prompt reaches the peer process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptMode {
    /// Written to the child's stdin, which is then closed.
    Stdin,
    /// Substituted for `{PROMPT}` inside argv elements. Prompts too large for one argv element
    /// fall back to stdin or a file rather than failing with E2BIG.
    ArgvSubstitute,
    /// Written to a private file whose path replaces `{PROMPT_FILE}` in argv.
    File,
}

impl PromptMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdin => "stdin",
            Self::ArgvSubstitute => "argv-substitute",
            Self::File => "file",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerRole {
    Default,
    /// Only scheduled while no other eligible peer exists.
    Recovery,
    Witness,
    Debater,
}

impl PeerRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Recovery => "recovery",
            Self::Witness => "witness",
            Self::Debater => "debater",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Anthropic,
    Openai,
    Openrouter,
    Google,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anthropic => "anthropic",
            Self::Openai => "openai",
            Self::Openrouter => "openrouter",
            Self::Google => "google",
        }
    }
}

/// Caps for one run. `None` means no cap.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetSettings {
    pub max_iterations: u64,
    /// Wall-clock seconds of the whole run (not only peer time).
    pub max_runtime_s: u64,
    pub max_consecutive_failures: u32,
    pub max_tokens: Option<u64>,
    pub max_usd: Option<f64>,
    pub max_usd_mode: MaxUsdMode,
}

impl Default for BudgetSettings {
    fn default() -> Self {
        Self {
            max_iterations: 200,
            max_runtime_s: 21_600,
            max_consecutive_failures: 5,
            max_tokens: None,
            max_usd: None,
            max_usd_mode: MaxUsdMode::Auto,
        }
    }
}

/// How the USD cap is enforced; the same type in config.yaml and in state.json.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MaxUsdMode {
    /// Decide from each peer's billing: any API-key peer → hard, else warn.
    #[default]
    Auto,
    Hard,
    Warn,
    Off,
}

impl MaxUsdMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Hard => "hard",
            Self::Warn => "warn",
            Self::Off => "off",
        }
    }
}

/// Supervision of peer processes.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthSettings {
    /// No output on either stream for this long → idle-timeout.
    pub idle_timeout_s: u64,
    /// Hard ceiling on one peer invocation.
    pub absolute_max_runtime_s: u64,
    /// Between SIGTERM to the process group and SIGKILL.
    pub grace_s: u64,
    /// Bytes kept per stream (head and tail halves); the rest is counted and dropped.
    pub buf_cap_bytes: u64,
    /// Regexes (validated at load) that mark a tick as an api-error.
    pub error_patterns: Vec<String>,
    /// Regexes that mark a peer unavailable and stop using it.
    pub halt_patterns: Vec<String>,
}

pub const DEFAULT_ERROR_PATTERNS: &[&str] = &[
    r"(?i)^(ERROR|FATAL)\b.*\brate[ _-]?limit",
    r"(?i)^(ERROR|FATAL)\b.*\bAPI error\b.*\b5\d\d\b",
    r"(?i)^Error:\s*rate[_ -]?limit",
];

pub const DEFAULT_HALT_PATTERNS: &[&str] = &[
    r"(?i)^(ERROR|FATAL)\b.*\bauthentication (failed|error)",
    r"(?i)^Error:\s*authentication",
    r"(?i)^(ERROR|FATAL)\b.*\b(invalid|missing|expired) api key",
    r"(?i)^(ERROR|FATAL)\b.*\bquota exhausted",
    r"(?i)^(ERROR|FATAL)\b.*\busage limit (reached|exceeded|exhausted)",
    r"(?i)^(ERROR|FATAL)\b.*\bhit your usage limit",
];

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            idle_timeout_s: 900,
            absolute_max_runtime_s: 7_200,
            grace_s: 5,
            buf_cap_bytes: 2 * 1024 * 1024,
            error_patterns: DEFAULT_ERROR_PATTERNS
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
            halt_patterns: DEFAULT_HALT_PATTERNS
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        }
    }
}

/// How goals are evaluated and when a run counts as converged or stuck.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalRunSettings {
    /// Default per-gate timeout.
    pub timeout_s: u64,
    /// Gates run at once; `None` = the number of cores.
    pub concurrency: Option<usize>,
    /// Consecutive clean ticks needed before the skeptic tick.
    pub convergence_n: u32,
    /// A watched gate red for this many consecutive evaluations stops the run `stuck:<gate>`.
    pub stuck_halt_after: u32,
    pub stuck_halt_gates: Vec<String>,
    /// Whether every soft goal must have reached consensus for convergence.
    pub soft_consensus_required: bool,
    /// MiB kept of each output stream of a gate command (its head and tail); a `pass_when`
    /// result that could depend on the dropped middle fails closed.
    pub output_cap_mib: u64,
}

/// Largest `goals.output_cap_mib`: a gate's output is held in memory, twice per stream.
pub const MAX_OUTPUT_CAP_MIB: u64 = 256;

impl Default for GoalRunSettings {
    fn default() -> Self {
        Self {
            timeout_s: 120,
            concurrency: None,
            convergence_n: 3,
            stuck_halt_after: 5,
            stuck_halt_gates: vec!["tests-pass".to_owned(), "no-prior-regression".to_owned()],
            soft_consensus_required: true,
            output_cap_mib: 2,
        }
    }
}

/// Scheduling rules for failing and degraded peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnSettings {
    /// Extra consecutive attempts a failing peer gets before the turn rotates.
    pub max_retries: u32,
    /// A degraded peer gets one recovery turn every this many iterations.
    pub recovery_interval: u64,
}

impl Default for TurnSettings {
    fn default() -> Self {
        Self {
            max_retries: 1,
            recovery_interval: 8,
        }
    }
}

/// `sandbox:` — the egress allow-list of confined agents and the caps on its tunnels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxSettings {
    /// `allow_hosts:` — host names (`registry.npmjs.org`) or `*.suffix` patterns the sandbox's
    /// egress proxy tunnels to on port 443; nothing else is reachable. The model APIs are not
    /// listed here: they are reached through peers' credential proxies.
    pub allow_hosts: Vec<String>,
    /// `egress_max_mib:` — MiB one egress tunnel may carry (both ways); it is cut beyond.
    pub egress_max_mib: u64,
    /// `egress_max_seconds:` — how long one egress tunnel may stay open; it is cut then.
    pub egress_max_seconds: u64,
    /// `egress_max_connections:` — egress tunnels one agent turn may have open at once.
    pub egress_max_connections: u64,
}

impl SandboxSettings {
    /// Largest `egress_max_mib` (1 TiB).
    pub const MAX_EGRESS_MIB: u64 = 1024 * 1024;
    /// Largest `egress_max_seconds` (a day).
    pub const MAX_EGRESS_SECONDS: u64 = 24 * 60 * 60;
    /// Largest `egress_max_connections`.
    pub const MAX_EGRESS_CONNECTIONS: u64 = 1024;
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            allow_hosts: Vec::new(),
            egress_max_mib: 1024,
            egress_max_seconds: 30 * 60,
            egress_max_connections: 32,
        }
    }
}

/// `peers verify` extras.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifySettings {
    /// Overrides `goals.timeout_s` for hard gates during `peers verify`.
    pub timeout_s: Option<u64>,
    pub commands: Vec<VerifyCommand>,
}

/// `gates:` — what hard gates see besides the judged commit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GateSettings {
    /// `outside_git:` directories the project keeps out of git on purpose (a virtualenv,
    /// `node_modules`), relative to the repository root and normalised (no `.`, no trailing
    /// `/`). Gates run in a scratch checkout of the commit; these are the only paths of the
    /// live tree they can see, and they must not change them.
    pub outside_git: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyCommand {
    pub name: String,
    pub cmd: String,
    pub timeout_s: Option<u64>,
}

/// One model's prices from `prices:`, in US dollars per million tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPriceSettings {
    /// The model id as written (matched like the built-in table: case, `provider/` prefix
    /// and date suffix ignored).
    pub model: String,
    pub input_per_mtok: f64,
    /// Input read from the prompt cache; defaults to `input_per_mtok`.
    pub cached_per_mtok: f64,
    /// Input written to the prompt cache; defaults to `input_per_mtok`.
    pub cache_write_per_mtok: f64,
    pub output_per_mtok: f64,
    /// Reasoning tokens; defaults to `output_per_mtok` (how the vendors bill them).
    pub reasoning_per_mtok: f64,
    /// Where the model's entry is in config.yaml.
    pub span: Span,
}

/// Names no peer may take: they collide with files or identities peers itself uses.
pub const RESERVED_PEER_NAMES: &[&str] = &[
    "peers",
    "peers-substrate",
    "peers-init",
    "archive",
    "comms",
    "log",
    "logs",
    "checks",
    "hooks",
    "queue",
];
