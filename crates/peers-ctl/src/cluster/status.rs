//! A run's state read from its observed objects (anchor, Jobs, Pods, volume) — pure, so every
//! case (eviction, image pull failure, OOM kill, unschedulable, deadline, Kueue queueing) is
//! tested on fixtures. Fail closed: a run with a live pod is never `stopped`, and objects without
//! their run record are `unknown`, never guessed.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, ContainerStateTerminated, PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::cluster::names;

/// What a Kubernetes run is doing, as `status` and the dashboard show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// No run record: never started.
    Fresh,
    /// The Job waits for Kueue (or someone) to unsuspend it.
    Queued,
    /// The Job exists; its pod is not running yet (scheduling, pulling, replacing an evicted pod).
    Starting,
    Running,
    /// Stop was asked and a pod is still there.
    Stopping,
    Stopped,
    Complete,
    Failed,
    /// The objects contradict each other (no run record, API error): never guessed.
    Unknown,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fresh => "fresh",
            Self::Queued => "queued",
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Complete => "complete",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }
}

/// The objects of one run, as listed or watched.
#[derive(Debug, Clone, Default)]
pub struct ClusterObjects {
    pub anchor: Option<ConfigMap>,
    pub jobs: Vec<Job>,
    pub pods: Vec<Pod>,
    pub volume: Option<PersistentVolumeClaim>,
}

impl ClusterObjects {
    /// The objects of every run, grouped by their run label (any number of runs from one list or
    /// watch per kind). Only the ConfigMap named after the run is its run record.
    pub fn by_run(
        anchors: impl IntoIterator<Item = ConfigMap>,
        jobs: impl IntoIterator<Item = Job>,
        pods: impl IntoIterator<Item = Pod>,
        volumes: impl IntoIterator<Item = PersistentVolumeClaim>,
    ) -> BTreeMap<String, Self> {
        let mut runs: BTreeMap<String, Self> = BTreeMap::new();
        let run_of = |meta: &ObjectMeta| run_label(meta).map(str::to_owned);
        for anchor in anchors {
            if let Some(run) = run_of(&anchor.metadata)
                && anchor.metadata.name.as_deref() == Some(names::anchor(&run).as_str())
            {
                runs.entry(run).or_default().anchor = Some(anchor);
            }
        }
        for job in jobs {
            if let Some(run) = run_of(&job.metadata) {
                runs.entry(run).or_default().jobs.push(job);
            }
        }
        for pod in pods {
            if let Some(run) = run_of(&pod.metadata) {
                runs.entry(run).or_default().pods.push(pod);
            }
        }
        for volume in volumes {
            if let Some(run) = run_of(&volume.metadata) {
                runs.entry(run).or_default().volume = Some(volume);
            }
        }
        runs
    }
}

/// The run an object belongs to, from its `peers.dev/run` label.
pub fn run_label(meta: &ObjectMeta) -> Option<&str> {
    label(meta, names::RUN)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunStatus {
    pub phase: Phase,
    /// Why, when the phase alone does not say (the condition or container reason, with message).
    pub detail: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The current session's Job and pod.
    pub job: Option<String>,
    pub pod: Option<String>,
}

impl RunStatus {
    fn new(phase: Phase) -> Self {
        Self {
            phase,
            detail: None,
            hint: None,
            job: None,
            pod: None,
        }
    }

    /// A state that could not be read (the error says why).
    pub fn unknown(why: String) -> Self {
        Self::new(Phase::Unknown).detail(why)
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

fn label<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.labels.as_ref()?.get(key).map(String::as_str)
}

fn generation(job: &Job) -> u64 {
    label(&job.metadata, names::GENERATION)
        .and_then(|g| g.parse().ok())
        .unwrap_or(0)
}

/// A pod that still runs or may still run: not terminal.
pub fn is_live(pod: &Pod) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    !matches!(phase, Some("Succeeded" | "Failed"))
}

fn condition<'a>(job: &'a Job, kind: &str) -> Option<(&'a str, &'a str)> {
    job.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == kind && c.status == "True")
        .map(|c| {
            (
                c.reason.as_deref().unwrap_or(""),
                c.message.as_deref().unwrap_or(""),
            )
        })
}

