//! A sandbox's network for one agent call (native or podman): the listeners its helper (or
//! the container's init) creates inside the network namespace (egress proxy on 127.0.0.1:3128, one model-API proxy per provider
//! on 3129..=3132), the environment that points the agent CLI at them with dummy keys, and the
//! serving of those listeners (`peers-proxy`) while the call runs. The real keys come from the
//! call's environment on the host and stay in peers: the sandbox only ever sees the dummies.
//! Every request is appended to `.peers/log/sandbox.jsonl` for the report ([`append`]).
//! [`launch_with_network`] runs one call so, for both backends.

use std::ffi::OsString;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use peers_agent::{LaunchCall, LaunchError, Launcher};
use peers_process::{CommandSpec, Ending, Observed, Observer, Watch, run_observed};
use peers_proxy::{
    AllowList, Credential, EgressLimits, EgressSettings, ProviderSettings, ProxyRecord, Service,
    Upstream,
};
use peers_sandbox::{HandOver, HandOverSocket, Network, Policy};

use crate::sandbox_policy::{policy_for, resolve_dot_dot};

/// The egress proxy's port inside the sandbox.
pub const EGRESS_PORT: u16 = 3128;
/// What the agent sees instead of a real key.
pub const DUMMY_KEY: &str = "peers-sandbox-dummy-key";
/// Test override: every provider's upstream becomes this `http://127.0.0.1:<port>` (the
/// scripted model server). Anything but a loopback http URL is refused.
pub const TEST_UPSTREAM_VARIABLE: &str = "PEERS_SANDBOX_TEST_UPSTREAM";

/// One model provider: where its proxy listens inside, the variables its CLIs read.
struct Provider {
    name: &'static str,
    port: u16,
    host: &'static str,
    /// The base URL variable and its value inside the sandbox.
    base_url: (&'static str, &'static str),
    /// Variables that may hold the real credential, with the header each becomes.
    keys: &'static [(&'static str, &'static str, &'static str)],
}

const PROVIDERS: &[Provider] = &[
    Provider {
        name: "anthropic",
        port: 3129,
        host: "api.anthropic.com",
        base_url: ("ANTHROPIC_BASE_URL", "http://127.0.0.1:3129"),
        keys: &[
            ("ANTHROPIC_API_KEY", "x-api-key", ""),
            ("ANTHROPIC_AUTH_TOKEN", "authorization", "Bearer "),
            ("CLAUDE_CODE_OAUTH_TOKEN", "authorization", "Bearer "),
        ],
    },
    Provider {
        name: "openai",
        port: 3130,
        host: "api.openai.com",
        base_url: ("OPENAI_BASE_URL", "http://127.0.0.1:3130/v1"),
        keys: &[("OPENAI_API_KEY", "authorization", "Bearer ")],
    },
    Provider {
        name: "gemini",
        port: 3131,
        host: "generativelanguage.googleapis.com",
        base_url: ("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:3131"),
        keys: &[
            ("GEMINI_API_KEY", "x-goog-api-key", ""),
            ("GOOGLE_API_KEY", "x-goog-api-key", ""),
        ],
    },
    Provider {
        name: "openrouter",
        port: 3132,
        host: "openrouter.ai",
        base_url: ("OPENROUTER_BASE_URL", "http://127.0.0.1:3132/api/v1"),
        keys: &[("OPENROUTER_API_KEY", "authorization", "Bearer ")],
    },
];

/// The egress proxy's policy for every call of a run: `sandbox.allow_hosts` and the caps.
#[derive(Debug, Clone)]
pub struct Egress {
    pub allow: AllowList,
    pub limits: EgressLimits,
}

impl Egress {
    /// From the project's `sandbox:` settings; the error names the key.
    pub fn from_settings(
        settings: &peers_core::config::SandboxSettings,
    ) -> Result<Self, crate::error::CliError> {
        let allow = AllowList::parse(&settings.allow_hosts).map_err(|err| {
            crate::error::CliError::usage(format!(".peers/config.yaml: sandbox.allow_hosts: {err}"))
                .hint(err.hint())
        })?;
        let limits = EgressLimits {
            max_bytes: settings.egress_max_mib.saturating_mul(1024 * 1024),
            max_duration: Duration::from_secs(settings.egress_max_seconds),
            max_connections: usize::try_from(settings.egress_max_connections).unwrap_or(usize::MAX),
        };
        Ok(Self { allow, limits })
    }
}

