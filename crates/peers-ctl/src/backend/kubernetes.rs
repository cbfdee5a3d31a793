//! The Kubernetes backend: each session of a run is a batch/v1 Job in the project's namespace,
//! owned by a run-record ConfigMap (see ARCHITECTURE.md, "Kubernetes backend"). The objects come
//! from the pure planner in `crate::cluster`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::backend::Backend;
use crate::backend::client::Cluster;
use crate::backend_spec::{BackendSpec, KubeTarget};
use crate::cluster::names;
use crate::cluster::plan::{self, RunPlan};
use crate::cluster::status::{Phase, RunStatus, is_live, loop_terminated, status};
use crate::error::{CtlError, CtlResult};
use crate::launch::run_peers;
use crate::project::{print_json, registry};
use crate::registry::{Project, ProjectState, Registry};
use crate::run_args::{StartArgs, StopArgs};

/// Shown as the anchor's UID in `--dry-run` output, where the anchor does not exist yet.
const UID_PLACEHOLDER: &str = "<uid of the anchor ConfigMap, assigned when it is created>";
/// The tag `peers init` puts on the commit the peers start from (the gates' baseline).
const BASELINE_TAG: &str = "peers-baseline";
/// Default grace for the pod's SIGTERM (the loop saves state and pushes).
const DEFAULT_GRACE_S: i64 = 30;

pub struct Kubernetes {
    pub target: KubeTarget,
}

/// How long `stop` waits past the grace period for the pod to be gone.
const STOP_SLACK: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(250);

