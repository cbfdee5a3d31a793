//! Tests of the gate runner against real `/bin/sh` commands in a temp repository.

use crate::verdict::Verdict;
use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::cache::{CacheKey, GateCache};

fn settings(repo: &Path) -> RunnerSettings {
    let env = vec![(OsString::from("PATH"), OsString::from("/usr/bin:/bin"))];
    let mut settings = RunnerSettings::new(repo, env);
    settings.grace = Duration::from_millis(300);
    settings
}

fn exit_zero() -> Judge {
    Arc::new(|result: &CommandResult| Ok(result.exit_code == Some(0)))
}

fn command(id: &str, cmd: &str) -> GateJob {
    command_with(id, cmd, exit_zero())
}

fn command_with(id: &str, cmd: &str, judge: Judge) -> GateJob {
    GateJob {
        id: id.to_owned(),
        work: GateWork::Command {
            cmd: cmd.to_owned(),
            timeout: Duration::from_secs(20),
            judge,
        },
        retry_on_fail: 0,
        cache: None,
    }
}

fn in_process(id: &str, pass: bool) -> GateJob {
    let diagnostic = format!("{id} checked");
    GateJob {
        id: id.to_owned(),
        work: GateWork::InProcess {
            check: Arc::new(move |_: &crate::budget::GateBudget| Verdict {
                pass,
                diagnostic: diagnostic.clone(),
            }),
            timeout: Duration::from_secs(20),
        },
        retry_on_fail: 0,
        cache: None,
    }
}

#[test]
fn gates_run_in_parallel_up_to_the_concurrency() {
    let repo = tempfile::tempdir().unwrap();
    let mut settings = settings(repo.path());
    settings.concurrency = 5;
    let jobs = (0..5)
        .map(|index| command(&format!("g{index}"), "sleep 0.5"))
        .collect();
    let started = Instant::now();
    let results = run_gates(jobs, &settings, None);
    let elapsed = started.elapsed();
    assert!(results.iter().all(|result| result.pass), "{results:?}");
    assert!(
        elapsed < Duration::from_secs(2),
        "5 × 0.5 s took {elapsed:?}"
    );
}