/// The proxies of one call, ready to serve once the sandbox hands its listeners over.
pub struct CallNetwork {
    socket: HandOverSocket,
    services: Vec<Service>,
    log_path: PathBuf,
    peer: String,
    kind: String,
}

/// Builds the call's network: rewrites `env` (base URLs to the in-sandbox listeners, dummy
/// keys, proxy variables) and returns the hand-over for the policy and the proxies to serve.
pub fn prepare(
    env: &mut Vec<(OsString, OsString)>,
    call: &LaunchCall<'_>,
    egress: &Egress,
) -> Result<(HandOver, CallNetwork), NetworkError> {
    let lookup = |env: &[(OsString, OsString)], name: &str| {
        env.iter()
            .rev()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| value.to_str().map(str::to_owned))
    };
    let mut egress_settings = EgressSettings::new(egress.allow.clone());
    egress_settings.limits = egress.limits;
    let mut services = vec![Service::Egress(egress_settings)];
    let mut ports = vec![EGRESS_PORT];
    for (provider, settings) in PROVIDERS
        .iter()
        .zip(provider_settings(|name| lookup(env, name))?)
    {
        services.push(Service::Provider(settings));
        ports.push(provider.port);
    }
    rewrite_env(env);
    // Outside every tree the sandbox shows, and gone once received: in /tmp, never bound
    // (each sandbox has its own), not the temp directory, which is bound when an agent's
    // TMPDIR names one outside /tmp and would show the sockets of other calls.
    let runtime = Path::new(crate::sandbox_policy::PRIVATE_RUNTIME).join(format!(
        "peers-handover-{}",
        rustix::process::getuid().as_raw()
    ));
    let socket = HandOverSocket::bind(&runtime).map_err(|source| NetworkError::HandOver {
        dir: runtime.clone(),
        source,
    })?;
    let hand_over = HandOver {
        socket: socket.path(),
        ports,
    };
    let network = CallNetwork {
        socket,
        services,
        log_path: log_path(call.repo),
        peer: call.peer.to_owned(),
        kind: call.kind.to_string(),
    };
    Ok((hand_over, network))
}

