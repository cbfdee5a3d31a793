//! Host-side git is inert: the one place that builds a git command, so that no program named
//! by the repository's configuration (which an agent can write) ever runs in peers' process.
//!
//! Git runs programs from its configuration in many places. `man git-config` (git 2.47) lists
//! these keys as naming a program, a hook or a shell command; each is neutralised here:
//! - fixed keys, always overridden on the command line (`FIXED_OVERRIDES`): `core.fsmonitor`,
//!   `core.hooksPath` (every hook, including `reference-transaction` on any ref update),
//!   `core.sshCommand`, `core.gitProxy`, `core.askPass`, `core.pager`, `core.editor`,
//!   `sequence.editor`, `core.alternateRefsCommand`, `credential.helper`, `diff.external`,
//!   `gpg.program` and `gpg.<format>.program`, `gpg.ssh.defaultKeyCommand`, `commit.gpgSign`,
//!   `tag.gpgSign`, `push.gpgSign`, `uploadpack.packObjectsHook`, `interactive.diffFilter`,
//!   `imap.tunnel`, `sendemail.*cmd`, `gc.auto`/`maintenance.auto` (detached `git maintenance`),
//!   `core.untrackedCache` (a cache writer), and `protocol.allow` (remote helpers such as `ext::`);
//! - keys under a named subsection (`NAMED_PROGRAM_KEYS`): `filter.<driver>.clean/smudge/process`
//!   (chosen by `.gitattributes`), `diff.<driver>.command/textconv`, `merge.<driver>.driver`,
//!   `credential.<url>.helper`, `difftool.<tool>.cmd`, `mergetool.<tool>.cmd`,
//!   `remote.<name>.uploadpack/receivepack/vcs`, `submodule.<name>.update`,
//!   `browser.<tool>.cmd`, `man.<tool>.cmd`, `guitool.<name>.cmd`, `pager.<command>`. Their names
//!   cannot be known in advance, so the merged configuration (includes followed) is listed with
//!   `git config --list` and every such key found is overridden by name. That listing is cached
//!   per directory and reused only while every file it came from (and every file git would
//!   read: local, worktree, global, system, `include.path` targets, HEAD for `onbranch:`) is
//!   unchanged (same inode, size and change time);
//! - diffs run with `--no-ext-diff --no-textconv`, every call with `--no-pager`;
//! - an empty command value makes git skip a filter; for the other program keys an empty value
//!   makes git fail rather than run anything, which is the safe side.
//!
//! `include.path`/`includeIf` cannot be switched off, but command-line settings win over every
//! file, included or not. Variables from peers' own environment that name programs are removed.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Fixed keys that run a program, with the value that makes them inert.
pub const FIXED_OVERRIDES: &[(&str, &str)] = &[
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("core.sshCommand", ""),
    ("core.gitProxy", ""),
    ("core.askPass", ""),
    ("core.pager", "cat"),
    ("core.editor", ":"),
    ("sequence.editor", ":"),
    ("core.alternateRefsCommand", ""),
    ("core.untrackedCache", "false"),
    ("credential.helper", ""),
    ("diff.external", ""),
    ("gpg.program", ""),
    ("gpg.openpgp.program", ""),
    ("gpg.x509.program", ""),
    ("gpg.ssh.program", ""),
    ("gpg.ssh.defaultKeyCommand", ""),
    ("commit.gpgSign", "false"),
    ("tag.gpgSign", "false"),
    ("tag.forceSignAnnotated", "false"),
    ("push.gpgSign", "false"),
    ("uploadpack.packObjectsHook", ""),
    ("interactive.diffFilter", ""),
    ("imap.tunnel", ""),
    ("sendemail.toCmd", ""),
    ("sendemail.ccCmd", ""),
    ("sendemail.headerCmd", ""),
    ("gc.auto", "0"),
    ("gc.autoDetach", "false"),
    ("maintenance.auto", "false"),
    ("protocol.allow", "never"),
    ("submodule.recurse", "false"),
];

/// `(section, key, inert value)` for `<section>.<name>.<key>` entries that run a program.
const NAMED_PROGRAM_KEYS: &[(&str, &str, &str)] = &[
    ("filter", "clean", ""),
    ("filter", "smudge", ""),
    ("filter", "process", ""),
    ("filter", "required", "false"),
    ("diff", "command", ""),
    ("diff", "textconv", ""),
    ("merge", "driver", ""),
    ("credential", "helper", ""),
    ("difftool", "cmd", ""),
    ("mergetool", "cmd", ""),
    ("remote", "uploadpack", ""),
    ("remote", "receivepack", ""),
    ("remote", "vcs", ""),
    ("submodule", "update", "none"),
    ("browser", "cmd", ""),
    ("man", "cmd", ""),
    ("guitool", "cmd", ""),
];

