//! Repositories whose git metadata is not one plain `.git` directory: a linked worktree (its
//! `.git` is a file pointing into the main repository's `.git/worktrees/`) and submodules
//! (`.git/modules/<name>`). Commits still work; no hook or config can be planted anywhere git
//! would later run it on the host, and the `.git` file cannot be repointed. Both backends.

use super::{Turn, lines, text};

#[test]
fn a_linked_worktree_commits_but_cannot_plant_hooks_config_or_repoint_its_git_file() {
    for mut turn in Turn::each() {
        let main = turn.repo.clone();
        let worktree = turn.env.root().join("wt");
        turn.env.git(
            &main,
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                "feature",
                &worktree.display().to_string(),
            ],
        );
        let config_before = std::fs::read(main.join(".git/config")).expect("config");
        let dot_git_before = std::fs::read(worktree.join(".git")).expect(".git file");
        turn.policy.repository = worktree.clone();
        turn.repo = worktree.clone();
        let outcome = turn.sh(
            "echo work > f.txt && git add f.txt && git commit -q -m 'in the worktree' && echo commit-ok; \
             common=$(git rev-parse --git-common-dir); \
             printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > \"$common/hooks/post-commit\"; \
             git config core.fsmonitor 'touch /tmp/pwned'; git config --worktree core.hooksPath /tmp; \
             echo 'gitdir: /tmp/forged' > .git; echo done",
        );
        let all = text(&outcome);
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        assert!(all.contains("commit-ok"), "{all}");
        let log = turn
            .env
            .git(&main, &["log", "-1", "--format=%s", "feature"]);
        assert_eq!(log.trim(), "in the worktree", "{all}");
        assert!(!main.join(".git/hooks/post-commit").exists(), "{all}");
        assert_eq!(
            std::fs::read(main.join(".git/config")).expect("config"),
            config_before,
            "{all}"
        );
        assert_eq!(
            std::fs::read(worktree.join(".git")).expect(".git"),
            dot_git_before,
            "{all}"
        );
        let worktree_config = main.join(".git/worktrees/wt/config.worktree");
        assert!(
            std::fs::read_to_string(&worktree_config)
                .map_or(true, |text| !text.contains("hooksPath")),
            "{all}"
        );
    }
}

#[test]
fn submodule_git_directories_keep_their_hooks_and_config_read_only() {
    for turn in Turn::each() {
        let module = turn.repo.join(".git/modules/lib");
        std::fs::create_dir_all(module.join("hooks")).expect("module hooks");
        std::fs::write(module.join("config"), "[core]\n").expect("module config");
        let nested = module.join("modules/inner");
        std::fs::create_dir_all(nested.join("hooks")).expect("nested hooks");
        std::fs::write(nested.join("config"), "[core]\n").expect("nested config");
        let outcome = turn.sh(
            "printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > .git/modules/lib/hooks/post-checkout; \
             echo '[core] fsmonitor = touch /tmp/pwned' >> .git/modules/lib/config; \
             echo x > .git/modules/lib/modules/inner/hooks/pre-commit; \
             echo '[core] fsmonitor = x' >> .git/modules/lib/modules/inner/config; \
             echo ok > .git/modules/lib/description && echo module-data-ok; echo done",
        );
        let all = text(&outcome);
        assert_eq!(
            lines(&outcome).last().map(String::as_str),
            Some("done"),
            "{all}"
        );
        assert!(!module.join("hooks/post-checkout").exists(), "{all}");
        assert!(!nested.join("hooks/pre-commit").exists(), "{all}");
        assert_eq!(
            std::fs::read_to_string(module.join("config")).expect("config"),
            "[core]\n",
            "{all}"
        );
        assert_eq!(
            std::fs::read_to_string(nested.join("config")).expect("config"),
            "[core]\n",
            "{all}"
        );
        // The rest of a submodule's git directory (objects, refs) stays writable.
        assert!(all.contains("module-data-ok"), "{all}");
    }
}
