//! After a peer's turn: what it actually did, judged from git, not from what it says. Identity
//! (every commit of the turn is the turn owner's), history rewrites (detected and undone), the
//! handoff, uncommitted edits, test-only turns (reverted unless justified), control-file tampering.

use peers_core::integrity::{self, DiffClass, TestOnlyDecision};
use peers_core::trailer;
use peers_git::{Commit, Git, Identity};
use peers_store::layout::PeersDir;

use crate::attest::Attestations;
use crate::error::DriverError;

fn substrate() -> Identity {
    Identity {
        name: "peers-substrate".to_owned(),
        email: "peers-substrate@local".to_owned(),
    }
}

/// Everything the turn did, as the orchestrator judges it.
#[derive(Debug, Default)]
pub struct TurnFacts {
    pub head_after: Option<String>,
    /// The turn's commits, oldest first (after any restore, what remains in history).
    pub commits: Vec<Commit>,
    pub handoff: Option<Commit>,
    /// Why the tick does not count as a handoff, when it does not.
    pub fail_reason: Option<String>,
    pub identity_violations: Vec<String>,
    pub integrity: Vec<String>,
    pub warnings: Vec<String>,
    pub reverted_test_only: bool,
    pub history_rewritten: bool,
    pub dirty: bool,
}

pub struct TurnContext<'a> {
    pub git: &'a Git,
    pub dir: &'a PeersDir,
    pub peer: &'a str,
    pub iteration: u64,
    pub head_before: Option<&'a str>,
    /// The process outcome allows a handoff (success, or idle-timeout after committing).
    pub process_ok: bool,
    pub process_reason: Option<String>,
}

pub fn analyse(
    ctx: &TurnContext<'_>,
    attest: &mut Attestations,
    state: &peers_core::state::State,
) -> Result<TurnFacts, DriverError> {
    // One git call for HEAD and dirtiness. The turn's commits and its net diff are read at
    // the same time (three git processes at once; nothing moves HEAD once the turn is over)
    // and used only when HEAD moved.
    let (status, read_ahead) = std::thread::scope(|scope| {
        let read_ahead = ctx.head_before.map(|before| {
            let diff = scope.spawn(move || ctx.git.changed_paths(before, "HEAD"));
            let log = scope.spawn(move || ctx.git.commits(&format!("{before}..HEAD")));
            (log, diff)
        });
        let status = ctx.git.head_and_dirty();
        (
            status,
            read_ahead.map(|(log, diff)| (joined(log), joined(diff))),
        )
    });
    let (head_after, dirty) = status?;
    let mut facts = TurnFacts {
        head_after,
        dirty,
        ..TurnFacts::default()
    };
    let moved = facts.head_after.as_deref() != ctx.head_before;
    let (commits, paths) = match (moved, read_ahead) {
        (false, _) => (Vec::new(), None),
        (true, Some((log, diff))) => (log?, Some(diff)),
        (true, None) => (ctx.git.commits("HEAD")?, None),
    };
    if moved && !fast_forward(ctx, &commits)? && restore_rewritten_history(ctx, &mut facts)? {
        facts.dirty = ctx.git.head_and_dirty()?.1;
        return Ok(facts);
    }
    facts.commits = commits;
    let shas: Vec<&str> = facts.commits.iter().map(|c| c.sha.as_str()).collect();
    attest.record_all(ctx.dir, &shas, ctx.peer, ctx.iteration)?;
    for commit in &facts.commits {
        if let Some(claimed) = trailer::peer(&commit.message) {
            if claimed != ctx.peer {
                facts.identity_violations.push(format!(
                    "commit {} claims `Peer: {claimed}` but was made during {}'s turn",
                    short(&commit.sha),
                    ctx.peer
                ));
            }
        }
    }
    facts.handoff = facts
        .commits
        .iter()
        .rev()
        .find(|c| trailer::is_handoff(&c.message))
        .cloned();
    check_test_only(ctx, &mut facts, state, paths)?;
    facts.fail_reason = judge(ctx, &facts);
    Ok(facts)
}

