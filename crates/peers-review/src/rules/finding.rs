//! One finding as a reviewer states it: where, how severe, the claim, the evidence, the category.

use serde::Serialize;

/// How bad a finding is, as the reviewer rates it. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    Style,
    Low,
    Medium,
    High,
    Critical,
}

impl FindingSeverity {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "critical" => Self::Critical,
            "high" => Self::High,
            "medium" => Self::Medium,
            "low" => Self::Low,
            "style" => Self::Style,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
            Self::Style => "style",
        }
    }
}

/// What kind of problem a finding describes; `security` and `style` bypass the debate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Security,
    Correctness,
    Performance,
    Maintainability,
    Style,
}

impl Category {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "security" => Self::Security,
            "correctness" => Self::Correctness,
            "performance" => Self::Performance,
            "maintainability" => Self::Maintainability,
            "style" => Self::Style,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Security => "security",
            Self::Correctness => "correctness",
            Self::Performance => "performance",
            Self::Maintainability => "maintainability",
            Self::Style => "style",
        }
    }
}

/// A finding as one reviewer wrote it, validated but not yet canonicalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFinding {
    /// `path:line` (or `path:start-end`, or just `path`) exactly as written.
    pub location: String,
    pub severity: FindingSeverity,
    pub claim: String,
    pub evidence: String,
    pub category: Category,
    /// The id of an existing issue this finding adds evidence to (debate rounds only).
    pub merges: Option<String>,
}

impl RawFinding {
    /// The path part of `location`: everything before a trailing `:line`, `:start-end` or
    /// `:line:column`, with a leading `./` removed.
    pub fn path(&self) -> &str {
        location_path(&self.location)
    }

    /// Style findings never converge through debate (the seed's rule): severity or category style.
    pub fn is_style(&self) -> bool {
        self.severity == FindingSeverity::Style || self.category == Category::Style
    }
}

/// See [`RawFinding::path`].
pub fn location_path(location: &str) -> &str {
    let mut path = location.trim();
    // At most two numeric suffixes (`:line:column`); a path may itself contain colons.
    for _ in 0..2 {
        match path.rsplit_once(':') {
            Some((head, tail))
                if !tail.is_empty()
                    && !head.is_empty()
                    && tail.chars().all(|c| c.is_ascii_digit() || c == '-') =>
            {
                path = head;
            }
            _ => break,
        }
    }
    path.strip_prefix("./").unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_path_strips_line_range_and_column() {
        assert_eq!(location_path("src/a.rs:42"), "src/a.rs");
        assert_eq!(location_path("./src/a.rs:10-20"), "src/a.rs");
        assert_eq!(location_path("src/a.rs:3:7"), "src/a.rs");
        assert_eq!(location_path("src/a.rs"), "src/a.rs");
        assert_eq!(location_path("C:odd/name.rs:5"), "C:odd/name.rs");
        assert_eq!(location_path(":12"), ":12");
    }

    #[test]
    fn severity_orders_critical_highest() {
        assert!(FindingSeverity::Critical > FindingSeverity::High);
        assert!(FindingSeverity::Low > FindingSeverity::Style);
        assert_eq!(
            FindingSeverity::parse(" HIGH "),
            Some(FindingSeverity::High)
        );
        assert_eq!(FindingSeverity::parse("severe"), None);
    }
}
