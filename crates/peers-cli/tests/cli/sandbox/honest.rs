//! Honest work inside the sandbox: files, git status and commit, Python, a local server,
//! a toolchain passed read-only, ptys and POSIX semaphores, and the exit status passed on.

use std::path::{Path, PathBuf};

use super::{Turn, available, lines, text};

#[test]
fn git_status_and_commit_work_inside_and_land_on_the_host() {
    if !available() {
        return;
    }
    let turn = Turn::new();
    let outcome = turn.sh(
        "echo 'fn main() {}' > main.rs && git status --short && git add main.rs && \
         git commit -q -m 'add main' && git log --oneline | wc -l && echo done",
    );
    let all = text(&outcome);
    assert!(outcome.success(), "{all}");
    assert_eq!(lines(&outcome), ["?? main.rs", "2", "done"], "{all}");
    let log = turn.env.git(&turn.repo, &["log", "--format=%s", "-1"]);
    assert_eq!(log.trim(), "add main");
}

#[test]
fn python_a_loopback_server_ptys_and_semaphores_work_inside() {
    if !available() {
        return;
    }
    let turn = Turn::new();
    let script = "import multiprocessing, os, socket, threading\n\
         print(sorted(os.listdir('/proc/self/fd')))\n\
         server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n\
         port = server.getsockname()[1]\n\
         threading.Thread(target=lambda: server.accept()[0].sendall(b'pong'), daemon=True).start()\n\
         print(socket.create_connection(('127.0.0.1', port)).recv(4).decode())\n\
         lock = multiprocessing.Lock(); lock.acquire(); lock.release(); print('semaphore')\n\
         parent, child = os.openpty(); print('pty')\n\
         print(os.cpu_count() > 0)\n";
    let outcome = turn.run(&["python3", "-c", script], &[]);
    let all = text(&outcome);
    assert!(outcome.success(), "{all}");
    // Only stdio (and listdir's own descriptor) is open: nothing of peers leaks in.
    assert_eq!(
        lines(&outcome),
        ["['0', '1', '2', '3']", "pong", "semaphore", "pty", "True"],
        "{all}"
    );
}

#[test]
fn a_toolchain_passed_read_only_runs_cargo() {
    if !available() {
        return;
    }
    let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
        return;
    };
    let cargo_home =
        std::env::var_os("CARGO_HOME").map_or_else(|| home.join(".cargo"), PathBuf::from);
    let rustup_home =
        std::env::var_os("RUSTUP_HOME").map_or_else(|| home.join(".rustup"), PathBuf::from);
    if !cargo_home.join("bin/cargo").exists() || !rustup_home.exists() {
        eprintln!(
            "skipped: no rustup toolchain under {}",
            cargo_home.display()
        );
        return;
    }
    let mut turn = Turn::new();
    turn.policy.read_only = vec![cargo_home.join("bin"), rustup_home.clone()];
    let path = format!("{}:{}", cargo_home.join("bin").display(), super::PATH);
    let outcome = turn.run(
        &["cargo", "--version"],
        &[
            ("PATH", &path),
            ("RUSTUP_HOME", &rustup_home.display().to_string()),
            (
                "CARGO_HOME",
                &turn.scratch.join("cargo").display().to_string(),
            ),
            (
                "RUSTUP_TOOLCHAIN",
                &std::env::var("RUSTUP_TOOLCHAIN").unwrap_or_else(|_| "stable".into()),
            ),
        ],
    );
    let all = text(&outcome);
    assert!(outcome.success(), "{all}");
    assert!(lines(&outcome)[0].starts_with("cargo "), "{all}");
}

#[test]
fn the_exit_status_is_passed_on_and_a_missing_program_is_named() {
    if !available() {
        return;
    }
    let turn = Turn::new();
    assert_eq!(turn.sh("exit 7").exit.code, Some(7));
    assert_eq!(turn.sh("kill -9 $$").exit.code, Some(128 + 9));
    let outcome = turn.run(&["no-such-program-xyz"], &[]);
    let all = text(&outcome);
    assert_eq!(
        outcome.exit.code,
        Some(peers_sandbox::SETUP_FAILED_EXIT_CODE),
        "{all}"
    );
    assert!(
        all.contains("no-such-program-xyz") && all.contains("hint:"),
        "{all}"
    );
}

#[test]
fn doctor_reports_the_sandbox_features() {
    let env = crate::test_env::TestEnv::new();
    let repo = env.initialised_repo("app");
    let out = env.peers(&repo, &["doctor", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("doctor json");
    let findings = value["findings"].as_array().expect("findings");
    let sandbox: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|finding| finding["subject"] == "sandbox")
        .collect();
    let checks: Vec<&str> = sandbox.iter().filter_map(|f| f["check"].as_str()).collect();
    assert_eq!(
        checks,
        ["native", "user-ns", "landlock", "seccomp", "cgroup"],
        "{}",
        out.stdout
    );
    let native = sandbox[0];
    let expected = if peers_sandbox::probe(Path::new(super::PEERS)).native_ready() {
        "ok"
    } else {
        "warning"
    };
    assert_eq!(native["severity"], expected, "{native}");
    assert!(
        sandbox
            .iter()
            .all(|finding| finding["severity"] != "problem")
    );
}
