//! `peers review --base REF` with two real CLIs (codex and claude) against the scripted
//! server: a blind pass where each raises a different finding, then a debate round whose
//! stances accept one and reject the other; codex runs sandboxed read-only and resumes its
//! session, claude runs without its writing tools.

use peers_model_server::{Api, Exchange, Script, ScriptStep};

use super::agent_cli::Cli;
use super::isolation::{Clis, isolated};
use super::rig::{Peer, Rig};

const OFF_BY_ONE: &str = r#"{"file":"src/sum.rs:3","severity":"medium","claim":"Off-by-one: the loop skips the last element","evidence":"sum(&[1,2,3]) returns 3, expected 6","category":"correctness"}"#;
const NEWLINE: &str = r#"{"file":"src/sum.rs:5","severity":"low","claim":"The file lacks a trailing newline","evidence":"git diff shows no newline at end of file","category":"maintainability"}"#;

/// The reviewers' answers: findings in the blind round, stances in the debate.
pub(super) fn reviewer(exchange: &Exchange) -> Option<ScriptStep> {
    let is_codex = exchange.api == Api::Responses;
    let text = if exchange.prompt.contains("Round 1 of a peer review") {
        let finding = if is_codex { OFF_BY_ONE } else { NEWLINE };
        format!("```findings\n{finding}\n```\nOne real issue; confidence high.")
    } else if exchange.prompt.contains("## Canonical issue table") {
        let mut lines = Vec::new();
        for row in exchange.prompt.lines() {
            let Some(id) = row
                .strip_prefix("- id ")
                .and_then(|rest| rest.split_whitespace().next())
            else {
                continue;
            };
            let stance = match (row.contains("Off-by-one"), is_codex) {
                (true, true) => "defend",
                (true, false) => "accept",
                (false, _) => "concede",
            };
            lines.push(format!(
                r#"{{"id":"{id}","stance":"{stance}","reasoning":"checked the diff again","new_evidence":""}}"#
            ));
        }
        format!("```stances\n{}\n```", lines.join("\n"))
    } else {
        return None;
    };
    Some(ScriptStep::Text { text })
}

fn review_with_codex_and_claude(clis: &Clis) {
    let rig = Rig::new(clis, Script::default().with_responder(reviewer));
    let repo = rig.project(
        "app",
        &[
            Peer::Real {
                name: "codex",
                cli: Cli::Codex,
            },
            Peer::Real {
                name: "claude",
                cli: Cli::Claude,
            },
        ],
        "",
    );
    rig.env.git(&repo, &["checkout", "-q", "-b", "feature"]);
    rig.env.write(
        &repo,
        "src/sum.rs",
        "pub fn sum(xs: &[i32]) -> i32 {\n    let mut total = 0;\n    for i in 0..xs.len() - 1 {\n        total += xs[i];\n    }\n    total\n}",
    );
    rig.env.commit_all(&repo, "Add sum");

    let (out, _) = rig.peers(&repo, &["review", "--base", "main", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let verdict: serde_json::Value = serde_json::from_str(&out.stdout).expect("verdict JSON");
    assert_eq!(verdict["rounds"], 2, "{verdict:#}");
    assert_eq!(verdict["converged"], true);
    let important = verdict["important"].as_array().expect("important");
    assert_eq!(important.len(), 1, "{verdict:#}");
    assert!(
        important[0]["claim"]
            .as_str()
            .unwrap()
            .starts_with("Off-by-one")
    );
    assert_eq!(important[0]["sources"], serde_json::json!(["codex"]));
    let dismissed = verdict["dismissed"].as_array().expect("dismissed");
    assert_eq!(dismissed.len(), 1, "{verdict:#}");
    for report in verdict["reviewers"].as_array().expect("reviewers") {
        assert_eq!(report["failed"], serde_json::Value::Null, "{report:#}");
        assert_eq!(report["rounds_answered"], 2, "{report:#}");
        assert_eq!(
            report["resumed"], 1,
            "round 2 resumed the session: {report:#}"
        );
        assert!(report["input_tokens"].as_u64().unwrap() > 0, "{report:#}");
    }

    // codex ran read-only and resumed its session in round 2; claude had no writing tools.
    let codex = rig.server.agent_requests(Api::Responses);
    assert_eq!(codex.len(), 2, "{codex:#?}");
    for request in &codex {
        let metadata = request.header("x-codex-turn-metadata").unwrap_or_default();
        assert!(metadata.contains("read-only"), "{metadata}");
    }
    let round_two = codex[1].body["input"].as_array().expect("input");
    assert!(
        round_two.len() > codex[0].body["input"].as_array().unwrap().len(),
        "the resumed session carries round 1"
    );
    let claude = rig.server.agent_requests(Api::Messages);
    assert_eq!(claude.len(), 2, "{claude:#?}");
    for request in &claude {
        let tools = &request.exchange.as_ref().unwrap().tools;
        assert!(
            !tools
                .iter()
                .any(|t| t == "Write" || t == "Edit" || t == "Bash"),
            "{tools:?}"
        );
    }
    assert_eq!(
        rig.env.git(&repo, &["status", "--porcelain", "--", "src"]),
        "",
        "review changed nothing"
    );
}

#[test]
fn review_with_codex_and_claude_debates_to_a_verdict() {
    isolated(
        concat!(
            module_path!(),
            "::review_with_codex_and_claude_debates_to_a_verdict"
        ),
        review_with_codex_and_claude,
    );
}
