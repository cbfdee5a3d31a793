//! `remove` and `doctor` of Kubernetes projects against the fake API server: remove deletes the
//! run record with background propagation and the cluster collects what it owns;
//! `--keep-volume` releases the volume first; an unreachable cluster is refused unless
//! `--force`. `doctor` checks each cluster's kubeconfig, API server, namespace and permissions.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a missing field or a failed command must stop the test"
)]

use serde_json::{Value, json};

use crate::ctl::env::CtlEnv;
use crate::ctl::fake_cluster::{FakeCluster, delete_policy};
use crate::ctl::kube_cluster::{JOBS, NS, project, running_pod};

const POLICIES: &str = "/apis/networking.k8s.io/v1/namespaces/peers/networkpolicies";

fn configmaps() -> String {
    format!("{NS}/configmaps")
}

fn volumes() -> String {
    format!("{NS}/persistentvolumeclaims")
}

fn pods() -> String {
    format!("{NS}/pods")
}

/// The Job controller and kubelet's part: the session's Job completed, its pod succeeded.
fn complete(fake: &FakeCluster) {
    let mut job = fake.objects(JOBS).remove(0);
    job["status"] = json!({"succeeded": 1,
        "conditions": [{"type": "Complete", "status": "True"}]});
    fake.put(JOBS, job);
    let mut pod = fake.objects(&pods()).remove(0);
    pod["status"]["phase"] = json!("Succeeded");
    fake.put(&pods(), pod);
}

#[test]
fn remove_deletes_the_run_record_and_the_cluster_collects_what_it_owns() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);
    env.ok(&["start", "far"]);
    let job = fake.objects(JOBS).remove(0);
    let pod = running_pod(&fake, &job);
    complete(&fake);
    assert_eq!(env.row("far")["state"], "complete");
    let before = fake.seen().len();

    let out = env.ok(&["remove", "far", "--json"]);
    let outcome: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(outcome["removed"], "far", "{outcome:#}");
    let kube = &outcome["kubernetes"];
    assert_eq!(kube["namespace"], "peers");
    assert_eq!(kube["context"], "fake");
    assert_eq!(
        kube["deleted"],
        json!([
            "configmap/peers-far",
            "job/peers-far-1",
            format!("pod/{pod}"),
            "persistentvolumeclaim/peers-far-work"
        ]),
        "{outcome:#}"
    );
    assert_eq!(kube["left"], json!([]));
    assert!(kube.get("kept_volume").is_none(), "{outcome:#}");

    // One DELETE, of the anchor, with background propagation; the fake's GC did the rest.
    let deletes: Vec<_> = fake.seen()[before..]
        .iter()
        .filter(|s| s.method == "DELETE")
        .cloned()
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:#?}");
    assert_eq!(deletes[0].path, format!("{NS}/configmaps/peers-far"));
    assert_eq!(delete_policy(&deletes[0].body), "Background");
    assert!(
        deletes[0]
            .body
            .contains("\"propagationPolicy\":\"Background\""),
        "{}",
        deletes[0].body
    );
    assert!(fake.objects(&configmaps()).is_empty());
    assert!(fake.objects(JOBS).is_empty());
    assert!(fake.objects(&pods()).is_empty());
    assert!(fake.objects(&volumes()).is_empty());
    assert_eq!(
        fake.objects(POLICIES).len(),
        1,
        "the namespace's NetworkPolicy is shared by every run and stays"
    );
    assert!(env.ok(&["list"]).stdout.contains("no projects"));
}

