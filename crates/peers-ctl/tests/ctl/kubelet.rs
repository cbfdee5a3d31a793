//! A fake Job controller and a fake kubelet on the fake API server, running the real `peers run`
//! as local processes.
//!
//! The controller: a Job that is neither finished nor suspended and has no live pod gets one
//! (`<job>-<n>`, its template's labels and spec, owned by the Job). A finished pod is judged by
//! the Job's `podFailurePolicy` in order (`Ignore` on a condition such as DisruptionTarget:
//! replaced without counting; `FailJob` on a container's exit codes: the Job fails with reason
//! PodFailurePolicy; otherwise it counts against `backoffLimit`); a Succeeded pod completes the
//! Job. Replacements wait until the old pod is Failed (`podReplacementPolicy: Failed`).
//!
//! The kubelet: a new pod's init containers run in order: a native sidecar (`restartPolicy:
//! Always`, the `proxy` with its git relay) is started and left running until the pod's loop has
//! ended, the `workspace` init container runs its real script with `sh` to its end; then the
//! `loop` container's command runs as a local process (`peers` is the built binary), each with
//! exactly the container's `env` (plus `envFrom` Secrets, resolved from the store) and a few
//! variables the image would provide (`PATH`, C locale, no system git config). Volumes are
//! directories: the PersistentVolumeClaim one per claim (kept across pods, like a volume),
//! emptyDirs and Secrets one per pod; arguments and variables that are paths under a mount path
//! are rewritten to them (and, for `sh -c` scripts, the mount paths in the script text), so a
//! remote must be a URL (`file://…`), not a bare path that could fall under `/tmp`. Each pod has
//! a loopback address of its own (`127.<n>.<n>.<n>`, never `127.0.0.x`), standing for its network
//! namespace: `127.0.0.1` in its containers' arguments, variables and scripts is rewritten to it,
//! so pods on one machine never share the sidecar's ports; a server a test runs for the pods
//! to reach listens on another loopback address (`127.0.0.2`). The loop's output goes to the
//! pod's log with timestamps (a sidecar's to `<container>.log` in the pod's directory); the pod's
//! phase and container states follow the processes; each container's
//! `terminationMessagePath` is a file of the pod's (rewritten like a mount), whose text is the
//! container's `terminated.message`, or the log's tail when it is empty and the container failed
//! (`FallbackToLogsOnError`).
//!
//! A pod marked for deletion gets SIGTERM (its first process only, as from a container runtime),
//! then SIGKILL after its grace period; `evict` kills the loop at once (mid-tick) and fails the
//! pod with reason Evicted and a DisruptionTarget condition; `lose_node` does the same and
//! empties the run's volume, as losing a node with a local volume does. A kill reaches every
//! process of the container (its group and every descendant, whatever group it made), as a
//! cgroup's end does, except the receiving side of a push to a `file://` remote, which stands for
//! the git server on another machine. Dropping the kubelet kills them all.
#![expect(
    clippy::expect_used,
    reason = "test harness: a broken fake must stop the test"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use serde_json::{Value, json};

use crate::ctl::fake_cluster::{Api, FakeCluster};

const JOBS: &str = "/apis/batch/v1/namespaces/peers/jobs";
const PODS: &str = "/api/v1/namespaces/peers/pods";
const SECRETS: &str = "/api/v1/namespaces/peers/secrets";
const TICK: Duration = Duration::from_millis(50);
/// Pods started by this test process: each gets its own loopback address.
static PODS_STARTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A loopback address for a new pod: the second octet from this process's id (never 0, so
/// never `127.0.0.x`), the last two from a counter.
fn pod_loopback() -> String {
    let n = PODS_STARTED.fetch_add(1, Ordering::SeqCst);
    format!(
        "127.{}.{}.{}",
        1 + std::process::id() % 250,
        n / 250 % 250,
        1 + n % 250
    )
}

