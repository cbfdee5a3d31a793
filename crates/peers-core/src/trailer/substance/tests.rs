//! Tests for the substance rule: the prompt's template filled in honestly passes, tokens and
//! the template copied verbatim fail, and only the real trailer block is set aside.

use super::*;

const TEMPLATE: &str = include_str!("../../../templates/self_review.md");

fn handoff(section: &str) -> String {
    format!(
        "Add the parser\n\nWhat changed.\n\n## Self-Review\n{section}\n\nPeer: claude\n\
         Peer-Status: handoff\nSelf-Review: pass\n"
    )
}

fn passes(section: &str) -> bool {
    section_substance(&handoff(section), "Self-Review") >= MIN_SELF_REVIEW_CHARS
}

/// The `- Label: value` bullets of the template's example, as (label, value).
fn template_bullets() -> Vec<(String, String)> {
    TEMPLATE
        .lines()
        .filter_map(|line| line.strip_prefix("- "))
        .filter_map(|bullet| bullet.split_once(": "))
        .map(|(label, value)| (label.to_owned(), value.to_owned()))
        .collect()
}

#[test]
fn the_template_filled_in_honestly_passes() {
    let bullets = template_bullets();
    assert_eq!(bullets.len(), 3, "{bullets:?}");
    let answers = [
        "cargo test (14 passed), cargo clippy clean; re-read the diff of parse.rs",
        "behaviour on inputs over 2 GiB",
        "none known",
    ];
    let section: Vec<String> = bullets
        .iter()
        .zip(answers)
        .map(|((label, _), answer)| format!("- {label}: {answer}"))
        .collect();
    assert!(passes(&section.join("\n")), "{section:?}");
}

#[test]
fn a_short_honest_review_in_the_template_passes() {
    assert!(passes(
        "- Checked: cargo test passes, 12 tests\n- Not verified: none\n- Risks: none"
    ));
    assert!(passes("- **Checked**: ran pytest -q, all 31 passed"));
    assert!(passes(
        "1. Checked: the empty-input path by hand\n2. Risks: n/a"
    ));
}

#[test]
fn the_template_copied_verbatim_is_a_token() {
    let section: Vec<String> = template_bullets()
        .iter()
        .map(|(label, value)| format!("- {label}: {value}"))
        .collect();
    assert!(!passes(&section.join("\n")), "{section:?}");
}

#[test]
fn every_template_placeholder_is_recognised() {
    for (_, value) in template_bullets() {
        let normalized = value.trim_end_matches('.').to_lowercase();
        assert!(
            TEMPLATE_PLACEHOLDERS.contains(&normalized.as_str()),
            "the Self-Review template changed; update TEMPLATE_PLACEHOLDERS: {value:?}"
        );
    }
}

#[test]
fn tokens_and_empty_sections_fail() {
    for token in [
        "",
        "ok",
        "- Checked: done\n- Not verified: none\n- Risks: none",
        "- Checked: yes\n- Not verified: n/a\n- Risks: -",
        "Checked: LGTM.\nRisks: nothing",
        "- \n- \n- ",
        "**Checked**: ok",
    ] {
        assert!(!passes(token), "{token:?}");
    }
}

#[test]
fn key_value_lines_in_the_body_are_content_but_the_trailer_block_is_not() {
    let prose_labels = "Checked: cargo test, 12 passed\nRisks: the retry loop";
    assert!(passes(prose_labels));
    let only_trailers = "Add parser\n\n## Self-Review\nPeer: claude\nPeer-Status: handoff\n\
                         Self-Review: pass\n";
    assert_eq!(section_substance(only_trailers, "Self-Review"), 0);
}

#[test]
fn a_path_before_a_colon_is_not_a_label() {
    assert_eq!(strip_label("src/a.rs: fixed"), "src/a.rs: fixed");
    assert_eq!(strip_label("Not verified: x"), "x");
    assert_eq!(strip_label("no colon here"), "no colon here");
    assert_eq!(strip_label("http://x"), "http://x");
}

#[test]
fn only_the_named_section_counts() {
    let message = "t\n\n## Notes\nA long paragraph that is not the review at all.\n\n\
                   ## Self-Review\nok\n\nPeer: a\nPeer-Status: handoff\nSelf-Review: pass\n";
    assert_eq!(section_substance(message, "Self-Review"), 0);
}
