//! `Rig`: one scripted model server, the config files and environment that point every real
//! CLI at it (see `agent_cli`), projects whose peers are real CLIs or sim agents, and `peers`
//! run with an open stdin pipe under a deadline.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use peers_model_server::{ModelServer, Script};

use super::agent_cli::{CODEX_CONFIG, Cli, FIXED_ENV, GEMINI_SETTINGS, OPENCODE_CONFIG};
use super::isolation::{CLI_NAMES, Clis};
use crate::cli::sandbox::Backend;
use crate::test_env::{Output, SIMPLE_GOALS, TestEnv};

/// Longest one `peers` command may take; past it the test fails as hung.
const PEERS_DEADLINE: Duration = Duration::from_secs(150);

/// A peer of a test project.
pub enum Peer<'a> {
    /// A real CLI with its default command line and `Cli::model`.
    Real { name: &'a str, cli: Cli },
    /// A real CLI with its default command line and this `model:`.
    RealWithModel {
        name: &'a str,
        cli: Cli,
        model: &'a str,
    },
    /// A sim agent running `script` (peers-sim JSON).
    Sim {
        name: &'a str,
        script: serde_json::Value,
    },
}

pub struct Rig {
    pub env: TestEnv,
    pub server: ModelServer,
    clis: Clis,
    /// Homes and configs of the CLIs: outside every repository.
    cli_home: PathBuf,
    /// The sandbox `peers` confines the CLIs in (`--sandbox native|podman`; `None`: on the
    /// host): confined, they reach the server only through the sandbox's model proxies, which
    /// hold [`REAL_KEY`].
    sandbox: Option<Backend>,
}

/// The "real" key of a confined rig: set in peers' environment, never inside the sandbox.
pub const REAL_KEY: &str = "sk-real-host-key-5d1e8c";

impl Rig {
    pub fn new(clis: &Clis, script: Script) -> Self {
        Self::build(clis, script, None)
    }

    /// A rig whose `peers run`/`tick`/`review` confine the CLIs in `backend`: the CLIs' base
    /// URLs are the sandbox's model proxies, whose upstream is the server.
    pub fn confined(clis: &Clis, script: Script, backend: Backend) -> Self {
        Self::build(clis, script, Some(backend))
    }

    fn build(clis: &Clis, script: Script, sandbox: Option<Backend>) -> Self {
        let env = TestEnv::new();
        let server = ModelServer::start(script).expect("start the model server");
        let cli_home = env.root().join("cli-home");
        let rig = Self {
            env,
            server,
            clis: clis.clone(),
            cli_home,
            sandbox,
        };
        rig.write_cli_configs();
        rig
    }

    fn write_cli_configs(&self) {
        // Inside the sandbox the server is reached through the OpenAI proxy's listener.
        let url = if self.sandbox.is_some() {
            "http://127.0.0.1:3130".to_owned()
        } else {
            self.server.base_url()
        };
        let home = self.env.root().join("home");
        let write = |path: PathBuf, text: String| {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write config");
        };
        write(
            self.cli_home.join("codex/config.toml"),
            CODEX_CONFIG.replace("{URL}", &url),
        );
        write(
            self.cli_home.join("xdg/config/opencode/opencode.json"),
            OPENCODE_CONFIG.replace("{URL}", &url),
        );
        write(
            home.join(".gemini/settings.json"),
            GEMINI_SETTINGS.to_owned(),
        );
        // The sandbox's HOME is empty: gemini finds its settings through GEMINI_CLI_HOME.
        write(
            self.cli_home.join("gemini/.gemini/settings.json"),
            GEMINI_SETTINGS.to_owned(),
        );
        for dir in ["claude", "tmp", "xdg/data", "xdg/cache", "xdg/state"] {
            std::fs::create_dir_all(self.cli_home.join(dir)).expect("mkdir");
        }
    }

