//! The live dashboard's view of a namespace: one watch per object kind (run records, Jobs, pods,
//! volumes) by the peers-ctl label selector, for every run at once, each feeding a reflector
//! store that the dashboard reads each frame. The watches run on a thread of their own with its
//! own tokio runtime (the rest of peers-ctl is synchronous). kube's watcher LISTs, then WATCHes
//! from the list's resourceVersion (bookmarks on); on any error — an expired resourceVersion
//! (410), a dropped connection, an unreachable server — the kind is marked failed and, after a
//! backoff, listed and watched afresh. While any kind is not in sync, the runs read `unknown`
//! with the error, never a guess.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use futures::channel::oneshot;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod};
use kube::runtime::reflector::{self, Store, store::Writer};
use kube::runtime::watcher;
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;

use crate::backend::client;
use crate::backend_spec::KubeTarget;
use crate::cluster::names;
use crate::cluster::status::{ClusterObjects, run_label};

/// The first retry after an error, doubled on each failure up to [`BACKOFF_MAX`].
const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// How long the shutdown of the watch thread's runtime waits for its tasks.
const SHUTDOWN_WAIT: Duration = Duration::from_millis(500);

/// The kinds watched, in the order of [`Shared::kinds`].
const KINDS: [&str; 4] = ["configmaps", "jobs", "pods", "persistentvolumeclaims"];

/// Where one kind's watch stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KindState {
    /// Not listed yet.
    Connecting,
    /// Listed, and watching.
    Synced,
    /// The last list or watch failed (why); retrying after a backoff.
    Failed(String),
}

/// What the watch thread tells the reader.
struct Shared {
    kinds: Mutex<[KindState; 4]>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, [KindState; 4]> {
        self.kinds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, kind: usize, state: KindState) {
        let mut kinds = self.lock();
        if let Some(slot) = kinds.get_mut(kind)
            && *slot != state
        {
            *slot = state;
            self.changed.notify_all();
        }
    }

    fn fail_all(&self, why: &str) {
        for kind in 0..KINDS.len() {
            self.set(kind, KindState::Failed(why.to_owned()));
        }
    }
}

struct Writers {
    anchors: Writer<ConfigMap>,
    jobs: Writer<Job>,
    pods: Writer<Pod>,
    volumes: Writer<PersistentVolumeClaim>,
}

