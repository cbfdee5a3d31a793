//! `peers tmux up|down` in a real tmux server on a private socket (`-L`, never the user's
//! server), killed at the end. The peers' CLIs are stand-ins on PATH that record their
//! arguments and wait, so the windows stay up and show what was started.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::test_env::TestEnv;

/// The private tmux server of one test; killed when dropped, whatever happened.
struct Server {
    socket: String,
    path: String,
}

impl Server {
    fn tmux(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env("PATH", &self.path)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

fn tmux_or_skip() -> bool {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|dir| dir.join("tmux").is_file());
    if found {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "tmux is not on PATH in CI: .ci/setup.d/30-tmux.sh must install it"
    );
    eprintln!(
        "\n!!! SKIPPED: tmux is not on PATH (source .ci/setup.d/30-tmux.sh to run this test)\n"
    );
    false
}

/// Stand-ins for `claude` and `codex` in `<tmp>/bin`: record "$@" and wait.
fn stand_ins(env: &TestEnv) -> PathBuf {
    let bin = env.root().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["claude", "codex"] {
        let path = bin.join(name);
        let log = env.root().join(format!("{name}.args"));
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\nexec sleep 600\n",
                log.display()
            ),
        )
        .unwrap();
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&path, perms).unwrap();
    }
    bin
}

fn peers_with_path(env: &TestEnv, dir: &Path, path: &str, args: &[&str]) -> (i32, String, String) {
    let out = env
        .base_command(env!("CARGO_BIN_EXE_peers"))
        .current_dir(dir)
        .env("PATH", path)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn up_opens_one_window_per_peer_and_a_watch_pane_per_peer_and_down_removes_them() {
    if !tmux_or_skip() {
        return;
    }
    let env = TestEnv::new();
    let repo = env.initialised_repo("proj");
    let bin = stand_ins(&env);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let server = Server {
        socket: format!("peers-test-{}", std::process::id()),
        path: path.clone(),
    };
    let sock = server.socket.clone();

    let (code, stdout, stderr) = peers_with_path(&env, &repo, &path, &["tmux", "-L", &sock, "up"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let session = stdout
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches(':')
        .to_owned();
    assert!(session.starts_with("peers-proj-"), "{stdout}");
    let (ok, windows) = server.tmux(&["list-windows", "-t", &session, "-F", "#{window_name}"]);
    assert!(ok);
    assert_eq!(
        windows.lines().collect::<Vec<_>>(),
        ["claude", "codex", "watch"]
    );
    let (_, starts) = server.tmux(&[
        "list-panes",
        "-s",
        "-t",
        &session,
        "-F",
        "#{window_name}|#{pane_start_command}|#{pane_current_path}",
    ]);
    let rows: Vec<&str> = starts.lines().collect();
    assert_eq!(rows.len(), 4, "{starts}");
    let canonical = repo.canonicalize().unwrap();
    assert!(
        rows[0].starts_with("claude|") && rows[0].contains("claude --continue || claude"),
        "{starts}"
    );
    assert!(
        rows[1].starts_with("codex|") && rows[1].contains("codex resume --last || codex"),
        "{starts}"
    );
    let watch: Vec<&&str> = rows.iter().filter(|r| r.starts_with("watch|")).collect();
    assert_eq!(watch.len(), 2);
    assert!(
        watch.iter().any(|r| r.contains("msg watch claude"))
            && watch.iter().any(|r| r.contains("msg watch codex")),
        "{starts}"
    );
    assert!(
        rows.iter()
            .all(|r| r.ends_with(&*canonical.to_string_lossy())),
        "{starts}"
    );
    // The stand-ins really run, continuing their last session first.
    let started = peers_testkit::wait_until(std::time::Duration::from_secs(10), || {
        std::fs::read_to_string(env.root().join("claude.args"))
            .is_ok_and(|a| a.contains("--continue"))
            && std::fs::read_to_string(env.root().join("codex.args"))
                .is_ok_and(|a| a.contains("resume --last"))
    });
    assert!(started, "the peers' CLIs were not started");

    let (code, _, stderr) = peers_with_path(&env, &repo, &path, &["tmux", "-L", &sock, "up"]);
    assert_eq!(code, 2, "a second up is refused: {stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");

    // A session of this name that `up` did not open for this repository is not ended.
    assert!(
        server
            .tmux(&[
                "set-option",
                "-t",
                &session,
                "@peers-root",
                "/somewhere/else"
            ])
            .0
    );
    let (code, _, stderr) = peers_with_path(&env, &repo, &path, &["tmux", "-L", &sock, "down"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("was not opened by `peers tmux up`"),
        "{stderr}"
    );
    assert!(server.tmux(&["has-session", "-t", &session]).0);
    let root = canonical.to_string_lossy().into_owned();
    assert!(
        server
            .tmux(&["set-option", "-t", &session, "@peers-root", &root])
            .0
    );

    let (code, stdout, stderr) =
        peers_with_path(&env, &repo, &path, &["tmux", "-L", &sock, "down"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        !server.tmux(&["has-session", "-t", &session]).0,
        "down removed the session"
    );
}

#[test]
fn tmux_missing_is_refused_with_a_fix() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("proj");
    // git and nothing else.
    let empty = env.root().join("git-only-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let git = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("git"))
        .find(|path| path.is_file())
        .unwrap();
    std::os::unix::fs::symlink(git, empty.join("git")).unwrap();
    let (code, _, stderr) = peers_with_path(&env, &repo, &empty.to_string_lossy(), &["tmux", "up"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("tmux is not installed"), "{stderr}");
    assert!(stderr.contains("apt-get install tmux"), "{stderr}");
}
