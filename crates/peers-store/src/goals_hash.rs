//! `.peers/goals.sha256`: the snapshot that lets a run notice `goals.yaml` being edited under
//! it. The file holds the hex digest as its first whitespace-separated token.

use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::layout::{GOALS_CAP, PeersDir, SMALL_FILE_CAP};
use crate::safe_fs::{read_control_file_if_exists, write_atomic};

/// How `goals.yaml` compares to the recorded digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoalsHashStatus {
    Match,
    Mismatch {
        expected: String,
        actual: String,
    },
    /// `goals.sha256` does not exist.
    MissingHashFile,
    /// `goals.yaml` does not exist.
    MissingGoals,
}

/// Lowercase hex SHA-256.
pub fn goals_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Compares `goals.yaml` with `goals.sha256`.
pub fn check_goals_hash(dir: &PeersDir) -> Result<GoalsHashStatus, StoreError> {
    let Some(goals) = read_control_file_if_exists(&dir.goals_yaml(), GOALS_CAP)? else {
        return Ok(GoalsHashStatus::MissingGoals);
    };
    let hash_path = dir.goals_sha256();
    let Some(recorded) = read_control_file_if_exists(&hash_path, SMALL_FILE_CAP)? else {
        return Ok(GoalsHashStatus::MissingHashFile);
    };
    let expected = first_token(&recorded)
        .filter(|token| token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
        .ok_or(StoreError::MalformedHashFile { path: hash_path })?;
    let actual = goals_digest(&goals);
    Ok(if expected == actual {
        GoalsHashStatus::Match
    } else {
        GoalsHashStatus::Mismatch { expected, actual }
    })
}

/// Records the digest of the current `goals.yaml` as `<hex>\n`; returns the digest.
pub fn write_goals_hash(dir: &PeersDir) -> Result<String, StoreError> {
    let goals_path = dir.goals_yaml();
    let goals = crate::safe_fs::read_control_file(&goals_path, GOALS_CAP)?;
    let digest = goals_digest(&goals);
    write_atomic(&dir.goals_sha256(), format!("{digest}\n").as_bytes())?;
    Ok(digest)
}

fn first_token(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()?.split_whitespace().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers_dir() -> (peers_testkit::TempPeersDir, PeersDir) {
        let temp = peers_testkit::TempPeersDir::new();
        let dir = PeersDir::discover(temp.root()).unwrap();
        (temp, dir)
    }

    #[test]
    fn digest_is_lowercase_sha256_hex() {
        assert_eq!(
            goals_digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn written_hash_matches_until_goals_change() {
        let (_temp, dir) = peers_dir();
        assert_eq!(
            check_goals_hash(&dir).unwrap(),
            GoalsHashStatus::MissingGoals
        );
        std::fs::write(dir.goals_yaml(), "goals: []\n").unwrap();
        assert_eq!(
            check_goals_hash(&dir).unwrap(),
            GoalsHashStatus::MissingHashFile
        );
        let digest = write_goals_hash(&dir).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.goals_sha256()).unwrap(),
            format!("{digest}\n")
        );
        assert_eq!(check_goals_hash(&dir).unwrap(), GoalsHashStatus::Match);
        std::fs::write(dir.goals_yaml(), "goals: [x]\n").unwrap();
        assert!(matches!(
            check_goals_hash(&dir).unwrap(),
            GoalsHashStatus::Mismatch { expected, .. } if expected == digest
        ));
    }

    #[test]
    fn hash_file_in_sha256sum_format_is_accepted() {
        let (_temp, dir) = peers_dir();
        std::fs::write(dir.goals_yaml(), "goals: []\n").unwrap();
        let digest = goals_digest(b"goals: []\n").to_ascii_uppercase();
        std::fs::write(dir.goals_sha256(), format!("{digest}  goals.yaml\n")).unwrap();
        assert_eq!(check_goals_hash(&dir).unwrap(), GoalsHashStatus::Match);
    }

    #[test]
    fn hash_file_without_a_digest_is_an_error() {
        let (_temp, dir) = peers_dir();
        std::fs::write(dir.goals_yaml(), "goals: []\n").unwrap();
        std::fs::write(dir.goals_sha256(), "\n").unwrap();
        let err = check_goals_hash(&dir).unwrap_err();
        assert!(matches!(err, StoreError::MalformedHashFile { .. }), "{err}");
    }
}
