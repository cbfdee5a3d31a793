//! Another peer's agreement to a test change. A test that was red at the baseline and passes
//! now only because its test was changed (expectation rewritten, skipped, deleted, renamed)
//! needs a peer other than the author of each commit that changed tests to commit
//! `Test-Change-Agree: <commit>` (a sha prefix of at least 7 hex digits) or
//! `Test-Change-Agree: <test id>`, exactly like `Bug-Wontfix-Agree` for a `wontfix`. The
//! author's own `Justified-Test-Only` or `Justified-Test-Change` never counts for this class.

use crate::trailer;

/// The trailer another peer commits to agree with a test change.
pub const TEST_CHANGE_AGREE: &str = "Test-Change-Agree";

/// Shortest commit prefix an agreement may name.
const MIN_SHA_PREFIX: usize = 7;

/// One commit since the baseline, as the agreement rule reads it (oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthoredCommit {
    pub sha: String,
    /// Who made it: the orchestrator's attestation in a run, else its `Peer:` trailer.
    pub author: Option<String>,
    pub message: String,
    /// Whether the commit changed a test file.
    pub changes_tests: bool,
}

/// A test-changing commit that still needs another peer's agreement for `test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unagreed {
    pub test: String,
    pub sha: String,
    pub author: Option<String>,
}

/// For every test in `tests` (red at the baseline, passing now because of a test change), the
/// test-changing commits not agreed to by another peer. Empty when every change is agreed.
pub fn unagreed_test_changes(commits: &[AuthoredCommit], tests: &[String]) -> Vec<Unagreed> {
    let mut missing = Vec::new();
    for test in tests {
        for (index, change) in commits.iter().enumerate().filter(|(_, c)| c.changes_tests) {
            let agreed = commits[index + 1..]
                .iter()
                .any(|later| agrees(later, change, test));
            if !agreed {
                missing.push(Unagreed {
                    test: test.clone(),
                    sha: change.sha.clone(),
                    author: change.author.clone(),
                });
            }
        }
    }
    missing
}

/// Whether `later` agrees with `change` for `test`: a different, known peer naming the commit
/// or the test.
fn agrees(later: &AuthoredCommit, change: &AuthoredCommit, test: &str) -> bool {
    let (Some(agreer), Some(author)) = (&later.author, &change.author) else {
        return false;
    };
    if agreer == author {
        return false;
    }
    let trailers = trailer::parse_trailers(&later.message);
    trailer::values(&trailers, TEST_CHANGE_AGREE)
        .filter_map(|value| value.split_whitespace().next())
        .any(|value| names_commit(value, &change.sha) || names_test(value, test))
}

fn names_commit(value: &str, sha: &str) -> bool {
    value.len() >= MIN_SHA_PREFIX
        && value.chars().all(|c| c.is_ascii_hexdigit())
        && sha.starts_with(&value.to_ascii_lowercase())
}

/// The full test id, or its last segment (`test_div` for `tests/test_calc.py::test_div`).
fn names_test(value: &str, test: &str) -> bool {
    value == test
        || test
            .rsplit(['.', ':', '/', ' '])
            .next()
            .is_some_and(|last| !last.is_empty() && last == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(sha: &str, author: &str, message: &str, changes_tests: bool) -> AuthoredCommit {
        AuthoredCommit {
            sha: sha.to_owned(),
            author: Some(author.to_owned()),
            message: message.to_owned(),
            changes_tests,
        }
    }

    const CHANGE: &str = "abcdef0123456789";

    fn tests() -> Vec<String> {
        vec!["tests/test_calc.py::test_div".to_owned()]
    }

    #[test]
    fn a_self_justified_change_is_not_agreed() {
        let own = [
            commit(
                CHANGE,
                "alice",
                "fix\n\nPeer: alice\nJustified-Test-Only: the expectation was wrong all along",
                true,
            ),
            commit(
                "1111111",
                "alice",
                "agree\n\nPeer: alice\nTest-Change-Agree: abcdef0",
                false,
            ),
        ];
        let missing = unagreed_test_changes(&own, &tests());
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0].author.as_deref(), Some("alice"));
    }

    #[test]
    fn another_peer_agrees_by_commit_or_by_test() {
        for value in [
            "abcdef0",
            "ABCDEF01",
            "test_div",
            "tests/test_calc.py::test_div",
        ] {
            let agreed = [
                commit(CHANGE, "alice", "fix\n\nPeer: alice", true),
                commit(
                    "2222222",
                    "bob",
                    &format!(
                        "ok\n\nPeer: bob\nTest-Change-Agree: {value} the old value was a typo"
                    ),
                    false,
                ),
            ];
            assert!(
                unagreed_test_changes(&agreed, &tests()).is_empty(),
                "{value}"
            );
        }
    }

    #[test]
    fn agreement_must_come_later_and_name_this_change() {
        let early = [
            commit(
                "2222222",
                "bob",
                "ok\n\nPeer: bob\nTest-Change-Agree: test_div",
                false,
            ),
            commit(CHANGE, "alice", "fix\n\nPeer: alice", true),
        ];
        assert_eq!(unagreed_test_changes(&early, &tests()).len(), 1);
        let other = [
            commit(CHANGE, "alice", "fix\n\nPeer: alice", true),
            commit(
                "2222222",
                "bob",
                "ok\n\nPeer: bob\nTest-Change-Agree: abc",
                false,
            ),
            commit(
                "3333333",
                "bob",
                "ok\n\nPeer: bob\nTest-Change-Agree: test_add",
                false,
            ),
        ];
        assert_eq!(unagreed_test_changes(&other, &tests()).len(), 1);
    }

    #[test]
    fn an_unknown_author_can_neither_agree_nor_be_agreed_with() {
        let mut anonymous = commit("2222222", "x", "ok\n\nTest-Change-Agree: test_div", false);
        anonymous.author = None;
        let commits = [commit(CHANGE, "alice", "fix", true), anonymous];
        assert_eq!(unagreed_test_changes(&commits, &tests()).len(), 1);
    }
}