/// Every provider's reverse proxy, its real credential read through `lookup` (a variable's
/// value; dummies and empty values are no credential), its upstream the provider's host (or
/// the test override of [`TEST_UPSTREAM_VARIABLE`]).
pub fn provider_settings(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<ProviderSettings>, NetworkError> {
    let test_upstream = std::env::var(TEST_UPSTREAM_VARIABLE).ok();
    let tls = peers_proxy::tls_client().map_err(NetworkError::Tls)?;
    let mut out = Vec::new();
    for provider in PROVIDERS {
        let credential = provider.keys.iter().find_map(|(variable, header, prefix)| {
            lookup(variable)
                .filter(|value| !value.is_empty() && value != DUMMY_KEY)
                .map(|value| Credential {
                    header: (*header).to_owned(),
                    beta_flag: is_anthropic_oauth(provider.name, variable, &value)
                        .then(|| peers_proxy::ANTHROPIC_OAUTH_BETA.to_owned()),
                    value: format!("{prefix}{value}"),
                })
        });
        let upstream = match &test_upstream {
            Some(url) => Upstream::loopback_for_tests(url).map_err(NetworkError::TestUpstream)?,
            None => Upstream::https(provider.host),
        };
        out.push(ProviderSettings {
            name: provider.name.to_owned(),
            upstream,
            credential,
            tls: Arc::clone(&tls),
        });
    }
    Ok(out)
}

/// Whether a credential is an Anthropic OAuth token (Claude Code's `CLAUDE_CODE_OAUTH_TOKEN`,
/// or an `sk-ant-oat…` token in another variable): the API takes it as a bearer only with
/// the OAuth beta flag, which the proxy then adds.
fn is_anthropic_oauth(provider: &str, variable: &str, value: &str) -> bool {
    provider == "anthropic"
        && (variable == "CLAUDE_CODE_OAUTH_TOKEN" || value.starts_with("sk-ant-oat"))
}

/// Why a call's network could not be prepared, so it cannot be confined.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error(transparent)]
    Tls(peers_proxy::ProxyError),
    /// The test-only upstream variable holds an unusable URL.
    #[error("{TEST_UPSTREAM_VARIABLE}: {0} (hint: {hint})", hint = .0.hint())]
    TestUpstream(peers_proxy::ProxyError),
    #[error("cannot create the hand-over socket in {}: {source}", dir.display())]
    HandOver {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Every credential variable becomes the dummy, every base URL the in-sandbox listener, and
/// the proxy variables name the egress proxy.
fn rewrite_env(env: &mut Vec<(OsString, OsString)>) {
    let egress = format!("http://127.0.0.1:{EGRESS_PORT}");
    let mut set: Vec<(String, String)> = vec![
        ("HTTPS_PROXY".into(), egress.clone()),
        ("https_proxy".into(), egress.clone()),
        ("HTTP_PROXY".into(), egress.clone()),
        ("http_proxy".into(), egress),
        ("NO_PROXY".into(), "localhost,127.0.0.1,::1".into()),
        ("no_proxy".into(), "localhost,127.0.0.1,::1".into()),
    ];
    for provider in PROVIDERS {
        set.push((provider.base_url.0.into(), provider.base_url.1.into()));
        for (variable, _, _) in provider.keys {
            set.push(((*variable).into(), DUMMY_KEY.into()));
        }
    }
    env.retain(|(key, _)| !set.iter().any(|(name, _)| key == name.as_str()));
    env.extend(
        set.into_iter()
            .map(|(key, value)| (key.into(), value.into())),
    );
}

/// The proxies of a running call.
pub struct Served {
    stop: Arc<AtomicBool>,
    done: std::sync::mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl CallNetwork {
    /// Waits (in a thread) for the sandbox's listeners and serves them until [`Served::finish`].
    pub fn serve(self) -> Served {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let give_up = || stopping.load(Ordering::SeqCst);
            let socket = self.socket;
            let received = socket.receive(self.services.len(), Duration::from_secs(120), &give_up);
            drop(socket);
            let Ok(listeners) = received else {
                // The sandbox failed before the hand-over: the call itself reports why.
                return;
            };
            let pairs: Vec<(TcpListener, Service)> =
                listeners.into_iter().zip(self.services).collect();
            let Ok(serving) = peers_proxy::serve(pairs) else {
                return;
            };
            // Until the call ends (a message, or the sender dropped).
            let _ = finished.recv();
            let records = serving.stop();
            append_log(&self.log_path, &self.peer, &self.kind, &records);
        });
        Served { stop, done, thread }
    }
}

impl Served {
    /// Stops serving (the call has ended) and writes the log.
    pub fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.done.send(());
        let _ = self.thread.join();
    }
}

fn append_log(path: &Path, peer: &str, kind: &str, records: &[ProxyRecord]) {
    let lines: Vec<_> = records
        .iter()
        .map(|record| serde_json::json!({"kind": "request", "peer": peer, "call": kind, "request": record}))
        .collect();
    append(path, &lines);
}

/// `.peers/log/sandbox.jsonl`: which sandbox each run used (`kind: run`) and every request
/// through a sandbox's proxies (`kind: request`).
pub fn log_path(repo: &Path) -> PathBuf {
    peers_store::layout::PeersDir::at(repo)
        .log_dir()
        .join("sandbox.jsonl")
}

/// Appends `lines` (one JSON value each); a failure is a warning, the run goes on.
pub fn append(path: &Path, lines: &[serde_json::Value]) {
    if lines.is_empty() {
        return;
    }
    let mut text = String::new();
    for line in lines {
        text.push_str(&line.to_string());
        text.push('\n');
    }
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(err) = written {
        eprintln!(
            "warning: cannot append the sandbox's network log to {}: {err}",
            path.display()
        );
    }
}

/// Characters of stderr's end read for the helper's list of what was left running (it lists
/// at most 32 processes of at most 200 characters each).
const LEFT_TAIL: usize = 16 * 1024;

/// What [`launch_with_network`] needs of a backend.
pub struct Networked<'a> {
    /// Hosts the egress proxy tunnels to (`sandbox.allow_hosts`) and its caps.
    pub egress: &'a Egress,
    /// The launcher the confined command is handed to.
    pub inner: &'a dyn Launcher,
    /// The backend's refusal for a reason.
    pub refused: &'a dyn Fn(String) -> LaunchError,
    /// The backend's wrapping of a command for a policy.
    pub confine: &'a dyn Fn(&CommandSpec, &Policy) -> Result<CommandSpec, LaunchError>,
}

