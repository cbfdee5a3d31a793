//! What a secret looks like: provider token formats, private-key headers, password-like
//! assignments of a literal, and high-entropy tokens. Pure: one line in, hits out.

use regex::Regex;

use crate::builtin::error::BuiltinError;

/// Provider formats: `(label, pattern)`. Anthropic comes before OpenAI: both start `sk-`.
const TOKEN_PATTERNS: &[(&str, &str)] = &[
    (
        "private-key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
    ),
    ("aws-access-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    (
        "github-token",
        r"\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{36,}\b",
    ),
    ("github-token", r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"),
    ("gitlab-token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    ("slack-token", r"\bxox[baprs]-[A-Za-z0-9\-]{10,}"),
    ("anthropic-key", r"\bsk-ant-[A-Za-z0-9_\-]{20,}"),
    (
        "openai-key",
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
    ),
    ("google-api-key", r"\bAIza[0-9A-Za-z_\-]{35}"),
];

/// A password, secret, API key or token assigned a quoted literal, in any file.
const QUOTED_ASSIGNMENT: &str = r#"(?i)\b(\w*(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)\w*)["']?\s*(?::|=|:=|=>)\s*["']([^"'\s]{6,})["']"#;
/// `API_KEY=literal` without quotes, in env, ini and YAML-like files.
const BARE_ASSIGNMENT: &str = r#"(?i)^\s*(?:export\s+)?([A-Z0-9_.\-]*(?:password|passwd|secret|api[_-]?key|apikey|token)[A-Z0-9_.\-]*)\s*[:=]\s*([^\s"'#]{6,})\s*$"#;
/// Keys that name where a secret is, not the secret (`password_env = "DB_PASSWORD"`).
const NAMING_SUFFIXES: &[&str] = &[
    "name", "path", "file", "env", "var", "id", "field", "label", "url", "header", "type", "prompt",
];
/// Files where a bare `KEY=value` is a configuration value, not code.
const CONFIG_EXTENSIONS: &[&str] = &[
    "env",
    "ini",
    "cfg",
    "conf",
    "properties",
    "yaml",
    "yml",
    "toml",
];

/// Values that announce themselves as not real.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "dummy",
    "your",
    "xxxx",
    "redacted",
    "sample",
    "fake",
    "mock",
    "test",
    "****",
    "<",
    "${",
    "{{",
    "%(",
    "env(",
];

/// Lock files and bundles are full of hashes: the entropy detector skips them.
const ENTROPY_SKIPPED_NAMES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "go.sum",
    "composer.lock",
    "Gemfile.lock",
    "npm-shrinkwrap.json",
];
/// Generated files full of hashes and symbol names: minified code, source maps, images,
/// lock files, snapshots, and coverage reports (LCOV lists mangled symbol names).
const ENTROPY_SKIPPED_SUFFIXES: &[&str] = &[
    ".min.js",
    ".map",
    ".svg",
    ".lock",
    ".snap",
    ".lcov",
    ".profdata",
];
/// Shortest token the entropy detector considers.
const MIN_ENTROPY_TOKEN: usize = 20;
/// Hex strings are hashes far more often than keys: judged only next to one of these words.
const SECRET_WORDS: &[&str] = &[
    "key",
    "token",
    "secret",
    "passw",
    "auth",
    "credential",
    "bearer",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub label: &'static str,
    pub token: String,
}

pub(crate) struct Detectors {
    tokens: Vec<(&'static str, Regex)>,
    quoted: Regex,
    bare: Regex,
    pub entropy: bool,
}

impl Detectors {
    pub(crate) fn new(entropy: bool) -> Result<Detectors, BuiltinError> {
        let compile = |pattern: &str| {
            Regex::new(pattern).map_err(|source| BuiltinError::Pattern {
                pattern: pattern.to_owned(),
                source,
            })
        };
        let tokens = TOKEN_PATTERNS
            .iter()
            .map(|(label, pattern)| Ok((*label, compile(pattern)?)))
            .collect::<Result<_, BuiltinError>>()?;
        Ok(Detectors {
            tokens,
            quoted: compile(QUOTED_ASSIGNMENT)?,
            bare: compile(BARE_ASSIGNMENT)?,
            entropy,
        })
    }

