//! The registry: `<config dir>/registry.json`, one file listing every project. Written atomically
//! (temp + fsync + rename) under an exclusive lock on `<config dir>/registry.lock`, so concurrent
//! peers-ctl invocations serialise; read without the lock (a rename is atomic). Size-capped and
//! never followed through a symlink. An entry peers-ctl cannot decode is reported on every
//! command and written back unchanged, never dropped; a file that is not a registry at all stops
//! every command with the file's name and a recovery command, and is never overwritten.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{self as rfs, FlockOperation, Mode, OFlags};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::backend_spec::BackendSpec;
use crate::error::{CtlError, CtlResult};
use crate::paths::validate_name;

/// Largest registry read: about 10,000 projects.
pub const REGISTRY_CAP: u64 = 8 * 1024 * 1024;
const REGISTRY_FILE: &str = "registry.json";
const LOCK_FILE: &str = "registry.lock";
const FORMAT_VERSION: u64 = 1;

/// A project's state as peers-ctl shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectState {
    /// Registered, never started by peers-ctl.
    #[default]
    Fresh,
    /// Its `peers run` is alive (same PID, same start time, same boot).
    Running,
    /// The run ended and recorded why (`.peers/last-stop-reason.txt` written after it started).
    Stopped,
    /// The run is gone without recording why (killed, crashed, machine rebooted).
    Crashed,
}

impl ProjectState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fresh => "fresh",
            Self::Running => "running",
            Self::Stopped => "stopped",
            Self::Crashed => "crashed",
        }
    }
}

/// The identity of a started `peers run`: a PID is only ever trusted together with the start
/// time the kernel gave that process and the boot it happened in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    pub pid: u32,
    /// `/proc/<pid>/stat` field 22 (clock ticks after boot).
    pub start_ticks: u64,
    /// `/proc/sys/kernel/random/boot_id` when it started.
    pub boot_id: String,
    pub started_at: String,
    /// The controller log its output goes to.
    pub log: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: String,
    pub path: PathBuf,
    pub added_at: String,
    #[serde(default)]
    pub state: ProjectState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_pid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_stopped_at: Option<String>,
    /// Why the state is what it is when that is not obvious (a recycled PID, a forced kill).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the run executes (absent: local).
    #[serde(default, skip_serializing_if = "BackendSpec::is_local")]
    pub backend: BackendSpec,
}

impl Project {
    pub fn new(name: &str, path: &Path, backend: BackendSpec) -> Self {
        Self {
            name: name.to_owned(),
            path: path.to_path_buf(),
            added_at: peers_store::timestamp::now_iso_utc(),
            state: ProjectState::Fresh,
            run: None,
            last_pid: None,
            last_started_at: None,
            last_stopped_at: None,
            note: None,
            backend,
        }
    }
}

/// An entry kept as written because it could not be decoded.
#[derive(Debug, Clone)]
pub struct InvalidEntry {
    pub index: usize,
    pub raw: Value,
    pub problem: EntryError,
}

/// Why one registry entry could not be decoded (shown in the warning about it).
#[derive(Debug, Clone, thiserror::Error)]
pub enum EntryError {
    /// Not a project record (a missing or unknown key, a wrong type); shared so the registry
    /// stays cloneable.
    #[error(transparent)]
    Decode(Arc<serde_json::Error>),
    /// The name is not one peers-ctl accepts (the message of the name check).
    #[error("{0}")]
    Name(String),
    #[error("path {} is not absolute", .0.display())]
    RelativePath(PathBuf),
    #[error("a second entry named {0:?}")]
    Duplicate(String),
}

#[derive(Debug, Clone)]
pub struct Registry {
    pub dir: PathBuf,
    pub projects: Vec<Project>,
    pub invalid: Vec<InvalidEntry>,
    /// Top-level keys other than `version` and `projects`, kept on rewrite.
    other: Map<String, Value>,
}

/// The held registry lock; dropping it releases the lock (the file stays).
#[derive(Debug)]
pub struct RegistryLock {
    _file: File,
}

impl Registry {
    pub fn file(dir: &Path) -> PathBuf {
        dir.join(REGISTRY_FILE)
    }

