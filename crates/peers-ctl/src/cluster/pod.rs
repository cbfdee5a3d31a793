//! The pod of a session's Job: hardened for Pod Security "restricted" (non-root, no service
//! account token, read-only root, every capability dropped, RuntimeDefault seccomp). Three
//! containers: `proxy` (native sidecar, started first: the only one holding credentials — the
//! model keys and the git credential — serving the model proxies and the git relay on
//! 127.0.0.1), `workspace` (init: clone or fetch through the relay, restore `.peers/`, check
//! the image's peers version) and `loop` (`peers run` and the agents: placeholder keys, the
//! proxy's address, `origin` at the relay, nothing secret).
//!
//! An `http(s)://` remote is reached through the relay (`http://127.0.0.1:8081/<path>`); any other
//! remote (`file://`, a path) is used as it is, with no credential.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvFromSource, EnvVar,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, ResourceRequirements,
    SeccompProfile, SecretEnvSource, SecretVolumeSource, SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::cluster::names;
use crate::cluster::plan::{DRIFT_EXIT, RunPlan};

/// The secret holding the model API keys (env of the proxy sidecar only).
pub const MODEL_KEYS_SECRET: &str = "peers-model-keys";
/// The secret holding git credentials (`credentials`, git-credential-store format).
pub const GIT_SECRET: &str = "peers-git";
const GIT_SECRET_DIR: &str = "/var/run/secrets/peers-git";
const UID: i64 = 1000;
/// What the agents see instead of an API key: the proxy replaces it.
pub const PLACEHOLDER_KEY: &str = "peers-proxy-injects-the-key";
const PROXY_LISTEN: &str = "http://127.0.0.1:8080";
/// Where the proxy sidecar's git relay listens; `origin` of the pod's clone points at it.
pub const GIT_RELAY_LISTEN: &str = "127.0.0.1:8081";
/// Where `peers run` writes its stop reason (`PEERS_TERMINATION_LOG`), read back by `stop` and
/// `status` from the pod's `terminated.message` without logs or exec.
const TERMINATION_LOG: &str = "/dev/termination-log";

pub fn pod(plan: &RunPlan) -> PodSpec {
    PodSpec {
        restart_policy: Some("Never".into()),
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        share_process_namespace: Some(false),
        termination_grace_period_seconds: Some(plan.grace_s),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(UID),
            run_as_group: Some(UID),
            fs_group: Some(UID),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                ..SeccompProfile::default()
            }),
            ..PodSecurityContext::default()
        }),
        // The sidecar first: the workspace clones through its git relay.
        init_containers: Some(vec![proxy(plan), workspace(plan)]),
        containers: vec![run_loop(plan)],
        volumes: Some(volumes(plan)),
        ..PodSpec::default()
    }
}

fn hardened() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            add: None,
        }),
        ..SecurityContext::default()
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<EnvVar> {
    pairs
        .iter()
        .map(|(name, value)| EnvVar {
            name: (*name).to_owned(),
            value: Some((*value).to_owned()),
            value_from: None,
        })
        .collect()
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

fn egress_proxy(plan: &RunPlan) -> String {
    format!(
        "http://{}.{}.svc:{}",
        names::EGRESS_SERVICE,
        plan.namespace,
        names::EGRESS_PORT
    )
}

/// Whether the remote is reached through the sidecar's git relay (an http(s) URL).
fn relayed(remote: &str) -> bool {
    remote.starts_with("https://") || remote.starts_with("http://")
}

/// The remote as the pod's git sees it: the relay's URL with the remote's path for an
/// http(s) remote (no user info, no credential), else the remote as it is.
pub fn pod_remote(remote: &str) -> String {
    if !relayed(remote) {
        return remote.to_owned();
    }
    let rest = remote.split_once("://").map_or(remote, |(_, rest)| rest);
    let path = rest.find('/').map_or("", |at| &rest[at..]);
    format!("http://{GIT_RELAY_LISTEN}{}", path.trim_end_matches('/'))
}

/// Clones the remote (through the relay) into an empty volume and restores `.peers/` from the
/// state ref; checks the image's peers version. Holds no credential.
fn workspace(plan: &RunPlan) -> Container {
    let proxy = egress_proxy(plan);
    let state_ref = format!("refs/peers/{}/state", plan.run);
    Container {
        name: "workspace".into(),
        image: Some(plan.image.clone()),
        command: Some(vec!["/bin/sh".into(), "-c".into(), WORKSPACE_SCRIPT.into()]),
        env: Some(env(&[
            ("HOME", "/tmp"),
            ("PEERS_REMOTE", &pod_remote(&plan.remote)),
            ("PEERS_BRANCH", &plan.branch),
            ("PEERS_STATE_REF", &state_ref),
            ("PEERS_VERSION", &plan.peers_version),
            ("PEERS_DRIFT_EXIT", &DRIFT_EXIT.to_string()),
            ("HTTPS_PROXY", &proxy),
            ("HTTP_PROXY", &proxy),
            ("NO_PROXY", "127.0.0.1,localhost"),
        ])),
        volume_mounts: Some(vec![
            mount("work", "/work", false),
            mount("init-tmp", "/tmp", false),
        ]),
        security_context: Some(hardened()),
        ..Container::default()
    }
}

const WORKSPACE_SCRIPT: &str = r#"set -eu
have="$(peers --version)"
if [ -n "$PEERS_VERSION" ] && [ "$have" != "$PEERS_VERSION" ]; then
  echo "the image has $have; the run was planned for $PEERS_VERSION (rebuild the image or restart with --image)" >&2
  exit "$PEERS_DRIFT_EXIT"
fi
# The proxy sidecar's git relay may still be starting: wait while nothing listens (5 s at most).
tries=0
until err="$(git ls-remote --heads "$PEERS_REMOTE" 2>&1 >/dev/null)"; do
  case "$err" in *"Failed to connect"*) ;; *) break ;; esac
  tries=$((tries + 1))
  [ "$tries" -lt 50 ] || break
  sleep 0.1