#[test]
fn concurrency_one_runs_gates_one_at_a_time() {
    let repo = tempfile::tempdir().unwrap();
    let mut settings = settings(repo.path());
    settings.concurrency = 1;
    let jobs = (0..3)
        .map(|index| command(&format!("g{index}"), "sleep 0.3"))
        .collect();
    let started = Instant::now();
    run_gates(jobs, &settings, None);
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[test]
fn results_come_back_in_input_order_not_completion_order() {
    let repo = tempfile::tempdir().unwrap();
    let mut settings = settings(repo.path());
    settings.concurrency = 4;
    let ids = ["slow", "medium", "fast", "inline"];
    let mut jobs: Vec<GateJob> = [0.6, 0.3, 0.0]
        .iter()
        .zip(ids)
        .map(|(delay, id)| {
            let want = id.to_owned();
            let judge: Judge =
                Arc::new(move |result: &CommandResult| Ok(result.stdout.trim() == want));
            command_with(id, &format!("sleep {delay}; echo {id}"), judge)
        })
        .collect();
    jobs.push(in_process("inline", true));
    let results = run_gates(jobs, &settings, None);
    let got: Vec<&str> = results.iter().map(|result| result.id.as_str()).collect();
    assert_eq!(got, ids);
    assert!(results.iter().all(|result| result.pass), "{results:?}");
}

#[test]
fn failing_gate_is_retried_and_the_first_pass_wins() {
    let repo = tempfile::tempdir().unwrap();
    let script = "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 2 ]";
    let mut job = command("flaky", script);
    job.retry_on_fail = 3;
    let results = run_gates(vec![job], &settings(repo.path()), None);
    assert!(results[0].pass, "{results:?}");
    assert_eq!(results[0].attempts, 2);
    assert!(
        results[0].diagnostic.ends_with("passed on attempt 2"),
        "{results:?}"
    );
    let count = std::fs::read_to_string(repo.path().join("count")).unwrap();
    assert_eq!(count.trim(), "2", "no run after the first pass");
}

#[test]
fn retries_stop_after_retry_on_fail_extra_attempts() {
    let repo = tempfile::tempdir().unwrap();
    let mut job = command("broken", "echo x >> runs; exit 1");
    job.retry_on_fail = 2;
    let results = run_gates(vec![job], &settings(repo.path()), None);
    assert!(!results[0].pass);
    assert_eq!(results[0].attempts, 3);
    assert!(results[0].diagnostic.ends_with("failed all 3 attempts"));
    let runs = std::fs::read_to_string(repo.path().join("runs")).unwrap();
    assert_eq!(runs.lines().count(), 3);
}

#[test]
fn fail_diagnostic_names_exit_code_and_escaped_tails() {
    let repo = tempfile::tempdir().unwrap();
    let job = command("tests", "echo 'line 1'; echo \"it's bad\" >&2; exit 4");
    let results = run_gates(vec![job], &settings(repo.path()), None);
    assert_eq!(
        results[0].diagnostic,
        r"pass_when returned false; exit_code=4; stdout-tail='line 1\n'; stderr-tail='it\'s bad\n'"
    );
    assert!(!results[0].timed_out && !results[0].truncated);
}

#[test]
fn judge_error_is_reported_as_pass_when_error() {
    let repo = tempfile::tempdir().unwrap();
    let judge: Judge = Arc::new(|_: &CommandResult| {
        Err(peers_pass_when::EvalError::At {
            column: 1,
            failure: peers_pass_when::EvalFailure::Json {
                path: "report.json".to_owned(),
                source: peers_pass_when::JsonLoadError::Unreadable("json file missing".into()),
            },
        })
    });
    let results = run_gates(
        vec![command_with("j", "true", judge)],
        &settings(repo.path()),
        None,
    );
    assert!(!results[0].pass);
    assert!(
        results[0].diagnostic.starts_with(
            "pass_when error: column 1: json(\"report.json\"): json file missing; \
                 exit_code=0; stdout-tail=''"
        ),
        "{results:?}"
    );
}

#[test]
fn panicking_judge_fails_its_gate_only() {
    let repo = tempfile::tempdir().unwrap();
    let judge: Judge = Arc::new(|_: &CommandResult| panic!("judge bug"));
    let jobs = vec![command_with("bad", "true", judge), command("good", "true")];
    let results = run_gates(jobs, &settings(repo.path()), None);
    assert!(
        !results[0].pass
            && results[0]
                .diagnostic
                .starts_with("pass_when panicked: judge bug")
    );
    assert!(results[1].pass);
}

#[test]
fn timeout_is_a_fail_with_the_timeout_and_tails() {
    let repo = tempfile::tempdir().unwrap();
    let mut job = command("hang", "echo started; sleep 30");
    job.work = GateWork::Command {
        cmd: "echo started; sleep 30".to_owned(),
        timeout: Duration::from_millis(300),
        judge: Arc::new(|_: &CommandResult| Ok(true)),
    };
    let started = Instant::now();
    let results = run_gates(vec![job], &settings(repo.path()), None);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(!results[0].pass && results[0].timed_out);
    assert_eq!(
        results[0].diagnostic,
        r"timed out after 0.3s; stdout-tail='started\n'; stderr-tail=''"
    );
}

#[test]
fn judge_sees_exit_code_stdout_and_stderr() {
    let repo = tempfile::tempdir().unwrap();
    let judge: Judge = Arc::new(|result: &CommandResult| {
        Ok(result.exit_code == Some(2) && result.stdout == "out\n" && result.stderr == "err\n")
    });
    let job = command_with("seen", "echo out; echo err >&2; exit 2", judge);
    let results = run_gates(vec![job], &settings(repo.path()), None);
    assert!(results[0].pass, "{results:?}");
    assert_eq!(
        results[0].diagnostic,
        "pass_when returned true; exit_code=2"
    );
}

#[test]
fn truncated_output_is_flagged_and_noted() {
    let repo = tempfile::tempdir().unwrap();
    let mut settings = settings(repo.path());
    settings.capture_cap = 100;
    let results = run_gates(vec![command("big", "seq 1 10000; exit 1")], &settings, None);
    assert!(results[0].truncated);
    assert!(
        results[0]
            .diagnostic
            .contains("stdout truncated (100 of 48894 bytes kept)"),
        "{results:?}"
    );
}

#[test]
fn missing_repository_is_a_clear_failure() {
    let settings = settings(Path::new("/nonexistent/peers-repo"));
    let results = run_gates(vec![command("any", "true")], &settings, None);
    assert!(!results[0].pass);
    assert!(
        results[0]
            .diagnostic
            .starts_with("could not run gate command: working directory `/nonexistent/peers-repo`")
    );
}

#[test]
fn in_process_gates_report_their_verdict() {
    let repo = tempfile::tempdir().unwrap();
    let jobs = vec![in_process("yes", true), in_process("no", false)];
    let results = run_gates(jobs, &settings(repo.path()), None);
    assert!(results[0].pass && !results[1].pass);
    assert_eq!(results[1].diagnostic, "no checked");
    assert_eq!(results[1].attempts, 1);
}

fn counted(id: &str, tree: &str) -> GateJob {
    let cmd = format!("echo run >> {id}.runs");
    let mut job = command(id, &cmd);
    job.cache = Some(CacheKey::for_command(tree, &cmd, Duration::from_secs(20)));
    job
}

fn runs(repo: &Path, id: &str) -> usize {
    std::fs::read_to_string(repo.join(format!("{id}.runs"))).map_or(0, |text| text.lines().count())
}

#[test]
fn cached_pass_under_the_same_key_is_not_run_again() {
    let repo = tempfile::tempdir().unwrap();
    let settings = settings(repo.path());
    let mut cache = GateCache::new();
    let first = run_gates(vec![counted("a", "tree1")], &settings, Some(&mut cache));
    assert!(first[0].pass && !first[0].cached);
    let second = run_gates(vec![counted("a", "tree1")], &settings, Some(&mut cache));
    assert_eq!(runs(repo.path(), "a"), 1);
    assert!(second[0].pass && second[0].cached);
    assert_eq!(second[0].duration, Duration::ZERO);
    assert_eq!(
        second[0].diagnostic,
        "pass_when returned true; exit_code=0 [cached]"
    );
}

#[test]
fn changed_tree_misses_the_cache() {
    let repo = tempfile::tempdir().unwrap();
    let settings = settings(repo.path());
    let mut cache = GateCache::new();
    run_gates(vec![counted("a", "tree1")], &settings, Some(&mut cache));
    let results = run_gates(vec![counted("a", "tree2")], &settings, Some(&mut cache));
    assert!(!results[0].cached);
    assert_eq!(runs(repo.path(), "a"), 2);
}

#[test]
fn fail_evicts_the_cached_pass() {
    let repo = tempfile::tempdir().unwrap();
    let settings = settings(repo.path());
    let mut cache = GateCache::new();
    run_gates(vec![counted("a", "tree1")], &settings, Some(&mut cache));
    let mut failing = command("a", "exit 1");
    failing.cache = Some(CacheKey::for_command(
        "tree2",
        "exit 1",
        Duration::from_secs(20),
    ));
    let failed = run_gates(vec![failing], &settings, Some(&mut cache));
    assert!(!failed[0].pass);
    assert!(cache.is_empty());
    let again = run_gates(vec![counted("a", "tree1")], &settings, Some(&mut cache));
    assert!(!again[0].cached);
    assert_eq!(runs(repo.path(), "a"), 2);
}

#[test]
fn jobs_without_a_key_are_neither_cached_nor_recorded() {
    let repo = tempfile::tempdir().unwrap();
    let mut cache = GateCache::new();
    run_gates(
        vec![command("plain", "true")],
        &settings(repo.path()),
        Some(&mut cache),
    );
    assert!(cache.is_empty());
}

#[test]
fn empty_batch_returns_nothing() {
    let repo = tempfile::tempdir().unwrap();
    assert!(run_gates(Vec::new(), &settings(repo.path()), None).is_empty());
}

#[test]
fn the_judge_sees_head_and_tail_with_the_omission_marked() {
    let repo = tempfile::tempdir().unwrap();
    let mut settings = settings(repo.path());
    settings.capture_cap = 100;
    let judge: Judge = Arc::new(|result: &CommandResult| {
        let Some(omission) = result.stdout_omission.as_ref() else {
            return Ok(false);
        };
        Ok(result.stdout.starts_with("1\n")
            && result.stdout.ends_with("10000\n")
            && result.stdout.contains(&omission.marker)
            && omission.omitted_bytes > 48_000
            && result.stderr_omission.is_none())
    });
    let results = run_gates(
        vec![command_with("big", "seq 1 10000", judge)],
        &settings,
        None,
    );
    assert!(results[0].pass, "{results:?}");
}

#[test]
fn a_judge_that_does_not_finish_fails_within_the_gate_budget() {
    let repo = tempfile::tempdir().unwrap();
    let judge: Judge = Arc::new(|_: &CommandResult| {
        std::thread::sleep(Duration::from_secs(30));
        Ok(true)
    });
    let mut job = command_with("slow-judge", "true", judge);
    job.work = match job.work {
        GateWork::Command { cmd, judge, .. } => GateWork::Command {
            cmd,
            timeout: Duration::from_secs(1),
            judge,
        },
        other => other,
    };
    let started = Instant::now();
    let results = run_gates(vec![job], &settings(repo.path()), None);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!results[0].pass);
    assert!(
        results[0]
            .diagnostic
            .contains("did not finish within the gate's time budget"),
        "{results:?}"
    );
}

