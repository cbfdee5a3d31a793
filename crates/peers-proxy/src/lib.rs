//! peers-proxy: the sandbox's only way out. A confined agent's network namespace has nothing
//! but `lo`; the listeners in it are created inside and handed to the orchestrator, which
//! serves them with this crate:
//!
//! - the **egress proxy** ([`Service::Egress`]): `CONNECT host:443` to the hosts of an
//!   [`AllowList`] only, decided on the name before any DNS lookup; IP literals, other ports
//!   and names resolving to non-public addresses are refused;
//! - one **reverse proxy per model provider** ([`Service::Provider`]): the agent CLI's base
//!   URL points at it with a dummy key; the proxy strips client credentials, injects the real
//!   one (which never enters the sandbox), speaks TLS to the fixed upstream and streams the
//!   reply;
//! - the **git relay** ([`Service::GitRelay`]): git's smart-HTTP requests for one private
//!   remote, with the credential (which the client never holds) added, everything else
//!   refused. A Kubernetes pod's `loop` container fetches and pushes through it.
//!
//! Every request is logged ([`ProxyRecord`]: proxy, host, port, bytes, decision). The crate is
//! blocking (a thread per connection, as the rest of the workspace): a turn opens a handful of
//! connections, and a plain copy loop streams far above what a model API sends.

mod connect;
mod egress;
mod error;
mod git_relay;
mod head;
mod host;
mod provider;
mod record;
mod serve;

pub use connect::proxy_from_url;
pub use egress::{ALLOWED_PORT, EgressLimits, EgressSettings, Resolve, SystemResolver};
pub use error::ProxyError;
pub use git_relay::{
    BEARER_FILE, CREDENTIALS_FILE, GIT_RELAY, GitCredentialSource, GitRelayLimits,
    GitRelaySettings, GitRemote,
};
pub use host::{AllowList, HostPattern, is_public};
pub use provider::{
    ANTHROPIC_OAUTH_BETA, Credential, ProviderRoutes, ProviderSettings, STRIPPED_HEADERS, Upstream,
    tls_client,
};
pub use record::{ProxyDecision, ProxyRecord};
pub use serve::{Service, Serving, serve};
