//! Tests for the built-in gates on hermetic temporary repositories.

use crate::verdict::Verdict;

use peers_git::{Git, Identity};

use super::*;

struct Repo {
    dir: tempfile::TempDir,
    git: Git,
    counter: std::cell::Cell<usize>,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        peers_testkit::git(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
        let git = Git::discover(dir.path()).unwrap();
        Repo {
            dir,
            git,
            counter: std::cell::Cell::new(0),
        }
    }

    /// Commit a fresh file with `message` as `peer`; returns the commit id.
    fn commit(&self, peer: &str, message: &str) -> String {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        let name = format!("file-{n}.txt");
        std::fs::write(self.dir.path().join(&name), n.to_string()).unwrap();
        self.git.add(&[&name]).unwrap();
        let identity = Identity {
            name: peer.to_owned(),
            email: format!("{peer}@peers.invalid"),
        };
        self.git.commit(message, &identity).unwrap()
    }
}

const GOOD_HANDOFF: &str = "Add parser\n\n## Self-Review\nTests cover empty input.\n\nPeer: claude\nSelf-Review: pass\nPeer-Status: handoff\n";

#[test]
fn self_review_fails_on_an_empty_repository() {
    let repo = Repo::new();
    let Verdict { pass, diagnostic } = self_review_on_handoff(&repo.git);
    assert!(!pass);
    assert!(diagnostic.contains("no handoff commit yet"), "{diagnostic}");
}

#[test]
fn self_review_fails_without_any_handoff() {
    let repo = Repo::new();
    repo.commit("claude", "Work in progress\n\nPeer: claude\n");
    let Verdict { pass, diagnostic } = self_review_on_handoff(&repo.git);
    assert!(!pass);
    assert!(diagnostic.contains("no handoff commit yet"), "{diagnostic}");
}

#[test]
fn self_review_passes_a_complete_handoff() {
    let repo = Repo::new();
    let sha = repo.commit("claude", GOOD_HANDOFF);
    repo.commit("claude", "Later non-handoff commit\n\nPeer: claude\n");
    let Verdict { pass, diagnostic } = self_review_on_handoff(&repo.git);
    assert!(pass, "{diagnostic}");
    assert!(diagnostic.contains(&sha[..7]));
}

#[test]
fn self_review_names_what_the_newest_handoff_lacks() {
    let repo = Repo::new();
    repo.commit("claude", GOOD_HANDOFF);
    let sha = repo.commit(
        "codex",
        "Fix\n\nNo section here.\n\nPeer: codex\nSelf-Review: skipped\nPeer-Status: handoff\n",
    );
    let Verdict { pass, diagnostic } = self_review_on_handoff(&repo.git);
    assert!(!pass);
    assert_eq!(
        diagnostic,
        format!(
            "self-review: handoff {} lacks the trailer `Self-Review: pass` (it says `skipped`) \
             and a `## Self-Review` section in the body",
            &sha[..7]
        )
    );
}

#[test]
fn self_review_requires_the_section_even_with_the_trailer() {
    let repo = Repo::new();
    repo.commit(
        "claude",
        "Fix\n\nPeer: claude\nSelf-Review: pass\nPeer-Status: handoff\n",
    );
    let Verdict { pass, diagnostic } = self_review_on_handoff(&repo.git);
    assert!(!pass);
    assert!(
        diagnostic.ends_with("lacks a `## Self-Review` section in the body"),
        "{diagnostic}"
    );
}

const README_REPORT: &str = "BUG-007: null deref in parser\n\n## Bug-Report\n{\"id\":\"BUG-007\",\"severity\":\"high\",\"fix_by\":\"codex\",\n \"location\":\"src/parser.py:42\",\n \"description\":\"Crashes on empty input; expected: return None.\"}\n\nPeer: claude\nBug-Report: BUG-007\n";
const README_RESOLUTION: &str = "Resolve BUG-007\n\n## Bug-Resolution\n{\"resolves\":\"BUG-007\",\"status\":\"fixed\",\"note\":\"guarded with if not s: return\"}\n\nPeer: codex\nBug-Resolves: BUG-007\n";

#[test]
fn bug_hunt_passes_an_empty_repository() {
    let repo = Repo::new();
    let Verdict { pass, diagnostic } = bug_hunt_clean(&repo.git);
    assert!(pass, "{diagnostic}");
}

#[test]
fn bug_hunt_lists_open_blocking_bugs_then_passes_once_fixed() {
    let repo = Repo::new();
    repo.commit("claude", README_REPORT);
    let Verdict { pass, diagnostic } = bug_hunt_clean(&repo.git);
    assert!(!pass);
    assert_eq!(
        diagnostic,
        "bug-hunt: 1 blocking open (crit=0 high=1 med=0 low=0 info=0); 1 total reported, \
         0 fixed, 0 deferred, 0 have reproduce-tests\n\
         BUG-007 high fix_by=codex src/parser.py:42 — Crashes on empty input; expected: return None."
    );
    repo.commit("codex", README_RESOLUTION);
    let Verdict { pass, diagnostic } = bug_hunt_clean(&repo.git);
    assert!(pass, "{diagnostic}");
    assert!(diagnostic.starts_with("bug-hunt: 0 blocking open"));
    assert!(diagnostic.contains("1 total reported, 1 fixed"));
}

#[test]
fn bug_hunt_tells_the_author_about_a_malformed_report() {
    let repo = Repo::new();
    let sha = repo.commit(
        "gemini",
        "BUG-1: x\n\n{\"id\":\"BUG-1\",\"severity\":\"high\" // crit|high}\n\nPeer: gemini\nBug-Report: BUG-1\n",
    );
    let Verdict { pass, diagnostic } = bug_hunt_clean(&repo.git);
    assert!(!pass);
    let short = &sha[..7];
    assert!(
        diagnostic.contains(&format!(
            "BUG-1 high (malformed report by gemini in {short}"
        )),
        "{diagnostic}"
    );
    assert!(diagnostic.contains(&format!(
        "warning: {short} by gemini: Bug-Report BUG-1 is malformed"
    )));
}

#[test]
fn bug_hunt_explains_an_unagreed_wontfix() {
    let repo = Repo::new();
    repo.commit("claude", README_REPORT);
    let wontfix = README_RESOLUTION.replace("\"fixed\"", "\"wontfix\"");
    let sha = repo.commit("codex", &wontfix);
    let Verdict { pass, diagnostic } = bug_hunt_clean(&repo.git);
    assert!(!pass);
    assert!(
        diagnostic.contains(&format!(
            "[wontfix by codex in {}, awaiting `Bug-Wontfix-Agree` from another peer]",
            &sha[..7]
        )),
        "{diagnostic}"
    );
    repo.commit(
        "claude",
        "Agree\n\nPeer: claude\nBug-Wontfix-Agree: BUG-007\n",
    );
    let Verdict { pass, diagnostic } = bug_hunt_clean(&repo.git);
    assert!(pass, "{diagnostic}");
}

#[test]
fn long_descriptions_are_cut_to_one_line() {
    assert_eq!(one_line("first\nsecond"), "first");
    let long = "x".repeat(500);
    assert_eq!(one_line(&long).chars().count(), MAX_DESCRIPTION_CHARS + 1);
}
