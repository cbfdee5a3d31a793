//! The implement mode end to end with scripted sim peers: `peers init --modes=implement
//! --plan` freezes a signed contract; an honest three-step run (each step implemented by one
//! peer, checked off by the other) ends `complete` only after the two completion phases;
//! `peers amend` and `peers ack-block` extend the signed chain. The cheats are in
//! the battery (`crates/peers-cli/tests/battery.rs`).

use std::path::Path;

use serde_json::Value;

use super::implement_fixture::{PLAN, honest_scripts, implement_project};
use crate::test_env::TestEnv;

fn gate<'a>(state: &'a Value, id: &str) -> &'a Value {
    &state["goals_status"][id]
}

#[test]
fn init_freezes_a_signed_read_only_contract_and_refuses_a_bad_plan() {
    let env = TestEnv::new();
    let (alice, bob) = honest_scripts();
    let repo = implement_project(&env, "app", alice, bob);
    let script = std::fs::read_to_string(repo.join(".peers/contracts/acceptance.sh")).unwrap();
    assert!(
        script.starts_with("#!/bin/sh\nset -e\ngrep -q 'def count_words'"),
        "{script}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(repo.join(".peers/PLAN.original.md"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o222, 0, "read-only");
    let keys = env.root().join("home/.local/state/peers/contracts");
    assert_eq!(
        std::fs::read_dir(&keys).unwrap().count(),
        1,
        "the key is outside the repository"
    );
    let goals = std::fs::read_to_string(repo.join(".peers/goals.yaml")).unwrap();
    assert!(goals.contains("checkoff-by-other-peer") && goals.contains("acceptance-pass"));

    let other = env.repo("bad", true);
    env.write(&other, "PLAN.md", &PLAN.replace("[STEP-3]", "[STEP-4]"));
    let out = env.peers(&other, &["init", "--modes=implement", "--plan", "PLAN.md"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr
            .contains("PLAN.md:14:1: STEP-4: expected STEP-3 here"),
        "{}",
        out.stderr
    );
    assert!(
        !other.join(".peers").exists(),
        "nothing written for a bad plan"
    );
    let out = env.peers(&other, &["init", "--modes=implement"]);
    assert!(
        out.stderr.contains("needs a plan: --plan FILE"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_honest_three_step_run_completes_after_both_completion_phases() {
    let env = TestEnv::new();
    let (alice, bob) = honest_scripts();
    let repo = implement_project(&env, "app", alice, bob);
    let out = env.peers(
        &repo,
        &[
            "run",
            "--max-ticks",
            "30",
            "--without-post-convergence-skeptic",
        ],
    );
    let state = env.state(&repo);
    let failing: Vec<String> = state["goals_status"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, g)| g["state"] != "pass")
        .map(|(id, g)| format!("{id}: {}", g["diagnostic"]))
        .collect();
    assert_eq!(
        env.last_stop(&repo),
        "complete",
        "{failing:#?}\n{}",
        out.combined()
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(state["implement"]["completion"], "complete", "{state:#}");
    assert_eq!(state["implement"]["done_steps"], 3);
    assert!(
        out.stderr
            .contains("acceptance-pass's stuck counter starts over"),
        "a checked-off step resets the test gates' stuck counters: {}",
        out.stderr
    );
    let status = env.peers(&repo, &["status"]);
    assert!(
        status
            .stdout
            .contains("implement:  steps checked off: 3; completion complete"),
        "{}",
        status.stdout
    );
    let ticks = env.ticks(&repo);
    assert!(
        ticks.len() >= 10,
        "phase A then two phase-B evaluations: {}",
        ticks.len()
    );
    for id in [
        "checkoff-by-other-peer",
        "plan-checklist-complete",
        "acceptance-pass",
        "step-tests-3-class",
        "contracts-unchanged",
    ] {
        assert_eq!(
            gate(&state, id)["state"],
            "pass",
            "{id}: {:#}",
            gate(&state, id)
        );
    }
    let prompt =
        std::fs::read_to_string(repo.join(".peers/log/prompts/tick-00001-alice.txt")).unwrap();
    assert!(
        prompt.starts_with("PHASE 0 — RECON"),
        "{}",
        &prompt[..200.min(prompt.len())]
    );
    let prompt =
        std::fs::read_to_string(repo.join(".peers/log/prompts/tick-00004-bob.txt")).unwrap();
    assert!(prompt.starts_with("IMPLEMENT MODE"));
}

fn chain_entries(repo: &Path) -> Vec<Value> {
    std::fs::read_to_string(repo.join(".peers/contracts.log"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn amend_records_the_reason_in_the_signed_chain_and_ack_block_needs_a_blocked_step() {
    let env = TestEnv::new();
    let (alice, bob) = honest_scripts();
    let repo = implement_project(&env, "app", alice, bob);
    let out = env.peers(
        &repo,
        &[
            "amend",
            "--acceptance",
            "grep -q count_words count.py",
            "--reason",
            "the CLI step was dropped by the operator",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    let entries = chain_entries(&repo);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["event"]["kind"], "amend-acceptance");
    assert_eq!(
        entries[1]["event"]["reason"],
        "the CLI step was dropped by the operator"
    );
    let script = std::fs::read_to_string(repo.join(".peers/contracts/acceptance.sh")).unwrap();
    assert!(script.ends_with("grep -q count_words count.py\n"));
    let out = env.peers(&repo, &["amend", "--acceptance", "true", "--reason", " "]);
    assert_eq!(
        out.code,
        2,
        "an empty reason is refused: {}",
        out.combined()
    );

    let out = env.peers(
        &repo,
        &["ack-block", "STEP-2", "--reason", "needs a licence"],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not [BLOCKED]"), "{}", out.stderr);
    let plan = PLAN.replace("- [ ] [STEP-2]", "- [BLOCKED] [STEP-2]");
    env.write(&repo, "PLAN.md", &plan);
    env.commit_all(&repo, "STEP-2 is blocked");
    let out = env.peers(
        &repo,
        &["ack-block", "STEP-2", "--reason", "waiting for the licence"],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    let live = std::fs::read_to_string(repo.join("PLAN.md")).unwrap();
    assert!(live.contains("- [BLOCKED-ACK] [STEP-2]"), "{live}");
    assert_eq!(chain_entries(&repo)[2]["event"]["step"], "STEP-2");
    let out = env.peers(&repo, &["verify", "--json"]);
    assert!(
        out.stdout.contains("no-unresolved-blocks"),
        "{}",
        out.stdout
    );
    let verify: Value = serde_json::from_str(&out.stdout).unwrap();
    let row = verify_row(&verify, "no-unresolved-blocks");
    assert_eq!(row["pass"], true, "{row:#}");
    let row = verify_row(&verify, "plan-checklist-complete");
    assert_eq!(row["pass"], false, "a blocked step is never done: {row:#}");
}

/// The row of gate `id` in `peers verify --json`.
pub fn verify_row<'a>(verify: &'a Value, id: &str) -> &'a Value {
    let rows = verify["hard"].as_array().expect("verify rows");
    rows.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id} in {verify:#}"))
}

#[test]
fn amend_is_refused_while_a_run_holds_the_lock_and_a_forced_one_is_not_the_peer_s_tampering() {
    let env = TestEnv::new();
    let slow = serde_json::json!({"turns": [[
        {"sleep": {"ms": 4000}},
        {"append_file": {"path": "RECON.md", "content": "recon by {peer}\n"}},
        super::implement_fixture::commit("recon"),
    ]]});
    let repo = implement_project(&env, "app", slow.clone(), slow);
    let mut run = env.spawn_peers(&repo, &["run", "--max-ticks", "1"]);
    let prompt = repo.join(".peers/log/prompts/tick-00001-alice.txt");
    let started = std::time::Instant::now();
    while !prompt.exists() && started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let refused = env.peers(
        &repo,
        &[
            "amend",
            "--acceptance",
            "true",
            "--reason",
            "mid-run change",
        ],
    );
    let forced = env.peers(
        &repo,
        &[
            "amend",
            "--acceptance",
            "true",
            "--reason",
            "mid-run change",
            "--force",
        ],
    );
    let status = run.wait().unwrap();
    assert!(prompt.exists(), "the run started");
    assert_eq!(refused.code, 2, "{}", refused.combined());
    assert!(refused.stderr.contains("run.lock"), "{}", refused.stderr);
    assert_eq!(forced.code, 0, "{}", forced.combined());
    let entries = chain_entries(&repo);
    assert_eq!(entries.len(), 2, "only the forced amend was recorded");
    assert_eq!(entries[1]["event"]["forced"], true);
    assert!(status.success(), "{status:?}");
    let ticks = env.ticks(&repo);
    assert_eq!(
        ticks[0]["success"], true,
        "the operator's signed amendment is not blamed on the peer: {:#}",
        ticks[0]
    );
}

#[test]
fn a_web_plan_freezes_an_e2e_contract_whose_failure_is_shown() {
    let env = TestEnv::new();
    let repo = env.repo("web", true);
    let plan = PLAN.replace(
        "surfaces: [cli]",
        "surfaces: [web]\ne2e: echo driving the page >&2; exit 3",
    );
    env.write(&repo, "PLAN.md", &plan);
    env.commit_all(&repo, "the plan");
    let out = env.peers(
        &repo,
        &[
            "init",
            "--modes=implement",
            "--plan",
            "PLAN.md",
            "--no-baseline-check",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stdout.contains("and e2e `echo driving the page"),
        "{}",
        out.stdout
    );
    let out = env.peers(&repo, &["verify", "--json"]);
    let verify: Value = serde_json::from_str(&out.stdout).unwrap();
    let row = verify_row(&verify, "e2e-pass");
    assert_eq!(row["pass"], false);
    let diagnostic = row["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.contains("e2e.sh` failed (exit code 3)"),
        "{diagnostic}"
    );
    assert!(diagnostic.contains("driving the page"), "{diagnostic}");
    assert_eq!(verify_row(&verify, "contracts-unchanged")["pass"], true);
    assert_eq!(
        verify_row(&verify, "acceptance-pass")["pass"],
        false,
        "nothing is built yet"
    );
}

#[test]
fn a_peer_that_rewrites_the_acceptance_script_fails_its_turn() {
    let env = TestEnv::new();
    let cheat = serde_json::json!({"turns": [[
        {"delete_file": {"path": ".peers/contracts/acceptance.sh"}},
        {"write_file": {"path": ".peers/contracts/acceptance.sh", "content": "#!/bin/sh\nexit 0\n"}},
        {"append_file": {"path": "RECON.md", "content": "recon\n"}},
        super::implement_fixture::commit("recon"),
    ]]});
    // Confined (the default), the rewrite is refused inside the turn: the script stays.
    let confined = implement_project(&env, "confined", cheat.clone(), cheat.clone());
    let frozen = std::fs::read(confined.join(".peers/contracts/acceptance.sh")).unwrap();
    env.peers(&confined, &["run", "--max-ticks", "1"]);
    assert_eq!(env.ticks(&confined)[0]["success"], false);
    assert_eq!(
        std::fs::read(confined.join(".peers/contracts/acceptance.sh")).unwrap(),
        frozen
    );
    // Unconfined, the host sees the edit after the turn and fails it.
    let repo = implement_project(&env, "app", cheat.clone(), cheat);
    env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "none"]);
    let ticks = env.ticks(&repo);
    assert_eq!(ticks[0]["success"], false, "{:#}", ticks[0]);
    let record = ticks[0].to_string();
    assert!(
        record.contains("tampered with peers' control files: .peers/contracts/acceptance.sh"),
        "{record}"
    );
}

#[test]
fn a_run_does_not_start_when_the_contract_key_is_gone() {
    let env = TestEnv::new();
    let (alice, bob) = honest_scripts();
    let repo = implement_project(&env, "app", alice, bob);
    std::fs::remove_dir_all(env.root().join("home/.local/state/peers/contracts")).unwrap();
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.combined().contains("the contract key is missing"),
        "{}",
        out.combined()
    );
    assert!(env.ticks(&repo).is_empty(), "no tick was spent");
}