/// Variables of peers' own environment that would make git run a program, read another
/// configuration, or point it at another repository.
pub const SCRUBBED_VARIABLES: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_EXTERNAL_DIFF",
    "GIT_PAGER",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_PROXY_COMMAND",
    "GIT_EXEC_PATH",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_ATTR_SOURCE",
];

/// Subcommands whose output may go through an external diff or a textconv filter.
const DIFF_COMMANDS: &[&str] = &["diff", "log", "show", "format-patch"];

/// The complete argument list after `git` for running `args` in `dir` inertly: `--no-pager`,
/// every `-c` override, the subcommand, diff flags where they apply, then the rest.
pub fn argv<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Vec<OsString> {
    let mut out: Vec<OsString> = vec!["--no-pager".into()];
    for setting in overrides(dir) {
        out.push("-c".into());
        out.push(setting.into());
    }
    let mut rest = args.iter().map(|arg| arg.as_ref().to_owned()).peekable();
    // The caller's own `-c key=value` pairs come before the subcommand.
    while rest.peek().is_some_and(|arg| arg == "-c") {
        out.extend(rest.next());
        out.extend(rest.next());
    }
    if let Some(subcommand) = rest.next() {
        let is_diff = DIFF_COMMANDS
            .iter()
            .any(|name| OsStr::new(name) == subcommand);
        out.push(subcommand);
        if is_diff {
            out.push("--no-ext-diff".into());
            out.push("--no-textconv".into());
        }
    }
    out.extend(rest);
    out
}

/// A `git` command for `args` in `dir`: inert arguments, scrubbed environment, prompts off,
/// the C locale, stdin closed. The caller adds its own variables and output handling.
pub fn command<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Command {
    let mut command = Command::new("git");
    command.args(argv(dir, args)).current_dir(dir);
    for name in SCRUBBED_VARIABLES {
        command.env_remove(name);
    }
    command
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    command
}

/// [`command`] for a writer that must behave the same on every machine (a scripted peer's
/// commits, the demo's sample repository): the user's global and system configuration are not
/// read, and author and committer are `identity`. The one place outside a test that sets these
/// rules, so every git peers runs is built here.
pub fn isolated<S: AsRef<OsStr>>(dir: &Path, args: &[S], identity: &crate::Identity) -> Command {
    let mut command = command(dir, args);
    command
        .env(
            "GIT_CONFIG_GLOBAL",
            peers_core::git_env::NO_GLOBAL_GIT_CONFIG,
        )
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", &identity.name)
        .env("GIT_AUTHOR_EMAIL", &identity.email)
        .env("GIT_COMMITTER_NAME", &identity.name)
        .env("GIT_COMMITTER_EMAIL", &identity.email);
    command
}

/// The `key=value` settings for `dir`: the fixed ones, then one per program-running key
/// found in the configuration git would read there.
pub fn overrides(dir: &Path) -> Vec<String> {
    let mut settings: Vec<String> = FIXED_OVERRIDES
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    settings.extend(named_overrides(dir));
    settings
}

/// What one `git config --list` in a directory found, and the files it depends on.
struct Listing {
    watched: Vec<(PathBuf, Stamp)>,
    settings: Vec<String>,
}

fn cache() -> &'static Mutex<HashMap<PathBuf, Listing>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Listing>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn named_overrides(dir: &Path) -> Vec<String> {
    {
        let cache = cache().lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(listing) = cache.get(dir)
            && listing
                .watched
                .iter()
                .all(|(path, seen)| stamp(path) == *seen)
        {
            return listing.settings.clone();
        }
    }
    let listing = list(dir);
    let settings = listing.settings.clone();
    cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(dir.to_path_buf(), listing);
    settings
}

/// What identifies a file's content without reading it: device, inode, size and the change
/// time (which every write updates and no caller can set back), plus the modification time.
/// For HEAD, which only matters for `includeIf.onbranch:`, the branch it names (a detached HEAD
/// moving to another commit changes nothing git reads). A missing file has no stamp, so its
/// appearance later is a change.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stamp {
    Missing,
    File(u64, u64, u64, i64, i64, i64, i64),
    /// HEAD's `ref: …` line, or `None` when it holds a commit id (detached).
    Head(Option<String>),
}

fn stamp(path: &Path) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    if path.file_name() == Some(OsStr::new("HEAD")) {
        return match std::fs::read(path) {
            Ok(bytes) => Stamp::Head(
                bytes
                    .starts_with(b"ref:")
                    .then(|| String::from_utf8_lossy(&bytes).trim_end().to_owned()),
            ),
            Err(_) => Stamp::Missing,
        };
    }
    match std::fs::metadata(path) {
        Ok(meta) => Stamp::File(
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.ctime(),
            meta.ctime_nsec(),
            meta.mtime(),
            meta.mtime_nsec(),
        ),
        Err(_) => Stamp::Missing,
    }
}

