//! Reading commits: one `git log -z` call parsed into `Commit` values, oldest first.

use crate::command::GitCommand;
use crate::error::GitError;

/// Format fields, NUL-separated; `-z` also ends each record with a NUL.
pub(crate) const LOG_FORMAT: &str = "--format=%H%x00%P%x00%an%x00%ae%x00%at%x00%B";
const FIELDS_PER_COMMIT: usize = 6;

/// One commit as peers reads it. `message` is the raw body (`%B`), subject included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub sha: String,
    pub parents: Vec<String>,
    pub author_name: String,
    pub author_email: String,
    /// Seconds since the Unix epoch.
    pub author_time: i64,
    pub message: String,
}

pub(crate) fn parse_log(command: &GitCommand<'_>, stdout: &[u8]) -> Result<Vec<Commit>, GitError> {
    if stdout.is_empty() {
        return Ok(Vec::new());
    }
    let text = String::from_utf8_lossy(stdout);
    let Some(body) = text.strip_suffix('\0') else {
        return Err(command.unexpected("log output does not end with a NUL"));
    };
    let fields: Vec<&str> = body.split('\0').collect();
    if fields.len() % FIELDS_PER_COMMIT != 0 {
        return Err(command.unexpected(format!(
            "{} NUL-separated fields is not a whole number of commits",
            fields.len()
        )));
    }
    fields
        .chunks(FIELDS_PER_COMMIT)
        .map(|chunk| parse_commit(command, chunk))
        .collect()
}

fn parse_commit(command: &GitCommand<'_>, chunk: &[&str]) -> Result<Commit, GitError> {
    let [sha, parents, name, email, time, message] = chunk else {
        return Err(command.unexpected("short commit record"));
    };
    if sha.len() < 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(command.unexpected(format!("`{sha}` is not a commit id")));
    }
    let author_time = time.parse::<i64>().map_err(|_| {
        command.unexpected(format!("author time `{time}` of {sha} is not a number"))
    })?;
    Ok(Commit {
        sha: (*sha).to_owned(),
        parents: parents.split_whitespace().map(str::to_owned).collect(),
        author_name: (*name).to_owned(),
        author_email: (*email).to_owned(),
        author_time,
        message: (*message).to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn command() -> GitCommand<'static> {
        GitCommand::new(Path::new("/"), &["log"])
    }

    #[test]
    fn parses_records_with_empty_and_multiline_messages() {
        let sha_a = "a".repeat(40);
        let sha_b = "b".repeat(40);
        let out = format!(
            "{sha_a}\0\0Ann\0ann@x\017\0\0{sha_b}\0{sha_a}\0Bob\0bob@x\018\0two\n\nbody\n\0"
        );
        let commits = parse_log(&command(), out.as_bytes()).unwrap();
        assert_eq!(commits.len(), 2);
        assert_eq!(commits[0].message, "");
        assert!(commits[0].parents.is_empty());
        assert_eq!(commits[1].parents, vec![sha_a]);
        assert_eq!(commits[1].author_time, 18);
        assert_eq!(commits[1].message, "two\n\nbody\n");
    }

    #[test]
    fn rejects_a_truncated_record() {
        let out = format!("{}\0\0Ann\0", "a".repeat(40));
        assert!(matches!(
            parse_log(&command(), out.as_bytes()),
            Err(GitError::UnexpectedOutput { .. })
        ));
    }
}
