//! The HTTP server: hyper 1 (HTTP/1.1) on a current-thread tokio runtime, one task per
//! connection. Pages are rendered on tokio's blocking pool so a slow git call never stalls the
//! live-update streams. Listens on 127.0.0.1 unless told otherwise.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::app::App;
use crate::auth::{TokenError, Tokens};
use crate::routes;
use crate::source::{Actions, ProjectSource};

/// Why `serve` (or `peers serve`/`peers-ctl serve` before it) could not start serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// No access token (see [`ServerArgs::settings`]).
    ///
    /// [`ServerArgs::settings`]: crate::args::ServerArgs::settings
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("cannot start the server runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

impl ServeError {
    /// A bad `--token-file` is the user's to fix (a usage error, exit 2); the rest is not.
    pub fn is_usage(&self) -> bool {
        matches!(self, ServeError::Token(err) if err.is_usage())
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            ServeError::Token(err) => err.hint(),
            ServeError::Bind { .. } => Some(
                "pick another port with --listen 127.0.0.1:PORT (port 0 lets the system choose)"
                    .to_owned(),
            ),
            ServeError::Runtime(_) => None,
        }
    }
}

pub struct ServeSettings {
    pub listen: SocketAddr,
    pub tokens: Tokens,
    /// Stop/start/revive offered and accepted (POST with the CSRF token).
    pub actions_enabled: bool,
    /// How often live-update streams look for changes.
    pub poll: Duration,
}

/// Serves until the process is stopped. `ready` is called once with the bound address (port 0
/// resolved), before the first connection is accepted.
pub fn serve(
    settings: ServeSettings,
    source: Box<dyn ProjectSource>,
    actions: Box<dyn Actions>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(4)
        .build()
        .map_err(ServeError::Runtime)?;
    let app = Arc::new(App {
        source,
        actions,
        tokens: settings.tokens,
        actions_enabled: settings.actions_enabled,
        poll: settings.poll,
    });
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: settings.listen,
                source,
            })?;
        let local = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: settings.listen,
            source,
        })?;
        ready(local);
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of file descriptors or a connection reset before accept: try again shortly.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let app = Arc::clone(&app);
                    async move { Ok::<_, Infallible>(routes::handle(app, request).await) }
                });
                // A client that goes away mid-request is not our error.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