/// What the test can ask of a running pod, and what the kubelet reports back.
#[derive(Default)]
struct Shared {
    /// Pods the kubelet has taken (started or finished).
    taken: BTreeSet<String>,
    /// The loop process of each running pod.
    loops: BTreeMap<String, u32>,
    /// Pods to evict at once.
    evict: BTreeSet<String>,
    /// Evicted pods whose node is lost with its local volumes: the claim's directory is emptied.
    wipe: BTreeSet<String>,
    /// Process groups started and not yet reaped.
    groups: BTreeSet<u32>,
}

pub struct Kubelet {
    api: Api,
    root: PathBuf,
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
    main: Option<JoinHandle<()>>,
}

/// Where a node keeps its volumes.
#[derive(Clone)]
struct Node {
    api: Api,
    root: PathBuf,
    peers: PathBuf,
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
}

impl Kubelet {
    /// Starts the controller and kubelet; volumes live under `root`, `peers` is the binary the
    /// image's `peers` stands for.
    pub fn start(fake: &FakeCluster, root: &Path, peers: &Path) -> Self {
        let api = fake.api();
        api.set_graceful_pods(true);
        std::fs::create_dir_all(root).expect("node dir");
        let node = Node {
            api: api.clone(),
            root: root.to_path_buf(),
            peers: peers.to_path_buf(),
            stop: Arc::new(AtomicBool::new(false)),
            shared: Arc::new(Mutex::new(Shared::default())),
        };
        let threads: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let main = {
            let node = node.clone();
            let threads = Arc::clone(&threads);
            std::thread::spawn(move || {
                while !node.stop.load(Ordering::SeqCst) {
                    control_jobs(&node.api);
                    for pod in node.new_pods() {
                        let node = node.clone();
                        let handle = std::thread::spawn(move || node.run_pod(&pod));
                        threads.lock().expect("threads").push(handle);
                    }
                    std::thread::sleep(TICK);
                }
            })
        };
        Self {
            api,
            root: root.to_path_buf(),
            stop: node.stop,
            shared: node.shared,
            threads,
            main: Some(main),
        }
    }

    /// The PID of the running `loop` process of `pod`.
    pub fn loop_pid(&self, pod: &str) -> Option<u32> {
        self.shared.lock().expect("shared").loops.get(pod).copied()
    }

    /// The directory standing for PersistentVolumeClaim `claim`.
    pub fn volume(&self, claim: &str) -> PathBuf {
        self.root.join("volumes").join(claim)
    }

    /// Evicts `pod` now: its loop is killed mid-work and the pod fails with reason Evicted and a
    /// DisruptionTarget condition.
    pub fn evict(&self, pod: &str) {
        self.shared
            .lock()
            .expect("shared")
            .evict
            .insert(pod.to_owned());
    }

    /// Loses `pod`'s node with its local volume: the pod is evicted as by [`Kubelet::evict`]
    /// and the run's volume is empty for the next pod (which must restore from the remote).
    pub fn lose_node(&self, pod: &str) {
        let mut shared = self.shared.lock().expect("shared");
        shared.wipe.insert(pod.to_owned());
        shared.evict.insert(pod.to_owned());
    }

    /// The pod of the live session, once it runs its loop.
    pub fn running_pod(&self) -> Option<String> {
        self.api
            .objects(PODS)
            .into_iter()
            .filter(|p| p["status"]["phase"] == "Running")
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_owned))
            .find(|name| self.loop_pid(name).is_some())
    }
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let groups: Vec<u32> = self
            .shared
            .lock()
            .map(|s| s.groups.iter().copied().collect())
            .unwrap_or_default();
        for group in groups {
            kill_container(group);
        }
        if let Some(main) = self.main.take() {
            let _ = main.join();
        }
        let threads = std::mem::take(&mut *self.threads.lock().expect("threads"));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn signal_group(group: u32, signal: Signal) {
    if let Some(pid) = i32::try_from(group).ok().and_then(Pid::from_raw) {
        let _ = rustix::process::kill_process_group(pid, signal);
    }
}

