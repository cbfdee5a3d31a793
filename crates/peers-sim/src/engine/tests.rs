//! Each in-process step kind run in a temporary repository, and the turn counter.

use super::*;
use crate::script::{Tool, parse};
use crate::test_repo::{self, git};

/// Run `steps` as alice (other: bob) in `repo`; returns (exit code, stdout, stderr).
fn run(repo: &Path, steps: Vec<SimStep>) -> (Result<i32, SimError>, Vec<u8>, Vec<u8>) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let ctx = SimTurn {
        peer: "alice",
        other: "bob".to_owned(),
        repo,
        requested_reviews: vec!["review-tests".to_owned()],
    };
    let code = {
        let mut streams = Streams {
            out: Box::new(&mut out),
            err: Box::new(&mut err),
        };
        run_turn(&steps, &ctx, &mut streams)
    };
    (code, out, err)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn print_repeats_on_the_chosen_stream_and_fills_names() {
    let repo = test_repo::init();
    let steps = vec![
        SimStep::Print {
            text: "{peer} to {other}".into(),
            stream: SimStream::Stdout,
            repeat: 3,
            delay_ms: 1,
        },
        SimStep::Print {
            text: "warn\n".into(),
            stream: SimStream::Stderr,
            repeat: 1,
            delay_ms: 0,
        },
        SimStep::StderrError {
            text: "Error: 429 rate limit".into(),
        },
    ];
    let (code, out, err) = run(repo.path(), steps);
    assert_eq!(code.unwrap(), 0);
    assert_eq!(text(&out), "alice to bob\n".repeat(3));
    assert_eq!(text(&err), "warn\nError: 429 rate limit\n");
}

#[test]
fn file_steps_write_append_and_delete_inside_the_repository() {
    let repo = test_repo::init();
    let steps = vec![
        SimStep::WriteFile {
            path: "src/a.txt".into(),
            content: "by {peer}\n".into(),
        },
        SimStep::AppendFile {
            path: "src/a.txt".into(),
            content: "more\n".into(),
        },
        SimStep::WriteFile {
            path: "gone.txt".into(),
            content: "x".into(),
        },
        SimStep::DeleteFile {
            path: "gone.txt".into(),
        },
    ];
    let (code, _, _) = run(repo.path(), steps);
    assert_eq!(code.unwrap(), 0);
    let written = std::fs::read_to_string(repo.path().join("src/a.txt")).unwrap();
    assert_eq!(written, "by alice\nmore\n");
    assert!(!repo.path().join("gone.txt").exists());

    let escape = vec![SimStep::WriteFile {
        path: "../escape.txt".into(),
        content: "x".into(),
    }];
    let (code, _, _) = run(repo.path(), escape);
    assert!(matches!(code, Err(SimError::PathOutsideRepository { .. })));
}

#[test]
fn git_commit_uses_the_peer_identity_and_fills_the_message() {
    let repo = test_repo::init();
    let steps = vec![
        SimStep::WriteFile {
            path: "f.txt".into(),
            content: "1".into(),
        },
        SimStep::GitCommit {
            message: "work for {other}\n\nPeer: {peer}".into(),
            all: true,
            allow_empty: false,
        },
        SimStep::GitCommit {
            message: "empty handoff".into(),
            all: false,
            allow_empty: true,
        },
    ];
    let (code, _, _) = run(repo.path(), steps);
    assert_eq!(code.unwrap(), 0);
    let log = git(repo.path(), &["log", "--format=%an <%ae>|%cn|%B%x00", "-2"]);
    let entries: Vec<&str> = log.split('\0').map(str::trim).collect();
    assert_eq!(entries[0], "alice <alice@peers.local>|alice|empty handoff");
    assert_eq!(
        entries[1],
        "alice <alice@peers.local>|alice|work for bob\n\nPeer: alice"
    );
    assert_eq!(
        git(repo.path(), &["show", "--format=", "--name-only", "HEAD~1"]),
        "f.txt\n"
    );
}

#[test]
fn git_commit_with_nothing_to_commit_is_an_error_naming_git() {
    let repo = test_repo::init();
    let steps = vec![SimStep::GitCommit {
        message: "nothing".into(),
        all: true,
        allow_empty: false,
    }];
    let (code, _, _) = run(repo.path(), steps);
    let Err(SimError::GitFailed { command, .. }) = code else {
        panic!("expected a git failure, got {code:?}");
    };
    assert!(command.starts_with("git "), "{command}");
}

#[test]
fn rewrite_history_resets_hard() {
    let repo = test_repo::init();
    let first = git(repo.path(), &["rev-parse", "HEAD"]);
    let steps = vec![
        SimStep::WriteFile {
            path: "f.txt".into(),
            content: "1".into(),
        },
        SimStep::GitCommit {
            message: "second".into(),
            all: true,
            allow_empty: false,
        },
        SimStep::RewriteHistory {
            reset_to: "HEAD~1".into(),
        },
    ];
    let (code, _, _) = run(repo.path(), steps);
    assert_eq!(code.unwrap(), 0);
    assert_eq!(git(repo.path(), &["rev-parse", "HEAD"]), first);
    assert!(!repo.path().join("f.txt").exists());
}

#[test]
fn exit_ends_the_turn_with_its_code() {
    let repo = test_repo::init();
    let steps = vec![
        SimStep::Exit { code: 3 },
        SimStep::Print {
            text: "never".into(),
            stream: SimStream::Stdout,
            repeat: 1,
            delay_ms: 0,
        },
    ];
    let (code, out, _) = run(repo.path(), steps);
    assert_eq!(code.unwrap(), 3);
    assert!(out.is_empty());
}

