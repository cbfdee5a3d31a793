//! The Kubernetes backend through the CLI: `new`/`add --backend kubernetes` record the target in
//! the registry, kubernetes flags on a local project are refused, and `start --dry-run` prints
//! the run's objects planned from the repository's remote and branch.

use crate::ctl::env::CtlEnv;
use serde_json::Value;

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .status()
        .is_ok_and(|status| status.success());
    assert!(ok, "git {args:?}");
}

#[test]
fn add_records_the_kubernetes_target_and_local_entries_stay_unchanged() {
    let env = CtlEnv::new();
    let dir = env.root().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    let local = env.root().join("local");
    std::fs::create_dir_all(&local).unwrap();
    env.ok(&["add", local.to_str().unwrap(), "--name", "here"]);
    env.ok(&[
        "add",
        dir.to_str().unwrap(),
        "--name",
        "far",
        "--backend",
        "kubernetes",
        "--kube-context",
        "kind-peers",
        "--namespace",
        "team-a",
        "--kueue-queue",
        "batch",
    ]);
    let registry = env.registry();
    let projects = registry["projects"].as_array().unwrap();
    assert!(projects[0].get("backend").is_none(), "{registry:#}");
    let backend = &projects[1]["backend"];
    assert_eq!(backend["kind"], "kubernetes");
    assert_eq!(backend["context"], "kind-peers");
    assert_eq!(backend["namespace"], "team-a");
    assert_eq!(backend["queue"], "batch");
    assert_eq!(env.row("far")["backend"], "kubernetes");
    assert_eq!(env.row("here")["backend"], "local");
}

#[test]
fn kubernetes_flags_need_the_kubernetes_backend_and_a_valid_namespace() {
    let env = CtlEnv::new();
    let dir = env.root().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    let out = env.ctl(&["add", dir.to_str().unwrap(), "--namespace", "x"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr.contains("--backend kubernetes"),
        "{}",
        out.stderr
    );
    let out = env.ctl(&[
        "add",
        dir.to_str().unwrap(),
        "--backend",
        "kubernetes",
        "--namespace",
        "Team_A",
    ]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(out.stderr.contains("--namespace"), "{}", out.stderr);
    assert!(!env.config_dir().join("registry.json").exists());
}

#[test]
fn start_dry_run_prints_the_objects_from_the_remote_and_branch() {
    let env = CtlEnv::new();
    let remote = "https://git.example/me/far.git";
    let out = env.ctl(&[
        "new",
        "Far_Away",
        "--backend",
        "kubernetes",
        "--namespace",
        "team-a",
        "--image",
        "registry.example/peers:7",
    ]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let repo = env.projects_root().join("Far_Away");
    let out = env.ctl(&["start", "Far_Away", "--dry-run"]);
    assert_eq!(out.code, 2, "no remote yet: {}", out.combined());
    assert!(out.stderr.contains("origin"), "{}", out.stderr);
    git(&repo, &["remote", "add", "origin", remote]);
    let podman = env.ctl(&["start", "Far_Away", "--dry-run", "--container"]);
    assert_eq!(podman.code, 2, "{}", podman.combined());
    let out = env.ok(&["start", "Far_Away", "--dry-run", "--max-runtime", "1h"]);
    let list: Value = serde_json::from_str(&out.stdout).unwrap();
    let items = list["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["ConfigMap", "NetworkPolicy", "PersistentVolumeClaim", "Job"]
    );
    let job = &items[3];
    let run = job["metadata"]["labels"]["peers.dev/run"].as_str().unwrap();
    assert!(run.starts_with("far-away-"), "{run}");
    assert_eq!(job["metadata"]["name"], format!("peers-{run}-1"));
    assert_eq!(job["metadata"]["namespace"], "team-a");
    assert_eq!(job["spec"]["activeDeadlineSeconds"], 3600 + 600);
    let pod = &job["spec"]["template"]["spec"];
    let init = |name: &str| {
        pod["initContainers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let workspace = &init("workspace");
    let env_of = |container: &Value, name: &str| {
        container["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .map(|v| v["value"].clone())
    };
    // The pod reaches the https remote through the proxy sidecar's git relay.
    assert_eq!(
        env_of(workspace, "PEERS_REMOTE"),
        Some("http://127.0.0.1:8081/me/far.git".into())
    );
    let relay = init("proxy")["command"].to_string();
    assert!(
        relay.contains(&format!(r#""--git-remote","{remote}""#)),
        "{relay}"
    );
    let branch = env_of(workspace, "PEERS_BRANCH").unwrap();
    assert!(branch == "main" || branch == "master", "{branch}");
    assert_eq!(pod["containers"][0]["image"], "registry.example/peers:7");
    // Nothing was recorded (and with no kubeconfig here, the state is unknown, not guessed).
    let backend = &env.registry()["projects"][0]["backend"];
    assert_eq!(backend["generation"], 0, "{backend:#}");
    assert!(backend.get("job_uid").is_none(), "{backend:#}");
    assert_eq!(env.row("Far_Away")["state"], "unknown");
}

#[test]
fn dry_run_is_refused_for_a_local_project() {
    let env = CtlEnv::new();
    let dir = env.root().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    env.ok(&["add", dir.to_str().unwrap(), "--name", "here"]);
    let out = env.ctl(&["start", "here", "--dry-run"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(out.stderr.contains("--dry-run"), "{}", out.stderr);
}
