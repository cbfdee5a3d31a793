//! The implement-mode fixture shared by the CLI tests and the battery: a three-step PLAN.md
//! for a small Python word counter, honest sim scripts for alice and bob (recon, alignment,
//! architecture, then alternating implementer and reviewer turns), and the project setup.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::test_env::{HANDOFF, TestEnv};

pub const PLAN: &str = "# Word count

## Meta
surfaces: [cli]
acceptance: grep -q 'def count_words' count.py && grep -q 'def main' cli.py && grep -q count README.md
convergence_n: 1

## Steps
- [ ] [STEP-1] Count the words of a text
  - touches: [count.py, tests/test_count.py]
- [ ] [STEP-2] `cli.py FILE` prints the word count
  - touches: [cli.py, tests/test_cli.py]
  - depends: [STEP-1]
- [ ] [STEP-3] Document the command
  - touches: [README.md]
  - pure_documentation: true
  - depends: [STEP-2]
";

pub const STEP_TEXT: [&str; 3] = [
    "Count the words of a text",
    "`cli.py FILE` prints the word count",
    "Document the command",
];

pub const COUNT_PY: &str = "def count_words(text):\n    if text is None:\n        raise ValueError(\"text is required\")\n    return len(text.split())\n";
pub const TEST_COUNT_PY: &str = "import pytest\n\nfrom count import count_words\n\n\ndef test_counts_words():\n    assert count_words(\"a b c\") == 3\n\n\ndef test_empty_string():\n    assert count_words(\"\") == 0\n\n\ndef test_rejects_none():\n    with pytest.raises(ValueError):\n        count_words(None)\n";
pub const CLI_PY: &str = "import sys\n\nfrom count import count_words\n\n\ndef main(argv):\n    with open(argv[1], encoding=\"utf-8\") as handle:\n        print(count_words(handle.read()))\n    return 0\n";
pub const TEST_CLI_PY: &str = "import pytest\n\nfrom cli import main\n\n\ndef test_prints_count(tmp_path, capsys):\n    (tmp_path / \"f\").write_text(\"a b\")\n    assert main([\"cli\", str(tmp_path / \"f\")]) == 0\n    assert capsys.readouterr().out == \"2\\n\"\n\n\ndef test_empty_file(tmp_path, capsys):\n    (tmp_path / \"f\").write_text(\"\")\n    main([\"cli\", str(tmp_path / \"f\")])\n    assert capsys.readouterr().out == \"0\\n\"\n\n\ndef test_missing_file_fails(tmp_path):\n    with pytest.raises(FileNotFoundError):\n        main([\"cli\", str(tmp_path / \"nope\")])\n";

/// A commit ending a turn (the turn's last commit carries the handoff).
pub fn commit(message: &str) -> Value {
    json!({"git_commit": {"message": format!("{message}\n\n{}", HANDOFF.trim_start_matches("Work by {peer}\n\n"))}})
}

pub fn write(path: &str, content: &str) -> Value {
    json!({"write_file": {"path": path, "content": content}})
}

pub fn append(path: &str, content: &str) -> Value {
    json!({"append_file": {"path": path, "content": content}})
}

pub fn reviews() -> Value {
    json!({"submit_reviews": {"pass": true, "notes": "read every step's tests and the code they cover; the failure paths are exercised"}})
}

/// The reviewer's checkoff of step `n` (HEAD is the implementer's step commit), with its
/// delivery report and review notes.
pub fn checkoff(n: usize) -> Vec<Value> {
    let text = STEP_TEXT[n - 1];
    vec![
        json!({"replace_in_file": {"path": "PLAN.md", "from": format!("- [ ] [STEP-{n}] {text}"), "to": format!("- [x] [STEP-{n}] {text} ({{head}})")}}),
        append(
            "DELIVERY.md",
            &format!(
                "## [STEP-{n}] {text}\n- **Commit:** {{head}}\n- **Tests:** the tests added in {{head}}\n- **Justification:** reviewed the diff of {{head}} against the plan and ran the tests\n\n"
            ),
        ),
        append(
            "REVIEW_NOTES.md",
            &format!(
                "STEP-{n}: {{peer}} read the diff of {{head}} alone, before the implementation notes; the change does what the step says, its tests cover the happy path, an edge case and a failure.\n"
            ),
        ),
        commit(&format!("review: check off STEP-{n}")),
    ]
}

