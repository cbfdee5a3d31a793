//! Building the live dashboard's rows without re-reading what did not change: the registry is
//! re-parsed only when registry.json changed (liveness is still checked every frame), and a
//! project's summary only when its state.json, runs.jsonl, last-stop-reason.txt or HALTED.md
//! changed size or modification time. runs.jsonl is only ever read from its end. Kubernetes
//! runs are read from one watch per object kind per namespace (kept in memory, see
//! `backend::watch`), never re-listed per frame.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use peers_store::layout::PeersDir;
use peers_store::run_tail::read_tail;

use crate::backend::kubernetes::{ClusterKey, by_cluster};
use crate::backend::watch::FleetWatch;
use crate::cluster::names;
use crate::cluster::status::{ClusterObjects, Phase, RunStatus, status};
use crate::error::CtlResult;
use crate::identity::boot_id;
use crate::live::model::{Detail, Row, alerts};
use crate::project::log_path;
use crate::reconcile::{load_reconciled, observe};
use crate::registry::{ProjectState, Registry};
use crate::summary::{Summary, summarise};

/// How many runs.jsonl records and log lines the drilldown shows.
const DETAIL_RECORDS: usize = 8;
const DETAIL_OUTPUT: usize = 10;
const DETAIL_WINDOW: u64 = 256 * 1024;

type FileKey = Option<(SystemTime, u64)>;

