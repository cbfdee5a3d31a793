//! PLAN.md, the contract of the `implement` mode: its typed form and the rules that say
//! whether a plan is valid and how far it has got. Pure: callers hand in the bytes.
//!
//! The dialect: the first non-blank line is `# <Feature>`; `## Meta` (key: value lines) and
//! `## Steps` are required, `## Architecture` and `## Input Domains` are optional bullet
//! lists, other `##` sections are free text. A step is
//! `- [<mark>] [STEP-N] <text>` with an optional `(<7-40 hex sha>)` at the end, followed by
//! indented `  - key: value` lines (`touches`, `depends`, `rationale`, `trivial`,
//! `pure_refactor`, `pure_documentation`). Errors are `DecodeError`s with the line.

mod parse;
mod validate;

use std::collections::BTreeMap;

pub use parse::parse;

/// Largest PLAN.md accepted.
pub const MAX_PLAN_BYTES: usize = 2 * 1024 * 1024;
/// The display name errors use.
pub const PLAN_FILE: &str = "PLAN.md";

/// A parsed, validated plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub title: String,
    pub meta: PlanMeta,
    pub architecture: Vec<String>,
    pub input_domains: Vec<String>,
    pub steps: Vec<Step>,
}

/// Where the feature is used; web and gui need an end-to-end contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Surface {
    Cli,
    Web,
    Lib,
    Gui,
}

impl Surface {
    pub const ALL: [Surface; 4] = [Surface::Cli, Surface::Web, Surface::Lib, Surface::Gui];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Web => "web",
            Self::Lib => "lib",
            Self::Gui => "gui",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether a plan with this surface needs `e2e:`.
    pub fn needs_e2e(self) -> bool {
        matches!(self, Self::Web | Self::Gui)
    }
}

/// `## Meta`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanMeta {
    pub surfaces: Vec<Surface>,
    /// The acceptance command, verbatim (a `#` in it is part of the command).
    pub acceptance: String,
    pub e2e: Option<String>,
    /// Consecutive all-green evaluations before the run's second completion phase.
    pub convergence_n: u32,
    /// `mutation_testing: true` turns on the `mutation_sample` soft gate.
    pub mutation_testing: bool,
    /// Turns on the second-model honesty audit with this peer.
    pub honesty_audit_peer: Option<String>,
    /// `confidence_calibration: true` turns on the `confidence_calibration` soft gate.
    pub confidence_calibration: bool,
    /// The 1-based line of each key written, for errors about its value.
    pub lines: BTreeMap<String, u32>,
    /// Other keys, kept as written.
    pub extra: BTreeMap<String, String>,
}

/// Default `convergence_n` of a plan that does not set it.
pub const DEFAULT_CONVERGENCE_N: u32 = 5;

/// The state of a step. Only `Done` counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMark {
    Open,
    Done,
    Partial,
    Blocked,
    /// Blocked, and the operator acknowledged it with `ack-block`: still not done.
    BlockedAck,
}

impl StepMark {
    pub fn from_mark(mark: &str) -> Option<Self> {
        match mark {
            " " => Some(Self::Open),
            "x" | "X" => Some(Self::Done),
            "PARTIAL" => Some(Self::Partial),
            "BLOCKED" => Some(Self::Blocked),
            "BLOCKED-ACK" => Some(Self::BlockedAck),
            _ => None,
        }
    }

    /// How the mark is written between the brackets.
    pub fn as_mark(self) -> &'static str {
        match self {
            Self::Open => " ",
            Self::Done => "x",
            Self::Partial => "PARTIAL",
            Self::Blocked => "BLOCKED",
            Self::BlockedAck => "BLOCKED-ACK",
        }
    }

    pub fn is_done(self) -> bool {
        self == Self::Done
    }
}

/// One `- [ ] [STEP-N] …` line and its sub-keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// N of `STEP-N`.
    pub number: u32,
    /// 1-based line of the step in the file.
    pub line: u32,
    pub mark: StepMark,
    pub text: String,
    /// The commit named at the end of the line, lowercase.
    pub sha: Option<String>,
    pub touches: Vec<String>,
    pub depends: Vec<u32>,
    pub rationale: Option<String>,
    pub trivial: bool,
    pub pure_refactor: bool,
    pub pure_documentation: bool,
}

impl Step {
    /// `STEP-N`.
    pub fn id(&self) -> String {
        format!("STEP-{}", self.number)
    }
}

impl Plan {
    /// Steps done (`[x]`).
    pub fn done_count(&self) -> usize {
        self.steps.iter().filter(|s| s.mark.is_done()).count()
    }

    pub fn step(&self, number: u32) -> Option<&Step> {
        self.steps.iter().find(|s| s.number == number)
    }
}

/// Counts `[x]` steps in `text` if it parses; the stuck reset compares these counts.
pub fn done_steps(text: &[u8]) -> Option<usize> {
    parse(text).ok().map(|plan| plan.done_count())
}

/// `text` with step `number`'s mark replaced by `to` when it is `from` now; `None` when
/// the step is not there with that mark. Keeps every other byte as it was.
pub fn set_mark(text: &str, number: u32, from: StepMark, to: StepMark) -> Option<String> {
    let wanted = format!("- [{}] [STEP-{number}]", from.as_mark());
    let mut out = String::with_capacity(text.len() + 8);
    let mut found = false;
    for line in text.split_inclusive('\n') {
        if !found && line.starts_with(&wanted) {
            found = true;
            out.push_str(&format!("- [{}] [STEP-{number}]", to.as_mark()));
            out.push_str(&line[wanted.len()..]);
        } else {
            out.push_str(line);
        }
    }
    found.then_some(out)
}

#[cfg(test)]
mod tests;
