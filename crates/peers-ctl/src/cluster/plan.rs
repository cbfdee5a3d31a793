//! The objects `start` applies for a run, built from its registry entry: the anchor ConfigMap
//! (run record and owner of the rest), the work volume, the namespace's NetworkPolicy, and one
//! Job per session whose pod is hardened for Pod Security "restricted". Credentials (model keys,
//! git) are mounted only into the `proxy` sidecar and the `workspace` init container; the `loop`
//! container that runs the agents gets placeholders and a proxy address.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{
    Job, JobSpec, PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement,
    PodFailurePolicyOnPodConditionsPattern, PodFailurePolicyRule,
};
use k8s_openapi::api::core::v1::{
    ConfigMap, PersistentVolumeClaim, PersistentVolumeClaimSpec, PodTemplateSpec,
    VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::backend_spec::KubeTarget;
use crate::cluster::{names, pod};

/// The exit code of the workspace init container when the image's peers is not the planned one.
pub const DRIFT_EXIT: i32 = 3;
/// `peers run` exit codes that must not be retried (did not complete / configuration error /
/// paused for the operator at the implement checkpoint: a retry would continue past it).
pub const LOOP_FAIL_EXITS: [i32; 3] = [1, 2, 3];
const SLACK_S: i64 = 600;
const TTL_AFTER_FINISHED_S: i32 = 3 * 24 * 3600;

/// Everything one session's objects depend on.
#[derive(Debug, Clone, Serialize)]
pub struct RunPlan {
    pub project: String,
    pub run: String,
    pub namespace: String,
    pub image: String,
    pub proxy_image: String,
    pub proxy_command: Vec<String>,
    pub remote: String,
    pub branch: String,
    /// `peers --version` of this machine's peers; the pod refuses an image that differs.
    pub peers_version: String,
    /// Arguments after `peers -C /work/repo run`.
    pub run_args: Vec<String>,
    pub grace_s: i64,
    pub max_runtime_s: Option<i64>,
    pub queue: Option<String>,
    pub storage_class: Option<String>,
    pub storage_size: String,
}

impl RunPlan {
    pub fn new(project: &str, target: &KubeTarget, remote: String, branch: String) -> Self {
        Self {
            project: project.to_owned(),
            run: names::run_id(project),
            namespace: target.namespace.clone(),
            image: target.image.clone(),
            proxy_image: target.proxy_image.clone().unwrap_or(target.image.clone()),
            proxy_command: target.proxy_command.clone(),
            remote,
            branch,
            peers_version: String::new(),
            run_args: Vec::new(),
            grace_s: 30,
            max_runtime_s: None,
            queue: target.queue.clone(),
            storage_class: target.storage_class.clone(),
            storage_size: target.storage_size.clone(),
        }
    }

    fn meta(&self, name: String, role: &str, owner: Option<&str>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.namespace.clone()),
            labels: Some(names::labels(&self.run, role)),
            owner_references: owner.map(|uid| {
                vec![OwnerReference {
                    api_version: "v1".into(),
                    kind: "ConfigMap".into(),
                    name: names::anchor(&self.run),
                    uid: uid.to_owned(),
                    controller: Some(true),
                    block_owner_deletion: Some(true),
                }]
            }),
            ..ObjectMeta::default()
        }
    }
}

/// The run record: the plan as JSON and the desired state. Owner of every other object.
pub fn anchor(plan: &RunPlan, desired: &str) -> ConfigMap {
    let mut meta = plan.meta(names::anchor(&plan.run), "anchor", None);
    meta.annotations = Some(BTreeMap::from([(
        names::DESIRED.to_owned(),
        desired.to_owned(),
    )]));
    let spec = serde_json::to_string_pretty(plan).unwrap_or_default();
    ConfigMap {
        metadata: meta,
        data: Some(BTreeMap::from([("spec.json".to_owned(), spec)])),
        ..ConfigMap::default()
    }
}

