//! The Kubernetes backend: each session of a run is a batch/v1 Job in the project's namespace,
//! owned by a run-record ConfigMap (see ARCHITECTURE.md, "Kubernetes backend"). The objects come
//! from the pure planner in `crate::cluster`.

use std::path::Path;

use crate::backend::{Backend, KubeTarget};
use crate::cluster::plan::{self, RunPlan};
use crate::commands::start::StartArgs;
use crate::commands::stop::StopArgs;
use crate::commands::{print_json, registry};
use crate::error::{CtlError, CtlResult};
use crate::launch::run_peers;

/// Shown as the anchor's UID in `--dry-run` output, where the anchor does not exist yet.
const UID_PLACEHOLDER: &str = "<uid of the anchor ConfigMap, assigned when it is created>";
/// Default grace for the pod's SIGTERM (the loop saves state and pushes).
const DEFAULT_GRACE_S: i64 = 30;

pub struct Kubernetes {
    pub target: KubeTarget,
}

impl Backend for Kubernetes {
    fn start(&self, config: &Path, name: &str, args: &StartArgs) -> CtlResult<u8> {
        let project = registry(config)?.find(name)?.clone();
        let plan = run_plan(&project.path, name, &self.target, args)?;
        if args.dry_run {
            let generation = self.target.generation + 1;
            let items = serde_json::json!({
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    plan::anchor(&plan, "running"),
                    plan::network_policy(&plan.namespace),
                    plan::volume(&plan, UID_PLACEHOLDER),
                    plan::job(&plan, UID_PLACEHOLDER, generation),
                ],
            });
            print_json(&items)?;
            return Ok(0);
        }
        Err(no_client(name, &self.target))
    }

    fn stop(&self, _config: &Path, name: &str, _args: &StopArgs) -> CtlResult<u8> {
        Err(no_client(name, &self.target))
    }
}

fn no_client(name: &str, target: &KubeTarget) -> CtlError {
    CtlError::failed(format!(
        "'{name}' runs on Kubernetes (namespace {}), and this peers-ctl has no cluster client yet",
        target.namespace
    ))
    .hint(format!(
        "see the objects it would apply: peers-ctl start {name} --dry-run"
    ))
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

#[cfg(test)]
mod tests {
    use super::parse_seconds;

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
