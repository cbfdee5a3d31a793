//! Finding JSON objects embedded in free text, such as the body of a Bug-Report commit.

/// A candidate object longer than this is not a bug report; stop scanning it.
const MAX_OBJECT_BYTES: usize = 64 * 1024;
/// Give up after this many `{` that opened nothing parseable, so a hostile message full of
/// braces costs bounded time. Callers treat "no object found" as malformed, which fails
/// closed.
const MAX_FAILED_STARTS: usize = 256;

/// Every balanced top-level JSON object in `text` that parses, in order of appearance.
///
/// The scanner tracks strings and escapes, so braces inside string values do not unbalance
/// it. When a `{` opens nothing parseable (a `//` comment, a trailing comma, prose), the
/// scan resumes just after it, so a valid object after or inside such braces is still found.
pub fn json_objects(text: &str) -> Vec<serde_json::Value> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut start = 0;
    let mut failed_starts = 0;
    while let Some(offset) = bytes[start..].iter().position(|b| *b == b'{') {
        let open = start + offset;
        match parse_object_at(text, open) {
            Some((value, end)) => {
                found.push(value);
                start = end;
            }
            None => {
                failed_starts += 1;
                if failed_starts >= MAX_FAILED_STARTS {
                    break;
                }
                start = open + 1;
            }
        }
    }
    found
}

fn parse_object_at(text: &str, open: usize) -> Option<(serde_json::Value, usize)> {
    let end = balanced_end(text.as_bytes(), open)?;
    let value: serde_json::Value = serde_json::from_str(&text[open..end]).ok()?;
    value.is_object().then_some((value, end))
}

/// The index just past the `}` that balances the `{` at `open`, if there is one within
/// `MAX_OBJECT_BYTES`.
fn balanced_end(bytes: &[u8], open: usize) -> Option<usize> {
    let limit = bytes.len().min(open.saturating_add(MAX_OBJECT_BYTES));
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (index, byte) in bytes.iter().enumerate().take(limit).skip(open) {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(index + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_objects_with_braces_and_escaped_quotes_inside_strings() {
        let text = r#"## Bug-Report
{"id":"BUG-1","severity":"high","description":"prints \"}{\" then {crashes}"}
trailing prose {not json} and {"id":"BUG-2","severity":"low"}"#;
        let objects = json_objects(text);
        assert_eq!(objects.len(), 2);
        assert_eq!(
            objects[0]["description"],
            json!("prints \"}{\" then {crashes}")
        );
        assert_eq!(objects[1]["id"], json!("BUG-2"));
    }

    #[test]
    fn an_object_with_a_comment_is_skipped_but_one_nested_in_prose_braces_is_found() {
        // The original's prompt example carried `//` comments: such an object must not parse.
        let text = r#"{"id":"BUG-3","severity":"high" // crit|high}
{ see: {"id":"BUG-4","severity":"med"} }"#;
        let ids: Vec<_> = json_objects(text)
            .into_iter()
            .map(|v| v["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!("BUG-4")]);
    }

    #[test]
    fn nested_objects_are_returned_only_as_part_of_their_parent() {
        let objects = json_objects(r#"{"id":"BUG-5","extra":{"id":"BUG-6"}}"#);
        assert_eq!(objects.len(), 1);
    }

    #[test]
    fn unbalanced_and_empty_text_yield_nothing() {
        assert!(json_objects("").is_empty());
        assert!(json_objects(r#"{"id":"BUG-7""#).is_empty());
        assert!(json_objects("no braces at all").is_empty());
    }

    #[test]
    fn a_message_full_of_braces_is_scanned_in_bounded_time() {
        let hostile = "{".repeat(200_000);
        let started = std::time::Instant::now();
        assert!(json_objects(&hostile).is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
