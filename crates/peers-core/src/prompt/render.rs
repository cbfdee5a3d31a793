//! The template renderer: `{{name}}` placeholders filled in one pass, and text clipping
//! helpers that keep every variable part of a prompt within its byte budget.

/// Fills every `{{name}}` in `template` from `vars`, in a single left-to-right pass, so a
/// value that itself contains `{{…}}` (a commit subject, a diagnostic) is never expanded.
/// A placeholder with no value is left as written; tests assert that no rendered prompt
/// still contains `{{`, which turns a misspelt placeholder into a test failure.
pub(crate) fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match vars.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// The placeholder names a template uses, in order of first appearance.
#[cfg(test)]
pub(crate) fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            break;
        };
        if !names.contains(&&after[..close]) {
            names.push(&after[..close]);
        }
        rest = &after[close + 2..];
    }
    names
}

const ELLIPSIS: &str = "…";

/// The first `max` bytes of `text` (cut on a char boundary, `…` marking the cut) and
/// whether anything was cut.
pub(crate) fn clip_head(text: &str, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text.to_owned(), false);
    }
    let mut end = max.saturating_sub(ELLIPSIS.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (format!("{}{ELLIPSIS}", &text[..end]), true)
}

/// The last `max` bytes of `text`, for diagnostics whose useful part (the failure) is at
/// the end, and whether anything was cut.
pub(crate) fn clip_tail(text: &str, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text.to_owned(), false);
    }
    let mut start = text.len() - max.saturating_sub(ELLIPSIS.len());
    while !text.is_char_boundary(start) {
        start += 1;
    }
    (format!("{ELLIPSIS}{}", &text[start..]), true)
}

/// `text` on one line: control characters (newlines included) become spaces, so a value
/// from another peer cannot start a fake section of the prompt.
pub(crate) fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_fills_known_and_keeps_unknown_placeholders() {
        let text = render("a {{x}} b {{y}} c {{x}}", &[("x", "1")]);
        assert_eq!(text, "a 1 b {{y}} c 1");
    }

    #[test]
    fn render_does_not_expand_placeholders_inside_values() {
        let text = render("{{a}}{{b}}", &[("a", "{{b}}"), ("b", "2")]);
        assert_eq!(text, "{{b}}2");
    }

    #[test]
    fn render_keeps_an_unclosed_brace_pair() {
        assert_eq!(render("x {{y", &[("y", "1")]), "x {{y");
    }

    #[test]
    fn placeholders_lists_each_name_once() {
        assert_eq!(placeholders("{{a}} {{b}} {{a}}"), vec!["a", "b"]);
    }

    #[test]
    fn clip_head_respects_the_byte_budget_and_char_boundaries() {
        let (text, cut) = clip_head("ééééé", 6);
        assert!(cut);
        assert!(text.len() <= 6, "{text}");
        assert_eq!(text, "é…");
        assert_eq!(clip_head("short", 10), ("short".to_owned(), false));
    }

    #[test]
    fn clip_tail_keeps_the_end() {
        let (text, cut) = clip_tail("0123456789", 6);
        assert!(cut);
        assert_eq!(text, "…789");
        assert!(text.len() <= 6);
    }

    #[test]
    fn one_line_removes_newlines_and_controls() {
        assert_eq!(one_line(" a\nb\r\tc\u{7} "), "a b  c");
    }
}
