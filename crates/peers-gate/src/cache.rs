//! The gate cache: the last PASS of each gate and the key (tree + command) it passed under.
//!
//! A gate whose command and working tree are unchanged since it last passed need not run
//! again (the original re-ran every gate on every tick). Only passes are remembered, so a
//! flaky or broken gate is always re-checked; a fail evicts the entry.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// What a result depends on. Equal keys mean the earlier verdict still holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CacheKey {
    /// Fingerprint of HEAD plus the working tree, computed by the caller.
    pub tree: String,
    /// SHA-256 (hex) of what the gate runs: the command text and its timeout, or a builtin's identity.
    pub command: String,
}

impl CacheKey {
    /// Key for a shell gate: a changed command or timeout must not reuse an old pass.
    pub fn for_command(tree: impl Into<String>, cmd: &str, timeout: Duration) -> Self {
        Self::for_identity(tree, &format!("cmd\0{}ms\0{cmd}", timeout.as_millis()))
    }

    /// Key for any gate described by a stable identity string (e.g. a builtin and its settings).
    pub fn for_identity(tree: impl Into<String>, identity: &str) -> Self {
        Self {
            tree: tree.into(),
            command: sha256_hex(identity.as_bytes()),
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// One remembered pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPass {
    pub key: CacheKey,
    /// The diagnostic of the run that passed, shown again with a `[cached]` suffix.
    pub diagnostic: String,
}

/// Gate id → its last pass. Serialisable so the caller can persist it (as JSON) between ticks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateCache {
    passes: BTreeMap<String, CachedPass>,
}

impl GateCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The remembered pass of `id`, if it was recorded under exactly `key`.
    pub fn lookup(&self, id: &str, key: &CacheKey) -> Option<&CachedPass> {
        self.passes.get(id).filter(|cached| cached.key == *key)
    }

    /// Remembers a pass under `key`; a fail forgets whatever was remembered for `id`.
    pub fn record(&mut self, id: &str, key: &CacheKey, pass: bool, diagnostic: &str) {
        if pass {
            let cached = CachedPass {
                key: key.clone(),
                diagnostic: diagnostic.to_owned(),
            };
            self.passes.insert(id.to_owned(), cached);
        } else {
            self.passes.remove(id);
        }
    }

    /// Drops the entry of `id` (e.g. the gate was removed from goals.yaml).
    pub fn forget(&mut self, id: &str) {
        self.passes.remove(id);
    }

    /// Keeps only the gates for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.passes.retain(|id, _| keep(id));
    }

    pub fn len(&self) -> usize {
        self.passes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.passes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tree: &str) -> CacheKey {
        CacheKey::for_command(tree, "cargo test", Duration::from_secs(120))
    }

    #[test]
    fn pass_is_found_under_the_same_key_only() {
        let mut cache = GateCache::new();
        cache.record("tests", &key("t1"), true, "ok");
        assert_eq!(
            cache
                .lookup("tests", &key("t1"))
                .map(|c| c.diagnostic.as_str()),
            Some("ok")
        );
        assert!(cache.lookup("tests", &key("t2")).is_none());
        assert!(cache.lookup("lint", &key("t1")).is_none());
    }

    #[test]
    fn fail_evicts_the_remembered_pass() {
        let mut cache = GateCache::new();
        cache.record("tests", &key("t1"), true, "ok");
        cache.record("tests", &key("t2"), false, "boom");
        assert!(cache.is_empty());
        assert!(cache.lookup("tests", &key("t1")).is_none());
    }

    #[test]
    fn command_text_and_timeout_are_part_of_the_key() {
        let base = CacheKey::for_command("t", "make", Duration::from_secs(1));
        assert_ne!(
            base,
            CacheKey::for_command("t", "make check", Duration::from_secs(1))
        );
        assert_ne!(
            base,
            CacheKey::for_command("t", "make", Duration::from_secs(2))
        );
        assert_eq!(
            base,
            CacheKey::for_command("t", "make", Duration::from_secs(1))
        );
        assert_eq!(base.command.len(), 64);
    }

    #[test]
    fn cache_round_trips_through_json() {
        let mut cache = GateCache::new();
        cache.record("a", &key("t1"), true, "fine");
        cache.record("b", &key("t1"), true, "");
        let json = serde_json::to_string(&cache).unwrap();
        let back: GateCache = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cache);
    }

    #[test]
    fn forget_and_retain_drop_entries() {
        let mut cache = GateCache::new();
        for id in ["a", "b", "c"] {
            cache.record(id, &key("t"), true, "");
        }
        cache.forget("a");
        cache.retain(|id| id != "b");
        assert_eq!(cache.len(), 1);
        assert!(cache.lookup("c", &key("t")).is_some());
    }
}
