//! What one confined call sees, the same for the native and the podman backends: its
//! repository with `.peers/` and the git control files read-only, a scratch directory, a
//! private HOME, and read-only the tool directories its `PATH` and arguments name.

use std::path::{Path, PathBuf};

use peers_agent::LaunchCall;
use peers_process::CommandSpec;
use peers_sandbox::{Policy, SYSTEM_DIRS};

/// The program and the argument files named by an absolute path with `..` in it, made
/// canonical: only the directories the policy binds exist inside a sandbox, so a path that
/// climbs through another one (`/x/cli/../review/script.sh`) would not resolve there.
pub(crate) fn resolve_dot_dot(mut spec: CommandSpec) -> CommandSpec {
    let resolve = |value: &mut std::ffi::OsString| {
        let path = Path::new(value.as_os_str());
        let climbs = path
            .components()
            .any(|part| matches!(part, std::path::Component::ParentDir));
        if path.is_absolute() && climbs {
            if let Ok(canonical) = path.canonicalize() {
                *value = canonical.into_os_string();
            }
        }
    };
    resolve(&mut spec.program);
    spec.args.iter_mut().for_each(resolve);
    spec
}

/// What one call sees: its repository (with `.peers/` read-only), a scratch directory under
/// the repository's `.git/peers-scratch/`, an empty private HOME at the path of its `HOME`,
/// and read-only the directories of its `PATH` (and of its program) that lie outside the
/// system directories — never HOME itself or a directory above it, nor peers' own cache
/// ([`peers_cache_dir`]) or a directory above it — and the files its arguments name by
/// absolute path.
pub(crate) fn policy_for(
    spec: &CommandSpec,
    call: &LaunchCall<'_>,
) -> Result<Policy, ScratchError> {
    policy_hiding(spec, call, &peers_cache_dir())
}

/// peers' own cache directory: `$XDG_CACHE_HOME/peers`, else `~/.cache/peers` (the temp
/// directory's `peers` when neither is set). The podman backend keeps its local root and its
/// containers.conf there: a sandbox that could write them would set up the next turn's
/// container, so no sandbox sees it.
pub(crate) fn peers_cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("peers")
}

/// [`policy_for`] with peers' own cache at `own_cache`: never bound, nor any directory
/// holding it (an agent's `XDG_CACHE_HOME` outside HOME is the usual one).
fn policy_hiding(
    spec: &CommandSpec,
    call: &LaunchCall<'_>,
    own_cache: &Path,
) -> Result<Policy, ScratchError> {
    let repo = call.repo;
    let scratch = repo.join(".git").join("peers-scratch").join("sandbox");
    if let Err(source) = std::fs::create_dir_all(&scratch) {
        return Err(ScratchError {
            path: scratch,
            source,
        });
    }
    let env = |name: &str| {
        spec.env
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| PathBuf::from(value))
    };
    let home = env("HOME")
        .filter(|home| home.is_absolute() && home.parent().is_some())
        .unwrap_or_else(|| PathBuf::from("/tmp/peers-home"));
    let mut policy = Policy::new(repo, scratch, &home);
    let bindable = |dir: &Path| {
        bindable(dir, &home, repo) && !own_cache.starts_with(dir) && !dir.starts_with(own_cache)
    };
    let program = PathBuf::from(&spec.program);
    let program_dir = program
        .is_absolute()
        .then(|| program.parent().map(Path::to_path_buf))
        .flatten();
    let path_dirs = env("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    for dir in program_dir.into_iter().chain(path_dirs) {
        // An npm install's `node_modules/.bin` holds symlinks into its packages: show them.
        let packages = dir
            .ends_with("node_modules/.bin")
            .then(|| dir.parent().map(Path::to_path_buf))
            .flatten();
        for dir in [Some(dir), packages]
            .into_iter()
            .flatten()
            .flat_map(|dir| spelled(&dir))
        {
            if dir.is_dir() && bindable(&dir) && !policy.read_only.contains(&dir) {
                policy.read_only.push(dir);
            }
        }
    }
    // The CLI's own config and state directories when they are named and lie outside HOME
    // (inside HOME they would be the user's, with the user's logins: never shown).
    for name in CLI_STATE_VARIABLES {
        let Some(dir) = env(name) else { continue };
        if dir.is_dir()
            && !dir.starts_with(&home)
            && !SHARED_TEMP.iter().any(|temp| dir == Path::new(temp))
            && bindable(&dir)
            && !policy.writable.contains(&dir)
        {
            policy.writable.push(dir);
        }
    }
    // Files the configured command names by absolute path (a script, a config file) are
    // shown read-only: the user put them on the command line.
    for path in spec.args.iter().map(PathBuf::from) {
        let spellings = spelled(&path);
        let Some((target, steps)) = spellings.split_last() else {
            continue;
        };
        if !target.is_file() || !bindable(target) {
            continue;
        }
        for path in steps.iter().filter(|step| step.is_dir()).chain([target]) {
            if bindable(path) && !policy.read_only.contains(path) {
                policy.read_only.push(path.clone());
            }
        }
    }
    if repo.join(".peers").is_dir() {
        policy.protected.push(PathBuf::from(".peers"));
    }
    Ok(policy)
}

