//! The opt-in soft gates and the architecture checkpoint with scripted sim peers: an
//! implement run with `implement.architecture_checkpoint` holds the architecture phase until
//! bob agrees with alice's ARCHITECTURE.intended.md; carol (a recovery peer that takes no
//! turn) audits every handoff through the launch interface, her verdict reported as the
//! `second-model-honesty-audit` soft gate; the handoffs' stated confidence is scored.

use std::path::Path;

use serde_json::{Value, json};

use super::implement_fixture::{PLAN, implement_project, implement_project_with_plan, write};
use crate::test_env::{Output, TestEnv};

const PEERS: &str = env!("CARGO_BIN_EXE_peers");

const SOFT: &str = "soft_gates:\n  honesty_audit: {peer: carol}\n  confidence_calibration: true\nimplement:\n  architecture_checkpoint: true\n";

fn handoff(subject: &str, confidence: &str, extra_trailer: &str) -> Value {
    json!({"git_commit": {"allow_empty": true, "message": format!(
        "{subject}\n\n## Self-Review\nRe-read the diff; nothing else changed.\n\nPeer: {{peer}}\nPeer-Status: handoff\nSelf-Review: pass\nConfidence: {confidence}{extra_trailer}"
    )}})
}

fn peers_logged(env: &TestEnv, dir: &Path, log: &Path, args: &[&str]) -> Output {
    let out = env
        .base_command(PEERS)
        .current_dir(dir)
        .args(args)
        .env("PEERS_LAUNCH_LOG", log)
        .output()
        .expect("run peers");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_architecture_checkpoint_waits_for_agreement_and_carol_audits_each_handoff() {
    let env = TestEnv::new();
    let alice = json!({"turns": [
        [write("RECON.md", "Nothing exists yet.\n"), handoff("recon", "5/5", "")],
        [write("ARCHITECTURE.intended.md", "## Components\ncount.py and cli.py\n"), handoff("architecture", "5/5", "")],
    ]});
    let bob = json!({"turns": [
        [write("PLAN.aligned.md", "Each step is done when its tests pass.\n"), handoff("alignment", "2/5", "")],
        [handoff("agree on the architecture", "4/5", "\nArchitecture: agreed")],
    ]});
    let carol = json!({"turns": [[{"print": {"text": "Read the diff.\n## Review\n{\"pass\": false, \"notes\": \"the handoff claims checks it did not run\"}"}}]]});
    let repo = implement_project(&env, "app", alice.clone(), bob.clone());
    // carol joins as a recovery peer: she takes no turn while alice and bob are healthy.
    env.write_sim_config(
        &repo,
        "app",
        &[
            ("alice", "sim", alice),
            ("bob", "sim", bob),
            ("carol", "sim", carol),
        ],
        &format!("goals:\n  convergence_n: 1\n{SOFT}"),
    );
    let config_path = repo.join(".peers/config.yaml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let carol_at = config.find("  - name: carol\n").unwrap();
    let health_at = config.find("health:").unwrap();
    let config = format!(
        "{}    role: recovery\n{}",
        &config[..health_at],
        &config[health_at..]
    );
    assert!(carol_at < health_at, "{config}");
    std::fs::write(&config_path, config).unwrap();
    let log = env.root().join("launches.jsonl");
    let out = peers_logged(
        &env,
        &repo,
        &log,
        &["run", "--max-ticks", "4", "--skip-preflight"],
    );
    assert!(out.code == 0 || out.code == 1, "{}", out.combined());

    let state = env.state(&repo);
    let architecture = &state["implement"]["architecture"];
    assert_eq!(architecture["agreed"], json!(["alice", "bob"]), "{state:#}");
    assert_eq!(architecture["implementation_from"], 4, "{state:#}");
    let prompt = std::fs::read_to_string(repo.join(".peers/log/prompts/tick-00004-bob.txt"))
        .unwrap_or_else(|e| panic!("tick 4 prompt: {e}"));
    assert!(prompt.contains("ARCHITECTURE CHECKPOINT"), "{prompt}");
    assert!(
        prompt.contains("Agreed on the current ARCHITECTURE.intended.md: alice. Waiting for: bob."),
        "{prompt}"
    );

    let kinds: Vec<(String, String)> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            (
                record["kind"].as_str().unwrap().to_owned(),
                record["peer"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let audits = kinds
        .iter()
        .filter(|(kind, _)| kind == "honesty audit")
        .count();
    assert_eq!(audits, 4, "one audit per handoff: {kinds:?}");
    assert!(
        kinds
            .iter()
            .all(|(kind, peer)| (kind == "honesty audit") == (peer == "carol")),
        "{kinds:?}"
    );

    let ticks = env.ticks(&repo);
    let last = &ticks.last().unwrap()["gates"]["soft"];
    let audit = last["second-model-honesty-audit"].as_str().unwrap();
    assert!(
        audit.starts_with("failed (advisory): carol audited bob's handoff")
            && audit.ends_with("claims do not hold — the handoff claims checks it did not run"),
        "{audit}"
    );
    let calibration = last["confidence-calibration"].as_str().unwrap();
    assert!(
        calibration.starts_with("passed (advisory): 4 stated, 4 judged"),
        "{calibration}"
    );
    assert!(
        calibration.ends_with("newest: bob 4/5 (at least 4/5)"),
        "{calibration}"
    );
}

const ADULT_PY: &str = "def is_adult(age):\n    return age >= 18\n";
const ADULT_TESTS: &str = "import sys\nsys.path.insert(0, 'src')\nfrom adult import is_adult\nassert is_adult(30) is True\nassert is_adult(5) is False\n";

#[test]
fn a_blocking_mutation_sample_holds_completion_until_the_tests_catch_the_survivor() {
    if !peers_testkit::tool_or_skip("python3") {
        return;
    }
    let env = TestEnv::new();
    let commit = json!({"git_commit": {"message": crate::test_env::HANDOFF}});
    let alice = json!({"turns": [[
        write("src/adult.py", ADULT_PY),
        write("tests/test_adult.py", ADULT_TESTS),
        commit.clone(),
    ]]});
    let bob = json!({"turns": [[
        {"append_file": {"path": "tests/test_adult.py", "content": "assert is_adult(18) is True\n"}},
        {"append_file": {"path": "NOTES.md", "content": "The boundary age 18 is tested.\n"}},
        commit,
    ]]});
    let repo = env.sim_project(
        "mut",
        &[("alice", "sim", alice), ("bob", "sim", bob)],
        crate::test_env::SIMPLE_GOALS,
        "goals:\n  convergence_n: 1\nsoft_gates:\n  mutation_sample:\n    test_command: python3 tests/test_adult.py\n    mutants: 10\n    min_kill_ratio: 0.9\n    blocking: true\n",
    );
    let out = env.peers(
        &repo,
        &[
            "run",
            "--max-ticks",
            "4",
            "--without-post-convergence-skeptic",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "complete");
    let ticks = env.ticks(&repo);
    assert_eq!(
        ticks.len(),
        2,
        "the survivor held completion for one tick: {ticks:#?}"
    );
    let line = |tick: &Value| {
        tick["gates"]["soft"]["mutation-sample"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first = line(&ticks[0]);
    assert!(first.starts_with("failed (blocking): "), "{first}");
    assert!(
        first.contains("killed 2/3 sampled mutants (seed 0, 3 candidates); survived: src/adult.py:2: shift constant: `return age >= 18` → `return age >= 19`"),
        "{first}"
    );
    let second = line(&ticks[1]);
    assert!(second.starts_with("passed (blocking): "), "{second}");
    assert!(second.contains("killed 3/3"), "{second}");
    let report = env.peers(&repo, &["report", "--print"]);
    assert!(
        report.stdout.contains("### Soft gates (opt-in)")
            && report
                .stdout
                .contains("| mutation-sample | passed (blocking): "),
        "{}",
        report.combined()
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("src/adult.py")).unwrap(),
        ADULT_PY,
        "the mutants never touched the working tree"
    );
}

#[test]
fn plan_meta_keys_switch_soft_gates_on_and_an_unknown_audit_peer_names_the_plan_line() {
    let env = TestEnv::new();
    let alice = json!({"turns": [
        [write("RECON.md", "Nothing exists yet.\n"), handoff("recon", "5/5", "")],
    ]});
    let bob = json!({"turns": []});
    let plan = PLAN.replace(
        "convergence_n: 1\n",
        "convergence_n: 1\nconfidence_calibration: true\n",
    );
    let repo = implement_project_with_plan(&env, "meta", &plan, alice, bob.clone());
    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--skip-preflight"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let ticks = env.ticks(&repo);
    let calibration = ticks[0]["gates"]["soft"]["confidence-calibration"]
        .as_str()
        .unwrap_or_else(|| panic!("the plan key turned the gate on: {:#}", ticks[0]));
    assert!(calibration.contains("newest: alice 5/5"), "{calibration}");
    assert!(
        ticks[0]["gates"]["soft"].get("mutation-sample").is_none(),
        "{:#}",
        ticks[0]
    );
    let report = env.peers(&repo, &["report", "--print"]);
    assert!(
        report
            .stdout
            .contains("| confidence-calibration | passed (advisory): "),
        "{}",
        report.combined()
    );

    let plan = PLAN.replace(
        "convergence_n: 1\n",
        "convergence_n: 1\nhonesty_audit_peer: carol\n",
    );
    let repo = implement_project_with_plan(&env, "nobody", &plan, json!({"turns": []}), bob);
    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--skip-preflight"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr
            .contains("PLAN.md:7:1: meta.honesty_audit_peer: `carol` is not a configured peer (peers: alice, bob)"),
        "{}",
        out.stderr
    );
    // config.yaml wins: turning the audit off there lets the run start.
    let config_path = repo.join(".peers/config.yaml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    std::fs::write(
        &config_path,
        format!("{config}soft_gates:\n  honesty_audit: false\n"),
    )
    .unwrap();
    let out = env.peers(&repo, &["status"]);
    assert_eq!(out.code, 0, "{}", out.combined());
}
