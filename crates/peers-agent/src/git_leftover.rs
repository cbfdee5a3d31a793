//! Which processes left running after a turn are git's own background maintenance (started
//! by the peer's `git commit` with `gc.auto`/`maintenance.auto` on), not the peer's: they are
//! stopped like any leftover, but never counted against the peer.

use std::path::Path;

use peers_process::Leftover;

/// Subcommands `git gc --auto` / `git maintenance run --auto` start underneath themselves.
const MAINTENANCE_HELPERS: &[&str] = &[
    "repack",
    "pack-objects",
    "pack-refs",
    "reflog",
    "prune",
    "prune-packed",
    "worktree",
    "rerere",
    "commit-graph",
    "multi-pack-index",
    "index-pack",
    "gc",
    "maintenance",
];

/// The program really running is git (checked through `/proc/<pid>/exe`, so a process that
/// only calls itself `git` in its `argv[0]` is not).
fn runs_git(leftover: &Leftover) -> bool {
    let program = Path::new(&leftover.program);
    program.file_name().is_some_and(|name| name == "git")
        || program
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|dir| dir == "git-core")
}

fn arguments(leftover: &Leftover) -> Vec<&str> {
    leftover.command.split_whitespace().skip(1).collect()
}

/// `git maintenance run --auto …`, `git gc --auto …`: what git itself starts after a commit.
fn is_automatic_entry(leftover: &Leftover) -> bool {
    let args = arguments(leftover);
    let auto = args.contains(&"--auto");
    runs_git(leftover)
        && match args.as_slice() {
            ["maintenance", "run", ..] => auto,
            ["gc", ..] => auto,
            _ => false,
        }
}

/// Split `left` into (the peer's, git's own automatic maintenance and its helpers).
pub(crate) fn split(left: Vec<Leftover>) -> (Vec<Leftover>, Vec<Leftover>) {
    if !left.iter().any(is_automatic_entry) {
        return (left, Vec::new());
    }
    left.into_iter().partition(|leftover| {
        let helper = runs_git(leftover)
            && arguments(leftover)
                .first()
                .is_some_and(|first| MAINTENANCE_HELPERS.contains(first));
        !helper
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftover(program: &str, command: &str) -> Leftover {
        Leftover {
            pid: 1,
            command: command.to_owned(),
            program: program.to_owned(),
        }
    }

    #[test]
    fn git_auto_maintenance_and_its_helpers_are_gits_own() {
        let (peer, git) = split(vec![
            leftover(
                "/usr/bin/git",
                "git maintenance run --auto --no-quiet --detach",
            ),
            leftover("/usr/lib/git-core/git", "git repack -d -l"),
            leftover("/usr/bin/python3", "python3 -m http.server"),
        ]);
        assert_eq!(peer.len(), 1);
        assert_eq!(peer[0].command, "python3 -m http.server");
        assert_eq!(git.len(), 2);
    }

    #[test]
    fn a_process_that_only_names_itself_git_is_the_peers() {
        let (peer, git) = split(vec![leftover("/usr/bin/python3", "git gc --auto")]);
        assert_eq!(peer.len(), 1);
        assert!(git.is_empty());
    }

    #[test]
    fn git_without_an_automatic_entry_is_the_peers() {
        let (peer, git) = split(vec![leftover("/usr/bin/git", "git repack -d")]);
        assert_eq!(peer.len(), 1);
        assert!(git.is_empty());
    }
}
