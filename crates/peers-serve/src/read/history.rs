//! Git history since the baseline (`peers-baseline`, else the whole history): the bug ledger
//! rebuilt by peers-core from the commits' trailers, which commits were later reverted (a fix
//! that was reverted did not hold), and the diff since the baseline. Git runs through
//! peers-git only.

use std::collections::BTreeSet;
use std::path::Path;

use peers_core::ledger::{Ledger, LedgerCommit};
use peers_git::Git;
use serde::Serialize;

use crate::read::error::ReadError;

pub const BASELINE_TAG: &str = "peers-baseline";
/// Largest diff shown; beyond it the page says it was cut.
pub const DIFF_CAP: usize = 4 * 1024 * 1024;

/// One bug of the ledger with the commits that filed and resolved it.
#[derive(Debug, Clone, Serialize)]
pub struct BugRow {
    pub id: String,
    pub severity: String,
    pub title: String,
    pub found_by: Option<String>,
    pub filed_sha: String,
    pub status: String,
    pub resolved_by: Option<String>,
    pub resolved_sha: Option<String>,
    pub open: bool,
    /// `weak-fix` / `shallow-fix`: an earlier fix was reported inadequate (reopened).
    pub flag: Option<String>,
    /// The resolving commit was reverted later.
    pub fix_reverted: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct History {
    pub bugs: Vec<BugRow>,
    pub reverted: BTreeSet<String>,
    pub warnings: Vec<String>,
}

fn range(git: &Git) -> String {
    match git.rev_parse(BASELINE_TAG) {
        Ok(Some(_)) => format!("{BASELINE_TAG}..HEAD"),
        _ => "HEAD".to_owned(),
    }
}

/// The ledger and reverts of the repository at `repo`.
pub fn read_history(repo: &Path) -> Result<History, ReadError> {
    let git = Git::discover(repo)?;
    if git.head()?.is_none() {
        return Ok(History::default());
    }
    let commits = git.commits(&range(&git))?;
    let mut reverted = BTreeSet::new();
    for commit in &commits {
        for line in commit.message.lines() {
            if let Some(rest) = line.trim().strip_prefix("This reverts commit ") {
                let sha: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
                if !sha.is_empty() {
                    reverted.insert(sha);
                }
            }
        }
    }
    let ledger_commits: Vec<LedgerCommit> = commits
        .iter()
        .map(|c| LedgerCommit::from_message(c.sha.clone(), c.message.clone()))
        .collect();
    let ledger = Ledger::build(&ledger_commits);
    let is_reverted = |sha: &str| {
        reverted
            .iter()
            .any(|r| sha.starts_with(r.as_str()) || r.starts_with(sha))
    };
    let bugs = ledger
        .bugs()
        .iter()
        .map(|bug| BugRow {
            id: bug.id.clone(),
            severity: bug.severity.as_str().to_owned(),
            title: bug.fields.title.clone().unwrap_or_default(),
            found_by: bug.found_by.clone(),
            filed_sha: bug.sha.clone(),
            status: bug
                .resolution
                .as_ref()
                .map_or("open", |r| r.status.as_str())
                .to_owned(),
            resolved_by: bug.resolution.as_ref().and_then(|r| r.resolved_by.clone()),
            resolved_sha: bug.resolution.as_ref().map(|r| r.sha.clone()),
            open: bug.is_open(),
            flag: bug.flag.clone(),
            fix_reverted: bug.resolution.as_ref().is_some_and(|r| is_reverted(&r.sha)),
        })
        .collect();
    let warnings = ledger.warnings().iter().map(ToString::to_string).collect();
    Ok(History {
        bugs,
        reverted,
        warnings,
    })
}

/// The unified diff from the baseline to HEAD (cut at [`DIFF_CAP`]), and whether it was cut.
pub fn read_diff(repo: &Path) -> Result<(String, bool), ReadError> {
    let git = Git::discover(repo)?;
    if git.rev_parse(BASELINE_TAG)?.is_none() {
        return Err(ReadError::NoBaseline {
            tag: BASELINE_TAG,
            path: repo.to_path_buf(),
        });
    }
    let mut diff = git.diff_between(BASELINE_TAG, "HEAD", 3)?;
    let cut = diff.len() > DIFF_CAP;
    if cut {
        let mut end = DIFF_CAP;
        while !diff.is_char_boundary(end) {
            end -= 1;
        }
        diff.truncate(end);
    }
    Ok((diff, cut))
}
