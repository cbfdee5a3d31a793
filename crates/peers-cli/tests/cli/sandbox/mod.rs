//! The native sandbox through the built binary's hidden `peers __sandbox-exec`: the escape
//! attempts of the design's battery must be blocked, honest work must still succeed. Each test
//! skips with the probe's reason on a kernel that cannot build the sandbox.

mod escapes;
mod honest;
mod lifetime;
mod run_confined;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use peers_process::{CommandSpec, Outcome};
use peers_sandbox::Policy;

use crate::test_env::TestEnv;

pub const PEERS: &str = env!("CARGO_BIN_EXE_peers");
pub const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Whether this kernel can build the sandbox; prints why not (once) when it cannot.
pub fn available() -> bool {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = PROBE.get_or_init(|| peers_sandbox::probe(Path::new(PEERS)).sandbox);
    if let Err(reason) = result {
        eprintln!("skipped: the native sandbox cannot be built on this machine: {reason}");
    }
    result.is_ok()
}

/// A repository with one commit, a scratch dir and a HOME, as a launcher would set them up.
pub struct Turn {
    pub env: TestEnv,
    pub repo: PathBuf,
    pub scratch: PathBuf,
    pub policy: Policy,
}

impl Turn {
    pub fn new() -> Self {
        let env = TestEnv::new();
        let repo = env.repo("app", true);
        let scratch = env.root().join("scratch");
        let home = env.root().join("home");
        let policy = Policy::new(&repo, &scratch, &home);
        Self {
            env,
            repo,
            scratch,
            policy,
        }
    }

    pub fn home(&self) -> &Path {
        &self.policy.home
    }

    /// Runs `sh -c script` confined in the repository, with a clean git identity.
    pub fn sh(&self, script: &str) -> Outcome {
        self.run(&["/bin/sh", "-c", script], &[])
    }

    pub fn run(&self, argv: &[&str], extra_env: &[(&str, &str)]) -> Outcome {
        let mut spec = CommandSpec::new(argv[0], &self.repo);
        spec.args = argv[1..].iter().map(Into::into).collect();
        spec.env = [
            ("PATH", PATH),
            ("HOME", &self.home().display().to_string()),
            ("LC_ALL", "C"),
            ("GIT_CONFIG_NOSYSTEM", "1"),
            ("GIT_AUTHOR_NAME", "Agent"),
            ("GIT_AUTHOR_EMAIL", "agent@example.invalid"),
            ("GIT_COMMITTER_NAME", "Agent"),
            ("GIT_COMMITTER_EMAIL", "agent@example.invalid"),
        ]
        .iter()
        .chain(extra_env)
        .map(|(key, value)| (key.into(), value.into()))
        .collect();
        spec.timeout = Some(Duration::from_secs(60));
        let confined =
            peers_sandbox::confine(&spec, &self.policy, Path::new(PEERS)).expect("confine");
        peers_process::run(&confined).expect("run the sandbox helper")
    }
}

/// stdout and stderr of an outcome, for assertions and failure messages.
pub fn text(outcome: &Outcome) -> String {
    format!(
        "exit: {}\nstdout:\n{}\nstderr:\n{}",
        outcome.exit,
        outcome.stdout.to_string_lossy(),
        outcome.stderr.to_string_lossy()
    )
}

/// Every line of stdout, trimmed.
pub fn lines(outcome: &Outcome) -> Vec<String> {
    outcome
        .stdout
        .to_string_lossy()
        .lines()
        .map(|line| line.trim().to_owned())
        .collect()
}

/// Host `sleep` processes whose command line contains `marker`.
pub fn sleepers(marker: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            entry.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // A zombie waiting for the VM's pid 1 to reap it is not running.
            let state = stat.rsplit(") ").next()?.chars().next()?;
            (cmdline.starts_with("sleep ") && cmdline.contains(marker) && state != 'Z')
                .then_some(cmdline)
        })
        .collect()
}
