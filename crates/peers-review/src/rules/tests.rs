//! Debate-level tests: the table across rounds, the bypasses, and the verdict sections.

use super::*;

fn finding(path: &str, claim: &str, severity: FindingSeverity, category: Category) -> RawFinding {
    RawFinding {
        location: format!("{path}:10"),
        severity,
        claim: claim.to_owned(),
        evidence: format!("evidence for {claim}"),
        category,
        merges: None,
    }
}

fn bug(claim: &str) -> RawFinding {
    finding(
        "src/lib.rs",
        claim,
        FindingSeverity::High,
        Category::Correctness,
    )
}

fn stance(id: &str, stance: Stance, evidence: &str) -> StanceLine {
    StanceLine {
        id: id.to_owned(),
        stance,
        reasoning: format!("because {}", stance.as_str()),
        new_evidence: evidence.to_owned(),
    }
}

fn round(debate: &mut Debate, answers: &[(&str, Vec<StanceLine>)]) {
    let responses: Vec<RoundResponse<'_>> = answers
        .iter()
        .map(|(reviewer, stances)| RoundResponse {
            reviewer,
            stances,
            findings: &[],
        })
        .collect();
    debate.debate_round(&responses);
}

fn id_of(claim: &str) -> String {
    finding_id("src/lib.rs", claim)
}

#[test]
fn identical_findings_from_two_reviewers_merge_into_one_row() {
    let mut debate = Debate::new();
    let mut other = bug("Off-by-one in the loop bound.");
    other.location = "./src/lib.rs:11".to_owned();
    other.evidence = "a different failing test".to_owned();
    debate.blind_pass(&[
        ("alice", &[bug("Off-by-one in the loop bound")]),
        ("bob", &[other]),
    ]);
    assert_eq!(debate.issues().len(), 1);
    let issue = &debate.issues()[0];
    assert_eq!(issue.sources, ["alice", "bob"]);
    assert_eq!(issue.evidence.len(), 2);
    assert!(issue.joined_evidence().contains(" || "));
    assert_eq!(issue.state, IssueState::Proposed);
}

#[test]
fn style_findings_bypass_the_debate() {
    let mut debate = Debate::new();
    let style = finding(
        "src/a.rs",
        "Name is unclear",
        FindingSeverity::Low,
        Category::Style,
    );
    let styled = finding(
        "src/a.rs",
        "Long line",
        FindingSeverity::Style,
        Category::Maintainability,
    );
    debate.blind_pass(&[("alice", &[style, styled])]);
    assert!(debate.converged(), "style notes never keep the debate open");
    let verdict = build(&debate, "scope", 3, Vec::new());
    assert_eq!(verdict.style_notes.len(), 2);
    assert!(render_markdown(&verdict).contains("### Style notes"));
}

#[test]
fn security_findings_go_to_arbitration_whatever_the_others_say() {
    let mut debate = Debate::new();
    let security = finding(
        "src/auth.rs",
        "Token compared with ==",
        FindingSeverity::Critical,
        Category::Security,
    );
    let id = finding_id("src/auth.rs", "Token compared with ==");
    debate.blind_pass(&[("alice", &[security])]);
    assert!(debate.converged());
    round(
        &mut debate,
        &[("bob", vec![stance(&id, Stance::Dismiss, "")])],
    );
    assert_eq!(debate.issues()[0].state, IssueState::Arbitration);
    assert!(
        debate.notes().iter().any(|n| n.contains("no open issue")),
        "{:?}",
        debate.notes()
    );
    let verdict = build(&debate, "scope", 3, Vec::new());
    assert_eq!(verdict.arbitration.len(), 1);
    assert!(verdict.critical.is_empty());
    assert!(
        verdict.has_blocking(),
        "a critical security finding must not pass silently"
    );
    assert!(render_markdown(&verdict).contains("needs external arbitration"));
}

