//! Mutation sampling on a tiny Python repository: a boundary constant the tests never probe
//! survives, the other mutants are killed; the sample is the same for a seed; the user's
//! working tree and the repository's hooks are never touched.

use std::sync::atomic::AtomicBool;

use peers_core::soft_gates::MutationSettings;
use peers_git::Git;
use peers_testkit::{TestRepo, tool_or_skip};

use super::{MutationRun, sample, with_line};

const CODE: &str = "def is_adult(age):\n    return age >= 18\n";
const TESTS: &str = "import sys\nsys.path.insert(0, 'src')\nfrom adult import is_adult\nassert is_adult(30) is True\nassert is_adult(5) is False\n";

fn settings(mutants: usize, seed: u64) -> MutationSettings {
    MutationSettings {
        test_command: "python3 tests/test_adult.py".to_owned(),
        mutants,
        seed,
        timeout_s: 60,
        mutant_timeout_s: 20,
        min_kill_ratio: 0.5,
        blocking: false,
    }
}

/// A repository whose base has no code and whose head adds `CODE` and its tests.
fn project() -> (TestRepo, String, String) {
    let repo = TestRepo::with_commit();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.write("src/adult.py", CODE);
    repo.write("tests/test_adult.py", TESTS);
    let head = repo.commit_all("is_adult");
    (repo, base, head)
}

fn env() -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    std::env::vars_os()
        .filter(|(k, _)| k == "PATH" || k == "HOME")
        .collect()
}

#[test]
fn one_mutant_survives_and_the_others_are_killed() {
    if !tool_or_skip("python3") {
        return;
    }
    let (repo, base, head) = project();
    // A hook that would mark the working tree if any git call of the sampler ran it.
    repo.write(
        ".git/hooks/post-checkout",
        "#!/bin/sh\ntouch \"$(git rev-parse --show-toplevel)/HOOK-RAN\"\n",
    );
    std::process::Command::new("chmod")
        .args(["+x", ".git/hooks/post-checkout"])
        .current_dir(repo.path())
        .status()
        .map(|s| assert!(s.success()))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    let git = Git::discover(repo.path()).unwrap();
    let env = env();
    let cancel = AtomicBool::new(false);
    let settings = settings(10, 1);
    let run = MutationRun {
        repo: &git,
        base: &base,
        head: &head,
        settings: &settings,
        env: &env,
        cancel: &cancel,
    };
    let report = sample(&run);
    assert_eq!(report.problem, None);
    // `>=` → `<`, `18` → `19`, `return None`.
    assert_eq!(
        (report.candidates, report.run, report.killed),
        (3, 3, 2),
        "{report:?}"
    );
    assert_eq!(
        report.survivors,
        ["src/adult.py:2: shift constant: `return age >= 18` → `return age >= 19`"]
    );
    assert!(report.pass, "2/3 is above 0.5");
    assert!(
        report.line().contains("killed 2/3 sampled mutants"),
        "{}",
        report.line()
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/adult.py")).unwrap(),
        CODE
    );
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "the working tree is untouched"
    );
    assert!(!repo.path().join("HOOK-RAN").exists(), "no hook ran");
    assert!(
        !std::fs::read_dir(repo.path().join(".git/peers-scratch/peers-mutants"))
            .unwrap()
            .any(|e| e.is_ok_and(|e| e.file_name() == "HOOK-RAN")),
        "no hook ran in the scratch tree either"
    );

    // The same seed samples the same two mutants; the report is the same.
    let two = settings_run(&git, &base, &head, 2, 5);
    assert_eq!(two.run, 2);
    assert_eq!(
        settings_run(&git, &base, &head, 2, 5).survivors,
        two.survivors
    );
}

fn settings_run(
    git: &Git,
    base: &str,
    head: &str,
    mutants: usize,
    seed: u64,
) -> peers_core::soft_gates::mutation::MutationReport {
    let settings = settings(mutants, seed);
    let env = env();
    let cancel = AtomicBool::new(false);
    sample(&MutationRun {
        repo: git,
        base,
        head,
        settings: &settings,
        env: &env,
        cancel: &cancel,
    })
}

#[test]
fn failing_tests_and_no_change_are_reported_not_judged() {
    if !tool_or_skip("python3") {
        return;
    }
    let (repo, base, _) = project();
    repo.write(
        "tests/test_adult.py",
        &format!("{TESTS}assert is_adult(1)\n"),
    );
    let red = repo.commit_all("a red test");
    let git = Git::discover(repo.path()).unwrap();
    let report = settings_run(&git, &base, &red, 3, 0);
    assert!(!report.pass);
    assert!(
        report
            .problem
            .as_deref()
            .is_some_and(|p| p.starts_with("the tests fail without any mutation")),
        "{report:?}"
    );
    let nothing = settings_run(&git, &red, &red, 3, 0);
    assert!(nothing.pass, "nothing changed: nothing to judge");
    assert_eq!(nothing.candidates, 0);
}

#[test]
fn mutants_the_time_budget_leaves_unrun_are_counted_not_killed() {
    let (repo, base, head) = project();
    let git = Git::discover(repo.path()).unwrap();
    // 0.8 s per run in a 2 s budget: the unmutated run and at most one mutant fit.
    let settings = MutationSettings {
        test_command: "sleep 0.8".to_owned(),
        timeout_s: 2,
        ..settings(10, 0)
    };
    let env = env();
    let cancel = AtomicBool::new(false);
    let report = sample(&MutationRun {
        repo: &git,
        base: &base,
        head: &head,
        settings: &settings,
        env: &env,
        cancel: &cancel,
    });
    assert_eq!(report.problem, None);
    assert_eq!(report.run + report.not_run, 3, "{report:?}");
    assert!(report.not_run >= 2, "{report:?}");
    assert_eq!(
        report.killed, 0,
        "a mutant stopped by the budget is not killed: {report:?}"
    );
    assert!(
        report.line().contains("not run (time budget)"),
        "{}",
        report.line()
    );
}

#[test]
fn a_line_is_replaced_with_its_ending_kept() {
    assert_eq!(with_line(b"a\r\nb\nc", 1, "x"), Some(b"x\r\nb\nc".to_vec()));
    assert_eq!(with_line(b"a\nb\nc", 3, "x"), Some(b"a\nb\nx".to_vec()));
    assert_eq!(with_line(b"a\n", 2, "x"), None);
}
