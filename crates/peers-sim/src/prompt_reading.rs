//! Reading the two things a sim peer takes from its prompt: the counterpart's name and the
//! soft reviews requested. The prompt format belongs to another module and may change, so
//! both readers are lenient and say "not found" rather than guess.

/// The counterpart the prompt names: `Your counterpart is 'x'` or `counterparts … are: x, y`
/// (the first one).
pub(crate) fn counterpart(prompt: &str) -> Option<String> {
    prompt.lines().find_map(|line| {
        let at = line.to_ascii_lowercase().find("counterpart")?;
        let rest = &line[at + "counterpart".len()..];
        if let Some(open) = rest.find(['\'', '"', '`']) {
            let quoted = &rest[open + 1..];
            let close = quoted.find(['\'', '"', '`'])?;
            return goal_or_peer_name(&quoted[..close]);
        }
        let after_colon = &rest[rest.find(':')? + 1..];
        let first = after_colon
            .split([',', ' '])
            .find(|word| !word.is_empty())?;
        goal_or_peer_name(first.trim_end_matches('.'))
    })
}

/// The goal ids listed under a heading that contains `SOFT REVIEW`: bullet lines `- <id>` at
/// the indentation of the first bullet, until the next heading. `None` when there is no such
/// heading (the caller then falls back to its defaults); `Some(empty)` when it lists nothing.
pub(crate) fn requested_soft_reviews(prompt: &str) -> Option<Vec<String>> {
    let mut lines = prompt.lines();
    lines.find(|line| line.to_ascii_uppercase().contains("SOFT REVIEW"))?;
    let mut ids = Vec::new();
    let mut bullet_indent = None;
    for line in lines {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let bullet = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "));
        let Some(item) = bullet else {
            if indent == 0 && is_heading(trimmed) {
                break;
            }
            continue;
        };
        if *bullet_indent.get_or_insert(indent) != indent {
            continue;
        }
        let word = item.split_whitespace().next().unwrap_or("");
        let word = word.trim_matches('`').trim_end_matches([':', ',', '.']);
        if let Some(id) = goal_or_peer_name(word.trim_matches('`')) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Some(ids)
}

/// A markdown heading, a line ending in `:`, or one opening with an upper-case word
/// (`TASK: …`, `INBOX (…):`).
fn is_heading(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    let shouting = first.trim_end_matches(':');
    line.starts_with('#')
        || line.trim_end().ends_with(':')
        || (shouting.len() >= 3 && shouting.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
}

/// `word` if it looks like an id: starts with a letter or digit, then letters, digits, `-`,
/// `_`, `.`.
fn goal_or_peer_name(word: &str) -> Option<String> {
    let starts_well = word
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    (starts_well && rest_ok).then(|| word.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counterpart_in_either_phrasing() {
        let one = "You are peer 'claude'. Your counterpart is 'codex'.";
        assert_eq!(counterpart(one).as_deref(), Some("codex"));
        let many = "Your counterparts in this loop are: gemini, codex.";
        assert_eq!(counterpart(many).as_deref(), Some("gemini"));
        assert_eq!(counterpart("no names here"), None);
    }

    #[test]
    fn soft_review_ids_under_the_heading_only() {
        let prompt = "\
GOAL STATUS:
  - tests-pass: fail
SOFT REVIEWS REQUESTED (please answer in this turn):
  - bug-hunt-round-1: Hunt for bugs in two rounds.
      - an indented line of the goal's prompt
  - `test-coverage-3-class`
Use this format:
- pass: true
INBOX (messages from your peer):
  - not-a-goal
";
        let ids = requested_soft_reviews(prompt).unwrap();
        assert_eq!(ids, vec!["bug-hunt-round-1", "test-coverage-3-class"]);
    }

    #[test]
    fn markdown_heading_form_and_absent_section() {
        let prompt = "## Soft reviews requested\n\n- docs-clear\n\n## Task\n- nope\n";
        assert_eq!(requested_soft_reviews(prompt).unwrap(), vec!["docs-clear"]);
        assert_eq!(requested_soft_reviews("TASK: do things\n- x\n"), None);
    }
}