pub fn implementation_notes(n: usize) -> Value {
    append(
        "IMPLEMENTATION_NOTES.md",
        &format!(
            "STEP-{n}: {{peer}} implemented the step as planned, with tests for the normal input, the empty input and the failure the step can meet, and nothing else changed.\n"
        ),
    )
}

pub fn audit() -> Value {
    append(
        "HONESTY_AUDIT.md",
        "## {peer}\n### Weakest part\nThe command reads the whole file into memory before counting.\n### Likely uncaught bug\nA file in a legacy encoding raises instead of counting its words.\n### Skipped or shortcut\nNo test runs the command as a separate process through its real entry point.\n\n",
    )
}

pub fn done_turn() -> Vec<Value> {
    vec![
        append("CHECKS.md", "{peer} re-ran the acceptance script\n"),
        reviews(),
        commit("re-check"),
    ]
}

/// Alice and Bob's honest scripts: recon, alignment, architecture, then alternating
/// implementer and reviewer turns.
pub fn honest_scripts() -> (Value, Value) {
    // A turn's review commits come before its step commit: the next turn's `{head}` is the
    // step commit the other peer reviews.
    let mut t5 = checkoff(1);
    t5.extend([
        reviews(),
        write("cli.py", CLI_PY),
        write("tests/test_cli.py", TEST_CLI_PY),
        implementation_notes(2),
        commit("STEP-2: cli.py prints the count"),
    ]);
    let mut t6 = checkoff(2);
    t6.extend([
        reviews(),
        append(
            "README.md",
            "\nRun `python cli.py FILE` to count the words of FILE.\n",
        ),
        implementation_notes(3),
        commit("STEP-3: document the count command"),
    ]);
    let mut t7 = checkoff(3);
    t7.extend([reviews(), audit(), commit("honesty audit")]);
    let alice = json!({"turns": [
        [write("RECON.md", "Nothing exists yet: count.py, cli.py and their tests are new.\n"), commit("recon")],
        [write("ARCHITECTURE.intended.md", "## Components\ncount.py and cli.py\n"), commit("architecture")],
        t5,
        t7,
        done_turn(),
    ]});
    let bob = json!({"turns": [
        [
            write("PLAN.aligned.md", "Each step is done when its tests pass.\n"),
            write("CONCERNS.md", "## Concern 1 — the CLI must fail loudly on a missing file\nstatus: addressed (commit: {head})\n"),
            commit("alignment"),
        ],
        [reviews(), write("count.py", COUNT_PY), write("tests/test_count.py", TEST_COUNT_PY), implementation_notes(1), commit("STEP-1: count words")],
        t6,
        [reviews(), audit(), commit("honesty audit")],
        done_turn(),
    ]});
    (alice, bob)
}

/// A Python repository with PLAN.md, `peers init --modes=implement --plan PLAN.md`, and sim
/// peers alice and bob.
pub fn implement_project(env: &TestEnv, name: &str, alice: Value, bob: Value) -> PathBuf {
    implement_project_with_plan(env, name, PLAN, alice, bob)
}

/// [`implement_project`] with another PLAN.md.
pub fn implement_project_with_plan(
    env: &TestEnv,
    name: &str,
    plan: &str,
    alice: Value,
    bob: Value,
) -> PathBuf {
    let repo = env.repo(name, true);
    env.write(&repo, "PLAN.md", plan);
    env.write(
        &repo,
        "setup.py",
        "from setuptools import setup\n\nsetup(name=\"wc\")\n",
    );
    env.commit_all(&repo, "the plan");
    let out = env.peers(
        &repo,
        &[
            "init",
            "--modes=implement",
            "--plan",
            "PLAN.md",
            "--no-baseline-check",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    env.write_sim_config(
        &repo,
        name,
        &[("alice", "sim", alice), ("bob", "sim", bob)],
        "goals:\n  convergence_n: 1\n",
    );
    repo
}
