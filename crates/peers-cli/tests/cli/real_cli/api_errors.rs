//! API failures through the real CLIs: a 401 makes the peer unavailable (and the run stops
//! when no peer is left); a 429 and a 529 are transient (rate-limited / overloaded, the peer
//! stays healthy), each within seconds because every CLI's retries are turned down.

use std::time::Duration;

use peers_model_server::{Failure, Script};

use super::agent_cli::Cli;
use super::isolation::{Clis, isolated};
use super::rig::{Peer, Rig, honest_sim};

/// A transient failure must come back this fast: the retries are turned down, not waited out.
const TRANSIENT_BOUND: Duration = Duration::from_secs(60);

fn unauthorized_makes_both_peers_unavailable(clis: &Clis, cli: Cli) {
    let rig = Rig::new(clis, Script::failing(Failure::Unauthorized));
    let repo = rig.project(
        "app",
        &[Peer::Real { name: "a", cli }, Peer::Real { name: "b", cli }],
        "",
    );
    let (out, _) = rig.peers(&repo, &["run", "--max-ticks", "4"]);
    assert_eq!(
        rig.env.last_stop(&repo),
        "peer-unavailable:all-peers",
        "{}",
        out.combined()
    );
    let ticks = rig.env.ticks(&repo);
    assert_eq!(ticks.len(), 2, "{ticks:#?}");
    for tick in &ticks {
        assert_eq!(tick["classification"], "api-error", "{tick:#}");
        assert_eq!(tick["success"], false);
        assert_eq!(tick["matched_error_source"], "structured", "{tick:#}");
        assert_eq!(
            tick["matched_error_pattern"],
            format!("structured:{}:auth", cli.name()),
            "{tick:#}"
        );
        assert_eq!(tick["peer_state_after"], "unavailable", "{tick:#}");
    }
    let state = rig.env.state(&repo);
    for peer in ["a", "b"] {
        assert_eq!(state["peers"][peer]["state"], "unavailable", "{state:#}");
    }
    assert!(
        rig.server
            .requests()
            .iter()
            .all(|request| request.status == 401 || request.api.is_none())
    );
}

/// A 429 run and then a 529 run, each in a fresh project, against the same server.
fn transient_failures_are_classified_and_bounded(clis: &Clis, cli: Cli) {
    let rig = Rig::new(clis, Script::default());
    for (failure, classification) in [
        (Failure::RateLimited, "rate-limited"),
        (Failure::Overloaded, "overloaded"),
    ] {
        rig.server.reset(Script::failing(failure));
        let repo = rig.project(
            classification,
            &[
                Peer::Real { name: "a", cli },
                Peer::Sim {
                    name: "sim",
                    script: honest_sim(),
                },
            ],
            "",
        );
        let (out, elapsed) = rig.peers(&repo, &["run", "--max-ticks", "1"]);
        let ticks = rig.env.ticks(&repo);
        assert_eq!(ticks.len(), 1, "{}", out.combined());
        let tick = &ticks[0];
        assert_eq!(tick["classification"], classification, "{tick:#}");
        assert_eq!(tick["success"], false);
        assert_ne!(tick["peer_state_after"], "unavailable", "{tick:#}");
        let state = rig.env.state(&repo);
        assert_eq!(state["peers"]["a"]["state"], "healthy", "{state:#}");
        assert!(
            elapsed < TRANSIENT_BOUND,
            "{classification} took {elapsed:?}: the CLI's retries were not turned down"
        );
        let seen = rig.server.requests();
        assert!(
            seen.iter()
                .any(|request| request.status == failure.status()),
            "{seen:#?}"
        );
    }
}

macro_rules! error_tests {
    ($($unauthorized:ident, $transient:ident, $cli:expr;)*) => {$(
        #[test]
        fn $unauthorized() {
            isolated(concat!(module_path!(), "::", stringify!($unauthorized)), |clis| {
                unauthorized_makes_both_peers_unavailable(clis, $cli)
            });
        }

        #[test]
        fn $transient() {
            isolated(concat!(module_path!(), "::", stringify!($transient)), |clis| {
                transient_failures_are_classified_and_bounded(clis, $cli)
            });
        }
    )*};
}

error_tests! {
    codex_401_makes_the_peer_unavailable, codex_429_and_529_are_transient, Cli::Codex;
    claude_401_makes_the_peer_unavailable, claude_429_and_529_are_transient, Cli::Claude;
    opencode_401_makes_the_peer_unavailable, opencode_429_and_529_are_transient, Cli::Opencode;
    gemini_401_makes_the_peer_unavailable, gemini_429_and_529_are_transient, Cli::Gemini;
}