fn key(path: &Path) -> FileKey {
    let meta = std::fs::symlink_metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

struct Cached {
    keys: [FileKey; 4],
    summary: Summary,
}

pub struct Refresher {
    config: PathBuf,
    stall_after_min: u64,
    registry: Option<(FileKey, Registry)>,
    cache: HashMap<PathBuf, Cached>,
    /// How many summaries were (re)read in the last refresh, for tests and the status line.
    pub last_reads: usize,
    /// One watch per object kind for each (context, namespace) of the Kubernetes runs.
    watches: BTreeMap<ClusterKey, FleetWatch>,
}

/// How long a new namespace's watches may take to list before the first frame shows its runs
/// as `unknown` (still listing).
const FIRST_SYNC: Duration = Duration::from_secs(3);

impl Refresher {
    pub fn new(config: &Path, stall_after_min: u64) -> Self {
        Self {
            config: config.to_path_buf(),
            stall_after_min,
            registry: None,
            cache: HashMap::new(),
            last_reads: 0,
            watches: BTreeMap::new(),
        }
    }

    fn registry(&mut self) -> CtlResult<Registry> {
        let file_key = key(&Registry::file(&self.config));
        if let Some((cached_key, registry)) = &self.registry
            && *cached_key == file_key
        {
            let boot = boot_id();
            if registry
                .projects
                .iter()
                .all(|p| observe(p, &boot).is_none())
            {
                return Ok(registry.clone());
            }
        }
        let registry = load_reconciled(&self.config)?;
        self.registry = Some((key(&Registry::file(&self.config)), registry.clone()));
        Ok(registry)
    }

    /// The cluster states of the Kubernetes projects, from the watches' stores (a watch starts
    /// when a namespace first appears and stops when none of its runs is registered any more).
    fn cluster_states(&mut self, registry: &Registry) -> HashMap<String, RunStatus> {
        let groups = by_cluster(&registry.projects);
        self.watches.retain(|key, _| groups.contains_key(key));
        let mut states = HashMap::new();
        for (key, members) in &groups {
            let Some((_, target)) = members.first() else {
                continue;
            };
            let watch = self.watches.entry(key.clone()).or_insert_with(|| {
                let watch = FleetWatch::start(target);
                watch.wait_ready(FIRST_SYNC);
                watch
            });
            let runs: BTreeSet<String> = members
                .iter()
                .map(|(project, _)| names::run_id(&project.name))
                .collect();
            let observed = watch.observed(&runs);
            let none = ClusterObjects::default();
            for (project, _) in members {
                let state = match &observed {
                    Ok(runs) => status(runs.get(&names::run_id(&project.name)).unwrap_or(&none)),
                    Err(why) => RunStatus::unknown(why.to_string()),
                };
                states.insert(project.name.clone(), state);
            }
        }
        states
    }

    pub fn rows(&mut self) -> CtlResult<Vec<Row>> {
        let registry = self.registry()?;
        let cluster = self.cluster_states(&registry);
        self.last_reads = 0;
        let now = SystemTime::now();
        let mut rows = Vec::with_capacity(registry.projects.len());
        for project in &registry.projects {
            let dir = PeersDir::at(&project.path);
            let keys = [
                dir.state_json(),
                dir.runs_jsonl(),
                dir.last_stop_reason(),
                dir.halted_md(),
            ]
            .map(|p| key(&p));
            let fresh = self
                .cache
                .get(&project.path)
                .is_some_and(|c| c.keys == keys);
            if !fresh {
                self.last_reads += 1;
                let summary = summarise(&project.path);
                self.cache
                    .insert(project.path.clone(), Cached { keys, summary });
            }
            let mut summary = self
                .cache
                .get(&project.path)
                .map(|c| c.summary.clone())
                .unwrap_or_default();
            if project.state != crate::registry::ProjectState::Stopped {
                summary.stop_reason = None;
            }
            let newest = [
                keys[0],
                keys[1],
                key(&log_path(&self.config, &project.name)),
            ]
            .into_iter()
            .flatten()
            .map(|(modified, _)| modified)
            .max();
            let idle = newest
                .and_then(|m| now.duration_since(m).ok())
                .map(|d| d.as_secs() / 60);
            let phase = cluster.get(&project.name).map(|status| status.phase);
            // A Kubernetes run writes nothing here: local file ages say nothing about it.
            let idle = if phase.is_some() { None } else { idle };
            let state = phase.map_or(project.state, as_run_state);
            if let Some(status) = cluster.get(&project.name) {
                summary.stop_reason = status.detail.clone();
            }
            rows.push(Row {
                name: project.name.clone(),
                path: project.path.clone(),
                state,
                phase: phase.map(Phase::as_str),
                pid: project.run.as_ref().map(|run| run.pid),
                alerts: alerts(state, &summary, idle, self.stall_after_min),
                summary,
            });
        }
        Ok(rows)
    }

    /// The drilldown of `row`: recent records and output from the ends of the files; the
    /// self-review is carried over from `previous` unless the run log changed.
    pub fn detail(&self, row: &Row, previous: Option<&Detail>) -> Detail {
        let runs = PeersDir::at(&row.path).runs_jsonl();
        let records = recent_records(&runs);
        let review = match previous {
            Some(old) if old.name == row.name && old.records == records => old.review.clone(),
            _ => crate::handoff::latest_handoff(&row.path)
                .ok()
                .flatten()
                .map(|h| {
                    h.review
                        .unwrap_or_else(|| format!("{}: no ## Self-Review section", h.subject))
                }),
        };
        Detail {
            name: row.name.clone(),
            records,
            output: crate::summary::last_lines(&log_path(&self.config, &row.name), DETAIL_OUTPUT),
            review,
        }
    }
}

fn recent_records(path: &Path) -> Vec<serde_json::Value> {
    let Ok((mut file, meta)) = peers_store::safe_fs::open_control_file(path) else {
        return Vec::new();
    };
    let Ok(bytes) = read_tail(&mut file, meta.len(), DETAIL_WINDOW) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut records: Vec<serde_json::Value> = text
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str(line).ok())
        .take(DETAIL_RECORDS)
        .collect();
    records.reverse();
    records
}

/// The local state closest to a cluster phase (for counts and alerts; the phase is shown).
fn as_run_state(phase: Phase) -> ProjectState {
    match phase {
        Phase::Queued | Phase::Starting | Phase::Running | Phase::Stopping => ProjectState::Running,
        Phase::Stopped | Phase::Complete | Phase::Failed => ProjectState::Stopped,
        Phase::Fresh | Phase::Unknown => ProjectState::Fresh,
    }
}
