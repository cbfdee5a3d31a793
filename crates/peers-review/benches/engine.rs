//! The engine's share of a review's wall time (the reviewers' own time excluded): parsing the
//! answers, canonicalising, state updates, building prompts and the verdict report, for 200
//! findings over 3 rounds with two reviewers. Prints the median of 21 runs; the budget is 20 ms.
#![allow(clippy::unwrap_used, reason = "benchmark: a failed step must stop it")]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use peers_review::Material;
use peers_review::prompt;
use peers_review::rules::{
    Debate, RoundResponse, build, parse_findings, parse_stances, render_markdown, short_id,
};

const FINDINGS_PER_REVIEWER: usize = 100;

fn findings_text(reviewer: usize) -> String {
    let mut text = "Here is my review.\n```findings\n".to_owned();
    for n in 0..FINDINGS_PER_REVIEWER {
        // Half of each reviewer's findings are the other's too, so merging is exercised.
        let owner = if n % 2 == 0 { 0 } else { reviewer };
        let _ = writeln!(
            text,
            r#"{{"file":"src/module_{n}.rs:{n}","severity":"{}","claim":"Finding {owner}-{n}: the loop over items overflows when len is {n}","evidence":"call f({n}) and watch it panic with attempt to add with overflow","category":"correctness"}}"#,
            ["critical", "high", "medium", "low"][n % 4]
        );
    }
    text.push_str("```\nOverall: decent, medium confidence.\n");
    text
}

fn stances_text(debate: &Debate, round: u32, reviewer: usize) -> String {
    let mut text = "```stances\n".to_owned();
    for (n, issue) in debate.open_issues().enumerate() {
        let stance = match (round, reviewer, n % 3) {
            (2, _, 0) => "defend",
            (2, 0, _) => "concede",
            (2, _, _) => "accept",
            (_, _, 0) if n % 2 == 0 => "defend",
            _ => "dismiss",
        };
        let _ = writeln!(
            text,
            r#"{{"id":"{}","stance":"{stance}","reasoning":"one sentence of reasoning","new_evidence":""}}"#,
            short_id(&issue.id)
        );
    }
    text.push_str("```\n");
    text
}

fn one_review(material: &Material, answers: &[String; 2]) -> usize {
    let mut debate = Debate::new();
    let blind: Vec<_> = answers.iter().map(|a| parse_findings(a).findings).collect();
    debate.blind_pass(&[("alice", &blind[0]), ("bob", &blind[1])]);
    for round in 2..=3 {
        let prompts: Vec<String> = ["alice", "bob"]
            .iter()
            .map(|name| prompt::debate(material, &debate, name, round, true))
            .collect();
        let texts: Vec<String> = (0..2).map(|r| stances_text(&debate, round, r)).collect();
        let parsed: Vec<_> = texts
            .iter()
            .map(|t| (parse_stances(t), parse_findings(t)))
            .collect();
        let responses: Vec<RoundResponse<'_>> = ["alice", "bob"]
            .iter()
            .zip(&parsed)
            .map(|(name, (stances, findings))| RoundResponse {
                reviewer: name,
                stances: &stances.stances,
                findings: &findings.findings,
            })
            .collect();
        debate.debate_round(&responses);
        assert!(prompts.iter().all(|p| !p.is_empty()));
    }
    let verdict = build(&debate, "bench", 3, Vec::new());
    let markdown = render_markdown(&verdict);
    let json = serde_json::to_string(&verdict).unwrap();
    markdown.len() + json.len()
}

fn main() {
    let material = Material {
        description: "benchmark scope".to_owned(),
        body: "diff --git a/x b/x\n+line\n".repeat(200),
    };
    let answers = [findings_text(1), findings_text(2)];
    let mut times: Vec<Duration> = (0..21)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(one_review(&material, &answers));
            started.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "review engine, {} findings over 3 rounds: median {:.2} ms (min {:.2} ms, max {:.2} ms; budget 20 ms)",
        2 * FINDINGS_PER_REVIEWER,
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
