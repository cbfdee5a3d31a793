//! Both sandbox backends through the built binary's hidden helpers (`peers __sandbox-exec`,
//! `peers __podman-exec`): the escape attempts of the design's battery must be blocked, honest
//! work must still succeed. Each test runs once per backend available here; native is skipped
//! with the probe's reason on a kernel that cannot build it, podman only when podman is not
//! installed and CI is not set (under CI=true a missing podman fails the test).

mod escapes;
mod escapes_more;
mod git_layouts;
mod honest;
mod lifetime;
mod network;
mod podman;
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
    static PROBE: OnceLock<Result<(), peers_sandbox::ProbeError>> = OnceLock::new();
    let result = PROBE.get_or_init(|| peers_sandbox::probe(Path::new(PEERS)).sandbox);
    if let Err(reason) = result {
        eprintln!("skipped: the native sandbox cannot be built on this machine: {reason}");
    }
    result.is_ok()
}

/// Which sandbox a [`Turn`] runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Native,
    Podman,
}

impl Backend {
    /// The value of `--sandbox` that picks this backend.
    pub fn flag(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Podman => "podman",
        }
    }

    /// Whether this backend runs here; prints why not when it does not (podman: fails under
    /// CI=true, see [`podman::available`]).
    pub fn available(self) -> bool {
        match self {
            Self::Native => available(),
            Self::Podman => podman::available(),
        }
    }
}

/// The backends this machine can run, each test runs once per backend.
pub fn backends() -> Vec<Backend> {
    let mut found = Vec::new();
    if available() {
        found.push(Backend::Native);
    }
    if podman::available() {
        found.push(Backend::Podman);
    }
    found
}

/// A repository with one commit, a scratch dir and a HOME, as a launcher would set them up.
pub struct Turn {
    pub backend: Backend,
    pub env: TestEnv,
    pub repo: PathBuf,
    pub scratch: PathBuf,
    pub policy: Policy,
}

impl Turn {
    /// One fresh turn per available backend.
    pub fn each() -> impl Iterator<Item = Self> {
        backends().into_iter().map(Self::new)
    }

    pub fn new(backend: Backend) -> Self {
        // A failing test's captured output says which backend it ran in.
        eprintln!("== backend: {backend:?}");
        let env = TestEnv::new();
        let repo = env.repo("app", true);
        let scratch = env.root().join("scratch");
        let home = env.root().join("home");
        let policy = Policy::new(&repo, &scratch, &home);
        Self {
            backend,
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
        let confined = self.confine(&self.spec(argv, extra_env));
        peers_process::run(&confined).expect("run the sandbox helper")
    }

    /// The unconfined spec of `argv` in the repository: a clean git identity, stdin null.
    pub fn spec(&self, argv: &[&str], extra_env: &[(&str, &str)]) -> CommandSpec {
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
        spec.timeout = Some(Duration::from_secs(120));
        spec
    }

    /// `spec` wrapped for this turn's backend.
    pub fn confine(&self, spec: &CommandSpec) -> CommandSpec {
        match self.backend {
            Backend::Native => {
                peers_sandbox::confine(spec, &self.policy, Path::new(PEERS)).expect("confine")
            }
            Backend::Podman => peers_sandbox::confine_podman(
                spec,
                &self.policy,
                &podman::settings(),
                Path::new(PEERS),
            )
            .expect("confine_podman"),
        }
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
