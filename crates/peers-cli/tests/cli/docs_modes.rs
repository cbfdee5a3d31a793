//! The describe and document modes end to end: simulated peers doing the honest work reach
//! `complete` (describe on an undocumented repository, document on a small Rust + Python +
//! JS + Go library), the prompt carries the mode's instructions, and each cheat the modes
//! exist to stop is refused with the gate named.

use std::path::{Path, PathBuf};

use crate::test_env::TestEnv;

const LIB_RS: &str = "//! A tiny text library.\n\n/// Splits text into trimmed lines and drops the empty ones.\npub fn split_lines(text: &str) -> Vec<String> {\n    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()\n}\n\n/// Counts the words separated by whitespace in the given text.\npub fn word_count(text: &str) -> usize {\n    text.split_whitespace().count()\n}\n";
const UTIL_PY: &str = "def shout(text, times=1):\n    \"\"\"Upper-cases the text and repeats it the given number of times.\"\"\"\n    return text.upper() * times\n\n\nclass Tally:\n    \"\"\"Keeps a running total that callers add numbers to.\"\"\"\n\n    def add(self, amount):\n        \"\"\"Adds the amount to the running total and returns the new total.\"\"\"\n        self.total = getattr(self, 'total', 0) + amount\n        return self.total\n";
const MATH_JS: &str = "/** Adds two numbers and gives back their sum. */\nexport function add(a, b) {\n  return a + b;\n}\n";
const CLAMP_GO: &str = "package clamp\n\n// Clamp limits the value to the closed range between low and high.\nfunc Clamp(v, low, high int) int {\n\tif v < low {\n\t\treturn low\n\t}\n\tif v > high {\n\t\treturn high\n\t}\n\treturn v\n}\n";

