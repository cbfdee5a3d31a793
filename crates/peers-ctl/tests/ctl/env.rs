//! `CtlEnv`: a temp dir with its own config dir, projects root and HOME, hermetic git, the built
//! `peers-ctl` and `peers` binaries, and helpers to make a project whose peers are scripted sim
//! agents (slow enough to be seen running, stopped and resumed).
#![expect(
    clippy::expect_used,
    reason = "test harness: a failed setup step must stop the test"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct CtlEnv {
    temp: tempfile::TempDir,
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn combined(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub const HANDOFF: &str = "Work by {peer}\n\n## Self-Review\nRe-read the diff and ran the checks myself; nothing left out.\n\nPeer: {peer}\nPeer-Status: handoff\nSelf-Review: pass";
const GOALS: &str = "goals:\n  - {id: builds, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: self-review-on-handoff, type: hard, builtin: self-review-on-handoff}\n  - {id: bug-hunt-clean, type: hard, builtin: bug-hunt-clean}\n";

/// The `peers` binary next to `peers-ctl`, brought up to date once per test process: cargo
/// builds only peers-ctl's own binary for `cargo test -p peers-ctl`, and a `peers` left from an
/// older build would test old loop code (a no-op build costs a fraction of a second).
pub fn peers_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let ctl = PathBuf::from(env!("CARGO_BIN_EXE_peers-ctl"));
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "peers-cli", "--bin", "peers"])
            .status()
            .expect("cargo build peers");
        assert!(status.success(), "building the peers binary failed");
        ctl.with_file_name("peers")
    })
    .clone()
}

impl CtlEnv {
    pub fn new() -> Self {
        let temp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(temp.path().join("home")).expect("home");
        Self { temp }
    }

    pub fn root(&self) -> &Path {
        self.temp.path()
    }

    pub fn config_dir(&self) -> PathBuf {
        self.root().join("config")
    }

    pub fn projects_root(&self) -> PathBuf {
        self.root().join("projects")
    }

    pub fn command(&self, program: &Path) -> Command {
        // peers-testkit's hermetic environment (git identity, dates, no global config).
        let mut cmd = peers_testkit::hermetic_command(program, &self.root().join("home"));
        cmd.env("PEERS_CTL_CONFIG_DIR", self.config_dir())
            .env("PEERS_PROJECTS_ROOT", self.projects_root())
            .env("PEERS_CTL_PEERS_BIN", peers_bin())
            .current_dir(self.root());
        cmd
    }

    pub fn ctl(&self, args: &[&str]) -> Output {
        let out = self
            .command(Path::new(env!("CARGO_BIN_EXE_peers-ctl")))
            .args(args)
            .output()
            .expect("run peers-ctl");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.ctl(args);
        assert_eq!(out.code, 0, "peers-ctl {args:?}\n{}", out.combined());
        out
    }

    pub fn peers(&self, dir: &Path, args: &[&str]) -> Output {
        let out = self
            .command(&peers_bin())
            .current_dir(dir)
            .args(args)
            .output()
            .expect("run peers");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `peers-ctl new <name>`, then two sim peers that each sleep `turn_ms` and hand off, and
    /// goals met by honest handoffs; the run completes after `convergence_n` clean ticks and
    /// the skeptic tick.
    pub fn sim_project(&self, name: &str, turn_ms: u64, convergence_n: u32) -> PathBuf {
        self.ok(&["new", name]);
        let repo = self
            .projects_root()
            .join(name)
            .canonicalize()
            .expect("project dir");
        self.sim_peers(&repo, name, turn_ms, convergence_n);
        repo
    }

    /// Makes the peers of the project at `repo` two sim peers as [`CtlEnv::sim_project`] says,
    /// and accepts its goals.
    pub fn sim_peers(&self, repo: &Path, name: &str, turn_ms: u64, convergence_n: u32) {
        let scripts = self.root().join(format!("{name}-scripts"));
        std::fs::create_dir_all(&scripts).expect("scripts");
        let mut config = String::from("peers:\n");
        for peer in ["alice", "bob"] {
            let script = json!({"turns": [[
                {"sleep": {"ms": turn_ms}},
                {"append_file": {"path": format!("{peer}.txt"), "content": "{peer} was here\n"}},
                {"git_commit": {"message": HANDOFF}}
            ]]});
            let path = scripts.join(format!("{peer}.json"));
            std::fs::write(&path, serde_json::to_vec(&script).expect("json")).expect("script");
            config.push_str(&format!(
                "  - name: {peer}\n    tool: sim\n    argv: ['{}', 'sim-agent', '--script', '{}']\n    prompt_mode: stdin\n",
                peers_bin().display(),
                path.display()
            ));
        }
        config.push_str(
            "health:\n  idle_timeout_s: 30\n  absolute_max_runtime_s: 60\n  grace_s: 1\n",
        );
        config.push_str(&format!("goals:\n  convergence_n: {convergence_n}\n"));
        std::fs::write(repo.join(".peers/config.yaml"), config).expect("config");
        std::fs::write(repo.join(".peers/goals.yaml"), GOALS).expect("goals");
        let out = self.peers(repo, &["goals", "accept"]);
        assert_eq!(out.code, 0, "{}", out.combined());
    }

    /// The `list --json` row of `name`.
    pub fn row(&self, name: &str) -> Value {
        let out = self.ok(&["list", "--json"]);
        let rows: Vec<Value> = serde_json::from_str(&out.stdout).expect("list json");
        rows.into_iter().find(|r| r["name"] == name).expect("row")
    }

    pub fn registry(&self) -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(self.config_dir().join("registry.json")).expect("registry"),
        )
        .expect("registry json")
    }

    pub fn write_registry(&self, value: &Value) {
        std::fs::write(
            self.config_dir().join("registry.json"),
            serde_json::to_vec_pretty(value).expect("json"),
        )
        .expect("write registry");
    }
}

/// The tick records of a project's runs.jsonl.
pub fn ticks(repo: &Path) -> Vec<Value> {
    std::fs::read_to_string(repo.join(".peers/log/runs.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["event"] == "tick")
        .collect()
}

pub fn last_stop(repo: &Path) -> String {
    std::fs::read_to_string(repo.join(".peers/last-stop-reason.txt"))
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Polls `condition` every 50 ms for up to 60 s.
pub fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub use peers_testkit::pid_alive as alive;
