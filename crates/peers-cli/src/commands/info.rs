//! `peers info`: the configuration exactly as peers resolves it — every peer's command line,
//! the goals, the budget with the enforced `max_usd_mode` and why, the health settings, and
//! the prices config.yaml sets for models whose CLI reports no cost.

use std::path::Path;

use clap::Args;
use peers_agent::resolve_command;
use peers_core::billing::{self, Billing, BillingFacts, ResolvedUsdMode};
use peers_core::config::{ConfigSettings, ModelPriceSettings, PeerSettings, ToolKind};
use peers_core::goals::{GateCheck, GoalKind, GoalSet};
use serde_json::json;

use crate::error::CliResult;
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print the resolved configuration as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(directory: Option<&Path>, args: &InfoArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let config = project.load_config()?;
    let goals = project.load_goals()?;
    let lock = peers_store::goals_hash::check_goals_hash(&project.dir)?;
    let usd = resolve_usd(&config);
    let value = to_json(
        &project,
        &config,
        &goals,
        &usd,
        &crate::project::describe_goals_lock(&lock),
    );
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        print!(
            "{}",
            render(
                &project,
                &config,
                &goals,
                &usd,
                &crate::project::describe_goals_lock(&lock)
            )
        );
    }
    Ok(0)
}

/// Billing of every peer, judged from this machine's environment and credential files.
pub fn resolve_usd(config: &ConfigSettings) -> ResolvedUsdMode {
    let peers: Vec<(String, Billing)> = config
        .peers
        .iter()
        .map(|peer| {
            (
                peer.name.clone(),
                billing::peer_billing(peer, &billing_facts(peer)),
            )
        })
        .collect();
    billing::resolve_usd_mode(config.budget.max_usd_mode, &peers)
}

fn billing_facts(peer: &PeerSettings) -> BillingFacts {
    let env_set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let in_home = |rel: &str| home.as_ref().map(|h| h.join(rel));
    match peer.tool {
        ToolKind::Claude => BillingFacts {
            api_key_env: env_set("ANTHROPIC_API_KEY"),
            subscription_login: in_home(".claude/.credentials.json").is_some_and(|p| p.is_file()),
            api_key_login: false,
        },
        ToolKind::Codex => {
            let auth = in_home(".codex/auth.json")
                .and_then(|p| std::fs::read(p).ok())
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
            let mode = auth
                .as_ref()
                .and_then(|a| a.get("auth_mode"))
                .and_then(|m| m.as_str())
                .unwrap_or("");
            let has_key = auth
                .as_ref()
                .and_then(|a| a.get("OPENAI_API_KEY"))
                .is_some_and(|k| k.is_string());
            BillingFacts {
                api_key_env: env_set("OPENAI_API_KEY"),
                subscription_login: matches!(mode, "chatgpt" | "oauth")
                    || (auth.is_some() && !has_key && mode.is_empty()),
                api_key_login: mode.contains("api") || (mode.is_empty() && has_key),
            }
        }
        ToolKind::Gemini => BillingFacts {
            api_key_env: env_set("GEMINI_API_KEY") || env_set("GOOGLE_API_KEY"),
            subscription_login: in_home(".gemini/oauth_creds.json").is_some_and(|p| p.is_file()),
            api_key_login: false,
        },
        ToolKind::Opencode | ToolKind::Generic(_) => BillingFacts::default(),
    }
}