/// Every process descended from `root` (by parent PID, from /proc), but not the receiving side
/// of a push to a `file://` remote (the git server, which would be on another machine).
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            if String::from_utf8_lossy(&cmdline).contains("receive-pack") {
                return None;
            }
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (_, rest) = stat.rsplit_once(')')?;
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// SIGKILL to a container's processes, as its cgroup going away does: the group of its first
/// process and every descendant in whatever group it made for itself.
fn kill_container(pid: u32) {
    let below = descendants(pid);
    signal_group(pid, Signal::KILL);
    for child in below {
        signal_group(child, Signal::KILL);
        if let Some(child) = i32::try_from(child).ok().and_then(Pid::from_raw) {
            let _ = rustix::process::kill_process(child, Signal::KILL);
        }
    }
}

fn owned_by(object: &Value, uid: &Value) -> bool {
    object["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == *uid))
}

fn has_condition(object: &Value, kind: &str) -> bool {
    object["status"]["conditions"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["type"] == kind && c["status"] == "True"))
}

fn is_live(pod: &Value) -> bool {
    !matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    )
}

/// The exit code of `container` in a finished pod (init containers included).
fn exit_code(pod: &Value, container: &str) -> Option<i64> {
    ["initContainerStatuses", "containerStatuses"]
        .iter()
        .filter_map(|key| pod["status"][key].as_array())
        .flatten()
        .find(|c| c["name"] == container)
        .and_then(|c| c["state"]["terminated"]["exitCode"].as_i64())
}

/// What the Job's `podFailurePolicy` says of a failed pod: the first rule that matches.
fn policy_action(job: &Value, pod: &Value) -> String {
    let rules = job["spec"]["podFailurePolicy"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for rule in rules {
        let on_conditions = rule["onPodConditions"].as_array().is_some_and(|patterns| {
            patterns.iter().any(|p| {
                pod["status"]["conditions"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["type"] == p["type"] && c["status"] == p["status"])
                })
            })
        });
        let exits = &rule["onExitCodes"];
        let on_exit = !exits.is_null()
            && exit_code(pod, exits["containerName"].as_str().unwrap_or("loop")).is_some_and(
                |code| {
                    let listed = exits["values"]
                        .as_array()
                        .is_some_and(|v| v.iter().any(|v| v.as_i64() == Some(code)));
                    (exits["operator"] == "In") == listed
                },
            );
        if on_conditions || on_exit {
            return rule["action"].as_str().unwrap_or("Count").to_owned();
        }
    }
    "Count".to_owned()
}

fn finish_job(api: &Api, name: &str, condition: Value, counts: Value) {
    api.modify(JOBS, name, |job| {
        let mut status = counts;
        status["conditions"] = json!([condition]);
        job["status"] = status;
    });
}

