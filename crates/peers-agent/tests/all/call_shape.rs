//! `prepare_call`: each adapter's read-only flags and resume arguments (what `peers review`
//! runs), with the loop's prompt delivery.

use peers_agent::{ARGV_PROMPT_LIMIT, CallShape, PreparedCommand, prepare_call, resumes_sessions};
use peers_core::config::{PeerRole, PeerSettings, PromptMode, ToolKind};
use peers_core::location::Span;

fn peer(tool: ToolKind, argv: Option<Vec<&str>>, mode: PromptMode) -> PeerSettings {
    let argv = argv.map(|a| a.into_iter().map(str::to_owned).collect());
    PeerSettings {
        name: "r".to_owned(),
        tool,
        argv,
        prompt_mode: mode,
        role: PeerRole::Default,
        model: None,
        reasoning: None,
        provider: None,
        env: Vec::new(),
        span: Span::new(1, 1),
    }
}

/// Where a prompt by file goes: a fresh private directory per test.
struct File(tempfile::TempDir);

impl File {
    fn path(&self) -> std::path::PathBuf {
        self.0.path().join("r.prompt.md")
    }
}

fn file() -> File {
    File(tempfile::tempdir().unwrap_or_else(|err| panic!("no temporary directory: {err}")))
}

/// The read-only call of `peer`, resuming `session`.
fn read_only_call(
    peer: &PeerSettings,
    prompt: &str,
    session: Option<&str>,
    file: File,
) -> PreparedCommand {
    let shape = CallShape {
        read_only: true,
        resume: session,
    };
    prepare_call(peer, prompt, &file.path(), shape)
        .unwrap_or_else(|err| panic!("cannot prepare the call: {err}"))
}

#[test]
fn codex_runs_in_a_read_only_sandbox_and_resumes_before_the_prompt() {
    let reviewer = peer(ToolKind::Codex, None, PromptMode::ArgvSubstitute);
    let call = read_only_call(&reviewer, "hi", Some("thread-1"), file());
    assert!(
        !call.argv.iter().any(|a| a.contains("dangerously")),
        "{:?}",
        call.argv
    );
    assert_eq!(&call.argv[..4], ["codex", "exec", "--sandbox", "read-only"]);
    let n = call.argv.len();
    assert_eq!(&call.argv[n - 3..], ["resume", "thread-1", "hi"]);
}

#[test]
fn codex_replaces_a_configured_sandbox() {
    let argv = vec![
        "codex",
        "exec",
        "-s",
        "workspace-write",
        "--sandbox=danger-full-access",
        "{PROMPT}",
    ];
    let reviewer = peer(ToolKind::Codex, Some(argv), PromptMode::ArgvSubstitute);
    let call = read_only_call(&reviewer, "p", None, file());
    assert_eq!(call.argv, ["codex", "exec", "--sandbox", "read-only", "p"]);
}

#[test]
fn claude_loses_its_edit_tools_and_resumes_with_an_equals_flag() {
    let reviewer = peer(ToolKind::Claude, None, PromptMode::ArgvSubstitute);
    let call = read_only_call(&reviewer, "hi", Some("s-1"), file());
    assert_eq!(call.argv[1], "--resume=s-1");
    assert!(
        call.argv
            .iter()
            .any(|a| a.starts_with("--disallowedTools=Edit,Write"))
    );
    assert!(
        !call
            .argv
            .iter()
            .any(|a| a == "--dangerously-skip-permissions")
    );
    assert_eq!(call.argv.last().map(String::as_str), Some("hi"));
}

#[test]
fn generic_tools_run_as_configured_and_never_resume() {
    let argv = vec!["./fake.sh", "--x", "{PROMPT}"];
    let reviewer = peer(
        ToolKind::Generic("fake".into()),
        Some(argv),
        PromptMode::ArgvSubstitute,
    );
    assert!(!resumes_sessions(&reviewer.tool));
    let call = read_only_call(&reviewer, "p", Some("ignored"), file());
    assert_eq!(call.argv, ["./fake.sh", "--x", "p"]);
}

#[test]
fn prompts_over_100_kib_go_through_stdin() {
    let big = "x".repeat(ARGV_PROMPT_LIMIT + 1);
    let claude = peer(ToolKind::Claude, None, PromptMode::ArgvSubstitute);
    let call = read_only_call(&claude, &big, None, file());
    assert!(call.argv.iter().all(|a| a.len() < 1000));
    assert_eq!(call.stdin.as_deref().map(<[u8]>::len), Some(big.len()));
    let codex = peer(ToolKind::Codex, None, PromptMode::ArgvSubstitute);
    // codex reads its prompt from stdin when the prompt argument is absent.
    let call = read_only_call(&codex, &big, Some("t-1"), file());
    assert!(call.argv.iter().all(|a| a.len() < 1000), "{:?}", call.argv);
    assert_eq!(&call.argv[call.argv.len() - 2..], ["resume", "t-1"]);
    assert_eq!(call.stdin.as_deref().map(<[u8]>::len), Some(big.len()));
}

#[test]
fn file_mode_substitutes_the_prompt_file() {
    let argv = vec!["tool", "--prompt-file", "{PROMPT_FILE}"];
    let reviewer = peer(ToolKind::Generic("t".into()), Some(argv), PromptMode::File);
    let file = file();
    let path = file.path();
    let shape = CallShape {
        read_only: true,
        resume: None,
    };
    let call = prepare_call(&reviewer, "p", &path, shape).unwrap();
    assert_eq!(call.argv, ["tool", "--prompt-file", path.to_str().unwrap()]);
    assert_eq!(call.prompt_file.as_deref(), Some(path.as_path()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "p");
}

#[test]
fn stdin_mode_sends_the_prompt_on_stdin() {
    let argv = vec!["tool"];
    let reviewer = peer(ToolKind::Generic("t".into()), Some(argv), PromptMode::Stdin);
    let call = read_only_call(&reviewer, "p", None, file());
    assert_eq!(call.argv, ["tool"]);
    assert_eq!(call.stdin.as_deref(), Some(&b"p"[..]));
}

#[test]
fn a_loop_turn_keeps_its_permissions_and_a_read_only_gemini_loses_yolo() {
    let gemini = peer(ToolKind::Gemini, None, PromptMode::ArgvSubstitute);
    let turn = prepare_call(&gemini, "p", &file().path(), CallShape::default()).unwrap();
    assert!(turn.argv.iter().any(|a| a == "--yolo"), "{:?}", turn.argv);
    let review = read_only_call(&gemini, "p", Some("s-1"), file());
    assert!(
        !review.argv.iter().any(|a| a == "--yolo"),
        "{:?}",
        review.argv
    );
    assert!(
        !review
            .argv
            .iter()
            .any(|a| a.contains("resume") || a == "s-1"),
        "gemini never resumes: {:?}",
        review.argv
    );
    assert!(peers_agent::read_only_label(&ToolKind::Gemini).contains("without --yolo"));
}
