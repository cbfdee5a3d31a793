//! Where a project runs, as its registry entry records it: on this machine, or as Jobs in a
//! Kubernetes namespace (with everything the manifests reference by name).

use serde::{Deserialize, Serialize};

/// The registry's record of a project's backend (absent = local, so old entries stay valid).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum BackendSpec {
    /// A detached process on this machine.
    #[default]
    Local,
    /// A Job per session in a Kubernetes cluster.
    Kubernetes(Box<KubeTarget>),
}

impl BackendSpec {
    pub fn is_local(&self) -> bool {
        matches!(self, Self::Local)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Kubernetes(_) => "kubernetes",
        }
    }
}

/// Where and how a Kubernetes project runs. Everything the manifests reference by name (image,
/// proxy, secrets, queue, storage) is configuration, recorded here at `new`/`add`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubeTarget {
    /// The kubeconfig context (None: the kubeconfig's current context).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub namespace: String,
    /// The image holding `peers`, git and the agent CLIs (the podman backend's image).
    pub image: String,
    /// The image of the credential-injecting proxy sidecar (default: the run image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_image: Option<String>,
    /// The proxy sidecar's command.
    pub proxy_command: Vec<String>,
    /// The git remote the init container clones and the loop pushes to (None: the project's
    /// `origin` at start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_remote: Option<String>,
    /// The Kueue LocalQueue; when set, Jobs are created suspended with the queue label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    pub storage_size: String,
    /// The Job of the current (or last) session: its UID is the run's fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_uid: Option<String>,
    /// Sessions started so far; the next Job is `peers-<run>-<generation + 1>`.
    #[serde(default)]
    pub generation: u64,
}

/// Defaults for a new Kubernetes target.
pub const DEFAULT_NAMESPACE: &str = "peers";
pub const DEFAULT_IMAGE: &str = "localhost/peers:latest";
pub const DEFAULT_STORAGE_SIZE: &str = "5Gi";
pub const DEFAULT_PROXY_COMMAND: &[&str] = &["peers", "proxy", "--listen", "127.0.0.1:8080"];
