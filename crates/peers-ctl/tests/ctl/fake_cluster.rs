//! A small fake Kubernetes API server on 127.0.0.1 for driving `peers-ctl` through a kubeconfig:
//! namespaced CRUD for the kinds peers-ctl uses, server-side apply (create or update, UIDs and
//! resourceVersions assigned), JSON merge patches, label-selector lists (equality terms),
//! background deletes with garbage collection by owner UID, and pod logs from a buffer (from
//! `sinceTime`'s second on; a follow stream ends after what is there, like a dropped connection). Every
//! request is recorded so tests can assert the exact verbs, paths and query strings. The test
//! reaches the store directly to play the Job controller and kubelet.
#![expect(
    clippy::expect_used,
    reason = "test harness: a broken fake must stop the test"
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: String,
}

#[derive(Default)]
pub struct Store {
    /// (collection path, name) → object.
    pub objects: BTreeMap<(String, String), Value>,
    pub logs: BTreeMap<String, Vec<String>>,
    pub seen: Vec<Seen>,
    next: u64,
}

pub struct FakeCluster {
    pub store: Arc<Mutex<Store>>,
    pub port: u16,
}

impl FakeCluster {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let store = Arc::new(Mutex::new(Store::default()));
        let shared = Arc::clone(&store);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let store = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &store));
            }
        });
        Self { store, port }
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
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.store.lock().expect("store").seen.clone()
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
        self.objects.insert(key, object.clone());
        object
    }

    /// Deletes and garbage-collects everything owned, transitively.
    fn delete(&mut self, collection: &str, name: &str) -> Option<Value> {
        let gone = self
            .objects
            .remove(&(collection.to_owned(), name.to_owned()))?;
        let mut uids = vec![gone["metadata"]["uid"].clone()];
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
                if let Some(v) = self.objects.remove(&key) {
                    uids.push(v["metadata"]["uid"].clone());
                }
            }
        }
        Some(gone)
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

fn serve(stream: TcpStream, store: &Mutex<Store>) {
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
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let seen = Seen {
            method: method.clone(),
            path: path.to_owned(),
            query: query.to_owned(),
            content_type,
        };
        let (code, text) = match handle(store, &seen, &body) {
            (code, Value::String(raw)) => (code, raw),
            (code, payload) => (code, payload.to_string()),
        };
        let status = match code {
            200 => "200 OK",
            201 => "201 Created",
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
        ("DELETE", Some(name), None) => match store.delete(&collection, name) {
            Some(object) => (200, object),
            None => not_found(name),
        },
        _ => (
            400,
            json!({"message": format!("unsupported {} {}", seen.method, seen.path)}),
        ),
    }
}