/// A scoped thread's result; its panic goes on in the caller.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Whether HEAD descends from where the turn started. A linear run of commits whose oldest
/// parent is the starting point proves it without asking git; anything else (merges, an
/// empty range after a move) goes to `git merge-base --is-ancestor`.
fn fast_forward(ctx: &TurnContext<'_>, commits: &[Commit]) -> Result<bool, DriverError> {
    let Some(before) = ctx.head_before else {
        return Ok(true);
    };
    let linear = !commits.is_empty()
        && commits.iter().all(|c| c.parents.len() == 1)
        && commits.first().is_some_and(|c| c.parents[0] == before)
        && commits
            .windows(2)
            .all(|pair| pair[1].parents[0] == pair[0].sha);
    if linear {
        return Ok(true);
    }
    match commits.last().map(|c| c.sha.as_str()) {
        Some(after) => Ok(ctx.git.is_ancestor(before, after)?),
        None => Ok(false),
    }
}

/// HEAD no longer descends from where the turn started: keep the rewritten head under
/// `refs/peers/rewritten/<iteration>` and put the branch back.
fn restore_rewritten_history(
    ctx: &TurnContext<'_>,
    facts: &mut TurnFacts,
) -> Result<bool, DriverError> {
    let (Some(before), Some(after)) = (ctx.head_before, facts.head_after.clone()) else {
        return Ok(false);
    };
    if before == after || ctx.git.is_ancestor(before, &after)? {
        // Not linear, but still a descendant (e.g. a merge): not a rewrite.
        return Ok(false);
    }
    let saved = format!("refs/peers/rewritten/{}", ctx.iteration);
    ctx.git.update_ref(&saved, &after)?;
    ctx.git.reset_hard(before)?;
    facts.history_rewritten = true;
    facts.head_after = Some(before.to_owned());
    facts.integrity.push(format!(
        "history was rewritten during {}'s turn (HEAD {} does not descend from {}); restored {}, the rewritten head is kept as {saved}",
        ctx.peer,
        short(&after),
        short(before),
        short(before)
    ));
    facts.fail_reason =
        Some("history rewritten (amend, rebase or reset are not allowed)".to_owned());
    Ok(true)
}

/// `paths`: the net diff from `head_before` to `facts.head_after`, when already read.
fn check_test_only(
    ctx: &TurnContext<'_>,
    facts: &mut TurnFacts,
    state: &peers_core::state::State,
    paths: Option<Result<Vec<String>, peers_git::GitError>>,
) -> Result<(), DriverError> {
    let (Some(before), Some(after)) = (ctx.head_before, facts.head_after.clone()) else {
        return Ok(());
    };
    if facts.commits.is_empty() {
        return Ok(());
    }
    let after = after.as_str();
    let paths = match paths {
        Some(paths) => paths?,
        None => ctx.git.changed_paths(before, after)?,
    };
    for path in integrity::tampered_control_paths(&paths) {
        facts.integrity.push(format!(
            "{} committed {path}: peers' control files are not part of the project",
            ctx.peer
        ));
    }
    let class = integrity::classify_paths(&paths);
    if class != DiffClass::TestOnly {
        return check_weakened_tests(ctx, facts, before, after, &paths);
    }
    let justification = facts.commits.iter().find_map(|c| justification(&c.message));
    match integrity::test_only_decision(class, justification.as_deref(), state, ctx.peer) {
        TestOnlyDecision::Revert(reason) => {
            let message = format!(
                "Anti-cheating revert: {}'s turn changed only tests\n\n{reason}\n\nPeer: peers-substrate\n",
                ctx.peer
            );
            let sha = ctx.git.revert_range(before, &message, &substrate())?;
            facts.head_after = Some(sha);
            facts.reverted_test_only = true;
            facts
                .integrity
                .push(format!("test-only turn by {} reverted: {reason}", ctx.peer));
            facts.warnings.push(format!(
                "your last turn changed only tests and was reverted ({reason}); change production code too, or justify with a `Justified-Test-Only: <reason>` trailer"
            ));
        }
        TestOnlyDecision::AcceptJustified(reason) => {
            facts.integrity.push(format!(
                "test-only turn by {} accepted with justification: {reason}",
                ctx.peer
            ));
        }
        TestOnlyDecision::Accept => {}
    }
    Ok(())
}

