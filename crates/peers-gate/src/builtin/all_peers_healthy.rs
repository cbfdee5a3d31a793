//! `all-peers-healthy` (thorough): no peer of the run is degraded, halted or unavailable, so
//! "complete" is never claimed while a reviewer was missing. Fails outside `peers run`,
//! where no run facts exist.

use super::GateContext;
use crate::verdict::Verdict;

pub(crate) fn all_peers_healthy(ctx: &GateContext<'_>) -> Verdict {
    let Some(run) = ctx.run else {
        return Verdict::fail(
            "all-peers-healthy: judged only inside `peers run` (it reads the running loop's \
             peer health); `peers verify` has no run to judge"
                .to_owned(),
        );
    };
    if run.unhealthy_peers.is_empty() {
        Verdict::pass("all-peers-healthy: every peer is healthy".to_owned())
    } else {
        Verdict::fail(format!(
            "all-peers-healthy: not healthy: {}; `peers revive <peer>` puts a peer back once \
                 its cause (credentials, quota, a crashing command) is fixed",
            run.unhealthy_peers.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use peers_core::goals::BuiltinGate;
    use serde_json::json;

    use crate::builtin::RunFacts;
    use crate::builtin::test_repo::GateRepo;

    #[test]
    fn names_the_unhealthy_peers() {
        let repo = GateRepo::new();
        let gate = BuiltinGate::AllPeersHealthy;
        let healthy = RunFacts::default();
        assert!(repo.run_with(gate, json!({}), Some(&healthy)).pass);
        let sick = RunFacts {
            unhealthy_peers: vec!["codex: unavailable".to_owned()],
            ..RunFacts::default()
        };
        let verdict = repo.run_with(gate, json!({}), Some(&sick));
        assert!(!verdict.pass);
        assert!(
            verdict
                .diagnostic
                .contains("not healthy: codex: unavailable")
        );
        assert!(!repo.run(gate, json!({})).pass, "no run facts fails closed");
    }
}