fn pod_condition<'a>(pod: &'a Pod, kind: &str) -> Option<(&'a str, &'a str, &'a str)> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == kind)
        .map(|c| {
            (
                c.status.as_str(),
                c.reason.as_deref().unwrap_or(""),
                c.message.as_deref().unwrap_or(""),
            )
        })
}

/// The `loop` container's termination, if it ended.
pub fn loop_terminated(pod: &Pod) -> Option<&ContainerStateTerminated> {
    pod.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .find(|c| c.name == "loop")?
        .state
        .as_ref()?
        .terminated
        .as_ref()
}

/// The first waiting reason of any container (init containers first), with its message.
fn waiting(pod: &Pod) -> Option<(String, String)> {
    let status = pod.status.as_ref()?;
    let all = status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten());
    all.filter_map(|c| c.state.as_ref()?.waiting.as_ref())
        .find_map(|w| {
            let reason = w.reason.clone()?;
            (reason != "PodInitializing" && reason != "ContainerCreating")
                .then(|| (reason, w.message.clone().unwrap_or_default()))
        })
}

fn with_message(what: &str, message: &str) -> String {
    if message.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {message}")
    }
}

/// The state of the run from its objects.
pub fn status(observed: &ClusterObjects) -> RunStatus {
    let Some(anchor) = &observed.anchor else {
        if observed.jobs.is_empty() && observed.pods.is_empty() {
            return RunStatus::new(Phase::Fresh);
        }
        return RunStatus::new(Phase::Unknown)
            .detail("Jobs or pods of this run exist without its run record (ConfigMap)")
            .hint("delete them: kubectl delete jobs,pods -l peers.dev/run=<run>");
    };
    let annotations = anchor.metadata.annotations.as_ref();
    let desired = annotations
        .and_then(|a| a.get(names::DESIRED))
        .map_or("running", String::as_str);
    let last_stop = annotations.and_then(|a| a.get(names::LAST_STOP)).cloned();
    let current = observed.jobs.iter().max_by_key(|job| generation(job));
    let current_name = current.and_then(|j| j.metadata.name.clone());
    let current_generation = current.map(|job| generation(job).to_string());
    let mut pods: Vec<&Pod> = observed
        .pods
        .iter()
        .filter(|pod| {
            current_generation.is_some()
                && label(&pod.metadata, names::GENERATION) == current_generation.as_deref()
        })
        .collect();
    pods.sort_by(|a, b| {
        a.metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0)
            .cmp(&b.metadata.creation_timestamp.as_ref().map(|t| t.0))
    });
    let newest = pods.last().copied();
    let any_live = observed.pods.iter().any(is_live);
    let mut result = decide(desired, last_stop, current, newest, any_live, observed);
    result.job = current_name;
    result.pod = newest.and_then(|p| p.metadata.name.clone());
    result
}

fn decide(
    desired: &str,
    last_stop: Option<String>,
    job: Option<&Job>,
    pod: Option<&Pod>,
    any_live: bool,
    observed: &ClusterObjects,
) -> RunStatus {
    if desired == "stopped" {
        if any_live {
            return RunStatus::new(Phase::Stopping)
                .detail("stop was asked; the pod is still terminating (the loop saves its state)");
        }
        let stopped = RunStatus::new(Phase::Stopped);
        return match last_stop {
            Some(reason) => stopped.detail(reason),
            None => stopped,
        };
    }
    let Some(job) = job else {
        if any_live {
            return RunStatus::new(Phase::Unknown)
                .detail("a pod of this run is alive without its Job")
                .hint("kubectl get pods -l peers.dev/run=<run> shows it; delete it, then start");
        }
        return match last_stop {
            Some(reason) if reason.starts_with("complete") => {
                RunStatus::new(Phase::Complete).detail(reason)
            }
            Some(reason) => RunStatus::new(Phase::Stopped).detail(reason),
            None => RunStatus::new(Phase::Starting)
                .detail("the run record says running but there is no Job")
                .hint("peers-ctl start creates it"),
        };
    };
    if condition(job, "Complete").is_some() {
        let reason = pod
            .and_then(loop_terminated)
            .and_then(|t| t.message.clone());
        return RunStatus::new(Phase::Complete).detail(reason.unwrap_or("complete".into()));
    }
    if let Some((reason, message)) = condition(job, "Failed") {
        return failed(reason, message, observed);
    }
    let suspended = condition(job, "Suspended").is_some()
        || job.spec.as_ref().and_then(|s| s.suspend) == Some(true);
    if suspended {
        return match label(&job.metadata, names::QUEUE) {
            Some(queue) => RunStatus::new(Phase::Queued)
                .detail(format!("waiting for Kueue to admit it (queue {queue})")),
            None => RunStatus::new(Phase::Queued).detail("the Job is suspended"),
        };
    }
    match pod {
        None => starting_without_pod(observed),
        Some(pod) => pod_state(pod),
    }
}