/// Runs one call confined (native or podman) with its network: the environment points the
/// agent at the in-sandbox listeners with dummy keys, the sandbox hands those listeners over,
/// and peers serves them (egress and model-API proxies) until the call ends. What the
/// sandbox's last stderr line says was left running is added to the call's leftovers.
pub fn launch_with_network(
    spec: CommandSpec,
    call: &LaunchCall<'_>,
    watch: &Watch,
    observer: &mut dyn Observer,
    backend: &Networked<'_>,
) -> Result<Observed, LaunchError> {
    let refused = |reason: String| (backend.refused)(reason);
    let mut spec = resolve_dot_dot(spec);
    let (hand_over, network) =
        prepare(&mut spec.env, call, backend.egress).map_err(|err| refused(err.to_string()))?;
    let mut policy = policy_for(&spec, call).map_err(|err| refused(err.to_string()))?;
    policy.network = Network::HandOver(hand_over);
    let confined = (backend.confine)(&spec, &policy)?;
    let confined = backend.inner.command(confined, call)?;
    let served = network.serve();
    let observed = run_observed(&confined, watch, observer);
    served.finish();
    let mut observed = observed?;
    if observed.ending == Ending::Exited && watch.sweep_descendants {
        // The sandbox died with the command; its last stderr line said what was still running.
        let said = peers_sandbox::left_running(&observed.outcome.stderr.tail_lossy(LEFT_TAIL));
        observed.left_running.extend(said);
    }
    Ok(observed)
}

#[cfg(test)]
mod tests {
    use peers_agent::CallKind;
    use peers_core::config::ToolKind;

    use super::*;

    /// The anthropic proxy's credential and the agent's environment for `env`.
    fn anthropic(env: &[(&str, &str)]) -> (Option<Credential>, Vec<(OsString, OsString)>) {
        let temp = tempfile::tempdir().unwrap();
        let call = LaunchCall {
            kind: CallKind::LoopTurn,
            peer: "alice",
            tool: &ToolKind::Claude,
            repo: temp.path(),
        };
        let mut env: Vec<(OsString, OsString)> = env
            .iter()
            .map(|(key, value)| ((*key).into(), (*value).into()))
            .collect();
        let egress =
            Egress::from_settings(&peers_core::config::SandboxSettings::default()).unwrap();
        let (_, network) = prepare(&mut env, &call, &egress).unwrap();
        let credential = network.services.iter().find_map(|service| match service {
            Service::Provider(settings) if settings.name == "anthropic" => {
                Some(settings.credential.clone())
            }
            _ => None,
        });
        (credential.flatten(), env)
    }

    #[test]
    fn an_anthropic_oauth_token_becomes_a_bearer_with_the_beta_flag_and_an_api_key_does_not() {
        let (credential, env) = anthropic(&[("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-real")]);
        let credential = credential.unwrap();
        assert_eq!(credential.header, "authorization");
        assert_eq!(credential.value, "Bearer sk-ant-oat01-real");
        assert_eq!(
            credential.beta_flag.as_deref(),
            Some(peers_proxy::ANTHROPIC_OAUTH_BETA)
        );
        assert!(
            env.iter().all(|(_, value)| value != "sk-ant-oat01-real"),
            "the token stays out of the agent's environment: {env:?}"
        );
        assert!(env.contains(&("CLAUDE_CODE_OAUTH_TOKEN".into(), DUMMY_KEY.into())));
        let (credential, _) = anthropic(&[("ANTHROPIC_AUTH_TOKEN", "sk-ant-oat01-other")]);
        assert!(
            credential.unwrap().beta_flag.is_some(),
            "an OAuth token by its form"
        );
        let (credential, _) = anthropic(&[("ANTHROPIC_API_KEY", "sk-ant-api03-real")]);
        let credential = credential.unwrap();
        assert_eq!(credential.header, "x-api-key");
        assert_eq!(credential.value, "sk-ant-api03-real");
        assert_eq!(credential.beta_flag, None);
    }
}