/// The names of the variables this peer will receive from this shell (values never shown).
fn received_names(peer: &PeerSettings) -> Vec<String> {
    let parent: Vec<_> = std::env::vars_os().collect();
    let mut names: Vec<String> = peers_driver::preflight::peer_environment(peer, &parent)
        .into_iter()
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:{}@%+,".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

fn render(
    project: &LoadedProject,
    config: &ConfigSettings,
    goals: &GoalSet,
    usd: &ResolvedUsdMode,
    lock: &str,
) -> String {
    let mut out = format!(
        "target:  {}\n{}\n\npeers (turn order):\n",
        project.root().display(),
        crate::sandbox_launcher::default_line().0
    );
    let width = config
        .peers
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(0);
    for peer in &config.peers {
        let command = resolve_command(peer);
        out.push_str(&format!(
            "  {:<width$}  tool={} role={} prompt={}\n    $ {}\n",
            peer.name,
            peer.tool.as_str(),
            peer.role.as_str(),
            peer.prompt_mode.as_str(),
            command
                .argv
                .iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        for (key, value) in &command.env {
            out.push_str(&format!("    env {key}={value}\n"));
        }
        if !peer.env.is_empty() {
            out.push_str(&format!("    env: (config) {}\n", peer.env.join(", ")));
        }
        out.push_str(&format!(
            "    receives (values not shown): {}\n",
            received_names(peer).join(" ")
        ));
        for note in &command.notes {
            out.push_str(&format!("    note: {note}\n"));
        }
    }
    if config.driver != peers_core::config::DriverKind::Orchestrator
        || config.comm != peers_core::config::CommKind::Git
    {
        out.push_str(&format!(
            "\ndriver:  {} (peers never starts an agent: {}); comm: {}\n",
            config.driver.as_str(),
            match config.driver {
                peers_core::config::DriverKind::Hooks =>
                    "the agents' Stop hooks run `peers tick --after <peer>`",
                peers_core::config::DriverKind::Sessions => "`peers tmux up` opens their sessions",
                peers_core::config::DriverKind::Orchestrator => "`peers run` drives them",
            },
            match config.comm {
                peers_core::config::CommKind::Git => "git",
                peers_core::config::CommKind::Hybrid =>
                    "hybrid (commits and .peers/comms/ messages)",
            }
        ));
    }
    let b = &config.budget;
    out.push_str(&format!(
        "\nbudget:  iterations≤{}, runtime≤{}s, consecutive failures≤{}, tokens≤{}, USD≤{}\n  max_usd_mode={} ({})\n",
        b.max_iterations,
        b.max_runtime_s,
        b.max_consecutive_failures,
        b.max_tokens.map_or("none".to_owned(), |t| t.to_string()),
        b.max_usd.map_or("none".to_owned(), |u| format!("${u}")),
        usd.mode.as_str(),
        usd.reason
    ));
    let h = &config.health;
    out.push_str(&format!(
        "\nhealth:  idle_timeout={}s absolute_max_runtime={}s grace={}s buffer={} bytes/stream\n  {} error pattern(s), {} halt pattern(s)\n",
        h.idle_timeout_s, h.absolute_max_runtime_s, h.grace_s, h.buf_cap_bytes, h.error_patterns.len(), h.halt_patterns.len()
    ));
    let g = &config.goals;
    out.push_str(&format!(
        "\ngoals:   timeout={}s concurrency={} convergence_n={} stuck_halt_after={} (watching {})\n  lock: {lock}\n",
        g.timeout_s,
        g.concurrency.map_or_else(|| format!("{} (cores)", peers_gate::jobs::default_concurrency()), |c| c.to_string()),
        g.convergence_n,
        g.stuck_halt_after,
        g.stuck_halt_gates.join(", ")
    ));
    if !config.gates.outside_git.is_empty() {
        out.push_str(&format!(
            "  gates judge a checkout of the commit; outside git they see (read-only): {}\n",
            config.gates.outside_git.join(", ")
        ));
    }
    let width = goals
        .goals
        .iter()
        .map(|g| g.id.chars().count())
        .max()
        .unwrap_or(0);
    for goal in &goals.goals {
        out.push_str(&format!(
            "  {:<5} {:<width$}  {}\n",
            kind_label(&goal.kind),
            goal.id,
            goal_summary(&goal.kind)
        ));
    }
    out.push_str(&format!(
        "\nenvironment: each peer receives only these from peers' own environment: {}; plus the names in its env: key\n",
        peers_agent::allowlist_summary()
    ));
    render_prices(&mut out, &config.prices);
    let notices: Vec<_> = config.notices.iter().chain(goals.notices.iter()).collect();
    if !notices.is_empty() {
        out.push_str("\nnotices:\n");
        for notice in notices {
            out.push_str(&format!(
                "  {} ({}): {}\n",
                notice.key, notice.span, notice.message
            ));
        }
    }
    out
}

/// The `prices:` overrides, when config.yaml has any (the built-in table alone is not listed).
fn render_prices(out: &mut String, prices: &[ModelPriceSettings]) {
    if prices.is_empty() {
        return;
    }
    let table = peers_agent::PriceTable::with_overrides(prices);
    out.push_str(&format!(
        "\nprices:  {}\n  USD per million tokens, for the CLIs that report no cost (codex, gemini)\n",
        table.source
    ));
    let width = prices
        .iter()
        .map(|p| p.model.chars().count())
        .max()
        .unwrap_or(0);
    for price in prices {
        out.push_str(&format!(
            "  {:<width$}  input={} cached={} cache_write={} output={} reasoning={}\n",
            price.model,
            price.input_per_mtok,
            price.cached_per_mtok,
            price.cache_write_per_mtok,
            price.output_per_mtok,
            price.reasoning_per_mtok
        ));
    }
}

fn prices_json(prices: &[ModelPriceSettings]) -> serde_json::Value {
    json!({
        "source": peers_agent::PriceTable::with_overrides(prices).source,
        "overrides": prices.iter().map(|p| json!({
            "model": p.model, "input_per_mtok": p.input_per_mtok, "cached_per_mtok": p.cached_per_mtok,
            "cache_write_per_mtok": p.cache_write_per_mtok, "output_per_mtok": p.output_per_mtok,
            "reasoning_per_mtok": p.reasoning_per_mtok, "line": p.span.line,
        })).collect::<Vec<_>>(),
    })
}

fn kind_label(kind: &GoalKind) -> &'static str {
    match kind {
        GoalKind::Hard(_) => "hard",
        GoalKind::Soft(_) => "soft",
    }
}

fn goal_summary(kind: &GoalKind) -> String {
    match kind {
        GoalKind::Hard(hard) => match &hard.check {
            GateCheck::Command { cmd, pass_when, .. } => {
                format!("$ {cmd}  [pass_when: {pass_when}]")
            }
            GateCheck::Builtin { gate, .. } => format!("built-in: {}", gate.description()),
        },
        GoalKind::Soft(soft) => {
            let quorum = soft
                .quorum
                .map(|q| format!(" quorum={}/{}", q.needed, q.window))
                .unwrap_or_default();
            format!(
                "reviewer={} consensus={} every {} iteration(s){quorum}",
                soft.reviewer.as_str(),
                soft.consensus_needed,
                soft.review_interval
            )
        }
    }
}

fn to_json(
    project: &LoadedProject,
    config: &ConfigSettings,
    goals: &GoalSet,
    usd: &ResolvedUsdMode,
    lock: &str,
) -> serde_json::Value {
    let peers: Vec<_> = config
        .peers
        .iter()
        .map(|peer| {
            let command = resolve_command(peer);
            json!({
                "name": peer.name, "tool": peer.tool.as_str(), "role": peer.role.as_str(),
                "prompt_mode": peer.prompt_mode.as_str(), "argv": command.argv,
                "env": command.env.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                "model": peer.model, "reasoning": peer.reasoning, "provider": peer.provider.map(|p| p.as_str()),
                "notes": command.notes,
                "env_extra": peer.env,
                "environment": received_names(peer),
            })
        })
        .collect();
    let b = &config.budget;
    let h = &config.health;
    let g = &config.goals;
    json!({
        "target": project.root(),
        "sandbox": crate::sandbox_launcher::default_line().1,
        "peers": peers,
        "budget": {
            "max_iterations": b.max_iterations, "max_runtime_s": b.max_runtime_s,
            "max_consecutive_failures": b.max_consecutive_failures, "max_tokens": b.max_tokens,
            "max_usd": b.max_usd, "max_usd_mode": b.max_usd_mode.as_str(),
            "max_usd_mode_resolved": usd.mode.as_str(), "max_usd_mode_reason": usd.reason,
        },
        "health": {
            "idle_timeout_s": h.idle_timeout_s, "absolute_max_runtime_s": h.absolute_max_runtime_s,
            "grace_s": h.grace_s, "buf_cap_bytes": h.buf_cap_bytes,
            "error_patterns": h.error_patterns, "halt_patterns": h.halt_patterns,
        },
        "goals_settings": {
            "timeout_s": g.timeout_s, "concurrency": g.concurrency.unwrap_or_else(peers_gate::jobs::default_concurrency),
            "convergence_n": g.convergence_n, "stuck_halt_after": g.stuck_halt_after,
            "stuck_halt_gates": g.stuck_halt_gates, "soft_consensus_required": g.soft_consensus_required,
        },
        "gates": { "outside_git": config.gates.outside_git },
        "driver": config.driver.as_str(),
        "comm": match config.comm {
            peers_core::config::CommKind::Git => "git",
            peers_core::config::CommKind::Hybrid => "hybrid",
        },
        "prices": prices_json(&config.prices),
        "turns": { "max_retries": config.turns.max_retries, "recovery_interval": config.turns.recovery_interval },
        "goals_lock": lock,
        "goals": goals.goals.iter().map(|goal| json!({
            "id": goal.id, "type": kind_label(&goal.kind), "summary": goal_summary(&goal.kind), "description": goal.description,
        })).collect::<Vec<_>>(),
        "verify_commands": config.verify.commands.iter().map(|c| json!({"name": c.name, "cmd": c.cmd, "timeout_s": c.timeout_s})).collect::<Vec<_>>(),
        "notices": config.notices.iter().chain(goals.notices.iter()).map(|n| json!({
            "key": n.key, "line": n.span.line, "column": n.span.column, "message": n.message,
        })).collect::<Vec<_>>(),
    })
}
