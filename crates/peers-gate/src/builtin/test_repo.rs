//! The built-in gate tests' repository: peers-testkit's hermetic [`peers_testkit::TestRepo`]
//! plus what a gate needs — commits as the peer the fixtures' trailers name, the
//! `peers-baseline` tag, and evaluating a gate with params.

use std::collections::BTreeMap;
use std::time::Duration;

use peers_core::goals::BuiltinGate;
use peers_core::ledger::{Ledger, LedgerCommit};
use peers_git::Git;

use super::{GateContext, RunFacts, evaluate};
use crate::runner::Verdict;

pub(crate) struct GateRepo {
    repo: peers_testkit::TestRepo,
    pub git: Git,
}

impl GateRepo {
    pub fn new() -> GateRepo {
        let repo = peers_testkit::TestRepo::new();
        let git = Git::discover(repo.path()).unwrap();
        GateRepo { repo, git }
    }

    pub fn path(&self) -> &std::path::Path {
        self.repo.path()
    }

    pub fn write(&self, path: &str, text: &str) -> &GateRepo {
        self.repo.write(path, text);
        self
    }

    pub fn remove(&self, path: &str) -> &GateRepo {
        std::fs::remove_file(self.path().join(path)).unwrap();
        self
    }

    /// Stages everything and commits it (empty commits allowed: protocol-only messages);
    /// returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git_cli(&["add", "-A", "."], None);
        self.git_cli(
            &["commit", "--quiet", "--allow-empty", "--file=-"],
            Some(message),
        );
        self.git.head().unwrap().unwrap()
    }

    fn git_cli(&self, args: &[&str], stdin: Option<&str>) {
        use std::io::Write;
        // peers-testkit's hermetic git, committing as the peer the fixtures' trailers name.
        let mut child = peers_testkit::hermetic_command("git", self.path())
            .args(args)
            .current_dir(self.path())
            .env("GIT_AUTHOR_NAME", "claude")
            .env("GIT_AUTHOR_EMAIL", "claude@peers.invalid")
            .env("GIT_COMMITTER_NAME", "claude")
            .env("GIT_COMMITTER_EMAIL", "claude@peers.invalid")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        drop(pipe);
        assert!(child.wait().unwrap().success(), "git {args:?}");
    }

    /// Commits what is there and tags it `peers-baseline`.
    pub fn baseline(&self) -> String {
        let sha = self.commit("baseline\n\nPeer: peers-init\n");
        self.git.tag_force("peers-baseline", &sha).unwrap();
        sha
    }

    pub fn run(&self, gate: BuiltinGate, params: serde_json::Value) -> Verdict {
        self.run_with(gate, params, None)
    }

    pub fn run_with(
        &self,
        gate: BuiltinGate,
        params: serde_json::Value,
        run: Option<&RunFacts>,
    ) -> Verdict {
        let params: BTreeMap<String, serde_json::Value> = match params {
            serde_json::Value::Object(map) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        let commits: Vec<LedgerCommit> = self
            .git
            .commits("HEAD")
            .unwrap()
            .into_iter()
            .map(|c| LedgerCommit::from_message(c.sha, c.message))
            .collect();
        let ledger = Ledger::build(&commits);
        let cache = self.path().join(".peers/cache");
        let ctx = GateContext {
            git: &self.git,
            judged_commit: None,
            params: &params,
            baseline: "peers-baseline",
            timeout: Duration::from_secs(60),
            budget: crate::budget::GateBudget::new(Duration::from_secs(60)),
            env: &[],
            cache_dir: &cache,
            ledger: &ledger,
            last_handoff: None,
            run,
        };
        evaluate(gate, &ctx)
    }
}

/// Builds marker words at run time, so this crate's sources stay clean under its own
/// `no-stubs` and `no-secrets-committed` gates.
pub(crate) fn joined(parts: &[&str]) -> String {
    parts.concat()
}
