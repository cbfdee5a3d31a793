//! A small fake Kubernetes API server on 127.0.0.1 for driving `peers-ctl` through a kubeconfig:
//! namespaced CRUD for the kinds peers-ctl uses, server-side apply (create or update, UIDs and
//! resourceVersions assigned), JSON merge patches, label-selector lists (equality terms),
//! deletes with garbage collection by owner UID (unless `propagationPolicy: Orphan`), namespaces
//! (`GET /api/v1/namespaces/<ns>`: those in `Store::namespaces`), `GET /version`,
//! SelfSubjectAccessReviews (allowed unless `deny`), and pod logs from a buffer (from
//! `sinceTime`'s second on; a follow stream ends after what is there, like a dropped connection),
//! and watches (`?watch=true`): a chunked stream of `{"type","object"}` lines fed by every
//! mutation with its resourceVersion, from a `resourceVersion` on, by label selector, with
//! periodic BOOKMARK events, ending after `timeoutSeconds`. Injectable faults: an expired
//! history (`expire_watches`: open watches get an ERROR event with a 410 Status and a watch from
//! an older resourceVersion gets the same, so clients must re-list) and an unreachable server
//! (`set_reachable(false)`: streams cut, connections dropped unanswered). Every request is
//! recorded so tests can assert the exact verbs, paths and query strings. A test plays the Job
//! controller and kubelet through the store, or starts the fake ones of `kubelet` (which turn on
//! `graceful_pods`: a deleted pod that is still running is marked with a deletionTimestamp and
//! stays until its kubelet has stopped its processes, as on a real node).
#![expect(
    clippy::expect_used,
    reason = "test harness: a broken fake must stop the test"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: String,
    /// The request body (a DELETE's options, a patch, a review).
    pub body: String,
}

impl Seen {
    /// A query parameter, decoded.
    pub fn param(&self, key: &str) -> Option<String> {
        param(&self.query, key)
    }

    /// A WATCH (rather than a LIST or a GET).
    pub fn is_watch(&self) -> bool {
        self.param("watch").is_some_and(|w| w == "true" || w == "1")
    }
}

/// One mutation, as watches see it.
struct Change {
    rv: u64,
    collection: String,
    kind: &'static str,
    object: Value,
    /// The object before a modification (a watch by selector sees an object leave or enter).
    before: Option<Value>,
}

pub struct Store {
    /// (collection path, name) → object.
    pub objects: BTreeMap<(String, String), Value>,
    pub logs: BTreeMap<String, Vec<String>>,
    pub seen: Vec<Seen>,
    /// The namespaces that exist (`peers` unless a test changes it).
    pub namespaces: BTreeSet<String>,
    /// `verb resource[/subresource]` pairs a SelfSubjectAccessReview denies.
    pub denied: BTreeSet<String>,
    /// How often an open watch that allows bookmarks gets one.
    pub bookmark_every: Duration,
    /// How many BOOKMARK events were sent, over all watches.
    pub bookmarks_sent: u64,
    next: u64,
    changes: Vec<Change>,
    /// A watch from a resourceVersion below this one is too old (410).
    compacted: u64,
    /// Bumped by `expire_watches`: every open watch ends with a 410 ERROR event.
    epoch: u64,
    down: bool,
    closed: bool,
    /// A deleted (or collected) pod that is not Succeeded or Failed gets a deletionTimestamp and
    /// stays until its kubelet removes it; off, pods go at once (no kubelet runs them).
    pub graceful_pods: bool,
}

impl Default for Store {
    fn default() -> Self {
        Self {
            objects: BTreeMap::new(),
            logs: BTreeMap::new(),
            seen: Vec::new(),
            namespaces: BTreeSet::from(["peers".to_owned()]),
            denied: BTreeSet::new(),
            bookmark_every: Duration::from_secs(10),
            bookmarks_sent: 0,
            next: 0,
            changes: Vec::new(),
            compacted: 0,
            epoch: 0,
            down: false,
            closed: false,
            graceful_pods: false,
        }
    }
}

pub struct FakeCluster {
    pub store: Arc<Mutex<Store>>,
    pub port: u16,
    /// Signalled after every mutation, so watches wake up.
    changed: Arc<Condvar>,
}

/// The store as the fake controllers reach it from their own threads.
#[derive(Clone)]
pub struct Api {
    store: Arc<Mutex<Store>>,
    changed: Arc<Condvar>,
}

