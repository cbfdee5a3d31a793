//! Tests of the podman command line: hardening flags, git protections, symlink refusals.

use super::*;
use crate::podman::{Podman, PodmanLimits};
use crate::policy::Policy;

fn request(repo: &Path, root: Root) -> PodmanRequest {
    let scratch = repo.parent().unwrap().join("scratch");
    PodmanRequest {
        policy: Policy::new(repo, scratch, "/home/agent"),
        cwd: repo.to_path_buf(),
        podman: Podman {
            limits: PodmanLimits {
                pids: 64,
                memory_mib: 512,
            },
            ..Podman::new(root)
        },
        name: "peers-test".into(),
        env_keys: vec!["PATH".into()],
        timeout_secs: Some(120),
        peers_exe: "/opt/peers/bin/peers".into(),
        stdin: false,
    }
}

fn git_repo(dir: &Path) -> PathBuf {
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join(".git/hooks")).unwrap();
    std::fs::write(repo.join(".git/config"), "").unwrap();
    repo
}

fn joined(args: &[OsString]) -> String {
    args.iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_command_line_carries_every_hardening_flag() {
    let temp = tempfile::tempdir().unwrap();
    let repo = git_repo(temp.path());
    let request = request(&repo, Root::Local("/var/cache/peers-rootfs".into()));
    let args = run_args(
        &request,
        Path::new("/run/p/seccomp.json"),
        &"claude".into(),
        &["-p".into()],
        1000,
        1000,
        true,
    )
    .unwrap();
    let line = joined(&args);
    for flag in [
        "--rm",
        "--network=none",
        "--cap-drop=all",
        "--security-opt=no-new-privileges",
        "--read-only",
        "--init",
        "--security-opt seccomp=/run/p/seccomp.json",
        "--pids-limit 64",
        "--memory 512m",
        "--memory-swap 512m",
        "--timeout 120",
        "--userns keep-id",
        "--user 1000:1000",
        "/home/agent:rw,nosuid,nodev,mode=0700,size=1g,U",
        "/tmp:rw,nosuid,nodev,mode=1777,size=2g,U",
        "--env PATH",
        "--rootfs /var/cache/peers-rootfs /run/peers/peers __podman-init -- claude -p",
        "--volume /opt/peers/bin/peers:/run/peers/peers:ro",
        "--volume /usr:/usr:ro,nosuid",
    ] {
        assert!(line.contains(flag), "missing `{flag}` in {line}");
    }
    let repo_text = repo.display().to_string();
    for mount in [
        format!("{repo_text}:{repo_text}:rw"),
        format!("{repo_text}/.git:{repo_text}/.git:rw"),
        format!("{repo_text}/.git/config:{repo_text}/.git/config:ro"),
        format!("{repo_text}/.git/hooks:{repo_text}/.git/hooks:ro"),
    ] {
        assert!(line.contains(&mount), "missing `{mount}` in {line}");
    }
    // Parents are mounted before children: the pinned .git before its read-only config.
    let position = |needle: &str| line.find(needle).unwrap();
    assert!(
        position(&format!("{repo_text}/.git:")) < position(&format!("{repo_text}/.git/config:"))
    );
}

#[test]
fn stdin_is_forwarded_only_when_the_command_reads_bytes() {
    let temp = tempfile::tempdir().unwrap();
    let repo = git_repo(temp.path());
    let mut request = request(&repo, Root::Local("/var/cache/peers-rootfs".into()));
    let args = |request: &PodmanRequest| {
        run_args(
            request,
            Path::new("/p.json"),
            &"cat".into(),
            &[],
            1000,
            1000,
            true,
        )
        .unwrap()
    };
    let interactive = |args: &[OsString]| {
        args.iter()
            .filter(|arg| *arg == "--interactive" || *arg == "-i" || *arg == "--tty")
            .count()
    };
    assert_eq!(interactive(&args(&request)), 0, "stdin null: kept closed");
    request.stdin = true;
    let with_stdin = args(&request);
    assert_eq!(interactive(&with_stdin), 1, "{}", joined(&with_stdin));
    // A podman option: before the root and the init, never among the command's arguments.
    let at = |needle: &str| with_stdin.iter().position(|arg| arg == needle).unwrap();
    assert!(
        at("--interactive") < at("--rootfs"),
        "{}",
        joined(&with_stdin)
    );
}

#[test]
fn root_runs_without_keep_id_and_an_image_is_never_pulled() {
    let temp = tempfile::tempdir().unwrap();
    let repo = git_repo(temp.path());
    let request = request(&repo, Root::Image("localhost/peers-agent:0.1".into()));
    let line = joined(
        &run_args(
            &request,
            Path::new("/p.json"),
            &"sh".into(),
            &[],
            0,
            0,
            false,
        )
        .unwrap(),
    );
    assert!(
        !line.contains("--pids-limit") && !line.contains("--memory"),
        "{line}"
    );
    assert!(!line.contains("keep-id"), "{line}");
    assert!(
        line.contains(
            "--pull=never localhost/peers-agent:0.1 /run/peers/peers __podman-init -- sh"
        ),
        "{line}"
    );
    assert!(
        !line.contains("/usr:/usr"),
        "an image brings its own system: {line}"
    );
}

#[test]
fn submodule_and_worktree_git_dirs_are_protected_too() {
    let temp = tempfile::tempdir().unwrap();
    let repo = git_repo(temp.path());
    let module = repo.join(".git/modules/lib");
    std::fs::create_dir_all(module.join("hooks")).unwrap();
    std::fs::write(module.join("config"), "").unwrap();
    let linked = repo.join(".git/worktrees/feature");
    std::fs::create_dir_all(&linked).unwrap();
    std::fs::write(linked.join("config.worktree"), "").unwrap();
    let mounts = git_mounts(&repo).unwrap();
    for path in [
        module.join("config"),
        module.join("hooks"),
        linked.join("config.worktree"),
    ] {
        assert!(
            mounts.contains(&(path.clone(), "ro")),
            "{path:?} in {mounts:?}"
        );
    }
}

#[test]
fn a_linked_worktree_gets_its_common_git_dir_and_a_read_only_dot_git_file() {
    let temp = tempfile::tempdir().unwrap();
    let main = git_repo(temp.path());
    let gitdir = main.join(".git/worktrees/wt");
    std::fs::create_dir_all(&gitdir).unwrap();
    std::fs::write(gitdir.join("commondir"), "../..\n").unwrap();
    let worktree = temp.path().join("wt");
    std::fs::create_dir_all(&worktree).unwrap();
    std::fs::write(
        worktree.join(".git"),
        format!("gitdir: {}\n", gitdir.display()),
    )
    .unwrap();
    let mounts = git_mounts(&worktree).unwrap();
    let common = main.join(".git").canonicalize().unwrap();
    assert!(
        mounts.contains(&(worktree.join(".git"), "ro")),
        "{mounts:?}"
    );
    assert!(mounts.contains(&(common.clone(), "rw")), "{mounts:?}");
    assert!(
        mounts.contains(&(common.join("config"), "ro")),
        "{mounts:?}"
    );
    assert!(mounts.contains(&(common.join("hooks"), "ro")), "{mounts:?}");
}

#[test]
fn a_planted_symlink_is_refused_instead_of_bound() {
    let temp = tempfile::tempdir().unwrap();
    let repo = git_repo(temp.path());
    let secrets = temp.path().join("ssh");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::remove_dir(repo.join(".git/hooks")).unwrap();
    std::os::unix::fs::symlink(&secrets, repo.join(".git/hooks")).unwrap();
    let err = git_mounts(&repo).unwrap_err();
    assert!(
        err.to_string().contains("symlink") || format!("{err:?}").contains("symlink"),
        "{err:?}"
    );
}

#[test]
fn a_path_podman_would_misparse_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let repo = git_repo(&temp.path().join("a:b"));
    let request = request(&repo, Root::Image("x".into()));
    let err = run_args(
        &request,
        Path::new("/p.json"),
        &"sh".into(),
        &[],
        0,
        0,
        true,
    )
    .unwrap_err();
    assert!(
        matches!(err, SandboxError::BadPolicy { field: "mount", .. }),
        "{err:?}"
    );
}

