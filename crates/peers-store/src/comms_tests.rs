//! Tests of the file message channel: numbering, caps, archive, and concurrent writers.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::*;
use peers_testkit::TempPeersDir;

fn dir_of(temp: &TempPeersDir) -> PeersDir {
    PeersDir::at(temp.root())
}

fn body(writer: usize, i: usize) -> Vec<u8> {
    // Large enough that a torn write would show: a header, filler, and a closing line.
    let filler = "x".repeat(3000 + (i * 37) % 4000);
    format!("writer {writer} message {i}\n{filler}\nend {writer}/{i}\n").into_bytes()
}

fn is_whole(bytes: &[u8]) -> Option<(usize, usize)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let first = text.lines().next()?;
    let mut words = first.split(' ');
    let (_, w, _, i) = (words.next()?, words.next()?, words.next()?, words.next()?);
    let (w, i): (usize, usize) = (w.parse().ok()?, i.parse().ok()?);
    (text == std::str::from_utf8(&body(w, i)).ok()?).then_some((w, i))
}

#[test]
fn messages_are_numbered_in_order_per_channel_whatever_the_topic() {
    let temp = TempPeersDir::new();
    let dir = dir_of(&temp);
    let a = publish(&dir, "claude", "codex", "API shape?", b"one").unwrap();
    let b = publish(&dir, "claude", "codex", "api shape?", b"two").unwrap();
    let c = publish(&dir, "codex", "claude", "", b"three").unwrap();
    assert!(
        a.ends_with("comms/claude-to-codex/0001-api-shape.md"),
        "{a:?}"
    );
    assert!(
        b.ends_with("comms/claude-to-codex/0002-api-shape.md"),
        "{b:?}"
    );
    assert!(c.ends_with("comms/codex-to-claude/0001-note.md"), "{c:?}");
    let found = pending(&dir).unwrap();
    let names: Vec<(&str, &str)> = found
        .iter()
        .map(|p| (p.channel.as_str(), p.file.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("claude-to-codex", "0001-api-shape.md"),
            ("claude-to-codex", "0002-api-shape.md"),
            ("codex-to-claude", "0001-note.md")
        ]
    );
}

#[test]
fn archived_numbers_are_never_reused_and_the_archive_never_overwrites() {
    let temp = TempPeersDir::new();
    let dir = dir_of(&temp);
    publish(&dir, "a", "b", "x", b"1").unwrap();
    let first = pending(&dir).unwrap().remove(0);
    let moved = archive(&dir, &first, "").unwrap();
    assert!(moved.ends_with("comms/archive/a-to-b/0001-x.md"));
    let next = publish(&dir, "a", "b", "x", b"2").unwrap();
    assert!(next.ends_with("0002-x.md"), "{next:?}");
    assert!(pending(&dir).unwrap().iter().all(|p| p.number == 2));
}

#[test]
fn an_oversized_message_is_refused_and_nothing_is_left_behind() {
    let temp = TempPeersDir::new();
    let dir = dir_of(&temp);
    let big = vec![b'a'; MESSAGE_CAP as usize + 1];
    let err = publish(&dir, "a", "b", "big", &big).unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err}");
    assert!(pending(&dir).unwrap().is_empty());
    publish(&dir, "a", "b", "ok", &big[..MESSAGE_CAP as usize]).unwrap();
    let entries: Vec<String> = std::fs::read_dir(comms_dir(&dir).join("a-to-b"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".lock")
        .collect();
    assert_eq!(entries, ["0001-ok.md"], "no temporary file may remain");
}

#[test]
fn only_published_regular_files_count_as_messages() {
    let temp = TempPeersDir::new();
    let dir = dir_of(&temp);
    let channel = comms_dir(&dir).join("a-to-b");
    std::fs::create_dir_all(&channel).unwrap();
    std::fs::write(channel.join(".incoming-1-2.tmp"), b"half").unwrap();
    std::fs::write(channel.join("notes.md"), b"not numbered").unwrap();
    std::fs::write(channel.join("12-short.md"), b"too few digits").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", channel.join("0001-link.md")).unwrap();
    std::fs::create_dir(channel.join("0002-dir.md")).unwrap();
    assert!(pending(&dir).unwrap().is_empty());
}

#[test]
fn topics_become_safe_file_names() {
    assert_eq!(topic_slug("../../etc/passwd"), "etc-passwd");
    assert_eq!(topic_slug("Ready for review!"), "ready-for-review");
    assert_eq!(topic_slug("   "), "note");
    assert!(topic_slug(&"long ".repeat(40)).len() <= 48);
    assert_eq!(number_of("0042-x.md"), Some(42));
    assert_eq!(number_of("0042-.md"), None);
    assert_eq!(number_of("042-x.md"), None);
}

/// Regression guard for the channel's concurrency: two writers racing on one channel while a
/// reader ingests never produce a torn, lost or duplicated message, nor a reused number.
#[test]
fn concurrent_writers_never_tear_lose_or_duplicate_a_message() {
    const PER_WRITER: usize = 300;
    let temp = TempPeersDir::new();
    let dir = dir_of(&temp);
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let dir = dir.clone();
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut numbers = BTreeSet::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                for message in pending(&dir).unwrap() {
                    let bytes = read(&message).unwrap();
                    let id =
                        is_whole(&bytes).unwrap_or_else(|| panic!("torn message {}", message.file));
                    assert!(
                        numbers.insert(message.number),
                        "number {} seen twice",
                        message.number
                    );
                    archive(&dir, &message, "").unwrap();
                    seen.push(id);
                }
                if finished && pending(&dir).unwrap().is_empty() {
                    return seen;
                }
            }
        })
    };
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                for i in 0..PER_WRITER {
                    publish(&dir, "a", "b", &format!("t{}", i % 3), &body(w, i)).unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let mut seen = reader.join().unwrap();
    seen.sort_unstable();
    let expected: Vec<(usize, usize)> = (0..2)
        .flat_map(|w| (0..PER_WRITER).map(move |i| (w, i)))
        .collect();
    assert_eq!(seen, expected);
    let archived = std::fs::read_dir(archive_dir(&dir).join("a-to-b"))
        .unwrap()
        .count();
    assert_eq!(archived, 2 * PER_WRITER);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any topic becomes a file name of safe characters that the channel reads back.
    #[test]
    fn any_topic_becomes_a_safe_name_read_back(topic in ".{0,200}", number in 1u64..100_000) {
        let slug = topic_slug(&topic);
        proptest::prop_assert!(!slug.is_empty() && slug.len() <= 48);
        proptest::prop_assert!(slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        proptest::prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'));
        proptest::prop_assert_eq!(number_of(&format!("{number:04}-{slug}.md")), Some(number));
    }

    /// No file name that is not `NNNN-<topic>.md` counts as a message.
    #[test]
    fn only_numbered_markdown_names_are_messages(name in "[.a-z0-9-]{0,20}(\\.md)?") {
        if let Some(n) = number_of(&name) {
            let (digits, rest) = name.split_once('-').unwrap();
            proptest::prop_assert!(digits.len() >= 4 && rest.ends_with(".md") && rest.len() > 3);
            proptest::prop_assert_eq!(digits.parse::<u64>().unwrap(), n);
        }
    }
}
