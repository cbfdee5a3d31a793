//! How a `BuiltinError` reads in a gate's diagnostic: its message, each cause, the hints and
//! the end of the tool's output, in that order.

use super::error::BuiltinError;

impl BuiltinError {
    /// How to fix it, for the `hint:` line under the diagnostic.
    fn hint(&self) -> Option<&'static str> {
        match self {
            Self::ManifestTooLarge { .. } => {
                Some("a manifest this large is not hand-written; remove the generated content")
            }
            Self::ReferenceUnreadable { .. } => Some(
                "write it at the repository root, starting from a copy of .peers/CODEMAP.yaml \
                 (the symbols read from the code; `peers survey --codemap-only` writes it)",
            ),
            Self::Toml { .. } => {
                Some("fix the syntax (`cargo metadata` or a TOML linter shows where)")
            }
            _ => None,
        }
    }

    /// The text for a gate's diagnostic: this error, each cause after `: `, an inline hint
    /// (git's, the decoder's) in parentheses, the end of the tool's output when the error
    /// carries one, then a fix hint on its own line.
    pub fn describe(&self) -> String {
        let mut text = self.to_string();
        let mut tail = self.output_tail();
        let mut hint = self.hint();
        let mut inline_hint = self.inline_hint().map(str::to_owned);
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(&format!(": {}", cause.to_string().trim_end()));
            let inner = cause.downcast_ref::<BuiltinError>().or_else(|| {
                cause
                    .downcast_ref::<Box<BuiltinError>>()
                    .map(|boxed| &**boxed)
            });
            if let Some(inner) = inner {
                tail = tail.or(inner.output_tail());
                hint = hint.or(inner.hint());
                inline_hint = inline_hint.or(inner.inline_hint().map(str::to_owned));
            }
            if let Some(git) = cause.downcast_ref::<peers_git::GitError>() {
                inline_hint = inline_hint.or(git.hint().map(str::to_owned));
            }
            source = cause.source();
        }
        if let Some(hint) = inline_hint {
            text.push_str(&format!(" (hint: {hint})"));
        }
        if let Some(tail) = tail {
            text.push_str(&format!("; its output ends:\n{tail}"));
        }
        if let Some(hint) = hint {
            text.push_str(&format!("\nhint: {hint}"));
        }
        text
    }

    /// A hint that belongs right after the message, as git's and the plan parser's do.
    fn inline_hint(&self) -> Option<&str> {
        match self {
            Self::Decode { source } => source.hint.as_deref(),
            _ => None,
        }
    }

    /// The end of the tool's output kept for the diagnostic, for the variants whose Display
    /// does not already show it.
    fn output_tail(&self) -> Option<&str> {
        match self {
            Self::UnreadableOutput { output_tail, .. } | Self::NoReport { output_tail, .. } => {
                Some(output_tail)
            }
            _ => None,
        }
    }
}
