//! The Kubernetes backend end to end against the fake API server: start applies the run's
//! objects with server-side apply and selects by label, list reads the state from the cluster,
//! logs come from the pod, stop deletes the Job (its pod collected) and keeps the volume, and a
//! second start is a new Job on the same volume. The dashboard shows the cluster's state, and
//! remove is refused while the run is live. (The live dashboard's watches: `kube_watch`.)

use serde_json::{Value, json};

use crate::ctl::env::CtlEnv;
use crate::ctl::fake_cluster::FakeCluster;

pub const NS: &str = "/api/v1/namespaces/peers";
pub const JOBS: &str = "/apis/batch/v1/namespaces/peers/jobs";

/// Project `far` on the Kubernetes backend; its origin is a bare repository (returned).
pub fn project(env: &CtlEnv, fake: &FakeCluster) -> std::path::PathBuf {
    fake.kubeconfig(&env.root().join("home"));
    let remote = env.root().join("remote.git");
    let home = env.root().join("home");
    peers_testkit::git_with_home(
        env.root(),
        &home,
        &["init", "--quiet", "--bare", "remote.git"],
    );
    env.ok(&[
        "new",
        "far",
        "--backend",
        "kubernetes",
        "--kube-context",
        "fake",
    ]);
    let repo = env.projects_root().join("far");
    let ok = peers_testkit::hermetic_command(std::path::Path::new("git"), &env.root().join("home"))
        .current_dir(&repo)
        .args(["remote", "add", "origin", remote.to_str().unwrap_or("")])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok);
    remote
}

/// The kubelet's part: a running pod for Job `job`.
pub fn running_pod(fake: &FakeCluster, job: &Value) -> String {
    let generation = job["metadata"]["labels"]["peers.dev/generation"].clone();
    let name = format!("{}-x1", job["metadata"]["name"].as_str().unwrap_or("?"));
    fake.put(
        &format!("{NS}/pods"),
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": name, "namespace": "peers",
                "labels": {"app.kubernetes.io/managed-by": "peers-ctl", "peers.dev/run": "far",
                           "peers.dev/role": "run", "peers.dev/generation": generation},
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job",
                    "name": job["metadata"]["name"], "uid": job["metadata"]["uid"]}]
            },
            "spec": {"containers": []},
            "status": {"phase": "Running", "containerStatuses": [{"name": "loop", "image": "i",
                "imageID": "", "ready": true, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-12-07T10:00:00Z"}}}]}
        }),
    );
    name
}