/// Assertions removed or loosened in test files fail the turn unless a commit of the turn
/// carries `Justified-Test-Change: <reason of substance>`.
fn check_weakened_tests(
    ctx: &TurnContext<'_>,
    facts: &mut TurnFacts,
    before: &str,
    after: &str,
    paths: &[String],
) -> Result<(), DriverError> {
    let tests: Vec<&str> = paths
        .iter()
        .map(String::as_str)
        .filter(|p| integrity::is_test_path(p))
        .collect();
    if tests.is_empty() {
        return Ok(());
    }
    let diff = ctx.git.diff_text(before, after, &tests)?;
    let findings = integrity::weakened_assertions(&peers_core::unified_diff::parse(&diff));
    if findings.is_empty() {
        return Ok(());
    }
    let justified = facts.commits.iter().find_map(|c| {
        let trailers = trailer::parse_trailers(&c.message);
        trailer::last_value(&trailers, "Justified-Test-Change")
            .filter(|r| integrity::is_substantive(r))
            .map(str::to_owned)
    });
    if let Some(reason) = justified {
        facts.integrity.push(format!(
            "test assertions changed by {}, justified: {reason}",
            ctx.peer
        ));
        return Ok(());
    }
    for finding in &findings {
        facts
            .integrity
            .push(format!("weakened tests by {}: {finding}", ctx.peer));
    }
    facts.warnings.push(format!(
        "your last turn weakened tests ({}); keep or sharpen assertions, or explain with `Justified-Test-Change: <reason>`",
        findings.join("; ")
    ));
    facts.fail_reason = Some(format!("weakened tests: {}", findings.join("; ")));
    Ok(())
}

fn justification(message: &str) -> Option<String> {
    let trailers = trailer::parse_trailers(message);
    if let Some(value) = trailer::last_value(&trailers, "Justified-Test-Only") {
        return Some(value.to_owned());
    }
    message.lines().find_map(|line| {
        line.trim()
            .strip_prefix("JUSTIFIED-TEST-ONLY:")
            .map(|r| r.trim().to_owned())
    })
}

fn judge(ctx: &TurnContext<'_>, facts: &TurnFacts) -> Option<String> {
    if let Some(reason) = &facts.fail_reason {
        return Some(reason.clone());
    }
    if !ctx.process_ok {
        return Some(
            ctx.process_reason
                .clone()
                .unwrap_or_else(|| "the peer process failed".to_owned()),
        );
    }
    if !facts.identity_violations.is_empty() {
        return Some(format!(
            "forged identity: {}",
            facts.identity_violations.join("; ")
        ));
    }
    if facts.reverted_test_only {
        return Some("test-only turn reverted".to_owned());
    }
    let Some(handoff) = &facts.handoff else {
        return Some(if facts.commits.is_empty() {
            if facts.dirty {
                "uncommitted edits: the peer changed files but made no commit".to_owned()
            } else {
                "no commit by the peer this turn".to_owned()
            }
        } else {
            "commits but no handoff (needs `Peer-Status: handoff` and `Self-Review: pass`)"
                .to_owned()
        });
    };
    if !trailer::has_section(&handoff.message, "Self-Review") {
        return Some(format!(
            "handoff {} has no `## Self-Review` section",
            short(&handoff.sha)
        ));
    }
    if trailer::section_substance(&handoff.message, "Self-Review") < trailer::MIN_SELF_REVIEW_CHARS
    {
        return Some(format!(
            "handoff {} has an empty or token `## Self-Review` section",
            short(&handoff.sha)
        ));
    }
    None
}