#[test]
fn remove_keep_volume_releases_the_volume_before_deleting_the_run_record() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);
    env.ok(&["start", "far"]);
    env.ok(&["stop", "far", "--grace-s", "0"]);
    let volume_uid = fake.objects(&volumes())[0]["metadata"]["uid"].clone();
    let before = fake.seen().len();

    let out = env.ok(&["remove", "far", "--keep-volume"]);
    assert!(
        out.stdout.contains("configmap/peers-far"),
        "{}",
        out.combined()
    );
    assert!(
        out.stdout
            .contains("kubectl --context fake -n peers delete pvc peers-far-work"),
        "{}",
        out.combined()
    );
    assert!(out.stdout.contains("Removed 'far'"), "{}", out.combined());
    let left = fake.objects(&volumes());
    assert_eq!(left.len(), 1, "the volume is kept");
    assert_eq!(left[0]["metadata"]["uid"], volume_uid, "the same volume");
    assert!(
        left[0]["metadata"]["ownerReferences"].is_null(),
        "no longer owned, so GC leaves it: {:#}",
        left[0]["metadata"]
    );
    assert!(fake.objects(&configmaps()).is_empty());
    // The release is a merge patch under peers-ctl's field manager, before the DELETE.
    let seen = fake.seen();
    let writes: Vec<_> = seen[before..]
        .iter()
        .filter(|s| s.method == "PATCH" || s.method == "DELETE")
        .collect();
    assert_eq!(writes.len(), 2, "{writes:#?}");
    assert_eq!(
        writes[0].path,
        format!("{NS}/persistentvolumeclaims/peers-far-work")
    );
    assert!(
        writes[0].content_type.contains("merge-patch"),
        "{:?}",
        writes[0]
    );
    assert!(writes[0].query.contains("fieldManager=peers-ctl"));
    assert_eq!(writes[1].method, "DELETE");
    assert_eq!(delete_policy(&writes[1].body), "Background");

    // --keep-volume means nothing to a local project.
    let local = env.root().join("here");
    std::fs::create_dir_all(&local).unwrap();
    env.ok(&["add", local.to_str().unwrap()]);
    let refused = env.ctl(&["remove", "here", "--keep-volume"]);
    assert_eq!(refused.code, 2, "{}", refused.combined());
    assert!(refused.stderr.contains("kubernetes backend only"));
}

#[test]
fn remove_refuses_an_unreachable_cluster_and_force_unregisters_naming_what_stays() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);
    env.ok(&["start", "far"]);
    env.ok(&["stop", "far", "--grace-s", "0"]);
    fake.set_reachable(false);

    let refused = env.ctl(&["remove", "far"]);
    assert_eq!(refused.code, 1, "{}", refused.combined());
    assert!(
        refused
            .stderr
            .contains("cannot tell whether \"far\" still runs"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("peers-ctl remove far --force"),
        "{}",
        refused.stderr
    );
    assert_eq!(env.registry()["projects"].as_array().unwrap().len(), 1);

    let forced = env.ok(&["remove", "far", "--force", "--json"]);
    let outcome: Value = serde_json::from_str(&forced.stdout).unwrap();
    let kube = &outcome["kubernetes"];
    assert_eq!(kube["deleted"], json!([]), "{outcome:#}");
    assert_eq!(
        kube["remaining_selector"],
        "app.kubernetes.io/managed-by=peers-ctl,peers.dev/run=far"
    );
    assert!(kube["error"].is_string(), "{outcome:#}");
    assert!(env.ok(&["list"]).stdout.contains("no projects"));
    fake.set_reachable(true);
    assert_eq!(fake.objects(&configmaps()).len(), 1, "the objects stay");
    assert_eq!(fake.objects(&volumes()).len(), 1);

    // The text says so too.
    project_again(&env);
    fake.set_reachable(false);
    let text = env.ok(&["remove", "far", "--force"]);
    assert!(
        text.stdout.contains(
            "its objects stay (selector app.kubernetes.io/managed-by=peers-ctl,peers.dev/run=far)"
        ),
        "{}",
        text.combined()
    );
    assert!(
        text.stdout.contains("delete configmaps,jobs,pods,pvc -l"),
        "{}",
        text.combined()
    );
}

/// Registers `far` again (its repository is still there).
fn project_again(env: &CtlEnv) {
    let repo = env.projects_root().join("far");
    env.ok(&[
        "add",
        repo.to_str().unwrap(),
        "--backend",
        "kubernetes",
        "--kube-context",
        "fake",
    ]);
}

