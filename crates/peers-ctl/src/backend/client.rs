//! The cluster client of the Kubernetes backend (kube-rs over a kubeconfig): server-side apply
//! under the field manager `peers-ctl`, one LIST per object kind by label selector for any
//! number of runs, deletes with background propagation, pod logs that reconnect from the last
//! timestamp, and the probes of `doctor` (server version, namespace, SelfSubjectAccessReview).
//! peers-ctl is synchronous; each call runs on a current-thread runtime.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use futures::{AsyncBufReadExt as _, StreamExt as _};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, PersistentVolumeClaim, Pod};
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend_spec::KubeTarget;
use crate::cluster::logs::LogCursor;
use crate::cluster::names;
use crate::cluster::status::ClusterObjects;
use crate::error::{CtlError, CtlResult};

/// The field manager of every server-side apply.
pub const FIELD_MANAGER: &str = "peers-ctl";
/// How long a log reconnect waits after the stream ended.
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);

pub struct Cluster {
    runtime: tokio::runtime::Runtime,
    client: Client,
    pub namespace: String,
    /// Where the client points, for messages.
    pub server: String,
}

fn api_error(what: &str, err: &kube::Error) -> CtlError {
    let hint = match err {
        kube::Error::Api(status) if status.code == 403 => {
            "the kubeconfig's user lacks the RBAC rights peers-ctl needs in this namespace"
        }
        kube::Error::Api(status) if status.code == 404 => {
            "does the namespace exist? kubectl create namespace <ns>"
        }
        _ => "check the cluster is reachable: kubectl --context <ctx> get ns",
    };
    CtlError::failed(format!("Kubernetes: {what}: {err}")).hint(hint)
}

/// The client configuration from the kubeconfig (`$KUBECONFIG` or `~/.kube/config`) and the
/// target's context.
pub async fn config(target: &KubeTarget) -> CtlResult<Config> {
    let options = KubeConfigOptions {
        context: target.context.clone(),
        ..KubeConfigOptions::default()
    };
    let kubeconfig = Kubeconfig::read().map_err(|e| {
        CtlError::failed(format!("cannot read the kubeconfig: {e}"))
            .hint("set KUBECONFIG or create ~/.kube/config (kind and k3d write one)")
    })?;
    Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| {
            CtlError::failed(format!("the kubeconfig is not usable: {e}")).hint(format!(
                "check the context{}: kubectl config get-contexts",
                target
                    .context
                    .as_deref()
                    .map(|c| format!(" {c:?}"))
                    .unwrap_or_default()
            ))
        })
}

/// A client for `config`; must run inside a tokio runtime.
pub fn client(config: Config) -> CtlResult<Client> {
    Client::try_from(config)
        .map_err(|e| CtlError::failed(format!("cannot build the cluster client: {e}")))
}