impl Backend for Kubernetes {
    fn start(&self, config: &Path, name: &str, args: &StartArgs) -> CtlResult<u8> {
        if args.container || args.sandbox.as_deref() == Some("podman") {
            return Err(CtlError::usage(
                "--container / --sandbox podman: a Kubernetes run is already a pod",
            )
            .hint("drop the flag; the pod's own isolation applies"));
        }
        let project = registry(config)?.find(name)?.clone();
        let plan = run_plan(&project.path, name, &self.target, args)?;
        let next = self.target.generation + 1;
        if args.dry_run {
            let items = serde_json::json!({
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    plan::anchor(&plan, "running"),
                    plan::network_policy(&plan.namespace),
                    plan::volume(&plan, UID_PLACEHOLDER),
                    plan::job(&plan, UID_PLACEHOLDER, next),
                ],
            });
            print_json(&items)?;
            return Ok(0);
        }
        let cluster = Cluster::connect(&self.target)?;
        let observed = cluster.observe(&plan.run)?;
        let now = status(&observed);
        if matches!(
            now.phase,
            Phase::Running | Phase::Starting | Phase::Queued | Phase::Stopping
        ) {
            return Err(CtlError::failed(format!(
                "'{name}' is already {} on Kubernetes (job {})",
                now.phase.as_str(),
                now.job.as_deref().unwrap_or("?")
            ))
            .hint(format!("stop it first: peers-ctl stop {name}")));
        }
        // Never reuse a Job name, even when the registry lags behind the cluster.
        let generation = observed
            .jobs
            .iter()
            .filter_map(|job| {
                job.metadata
                    .labels
                    .as_ref()?
                    .get(names::GENERATION)?
                    .parse()
                    .ok()
            })
            .fold(next, |max: u64, g: u64| max.max(g + 1));
        if self.target.generation == 0 && observed.jobs.is_empty() {
            seed_remote(&project.path, &plan)?;
        }
        let anchor = cluster.apply(&plan::anchor(&plan, "running"))?;
        let uid = anchor.metadata.uid.clone().ok_or_else(|| {
            CtlError::failed("the API server returned the run record without a UID")
        })?;
        cluster.apply(&plan::network_policy(&plan.namespace))?;
        cluster.apply(&plan::volume(&plan, &uid))?;
        let job = cluster.apply(&plan::job(&plan, &uid, generation))?;
        let job_name = job.metadata.name.clone().unwrap_or_default();
        let started_at = peers_store::timestamp::now_iso_utc();
        Registry::mutate(config, |registry| {
            let Some(project) = registry.get_mut(name) else {
                return Err(CtlError::failed(format!(
                    "'{name}' disappeared from the registry meanwhile"
                )));
            };
            if let BackendSpec::Kubernetes(target) = &mut project.backend {
                target.generation = generation;
                target.job_uid = job.metadata.uid.clone();
            }
            project.state = ProjectState::Running;
            project.last_started_at = Some(started_at.clone());
            project.note = None;
            Ok(())
        })?;
        if args.json {
            print_json(&serde_json::json!({
                "name": name, "backend": "kubernetes", "namespace": cluster.namespace,
                "job": job_name, "job_uid": job.metadata.uid,
            }))?;
        } else {
            println!(
                "Started '{name}' on Kubernetes: job {job_name} in namespace {} ({})",
                cluster.namespace, cluster.server
            );
        }
        Ok(0)
    }

    fn stop(&self, config: &Path, name: &str, args: &StopArgs) -> CtlResult<u8> {
        let cluster = Cluster::connect(&self.target)?;
        let run = names::run_id(name);
        let observed = cluster.observe(&run)?;
        if observed.anchor.is_none() {
            println!(
                "'{name}' is not running (nothing of it in namespace {})",
                cluster.namespace
            );
            return Ok(0);
        }
        cluster.annotate_anchor(&run, &BTreeMap::from([(names::DESIRED, "stopped")]))?;
        for job in &observed.jobs {
            if let Some(job) = &job.metadata.name {
                cluster.delete_job(job)?;
            }
        }
        let deadline = Instant::now() + Duration::from_secs_f64(args.grace_s) + STOP_SLACK;
        let mut last_message = None;
        let after = loop {
            let now = cluster.observe(&run)?;
            if let Some(message) = now
                .pods
                .iter()
                .filter_map(loop_terminated)
                .find_map(|t| t.message.clone())
            {
                last_message = Some(message);
            }
            if !now.pods.iter().any(is_live) || Instant::now() >= deadline {
                break now;
            }
            std::thread::sleep(POLL);
        };
        let result = status(&after);
        if let Some(message) = &last_message {
            let reason = message.lines().next().unwrap_or("").to_owned();
            cluster
                .annotate_anchor(&run, &BTreeMap::from([(names::LAST_STOP, reason.as_str())]))?;
        }
        let stopped = result.phase == Phase::Stopped;
        Registry::mutate(config, |registry| {
            let Some(project) = registry.get_mut(name) else {
                return Err(CtlError::failed(format!(
                    "'{name}' disappeared from the registry meanwhile"
                )));
            };
            if stopped {
                project.state = ProjectState::Stopped;
                project.last_stopped_at = Some(peers_store::timestamp::now_iso_utc());
                project.note = None;
            } else {
                project.note = Some(format!(
                    "stop asked; its pod was still there {}s after the grace period",
                    STOP_SLACK.as_secs()
                ));
            }
            Ok(())
        })?;
        if args.json {
            print_json(&serde_json::json!({
                "name": name, "state": result.phase.as_str(), "stop_reason": last_message,
            }))?;
        } else if stopped {
            println!(
                "Stopped '{name}' ({}); the volume is kept, `peers-ctl start {name}` resumes",
                last_message.as_deref().unwrap_or("no stop reason recorded")
            );
        } else {
            println!(
                "'{name}' is {}: its pod is still terminating; run `peers-ctl stop {name}` again",
                result.phase.as_str()
            );
        }
        Ok(if stopped { 0 } else { 1 })
    }

    fn logs(&self, _config: &Path, name: &str, lines: usize, follow: bool) -> CtlResult<u8> {
        let cluster = Cluster::connect(&self.target)?;
        let observed = cluster.observe(&names::run_id(name))?;
        let now = status(&observed);
        let Some(pod) = now.pod else {
            println!(
                "({name} is {} on Kubernetes and has no pod; its stop reason: {})",
                now.phase.as_str(),
                now.detail.as_deref().unwrap_or("none recorded")
            );
            return Ok(0);
        };
        let lines = i64::try_from(lines).unwrap_or(i64::MAX);
        let mut stdout = std::io::stdout();
        cluster.logs(&pod, Some(lines), follow, |line| {
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
        })?;
        if follow {
            let end = status(&cluster.observe(&names::run_id(name))?);
            println!("({name}: the pod ended; now {})", end.phase.as_str());
        }
        Ok(0)
    }
}

/// A kubeconfig context and a namespace.
pub type ClusterKey = (Option<String>, String);

