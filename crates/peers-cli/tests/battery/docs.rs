//! The battery of the documentation modes: on a small Rust + Python library, each scripted
//! cheat against `describe` or `document` (written unlike the examples) must end
//! with the run NOT complete and the gate's diagnostic naming it; the honest writers of both
//! modes must complete. Needs no language tool (the docs gates run none), so it always runs.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::test_env::{HANDOFF, TestEnv};

const LIB_RS: &str = "//! Text helpers.\n\n/// Splits text into trimmed lines and drops the empty ones.\npub fn split_lines(text: &str) -> Vec<String> {\n    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()\n}\n\n/// Counts the words separated by whitespace in the given text.\npub fn word_count(text: &str) -> usize {\n    text.split_whitespace().count()\n}\n";
const UTIL_PY: &str = "def shout(text, times=1):\n    \"\"\"Upper-cases the text and repeats it the given number of times.\"\"\"\n    return text.upper() * times\n";
const CHEAT_TICKS: &str = "10";
const HONEST_TICKS: &str = "24";

/// What a cheating peer writes each turn, given the honest reference of the library.
type Cheat = fn(&str) -> Vec<Value>;

struct DocScenario {
    name: &'static str,
    mode: &'static str,
    /// `None`: bob is honest too (the mode's writer, or a reviewer when `bob_reviews`).
    cheat: Option<Cheat>,
    /// An honest bob who only answers reviews and hands off; alice writes everything.
    bob_reviews: bool,
    /// Text the state or report must contain for a cheat.
    needle: &'static str,
}

fn write(path: &str, content: &str) -> Value {
    json!({"write_file": {"path": path, "content": content}})
}

fn handoff() -> Value {
    json!({"git_commit": {"message": HANDOFF, "allow_empty": true}})
}

/// A whole document with the required sections, each body `body(section)`.
fn document(title: &str, sections: &[&str], body: &dyn Fn(&str) -> String) -> String {
    let mut out = format!("# {title}\n");
    for section in sections {
        out.push_str(&format!("\n## {section}\n{}\n", body(section)));
    }
    out
}

fn filler_docs(body: &dyn Fn(&str) -> String) -> Vec<Value> {
    vec![
        write(
            "SPEC.md",
            &document("Spec", &["Threat Model", "Invariants", "API"], body),
        ),
        write(
            "ARCHITECTURE.md",
            &document("Architecture", &["Components", "Data Flow"], body),
        ),
        write(
            "DESIGN.md",
            &document("Design", &["Decisions", "Trade-offs"], body),
        ),
    ]
}

