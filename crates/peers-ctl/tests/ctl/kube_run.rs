//! The seed's workflow on the fake cluster with its fake Job controller and kubelet running the
//! real `peers run` (simulated peers): new → start → list and dashboard show it running → stop
//! (graceful: the loop saves and pushes, the volume is kept) → start resumes in a new Job → an
//! eviction mid-tick is replaced by a new pod that resumes with no tick record or handoff lost or
//! counted twice → complete. Along the way: the model keys and the git credential are absent
//! from the loop process's environment and mounts, and the remote holds the branch and a
//! `.peers/` snapshot equal to the volume's after the stop and at the end.
#![expect(
    clippy::unwrap_used,
    reason = "test steps: a failed step must stop the test"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::ctl::env::{CtlEnv, alive, last_stop, peers_bin, ticks};
use crate::ctl::fake_cluster::FakeCluster;
use crate::ctl::kube_cluster::{NS, project};
use crate::ctl::kubelet::Kubelet;

const MODEL_KEY: &str = "sk-ant-the-real-key-must-stay-in-the-proxy";
const GIT_TOKEN: &str = "ghp-the-real-git-token-must-stay-in-workspace";
const STATE_REF: &str = "refs/peers/far/state";

fn git(dir: &Path, env: &CtlEnv, args: &[&str]) -> String {
    peers_testkit::git_with_home(dir, &env.root().join("home"), args)
}

