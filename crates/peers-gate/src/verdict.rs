//! `Verdict`: what one gate check concludes — pass or fail, and the diagnostic the peer reads
//! next turn. A gate that runs and fails is a verdict; a gate that cannot run is an error the
//! gate turns into a failing verdict naming what went wrong.

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub pass: bool,
    pub diagnostic: String,
}

impl Verdict {
    /// A passing verdict.
    pub fn pass(diagnostic: impl Into<String>) -> Self {
        Self::new(true, diagnostic)
    }

    /// A failing verdict.
    pub fn fail(diagnostic: impl Into<String>) -> Self {
        Self::new(false, diagnostic)
    }

    /// Passes iff `pass`.
    pub fn new(pass: bool, diagnostic: impl Into<String>) -> Self {
        Self {
            pass,
            diagnostic: diagnostic.into(),
        }
    }
}
