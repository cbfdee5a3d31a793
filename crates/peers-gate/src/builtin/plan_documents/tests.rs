//! The report gates on hand-made trees: each passes on a complete document and fails, naming
//! what is missing, on a gap.

use peers_core::goals::BuiltinGate;
use serde_json::json;

use crate::builtin::test_repo::GateRepo;

const PLAN: &str = "# F\n\n## Meta\nsurfaces: [lib]\nacceptance: true\n\n## Steps\n- [ ] [STEP-1] One thing\n  - trivial: true\n- [ ] [STEP-2] Another thing\n  - trivial: true\n";

fn repo_with(files: &[(&str, &str)]) -> GateRepo {
    let repo = GateRepo::new();
    repo.write("PLAN.md", PLAN);
    for (path, text) in files {
        repo.write(path, text);
    }
    repo.commit("files");
    repo
}

#[test]
fn delivery_report_names_the_missing_step_and_the_empty_field() {
    let full = "## [STEP-1] One\n- **Commit:** abc1234\n- **Tests:** t\n- **Justification:** j\n\n## [STEP-2] Two\n- **Commit:** def5678\n- **Tests:** t\n- **Justification:** j\n";
    let repo = repo_with(&[("DELIVERY.md", full)]);
    assert!(
        repo.run(BuiltinGate::DeliveryReportComplete, json!({}))
            .pass
    );
    let gap = "## [STEP-1] One\n- **Commit:** abc1234\n- **Tests:** t\n- **Justification:**\n";
    let repo = repo_with(&[("DELIVERY.md", gap)]);
    let verdict = repo.run(BuiltinGate::DeliveryReportComplete, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict
            .diagnostic
            .contains("[STEP-1]: `- **Justification:**` is missing or empty"),
        "{}",
        verdict.diagnostic
    );
    assert!(
        verdict.diagnostic.contains("no `## [STEP-2]` section"),
        "{}",
        verdict.diagnostic
    );
}

#[test]
fn concerns_need_a_known_commit_or_a_reasoned_acknowledgement() {
    let repo = repo_with(&[(
        "CONCERNS.md",
        "## Concern 1 — slow\nstatus: open\n\n## Concern 2 — odd\nstatus: [USER-ACK] (reason: the operator accepts the odd output)\n\n## Concern 3\nstatus: addressed (commit: 1234567)\n",
    )]);
    let verdict = repo.run(BuiltinGate::ConcernsResolved, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict.diagnostic.contains("has status `open`"),
        "{}",
        verdict.diagnostic
    );
    assert!(
        verdict
            .diagnostic
            .contains("`1234567`, which is not a commit"),
        "{}",
        verdict.diagnostic
    );
    assert!(
        !verdict.diagnostic.contains("Concern 2"),
        "{}",
        verdict.diagnostic
    );
    let repo = repo_with(&[("CONCERNS.md", "no concerns\n")]);
    assert!(!repo.run(BuiltinGate::ConcernsResolved, json!({})).pass);
}

#[test]
fn honesty_audit_needs_every_part_with_substance_from_two_peers() {
    let part = |t: &str| format!("### {t}\nA sentence of six real words here.\n");
    let peer = |name: &str| {
        format!(
            "## {name}\n{}{}{}",
            part("Weakest part"),
            part("Likely uncaught bug"),
            part("Skipped or shortcut")
        )
    };
    let repo = repo_with(&[(
        "HONESTY_AUDIT.md",
        &format!("{}{}", peer("alice"), peer("bob")),
    )]);
    assert!(repo.run(BuiltinGate::HonestyAudit, json!({})).pass);
    let thin = format!("{}## bob\n### Weakest part\nnone\n", peer("alice"));
    let repo = repo_with(&[("HONESTY_AUDIT.md", &thin)]);
    let verdict = repo.run(BuiltinGate::HonestyAudit, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict
            .diagnostic
            .contains("`### weakest part` says too little"),
        "{}",
        verdict.diagnostic
    );
    assert!(
        verdict.diagnostic.contains("no `### likely uncaught bug`"),
        "{}",
        verdict.diagnostic
    );
}

#[test]
fn blind_review_fails_on_thin_notes_and_an_open_mismatch() {
    let words = "word ".repeat(25);
    let repo = repo_with(&[
        ("IMPLEMENTATION_NOTES.md", "short"),
        ("REVIEW_NOTES.md", &words),
        (
            "CONCERNS.md",
            "## Concern 1\n[BLIND-REVIEW-MISMATCH] the notes disagree on errors\nstatus: open\n",
        ),
    ]);
    let verdict = repo.run(BuiltinGate::BlindReview, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict
            .diagnostic
            .contains("IMPLEMENTATION_NOTES.md has fewer than 20 words"),
        "{}",
        verdict.diagnostic
    );
    assert!(
        verdict.diagnostic.contains("open [BLIND-REVIEW-MISMATCH]"),
        "{}",
        verdict.diagnostic
    );
}

#[test]
fn the_checklist_counts_only_x_as_done() {
    let repo = repo_with(&[]);
    repo.write(
        "PLAN.md",
        &PLAN
            .replace("- [ ] [STEP-1]", "- [x] [STEP-1]")
            .replace("- [ ] [STEP-2]", "- [PARTIAL] [STEP-2]"),
    );
    repo.commit("progress");
    let verdict = repo.run(BuiltinGate::PlanChecklistComplete, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict
            .diagnostic
            .contains("STEP-2 [PARTIAL] Another thing"),
        "{}",
        verdict.diagnostic
    );
    repo.write("PLAN.md", &PLAN.replace("- [ ]", "- [x]"));
    repo.commit("done");
    assert!(repo.run(BuiltinGate::PlanChecklistComplete, json!({})).pass);
}
