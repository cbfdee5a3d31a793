//! Notifications, off by default: `<config dir>/notify.json` names a command (run with the event
//! as JSON on stdin) and/or an `http://` webhook (POSTed the same JSON). When it exists, `start`
//! also launches a small detached watcher (`peers-ctl __watch`) that waits for the run to end and
//! sends one event: `complete`, `halted`, `cap` (a budget cap stopped it) or `crashed`. A stop
//! the user asked for (`interrupted`) is not announced.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use peers_process::{CommandSpec, StdinSource};
use serde::{Deserialize, Serialize};

use crate::error::{CtlError, CtlResult};
use crate::identity::{Liveness, boot_id, liveness};
use crate::reconcile::load_reconciled;
use crate::registry::{ProjectState, Registry};

const FILE: &str = "notify.json";
const CONFIG_CAP: u64 = 64 * 1024;
const POLL: Duration = Duration::from_millis(500);
/// The hidden watcher subcommand.
pub const WATCH_VERB: &str = "__watch";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// argv of a program run with the event JSON on stdin.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// `http://host[:port]/path` the event JSON is POSTed to.
    #[serde(default)]
    pub webhook: Option<String>,
    /// Limit for the command or the request, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
}

fn default_timeout() -> u64 {
    10
}

/// What a hook receives.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub event: &'static str,
    pub project: String,
    pub path: PathBuf,
    pub state: &'static str,
    pub reason: Option<String>,
    pub tick: Option<u64>,
    pub spent_usd: Option<f64>,
    pub at: String,
}

/// The notification config, `None` when notifications are off (no file).
pub fn load(config: &Path) -> CtlResult<Option<NotifyConfig>> {
    let path = config.join(FILE);
    let Some(bytes) = peers_store::safe_fs::read_control_file_if_exists(&path, CONFIG_CAP)? else {
        return Ok(None);
    };
    let parsed: NotifyConfig = serde_json::from_slice(&bytes).map_err(|e| {
        CtlError::usage(format!("{}: {e}", path.display()))
            .hint(r#"expected {"command": ["prog", "arg"]} and/or {"webhook": "http://127.0.0.1:9000/hook"}"#)
    })?;
    if let Some(url) = &parsed.webhook {
        parse_http_url(url).map_err(|problem| {
            CtlError::usage(format!("{}: webhook {url:?}: {problem}", path.display()))
                .hint("for https, use a command hook: {\"command\": [\"curl\", \"-sS\", \"-d\", \"@-\", \"https://…\"]}")
        })?;
    }
    if parsed.command.as_ref().is_some_and(Vec::is_empty) {
        return Err(CtlError::usage(format!(
            "{}: command is empty",
            path.display()
        )));
    }
    Ok(Some(parsed))
}

/// The event for a project whose run just ended, `None` for a stop the user asked for.
pub fn event_for(registry: &Registry, name: &str) -> Option<Event> {
    let project = registry.get(name)?;
    let summary = crate::summary::summarise(&project.path);
    let reason = summary.stop_reason.clone();
    let event = match project.state {
        ProjectState::Crashed => "crashed",
        ProjectState::Stopped => match reason.as_deref() {
            Some("complete") => "complete",
            Some(crate::reconcile::CHECKPOINT_STOP) => "checkpoint",
            Some("interrupted") => return None,
            Some(r) if r.starts_with("budget:") => "cap",
            _ => "halted",
        },
        ProjectState::Running | ProjectState::Fresh => return None,
    };
    Some(Event {
        event,
        project: project.name.clone(),
        path: project.path.clone(),
        state: project.state.as_str(),
        reason,
        tick: summary.iteration,
        spent_usd: summary.spent_usd,
        at: peers_store::timestamp::now_iso_utc(),
    })
}

/// Sends `event` to every configured hook; returns what went wrong.
pub fn send(config_dir: &Path, hooks: &NotifyConfig, event: &Event) -> Vec<String> {
    let body = serde_json::to_vec(event).unwrap_or_default();
    let timeout = Duration::from_secs(hooks.timeout_s.max(1));
    let mut problems = Vec::new();
    if let Some(argv) = &hooks.command
        && let Some((program, args)) = argv.split_first()
    {
        let mut spec = CommandSpec::new(program, config_dir);
        spec.args = args.iter().map(OsString::from).collect();
        spec.env = ["PATH", "HOME", "LANG"]
            .iter()
            .filter_map(|name| std::env::var_os(name).map(|value| (OsString::from(name), value)))
            .collect();
        spec.stdin = StdinSource::Bytes(body.clone());
        spec.timeout = Some(timeout);
        spec.capture_cap = 64 * 1024;
        match peers_process::run(&spec) {
            Ok(outcome) if outcome.success() => {}
            Ok(outcome) => problems.push(format!(
                "notify command {program} failed ({:?}): {}",
                outcome.exit,
                outcome.stderr.tail_lossy(400)
            )),
            Err(err) => problems.push(format!("notify command {program}: {err}")),
        }
    }
    if let Some(url) = &hooks.webhook
        && let Err(problem) = post(url, &body, timeout)
    {
        problems.push(format!("webhook {url}: {problem}"));
    }
    problems
}

/// Why a webhook URL is refused or its POST failed (shown after `webhook <url>: `).
#[derive(Debug, thiserror::Error)]
enum WebhookError {
    #[error("only http:// URLs are supported")]
    NotHttp,
    #[error("no host (or credentials in the URL)")]
    NoHost,
    #[error("the host has no address")]
    NoAddress,
    /// Resolving, connecting, sending or reading the answer failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The server answered with a status other than 2xx (its status line).
    #[error("answered {0:?}")]
    Status(String),
}

/// `(host:port, path)` of an `http://` URL.
fn parse_http_url(url: &str) -> Result<(String, String), WebhookError> {
    let rest = url.strip_prefix("http://").ok_or(WebhookError::NotHttp)?;
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    if authority.is_empty() || authority.contains('@') {
        return Err(WebhookError::NoHost);
    }
    let authority = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Ok((authority, path))
}

fn post(url: &str, body: &[u8], timeout: Duration) -> Result<(), WebhookError> {
    let (authority, path) = parse_http_url(url)?;
    let address = authority
        .to_socket_addrs()?
        .next()
        .ok_or(WebhookError::NoAddress)?;
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_read_timeout(Some(timeout))?;
    let host = authority
        .rsplit_once(':')
        .map_or(authority.as_str(), |(h, _)| h);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: peers-ctl\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))?;
    let mut reply = Vec::new();
    stream.take(4096).read_to_end(&mut reply)?;
    let status_line = String::from_utf8_lossy(&reply)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let ok = status_line
        .split_whitespace()
        .nth(1)
        .is_some_and(|code| code.starts_with('2'));
    if ok {
        Ok(())
    } else {
        Err(WebhookError::Status(status_line))
    }
}

