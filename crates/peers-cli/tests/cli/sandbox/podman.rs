//! The podman backend's test settings (a local root, peers' containers.conf) and whether
//! podman is here, plus what only podman has: the container is removed when the helper is
//! told to stop or when its parent (peers) dies, and a run with `--sandbox podman` completes.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use peers_sandbox::{Podman, Root};

/// Whether podman runs containers here. Absent podman skips with a message, except under
/// CI=true, where it fails: CI installs podman (.ci/setup.d/30-podman.sh).
pub fn available() -> bool {
    static PROBE: OnceLock<Result<(), peers_sandbox::ProbeError>> = OnceLock::new();
    let result = PROBE.get_or_init(|| {
        let probe = peers_sandbox::probe_podman(&settings(), std::path::Path::new(super::PEERS));
        match (&probe.version, &probe.container) {
            (Err(absent), _) => Err(absent.clone()),
            (Ok(_), Err(broken)) => {
                panic!("podman is installed but cannot run a confined container:\n{broken}")
            }
            (Ok(_), Ok(())) => Ok(()),
        }
    });
    match result {
        Ok(()) => true,
        Err(reason) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "podman is required under CI=true (.ci/setup.d/30-podman.sh installs it): {reason}"
            )
        }
        Err(reason) => {
            eprintln!("skipped podman: podman is not installed here: {reason}");
            false
        }
    }
}

/// A directory shared by every test of this binary (the local root, containers.conf).
fn shared_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("peers-test-podman");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The settings `peers --sandbox podman` would use, with the test's own containers.conf.
pub fn settings() -> Podman {
    static CONF: OnceLock<PathBuf> = OnceLock::new();
    let conf = CONF.get_or_init(|| {
        let path = shared_dir().join("containers.conf");
        let mut text = String::from("[containers]\ndefault_ulimits = []\n\n[engine]\n");
        if std::path::Path::new("/usr/sbin/runc").exists() {
            text.push_str("runtime = \"runc\"\n");
        }
        if !std::path::Path::new("/run/systemd/system").exists() {
            text.push_str("cgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n");
        }
        std::fs::write(&path, text).expect("write containers.conf");
        path
    });
    let mut podman = Podman::new(Root::Local(shared_dir().join("rootfs")));
    podman.containers_conf = Some(conf.clone());
    podman
}

/// Starts `sleep <marker>` (and a setsid one) in a podman turn under `sh`, which plays peers:
/// returns the `sh` child and the container's name once both sleepers run.
fn start_sleeping_turn(turn: &super::Turn, marker: &str) -> (std::process::Child, String) {
    let mut spec = peers_process::CommandSpec::new("/bin/sh", &turn.repo);
    spec.args = vec![
        "-c".into(),
        format!("setsid sleep {marker} & sleep {marker}").into(),
    ];
    spec.env = vec![("PATH".into(), super::PATH.into())];
    let confined = turn.confine(&spec);
    let request: serde_json::Value =
        serde_json::from_str(&confined.args[2].to_string_lossy()).expect("request");
    let name = request["name"].as_str().expect("name").to_owned();
    // `exec` would make sh the helper itself; `& wait` keeps sh as the helper's parent.
    let parent = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg("\"$@\" & wait")
        .arg("sh")
        .arg(&confined.program)
        .args(&confined.args)
        .current_dir(&confined.cwd)
        .env_clear()
        .envs(confined.env.iter().map(|(key, value)| (key, value)))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn the helper under sh");
    let deadline = Instant::now() + Duration::from_secs(60);
    while super::sleepers(marker).len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        super::sleepers(marker).len(),
        2,
        "the sleepers never started"
    );
    (parent, name)
}

