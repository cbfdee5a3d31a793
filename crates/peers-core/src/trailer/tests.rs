//! Tests for the trailer protocol.

use super::*;

fn pairs(message: &str) -> Vec<(String, String)> {
    parse_trailers(message)
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn trailers_are_the_bottom_block_in_message_order() {
    let message =
        "Fix parser\n\nBody text.\n\nPeer: claude\nPeer-Status: handoff\nSelf-Review: pass\n\n";
    assert_eq!(
        pairs(message),
        owned(&[
            ("Peer", "claude"),
            ("Peer-Status", "handoff"),
            ("Self-Review", "pass")
        ])
    );
}

#[test]
fn key_value_lines_above_a_blank_line_are_body_not_trailers() {
    let message = "Subject\n\nPeer-Status: handoff\nSelf-Review: pass\n\nPeer: codex\n";
    assert_eq!(pairs(message), owned(&[("Peer", "codex")]));
    assert!(!is_handoff(message));
}

#[test]
fn a_non_trailer_line_ends_the_block() {
    let message = "Subject\n\nPeer-Status: handoff\nthis line is prose\nPeer: codex\n";
    assert_eq!(pairs(message), owned(&[("Peer", "codex")]));
}

#[test]
fn repeated_keys_are_all_kept_and_the_bottom_one_wins() {
    let message = "Two bugs\n\nBug-Report: BUG-1\nBug-Report: BUG-2\nPeer: a\nPeer: b\n";
    let trailers = pairs(message);
    assert_eq!(
        values(&trailers, "bug-report").collect::<Vec<_>>(),
        ["BUG-1", "BUG-2"]
    );
    assert_eq!(last_value(&trailers, "PEER"), Some("b"));
    assert_eq!(last_value(&trailers, "Missing"), None);
}

#[test]
fn url_lines_end_the_block() {
    let message = "Subject\n\nPeer: above\nhttps://example.com/issue/1\nPeer: below\n";
    assert_eq!(pairs(message), owned(&[("Peer", "below")]));
    let scheme_relative = "Subject\n\nPeer: above\nSee: //host/path\nPeer: below\n";
    assert_eq!(pairs(scheme_relative), owned(&[("Peer", "below")]));
    // A URL in a value that does not start with `//` is an ordinary trailer.
    let link = "Subject\n\nLink: https://example.com\n";
    assert_eq!(pairs(link), owned(&[("Link", "https://example.com")]));
}

#[test]
fn cherry_pick_footer_is_skipped() {
    let message = format!(
        "Subject\n\nPeer: codex\nBug-Resolves: BUG-9\n(cherry picked from commit {})\n",
        "ab12".repeat(10)
    );
    assert_eq!(
        pairs(&message),
        owned(&[("Peer", "codex"), ("Bug-Resolves", "BUG-9")])
    );
}

#[test]
fn keys_need_two_characters_starting_with_a_letter() {
    assert!(pairs("Subject\n\nX: one letter\n").is_empty());
    assert!(pairs("Subject\n\n1Key: digit first\n").is_empty());
    assert!(pairs("Subject\n\nBad_Key: underscore\n").is_empty());
    assert_eq!(
        pairs("Subject\n\nOK:no-space\n"),
        owned(&[("OK", "no-space")])
    );
}

#[test]
fn the_subject_line_is_never_a_trailer() {
    assert!(pairs("Peer-Status: handoff").is_empty());
    assert!(!is_handoff("Peer-Status: handoff\nSelf-Review: pass"));
    assert_eq!(
        pairs("Resolve BUG-1\nPeer: codex\nBug-Resolves: BUG-1"),
        owned(&[("Peer", "codex"), ("Bug-Resolves", "BUG-1")])
    );
}

#[test]
fn handoff_needs_both_trailers_with_exact_values() {
    let base = "Work\n\n## Self-Review\nfine\n\nPeer: claude\n";
    assert!(is_handoff(&format!(
        "{base}Peer-Status: handoff\nSelf-Review: pass\n"
    )));
    assert!(!is_handoff(&format!("{base}Peer-Status: handoff\n")));
    assert!(!is_handoff(&format!(
        "{base}Peer-Status: Handoff\nSelf-Review: pass\n"
    )));
    assert!(!is_handoff(&format!(
        "{base}Peer-Status: handoff\nSelf-Review: passed\n"
    )));
    // The bottom-most value wins, so a later retraction counts.
    assert!(!is_handoff(&format!(
        "{base}Peer-Status: handoff\nSelf-Review: pass\nSelf-Review: fail\n"
    )));
}

#[test]
fn section_heading_needs_space_and_a_word_boundary() {
    assert!(has_section("x\n\n## Self-Review\n", "Self-Review"));
    assert!(has_section(
        "x\n\n##\tSelf-Review: all good\n",
        "Self-Review"
    ));
    assert!(!has_section("x\n\n##Self-Review\n", "Self-Review"));
    assert!(!has_section("x\n\n### Self-Review\n", "Self-Review"));
    assert!(!has_section("x\n\n## Self-Reviewed\n", "Self-Review"));
    assert!(!has_section("x\n\n  ## Self-Review\n", "Self-Review"));
    assert!(!has_section("x\n\nSelf-Review: pass\n", "Self-Review"));
}

#[test]
fn peer_reads_the_bottom_peer_trailer() {
    assert_eq!(peer("S\n\nPeer: a\nPeer: b\n").as_deref(), Some("b"));
    assert_eq!(peer("S\n\nPeer:\n"), None);
    assert_eq!(peer("S\n"), None);
}
