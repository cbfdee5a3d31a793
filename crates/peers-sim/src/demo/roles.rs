//! One demo turn: what the implementer and the reviewer do, given the repository state.

use super::history::{self, DemoHistory};
use super::project;
use crate::SimContext;
use crate::engine::Streams;
use crate::error::SimError;
use crate::git::{PeerGit, Staging};
use crate::messages;
use crate::script::SimStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Implementer,
    Reviewer,
}

/// Everything one turn acts on.
pub(crate) struct Turn<'a, 's> {
    pub(crate) ctx: &'a SimContext,
    pub(crate) history: DemoHistory,
    /// The other peer's name, when history or the prompt tells it.
    pub(crate) other: Option<String>,
    /// Soft goals to review this turn.
    pub(crate) requested: Vec<String>,
    pub(crate) streams: &'a mut Streams<'s>,
}

impl Turn<'_, '_> {
    pub(crate) fn play(&mut self, role: Role) -> Result<(), SimError> {
        match role {
            Role::Implementer => self.implementer(),
            Role::Reviewer => self.reviewer(),
        }
    }

    /// Fix my open division bug, else add `mul`, else review and hand off.
    fn implementer(&mut self) -> Result<(), SimError> {
        let repo = &self.ctx.repo;
        let peer = &self.ctx.peer;
        let calc = project::calc_state(repo)?;
        if let Some(id) = self.division_bug_to_fix(calc.buggy_div_line.is_some()) {
            self.say(&format!(
                "{id} is mine: guarding the division and adding regression cases"
            ))?;
            project::fix_division(repo, &id)?;
            return self.commit_code(&messages::fix_handoff(peer, &id));
        }
        if !calc.has_mul {
            self.say("calc.sh has no mul yet: adding it with happy, edge and sad cases")?;
            project::add_mul(repo)?;
            return self.commit_code(&messages::feature_handoff(peer));
        }
        self.say("nothing to build or fix: answering the review requests")?;
        self.review_and_hand_off(Vec::new())
    }

    /// The open division bug assigned to me (or to no one), while the bug is in the code.
    fn division_bug_to_fix(&self, bug_in_code: bool) -> Option<String> {
        let me = self.ctx.peer.as_str();
        let bug = self.history.ledger.bugs().iter().find(|bug| {
            bug.is_open()
                && history::is_division_bug(bug)
                && bug.fields.fix_by.as_deref().is_none_or(|peer| peer == me)
        })?;
        bug_in_code.then(|| bug.id.clone())
    }

    /// File the division bug once, then review and hand off.
    fn reviewer(&mut self) -> Result<(), SimError> {
        let calc = project::calc_state(&self.ctx.repo)?;
        let mut did = Vec::new();
        let already_filed = self
            .history
            .ledger
            .bugs()
            .iter()
            .any(history::is_division_bug);
        if let (Some(line), false) = (calc.buggy_div_line, already_filed) {
            let id = history::next_bug_id(&self.history.ledger);
            let fix_by = self
                .other
                .clone()
                .unwrap_or_else(|| "implementer".to_owned());
            let location = format!("{}:{line}", project::CALC);
            self.say(&format!(
                "{location}: div hands a zero divisor to $(( )); filing {id}"
            ))?;
            let report = messages::bug_report(&self.ctx.peer, &id, &fix_by, &location);
            self.commit_empty(&report)?;
            did.push(format!(
                "Filed {id} (high, fix_by {fix_by}) for div by zero."
            ));
            self.history = history::read(&self.ctx.repo, &self.ctx.peer)?;
        } else {
            self.say("calc.sh and tests/ read: nothing new to file")?;
        }
        self.review_and_hand_off(did)
    }

    /// One soft review per requested goal (passing unless a blocking bug is open), then an
    /// empty handoff listing what this turn did.
    fn review_and_hand_off(&mut self, mut did: Vec<String>) -> Result<(), SimError> {
        let open: Vec<String> = self
            .history
            .ledger
            .open_blocking()
            .iter()
            .map(|bug| format!("{} ({})", bug.id, bug.severity.as_str()))
            .collect();
        let pass = open.is_empty();
        let notes = if pass {
            "Read calc.sh and tests/cases.sh: every operation has happy, edge and sad cases, \
             and the ledger has no open blocking bug."
                .to_owned()
        } else {
            format!("Not yet: {} still open.", open.join(", "))
        };
        for goal in self.requested.clone() {
            let verdict = if pass { "pass" } else { "fail" };
            self.say(&format!("soft review of {goal}: {verdict}"))?;
            self.commit_empty(&messages::soft_review(&self.ctx.peer, &goal, pass, &notes))?;
            did.push(format!("Reviewed {goal}: {verdict}."));
        }
        let other = self.other.as_deref().unwrap_or("the next peer");
        let handoff = messages::plain_handoff(&self.ctx.peer, other, &did);
        self.say(&format!("handing off to {other}"))?;
        self.commit_empty(&handoff)
    }

    /// Commit the demo's two source files only: nothing else in the worktree (say, files
    /// under `.peers/`) may ride along.
    fn commit_code(&self, message: &str) -> Result<(), SimError> {
        let paths = [project::CALC, project::CASES];
        PeerGit::new(&self.ctx.repo, &self.ctx.peer).commit(message, Staging::Paths(&paths), false)
    }

    /// A commit that changes no file: a bug report, a review or a handoff.
    fn commit_empty(&self, message: &str) -> Result<(), SimError> {
        PeerGit::new(&self.ctx.repo, &self.ctx.peer).commit(message, Staging::AsIs, true)
    }

    fn say(&mut self, text: &str) -> Result<(), SimError> {
        self.streams.line(SimStream::Stdout, text)
    }
}
