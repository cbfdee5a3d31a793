//! `Harness`: a temp directory with a plan directory for `fixtures/fake-reviewer.sh`, builders
//! for findings and stances blocks, and a runner for the review engine.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use peers_agent::{CallKind, LaunchCall, LaunchError, Launcher};
use peers_process::CommandSpec;

use peers_core::config::{PeerRole, PeerSettings, PromptMode, ToolKind};
use peers_core::location::Span;
use peers_review::rules::{VerdictEntry, finding_id, short_id};
use peers_review::{Archive, CallLimits, ReviewOutcome, ReviewSettings, Reviewer, run_review};
use serde_json::json;

pub struct Harness {
    pub temp: tempfile::TempDir,
    pub reviewers: Vec<Reviewer>,
    /// Starts every reviewer call; records what it was given.
    pub launcher: Arc<Recorder>,
}

/// A launcher that records each call, then runs it on the host (or refuses every call).
#[derive(Debug, Default)]
pub struct Recorder {
    pub calls: Mutex<Vec<(CallKind, String, String)>>,
    pub refuse: bool,
}

impl Launcher for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    fn command(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
    ) -> Result<CommandSpec, LaunchError> {
        self.calls.lock().unwrap().push((
            call.kind,
            call.peer.to_owned(),
            spec.program.to_string_lossy().into_owned(),
        ));
        if self.refuse {
            return Err(LaunchError::Refused {
                launcher: self.name(),
                reason: "confinement unavailable".to_owned(),
                hint: "none".to_owned(),
            });
        }
        Ok(spec)
    }
}

pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-reviewer.sh")
}

impl Harness {
    pub fn new(names: &[&str]) -> Self {
        let mut harness = Self {
            temp: tempfile::tempdir().unwrap(),
            reviewers: Vec::new(),
            launcher: Arc::new(Recorder::default()),
        };
        std::fs::create_dir(harness.plan_dir()).unwrap();
        for name in names {
            harness.add(name, ToolKind::Generic("fake".to_owned()));
        }
        harness
    }

    /// Adds a reviewer run by the fake script; `tool` decides read-only flags, resume and parsing.
    pub fn add(&mut self, name: &str, tool: ToolKind) {
        let peer = PeerSettings {
            name: name.to_owned(),
            tool,
            argv: Some(vec![
                script().to_string_lossy().into_owned(),
                "{PROMPT}".to_owned(),
            ]),
            prompt_mode: PromptMode::ArgvSubstitute,
            role: PeerRole::Default,
            model: None,
            reasoning: None,
            provider: None,
            // The plan directory reaches the script the way a provider key would: by name.
            env: vec!["FAKE_PLAN".to_owned()],
            span: Span::new(1, 1),
        };
        self.reviewers.push(Reviewer::from_peer(&peer).unwrap());
    }

    pub fn plan_dir(&self) -> PathBuf {
        self.temp.path().join("plan")
    }

    /// The answer of `name` in `round` (every call).
    pub fn plan(&self, name: &str, round: u32, text: &str) {
        std::fs::write(self.plan_dir().join(format!("{name}.r{round}")), text).unwrap();
    }

    /// The answer of one call of `name` in `round`.
    pub fn plan_call(&self, name: &str, round: u32, call: u32, text: &str) {
        std::fs::write(
            self.plan_dir().join(format!("{name}.r{round}.c{call}")),
            text,
        )
        .unwrap();
    }

    pub fn flag(&self, file: &str, content: &str) {
        std::fs::write(self.plan_dir().join(file), content).unwrap();
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.plan_dir().join(format!("{name}.log"))).unwrap_or_default()
    }

    pub fn run(&self, max_rounds: u32) -> ReviewOutcome {
        let settings = ReviewSettings {
            repo: self.temp.path().to_path_buf(),
            reviewers: self.reviewers.clone(),
            max_rounds,
            parent_env: vec![
                (
                    OsString::from("PATH"),
                    std::env::var_os("PATH").unwrap_or_default(),
                ),
                (
                    OsString::from("FAKE_PLAN"),
                    self.plan_dir().into_os_string(),
                ),
            ],
            limits: CallLimits {
                timeout: Duration::from_secs(30),
                grace: Duration::from_secs(1),
                capture_cap: 1024 * 1024,
            },
            prices: peers_agent::PriceTable::builtin(),
            launcher: Arc::clone(&self.launcher) as Arc<dyn Launcher>,
        };
        let material = peers_review::Material {
            description: "the test scope".to_owned(),
            body: "diff --git a/src/lib.rs b/src/lib.rs".to_owned(),
        };
        let archive =
            Archive::create(&self.temp.path().join(".peers"), "2026-01-01T00:00:00Z").unwrap();
        run_review(&settings, &material, &archive, &|_| {}).unwrap()
    }
}

/// One finding line in `src/lib.rs`.
pub fn finding(claim: &str, severity: &str, category: &str) -> String {
    json!({"file": "src/lib.rs:7", "severity": severity, "claim": claim,
           "evidence": format!("test for {claim} fails"), "category": category})
    .to_string()
}

pub fn findings(lines: &[String]) -> String {
    format!(
        "My review follows.\n```findings\n{}\n```\nSummary: fine.\n",
        lines.join("\n")
    )
}

/// The short id of a claim made by [`finding`].
pub fn id(claim: &str) -> String {
    short_id(&finding_id("src/lib.rs", claim)).to_owned()
}

/// A stances block: (claim, stance, new evidence).
pub fn stances(rows: &[(&str, &str, &str)]) -> String {
    let lines: Vec<String> = rows
        .iter()
        .map(|(claim, stance, evidence)| {
            json!({"id": id(claim), "stance": stance, "reasoning": format!("{stance} on {claim}"),
                   "new_evidence": evidence})
            .to_string()
        })
        .collect();
    format!("```stances\n{}\n```\n", lines.join("\n"))
}

/// `text` wrapped the way `claude -p --output-format json` prints its result.
pub fn claude_json(text: &str, session: &str) -> String {
    claude_json_costing(text, session, 0.01)
}

/// claude's `result` with `total_cost_usd` = `session_usd`: like the real CLI, the cost of the
/// whole session so far (a resumed call reports the earlier calls' cost too).
pub fn claude_json_costing(text: &str, session: &str, session_usd: f64) -> String {
    json!({"type": "result", "is_error": false, "result": text, "session_id": session,
           "total_cost_usd": session_usd, "usage": {"input_tokens": 100, "cache_read_input_tokens": 10, "cache_creation_input_tokens": 7, "output_tokens": 5}})
    .to_string()
}

/// The entry whose claim is `claim` in `section`.
pub fn find<'a>(section: &'a [VerdictEntry], claim: &str) -> Option<&'a VerdictEntry> {
    section.iter().find(|e| e.claim == claim)
}
