//! Canonical issues: content-hashed ids, and merging the same finding from several reviewers.
//!
//! **Normalisation.** `id = hex(sha1(path + "\n" + normalise_claim(claim)))` where
//! - `path` is the finding's `file` without a trailing `:line`, `:start-end` or `:line:column`
//!   and without a leading `./` (two reviewers citing neighbouring lines of the same claim in
//!   the same file are the same finding; the path keeps its case, as file systems do);
//! - `normalise_claim` lowercases (Unicode), turns every character that is not a letter or a
//!   digit into a space, collapses runs of spaces and trims. So case, punctuation, quoting
//!   and spacing never split one claim in two, while any change of wording does.
//!
//! The newline between the two parts keeps `("a", "b c")` and `("a b", "c")` apart.
//! Ids a reviewer writes itself are ignored: the engine always recomputes them.

use serde::Serialize;
use sha1::{Digest, Sha1};

use super::finding::{Category, FindingSeverity, RawFinding};
use super::state::{IssueState, ReviewerStance};

/// The claim as it enters the id; see the module docs.
pub fn normalise_claim(claim: &str) -> String {
    let mut out = String::with_capacity(claim.len());
    for c in claim.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The content-hashed id of a finding: 40 lowercase hex digits.
pub fn finding_id(path: &str, claim: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(normalise_claim(claim).as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// One row of the canonical table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub id: String,
    /// `path:line` as first reported.
    pub location: String,
    pub severity: FindingSeverity,
    pub category: Category,
    pub claim: String,
    /// Every distinct piece of evidence, in the order it arrived (blind pass, then new evidence).
    pub evidence: Vec<String>,
    /// Every reviewer that raised this finding, in reviewer order of arrival.
    pub sources: Vec<String>,
    pub state: IssueState,
    /// The issue this one was folded into, when `state` is `merged`.
    pub merged_into: Option<String>,
    /// The round (1 = blind pass) in which the issue was first raised.
    pub raised_in: u32,
    /// Every stance taken on this issue, oldest first.
    pub stances: Vec<ReviewerStance>,
}

impl Issue {
    /// A new row for `finding`, raised by `reviewer` in `round`; security findings go straight
    /// to arbitration and style findings to the style notes.
    pub fn new(finding: &RawFinding, reviewer: &str, round: u32) -> Self {
        let mut issue = Self {
            id: finding_id(finding.path(), &finding.claim),
            location: finding.location.clone(),
            severity: finding.severity,
            category: finding.category,
            claim: finding.claim.clone(),
            evidence: vec![finding.evidence.clone()],
            sources: vec![reviewer.to_owned()],
            state: IssueState::Proposed,
            merged_into: None,
            raised_in: round,
            stances: Vec::new(),
        };
        issue.state = issue.bypass_state().unwrap_or(IssueState::Proposed);
        issue
    }

    /// Folds another report of the same id into this row: sources and evidence are joined, the
    /// higher severity wins, and `security` beats any other category (so a security report
    /// moves a debated issue to arbitration), while `style` holds only if every report says so.
    pub fn absorb(&mut self, finding: &RawFinding, reviewer: &str) {
        self.add_source(reviewer);
        self.add_evidence(&finding.evidence);
        self.severity = self.severity.max(finding.severity);
        self.category = match (self.category, finding.category) {
            (Category::Security, _) | (_, Category::Security) => Category::Security,
            (Category::Style, other) => other,
            (mine, _) => mine,
        };
        if self.state.is_open() || self.state == IssueState::Style {
            self.state = self.bypass_state().unwrap_or(match self.state {
                IssueState::Style => IssueState::Proposed,
                other => other,
            });
        }
    }

    pub fn add_source(&mut self, reviewer: &str) {
        if !self.sources.iter().any(|s| s == reviewer) {
            self.sources.push(reviewer.to_owned());
        }
    }

    pub fn add_evidence(&mut self, evidence: &str) {
        let evidence = evidence.trim();
        if !evidence.is_empty() && !self.evidence.iter().any(|e| e == evidence) {
            self.evidence.push(evidence.to_owned());
        }
    }

    /// The seed's `evidence: join(" || ")`.
    pub fn joined_evidence(&self) -> String {
        self.evidence.join(" || ")
    }

    /// The state a finding takes without debate, if any: security → arbitration, style → notes.
    fn bypass_state(&self) -> Option<IssueState> {
        if self.category == Category::Security {
            Some(IssueState::Arbitration)
        } else if self.severity == FindingSeverity::Style || self.category == Category::Style {
            Some(IssueState::Style)
        } else {
            None
        }
    }

    /// The last stance each reviewer took, in the order the reviewers last spoke.
    pub fn last_stance_of(&self, reviewer: &str) -> Option<&ReviewerStance> {
        self.stances.iter().rev().find(|s| s.reviewer == reviewer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_claim_ignores_case_punctuation_and_spacing() {
        assert_eq!(
            normalise_claim("  The `parse()` call PANICS on empty input!! "),
            "the parse call panics on empty input"
        );
        assert_eq!(normalise_claim("Ünïcode—Straße"), "ünïcode straße");
        assert_eq!(normalise_claim("..."), "");
    }

    #[test]
    fn finding_id_is_stable_and_line_independent() {
        let a = finding_id("src/a.rs", "Overflow on add.");
        let b = finding_id("src/a.rs", "overflow  ON add");
        assert_eq!(a, b);
        assert_eq!(a.len(), 40);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, finding_id("src/b.rs", "Overflow on add."));
        assert_ne!(a, finding_id("src/a.rs", "Underflow on add."));
    }

    #[test]
    fn finding_id_separates_path_from_claim() {
        assert_ne!(finding_id("a", "b c"), finding_id("a b", "c"));
    }

    #[test]
    fn finding_id_matches_a_known_sha1() {
        // sha1("src/a.rs\nx") computed independently with `printf 'src/a.rs\nx' | sha1sum`.
        assert_eq!(
            finding_id("src/a.rs", "X!"),
            "65f68259b650ee004e15e8389733e53d82ddb02f"
        );
    }
}
