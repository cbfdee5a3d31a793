//! `peers survey` and the survey `peers run` writes before its first tick: symbols read from
//! syntax trees, and a hostile repository's symlinks not followed.

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

#[test]
fn survey_writes_the_three_files_from_syntax_trees_without_following_symlinks() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let outside = env.root().join("outside");
    env.write(&outside, "secret.py", "def leaked_secret():\n    pass\n");
    env.write(
        &repo,
        "pkg/store.py",
        "import functools\n\n@functools.cache\ndef load(\n    path,\n    strict=False,\n):\n    return path\n\nclass Store:\n    class Entry:\n        pass\n\n    def get(self, key):\n        return key\n",
    );
    env.write(
        &repo,
        "web/app.ts",
        "export const handler = async (req: Request) => {\n  return req;\n};\n",
    );
    env.write(
        &repo,
        "srv/db.go",
        "package srv\n\nfunc (d *DB) Close() error { return nil }\n",
    );
    env.write(&repo, "link/placeholder.py", "def honest():\n    pass\n");
    env.commit_all(&repo, "sources");
    // The tracked directory `link/` becomes a symlink out of the repository.
    std::fs::remove_dir_all(repo.join("link")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join("link")).unwrap();
    std::fs::rename(outside.join("secret.py"), outside.join("placeholder.py")).unwrap();

    let out = env.peers(&repo, &["survey"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stdout.contains("wrote .peers/codemap.md"),
        "{}",
        out.combined()
    );
    let digest = std::fs::read_to_string(repo.join(".peers/codemap.md")).unwrap();
    for expected in [
        "- 4: def load(path, strict=False,)",
        "- 10: class Store",
        "- 11: class Entry",
        "- 14: def get(self, key)",
        "- 1: const handler = async (req: Request) =>",
        "- 3: func (d *DB) Close() error",
    ] {
        assert!(digest.contains(expected), "{expected} missing:\n{digest}");
    }
    assert!(!digest.contains("leaked_secret"), "{digest}");
    let yaml = std::fs::read_to_string(repo.join(".peers/CODEMAP.yaml")).unwrap();
    assert!(yaml.contains("id: \"pkg/store.py::Store.Entry\""), "{yaml}");
    assert!(repo.join(".peers/recon.md").is_file());

    let out = env.peers(&repo, &["survey", "--codemap-only", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        value["written"],
        json!([".peers/codemap.md", ".peers/CODEMAP.yaml"])
    );
    assert_eq!(value["codemap"]["files_with_symbols"], 3, "{value}");
    let out = env.peers(&repo, &["survey", "--recon-only", "--codemap-only"]);
    assert_eq!(out.code, 2, "{}", out.combined());
}

#[test]
fn run_writes_the_code_map_before_the_first_tick_unless_told_not_to() {
    let env = TestEnv::new();
    let honest = json!({"turns": [[{"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", honest.clone()), ("bob", "sim", honest)],
        SIMPLE_GOALS,
        "",
    );
    env.write(&repo, "src/lib.rs", "pub fn answer() -> u32 {\n    42\n}\n");
    env.commit_all(&repo, "source");
    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--no-codemap"]);
    assert!(
        !repo.join(".peers/codemap.md").exists(),
        "{}",
        out.combined()
    );
    assert!(repo.join(".peers/recon.md").is_file(), "{}", out.combined());
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    let digest = std::fs::read_to_string(repo.join(".peers/codemap.md")).unwrap_or_default();
    assert!(
        digest.contains("## src/lib.rs\n- 1: pub fn answer() -> u32"),
        "{digest}\n{}",
        out.combined()
    );
}
