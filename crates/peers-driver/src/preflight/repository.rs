//! The repository's side of the preflight: the tools each hard gate runs, uncommitted changes,
//! and the baseline tag.

use peers_core::goals::{GateCheck, GoalKind};
use peers_git::Git;

use super::{BASELINE_TAG, CheckLevel, PreflightFinding, PreflightInputs, resolve_program};

/// Each hard goal's tools: a built-in gate's programs per language, a command's first word.
pub(super) fn check_gate_tools(inputs: &PreflightInputs<'_>) -> Vec<PreflightFinding> {
    let env = peers_gate::jobs::gate_environment_from(&inputs.env);
    let path_var = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut findings = Vec::new();
    for goal in &inputs.goals.goals {
        let GoalKind::Hard(hard) = &goal.kind else {
            continue;
        };
        let subject = format!("gate {}", goal.id);
        match &hard.check {
            GateCheck::Builtin { gate, params } => {
                match peers_gate::builtin::requirements::tool_needs(*gate, params, inputs.git, &env)
                {
                    Ok(needs) => {
                        findings.extend(needs.into_iter().filter(|n| n.found.is_none()).map(
                            |need| PreflightFinding {
                                subject: subject.clone(),
                                check: "gate-tool",
                                severity: CheckLevel::Problem,
                                message: format!(
                                    "{}: `{}` is not installed",
                                    need.language, need.tool
                                ),
                                fix: Some(need.install),
                            },
                        ))
                    }
                    Err(reason) => findings.push(PreflightFinding {
                        subject: subject.clone(),
                        check: "gate-tool",
                        severity: CheckLevel::Warning,
                        message: reason.describe(),
                        fix: Some("set params.lang of this goal in .peers/goals.yaml".to_owned()),
                    }),
                }
            }
            GateCheck::Command { cmd, .. } => {
                let Some(word) = first_command_word(cmd) else {
                    continue;
                };
                if resolve_program(&word, inputs.git.root(), &path_var).is_none() {
                    findings.push(PreflightFinding {
                        subject,
                        check: "gate-tool",
                        severity: CheckLevel::Problem,
                        message: format!("`{word}` (the first word of cmd) is not found on PATH"),
                        fix: Some(format!(
                            "install `{word}`, or correct cmd of goal {} in .peers/goals.yaml",
                            goal.id
                        )),
                    });
                }
            }
        }
    }
    findings
}

/// The program a `/bin/sh -c` command starts, when it can be told without a shell: leading
/// `NAME=value` assignments skipped; shell builtins, keywords and expansions are not checked.
pub fn first_command_word(cmd: &str) -> Option<String> {
    const SHELL_WORDS: &[&str] = &[
        "cd", "export", "test", "[", "[[", "true", "false", "if", "for", "while", "until", "case",
        "set", "echo", "printf", "exec", "exit", "eval", ".", "source", "command", "!", "{", "(",
        ":", "read", "unset", "shift", "return", "local", "trap", "wait", "ulimit", "umask",
    ];
    let word = cmd.split_whitespace().find(|word| !is_assignment(word))?;
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./+@".contains(c));
    (plain && !SHELL_WORDS.contains(&word)).then(|| word.to_owned())
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The user's uncommitted changes, by path: peers would stash them at the end of the first
/// turn and count them as that peer's. One small function, so `peers run`'s own refusal and
/// the preflight agree.
pub fn uncommitted_paths(git: &Git) -> Result<Vec<String>, peers_git::GitError> {
    Ok(git
        .status_porcelain()?
        .into_iter()
        .map(|entry| entry.path.to_string_lossy().into_owned())
        .filter(|path| !is_peers_own(path))
        .collect())
}

/// Paths under `.peers/` are peers' own files (the run lock appears there the moment a run
/// starts), never the user's edits, even when a rewritten `.gitignore` no longer hides them.
fn is_peers_own(path: &str) -> bool {
    path == ".peers" || path.starts_with(".peers/")
}

pub(super) fn check_worktree(
    git: &Git,
    allow_dirty: bool,
    interrupted: Option<&str>,
) -> PreflightFinding {
    let finding = |severity, message: String, fix: Option<String>| PreflightFinding {
        subject: "repository".to_owned(),
        check: "worktree",
        severity,
        message,
        fix,
    };
    match uncommitted_paths(git) {
        Ok(paths) if paths.is_empty() => finding(CheckLevel::Ok, "clean".to_owned(), None),
        Ok(paths) => {
            let shown: Vec<&str> = paths.iter().take(5).map(String::as_str).collect();
            let more = paths.len().saturating_sub(shown.len());
            let list = if more > 0 {
                format!("{} and {more} more", shown.join(", "))
            } else {
                shown.join(", ")
            };
            let message = format!(
                "{} uncommitted change(s): {list}; the first peer's turn would stash them as its own",
                paths.len()
            );
            if let Some(tick) = interrupted {
                finding(
                    CheckLevel::Warning,
                    format!(
                        "{} uncommitted change(s) left by the interrupted {tick}: the resume stashes them as that peer's",
                        paths.len()
                    ),
                    None,
                )
            } else if allow_dirty {
                finding(
                    CheckLevel::Warning,
                    format!("{message} (--allow-dirty)"),
                    None,
                )
            } else {
                finding(
                    CheckLevel::Problem,
                    message,
                    Some(
                        "commit them, or `git stash -u`, or start with `peers run --allow-dirty`"
                            .to_owned(),
                    ),
                )
            }
        }
        Err(error) => finding(
            CheckLevel::Problem,
            format!("git status failed: {error}"),
            None,
        ),
    }
}

pub(super) fn check_baseline(git: &Git) -> PreflightFinding {
    let (severity, message, fix) = match git
        .rev_parse(&format!("refs/tags/{BASELINE_TAG}^{{commit}}"))
    {
        Ok(Some(sha)) => (
            CheckLevel::Ok,
            format!("{BASELINE_TAG} at {}", &sha[..sha.len().min(8)]),
            None,
        ),
        Ok(None) => (
            CheckLevel::Problem,
            format!(
                "the tag {BASELINE_TAG} does not exist: gates that compare with the baseline cannot judge"
            ),
            Some(format!(
                "tag the commit the peers start from: `git tag {BASELINE_TAG} HEAD`"
            )),
        ),
        Err(error) => (
            CheckLevel::Problem,
            format!("cannot read {BASELINE_TAG}: {error}"),
            None,
        ),
    };
    PreflightFinding {
        subject: "repository".to_owned(),
        check: "baseline",
        severity,
        message,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_word_of_a_command_is_what_the_shell_would_start() {
        assert_eq!(
            first_command_word("cargo test --quiet").as_deref(),
            Some("cargo")
        );
        assert_eq!(
            first_command_word("RUST_LOG=1 ./x.sh a").as_deref(),
            Some("./x.sh")
        );
        assert_eq!(first_command_word("true"), None);
        assert_eq!(first_command_word("cd sub && make"), None);
        assert_eq!(first_command_word("$(which py) -m x"), None);
    }
}
