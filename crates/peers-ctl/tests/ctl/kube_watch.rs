//! Watches, on both sides. The fake API server streams a collection's changes from a
//! resourceVersion on, by label selector, with bookmarks, and ends with a 410 ERROR when its
//! history expires. `dashboard --live` follows Kubernetes runs through exactly one LIST and one
//! WATCH per object kind, whatever changes; bookmarks change nothing; an expired watch re-lists
//! once and goes on following; an unreachable cluster reads `unknown` (never `stopped`) until it
//! is back.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed setup step must stop the test"
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::ctl::env::CtlEnv;
use crate::ctl::fake_cluster::{FakeCluster, Seen};
use crate::ctl::kube_cluster::{JOBS, NS, project, running_pod};
use crate::ctl::live::Live;

/// The selector of the dashboard's watches (one-shot commands about one run add its run label).
const FLEET: &str = "app.kubernetes.io/managed-by=peers-ctl";
const KINDS: [&str; 4] = ["configmaps", "jobs", "pods", "persistentvolumeclaims"];

/// The dashboard's LISTs and WATCHes of `kind` among `seen`.
fn fleet_reads(seen: &[Seen], kind: &str) -> (usize, usize) {
    let reads: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.method == "GET" && s.path == format!("{}/{kind}", collection_of(kind)))
        .filter(|s| s.param("labelSelector").as_deref() == Some(FLEET))
        .collect();
    let watches = reads.iter().filter(|s| s.is_watch()).count();
    (reads.len() - watches, watches)
}

fn collection_of(kind: &str) -> &'static str {
    if kind == "jobs" {
        "/apis/batch/v1/namespaces/peers"
    } else {
        NS
    }
}

fn row_says(screen: &str, state: &str) -> bool {
    screen
        .lines()
        .any(|l| l.starts_with("far") && l.contains(state))
}

/// Waits until the fake has seen `want` LISTs and WATCHes of every kind by the fleet selector.
fn wait_reads(fake: &FakeCluster, since: usize, want: (usize, usize)) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = fake.seen();
        let reads: Vec<_> = KINDS
            .iter()
            .map(|k| fleet_reads(&seen[since..], k))
            .collect();
        if reads.iter().all(|r| *r == want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "wanted {want:?} (LIST, WATCH) per kind, got {reads:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A raw watch client: the request, then one event per chunk.
struct RawWatch {
    reader: BufReader<TcpStream>,
}

impl RawWatch {
    fn open(fake: &FakeCluster, query: &str) -> Self {
        let mut stream = TcpStream::connect(("127.0.0.1", fake.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {NS}/configmaps?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header.trim().is_empty() {
                break;
            }
        }
        Self { reader }
    }

    /// The next event, or None when the stream ended properly.
    fn next(&mut self) -> Option<Value> {
        let mut size = String::new();
        self.reader.read_line(&mut size).unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        self.reader.read_exact(&mut chunk).unwrap();
        (size > 0).then(|| serde_json::from_slice(&chunk[..size]).unwrap())
    }
}

fn config_map(name: &str, labelled: bool, data: &str) -> Value {
    let labels = if labelled {
        json!({"app.kubernetes.io/managed-by": "peers-ctl"})
    } else {
        json!({})
    };
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "peers", "labels": labels},
           "data": {"x": data}})
}

#[test]
fn the_fake_cluster_streams_changes_with_bookmarks_and_expires_with_410() {
    let fake = FakeCluster::start();
    let maps = format!("{NS}/configmaps");
    fake.put(&maps, config_map("a", true, "1"));
    let listed = fake.objects(&maps)[0]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    fake.set_bookmark_every(Duration::from_millis(100));
    let query = format!(
        "watch=true&resourceVersion={listed}&labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpeers-ctl&allowWatchBookmarks=true&timeoutSeconds=20"
    );
    let mut watch = RawWatch::open(&fake, &query);
    fake.put(&maps, config_map("b", true, "1"));
    fake.put(&maps, config_map("hidden", false, "1"));
    fake.put(&maps, config_map("a", true, "2"));
    fake.put(&maps, config_map("a", false, "3")); // leaves the selection
    let mut events = Vec::new();
    let mut bookmarks = 0;
    while events.len() < 3 || bookmarks == 0 {
        let event = watch.next().unwrap();
        if event["type"] == "BOOKMARK" {
            assert_eq!(event["object"]["kind"], "ConfigMap", "{event}");
            bookmarks += 1;
            continue;
        }
        events.push(event);
    }
    let seen: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["object"]["metadata"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "a")].map(|(t, n)| (t.into(), n.into()))
    );
    let versions: Vec<u64> = events
        .iter()
        .map(|e| {
            e["object"]["metadata"]["resourceVersion"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]) && versions[0] > listed.parse().unwrap(),
        "{versions:?}"
    );
    // The history expires: the open watch gets a 410 ERROR and ends; a watch from the old
    // resourceVersion gets the same at once.
    fake.expire_watches();
    let gone = loop {
        let event = watch.next().unwrap();
        if event["type"] != "BOOKMARK" {
            break event;
        }
    };
    assert_eq!(gone["type"], "ERROR", "{gone}");
    assert_eq!(gone["object"]["code"], 410, "{gone}");
    assert!(watch.next().is_none(), "the stream ends after the 410");
    let mut stale = RawWatch::open(&fake, &query);
    assert_eq!(stale.next().unwrap()["object"]["code"], 410);
    assert!(stale.next().is_none());
    assert_eq!(
        fake.seen().iter().filter(|s| s.is_watch()).count(),
        2,
        "watches are recorded"
    );
}

