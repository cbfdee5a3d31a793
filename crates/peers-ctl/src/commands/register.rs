//! `add` (register an existing repository) and `remove` (unregister; files are kept; a
//! Kubernetes project's objects are deleted from the cluster, see `backend::teardown`).

use std::path::Path;

use clap::Args;

use crate::backend::BackendArgs;
use crate::backend::teardown::{Teardown, teardown};
use crate::backend_spec::BackendSpec;
use crate::commands::{print_json, registry};
use crate::error::{CtlError, CtlResult};
use crate::paths::{absolute, validate_name};
use crate::registry::{Project, ProjectState, Registry};

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The repository to register.
    pub path: String,
    /// Its name in peers-ctl (default: the directory's name).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub backend: BackendArgs,
    /// Print the registered project as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The project to unregister (refused while it runs). For a Kubernetes project this also
    /// deletes its run record ConfigMap, and the cluster collects what that owns: the Jobs, their
    /// pods and the work volume.
    pub name: String,
    /// Kubernetes: keep the run's volume (its PVC is released from the run record first; delete
    /// it later with kubectl).
    #[arg(long)]
    pub keep_volume: bool,
    /// Kubernetes: unregister even when the cluster cannot be read (its objects stay there), or
    /// when its state is unknown.
    #[arg(long)]
    pub force: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn add(config: &Path, args: &AddArgs) -> CtlResult<u8> {
    let path = absolute(Path::new(&args.path));
    if !path.is_dir() {
        return Err(
            CtlError::usage(format!("{} is not a directory", path.display())).hint(
                "pass the path of an existing repository, or create one: peers-ctl new <name>",
            ),
        );
    }
    let path = path.canonicalize().unwrap_or(path);
    let name = match &args.name {
        Some(name) => name.clone(),
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    validate_name(&name)?;
    let backend = args.backend.spec()?;
    let project = register(config, &name, &path, false, backend)?;
    if !path.join(".peers/config.yaml").is_file() {
        eprintln!(
            "warning: {} has no .peers/config.yaml yet; run `peers -C {} init` before starting it",
            path.display(),
            path.display()
        );
    }
    if args.json {
        print_json(&project)?;
    } else {
        println!("Added project '{name}' → {}", path.display());
    }
    Ok(0)
}

/// Adds `name` → `path` as a fresh project; with `replace`, an existing stopped entry of that
/// name is replaced (a running one never).
pub fn register(
    config: &Path,
    name: &str,
    path: &Path,
    replace: bool,
    backend: BackendSpec,
) -> CtlResult<Project> {
    Registry::mutate(config, |registry| {
        if let Some(existing) = registry.get(name) {
            if existing.state == ProjectState::Running || existing.run.is_some() {
                return Err(CtlError::failed(format!(
                    "project {name:?} is registered and running"
                ))
                .hint(format!("stop it first: peers-ctl stop {name}")));
            }
            if !replace {
                return Err(CtlError::failed(format!(
                    "a project named {name:?} is already registered ({})",
                    existing.path.display()
                ))
                .hint("pick another --name, or `peers-ctl remove` the old one first"));
            }
            registry.projects.retain(|p| p.name != name);
        }
        if let Some(other) = registry.projects.iter().find(|p| p.path == path) {
            return Err(CtlError::failed(format!(
                "{} is already registered as {:?}",
                path.display(),
                other.name
            ))
            .hint("one registration per repository: use that name"));
        }
        let project = Project::new(name, path, backend);
        registry.projects.push(project.clone());
        Ok(project)
    })
}

pub fn remove(config: &Path, args: &RemoveArgs) -> CtlResult<u8> {
    let current = registry(config)?;
    if args.keep_volume
        && current
            .get(&args.name)
            .is_some_and(|p| !matches!(p.backend, BackendSpec::Kubernetes(_)))
    {
        return Err(
            CtlError::usage("--keep-volume applies to the kubernetes backend only")
                .hint(format!("drop the flag: peers-ctl remove {}", args.name)),
        );
    }
    // The cluster first (refused while the run is live), so a failed delete leaves the project
    // registered and `remove` can be run again.
    let teardown = match current.get(&args.name).map(|p| &p.backend) {
        Some(BackendSpec::Kubernetes(target)) => {
            Some(teardown(target, &args.name, args.keep_volume, args.force)?)
        }
        _ => None,
    };
    let removed = Registry::mutate(config, |registry| {
        let project = registry.find(&args.name)?;
        if let Some(run) = &project.run {
            return Err(CtlError::failed(format!(
                "project {:?} is running (PID {})",
                args.name, run.pid
            ))
            .hint(format!("stop it first: peers-ctl stop {}", args.name)));
        }
        let project = project.clone();
        registry.projects.retain(|p| p.name != args.name);
        Ok(project)
    })?;
    if args.json {
        let mut out = serde_json::json!({"removed": removed.name, "path": removed.path});
        if let Some(teardown) = &teardown {
            out["kubernetes"] = serde_json::to_value(teardown)
                .map_err(|e| CtlError::failed(format!("cannot encode the outcome: {e}")))?;
        }
        print_json(&out)?;
    } else {
        if let Some(teardown) = &teardown {
            print!("{}", describe(teardown));
        }
        println!(
            "Removed '{}' from the registry ({} and its .peers/ are kept)",
            removed.name,
            removed.path.display()
        );
    }
    Ok(0)
}

/// The text of what `remove` did in the cluster, one line per fact.
fn describe(t: &Teardown) -> String {
    let mut out = String::new();
    let place = format!(
        "namespace {}{}",
        t.namespace,
        t.context
            .as_deref()
            .map(|c| format!(" (context {c})"))
            .unwrap_or_default()
    );
    if let Some(error) = &t.error {
        out.push_str(&format!("Left the cluster unchanged: {error}\n"));
    }
    if t.deleted.is_empty() && t.error.is_none() && t.left.is_empty() {
        out.push_str(&format!("Nothing of it was in {place}\n"));
    } else if !t.deleted.is_empty() {
        out.push_str(&format!(
            "Deleted from {place} (background propagation: the cluster collects what the run record owns): {}\n",
            t.deleted.join(", ")
        ));
    }
    if let Some(volume) = &t.kept_volume {
        out.push_str(&format!(
            "Kept the volume {volume} (no longer owned by the run); delete it later: {} delete pvc {volume}\n",
            t.kubectl()
        ));
    }
    if let Some(selector) = &t.remaining_selector {
        let which = if t.left.is_empty() {
            "its objects stay".to_owned()
        } else {
            format!("left there: {}", t.left.join(", "))
        };
        out.push_str(&format!(
            "In {place} {which} (selector {selector}); delete them later: {} delete configmaps,jobs,pods,pvc -l {selector}\n",
            t.kubectl()
        ));
    }
    out
}