/// What a turn did that it must not: each list names files or processes.
pub struct Misconduct<'a> {
    /// Changes to `.peers/` control files.
    pub tampering: &'a [String],
    /// Changes to `.git/config`, `.git/hooks/`, `.git/info/attributes` (already put back).
    pub git_tampering: &'a [String],
    /// Processes of the peer still running when it exited (already killed).
    pub left_running: &'a [String],
}

/// git's own automatic maintenance still running when the peer exited was stopped with the
/// peer's processes: said in the record, never held against the peer. A `gc.pid` the stopped
/// gc leaves behind would make the next gc wait; it is removed when its process is gone.
pub fn note_git_maintenance(facts: &mut TurnFacts, stopped: &[String], git: &peers_git::Git) {
    if stopped.is_empty() {
        return;
    }
    facts.integrity.push(format!(
        "git's own background maintenance was still running after the turn and was stopped (not the peer's): {}",
        stopped.join("; ")
    ));
    let Ok(dirs) = git.dirs() else {
        return;
    };
    let pid_file = dirs.common_dir.join("gc.pid");
    let Ok(text) = std::fs::read_to_string(&pid_file) else {
        return;
    };
    let alive = text
        .split_whitespace()
        .next()
        .and_then(|pid| pid.parse::<u32>().ok())
        .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
    if !alive && std::fs::remove_file(&pid_file).is_ok() {
        facts
            .integrity
            .push("removed .git/gc.pid left by the stopped gc".to_owned());
    }
}

/// A turn that touched peers' control files or the repository's git configuration or hooks,
/// or left processes running, does not count, even with a valid handoff: each is reported by
/// name.
pub fn fail_on_misconduct(facts: &mut TurnFacts, peer: &str, misconduct: Misconduct<'_>) {
    let Misconduct {
        tampering,
        git_tampering,
        left_running,
    } = misconduct;
    if !left_running.is_empty() {
        facts.integrity.push(format!(
            "{peer} left {} process(es) running after its turn (killed): {}",
            left_running.len(),
            left_running.join("; ")
        ));
        facts.warnings.push(format!(
            "your last turn left processes running ({}); stop every server or background job you start before you hand off",
            left_running.join("; ")
        ));
        facts
            .fail_reason
            .get_or_insert_with(|| "left processes running after the turn".to_owned());
    }
    if !git_tampering.is_empty() {
        facts.warnings.push(format!(
            "your last turn changed the repository's git configuration or hooks ({}); they were put back: never change .git/config, .git/hooks or .git/info/attributes",
            git_tampering.join("; ")
        ));
        facts.fail_reason = Some(format!(
            "changed the repository's git configuration or hooks: {}",
            git_tampering.join("; ")
        ));
    }
    if !tampering.is_empty() {
        facts.warnings.push(format!(
            "your last turn changed peers' control files ({}); never touch .peers/",
            tampering.join("; ")
        ));
        facts.fail_reason = Some(format!(
            "tampered with peers' control files: {}",
            tampering.join("; ")
        ));
    }
}

pub fn short(sha: &str) -> &str {
    sha.get(..8).unwrap_or(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_review_substance_ignores_trailers_and_counts_the_section_text() {
        let msg = "fix\n\n## Self-Review\nChecked the edge cases of div.\n\nPeer: a\nPeer-Status: handoff\nSelf-Review: pass\n";
        assert!(trailer::section_substance(msg, "Self-Review") >= trailer::MIN_SELF_REVIEW_CHARS);
        let token =
            "fix\n\n## Self-Review\nok\n\nPeer: a\nPeer-Status: handoff\nSelf-Review: pass\n";
        assert!(trailer::section_substance(token, "Self-Review") < trailer::MIN_SELF_REVIEW_CHARS);
    }

    #[test]
    fn justification_is_read_from_the_trailer_or_the_original_line() {
        assert_eq!(
            justification("t\n\nJustified-Test-Only: the test pins a reported crash\n").as_deref(),
            Some("the test pins a reported crash")
        );
        assert_eq!(
            justification("t\n\nJUSTIFIED-TEST-ONLY: adding regression coverage for BUG-3\n")
                .as_deref(),
            Some("adding regression coverage for BUG-3")
        );
    }
}
