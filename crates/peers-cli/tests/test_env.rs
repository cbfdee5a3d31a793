//! `TestEnv`: a temporary directory with a hermetic git (peers-testkit: fixed identity and
//! dates, no global config), helpers to run the built `peers` binary in the same cleared
//! environment, and output normalisation (paths, hashes, durations) for snapshots.
#![expect(
    clippy::expect_used,
    reason = "test harness: a failed setup step must stop the test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct TestEnv {
    temp: tempfile::TempDir,
    home: PathBuf,
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Exit code, stdout and stderr together, as snapshots show them.
    pub fn combined(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> Self {
        let temp = tempfile::tempdir().expect("tempdir");
        let home = temp.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        Self { temp, home }
    }

    pub fn root(&self) -> &Path {
        self.temp.path()
    }

    /// A new git repository at `<tmp>/<name>` with one commit (unless `commit` is false).
    pub fn repo(&self, name: &str, commit: bool) -> PathBuf {
        let dir = self.root().join(name);
        std::fs::create_dir_all(&dir).expect("repo dir");
        self.git(&dir, &["init", "-q", "-b", "main"]);
        if commit {
            std::fs::write(dir.join("README.md"), "# sample\n").expect("write");
            self.git(&dir, &["add", "README.md"]);
            self.git(&dir, &["commit", "-q", "-m", "initial"]);
        }
        dir
    }

    /// `program` in peers-testkit's hermetic environment, with this env's `HOME`.
    pub fn base_command(&self, program: &str) -> Command {
        peers_testkit::hermetic_command(program, &self.home)
    }

    /// Hermetic git in `dir` (peers-testkit) with this env's `HOME`; its stdout as printed.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        peers_testkit::git_with_home(dir, &self.home, args)
    }

    /// Commits everything in `dir` with `message`.
    pub fn commit_all(&self, dir: &Path, message: &str) {
        self.git(dir, &["add", "-A"]);
        self.git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    }

    pub fn peers(&self, dir: &Path, args: &[&str]) -> Output {
        let out = self
            .base_command(env!("CARGO_BIN_EXE_peers"))
            .current_dir(dir)
            .args(args)
            .output()
            .expect("run peers");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: self.normalise(&String::from_utf8_lossy(&out.stdout)),
            stderr: self.normalise(&String::from_utf8_lossy(&out.stderr)),
        }
    }

    /// Replaces the temp path, 40-hex commit ids, 64-hex digests and millisecond figures.
    pub fn normalise(&self, text: &str) -> String {
        let root = self.root().to_string_lossy().into_owned();
        let canonical = self
            .root()
            .canonicalize()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = text.replace(&canonical, "[TMP]").replace(&root, "[TMP]");
        let sha256 = regex::Regex::new(r"\b[0-9a-f]{64}\b").expect("regex");
        let sha1 = regex::Regex::new(r"\b[0-9a-f]{40}\b").expect("regex");
        let short = regex::Regex::new(r"\b(commit|at|HEAD) +[0-9a-f]{8}\b").expect("regex");
        let ms = regex::Regex::new(r" *\b\d+ ms\b").expect("regex");
        let stamp = regex::Regex::new(r"init-\d{8}T\d{6}Z").expect("regex");
        let cores = regex::Regex::new(r"concurrency=\d+ \(cores\)").expect("regex");
        let text = sha256.replace_all(&text, "[SHA256]");
        let text = sha1.replace_all(&text, "[SHA]");
        let text = short.replace_all(&text, "$1 [SHORT]");
        let text = ms.replace_all(&text, " [N] ms");
        let text = stamp.replace_all(&text, "init-[TIME]");
        cores
            .replace_all(&text, "concurrency=[N] (cores)")
            .into_owned()
    }

    /// A repository with `peers init` done.
    pub fn initialised_repo(&self, name: &str) -> PathBuf {
        let dir = self.repo(name, true);
        let out = self.peers(&dir, &["init"]);
        assert_eq!(out.code, 0, "{}", out.combined());
        dir
    }

    /// Overwrites `.peers/goals.yaml` and accepts it.
    pub fn set_goals(&self, dir: &Path, yaml: &str) {
        std::fs::write(dir.join(".peers/goals.yaml"), yaml).expect("write goals");
        let out = self.peers(dir, &["goals", "accept"]);
        assert_eq!(out.code, 0, "{}", out.combined());
    }

    pub fn write(&self, dir: &Path, rel: &str, contents: &str) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, contents).expect("write");
    }
}

