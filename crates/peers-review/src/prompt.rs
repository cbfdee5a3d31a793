//! The reviewer prompts: the blind pass, a debate round, and the format reminder for a retry.
//! Every debate prompt re-injects the whole canonical table, so a lost session costs latency,
//! never correctness.

use std::fmt::Write as _;

use crate::rules::{Debate, Issue, short_id};

use crate::scope::Material;

const LENSES: &str = "\
## Review lenses (apply BOTH)
1. CRITIC LENS: for each issue you raise you MUST provide ONE of:
   - a concrete exploit path or attack scenario;
   - a failing test case (input + expected vs actual);
   - a specific failure mode (e.g. \"concurrent writes to the map at handler.go:42 panic under load\").
   Vague concerns (\"could be improved\", \"might be fragile\") are REJECTED.
2. DEFENDER LENS: before raising an issue, check whether
   - an existing test covers it;
   - a codebase invariant or convention makes it impossible;
   - it is intentional per a comment, ADR or commit message.
   If so, do not raise it.
You are reviewing read-only: do not modify any file.
";

const FINDINGS_FORMAT: &str = r#"Emit a single fenced code block tagged `findings` containing JSON lines, one finding per line:
```findings
{"file":"path:line","severity":"critical|high|medium|low|style","claim":"<one sentence>","evidence":"<exploit/test/failure mode>","category":"security|correctness|performance|maintainability|style"}
```
If you find no issues, emit an empty findings block."#;

const STANCES_FORMAT: &str = r#"For EVERY open issue in the table emit ONE stance line in a fenced block tagged `stances`:
```stances
{"id":"<id from the table>","stance":"concede|defend|dismiss|accept","reasoning":"<one sentence>","new_evidence":"<optional; required to keep defend alive from round 3 on>"}
```
- concede: you no longer believe this issue is real
- defend: you maintain this issue (from round 3 on it needs new_evidence, or it is deferred)
- dismiss: you believe the claim is wrong
- accept: you accept the other reviewers' position on it"#;

/// Round 1: the same prompt for every reviewer; none sees another's work.
pub fn blind(material: &Material, reviewers: usize) -> String {
    let others = reviewers.saturating_sub(1);
    let mut out = format!(
        "Round 1 of a peer review. You are performing an independent code review. {others} other \
         reviewer(s) review the same work in parallel; you will not see their findings until \
         after this pass.\n\n## Scope\n{}\n\n## Files / Diff\n",
        material.description
    );
    out.push_str(&material.body);
    if !material.body.ends_with('\n') {
        out.push('\n');
    }
    let _ = write!(
        out,
        "\n{LENSES}\n## Output format (strict)\n{FINDINGS_FORMAT}\n\nAfter the block, write a \
         2-3 sentence summary of the work's overall quality and your confidence level.\n"
    );
    out
}

/// A debate round for `reviewer`: the table, the others' last responses, the task. A prompt for
/// a resumed session leaves out the scope's diff (the session has it); a fresh call carries it.
pub fn debate(
    material: &Material,
    debate: &Debate,
    reviewer: &str,
    round: u32,
    with_scope: bool,
) -> String {
    let mut out = format!(
        "Round {round} of a peer review: you are continuing the debate as reviewer `{reviewer}`. \
         Respond to each open issue with a stance.\n\n## Scope\n{}\n\n## Canonical issue table (current state)\n",
        material.description
    );
    for issue in debate.issues() {
        table_row(&mut out, issue);
    }
    let _ = writeln!(out, "\n## The other reviewers' last responses");
    let mut any = false;
    for issue in debate.issues() {
        for stance in issue
            .stances
            .iter()
            .filter(|s| s.reviewer != reviewer && s.round + 1 == round)
        {
            any = true;
            let _ = writeln!(
                out,
                "- {} on {}: {} — {}{}",
                stance.reviewer,
                short_id(&issue.id),
                stance.stance.as_str(),
                stance.reasoning,
                evidence_suffix(&stance.new_evidence)
            );
        }
    }
    if !any {
        let _ = writeln!(
            out,
            "- (their findings are the rows of the table above; see the sources)"
        );
    }
    let scope = if with_scope {
        material.body.as_str()
    } else {
        "(unchanged: it is earlier in this session)"
    };
    let _ = write!(
        out,
        "\n## The scope, again\n{scope}\n\n## Your task\n{STANCES_FORMAT}\n\nAfter the stances block you \
         may emit a `findings` block with NEW issues only (same format as before; add \
         \"merges\":\"<id>\" to a finding that is more evidence for an existing issue). New issues \
         must follow the critic lens.\n\n{LENSES}"
    );
    out
}

/// Appended to the prompt of a retry after malformed output.
pub fn format_reminder(problems: &[String], debate_round: bool) -> String {
    let mut out = "\n\n## Format reminder\nYour previous answer could not be used:\n".to_owned();
    for problem in problems {
        let _ = writeln!(out, "- {problem}");
    }
    out.push_str("Answer again, following the output format exactly:\n");
    out.push_str(if debate_round {
        STANCES_FORMAT
    } else {
        FINDINGS_FORMAT
    });
    out.push('\n');
    out
}

fn table_row(out: &mut String, issue: &Issue) {
    let _ = writeln!(
        out,
        "- id {} [{}] {} {} `{}` — {}\n  evidence: {}\n  raised by: {}",
        short_id(&issue.id),
        issue.state.as_str(),
        issue.severity.as_str(),
        issue.category.as_str(),
        issue.location,
        issue.claim,
        issue.joined_evidence(),
        issue.sources.join(", ")
    );
}

fn evidence_suffix(evidence: &str) -> String {
    if evidence.is_empty() {
        String::new()
    } else {
        format!(" (new evidence: {evidence})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Category, FindingSeverity, RawFinding};

    fn material() -> Material {
        Material {
            description: "commit abc".to_owned(),
            body: "diff --git a/x b/x".to_owned(),
        }
    }

    #[test]
    fn blind_prompt_carries_scope_lenses_and_format() {
        let text = blind(&material(), 3);
        assert!(text.contains("Round 1"));
        assert!(text.contains("2 other reviewer(s)"));
        assert!(text.contains("diff --git a/x b/x"));
        assert!(text.contains("CRITIC LENS") && text.contains("DEFENDER LENS"));
        assert!(text.contains("```findings"));
    }

    #[test]
    fn debate_prompt_shows_the_table_with_states() {
        let mut table = Debate::new();
        let finding = RawFinding {
            location: "src/a.rs:1".to_owned(),
            severity: FindingSeverity::High,
            claim: "Panics".to_owned(),
            evidence: "empty input".to_owned(),
            category: Category::Correctness,
            merges: None,
        };
        table.blind_pass(&[("alice", std::slice::from_ref(&finding))]);
        let text = debate(&material(), &table, "bob", 2, true);
        assert!(text.contains("diff --git a/x b/x"));
        assert!(!debate(&material(), &table, "bob", 2, false).contains("diff --git"));
        assert!(text.contains("Round 2"));
        assert!(text.contains(short_id(&table.issues()[0].id)));
        assert!(text.contains("[proposed]"));
        assert!(text.contains("raised by: alice"));
        assert!(text.contains("```stances"));
    }
}