fn kube_checks(env: &CtlEnv) -> Vec<Value> {
    let out = env.ctl(&["doctor", "--json"]);
    let doctor: Value = serde_json::from_str(&out.stdout).unwrap();
    doctor["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["label"]
                .as_str()
                .unwrap()
                .starts_with("kubernetes fake/peers")
        })
        .cloned()
        .collect()
}

fn check<'a>(checks: &'a [Value], what: &str) -> &'a Value {
    let label = format!("kubernetes fake/peers {what}");
    checks
        .iter()
        .find(|c| c["label"] == label)
        .unwrap_or_else(|| panic!("no {label} in {checks:#?}"))
}

#[test]
fn doctor_checks_the_cluster_and_names_a_denied_permission_and_a_missing_namespace() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);

    let checks = kube_checks(&env);
    assert_eq!(checks.len(), 4, "{checks:#?}");
    for c in &checks {
        assert_eq!(c["status"], "ok", "{c:#}");
    }
    assert!(
        check(&checks, "api server")["detail"]
            .as_str()
            .unwrap()
            .contains("v1.33.0-fake")
    );
    let reviews: Vec<_> = fake
        .seen()
        .into_iter()
        .filter(|s| s.path.ends_with("/selfsubjectaccessreviews"))
        .collect();
    assert_eq!(reviews.len(), 26, "5 verbs x 5 kinds, and get pods/log");
    let log_review = reviews
        .iter()
        .find(|s| s.body.contains("\"subresource\":\"log\""))
        .expect("a review of pods/log");
    assert!(
        log_review.body.contains("\"verb\":\"get\""),
        "{log_review:?}"
    );
    assert!(log_review.body.contains("\"namespace\":\"peers\""));

    fake.deny("delete", "jobs");
    fake.deny("get", "pods/log");
    let checks = kube_checks(&env);
    let permissions = check(&checks, "permissions");
    assert_eq!(permissions["status"], "fail", "{permissions:#}");
    assert_eq!(permissions["detail"], "denied: delete jobs, get pods/log");
    let hint = permissions["hint"].as_str().unwrap();
    assert!(
        hint.contains(
            "kubectl --context fake -n peers create role peers-ctl --verb=delete,get --resource=jobs.batch,pods/log"
        ),
        "{hint}"
    );
    let text = env.ctl(&["doctor"]);
    assert_eq!(text.code, 1, "{}", text.combined());
    assert!(
        text.stdout
            .contains("[FAIL] kubernetes fake/peers permissions"),
        "{}",
        text.stdout
    );

    fake.store.lock().unwrap().namespaces.clear();
    let checks = kube_checks(&env);
    let namespace = check(&checks, "namespace");
    assert_eq!(namespace["status"], "fail", "{namespace:#}");
    assert_eq!(namespace["detail"], "namespace peers does not exist");
    assert_eq!(
        namespace["hint"],
        "create it: kubectl --context fake create namespace peers"
    );
    assert_eq!(
        checks.len(),
        3,
        "no permission checks without the namespace"
    );

    fake.set_reachable(false);
    let checks = kube_checks(&env);
    let server = check(&checks, "api server");
    assert_eq!(server["status"], "fail", "{server:#}");
    assert!(
        server["hint"]
            .as_str()
            .unwrap()
            .contains("kubectl --context fake get --raw /version")
    );
}

#[test]
fn doctor_names_an_unknown_context() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);
    let config = env.root().join("home/.kube/config");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("- name: fake\n  context:", "- name: other\n  context:"),
    )
    .unwrap();
    let checks = kube_checks(&env);
    assert_eq!(checks.len(), 1, "{checks:#?}");
    let kubeconfig = check(&checks, "kubeconfig");
    assert_eq!(kubeconfig["status"], "fail");
    assert!(
        kubeconfig["hint"]
            .as_str()
            .unwrap()
            .contains("kubectl config get-contexts"),
        "{kubeconfig:#}"
    );
}