/// The watcher: waits for the run `pid` (started at `start_ticks`) of `name` to end, then sends
/// its event. Exit 0 once done.
pub fn watch(args: &[OsString]) -> u8 {
    let [config, name, pid, start_ticks] = args else {
        eprintln!("error: {WATCH_VERB} needs CONFIG_DIR NAME PID START_TICKS");
        return 2;
    };
    let config = PathBuf::from(config);
    let name = name.to_string_lossy().into_owned();
    let (Some(pid), Some(start_ticks)) = (
        pid.to_str().and_then(|p| p.parse::<u32>().ok()),
        start_ticks.to_str().and_then(|s| s.parse::<u64>().ok()),
    ) else {
        eprintln!("error: {WATCH_VERB}: bad PID or start time");
        return 2;
    };
    let boot = boot_id();
    // `start` records the run after launching us: wait until the registry shows it.
    let mut seen = false;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let Ok(registry) = Registry::load(&config) else {
            return 1;
        };
        let project = registry.get(&name);
        let run = project.and_then(|p| p.run.clone());
        match run.filter(|r| r.pid == pid && r.start_ticks == start_ticks) {
            Some(run) => {
                seen = true;
                if liveness(&run, &boot) != Liveness::Alive {
                    break;
                }
            }
            // Another command may already have reconciled the ended run.
            None if seen || project.is_some_and(|p| p.last_pid == Some(pid)) => {
                seen = true;
                break;
            }
            None if std::time::Instant::now() >= deadline => break,
            None => {}
        }
        std::thread::sleep(POLL);
    }
    if !seen {
        return 0;
    }
    let registry = match load_reconciled(&config) {
        Ok(registry) => registry,
        Err(err) => {
            eprintln!("peers-ctl notify: {err}");
            return 1;
        }
    };
    let (Ok(Some(hooks)), Some(event)) = (load(&config), event_for(&registry, &name)) else {
        return 0;
    };
    for problem in send(&config, &hooks, &event) {
        eprintln!("peers-ctl notify: {problem}");
    }
    0
}