#[test]
fn a_security_report_moves_a_debated_issue_to_arbitration() {
    let mut debate = Debate::new();
    let plain = bug("Input is not validated");
    let mut security = plain.clone();
    security.category = Category::Security;
    debate.blind_pass(&[("alice", &[plain]), ("bob", &[security])]);
    assert_eq!(debate.issues()[0].state, IssueState::Arbitration);
}

#[test]
fn round_cap_leaves_escalated_issues_contested() {
    let mut debate = Debate::new();
    debate.blind_pass(&[("alice", &[bug("Race on the cache")])]);
    let id = id_of("Race on the cache");
    round(
        &mut debate,
        &[
            ("alice", vec![stance(&id, Stance::Defend, "")]),
            ("bob", vec![stance(&id, Stance::Defend, "")]),
        ],
    );
    assert_eq!(debate.issues()[0].state, IssueState::Escalated);
    assert!(!debate.converged());
    let verdict = build(&debate, "scope", 2, Vec::new());
    assert_eq!(verdict.contested.len(), 1);
    assert_eq!(verdict.contested[0].views.len(), 2);
    assert!(!verdict.converged);
    let text = render_markdown(&verdict);
    assert!(text.contains("cap reached"), "{text}");
    assert!(text.contains("alice's view: defend"), "{text}");
}

#[test]
fn round_three_defence_without_new_evidence_is_deferred() {
    let mut debate = Debate::new();
    debate.blind_pass(&[("alice", &[bug("Leak A"), bug("Leak B")])]);
    let (a, b) = (id_of("Leak A"), id_of("Leak B"));
    let all_defend = |evidence: &str| {
        vec![
            stance(&a, Stance::Defend, ""),
            stance(&b, Stance::Defend, evidence),
        ]
    };
    round(
        &mut debate,
        &[("alice", all_defend("")), ("bob", all_defend(""))],
    );
    round(
        &mut debate,
        &[
            ("alice", all_defend("valgrind shows 4 KiB lost")),
            ("bob", all_defend("")),
        ],
    );
    assert_eq!(debate.round(), 3);
    assert_eq!(debate.issues()[0].state, IssueState::Deferred);
    assert_eq!(debate.issues()[1].state, IssueState::Escalated);
    assert!(debate.issues()[1].joined_evidence().contains("valgrind"));
    let verdict = build(&debate, "scope", 3, Vec::new());
    assert_eq!(verdict.contested.len(), 2);
}

#[test]
fn three_reviewers_accept_by_majority_and_escalate_a_minority() {
    let mut debate = Debate::new();
    debate.blind_pass(&[("a", &[bug("One")]), ("b", &[bug("Two")]), ("c", &[])]);
    let (one, two) = (id_of("One"), id_of("Two"));
    round(
        &mut debate,
        &[
            (
                "a",
                vec![
                    stance(&one, Stance::Defend, ""),
                    stance(&two, Stance::Dismiss, ""),
                ],
            ),
            (
                "b",
                vec![
                    stance(&one, Stance::Accept, ""),
                    stance(&two, Stance::Defend, ""),
                ],
            ),
            (
                "c",
                vec![
                    stance(&one, Stance::Concede, ""),
                    stance(&two, Stance::Concede, ""),
                ],
            ),
        ],
    );
    assert_eq!(debate.issues()[0].state, IssueState::Accepted);
    assert_eq!(debate.issues()[1].state, IssueState::Escalated);
    let verdict = build(&debate, "scope", 3, Vec::new());
    assert_eq!(verdict.critical.len(), 1);
    assert!(verdict.has_blocking());
}

