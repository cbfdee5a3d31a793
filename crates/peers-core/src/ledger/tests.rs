//! Tests for the bug ledger, one per rule, on synthetic commit lists.

use super::*;

fn commit(sha: &str, message: &str) -> LedgerCommit {
    LedgerCommit::from_message(sha.repeat(40 / sha.len()), message)
}

fn report(id: &str, severity: &str, peer: &str) -> String {
    format!(
        "{id}: something broke\n\n## Bug-Report\n{{\"id\":\"{id}\",\"severity\":\"{severity}\",\
         \"fix_by\":\"codex\",\"location\":\"src/parser.py:42\",\"description\":\"Crashes on empty input\"}}\n\n\
         Peer: {peer}\nBug-Report: {id}\n"
    )
}

fn resolve(id: &str, status: &str, peer: &str) -> String {
    format!(
        "Resolve {id}\n\n## Bug-Resolution\n{{\"resolves\":\"{id}\",\"status\":\"{status}\",\"note\":\"n\"}}\n\n\
         Peer: {peer}\nBug-Resolves: {id}\n"
    )
}

fn trailers_only(peer: &str, trailers: &str) -> String {
    format!("Subject\n\nPeer: {peer}\n{trailers}\n")
}

fn ledger(messages: &[String]) -> Ledger {
    let commits: Vec<LedgerCommit> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| commit(&format!("{:x}", i + 1), m))
        .collect();
    Ledger::build(&commits)
}

#[test]
fn readme_example_report_then_fix_closes_the_bug() {
    let l = ledger(&[
        report("BUG-007", "high", "claude"),
        resolve("BUG-007", "fixed", "codex"),
    ]);
    let bug = l.bug("BUG-007").unwrap();
    assert_eq!(bug.severity, Severity::High);
    assert_eq!(bug.found_by.as_deref(), Some("claude"));
    assert_eq!(bug.fields.fix_by.as_deref(), Some("codex"));
    assert_eq!(
        bug.resolution.as_ref().unwrap().resolved_by.as_deref(),
        Some("codex")
    );
    assert!(!bug.is_open());
    assert!(l.warnings().is_empty(), "{:?}", l.warnings());
    let summary = l.summary();
    assert_eq!(
        (summary.total, summary.open_blocking, summary.fixed),
        (1, 0, 1)
    );
}

#[test]
fn regression_commented_json_report_blocks_instead_of_becoming_info() {
    // Regression: the original's prompt example had `//` comments.
    let message = "BUG-1: x\n\n## Bug-Report\n{\"id\":\"BUG-1\", \"severity\":\"low\" // crit|high|med|low|info\n}\n\nPeer: gemini\nBug-Report: BUG-1\n";
    let l = ledger(&[message.to_owned()]);
    let bug = l.bug("BUG-1").unwrap();
    assert_eq!(bug.severity, Severity::High);
    assert!(bug.malformed && bug.is_open_blocking());
    let warning = &l.warnings()[0];
    assert_eq!(warning.peer.as_deref(), Some("gemini"));
    assert_eq!(warning.sha, "1".repeat(40));
    assert!(
        warning
            .to_string()
            .starts_with("1111111 by gemini: Bug-Report BUG-1 is malformed")
    );
}

#[test]
fn missing_or_unknown_severity_is_malformed_high() {
    let no_json = trailers_only("a", "Bug-Report: BUG-1");
    let wrong_id =
        "S\n\n{\"id\":\"BUG-9\",\"severity\":\"low\"}\n\nPeer: a\nBug-Report: BUG-2\n".to_owned();
    let bad_word = report("BUG-3", "critical", "a");
    let no_field = "S\n\n{\"id\":\"BUG-4\"}\n\nPeer: a\nBug-Report: BUG-4\n".to_owned();
    let l = ledger(&[no_json, wrong_id, bad_word, no_field]);
    for id in ["BUG-1", "BUG-2", "BUG-3", "BUG-4"] {
        let bug = l.bug(id).unwrap();
        assert_eq!(
            (bug.severity, bug.malformed),
            (Severity::High, true),
            "{id}"
        );
    }
    assert!(
        l.warnings()[2]
            .message
            .contains("\"critical\" is not one of")
    );
}

