//! The demo story driven by hand: six invocations alternating implementer (alice) and
//! reviewer (bob), checked against git, the bug ledger and the sample project's tests.

use std::path::Path;
use std::process::{Command, Stdio};

use peers_core::ledger::{Ledger, LedgerCommit, ResolutionStatus, Severity};
use peers_core::trailer::{has_section, is_handoff, json_objects, last_value, parse_trailers};
use peers_git::{Commit, Git};

use super::support::{AGENT, git, repo_with};

const REQUESTED: &str = "\
You are peer '{me}'. Your counterpart is '{other}'.
SOFT REVIEWS REQUESTED (please answer in this turn):
  - tests-reviewed: Are the tests meaningful?
INBOX (messages from your peer):
  - nothing
";

/// One demo invocation; `with_section` chooses between a prompt that requests a review and
/// one without a section (so the fallback goal ids are used).
fn tick(repo: &Path, builtin: &str, me: &str, other: &str, with_section: bool) {
    let prompt = if with_section {
        REQUESTED.replace("{me}", me).replace("{other}", other)
    } else {
        format!("You are peer '{me}'. TASK: take one step.")
    };
    let output = Command::new(AGENT)
        .args(["--builtin", builtin, &prompt])
        .current_dir(repo)
        .env("PEERS_PEER_NAME", me)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{builtin}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn test_summary(repo: &Path) -> (bool, String) {
    let output = Command::new("sh")
        .arg("tests/run.sh")
        .current_dir(repo)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or("").to_owned();
    (output.status.success(), last)
}

fn ledger(commits: &[Commit]) -> Ledger {
    let commits: Vec<LedgerCommit> = commits
        .iter()
        .map(|c| LedgerCommit::from_message(c.sha.clone(), c.message.clone()))
        .collect();
    Ledger::build(&commits)
}

/// Every commit of a tick is by `peer` (identity and trailer), and the last one hands off.
fn check_tick(commits: &[Commit], peer: &str) {
    assert!(!commits.is_empty(), "{peer} made no commit");
    for commit in commits {
        assert_eq!(commit.author_name, peer);
        assert_eq!(commit.author_email, format!("{peer}@peers.local"));
        assert_eq!(
            last_value(&parse_trailers(&commit.message), "Peer"),
            Some(peer)
        );
    }
    let handoff = &commits[commits.len() - 1].message;
    assert!(is_handoff(handoff), "no handoff:\n{handoff}");
    assert!(has_section(handoff, "Self-Review"), "{handoff}");
}

/// The soft reviews in `commits`: (goal, pass).
fn reviews(commits: &[Commit]) -> Vec<(String, bool)> {
    commits
        .iter()
        .filter_map(|commit| {
            let trailers = parse_trailers(&commit.message);
            let goal = last_value(&trailers, "Peer-Review-Of")?.to_owned();
            assert!(has_section(&commit.message, "Review"));
            let pass = json_objects(&commit.message)[0]["pass"].as_bool().unwrap();
            Some((goal, pass))
        })
        .collect()
}

/// Files a tick changed: the diff from the HEAD before it to the one after it.
fn changed_files(repo: &Path, from: &str, to: &str) -> String {
    git(repo, &["diff", "--name-only", from, to])
}

#[test]
fn six_turns_file_fix_and_converge() {
    let repo = repo_with(|dir| peers_sim::write_demo_repository(dir).unwrap());
    let path = repo.path();
    let git = Git::discover(path).unwrap();
    assert_eq!(test_summary(path), (false, "4 passed, 1 failed".into()));
    let plan = [
        ("demo-implementer", "alice", "bob", false),
        ("demo-reviewer", "bob", "alice", true),
        ("demo-implementer", "alice", "bob", true),
        ("demo-reviewer", "bob", "alice", false),
        ("demo-implementer", "alice", "bob", true),
        ("demo-reviewer", "bob", "alice", true),
    ];
    let mut per_tick = Vec::new();
    for (builtin, me, other, with_section) in plan {
        let before = git.head().unwrap().unwrap();
        tick(path, builtin, me, other, with_section);
        let commits = git.commits(&format!("{before}..HEAD")).unwrap();
        check_tick(&commits, me);
        let after = git.head().unwrap().unwrap();
        per_tick.push((
            changed_files(path, &before, &after),
            commits,
            test_summary(path),
        ));
    }

    // Tick 1: the feature, tests still red on the planted bug.
    let (changed, feature, tests) = &per_tick[0];
    assert_eq!(feature.len(), 1);
    assert_eq!(changed, "calc.sh\ntests/cases.sh\n");
    assert_eq!(tests, &(false, "7 passed, 1 failed".to_owned()));
    assert!(reviews(feature).is_empty());

    // Tick 2: BUG-001 filed by bob for alice, a failing review, a handoff; no file changed.
    let (changed, filing, _) = &per_tick[1];
    assert!(filing[0].message.starts_with("BUG-001: "));
    assert_eq!(reviews(filing), vec![("tests-reviewed".to_owned(), false)]);
    assert_eq!(changed, "");
    let all = git.commits("HEAD").unwrap();
    let bug = ledger(&all).bug("BUG-001").unwrap().clone();
    assert_eq!(bug.severity, Severity::High);
    assert_eq!(bug.found_by.as_deref(), Some("bob"));
    assert_eq!(bug.fields.fix_by.as_deref(), Some("alice"));
    assert_eq!(
        bug.fields.location.as_deref(),
        Some("calc.sh:15"),
        "mul moved div down a line"
    );

    // Tick 3: alice fixes and resolves it in her handoff; the suite goes green.
    let (changed, fix, tests) = &per_tick[2];
    assert_eq!(fix.len(), 1);
    assert_eq!(changed, "calc.sh\ntests/cases.sh\n");
    assert_eq!(
        last_value(&parse_trailers(&fix[0].message), "Bug-Resolves"),
        Some("BUG-001")
    );
    assert_eq!(tests, &(true, "11 passed, 0 failed".to_owned()));
    let resolution = ledger(&all_commits(&git))
        .bug("BUG-001")
        .unwrap()
        .resolution
        .clone()
        .unwrap();
    assert_eq!(resolution.status, ResolutionStatus::Fixed);
    assert_eq!(resolution.resolved_by.as_deref(), Some("alice"));

    // Ticks 4-6: passing reviews (requested or fallback ids), handoffs, nothing changed.
    let fallback = vec![
        ("bug-hunt-round-1".to_owned(), true),
        ("test-coverage-3-class".to_owned(), true),
    ];
    let requested = vec![("tests-reviewed".to_owned(), true)];
    for (index, expected) in [(3, &fallback), (4, &requested), (5, &requested)] {
        let (changed, commits, tests) = &per_tick[index];
        assert_eq!(&reviews(commits), expected, "tick {}", index + 1);
        assert_eq!(changed, "", "tick {}", index + 1);
        assert!(tests.0);
    }
    let final_ledger = ledger(&all_commits(&git));
    assert_eq!(final_ledger.bugs().len(), 1);
    assert!(final_ledger.open_blocking().is_empty());
    assert!(
        final_ledger.warnings().is_empty(),
        "{:?}",
        final_ledger.warnings()
    );
}

fn all_commits(git: &Git) -> Vec<Commit> {
    git.commits("HEAD").unwrap()
}

#[test]
fn unknown_builtin_is_refused_with_the_known_names() {
    let repo = repo_with(|dir| peers_sim::write_demo_repository(dir).unwrap());
    let output = Command::new(AGENT)
        .args(["--builtin", "demo-nobody", "prompt"])
        .current_dir(repo.path())
        .env("PEERS_PEER_NAME", "alice")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(125));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("demo-implementer, demo-reviewer"),
        "{stderr}"
    );
}
