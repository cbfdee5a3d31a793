//! `--sandbox`: which launcher confines the agent processes of one `peers` invocation. `native`
//! wraps every call with `peers_sandbox::confine` (namespaces, a private root, Landlock,
//! seccomp; loopback-only network) after a probe proved the kernel can build the sandbox here;
//! `podman` runs each call in a throwaway container (`crate::sandbox_podman`); `none` runs
//! them on the host and says so. A sandbox that cannot be built refuses the run or
//! the call: nothing falls back to running unconfined.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use peers_agent::{LaunchCall, LaunchError, Launcher};
use peers_process::{CommandSpec, Ending, Observed, Observer, Watch, run_observed};
use peers_proxy::AllowList;
use peers_sandbox::{Network, Policy, SYSTEM_DIRS};

use crate::error::{CliError, CliResult};

/// How agent processes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxChoice {
    /// Confined: user/mount/pid/net namespaces, a private root with the repository read-write
    /// (`.git/config`, `.git/hooks` and `.peers/` read-only), private HOME and /tmp, Landlock,
    /// seccomp, loopback-only network.
    Native,
    /// In a throwaway podman container per call (`--container` is the same): the same view
    /// as native, `--network=none`, cap-drop ALL, read-only root, seccomp, pids/memory limits.
    #[value(alias = "container")]
    Podman,
    /// On the host, unconfined, as the user (must be asked for; shown in the run's header).
    None,
}

impl SandboxChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Podman => "podman",
            Self::None => "none",
        }
    }
}

/// `peers info`'s line: what a run uses when `--sandbox` is not given, and whether it can.
pub fn default_line() -> (String, serde_json::Value) {
    let problem = match std::env::current_exe() {
        Ok(exe) => peers_sandbox::probe(&exe).sandbox.err(),
        Err(err) => Some(format!("cannot find the peers executable: {err}")),
    };
    match problem {
        None => (
            "sandbox: native by default (it builds here); `--sandbox none` runs agents unconfined"
                .to_owned(),
            serde_json::json!({"default": "native", "available": true}),
        ),
        Some(problem) => {
            let first = problem.lines().next().unwrap_or_default().trim().to_owned();
            (
                format!(
                    "sandbox: native cannot be built here ({first}); runs refuse to start unless `--sandbox none` (see `peers doctor`)"
                ),
                serde_json::json!({"default": "native", "available": false, "problem": first}),
            )
        }
    }
}

/// The run header's line saying how agents run.
pub fn header(choice: SandboxChoice) -> String {
    match choice {
        SandboxChoice::Native => "sandbox: native (each agent turn confined; network only through peers' proxies)".to_owned(),
        SandboxChoice::Podman => "sandbox: podman (each agent turn in a throwaway container; loopback-only network)".to_owned(),
        SandboxChoice::None => "sandbox: none (agents run on the host as you, unconfined; `--sandbox native` confines them)".to_owned(),
    }
}

/// The launcher for `choice`, around `inner` (the host launcher, perhaps recording). `native`
/// first proves the sandbox can be built on this machine; the error names what is missing.
pub fn confining(
    choice: SandboxChoice,
    inner: Arc<dyn Launcher>,
    allow_hosts: &[String],
) -> CliResult<Arc<dyn Launcher>> {
    match choice {
        SandboxChoice::None => Ok(inner),
        SandboxChoice::Native => {
            let peers_exe = std::env::current_exe().map_err(|err| {
                CliError::failed(format!(
                    "cannot find the peers executable for the sandbox: {err}"
                ))
            })?;
            let probe = peers_sandbox::probe(&peers_exe);
            if let Err(problem) = probe.sandbox {
                return Err(CliError::usage(format!(
                    "--sandbox native cannot confine agents on this machine: {problem}"
                ))
                .hint("`peers doctor` lists each kernel feature the sandbox needs and how to enable it")
                .hint("`--sandbox none` runs the agents unconfined on the host (your choice to make)"));
            }
            let allow = AllowList::parse(allow_hosts).map_err(|err| {
                CliError::usage(format!(".peers/config.yaml: sandbox.allow_hosts: {err}"))
                    .hint(err.hint())
            })?;
            Ok(Arc::new(Native {
                inner,
                peers_exe,
                allow,
            }))
        }
        SandboxChoice::Podman => {
            let peers_exe = std::env::current_exe().map_err(|err| {
                CliError::failed(format!(
                    "cannot find the peers executable for the podman helper: {err}"
                ))
            })?;
            let podman = crate::sandbox_podman::settings()?;
            crate::sandbox_podman::preflight(&podman, &peers_exe)?;
            Ok(Arc::new(crate::sandbox_podman::PodmanLauncher {
                inner,
                peers_exe,
                podman,
            }))
        }
    }
}