/// One pass of the Job controller.
fn control_jobs(api: &Api) {
    let pods = api.objects(PODS);
    for job in api.objects(JOBS) {
        let name = job["metadata"]["name"].as_str().unwrap_or("").to_owned();
        if has_condition(&job, "Complete")
            || has_condition(&job, "Failed")
            || job["spec"]["suspend"] == true
        {
            continue;
        }
        let uid = &job["metadata"]["uid"];
        let mine: Vec<&Value> = pods.iter().filter(|p| owned_by(p, uid)).collect();
        if mine.iter().any(|p| is_live(p)) {
            continue;
        }
        if mine.iter().any(|p| p["status"]["phase"] == "Succeeded") {
            finish_job(
                api,
                &name,
                json!({"type": "Complete", "status": "True"}),
                json!({"succeeded": 1, "failed": mine.len() - 1}),
            );
            continue;
        }
        let mut counted = 0;
        let mut fail = None;
        for pod in &mine {
            match policy_action(&job, pod).as_str() {
                "Ignore" => {}
                "FailJob" => {
                    fail = Some(format!(
                        "Pod {} failed; the podFailurePolicy fails the Job",
                        pod["metadata"]["name"].as_str().unwrap_or("?")
                    ));
                }
                _ => counted += 1,
            }
        }
        let backoff = job["spec"]["backoffLimit"].as_i64().unwrap_or(6);
        if fail.is_none() && counted > backoff {
            fail = Some("BackoffLimitExceeded".to_owned());
        }
        if let Some(message) = fail {
            let reason = if message == "BackoffLimitExceeded" {
                "BackoffLimitExceeded"
            } else {
                "PodFailurePolicy"
            };
            finish_job(
                api,
                &name,
                json!({"type": "Failed", "status": "True", "reason": reason, "message": message}),
                json!({"failed": mine.len()}),
            );
            continue;
        }
        let template = &job["spec"]["template"];
        api.put(
            PODS,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {
                    "name": format!("{name}-{}", mine.len() + 1),
                    "namespace": "peers",
                    "labels": template["metadata"]["labels"],
                    "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job",
                        "name": name, "uid": uid, "controller": true}]
                },
                "spec": template["spec"],
                "status": {"phase": "Pending"}
            }),
        );
    }
}

/// A container's paths on this node: each mount path and the directory standing for it. Only
/// values that are paths under a mount move (a remote given as a `file://` URL stays as it is).
struct Mounts(Vec<(String, PathBuf)>);

impl Mounts {
    /// A path-valued argument or variable under a mount path, moved to the node directory.
    fn path(&self, value: &str) -> String {
        for (path, dir) in &self.0 {
            if let Some(rest) = value.strip_prefix(path.as_str())
                && (rest.is_empty() || rest.starts_with('/'))
            {
                return format!("{}{rest}", dir.display());
            }
        }
        value.to_owned()
    }

    /// A shell script with every mount path in its text moved (`/work/repo` and the like).
    /// One pass (through placeholders, longest path first): a node directory put in for one
    /// mount is never rewritten again for another (`/work` → `/tmp/…`, then `/tmp`).
    fn script(&self, text: &str) -> String {
        let mut mounts: Vec<&(String, PathBuf)> = self.0.iter().collect();
        mounts.sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
        let mut out = text.to_owned();
        for (i, (path, _)) in mounts.iter().enumerate() {
            out = out.replace(path.as_str(), &format!("\u{0}{i}\u{0}"));
        }
        for (i, (_, dir)) in mounts.iter().enumerate() {
            out = out.replace(&format!("\u{0}{i}\u{0}"), dir.to_str().expect("utf-8 path"));
        }
        out
    }
}

impl Node {
    fn new_pods(&self) -> Vec<Value> {
        let mut shared = self.shared.lock().expect("shared");
        let mut out = Vec::new();
        for pod in self.api.objects(PODS) {
            let name = pod["metadata"]["name"].as_str().unwrap_or("").to_owned();
            if pod["status"]["phase"] == "Pending" && shared.taken.insert(name) {
                out.push(pod);
            }
        }
        out
    }

    fn pod_dir(&self, pod: &str) -> PathBuf {
        self.root.join("pods").join(pod)
    }

    /// The node directory of each of the pod's volumes (Secrets written out as files).
    fn volumes(&self, pod: &Value) -> BTreeMap<String, PathBuf> {
        let name = pod["metadata"]["name"].as_str().unwrap_or("");
        let mut out = BTreeMap::new();
        for volume in pod["spec"]["volumes"].as_array().into_iter().flatten() {
            let id = volume["name"].as_str().unwrap_or("").to_owned();
            let dir = if let Some(claim) = volume["persistentVolumeClaim"]["claimName"].as_str() {
                self.root.join("volumes").join(claim)
            } else {
                self.pod_dir(name).join("volumes").join(&id)
            };
            std::fs::create_dir_all(&dir).expect("volume dir");
            if let Some(secret) = volume["secret"]["secretName"].as_str() {
                for (key, value) in secret_data(&self.api, secret) {
                    std::fs::write(dir.join(key), value).expect("secret file");
                }
            }
            out.insert(id, dir);
        }
        out
    }

