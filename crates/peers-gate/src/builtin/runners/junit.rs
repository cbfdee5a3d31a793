//! Reading a JUnit XML report (the file pytest writes with `--junitxml`): each `<testcase>`
//! and whether it holds a `<failure>`, `<error>` or `<skipped>`. A small scanner, not a full
//! XML parser: it reads what test runners write and rejects what it cannot follow.

use super::{EXCERPT_LINES, Parsed, TestFailure, excerpt};

/// The test cases of `xml`; `Err` when the document is cut or not JUnit.
pub fn parse(xml: &str) -> Result<Parsed, String> {
    if !xml.contains("<testsuite") {
        return Err("the JUnit report has no <testsuite> element".to_owned());
    }
    let mut parsed = Parsed::default();
    let mut rest = xml;
    while let Some(start) = rest.find("<testcase") {
        let after = &rest[start + "<testcase".len()..];
        let (attributes, self_closing, body_start) = read_tag(after)?;
        let name = case_name(&attributes);
        let (body, next) = if self_closing {
            ("", &after[body_start..])
        } else {
            let body = &after[body_start..];
            let end = body
                .find("</testcase>")
                .ok_or_else(|| format!("the JUnit report is cut inside test case `{name}`"))?;
            (&body[..end], &body[end + "</testcase>".len()..])
        };
        classify(&mut parsed, name, body)?;
        rest = next;
    }
    Ok(parsed)
}

fn classify(parsed: &mut Parsed, name: String, body: &str) -> Result<(), String> {
    for kind in ["<failure", "<error"] {
        if let Some(at) = body.find(kind) {
            let (attributes, self_closing, text_start) = read_tag(&body[at + kind.len()..])?;
            let text = if self_closing {
                String::new()
            } else {
                let text = &body[at + kind.len() + text_start..];
                unescape(&text[..text.find("</").unwrap_or(text.len())])
            };
            let message = attribute(&attributes, "message").unwrap_or_default();
            let source = if text.trim().is_empty() {
                message
            } else {
                text
            };
            parsed.failed.push(TestFailure {
                name,
                excerpt: excerpt(&source, EXCERPT_LINES),
            });
            return Ok(());
        }
    }
    if body.contains("<skipped") {
        parsed.skipped += 1;
    } else {
        parsed.passed.push(name);
    }
    Ok(())
}

/// `classname::name`, as pytest's node ids read (`tests.test_calc::test_adds`).
fn case_name(attributes: &[(String, String)]) -> String {
    let class = attribute(attributes, "classname").unwrap_or_default();
    let name = attribute(attributes, "name").unwrap_or_default();
    if class.is_empty() {
        name
    } else {
        format!("{class}::{name}")
    }
}

fn attribute(attributes: &[(String, String)], key: &str) -> Option<String> {
    attributes
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.clone())
}

/// A tag's attributes, whether it closes itself, and the offset just past its `>`.
type Tag = (Vec<(String, String)>, bool, usize);

/// Reads the attributes of a tag whose name was just consumed: returns them, whether the tag
/// closes itself (`/>`), and the offset just past its `>`.
fn read_tag(text: &str) -> Result<Tag, String> {
    let mut attributes = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut name = String::new();
    while let Some((index, c)) = chars.next() {
        match c {
            '>' => {
                let self_closing = text[..index].trim_end().ends_with('/');
                return Ok((attributes, self_closing, index + 1));
            }
            '"' | '\'' => {
                let value_start = index + 1;
                let end = text[value_start..]
                    .find(c)
                    .ok_or("the JUnit report has an unterminated attribute")?;
                let key = name.trim().trim_end_matches('=').trim().to_owned();
                attributes.push((key, unescape(&text[value_start..value_start + end])));
                name.clear();
                while chars.peek().is_some_and(|(i, _)| *i <= value_start + end) {
                    chars.next();
                }
            }
            c if c.is_whitespace() => {
                if !name.trim_end().ends_with('=') {
                    name.clear();
                }
            }
            _ => name.push(c),
        }
    }
    Err("the JUnit report ends inside a tag".to_owned())
}

/// The five named entities and numeric references.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let entity = &rest[at..];
        let Some(end) = entity.find(';').filter(|end| *end <= 10) else {
            out.push('&');
            rest = &entity[1..];
            continue;
        };
        let body = &entity[1..end];
        let decoded = match body {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => body
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| body.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &entity[end + 1..];
            }
            None => {
                out.push('&');
                rest = &entity[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What pytest 9 wrote for the sample package (one pass, one failure, one skip, one
    /// test in a class).
    const PYTEST: &str = include_str!("../../../tests/fixtures/runners/pytest-failing.xml");

    #[test]
    fn pytest_report_gives_each_case_and_the_assertion() {
        let parsed = parse(PYTEST).unwrap();
        assert_eq!(
            parsed.passed,
            vec![
                "tests.test_calc::test_adds",
                "tests.test_calc.TestK::test_in_class"
            ]
        );
        assert_eq!(parsed.skipped, 1);
        assert_eq!(parsed.failed.len(), 1);
        assert_eq!(parsed.failed[0].name, "tests.test_calc::test_fails");
        assert!(
            parsed.failed[0]
                .excerpt
                .starts_with("E       AssertionError: add & <wrong>"),
            "{}",
            parsed.failed[0].excerpt
        );
    }

    #[test]
    fn collection_errors_are_failures() {
        let xml = r#"<testsuites><testsuite><testcase classname="" name="tests.test_x"><error message="collection failure">ImportError: no module named calc</error></testcase></testsuite></testsuites>"#;
        let parsed = parse(xml).unwrap();
        assert_eq!(parsed.failed[0].name, "tests.test_x");
        assert_eq!(
            parsed.failed[0].excerpt,
            "ImportError: no module named calc"
        );
    }

    #[test]
    fn a_cut_report_is_an_error_not_an_empty_run() {
        assert!(parse(r#"<testsuite><testcase name="a">"#).is_err());
        assert!(parse("not xml").is_err());
    }

    #[test]
    fn entities_decode() {
        assert_eq!(
            unescape("a &lt;b&gt; &amp;&#10;&#x41; &bogus; &"),
            "a <b> &\nA &bogus; &"
        );
    }
}