/// Regression guard: the author's warning names what is wrong with a malformed body.
#[test]
fn a_malformed_reports_warning_says_what_is_wrong_with_its_body() {
    let wrong_id =
        "S\n\n{\"id\":\"BUG-9\",\"severity\":\"low\"}\n\nPeer: a\nBug-Report: BUG-2\n".to_owned();
    let bad_word = report("BUG-3", "critical", "a");
    let no_field = "S\n\n{\"id\":\"BUG-4\"}\n\nPeer: a\nBug-Report: BUG-4\n".to_owned();
    let not_text =
        "S\n\n{\"id\":\"BUG-5\",\"severity\":[3]}\n\nPeer: a\nBug-Report: BUG-5\n".to_owned();
    let l = ledger(&[wrong_id, bad_word, no_field, not_text]);
    let reasons: Vec<&str> = l
        .warnings()
        .iter()
        .map(|warning| warning.message.as_str())
        .collect();
    let tail = "; recorded as high (blocking) until re-filed with a valid JSON body";
    assert_eq!(
        reasons,
        [
            format!(
                "Bug-Report BUG-2 is malformed: its body has no JSON object with \"id\": \"BUG-2\"{tail}"
            ),
            format!(
                "Bug-Report BUG-3 is malformed: severity \"critical\" is not one of crit, high, med, low, info{tail}"
            ),
            format!("Bug-Report BUG-4 is malformed: its JSON has no \"severity\"{tail}"),
            format!("Bug-Report BUG-5 is malformed: severity [3] is not a string{tail}"),
        ]
    );
}

#[test]
fn severity_words_are_case_insensitive() {
    let l = ledger(&[report("BUG-1", "MED", "a")]);
    assert_eq!(l.bug("BUG-1").unwrap().severity, Severity::Med);
    assert!(!l.bug("BUG-1").unwrap().malformed);
}

#[test]
fn the_most_severe_object_for_the_id_counts_anti_decoy() {
    let message = "S\n\n{\"id\":\"BUG-1\",\"severity\":\"low\",\"title\":\"decoy\"}\n\
                   {\"id\":\"BUG-1\",\"severity\":\"crit\",\"title\":\"real\"}\n\
                   {\"id\":\"BUG-1\",\"severity\":\"bogus\"}\n\nPeer: a\nBug-Report: BUG-1\n";
    let l = ledger(&[message.to_owned()]);
    let bug = l.bug("BUG-1").unwrap();
    assert_eq!((bug.severity, bug.malformed), (Severity::Crit, false));
    assert_eq!(bug.fields.title.as_deref(), Some("real"));
    // An unreadable severity next to a low one raises the bug to high.
    let mixed = "S\n\n{\"id\":\"BUG-2\",\"severity\":\"low\"}\n{\"id\":\"BUG-2\",\"severity\":3}\n\nPeer: a\nBug-Report: BUG-2\n";
    let l = ledger(&[mixed.to_owned()]);
    assert_eq!(l.bug("BUG-2").unwrap().severity, Severity::High);
}

#[test]
fn refiling_keeps_the_higher_severity_but_newest_fields() {
    let newer = "BUG-1 again\n\n{\"id\":\"BUG-1\",\"severity\":\"low\",\"description\":\"newer\"}\n\nPeer: b\nBug-Report: BUG-1\n";
    let l = ledger(&[report("BUG-1", "crit", "a"), newer.to_owned()]);
    let bug = l.bug("BUG-1").unwrap();
    assert_eq!(bug.severity, Severity::Crit);
    assert_eq!(bug.fields.description.as_deref(), Some("newer"));
    assert_eq!(
        bug.fields.fix_by.as_deref(),
        Some("codex"),
        "older field kept"
    );
    assert_eq!(
        (bug.sha.as_str(), bug.found_by.as_deref()),
        ("2".repeat(40).as_str(), Some("b"))
    );
    assert!(
        l.warnings()[0]
            .message
            .contains("keeping the older severity crit")
    );
}

#[test]
fn refiling_a_malformed_report_replaces_its_fail_closed_severity() {
    let l = ledger(&[
        trailers_only("a", "Bug-Report: BUG-1"),
        report("BUG-1", "low", "a"),
    ]);
    let bug = l.bug("BUG-1").unwrap();
    assert_eq!((bug.severity, bug.malformed), (Severity::Low, false));
    assert!(!bug.is_open_blocking());
}