/// The loop process's environment, from /proc.
fn environ(pid: u32) -> Vec<String> {
    let bytes = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    bytes
        .split(|b| *b == 0)
        .filter(|v| !v.is_empty())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// Every file under `dir` that holds `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => {
                    let text = std::fs::read(&path).unwrap_or_default();
                    if String::from_utf8_lossy(&text).contains(needle) {
                        found.push(path.display().to_string());
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// The handoff commits on the volume's branch (the peers' work), oldest first.
fn handoffs(work: &Path, env: &CtlEnv) -> Vec<String> {
    git(
        work,
        env,
        &[
            "log",
            "--reverse",
            "--format=%H",
            "--grep=^Peer-Status: handoff",
        ],
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

/// Processes whose command line names `dir` (what the test started and must have ended).
fn processes_under(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            text.contains(&needle)
                .then(|| format!("{}: {text}", e.file_name().to_string_lossy()))
        })
        .collect()
}

/// Project `far` on the Kubernetes backend with two sim peers (250 ms turns, complete after 3
/// clean ticks); its `origin` is a bare repository given as a `file://` URL, as a cluster's
/// remote is a URL (the kubelet maps paths under the pod's mounts). Returns the remote's path.
fn sim_project(env: &CtlEnv, fake: &FakeCluster) -> PathBuf {
    let remote = project(env, fake);
    let repo = env.projects_root().join("far").canonicalize().unwrap();
    let url = format!("file://{}", remote.display());
    git(&repo, env, &["remote", "set-url", "origin", &url]);
    env.sim_peers(&repo, "far", 250, 3);
    remote
}

/// No tick record or handoff lost or counted twice: iterations 1..n once each, no commit in two
/// tick records, every handoff on the branch in one.
fn assert_ledger_whole(ticks: &[Value], handoffs: &[String]) {
    let iterations: Vec<u64> = ticks
        .iter()
        .map(|t| t["iteration"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = (1..=iterations.len() as u64).collect();
    assert_eq!(iterations, expected, "tick iterations are 1..n, once each");
    let recorded: Vec<String> = ticks
        .iter()
        .flat_map(|t| t["commits"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    let unique: BTreeSet<&String> = recorded.iter().collect();
    assert_eq!(unique.len(), recorded.len(), "a commit in two tick records");
    for handoff in handoffs {
        assert!(
            recorded.contains(handoff),
            "handoff {handoff} is in no tick record"
        );
    }
}

/// Every process the test started (all name its temp dir) has ended.
fn assert_nothing_left(root: &Path) {
    let _ = peers_testkit::wait_until(Duration::from_secs(5), || processes_under(root).is_empty());
    let left = processes_under(root);
    assert!(left.is_empty(), "processes left running: {left:#?}");
}

/// The pods' statuses and logs, for a failure's message.
fn cluster_dump(fake: &FakeCluster) -> String {
    let pods = fake.objects(&format!("{NS}/pods"));
    let logs = fake.store.lock().unwrap().logs.clone();
    let mut out = String::new();
    for pod in pods {
        let name = pod["metadata"]["name"].as_str().unwrap_or("?").to_owned();
        out.push_str(&format!("pod {name}: {:#}\n", pod["status"]));
        for line in logs.get(&name).into_iter().flatten() {
            out.push_str(&format!("  | {line}\n"));
        }
    }
    out
}

/// [`wait_for`] that shows the cluster when it times out.
fn wait_on(fake: &FakeCluster, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{}",
            cluster_dump(fake)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_run_starts_stops_resumes_survives_an_eviction_and_completes_on_the_fake_kubelet() {
    let begun = Instant::now();
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    let remote = sim_project(&env, &fake);
    let secrets = format!("{NS}/secrets");
    fake.put(
        &secrets,
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "peers-model-keys"},
               "stringData": {"ANTHROPIC_API_KEY": MODEL_KEY, "OPENAI_API_KEY": MODEL_KEY}}),
    );
    fake.put(
        &secrets,
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "peers-git"},
               "stringData": {"credentials": format!("https://peers:{GIT_TOKEN}@git.example\n")}}),
    );
    let node = env.root().join("node");
    let kubelet = Kubelet::start(&fake, &node, &peers_bin());
    let work = kubelet.volume("peers-far-work").join("repo");

    // start: the Job's pod clones the remote, restores .peers/ and runs the loop.
    env.ok(&["start", "far", "--max-ticks", "60"]);
    wait_on(&fake, "the first pod's loop", || {
        kubelet.running_pod().is_some()
    });
    let first = kubelet.running_pod().unwrap();
    assert!(first.starts_with("peers-far-1-"), "{first}");
    assert_eq!(
        env.row("far")["state"],
        "running",
        "{}",
        cluster_dump(&fake)
    );
    let dashboard: Vec<Value> =
        serde_json::from_str(&env.ok(&["dashboard", "--json"]).stdout).unwrap();
    assert_eq!(
        dashboard[0]["state"],
        "running",
        "{dashboard:#?}\n{}",
        cluster_dump(&fake)
    );

    // The credentials are in the proxy's and the workspace's reach only.
    let pid = kubelet.loop_pid(&first).unwrap();
    let vars = environ(pid);
    assert!(
        vars.iter().any(|v| v == "PEERS_K8S_RUN=far"),
        "this is the loop's environment: {vars:#?}"
    );
    assert!(
        vars.iter()
            .any(|v| v == "ANTHROPIC_API_KEY=peers-proxy-injects-the-key"),
        "{vars:#?}"
    );
    for var in &vars {
        assert!(
            !var.contains(MODEL_KEY) && !var.contains(GIT_TOKEN) && !var.contains("peers-git"),
            "a credential in the loop's environment: {var}"
        );
    }
    let loop_mounts = [
        kubelet.volume("peers-far-work"),
        node.join(format!("pods/{first}/volumes/tmp")),
        node.join(format!("pods/{first}/volumes/home")),
    ];
    for mount in &loop_mounts {
        assert!(mount.is_dir(), "{}", mount.display());
        for secret in [MODEL_KEY, GIT_TOKEN] {
            let found = files_holding(mount, secret);
            assert!(
                found.is_empty(),
                "a credential in the loop's mounts: {found:?}"
            );
        }
    }

    wait_on(&fake, "two ticks", || ticks(&work).len() >= 2);
    // The loop pushes after every tick: the remote's state ref follows.
    wait_on(&fake, "the state ref on the remote", || {
        let out = peers_testkit::hermetic_command("git", &env.root().join("home"))
            .current_dir(&remote)
            .args(["show", &format!("{STATE_REF}:.peers/log/runs.jsonl")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("\"event\":\"tick\"")
    });

    // stop: the Job is deleted; its pod gets SIGTERM, the loop saves and pushes, then exits.
    let stop = env.ok(&["stop", "far", "--grace-s", "20"]);
    // The reason comes from the loop's termination message, not the log's tail.
    assert!(
        stop.stdout.starts_with("Stopped 'far' (interrupted "),
        "{}",
        stop.combined()
    );
    assert!(!alive(pid), "the loop ended with its pod");
    assert_eq!(last_stop(&work), "interrupted");
    assert_eq!(env.row("far")["state"], "stopped");
    let at_stop = ticks(&work);
    let log = std::fs::read_to_string(work.join(".peers/log/runs.jsonl")).unwrap();
    let pushed = git(
        &remote,
        &env,
        &["show", &format!("{STATE_REF}:.peers/log/runs.jsonl")],
    );
    assert_eq!(pushed, log, "the stop pushed the whole run log");
    let branch_head = git(&work, &env, &["rev-parse", "HEAD"]);
    let remote_head = git(&remote, &env, &["rev-parse", "refs/heads/main"]);
    assert_eq!(
        remote_head.trim(),
        branch_head.trim(),
        "the branch was pushed"
    );

    // start again: a new Job on the same volume resumes.
    env.ok(&["start", "far", "--max-ticks", "60"]);
    wait_on(&fake, "the second session's loop", || {
        kubelet
            .running_pod()
            .is_some_and(|p| p.starts_with("peers-far-2-"))
    });
    let second = kubelet.running_pod().unwrap();
    wait_on(&fake, "a tick in flight after the resume", || {
        ticks(&work).len() > at_stop.len() && work.join(".peers/live.json").is_file()
    });

    // An eviction mid-tick: the pod fails with DisruptionTarget, the Job replaces it.
    let before_ticks = ticks(&work);
    let before_handoffs = handoffs(&work, &env);
    let second_pid = kubelet.loop_pid(&second).unwrap();
    kubelet.evict(&second);
    wait_on(&fake, "a replacement pod", || {
        kubelet.running_pod().is_some_and(|p| p != second)
    });
    assert!(!alive(second_pid));
    let replacement = kubelet.running_pod().unwrap();
    assert!(
        replacement.starts_with("peers-far-2-"),
        "the same Job replaces it (podFailurePolicy Ignore): {replacement}"
    );
    let evicted = fake
        .objects(&format!("{NS}/pods"))
        .into_iter()
        .find(|p| p["metadata"]["name"] == second.as_str())
        .unwrap();
    assert_eq!(evicted["status"]["reason"], "Evicted", "{evicted:#}");

    wait_on(&fake, "completion", || {
        env.row("far")["state"] == "complete"
    });
    assert_eq!(last_stop(&work), "complete");

    // No tick record or handoff lost or counted twice across the stop and the eviction.
    let after_ticks = ticks(&work);
    assert_eq!(
        &after_ticks[..before_ticks.len()],
        &before_ticks[..],
        "the records before the eviction are kept as they were"
    );
    let after_handoffs = handoffs(&work, &env);
    assert_eq!(
        &after_handoffs[..before_handoffs.len()],
        &before_handoffs[..],
        "no handoff lost"
    );
    assert_ledger_whole(&after_ticks, &after_handoffs);

    // The remote holds the end: the branch and the complete record.
    let log = std::fs::read_to_string(work.join(".peers/log/runs.jsonl")).unwrap();
    wait_on(&fake, "the final push", || {
        let out = peers_testkit::hermetic_command("git", &env.root().join("home"))
            .current_dir(&remote)
            .args(["show", &format!("{STATE_REF}:.peers/log/runs.jsonl")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout) == log
    });
    let remote_head = git(&remote, &env, &["rev-parse", "refs/heads/main"]);
    let branch_head = git(&work, &env, &["rev-parse", "HEAD"]);
    assert_eq!(remote_head.trim(), branch_head.trim());
    assert!(
        !log.contains("state_push_failed"),
        "every push of the loop got through: {log}"
    );

    drop(kubelet);
    assert_nothing_left(env.root());
    assert!(
        begun.elapsed() < Duration::from_secs(60),
        "the test took {:?}",
        begun.elapsed()
    );
}

/// `peers run --push-state` without a reachable remote: each failed push is a note and a
/// `state_push_failed` record, the run goes on; the next run (here through `PEERS_K8S_RUN`, as
/// a pod sets it) pushes everything, those records included.
#[test]
fn a_failed_state_push_is_recorded_and_the_next_push_sends_everything() {
    let env = CtlEnv::new();
    let repo = env.sim_project("solo", 50, 1);
    let remote = env.root().join("later.git");
    let url = format!("file://{}", remote.display());
    git(&repo, &env, &["remote", "add", "origin", &url]);
    let run = |args: &[&str], k8s_run: Option<&str>| {
        let mut command = env.command(&peers_bin());
        command.current_dir(&repo).args(args);
        if let Some(run) = k8s_run {
            command.env("PEERS_K8S_RUN", run);
        }
        command.output().unwrap()
    };

    let bad = run(&["run", "--max-ticks", "1", "--push-state", "a/b"], None);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--push-state a/b"),
        "{bad:?}"
    );

    let first = run(&["run", "--max-ticks", "1", "--push-state", "solo"], None);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(first.status.code(), Some(0), "{text}");
    assert!(
        text.contains("could not push the branch and refs/peers/solo/state"),
        "{text}"
    );
    let records: Vec<Value> = std::fs::read_to_string(repo.join(".peers/log/runs.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let failed: Vec<&Value> = records
        .iter()
        .filter(|r| r["event"] == "state_push_failed")
        .collect();
    assert_eq!(
        failed.len(),
        2,
        "after the tick and at the stop: {records:#?}"
    );
    assert_eq!(failed[0]["moment"], "tick 1");
    assert_eq!(failed[0]["state_ref"], "refs/peers/solo/state");
    assert!(
        failed[0]["error"].as_str().unwrap().contains("push"),
        "{failed:#?}"
    );
    assert!(
        !records
            .iter()
            .any(|r| r["event"] == "state_push_failed" && r["iteration"].is_number()),
        "a push record must not look like a tick"
    );

    peers_testkit::git(env.root(), &["init", "--quiet", "--bare", "later.git"]);
    let second = run(&["run", "--max-ticks", "1"], Some("solo"));
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    let log = std::fs::read_to_string(repo.join(".peers/log/runs.jsonl")).unwrap();
    let pushed = git(
        &remote,
        &env,
        &["show", "refs/peers/solo/state:.peers/log/runs.jsonl"],
    );
    assert_eq!(
        pushed, log,
        "the whole log, the failed pushes' records included"
    );
    assert!(pushed.contains("state_push_failed"));
    let files = git(
        &remote,
        &env,
        &["ls-tree", "-r", "--name-only", "refs/peers/solo/state"],
    );
    assert!(files.lines().any(|f| f == ".peers/state.json"), "{files}");
    assert!(
        !files
            .lines()
            .any(|f| f.starts_with(".peers/cache/") || f == ".peers/run.lock"),
        "{files}"
    );
    let head = git(&repo, &env, &["rev-parse", "HEAD"]);
    let branch = git(&repo, &env, &["symbolic-ref", "--short", "HEAD"]);
    let on_remote = git(
        &remote,
        &env,
        &["rev-parse", &format!("refs/heads/{}", branch.trim())],
    );
    assert_eq!(on_remote.trim(), head.trim());
    assert_eq!(
        git(&repo, &env, &["status", "--porcelain"]).trim(),
        "",
        "the push left the working tree and index alone"
    );
}

/// A node lost with its local volume mid-tick: the replacement pod starts on an empty volume,
/// clones the branch and restores `.peers/` from the state ref the loop pushed after each tick,
/// and the run completes. What the remote had is all kept; only the tick in flight is redone.
#[test]
fn losing_the_volume_mid_tick_resumes_from_the_remote_and_loses_only_that_tick() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    let remote = sim_project(&env, &fake);
    let kubelet = Kubelet::start(&fake, &env.root().join("node"), &peers_bin());
    let work = kubelet.volume("peers-far-work").join("repo");
    env.ok(&["start", "far", "--max-ticks", "60"]);
    wait_on(&fake, "two ticks and a third in flight", || {
        ticks(&work).len() >= 2 && work.join(".peers/live.json").is_file()
    });
    let pod = kubelet.running_pod().unwrap();
    kubelet.lose_node(&pod);
    wait_on(&fake, "a replacement pod", || {
        kubelet.running_pod().is_some_and(|p| p != pod)
    });
    // What the remote holds now is what the new pod starts from.
    let pushed_log = git(
        &remote,
        &env,
        &["show", &format!("{STATE_REF}:.peers/log/runs.jsonl")],
    );
    let pushed_ticks: Vec<Value> = pushed_log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["event"] == "tick")
        .collect();
    // The push after the last tick may have been cut off with the node: at least one landed.
    assert!(!pushed_ticks.is_empty(), "{pushed_log}");
    let pushed_head = git(&remote, &env, &["rev-parse", "refs/heads/main"]);

    wait_on(&fake, "completion", || {
        env.row("far")["state"] == "complete"
    });
    let after = ticks(&work);
    assert_eq!(
        &after[..pushed_ticks.len()],
        &pushed_ticks[..],
        "every pushed tick record is kept"
    );
    let history = git(&work, &env, &["rev-list", "HEAD"]);
    assert!(
        history.lines().any(|c| c == pushed_head.trim()),
        "the pushed branch is in the resumed history"
    );
    assert_ledger_whole(&after, &handoffs(&work, &env));
    drop(kubelet);
    assert_nothing_left(env.root());
}
