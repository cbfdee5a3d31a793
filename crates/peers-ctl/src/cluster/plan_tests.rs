//! Manifest checks: ownership, labels, the Job's failure handling, Pod Security "restricted" on
//! every container, and no credential anywhere in the `loop` container.

use super::*;
use crate::backend::BackendArgs;
use crate::backend_spec::BackendSpec;
use crate::cluster::pod::{GIT_SECRET, MODEL_KEYS_SECRET, PLACEHOLDER_KEY};
use k8s_openapi::api::core::v1::Container;

fn target(queue: Option<&str>) -> KubeTarget {
    let args = BackendArgs {
        backend: "kubernetes".into(),
        kube_context: None,
        namespace: Some("team".into()),
        image: Some("registry.example/peers:1".into()),
        proxy_image: None,
        git_remote: None,
        kueue_queue: queue.map(str::to_owned),
        storage_class: None,
        storage_size: None,
    };
    match args.spec().unwrap() {
        BackendSpec::Kubernetes(target) => *target,
        BackendSpec::Local => unreachable!("asked for kubernetes"),
    }
}

fn plan(queue: Option<&str>) -> RunPlan {
    let mut plan = RunPlan::new(
        "My_Project",
        &target(queue),
        "https://git.example/me/p.git".into(),
        "main".into(),
    );
    plan.max_runtime_s = Some(3600);
    plan.run_args = vec!["--max-ticks".into(), "5".into()];
    plan
}

fn containers(job: &Job) -> Vec<Container> {
    let pod = job.spec.as_ref().unwrap().template.spec.clone().unwrap();
    let mut all = pod.init_containers.unwrap_or_default();
    all.extend(pod.containers);
    all
}

#[test]
fn everything_but_the_anchor_is_owned_by_it_and_labelled() {
    let plan = plan(None);
    let anchor = anchor(&plan, "running");
    assert!(anchor.metadata.owner_references.is_none());
    let job = job(&plan, "uid-1", 3);
    let volume = volume(&plan, "uid-1");
    for meta in [&job.metadata, &volume.metadata] {
        let owner = &meta.owner_references.as_ref().unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.uid.as_str()),
            ("ConfigMap", "uid-1")
        );
        assert_eq!(owner.name, names::anchor(&plan.run));
    }
    for meta in [&anchor.metadata, &job.metadata, &volume.metadata] {
        let labels = meta.labels.as_ref().unwrap();
        assert_eq!(labels[names::MANAGED_BY], "peers-ctl");
        assert_eq!(labels[names::RUN], plan.run);
        assert_eq!(meta.namespace.as_deref(), Some("team"));
    }
    assert_eq!(
        job.metadata.name.as_deref(),
        Some(names::job(&plan.run, 3).as_str())
    );
}

#[test]
fn the_job_survives_disruptions_and_never_overlaps_pods() {
    let job = job(&plan(None), "u", 1);
    let spec = job.spec.unwrap();
    assert_eq!(spec.pod_replacement_policy.as_deref(), Some("Failed"));
    assert_eq!(spec.backoff_limit, Some(2));
    assert_eq!(spec.active_deadline_seconds, Some(3600 + 600));
    assert_eq!(spec.suspend, None);
    let rules = spec.pod_failure_policy.unwrap().rules;
    let ignore = &rules[0];
    assert_eq!(ignore.action, "Ignore");
    assert_eq!(
        ignore.on_pod_conditions.as_ref().unwrap()[0].type_,
        "DisruptionTarget"
    );
    let fail = rules.iter().find(|r| r.action == "FailJob").unwrap();
    let codes = fail.on_exit_codes.as_ref().unwrap();
    assert_eq!(codes.container_name.as_deref(), Some("loop"));
    assert_eq!(codes.values, vec![1, 2, 3]);
    let pod = spec.template.spec.unwrap();
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
    let labels = spec.template.metadata.unwrap().labels.unwrap();
    assert_eq!(
        labels[names::ROLE],
        "run",
        "the NetworkPolicy selects role=run"
    );
}