#[test]
fn a_report_newer_than_its_resolution_reopens_the_bug() {
    let l = ledger(&[
        report("BUG-1", "med", "a"),
        resolve("BUG-1", "fixed", "b"),
        report("BUG-1", "med", "a"),
    ]);
    let bug = l.bug("BUG-1").unwrap();
    assert!(bug.resolution.is_none() && bug.is_open_blocking());
    assert!(
        l.warnings()[0]
            .message
            .contains("reopened (resolution 2222222 ignored)")
    );
}

#[test]
fn a_resolution_before_any_report_is_ignored() {
    let l = ledger(&[resolve("BUG-1", "fixed", "b"), report("BUG-1", "high", "a")]);
    assert!(l.bug("BUG-1").unwrap().is_open_blocking());
    assert!(l.warnings()[0].message.contains("names no reported bug"));
}

#[test]
fn resolution_without_json_is_fixed_and_json_can_use_id() {
    let bare = trailers_only("b", "Bug-Resolves: BUG-1");
    let by_id =
        "R\n\n{\"id\":\"BUG-2\",\"status\":\"duplicate\"}\n\nPeer: b\nBug-Resolves: BUG-2\n";
    let l = ledger(&[
        report("BUG-1", "high", "a"),
        report("BUG-2", "high", "a"),
        bare,
        by_id.to_owned(),
    ]);
    assert_eq!(
        l.bug("BUG-1").unwrap().resolution.as_ref().unwrap().status,
        ResolutionStatus::Fixed
    );
    assert_eq!(
        l.bug("BUG-2").unwrap().resolution.as_ref().unwrap().status,
        ResolutionStatus::Duplicate
    );
    assert!(l.warnings().is_empty());
}

#[test]
fn a_resolution_section_without_readable_json_warns_but_counts_as_fixed() {
    let broken = "Resolve\n\n## Bug-Resolution\n{\"resolves\":\"BUG-1\", status: wontfix}\n\nPeer: b\nBug-Resolves: BUG-1\n";
    let l = ledger(&[report("BUG-1", "high", "a"), broken.to_owned()]);
    assert!(!l.bug("BUG-1").unwrap().is_open());
    assert!(l.warnings()[0].message.contains("treated as fixed"));
    assert_eq!(l.warnings()[0].peer.as_deref(), Some("b"));
}

#[test]
fn wontfix_duplicate_invalid_and_unknown_statuses_stay_open() {
    let l = ledger(&[
        report("BUG-1", "high", "a"),
        report("BUG-2", "high", "a"),
        report("BUG-3", "high", "a"),
        report("BUG-4", "high", "a"),
        resolve("BUG-1", "wontfix", "b"),
        resolve("BUG-2", "duplicate", "b"),
        resolve("BUG-3", "invalid", "b"),
        resolve("BUG-4", "nah", "b"),
    ]);
    assert_eq!(l.open_blocking().len(), 4);
    let unknown = l.bug("BUG-4").unwrap().resolution.as_ref().unwrap();
    assert_eq!(unknown.status, ResolutionStatus::Invalid);
    assert!(l.warnings()[0].message.contains("\"nah\" is unknown"));
}

#[test]
fn wontfix_closes_only_with_another_peers_agreement() {
    let agree = |peer: &str| trailers_only(peer, "Bug-Wontfix-Agree: BUG-1");
    let l = ledger(&[
        report("BUG-1", "high", "a"),
        resolve("BUG-1", "wontfix", "b"),
        agree("b"),
    ]);
    assert!(l.bug("BUG-1").unwrap().is_open());
    assert!(
        l.warnings()[0]
            .message
            .contains("comes from b, who wrote the wontfix")
    );

    let l = ledger(&[
        report("BUG-1", "high", "a"),
        resolve("BUG-1", "wontfix", "b"),
        agree("a"),
    ]);
    let bug = l.bug("BUG-1").unwrap();
    assert!(!bug.is_open());
    assert_eq!(
        bug.resolution
            .as_ref()
            .unwrap()
            .wontfix_agreed_by
            .as_deref(),
        Some("a")
    );
    assert_eq!(l.summary().wontfix_agreed, 1);

    let l = ledger(&[
        report("BUG-1", "high", "a"),
        resolve("BUG-1", "invalid", "b"),
        agree("a"),
    ]);
    assert!(l.bug("BUG-1").unwrap().is_open());
    assert!(l.warnings()[0].message.contains("no wontfix resolution"));
}