#[test]
fn start_list_logs_stop_and_resume_through_the_cluster() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    let remote = project(&env, &fake);

    let out = env.ok(&["start", "far", "--max-ticks", "3"]);
    assert!(out.stdout.contains("job peers-far-1"), "{}", out.combined());
    // The pod clones the branch and restores .peers/ from the state ref: both were pushed.
    let home = env.root().join("home");
    let state = peers_testkit::git_with_home(
        &remote,
        &home,
        &["ls-tree", "-r", "--name-only", "refs/peers/far/state"],
    );
    assert!(state.lines().any(|l| l == ".peers/config.yaml"), "{state}");
    let branches = peers_testkit::git_with_home(&remote, &home, &["branch", "--list"]);
    assert!(!branches.trim().is_empty(), "the branch was pushed");
    let anchor = &fake.objects(&format!("{NS}/configmaps"))[0];
    let anchor_uid = anchor["metadata"]["uid"].clone();
    let jobs = fake.objects(JOBS);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["metadata"]["ownerReferences"][0]["uid"], anchor_uid);
    let volumes = fake.objects(&format!("{NS}/persistentvolumeclaims"));
    assert_eq!(
        volumes[0]["metadata"]["ownerReferences"][0]["uid"],
        anchor_uid
    );
    let volume_uid = volumes[0]["metadata"]["uid"].clone();
    assert_eq!(
        fake.objects("/apis/networking.k8s.io/v1/namespaces/peers/networkpolicies")
            .len(),
        1
    );
    // Every write is a server-side apply under peers-ctl's field manager; reads select by label.
    let seen = fake.seen();
    let applies: Vec<_> = seen.iter().filter(|s| s.method == "PATCH").collect();
    assert_eq!(applies.len(), 4, "{seen:#?}");
    for apply in &applies {
        assert!(apply.query.contains("fieldManager=peers-ctl"), "{apply:?}");
        assert!(apply.query.contains("force=true"), "{apply:?}");
        assert!(apply.content_type.contains("apply-patch"), "{apply:?}");
    }
    for list in seen.iter().filter(|s| s.method == "GET") {
        assert!(
            list.query.contains("labelSelector=app.kubernetes.io"),
            "{list:?}"
        );
    }
    assert_eq!(env.row("far")["state"], "starting");

    let pod = running_pod(&fake, &jobs[0]);
    assert_eq!(env.row("far")["state"], "running");
    let dashboard: Vec<Value> =
        serde_json::from_str(&env.ok(&["dashboard", "--json"]).stdout).unwrap();
    assert_eq!(dashboard[0]["state"], "running", "{dashboard:#?}");
    let remove = env.ctl(&["remove", "far"]);
    assert_eq!(remove.code, 1, "{}", remove.combined());
    assert!(
        remove.stderr.contains("running on Kubernetes"),
        "{}",
        remove.stderr
    );
    let again = env.ctl(&["start", "far"]);
    assert_eq!(again.code, 1, "{}", again.combined());
    assert!(again.stderr.contains("already running"), "{}", again.stderr);

    fake.store.lock().unwrap().logs.insert(
        pod.clone(),
        vec!["2026-12-07T10:00:01.5Z tick 1 done".into()],
    );
    let logs = env.ok(&["logs", "far", "-n", "5"]);
    assert_eq!(logs.stdout.trim(), "tick 1 done", "{}", logs.combined());

    let stop = env.ok(&["stop", "far", "--grace-s", "0"]);
    assert!(stop.stdout.contains("Stopped 'far'"), "{}", stop.combined());
    assert!(fake.objects(JOBS).is_empty());
    assert!(
        fake.objects(&format!("{NS}/pods")).is_empty(),
        "the pod is collected with its Job"
    );
    assert_eq!(
        fake.objects(&format!("{NS}/persistentvolumeclaims")).len(),
        1,
        "volume kept"
    );
    let anchor = &fake.objects(&format!("{NS}/configmaps"))[0];
    assert_eq!(
        anchor["metadata"]["annotations"]["peers.dev/desired"],
        "stopped"
    );
    assert_eq!(env.row("far")["state"], "stopped");

    env.ok(&["start", "far"]);
    let jobs = fake.objects(JOBS);
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0]["metadata"]["name"], "peers-far-2",
        "a new Job per session"
    );
    let volumes = fake.objects(&format!("{NS}/persistentvolumeclaims"));
    assert_eq!(volumes[0]["metadata"]["uid"], volume_uid, "the same volume");
    let registry = env.registry();
    let backend = &registry["projects"][0]["backend"];
    assert_eq!(backend["generation"], 2);
    assert_eq!(backend["job_uid"], jobs[0]["metadata"]["uid"]);
}

#[test]
fn an_unreachable_cluster_is_unknown_never_stopped() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);
    // Point the kubeconfig at a port nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let config = env.root().join("home/.kube/config");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(&fake.port.to_string(), &port.to_string()),
    )
    .unwrap();
    let row = env.row("far");
    assert_eq!(row["state"], "unknown", "{row:#}");
    assert!(
        row["outcome"].as_str().unwrap().contains("Kubernetes"),
        "{row:#}"
    );
    let remove = env.ctl(&["remove", "far"]);
    assert_eq!(remove.code, 1, "{}", remove.combined());
    assert!(remove.stderr.contains("--force"), "{}", remove.stderr);
    env.ok(&["remove", "far", "--force"]);
    assert!(env.ok(&["list"]).stdout.contains("no projects"));
}