done
if [ -d /work/repo/.git ]; then
  git -C /work/repo remote set-url origin "$PEERS_REMOTE"
  git -C /work/repo fetch --quiet origin
  exit 0
fi
git clone --quiet --branch "$PEERS_BRANCH" "$PEERS_REMOTE" /work/repo
if git -C /work/repo fetch --quiet origin "+$PEERS_STATE_REF:$PEERS_STATE_REF" 2>/dev/null; then
  git -C /work/repo archive "$PEERS_STATE_REF" .peers | tar -x -C /work/repo
fi
# As `peers init` does: .peers/ is the run's own record, never part of the work.
exclude=/work/repo/.git/info/exclude
grep -qx '.peers/' "$exclude" 2>/dev/null || echo '.peers/' >> "$exclude"
"#;

/// The credential proxy: a native sidecar (an init container that keeps running) holding the
/// model keys and the git credential; the agents reach it on 127.0.0.1 but share neither its
/// mounts nor its processes. For an http(s) remote its command gets the git relay's flags.
fn proxy(plan: &RunPlan) -> Container {
    let proxy = egress_proxy(plan);
    let mut command = plan.proxy_command.clone();
    if relayed(&plan.remote) {
        command.extend(
            [
                "--git-relay",
                GIT_RELAY_LISTEN,
                "--git-remote",
                &plan.remote,
                "--git-credentials",
                GIT_SECRET_DIR,
                "--git-secret",
                GIT_SECRET,
            ]
            .map(str::to_owned),
        );
    }
    Container {
        name: "proxy".into(),
        image: Some(plan.proxy_image.clone()),
        command: Some(command),
        restart_policy: Some("Always".into()),
        env: Some(env(&[
            ("HOME", "/tmp"),
            ("HTTPS_PROXY", &proxy),
            ("HTTP_PROXY", &proxy),
            ("NO_PROXY", "127.0.0.1,localhost"),
        ])),
        env_from: Some(vec![EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: MODEL_KEYS_SECRET.into(),
                optional: Some(true),
            }),
            ..EnvFromSource::default()
        }]),
        volume_mounts: Some(vec![
            mount("proxy-tmp", "/tmp", false),
            mount("git-credentials", GIT_SECRET_DIR, true),
        ]),
        resources: Some(resources("100m", "128Mi", "512Mi")),
        security_context: Some(hardened()),
        ..Container::default()
    }
}

/// `peers run` and the agents: the volume, scratch space in memory, placeholder keys.
fn run_loop(plan: &RunPlan) -> Container {
    let proxy = egress_proxy(plan);
    let mut command = vec![
        "peers".to_owned(),
        "-C".into(),
        "/work/repo".into(),
        "run".into(),
    ];
    command.extend(plan.run_args.iter().cloned());
    Container {
        name: "loop".into(),
        image: Some(plan.image.clone()),
        command: Some(command),
        env: Some(env(&[
            ("HOME", "/home/peer"),
            ("PEERS_K8S_RUN", &plan.run),
            ("PEERS_TERMINATION_LOG", TERMINATION_LOG),
            ("ANTHROPIC_BASE_URL", &format!("{PROXY_LISTEN}/anthropic")),
            ("ANTHROPIC_API_KEY", PLACEHOLDER_KEY),
            ("OPENAI_BASE_URL", &format!("{PROXY_LISTEN}/openai/v1")),
            ("OPENAI_API_KEY", PLACEHOLDER_KEY),
            ("HTTPS_PROXY", &proxy),
            ("HTTP_PROXY", &proxy),
            ("NO_PROXY", "127.0.0.1,localhost"),
        ])),
        volume_mounts: Some(vec![
            mount("work", "/work", false),
            mount("tmp", "/tmp", false),
            mount("home", "/home/peer", false),
        ]),
        termination_message_path: Some(TERMINATION_LOG.into()),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        resources: Some(resources("500m", "1Gi", "4Gi")),
        security_context: Some(hardened()),
        ..Container::default()
    }
}

fn resources(cpu: &str, memory: &str, memory_limit: &str) -> ResourceRequirements {
    ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_owned(), Quantity(cpu.into())),
            ("memory".to_owned(), Quantity(memory.into())),
        ])),
        limits: Some(BTreeMap::from([(
            "memory".to_owned(),
            Quantity(memory_limit.into()),
        )])),
        ..ResourceRequirements::default()
    }
}

fn volumes(plan: &RunPlan) -> Vec<Volume> {
    let memory = |name: &str, size: &str| Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource {
            medium: Some("Memory".into()),
            size_limit: Some(Quantity(size.into())),
        }),
        ..Volume::default()
    };
    vec![
        Volume {
            name: "work".into(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: names::volume(&plan.run),
                read_only: None,
            }),
            ..Volume::default()
        },
        memory("tmp", "1Gi"),
        memory("home", "1Gi"),
        memory("init-tmp", "64Mi"),
        memory("proxy-tmp", "64Mi"),
        Volume {
            name: "git-credentials".into(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(GIT_SECRET.into()),
                optional: Some(true),
                default_mode: Some(0o400),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        },
    ]
}
