//! `peers demo`: the README's main job completes on its own, with the story it promises.

use crate::test_env::TestEnv;

#[test]
fn demo_runs_the_whole_story_to_completion() {
    let env = TestEnv::new();
    let dir = env.root().join("demo");
    let out = env.peers(env.root(), &["demo", "--dir", dir.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&dir), "complete");
    let ticks = env.ticks(&dir);
    assert!(ticks.iter().all(|t| t["success"] == true), "{ticks:#?}");
    assert!(
        ticks.last().unwrap()["skeptic"] == true,
        "the last tick is the skeptic's"
    );
    assert!(
        ticks
            .iter()
            .any(|t| t["bugs_filed"].to_string().contains("BUG-001"))
    );
    assert!(
        ticks
            .iter()
            .any(|t| t["bugs_resolved"].to_string().contains("BUG-001"))
    );
    assert!(dir.join(".peers/REPORT.md").exists());
    assert!(
        out.stdout.contains("| BUG-001 | high | bob | fixed |"),
        "{}",
        out.stdout
    );
}

#[test]
fn demo_refuses_a_directory_that_is_not_empty() {
    let env = TestEnv::new();
    let dir = env.root().join("busy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "mine\n").unwrap();
    let out = env.peers(env.root(), &["demo", "--dir", dir.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "mine\n"
    );
}
