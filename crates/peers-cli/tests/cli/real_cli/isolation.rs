//! Where a real-CLI test runs: the installed CLIs are found (or the test skips loudly, or
//! fails under CI), and the test body re-runs itself inside `unshare -n` — a network namespace
//! with only loopback — so no CLI can reach anything but the local model server.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Set in the re-run test process: it is already inside the namespace.
const INSIDE: &str = "PEERS_REAL_CLI_IN_NETNS";
/// Longest one real-CLI test may take inside the namespace before it is killed as hung.
const TEST_DEADLINE: Duration = Duration::from_secs(300);

/// The CLI packages `.ci/setup.d/10-agent-clis.sh` installs: (directory, binary).
pub const CLI_NAMES: [&str; 4] = ["codex", "claude", "opencode", "gemini"];

/// Where the installed CLIs are.
#[derive(Debug, Clone)]
pub struct Clis {
    root: PathBuf,
}

impl Clis {
    /// `$PEERS_TEST_CLI_DIR`, else the cache `.ci/run` uses; `None` unless all four are there.
    fn find() -> Option<Self> {
        let root = std::env::var_os("PEERS_TEST_CLI_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("PEERS_CI_CACHE").map(|cache| Path::new(&cache).join("agent-clis"))
            })
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|home| Path::new(&home).join(".cache/peers-ci/agent-clis"))
            })?;
        let clis = Self { root };
        CLI_NAMES
            .iter()
            .all(|name| clis.bin_dir(name).join(name).is_file())
            .then_some(clis)
    }

    /// `node_modules/.bin` of one CLI (goes first on the peers' PATH).
    pub fn bin_dir(&self, name: &str) -> PathBuf {
        self.root.join(name).join("node_modules/.bin")
    }
}

/// Writes straight to the process's stderr: libtest captures `eprintln!`, and a skipped
/// conformance suite must be seen.
fn loud(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n!!!!! {message}\n");
}

/// True when `unshare -n` works and loopback can be brought up inside it.
fn netns_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        Command::new("unshare")
            .args(["-n", "--", "ip", "link", "set", "lo", "up"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
}

/// Runs `body` for the test `path` (`module_path!()::name`): skipped when the CLIs are
/// missing (failed under `CI=true`), re-run inside a loopback-only network namespace when
/// possible, else run here with a loud note.
pub fn isolated(path: &str, body: impl FnOnce(&Clis)) {
    let Some(clis) = Clis::find() else {
        let message = "REAL-CLI CONFORMANCE TEST SKIPPED: the agent CLIs are not installed; run \
                       `source .ci/setup.d/10-agent-clis.sh` (npm) or set PEERS_TEST_CLI_DIR";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{message} (CI=true: the CLIs must be installed)"
        );
        loud(&format!("{message}: {path}"));
        return;
    };
    if std::env::var_os(INSIDE).is_some() {
        return body(&clis);
    }
    if !netns_available() {
        loud(&format!(
            "{path}: no network namespace here (`unshare -n` needs root or user namespaces); \
             running the real CLIs WITHOUT network isolation"
        ));
        return body(&clis);
    }
    rerun_in_namespace(path);
}

/// Re-runs this one test in a new network namespace with loopback up, and fails with its
/// output unless exactly that test ran and passed.
fn rerun_in_namespace(path: &str) {
    // libtest names tests without the crate name that module_path! starts with.
    let name = path.split_once("::").map_or(path, |(_, rest)| rest);
    let exe = std::env::current_exe().expect("test binary path");
    let temp = tempfile::tempdir().expect("tempdir");
    let log = temp.path().join("inner.log");
    let file = std::fs::File::create(&log).expect("log file");
    let mut child = Command::new("unshare")
        .args([
            "-n",
            "--",
            "sh",
            "-c",
            "ip link set lo up && exec \"$@\"",
            "sh",
        ])
        .arg(&exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log file"))
        .stderr(file)
        .spawn()
        .expect("spawn unshare");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > TEST_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{name} hung for {TEST_DEADLINE:?} inside the namespace:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        status.success() && output.contains("test result: ok. 1 passed"),
        "{name} failed inside the network namespace ({status}):\n{output}"
    );
}