fn in_process_with(id: &str, timeout: Duration, check: InProcessCheck) -> GateJob {
    GateJob {
        id: id.to_owned(),
        work: GateWork::InProcess { check, timeout },
        retry_on_fail: 0,
        cache: None,
    }
}

/// Regression: `bug-hunt-clean` ran 104.7 s with `timeout_s: 2`; built-in gates ignored
/// their timeout. A gate that never looks at its budget is given up on at the deadline.
#[test]
fn a_built_in_gate_that_overruns_is_reported_at_its_deadline_with_its_activity() {
    let repo = tempfile::tempdir().unwrap();
    let stuck: InProcessCheck = Arc::new(|budget: &crate::budget::GateBudget| {
        budget.doing("reading 40000 bug reports");
        std::thread::sleep(Duration::from_secs(30));
        Verdict {
            pass: true,
            diagnostic: String::new(),
        }
    });
    let started = Instant::now();
    let results = run_gates(
        vec![in_process_with(
            "bug-hunt-clean",
            Duration::from_secs(1),
            stuck,
        )],
        &settings(repo.path()),
        None,
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(!results[0].pass);
    assert!(results[0].timed_out);
    assert_eq!(
        results[0].diagnostic,
        "built-in gate `bug-hunt-clean` timed out after 1s (timeout_s) while reading 40000 bug \
         reports; hint: raise the goal's timeout_s in goals.yaml if this work is legitimately slow"
    );
}

#[test]
fn a_built_in_gate_that_watches_its_budget_reports_on_its_own() {
    let repo = tempfile::tempdir().unwrap();
    let cooperative: InProcessCheck = Arc::new(|budget: &crate::budget::GateBudget| {
        while !budget.expired() {
            std::thread::sleep(Duration::from_millis(5));
        }
        Verdict {
            pass: false,
            diagnostic: format!("stopped at the deadline, {:?} left", budget.remaining()),
        }
    });
    let results = run_gates(
        vec![in_process_with(
            "scan",
            Duration::from_millis(300),
            cooperative,
        )],
        &settings(repo.path()),
        None,
    );
    assert_eq!(results[0].diagnostic, "stopped at the deadline, 0ns left");
    assert!(!results[0].timed_out);
}

/// Ctrl-C during a batch: a command gate's group is stopped, a built-in gate is no longer
/// waited for, nothing retries, and the batch returns within moments.
#[test]
fn a_cancelled_batch_returns_at_once() {
    let repo = tempfile::tempdir().unwrap();
    let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut settings = settings(repo.path());
    settings.cancel = Some(Arc::clone(&cancel));
    let slow_builtin = GateJob {
        id: "slow-builtin".to_owned(),
        work: GateWork::InProcess {
            check: Arc::new(|_: &crate::budget::GateBudget| {
                std::thread::sleep(Duration::from_secs(30));
                Verdict {
                    pass: true,
                    diagnostic: String::new(),
                }
            }),
            timeout: Duration::from_secs(60),
        },
        retry_on_fail: 3,
        cache: None,
    };
    let mut slow_command = command("slow-command", "sleep 60");
    slow_command.retry_on_fail = 3;
    let flag = Arc::clone(&cancel);
    let trigger = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let started = Instant::now();
    let results = run_gates(vec![slow_builtin, slow_command], &settings, None);
    trigger.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(settings.cancelled());
    for result in &results {
        assert!(!result.pass, "{result:?}");
        assert_eq!(result.attempts, 1, "no retry after Ctrl-C: {result:?}");
        assert!(result.diagnostic.contains("interrupted"), "{result:?}");
    }
}