#[test]
fn kueue_gets_a_suspended_job_with_the_queue_label() {
    let job = job(&plan(Some("team-a")), "u", 1);
    assert_eq!(
        job.metadata.labels.as_ref().unwrap()[names::QUEUE],
        "team-a"
    );
    assert_eq!(job.spec.unwrap().suspend, Some(true));
}

#[test]
fn the_pod_meets_pod_security_restricted() {
    let job = job(&plan(None), "u", 1);
    let pod = job.spec.as_ref().unwrap().template.spec.clone().unwrap();
    assert_eq!(pod.automount_service_account_token, Some(false));
    assert_eq!(pod.enable_service_links, Some(false));
    assert!(pod.host_network.is_none() && pod.host_pid.is_none() && pod.host_ipc.is_none());
    let security = pod.security_context.unwrap();
    assert_eq!(security.run_as_non_root, Some(true));
    assert_eq!(security.seccomp_profile.unwrap().type_, "RuntimeDefault");
    assert!(pod.volumes.unwrap().iter().all(|v| v.host_path.is_none()));
    let all = containers(&job);
    assert_eq!(all.len(), 3);
    for container in all {
        let sc = container.security_context.unwrap();
        assert_eq!(
            sc.allow_privilege_escalation,
            Some(false),
            "{}",
            container.name
        );
        assert_eq!(
            sc.read_only_root_filesystem,
            Some(true),
            "{}",
            container.name
        );
        assert_eq!(sc.capabilities.unwrap().drop, Some(vec!["ALL".into()]));
        assert!(sc.privileged.is_none() && sc.run_as_user != Some(0));
    }
}

#[test]
fn credentials_reach_only_the_proxy_never_the_workspace_or_the_loop() {
    let job = job(&plan(None), "u", 1);
    let pod = job.spec.as_ref().unwrap().template.spec.clone().unwrap();
    let secret_volumes: Vec<String> = pod
        .volumes
        .unwrap()
        .into_iter()
        .filter(|v| v.secret.is_some() || v.projected.is_some())
        .map(|v| v.name)
        .collect();
    assert!(!secret_volumes.is_empty());
    let all = containers(&job);
    let agent = all.iter().find(|c| c.name == "loop").unwrap();
    // No secret by volume, by env reference, by envFrom, and no secret's name anywhere in it.
    for mount in agent.volume_mounts.iter().flatten() {
        assert!(!secret_volumes.contains(&mount.name), "{}", mount.name);
    }
    assert!(agent.env_from.is_none());
    for var in agent.env.iter().flatten() {
        assert!(var.value_from.is_none(), "{}", var.name);
        if var.name.ends_with("_KEY") || var.name.ends_with("TOKEN") {
            assert_eq!(var.value.as_deref(), Some(PLACEHOLDER_KEY), "{}", var.name);
        }
    }
    let text = serde_json::to_string(agent).unwrap();
    for secret in [MODEL_KEYS_SECRET, GIT_SECRET, "secret"] {
        assert!(!text.to_lowercase().contains(secret), "{secret} in {text}");
    }
    // The workspace clones through the relay: no secret mounted, none named.
    let workspace = all.iter().find(|c| c.name == "workspace").unwrap();
    for mount in workspace.volume_mounts.iter().flatten() {
        assert!(!secret_volumes.contains(&mount.name), "{}", mount.name);
    }
    assert!(workspace.env_from.is_none());
    let text = serde_json::to_string(workspace).unwrap();
    for secret in [MODEL_KEYS_SECRET, GIT_SECRET, "credential"] {
        assert!(!text.to_lowercase().contains(secret), "{secret} in {text}");
    }
    let proxy = all.iter().find(|c| c.name == "proxy").unwrap();
    assert_eq!(
        proxy.restart_policy.as_deref(),
        Some("Always"),
        "a native sidecar"
    );
    let keys = proxy.env_from.as_ref().unwrap()[0]
        .secret_ref
        .as_ref()
        .unwrap();
    assert_eq!(keys.name, MODEL_KEYS_SECRET);
    let git_mount = proxy
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| secret_volumes.contains(&m.name))
        .unwrap();
    assert_eq!(git_mount.read_only, Some(true));
}