impl Api {
    pub fn objects(&self, collection: &str) -> Vec<Value> {
        let store = self.store.lock().expect("store");
        store
            .objects
            .iter()
            .filter(|((c, _), _)| c == collection)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn get(&self, collection: &str, name: &str) -> Option<Value> {
        let store = self.store.lock().expect("store");
        store
            .objects
            .get(&(collection.to_owned(), name.to_owned()))
            .cloned()
    }

    pub fn put(&self, collection: &str, object: Value) {
        self.store.lock().expect("store").insert(collection, object);
        self.changed.notify_all();
    }

    /// Changes an object in place if it still exists (one lock: no update is lost to a
    /// concurrent writer). False when it is gone.
    pub fn modify(&self, collection: &str, name: &str, change: impl FnOnce(&mut Value)) -> bool {
        let mut store = self.store.lock().expect("store");
        let key = (collection.to_owned(), name.to_owned());
        let Some(mut object) = store.objects.get(&key).cloned() else {
            return false;
        };
        change(&mut object);
        store.insert(collection, object);
        drop(store);
        self.changed.notify_all();
        true
    }

    /// Removes an object for good (a kubelet done with its pod), collecting what it owns.
    pub fn remove(&self, collection: &str, name: &str) {
        let mut store = self.store.lock().expect("store");
        let key = (collection.to_owned(), name.to_owned());
        if let Some(gone) = store.remove(&key) {
            store.collect(gone["metadata"]["uid"].clone());
        }
        drop(store);
        self.changed.notify_all();
    }

    /// Appends a line to a pod's log.
    pub fn log(&self, pod: &str, line: String) {
        let mut store = self.store.lock().expect("store");
        store.logs.entry(pod.to_owned()).or_default().push(line);
    }

    pub fn set_graceful_pods(&self, graceful: bool) {
        self.store.lock().expect("store").graceful_pods = graceful;
    }
}

impl FakeCluster {
    /// A handle on the store for other threads (the fake Job controller and kubelet).
    pub fn api(&self) -> Api {
        Api {
            store: Arc::clone(&self.store),
            changed: Arc::clone(&self.changed),
        }
    }

    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let store = Arc::new(Mutex::new(Store::default()));
        let changed = Arc::new(Condvar::new());
        let (shared, signal) = (Arc::clone(&store), Arc::clone(&changed));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if shared.lock().expect("store").closed {
                    return;
                }
                let store = Arc::clone(&shared);
                let changed = Arc::clone(&signal);
                std::thread::spawn(move || serve(stream, &store, &changed));
            }
        });
        Self {
            store,
            port,
            changed,
        }
    }

    /// Writes `<home>/.kube/config` pointing at this server, context `fake`.
    pub fn kubeconfig(&self, home: &Path) -> PathBuf {
        std::fs::create_dir_all(home.join(".kube")).expect("kube dir");
        let path = home.join(".kube/config");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://127.0.0.1:{}\nusers:\n- name: fake\n  user: {{}}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\ncurrent-context: fake\n",
            self.port
        );
        std::fs::write(&path, text).expect("kubeconfig");
        path
    }

    /// The objects of one collection (e.g. `/apis/batch/v1/namespaces/peers/jobs`).
    pub fn objects(&self, collection: &str) -> Vec<Value> {
        let store = self.store.lock().expect("store");
        store
            .objects
            .iter()
            .filter(|((c, _), _)| c == collection)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn put(&self, collection: &str, object: Value) {
        let mut store = self.store.lock().expect("store");
        store.insert(collection, object);
        self.changed.notify_all();
    }

    /// Deletes an object and garbage-collects what it owns (as a background delete would).
    pub fn delete(&self, collection: &str, name: &str) {
        let mut store = self.store.lock().expect("store");
        store.delete(collection, name).expect("the object exists");
        self.changed.notify_all();
    }

    /// SelfSubjectAccessReviews of `verb` on `resource` (e.g. `delete jobs`, `get pods/log`)
    /// answer `allowed: false` from now on.
    pub fn deny(&self, verb: &str, resource: &str) {
        let mut store = self.store.lock().expect("store");
        store.denied.insert(format!("{verb} {resource}"));
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.store.lock().expect("store").seen.clone()
    }

    /// The history is compacted up to now: every open watch ends with an ERROR event holding a
    /// 410 "too old resource version" Status, and so does any watch from an older
    /// resourceVersion. Clients must re-list.
    pub fn expire_watches(&self) {
        let mut store = self.store.lock().expect("store");
        store.compacted = store.next;
        store.changes.clear();
        store.epoch += 1;
        self.changed.notify_all();
    }

    /// Unreachable: open watch streams are cut mid-body and new connections are dropped
    /// unanswered, until it is reachable again.
    pub fn set_reachable(&self, reachable: bool) {
        self.store.lock().expect("store").down = !reachable;
        self.changed.notify_all();
    }

    pub fn set_bookmark_every(&self, every: Duration) {
        self.store.lock().expect("store").bookmark_every = every;
        self.changed.notify_all();
    }

    pub fn bookmarks_sent(&self) -> u64 {
        self.store.lock().expect("store").bookmarks_sent
    }
}

