//! Honest work inside the sandbox: files, git status and commit, Python, a local server,
//! a toolchain passed read-only, ptys and POSIX semaphores, the exit status passed on, and
//! stdin: the exact bytes then EOF when the command is given some, closed when not.

use std::path::{Path, PathBuf};

use peers_process::StdinSource;

use super::{Turn, lines, text};

#[test]
fn stdin_bytes_reach_the_command_exactly_then_eof_and_without_bytes_stdin_is_closed() {
    for turn in Turn::each() {
        // More than a pipe buffer, every byte value, no newline at the end.
        let mut bytes = b"You are peer 'alice'.\n".to_vec();
        bytes.extend((0..=255u8).cycle().take(200_000));
        bytes.extend(b"the end, no newline");
        // `cat` returns only at EOF: an open pipe would hang the turn until its timeout.
        let mut spec = turn.spec(&["/bin/sh", "-c", "cat > stdin-seen && echo read"], &[]);
        spec.stdin = StdinSource::Bytes(bytes.clone());
        let outcome = peers_process::run(&turn.confine(&spec)).expect("run the sandbox helper");
        let all = text(&outcome);
        assert!(outcome.success() && !outcome.timed_out, "{all}");
        assert_eq!(lines(&outcome), ["read"], "{all}");
        let seen = std::fs::read(turn.repo.join("stdin-seen")).unwrap();
        assert!(
            seen == bytes,
            "{} bytes read of {}: {all}",
            seen.len(),
            bytes.len()
        );

        // Null: EOF at once (never a pipe left open), so `cat` reads nothing and returns.
        let outcome = turn.run(
            &[
                "/bin/sh",
                "-c",
                "cat | wc -c; [ -p /dev/stdin ] && echo pipe || echo no-pipe",
            ],
            &[],
        );
        let all = text(&outcome);
        assert!(outcome.success() && !outcome.timed_out, "{all}");
        assert_eq!(lines(&outcome), ["0", "no-pipe"], "{all}");
    }
}

#[test]
fn git_status_and_commit_work_inside_and_land_on_the_host() {
    for turn in Turn::each() {
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
}

#[test]
fn python_a_loopback_server_ptys_and_semaphores_work_inside() {
    for turn in Turn::each() {
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
}

/// A sample project: its name, its files and the command that builds and tests it.
type Sample = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    &'static str,
);

/// A sample project per language whose toolchain is here.
fn samples(cargo: bool) -> Vec<Sample> {
    let mut found = Vec::new();
    if cargo {
        found.push((
            "rust",
            vec![
                ("Cargo.toml", "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
                ("src/lib.rs", "pub fn add(a: i32, b: i32) -> i32 { a + b }\n#[test]\nfn adds() { assert_eq!(add(2, 2), 4); }\n"),
            ],
            "cargo test --offline -q",
        ));
    }
    if Path::new("/usr/bin/python3").exists() {
        found.push((
            "python",
            vec![("test_sample.py", "import unittest\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(2 + 2, 4)\n")],
            "python3 -m unittest -q test_sample",
        ));
    }
    if Path::new("/usr/bin/node").exists() {
        found.push((
            "node",
            vec![("sample.test.js", "const test = require('node:test');\nconst assert = require('node:assert');\ntest('adds', () => assert.strictEqual(2 + 2, 4));\n")],
            "node --test sample.test.js",
        ));
    }
    if Path::new("/usr/bin/go").exists() {
        found.push((
            "go",
            vec![
                ("go.mod", "module sample\n\ngo 1.19\n"),
                ("sample_test.go", "package sample\nimport \"testing\"\nfunc TestAdd(t *testing.T) { if 2+2 != 4 { t.Fatal() } }\n"),
            ],
            "go test ./...",
        ));
    }
    found
}

#[test]
fn rust_python_node_and_go_projects_build_and_test_inside() {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cargo_home =
        std::env::var_os("CARGO_HOME").map_or_else(|| home.join(".cargo"), PathBuf::from);
    let rustup_home =
        std::env::var_os("RUSTUP_HOME").map_or_else(|| home.join(".rustup"), PathBuf::from);
    let cargo = cargo_home.join("bin/cargo").exists() && rustup_home.exists();
    if !cargo {
        eprintln!(
            "skipped rust: no rustup toolchain under {}",
            cargo_home.display()
        );
    }
    for mut turn in Turn::each() {
        turn.policy.read_only = if cargo {
            vec![cargo_home.join("bin"), rustup_home.clone()]
        } else {
            Vec::new()
        };
        let path = format!("{}:{}", cargo_home.join("bin").display(), super::PATH);
        let scratch = turn.scratch.display().to_string();
        let toolchain = std::env::var("RUSTUP_TOOLCHAIN").unwrap_or_else(|_| "stable".into());
        let env = [
            ("PATH", path.as_str()),
            ("RUSTUP_HOME", &rustup_home.display().to_string()),
            ("CARGO_HOME", &format!("{scratch}/cargo")),
            ("CARGO_TARGET_DIR", &format!("{scratch}/target")),
            ("RUSTUP_TOOLCHAIN", &toolchain),
            ("GOCACHE", &format!("{scratch}/gocache")),
            ("GOPATH", &format!("{scratch}/gopath")),
            ("GOFLAGS", "-mod=mod"),
            ("GOPROXY", "off"),
            ("GOTOOLCHAIN", "local"),
        ]
        .map(|(key, value)| (key, value.to_owned()));
        let env: Vec<(&str, &str)> = env
            .iter()
            .map(|(key, value)| (*key, value.as_str()))
            .collect();
        for (name, files, command) in samples(cargo) {
            let dir = turn.repo.join(name);
            for (file, contents) in &files {
                let path = dir.join(file);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("sample dir");
                std::fs::write(path, contents).expect("sample file");
            }
            let outcome = turn.run(
                &[
                    "/bin/sh",
                    "-c",
                    &format!("cd {name} && {command} && echo {name}-ok"),
                ],
                &env,
            );
            let all = text(&outcome);
            assert!(outcome.success(), "{name} in {:?}:\n{all}", turn.backend);
            assert!(all.contains(&format!("{name}-ok")), "{all}");
        }
    }
}

#[test]
fn the_exit_status_is_passed_on_and_a_missing_program_is_named() {
    for turn in Turn::each() {
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
        [
            "native", "user-ns", "landlock", "seccomp", "cgroup", "podman", "backend"
        ],
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
    let podman = sandbox[5]["message"].as_str().unwrap_or_default();
    if super::podman::available() {
        assert!(podman.contains("--sandbox podman works"), "{podman}");
    } else {
        assert!(podman.contains("unavailable"), "{podman}");
    }
    assert!(
        sandbox[6]["message"]
            .as_str()
            .is_some_and(|line| line.starts_with("best backend here: ")),
        "{}",
        sandbox[6]
    );
    assert!(
        sandbox
            .iter()
            .all(|finding| finding["severity"] != "problem")
    );
}