#[test]
fn an_https_remote_is_reached_through_the_sidecars_git_relay() {
    let mut plan = plan(None);
    plan.remote = "https://bot:ghp_secret@git.example/me/p.git".into();
    let job = job(&plan, "u", 1);
    let pod = job.spec.as_ref().unwrap().template.spec.clone().unwrap();
    let inits: Vec<&str> = pod
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        inits,
        ["proxy", "workspace"],
        "the relay runs before the clone"
    );
    let all = containers(&job);
    let proxy = all.iter().find(|c| c.name == "proxy").unwrap();
    let command = proxy.command.clone().unwrap();
    let after = |flag: &str| {
        let at = command.iter().position(|a| a == flag).unwrap();
        command[at + 1].clone()
    };
    assert_eq!(&command[..2], ["peers", "proxy"]);
    assert_eq!(after("--git-relay"), "127.0.0.1:8081");
    assert_eq!(after("--git-remote"), plan.remote);
    assert_eq!(after("--git-credentials"), "/var/run/secrets/peers-git");
    assert_eq!(after("--git-secret"), GIT_SECRET);
    let workspace = all.iter().find(|c| c.name == "workspace").unwrap();
    let remote = workspace
        .env
        .iter()
        .flatten()
        .find(|v| v.name == "PEERS_REMOTE")
        .and_then(|v| v.value.clone());
    assert_eq!(remote.as_deref(), Some("http://127.0.0.1:8081/me/p.git"));
    for container in all.iter().filter(|c| c.name != "proxy") {
        let text = serde_json::to_string(container).unwrap();
        assert!(!text.contains("ghp_secret"), "{text}");
    }
}

#[test]
fn only_http_remotes_go_through_the_relay() {
    use crate::cluster::pod::pod_remote;
    assert_eq!(
        pod_remote("https://git.example/org/r.git/"),
        "http://127.0.0.1:8081/org/r.git"
    );
    assert_eq!(
        pod_remote("https://u:t@git.example:8443/r"),
        "http://127.0.0.1:8081/r"
    );
    assert_eq!(pod_remote("file:///srv/r.git"), "file:///srv/r.git");
    let mut plan = plan(None);
    plan.remote = "file:///srv/r.git".into();
    let job = job(&plan, "u", 1);
    let proxy = containers(&job)
        .into_iter()
        .find(|c| c.name == "proxy")
        .unwrap();
    assert!(
        !proxy.command.unwrap().iter().any(|a| a == "--git-relay"),
        "no relay for a remote that is not http(s)"
    );
}

#[test]
fn the_network_policy_denies_ingress_and_allows_only_dns_and_the_gateway() {
    let policy = network_policy("team");
    let spec = policy.spec.unwrap();
    assert_eq!(
        spec.policy_types,
        Some(vec!["Ingress".into(), "Egress".into()])
    );
    assert_eq!(spec.ingress, Some(Vec::new()));
    let egress = spec.egress.unwrap();
    assert_eq!(egress.len(), 2);
    for rule in &egress {
        assert!(
            rule.to.as_ref().is_some_and(|to| !to.is_empty()),
            "no allow-all rule"
        );
        assert!(rule.ports.as_ref().is_some_and(|p| !p.is_empty()));
        for peer in rule.to.iter().flatten() {
            assert!(peer.ip_block.is_none(), "no CIDR opening");
        }
    }
}

#[test]
fn the_loop_runs_peers_on_the_volume_with_the_run_arguments() {
    let job = job(&plan(None), "u", 1);
    let all = containers(&job);
    let agent = all.iter().find(|c| c.name == "loop").unwrap();
    assert_eq!(
        agent.command.as_deref().unwrap(),
        ["peers", "-C", "/work/repo", "run", "--max-ticks", "5"]
    );
    assert_eq!(
        agent.termination_message_policy.as_deref(),
        Some("FallbackToLogsOnError")
    );
    let json = serde_json::to_value(&job).unwrap();
    assert_eq!(json["apiVersion"], "batch/v1");
    assert_eq!(json["kind"], "Job");
}
