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
//!   reply.
//!
//! Every request is logged ([`ProxyRecord`]: proxy, host, port, bytes, decision). The crate is
//! blocking (a thread per connection, as the rest of the workspace): a turn opens a handful of
//! connections, and a plain copy loop streams far above what a model API sends.

mod egress;
mod error;
mod head;
mod host;
mod provider;
mod record;
mod serve;

pub use egress::{ALLOWED_PORT, EgressLimits, EgressSettings, Resolve, SystemResolver};
pub use error::ProxyError;
pub use host::{AllowList, HostPattern, is_public};
pub use provider::{
    ANTHROPIC_OAUTH_BETA, Credential, ProviderSettings, STRIPPED_HEADERS, Upstream, tls_client,
};
pub use record::{ProxyDecision, ProxyRecord};
pub use serve::{Service, Serving, serve};