#[test]
fn a_new_resolution_drops_an_earlier_wontfix_agreement() {
    let l = ledger(&[
        report("BUG-1", "high", "a"),
        resolve("BUG-1", "wontfix", "b"),
        trailers_only("a", "Bug-Wontfix-Agree: BUG-1"),
        resolve("BUG-1", "wontfix", "a"),
    ]);
    assert!(l.bug("BUG-1").unwrap().is_open());
}

#[test]
fn defer_closes_with_its_reason_and_warns_without_one() {
    let with_reason = "Defer\n\n{\"defers\":\"BUG-1\",\"reason\":\"needs upstream release\"}\n\nPeer: b\nBug-Defer: BUG-1\n";
    let l = ledger(&[
        report("BUG-1", "high", "a"),
        report("BUG-2", "high", "a"),
        with_reason.to_owned(),
        trailers_only("b", "Bug-Defer: BUG-2"),
    ]);
    let resolution = l.bug("BUG-1").unwrap().resolution.clone().unwrap();
    assert_eq!(resolution.status, ResolutionStatus::Deferred);
    assert_eq!(resolution.note.as_deref(), Some("needs upstream release"));
    assert!(!l.bug("BUG-2").unwrap().is_open());
    assert!(l.warnings()[0].message.contains("gives no reason"));
    assert_eq!(l.summary().deferred, 2);
}

#[test]
fn reproductions_are_recorded_before_and_after_the_report() {
    let l = ledger(&[
        trailers_only("b", "Bug-Reproduce: BUG-1"),
        report("BUG-1", "high", "a"),
        "TDD: reproducer for BUG-1\n\nPeer: b\n".to_owned(),
        trailers_only("b", "Bug-Reproduce: BUG-2"),
    ]);
    let bug = l.bug("BUG-1").unwrap();
    assert_eq!(bug.reproductions, vec!["1".repeat(40), "3".repeat(40)]);
    assert_eq!(l.summary().reproduced, 1);
}

#[test]
fn weak_fix_flags_and_several_reports_in_one_commit() {
    let message = "Two\n\n{\"id\":\"BUG-1\",\"severity\":\"low\"}\n{\"id\":\"BUG-2\",\"severity\":\"info\"}\n\n\
                   Peer: a\nBug-Report: BUG-1\nBug-Report: Weak-Fix: BUG-2 (the guard is a no-op)\n";
    let c = commit("1", message);
    let l = Ledger::build([&c]);
    assert_eq!(l.bugs().len(), 2);
    assert_eq!(l.bug("BUG-2").unwrap().flag.as_deref(), Some("weak-fix"));
    assert_eq!(blocking_or_flag_reports(&c), 1);
    assert_eq!(
        blocking_or_flag_reports(&commit("2", &report("BUG-3", "med", "a"))),
        1
    );
    assert_eq!(
        blocking_or_flag_reports(&commit("3", &report("BUG-4", "low", "a"))),
        0
    );
}

#[test]
fn a_commit_may_report_and_resolve_the_same_bug() {
    let message = format!("{}Bug-Resolves: BUG-1\n", report("BUG-1", "high", "a"));
    assert!(!ledger(&[message]).bug("BUG-1").unwrap().is_open());
}

#[test]
fn empty_trailer_values_warn() {
    let l = ledger(&[trailers_only("a", "Bug-Report:")]);
    assert!(l.bugs().is_empty());
    assert!(l.warnings()[0].message.contains("names no bug id"));
}

#[test]
fn summary_counts_open_bugs_by_severity_and_lists_blocking_most_severe_first() {
    let l = ledger(&[
        report("BUG-1", "med", "a"),
        report("BUG-2", "crit", "a"),
        report("BUG-3", "low", "a"),
        report("BUG-4", "high", "a"),
        resolve("BUG-4", "fixed", "b"),
    ]);
    let summary = l.summary();
    let expected = SeverityCounts {
        crit: 1,
        high: 0,
        med: 1,
        low: 1,
        info: 0,
    };
    assert_eq!(summary.open_by_severity, expected);
    assert_eq!(
        (summary.total, summary.open_blocking, summary.fixed),
        (4, 2, 1)
    );
    let ids: Vec<&str> = l.open_blocking().iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["BUG-2", "BUG-1"]);
}