#[test]
fn sleep_waits_at_least_its_duration() {
    let repo = test_repo::init();
    let started = std::time::Instant::now();
    let (code, _, _) = run(repo.path(), vec![SimStep::Sleep { ms: 60 }]);
    assert_eq!(code.unwrap(), 0);
    assert!(started.elapsed() >= Duration::from_millis(60));
}

#[test]
fn flood_writes_exactly_the_bytes_asked() {
    let repo = test_repo::init();
    let steps = vec![SimStep::Flood {
        bytes: 200_001,
        stream: SimStream::Stderr,
    }];
    let (code, out, err) = run(repo.path(), steps);
    assert_eq!(code.unwrap(), 0);
    assert!(out.is_empty());
    assert_eq!(err.len(), 200_001);
    assert!(
        err.split(|b| *b == b'\n')
            .all(|line| line.iter().all(|b| *b == b'x'))
    );
}

#[test]
fn invalid_utf8_is_really_invalid() {
    let repo = test_repo::init();
    let steps = vec![SimStep::InvalidUtf8 {
        stream: SimStream::Stdout,
    }];
    let (_, out, _) = run(repo.path(), steps);
    assert!(out.ends_with(b"\n"));
    assert!(String::from_utf8(out).is_err());
}

#[test]
fn emit_usage_prints_the_tool_event_on_stdout() {
    let repo = test_repo::init();
    let steps = vec![SimStep::EmitUsage {
        tool: Tool::Codex,
        input: 10,
        output: 2,
        cached: 5,
        usd: None,
    }];
    let (_, out, _) = run(repo.path(), steps);
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["type"], "turn.completed");
    assert_eq!(value["usage"]["input_tokens"], 15);
}

#[test]
fn turns_repeat_the_last_or_stop_when_exhausted() {
    let repeat = parse(
        r#"[[{"exit": {"code": 1}}], [{"exit": {"code": 2}}]]"#,
        Path::new("s"),
    )
    .unwrap();
    assert_eq!(pick_turn(&repeat, 0), Some(&repeat.turns[0][..]));
    assert_eq!(pick_turn(&repeat, 5), Some(&repeat.turns[1][..]));
    let stop = parse(
        r#"{"when_exhausted": "exit0", "turns": [["hang"]]}"#,
        Path::new("s"),
    )
    .unwrap();
    assert_eq!(pick_turn(&stop, 1), None);
}

#[test]
fn counter_in_git_dir_advances_per_peer_and_stays_out_of_the_worktree() {
    let repo = test_repo::init();
    let script = parse(
        r#"[[{"exit": {"code": 10}}], [{"exit": {"code": 11}}], [{"exit": {"code": 12}}]]"#,
        Path::new("s"),
    )
    .unwrap();
    let ctx = |peer: &str| SimContext {
        peer: peer.to_owned(),
        repo: repo.path().to_path_buf(),
        prompt: String::new(),
    };
    let mut codes = Vec::new();
    for peer in ["alice", "alice", "bob", "alice", "alice"] {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut streams = Streams {
            out: Box::new(&mut out),
            err: Box::new(&mut err),
        };
        codes.push(run_script(&script, &ctx(peer), &mut streams).unwrap());
    }
    assert_eq!(codes, vec![10, 11, 10, 12, 12]);
    let counter = repo.path().join(".git/peers-sim/alice.count");
    assert_eq!(std::fs::read_to_string(counter).unwrap(), "4\n");
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
}

#[test]
fn other_comes_from_the_script_then_the_prompt() {
    let with_peers = parse(
        r#"{"peers": ["alice", "bob"], "turns": [[]]}"#,
        Path::new("s"),
    )
    .unwrap();
    let ctx = SimContext {
        peer: "alice".into(),
        repo: PathBuf::from("/"),
        prompt: "Your counterpart is 'carol'.".into(),
    };
    assert_eq!(other_peer(&with_peers, &ctx), "bob");
    let without = parse("[[]]", Path::new("s")).unwrap();
    assert_eq!(other_peer(&without, &ctx), "carol");
    let silent = SimContext {
        prompt: String::new(),
        ..ctx
    };
    assert_eq!(other_peer(&without, &silent), "other");
}

#[test]
fn submit_reviews_commits_one_review_per_requested_goal() {
    let repo = test_repo::init();
    let (code, _, _) = run(
        repo.path(),
        vec![SimStep::SubmitReviews {
            pass: true,
            notes: "read every test of {other}".to_owned(),
        }],
    );
    assert_eq!(code.unwrap(), 0);
    let log = git(repo.path(), &["log", "-1", "--format=%B"]);
    assert!(log.contains("Peer-Review-Of: review-tests"), "{log}");
    assert!(
        log.contains("\"pass\":true") && log.contains("read every test of bob"),
        "{log}"
    );
}

#[test]
fn symlink_replaces_a_file_with_a_link() {
    let repo = test_repo::init();
    std::fs::write(repo.path().join("a.txt"), "a").unwrap();
    let (code, _, _) = run(
        repo.path(),
        vec![SimStep::Symlink {
            path: "a.txt".into(),
            target: "/etc/hostname".into(),
        }],
    );
    assert_eq!(code.unwrap(), 0);
    assert_eq!(
        std::fs::read_link(repo.path().join("a.txt")).unwrap(),
        std::path::Path::new("/etc/hostname")
    );
}
