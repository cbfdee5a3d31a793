//! The crate's error: configuration the proxies refuse before serving anything.

/// What is wrong with the proxies' configuration.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("allow-list entry `{entry}`: {reason}")]
    BadHostPattern { entry: String, reason: &'static str },
    #[error("upstream `{url}`: {reason}")]
    BadUpstream { url: String, reason: &'static str },
    #[error("git remote `{url}`: {reason}")]
    BadGitRemote { url: String, reason: &'static str },
    #[error("cannot set up the TLS client: {0}")]
    Tls(#[source] rustls::Error),
    #[error("cannot serve a handed-over listener: {0}")]
    Listener(#[source] std::io::Error),
}

impl ProxyError {
    /// How to fix it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::BadHostPattern { .. } => {
                "list host names only (`registry.npmjs.org`, `*.crates.io`); port 443 is implied"
            }
            Self::BadUpstream { .. } => {
                "a provider's upstream is fixed; a test override must be http://127.0.0.1:<port>"
            }
            Self::BadGitRemote { .. } => {
                "the git relay needs the remote's https:// URL (https://host/org/repo.git)"
            }
            Self::Tls(_) | Self::Listener(_) => "this is a bug in peers; please report it",
        }
    }
}