/// The Kubernetes projects of `projects`, by the (context, namespace) they run in.
pub fn by_cluster(projects: &[Project]) -> BTreeMap<ClusterKey, Vec<(&Project, &KubeTarget)>> {
    let mut groups: BTreeMap<ClusterKey, Vec<(&Project, &KubeTarget)>> = BTreeMap::new();
    for project in projects {
        if let BackendSpec::Kubernetes(target) = &project.backend {
            groups
                .entry((target.context.clone(), target.namespace.clone()))
                .or_default()
                .push((project, target));
        }
    }
    groups
}

/// The cluster state of every Kubernetes project in `projects`: one connection and one LIST per
/// kind for each (context, namespace), whatever the number of runs. An unreachable cluster
/// gives `unknown` with the error, never a guess.
pub fn cluster_states(projects: &[Project]) -> HashMap<String, RunStatus> {
    let mut states = HashMap::new();
    for members in by_cluster(projects).values() {
        let Some((_, target)) = members.first() else {
            continue;
        };
        let observed = Cluster::connect(target).and_then(|cluster| cluster.observe_all());
        for (project, _) in members {
            let state = match &observed {
                Ok(runs) => status(
                    &runs
                        .get(&names::run_id(&project.name))
                        .cloned()
                        .unwrap_or_default(),
                ),
                Err(err) => RunStatus::unknown(err.message.clone()),
            };
            states.insert(project.name.clone(), state);
        }
    }
    states
}

/// Before the first session: the pod clones the branch from the remote and restores `.peers/`
/// from `refs/peers/<run>/state`, so both are pushed there first, with the `peers-baseline`
/// tag the gates compare with. The snapshot is peers-git's
/// (the same one the loop pushes at every tick, `peers run --push-state`); the push is the
/// user's own git with hooks off, because it needs the user's credentials (ssh, credential
/// helpers), which peers-git's inert push refuses by design. Later sessions resume from their
/// volume, and the loop keeps the remote up to date.
fn seed_remote(path: &Path, plan: &RunPlan) -> CtlResult<()> {
    if !path.join(".peers/config.yaml").is_file() {
        return Err(
            CtlError::failed(format!("{} has no .peers/config.yaml", path.display()))
                .hint(format!("initialise it: peers -C {} init", path.display())),
        );
    }
    let git = peers_git::Git::discover(path)
        .map_err(|e| CtlError::failed(format!("{}: {e}", path.display())))?;
    let identity = peers_git::Identity {
        name: "peers-ctl".into(),
        email: "peers-ctl@localhost".into(),
    };
    let message = format!(
        "peers-ctl: .peers/ of {} for its first Kubernetes session",
        plan.project
    );
    let snapshot = git
        .snapshot_commit_excluding(
            peers_store::layout::PEERS_DIR_NAME,
            peers_store::layout::SNAPSHOT_EXCLUDE,
            &message,
            &identity,
        )
        .map_err(|e| CtlError::failed(format!("cannot snapshot {}/.peers: {e}", path.display())))?;
    let branch = format!("HEAD:refs/heads/{}", plan.branch);
    let state = format!("+{snapshot}:refs/peers/{}/state", plan.run);
    let mut refspecs = vec![branch, state];
    // The gates compare with the baseline `peers init` tagged; the pod's clone needs it too.
    let baseline = format!("refs/tags/{BASELINE_TAG}");
    if git
        .rev_parse(&baseline)
        .map_err(|e| CtlError::failed(format!("{}: {e}", path.display())))?
        .is_some()
    {
        refspecs.push(format!("+{baseline}:{baseline}"));
    }
    let output = std::process::Command::new("git")
        .current_dir(path)
        .args(["-c", "core.hooksPath=/dev/null", "push", "--quiet"])
        .arg(plan.remote.as_str())
        .args(&refspecs)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| CtlError::failed(format!("cannot run git push: {e}")))?;
    if !output.status.success() {
        return Err(CtlError::failed(format!(
            "cannot push {} and the .peers/ state to {}: {}",
            plan.branch,
            plan.remote,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
        .hint(format!(
            "the pod clones from this remote; check you can push to it: git -C {} push {} {}",
            path.display(),
            plan.remote,
            plan.branch
        )));
    }
    Ok(())
}

/// The plan of the next session: the remote and branch from the project's repository, the
/// run's caps from `start`'s flags, this machine's peers version for the drift check.
pub fn run_plan(
    path: &Path,
    name: &str,
    target: &KubeTarget,
    args: &StartArgs,
) -> CtlResult<RunPlan> {
    let git = peers_git::Git::discover(path).map_err(|e| {
        CtlError::failed(format!("{}: {e}", path.display()))
            .hint("a Kubernetes run clones the project from its git remote")
    })?;
    let remote = match &target.git_remote {
        Some(remote) => remote.clone(),
        None => git
            .remote_url("origin")
            .map_err(|e| CtlError::failed(format!("{}: {e}", path.display())))?
            .ok_or_else(|| {
                CtlError::usage(format!(
                    "{} has no `origin` remote, and '{name}' has no --git-remote",
                    path.display()
                ))
                .hint("the pod clones from and pushes to a remote: git remote add origin <url>")
            })?,
    };
    if plain_http_off_loopback(&remote) {
        return Err(CtlError::usage(format!(
            "the git remote {remote} is plain http://: the pod's git relay reaches https:// \
             remotes only (plain http only on a loopback address, for tests)"
        ))
        .hint("use the remote's https:// URL (--git-remote, or `git remote set-url origin`)"));
    }
    let branch = git
        .current_branch()
        .map_err(|e| CtlError::failed(format!("{}: {e}", path.display())))?
        .ok_or_else(|| {
            CtlError::usage(format!("{}: HEAD is detached", path.display()))
                .hint("check out the branch the run works on")
        })?;
    let mut plan = RunPlan::new(name, target, remote, branch);
    let version = run_peers(path, &["--version".into()])?;
    plan.peers_version = version.stdout.trim().to_owned();
    plan.grace_s = DEFAULT_GRACE_S;
    plan.max_runtime_s = args.max_runtime.as_deref().map(parse_seconds).transpose()?;
    plan.run_args = run_args(args);
    Ok(plan)
}

fn run_args(args: &StartArgs) -> Vec<String> {
    let mut out = vec!["--color".to_owned(), "never".to_owned()];
    let mut flag = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            out.extend([name.to_owned(), value]);
        }
    };
    flag("--max-ticks", args.max_ticks.map(|n| n.to_string()));
    flag("--max-usd", args.max_usd.map(|n| n.to_string()));
    flag("--max-tokens", args.max_tokens.map(|n| n.to_string()));
    flag("--max-runtime", args.max_runtime.clone());
    flag("--sandbox", args.sandbox.clone());
    for (on, name) in [
        (args.without_recon, "--without-recon"),
        (args.no_codemap, "--no-codemap"),
        (
            args.without_post_convergence_skeptic,
            "--without-post-convergence-skeptic",
        ),
        (args.allow_dirty, "--allow-dirty"),
        (args.checkpoint, "--checkpoint"),
    ] {
        if on {
            out.push(name.to_owned());
        }
    }
    out
}

