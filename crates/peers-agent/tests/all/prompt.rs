//! `prepare_command`: placeholders, the private prompt file, and the E2BIG-safe fallback.

use std::os::unix::fs::PermissionsExt as _;

use peers_agent::{ARGV_PROMPT_LIMIT, Classification, PromptDelivery, prepare_command};
use peers_core::config::{PeerRole, PeerSettings, PromptMode, ToolKind};
use peers_core::location::Span;

use crate::support::{run, shell};

fn peer(argv: &[&str], mode: PromptMode) -> PeerSettings {
    PeerSettings {
        name: "alice".to_owned(),
        tool: ToolKind::Generic("sh".to_owned()),
        argv: Some(argv.iter().map(|word| (*word).to_owned()).collect()),
        prompt_mode: mode,
        role: PeerRole::Default,
        model: None,
        reasoning: None,
        provider: None,
        env: Vec::new(),
        span: Span::default(),
    }
}

#[test]
fn small_prompt_is_substituted_in_place() {
    let scratch = tempfile::tempdir().unwrap();
    let peer = peer(&["agent", "--task={PROMPT}"], PromptMode::ArgvSubstitute);
    let command = prepare_command(&peer, "fix it", scratch.path()).unwrap();
    assert_eq!(command.argv, ["agent", "--task=fix it"]);
    assert_eq!(command.delivery, PromptDelivery::Argv);
    assert_eq!(command.stdin, None);
}

#[test]
fn one_mebibyte_prompt_in_argv_mode_goes_by_stdin_without_e2big() {
    // Regression: a prompt over MAX_ARG_STRLEN used to fail the spawn as exit 126.
    let scratch = tempfile::tempdir().unwrap();
    let prompt = "p".repeat(1024 * 1024);
    let peer = peer(
        &["/bin/sh", "-c", "wc -c", "sh", "{PROMPT}"],
        PromptMode::ArgvSubstitute,
    );
    let command = prepare_command(&peer, &prompt, scratch.path()).unwrap();
    assert_eq!(command.delivery, PromptDelivery::StdinFallback);
    assert!(command.argv.iter().all(|arg| arg.len() < ARGV_PROMPT_LIMIT));
    let mut inv = shell(ToolKind::Generic("sh".into()), "");
    inv.command = command;
    let (run, _) = run(&inv);
    assert_eq!(
        run.classification,
        Classification::Success,
        "{}",
        run.stderr_tail
    );
    assert_eq!(run.stdout_tail.trim(), "1048576");
}

#[test]
fn one_mebibyte_prompt_uses_the_prompt_file_when_argv_names_one() {
    let scratch = tempfile::tempdir().unwrap();
    let prompt = "q".repeat(1024 * 1024);
    let peer = peer(
        &[
            "/bin/sh",
            "-c",
            "wc -c < \"$1\"; echo \"$2\"",
            "sh",
            "{PROMPT_FILE}",
            "{PROMPT}",
        ],
        PromptMode::ArgvSubstitute,
    );
    let command = prepare_command(&peer, &prompt, scratch.path()).unwrap();
    assert_eq!(command.delivery, PromptDelivery::FileFallback);
    let file = command.prompt_file.clone().unwrap();
    assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    let mut inv = shell(ToolKind::Generic("sh".into()), "");
    inv.command = command;
    let (run, _) = run(&inv);
    assert_eq!(
        run.classification,
        Classification::Success,
        "{}",
        run.stderr_tail
    );
    let mut lines = run.stdout_tail.lines();
    assert_eq!(lines.next(), Some("1048576"));
    // {PROMPT} became a pointer to the file rather than vanishing.
    assert!(lines.next().unwrap().contains(file.to_str().unwrap()));
}

#[test]
fn stdin_mode_sends_the_prompt_then_eof() {
    let scratch = tempfile::tempdir().unwrap();
    let peer = peer(&["/bin/cat"], PromptMode::Stdin);
    let command = prepare_command(&peer, "hello peer", scratch.path()).unwrap();
    assert_eq!(command.stdin.as_deref(), Some(&b"hello peer"[..]));
    let mut inv = shell(ToolKind::Generic("cat".into()), "");
    inv.command = command;
    let (run, _) = run(&inv);
    assert_eq!(run.classification, Classification::Success);
    assert_eq!(run.stdout_tail, "hello peer");
}

#[test]
fn file_mode_without_placeholder_says_how_to_fix_it() {
    let scratch = tempfile::tempdir().unwrap();
    let error = prepare_command(&peer(&["agent"], PromptMode::File), "x", scratch.path())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("{PROMPT_FILE}") && error.contains("alice"),
        "{error}"
    );
}

#[test]
fn gemini_keeps_a_value_for_p_when_the_prompt_goes_by_stdin() {
    let scratch = tempfile::tempdir().unwrap();
    let mut gemini = peer(&["gemini", "--yolo", "-p", "{PROMPT}"], PromptMode::Stdin);
    gemini.tool = ToolKind::Gemini;
    let command = prepare_command(&gemini, "task", scratch.path()).unwrap();
    assert_eq!(command.argv.len(), 4);
    assert_eq!(command.argv[2], "-p");
    assert!(command.argv[3].contains("standard input"));
}
