//! The demo peers' commit messages, in the exact protocol formats: handoff, bug report,
//! resolution and soft review. JSON bodies are built with serde_json, so they always parse.

use serde_json::json;

/// A message: subject, `## ` sections in order, then the trailer block.
fn message(subject: &str, sections: &[(&str, String)], trailers: &[(&str, &str)]) -> String {
    let mut text = format!("{subject}\n\n");
    for (name, body) in sections {
        text.push_str(&format!("## {name}\n{}\n\n", body.trim_end()));
    }
    let block: Vec<String> = trailers
        .iter()
        .map(|(key, value)| format!("{key}: {value}"))
        .collect();
    text.push_str(&block.join("\n"));
    text.push('\n');
    text
}

fn handoff_trailers(peer: &str) -> [(&'static str, &str); 3] {
    [
        ("Peer", peer),
        ("Peer-Status", "handoff"),
        ("Self-Review", "pass"),
    ]
}

/// Tick 1: the `mul` feature, handed off.
pub(crate) fn feature_handoff(peer: &str) -> String {
    let self_review = "\
- `sh calc.sh mul A B` multiplies; cases cover a happy path, a zero factor and two negatives.
- Ran `sh tests/run.sh`: the new mul cases pass. The pre-existing division-by-zero case
  still fails; it is outside this change.
- Only calc.sh and tests/cases.sh changed.";
    message(
        "Add mul to calc.sh, with tests",
        &[("Self-Review", self_review.to_owned())],
        &handoff_trailers(peer),
    )
}

/// A `Bug-Report` for the planted division bug.
pub(crate) fn bug_report(peer: &str, id: &str, fix_by: &str, location: &str) -> String {
    let body = json!({
        "id": id,
        "severity": "high",
        "fix_by": fix_by,
        "location": location,
        "description": "div by zero passes the zero to $(( )): the shell prints its own \
            arithmetic error and exits 2, where the README promises \
            `error: division by zero` on stderr and exit 1",
    });
    message(
        &format!("{id}: div by zero prints a shell error instead of the documented one"),
        &[("Bug-Report", body.to_string())],
        &[("Peer", peer), ("Bug-Report", id)],
    )
}

/// The fix of `id`, resolving it and handing off in one commit.
pub(crate) fn fix_handoff(peer: &str, id: &str) -> String {
    let resolution = json!({
        "resolves": id,
        "status": "fixed",
        "note": "div refuses a zero divisor (0, 00, -0) before the arithmetic, with the \
            documented message and exit 1; regression cases added",
    });
    let self_review = format!(
        "- Root cause: the divisor reached $(( )) unchecked.\n\
         - Guarded with a numeric test, so 00 and -0 are caught too; three {id} regression\n  \
           cases cover them.\n\
         - Ran `sh tests/run.sh`: every case passes."
    );
    message(
        &format!("Fix {id}: div rejects a zero divisor"),
        &[
            ("Bug-Resolution", resolution.to_string()),
            ("Self-Review", self_review),
        ],
        &[
            ("Peer", peer),
            ("Bug-Resolves", id),
            ("Peer-Status", "handoff"),
            ("Self-Review", "pass"),
        ],
    )
}

/// A soft review of `goal`.
pub(crate) fn soft_review(peer: &str, goal: &str, pass: bool, notes: &str) -> String {
    let verdict = if pass { "pass" } else { "fail" };
    let body = json!({"pass": pass, "notes": notes});
    message(
        &format!("Review {goal}: {verdict}"),
        &[("Review", body.to_string())],
        &[("Peer-Review-Of", goal), ("Peer", peer)],
    )
}

/// A handoff that changes nothing, after reviews or a bug report.
pub(crate) fn plain_handoff(peer: &str, other: &str, did: &[String]) -> String {
    let mut self_review: Vec<String> = did.iter().map(|line| format!("- {line}")).collect();
    self_review.push("- No files changed in this turn.".to_owned());
    message(
        &format!("Hand off to {other}"),
        &[("Self-Review", self_review.join("\n"))],
        &handoff_trailers(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use peers_core::ledger::{Ledger, LedgerCommit, ResolutionStatus, Severity};
    use peers_core::trailer::{has_section, is_handoff, json_objects, last_value, parse_trailers};

    #[test]
    fn handoffs_carry_the_section_and_trailers() {
        for (peer, text) in [
            ("alice", feature_handoff("alice")),
            ("alice", fix_handoff("alice", "BUG-001")),
            (
                "bob",
                plain_handoff("bob", "alice", &["Reviewed x.".to_owned()]),
            ),
        ] {
            assert!(is_handoff(&text), "{text}");
            assert!(has_section(&text, "Self-Review"), "{text}");
            assert_eq!(peers_core::trailer::peer(&text).as_deref(), Some(peer));
        }
    }

    #[test]
    fn bug_report_and_fix_read_back_through_the_ledger() {
        let report = LedgerCommit::from_message(
            "a".repeat(40),
            bug_report("bob", "BUG-001", "alice", "calc.sh:14"),
        );
        let fix = LedgerCommit::from_message("b".repeat(40), fix_handoff("alice", "BUG-001"));
        let ledger = Ledger::build([&report]);
        let bug = ledger.bug("BUG-001").unwrap();
        assert_eq!(bug.severity, Severity::High);
        assert_eq!(bug.fields.fix_by.as_deref(), Some("alice"));
        assert!(bug.is_open_blocking());
        assert!(ledger.warnings().is_empty(), "{:?}", ledger.warnings());
        let ledger = Ledger::build([&report, &fix]);
        let bug = ledger.bug("BUG-001").unwrap();
        assert_eq!(
            bug.resolution.as_ref().unwrap().status,
            ResolutionStatus::Fixed
        );
        assert!(!bug.is_open());
        assert!(ledger.warnings().is_empty(), "{:?}", ledger.warnings());
    }

    #[test]
    fn soft_review_has_review_section_json_and_trailers() {
        let text = soft_review("bob", "bug-hunt-round-1", true, "clean \"quoted\" {braces}");
        assert!(has_section(&text, "Review"));
        let objects = json_objects(&text);
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0]["pass"], true);
        let trailers = parse_trailers(&text);
        assert_eq!(
            last_value(&trailers, "Peer-Review-Of"),
            Some("bug-hunt-round-1")
        );
        assert_eq!(last_value(&trailers, "Peer"), Some("bob"));
        assert!(!is_handoff(&text));
    }
}
