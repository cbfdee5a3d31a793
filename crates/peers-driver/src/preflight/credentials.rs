//! Where each agent CLI finds its login, as that CLI reads it: an environment key the peer will
//! receive, or its login file. The finding says which one was found; nothing is validated
//! against the provider (that would spend a request), and nothing is ever printed but names.

use std::path::{Path, PathBuf};

use peers_agent::OPENROUTER_KEY_VAR;
use peers_core::config::{PeerSettings, Provider, ToolKind};

/// What the credential check learned about one peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Found: `via` names the variable or the file.
    Found { via: String },
    /// The tool has no login peers knows how to look for (a generic command).
    NotChecked { why: String },
    /// Nothing found where this CLI looks; `looked` lists the places, `fix` how to log in.
    Missing { looked: Vec<String>, fix: String },
    /// Required by the config and missing: the run cannot work (an OpenRouter peer without
    /// its key).
    Required { variable: String, fix: String },
}

/// Looks up a variable of the peer's environment (empty counts as unset).
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn check(peer: &PeerSettings, env: Lookup<'_>) -> Credentials {
    if peer.provider == Some(Provider::Openrouter) {
        return match env(OPENROUTER_KEY_VAR) {
            Some(_) => Credentials::Found {
                via: format!("environment {OPENROUTER_KEY_VAR} (provider openrouter)"),
            },
            None => Credentials::Required {
                variable: OPENROUTER_KEY_VAR.to_owned(),
                fix: format!("export {OPENROUTER_KEY_VAR}=… before `peers run`"),
            },
        };
    }
    let home = env("HOME").map(PathBuf::from);
    let in_home = |rel: &str| home.as_ref().map(|h| h.join(rel));
    let dir_or_home = |var: &str, rel: &str| env(var).map(PathBuf::from).or_else(|| in_home(rel));
    let (keys, files, fix): (&[&str], Vec<Option<PathBuf>>, &str) = match &peer.tool {
        ToolKind::Claude => (
            &[
                "ANTHROPIC_API_KEY",
                "ANTHROPIC_AUTH_TOKEN",
                "CLAUDE_CODE_OAUTH_TOKEN",
                "CLAUDE_CODE_USE_BEDROCK",
                "CLAUDE_CODE_USE_VERTEX",
            ],
            vec![
                dir_or_home("CLAUDE_CONFIG_DIR", ".claude").map(|d| d.join(".credentials.json")),
                in_home(".claude.json"),
            ],
            "export ANTHROPIC_API_KEY=…, or run `claude` once and log in with /login",
        ),
        ToolKind::Codex => (
            &["OPENAI_API_KEY", "CODEX_API_KEY"],
            vec![dir_or_home("CODEX_HOME", ".codex").map(|d| d.join("auth.json"))],
            "export OPENAI_API_KEY=…, or run `codex login`",
        ),
        ToolKind::Gemini => (
            &[
                "GEMINI_API_KEY",
                "GOOGLE_API_KEY",
                "GOOGLE_APPLICATION_CREDENTIALS",
                "GOOGLE_GENAI_USE_VERTEXAI",
            ],
            vec![in_home(".gemini/oauth_creds.json"), in_home(".gemini/.env")],
            "export GEMINI_API_KEY=…, or run `gemini` once and choose a login",
        ),
        ToolKind::Opencode => (
            &[
                "ANTHROPIC_API_KEY",
                "OPENAI_API_KEY",
                "OPENROUTER_API_KEY",
                "GEMINI_API_KEY",
                "GOOGLE_GENERATIVE_AI_API_KEY",
            ],
            vec![
                dir_or_home("XDG_DATA_HOME", ".local/share").map(|d| d.join("opencode/auth.json")),
                env("OPENCODE_CONFIG").map(PathBuf::from),
                dir_or_home("XDG_CONFIG_HOME", ".config").map(|d| d.join("opencode/opencode.json")),
            ],
            "run `opencode auth login`, or export the provider's key (and name it in the peer's `env:` when it is not on the allowlist)",
        ),
        ToolKind::Generic(name) => {
            return Credentials::NotChecked {
                why: format!("`{name}` is not a known CLI; its login is its own business"),
            };
        }
    };
    if let Some(key) = keys.iter().find(|key| env(key).is_some()) {
        return Credentials::Found {
            via: format!("environment {key}"),
        };
    }
    let files: Vec<PathBuf> = files.into_iter().flatten().collect();
    if let Some(file) = files.iter().find(|file| is_nonempty_file(file)) {
        return Credentials::Found {
            via: format!("login file {}", file.display()),
        };
    }
    let mut looked: Vec<String> = keys.iter().map(|key| format!("${key}")).collect();
    looked.extend(files.iter().map(|file| file.display().to_string()));
    Credentials::Missing {
        looked,
        fix: fix.to_owned(),
    }
}

fn is_nonempty_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.len() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use peers_core::config::{PeerRole, PromptMode};
    use peers_core::location::Span;

    fn peer(tool: ToolKind) -> PeerSettings {
        PeerSettings {
            name: "p".into(),
            tool,
            argv: None,
            prompt_mode: PromptMode::ArgvSubstitute,
            role: PeerRole::Default,
            model: None,
            reasoning: None,
            provider: None,
            env: Vec::new(),
            span: Span::new(0, 0),
        }
    }

    fn lookup<'a>(pairs: &'a [(&'a str, String)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, v)| *k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn an_environment_key_is_named() {
        let env = [("OPENAI_API_KEY", "sk".to_owned())];
        assert_eq!(
            check(&peer(ToolKind::Codex), &lookup(&env)),
            Credentials::Found {
                via: "environment OPENAI_API_KEY".into()
            }
        );
    }

    #[test]
    fn a_login_file_is_found_where_the_cli_reads_it() {
        let home = tempfile::tempdir().unwrap();
        let codex_home = home.path().join("codex-home");
        std::fs::create_dir_all(&codex_home).unwrap();
        std::fs::write(codex_home.join("auth.json"), "{}").unwrap();
        let env = [
            ("HOME", home.path().display().to_string()),
            ("CODEX_HOME", codex_home.display().to_string()),
        ];
        let found = check(&peer(ToolKind::Codex), &lookup(&env));
        assert_eq!(
            found,
            Credentials::Found {
                via: format!("login file {}", codex_home.join("auth.json").display())
            }
        );
        let env = [("HOME", home.path().display().to_string())];
        let Credentials::Missing { looked, fix } = check(&peer(ToolKind::Claude), &lookup(&env))
        else {
            panic!("nothing to find for claude");
        };
        assert!(
            looked.contains(&"$ANTHROPIC_API_KEY".to_owned()),
            "{looked:?}"
        );
        assert!(fix.contains("/login"));
    }

    #[test]
    fn an_openrouter_peer_requires_its_key() {
        let mut p = peer(ToolKind::Claude);
        p.provider = Some(Provider::Openrouter);
        let env = [("ANTHROPIC_API_KEY", "k".to_owned())];
        assert!(matches!(
            check(&p, &lookup(&env)),
            Credentials::Required { .. }
        ));
    }
}