/// A repository with the sample library, `peers init --modes=<modes>` done, and two peers:
/// `alice` and `bob` each run `argv` (after the peers binary).
fn docs_project(
    env: &TestEnv,
    name: &str,
    modes: &str,
    peers: [&[&str]; 2],
    iterations: u32,
) -> PathBuf {
    let repo = env.repo(name, true);
    env.write(
        &repo,
        "Cargo.toml",
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    env.write(&repo, "src/lib.rs", LIB_RS);
    env.write(&repo, "pkg/util.py", UTIL_PY);
    env.write(&repo, "web/math.js", MATH_JS);
    env.write(&repo, "clamp/clamp.go", CLAMP_GO);
    env.commit_all(&repo, "the library");
    let out = env.peers(&repo, &["init", &format!("--modes={modes}")]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let exe = env!("CARGO_BIN_EXE_peers");
    let mut config = String::from("peers:\n");
    for (peer, argv) in ["alice", "bob"].iter().zip(peers) {
        let argv: Vec<String> = std::iter::once(exe)
            .chain(argv.iter().copied())
            .map(|a| format!("'{a}'"))
            .collect();
        config.push_str(&format!(
            "  - name: {peer}\n    tool: sim\n    argv: [{}]\n    prompt_mode: stdin\n",
            argv.join(", ")
        ));
    }
    config.push_str(&format!(
        "budget:\n  max_iterations: {iterations}\n  max_runtime_s: 300\nhealth:\n  idle_timeout_s: 30\n  absolute_max_runtime_s: 60\n  grace_s: 1\ngoals:\n  timeout_s: 60\n  convergence_n: 2\n"
    ));
    std::fs::write(repo.join(".peers/config.yaml"), config).unwrap();
    repo
}

const DESCRIBE_WRITER: &[&str] = &["sim-agent", "--builtin", "describe-writer"];
const DOCUMENT_WRITER: &[&str] = &["sim-agent", "--builtin", "document-writer"];

fn run(env: &TestEnv, repo: &Path) -> crate::test_env::Output {
    env.peers(repo, &["run", "--skip-preflight"])
}

/// `peers verify --json`'s diagnostic for `gate`, asserting it failed.
fn failed_line(env: &TestEnv, repo: &Path, gate: &str) -> String {
    let out = env.peers(repo, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let result = value["hard"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == gate)
        .unwrap_or_else(|| panic!("no {gate}: {}", out.stdout))
        .clone();
    assert_eq!(result["pass"], false, "{result}");
    result["diagnostic"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn describe_on_an_undocumented_repository_runs_to_complete_with_the_overlay() {
    let env = TestEnv::new();
    let repo = docs_project(
        &env,
        "undocumented",
        "describe",
        [DESCRIBE_WRITER, DESCRIBE_WRITER],
        30,
    );
    let out = run(&env, &repo);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "complete", "{}", out.combined());
    for doc in ["SPEC.md", "ARCHITECTURE.md", "DESIGN.md"] {
        assert!(repo.join(doc).is_file(), "{doc}");
    }
    let prompts = std::fs::read_dir(repo.join(".peers/log/prompts")).unwrap();
    let first = prompts.flatten().next().expect("a prompt was kept").path();
    let prompt = std::fs::read_to_string(first).unwrap();
    assert!(prompt.contains("MODE INSTRUCTIONS"), "{prompt}");
    assert!(
        prompt.contains("You write documentation, not code."),
        "{prompt}"
    );
    // Touching code afterwards is named by docs-only.
    env.write(&repo, "src/lib.rs", &LIB_RS.replace("Counts", "Tallies"));
    env.commit_all(&repo, "tweak the code while describing it");
    let line = failed_line(&env, &repo, "docs-only");
    assert!(
        line.contains("tweak the code while describing it\" changes src/lib.rs"),
        "{line}"
    );
}

#[test]
fn describe_refuses_to_stack_with_audit_modes_and_says_why() {
    let env = TestEnv::new();
    let repo = env.repo("both", true);
    for modes in ["describe,audit", "thorough,describe", "document,audit"] {
        let out = env.peers(&repo, &["init", &format!("--modes={modes}")]);
        assert_eq!(out.code, 2, "{}", out.combined());
        assert!(
            out.stderr.contains("cannot be applied together with mode"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("documentation only"), "{}", out.stderr);
        assert!(
            out.stderr.contains("hint: run them one after the other"),
            "{}",
            out.stderr
        );
        assert!(!repo.join(".peers").exists(), "nothing written");
    }
    let list = env.peers(&repo, &["modes", "list"]);
    assert!(
        list.stdout.contains("  stacks with: document\n"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout
            .contains("  not with audit: describe changes documentation only"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout
            .contains("  use it:   On a repository without docs, before `audit`"),
        "{}",
        list.stdout
    );
}

#[test]
fn docs_that_grow_a_section_every_commit_never_converge() {
    let env = TestEnv::new();
    // bob appends a new subsection (a different heading level and wording each time) on
    // every turn, on top of alice's honest documents.
    let script = serde_json::json!({"turns": [[
        {"append_file": {"path": "DESIGN.md", "content": "\n### Note by {peer}\nAnother consideration appears here.\n"}},
        {"git_commit": {"message": crate::test_env::HANDOFF}}
    ]]});
    let path = env.root().join("grower.json");
    std::fs::write(&path, script.to_string()).unwrap();
    let grower = ["sim-agent", "--script", path.to_str().unwrap()];
    let repo = docs_project(&env, "growing", "describe", [DESCRIBE_WRITER, &grower], 12);
    let out = run(&env, &repo);
    assert_ne!(env.last_stop(&repo), "complete", "{}", out.combined());
    let line = failed_line(&env, &repo, "description-converged");
    assert!(line.contains("not converged"), "{line}");
}

#[test]
fn document_on_a_small_library_runs_to_complete_and_refuses_a_drifted_codemap() {
    let env = TestEnv::new();
    let repo = docs_project(
        &env,
        "library",
        "document",
        [DOCUMENT_WRITER, DOCUMENT_WRITER],
        30,
    );
    let out = run(&env, &repo);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "complete", "{}", out.combined());
    let reference = std::fs::read_to_string(repo.join("CODEMAP.yaml")).unwrap();
    for id in [
        "src/lib.rs::word_count",
        "pkg/util.py::Tally.add",
        "web/math.js::add",
        "clamp/clamp.go::Clamp",
    ] {
        assert!(
            reference.contains(&format!("\"{id}\"")),
            "{id}: {reference}"
        );
    }
    let agents = env.peers(&repo, &["agents-md", "--check"]);
    assert_eq!(agents.code, 0, "{}", agents.combined());

    // A line that no longer matches the code.
    let shifted = reference.replacen("line: 9\n", "line: 10\n", 1);
    assert_ne!(shifted, reference);
    std::fs::write(repo.join("CODEMAP.yaml"), &shifted).unwrap();
    env.commit_all(&repo, "move an entry");
    let line = failed_line(&env, &repo, "codemap-grounded");
    assert!(line.contains("but `"), "{line}");

    // A signature edited by hand.
    std::fs::write(
        repo.join("CODEMAP.yaml"),
        reference.replace("def shout(text, times=1)", "def shout(text)"),
    )
    .unwrap();
    env.commit_all(&repo, "simplify a signature");
    let line = failed_line(&env, &repo, "codemap-grounded");
    assert!(line.contains("signature `def shout(text)"), "{line}");

    // AGENTS.md left behind the reference.
    let out = env.peers(&repo, &["agents-md", "--check"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    failed_line(&env, &repo, "agents-in-sync");
    let out = env.peers(&repo, &["agents-md"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.peers(&repo, &["agents-md", "--check"]).code, 0);
}
