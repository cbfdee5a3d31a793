//! `add` (register an existing repository) and `remove` (unregister; files are kept).

use std::path::Path;

use clap::Args;

use crate::backend::BackendArgs;
use crate::backend::kubernetes::cluster_states;
use crate::backend_spec::BackendSpec;
use crate::cluster::status::Phase;
use crate::commands::{print_json, registry};
use crate::error::{CtlError, CtlResult};
use crate::paths::{absolute, validate_name};
use crate::registry::{Project, Registry, RunState};

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
    /// The project to unregister (refused while it runs).
    pub name: String,
    /// Kubernetes: unregister even when the cluster cannot be read (its objects stay there).
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
            if existing.state == RunState::Running || existing.run.is_some() {
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
    // Reconcile first, so a run that has ended does not block its removal.
    let current = registry(config)?;
    if let Some(project) = current.get(&args.name)
        && let Some(cluster) = cluster_states(std::slice::from_ref(project)).remove(&args.name)
        && !matches!(
            cluster.phase,
            Phase::Fresh | Phase::Stopped | Phase::Complete | Phase::Failed
        )
        && !(args.force && cluster.phase == Phase::Unknown)
    {
        if cluster.phase == Phase::Unknown {
            return Err(CtlError::failed(format!(
                "cannot tell whether {:?} still runs on Kubernetes: {}",
                args.name,
                cluster.detail.unwrap_or_default()
            ))
            .hint(format!(
                "fix the cluster access, or unregister anyway (its objects stay in the cluster): peers-ctl remove {} --force",
                args.name
            )));
        }
        return Err(CtlError::failed(format!(
            "project {:?} is {} on Kubernetes{}",
            args.name,
            cluster.phase.as_str(),
            cluster
                .detail
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ))
        .hint(format!("stop it first: peers-ctl stop {}", args.name)));
    }
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
        print_json(&serde_json::json!({"removed": removed.name, "path": removed.path}))?;
    } else {
        println!(
            "Removed '{}' from the registry ({} and its .peers/ are kept)",
            removed.name,
            removed.path.display()
        );
    }
    Ok(0)
}
