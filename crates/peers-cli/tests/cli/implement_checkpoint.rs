//! The operator's pause after the implement mode's architecture phase (`peers run
//! --checkpoint`): asked for early, kept in state.json across runs, taken exactly before the
//! first implementation tick (stop reason `checkpoint`, exit 3), said by the terminal,
//! `peers status` and `peers report`, and passed for good by the next run; after the peers'
//! agreement when `implement.architecture_checkpoint` is on; refused outside the mode.

use serde_json::json;

use super::implement_fixture::{honest_scripts, implement_project, write};
use crate::test_env::{SIMPLE_GOALS, TestEnv};

#[test]
fn the_pause_comes_once_between_the_architecture_and_the_implementation() {
    let env = TestEnv::new();
    let (alice, bob) = honest_scripts();
    let repo = implement_project(&env, "app", alice, bob);

    // Asked for before the architecture phase is over: kept in state.json across runs.
    let out = env.peers(&repo, &["run", "--checkpoint", "--max-ticks", "2"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "max_ticks");
    assert!(
        out.stderr
            .contains("--checkpoint: the run stops for you when the architecture phase is over"),
        "{}",
        out.stderr
    );
    assert_eq!(env.state(&repo)["implement"]["pause"], "requested");

    // The next run, without the flag, makes the architecture tick and stops before tick 4.
    let out = env.peers(&repo, &["run", "--max-ticks", "30"]);
    assert_eq!(out.code, 3, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "checkpoint");
    let state = env.state(&repo);
    assert_eq!(state["iteration"], 3, "{state:#}");
    assert_eq!(state["implement"]["pause"], json!({"waiting": {"at": 3}}));
    assert_eq!(env.ticks(&repo).len(), 3);
    assert!(
        out.stdout
            .contains("Stopped: checkpoint (iteration 3, 1 tick(s) in this run)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("waiting for you at the architecture checkpoint: read ARCHITECTURE.intended.md (and PLAN.aligned.md)"),
        "{}",
        out.stdout
    );
    let status = env.peers(&repo, &["status"]);
    assert!(
        status.stdout.contains("last stop:  checkpoint")
            && status.stdout.contains("waiting for the operator")
            && status
                .stdout
                .contains("checkpoint: WAITING FOR YOU after the architecture phase (tick 3)")
            && status.stdout.contains("`peers-ctl start <name>`"),
        "{}",
        status.stdout
    );
    let report = env.peers(&repo, &["report", "--print"]);
    assert!(
        report.stdout.contains("- **waiting for the operator**: ")
            && report.stdout.contains("ARCHITECTURE.intended.md"),
        "{}",
        report.combined()
    );

    // Starting again continues into the implementation; a new --checkpoint is a no-op.
    let out = env.peers(
        &repo,
        &[
            "run",
            "--checkpoint",
            "--max-ticks",
            "30",
            "--without-post-convergence-skeptic",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "complete");
    assert!(
        out.stderr.contains("architecture checkpoint: the run paused for you after tick 3; it continues into the implementation")
            && out.stderr.contains("--checkpoint: nothing to do, the run already paused for you"),
        "{}",
        out.stderr
    );
    let state = env.state(&repo);
    assert_eq!(state["implement"]["pause"], json!({"passed": {"at": 3}}));
    let prompt =
        std::fs::read_to_string(repo.join(".peers/log/prompts/tick-00004-bob.txt")).unwrap();
    assert!(prompt.starts_with("IMPLEMENT MODE"), "{}", &prompt[..200]);
}

#[test]
fn with_the_agreement_checkpoint_the_pause_comes_after_every_peer_agreed() {
    let env = TestEnv::new();
    let handoff = |subject: &str, trailer: &str| {
        json!({"git_commit": {"allow_empty": true, "message": format!(
            "{subject}\n\n## Self-Review\nRe-read the diff; nothing else changed.\n\nPeer: {{peer}}\nPeer-Status: handoff\nSelf-Review: pass{trailer}"
        )}})
    };
    let alice = json!({"turns": [
        [write("RECON.md", "Nothing exists yet.\n"), handoff("recon", "")],
        [write("ARCHITECTURE.intended.md", "## Components\ncount.py and cli.py\n"), handoff("architecture", "")],
    ]});
    let bob = json!({"turns": [
        [write("PLAN.aligned.md", "Each step is done when its tests pass.\n"), handoff("alignment", "")],
        [handoff("agree on the architecture", "\nArchitecture: agreed")],
    ]});
    let repo = implement_project(&env, "agree", alice.clone(), bob.clone());
    env.write_sim_config(
        &repo,
        "agree",
        &[("alice", "sim", alice), ("bob", "sim", bob)],
        "goals:\n  convergence_n: 1\nimplement:\n  architecture_checkpoint: true\n",
    );
    let out = env.peers(
        &repo,
        &[
            "run",
            "--checkpoint",
            "--max-ticks",
            "10",
            "--skip-preflight",
        ],
    );
    assert_eq!(out.code, 3, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "checkpoint");
    let state = env.state(&repo);
    assert_eq!(state["iteration"], 4, "{state:#}");
    assert_eq!(state["implement"]["architecture"]["implementation_from"], 4);
    assert_eq!(state["implement"]["pause"], json!({"waiting": {"at": 4}}));
}

#[test]
fn checkpoint_is_refused_outside_the_implement_mode() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "plain",
        &[
            ("alice", "sim", json!({"turns": []})),
            ("bob", "sim", json!({"turns": []})),
        ],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--checkpoint", "--max-ticks", "1"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr.contains("--checkpoint pauses an implement-mode run after its architecture phase, but this project is not in the implement mode"),
        "{}",
        out.stderr
    );
    assert!(env.ticks(&repo).is_empty());
}