/// The watches of one (context, namespace); dropping it stops them.
pub struct FleetWatch {
    namespace: String,
    shared: Arc<Shared>,
    anchors: Store<ConfigMap>,
    jobs: Store<Job>,
    pods: Store<Pod>,
    volumes: Store<PersistentVolumeClaim>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FleetWatch {
    /// Starts the watches of `target`'s namespace on a thread of their own.
    pub fn start(target: &KubeTarget) -> Self {
        let (anchors, anchors_writer) = reflector::store();
        let (jobs, jobs_writer) = reflector::store();
        let (pods, pods_writer) = reflector::store();
        let (volumes, volumes_writer) = reflector::store();
        let writers = Writers {
            anchors: anchors_writer,
            jobs: jobs_writer,
            pods: pods_writer,
            volumes: volumes_writer,
        };
        let shared = Arc::new(Shared {
            kinds: Mutex::new([const { KindState::Connecting }; 4]),
            changed: Condvar::new(),
        });
        let (stop, stopped) = oneshot::channel();
        let thread_shared = Arc::clone(&shared);
        let thread_target = target.clone();
        let thread = std::thread::Builder::new()
            .name("peers-ctl-watch".into())
            .spawn(move || run(&thread_target, writers, &thread_shared, stopped));
        let thread = match thread {
            Ok(handle) => Some(handle),
            Err(e) => {
                shared.fail_all(&format!("cannot start the watch thread: {e}"));
                None
            }
        };
        Self {
            namespace: target.namespace.clone(),
            shared,
            anchors,
            jobs,
            pods,
            volumes,
            stop: Some(stop),
            thread,
        }
    }

    /// Waits until every kind is listed or one failed, at most `timeout`.
    pub fn wait_ready(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut kinds = self.shared.lock();
        while kinds.contains(&KindState::Connecting)
            && !kinds.iter().any(|k| matches!(k, KindState::Failed(_)))
        {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            kinds = self
                .shared
                .changed
                .wait_timeout(kinds, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// The objects of `runs` from the stores, or why they cannot be trusted now.
    pub fn observed(
        &self,
        runs: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, ClusterObjects>, ObserveError> {
        let kinds = self.shared.lock().clone();
        for (kind, state) in KINDS.into_iter().zip(kinds) {
            match state {
                KindState::Synced => {}
                KindState::Connecting => {
                    return Err(ObserveError::Listing {
                        kind,
                        namespace: self.namespace.clone(),
                    });
                }
                KindState::Failed(why) => return Err(ObserveError::Failed(why)),
            }
        }
        Ok(ClusterObjects::by_run(
            wanted(&self.anchors, runs),
            wanted(&self.jobs, runs),
            wanted(&self.pods, runs),
            wanted(&self.volumes, runs),
        ))
    }
}

/// Why the watched objects cannot be trusted now; the dashboard shows it as the runs' status.
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    /// A kind has not been listed yet.
    #[error("Kubernetes: still listing {kind} in namespace {namespace}")]
    Listing {
        kind: &'static str,
        namespace: String,
    },
    /// The last list or watch of a kind failed (why, as the watch recorded it).
    #[error("{0}")]
    Failed(String),
}

/// Copies of the objects in `store` that belong to one of `runs`.
fn wanted<K>(store: &Store<K>, runs: &BTreeSet<String>) -> Vec<K>
where
    K: Resource + Clone + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    store
        .state()
        .iter()
        .filter(|object| run_label(object.meta()).is_some_and(|run| runs.contains(run)))
        .map(|object| K::clone(object))
        .collect()
}

impl Drop for FleetWatch {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The watch thread: its runtime runs every kind's watch until told to stop.
fn run(target: &KubeTarget, writers: Writers, shared: &Shared, stopped: oneshot::Receiver<()>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            shared.fail_all(&format!("cannot start the async runtime: {e}"));
            return;
        }
    };
    runtime.block_on(async {
        let work = std::pin::pin!(watch_all(target, writers, shared));
        futures::future::select(work, stopped).await;
    });
    runtime.shutdown_timeout(SHUTDOWN_WAIT);
}

fn next_delay(delay: Duration) -> Duration {
    (delay * 2).min(BACKOFF_MAX)
}

async fn watch_all(target: &KubeTarget, writers: Writers, shared: &Shared) {
    let mut delay = BACKOFF_MIN;
    let client = loop {
        match client::config(target).await.and_then(client::client) {
            Ok(client) => break client,
            Err(err) => {
                shared.fail_all(&err.message);
                tokio::time::sleep(delay).await;
                delay = next_delay(delay);
            }
        }
    };
    let namespace = &target.namespace;
    futures::join!(
        follow(&client, namespace, writers.anchors, shared, 0),
        follow(&client, namespace, writers.jobs, shared, 1),
        follow(&client, namespace, writers.pods, shared, 2),
        follow(&client, namespace, writers.volumes, shared, 3),
    );
}

/// One kind's watch, for ever: events go into the store; after an error, the kind is failed
/// until a fresh list (after the backoff) has filled the store again.
async fn follow<K>(
    client: &Client,
    namespace: &str,
    mut writer: Writer<K>,
    shared: &Shared,
    kind: usize,
) where
    K: Resource<Scope = NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Debug
        + Send
        + Sync
        + 'static,
    K::DynamicType: Default + Eq + Hash + Clone,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let config = watcher::Config::default().labels(names::SELECTOR);
    let plural = KINDS.get(kind).copied().unwrap_or("objects");
    let mut delay = BACKOFF_MIN;
    loop {
        let mut events = watcher(api.clone(), config.clone()).boxed();
        let why = loop {
            match events.next().await {
                Some(Ok(event)) => {
                    // Server-side apply's bookkeeping is most of an object and never read here.
                    let event = event.modify(|object| object.meta_mut().managed_fields = None);
                    writer.apply_watcher_event(&event);
                    if matches!(
                        event,
                        watcher::Event::InitDone
                            | watcher::Event::Apply(_)
                            | watcher::Event::Delete(_)
                    ) {
                        shared.set(kind, KindState::Synced);
                        delay = BACKOFF_MIN;
                    }
                }
                Some(Err(err)) => break err.to_string(),
                None => break "the watch ended".to_owned(),
            }
        };
        drop(events);
        shared.set(
            kind,
            KindState::Failed(format!(
                "Kubernetes: watch {plural} in namespace {namespace}: {why} (retrying)"
            )),
        );
        tokio::time::sleep(delay).await;
        delay = next_delay(delay);
    }
}