#[test]
fn a_hand_over_binds_the_sockets_directory_and_tells_the_init_the_ports() {
    let temp = tempfile::tempdir().unwrap();
    let repo = git_repo(temp.path());
    let mut request = request(&repo, Root::Image("x".into()));
    request.policy.network = Network::HandOver(crate::HandOver {
        socket: "/tmp/peers-handover-0/handover-x1/socket".into(),
        ports: vec![3128, 3129],
    });
    let args = run_args(
        &request,
        Path::new("/p.json"),
        &"sh".into(),
        &["-c".into(), "true".into()],
        0,
        0,
        true,
    )
    .unwrap();
    let line = joined(&args);
    assert!(
        line.contains("--volume /tmp/peers-handover-0/handover-x1:/run/peers/handover:rw"),
        "{line}"
    );
    assert!(line.contains("--network=none"), "{line}");
    let at = args
        .iter()
        .position(|arg| arg == PODMAN_INIT_SUBCOMMAND)
        .unwrap();
    let init = crate::podman::init::parse(&args[at + 1..]).unwrap();
    assert_eq!(
        init.socket,
        Some(PathBuf::from("/run/peers/handover/socket"))
    );
    assert_eq!(init.ports, vec![3128, 3129]);
    assert_eq!(init.program, OsString::from("sh"));
    assert_eq!(
        init.args,
        vec![OsString::from("-c"), OsString::from("true")]
    );
}
