//! The built-in environment allowlist every agent process starts from (loop turns, skeptic
//! turns and review rounds alike): what a CLI needs to find itself, its login and its proxy.

/// Exact names passed through from peers' own environment.
const EXACT: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "TERM",
    "LANG",
    "TZ",
    "TMPDIR",
    "IS_SANDBOX",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NODE_EXTRA_CA_CERTS",
    "OPENROUTER_API_KEY",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_GLOBAL",
];

/// Prefixes passed through: locale, XDG dirs, and each supported CLI's own settings.
const PREFIXES: &[&str] = &[
    "LC_",
    "XDG_",
    "ANTHROPIC_",
    "CLAUDE_",
    "OPENAI_",
    "CODEX_",
    "OPENCODE_",
    "GEMINI_",
    "GOOGLE_",
    "PEERS_SIM_",
    // claude's DISABLE_AUTOUPDATER / DISABLE_TELEMETRY / DISABLE_ERROR_REPORTING.
    "DISABLE_",
];

/// True when `name` passes the built-in allowlist.
pub fn allowed(name: &str) -> bool {
    EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The allowlist in words, for `peers info` and the README.
pub fn allowlist_summary() -> String {
    let prefixes: Vec<String> = PREFIXES.iter().map(|p| format!("{p}*")).collect();
    format!("{}, {}", EXACT.join(", "), prefixes.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_homes_pass_and_strangers_do_not() {
        for name in [
            "PATH",
            "HOME",
            "OPENAI_API_KEY",
            "CODEX_HOME",
            "GEMINI_API_KEY",
            "LC_ALL",
        ] {
            assert!(allowed(name), "{name} should pass");
        }
        for name in ["LD_PRELOAD", "AWS_SECRET_ACCESS_KEY", "PATHX", "home"] {
            assert!(!allowed(name), "{name} should not pass");
        }
    }
}