impl Cluster {
    /// Connects through the kubeconfig (`$KUBECONFIG` or `~/.kube/config`) and the target's
    /// context.
    pub fn connect(target: &KubeTarget) -> CtlResult<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CtlError::failed(format!("cannot start the async runtime: {e}")))?;
        let config = runtime.block_on(config(target))?;
        let server = config.cluster_url.to_string();
        let client = {
            let _guard = runtime.enter();
            client(config)?
        };
        Ok(Self {
            runtime,
            client,
            namespace: target.namespace.clone(),
            server,
        })
    }

    fn api<K>(&self) -> Api<K>
    where
        K: Resource<Scope = NamespaceResourceScope>,
        <K as Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// Server-side apply of `object` (force: peers-ctl owns these fields), returning it as
    /// stored.
    pub fn apply<K>(&self, object: &K) -> CtlResult<K>
    where
        K: Resource<Scope = NamespaceResourceScope> + Serialize + DeserializeOwned + Clone + Debug,
        <K as Resource>::DynamicType: Default,
    {
        let name = object.meta().name.clone().unwrap_or_default();
        let params = PatchParams::apply(FIELD_MANAGER).force();
        self.runtime
            .block_on(self.api::<K>().patch(&name, &params, &Patch::Apply(object)))
            .map_err(|e| {
                api_error(
                    &format!("apply {} {name}", K::kind(&Default::default())),
                    &e,
                )
            })
    }

    /// Merges `annotations` into the anchor of `run`.
    pub fn annotate_anchor(&self, run: &str, annotations: &BTreeMap<&str, &str>) -> CtlResult<()> {
        let name = names::anchor(run);
        let patch = serde_json::json!({"metadata": {"annotations": annotations}});
        let params = PatchParams {
            field_manager: Some(FIELD_MANAGER.into()),
            ..PatchParams::default()
        };
        self.runtime
            .block_on(
                self.api::<ConfigMap>()
                    .patch(&name, &params, &Patch::Merge(&patch)),
            )
            .map(drop)
            .map_err(|e| api_error(&format!("annotate {name}"), &e))
    }

    /// Deletes Job `name`; its pods follow (background propagation). Absent is fine.
    pub fn delete_job(&self, name: &str) -> CtlResult<()> {
        match self
            .runtime
            .block_on(self.api::<Job>().delete(name, &DeleteParams::background()))
        {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(e) => Err(api_error(&format!("delete job {name}"), &e)),
        }
    }

    /// Takes the run's volume out of its anchor's ownership (a JSON merge patch dropping its
    /// ownerReferences), so deleting the anchor leaves it. `false` when the run has no volume.
    pub fn orphan_volume(&self, run: &str) -> CtlResult<bool> {
        let name = names::volume(run);
        let patch = serde_json::json!({"metadata": {"ownerReferences": null}});
        let params = PatchParams {
            field_manager: Some(FIELD_MANAGER.into()),
            ..PatchParams::default()
        };
        match self
            .runtime
            .block_on(self.api::<PersistentVolumeClaim>().patch(
                &name,
                &params,
                &Patch::Merge(&patch),
            )) {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
            Err(e) => Err(api_error(&format!("release volume {name}"), &e)),
        }
    }

    /// Deletes the run's anchor with background propagation: the cluster garbage-collects
    /// everything it owns (Jobs and their pods, the volume unless orphaned first). `false` when
    /// the anchor was already gone.
    pub fn delete_anchor(&self, run: &str) -> CtlResult<bool> {
        let name = names::anchor(run);
        match self.runtime.block_on(
            self.api::<ConfigMap>()
                .delete(&name, &DeleteParams::background()),
        ) {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
            Err(e) => Err(api_error(&format!("delete configmap {name}"), &e)),
        }
    }

    /// The API server's version (`GET /version`).
    pub fn server_version(&self) -> CtlResult<String> {
        self.runtime
            .block_on(self.client.apiserver_version())
            .map(|info| info.git_version)
            .map_err(|e| {
                CtlError::failed(format!(
                    "the API server at {} does not answer: {e}",
                    self.server
                ))
            })
    }

    /// Whether the namespace exists; `None` when the user may not read it.
    pub fn namespace_exists(&self) -> CtlResult<Option<bool>> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        match self.runtime.block_on(api.get(&self.namespace)) {
            Ok(_) => Ok(Some(true)),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(Some(false)),
            Err(kube::Error::Api(status)) if status.code == 403 => Ok(None),
            Err(e) => Err(api_error(&format!("get namespace {}", self.namespace), &e)),
        }
    }

    /// Whether the user may `verb` the `resource` (of API `group`, "" for core; `resource` may
    /// be `pods/log`) in the namespace: one SelfSubjectAccessReview.
    pub fn can_i(&self, verb: &str, group: &str, resource: &str) -> CtlResult<bool> {
        let (resource, subresource) = match resource.split_once('/') {
            Some((resource, sub)) => (resource, Some(sub.to_owned())),
            None => (resource, None),
        };
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    namespace: Some(self.namespace.clone()),
                    verb: Some(verb.to_owned()),
                    group: Some(group.to_owned()),
                    resource: Some(resource.to_owned()),
                    subresource,
                    ..ResourceAttributes::default()
                }),
                ..SelfSubjectAccessReviewSpec::default()
            },
            ..SelfSubjectAccessReview::default()
        };
        let api: Api<SelfSubjectAccessReview> = Api::all(self.client.clone());
        self.runtime
            .block_on(api.create(&PostParams::default(), &review))
            .map(|done| done.status.is_some_and(|s| s.allowed))
            .map_err(|e| api_error("create selfsubjectaccessreview", &e))
    }

    fn list<K>(&self, selector: &str) -> CtlResult<Vec<K>>
    where
        K: Resource<Scope = NamespaceResourceScope> + DeserializeOwned + Clone + Debug,
        <K as Resource>::DynamicType: Default,
    {
        let params = ListParams::default().labels(selector);
        self.runtime
            .block_on(self.api::<K>().list(&params))
            .map(|list| list.items)
            .map_err(|e| api_error(&format!("list {}", K::plural(&Default::default())), &e))
    }

    /// Every peers-ctl run in the namespace, by run id: one LIST per kind, whatever the number
    /// of runs.
    pub fn observe_all(&self) -> CtlResult<BTreeMap<String, ClusterObjects>> {
        self.observe_selected(names::SELECTOR)
    }

    /// The objects of run `run` (one LIST per kind).
    pub fn observe(&self, run: &str) -> CtlResult<ClusterObjects> {
        let selector = format!("{},{}={run}", names::SELECTOR, names::RUN);
        Ok(self
            .observe_selected(&selector)?
            .remove(run)
            .unwrap_or_default())
    }

    fn observe_selected(&self, selector: &str) -> CtlResult<BTreeMap<String, ClusterObjects>> {
        Ok(ClusterObjects::by_run(
            self.list::<ConfigMap>(selector)?,
            self.list::<Job>(selector)?,
            self.list::<Pod>(selector)?,
            self.list::<PersistentVolumeClaim>(selector)?,
        ))
    }

    /// Prints the `loop` container's log of `pod`: the last `lines`, then, with `follow`, new
    /// lines until the pod ends, reconnecting from the last timestamp when the stream drops.
    pub fn logs(
        &self,
        pod: &str,
        lines: Option<i64>,
        follow: bool,
        mut print: impl FnMut(&str),
    ) -> CtlResult<()> {
        let api = self.api::<Pod>();
        let mut cursor = LogCursor::default();
        self.runtime.block_on(async {
            loop {
                let since = cursor
                    .since()
                    .and_then(|s| s.parse::<k8s_openapi::jiff::Timestamp>().ok());
                let params = LogParams {
                    container: Some("loop".into()),
                    follow,
                    timestamps: true,
                    tail_lines: if since.is_none() { lines } else { None },
                    since_time: since,
                    ..LogParams::default()
                };
                let stream = api
                    .log_stream(pod, &params)
                    .await
                    .map_err(|e| api_error(&format!("logs of pod {pod}"), &e))?;
                let mut stream = stream.lines();
                while let Some(line) = stream.next().await {
                    let Ok(line) = line else { break };
                    if let Some(text) = cursor.accept(&line) {
                        print(&text);
                    }
                }
                if !follow {
                    return Ok(());
                }
                let running = api
                    .get(pod)
                    .await
                    .ok()
                    .and_then(|p| p.status?.phase)
                    .is_some_and(|phase| phase == "Running" || phase == "Pending");
                if !running {
                    return Ok(());
                }
                tokio::time::sleep(RECONNECT_PAUSE).await;
            }
        })
    }
}