    /// The variables every CLI needs to talk to the server only (peers passes them through its
    /// allowlist: CODEX_, OPENAI_, ANTHROPIC_, CLAUDE_, DISABLE_, XDG_, OPENCODE_, GOOGLE_,
    /// GEMINI_, IS_SANDBOX, TMPDIR).
    fn cli_env(&self) -> Vec<(String, String)> {
        let url = self.server.base_url();
        let at = |rel: &str| self.cli_home.join(rel).display().to_string();
        let mut vars = vec![
            ("CODEX_HOME".to_owned(), at("codex")),
            ("OPENAI_API_KEY".to_owned(), "dummy-key".to_owned()),
            ("ANTHROPIC_BASE_URL".to_owned(), url.clone()),
            ("ANTHROPIC_API_KEY".to_owned(), "dummy-key".to_owned()),
            ("CLAUDE_CONFIG_DIR".to_owned(), at("claude")),
            ("XDG_CONFIG_HOME".to_owned(), at("xdg/config")),
            ("XDG_DATA_HOME".to_owned(), at("xdg/data")),
            ("XDG_CACHE_HOME".to_owned(), at("xdg/cache")),
            ("XDG_STATE_HOME".to_owned(), at("xdg/state")),
            ("GOOGLE_GEMINI_BASE_URL".to_owned(), url),
            ("GEMINI_API_KEY".to_owned(), "dummy-key".to_owned()),
            ("TMPDIR".to_owned(), at("tmp")),
        ];
        for (name, value) in FIXED_ENV {
            vars.push(((*name).to_owned(), (*value).to_owned()));
        }
        if self.sandbox.is_some() {
            for key in ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"] {
                vars.retain(|(name, _)| name != key);
                vars.push((key.to_owned(), REAL_KEY.to_owned()));
            }
            vars.push((
                "PEERS_SANDBOX_TEST_UPSTREAM".to_owned(),
                self.server.base_url(),
            ));
            vars.push(("GEMINI_CLI_HOME".to_owned(), at("gemini")));
        }
        vars
    }

    /// `peers` with the hermetic test environment, the CLIs on PATH and their variables.
    ///
    /// `run`, `tick` and `review` run their agents on the host (`--sandbox none`) unless the
    /// test names a sandbox: these tests are about the CLIs, `confined` is about the sandbox.
    pub fn peers_command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut args = args.to_vec();
        if matches!(args.first(), Some(&("run" | "tick" | "review")))
            && !args.contains(&"--sandbox")
        {
            args.extend(["--sandbox", self.sandbox.map_or("none", Backend::flag)]);
        }
        self.command(env!("CARGO_BIN_EXE_peers"), dir, &args)
    }

    /// `program` (a path, or a name looked up on the CLIs-first PATH) with the hermetic test
    /// environment and the CLIs' variables.
    pub fn command(&self, program: &str, dir: &Path, args: &[&str]) -> Command {
        let mut path: Vec<PathBuf> = CLI_NAMES.iter().map(|n| self.clis.bin_dir(n)).collect();
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path = std::env::join_paths(path).expect("PATH");
        let program = if program.contains('/') {
            PathBuf::from(program)
        } else {
            CLI_NAMES
                .iter()
                .map(|name| self.clis.bin_dir(name).join(program))
                .find(|candidate| candidate.is_file())
                .unwrap_or_else(|| PathBuf::from(program))
        };
        let mut cmd = self.env.base_command(&program.to_string_lossy());
        cmd.env("PATH", path)
            .envs(self.cli_env())
            .current_dir(dir)
            .args(args);
        cmd
    }

    /// Runs `peers args` with its stdin an OPEN pipe that is never written nor closed (codex
    /// and opencode would wait on it for ever if peers handed it down), under a deadline.
    pub fn peers(&self, dir: &Path, args: &[&str]) -> (Output, Duration) {
        let logs = tempfile::tempdir().expect("tempdir");
        let (out_path, err_path) = (logs.path().join("out"), logs.path().join("err"));
        let mut child = self
            .peers_command(dir, args)
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(&out_path).expect("stdout file"))
            .stderr(std::fs::File::create(&err_path).expect("stderr file"))
            .spawn()
            .expect("spawn peers");
        let open_stdin = child.stdin.take();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > PEERS_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "peers {args:?} still running after {PEERS_DEADLINE:?} (stdin open):\n{}",
                    std::fs::read_to_string(&err_path).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        drop(open_stdin);
        let read = |path: &Path| {
            self.env
                .normalise(&std::fs::read_to_string(path).unwrap_or_default())
        };
        let output = Output {
            code: status.code().unwrap_or(-1),
            stdout: read(&out_path),
            stderr: read(&err_path),
        };
        (output, started.elapsed())
    }

    /// An initialised repository with `peers` and the simple goals; `extra` is appended to
    /// config.yaml.
    pub fn project(&self, name: &str, peers: &[Peer<'_>], extra: &str) -> PathBuf {
        let repo = self.env.initialised_repo(name);
        let mut config = String::from("peers:\n");
        for peer in peers {
            match peer {
                Peer::Real { name, cli } => real_peer(&mut config, name, *cli, cli.model()),
                Peer::RealWithModel { name, cli, model } => {
                    real_peer(&mut config, name, *cli, Some(model));
                }
                Peer::Sim { name, script } => {
                    let path = self.env.root().join(format!("{name}-sim.json"));
                    std::fs::write(&path, script.to_string()).expect("sim script");
                    config.push_str(&format!(
                        "  - name: {name}\n    tool: sim\n    argv: ['{}', 'sim-agent', '--script', '{}']\n    prompt_mode: stdin\n",
                        env!("CARGO_BIN_EXE_peers"),
                        path.display()
                    ));
                }
            }
        }
        config.push_str(
            "health:\n  idle_timeout_s: 60\n  absolute_max_runtime_s: 120\n  grace_s: 2\n",
        );
        config.push_str(extra);
        std::fs::write(repo.join(".peers/config.yaml"), config).expect("config");
        self.env.set_goals(&repo, SIMPLE_GOALS);
        repo
    }
}

fn real_peer(config: &mut String, name: &str, cli: Cli, model: Option<&str>) {
    config.push_str(&format!("  - name: {name}\n    tool: {}\n", cli.name()));
    if let Some(model) = model {
        config.push_str(&format!("    model: {model}\n"));
    }
}

/// A handoff commit message as the protocol wants it (design note, "The commit protocol").
pub fn handoff_message(peer: &str) -> String {
    format!(
        "Add hello.txt\n\n## Self-Review\nRe-read the diff and ran the checks myself; nothing left out.\n\nPeer: {peer}\nPeer-Status: handoff\nSelf-Review: pass"
    )
}

/// The shell command that commits `file` with `message` (a here-document: the message has
/// newlines and quotes).
pub fn commit_command(file: &str, message: &str) -> String {
    format!(
        "git add -- '{file}' && git commit -q -F - <<'PEERS_COMMIT_MSG'\n{message}\nPEERS_COMMIT_MSG"
    )
}

/// A sim peer that hands off honestly (it only runs when a test lets the turn reach it).
pub fn honest_sim() -> serde_json::Value {
    serde_json::json!({"turns": [[
        {"append_file": {"path": "sim.txt", "content": "{peer} was here\n"}},
        {"git_commit": {"message": crate::test_env::HANDOFF}},
    ]]})
}
