//! The environment every agent process starts with (loop turns, skeptic turns, review rounds):
//! nothing inherited by default, only the allowlist (what a CLI needs to find itself, its login
//! and its proxy), the names the peer's `env:` key adds, plus the tool's own overrides.

use std::ffi::OsString;
use std::os::unix::fs::FileTypeExt;

use peers_core::git_env::NO_GLOBAL_GIT_CONFIG;

use crate::adapter::command::PeerCommand;

use crate::env_allowlist::allowed;

/// Settings every git the peer runs receives through `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`:
/// no automatic maintenance, so a peer's `git commit` never leaves a detached
/// `git maintenance run --auto` (or `git gc --auto`) behind that would read as the peer's
/// leftover process and leave `.git/gc.pid` when swept.
pub const PEER_GIT_CONFIG: &[(&str, &str)] = &[("gc.auto", "0"), ("maintenance.auto", "false")];

/// The complete environment for one peer: the allowlist and the `extra` names (the peer's
/// `env:` key) from `parent`, then the tool's overrides (`$NAME` values read from `parent`),
/// then `PEERS_PEER_NAME`.
pub fn peer_environment(
    parent: impl Iterator<Item = (OsString, OsString)>,
    command: &PeerCommand,
    extra: &[String],
    peer: &str,
) -> Vec<(OsString, OsString)> {
    let parent: Vec<(OsString, OsString)> = parent.collect();
    let lookup = |name: &str| {
        parent
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut env: Vec<(OsString, OsString)> = parent
        .iter()
        .filter(|(k, _)| {
            k.to_str()
                .is_some_and(|k| allowed(k) || extra.iter().any(|e| e == k))
        })
        .cloned()
        .collect();
    for (key, value) in &command.env {
        let resolved = match value.strip_prefix('$') {
            Some(var) => lookup(var).unwrap_or_default(),
            None => OsString::from(value),
        };
        env.retain(|(k, _)| k != key.as_str());
        env.push((OsString::from(key), resolved));
    }
    env.retain(|(k, _)| k != "PEERS_PEER_NAME");
    env.push((OsString::from("PEERS_PEER_NAME"), OsString::from(peer)));
    push_git_config(&mut env);
    keep_devices_unwritable(&mut env);
    env
}

/// A `GIT_CONFIG_GLOBAL` naming a device (CI setups often say `/dev/null`) becomes
/// [`NO_GLOBAL_GIT_CONFIG`]: the peer's `git config --global` would otherwise rename its lock
/// file over the device, and a peer running as root would replace the machine's `/dev/null`.
fn keep_devices_unwritable(env: &mut [(OsString, OsString)]) {
    for (key, value) in env.iter_mut() {
        let is_device = std::fs::metadata(&*value).is_ok_and(|m| {
            let kind = m.file_type();
            kind.is_char_device() || kind.is_block_device()
        });
        if key == "GIT_CONFIG_GLOBAL" && is_device {
            *value = OsString::from(NO_GLOBAL_GIT_CONFIG);
        }
    }
}

/// Replace any `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n` with `PEER_GIT_CONFIG`.
fn push_git_config(env: &mut Vec<(OsString, OsString)>) {
    env.retain(|(k, _)| {
        let name = k.to_string_lossy();
        name != "GIT_CONFIG_COUNT"
            && !name.starts_with("GIT_CONFIG_KEY_")
            && !name.starts_with("GIT_CONFIG_VALUE_")
    });
    env.push((
        OsString::from("GIT_CONFIG_COUNT"),
        OsString::from(PEER_GIT_CONFIG.len().to_string()),
    ));
    for (index, (key, value)) in PEER_GIT_CONFIG.iter().enumerate() {
        env.push((format!("GIT_CONFIG_KEY_{index}").into(), (*key).into()));
        env.push((format!("GIT_CONFIG_VALUE_{index}").into(), (*value).into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    #[test]
    fn only_allowlisted_variables_reach_the_peer() {
        let parent = os(&[
            ("PATH", "/bin"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
            ("ANTHROPIC_API_KEY", "k"),
            ("LC_ALL", "C"),
        ]);
        let env = peer_environment(
            parent.into_iter(),
            &PeerCommand {
                argv: vec![],
                env: vec![],
                notes: vec![],
            },
            &[],
            "a",
        );
        let names: Vec<_> = env
            .iter()
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "PATH",
                "ANTHROPIC_API_KEY",
                "LC_ALL",
                "PEERS_PEER_NAME",
                "GIT_CONFIG_COUNT",
                "GIT_CONFIG_KEY_0",
                "GIT_CONFIG_VALUE_0",
                "GIT_CONFIG_KEY_1",
                "GIT_CONFIG_VALUE_1",
            ]
        );
    }

    #[test]
    fn the_peers_env_key_passes_named_variables_and_only_those() {
        let parent = os(&[("MY_PROVIDER_KEY", "k"), ("OTHER_SECRET", "x")]);
        let command = PeerCommand {
            argv: vec![],
            env: vec![],
            notes: vec![],
        };
        let env = peer_environment(
            parent.into_iter(),
            &command,
            &["MY_PROVIDER_KEY".to_owned()],
            "a",
        );
        // `GIT_CONFIG_*` are peers' own settings (`PEER_GIT_CONFIG`), not passed through.
        let names: Vec<_> = env
            .iter()
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .filter(|name| !name.starts_with("GIT_CONFIG_"))
            .collect();
        assert_eq!(names, ["MY_PROVIDER_KEY", "PEERS_PEER_NAME"]);
    }

    #[test]
    fn overrides_resolve_dollar_names_from_the_parent() {
        let parent = os(&[
            ("OPENROUTER_API_KEY", "or-key"),
            ("ANTHROPIC_API_KEY", "real"),
        ]);
        let command = PeerCommand {
            argv: vec![],
            env: vec![
                ("ANTHROPIC_AUTH_TOKEN".into(), "$OPENROUTER_API_KEY".into()),
                ("ANTHROPIC_API_KEY".into(), String::new()),
            ],
            notes: vec![],
        };
        let env = peer_environment(parent.into_iter(), &command, &[], "a");
        let get = |n: &str| {
            env.iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.to_string_lossy().into_owned())
        };
        assert_eq!(get("ANTHROPIC_AUTH_TOKEN").as_deref(), Some("or-key"));
        assert_eq!(get("ANTHROPIC_API_KEY").as_deref(), Some(""));
    }

    #[test]
    fn a_global_git_config_naming_a_device_never_reaches_the_peer() {
        let command = PeerCommand {
            argv: vec![],
            env: vec![],
            notes: vec![],
        };
        let env = peer_environment(
            os(&[("GIT_CONFIG_GLOBAL", "/dev/null")]).into_iter(),
            &command,
            &[],
            "alice",
        );
        let global: Vec<_> = env
            .iter()
            .filter(|(k, _)| k == "GIT_CONFIG_GLOBAL")
            .collect();
        assert_eq!(global.len(), 1);
        assert_eq!(global[0].1, NO_GLOBAL_GIT_CONFIG);
        // A file path, present or not, is the user's own choice and passes unchanged.
        let env = peer_environment(
            os(&[("GIT_CONFIG_GLOBAL", "/home/u/.config/git/ci")]).into_iter(),
            &command,
            &[],
            "alice",
        );
        assert!(
            env.iter()
                .any(|(k, v)| k == "GIT_CONFIG_GLOBAL" && v == "/home/u/.config/git/ci")
        );
    }
}
