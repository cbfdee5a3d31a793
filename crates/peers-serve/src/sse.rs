//! Live updates as server-sent events: `/events` (the fleet) or `/events?project=NAME` sends
//! `event: update` whenever what the page shows may have changed — a project's state, its run
//! log's size, `state.json` or `live.json` — checked every poll interval, with a comment line
//! every 15 s so proxies keep the stream open. The stream ends when the client goes away.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use http_body_util::BodyExt as _;
use hyper::body::{Bytes, Frame};
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use peers_store::layout::PeersDir;
use tokio::sync::mpsc;

use crate::app::{App, Body};

const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct Stream {
    receiver: mpsc::Receiver<Bytes>,
}

impl hyper::body::Body for Stream {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.receiver
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::symlink_metadata(path).ok()?.modified().ok()
}

/// What changes when the page should refresh.
/// One project's change markers: name, state, log size, state.json and live.json times.
type Marks = (String, String, u64, Option<SystemTime>, Option<SystemTime>);

fn fingerprint(app: &App, project: Option<&str>) -> Vec<Marks> {
    let Ok(projects) = app.source.projects() else {
        return Vec::new();
    };
    projects
        .into_iter()
        .filter(|p| project.is_none_or(|name| p.name == name))
        .map(|p| {
            let dir = PeersDir::at(&p.path);
            (
                p.name,
                p.state,
                crate::read::ticks::log_len(&p.path),
                modified(&dir.state_json()),
                modified(&dir.path().join("live.json")),
            )
        })
        .collect()
}

pub fn stream(app: Arc<App>, project: Option<String>) -> Response<Body> {
    let (sender, receiver) = mpsc::channel::<Bytes>(8);
    tokio::spawn(async move {
        if sender
            .send(Bytes::from_static(b": connected\n\n"))
            .await
            .is_err()
        {
            return;
        }
        let mut last = fingerprint(&app, project.as_deref());
        let mut quiet = Duration::ZERO;
        loop {
            tokio::time::sleep(app.poll).await;
            quiet += app.poll;
            let now = fingerprint(&app, project.as_deref());
            let message = if now != last {
                last = now;
                quiet = Duration::ZERO;
                Some(Bytes::from_static(b"event: update\ndata: changed\n\n"))
            } else if quiet >= KEEP_ALIVE {
                quiet = Duration::ZERO;
                Some(Bytes::from_static(b": keep-alive\n\n"))
            } else {
                None
            };
            if let Some(message) = message
                && sender.send(message).await.is_err()
            {
                return;
            }
            if sender.is_closed() {
                return;
            }
        }
    });
    let mut response = Response::new(Stream { receiver }.boxed());
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