/// `--max-runtime` in seconds: a number of seconds, or a number with s, m or h.
fn parse_seconds(text: &str) -> CtlResult<i64> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, 's')) => (&text[..i], 1),
        Some((i, 'm')) => (&text[..i], 60),
        Some((i, 'h')) => (&text[..i], 3600),
        _ => (text, 1),
    };
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| {
            CtlError::usage(format!("--max-runtime {text}: not a duration"))
                .hint("seconds, or 90s, 30m, 8h")
        })
}

/// An `http://` remote whose host is not a loopback address: the sidecar's relay refuses it
/// (credentials would cross the network in clear), so `start` refuses it first.
fn plain_http_off_loopback(remote: &str) -> bool {
    let Some(rest) = remote.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    !host
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::{parse_seconds, plain_http_off_loopback};

    #[test]
    fn only_loopback_remotes_may_be_plain_http() {
        for refused in [
            "http://git.example/org/repo.git",
            "http://user:token@git.example:8080/r",
            "http://localhost/r",
            "http://10.0.0.1/r",
        ] {
            assert!(plain_http_off_loopback(refused), "{refused}");
        }
        for allowed in [
            "https://git.example/org/repo.git",
            "http://127.0.0.1:9418/r.git",
            "http://u:t@127.0.0.2/r",
            "http://[::1]:8080/r",
            "file:///srv/git/r.git",
            "git@git.example:org/r.git",
        ] {
            assert!(!plain_http_off_loopback(allowed), "{allowed}");
        }
    }

    #[test]
    fn runtimes_parse_to_seconds() {
        assert_eq!(parse_seconds("90").unwrap(), 90);
        assert_eq!(parse_seconds("30m").unwrap(), 1800);
        assert_eq!(parse_seconds("8h").unwrap(), 28800);
        for bad in ["", "h", "-3m", "1.5h", "0", "10d"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