    /// The secrets on one line of `path`.
    pub(crate) fn scan_line(&self, path: &str, line: &str) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::new();
        for (label, regex) in &self.tokens {
            for found in regex.find_iter(line) {
                let token = found.as_str();
                let taken = hits
                    .iter()
                    .any(|h| h.token.contains(token) || token.contains(&h.token));
                if !taken && !is_placeholder(token) {
                    hits.push(Hit {
                        label,
                        token: token.to_owned(),
                    });
                }
            }
        }
        let config_file = extension(path).is_some_and(|ext| CONFIG_EXTENSIONS.contains(&ext))
            || file_name(path).starts_with(".env");
        let assignments = self.quoted.captures_iter(line).chain(
            config_file
                .then(|| self.bare.captures_iter(line))
                .into_iter()
                .flatten(),
        );
        for captures in assignments {
            let (Some(key), Some(value)) = (captures.get(1), captures.get(2)) else {
                continue;
            };
            let (key, value) = (key.as_str().to_lowercase(), value.as_str());
            let names_a_place = NAMING_SUFFIXES.iter().any(|suffix| {
                key.ends_with(&format!("_{suffix}")) || key.ends_with(&format!("-{suffix}"))
            });
            if !names_a_place
                && !is_placeholder(value)
                && !is_reference(value)
                && !hits.iter().any(|h| h.token.contains(value))
            {
                hits.push(Hit {
                    label: "password-assignment",
                    token: value.to_owned(),
                });
            }
        }
        if self.entropy && !entropy_skipped(path) {
            let fresh: Vec<Hit> = high_entropy_tokens(line)
                .into_iter()
                .filter(|token| {
                    !hits
                        .iter()
                        .any(|h| h.token.contains(token.as_str()) || token.contains(&h.token))
                })
                .map(|token| Hit {
                    label: "high-entropy-string",
                    token,
                })
                .collect();
            hits.extend(fresh);
        }
        hits
    }
}

fn is_placeholder(value: &str) -> bool {
    let lower = value.to_lowercase();
    PLACEHOLDER_WORDS.iter().any(|word| lower.contains(word))
        || value
            .chars()
            .all(|c| c == value.chars().next().unwrap_or(c))
}

/// An assigned value that names a secret instead of being one: an environment variable
/// name (`ANTHROPIC_API_KEY`) or text that says what it is (`no-secrets-committed`).
fn is_reference(value: &str) -> bool {
    let env_name = value.contains('_')
        && value.starts_with(|c: char| c.is_ascii_uppercase())
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let lower = value.to_lowercase();
    env_name
        || ["secret", "password", "passwd", "token", "api_key", "apikey"]
            .iter()
            .any(|w| lower.contains(w))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn extension(path: &str) -> Option<&str> {
    file_name(path).rsplit_once('.').map(|(_, ext)| ext)
}

fn entropy_skipped(path: &str) -> bool {
    let name = file_name(path);
    ENTROPY_SKIPPED_NAMES.contains(&name)
        || ENTROPY_SKIPPED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Tokens of base64/hex characters that look random: mixed case and digits with entropy near
/// the maximum for their length, or long hex next to a secret-ish word.
pub(crate) fn high_entropy_tokens(line: &str) -> Vec<String> {
    let lower = line.to_lowercase();
    let secret_context = SECRET_WORDS.iter().any(|w| lower.contains(w));
    line.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-')))
        .map(|token| token.trim_end_matches('='))
        .filter(|token| token.len() >= MIN_ENTROPY_TOKEN)
        .filter(|token| !is_mangled_symbol(token))
        .filter(|token| {
            let entropy = shannon_entropy(token);
            if token.bytes().all(|b| b.is_ascii_hexdigit()) {
                return secret_context && token.len() >= 32 && entropy >= 3.0;
            }
            let has = |f: fn(&u8) -> bool| token.as_bytes().iter().any(f);
            has(u8::is_ascii_digit)
                && has(u8::is_ascii_uppercase)
                && has(u8::is_ascii_lowercase)
                && !token.contains("//")
                && entropy >= entropy_threshold(token.len())
        })
        .map(str::to_owned)
        .collect()
}

/// Compiler-mangled symbol names look random but are not secrets: Rust v0 (`_R…`), Itanium
/// C++/legacy Rust (`_ZN…`), which coverage reports and backtraces are full of.
fn is_mangled_symbol(token: &str) -> bool {
    let mangled = |prefix: &str| {
        token.strip_prefix(prefix).is_some_and(|rest| {
            rest.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
    };
    mangled("_R") || mangled("_ZN")
}

/// Random text of length n has entropy close to log2(n) for short tokens and to log2(64) = 6
/// for long base64 ones; English identifiers fall well below either.
fn entropy_threshold(len: usize) -> f64 {
    ((len as f64).log2() * 0.85).min(4.5)
}

pub(crate) fn shannon_entropy(text: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in text.bytes() {
        counts[b as usize] += 1;
    }
    let len = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// What a diagnostic may show: the first four characters and the length.
pub(crate) fn redact(token: &str) -> String {
    let prefix: String = token.chars().take(4).collect();
    format!("{prefix}… ({} chars)", token.chars().count())
}