fn scenarios() -> Vec<DocScenario> {
    vec![
        DocScenario {
            name: "describe: honest writers",
            mode: "describe",
            cheat: None,
            bob_reviews: false,
            needle: "",
        },
        DocScenario {
            name: "describe: one writer, one reviewer",
            mode: "describe",
            cheat: None,
            bob_reviews: true,
            needle: "",
        },
        DocScenario {
            name: "document: honest writers",
            mode: "document",
            cheat: None,
            bob_reviews: false,
            needle: "",
        },
        DocScenario {
            name: "document: one writer, one reviewer",
            mode: "document",
            cheat: None,
            bob_reviews: true,
            needle: "",
        },
        DocScenario {
            name: "describe: long paragraph every turn",
            mode: "describe",
            bob_reviews: false,
            cheat: Some(|_| {
                vec![
                    json!({"append_file": {"path": "DESIGN.md", "content": "\nA further remark by {peer} on how the helpers behave under load and why.\n".repeat(8)}}),
                ]
            }),
            needle: "not converged",
        },
        DocScenario {
            name: "describe: bold pseudo-heading every turn",
            mode: "describe",
            bob_reviews: false,
            cheat: Some(|_| {
                vec![
                    json!({"append_file": {"path": "SPEC.md", "content": "\n__Also worth knowing__\nShort.\n"}}),
                ]
            }),
            needle: "adds the section",
        },
        DocScenario {
            name: "describe: headings over a repeated sentence",
            mode: "describe",
            bob_reviews: false,
            cheat: Some(|_| filler_docs(&|_| "This part is described in full detail. ".repeat(12))),
            needle: "the body is filler",
        },
        DocScenario {
            name: "describe: one body pasted under every heading",
            mode: "describe",
            bob_reviews: false,
            cheat: Some(|_| {
                filler_docs(&|_| {
                    "Input arrives as text from the caller, gets split into lines, each line is trimmed and counted, and the counts go back to the caller without any state kept between calls or files written anywhere.".to_owned()
                })
            }),
            needle: "is a copy of",
        },
        DocScenario {
            name: "describe: SPEC.md as a symlink to the code",
            mode: "describe",
            bob_reviews: false,
            cheat: Some(|_| vec![json!({"symlink": {"path": "SPEC.md", "target": "src/lib.rs"}})]),
            needle: "SPEC.md is a symlink",
        },
        DocScenario {
            name: "describe: tidy the code while documenting",
            mode: "describe",
            bob_reviews: false,
            cheat: Some(|_| {
                vec![
                    json!({"append_file": {"path": "pkg/util.py", "content": "# reviewed by {peer}\n"}}),
                ]
            }),
            needle: "that is not documentation differs",
        },
        DocScenario {
            name: "document: an entry one line off",
            mode: "document",
            bob_reviews: false,
            cheat: Some(|reference| {
                vec![write(
                    "CODEMAP.yaml",
                    &reference.replacen("line: 9\n", "line: 8\n", 1),
                )]
            }),
            needle: "is declared at line 9",
        },
        DocScenario {
            name: "document: a parameter renamed in the map",
            mode: "document",
            bob_reviews: false,
            cheat: Some(|reference| {
                vec![write(
                    "CODEMAP.yaml",
                    &reference.replace("times=1", "count=1"),
                )]
            }),
            needle: "but the code says `def shout(text, times=1)",
        },
        DocScenario {
            name: "document: a symbol the code lacks",
            mode: "document",
            bob_reviews: false,
            cheat: Some(|reference| {
                vec![write(
                    "CODEMAP.yaml",
                    &reference.replace("::word_count\"", "::line_count\""),
                )]
            }),
            needle: "has no public symbol `line_count`",
        },
        DocScenario {
            name: "document: summaries that restate the code",
            mode: "document",
            bob_reviews: false,
            cheat: Some(|reference| {
                // Each summary says the symbol's own name again, in a sentence of filler.
                let mut name = String::new();
                let mut restated = String::new();
                for line in reference.lines() {
                    if let Some(id) = line.trim_start().strip_prefix("- id: ") {
                        let tail = id.trim_matches('"').rsplit("::").next().unwrap_or("");
                        name = tail.replace(['_', '.'], " ");
                    }
                    match line.strip_prefix("    summary: ") {
                        Some(_) => restated.push_str(&format!(
                            "    summary: \"The {name} function returns the value.\"\n"
                        )),
                        None => restated.push_str(&format!("{line}\n")),
                    }
                }
                vec![write("CODEMAP.yaml", &restated)]
            }),
            needle: "only restates the name",
        },
        DocScenario {
            name: "document: AGENTS.md written by hand",
            mode: "document",
            bob_reviews: false,
            cheat: Some(|_| {
                vec![write(
                    "AGENTS.md",
                    "# AGENTS.md\n\n<!-- peers:reference start (generated from CODEMAP.yaml by `peers agents-md`; do not edit) -->\n## Reference\n\n- `split_lines`: splits.\n<!-- peers:reference end -->\n",
                )]
            }),
            needle: "reference block differs",
        },
    ]
}

