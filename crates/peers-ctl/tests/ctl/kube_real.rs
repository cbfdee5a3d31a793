//! The Kubernetes backend against a real cluster, skipped unless `PEERS_K8S_E2E_KUBECONFIG`
//! names a kubeconfig (kind or k3d; see README, "Testing on a real cluster"). The same lifecycle
//! as the fake-cluster tests: start applies the objects, the cluster schedules the Job, stop
//! deletes it and keeps the volume, start resumes as the next Job. Optional:
//! `PEERS_K8S_E2E_CONTEXT`, `PEERS_K8S_E2E_NAMESPACE` (default `peers-e2e`, must exist),
//! `PEERS_K8S_E2E_IMAGE` (default `localhost/peers:latest`). Required with the kubeconfig:
//! `PEERS_K8S_E2E_REMOTE`, a git URL this machine can push to and the cluster can clone (an
//! empty repository: the test pushes a new project's branch to it).

use std::time::{Duration, Instant};

use crate::ctl::env::CtlEnv;

fn var(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[test]
#[ignore = "needs a real cluster: set PEERS_K8S_E2E_KUBECONFIG and run with --ignored"]
fn real_cluster_start_stop_resume() {
    let (Ok(kubeconfig), Ok(remote)) = (
        std::env::var("PEERS_K8S_E2E_KUBECONFIG"),
        std::env::var("PEERS_K8S_E2E_REMOTE"),
    ) else {
        eprintln!("skipped: PEERS_K8S_E2E_KUBECONFIG and PEERS_K8S_E2E_REMOTE must both be set");
        return;
    };
    let env = CtlEnv::new();
    let home = env.root().join("home/.kube");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::copy(&kubeconfig, home.join("config")).unwrap();
    let name = format!("e2e-{}", std::process::id());
    let namespace = var("PEERS_K8S_E2E_NAMESPACE", "peers-e2e");
    let image = var("PEERS_K8S_E2E_IMAGE", "localhost/peers:latest");
    let mut new = vec![
        "new",
        &name,
        "--backend",
        "kubernetes",
        "--namespace",
        &namespace,
        "--image",
        &image,
        "--git-remote",
        &remote,
    ];
    let context = std::env::var("PEERS_K8S_E2E_CONTEXT").ok();
    if let Some(context) = &context {
        new.extend(["--kube-context", context]);
    }
    env.ok(&new);
    env.ok(&["start", &name, "--max-ticks", "1"]);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let state = env.row(&name)["state"].as_str().unwrap_or("").to_owned();
        assert_ne!(state, "unknown", "{:#}", env.row(&name));
        if state != "starting" || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    env.ok(&["stop", &name, "--grace-s", "10"]);
    assert_eq!(env.row(&name)["state"], "stopped");
    env.ok(&["start", &name, "--max-ticks", "1"]);
    assert_eq!(env.registry()["projects"][0]["backend"]["generation"], 2);
    env.ok(&["stop", &name, "--grace-s", "10"]);
    eprintln!(
        "left in namespace {namespace}: the run record peers-{name} and its volume; \
         kubectl -n {namespace} delete configmap peers-{name} removes both"
    );
}
