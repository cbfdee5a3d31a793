//! Serving handed-over listeners: one accept thread per listener, one thread per connection,
//! until [`Serving::stop`]; the log of every request comes back from `stop`.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};

use crate::egress::{self, EgressSettings};
use crate::error::ProxyError;
use crate::git_relay::{self, GitRelaySettings};
use crate::provider::{self, ProviderRoutes, ProviderSettings};
use crate::record::{ProxyRecord, RecordLog};

/// What a listener serves.
#[derive(Debug, Clone)]
pub enum Service {
    Egress(EgressSettings),
    Provider(ProviderSettings),
    /// Several providers on one listener, by path prefix.
    ProviderRoutes(ProviderRoutes),
    GitRelay(GitRelaySettings),
}

/// How often an idle accept loop looks at the stop flag.
const STOP_POLL: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 50_000_000,
};

/// Listeners being served.
#[derive(Debug)]
pub struct Serving {
    stop: Arc<AtomicBool>,
    listeners: Vec<Arc<TcpListener>>,
    acceptors: Vec<JoinHandle<()>>,
    log: RecordLog,
}

/// Serves each listener (already bound and listening: created inside a sandbox's network
/// namespace and handed over, or bound by a test) with its service.
pub fn serve(listeners: Vec<(TcpListener, Service)>) -> Result<Serving, ProxyError> {
    let stop = Arc::new(AtomicBool::new(false));
    let log = RecordLog::default();
    let mut acceptors = Vec::new();
    let mut shared = Vec::new();
    for (listener, service) in listeners {
        listener
            .set_nonblocking(true)
            .map_err(ProxyError::Listener)?;
        let listener = Arc::new(listener);
        shared.push(Arc::clone(&listener));
        let (stop, log) = (Arc::clone(&stop), log.clone());
        acceptors.push(std::thread::spawn(move || {
            accept_loop(&listener, &service, &stop, &log);
        }));
    }
    Ok(Serving {
        stop,
        listeners: shared,
        acceptors,
        log,
    })
}

impl Serving {
    /// The requests logged so far.
    pub fn records(&self) -> Vec<ProxyRecord> {
        self.log.snapshot()
    }

    /// The requests logged since the last call, removed from the log (a long-lived server's
    /// log does not grow).
    pub fn drain_records(&self) -> Vec<ProxyRecord> {
        self.log.drain()
    }

    /// Stops accepting, closes the listeners and returns the log. Connections still open end
    /// on their own when their peer closes (the sandbox is gone by then).
    pub fn stop(self) -> Vec<ProxyRecord> {
        self.stop.store(true, Ordering::SeqCst);
        // Shutting a listening socket down wakes its poll at once (no wait for the timeout).
        for listener in &self.listeners {
            let _ = rustix::net::shutdown(listener.as_ref(), rustix::net::Shutdown::Both);
        }
        for acceptor in self.acceptors {
            let _ = acceptor.join();
        }
        self.log.snapshot()
    }
}

fn accept_loop(listener: &TcpListener, service: &Service, stop: &AtomicBool, log: &RecordLog) {
    while !stop.load(Ordering::SeqCst) {
        let mut fds = [PollFd::new(listener, PollFlags::IN)];
        match rustix::event::poll(&mut fds, Some(&STOP_POLL)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return,
        }
        let client = match listener.accept() {
            Ok((client, _)) => client,
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if client.set_nonblocking(false).is_err() {
            continue;
        }
        let _ = client.set_nodelay(true);
        let (service, log) = (service.clone(), log.clone());
        std::thread::spawn(move || match &service {
            Service::Egress(settings) => egress::handle(client, settings, &log),
            Service::Provider(settings) => provider::handle(client, settings, &log),
            Service::ProviderRoutes(routes) => provider::handle_routed(client, routes, &log),
            Service::GitRelay(settings) => git_relay::handle(client, settings, &log),
        });
    }
}
