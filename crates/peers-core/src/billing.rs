//! Deciding how `max_usd` is enforced: a hard stop only makes sense when a peer is billed per
//! token through an API key; subscription logins report API-equivalent prices the user never pays.

use crate::config::{MaxUsdMode, PeerSettings, Provider, ToolKind};

/// How one peer is billed, as far as can be told from its environment and credential files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Billing {
    /// Billed per token: an API key (or OpenRouter).
    ApiKey,
    /// A flat subscription login (OAuth).
    Subscription,
    Unknown,
}

/// What the caller observed on this machine for one peer's tool. Gathered by the CLI (I/O),
/// judged here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingFacts {
    /// The tool's API-key variable is set and non-empty (ANTHROPIC_API_KEY, OPENAI_API_KEY,
    /// GEMINI_API_KEY / GOOGLE_API_KEY).
    pub api_key_env: bool,
    /// The tool's subscription credential file exists (claude `~/.claude/.credentials.json`,
    /// codex `~/.codex/auth.json` with a chatgpt/oauth auth_mode).
    pub subscription_login: bool,
    /// codex `~/.codex/auth.json` says it holds an API key.
    pub api_key_login: bool,
}

pub fn peer_billing(peer: &PeerSettings, facts: &BillingFacts) -> Billing {
    if peer.provider == Some(Provider::Openrouter) {
        return Billing::ApiKey;
    }
    match peer.tool {
        ToolKind::Claude | ToolKind::Codex | ToolKind::Gemini => {
            if facts.api_key_env || facts.api_key_login {
                Billing::ApiKey
            } else if facts.subscription_login {
                Billing::Subscription
            } else {
                Billing::Unknown
            }
        }
        // opencode may be local (free), hosted (subscription) or bring-your-own-key: the tool
        // name cannot tell, so it stays unknown (warn) unless provider says openrouter.
        ToolKind::Opencode | ToolKind::Generic(_) => Billing::Unknown,
    }
}

/// The enforced mode and a one-line reason for `peers info` and the run log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolvedUsdMode {
    pub mode: MaxUsdMode,
    pub reason: String,
}

/// `auto` becomes hard when any peer bills an API key, else warn; explicit modes pass through.
pub fn resolve_usd_mode(configured: MaxUsdMode, peers: &[(String, Billing)]) -> ResolvedUsdMode {
    if configured != MaxUsdMode::Auto {
        return ResolvedUsdMode {
            mode: configured,
            reason: "set in config".to_owned(),
        };
    }
    let api: Vec<&str> = peers
        .iter()
        .filter(|(_, b)| *b == Billing::ApiKey)
        .map(|(n, _)| n.as_str())
        .collect();
    if !api.is_empty() {
        return ResolvedUsdMode {
            mode: MaxUsdMode::Hard,
            reason: format!("auto: API-key billing for {}", api.join(", ")),
        };
    }
    if peers.iter().all(|(_, b)| *b == Billing::Subscription) {
        return ResolvedUsdMode {
            mode: MaxUsdMode::Warn,
            reason: "auto: all peers use a subscription login".to_owned(),
        };
    }
    let unknown: Vec<&str> = peers
        .iter()
        .filter(|(_, b)| *b == Billing::Unknown)
        .map(|(n, _)| n.as_str())
        .collect();
    ResolvedUsdMode {
        mode: MaxUsdMode::Warn,
        reason: format!(
            "auto: billing unknown for {} (set max_usd_mode: hard to enforce the cap)",
            unknown.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(api: bool, sub: bool) -> BillingFacts {
        BillingFacts {
            api_key_env: api,
            subscription_login: sub,
            api_key_login: false,
        }
    }

    #[test]
    fn explicit_mode_passes_through() {
        let r = resolve_usd_mode(MaxUsdMode::Off, &[("a".into(), Billing::ApiKey)]);
        assert_eq!(r.mode, MaxUsdMode::Off);
    }

    #[test]
    fn any_api_key_peer_makes_auto_hard() {
        let r = resolve_usd_mode(
            MaxUsdMode::Auto,
            &[
                ("claude".into(), Billing::Subscription),
                ("codex".into(), Billing::ApiKey),
            ],
        );
        assert_eq!(r.mode, MaxUsdMode::Hard);
        assert_eq!(r.reason, "auto: API-key billing for codex");
    }

    #[test]
    fn all_subscription_makes_auto_warn() {
        let r = resolve_usd_mode(
            MaxUsdMode::Auto,
            &[
                ("a".into(), Billing::Subscription),
                ("b".into(), Billing::Subscription),
            ],
        );
        assert_eq!(r.mode, MaxUsdMode::Warn);
        assert!(r.reason.contains("subscription"));
    }

    #[test]
    fn unknown_billing_warns_and_names_the_peer() {
        let r = resolve_usd_mode(
            MaxUsdMode::Auto,
            &[
                ("a".into(), Billing::Subscription),
                ("oc".into(), Billing::Unknown),
            ],
        );
        assert_eq!(r.mode, MaxUsdMode::Warn);
        assert!(r.reason.contains("oc"));
    }

    #[test]
    fn api_key_env_beats_subscription_login() {
        let peer = PeerSettings {
            name: "claude".into(),
            tool: ToolKind::Claude,
            argv: None,
            prompt_mode: crate::config::PromptMode::Stdin,
            role: crate::config::PeerRole::Default,
            model: None,
            reasoning: None,
            provider: None,
            env: Vec::new(),
            span: crate::location::Span::default(),
        };
        assert_eq!(peer_billing(&peer, &facts(true, true)), Billing::ApiKey);
        assert_eq!(
            peer_billing(&peer, &facts(false, true)),
            Billing::Subscription
        );
        assert_eq!(peer_billing(&peer, &facts(false, false)), Billing::Unknown);
        let openrouter = PeerSettings {
            provider: Some(Provider::Openrouter),
            ..peer
        };
        assert_eq!(
            peer_billing(&openrouter, &facts(false, true)),
            Billing::ApiKey
        );
    }
}
