//! `CtlError`: what went wrong, the exit code it maps to, and `hint:` lines saying how to fix it.

use std::fmt;

/// Exit code for a usage or validation error (bad name, bad flag, missing file).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for an operational failure (not found, refused, I/O).
pub const EXIT_FAILED: u8 = 1;

#[derive(Debug)]
pub struct CtlError {
    pub code: u8,
    pub message: String,
    pub hints: Vec<String>,
}

pub type CtlResult<T> = Result<T, CtlError>;

impl CtlError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_USAGE,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_FAILED,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for CtlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        for hint in &self.hints {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

/// So a caller that takes any error (peers-serve's project list and actions) can keep it whole.
impl std::error::Error for CtlError {}

impl From<peers_store::error::StoreError> for CtlError {
    fn from(err: peers_store::error::StoreError) -> Self {
        Self::failed(err.to_string())
    }
}