#[test]
fn the_live_dashboard_follows_runs_through_one_list_and_one_watch_per_kind() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    fake.set_bookmark_every(Duration::from_millis(100));
    project(&env, &fake);
    env.ok(&["start", "far"]);
    let before = fake.seen().len();
    let live = Live::start(&env, 120, 30, &["--refresh-s", "0.2"]);
    live.wait_screen("far starting", |s| row_says(s, "starting"));
    let job = fake.objects(JOBS).remove(0);
    running_pod(&fake, &job);
    live.wait_screen("far running", |s| row_says(s, "running"));
    // Bookmarks flow on every watch and change nothing.
    let bookmarks = fake.bookmarks_sent();
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.bookmarks_sent() < bookmarks + 8 {
        assert!(Instant::now() < deadline, "no bookmarks");
        std::thread::sleep(Duration::from_millis(50));
    }
    env.ok(&["stop", "far", "--grace-s", "0"]);
    live.wait_screen("far stopped", |s| row_says(s, "stopped"));
    drop(live);
    let seen = fake.seen();
    let dashboard = &seen[before..];
    for kind in KINDS {
        assert_eq!(
            fleet_reads(dashboard, kind),
            (1, 1),
            "{kind}: {dashboard:#?}"
        );
    }
    for watch in dashboard.iter().filter(|s| s.is_watch()) {
        assert_eq!(watch.param("allowWatchBookmarks").as_deref(), Some("true"));
        let from = watch.param("resourceVersion").unwrap_or_default();
        assert!(from.parse::<u64>().is_ok_and(|rv| rv > 0), "{watch:?}");
    }
    // Everything else was the `stop` command, about its one run: never a read per run.
    let others: Vec<_> = dashboard
        .iter()
        .filter(|s| s.method == "GET" && s.param("labelSelector").as_deref() != Some(FLEET))
        .collect();
    assert!(
        others.iter().all(|s| s
            .param("labelSelector")
            .is_some_and(|l| l.ends_with("peers.dev/run=far"))),
        "{others:#?}"
    );
}

#[test]
fn an_expired_watch_relists_once_and_the_dashboard_keeps_following() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);
    env.ok(&["start", "far"]);
    let job = fake.objects(JOBS).remove(0);
    let pod = running_pod(&fake, &job);
    let before = fake.seen().len();
    let live = Live::start(&env, 120, 30, &["--refresh-s", "0.2"]);
    live.wait_screen("far running", |s| row_says(s, "running"));
    wait_reads(&fake, before, (1, 1));
    fake.expire_watches();
    wait_reads(&fake, before, (2, 2));
    // A change after the re-list is seen through the new watches: the pod cannot pull its
    // image any more.
    let pods = format!("{NS}/pods");
    let mut stuck = fake
        .objects(&pods)
        .into_iter()
        .find(|p| p["metadata"]["name"] == pod.as_str())
        .unwrap();
    stuck["status"]["phase"] = json!("Pending");
    stuck["status"]["containerStatuses"][0]["state"] =
        json!({"waiting": {"reason": "ImagePullBackOff", "message": "back-off pulling"}});
    fake.put(&pods, stuck);
    let screen = live.wait_screen("far starting", |s| row_says(s, "starting"));
    assert!(screen.contains("ImagePullBackOff"), "{screen}");
    drop(live);
    let seen = fake.seen();
    for kind in KINDS {
        assert_eq!(fleet_reads(&seen[before..], kind), (2, 2), "{kind}");
    }
}

#[test]
fn an_unreachable_cluster_reads_unknown_until_the_watches_recover() {
    let env = CtlEnv::new();
    let fake = FakeCluster::start();
    project(&env, &fake);
    env.ok(&["start", "far"]);
    let job = fake.objects(JOBS).remove(0);
    running_pod(&fake, &job);
    let before = fake.seen().len();
    let live = Live::start(&env, 160, 30, &["--refresh-s", "0.1"]);
    live.wait_screen("far running", |s| row_says(s, "running"));
    fake.set_reachable(false);
    let screen = live.wait_screen("far unknown", |s| row_says(s, "unknown"));
    assert!(screen.contains("Kubernetes"), "the row says why: {screen}");
    // Stopped meanwhile, but nobody can know: never a guess while the cluster is away.
    let anchor = format!("{NS}/configmaps");
    let mut record = fake.objects(&anchor).remove(0);
    record["metadata"]["annotations"]["peers.dev/desired"] = json!("stopped");
    fake.put(&anchor, record);
    let name = job["metadata"]["name"].as_str().unwrap();
    fake.delete(JOBS, name);
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(100));
        let screen = live.wait_screen("a frame", |_| true);
        assert!(!row_says(&screen, "stopped"), "{screen}");
    }
    fake.set_reachable(true);
    live.wait_screen("far stopped", |s| row_says(s, "stopped"));
    drop(live);
    // Each kind listed again once it could (requests to the unreachable server never arrived).
    let seen = fake.seen();
    for kind in KINDS {
        let (lists, watches) = fleet_reads(&seen[before..], kind);
        assert_eq!((lists, watches), (2, 2), "{kind}");
    }
}