/// Confines each call with the native backend, then hands it to the inner launcher.
#[derive(Debug)]
struct Native {
    inner: Arc<dyn Launcher>,
    peers_exe: PathBuf,
    /// Hosts the egress proxy tunnels to (`sandbox.allow_hosts`).
    allow: AllowList,
}

/// Characters of stderr's end read for the helper's list of what was left running (it lists
/// at most 32 processes of at most 200 characters each).
const LEFT_TAIL: usize = 16 * 1024;

fn refused(reason: String) -> LaunchError {
    LaunchError::Refused {
        launcher: "native sandbox",
        reason,
        hint: "`peers doctor` checks the sandbox; `--sandbox none` runs agents unconfined"
            .to_owned(),
    }
}

impl Launcher for Native {
    fn name(&self) -> &'static str {
        "native sandbox"
    }

    fn command(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
    ) -> Result<CommandSpec, LaunchError> {
        let spec = resolve_dot_dot(spec);
        let policy = policy_for(&spec, call).map_err(refused)?;
        let confined = peers_sandbox::confine(&spec, &policy, &self.peers_exe)
            .map_err(|err| refused(err.to_string()))?;
        self.inner.command(confined, call)
    }

    /// Runs the call confined with its network: the listeners its helper hands over are
    /// served (egress and model-API proxies) until the call ends.
    fn launch(
        &self,
        spec: CommandSpec,
        call: &LaunchCall<'_>,
        watch: &Watch,
        observer: &mut dyn Observer,
    ) -> Result<Observed, LaunchError> {
        let mut spec = resolve_dot_dot(spec);
        let (hand_over, network) =
            crate::sandbox_network::prepare(&mut spec.env, call, &self.allow).map_err(refused)?;
        let mut policy = policy_for(&spec, call).map_err(refused)?;
        policy.network = Network::HandOver(hand_over);
        let confined = peers_sandbox::confine(&spec, &policy, &self.peers_exe)
            .map_err(|err| refused(err.to_string()))?;
        let confined = self.inner.command(confined, call)?;
        let served = network.serve();
        let observed = run_observed(&confined, watch, observer);
        served.finish();
        let mut observed = observed?;
        if observed.ending == Ending::Exited && watch.sweep_descendants {
            // The pid namespace died with the command; its helper said what was still running.
            let said = peers_sandbox::left_running(&observed.outcome.stderr.tail_lossy(LEFT_TAIL));
            observed.left_running.extend(said);
        }
        Ok(observed)
    }
}

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
/// system directories — never HOME itself or a directory above it — and the files its
/// arguments name by absolute path.
pub(crate) fn policy_for(spec: &CommandSpec, call: &LaunchCall<'_>) -> Result<Policy, String> {
    let repo = call.repo;
    let scratch = repo.join(".git").join("peers-scratch").join("sandbox");
    std::fs::create_dir_all(&scratch).map_err(|err| {
        format!(
            "cannot create the sandbox's scratch {}: {err}",
            scratch.display()
        )
    })?;
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
            if dir.is_dir() && bindable(&dir, &home, repo) && !policy.read_only.contains(&dir) {
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
            && bindable(&dir, &home, repo)
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
        if !target.is_file() || !bindable(target, &home, repo) {
            continue;
        }
        for path in steps.iter().filter(|step| step.is_dir()).chain([target]) {
            if bindable(path, &home, repo) && !policy.read_only.contains(path) {
                policy.read_only.push(path.clone());
            }
        }
    }
    if repo.join(".peers").is_dir() {
        policy.protected.push(PathBuf::from(".peers"));
    }
    Ok(policy)
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