/// Every file under `dir` with its size and modification time, to prove nothing was written.
pub fn tree_snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("meta");
            if meta.is_dir() {
                stack.push(path.clone());
            }
            out.push((path, meta.len(), meta.modified().expect("mtime")));
        }
    }
    out.sort();
    out
}

/// A handoff commit message with a real self-review, for sim scripts.
pub const HANDOFF: &str = "Work by {peer}\n\n## Self-Review\nRe-read the diff and ran the checks myself; nothing left out.\n\nPeer: {peer}\nPeer-Status: handoff\nSelf-Review: pass";

/// Goals that a peer meets by handing off properly: the built-ins plus a trivial command gate.
pub const SIMPLE_GOALS: &str = "goals:\n  - {id: builds, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: self-review-on-handoff, type: hard, builtin: self-review-on-handoff}\n  - {id: bug-hunt-clean, type: hard, builtin: bug-hunt-clean}\n";

impl TestEnv {
    /// A repository whose peers are scripted sim agents: `peers` are (name, tool, script JSON).
    /// `extra_config` is appended to config.yaml (budget/health/goals sections).
    pub fn sim_project(
        &self,
        name: &str,
        peers: &[(&str, &str, serde_json::Value)],
        goals: &str,
        extra_config: &str,
    ) -> PathBuf {
        let repo = self.initialised_repo(name);
        self.write_sim_config(&repo, name, peers, extra_config);
        self.set_goals(&repo, goals);
        repo
    }

    /// Writes `.peers/config.yaml` of `repo` for scripted sim peers (name, tool, script JSON),
    /// the scripts kept under `<name>-scripts/`; `extra_config` is appended.
    pub fn write_sim_config(
        &self,
        repo: &Path,
        name: &str,
        peers: &[(&str, &str, serde_json::Value)],
        extra_config: &str,
    ) {
        let scripts = self.root().join(format!("{name}-scripts"));
        std::fs::create_dir_all(&scripts).expect("scripts dir");
        let mut config = String::from("peers:\n");
        for (peer, tool, script) in peers {
            let path = scripts.join(format!("{peer}.json"));
            std::fs::write(&path, serde_json::to_vec_pretty(script).expect("json"))
                .expect("script");
            config.push_str(&format!(
                "  - name: {peer}\n    tool: {tool}\n    argv: ['{}', 'sim-agent', '--script', '{}']\n    prompt_mode: stdin\n",
                env!("CARGO_BIN_EXE_peers"),
                path.display()
            ));
        }
        if !extra_config.contains("health:") {
            config.push_str(
                "health:\n  idle_timeout_s: 30\n  absolute_max_runtime_s: 60\n  grace_s: 1\n",
            );
        }
        config.push_str(extra_config);
        std::fs::write(repo.join(".peers/config.yaml"), config).expect("config");
    }

    /// The tick records of runs.jsonl.
    pub fn ticks(&self, repo: &Path) -> Vec<serde_json::Value> {
        self.records(repo)
            .into_iter()
            .filter(|r| r["event"] == "tick")
            .collect()
    }

    pub fn records(&self, repo: &Path) -> Vec<serde_json::Value> {
        std::fs::read_to_string(repo.join(".peers/log/runs.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub fn state(&self, repo: &Path) -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(repo.join(".peers/state.json")).expect("state"),
        )
        .expect("json")
    }

    pub fn last_stop(&self, repo: &Path) -> String {
        std::fs::read_to_string(repo.join(".peers/last-stop-reason.txt"))
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// `peers run` as a child process (for signals), with the same hermetic environment.
    pub fn spawn_peers(&self, dir: &Path, args: &[&str]) -> std::process::Child {
        self.base_command(env!("CARGO_BIN_EXE_peers"))
            .current_dir(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn peers")
    }
}