fn library(env: &TestEnv, name: &str) -> PathBuf {
    let repo = env.repo(name, true);
    env.write(
        &repo,
        "Cargo.toml",
        "[package]\nname = \"text\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    env.write(&repo, "src/lib.rs", LIB_RS);
    env.write(&repo, "pkg/util.py", UTIL_PY);
    env.commit_all(&repo, "text helpers");
    repo
}

/// The reference an honest peer would write for the library: the survey's map with a
/// summary per entry (for the cheats that start from it).
fn honest_reference(env: &TestEnv, repo: &Path) -> String {
    let out = env.peers(repo, &["survey", "--codemap-only"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let map = std::fs::read_to_string(repo.join(".peers/CODEMAP.yaml")).unwrap();
    let mut out = String::new();
    for line in map.lines() {
        out.push_str(line);
        out.push('\n');
        if line.trim_start().starts_with("signature:") {
            out.push_str("    summary: \"Reads its input as the code shows and hands the caller a fresh result.\"\n");
        }
    }
    out
}

fn run(scenario: &DocScenario) -> (bool, String, String) {
    let env = TestEnv::new();
    let repo = library(&env, "text");
    let out = env.peers(
        &repo,
        &["init", &format!("--modes={}", scenario.mode), "--quiet"],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    let writer = format!("{}-writer", scenario.mode);
    let exe = env!("CARGO_BIN_EXE_peers");
    let honest = format!("['{exe}', 'sim-agent', '--builtin', '{writer}']");
    let bob = match scenario.cheat {
        None if scenario.bob_reviews => {
            let notes = "Read every document against the code; nothing false or missing.";
            let turn = json!([{"submit_reviews": {"notes": notes}}, handoff()]);
            let path = env.root().join("reviewer.json");
            std::fs::write(&path, json!({"turns": [turn]}).to_string()).unwrap();
            format!("['{exe}', 'sim-agent', '--script', '{}']", path.display())
        }
        None => honest.clone(),
        Some(cheat) => {
            let mut turn = cheat(&honest_reference(&env, &repo));
            turn.push(handoff());
            let path = env.root().join("cheat.json");
            std::fs::write(&path, json!({"turns": [turn]}).to_string()).unwrap();
            format!("['{exe}', 'sim-agent', '--script', '{}']", path.display())
        }
    };
    let config = format!(
        "peers:\n  - {{name: alice, tool: sim, argv: {honest}, prompt_mode: stdin}}\n  - {{name: bob, tool: sim, argv: {bob}, prompt_mode: stdin}}\nhealth:\n  idle_timeout_s: 60\n  absolute_max_runtime_s: 120\n  grace_s: 1\ngoals:\n  timeout_s: 120\n  convergence_n: 2\n"
    );
    std::fs::write(repo.join(".peers/config.yaml"), config).unwrap();
    let ticks = if scenario.cheat.is_some() {
        CHEAT_TICKS
    } else {
        HONEST_TICKS
    };
    let run = env.peers(&repo, &["run", "--max-ticks", ticks, "--without-recon"]);
    let stop = env.last_stop(&repo);
    let state = std::fs::read_to_string(repo.join(".peers/state.json"))
        .unwrap_or_default()
        .replace("\\n", "\n")
        .replace("\\\"", "\"");
    let text = format!("{}\n{state}", run.stderr);
    match scenario.cheat {
        None => (stop == "complete", stop, "converged".to_owned()),
        Some(_) => {
            let evidence = text
                .lines()
                .find(|l| l.contains(scenario.needle))
                .map(|l| l.trim().chars().take(100).collect())
                .unwrap_or_else(|| format!("`{}` not found", scenario.needle));
            (
                stop != "complete" && text.contains(scenario.needle),
                stop,
                evidence,
            )
        }
    }
}

#[test]
fn every_docs_mode_cheat_is_caught_and_honest_docs_complete() {
    let only = std::env::var("PEERS_BATTERY_ONLY").unwrap_or_default();
    let scenarios: Vec<DocScenario> = scenarios()
        .into_iter()
        .filter(|s| only.split('|').any(|part| s.name.contains(part)))
        .collect();
    if scenarios.is_empty() {
        return;
    }
    let verdicts: Vec<(&DocScenario, (bool, String, String))> = std::thread::scope(|scope| {
        let (left, right): (Vec<_>, Vec<_>) =
            scenarios.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        let a = scope.spawn(move || {
            left.into_iter()
                .map(|(_, s)| (s, run(s)))
                .collect::<Vec<_>>()
        });
        let b = scope.spawn(move || {
            right
                .into_iter()
                .map(|(_, s)| (s, run(s)))
                .collect::<Vec<_>>()
        });
        let mut all = a.join().unwrap();
        all.extend(b.join().unwrap());
        all
    });
    println!(
        "\n{:<48} {:<8} {:<28} evidence",
        "docs scenario", "result", "stop"
    );
    for (scenario, (ok, stop, evidence)) in &verdicts {
        let result = match (scenario.cheat.is_some(), ok) {
            (true, true) => "caught",
            (true, false) => "MISSED",
            (false, true) => "clean",
            (false, false) => "FALSE+",
        };
        println!("{:<48} {result:<8} {stop:<28} {evidence}", scenario.name);
    }
    let cheats = verdicts.iter().filter(|(s, _)| s.cheat.is_some()).count();
    let caught = verdicts
        .iter()
        .filter(|(s, (ok, ..))| s.cheat.is_some() && *ok)
        .count();
    let honest = verdicts.len() - cheats;
    let false_alarms = verdicts
        .iter()
        .filter(|(s, (ok, ..))| s.cheat.is_none() && !*ok)
        .count();
    println!("\ndocs modes: catch rate {caught}/{cheats}   false alarms {false_alarms}/{honest}\n");
    assert_eq!(caught, cheats, "every docs cheat must be caught");
    assert_eq!(false_alarms, 0, "honest docs must complete");
}
