//! The report's log pass: cached, resumed, split into parts — always the summary of the whole.

use std::io::Write as _;

use super::*;

fn tick(i: u64) -> String {
    format!(
        r#"{{"event":"tick","iteration":{i},"peer":"p{}","success":{},"tokens_this_tick":{i},"usd_this_tick":0.5,"integrity":["f{i}"],"gates":{{"hard":{{"g":"pass","h":"fail"}}}}}}"#,
        i % 3,
        i % 2 == 0
    )
}

fn log_text(ticks: std::ops::RangeInclusive<u64>) -> String {
    ticks
        .map(|i| match i % 10 {
            9 => "garbage\n".to_owned(),
            5 => format!(
                "{}\n{{\"event\":\"exit\",\"reason\":\"r{i}\",\"ticks_in_run\":1}}\n",
                tick(i)
            ),
            _ => format!("{}\n", tick(i)),
        })
        .collect()
}

fn project() -> (tempfile::TempDir, PeersDir) {
    let temp = tempfile::tempdir().unwrap();
    let dir = PeersDir::at(temp.path());
    std::fs::create_dir_all(dir.log_dir()).unwrap();
    (temp, dir)
}

fn append(dir: &PeersDir, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.runs_jsonl())
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// The summary with no checkpoint, in one part.
fn fresh(dir: &PeersDir) -> LogSummary {
    let _ = std::fs::remove_file(dir.runs_summary());
    let summary = summarise(dir).unwrap();
    std::fs::remove_file(dir.runs_summary()).unwrap();
    summary
}

#[test]
fn a_report_resumes_from_the_checkpoint_and_equals_a_full_pass() {
    let (_temp, dir) = project();
    append(&dir, &log_text(1..=120));
    let first = summarise(&dir).unwrap();
    assert!(dir.runs_summary().exists(), "a checkpoint is left");
    assert_eq!(first.ticks, 108, "the 12 garbage lines are not ticks");
    append(&dir, &log_text(121..=300));
    let resumed = summarise(&dir).unwrap();
    assert_eq!(resumed, fresh(&dir));
    assert_eq!(resumed.malformed, 30);
}

#[test]
fn a_torn_last_line_counts_once_it_is_finished() {
    let (_temp, dir) = project();
    append(&dir, &log_text(1..=20));
    let whole = tick(21);
    let (head, rest) = whole.split_at(whole.len() / 2);
    append(&dir, head);
    let torn = summarise(&dir).unwrap();
    assert_eq!(torn.malformed, 3, "two garbage lines and the torn one");
    append(&dir, &format!("{rest}\n"));
    let finished = summarise(&dir).unwrap();
    assert_eq!(finished.ticks, 19);
    assert_eq!(finished, fresh(&dir));
}

#[test]
fn a_checkpoint_that_no_longer_matches_the_log_is_ignored() {
    let (_temp, dir) = project();
    append(&dir, &log_text(1..=50));
    summarise(&dir).unwrap();
    // The log replaced by a longer, different one (peers init --force, a restore…).
    std::fs::remove_file(dir.runs_jsonl()).unwrap();
    append(&dir, &log_text(1000..=1200));
    assert_eq!(summarise(&dir).unwrap(), fresh(&dir));
    // A forged checkpoint: plausible, wrong witness.
    let forged = serde_json::json!({"v": 1, "covered": 10, "witness": "00", "summary": LogSummary::default()});
    std::fs::write(dir.runs_summary(), forged.to_string()).unwrap();
    assert_eq!(summarise(&dir).unwrap().ticks, fresh(&dir).ticks);
    // A shorter log than the checkpoint covers.
    summarise(&dir).unwrap();
    std::fs::remove_file(dir.runs_jsonl()).unwrap();
    append(&dir, &log_text(1..=3));
    assert_eq!(summarise(&dir).unwrap().ticks, 3);
}

#[test]
fn any_split_into_parts_gives_the_same_summary() {
    let (_temp, dir) = project();
    let mut text = log_text(1..=400);
    text.push_str(&tick(401)[..30]);
    append(&dir, &text);
    let file = std::fs::File::open(dir.runs_jsonl()).unwrap();
    let len = text.len() as u64;
    let (one, end, torn) = summarise_in_parts(&file, 0, len, 1).unwrap();
    assert!(matches!(torn, Some(Torn::Line(_))));
    for parts in [2, 3, 7, 64] {
        let (many, many_end, many_torn) = summarise_in_parts(&file, 0, len, parts).unwrap();
        assert_eq!(
            (&many, many_end, &many_torn),
            (&one, end, &torn),
            "{parts} parts"
        );
    }
}

#[test]
fn no_log_is_an_empty_summary_and_no_checkpoint() {
    let (_temp, dir) = project();
    assert_eq!(summarise(&dir).unwrap(), LogSummary::default());
    assert!(!dir.runs_summary().exists());
}
