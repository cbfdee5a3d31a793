//! The access token every request must carry (bearer header, the `peers_token` cookie, or once
//! as `?token=` which sets the cookie), and the CSRF token every POST must carry as a form field.
//! The CSRF token is derived from the access token, so it is stable for the server's life and
//! never equal to it; comparisons take the same time whatever matches.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use peers_store::StoreError;
use sha2::{Digest, Sha256};

/// Shortest token accepted from a file.
pub const MIN_TOKEN_LEN: usize = 16;
pub const COOKIE: &str = "peers_token";

/// Why there is no access token to serve with.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot read the token file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: StoreError,
    },
    #[error(
        "the token in {} is shorter than {MIN_TOKEN_LEN} characters or has spaces or control characters",
        path.display()
    )]
    Unusable { path: PathBuf },
    #[error("cannot read /dev/urandom for a token: {0}")]
    Random(#[source] std::io::Error),
}

impl TokenError {
    /// A bad `--token-file` is the user's to fix (a usage error); no randomness is not.
    pub fn is_usage(&self) -> bool {
        !matches!(self, TokenError::Random(_))
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            TokenError::Read { .. } => Some(format!(
                "write a token of at least {MIN_TOKEN_LEN} characters to it (e.g. `head -c 16 /dev/urandom | xxd -p > FILE`)"
            )),
            TokenError::Unusable { .. } => {
                Some("write a longer token of printable ASCII to it".to_owned())
            }
            TokenError::Random(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Tokens {
    access: String,
    csrf: String,
}

impl Tokens {
    /// A fresh random token (128 bits from the kernel).
    pub fn generate() -> std::io::Result<Tokens> {
        let mut bytes = [0u8; 16];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(Tokens::from_access(hex(&bytes)))
    }

    /// The token in `path` (first line, trimmed).
    pub fn from_file(path: &Path) -> Result<Tokens, TokenError> {
        let bytes = peers_store::safe_fs::read_control_file(path, 4096).map_err(|source| {
            TokenError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let token = text.lines().next().unwrap_or("").trim().to_owned();
        if token.len() < MIN_TOKEN_LEN || !token.chars().all(|c| c.is_ascii_graphic()) {
            return Err(TokenError::Unusable {
                path: path.to_path_buf(),
            });
        }
        Ok(Tokens::from_access(token))
    }

    pub fn from_access(access: String) -> Tokens {
        let mut hasher = Sha256::new();
        hasher.update(b"peers-serve csrf\0");
        hasher.update(access.as_bytes());
        let csrf = hex(&hasher.finalize()[..16]);
        Tokens { access, csrf }
    }

    pub fn access(&self) -> &str {
        &self.access
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    pub fn access_matches(&self, candidate: &str) -> bool {
        same(self.access.as_bytes(), candidate.as_bytes())
    }

    pub fn csrf_matches(&self, candidate: &str) -> bool {
        same(self.csrf.as_bytes(), candidate.as_bytes())
    }
}

/// Constant-time equality (the length is not secret).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of cookie `name` in a `Cookie:` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then_some(value)
    })
}

/// The value of `name` in a query string or form body (`a=1&b=2`), percent-decoded.
pub fn form_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(text.get(i + 1..i + 3).unwrap_or(""), 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_differs_from_the_access_token_and_both_compare_exactly() {
        let tokens = Tokens::from_access("0123456789abcdef0123".into());
        assert_ne!(tokens.csrf(), tokens.access());
        assert!(tokens.access_matches("0123456789abcdef0123"));
        assert!(!tokens.access_matches("0123456789abcdef012"));
        assert!(!tokens.csrf_matches(tokens.access()));
    }

    #[test]
    fn cookies_and_form_values_are_found_and_decoded() {
        assert_eq!(cookie("a=1; peers_token=xyz; b=2", COOKIE), Some("xyz"));
        assert_eq!(
            form_value("x=1&csrf=a%2Fb+c", "csrf").as_deref(),
            Some("a/b c")
        );
        assert_eq!(form_value("x=1", "csrf"), None);
        assert_eq!(percent_decode("100%"), "100%");
    }
}