    /// Reads the registry (an absent file is an empty registry).
    pub fn load(dir: &Path) -> CtlResult<Self> {
        let path = Self::file(dir);
        let bytes = peers_store::safe_fs::read_control_file_if_exists(&path, REGISTRY_CAP)
            .map_err(|err| corrupt(&path, &err.to_string()))?;
        let Some(bytes) = bytes else {
            return Ok(Self {
                dir: dir.to_path_buf(),
                projects: Vec::new(),
                invalid: Vec::new(),
                other: Map::new(),
            });
        };
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|err| corrupt(&path, &format!("not valid JSON ({err})")))?;
        let Value::Object(mut top) = value else {
            return Err(corrupt(&path, "the top level is not an object"));
        };
        let entries = match top.remove("projects") {
            Some(Value::Array(entries)) => entries,
            None => Vec::new(),
            Some(_) => return Err(corrupt(&path, "`projects` is not a list")),
        };
        top.remove("version");
        let mut registry = Self {
            dir: dir.to_path_buf(),
            projects: Vec::new(),
            invalid: Vec::new(),
            other: top,
        };
        for (index, raw) in entries.into_iter().enumerate() {
            match registry.decode_entry(&raw) {
                Ok(project) => registry.projects.push(project),
                Err(problem) => registry.invalid.push(InvalidEntry {
                    index,
                    raw,
                    problem,
                }),
            }
        }
        Ok(registry)
    }

    fn decode_entry(&self, raw: &Value) -> Result<Project, EntryError> {
        let project: Project =
            serde_json::from_value(raw.clone()).map_err(|e| EntryError::Decode(Arc::new(e)))?;
        validate_name(&project.name).map_err(|e| EntryError::Name(e.message))?;
        if !project.path.is_absolute() {
            return Err(EntryError::RelativePath(project.path));
        }
        if self.projects.iter().any(|p| p.name == project.name) {
            return Err(EntryError::Duplicate(project.name));
        }
        Ok(project)
    }

    /// Takes the exclusive registry lock (blocking), creating the config dir if needed.
    pub fn lock(dir: &Path) -> CtlResult<RegistryLock> {
        peers_store::safe_fs::ensure_private_dir(dir)?;
        let parent = rfs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| CtlError::failed(format!("cannot open {}: {e}", dir.display())))?;
        let path = dir.join(LOCK_FILE);
        let fd = rfs::openat(
            &parent,
            LOCK_FILE,
            OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| {
            CtlError::failed(format!("cannot open the lock {}: {e}", path.display()))
                .hint("it must be a regular file, not a symlink; remove it and retry")
        })?;
        rfs::flock(&fd, FlockOperation::LockExclusive)
            .map_err(|e| CtlError::failed(format!("cannot lock {}: {e}", path.display())))?;
        Ok(RegistryLock {
            _file: File::from(fd),
        })
    }

    /// Loads under the lock, lets `change` edit, writes back if it returns `Ok`.
    pub fn mutate<T>(dir: &Path, change: impl FnOnce(&mut Self) -> CtlResult<T>) -> CtlResult<T> {
        let _lock = Self::lock(dir)?;
        let mut registry = Self::load(dir)?;
        let result = change(&mut registry)?;
        registry.save()?;
        Ok(result)
    }

    /// Writes the registry atomically (call with the lock held).
    pub fn save(&self) -> CtlResult<()> {
        peers_store::safe_fs::ensure_private_dir(&self.dir)?;
        let mut top = self.other.clone();
        top.insert("version".into(), Value::from(FORMAT_VERSION));
        let mut entries = Vec::with_capacity(self.projects.len() + self.invalid.len());
        for project in &self.projects {
            entries.push(serde_json::to_value(project).map_err(|e| {
                CtlError::failed(format!("cannot encode project {}: {e}", project.name))
            })?);
        }
        entries.extend(self.invalid.iter().map(|entry| entry.raw.clone()));
        top.insert("projects".into(), Value::Array(entries));
        let mut bytes = serde_json::to_vec_pretty(&Value::Object(top))
            .map_err(|e| CtlError::failed(format!("cannot encode the registry: {e}")))?;
        bytes.push(b'\n');
        if bytes.len() as u64 > REGISTRY_CAP {
            return Err(CtlError::failed(format!(
                "the registry would exceed its {REGISTRY_CAP}-byte limit"
            ))
            .hint("remove projects you no longer need: peers-ctl remove <name>"));
        }
        peers_store::safe_fs::write_atomic(&Self::file(&self.dir), &bytes)?;
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.name == name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Project> {
        self.projects.iter_mut().find(|p| p.name == name)
    }

    /// The project named `name`, or an error with the closest registered names.
    pub fn find(&self, name: &str) -> CtlResult<&Project> {
        self.get(name).ok_or_else(|| self.unknown(name))
    }

    pub fn unknown(&self, name: &str) -> CtlError {
        let mut scored: Vec<(f64, &str)> = self
            .projects
            .iter()
            .map(|p| (strsim::jaro_winkler(name, &p.name), p.name.as_str()))
            .filter(|(score, _)| *score >= 0.8)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let error = CtlError::failed(format!("no project named {name:?} is registered"));
        match scored.first() {
            Some((_, best)) => error.hint(format!("did you mean {best:?}?")),
            None => error.hint("`peers-ctl list` shows the registered projects"),
        }
    }

    /// One warning line per entry that could not be decoded.
    pub fn warnings(&self) -> Vec<String> {
        let file = Self::file(&self.dir);
        self.invalid
            .iter()
            .map(|entry| {
                format!(
                    "warning: registry entry #{} in {} is ignored: {} (kept as written; fix or delete it by hand)",
                    entry.index + 1,
                    file.display(),
                    entry.problem
                )
            })
            .collect()
    }
}

fn corrupt(path: &Path, problem: &str) -> CtlError {
    CtlError::failed(format!(
        "the registry {} is unreadable: {problem}; nothing was changed",
        path.display()
    ))
    .hint(format!(
        "move it aside and register your projects again: mv {0} {0}.corrupt && peers-ctl add <path> --name <name>",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undecodable_entry_is_kept_and_reported() {
        let temp = tempfile::tempdir().unwrap();
        std::fs::write(
            Registry::file(temp.path()),
            r#"{"version":1,"projects":[{"name":"ok","path":"/x","added_at":"t"},{"name":"bad name","path":"/y","added_at":"t"}],"extra":1}"#,
        )
        .unwrap();
        let registry = Registry::load(temp.path()).unwrap();
        assert_eq!(registry.projects.len(), 1);
        assert_eq!(registry.warnings().len(), 1);
        registry.save().unwrap();
        let text = std::fs::read_to_string(Registry::file(temp.path())).unwrap();
        assert!(
            text.contains("bad name") && text.contains("\"extra\""),
            "{text}"
        );
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it() {
        let temp = tempfile::tempdir().unwrap();
        std::fs::write(Registry::file(temp.path()), "{not json").unwrap();
        let err = Registry::load(temp.path()).unwrap_err();
        assert!(err.message.contains("registry.json"), "{}", err.message);
        assert!(err.hints[0].contains("mv "));
    }
}
