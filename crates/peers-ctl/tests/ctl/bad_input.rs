//! Bad input is refused with a clear error and nothing written: unknown names (did-you-mean),
//! a missing --spec file, a non-empty directory, an unknown mode, a corrupt registry.

use crate::ctl::env::CtlEnv;

#[test]
fn a_missing_spec_file_is_refused_and_nothing_is_created() {
    let env = CtlEnv::new();
    let out = env.ctl(&["new", "thing", "--spec", "./typo.md"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(out.stderr.contains("./typo.md"), "{}", out.stderr);
    assert!(!env.projects_root().join("thing").exists());
    assert!(!env.config_dir().join("registry.json").exists());
}

#[test]
fn an_unknown_mode_gets_a_suggestion() {
    let env = CtlEnv::new();
    let out = env.ctl(&["new", "thing", "--modes=audt"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr.contains("did you mean \"audit\""),
        "{}",
        out.stderr
    );
    assert!(!env.projects_root().join("thing").exists());
}

#[test]
fn new_into_a_non_empty_directory_needs_force() {
    let env = CtlEnv::new();
    let dir = env.projects_root().join("busy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "mine\n").unwrap();
    let out = env.ctl(&["new", "busy"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(!dir.join(".git").exists());
    let out = env.ctl(&[
        "new",
        "busy",
        "--force",
        "--spec",
        "Build a small calculator with tests.",
    ]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "mine\n"
    );
    assert!(
        std::fs::read_to_string(dir.join("SPEC.md"))
            .unwrap()
            .contains("calculator")
    );
    assert!(dir.join(".peers/config.yaml").is_file());
}

#[test]
fn peer_overrides_land_in_the_config_and_bad_ones_are_refused() {
    let env = CtlEnv::new();
    env.ok(&[
        "new",
        "tuned",
        "--peer-model",
        "claude=opus",
        "--peer-reasoning",
        "codex=high",
    ]);
    let config =
        std::fs::read_to_string(env.projects_root().join("tuned/.peers/config.yaml")).unwrap();
    assert!(config.contains("    model: \"opus\""), "{config}");
    assert!(config.contains("    reasoning: \"high\""), "{config}");
    let out = env.ctl(&["new", "other", "--peer-provider", "claude=acme"]);
    assert_eq!(out.code, 2, "{}", out.combined());
}

#[test]
fn an_unknown_project_name_gets_did_you_mean() {
    let env = CtlEnv::new();
    env.ok(&["new", "mything"]);
    for verb in ["start", "stop", "status", "logs", "review"] {
        let out = env.ctl(&[verb, "mythign"]);
        assert_eq!(out.code, 1, "{verb}: {}", out.combined());
        assert!(
            out.stderr.contains("did you mean \"mything\""),
            "{verb}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_corrupt_registry_names_the_file_and_is_not_overwritten() {
    let env = CtlEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let file = env.config_dir().join("registry.json");
    std::fs::write(&file, "{\"projects\": [oops").unwrap();
    for args in [&["list"][..], &["new", "x"], &["dashboard"]] {
        let out = env.ctl(args);
        assert_eq!(out.code, 1, "{args:?}: {}", out.combined());
        assert!(
            out.stderr.contains(&file.display().to_string()),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("hint: move it aside"), "{}", out.stderr);
    }
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\"projects\": [oops"
    );
}

#[test]
fn an_undecodable_entry_is_reported_and_kept() {
    let env = CtlEnv::new();
    env.ok(&["new", "good"]);
    let mut registry = env.registry();
    registry["projects"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "../evil", "path": "/tmp"}));
    env.write_registry(&registry);
    let out = env.ok(&["list"]);
    assert!(out.stderr.contains("registry entry #2"), "{}", out.stderr);
    env.ok(&["new", "second"]);
    let text = std::fs::read_to_string(env.config_dir().join("registry.json")).unwrap();
    assert!(
        text.contains("../evil"),
        "an unknown entry was dropped: {text}"
    );
    let doctor = env.ctl(&["doctor"]);
    assert_eq!(doctor.code, 1, "{}", doctor.combined());
}

#[test]
fn a_symlinked_registry_is_refused() {
    let env = CtlEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let elsewhere = env.root().join("elsewhere.json");
    std::fs::write(&elsewhere, "{\"projects\": []}").unwrap();
    std::os::unix::fs::symlink(&elsewhere, env.config_dir().join("registry.json")).unwrap();
    let out = env.ctl(&["new", "x"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert_eq!(
        std::fs::read_to_string(&elsewhere).unwrap(),
        "{\"projects\": []}"
    );
}

#[test]
fn new_with_a_registered_name_is_refused_before_anything_is_written() {
    let env = CtlEnv::new();
    env.ok(&["new", "taken"]);
    let out = env.ctl(&["new", "taken", "./elsewhere"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(out.stderr.contains("already registered"), "{}", out.stderr);
    assert!(!env.root().join("elsewhere").exists());
}

#[test]
fn modes_list_says_when_to_use_each_mode_and_describe_refuses_audit() {
    let env = CtlEnv::new();
    let out = env.ctl(&["modes", "list"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stdout.contains("use it: On a repository without docs"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("stacks with: document"),
        "{}",
        out.stdout
    );
    let out = env.ctl(&["new", "thing", "--modes=describe,audit"]);
    assert_ne!(out.code, 0, "{}", out.combined());
    assert!(
        out.stderr
            .contains("cannot be applied together with mode 'audit'"),
        "{}",
        out.stderr
    );
    assert!(
        !env.projects_root().join("thing").exists(),
        "a refused mode set leaves no project behind"
    );
}