fn starting_without_pod(observed: &ClusterObjects) -> RunStatus {
    let volume_phase = observed
        .volume
        .as_ref()
        .and_then(|v| v.status.as_ref())
        .and_then(|s| s.phase.as_deref());
    if volume_phase == Some("Pending") {
        return RunStatus::new(Phase::Starting)
            .detail("the run's volume is Pending")
            .hint("check the StorageClass: kubectl get storageclass (or --storage-class)");
    }
    RunStatus::new(Phase::Starting).detail("the Job has no pod yet")
}

fn pod_state(pod: &Pod) -> RunStatus {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if let Some(("True", reason, message)) = pod_condition(pod, "DisruptionTarget") {
        return RunStatus::new(Phase::Starting).detail(with_message(
            &format!(
                "the pod was disrupted ({reason}); a new pod resumes from the last saved tick"
            ),
            message,
        ));
    }
    if let Some(terminated) = loop_terminated(pod)
        && terminated.reason.as_deref() == Some("OOMKilled")
    {
        return RunStatus::new(Phase::Starting)
            .detail("the loop was OOMKilled; the Job retries it (backoffLimit)")
            .hint("raise the loop container's memory limit if it happens again");
    }
    if let Some(("False", "Unschedulable", message)) = pod_condition(pod, "PodScheduled") {
        return RunStatus::new(Phase::Starting)
            .detail(with_message("unschedulable", message))
            .hint("free capacity, or adjust the requests, node selector or quota");
    }
    if let Some((reason, message)) = waiting(pod) {
        let hint = match reason.as_str() {
            "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
                "check the image name and pull access (peers-ctl new/add --image)"
            }
            "CreateContainerConfigError" => "a referenced Secret or ConfigMap is missing",
            _ => "kubectl describe pod shows the events",
        };
        return RunStatus::new(Phase::Starting)
            .detail(with_message(&reason, &message))
            .hint(hint);
    }
    match phase {
        Some("Running") => RunStatus::new(Phase::Running),
        Some("Succeeded") => {
            RunStatus::new(Phase::Running).detail("the pod ended; the Job is finishing")
        }
        Some("Failed") => RunStatus::new(Phase::Starting)
            .detail("the pod failed; the Job retries it (backoffLimit)"),
        _ => RunStatus::new(Phase::Starting),
    }
}

fn failed(reason: &str, message: &str, observed: &ClusterObjects) -> RunStatus {
    let oom = observed
        .pods
        .iter()
        .filter_map(loop_terminated)
        .any(|t| t.reason.as_deref() == Some("OOMKilled"));
    let stop = observed
        .pods
        .iter()
        .filter_map(loop_terminated)
        .filter_map(|t| t.message.clone())
        .next_back();
    if let Some(stop) = stop
        .as_deref()
        .filter(|stop| stop.split_whitespace().next() == Some(crate::reconcile::CHECKPOINT_STOP))
    {
        // Exit 3 is not retried so the pause holds; it is a stop, not a failure.
        return RunStatus::new(Phase::Stopped)
            .detail(stop)
            .hint(crate::reconcile::checkpoint_note("<name>"));
    }
    let status = RunStatus::new(Phase::Failed);
    match reason {
        "DeadlineExceeded" => status
            .detail(with_message("deadline exceeded", message))
            .hint(
                "the Job ran past activeDeadlineSeconds (--max-runtime + 10 min); start resumes it",
            ),
        _ if oom => status
            .detail(with_message("OOMKilled", message))
            .hint("raise the loop container's memory limit, then start again"),
        "PodFailurePolicy" => status
            .detail(with_message(
                "the loop or the workspace exited with a code that is not retried",
                &stop.unwrap_or_else(|| message.to_owned()),
            ))
            .hint("peers-ctl logs shows why; fix it, then start again"),
        _ => status
            .detail(with_message(reason, message))
            .hint("peers-ctl logs shows why; start again once fixed"),
    }
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