/// Ends the server: open watches finish, the accept loop stops.
impl Drop for FakeCluster {
    fn drop(&mut self) {
        if let Ok(mut store) = self.store.lock() {
            store.closed = true;
        }
        self.changed.notify_all();
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

impl Store {
    fn insert(&mut self, collection: &str, mut object: Value) -> Value {
        self.next += 1;
        let name = object["metadata"]["name"].as_str().unwrap_or("").to_owned();
        let key = (collection.to_owned(), name.clone());
        let meta = &mut object["metadata"];
        if let Some(old) = self.objects.get(&key) {
            meta["uid"] = old["metadata"]["uid"].clone();
            meta["creationTimestamp"] = old["metadata"]["creationTimestamp"].clone();
        } else {
            meta["uid"] = json!(format!("uid-{name}-{}", self.next));
            meta["creationTimestamp"] = json!(format!("2026-12-07T10:{:02}:00Z", self.next % 60));
        }
        meta["resourceVersion"] = json!(self.next.to_string());
        let before = self.objects.insert(key, object.clone());
        self.changes.push(Change {
            rv: self.next,
            collection: collection.to_owned(),
            kind: if before.is_some() {
                "MODIFIED"
            } else {
                "ADDED"
            },
            object: object.clone(),
            before,
        });
        object
    }

    /// Removes one object, recording the deletion at a new resourceVersion.
    fn remove(&mut self, key: &(String, String)) -> Option<Value> {
        let mut gone = self.objects.remove(key)?;
        self.next += 1;
        gone["metadata"]["resourceVersion"] = json!(self.next.to_string());
        self.changes.push(Change {
            rv: self.next,
            collection: key.0.clone(),
            kind: "DELETED",
            object: gone.clone(),
            before: None,
        });
        Some(gone)
    }

    /// Deletes without collecting: what it owned loses that ownerReference (as
    /// `propagationPolicy: Orphan` does).
    fn delete_orphaning(&mut self, collection: &str, name: &str) -> Option<Value> {
        let gone = self.remove(&(collection.to_owned(), name.to_owned()))?;
        let uid = gone["metadata"]["uid"].clone();
        let owned: Vec<(String, String)> = self
            .objects
            .iter()
            .filter(|(_, v)| {
                v["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for (collection, name) in owned {
            let key = (collection.clone(), name);
            if let Some(mut object) = self.objects.get(&key).cloned() {
                if let Some(refs) = object["metadata"]["ownerReferences"].as_array_mut() {
                    refs.retain(|r| r["uid"] != uid);
                }
                self.insert(&collection, object);
            }
        }
        Some(gone)
    }

    /// Deletes and garbage-collects everything owned, transitively. A running pod under
    /// `graceful_pods` is only marked for deletion (its kubelet removes it once stopped).
    fn delete(&mut self, collection: &str, name: &str) -> Option<Value> {
        let gone = self.delete_one(&(collection.to_owned(), name.to_owned()))?;
        self.collect(gone["metadata"]["uid"].clone());
        Some(gone)
    }

    /// Deletes what `uid` owns, transitively.
    fn collect(&mut self, uid: Value) {
        let mut uids = vec![uid];
        while let Some(uid) = uids.pop() {
            let owned: Vec<(String, String)> = self
                .objects
                .iter()
                .filter(|(_, v)| {
                    v["metadata"]["ownerReferences"]
                        .as_array()
                        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
                })
                .map(|(k, _)| k.clone())
                .collect();
            for key in owned {
                if let Some(v) = self.delete_one(&key) {
                    uids.push(v["metadata"]["uid"].clone());
                }
            }
        }
    }

    /// Removes one object, or marks a running pod for deletion when a kubelet runs pods.
    fn delete_one(&mut self, key: &(String, String)) -> Option<Value> {
        let object = self.objects.get(key)?;
        let running = !matches!(
            object["status"]["phase"].as_str(),
            Some("Succeeded" | "Failed")
        );
        if self.graceful_pods && key.0.ends_with("/pods") && running {
            if !object["metadata"]["deletionTimestamp"].is_null() {
                return Some(object.clone());
            }
            let mut marked = object.clone();
            marked["metadata"]["deletionTimestamp"] = json!("2026-12-07T10:59:00Z");
            let marked = self.insert(&key.0, marked);
            return Some(marked);
        }
        self.remove(key)
    }
}

fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

fn matches(object: &Value, selector: &str) -> bool {
    selector.split(',').filter(|t| !t.is_empty()).all(|term| {
        let (key, value) = term.split_once('=').unwrap_or((term, ""));
        object["metadata"]["labels"][key].as_str() == Some(value)
    })
}

fn decode(text: &str) -> String {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| decode(v))
}

fn serve(stream: TcpStream, store: &Mutex<Store>, changed: &Condvar) {
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let mut length = 0usize;
        let mut chunked = false;
        let mut content_type = String::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "transfer-encoding" => chunked = value.contains("chunked"),
                "content-type" => content_type = value.trim().to_owned(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if chunked {
            loop {
                let mut size = String::new();
                if reader.read_line(&mut size).unwrap_or(0) == 0 {
                    return;
                }
                let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                if reader.read_exact(&mut chunk).is_err() {
                    return;
                }
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        }
        if store.lock().expect("store").down {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let seen = Seen {
            method: method.clone(),
            path: path.to_owned(),
            query: query.to_owned(),
            content_type,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        if method == "GET" && seen.is_watch() {
            watch(reader.get_ref(), &mut writer, store, changed, &seen);
            return;
        }
        let handled = handle(store, &seen, &body);
        changed.notify_all();
        let (code, text) = match handled {
            (code, Value::String(raw)) => (code, raw),
            (code, payload) => (code, payload.to_string()),
        };
        let status = match code {
            200 => "200 OK",
            201 => "201 Created",
            403 => "403 Forbidden",
            404 => "404 Not Found",
            _ => "400 Bad Request",
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// The `propagationPolicy` of a DELETE's options body (`Background` when absent).
pub fn delete_policy(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["propagationPolicy"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "Background".to_owned())
}

fn not_found(what: &str) -> (u16, Value) {
    (
        404,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": format!("{what} not found"), "reason": "NotFound", "code": 404}),
    )
}

fn handle(store: &Mutex<Store>, seen: &Seen, body: &[u8]) -> (u16, Value) {
    let mut store = store.lock().expect("store");
    store.seen.push(seen.clone());
    let segments: Vec<&str> = seen.path.trim_matches('/').split('/').collect();
    match (seen.method.as_str(), segments.as_slice()) {
        ("GET", ["version"]) => {
            return (
                200,
                json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0-fake",
                       "gitCommit": "0", "gitTreeState": "clean",
                       "buildDate": "2026-12-07T00:00:00Z", "goVersion": "go1.24",
                       "compiler": "gc", "platform": "linux/amd64"}),
            );
        }
        ("GET", ["api", "v1", "namespaces", ns]) => {
            return if store.namespaces.contains(*ns) {
                (
                    200,
                    json!({"apiVersion": "v1", "kind": "Namespace",
                           "metadata": {"name": ns}, "status": {"phase": "Active"}}),
                )
            } else {
                not_found(&format!("namespaces \"{ns}\""))
            };
        }
        (
            "POST",
            [
                "apis",
                "authorization.k8s.io",
                "v1",
                "selfsubjectaccessreviews",
            ],
        ) => {
            let Ok(mut review) = serde_json::from_slice::<Value>(body) else {
                return (400, json!({"message": "body is not JSON"}));
            };
            let attributes = &review["spec"]["resourceAttributes"];
            let resource = match attributes["subresource"].as_str() {
                Some(sub) if !sub.is_empty() => {
                    format!("{}/{sub}", attributes["resource"].as_str().unwrap_or(""))
                }
                _ => attributes["resource"].as_str().unwrap_or("").to_owned(),
            };
            let asked = format!("{} {resource}", attributes["verb"].as_str().unwrap_or(""));
            let allowed = !store.denied.contains(&asked);
            review["status"] = if allowed {
                json!({"allowed": true, "reason": "the fake allows it"})
            } else {
                json!({"allowed": false, "reason": format!("the test denied {asked}")})
            };
            return (201, review);
        }
        _ => {}
    }
    // …/namespaces/<ns>/<kind>[/<name>[/log]]
    let Some(at) = segments.iter().position(|s| *s == "namespaces") else {
        return not_found(&seen.path);
    };
    let collection = format!("/{}", segments[..(at + 3).min(segments.len())].join("/"));
    let name = segments.get(at + 3).copied();
    let sub = segments.get(at + 4).copied();
    match (seen.method.as_str(), name, sub) {
        ("GET", None, None) => {
            let selector = param(&seen.query, "labelSelector").unwrap_or_default();
            let items: Vec<Value> = store
                .objects
                .iter()
                .filter(|((c, _), v)| *c == collection && matches(v, &selector))
                .map(|(_, v)| v.clone())
                .collect();
            (
                200,
                json!({"kind": "List", "apiVersion": "v1",
                         "metadata": {"resourceVersion": store.next.to_string()}, "items": items}),
            )
        }
        ("GET", Some(name), Some("log")) => match store.logs.get(name) {
            // Everything from sinceTime's second on (as the kubelet does), then the stream ends:
            // each follow request is a connection that drops, so clients must reconnect.
            Some(lines) => {
                let since = param(&seen.query, "sinceTime").unwrap_or_default();
                let second = since.get(..19).unwrap_or("");
                let text = lines
                    .iter()
                    .filter(|l| l.get(..19).unwrap_or("") >= second)
                    .map(|l| format!("{l}\n"))
                    .collect();
                (200, Value::String(text))
            }
            None => not_found(name),
        },
        ("GET", Some(name), None) => {
            match store.objects.get(&(collection.clone(), name.to_owned())) {
                Some(object) => (200, object.clone()),
                None => not_found(name),
            }
        }
        ("PATCH", Some(name), None) => {
            let Ok(patch) = serde_json::from_slice::<Value>(body) else {
                return (400, json!({"message": "body is not JSON"}));
            };
            let key = (collection.clone(), name.to_owned());
            let mut object = match store.objects.get(&key) {
                Some(old) => old.clone(),
                None if seen.content_type.contains("apply-patch") => json!({}),
                None => return not_found(name),
            };
            merge(&mut object, &patch);
            (200, store.insert(&collection, object))
        }
        ("DELETE", Some(name), None) => {
            let gone = if delete_policy(&seen.body) == "Orphan" {
                store.delete_orphaning(&collection, name)
            } else {
                store.delete(&collection, name)
            };
            match gone {
                Some(object) => (200, object),
                None => not_found(name),
            }
        }
        _ => (
            400,
            json!({"message": format!("unsupported {} {}", seen.method, seen.path)}),
        ),
    }
}

/// The kind and apiVersion of a collection path's objects (for BOOKMARK events).
fn kind_of(collection: &str) -> (String, String) {
    let segments: Vec<&str> = collection.trim_matches('/').split('/').collect();
    let api_version = match segments.as_slice() {
        ["api", version, ..] => (*version).to_owned(),
        ["apis", group, version, ..] => format!("{group}/{version}"),
        _ => "v1".to_owned(),
    };
    let kind = match segments.last().copied().unwrap_or("") {
        "configmaps" => "ConfigMap",
        "jobs" => "Job",
        "pods" => "Pod",
        "persistentvolumeclaims" => "PersistentVolumeClaim",
        "networkpolicies" => "NetworkPolicy",
        other => other,
    };
    (kind.to_owned(), api_version)
}

fn event(kind: &str, object: &Value) -> String {
    json!({"type": kind, "object": object}).to_string()
}

fn too_old(rv: &str, compacted: u64) -> String {
    event(
        "ERROR",
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": format!("too old resource version: {rv} ({compacted})"),
                "reason": "Expired", "code": 410}),
    )
}

/// What a watch by `selector` sees of `change`: an object that left the selection is DELETED
/// for it, one that entered is ADDED.
fn seen_as(change: &Change, selector: &str) -> Option<String> {
    let now = matches(&change.object, selector);
    let was = change.before.as_ref().map(|b| matches(b, selector));
    let kind = match (change.kind, now, was) {
        ("MODIFIED", true, Some(true)) => "MODIFIED",
        ("MODIFIED", true, _) => "ADDED",
        ("MODIFIED", false, Some(true)) => "DELETED",
        (kind, true, _) if kind != "MODIFIED" => kind,
        _ => return None,
    };
    Some(event(kind, &change.object))
}

/// Whether the client closed its end (a watch client sends nothing more).
fn hung_up(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return true;
    }
    let gone = matches!(stream.peek(&mut [0u8; 1]), Ok(0));
    let _ = stream.set_nonblocking(false);
    gone
}

fn send(writer: &mut TcpStream, lines: &[String]) -> bool {
    let mut out = String::new();
    for line in lines {
        out.push_str(&format!("{:x}\r\n{line}\n\r\n", line.len() + 1));
    }
    writer.write_all(out.as_bytes()).is_ok()
}

/// Serves one watch until its timeout, a 410, the client leaving or the server ending.
fn watch(
    stream: &TcpStream,
    writer: &mut TcpStream,
    store: &Mutex<Store>,
    changed: &Condvar,
    seen: &Seen,
) {
    let query = &seen.query;
    let selector = param(query, "labelSelector").unwrap_or_default();
    let bookmarks = param(query, "allowWatchBookmarks").is_some_and(|b| b == "true" || b == "1");
    let timeout = param(query, "timeoutSeconds")
        .and_then(|t| t.parse().ok())
        .map_or(Duration::from_secs(1800), Duration::from_secs);
    let deadline = Instant::now() + timeout;
    let collection = seen.path.clone();
    let (kind, api_version) = kind_of(&collection);
    let mut guard = store.lock().expect("store");
    guard.seen.push(seen.clone());
    let mut lines = Vec::new();
    let from = param(query, "resourceVersion").filter(|rv| !rv.is_empty() && rv != "0");
    let mut cursor = guard.next;
    let mut ended = false;
    match from {
        // "Any": the current objects as ADDED events, then the changes.
        None => lines.extend(
            guard
                .objects
                .iter()
                .filter(|((c, _), v)| *c == collection && matches(v, &selector))
                .map(|(_, v)| event("ADDED", v)),
        ),
        Some(rv) => match rv.parse::<u64>() {
            Ok(rv) if rv >= guard.compacted => cursor = rv,
            _ => {
                lines.push(too_old(&rv, guard.compacted));
                ended = true;
            }
        },
    }
    let epoch = guard.epoch;
    drop(guard);
    let header = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if writer.write_all(header.as_bytes()).is_err() {
        return;
    }
    let mut last_bookmark = Instant::now();
    loop {
        if !send(writer, &lines) {
            return;
        }
        lines.clear();
        if ended {
            let _ = writer.write_all(b"0\r\n\r\n");
            return;
        }
        let mut guard = store.lock().expect("store");
        loop {
            if guard.down {
                // A cut connection: the body ends without its last chunk.
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            if guard.closed || Instant::now() >= deadline {
                ended = true;
                break;
            }
            if guard.epoch != epoch {
                lines.push(too_old(&cursor.to_string(), guard.compacted));
                ended = true;
                break;
            }
            lines.extend(
                guard
                    .changes
                    .iter()
                    .filter(|c| c.rv > cursor && c.collection == collection)
                    .filter_map(|c| seen_as(c, &selector)),
            );
            cursor = guard.next;
            if !lines.is_empty() {
                break;
            }
            let now = Instant::now();
            let next_bookmark = last_bookmark + guard.bookmark_every;
            if bookmarks && now >= next_bookmark {
                lines.push(event(
                    "BOOKMARK",
                    &json!({"kind": kind, "apiVersion": api_version,
                            "metadata": {"resourceVersion": cursor.to_string()}}),
                ));
                guard.bookmarks_sent += 1;
                last_bookmark = now;
                break;
            }
            if hung_up(stream) {
                return;
            }
            let wake = deadline
                .min(next_bookmark)
                .min(now + Duration::from_millis(250));
            guard = changed
                .wait_timeout(guard, wake.saturating_duration_since(now))
                .expect("store")
                .0;
        }
    }
}
