//! The flags of every `serve` command (`peers serve`, `peers-ctl serve`) and their resolution
//! into [`ServeSettings`]. Each command flattens [`ServerArgs`] into its own `ServeArgs` and says
//! in its help which actions `--actions` offers there.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::auth::{TokenError, Tokens};
use crate::server::ServeSettings;

/// The shortest poll interval accepted; a smaller `--poll-ms` is raised to it.
const MIN_POLL: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Address to listen on (port 0: any free port). Anything but 127.0.0.1/::1 exposes the
    /// pages to the network: the token is then all that protects them.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
    /// Read the access token from FILE (first line, ≥ 16 characters) instead of a fresh random one.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Offer the caller's actions in the browser (POST forms with a CSRF token); otherwise
    /// read-only.
    #[arg(long)]
    pub actions: bool,
    /// How often live pages look for changes, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub poll_ms: u64,
}

impl ServerArgs {
    /// The server's settings: the token read from `--token-file` or a fresh random one.
    pub fn settings(&self) -> Result<ServeSettings, TokenError> {
        let tokens = match &self.token_file {
            Some(path) => Tokens::from_file(path)?,
            None => Tokens::generate().map_err(TokenError::Random)?,
        };
        Ok(ServeSettings {
            listen: self.listen,
            tokens,
            actions_enabled: self.actions,
            poll: Duration::from_millis(self.poll_ms).max(MIN_POLL),
        })
    }

    /// The address to open once the server listens on `addr`: with the token in it, unless the
    /// user has the token in their own file.
    pub fn url(&self, addr: SocketAddr, path: &str, access: &str) -> String {
        if self.token_file.is_some() {
            format!("http://{addr}{path} (token from --token-file)")
        } else {
            format!("http://{addr}{path}?token={access}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(token_file: Option<PathBuf>, poll_ms: u64) -> ServerArgs {
        ServerArgs {
            listen: "127.0.0.1:0".parse().unwrap(),
            token_file,
            actions: true,
            poll_ms,
        }
    }

    #[test]
    fn the_token_file_is_read_and_a_tiny_poll_is_raised() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("token");
        std::fs::write(&file, "0123456789abcdef0123\n").unwrap();
        let args = args(Some(file), 1);
        let settings = args.settings().unwrap();
        assert_eq!(settings.tokens.access(), "0123456789abcdef0123");
        assert!(settings.actions_enabled);
        assert_eq!(settings.poll, MIN_POLL);
        let addr = "127.0.0.1:7878".parse().unwrap();
        assert_eq!(
            args.url(addr, "/p/x", "secret"),
            "http://127.0.0.1:7878/p/x (token from --token-file)"
        );
    }

    #[test]
    fn a_short_token_is_a_usage_error_naming_the_file() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("token");
        std::fs::write(&file, "short\n").unwrap();
        let Err(err) = args(Some(file.clone()), 500).settings() else {
            panic!("a short token was accepted");
        };
        assert!(err.is_usage());
        assert!(
            err.to_string().contains(&file.display().to_string()),
            "{err}"
        );
        assert!(err.hint().is_some());
    }

    #[test]
    fn without_a_file_a_fresh_token_is_in_the_url() {
        let args = args(None, 500);
        let settings = args.settings().unwrap();
        assert_eq!(settings.poll, Duration::from_millis(500));
        let access = settings.tokens.access().to_owned();
        assert_eq!(access.len(), 32);
        let addr = "127.0.0.1:7878".parse().unwrap();
        assert_eq!(
            args.url(addr, "/", &access),
            format!("http://127.0.0.1:7878/?token={access}")
        );
    }
}
