//! Names and labels of a run's Kubernetes objects. A project name may hold '_', '.' and capitals;
//! object names must be DNS labels, so the run id is the name made safe plus a short digest of
//! the original whenever making it safe changed it (two projects never share objects).

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGER: &str = "peers-ctl";
pub const RUN: &str = "peers.dev/run";
pub const ROLE: &str = "peers.dev/role";
pub const GENERATION: &str = "peers.dev/generation";
/// Annotation on the anchor: `running` or `stopped`, what the user asked for last.
pub const DESIRED: &str = "peers.dev/desired";
/// Annotation on the anchor: the last stop reason copied from a termination message.
pub const LAST_STOP: &str = "peers.dev/last-stop";
pub const QUEUE: &str = "kueue.x-k8s.io/queue-name";
/// The label selector every list and watch of peers-ctl uses.
pub const SELECTOR: &str = "app.kubernetes.io/managed-by=peers-ctl";

/// Longest run id: leaves room for `peers-` and `-<generation>` within 63 characters.
const RUN_ID_MAX: usize = 40;

/// The run id of project `name`: a DNS label, distinct for distinct names.
pub fn run_id(name: &str) -> String {
    let mut safe: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    let changed = safe != name || safe.len() > RUN_ID_MAX || safe.starts_with('-');
    if !changed && !safe.ends_with('-') {
        return safe;
    }
    let digest = Sha256::digest(name.as_bytes());
    let tag: String = digest[..3].iter().map(|b| format!("{b:02x}")).collect();
    safe.truncate(RUN_ID_MAX - tag.len() - 1);
    let trimmed = safe.trim_matches('-');
    if trimmed.is_empty() {
        format!("r-{tag}")
    } else {
        format!("{trimmed}-{tag}")
    }
}

pub fn anchor(run: &str) -> String {
    format!("peers-{run}")
}

pub fn volume(run: &str) -> String {
    format!("peers-{run}-work")
}

pub fn job(run: &str, generation: u64) -> String {
    format!("peers-{run}-{generation}")
}

/// The namespace-wide NetworkPolicy selecting every run's pods.
pub const NETWORK_POLICY: &str = "peers-runs";
/// The egress gateway Service (an allow-list HTTP CONNECT proxy) and its port.
pub const EGRESS_SERVICE: &str = "peers-egress";
pub const EGRESS_PORT: i32 = 3128;

/// The labels every object of run `run` carries.
pub fn labels(run: &str, role: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY.to_owned(), MANAGER.to_owned()),
        (RUN.to_owned(), run.to_owned()),
        (ROLE.to_owned(), role.to_owned()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_dns_labels_and_distinct() {
        let names = [
            "demo",
            "Demo",
            "de_mo",
            "de.mo",
            "-x",
            "a".repeat(80).as_str(),
            "x-",
        ]
        .map(str::to_owned);
        let ids: Vec<String> = names.iter().map(|n| run_id(n)).collect();
        assert_eq!(ids[0], "demo");
        for id in &ids {
            assert!(id.len() <= RUN_ID_MAX, "{id}");
            assert!(!id.starts_with('-') && !id.ends_with('-'), "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id}"
            );
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
    }
}