/// Run `git config --list` (with the fixed overrides, so even this call runs nothing) and
/// collect the named program keys and every file the answer depends on.
fn list(dir: &Path) -> Listing {
    let mut watched_paths: Vec<PathBuf> = candidate_files(dir);
    let mut settings = Vec::new();
    let fixed: Vec<String> = FIXED_OVERRIDES
        .iter()
        .flat_map(|(key, value)| ["-c".to_owned(), format!("{key}={value}")])
        .collect();
    let output = raw(dir, &fixed, &["config", "--list", "-z", "--show-origin"]);
    let mut fields = output.split(|byte| *byte == 0);
    while let (Some(origin), Some(entry)) = (fields.next(), fields.next()) {
        let (key, value) = match entry.iter().position(|byte| *byte == b'\n') {
            Some(at) => (&entry[..at], Some(&entry[at + 1..])),
            None => (entry, None),
        };
        let key = String::from_utf8_lossy(key);
        let origin_file = origin
            .strip_prefix(b"file:")
            .map(|path| dir.join(OsStr::from_bytes(path)));
        if let Some(file) = &origin_file {
            watched_paths.push(file.clone());
        }
        let lower = key.to_ascii_lowercase();
        if (lower == "include.path"
            || (lower.starts_with("includeif.") && lower.ends_with(".path")))
            && let Some(value) = value
        {
            watched_paths.push(include_target(origin_file.as_deref(), value));
        }
        if let Some(inert) = named_inert_value(&key) {
            settings.push(format!("{key}={inert}"));
        }
    }
    settings.sort();
    settings.dedup();
    watched_paths.sort();
    watched_paths.dedup();
    let watched = watched_paths
        .into_iter()
        .map(|path| {
            let seen = stamp(&path);
            (path, seen)
        })
        .collect();
    Listing { watched, settings }
}

/// The inert value for `section.name.key` when that key runs a program; `pager.<command>`
/// included.
fn named_inert_value(key: &str) -> Option<&'static str> {
    let (section, rest) = key.split_once('.')?;
    let section = section.to_ascii_lowercase();
    if section == "pager" {
        return Some("false");
    }
    let (_, variable) = rest.rsplit_once('.')?;
    let variable = variable.to_ascii_lowercase();
    NAMED_PROGRAM_KEYS
        .iter()
        .find(|(s, k, _)| *s == section && k.eq_ignore_ascii_case(&variable))
        .map(|(_, _, value)| *value)
}

/// Where an `include.path` value points: `~/` expanded, relative to the including file.
fn include_target(including: Option<&Path>, value: &[u8]) -> PathBuf {
    let value = Path::new(OsStr::from_bytes(value));
    if let Ok(rest) = value.strip_prefix("~")
        && let Some(home) = std::env::var_os("HOME")
    {
        return Path::new(&home).join(rest);
    }
    match including.and_then(Path::parent) {
        Some(parent) if value.is_relative() => parent.join(value),
        _ => value.to_path_buf(),
    }
}

/// Files git may read configuration from in `dir`, present or not, and HEAD (for
/// `includeIf.onbranch:`).
fn candidate_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("/etc/gitconfig")];
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match std::env::var_os("GIT_CONFIG_GLOBAL") {
        Some(global) => files.push(PathBuf::from(global)),
        None => {
            if let Some(home) = &home {
                files.push(home.join(".gitconfig"));
            }
            match std::env::var_os("XDG_CONFIG_HOME") {
                Some(xdg) => files.push(Path::new(&xdg).join("git/config")),
                None => {
                    if let Some(home) = &home {
                        files.push(home.join(".config/git/config"));
                    }
                }
            }
        }
    }
    let dirs = raw(
        dir,
        &[],
        &["rev-parse", "--absolute-git-dir", "--git-common-dir"],
    );
    let text = String::from_utf8_lossy(&dirs);
    for line in text.lines().filter(|line| !line.is_empty()) {
        let git_dir = dir.join(line);
        files.push(git_dir.join("config"));
        files.push(git_dir.join("config.worktree"));
        files.push(git_dir.join("HEAD"));
    }
    files
}

/// Run git for a read that only feeds this module; a failure reads as empty output (no
/// repository: no local configuration to neutralise).
fn raw(dir: &Path, global: &[String], args: &[&str]) -> Vec<u8> {
    let mut command = Command::new("git");
    command
        .arg("--no-pager")
        .args(global)
        .args(args)
        .current_dir(dir);
    for name in SCRUBBED_VARIABLES {
        command.env_remove(name);
    }
    command
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    match command.output() {
        Ok(output) if output.status.success() => output.stdout,
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[path = "inert_tests.rs"]
mod tests;
