//! Backends: where a project's `peers run` executes. `local` is a detached process on this
//! machine (the behaviour peers-ctl always had); `kubernetes` is one batch/v1 Job per session in
//! a cluster. The project's backend is part of its registry entry; `start` and `stop` dispatch
//! through [`Backend`], so every command works the same whatever runs the loop.

pub mod client;
pub mod kubernetes;
pub mod local;
pub mod teardown;
pub mod watch;

use std::path::Path;

use crate::backend_spec::{
    BackendSpec, DEFAULT_IMAGE, DEFAULT_NAMESPACE, DEFAULT_PROXY_COMMAND, DEFAULT_STORAGE_SIZE,
    KubeTarget,
};
use crate::error::{CtlError, CtlResult};
use crate::run_args::{StartArgs, StopArgs};

/// What starts and stops a project's run.
pub trait Backend {
    /// Starts the run, or resumes a stopped or crashed one. Returns the exit code.
    fn start(&self, config: &Path, name: &str, args: &StartArgs) -> CtlResult<u8>;
    /// Stops the run gracefully (the loop saves its state), forcing after the grace period.
    fn stop(&self, config: &Path, name: &str, args: &StopArgs) -> CtlResult<u8>;
    /// Prints the run's last `lines` of output; with `follow`, new output until the run ends.
    fn logs(&self, config: &Path, name: &str, lines: usize, follow: bool) -> CtlResult<u8>;
}

/// The backend recorded for a project.
pub fn for_spec(spec: &BackendSpec) -> Box<dyn Backend> {
    match spec {
        BackendSpec::Local => Box::new(local::Local),
        BackendSpec::Kubernetes(target) => Box::new(kubernetes::Kubernetes {
            target: (**target).clone(),
        }),
    }
}

/// The `--backend` flags of `new` and `add`, turned into a [`BackendSpec`].
#[derive(Debug, Clone, clap::Args)]
pub struct BackendArgs {
    /// Where the run executes: `local` (a process on this machine) or `kubernetes` (a Job per
    /// session in a cluster, configured by the flags marked `kubernetes:`; the
    /// kubeconfig is $KUBECONFIG or ~/.kube/config).
    #[arg(long, value_name = "BACKEND", value_parser = ["local", "kubernetes"], default_value = "local")]
    pub backend: String,
    /// kubernetes: the kubeconfig context (default: the current context).
    #[arg(long, value_name = "CONTEXT")]
    pub kube_context: Option<String>,
    /// kubernetes: the namespace the run's objects go in (default: peers).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// kubernetes: the image with `peers`, git and the agent CLIs (default:
    /// localhost/peers:latest).
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// kubernetes: the image of the credential proxy sidecar (default: --image).
    #[arg(long, value_name = "IMAGE")]
    pub proxy_image: Option<String>,
    /// kubernetes: the git remote the pod clones and pushes to (default: the repo's origin).
    #[arg(long, value_name = "URL")]
    pub git_remote: Option<String>,
    /// kubernetes: a Kueue LocalQueue; Jobs are then created suspended and Kueue admits them.
    #[arg(long, value_name = "QUEUE")]
    pub kueue_queue: Option<String>,
    /// kubernetes: the StorageClass of the run's volume (default: the cluster's default).
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,
    /// kubernetes: the size of the run's volume (default: 5Gi).
    #[arg(long, value_name = "SIZE")]
    pub storage_size: Option<String>,
}

impl BackendArgs {
    pub fn spec(&self) -> CtlResult<BackendSpec> {
        if self.backend == "local" {
            let given = [
                ("--kube-context", self.kube_context.is_some()),
                ("--namespace", self.namespace.is_some()),
                ("--image", self.image.is_some()),
                ("--proxy-image", self.proxy_image.is_some()),
                ("--git-remote", self.git_remote.is_some()),
                ("--kueue-queue", self.kueue_queue.is_some()),
                ("--storage-class", self.storage_class.is_some()),
                ("--storage-size", self.storage_size.is_some()),
            ];
            if let Some((flag, _)) = given.iter().find(|(_, on)| *on) {
                return Err(CtlError::usage(format!(
                    "{flag} applies to the kubernetes backend only"
                ))
                .hint("add --backend kubernetes, or drop the flag"));
            }
            return Ok(BackendSpec::Local);
        }
        let namespace = self.namespace.clone().unwrap_or(DEFAULT_NAMESPACE.into());
        check_dns_label("--namespace", &namespace)?;
        Ok(BackendSpec::Kubernetes(Box::new(KubeTarget {
            context: self.kube_context.clone(),
            namespace,
            image: self.image.clone().unwrap_or(DEFAULT_IMAGE.into()),
            proxy_image: self.proxy_image.clone(),
            proxy_command: DEFAULT_PROXY_COMMAND.iter().map(|s| (*s).into()).collect(),
            git_remote: self.git_remote.clone(),
            queue: self.kueue_queue.clone(),
            storage_class: self.storage_class.clone(),
            storage_size: self
                .storage_size
                .clone()
                .unwrap_or(DEFAULT_STORAGE_SIZE.into()),
            job_uid: None,
            generation: 0,
        })))
    }
}

/// A Kubernetes DNS label: 1–63 lowercase letters, digits and '-', not starting or ending in '-'.
pub fn check_dns_label(flag: &str, value: &str) -> CtlResult<()> {
    let ok = !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(CtlError::usage(format!(
            "{flag} {value:?}: not a Kubernetes name (1-63 lowercase letters, digits and '-')"
        ))
        .hint("e.g. --namespace peers"))
    }
}