#[test]
fn stances_accept_an_unambiguous_id_prefix() {
    let mut debate = Debate::new();
    debate.blind_pass(&[("a", &[bug("Prefix")])]);
    let id = id_of("Prefix");
    round(
        &mut debate,
        &[
            ("a", vec![stance(short_id(&id), Stance::Concede, "")]),
            ("b", vec![stance(&id[..8], Stance::Concede, "")]),
        ],
    );
    assert_eq!(debate.issues()[0].state, IssueState::Rejected);
    assert!(debate.converged());
    let verdict = build(&debate, "scope", 3, Vec::new());
    assert_eq!(verdict.dismissed.len(), 1);
    assert!(render_markdown(&verdict).contains("because concede"));
}

#[test]
fn new_findings_in_a_debate_round_start_proposed_or_merge() {
    let mut debate = Debate::new();
    debate.blind_pass(&[("a", &[bug("Original")])]);
    let original = id_of("Original");
    let mut merging = bug("Same root cause seen in the parser");
    merging.merges = Some(short_id(&original).to_owned());
    let fresh = [bug("Brand new"), merging, bug("original!")];
    let responses = [RoundResponse {
        reviewer: "b",
        stances: &[stance(&original, Stance::Defend, "")][..],
        findings: &fresh,
    }];
    debate.debate_round(&responses);
    let states: Vec<_> = debate.issues().iter().map(|i| i.state).collect();
    assert_eq!(
        states,
        [
            IssueState::Escalated,
            IssueState::Proposed,
            IssueState::Merged
        ]
    );
    assert_eq!(
        debate.issues()[2].merged_into.as_deref(),
        Some(original.as_str())
    );
    assert_eq!(debate.issues()[0].sources, ["a", "b"]);
    assert_eq!(debate.issues()[1].raised_in, 2);
    let verdict = build(&debate, "scope", 3, Vec::new());
    assert_eq!(verdict.issues_total, 2, "merged rows are not counted twice");
    assert!(
        verdict
            .process_notes
            .iter()
            .any(|n| n.contains("merged into"))
    );
}

#[test]
fn accepted_severities_land_in_their_sections() {
    let mut debate = Debate::new();
    let medium = finding(
        "src/lib.rs",
        "Medium one",
        FindingSeverity::Medium,
        Category::Performance,
    );
    let low = finding(
        "src/lib.rs",
        "Low one",
        FindingSeverity::Low,
        Category::Correctness,
    );
    debate.blind_pass(&[("a", &[medium, low])]);
    let answers: Vec<StanceLine> = [id_of("Medium one"), id_of("Low one")]
        .iter()
        .map(|id| stance(id, Stance::Accept, ""))
        .collect();
    round(&mut debate, &[("a", answers.clone()), ("b", answers)]);
    let verdict = build(&debate, "scope", 3, Vec::new());
    assert_eq!(verdict.important.len(), 1);
    assert_eq!(verdict.minor.len(), 1);
    assert!(!verdict.has_blocking());
    assert!(verdict.converged);
}

#[test]
fn empty_review_converges_after_the_blind_pass() {
    let mut debate = Debate::new();
    debate.blind_pass(&[("a", &[]), ("b", &[])]);
    assert!(debate.converged());
    let verdict = build(&debate, "the diff", 3, Vec::new());
    assert_eq!(verdict.issues_total, 0);
    assert!(render_markdown(&verdict).contains("converged after 1 round"));
}

#[test]
fn every_reviewer_failing_is_no_review_never_a_clean_convergence() {
    let debate = Debate::new();
    let failed = |name: &str| ReviewerReport {
        name: name.to_owned(),
        failed: Some("round 1: exit code 1".to_owned()),
        ..ReviewerReport::default()
    };
    let verdict = build(&debate, "the diff", 3, vec![failed("a"), failed("b")]);
    assert!(!verdict.reviewed);
    assert!(!verdict.converged);
    let text = render_markdown(&verdict);
    assert!(text.contains("every reviewer failed"), "{text}");
    assert!(!text.contains("converged"), "{text}");
    let mut one_answered = vec![failed("a"), failed("b")];
    one_answered[0].rounds_answered = 1;
    assert!(build(&debate, "the diff", 3, one_answered).reviewed);
}
