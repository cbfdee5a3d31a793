//! `peers proxy`: the credential sidecar of a Kubernetes pod (the `proxy` container). It alone
//! holds the credentials and serves, on the pod's 127.0.0.1:
//! - `--listen`: every model provider's reverse proxy under its name (`/anthropic/…`,
//!   `/openai/…`), the real key read from its own environment (Secret `peers-model-keys`);
//! - `--git-relay`: the git relay for the run's one remote (`--git-remote`), the credential read
//!   at each request from the mounted git Secret (`--git-credentials`), so the `loop` container
//!   fetches and pushes through `http://<git-relay>/<path>` with no credential of its own.
//!
//! Upstreams are reached through `HTTPS_PROXY` (the cluster's egress gateway) when it is set.
//! It serves until killed; each request is one line on stderr (the container's log).

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use peers_proxy::{
    GitCredentialSource, GitRelaySettings, GitRemote, ProviderRoutes, ProxyDecision, Service,
};

use crate::error::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Serve the model providers' reverse proxies on ADDR (`127.0.0.1:8080`): a provider's
    /// requests go under its name (`/anthropic/v1/messages`).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Serve the git relay on ADDR (`127.0.0.1:8081`); needs --git-remote and --git-credentials.
    #[arg(long, value_name = "ADDR", requires_all = ["git_remote", "git_credentials"])]
    pub git_relay: Option<String>,
    /// The one remote the git relay reaches (its https:// URL).
    #[arg(long, value_name = "URL", requires = "git_relay")]
    pub git_remote: Option<String>,
    /// The directory of the git credential (a mounted Secret): `credentials`
    /// (git-credential-store lines, `https://USER:TOKEN@host`, sent as HTTP Basic) or
    /// `bearer-token` (sent as `Authorization: Bearer`).
    #[arg(long, value_name = "DIR", requires = "git_relay")]
    pub git_credentials: Option<PathBuf>,
    /// The Secret holding the git credential, named in the relay's errors.
    #[arg(long, value_name = "NAME", default_value = "peers-git")]
    pub git_secret: String,
}

pub fn run(args: &ProxyArgs) -> CliResult<u8> {
    if args.listen.is_none() && args.git_relay.is_none() {
        return Err(CliError::usage("peers proxy serves nothing")
            .hint("give --listen ADDR (model APIs) and/or --git-relay ADDR (git)"));
    }
    let via = ["HTTPS_PROXY", "https_proxy"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .and_then(|url| peers_proxy::proxy_from_url(&url));
    let mut listeners = Vec::new();
    if let Some(addr) = &args.listen {
        let providers = crate::sandbox_network::provider_settings(|name| std::env::var(name).ok())
            .map_err(|err| CliError::usage(format!("peers proxy: {err}")))?;
        listeners.push((
            bind("--listen", addr)?,
            Service::ProviderRoutes(ProviderRoutes {
                providers,
                via: via.clone(),
            }),
        ));
    }
    if let (Some(addr), Some(url), Some(dir)) =
        (&args.git_relay, &args.git_remote, &args.git_credentials)
    {
        let remote = GitRemote::parse(url).map_err(|err| {
            CliError::usage(format!("peers proxy --git-remote: {err}")).hint(err.hint())
        })?;
        let tls = peers_proxy::tls_client()
            .map_err(|err| CliError::usage(format!("peers proxy: {err}")))?;
        let mut settings = GitRelaySettings::new(
            remote,
            GitCredentialSource {
                dir: dir.clone(),
                name: format!("Secret {}", args.git_secret),
            },
            tls,
        );
        settings.via = via.clone();
        eprintln!(
            "peers proxy: git relay for {url} at {}",
            settings.client_url(addr)
        );
        listeners.push((bind("--git-relay", addr)?, Service::GitRelay(settings)));
    }
    let serving = peers_proxy::serve(listeners)
        .map_err(|err| CliError::usage(format!("peers proxy: {err}")).hint(err.hint()))?;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        for record in serving.drain_records() {
            let outcome = match &record.decision {
                ProxyDecision::Allowed => format!(
                    "{} ({} bytes up, {} down)",
                    record
                        .status
                        .map_or_else(|| "no reply".to_owned(), |s| s.to_string()),
                    record.bytes_up,
                    record.bytes_down
                ),
                ProxyDecision::Denied { reason } => format!("refused: {reason}"),
            };
            eprintln!(
                "peers proxy: {} {} {}:{} {outcome}",
                record.proxy, record.request, record.host, record.port
            );
        }
    }
}

fn bind(flag: &str, addr: &str) -> CliResult<TcpListener> {
    TcpListener::bind(addr).map_err(|err| {
        CliError::usage(format!("peers proxy {flag} {addr}: cannot listen: {err}"))
            .hint("give a free 127.0.0.1:<port>")
    })
}
