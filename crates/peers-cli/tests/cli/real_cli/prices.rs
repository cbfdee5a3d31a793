//! config.yaml `prices:` reaches the tick: a codex peer on a model with no built-in price
//! gets exactly the configured cost, and `peers info` shows the override.

use peers_model_server::{Script, ScriptStep, TokenUsage};

use super::agent_cli::{Cli, spend};
use super::isolation::{Clis, isolated};
use super::rig::{Peer, Rig, commit_command, handoff_message, honest_sim};

const PRICES: &str = "prices:\n  mock-model:\n    input_per_mtok: 2\n    cached_per_mtok: 0.5\n    output_per_mtok: 8\n    reasoning_per_mtok: 16\n";

fn overridden_price_is_the_tick_cost(clis: &Clis) {
    let rig = Rig::new(clis, Script::default());
    let repo = rig.project(
        "app",
        &[
            Peer::RealWithModel {
                name: "codex",
                cli: Cli::Codex,
                model: "mock-model",
            },
            Peer::Sim {
                name: "sim",
                script: honest_sim(),
            },
        ],
        PRICES,
    );
    let info = rig.env.peers(&repo, &["info"]);
    assert!(
        info.stdout.contains("config.yaml prices for mock-model")
            && info
                .stdout
                .contains("mock-model  input=2 cached=0.5 cache_write=2 output=8 reasoning=16"),
        "{}",
        info.combined()
    );
    rig.server.reset(Script::steps(vec![
        ScriptStep::WriteFile {
            path: repo.join("hello.txt").display().to_string(),
            content: "priced\n".to_owned(),
        },
        ScriptStep::Shell {
            command: commit_command("hello.txt", &handoff_message("codex")),
        },
    ]));

    let (out, _) = rig.peers(&repo, &["run", "--max-ticks", "1"]);
    let ticks = rig.env.ticks(&repo);
    assert_eq!(ticks.len(), 1, "{}", out.combined());
    let tick = &ticks[0];
    assert_eq!(tick["success"], true, "{tick:#}");
    // The model is recorded with the tool, for the per-model analytics.
    assert_eq!(tick["tool"], "codex", "{tick:#}");
    assert_eq!(tick["model"], "mock-model", "{tick:#}");
    // Reasoning at its own price: OpenAI's output_tokens include it, peers splits it out.
    let usage = TokenUsage::default();
    let (tokens, without_reasoning) = spend(&usage, 3, [2.0, 0.5, 2.0, 8.0], false);
    let usd = without_reasoning + 3.0 * usage.reasoning as f64 * (16.0 - 8.0) / 1e6;
    assert_eq!(tick["tokens_this_tick"], tokens, "{tick:#}");
    let recorded = tick["usd_this_tick"].as_f64().expect("a known cost");
    assert!(
        (recorded - usd).abs() < 1e-12,
        "usd_this_tick {recorded} != configured {usd}"
    );
}

/// Without the override the same model has no price: the cost is unknown, never 0.
fn unpriced_model_has_an_unknown_cost(clis: &Clis) {
    let rig = Rig::new(clis, Script::default());
    let repo = rig.project(
        "app",
        &[
            Peer::RealWithModel {
                name: "codex",
                cli: Cli::Codex,
                model: "mock-model",
            },
            Peer::Sim {
                name: "sim",
                script: honest_sim(),
            },
        ],
        "",
    );
    let (out, _) = rig.peers(&repo, &["run", "--max-ticks", "1"]);
    let ticks = rig.env.ticks(&repo);
    assert_eq!(ticks.len(), 1, "{}", out.combined());
    assert_eq!(
        ticks[0]["usd_this_tick"],
        serde_json::Value::Null,
        "{:#}",
        ticks[0]
    );
    assert_eq!(ticks[0]["usd_unknown"], true);
    assert_eq!(ticks[0]["tokens_this_tick"], TokenUsage::default().total());
}

#[test]
fn codex_cost_comes_from_the_configured_price_table() {
    isolated(
        concat!(
            module_path!(),
            "::codex_cost_comes_from_the_configured_price_table"
        ),
        |clis| {
            overridden_price_is_the_tick_cost(clis);
            unpriced_model_has_an_unknown_cost(clis);
        },
    );
}

/// Needs no CLI: `peers info` lists the overrides in text and JSON.
#[test]
fn info_shows_the_configured_prices() {
    let env = crate::test_env::TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[("a", "sim", honest_sim()), ("b", "sim", honest_sim())],
        crate::test_env::SIMPLE_GOALS,
        PRICES,
    );
    let out = env.peers(&repo, &["info"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stdout.contains(
            "\nprices:  built-in: OpenAI and Google pricing pages as of 2025-10-01; config.yaml prices for mock-model\n  USD per million tokens, for the CLIs that report no cost (codex, gemini)\n  mock-model  input=2 cached=0.5 cache_write=2 output=8 reasoning=16\n"
        ),
        "{}",
        out.stdout
    );
    let json = env.peers(&repo, &["info", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    let price = &value["prices"]["overrides"][0];
    assert_eq!(price["model"], "mock-model");
    assert_eq!(price["reasoning_per_mtok"], 16.0);
    assert_eq!(price["cache_write_per_mtok"], 2.0);
}
