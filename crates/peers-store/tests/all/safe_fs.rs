//! Refusals of `safe_fs`: symlinks, hard links, FIFOs, oversize files, escaping repo paths.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use peers_store::StoreError;
use peers_store::layout::STATE_CAP;
use peers_store::safe_fs::{
    DEFAULT_REPO_FILE_CAP, append_line, ensure_private_dir, read_control_file, read_repo_file,
    write_atomic,
};
use rustix::fs::{CWD, Mode, mkfifoat};

use crate::support::TempRepo;

/// Every control file path of the layout that peers reads or writes through `safe_fs`.
fn control_files(repo: &TempRepo) -> Vec<PathBuf> {
    let dir = &repo.dir;
    vec![
        dir.config_yaml(),
        dir.goals_yaml(),
        dir.goals_sha256(),
        dir.state_json(),
        dir.state_pre_migration(),
        dir.run_lock(),
        dir.last_stop_reason(),
        dir.halted_md(),
        dir.verify_md(),
        dir.report_md(),
    ]
}

/// The three ways peers touches a control file.
fn every_access(path: &Path) -> [(&'static str, Result<(), StoreError>); 3] {
    [
        ("read", read_control_file(path, STATE_CAP).map(|_| ())),
        ("write_atomic", write_atomic(path, b"new")),
        ("append_line", append_line(path, b"new")),
    ]
}

#[test]
fn symlinked_control_files_are_refused_for_every_access() {
    let repo = TempRepo::new();
    let outside = repo.root().join("outside.txt");
    std::fs::write(&outside, "precious").unwrap();
    for path in control_files(&repo) {
        symlink(&outside, &path).unwrap();
        for (access, result) in every_access(&path) {
            match result {
                Err(StoreError::Symlink { path: named }) => assert_eq!(named, path),
                other => panic!("{access} of symlinked {}: {other:?}", path.display()),
            }
        }
        std::fs::remove_file(&path).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
}

#[test]
fn symlink_error_says_what_to_do() {
    let repo = TempRepo::new();
    symlink("/etc/hostname", repo.dir.state_json()).unwrap();
    let message = read_control_file(&repo.dir.state_json(), STATE_CAP)
        .unwrap_err()
        .to_string();
    assert!(message.contains("state.json is a symlink"), "{message}");
    assert!(
        message.contains("Replace it with a regular file"),
        "{message}"
    );
}

#[test]
fn hardlinked_control_files_are_refused_for_every_access() {
    let repo = TempRepo::new();
    let outside = repo.root().join("outside.txt");
    std::fs::write(&outside, "precious").unwrap();
    let path = repo.dir.state_json();
    std::fs::hard_link(&outside, &path).unwrap();
    for (access, result) in every_access(&path) {
        assert!(
            matches!(result, Err(StoreError::HardLinked { links: 2, .. })),
            "{access}: {result:?}"
        );
    }
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
}

#[test]
fn fifo_control_file_is_refused_without_blocking() {
    let repo = TempRepo::new();
    let path = repo.dir.runs_jsonl();
    ensure_private_dir(&repo.dir.log_dir()).unwrap();
    mkfifoat(CWD, &path, Mode::from_raw_mode(0o600)).unwrap();
    for (access, result) in every_access(&path) {
        assert!(
            matches!(result, Err(StoreError::NotRegular { kind: "FIFO", .. })),
            "{access}: {result:?}"
        );
    }
}

#[test]
fn directory_in_place_of_a_control_file_is_refused() {
    let repo = TempRepo::new();
    std::fs::create_dir(repo.dir.goals_yaml()).unwrap();
    let err = read_control_file(&repo.dir.goals_yaml(), 10).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotRegular {
                kind: "directory",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn oversize_file_is_refused_from_its_size_alone() {
    let repo = TempRepo::new();
    let path = repo.dir.state_json();
    // A sparse terabyte: reading it first would take minutes; the size check answers at once.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    let err = read_control_file(&path, STATE_CAP).unwrap_err();
    assert!(
        matches!(err, StoreError::TooLarge { cap: STATE_CAP, .. }),
        "{err}"
    );
    std::fs::write(&path, [b'x'; 11]).unwrap();
    assert!(matches!(
        read_control_file(&path, 10),
        Err(StoreError::TooLarge { .. })
    ));
    assert_eq!(read_control_file(&path, 11).unwrap().len(), 11);
}

#[test]
fn atomic_write_replaces_leaves_no_temp_file_and_is_private() {
    let repo = TempRepo::new();
    let path = repo.dir.state_json();
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    write_atomic(&path, b"new contents").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new contents");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(repo.peers_entries(), ["state.json"]);
}

#[test]
fn append_refuses_a_symlinked_parent_directory() {
    let repo = TempRepo::new();
    let elsewhere = repo.root().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    symlink(&elsewhere, repo.dir.log_dir()).unwrap();
    let err = append_line(&repo.dir.runs_jsonl(), b"{}").unwrap_err();
    match err {
        StoreError::Symlink { path } => assert_eq!(path, repo.dir.log_dir()),
        other => panic!("expected Symlink, got {other:?}"),
    }
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn append_adds_exactly_one_newline() {
    let repo = TempRepo::new();
    let path = repo.dir.halted_md();
    append_line(&path, b"one").unwrap();
    append_line(&path, b"two\n").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
}

#[test]
fn ensure_private_dir_creates_0700_and_refuses_impostors() {
    let repo = TempRepo::new();
    let cache = repo.dir.cache_dir();
    ensure_private_dir(&cache).unwrap();
    ensure_private_dir(&cache).unwrap();
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);

    let log = repo.dir.log_dir();
    symlink(&cache, &log).unwrap();
    assert!(matches!(
        ensure_private_dir(&log),
        Err(StoreError::Symlink { .. })
    ));
    std::fs::remove_file(&log).unwrap();
    std::fs::write(&log, "").unwrap();
    let err = ensure_private_dir(&log).unwrap_err();
    assert!(matches!(err, StoreError::NotADirectory { .. }), "{err}");
}

#[test]
fn repo_file_paths_that_could_escape_are_refused() {
    let repo = TempRepo::new();
    for relative in ["../x", "/etc/passwd", "a/../../x", "./x", "a//b", "a/", ""] {
        let err = read_repo_file(repo.root(), relative, DEFAULT_REPO_FILE_CAP).unwrap_err();
        assert!(
            matches!(err, StoreError::UnsafeRepoPath { .. }),
            "{relative:?}: {err:?}"
        );
    }
}

#[test]
fn repo_file_behind_a_symlinked_directory_is_refused() {
    let repo = TempRepo::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.json"), "{}").unwrap();
    std::fs::create_dir(repo.root().join("reports")).unwrap();
    symlink(outside.path(), repo.root().join("reports/latest")).unwrap();
    let err = read_repo_file(repo.root(), "reports/latest/secret.json", 1024).unwrap_err();
    match err {
        StoreError::Symlink { path } => assert_eq!(path, repo.root().join("reports/latest")),
        other => panic!("expected Symlink, got {other:?}"),
    }
    symlink(
        outside.path().join("secret.json"),
        repo.root().join("reports/link.json"),
    )
    .unwrap();
    let err = read_repo_file(repo.root(), "reports/link.json", 1024).unwrap_err();
    assert!(matches!(err, StoreError::Symlink { .. }), "{err:?}");
}

#[test]
fn repo_file_inside_the_repository_is_read() {
    let repo = TempRepo::new();
    std::fs::create_dir_all(repo.root().join("out/cov")).unwrap();
    std::fs::write(repo.root().join("out/cov/summary.json"), "{\"pct\": 91}").unwrap();
    let bytes = read_repo_file(repo.root(), "out/cov/summary.json", 1024).unwrap();
    assert_eq!(bytes, b"{\"pct\": 91}");
    let err = read_repo_file(repo.root(), "out/cov/summary.json", 4).unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }));
    let err = read_repo_file(repo.root(), "out/cov/summary.json/x", 1024).unwrap_err();
    assert!(matches!(err, StoreError::NotADirectory { .. }), "{err:?}");
}
