//! The one error type of config and goals decoding: which file, where, which key, what is
//! wrong, and how to fix it.

use std::fmt;

use crate::location::Span;

/// The first problem found while decoding a `.peers/` YAML file.
///
/// `Display` is the one line a user sees after `error: `, e.g.
/// `.peers/config.yaml:14:3: budget.max_usd_mod: unknown key`; the caller prints `hint` on its
/// own `hint:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Display path of the file, e.g. `.peers/config.yaml`.
    pub file: String,
    pub span: Option<Span>,
    /// Dotted path of the offending key, e.g. `peers[1].name`; `None` for the whole document.
    pub key: Option<String>,
    pub message: String,
    /// How to fix it, when there is something better to say than the message.
    pub hint: Option<String>,
}

impl DecodeError {
    pub fn new(
        file: &str,
        span: Option<Span>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            span,
            key: key.filter(|k| !k.is_empty()).map(str::to_owned),
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Keeps an existing hint: the first, most specific one wins.
    #[must_use]
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        if self.hint.is_none() {
            self.hint = hint;
        }
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(span) = self.span {
            write!(f, ":{span}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_file_position_key_and_message() {
        let err = DecodeError::new(
            ".peers/config.yaml",
            Some(Span::new(14, 3)),
            Some("budget.max_usd_mod"),
            "unknown key",
        )
        .with_hint("did you mean 'max_usd_mode'?");
        assert_eq!(
            err.to_string(),
            ".peers/config.yaml:14:3: budget.max_usd_mod: unknown key"
        );
        assert_eq!(err.hint.as_deref(), Some("did you mean 'max_usd_mode'?"));
    }

    #[test]
    fn display_omits_missing_position_and_key() {
        let err = DecodeError::new(".peers/config.yaml", None, None, "config.yaml is empty");
        assert_eq!(err.to_string(), ".peers/config.yaml: config.yaml is empty");
        let err = DecodeError::new("g.yaml", None, Some(""), "bad");
        assert_eq!(err.to_string(), "g.yaml: bad");
    }

    #[test]
    fn first_hint_wins() {
        let err = DecodeError::new("f", None, None, "m")
            .with_hint("a")
            .with_hint_opt(Some("b".into()));
        assert_eq!(err.hint.as_deref(), Some("a"));
    }
}