/// The run's working copy and `.peers/`: one RWO volume kept across sessions.
pub fn volume(plan: &RunPlan, anchor_uid: &str) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: plan.meta(names::volume(&plan.run), "work", Some(anchor_uid)),
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            storage_class_name: plan.storage_class.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(plan.storage_size.clone()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    }
}

/// Deny every ingress; allow egress only to cluster DNS and the egress gateway.
pub fn network_policy(namespace: &str) -> NetworkPolicy {
    let port = |protocol: &str, port: i32| NetworkPolicyPort {
        protocol: Some(protocol.into()),
        port: Some(IntOrString::Int(port)),
        ..NetworkPolicyPort::default()
    };
    let select = |key: &str, value: &str| LabelSelector {
        match_labels: Some(BTreeMap::from([(key.to_owned(), value.to_owned())])),
        ..LabelSelector::default()
    };
    NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(names::NETWORK_POLICY.into()),
            namespace: Some(namespace.to_owned()),
            labels: Some(BTreeMap::from([(
                names::MANAGED_BY.to_owned(),
                names::MANAGER.to_owned(),
            )])),
            ..ObjectMeta::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(select(names::ROLE, "run")),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(Vec::new()),
            egress: Some(vec![
                NetworkPolicyEgressRule {
                    to: Some(vec![NetworkPolicyPeer {
                        namespace_selector: Some(select(
                            "kubernetes.io/metadata.name",
                            "kube-system",
                        )),
                        pod_selector: Some(select("k8s-app", "kube-dns")),
                        ..NetworkPolicyPeer::default()
                    }]),
                    ports: Some(vec![port("UDP", 53), port("TCP", 53)]),
                },
                NetworkPolicyEgressRule {
                    to: Some(vec![NetworkPolicyPeer {
                        pod_selector: Some(select("app.kubernetes.io/name", names::EGRESS_SERVICE)),
                        ..NetworkPolicyPeer::default()
                    }]),
                    ports: Some(vec![port("TCP", names::EGRESS_PORT)]),
                },
            ]),
        }),
    }
}

/// Session `generation` of the run: a Job on the run's volume, suspended for Kueue when a queue
/// is configured.
pub fn job(plan: &RunPlan, anchor_uid: &str, generation: u64) -> Job {
    let mut meta = plan.meta(
        names::job(&plan.run, generation),
        "session",
        Some(anchor_uid),
    );
    let mut pod_labels = names::labels(&plan.run, "run");
    pod_labels.insert(names::GENERATION.into(), generation.to_string());
    if let Some(labels) = meta.labels.as_mut() {
        labels.insert(names::GENERATION.into(), generation.to_string());
        if let Some(queue) = &plan.queue {
            labels.insert(names::QUEUE.into(), queue.clone());
        }
    }
    let exits = |container: &str, values: Vec<i32>| PodFailurePolicyRule {
        action: "FailJob".into(),
        on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
            container_name: Some(container.into()),
            operator: "In".into(),
            values,
        }),
        on_pod_conditions: None,
    };
    Job {
        metadata: meta,
        spec: Some(JobSpec {
            completions: Some(1),
            parallelism: Some(1),
            backoff_limit: Some(2),
            pod_replacement_policy: Some("Failed".into()),
            pod_failure_policy: Some(PodFailurePolicy {
                rules: vec![
                    PodFailurePolicyRule {
                        action: "Ignore".into(),
                        on_exit_codes: None,
                        on_pod_conditions: Some(vec![PodFailurePolicyOnPodConditionsPattern {
                            type_: "DisruptionTarget".into(),
                            status: "True".into(),
                        }]),
                    },
                    exits("loop", LOOP_FAIL_EXITS.to_vec()),
                    exits("workspace", vec![DRIFT_EXIT]),
                ],
            }),
            active_deadline_seconds: plan.max_runtime_s.map(|s| s + SLACK_S),
            ttl_seconds_after_finished: Some(TTL_AFTER_FINISHED_S),
            suspend: plan.queue.as_ref().map(|_| true),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod::pod(plan)),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