/// Waits up to 20 s for the sleepers and the container to be gone; returns what is left.
fn leftovers(marker: &str, name: &str) -> (Vec<String>, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let sleepers = super::sleepers(marker);
        let containers = containers_named(name);
        if (sleepers.is_empty() && containers.is_empty()) || Instant::now() > deadline {
            return (sleepers, containers);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn containers_named(name: &str) -> String {
    let podman = settings();
    let out = std::process::Command::new(&podman.program)
        .args([
            "ps",
            "--all",
            "--quiet",
            "--filter",
            &format!("name={name}"),
        ])
        .env("CONTAINERS_CONF", podman.containers_conf.expect("conf"))
        .output()
        .expect("podman ps");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn peers_dying_mid_turn_removes_the_container_and_everything_in_it() {
    if !available() {
        return;
    }
    let turn = super::Turn::new(super::Backend::Podman);
    let marker = "2933.5";
    let (mut parent, name) = start_sleeping_turn(&turn, marker);
    parent.kill().expect("SIGKILL the helper's parent");
    let _ = parent.wait();
    let (sleepers, containers) = leftovers(marker, &name);
    assert!(sleepers.is_empty(), "outlived peers: {sleepers:?}");
    assert!(containers.is_empty(), "container {name} left: {containers}");
}

#[test]
fn a_turn_timeout_removes_the_container() {
    if !available() {
        return;
    }
    let turn = super::Turn::new(super::Backend::Podman);
    let marker = "2934.5";
    let mut spec = peers_process::CommandSpec::new("/bin/sh", &turn.repo);
    spec.args = vec![
        "-c".into(),
        format!("setsid sleep {marker} & sleep {marker}").into(),
    ];
    spec.env = vec![("PATH".into(), super::PATH.into())];
    spec.timeout = Some(Duration::from_secs(8));
    let confined = turn.confine(&spec);
    let request: serde_json::Value =
        serde_json::from_str(&confined.args[2].to_string_lossy()).expect("request");
    let name = request["name"].as_str().expect("name").to_owned();
    let started = Instant::now();
    let outcome = peers_process::run(&confined).expect("run");
    assert!(outcome.timed_out, "{}", super::text(&outcome));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let (sleepers, containers) = leftovers(marker, &name);
    assert!(sleepers.is_empty(), "outlived the timeout: {sleepers:?}");
    assert!(containers.is_empty(), "container {name} left: {containers}");
}

/// A test image, removed on drop.
struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::process::Command::new(settings().program)
            .args(["rmi", "--force", &self.0])
            .env(
                "CONTAINERS_CONF",
                settings().containers_conf.unwrap_or_default(),
            )
            .output();
    }
}

/// Imports an empty image labelled `io.peers.version=<version>` (no label when `None`).
fn drift_image(tag: &str, version: Option<&str>) -> Image {
    let podman = settings();
    let image = format!("localhost/peers-drift-test-{}:{tag}", std::process::id());
    let mut import = std::process::Command::new(&podman.program);
    import.arg("import");
    if let Some(version) = version {
        import.args([
            "--change",
            &format!("LABEL {}={version}", peers_sandbox::VERSION_LABEL),
        ]);
    }
    let root = tempfile::tempdir().expect("image root");
    std::fs::create_dir_all(root.path().join("usr")).expect("usr");
    let tar = std::process::Command::new("tar")
        .args(["-C", &root.path().display().to_string(), "-c", "."])
        .output()
        .expect("tar");
    let mut child = import
        .args(["-", &image])
        .env("CONTAINERS_CONF", podman.containers_conf.expect("conf"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("podman import");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&tar.stdout)
        .expect("feed the image");
    assert!(
        child.wait().expect("import").success(),
        "podman import failed"
    );
    Image(image)
}

#[test]
fn an_image_built_for_another_major_version_or_without_the_label_is_refused() {
    if !available() {
        return;
    }
    let major = drift_image("major", Some("9.0.0"));
    let unlabelled = drift_image("bare", None);
    let env = crate::test_env::TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", serde_json::json!({"turns": []})),
            ("bob", "sim", serde_json::json!({"turns": []})),
        ],
        crate::test_env::SIMPLE_GOALS,
        "",
    );
    for (Image(image), expected) in [
        (&major, "another major version"),
        (&unlabelled, "io.peers.version"),
    ] {
        let out = env
            .base_command(super::PEERS)
            .current_dir(&repo)
            .args(["run", "--max-ticks", "1", "--sandbox", "podman"])
            .env("PEERS_PODMAN_IMAGE", image)
            .output()
            .expect("peers run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{image}: {stderr}");
        assert!(env.ticks(&repo).is_empty(), "a turn ran: {stderr}");
    }
}
