//! How a peer's turn ended, as the run log spells it (`classification`): the supervisor's
//! classes, and any other text kept as it was (an older or the original tool's record).
//! peers-agent maps its `Classification` onto it.

use serde::{Deserialize, Serialize};

/// How the peer's process ended, as the record says it (`classification`): the supervisor's
/// classes, and any other text kept as it was (an older or the original tool's record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TurnClass {
    Success,
    ProcessFail,
    IdleTimeout,
    AbsoluteTimeout,
    ApiError,
    RateLimited,
    Overloaded,
    Interrupted,
    Stopped,
    #[serde(untagged)]
    Other(String),
}

impl Default for TurnClass {
    /// A record that does not say (the original's oldest entries).
    fn default() -> Self {
        Self::Other(String::new())
    }
}

impl TurnClass {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Success => "success",
            Self::ProcessFail => "process-fail",
            Self::IdleTimeout => "idle-timeout",
            Self::AbsoluteTimeout => "absolute-timeout",
            Self::ApiError => "api-error",
            Self::RateLimited => "rate-limited",
            Self::Overloaded => "overloaded",
            Self::Interrupted => "interrupted",
            Self::Stopped => "stopped",
            Self::Other(text) => text,
        }
    }
}

impl std::fmt::Display for TurnClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for TurnClass {
    /// The class a record's text names (`Other` for anything else).
    fn from(text: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(text.to_owned()))
            .unwrap_or_else(|_| Self::Other(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::TurnClass;

    #[test]
    fn known_classes_read_back_typed_and_other_text_is_kept() {
        assert_eq!(TurnClass::from("rate-limited"), TurnClass::RateLimited);
        assert_eq!(TurnClass::RateLimited.to_string(), "rate-limited");
        let other = TurnClass::from("timeout");
        assert_eq!(other, TurnClass::Other("timeout".to_owned()));
        assert_eq!(other.as_str(), "timeout");
    }
}