    /// The command line and environment of `container`, with its mount paths on this node.
    fn command(
        &self,
        container: &Value,
        volumes: &BTreeMap<String, PathBuf>,
        termination_log: &Path,
        loopback: &str,
    ) -> Command {
        let mut mounts: Vec<(String, PathBuf)> = container["volumeMounts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| {
                let dir = volumes.get(m["name"].as_str()?)?.clone();
                Some((m["mountPath"].as_str()?.to_owned(), dir))
            })
            .collect();
        // The termination message file the kubelet mounts into every container.
        let message_path = container["terminationMessagePath"]
            .as_str()
            .unwrap_or("/dev/termination-log")
            .to_owned();
        std::fs::write(termination_log, "").expect("termination log");
        mounts.push((message_path, termination_log.to_path_buf()));
        let mounts = Mounts(mounts);
        let raw: Vec<&str> = container["command"]
            .as_array()
            .expect("a command")
            .iter()
            .map(|a| a.as_str().unwrap_or(""))
            .collect();
        let shell = raw.first().is_some_and(|p| p.ends_with("/sh"));
        let argv: Vec<String> = raw
            .iter()
            .enumerate()
            .map(|(i, arg)| {
                if shell && i > 0 && raw[i - 1] == "-c" {
                    mounts.script(arg)
                } else {
                    mounts.path(arg)
                }
                .replace("127.0.0.1", loopback)
            })
            .collect();
        let program = match argv[0].as_str() {
            "peers" => self.peers.clone(),
            other => PathBuf::from(other),
        };
        let mut command = Command::new(program);
        command.args(&argv[1..]).env_clear();
        // What the image provides: its PATH (with this peers first), the C locale, no system
        // git configuration and a global one that does not exist.
        let path = format!(
            "{}:{}",
            self.peers.parent().expect("bin dir").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let scratch = self.root.join("image-gitconfig");
        command
            .env("PATH", path)
            .env("LC_ALL", "C")
            .env("TZ", "UTC")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", &scratch);
        for source in container["envFrom"].as_array().into_iter().flatten() {
            if let Some(secret) = source["secretRef"]["name"].as_str() {
                for (key, value) in secret_data(&self.api, secret) {
                    command.env(key, value);
                }
            }
        }
        for var in container["env"].as_array().into_iter().flatten() {
            let name = var["name"].as_str().unwrap_or("");
            command.env(
                name,
                mounts
                    .path(var["value"].as_str().unwrap_or(""))
                    .replace("127.0.0.1", loopback),
            );
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        command
    }

    fn set_status(&self, pod: &str, status: Value) -> bool {
        self.api
            .modify(PODS, pod, |object| object["status"] = status)
    }

    /// Runs `child` to its end: output to the pod's log, SIGTERM then SIGKILL when the pod is
    /// deleted, SIGKILL at once when it is evicted. Returns the exit code (128 + signal when
    /// killed), whether it was evicted, and the log's tail.
    fn supervise(&self, pod: &str, mut child: Child, record_loop: bool) -> (i64, bool, String) {
        let pid = child.id();
        {
            let mut shared = self.shared.lock().expect("shared");
            shared.groups.insert(pid);
            if record_loop {
                shared.loops.insert(pod.to_owned(), pid);
            }
        }
        let tail: Arc<Mutex<Vec<String>>> = Arc::default();
        let readers: Vec<JoinHandle<()>> = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        .map(|stream| {
            let api = self.api.clone();
            let pod = pod.to_owned();
            let tail = Arc::clone(&tail);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    api.log(
                        &pod,
                        format!("{} {line}", peers_store::timestamp::now_iso_utc()),
                    );
                    let mut tail = tail.lock().expect("tail");
                    tail.push(line);
                    let excess = tail.len().saturating_sub(80);
                    tail.drain(..excess);
                }
            })
        })
        .collect();
        let grace = self
            .api
            .get(PODS, pod)
            .and_then(|p| p["spec"]["terminationGracePeriodSeconds"].as_u64())
            .unwrap_or(30);
        let mut kill_at: Option<Instant> = None;
        let mut evicted = false;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if self.stop.load(Ordering::SeqCst) {
                kill_container(pid);
            }
            if self.shared.lock().expect("shared").evict.remove(pod) {
                evicted = true;
                kill_container(pid);
            }
            let deleting = self
                .api
                .get(PODS, pod)
                .is_none_or(|p| !p["metadata"]["deletionTimestamp"].is_null());
            match kill_at {
                None if deleting => {
                    // As a container runtime does: SIGTERM to the container's first process
                    // only; SIGKILL (to everything) once the grace period is over.
                    if let Some(main) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
                        let _ = rustix::process::kill_process(main, Signal::TERM);
                    }
                    kill_at = Some(Instant::now() + Duration::from_secs(grace));
                }
                Some(at) if Instant::now() >= at => kill_container(pid),
                _ => {}
            }
            std::thread::sleep(TICK);
        };
        // The group may hold stragglers (an agent that escaped): the pod's end kills them.
        signal_group(pid, Signal::KILL);
        for reader in readers {
            let _ = reader.join();
        }
        {
            let mut shared = self.shared.lock().expect("shared");
            shared.groups.remove(&pid);
            shared.loops.remove(pod);
        }
        let code = match (
            status.code(),
            std::os::unix::process::ExitStatusExt::signal(&status),
        ) {
            (Some(code), _) => i64::from(code),
            (None, Some(signal)) => 128 + i64::from(signal),
            _ => -1,
        };
        let text = tail.lock().expect("tail").join("\n");
        let start = text.len().saturating_sub(2048);
        let start = (start..=text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        (code, evicted, text[start..].to_owned())
    }

    fn run_pod(&self, pod: &Value) {
        let name = pod["metadata"]["name"].as_str().unwrap_or("").to_owned();
        std::fs::create_dir_all(self.pod_dir(&name)).expect("pod dir");
        let volumes = self.volumes(pod);
        let spec = &pod["spec"];
        let started = peers_store::timestamp::now_iso_utc();
        let loopback = pod_loopback();
        // Init containers in order; a native sidecar (restartPolicy Always) is started and left
        // running (its output in `<container>.log` of the pod's directory).
        let mut sidecars = Vec::new();
        for init in spec["initContainers"].as_array().into_iter().flatten() {
            let container = init["name"].as_str().unwrap_or("").to_owned();
            let log = self
                .pod_dir(&name)
                .join(format!("{container}.termination-log"));
            let mut command = self.command(init, &volumes, &log, &loopback);
            if init["restartPolicy"] == "Always" {
                let out =
                    std::fs::File::create(self.pod_dir(&name).join(format!("{container}.log")))
                        .expect("sidecar log");
                command
                    .stdout(out.try_clone().expect("sidecar log"))
                    .stderr(out);
                let child = command.spawn().expect("start a sidecar");
                self.shared
                    .lock()
                    .expect("shared")
                    .groups
                    .insert(child.id());
                sidecars.push(child);
                continue;
            }
            let child = command.spawn().expect("start init container");
            let (code, evicted, tail) = self.supervise(&name, child, false);
            if code != 0 || evicted {
                self.stop_sidecars(sidecars);
                let message = termination_message(&log, &tail);
                self.fail(&name, &container, code, evicted, &message, true);
                return;
            }
        }
        let main = &spec["containers"][0];
        let log = self.pod_dir(&name).join("loop.termination-log");
        let child = self
            .command(main, &volumes, &log, &loopback)
            .spawn()
            .expect("start the loop");
        let running = self.set_status(
            &name,
            json!({"phase": "Running", "startTime": started,
                   "containerStatuses": [{"name": "loop", "ready": true, "restartCount": 0,
                       "image": main["image"], "imageID": "",
                       "state": {"running": {"startedAt": started}}}]}),
        );
        if !running {
            kill_container(child.id());
        }
        let (code, evicted, tail) = self.supervise(&name, child, true);
        // As the kubelet does: the sidecars end once the main container has.
        self.stop_sidecars(sidecars);
        if self.shared.lock().expect("shared").wipe.remove(&name) {
            for volume in spec["volumes"].as_array().into_iter().flatten() {
                if let Some(claim) = volume["persistentVolumeClaim"]["claimName"].as_str() {
                    let dir = self.root.join("volumes").join(claim);
                    std::fs::remove_dir_all(&dir).expect("wipe the volume");
                    std::fs::create_dir_all(&dir).expect("an empty volume");
                }
            }
        }
        if code == 0 && !evicted {
            let message = std::fs::read_to_string(&log).unwrap_or_default();
            self.set_status(
                &name,
                json!({"phase": "Succeeded", "containerStatuses": [{"name": "loop",
                    "ready": false, "restartCount": 0, "image": main["image"], "imageID": "",
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                        "message": message}}}]}),
            );
        } else {
            let message = termination_message(&log, &tail);
            self.fail(&name, "loop", code, evicted, &message, false);
        }
        self.remove_if_deleting(&name);
    }

    /// Kills the pod's sidecars (everything they started too) and reaps them.
    fn stop_sidecars(&self, sidecars: Vec<Child>) {
        for mut child in sidecars {
            kill_container(child.id());
            let _ = child.wait();
            self.shared
                .lock()
                .expect("shared")
                .groups
                .remove(&child.id());
        }
    }

    fn fail(&self, pod: &str, container: &str, code: i64, evicted: bool, tail: &str, init: bool) {
        let terminated = json!({"exitCode": code, "reason": "Error", "message": tail});
        let statuses = json!([{"name": container, "ready": false, "restartCount": 0,
            "image": "", "imageID": "", "state": {"terminated": terminated}}]);
        let mut status = json!({"phase": "Failed"});
        status[if init {
            "initContainerStatuses"
        } else {
            "containerStatuses"
        }] = statuses;
        if evicted {
            status["reason"] = json!("Evicted");
            status["message"] = json!("The node was low on resource: memory (a test evicted it).");
            status["conditions"] = json!([{"type": "DisruptionTarget", "status": "True",
                "reason": "TerminationByKubelet",
                "message": "The node was low on resource: memory."}]);
        }
        self.set_status(pod, status);
        self.remove_if_deleting(pod);
    }

    /// A pod deleted while it ran is removed once its processes are gone (after a moment, so
    /// `stop` can read the termination message, as it could from a real API server).
    fn remove_if_deleting(&self, pod: &str) {
        let deleting = self
            .api
            .get(PODS, pod)
            .is_some_and(|p| !p["metadata"]["deletionTimestamp"].is_null());
        if deleting {
            std::thread::sleep(Duration::from_millis(600));
            self.api.remove(PODS, pod);
        }
    }
}

/// A failed container's message: its termination message file, or the tail of its log when the
/// file is empty (`FallbackToLogsOnError`).
fn termination_message(file: &Path, tail: &str) -> String {
    match std::fs::read_to_string(file) {
        Ok(text) if !text.trim().is_empty() => text,
        _ => tail.to_owned(),
    }
}

/// A Secret's data from the store (`stringData`, as the test writes it).
fn secret_data(api: &Api, name: &str) -> Vec<(String, String)> {
    api.get(SECRETS, name)
        .and_then(|s| s["stringData"].as_object().cloned())
        .map(|data| {
            data.into_iter()
                .map(|(k, v)| (k, v.as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}