/// The call's scratch directory could not be made, so it cannot be confined.
#[derive(Debug, thiserror::Error)]
#[error("cannot create the sandbox's scratch {}: {source}", path.display())]
pub(crate) struct ScratchError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// What must be visible for `path` to resolve inside as on the host: the path itself, or,
/// when it climbs with `..` (`/a/b/../c`), each directory it climbs out of (`/a/b`) and the
/// directory it lands in (`/a/c`), last. Empty for a relative path.
fn spelled(path: &Path) -> Vec<PathBuf> {
    if !path.is_absolute() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut current = PathBuf::from("/");
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                if !out.contains(&current) {
                    out.push(current.clone());
                }
                current.pop();
            }
            std::path::Component::Normal(part) => current.push(part),
            _ => {}
        }
    }
    out.retain(|climbed| climbed.parent().is_some());
    out.push(current);
    out
}

/// Variables naming an agent CLI's own config, state or temporary directory.
const CLI_STATE_VARIABLES: &[&str] = &[
    "CLAUDE_CONFIG_DIR",
    "CODEX_HOME",
    "GEMINI_CLI_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_STATE_HOME",
    "TMPDIR",
];

/// Shared temporary directories: never bound (the sandbox has its own `/tmp`).
const SHARED_TEMP: &[&str] = &["/tmp", "/var/tmp", "/dev/shm"];

/// Where peers keeps a call's runtime files (the hand-over socket): the host's `/tmp`, one of
/// [`SHARED_TEMP`], so no sandbox sees them, whatever the agent's `TMPDIR`.
pub(crate) const PRIVATE_RUNTIME: &str = "/tmp";

/// A path worth binding read-only: absolute, not already visible (system directories, the
/// repository), and not HOME, above HOME or `/` (that would show the user's files and
/// credentials).
fn bindable(dir: &Path, home: &Path, repo: &Path) -> bool {
    dir.is_absolute()
        && dir.parent().is_some()
        && !home.starts_with(dir)
        && !dir.starts_with(repo)
        && !SYSTEM_DIRS.iter().any(|system| dir.starts_with(system))
}

#[cfg(test)]
mod tests {
    use super::*;
    use peers_agent::CallKind;
    use peers_core::config::ToolKind;

    /// Regression: with `XDG_CACHE_HOME` outside HOME, the podman backend's local root and
    /// containers.conf (under `$XDG_CACHE_HOME/peers`) were bound read-write into every
    /// container, so an agent could rewrite the next turn's containers.conf.
    #[test]
    fn peers_own_cache_and_every_directory_holding_it_stay_hidden() {
        let temp = tempfile::tempdir().unwrap();
        let repo = temp.path().join("repo");
        let cache = temp.path().join("xdg/cache");
        let state = temp.path().join("xdg/state");
        let own = cache.join("peers");
        let tools = own.join("bin");
        for dir in [&repo.join(".git"), &tools, &state] {
            std::fs::create_dir_all(dir).unwrap();
        }
        let mut spec = CommandSpec::new(tools.join("agent"), &repo);
        spec.env = vec![
            ("HOME".into(), temp.path().join("home").into()),
            ("PATH".into(), tools.clone().into()),
            ("XDG_CACHE_HOME".into(), cache.into()),
            ("XDG_STATE_HOME".into(), state.clone().into()),
            ("TMPDIR".into(), own.clone().into()),
        ];
        let call = LaunchCall {
            kind: CallKind::LoopTurn,
            peer: "alice",
            tool: &ToolKind::Codex,
            repo: &repo,
        };
        let policy = policy_hiding(&spec, &call, &own).unwrap();
        assert_eq!(policy.writable, vec![state], "only the state directory");
        assert!(policy.read_only.is_empty(), "{:?}", policy.read_only);
    }

    #[test]
    fn a_call_sees_its_tools_but_never_home_or_above() {
        let temp = tempfile::tempdir().unwrap();
        let home = temp.path().join("home");
        let tools = temp.path().join("opt/tools/bin");
        let repo = temp.path().join("repo");
        for dir in [&home, &tools, &repo.join(".git"), &repo.join(".peers")] {
            std::fs::create_dir_all(dir).unwrap();
        }
        let script = temp.path().join("script.json");
        std::fs::write(&script, "{}").unwrap();
        let mut spec = CommandSpec::new(tools.join("agent"), &repo);
        spec.args = vec![
            "--script".into(),
            script.clone().into(),
            "/no/such/file".into(),
        ];
        let path = std::env::join_paths([
            tools.clone(),
            home.clone(),
            temp.path().to_path_buf(),
            "/usr/bin".into(),
        ])
        .unwrap();
        spec.env = vec![("HOME".into(), home.clone().into()), ("PATH".into(), path)];
        let call = LaunchCall {
            kind: CallKind::LoopTurn,
            peer: "alice",
            tool: &ToolKind::Claude,
            repo: &repo,
        };
        let policy = policy_for(&spec, &call).unwrap();
        assert_eq!(
            policy.read_only,
            vec![tools.clone(), script],
            "HOME and its parent are never bound"
        );
        let climbing = tools.join("../../tools/bin");
        assert_eq!(
            spelled(&climbing),
            vec![
                tools.clone(),
                tools.parent().unwrap().to_path_buf(),
                tools.clone()
            ]
        );
        assert_eq!(policy.home, home);
        assert_eq!(policy.protected, vec![PathBuf::from(".peers")]);
        assert!(
            policy.scratch.starts_with(repo.join(".git/peers-scratch")) && policy.scratch.is_dir()
        );
    }
}
