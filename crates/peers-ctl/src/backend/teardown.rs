//! `remove` of a Kubernetes project: delete the run's anchor ConfigMap with background
//! propagation, so the cluster garbage-collects what it owns through ownerReferences (Jobs, their
//! pods, the work volume); `--keep-volume` first takes the volume out of the anchor's ownership.
//! A live run is refused; an unreadable cluster too, unless `--force` (then the objects stay and
//! the outcome names them by label selector).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::backend::client::Cluster;
use crate::backend_spec::KubeTarget;
use crate::cluster::names;
use crate::cluster::status::{ClusterObjects, Phase, status};
use crate::error::{CtlError, CtlResult};

/// What `remove` did to a run's objects.
#[derive(Debug, Serialize)]
pub struct Teardown {
    pub namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Deleted, as `kind/name`: the anchor and what the cluster collects with it.
    pub deleted: Vec<String>,
    /// The volume kept by `--keep-volume` (no longer owned by anything).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_volume: Option<String>,
    /// Objects of the run that stay in the cluster (not owned by the anchor), as `kind/name`.
    pub left: Vec<String>,
    /// The label selector of what stays, when anything does or the cluster could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_selector: Option<String>,
    /// Why the cluster was left as it was (`--force` past an error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Teardown {
    /// `kubectl [--context C] -n NS`, for the commands the outcome suggests.
    pub fn kubectl(&self) -> String {
        kubectl(self.context.as_deref(), &self.namespace)
    }
}

/// `kubectl [--context C] -n NS`.
pub fn kubectl(context: Option<&str>, namespace: &str) -> String {
    match context {
        Some(context) => format!("kubectl --context {context} -n {namespace}"),
        None => format!("kubectl -n {namespace}"),
    }
}

fn owned_by(meta: &ObjectMeta, uid: &str) -> bool {
    meta.owner_references
        .iter()
        .flatten()
        .any(|owner| owner.uid == uid)
}

fn label(kind: &str, meta: &ObjectMeta) -> String {
    format!("{kind}/{}", meta.name.as_deref().unwrap_or("?"))
}

/// Every object of the run, as `kind/name`.
fn all_objects(observed: &ClusterObjects) -> Vec<String> {
    let anchor = observed
        .anchor
        .iter()
        .map(|a| label("configmap", &a.metadata));
    let jobs = observed.jobs.iter().map(|j| label("job", &j.metadata));
    let pods = observed.pods.iter().map(|p| label("pod", &p.metadata));
    let volume = observed
        .volume
        .iter()
        .map(|v| label("persistentvolumeclaim", &v.metadata));
    anchor.chain(jobs).chain(pods).chain(volume).collect()
}

/// What deleting the anchor collects: Jobs it owns, their pods, the volume if it owns it.
fn collected(observed: &ClusterObjects, keep_volume: bool) -> Vec<String> {
    let Some(anchor) = &observed.anchor else {
        return Vec::new();
    };
    let uid = anchor.metadata.uid.as_deref().unwrap_or_default();
    let mut out = vec![label("configmap", &anchor.metadata)];
    let jobs: Vec<_> = observed
        .jobs
        .iter()
        .filter(|job| owned_by(&job.metadata, uid))
        .collect();
    out.extend(jobs.iter().map(|job| label("job", &job.metadata)));
    out.extend(
        observed
            .pods
            .iter()
            .filter(|pod| {
                jobs.iter().any(|job| {
                    owned_by(
                        &pod.metadata,
                        job.metadata.uid.as_deref().unwrap_or_default(),
                    )
                })
            })
            .map(|pod| label("pod", &pod.metadata)),
    );
    if !keep_volume
        && let Some(volume) = &observed.volume
        && owned_by(&volume.metadata, uid)
    {
        out.push(label("persistentvolumeclaim", &volume.metadata));
    }
    out
}

/// With `keep_volume`, releases the volume from the anchor (recorded in `outcome`), then deletes
/// the anchor. `Ok(false)` when there was no anchor to delete.
fn release_and_delete(
    cluster: &Cluster,
    run: &str,
    observed: &ClusterObjects,
    keep_volume: bool,
    outcome: &mut Teardown,
) -> CtlResult<bool> {
    if observed.anchor.is_none() {
        return Ok(false);
    }
    if keep_volume && observed.volume.is_some() && cluster.orphan_volume(run)? {
        outcome.kept_volume = Some(names::volume(run));
    }
    cluster.delete_anchor(run)
}

/// Deletes the objects of project `name` (not while it runs); see the module doc.
pub fn teardown(
    target: &KubeTarget,
    name: &str,
    keep_volume: bool,
    force: bool,
) -> CtlResult<Teardown> {
    let run = names::run_id(name);
    let selector = format!("{},{}={run}", names::SELECTOR, names::RUN);
    let mut outcome = Teardown {
        namespace: target.namespace.clone(),
        context: target.context.clone(),
        deleted: Vec::new(),
        kept_volume: None,
        left: Vec::new(),
        remaining_selector: None,
        error: None,
    };
    let read = Cluster::connect(target).and_then(|cluster| {
        let observed = cluster.observe(&run)?;
        Ok((cluster, observed))
    });
    let (cluster, observed) = match read {
        Ok(read) => read,
        Err(err) if force => {
            outcome.remaining_selector = Some(selector);
            outcome.error = Some(err.message);
            return Ok(outcome);
        }
        Err(err) => {
            let mut refusal = CtlError::failed(format!(
                "cannot tell whether {name:?} still runs on Kubernetes: {}",
                err.message
            ));
            for hint in err.hints {
                refusal = refusal.hint(hint);
            }
            return Err(refusal.hint(format!(
                "fix the cluster access, or unregister anyway (its objects stay in the cluster): peers-ctl remove {name} --force"
            )));
        }
    };
    let now = status(&observed);
    match now.phase {
        Phase::Fresh | Phase::Stopped | Phase::Complete | Phase::Failed => {}
        Phase::Unknown if force => {}
        Phase::Unknown => {
            let mut refusal = CtlError::failed(format!(
                "cannot tell whether {name:?} still runs on Kubernetes: {}",
                now.detail.unwrap_or_default()
            ));
            if let Some(hint) = now.hint {
                refusal = refusal.hint(hint.replace("<run>", &run));
            }
            return Err(refusal.hint(format!(
                "or remove it anyway (deletes its run record and what that owns): peers-ctl remove {name} --force"
            )));
        }
        _ => {
            return Err(CtlError::failed(format!(
                "project {name:?} is {} on Kubernetes{}",
                now.phase.as_str(),
                now.detail.map(|d| format!(" ({d})")).unwrap_or_default()
            ))
            .hint(format!("stop it first: peers-ctl stop {name}")));
        }
    }
    let deleted = collected(&observed, keep_volume);
    let result = release_and_delete(&cluster, &run, &observed, keep_volume, &mut outcome);
    match result {
        Ok(true) => outcome.deleted = deleted,
        Ok(false) => {}
        Err(err) if force => outcome.error = Some(err.message),
        Err(err) => return Err(err),
    }
    let kept = outcome
        .kept_volume
        .as_ref()
        .map(|v| format!("persistentvolumeclaim/{v}"));
    outcome.left = all_objects(&observed)
        .into_iter()
        .filter(|o| !outcome.deleted.contains(o) && Some(o) != kept.as_ref())
        .collect();
    if !outcome.left.is_empty() || outcome.error.is_some() {
        outcome.remaining_selector = Some(selector);
    }
    Ok(outcome)
}
