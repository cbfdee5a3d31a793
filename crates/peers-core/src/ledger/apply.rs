//! Applying one commit's filings to the ledger.

use super::{
    Bug, Ledger, LedgerCommit, LedgerWarning, ReportFiling, Resolution, ResolutionFiling,
    ResolutionStatus, read_filings,
};

impl Ledger {
    /// Apply one commit; call with commits oldest first. Within a commit, reports come
    /// before resolutions, so a commit may file and resolve the same bug.
    pub fn apply(&mut self, commit: &LedgerCommit) {
        let filings = read_filings(&commit.message);
        for value in &filings.unreadable {
            self.warn(commit, None, format!("`{value}` names no bug id; ignored"));
        }
        for note in filings.over_cap {
            self.warn(commit, None, note);
        }
        for report in filings.reports {
            self.apply_report(commit, report);
        }
        for resolution in filings.resolutions.into_iter().chain(filings.defers) {
            self.apply_resolution(commit, resolution);
        }
        for id in filings.reproductions {
            self.apply_reproduction(commit, id);
        }
        for id in filings.wontfix_agreements {
            self.apply_wontfix_agreement(commit, &id);
        }
    }

    fn warn(&mut self, commit: &LedgerCommit, bug: Option<&str>, message: String) {
        self.warnings.push(LedgerWarning {
            sha: commit.sha.clone(),
            peer: commit.author_peer.clone(),
            bug: bug.map(str::to_owned),
            message,
        });
    }

    fn apply_report(&mut self, commit: &LedgerCommit, report: ReportFiling) {
        let id = report.id.clone();
        if let Some(reason) = &report.malformed {
            let message = format!(
                "Bug-Report {id} is malformed: {reason}; recorded as high (blocking) until \
                 re-filed with a valid JSON body"
            );
            self.warn(commit, Some(&id), message);
        }
        let Some(&at) = self.index.get(&id) else {
            let reproductions = self.early_reproductions.remove(&id).unwrap_or_default();
            self.index.insert(id.clone(), self.bugs.len());
            self.bugs.push(new_bug(commit, report, reproductions));
            return;
        };
        let older = self.bugs[at].clone();
        // A well-formed older filing keeps a higher severity (a re-filing cannot downgrade a
        // bug); a malformed one is superseded, or the re-filing could never fix it.
        let keep_older = !older.malformed && older.severity > report.severity;
        let mut message = format!(
            "{id} filed again; the newer report replaces {}",
            short(&older.sha)
        );
        if keep_older {
            message.push_str(&format!(", keeping the older severity {}", older.severity));
        }
        if let Some(resolution) = &older.resolution {
            message.push_str(&format!(
                "; reopened (resolution {} ignored)",
                short(&resolution.sha)
            ));
        }
        self.warn(commit, Some(&id), message);
        let bug = &mut self.bugs[at];
        bug.severity = if keep_older {
            older.severity
        } else {
            report.severity
        };
        bug.malformed = report.malformed.is_some() && !keep_older;
        bug.flag = report.flag;
        bug.fields = older.fields.overlaid_by(report.fields);
        bug.sha = commit.sha.clone();
        bug.found_by = commit.author_peer.clone();
        bug.resolution = None;
    }

    fn apply_resolution(&mut self, commit: &LedgerCommit, filing: ResolutionFiling) {
        let id = filing.id;
        let verb = match filing.status {
            ResolutionStatus::Deferred => "Bug-Defer",
            _ => "Bug-Resolves",
        };
        if let Some(warning) = filing.warning {
            self.warn(commit, Some(&id), format!("{verb} {id}: {warning}"));
        }
        let Some(&at) = self.index.get(&id) else {
            let message = format!("{verb} {id} names no reported bug; ignored");
            self.warn(commit, Some(&id), message);
            return;
        };
        if let Some(previous) = &self.bugs[at].resolution {
            let message = format!("{id} resolved again; replaces {}", short(&previous.sha));
            self.warn(commit, Some(&id), message);
        }
        self.bugs[at].resolution = Some(Resolution {
            status: filing.status,
            note: filing.note,
            sha: commit.sha.clone(),
            resolved_by: commit.author_peer.clone(),
            wontfix_agreed_by: None,
            wontfix_agreed_sha: None,
        });
    }

    fn apply_reproduction(&mut self, commit: &LedgerCommit, id: String) {
        match self.index.get(&id) {
            Some(&at) => self.bugs[at].reproductions.push(commit.sha.clone()),
            None => self
                .early_reproductions
                .entry(id)
                .or_default()
                .push(commit.sha.clone()),
        }
    }

    fn apply_wontfix_agreement(&mut self, commit: &LedgerCommit, id: &str) {
        let problem = match self.index.get(id).map(|&at| &self.bugs[at]) {
            None => Some("names no reported bug".to_owned()),
            Some(bug) => wontfix_agreement_problem(bug, commit.author_peer.as_deref()),
        };
        if let Some(problem) = problem {
            let message = format!("Bug-Wontfix-Agree {id} {problem}; ignored");
            self.warn(commit, Some(id), message);
            return;
        }
        if let Some(resolution) = self
            .index
            .get(id)
            .and_then(|&at| self.bugs[at].resolution.as_mut())
        {
            resolution.wontfix_agreed_by = commit.author_peer.clone();
            resolution.wontfix_agreed_sha = Some(commit.sha.clone());
        }
    }
}

/// Why `agreer` cannot agree to `bug`'s wontfix, if they cannot.
fn wontfix_agreement_problem(bug: &Bug, agreer: Option<&str>) -> Option<String> {
    let Some(resolution) = bug
        .resolution
        .as_ref()
        .filter(|r| r.status == ResolutionStatus::Wontfix)
    else {
        return Some("but the bug has no wontfix resolution to agree with".to_owned());
    };
    let Some(agreer) = agreer else {
        return Some("has no Peer: trailer, so nobody can be credited".to_owned());
    };
    match resolution.resolved_by.as_deref() {
        None => Some("agrees with a wontfix that names no peer (no Peer: trailer)".to_owned()),
        Some(resolver) if resolver == agreer => Some(format!(
            "comes from {agreer}, who wrote the wontfix; another peer must agree"
        )),
        Some(_) => None,
    }
}

fn new_bug(commit: &LedgerCommit, report: ReportFiling, reproductions: Vec<String>) -> Bug {
    Bug {
        id: report.id,
        severity: report.severity,
        malformed: report.malformed.is_some(),
        flag: report.flag,
        fields: report.fields,
        sha: commit.sha.clone(),
        found_by: commit.author_peer.clone(),
        resolution: None,
        reproductions,
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}
