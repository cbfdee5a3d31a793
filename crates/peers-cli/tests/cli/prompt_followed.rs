//! The prompt and the checks agree: peers that copy the prompt's own examples (handoff with its
//! Self-Review template, bug report, resolution, review) and fill them in get every turn
//! counted, file and close the bug, count the review, and complete the run.

use crate::test_env::TestEnv;

const GOALS: &str = "goals:
  - {id: builds, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}
  - {id: self-review-on-handoff, type: hard, builtin: self-review-on-handoff}
  - {id: bug-hunt-clean, type: hard, builtin: bug-hunt-clean}
  - {id: review-work, type: soft, reviewer: other, consensus_needed: 1, review_interval: 1, prompt: 'Is the work correct?'}
";

#[test]
fn peers_following_the_prompt_literally_complete_a_run() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/literal_peer.sh"
    );
    let mut config = String::from("peers:\n");
    for name in ["alice", "bob"] {
        config.push_str(&format!(
            "  - name: {name}\n    tool: generic\n    argv: ['sh', '{script}']\n    prompt_mode: stdin\n"
        ));
    }
    config.push_str("health:\n  idle_timeout_s: 30\n  absolute_max_runtime_s: 60\n  grace_s: 1\n");
    config.push_str("goals:\n  convergence_n: 2\n");
    std::fs::write(repo.join(".peers/config.yaml"), config).unwrap();
    env.set_goals(&repo, GOALS);

    let out = env.peers(&repo, &["run", "--max-ticks", "8"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "complete", "{}", out.combined());
    let ticks = env.ticks(&repo);
    for tick in &ticks {
        assert_eq!(tick["success"], true, "every literal turn counts: {tick:#}");
    }

    let log = env.git(&repo, &["log", "--format=%B"]);
    assert!(
        log.contains("## Self-Review\n- Checked: git diff --cached"),
        "{log}"
    );
    assert!(
        log.contains("## Bug-Report"),
        "the bug report example was filed: {log}"
    );
    assert!(log.contains("## Bug-Resolution"), "and resolved: {log}");
    assert!(
        log.contains("## Review\n"),
        "and a review was committed: {log}"
    );

    let bugs = env.peers(&repo, &["bugs", "list", "--json"]);
    assert_eq!(bugs.code, 0, "{}", bugs.combined());
    let bugs: serde_json::Value = serde_json::from_str(&bugs.stdout).unwrap();
    let text = bugs.to_string();
    assert!(text.contains("BUG-"), "{text}");
    assert!(text.contains("fixed"), "the filed bug is closed: {text}");

    let state = env.state(&repo);
    let soft = state.to_string();
    assert!(soft.contains("review-work"), "{soft}");
}