#[test]
fn tail_reconnects_after_the_stream_drops_with_no_line_lost_or_repeated() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);
    env.ok(&["start", "far"]);
    let job = fake.objects(JOBS).remove(0);
    let pod = running_pod(&fake, &job);
    let stamp = |i: u32| format!("2026-12-07T10:00:{:02}.{:03}Z line {i}", 10 + i / 3, i * 7);
    fake.store
        .lock()
        .unwrap()
        .logs
        .insert(pod.clone(), (0..4).map(stamp).collect());
    let tail = env
        .command(std::path::Path::new(env!("CARGO_BIN_EXE_peers-ctl")))
        .args(["tail", "far", "-n", "100"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // While tail reconnects (each stream ends after what is there), more lines arrive, some in
    // the same second as the last one it printed; then the pod ends.
    for i in 4..12 {
        std::thread::sleep(std::time::Duration::from_millis(150));
        fake.store
            .lock()
            .unwrap()
            .logs
            .get_mut(&pod)
            .unwrap()
            .push(stamp(i));
    }
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let pods = format!("{NS}/pods");
    let mut ended = fake.objects(&pods).remove(0);
    ended["status"]["phase"] = json!("Succeeded");
    fake.put(&pods, ended);
    let out = tail.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let printed: Vec<&str> = text.lines().filter(|l| l.starts_with("line ")).collect();
    let expected: Vec<String> = (0..12).map(|i| format!("line {i}")).collect();
    assert_eq!(printed, expected, "{text}");
    let logs: Vec<_> = fake
        .seen()
        .into_iter()
        .filter(|s| s.path.ends_with("/log"))
        .collect();
    assert!(
        logs.len() >= 3,
        "the stream was reopened {} times",
        logs.len()
    );
    assert!(
        logs.iter().skip(1).all(|s| s.query.contains("sinceTime=")),
        "every reconnect resumes from the last timestamp: {logs:#?}"
    );
}

/// The `workspace` init container's script, run here with `/work` mapped to a temp dir and the
/// container's own environment: it clones the seeded remote, restores `.peers/` from the state
/// ref, keeps it out of git status, and refuses an image whose peers differs.
#[test]
fn the_workspace_container_clones_and_restores_the_seeded_state() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);
    env.ok(&["start", "far"]);
    let job = fake.objects(JOBS).remove(0);
    let workspace = job["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "workspace")
        .unwrap()
        .clone();
    let volume = env.root().join("volume");
    std::fs::create_dir_all(volume.join("tmp")).unwrap();
    let script = workspace["command"][2]
        .as_str()
        .unwrap()
        .replace("/work", volume.to_str().unwrap());
    let run = |version: &str| {
        let mut cmd =
            peers_testkit::hermetic_command(std::path::Path::new("sh"), &volume.join("tmp"));
        cmd.args(["-c", &script]);
        for var in workspace["env"].as_array().unwrap() {
            let name = var["name"].as_str().unwrap();
            if !name.ends_with("PROXY") && name != "HOME" {
                cmd.env(name, var["value"].as_str().unwrap());
            }
        }
        let bin = crate::ctl::env::peers_bin();
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        // Never the testkit's GIT_CONFIG_GLOBAL=/dev/null: a script that wrote its global
        // config would replace /dev/null itself.
        cmd.env("PATH", path)
            .env("GIT_CONFIG_GLOBAL", volume.join("tmp/gitconfig"));
        if !version.is_empty() {
            cmd.env("PEERS_VERSION", version);
        }
        cmd.output().unwrap()
    };
    let drift = run("peers 0.0.0-not-this-one");
    assert_eq!(drift.status.code(), Some(3), "{drift:?}");
    let out = run("");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let repo = volume.join("repo");
    assert!(repo.join(".peers/config.yaml").is_file());
    let status =
        peers_testkit::git_with_home(&repo, &volume.join("tmp"), &["status", "--porcelain"]);
    assert_eq!(status.trim(), "", ".peers/ stays out of the work");
    // A second session on the same volume fetches instead of cloning.
    let again = run("");
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        !volume.join("tmp/gitconfig").exists(),
        "the script writes no git config"
    );
}
