//! `peers review` books what each reviewer's calls cost, through the same adapters and price
//! table as the loop: codex and gemini (which report no cost) get one from the table, and a
//! resumed round counts only what the server billed for that round although codex reports the
//! session's cumulative tokens and claude its cumulative cost.

use peers_model_server::{Script, TokenUsage};

use super::agent_cli::Cli;
use super::isolation::{Clis, isolated};
use super::review::reviewer;
use super::rig::{Peer, Rig};

fn every_reviewer_reports_what_the_server_billed(clis: &Clis) {
    let rig = Rig::new(clis, Script::default().with_responder(reviewer));
    let reviewers = [Cli::Codex, Cli::Gemini, Cli::Claude];
    let peers: Vec<Peer<'_>> = reviewers
        .iter()
        .map(|cli| Peer::Real {
            name: cli.name(),
            cli: *cli,
        })
        .collect();
    let repo = rig.project("app", &peers, "");
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
    assert_eq!(
        verdict["rounds"], 2,
        "a debate round was needed: {verdict:#}"
    );
    let usage = TokenUsage::default();
    for cli in reviewers {
        let report = verdict["reviewers"]
            .as_array()
            .expect("reviewers")
            .iter()
            .find(|report| report["name"] == cli.name())
            .unwrap_or_else(|| panic!("no report for {}: {verdict:#}", cli.name()));
        assert_eq!(report["failed"], serde_json::Value::Null, "{report:#}");
        if cli != Cli::Gemini {
            assert_eq!(report["resumed"], 1, "round 2 resumed: {report:#}");
        }
        let requests = rig.server.agent_requests(cli.api()).len() as u64;
        assert_eq!(requests, 2, "{}: one request per round", cli.name());
        let (tokens, usd) = cli.expected_spend(&usage, requests);
        let reported: u64 = [
            "input_tokens",
            "cached_tokens",
            "cache_write_tokens",
            "output_tokens",
        ]
        .iter()
        .map(|key| report[key].as_u64().unwrap_or_default())
        .sum();
        assert_eq!(reported, tokens, "{}: {report:#}", cli.name());
        let cost = report["usd"]
            .as_f64()
            .unwrap_or_else(|| panic!("{}: the cost is known: {report:#}", cli.name()));
        assert!(
            (cost - usd).abs() < 1e-9,
            "{}: reported ${cost}, billed ${usd}",
            cli.name()
        );
    }
}

#[test]
fn review_reports_each_reviewers_billed_tokens_and_cost() {
    isolated(
        concat!(
            module_path!(),
            "::review_reports_each_reviewers_billed_tokens_and_cost"
        ),
        every_reviewer_reports_what_the_server_billed,
    );
}
