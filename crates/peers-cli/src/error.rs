//! The one place that turns errors into what the user reads (`error: …`, causes, `hint: …`)
//! and into exit codes.

/// Why a command failed, and what exit code that means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Bad usage, configuration or refused input: exit 2, nothing written.
    Usage,
    /// The operation ran and its verdict is negative, or an operational error: exit 1.
    Failed,
}

/// An error as shown to the user: a one-line message, its causes, and hints that say how to fix it.
#[derive(Debug)]
pub struct CliError {
    pub failure: FailureKind,
    pub message: String,
    pub causes: Vec<String>,
    /// Verbatim excerpt lines (e.g. the offending source with a caret), printed under the message.
    pub details: Vec<String>,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            failure: FailureKind::Usage,
            message: message.into(),
            causes: Vec::new(),
            details: Vec::new(),
            hints: Vec::new(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            failure: FailureKind::Failed,
            message: message.into(),
            causes: Vec::new(),
            details: Vec::new(),
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    /// Adds the `source()` chain of `err` as causes. A cause whose text the message (or an
    /// earlier cause) already shows is left out: many errors name their cause in their own
    /// Display (`cannot write x: permission denied`), and the user should read it once.
    pub fn causes_of(mut self, err: &dyn std::error::Error) -> Self {
        let mut source = err.source();
        while let Some(inner) = source {
            let text = inner.to_string();
            let shown = self.message.contains(&text)
                || self.causes.iter().any(|cause| cause.contains(&text));
            if !shown {
                self.causes.push(text);
            }
            source = inner.source();
        }
        self
    }

    pub fn exit_code(&self) -> u8 {
        match self.failure {
            FailureKind::Usage => 2,
            FailureKind::Failed => 1,
        }
    }
}

pub fn print(err: &CliError) {
    let mut out = format!("error: {}\n", err.message);
    for line in &err.details {
        out.push_str(&format!("  | {line}\n"));
    }
    for cause in &err.causes {
        out.push_str(&format!("  caused by: {cause}\n"));
    }
    for hint in &err.hints {
        out.push_str(&format!("hint: {hint}\n"));
    }
    eprint!("{out}");
}

pub type CliResult<T> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::CliError;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot write x: {source}")]
    struct Repeats {
        #[source]
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("cannot write x")]
    struct Names {
        #[source]
        source: std::io::Error,
    }

    fn denied() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied")
    }

    #[test]
    fn a_cause_the_message_already_shows_is_printed_once() {
        let err = Repeats { source: denied() };
        let cli = CliError::failed(err.to_string()).causes_of(&err);
        assert_eq!(cli.message, "cannot write x: permission denied");
        assert!(cli.causes.is_empty(), "{:?}", cli.causes);
    }

    #[test]
    fn a_cause_the_message_does_not_show_is_kept() {
        let err = Names { source: denied() };
        let cli = CliError::failed(err.to_string()).causes_of(&err);
        assert_eq!(cli.causes, vec!["permission denied".to_owned()]);
    }
}
