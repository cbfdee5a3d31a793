//! The registry under concurrency and `doctor`: concurrent peers-ctl invocations serialise (no
//! registration lost), and doctor names the projects root and exits non-zero on a problem.

use crate::ctl::env::CtlEnv;

#[test]
fn concurrent_adds_all_land_in_the_registry() {
    let env = CtlEnv::new();
    let dirs: Vec<_> = (0..12)
        .map(|i| {
            let dir = env.root().join(format!("repo{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            dir
        })
        .collect();
    let children: Vec<_> = dirs
        .iter()
        .enumerate()
        .map(|(i, dir)| {
            env.command(std::path::Path::new(env!("CARGO_BIN_EXE_peers-ctl")))
                .args(["add", dir.to_str().unwrap(), "--name", &format!("p{i}")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let registry = env.registry();
    assert_eq!(
        registry["projects"].as_array().unwrap().len(),
        12,
        "{registry:#}"
    );
}

#[test]
fn add_refuses_a_duplicate_name_and_remove_keeps_the_files() {
    let env = CtlEnv::new();
    let dir = env.root().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    env.ok(&["add", dir.to_str().unwrap(), "--name", "one"]);
    let other = env.root().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let out = env.ctl(&["add", other.to_str().unwrap(), "--name", "one"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    env.ok(&["remove", "one"]);
    assert!(dir.is_dir());
    assert!(env.ok(&["list"]).stdout.contains("no projects"));
}

#[test]
fn doctor_names_the_projects_root_and_fails_on_a_missing_project() {
    let env = CtlEnv::new();
    let doctor = env.ok(&["doctor", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&doctor.stdout).unwrap();
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(
        report["projects_root"],
        env.projects_root().to_str().unwrap()
    );
    let dir = env.root().join("gone");
    std::fs::create_dir_all(&dir).unwrap();
    env.ok(&["add", dir.to_str().unwrap()]);
    std::fs::remove_dir(&dir).unwrap();
    let doctor = env.ctl(&["doctor"]);
    assert_eq!(doctor.code, 1, "{}", doctor.combined());
    assert!(
        doctor.stdout.contains("[FAIL]") && doctor.stdout.contains("gone"),
        "{}",
        doctor.stdout
    );
}