#[test]
fn applying_commits_one_by_one_equals_building_at_once() {
    let messages = [report("BUG-1", "high", "a"), resolve("BUG-1", "fixed", "b")];
    let commits: Vec<LedgerCommit> = messages.iter().map(|m| commit("a", m)).collect();
    let mut incremental = Ledger::default();
    for c in &commits {
        incremental.apply(c);
    }
    assert_eq!(incremental.bugs(), Ledger::build(&commits).bugs());
}

#[test]
fn json_output_flattens_report_fields() {
    let l = ledger(&[report("BUG-7", "high", "claude")]);
    let value = serde_json::to_value(&l).unwrap();
    let bug = &value["bugs"][0];
    assert_eq!(bug["id"], "BUG-7");
    assert_eq!(bug["severity"], "high");
    assert_eq!(bug["location"], "src/parser.py:42");
    assert_eq!(bug["resolution"], serde_json::Value::Null);
    let summary = serde_json::to_value(l.summary()).unwrap();
    assert_eq!(summary["open_by_severity"]["high"], 1);
}

/// A commit filing `count` well-formed low-severity reports, bodies first then trailers.
fn many_reports(count: usize, peer: &str) -> String {
    let bodies: String = (0..count)
        .map(|i| format!("{{\"id\":\"BUG-{i}\",\"severity\":\"low\"}}\n"))
        .collect();
    let trailers: String = (0..count)
        .map(|i| format!("Bug-Report: BUG-{i}\n"))
        .collect();
    format!("Many\n\n## Bug-Report\n{bodies}\nPeer: {peer}\n{trailers}")
}

#[test]
fn a_commit_may_file_up_to_the_cap() {
    let l = ledger(&[many_reports(MAX_FILINGS_PER_COMMIT, "claude")]);
    assert_eq!(l.summary().total, MAX_FILINGS_PER_COMMIT);
    assert_eq!(l.summary().open_blocking, 0);
    assert!(l.warnings().is_empty(), "{:?}", l.warnings());
}

/// Regression: reading the ledger was quadratic in the Bug-Reports of one commit (40,000
/// took 120 s and stalled the loop); a flood is now one malformed, blocking filing.
#[test]
fn a_commit_over_the_cap_is_one_malformed_filing_reported_to_its_author() {
    let l = ledger(&[many_reports(MAX_FILINGS_PER_COMMIT + 1, "codex")]);
    assert_eq!(l.summary().total, 1);
    assert_eq!(l.summary().open_blocking, 1);
    let bug = l.bug("BUG-0").unwrap();
    assert!(bug.malformed);
    assert_eq!(bug.severity, Severity::High);
    let warning = &l.warnings()[0];
    assert_eq!(warning.peer.as_deref(), Some("codex"));
    assert!(
        warning.message.contains(&format!(
            "files {} Bug-Reports and at most {MAX_FILINGS_PER_COMMIT}",
            MAX_FILINGS_PER_COMMIT + 1
        )),
        "{warning}"
    );
}

#[test]
fn resolutions_over_the_cap_are_ignored_with_a_warning() {
    let resolves: String = (0..=MAX_FILINGS_PER_COMMIT)
        .map(|i| format!("Bug-Resolves: BUG-{i}\n"))
        .collect();
    let l = ledger(&[
        many_reports(MAX_FILINGS_PER_COMMIT, "claude"),
        format!("Fix all\n\nPeer: codex\n{resolves}"),
    ]);
    assert_eq!(l.summary().fixed, MAX_FILINGS_PER_COMMIT);
    assert!(
        l.warnings()
            .iter()
            .any(|w| w.message.contains("only the first 500 were read")),
        "{:?}",
        l.warnings()
    );
}

#[test]
fn the_first_object_naming_a_bug_decides_its_resolution() {
    let l = ledger(&[
        report("BUG-1", "high", "claude"),
        "Fix\n\n## Bug-Resolution\n{\"id\":\"BUG-1\",\"status\":\"wontfix\"}\n{\"resolves\":\"BUG-1\",\"status\":\"fixed\"}\n\nPeer: codex\nBug-Resolves: BUG-1\n".to_owned(),
    ]);
    let resolution = l.bug("BUG-1").unwrap().resolution.clone().unwrap();
    assert_eq!(resolution.status, ResolutionStatus::Wontfix);
}
